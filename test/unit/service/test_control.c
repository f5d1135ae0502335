/*
 * test_control.c - the control socket (control.h) over a real Unix socket in a mkdtemp
 * folder, the server on a real libevent loop in a second thread, the clients (raw sockets
 * and cg_control_call) blocking with deadlines in the test's thread: the socket's mode,
 * request and answer byte for byte, every kind of bad request, the bounds (clients,
 * request size, timeouts for the request and for a reply nobody reads, running out of
 * descriptors), stale and live sockets, the peer check, and the client's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/control.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000LL
#define BIG (8u << 20) /* a reply far bigger than a socket's buffers */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the service's commands ---------------------------------------------------------- */

static int cmd_echo(void *ctx, const char *args, struct cg_buf *reply)
{
    (*(int *)ctx)++;
    return cg_buf_puts(reply, args);
}

static int cmd_fail(void *ctx, const char *args, struct cg_buf *reply)
{
    if (*args)
        cg_buf_puts(reply, "state locked\x1b[2J\nsecond line");
    return CG_EBUSY;
}

static int cmd_big(void *ctx, const char *args, struct cg_buf *reply)
{
    int rc = cg_buf_reserve(reply, BIG);
    for (unsigned i = 0; rc == CG_OK && i < BIG; i++)
        reply->p[reply->n++] = (char)('a' + i % 26);
    return rc;
}

/* Work that takes longer than the timeout (a stats of many rules on a slow machine). */
static int cmd_slow(void *ctx, const char *args, struct cg_buf *reply)
{
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    return cg_buf_puts(reply, "done");
}

/* ---- a server on a loop in a thread ---------------------------------------------------- */

struct fx {
    char dir[64], path[96];
    struct event_base *base;
    struct cg_control *c;
    int echoes;
    struct cg_control_cmd cmds[4];
    pthread_t th;
    bool running;
    int stop[2];
    struct event *stop_ev;
};

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    char x;
    (void)!read(fd, &x, 1);
    event_base_loopbreak(arg);
}

static void *loop_main(void *arg)
{
    struct fx *f = arg;
    event_base_loop(f->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void fx_start(struct fx *f)
{
    assert_false(f->running);
    assert_int_equal(pthread_create(&f->th, NULL, loop_main, f), 0);
    f->running = true;
}

/* Stops the loop thread: the server's state may be read (and the loop driven) here. */
static void fx_stop(struct fx *f)
{
    if (!f->running)
        return;
    assert_int_equal(write(f->stop[1], "x", 1), 1);
    assert_int_equal(pthread_join(f->th, NULL), 0);
    f->running = false;
}

/* With the thread stopped: drives the loop here until the server has no client (what the
 * clients closed is processed), within 2 s. */
static void fx_settle(struct fx *f)
{
    int64_t deadline = now_us() + 2000 * MS;
    while (cg_control_stats(f->c)->clients && now_us() < deadline) {
        struct timeval tv = {0, 20000};
        event_base_loopexit(f->base, &tv);
        event_base_loop(f->base, 0);
    }
    assert_int_equal(cg_control_stats(f->c)->clients, 0);
}

static int fx_new(struct fx *f, struct cg_control_conf *conf, struct cg_buf *err)
{
    conf->path = f->path;
    conf->cmds = f->cmds;
    conf->ncmds = CG_ARRAY_LEN(f->cmds);
    return cg_control_new(f->base, conf, &f->c, err);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/cg-control-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/control.sock", f->dir);
    f->base = event_base_new();
    assert_non_null(f->base);
    assert_int_equal(pipe(f->stop), 0);
    f->stop_ev = event_new(f->base, f->stop[0], EV_READ | EV_PERSIST, on_stop, f->base);
    assert_int_equal(event_add(f->stop_ev, NULL), 0);
    f->cmds[0] = (struct cg_control_cmd){"echo", "repeat the arguments", cmd_echo, &f->echoes};
    f->cmds[1] = (struct cg_control_cmd){"fail", "fail, saying why", cmd_fail, NULL};
    f->cmds[2] = (struct cg_control_cmd){"big-reply", "8 MiB of letters", cmd_big, NULL};
    f->cmds[3] = (struct cg_control_cmd){"slow", "300 ms of work", cmd_slow, NULL};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fx_stop(f);
    cg_control_free(f->c);
    event_free(f->stop_ev);
    event_base_free(f->base);
    close(f->stop[0]);
    close(f->stop[1]);
    unlink(f->path);
    assert_int_equal(rmdir(f->dir), 0); /* nothing left behind in it */
    free(f);
    return 0;
}

/* A server with the default bounds (or conf's), running. */
static void fx_serve(struct fx *f, struct cg_control_conf *conf)
{
    struct cg_control_conf def = {0};
    struct cg_buf err;
    cg_buf_init(&err);
    if (fx_new(f, conf ? conf : &def, &err) != CG_OK)
        fail_msg("cg_control_new: %s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    fx_start(f);
}

/* ---- raw clients ----------------------------------------------------------------------- */

static int raw_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        fail_msg("connect %s: %s", path, strerror(errno));
    return fd;
}

static void raw_send(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* Reads until the server closes (a reset after data counts as the close: the server shut
 * a connection with bytes of ours unread), at most 3 s; fails the test on timeout. What
 * was read goes to b (NUL-terminated); returns its length. */
static size_t raw_read_all(int fd, struct cg_buf *b)
{
    int64_t deadline = now_us() + 3000 * MS;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int64_t left = deadline - now_us();
        if (left <= 0)
            fail_msg("the server did not close within 3 s (read %zu bytes)", b->n);
        if (poll(&p, 1, (int)(left / 1000) + 1) <= 0)
            continue;
        assert_int_equal(cg_buf_reserve(b, 65536), CG_OK);
        ssize_t r = read(fd, b->p + b->n, 65536);
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            break;
        assert_true(r > 0);
        b->n += (size_t)r;
    }
    cg_buf_cstr(b);
    return b->n;
}

/* Waits (3 s at most) until the server has closed its side, reading nothing. */
static void wait_closed(int fd)
{
    int64_t deadline = now_us() + 3000 * MS;
    struct pollfd p = {fd, POLLRDHUP, 0};
    while (!(p.revents & (POLLRDHUP | POLLHUP)) && now_us() < deadline)
        poll(&p, 1, 50);
    assert_true(p.revents & (POLLRDHUP | POLLHUP));
}

/* Waits (3 s at most) until fd has bytes to read. */
static void wait_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 3000), 1);
}

/* One exchange on a raw socket: sends n bytes (shut_wr: then shuts the writing side),
 * expects exactly want back. */
static void raw_exchange(const char *path, const char *p, size_t n, bool shut_wr, const char *want)
{
    int fd = raw_connect(path);
    raw_send(fd, p, n);
    if (shut_wr)
        shutdown(fd, SHUT_WR);
    struct cg_buf b;
    cg_buf_init(&b);
    raw_read_all(fd, &b);
    assert_string_equal(cg_buf_cstr(&b), want);
    cg_buf_fini(&b);
    close(fd);
}

static void call_ok(const char *path, const char *req, const char *want)
{
    struct cg_buf reply, err;
    cg_buf_init(&reply);
    cg_buf_init(&err);
    int rc = cg_control_call(path, req, 2000 * MS, &reply, &err);
    if (rc != CG_OK)
        fail_msg("%s: %s (%s)", req, cg_err_str(rc), cg_buf_cstr(&err));
    assert_string_equal(cg_buf_cstr(&reply), want);
    assert_int_equal(err.n, 0);
    cg_buf_fini(&reply);
    cg_buf_fini(&err);
}

static void call_err(const char *path, const char *req, int want_rc, const char *want)
{
    struct cg_buf reply, err;
    cg_buf_init(&reply);
    cg_buf_init(&err);
    assert_int_equal(cg_control_call(path, req, 2000 * MS, &reply, &err), want_rc);
    assert_string_equal(cg_buf_cstr(&err), want);
    assert_int_equal(reply.n, 0);
    cg_buf_fini(&reply);
    cg_buf_fini(&err);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_mode_and_help(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    struct stat st;
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_string_equal(cg_control_path(f->c), f->path);
    call_ok(f->path, "help",
            "echo       repeat the arguments\n"
            "fail       fail, saying why\n"
            "big-reply  8 MiB of letters\n"
            "slow       300 ms of work\n"
            "help       list the commands\n");
    fx_stop(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->requests, 1);
    assert_int_equal(s->errors, 0);
    assert_int_equal(s->clients, 0);
    /* the service's counters, as `cefguard stats` writes them */
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_write(&cg_control_counters, s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "control.requests 1\ncontrol.errors 0\n"
                                         "control.refused 0\ncontrol.timeouts 0\n"
                                         "control.clients 0\n");
    cg_buf_fini(&b);
    /* free removes the socket it made */
    cg_control_free(f->c);
    f->c = NULL;
    assert_int_equal(lstat(f->path, &st), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_requests(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    call_ok(f->path, "echo hello  world ", "hello  world ");
    call_ok(f->path, "echo", "");
    call_ok(f->path, "echo ", "");
    call_err(f->path, "fail x", CG_EINVAL, "state locked\\x1b[2J"); /* first line, escaped */
    call_err(f->path, "fail", CG_EINVAL, cg_err_str(CG_EBUSY));
    call_err(f->path, "nope", CG_EINVAL, "unknown command 'nope' (help lists them)");
    const char *bad = "bad request: expected COMMAND [ARGS], COMMAND of a-z and '-', no control "
                      "bytes";
    call_err(f->path, "Echo x", CG_EINVAL, bad);
    call_err(f->path, "", CG_EINVAL, bad);
    call_err(f->path, " echo", CG_EINVAL, bad);
    call_err(f->path, "echo\tx", CG_EINVAL, bad);
    /* raw: CRLF, bytes after the LF ignored, a NUL, EOF without LF, DEL */
    raw_exchange(f->path, "echo a\r\necho b\n", 15, false, "OK\na");
    raw_exchange(f->path, "echo a\0b\n", 9, false,
                 "ERR bad request: expected COMMAND [ARGS], "
                 "COMMAND of a-z and '-', no control bytes\n");
    raw_exchange(f->path, "echo z", 6, true, "OK\nz");
    raw_exchange(f->path, "echo \x7f\n", 7, false,
                 "ERR bad request: expected COMMAND [ARGS], "
                 "COMMAND of a-z and '-', no control bytes\n");
    /* a reply far bigger than the socket buffers, exactly */
    struct cg_buf reply, err;
    cg_buf_init(&reply);
    cg_buf_init(&err);
    assert_int_equal(cg_control_call(f->path, "big-reply", 5000 * MS, &reply, &err), CG_OK);
    assert_int_equal(reply.n, BIG);
    for (unsigned i = 0; i < BIG; i += 4099)
        assert_int_equal(reply.p[i], 'a' + i % 26);
    assert_int_equal(reply.p[BIG - 1], 'a' + (BIG - 1) % 26);
    cg_buf_fini(&reply);
    cg_buf_fini(&err);
    fx_stop(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->requests, 15);
    assert_int_equal(s->errors, 9);
    assert_int_equal(s->refused, 0);
    assert_int_equal(s->timeouts, 0);
    assert_int_equal(f->echoes, 5);
}

static void test_too_long(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    char line[6000];
    memcpy(line, "echo ", 5);
    memset(line + 5, 'x', sizeof(line) - 5);
    const char *too_long = "ERR request too long (at most 4096 bytes with the newline)\n";
    /* 4096 bytes with the LF: taken */
    line[4095] = '\n';
    struct cg_buf want;
    cg_buf_init(&want);
    cg_buf_puts(&want, "OK\n");
    cg_buf_put(&want, line + 5, 4090);
    raw_exchange(f->path, line, 4096, false, cg_buf_cstr(&want));
    /* 4097: refused, and so is a line that never ends */
    line[4095] = 'x';
    line[4096] = '\n';
    raw_exchange(f->path, line, 4097, false, too_long);
    raw_exchange(f->path, line, 4096, false, too_long);
    raw_exchange(f->path, line, sizeof(line), false, too_long);
    /* the client says so too */
    line[4096] = 'x';
    line[5000] = '\0';
    call_err(f->path, line, CG_EINVAL, "request too long (at most 4096 bytes with the newline)");
    cg_buf_fini(&want);
    /* and a good request still goes */
    call_ok(f->path, "echo ok", "ok");
    fx_stop(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->requests, 6);
    assert_int_equal(s->errors, 4);
}

static void test_max_clients(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    int fds[16];
    for (int i = 0; i < 16; i++) {
        fds[i] = raw_connect(f->path);
        raw_send(fds[i], "ech", 3); /* open, not done */
    }
    /* the 17th is refused: the 16 are ahead of it in the accept queue */
    raw_exchange(f->path, "", 0, false, "ERR too many clients\n");
    call_err(f->path, "echo x", CG_EINVAL, "too many clients");
    /* one of the 16 finishes: once it has read to the end, its place is free */
    raw_send(fds[0], "o 0\n", 4);
    struct cg_buf b;
    cg_buf_init(&b);
    raw_read_all(fds[0], &b);
    assert_string_equal(cg_buf_cstr(&b), "OK\n0");
    close(fds[0]);
    call_ok(f->path, "echo 17", "17");
    /* the other 15 were kept waiting, not closed: each still gets its answer */
    for (int i = 1; i < 16; i++) {
        raw_send(fds[i], "o\n", 2);
        cg_buf_clear(&b);
        raw_read_all(fds[i], &b);
        assert_string_equal(cg_buf_cstr(&b), "OK\n");
        close(fds[i]);
    }
    cg_buf_fini(&b);
    fx_stop(f);
    fx_settle(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->refused, 2);
    assert_int_equal(s->requests, 17);
    assert_int_equal(s->errors, 0);
    assert_int_equal(s->timeouts, 0);
}

static void test_timeouts(void **state)
{
    struct fx *f = *state;
    struct cg_control_conf conf = {.request_timeout_us = 200 * MS};
    fx_serve(f, &conf);
    /* silent, and a partial line: each closed after 200 ms, saying so */
    for (int i = 0; i < 2; i++) {
        int64_t t0 = now_us();
        int fd = raw_connect(f->path);
        if (i)
            raw_send(fd, "ech", 3);
        struct cg_buf b;
        cg_buf_init(&b);
        raw_read_all(fd, &b);
        int64_t took = now_us() - t0;
        assert_string_equal(cg_buf_cstr(&b), "ERR timeout\n");
        assert_true(took >= 190 * MS && took < 2000 * MS);
        cg_buf_fini(&b);
        close(fd);
    }
    /* a command slower than the timeout: its reply still has the whole timeout to go
     * (regression: the write timeout counted from before the command ran, and closed the
     * connection before a byte was written) */
    call_ok(f->path, "slow", "done");
    /* a client that asks for a big reply and never reads it: closed once its writes stall
     * for 200 ms; meanwhile another client is served */
    int fd = raw_connect(f->path);
    raw_send(fd, "big-reply\n", 10);
    call_ok(f->path, "echo meanwhile", "meanwhile");
    wait_closed(fd); /* reading before would let the server go on */
    struct cg_buf b;
    cg_buf_init(&b);
    raw_read_all(fd, &b); /* what it got is a prefix, short of all */
    if (!(b.n > 3 && b.n < BIG + 3))
        fail_msg("read %zu bytes of a reply of %u", b.n, BIG + 3);
    assert_memory_equal(b.p, "OK\nabc", 6);
    cg_buf_fini(&b);
    close(fd);
    fx_stop(f);
    fx_settle(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->timeouts, 3);
    assert_int_equal(s->requests, 3);
    assert_int_equal(s->errors, 0);
}

/* A socket file nobody listens on, as a crashed instance leaves it. */
static void make_stale(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
}

static void test_stale_and_live(void **state)
{
    struct fx *f = *state;
    make_stale(f->path);
    struct stat st;
    assert_int_equal(lstat(f->path, &st), 0);
    char want[256];
    snprintf(want, sizeof(want), "is cefguard running? nobody listens on %s", f->path);
    call_err(f->path, "echo", CG_ENOENT, want);
    fx_serve(f, NULL); /* replaced */
    assert_int_equal(lstat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    call_ok(f->path, "echo new", "new");
    /* a second instance on the same path: busy, and the first goes on untouched */
    struct cg_control *second = NULL;
    struct cg_control_conf conf = {.path = f->path};
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_control_new(f->base, &conf, &second, &err), CG_EBUSY);
    assert_null(second);
    snprintf(want, sizeof(want), "another instance is listening on %s", f->path);
    assert_string_equal(cg_buf_cstr(&err), want);
    call_ok(f->path, "echo still", "still");
    fx_stop(f);
    cg_control_free(f->c);
    f->c = NULL;
    /* a file that is not a socket is never removed */
    int fd = open(f->path, O_CREAT | O_WRONLY | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    cg_buf_clear(&err);
    assert_int_equal(cg_control_new(f->base, &conf, &second, &err), CG_EINVAL);
    snprintf(want, sizeof(want), "not a socket, left alone: %s", f->path);
    assert_string_equal(cg_buf_cstr(&err), want);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    cg_buf_fini(&err);
}

static void test_client_errors(void **state)
{
    struct fx *f = *state;
    char want[256];
    snprintf(want, sizeof(want), "is cefguard running? no %s", f->path);
    call_err(f->path, "help", CG_ENOENT, want);
    make_stale(f->path);
    snprintf(want, sizeof(want), "is cefguard running? nobody listens on %s", f->path);
    call_err(f->path, "help", CG_ENOENT, want);
    unlink(f->path);
    call_err(f->path, "a\nb", CG_EINVAL, "a control request is one line");
    /* a listener that never answers (it does not even accept): the time runs out */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    struct cg_buf reply, err;
    cg_buf_init(&reply);
    cg_buf_init(&err);
    int64_t t0 = now_us();
    assert_int_equal(cg_control_call(f->path, "help", 200 * MS, &reply, &err), CG_EIO);
    assert_int_equal(errno, ETIMEDOUT);
    int64_t took = now_us() - t0;
    assert_true(took >= 190 * MS && took < 2000 * MS);
    snprintf(want, sizeof(want), "no answer in time from %s", f->path);
    assert_string_equal(cg_buf_cstr(&err), want);
    /* one that answers neither OK nor ERR */
    int k = accept(fd, NULL, NULL); /* the connection of the call above */
    assert_true(k >= 0);
    close(k);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int c = accept(fd, NULL, NULL);
        (void)!write(c, "HELLO\n", 6);
        _exit(0);
    }
    cg_buf_clear(&err);
    assert_int_equal(cg_control_call(f->path, "help", 2000 * MS, &reply, &err), CG_EIO);
    assert_int_equal(errno, EPROTO);
    snprintf(want, sizeof(want), "an answer neither OK nor ERR from %s: %s", f->path,
             strerror(EPROTO));
    assert_string_equal(cg_buf_cstr(&err), want);
    assert_int_equal(reply.n, 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fd);
    cg_buf_fini(&reply);
    cg_buf_fini(&err);
}

/* A peer of another uid is refused. As root (uid 0 is always let in) a child becomes
 * nobody to connect, through a socket made reachable for the test; as another user the
 * server is told to allow a uid that is not ours. */
static void test_peer_uid(void **state)
{
    struct fx *f = *state;
    struct cg_control_conf conf = {0};
    bool root = geteuid() == 0;
    if (!root)
        conf.uid = geteuid() + 1;
    fx_serve(f, &conf);
    if (!root) {
        call_err(f->path, "echo x", CG_EINVAL, "permission denied");
    } else {
        assert_int_equal(chmod(f->dir, 0711), 0);
        assert_int_equal(chmod(f->path, 0666), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct cg_buf reply, err;
            cg_buf_init(&reply);
            cg_buf_init(&err);
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
            int rc = cg_control_call(f->path, "echo x", 2000 * MS, &reply, &err);
            _exit(rc == CG_EINVAL && strcmp(cg_buf_cstr(&err), "permission denied") == 0 ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        call_ok(f->path, "echo root", "root"); /* root is let in */
    }
    fx_stop(f);
    fx_settle(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->refused, 1);
    assert_int_equal(s->requests, root ? 1 : 0);
}

/* Out of descriptors: the waiting connection is taken with the spare one and closed, not
 * left to wake the loop forever; once descriptors are back, clients are served. */
static void test_emfile(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = 256;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    static int fill[256];
    int n = 0;
    while (n < 256 && (fill[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    assert_int_equal(errno, EMFILE);
    close(fill[--n]); /* one left: the client's */
    int fd = raw_connect(f->path);
    struct cg_buf b;
    cg_buf_init(&b);
    raw_read_all(fd, &b); /* closed unheard */
    assert_int_equal(b.n, 0);
    close(fd);
    while (n)
        close(fill[--n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    call_ok(f->path, "echo back", "back");
    cg_buf_fini(&b);
    fx_stop(f);
    const struct cg_control_stats *s = cg_control_stats(f->c);
    assert_int_equal(s->refused, 1);
    assert_int_equal(s->requests, 1);
}

/* Freed with clients open, one of them mid-answer: each is closed, nothing leaks. */
static void test_free_with_clients(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    int a = raw_connect(f->path), b = raw_connect(f->path);
    raw_send(a, "ech", 3);
    raw_send(b, "big-reply\n", 10);
    wait_readable(b); /* its answer has begun */
    fx_stop(f);
    cg_control_free(f->c);
    f->c = NULL;
    event_base_loop(f->base, EVLOOP_NONBLOCK); /* libevent closes freed bufferevents here */
    struct cg_buf got;
    cg_buf_init(&got);
    raw_read_all(a, &got);
    assert_int_equal(got.n, 0);
    raw_read_all(b, &got);
    assert_true(got.n >= 3 && got.n < BIG + 3);
    cg_buf_fini(&got);
    close(a);
    close(b);
}

static void test_bad_conf(void **state)
{
    struct fx *f = *state;
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_control_cmd bad[][2] = {
        {{"help", "", cmd_fail, NULL}, {"x", "", cmd_fail, NULL}},
        {{"Up", "", cmd_fail, NULL}, {"x", "", cmd_fail, NULL}},
        {{"a", "", cmd_fail, NULL}, {"a", "", cmd_fail, NULL}},
        {{"a", "", NULL, NULL}, {"b", "", cmd_fail, NULL}},
        {{"", "", cmd_fail, NULL}, {"b", "", cmd_fail, NULL}},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        struct cg_control_conf conf = {.path = f->path, .cmds = bad[i], .ncmds = 2};
        cg_buf_clear(&err);
        assert_int_equal(cg_control_new(f->base, &conf, &f->c, &err), CG_EINVAL);
        assert_null(f->c);
        assert_true(strstr(cg_buf_cstr(&err), "control command ") != NULL);
    }
    char path[200];
    memset(path, 'p', sizeof(path));
    path[sizeof(path) - 1] = '\0';
    struct cg_control_conf conf = {.path = path};
    cg_buf_clear(&err);
    assert_int_equal(cg_control_new(f->base, &conf, &f->c, &err), CG_EINVAL);
    assert_non_null(strstr(cg_buf_cstr(&err), "a socket path has at most 107 bytes: ppp"));
    struct stat st;
    assert_int_equal(lstat(f->path, &st), -1); /* nothing made */
    cg_buf_fini(&err);
}

static void test_options(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_control_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    struct cg_control_conf conf = {0};
    assert_int_equal(cg_opt_defaults(&cg_control_options, &conf, &err), CG_OK);
    assert_int_equal(conf.max_clients, 16);
    assert_int_equal(conf.request_timeout_us, 5000 * MS);
    assert_int_equal(conf.max_request, 4096);
    assert_int_equal(cg_opt_set(&cg_control_options.v[1], "200ms", &conf, &err), CG_OK);
    assert_int_equal(conf.request_timeout_us, 200 * MS);
    assert_int_equal(cg_opt_set(&cg_control_options.v[0], "0", &conf, &err), CG_EINVAL);
    cg_buf_fini(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the service does: a client gone is an EPIPE */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mode_and_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_and_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_uid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emfile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_with_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_conf, setup, teardown),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
