/*
 * test_jsonl.c - the JSON lines sink (sink_jsonl.h) through its ops: the exact bytes of
 * alerts and events, when it writes (at flush_at, 1 MiB by default, and on flush), what
 * goes into the caller's buffer, the invalid UTF-8 it counts, and write errors (a closed
 * pipe, a full disk) as CG_EIO with errno kept and nothing lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

#define ALERT_JSON(t, s)                                                                           \
    "{\"time\":\"" t                                                                               \
    "\",\"rule\":\"r1\",\"kind\":\"alert\",\"severity\":\"high\",\"summary\":\"" s                 \
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
    assert_int_equal(k->s.takes, c->takes);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_bytes),     cmocka_unit_test(test_event_bytes),
        cmocka_unit_test(test_flush_threshold), cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_takes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
