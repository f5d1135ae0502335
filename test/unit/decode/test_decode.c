/*
 * test_decode.c - the decode stage (decode.h) over streams of lines: syslog header,
 * CEF/LEEF detection, and the per-stream caches of the decoder (the CEF header
 * cache, the stamp caches of the syslog context), which must never change a result.
 *
 * Every line is an exactly-sized heap copy freed right after its checks: a view
 * left pointing into an earlier line would be a use after free under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/cef.h"
#include "cefguard/decode.h"
#include "cefguard/event.h"

#define NOW_2025_06_15 1749988800

struct dline {
    const char *in;
    enum cg_format format;
    enum cg_reject reason;
    const char *time; /* cg_time_format, "" = none */
    const char *vendor, *product, *product_version, *event_id, *name, *severity;
};

static const struct dline stream[] = {
    {"Apr 20 03:20:54 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.877|21|Remote|5|cn1=77",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:20:54Z", "Trend Micro", "Deep Security Agent",
     "20.0.877", "21", "Remote", "5"},
    {"<163>Apr 20 03:20:54 dsm03 CEF:0|Trend Micro|Deep Security Agent|20.0.877|1001126|SMB|10|a=b",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:20:54Z", "Trend Micro", "Deep Security Agent",
     "20.0.877", "1001126", "SMB", "10"},
    {"<166>2025-04-20T03:20:55.559Z dsm01 CEF:0|Trend Micro|Deep Security Manager|20.0.877|710|"
     "Events Retrieved|3|src=10.1.0.11",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:20:55.559Z", "Trend Micro", "Deep Security Manager",
     "20.0.877", "710", "Events Retrieved", "3"},
    {"Apr 20 03:20:56 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.877|4000000|Eicar\\|x|6|",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:20:56Z", "Trend Micro", "Deep Security Agent",
     "20.0.877", "4000000", "Eicar|x", "6"},
    {"Apr 20 03:20:56 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.877|4000000", CG_FMT_RAW,
     CG_REJ_CEF_TRUNCATED, "2025-04-20T03:20:56Z", NULL, NULL, NULL, NULL, NULL, NULL},
    {"CEF:0|Trend Micro|Deep Security Agent|20.0.877|1|n|5|a=b", CG_FMT_CEF, CG_REJ_NONE, "",
     "Trend Micro", "Deep Security Agent", "20.0.877", "1", "n", "5"},
    {"<13>1 2025-04-20T03:20:57.011Z dsm03 DeepSecurity - - - LEEF:2.0|Trend Micro|Deep Security "
     "Agent|20.0.877|4000000|cat=Anti-Malware\tname=Eicar\tsev=6\tname=later",
     CG_FMT_LEEF, CG_REJ_NONE, "2025-04-20T03:20:57.011Z", "Trend Micro", "Deep Security Agent",
     "20.0.877", "4000000", "Eicar", "6"},
    {"Apr 20 03:20:58 dsm02 CEF: 0|Trend Micro|Deep Security Manager|20.0.877|711|Other|3|x=1",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:20:58Z", "Trend Micro", "Deep Security Manager",
     "20.0.877", "711", "Other", "3"},
    {"Apr 20 03:20:59 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.877|22|Again|4|y=2",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:20:59Z", "Trend Micro", "Deep Security Agent",
     "20.0.877", "22", "Again", "4"},
    {"Apr 20 03:21:00 dsm02 CEF: 0|Trend Micro|Apex One|2019|AV|Virus|5|z=3", CG_FMT_CEF,
     CG_REJ_NONE, "2025-04-20T03:21:00Z", "Trend Micro", "Apex One", "2019", "AV", "Virus", "5"},
    {"Apr 20 03:21:01 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.877|23|Third|4|y=2",
     CG_FMT_CEF, CG_REJ_NONE, "2025-04-20T03:21:01Z", "Trend Micro", "Deep Security Agent",
     "20.0.877", "23", "Third", "4"},
    {"Apr 20 03:21:02 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.877|", CG_FMT_RAW,
     CG_REJ_CEF_TRUNCATED, "2025-04-20T03:21:02Z", NULL, NULL, NULL, NULL, NULL, NULL},
    {"Apr 20 03:21:03 dsm02 CEF: 0|Trend Micro|Deep Security Agent|20.0.87", CG_FMT_RAW,
     CG_REJ_CEF_TRUNCATED, "2025-04-20T03:21:03Z", NULL, NULL, NULL, NULL, NULL, NULL},
    {"Apr 20 03:21:04 dsm02 CEF: 1|Trend Micro|Deep Security Agent|20.0.877|24|V1|4|", CG_FMT_CEF,
     CG_REJ_NONE, "2025-04-20T03:21:04Z", "Trend Micro", "Deep Security Agent", "20.0.877", "24",
     "V1", "4"},
    {"Apr 20 03:21:05 bastion30 sshd[25392]: Failed password", CG_FMT_RAW, CG_REJ_NO_DECODER,
     "2025-04-20T03:21:05Z", NULL, NULL, NULL, NULL, NULL, NULL},
    {"   ", CG_FMT_RAW, CG_REJ_EMPTY, "", NULL, NULL, NULL, NULL, NULL, NULL},
};

static void expect(const char *what, size_t line, struct cg_str got, const char *want)
{
    if (!want) {
        if (got.p)
            fail_msg("line %zu: %s: expected unset, got [%.*s]", line, what, (int)got.n, got.p);
        return;
    }
    if (!cg_str_eqz(got, want))
        fail_msg("line %zu: %s: expected [%s], got [%.*s]", line, what, want, (int)got.n,
                 got.p ? got.p : "");
}

/* Every header field is in the line (no escape) or was unescaped. */
static void check_line(size_t i, const struct dline *dl, struct cg_event *ev, const char *buf,
                       size_t n)
{
    assert_int_equal(ev->format, dl->format);
    assert_int_equal(ev->reason, dl->reason);
    char t[64] = "";
    cg_time_format(&ev->time, t, sizeof(t));
    if (strcmp(t, dl->time) != 0)
        fail_msg("line %zu: time: expected \"%s\", got \"%s\"", i, dl->time, t);
    expect("vendor", i, ev->vendor, dl->vendor);
    expect("product", i, ev->product, dl->product);
    expect("product_version", i, ev->product_version, dl->product_version);
    expect("event_id", i, ev->event_id, dl->event_id);
    expect("name", i, ev->name, dl->name);
    expect("severity", i, ev->severity, dl->severity);
    const struct cg_str *v[5] = {&ev->vendor, &ev->product, &ev->product_version, &ev->event_id,
                                 &ev->body};
    for (int k = 0; k < 5; k++)
        assert_true(!v[k]->p || inside(*v[k], buf, n));
}

/* The stream three times through one decoder (caches warm from the second pass,
 * and from the lines before), and every line alone through a fresh decoder. */
static void stream_through_caches(void **state)
{
    (void)state;
    struct cg_syslog_opts o = {.year_mode = CG_YEAR_STREAM, .now = NOW_2025_06_15};
    struct cg_decoder d;
    assert_int_equal(cg_decoder_init(&d, &o), CG_OK);
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < CG_ARRAY_LEN(stream); i++) {
            size_t n = strlen(stream[i].in);
            char *buf = copy_exact(stream[i].in, n);
            cg_event_reset(&ev);
            cg_decode_line(&d, buf, n, &ev);
            check_line(i, &stream[i], &ev, buf, n);

            struct cg_decoder fresh;
            struct cg_event alone;
            assert_int_equal(cg_decoder_init(&fresh, &o), CG_OK);
            cg_event_init(&alone, 0);
            cg_decode_line(&fresh, buf, n, &alone);
            check_line(i, &stream[i], &alone, buf, n);
            assert_true(cg_str_eq(alone.body, ev.body));
            cg_event_fini(&alone);
            cg_decoder_fini(&fresh);
            free(buf);
        }
    }
    cg_event_fini(&ev);
    cg_decoder_fini(&d);
}

/* Many CEF headers whose starts share long prefixes and differ late (a byte of
 * the product version, the product, the vendor), alternating, each decoded
 * through the decoder and compared with cg_cef_decode_header of the same text. */
static void header_cache_near_misses(void **state)
{
    (void)state;
    static const char *const starts[] = {
        "0|Trend Micro|Deep Security Agent|20.0.877|",
        "0|Trend Micro|Deep Security Agent|20.0.878|",
        "0|Trend Micro|Deep Security Agent|20.0.87|",
        "0|Trend Micro|Deep Security Agent|20.0.8777|",
        "0|Trend Micro|Deep Security Agentx|20.0.877|",
        "0|Trend Micro|Deep Security|Agent|20.0.877|",
        "0|Trend Micr0|Deep Security Agent|20.0.877|",
        "0|Trend Micro||20.0.877|",
        "0||||",
        "10|Trend Micro|Deep Security Agent|20.0.877|",
        "0.1|Trend Micro|Deep Security Agent|20.0.877|",
    };
    static const char *const tails[] = {"1|n|5|a=b", "2|Name \\| x|7|", "3|n|", "", "4|n|5"};
    struct cg_syslog_opts o = {.year_mode = CG_YEAR_STREAM, .now = NOW_2025_06_15};
    struct cg_decoder d;
    assert_int_equal(cg_decoder_init(&d, &o), CG_OK);
    struct cg_event ev;
    cg_event_init(&ev, 0);
    struct cg_arena a;
    cg_arena_init(&a);
    uint64_t x = 88172645463325252u;
    for (int k = 0; k < 2000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char text[160];
        int len = snprintf(text, sizeof(text), "CEF:%s%s", starts[x % CG_ARRAY_LEN(starts)],
                           tails[(x >> 20) % CG_ARRAY_LEN(tails)]);
        size_t n = (size_t)len;
        char *buf = copy_exact(text, n);
        cg_event_reset(&ev);
        cg_decode_line(&d, buf, n, &ev);
        struct cg_cef h;
        enum cg_reject r = cg_cef_decode_header(buf + 4, n - 4, &h, &a);
        assert_int_equal(ev.reason, r == CG_REJ_NONE ? CG_REJ_NONE : r);
        if (r == CG_REJ_NONE) {
            assert_int_equal(ev.format, CG_FMT_CEF);
            assert_true(cg_str_eq(ev.fmt_version, h.version) && cg_str_eq(ev.vendor, h.vendor));
            assert_true(cg_str_eq(ev.product, h.product) &&
                        cg_str_eq(ev.product_version, h.product_version));
            assert_true(cg_str_eq(ev.event_id, h.event_id) && cg_str_eq(ev.name, h.name));
            assert_true(cg_str_eq(ev.severity, h.severity) && cg_str_eq(ev.body, h.ext));
            assert_true(inside(ev.vendor, buf, n) && inside(ev.product_version, buf, n));
        }
        free(buf);
        cg_arena_reset(&a);
    }
    cg_arena_fini(&a);
    cg_event_fini(&ev);
    cg_decoder_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stream_through_caches),
        cmocka_unit_test(header_cache_near_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
