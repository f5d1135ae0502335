/*
 * test_udp.c - the UDP input (source_udp.h) on a real libevent loop and real sockets on
 * 127.0.0.1 port 0, driven through its ops as the pipeline drives it, with a recording
 * env: numbered datagrams from two senders arrive exactly once each and in order, the
 * trailing ending is stripped and empty datagrams are counted, long ones are cut at
 * max-message, pause reads and discards, stop and a failing frame end the source once,
 * the burst bound hands the loop back, the kernel's drops are counted exactly
 * (SO_RXQ_OVFL), bad addresses fail init with a logged reason, and the option and
 * counter tables are what the configuration and `cefguard stats` read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "cefguard/counters.h"
#include "cefguard/log.h"
#include "cefguard/source_udp.h"

#include "input/udp_socket.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

/* ---- a recording env --------------------------------------------------------------------- */

struct rec {
    char *bytes; /* a copy of the frame's bytes */
    size_t n;
    bool cut;
    uint64_t seq, ack;
    int64_t arrival_us;
    char origin[72];
};

struct got {
    struct rec *v;
    size_t n, cap;
    int ends, end_rc;
    /* what the callback does at a given frame number (1-based) */
    uint64_t pause_at, stop_at, fail_at;
    int fail_rc;
};

static int got_frame(void *ctx, struct cg_source *s, const struct cg_frame *f)
{
    struct got *g = ctx;
    assert_int_equal(g->ends, 0); /* nothing after end */
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        g->v = realloc(g->v, g->cap * sizeof(*g->v));
        assert_non_null(g->v);
    }
    struct rec *r = &g->v[g->n++];
    r->bytes = copy_exact(f->bytes.p, f->bytes.n);
    r->n = f->bytes.n;
    r->cut = f->cut;
    r->seq = f->seq;
    r->ack = f->ack;
    r->arrival_us = f->arrival_us;
    assert_true(strlen(f->origin) < sizeof(r->origin));
    strcpy(r->origin, f->origin);
    if (g->n == g->pause_at)
        s->ops->pause(s);
    if (g->n == g->stop_at)
        s->ops->stop(s);
    return g->n == g->fail_at ? g->fail_rc : CG_OK;
}

static int got_sync(void *ctx, struct cg_source *s)
{
    fail_msg("UDP cannot acknowledge: it has no reason to sync");
    return CG_OK;
}

static void got_end(void *ctx, struct cg_source *s, int rc)
{
    struct got *g = ctx;
    g->ends++;
    g->end_rc = rc;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

struct harness {
    struct got g;
    struct event_base *base;
    struct cg_source_env env;
    struct cg_source s;
    int fds; /* open before the test: the same number must be open after it */
};

static const struct cg_source_udp_stats *stats(const struct harness *h)
{
    return h->s.stats;
}

/* Makes the loop and runs init with conf; returns init's code. */
static int harness_init(struct harness *h, const struct cg_source_udp_conf *conf)
{
    memset(h, 0, sizeof(*h));
    h->fds = count_fds();
    h->base = event_base_new();
    assert_non_null(h->base);
    h->env = (struct cg_source_env){&h->g, h->base, got_frame, got_sync, got_end};
    h->s.ops = &cg_source_udp_ops;
    h->s.env = &h->env;
    assert_null(cg_source_udp_ops.ack);
    return cg_source_udp_ops.init(&h->s, conf);
}

/* init and start, both succeeding; the port gauge is the bound port. */
static void harness_start(struct harness *h, const struct cg_source_udp_conf *conf)
{
    assert_int_equal(harness_init(h, conf), CG_OK);
    assert_ptr_equal(h->s.counters, &cg_source_udp_counters);
    assert_non_null(h->s.stats);
    assert_int_not_equal(stats(h)->port, 0);
    assert_true(stats(h)->rcvbuf > 0);
    assert_int_equal(h->s.ops->start(&h->s), CG_OK);
}

/* stop (when not ended), fini, and everything opened is closed. */
static void harness_fini(struct harness *h, bool inited)
{
    if (inited) {
        h->s.ops->stop(&h->s);
        h->s.ops->fini(&h->s);
        assert_null(h->s.self);
    }
    for (size_t i = 0; i < h->g.n; i++)
        free(h->g.v[i].bytes);
    free(h->g.v);
    event_base_free(h->base);
    assert_int_equal(count_fds(), h->fds);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    *(bool *)arg = true;
}

/* Runs the loop until *counter reaches want or ms pass; returns whether it did. */
static bool run_until(struct harness *h, const uint64_t *counter, uint64_t want, int ms)
{
    bool late = false;
    struct event *t = evtimer_new(h->base, on_deadline, &late);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    assert_non_null(t);
    evtimer_add(t, &tv);
    while (*counter < want && !late)
        event_base_loop(h->base, EVLOOP_ONCE);
    event_free(t);
    return *counter >= want;
}

static bool run_until_received(struct harness *h, uint64_t want, int ms)
{
    return run_until(h, &stats(h)->received, want, ms);
}

/* One pass of the loop that does not wait: runs the read callback once if anything is
 * queued (EVLOOP_NONBLOCK alone would go on until nothing is). */
static void run_once(struct harness *h)
{
    event_base_loop(h->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- senders ----------------------------------------------------------------------------- */

struct sender {
    int fd;
    char origin[72]; /* its address as the source names it */
};

/* A socket of family af bound to the loopback, connected to port. */
static void sender_open(struct sender *snd, int af, uint16_t port)
{
    snd->fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(snd->fd >= 0);
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (af == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = in6addr_loopback;
        sl = sizeof(*sin6);
    }
    assert_int_equal(bind(snd->fd, (struct sockaddr *)&ss, sl), 0);
    struct sockaddr_storage me;
    socklen_t ml = sizeof(me);
    assert_int_equal(getsockname(snd->fd, (struct sockaddr *)&me, &ml), 0);
    if (af == AF_INET) {
        struct sockaddr_in *m = (struct sockaddr_in *)&me;
        snprintf(snd->origin, sizeof(snd->origin), "127.0.0.1:%u", ntohs(m->sin_port));
        ((struct sockaddr_in *)&ss)->sin_port = htons(port);
    } else {
        struct sockaddr_in6 *m = (struct sockaddr_in6 *)&me;
        snprintf(snd->origin, sizeof(snd->origin), "[::1]:%u", ntohs(m->sin6_port));
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
    }
    assert_int_equal(connect(snd->fd, (struct sockaddr *)&ss, sl), 0);
}

static void sender_close(struct sender *snd)
{
    close(snd->fd);
}

static void send_bytes(const struct sender *snd, const void *p, size_t n)
{
    assert_int_equal(send(snd->fd, p, n, 0), (ssize_t)n);
}

#define BURST_MAX 64

/* Datagrams "<tag> <i>\n" for i in [from, from + count), in one sendmmsg. */
static void send_numbered(const struct sender *snd, const char *tag, unsigned from, unsigned count)
{
    char text[BURST_MAX][32];
    struct iovec iov[BURST_MAX];
    struct mmsghdr m[BURST_MAX];
    assert_true(count <= BURST_MAX);
    memset(m, 0, sizeof(m));
    for (unsigned i = 0; i < count; i++) {
        int n = snprintf(text[i], sizeof(text[i]), "%s %u\n", tag, from + i);
        iov[i] = (struct iovec){text[i], (size_t)n};
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    assert_int_equal(sendmmsg(snd->fd, m, count, 0), (int)count);
}

/* harness_start, and an IPv4 sender to the bound port. */
static void harness_start_sender(struct harness *h, const struct cg_source_udp_conf *conf,
                                 struct sender *a)
{
    harness_start(h, conf);
    sender_open(a, AF_INET, (uint16_t)stats(h)->port);
}

/* Frame i (0-based) is exactly the bytes want. */
static void expect_frame(const struct got *g, size_t i, const char *want, size_t n, bool cut)
{
    assert_true(i < g->n);
    const struct rec *r = &g->v[i];
    if (r->n != n || memcmp(r->bytes, want, n) != 0 || r->cut != cut) {
        struct cg_buf a, b;
        cg_buf_init(&a);
        cg_buf_init(&b);
        cg_log_escape(&a, r->bytes, r->n, 80);
        cg_log_escape(&b, want, n, 80);
        fail_msg("frame %zu: got [%s]%s (%zu) want [%s]%s (%zu)", i, cg_buf_cstr(&a),
                 r->cut ? "+cut" : "", r->n, cg_buf_cstr(&b), cut ? "+cut" : "", n);
    }
    assert_int_equal(r->seq, i + 1);
    assert_int_equal(r->ack, 0);
}

#define EXPECT_FRAME(g, i, lit) expect_frame(g, i, lit, sizeof(lit) - 1, false)

/* ---- the tables -------------------------------------------------------------------------- */

static void test_options(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_source_udp_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    assert_int_equal(cg_source_udp_options.ncommands, 1);
    assert_string_equal(cg_source_udp_options.commands[0], "udp");
    /* the service sets the name: the first member, not an option */
    assert_int_equal(offsetof(struct cg_source_udp_conf, name), 0);
    struct cg_source_udp_conf c = {0};
    assert_int_equal(cg_opt_defaults(&cg_source_udp_options, &c, &err), CG_OK);
    assert_null(c.name);
    assert_string_equal(c.listen, "127.0.0.1:5514");
    assert_int_equal(c.max_message, 65535);
    assert_int_equal(c.rcvbuf, 0);
    assert_int_equal(c.batch, 32);
    assert_int_equal(c.burst, 1024);
    for (size_t i = 0; i < cg_source_udp_options.n; i++) {
        const struct cg_opt *o = &cg_source_udp_options.v[i];
        assert_int_equal(o->commands, 1);
        assert_false(o->reloadable);
        if (strcmp(o->name, "batch") == 0) {
            assert_int_equal(cg_opt_set(o, "0", &c, &err), CG_EINVAL);
            assert_int_equal(cg_opt_set(o, "1025", &c, &err), CG_EINVAL);
            assert_int_equal(cg_opt_set(o, "1024", &c, &err), CG_OK);
            assert_int_equal(c.batch, 1024);
        }
        if (strcmp(o->name, "max-message") == 0) {
            assert_int_equal(cg_opt_set(o, "65536", &c, &err), CG_EINVAL);
            assert_int_equal(cg_opt_set(o, "8192", &c, &err), CG_OK);
            assert_int_equal(c.max_message, 8192);
        }
        if (strcmp(o->name, "listen") == 0) {
            assert_int_equal(cg_opt_set(o, "*:514", &c, &err), CG_OK);
            assert_int_equal(cg_opt_set(o, "example.net:514", &c, &err), CG_EINVAL);
        }
    }
    cg_buf_fini(&err);
}

static void test_counter_names(void **state)
{
    (void)state;
    struct cg_source_udp_stats st = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    struct cg_buf out;
    cg_buf_init(&out);
    assert_int_equal(cg_counters_write(&cg_source_udp_counters, &st, &out), CG_OK);
    assert_string_equal(cg_buf_cstr(&out), "received 1\nbytes 2\ntruncated 3\nempty 4\n"
                                           "dropped.kernel 5\ndropped.paused 6\nerrors 7\n"
                                           "capped 8\nport 9\nrcvbuf 10\n");
    cg_buf_fini(&out);
}

/* ---- delivery ---------------------------------------------------------------------------- */

/* 2 x 1000 numbered datagrams from two senders, in bursts of 50 the receive buffer
 * holds: each arrives exactly once, in its sender's order, named by its sender. */
static void test_numbered(void **state)
{
    (void)state;
    enum { PER = 1000, BURST = 50 };
    struct cg_source_udp_conf c = {.name = "udp", .listen = "127.0.0.1:0", .batch = 8};
    struct harness h;
    harness_start(&h, &c);
    struct sender a, b;
    sender_open(&a, AF_INET, (uint16_t)stats(&h)->port);
    sender_open(&b, AF_INET, (uint16_t)stats(&h)->port);
    int64_t t0 = now_us();
    uint64_t bytes = 0;
    for (unsigned i = 1; i <= PER; i += BURST) {
        send_numbered(&a, "a", i, BURST);
        send_numbered(&b, "b", i, BURST);
        for (unsigned k = i; k < i + BURST; k++) {
            char t[32];
            bytes += 2 * (size_t)snprintf(t, sizeof(t), "a %u\n", k);
        }
        assert_true(run_until_received(&h, 2ull * (i + BURST - 1), 5000));
    }
    int64_t t1 = now_us();
    assert_int_equal(h.g.n, 2 * PER);
    unsigned next_a = 1, next_b = 1;
    for (size_t i = 0; i < h.g.n; i++) {
        const struct rec *r = &h.g.v[i];
        assert_int_equal(r->seq, i + 1);
        assert_int_equal(r->ack, 0);
        assert_false(r->cut);
        assert_true(r->arrival_us >= t0 && r->arrival_us <= t1);
        bool is_a = strcmp(r->origin, a.origin) == 0;
        assert_true(is_a || strcmp(r->origin, b.origin) == 0);
        char want[32];
        int wn =
            snprintf(want, sizeof(want), "%s %u", is_a ? "a" : "b", is_a ? next_a++ : next_b++);
        if (r->n != (size_t)wn || memcmp(r->bytes, want, r->n) != 0)
            fail_msg("frame %zu from %s: [%.*s], want [%s]", i, r->origin, (int)r->n, r->bytes,
                     want);
    }
    assert_int_equal(next_a, PER + 1);
    assert_int_equal(next_b, PER + 1);
    const struct cg_source_udp_stats *st = stats(&h);
    assert_int_equal(st->received, 2 * PER);
    assert_int_equal(st->bytes, bytes);
    assert_int_equal(st->truncated + st->empty + st->dropped_kernel + st->dropped_paused, 0);
    assert_int_equal(st->errors, 0);
    sender_close(&a);
    sender_close(&b);
    harness_fini(&h, true);
    assert_int_equal(h.g.ends, 1);
    assert_int_equal(h.g.end_rc, CG_OK);
}

struct dgram {
    const char *data;
    size_t n;
    const char *want; /* NULL: empty, not delivered */
    size_t wn;
};

#define DG(s, w)                                                                                   \
    {                                                                                              \
        s, sizeof(s) - 1, w, sizeof(w) - 1                                                         \
    }
#define DG_EMPTY(s)                                                                                \
    {                                                                                              \
        s, sizeof(s) - 1, NULL, 0                                                                  \
    }

/* One ending stripped, nothing else; several lines in one datagram stay one frame; a
 * datagram with nothing left is counted `empty`. */
static void test_strip_and_empty(void **state)
{
    (void)state;
    static const struct dgram dg[] = {
        DG("a\n", "a"),     DG("b\r\n", "b"),     DG("c\0", "c"),     DG("d\n\n", "d\n"),
        DG("e\r", "e\r"),   DG("x\ny\n", "x\ny"), DG("f\n\0", "f\n"), DG_EMPTY(""),
        DG_EMPTY("\n"),     DG_EMPTY("\r\n"),     DG_EMPTY("\0"),     DG("g", "g"),
        DG("\0h\n", "\0h"), DG(" \n", " "),
    };
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0"};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    uint64_t bytes = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(dg); i++) {
        send_bytes(&a, dg[i].data, dg[i].n);
        bytes += dg[i].n;
    }
    assert_true(run_until_received(&h, CG_ARRAY_LEN(dg), 5000));
    size_t f = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(dg); i++)
        if (dg[i].want)
            expect_frame(&h.g, f++, dg[i].want, dg[i].wn, false);
    assert_int_equal(h.g.n, f);
    assert_int_equal(stats(&h)->empty, 4);
    assert_int_equal(stats(&h)->received, CG_ARRAY_LEN(dg));
    assert_int_equal(stats(&h)->bytes, bytes);
    assert_string_equal(h.g.v[0].origin, a.origin);
    sender_close(&a);
    harness_fini(&h, true);
}

/* Longer than max-message: cut there, exactly max bytes, counted; the default takes the
 * largest IPv4 datagram whole. */
static void test_truncated(void **state)
{
    (void)state;
    char big[100];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('A' + i % 26);
    char lf64[64];
    memcpy(lf64, big, 63);
    lf64[63] = '\n';
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0", .max_message = 64};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    send_bytes(&a, big, 100); /* cut */
    send_bytes(&a, lf64, 64); /* fits: LF stripped */
    send_bytes(&a, big, 65);  /* cut */
    send_bytes(&a, big, 64);  /* fits */
    send_bytes(&a, lf64, 63); /* fits */
    assert_true(run_until_received(&h, 5, 5000));
    assert_int_equal(h.g.n, 5);
    expect_frame(&h.g, 0, big, 64, true);
    expect_frame(&h.g, 1, big, 63, false);
    expect_frame(&h.g, 2, big, 64, true);
    expect_frame(&h.g, 3, big, 64, false);
    expect_frame(&h.g, 4, big, 63, false);
    assert_int_equal(stats(&h)->truncated, 2);
    assert_int_equal(stats(&h)->bytes, 100 + 64 + 65 + 64 + 63);
    sender_close(&a);
    harness_fini(&h, true);

    enum { MAX4 = 65507 }; /* 65535 - 8 (UDP) - 20 (IPv4) */
    char *huge = malloc(MAX4);
    assert_non_null(huge);
    memset(huge, 'z', MAX4);
    struct cg_source_udp_conf d = {.listen = "127.0.0.1:0"};
    harness_start(&h, &d);
    sender_open(&a, AF_INET, (uint16_t)stats(&h)->port);
    send_bytes(&a, huge, MAX4);
    assert_true(run_until_received(&h, 1, 5000));
    expect_frame(&h.g, 0, huge, MAX4, false);
    assert_int_equal(stats(&h)->truncated, 0);
    sender_close(&a);
    harness_fini(&h, true);
    free(huge);
}

/* ---- back-pressure, stop, errors --------------------------------------------------------- */

/* Paused, the source reads on and discards, counted; pause from within a frame drops the
 * rest of that batch; resume delivers again, numbering on. */
static void test_pause(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0", .batch = 16};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    h.s.ops->pause(&h.s);
    send_numbered(&a, "p", 1, 10);
    assert_true(run_until_received(&h, 10, 5000));
    assert_int_equal(h.g.n, 0);
    assert_int_equal(stats(&h)->dropped_paused, 10);
    h.s.ops->resume(&h.s);
    send_numbered(&a, "r", 1, 5);
    assert_true(run_until_received(&h, 15, 5000));
    assert_int_equal(h.g.n, 5);
    EXPECT_FRAME(&h.g, 0, "r 1");
    EXPECT_FRAME(&h.g, 4, "r 5");
    /* paused by the frame: the other 3 of the batch are dropped */
    h.g.pause_at = 8;
    send_numbered(&a, "q", 1, 6);
    assert_true(run_until_received(&h, 21, 5000));
    assert_int_equal(h.g.n, 8);
    EXPECT_FRAME(&h.g, 7, "q 3");
    assert_int_equal(stats(&h)->dropped_paused, 13);
    h.s.ops->resume(&h.s);
    send_numbered(&a, "s", 1, 1);
    assert_true(run_until_received(&h, 22, 5000));
    assert_int_equal(h.g.n, 9);
    EXPECT_FRAME(&h.g, 8, "s 1");
    assert_int_equal(stats(&h)->received, 22);
    sender_close(&a);
    harness_fini(&h, true);
    assert_int_equal(h.g.ends, 1);
}

/* stop from within a frame: end once with CG_OK, the rest of the batch discarded, the
 * socket no longer read; stop again changes nothing. */
static void test_stop(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0"};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    h.g.stop_at = 2;
    send_numbered(&a, "n", 1, 5);
    assert_true(run_until_received(&h, 5, 5000));
    assert_int_equal(h.g.n, 2);
    assert_int_equal(h.g.ends, 1);
    assert_int_equal(h.g.end_rc, CG_OK);
    assert_int_equal(stats(&h)->dropped_paused, 3);
    send_numbered(&a, "m", 1, 3);
    for (int i = 0; i < 3; i++)
        run_once(&h);
    assert_int_equal(stats(&h)->received, 5);
    h.s.ops->stop(&h.s);
    assert_int_equal(h.g.ends, 1);
    sender_close(&a);
    harness_fini(&h, true);
    assert_int_equal(h.g.ends, 1);
}

struct fail_run {
    struct harness *h;
    struct sender *a;
};

static void fail_run(void *arg)
{
    struct fail_run *fr = arg;
    send_numbered(fr->a, "f", 1, 4);
    assert_true(run_until_received(fr->h, 4, 5000));
}

/* env->frame fails: logged once, the source ends with the error and reads no more. */
static void test_frame_error(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.name = "edge", .listen = "127.0.0.1:0"};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    h.g.fail_at = 2;
    h.g.fail_rc = CG_EIO;
    struct fail_run fr = {&h, &a};
    char log[1024];
    capture_stderr(fail_run, &fr, log, sizeof(log));
    char want[256];
    snprintf(want, sizeof(want), "input edge: stopped: the pipeline failed a frame from %s: %s\n",
             a.origin, cg_err_str(CG_EIO));
    assert_non_null(strstr(log, want));
    assert_null(strstr(strstr(log, want) + strlen(want), "stopped")); /* once */
    assert_int_equal(h.g.n, 2);
    assert_int_equal(h.g.ends, 1);
    assert_int_equal(h.g.end_rc, CG_EIO);
    assert_int_equal(stats(&h)->dropped_paused, 2);
    send_numbered(&a, "g", 1, 2);
    run_once(&h);
    assert_int_equal(stats(&h)->received, 4);
    sender_close(&a);
    harness_fini(&h, true);
    assert_int_equal(h.g.ends, 1);
}

/* The source's socket, found by its port (the test reaches under the source). */
static int find_socket(uint16_t port)
{
    for (int fd = 0; fd < 1024; fd++) {
        struct sockaddr_in sin;
        socklen_t sl = sizeof(sin);
        int type = 0;
        socklen_t tl = sizeof(type);
        if (getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 && sin.sin_family == AF_INET &&
            ntohs(sin.sin_port) == port && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
            type == SOCK_DGRAM)
            return fd;
    }
    fail_msg("no socket on port %u", port);
    return -1;
}

/* A port nothing listens on (bound, then closed). */
static uint16_t closed_port(void)
{
    struct sender x;
    sender_open(&x, AF_INET, 9);
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    assert_int_equal(getsockname(x.fd, (struct sockaddr *)&sin, &sl), 0);
    sender_close(&x);
    return ntohs(sin.sin_port);
}

struct err_run {
    struct harness *h;
    int fd;
    const struct sender *then; /* the peer the socket is connected to after the errors */
};

/* Two receive errors: the source's socket, connected to a closed port, sends there and
 * gets ICMP port unreachable back as ECONNREFUSED on its next recvmmsg. Then connected
 * to the sender (a disconnect would give up a port the kernel picked). */
static void err_run(void *arg)
{
    struct err_run *er = arg;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(closed_port())};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(er->fd, (struct sockaddr *)&to, sizeof(to)), 0);
    for (uint64_t i = 1; i <= 2; i++) {
        assert_int_equal(send(er->fd, "x", 1, 0), 1);
        assert_true(run_until(er->h, &stats(er->h)->errors, i, 5000));
    }
    struct sockaddr_storage peer;
    socklen_t pl = sizeof(peer);
    assert_int_equal(getsockname(er->then->fd, (struct sockaddr *)&peer, &pl), 0);
    assert_int_equal(connect(er->fd, (struct sockaddr *)&peer, pl), 0);
}

/* A receive error is counted and logged, the next within 10 s only counted, and the
 * source goes on. */
static void test_recv_error(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0"};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    struct err_run er = {&h, find_socket((uint16_t)stats(&h)->port), &a};
    char log[1024];
    capture_stderr(err_run, &er, log, sizeof(log));
    const char *want = "input udp: receive error: Connection refused\n";
    const char *at = strstr(log, want);
    if (!at || strstr(at + strlen(want), "receive error"))
        fail_msg("log [%s]: want one [%s]", log, want);
    assert_int_equal(stats(&h)->errors, 2);
    assert_int_equal(stats(&h)->received, 0);
    send_bytes(&a, "after\n", 6);
    assert_true(run_until_received(&h, 1, 5000));
    EXPECT_FRAME(&h.g, 0, "after");
    sender_close(&a);
    harness_fini(&h, true);
    assert_int_equal(h.g.end_rc, CG_OK);
}

/* The burst bound: a wakeup reads at most burst datagrams, then hands the loop back. */
static void test_burst(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0", .batch = 4, .burst = 10};
    struct harness h;
    struct sender a;
    harness_start_sender(&h, &c, &a);
    send_numbered(&a, "b", 1, 25);
    run_once(&h);
    assert_int_equal(stats(&h)->received, 10);
    assert_int_equal(stats(&h)->capped, 1);
    run_once(&h);
    assert_int_equal(stats(&h)->received, 20);
    assert_int_equal(stats(&h)->capped, 2);
    run_once(&h);
    assert_int_equal(stats(&h)->received, 25);
    assert_int_equal(stats(&h)->capped, 2);
    assert_int_equal(h.g.n, 25);
    EXPECT_FRAME(&h.g, 0, "b 1");
    EXPECT_FRAME(&h.g, 24, "b 25");
    sender_close(&a);
    harness_fini(&h, true);
}

/* A tiny receive buffer and 5000 datagrams sent without the loop running: the kernel
 * drops most; the next datagram read after the drain carries the count, and
 * received + dropped.kernel is exactly what was sent (loopback loses nothing else). */
static void test_kernel_drops(void **state)
{
    (void)state;
    enum { SENT = 5000 };
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0", .rcvbuf = 1};
    struct harness h;
    harness_start(&h, &c);
    assert_true(stats(&h)->rcvbuf < 65536);
    struct sender a;
    sender_open(&a, AF_INET, (uint16_t)stats(&h)->port);
    char msg[100];
    memset(msg, 'k', sizeof(msg));
    for (unsigned i = 0; i < SENT; i++)
        send_bytes(&a, msg, sizeof(msg));
    uint64_t before;
    do { /* drain: until a pass of the loop finds nothing queued */
        before = stats(&h)->received;
        run_once(&h);
    } while (stats(&h)->received != before);
    assert_true(before > 0 && before < SENT);
    send_bytes(&a, "end", 3);
    assert_true(run_until_received(&h, before + 1, 5000));
    const struct cg_source_udp_stats *st = stats(&h);
    assert_true(st->dropped_kernel > 0);
    assert_int_equal(st->received + st->dropped_kernel, SENT + 1);
    assert_int_equal(h.g.n, st->received);
    expect_frame(&h.g, h.g.n - 1, "end", 3, false);
    sender_close(&a);
    harness_fini(&h, true);
}

/* The 32-bit drop count of the kernel wraps: the total follows it across. */
static void test_drops_wrap(void **state)
{
    (void)state;
    struct cg_udp_socket u = {.drops_last = 0};
    uint64_t total = 0;
    cg_udp_socket_drops(&u, 0, &total);
    assert_int_equal(total, 0);
    cg_udp_socket_drops(&u, 0xfffffff0u, &total);
    assert_int_equal(total, 0xfffffff0u);
    cg_udp_socket_drops(&u, 5, &total);
    assert_int_equal(total, 0x100000005ull);
    cg_udp_socket_drops(&u, 5, &total);
    assert_int_equal(total, 0x100000005ull);
}

static uint64_t rmem_max(void)
{
    unsigned long long v = 0;
    FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%llu", &v), 1);
    fclose(f);
    return v;
}

/* rcvbuf asks the kernel, which reports twice what it grants; above net.core.rmem_max
 * only with CAP_NET_ADMIN (SO_RCVBUFFORCE). 0 leaves the kernel's default. */
static void test_rcvbuf(void **state)
{
    (void)state;
    enum { WANT = 1 << 20 };
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0", .rcvbuf = WANT};
    struct harness h;
    harness_start(&h, &c);
    uint64_t got = stats(&h)->rcvbuf, max = rmem_max();
    if (max >= WANT)
        assert_int_equal(got, 2 * WANT);
    else
        assert_true(got == 2 * WANT || got == 2 * max);
    harness_fini(&h, true);
    c.rcvbuf = 0;
    harness_start(&h, &c);
    int fd = socket(AF_INET, SOCK_DGRAM, 0), def = 0;
    socklen_t dl = sizeof(def);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &def, &dl), 0);
    close(fd);
    assert_int_equal(stats(&h)->rcvbuf, (uint64_t)def);
    harness_fini(&h, true);
}

/* "*": IPv6 any with V6ONLY off takes IPv4 peers (named as IPv4) and IPv6 ones. */
static void test_any(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.listen = "*:0"};
    struct harness h;
    harness_start(&h, &c);
    struct sender a, b;
    sender_open(&a, AF_INET, (uint16_t)stats(&h)->port);
    sender_open(&b, AF_INET6, (uint16_t)stats(&h)->port);
    send_bytes(&a, "four\n", 5);
    assert_true(run_until_received(&h, 1, 5000));
    send_bytes(&b, "six\n", 4);
    assert_true(run_until_received(&h, 2, 5000));
    EXPECT_FRAME(&h.g, 0, "four");
    EXPECT_FRAME(&h.g, 1, "six");
    assert_string_equal(h.g.v[0].origin, a.origin);
    assert_string_equal(h.g.v[1].origin, b.origin);
    sender_close(&a);
    sender_close(&b);
    harness_fini(&h, true);
}

/* ---- init and start failures ------------------------------------------------------------- */

struct bad_init {
    const struct cg_source_udp_conf *c;
    int rc;
};

static void bad_init_run(void *arg)
{
    struct bad_init *bi = arg;
    struct harness h;
    bi->rc = harness_init(&h, bi->c);
    harness_fini(&h, bi->rc == CG_OK);
}

/* Runs init on c, expecting it to fail with rc and log a line containing want. */
static void expect_bad_init(const struct cg_source_udp_conf *c, int rc, const char *want)
{
    struct bad_init bi = {c, CG_OK};
    char log[1024];
    capture_stderr(bad_init_run, &bi, log, sizeof(log));
    assert_int_equal(bi.rc, rc);
    if (!strstr(log, want))
        fail_msg("log [%s] lacks [%s]", log, want);
}

static void test_bad_listen(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.name = "u\x1b", .listen = "no-such\x1b:1"};
    expect_bad_init(&c, CG_EINVAL, "input u\\x1b: bad listen address no-such\\x1b:1: expected");
    c.listen = "192.0.2.1:0"; /* TEST-NET-1: no address of this host */
    expect_bad_init(&c, CG_EIO,
                    "input u\\x1b: cannot bind 192.0.2.1:0: Cannot assign requested address");
    /* an address in use: a second instance fails instead of sharing the datagrams */
    struct cg_source_udp_conf first = {.name = "one", .listen = "127.0.0.1:0"};
    struct harness h;
    harness_start(&h, &first);
    char used[32];
    snprintf(used, sizeof(used), "127.0.0.1:%u", (unsigned)stats(&h)->port);
    struct cg_source_udp_conf second = {.name = "two", .listen = used};
    char want[96];
    snprintf(want, sizeof(want), "input two: cannot bind %s: Address already in use", used);
    expect_bad_init(&second, CG_EIO, want);
    harness_fini(&h, true);
    struct cg_source_udp_conf big = {.listen = "127.0.0.1:0", .batch = 1025};
    expect_bad_init(&big, CG_EINVAL, "input udp: batch is at most 1024");
}

/* Without an event loop start fails (CG_EINVAL): nothing delivered, no end. */
static void test_no_loop(void **state)
{
    (void)state;
    struct cg_source_udp_conf c = {.listen = "127.0.0.1:0"};
    struct harness h;
    assert_int_equal(harness_init(&h, &c), CG_OK);
    h.env.loop = NULL;
    assert_int_equal(h.s.ops->start(&h.s), CG_EINVAL);
    h.s.ops->fini(&h.s);
    assert_int_equal(h.g.ends, 0);
    harness_fini(&h, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),      cmocka_unit_test(test_counter_names),
        cmocka_unit_test(test_numbered),     cmocka_unit_test(test_strip_and_empty),
        cmocka_unit_test(test_truncated),    cmocka_unit_test(test_pause),
        cmocka_unit_test(test_stop),         cmocka_unit_test(test_frame_error),
        cmocka_unit_test(test_recv_error),   cmocka_unit_test(test_burst),
        cmocka_unit_test(test_kernel_drops), cmocka_unit_test(test_drops_wrap),
        cmocka_unit_test(test_rcvbuf),       cmocka_unit_test(test_any),
        cmocka_unit_test(test_bad_listen),   cmocka_unit_test(test_no_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
