/*
 * test_jsonl.c - the JSON lines sink (sink_jsonl.h) through its ops: the exact bytes of
 * alerts and events, when it writes (at flush_at, 1 MiB by default, and on flush), what
 * goes into the caller's buffer, the invalid UTF-8 it counts, and write errors (a closed
 * pipe, a full disk) as CG_EIO with errno kept and nothing lost. With a path (the
 * service's sinks): the file it appends to, reopen after logrotate's rename (and a reopen
 * that fails keeping the old file), fsync, a path that does not open, its counters and its
 * option table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "cefguard/alert.h"
#include "cefguard/decode.h"
#include "cefguard/sink_jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cg_sink_jsonl_stats *jstats(const struct cg_sink *s)
{
    return s->stats;
}

#define T0 1745119254LL /* 2025-04-20T03:20:54Z */

static char *rule_tags[] = {"t1", "t2"};
static struct cg_rule rule = {.id = "r1", .severity = "high", .tags = rule_tags, .ntags = 2};

static struct cg_alert make_alert(int64_t sec, const char *summary)
{
    struct cg_alert a = {.rule = &rule,
                         .kind = CG_ALERT_FIRE,
                         .time_us = sec * 1000000,
                         .count = 1,
                         .summary = cg_str_make(summary, strlen(summary))};
    return a;
}

/* The alert's "id" member as alert.c writes it after "rule": nothing before the state
 * store's branch (h/state) is merged; with it, ",\"id\":\"" and 32 zeros and "\"" (the
 * test alerts' id is zero). */
#define ALERT_ID ",\"id\":\"00000000000000000000000000000000\""

#define ALERT_JSON(t, s)                                                                           \
    "{\"time\":\"" t "\",\"rule\":\"r1\"" ALERT_ID                                                 \
    ",\"kind\":\"alert\",\"severity\":\"high\",\"summary\":\"" s                                   \
    "\",\"key\":{},\"count\":1,\"suppressed\":0,\"tags\":[\"t1\",\"t2\"],\"response\":null,"       \
    "\"events\":[],\"joined\":null}\n"

struct sink {
    struct cg_sink s;
    struct cg_sink_env env;
};

static void no_pressure(void *ctx, struct cg_sink *s, bool on)
{
    fail_msg("the jsonl sink never presses back");
}

static void sink_init(struct sink *k, const struct cg_sink_jsonl_conf *c)
{
    k->env = (struct cg_sink_env){NULL, NULL, no_pressure};
    k->s = (struct cg_sink){.ops = &cg_sink_jsonl_ops, .env = &k->env};
    assert_int_equal(k->s.ops->init(&k->s, c), CG_OK);
    unsigned takes = c->takes ? c->takes : CG_SINK_ALERTS; /* 0: alerts */
    assert_int_equal(k->s.takes, takes | (c->events ? CG_SINK_EVENTS : 0));
}

static int put_alert(struct sink *k, int64_t sec, const char *summary)
{
    struct cg_alert a = make_alert(sec, summary);
    return k->s.ops->alert(&k->s, &a);
}

/* What fd (a regular file) holds, from its start. */
static size_t file_bytes(int fd, char *out, size_t cap)
{
    ssize_t n = pread(fd, out, cap, 0);
    assert_true(n >= 0);
    return (size_t)n;
}

static int tmp_fd(void)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    int fd = dup(fileno(f));
    fclose(f);
    return fd;
}

/* Alert bytes, and nothing written before flush. */
static void test_alert_bytes(void **state)
{
    (void)state;
    int fd = tmp_fd();
    struct sink k;
    struct cg_sink_jsonl_conf c = {.takes = CG_SINK_ALERTS, .fd = fd};
    sink_init(&k, &c);
    assert_int_equal(put_alert(&k, T0, "one"), CG_OK);
    assert_int_equal(put_alert(&k, T0 + 1, "tw\"o"), CG_OK);
    char got[4096];
    assert_int_equal(file_bytes(fd, got, sizeof(got)), 0);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    static const char want[] =
        ALERT_JSON("2025-04-20T03:20:54Z", "one") ALERT_JSON("2025-04-20T03:20:55Z", "tw\\\"o");
    size_t n = file_bytes(fd, got, sizeof(got));
    assert_int_equal(n, sizeof(want) - 1);
    assert_memory_equal(got, want, n);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK); /* nothing more */
    assert_int_equal(file_bytes(fd, got, sizeof(got)), sizeof(want) - 1);
    k.s.ops->fini(&k.s);
    close(fd);
}

/* Events: exactly what cg_event_to_json writes, one per line, and the bytes it replaced
 * counted into the stats. */
static void test_event_bytes(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "<134>Apr 20 03:20:54 kaga CEF:0|V|P|1|100|name|5|suser=al\xffice",
        "not a syslog line at all",
        "<134>Apr 20 03:20:55 kaga CEF:0|V|P|1|101|n\xc3|5|",
    };
    struct cg_syslog_opts so = {"UTC", CG_YEAR_STREAM, 2025, T0, 0, 0};
    struct cg_decoder dec;
    assert_int_equal(cg_decoder_init(&dec, &so), CG_OK);
    struct cg_event ev;
    cg_event_init(&ev, 0);
    struct cg_stats stats = {0};
    struct cg_buf out, want;
    cg_buf_init(&out);
    cg_buf_init(&want);
    struct sink k;
    struct cg_sink_jsonl_conf c = {
        .takes = CG_SINK_EVENTS | CG_SINK_ALERTS, .fd = -1, .out = &out, .stats = &stats};
    sink_init(&k, &c);
    size_t bad = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(lines); i++) {
        cg_event_reset(&ev);
        cg_decode_line(&dec, lines[i], strlen(lines[i]), &ev);
        assert_int_equal(k.s.ops->event(&k.s, &ev), CG_OK);
        assert_int_equal(cg_event_to_json(&ev, &want, &bad), CG_OK);
        assert_int_equal(cg_buf_putc(&want, '\n'), CG_OK);
    }
    assert_int_equal(put_alert(&k, T0, "a"), CG_OK); /* alerts and events interleave */
    assert_int_equal(cg_buf_puts(&want, ALERT_JSON("2025-04-20T03:20:54Z", "a")), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK); /* fd -1: stays in out */
    assert_int_equal(out.n, want.n);
    assert_memory_equal(out.p, want.p, want.n);
    assert_int_equal(bad, 2);
    assert_int_equal(stats.invalid_utf8, 2);
    static const char start[] = "{\"time\":\"2025-04-20T03:20:54Z\",\"host\":\"kaga\",";
    assert_memory_equal(out.p, start, sizeof(start) - 1);
    k.s.ops->fini(&k.s);
    assert_int_equal(out.n, want.n); /* the caller's buffer stays the caller's */
    cg_buf_fini(&out);
    cg_buf_fini(&want);
    cg_event_fini(&ev);
    cg_decoder_fini(&dec);
}

/* Written out as soon as flush_at bytes are buffered (1 MiB by default), in one write of
 * everything buffered, then nothing until the threshold is reached again. */
static void test_flush_threshold(void **state)
{
    (void)state;
    const size_t line = sizeof(ALERT_JSON("2025-04-20T03:20:54Z", "x")) - 1;
    const size_t at[] = {0, 1000, 1, 2 * line}; /* 2 * line: reached exactly */
    for (size_t i = 0; i < CG_ARRAY_LEN(at); i++) {
        size_t limit = at[i] ? at[i] : (size_t)1 << 20;
        int fd = tmp_fd();
        struct sink k;
        struct cg_sink_jsonl_conf c = {.takes = CG_SINK_ALERTS, .fd = fd, .flush_at = at[i]};
        sink_init(&k, &c);
        size_t put = 0, written = 0, writes = 0;
        while (writes < 3) {
            assert_int_equal(put_alert(&k, T0, "x"), CG_OK);
            put += line;
            struct stat st;
            assert_int_equal(fstat(fd, &st), 0);
            size_t want = put - written >= limit ? put : written;
            if ((size_t)st.st_size != want)
                fail_msg("flush_at %zu: %zu bytes put, %lld written, want %zu", at[i], put,
                         (long long)st.st_size, want);
            if (want != written)
                writes++;
            written = want;
        }
        assert_int_equal(put_alert(&k, T0, "x"), CG_OK);
        assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal((size_t)st.st_size, put + line);
        k.s.ops->fini(&k.s);
        close(fd);
    }
}

/* A write that fails is CG_EIO with errno kept, from the alert that crossed flush_at or
 * from flush; the bytes stay buffered and a later flush writes them all. */
static void test_write_errors(void **state)
{
    (void)state;
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]); /* nobody reads */
    struct sink k;
    struct cg_sink_jsonl_conf c = {.takes = CG_SINK_ALERTS, .fd = fds[1], .flush_at = 10};
    sink_init(&k, &c);
    errno = 0;
    assert_int_equal(put_alert(&k, T0, "x"), CG_EIO);
    assert_int_equal(errno, EPIPE);
    errno = 0;
    assert_int_equal(k.s.ops->flush(&k.s), CG_EIO);
    assert_int_equal(errno, EPIPE);
    k.s.ops->fini(&k.s);
    close(fds[1]);
    signal(SIGPIPE, old);

    /* A full disk, then the same bytes to a file that takes them. */
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (full < 0)
        fail_msg("no /dev/full: %s", strerror(errno));
    struct cg_buf out;
    cg_buf_init(&out);
    struct cg_sink_jsonl_conf cf = {.takes = CG_SINK_ALERTS, .fd = full, .out = &out};
    sink_init(&k, &cf);
    assert_int_equal(put_alert(&k, T0, "x"), CG_OK);
    assert_int_equal(put_alert(&k, T0, "y"), CG_OK);
    errno = 0;
    assert_int_equal(k.s.ops->flush(&k.s), CG_EIO);
    assert_int_equal(errno, ENOSPC);
    static const char want[] =
        ALERT_JSON("2025-04-20T03:20:54Z", "x") ALERT_JSON("2025-04-20T03:20:54Z", "y");
    assert_int_equal(out.n, sizeof(want) - 1); /* all still there */
    assert_memory_equal(out.p, want, out.n);
    k.s.ops->fini(&k.s);
    close(full);
    cg_buf_fini(&out);
}

/* It takes alerts and events and nothing else. */
static void test_takes(void **state)
{
    (void)state;
    struct sink k;
    k.env = (struct cg_sink_env){NULL, NULL, no_pressure};
    k.s = (struct cg_sink){.ops = &cg_sink_jsonl_ops, .env = &k.env};
    struct cg_sink_jsonl_conf c = {.takes = CG_SINK_COMMANDS | CG_SINK_ALERTS, .fd = -1};
    assert_int_equal(k.s.ops->init(&k.s, &c), CG_EINVAL);
    assert_null(k.s.ops->command);
    c.takes = CG_SINK_EVENTS;
    sink_init(&k, &c);
    k.s.ops->fini(&k.s);
}

/* A temporary directory for the path tests, and file names in it. */
struct tdir {
    char dir[64];
    char a[128], b[128];
};

static void tdir_make(struct tdir *t)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof(t->dir), "%s/cg-jsonl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->a, sizeof(t->a), "%s/alerts.json", t->dir);
    snprintf(t->b, sizeof(t->b), "%s/alerts.json.1", t->dir);
}

static void tdir_remove(struct tdir *t)
{
    unlink(t->a);
    unlink(t->b);
    assert_int_equal(rmdir(t->dir), 0);
}

/* The whole of a file, NUL-terminated, into out. */
static size_t path_bytes(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    size_t n = file_bytes(fd, out, cap - 1);
    out[n] = '\0';
    close(fd);
    return n;
}

#define L1 ALERT_JSON("2025-04-20T03:20:54Z", "one")
#define L2 ALERT_JSON("2025-04-20T03:20:55Z", "two")
#define L3 ALERT_JSON("2025-04-20T03:20:56Z", "three")

/* A path: the file is created 0640 (umask aside) and appended to (what it held stays);
 * the counters say what was taken and written. */
static void test_path_mode(void **state)
{
    (void)state;
    struct tdir t;
    tdir_make(&t);
    int fd = open(t.a, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old\n", 4), 4);
    close(fd);
    unlink(t.a); /* created by the sink this time */
    mode_t old = umask(0);
    struct sink k;
    struct cg_sink_jsonl_conf c = {.name = "file", .path = t.a};
    sink_init(&k, &c);
    umask(old);
    assert_int_equal(k.s.takes, CG_SINK_ALERTS); /* takes 0: alerts */
    assert_ptr_equal(k.s.counters, &cg_sink_jsonl_counters);
    struct stat st;
    assert_int_equal(stat(t.a, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(put_alert(&k, T0, "one"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    k.s.ops->fini(&k.s);

    /* again: appended */
    sink_init(&k, &c);
    assert_int_equal(put_alert(&k, T0 + 1, "two"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    const struct cg_sink_jsonl_stats *js = jstats(&k.s);
    assert_int_equal(js->alerts, 1);
    assert_int_equal(js->events, 0);
    assert_int_equal(js->bytes, sizeof(L2) - 1);
    assert_int_equal(js->errors + js->reopens, 0);
    char got[4096];
    assert_int_equal(path_bytes(t.a, got, sizeof(got)), sizeof(L1 L2) - 1);
    assert_string_equal(got, L1 L2);
    k.s.ops->fini(&k.s);
    tdir_remove(&t);
}

/* The ids of the last alerts an existing file holds are remembered at open (sink.h: has):
 * an alert written before a crash that the state's commit missed is not written again.
 * Only well-formed ids count; the last TAIL_IDS (jsonl.c's JSONL_TAIL_IDS) of them. */
#define TAIL_IDS 64

static void test_has_tail(void **state)
{
    (void)state;
    struct tdir t;
    tdir_make(&t);
    int fd = open(t.a, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    char line[160];
    for (int i = 0; i < TAIL_IDS + 3; i++) {
        int n = snprintf(line, sizeof(line),
                         "{\"rule\":\"r\",\"id\":\"%032x\",\"kind\":\"alert\"}\n", i + 1);
        assert_int_equal(write(fd, line, (size_t)n), n);
    }
    const char *bad = "{\"id\":\"0123456789abcdefXX23456789abcdef\"}\n";
    assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    struct sink k;
    struct cg_sink_jsonl_conf c = {.name = "file", .path = t.a};
    sink_init(&k, &c);
    uint8_t id[16] = {0};
    id[15] = TAIL_IDS + 3; /* the last */
    assert_true(k.s.ops->has(&k.s, id));
    id[15] = 4; /* the first one kept */
    assert_true(k.s.ops->has(&k.s, id));
    id[15] = 3; /* pushed out */
    assert_false(k.s.ops->has(&k.s, id));
    memset(id, 0, sizeof(id));
    id[0] = 0x01; /* the malformed one is not an id */
    assert_false(k.s.ops->has(&k.s, id));
    k.s.ops->fini(&k.s);
    /* a new file has none */
    unlink(t.a);
    sink_init(&k, &c);
    id[0] = 0;
    id[15] = 1;
    assert_false(k.s.ops->has(&k.s, id));
    k.s.ops->fini(&k.s);
    tdir_remove(&t);
}

/* logrotate renames the file, then SIGHUP: reopen writes out what was buffered to the old
 * file and the rest goes to a new one at the path. Counted. */
static void test_reopen_after_rename(void **state)
{
    (void)state;
    struct tdir t;
    tdir_make(&t);
    struct sink k;
    struct cg_sink_jsonl_conf c = {.name = "file", .path = t.a};
    sink_init(&k, &c);
    assert_int_equal(put_alert(&k, T0, "one"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    assert_int_equal(put_alert(&k, T0 + 1, "two"), CG_OK); /* buffered */
    assert_int_equal(rename(t.a, t.b), 0);
    assert_int_equal(k.s.ops->reopen(&k.s), CG_OK);
    assert_int_equal(put_alert(&k, T0 + 2, "three"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    char got[4096];
    path_bytes(t.b, got, sizeof(got));
    assert_string_equal(got, L1 L2);
    path_bytes(t.a, got, sizeof(got));
    assert_string_equal(got, L3);
    const struct cg_sink_jsonl_stats *js = jstats(&k.s);
    assert_int_equal(js->reopens, 1);
    assert_int_equal(js->errors, 0);
    assert_int_equal(js->bytes, sizeof(L1 L2 L3) - 1);
    k.s.ops->fini(&k.s);
    tdir_remove(&t);
}

struct reopen_fail {
    struct sink *k;
    int rc, err;
};

static void do_reopen(void *arg)
{
    struct reopen_fail *r = arg;
    errno = 0;
    r->rc = r->k->s.ops->reopen(&r->k->s);
    r->err = errno;
}

/* A path that no longer opens: reopen says why, counts it and keeps writing to the old
 * file. */
static void test_reopen_fails(void **state)
{
    (void)state;
    struct tdir t;
    tdir_make(&t);
    char moved[128];
    snprintf(moved, sizeof(moved), "%s.moved", t.dir);
    struct sink k;
    struct cg_sink_jsonl_conf c = {.name = "file", .path = t.a};
    sink_init(&k, &c);
    assert_int_equal(put_alert(&k, T0, "one"), CG_OK);
    assert_int_equal(rename(t.dir, moved), 0); /* the directory is gone */
    struct reopen_fail r = {&k, 0, 0};
    char msg[1024];
    capture_stderr(do_reopen, &r, msg, sizeof(msg));
    assert_int_equal(r.rc, CG_EIO);
    assert_int_equal(r.err, ENOENT);
    char want[512];
    snprintf(want, sizeof(want), "cefguard: error: sink file: reopen %s: %s\n", t.a,
             strerror(ENOENT));
    assert_string_equal(msg, want);
    assert_int_equal(put_alert(&k, T0 + 1, "two"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    const struct cg_sink_jsonl_stats *js = jstats(&k.s);
    assert_int_equal(js->errors, 1);
    assert_int_equal(js->reopens, 0);
    k.s.ops->fini(&k.s);
    assert_int_equal(rename(moved, t.dir), 0);
    char got[4096];
    path_bytes(t.a, got, sizeof(got));
    assert_string_equal(got, L1 L2);
    tdir_remove(&t);
}

/* fsync: flush syncs a file (and an fd that cannot be synced, a pipe, is written only and
 * said once); what is flushed is there. Without a path of its own, reopen does nothing. */
static void test_fsync(void **state)
{
    (void)state;
    struct tdir t;
    tdir_make(&t);
    struct sink k;
    struct cg_sink_jsonl_conf c = {.name = "file", .path = t.a, .fsync = true};
    sink_init(&k, &c);
    assert_int_equal(put_alert(&k, T0, "one"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK); /* nothing new: no sync */
    char got[4096];
    path_bytes(t.a, got, sizeof(got));
    assert_string_equal(got, L1);
    assert_int_equal(jstats(&k.s)->errors, 0);
    k.s.ops->fini(&k.s);
    tdir_remove(&t);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cg_sink_jsonl_conf cp = {.fd = fds[1], .fsync = true};
    sink_init(&k, &cp);
    assert_int_equal(put_alert(&k, T0, "one"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    assert_int_equal(k.s.ops->reopen(&k.s), CG_OK);
    assert_int_equal(put_alert(&k, T0 + 1, "two"), CG_OK);
    assert_int_equal(k.s.ops->flush(&k.s), CG_OK);
    assert_int_equal(jstats(&k.s)->errors, 0);
    assert_int_equal(jstats(&k.s)->reopens, 0);
    k.s.ops->fini(&k.s);
    ssize_t n = read(fds[0], got, sizeof(got) - 1);
    assert_int_equal(n, sizeof(L1 L2) - 1);
    got[n] = '\0';
    assert_string_equal(got, L1 L2);
    close(fds[0]);
    close(fds[1]);
}

struct bad_init {
    const struct cg_sink_jsonl_conf *c;
    int rc, err;
};

static void do_bad_init(void *arg)
{
    struct bad_init *b = arg;
    struct sink k;
    k.env = (struct cg_sink_env){NULL, NULL, no_pressure};
    k.s = (struct cg_sink){.ops = &cg_sink_jsonl_ops, .env = &k.env};
    errno = 0;
    b->rc = k.s.ops->init(&k.s, b->c);
    b->err = errno;
}

/* A path that does not open fails init with CG_EIO, errno kept, and one line that names
 * the sink and the path (escaped: a name is bytes). */
static void test_bad_path(void **state)
{
    (void)state;
    struct cg_sink_jsonl_conf c = {.name = "out", .path = "/nonexistent-cg/dir\n/a.json"};
    struct bad_init b = {&c, 0, 0};
    char msg[1024];
    capture_stderr(do_bad_init, &b, msg, sizeof(msg));
    assert_int_equal(b.rc, CG_EIO);
    assert_int_equal(b.err, ENOENT);
    assert_string_equal(msg, "cefguard: error: sink out: open /nonexistent-cg/dir\\x0a/a.json: "
                             "No such file or directory\n");
    c.path = "/";
    capture_stderr(do_bad_init, &b, msg, sizeof(msg));
    assert_int_equal(b.rc, CG_EIO);
    assert_int_equal(b.err, EISDIR);
}

/* "-" is stdout; events: true adds events to what it takes. */
static void test_stdout_and_events(void **state)
{
    (void)state;
    struct sink k;
    struct cg_sink_jsonl_conf c = {.path = "-", .events = true};
    sink_init(&k, &c);
    assert_int_equal(k.s.takes, CG_SINK_ALERTS | CG_SINK_EVENTS);
    assert_int_equal(k.s.ops->reopen(&k.s), CG_OK); /* stdout: nothing to reopen */
    k.s.ops->fini(&k.s);
    assert_true(fcntl(STDOUT_FILENO, F_GETFD) >= 0); /* not closed */
}

/* The option table passes cg_opt_check, and its defaults and values land in the conf. */
static void test_options(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_sink_jsonl_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    struct cg_sink_jsonl_conf c = {0};
    assert_int_equal(cg_opt_defaults(&cg_sink_jsonl_options, &c, &err), CG_OK);
    assert_string_equal(c.path, "-");
    assert_false(c.fsync || c.events);
    assert_string_equal(cg_sink_jsonl_options.commands[0], "jsonl");
    for (size_t i = 0; i < cg_sink_jsonl_options.n; i++) {
        const struct cg_opt *o = &cg_sink_jsonl_options.v[i];
        const char *v = strcmp(o->name, "path") == 0 ? "/var/log/a.json" : "true";
        assert_int_equal(cg_opt_set(o, v, &c, &err), CG_OK);
        assert_int_equal(o->commands, 1);
    }
    assert_string_equal(c.path, "/var/log/a.json");
    assert_true(c.fsync && c.events);
    struct cg_buf out;
    cg_buf_init(&out);
    struct cg_sink_jsonl_stats st = {1, 2, 3, 4, 5};
    assert_int_equal(cg_counters_write(&cg_sink_jsonl_counters, &st, &out), CG_OK);
    assert_string_equal(cg_buf_cstr(&out), "alerts 1\nevents 2\nbytes 3\nerrors 4\nreopens 5\n");
    cg_buf_fini(&out);
    cg_buf_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_bytes),     cmocka_unit_test(test_event_bytes),
        cmocka_unit_test(test_flush_threshold), cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_takes),           cmocka_unit_test(test_path_mode),
        cmocka_unit_test(test_has_tail),        cmocka_unit_test(test_reopen_after_rename),
        cmocka_unit_test(test_reopen_fails),    cmocka_unit_test(test_fsync),
        cmocka_unit_test(test_bad_path),        cmocka_unit_test(test_stdout_and_events),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
