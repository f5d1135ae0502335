/*
 * test_forward_fmt.c - the forwarder's messages (forward_fmt.c): the exact bytes of RFC
 * 5424 and CEF messages for plain alerts and for alerts whose every value is hostile
 * ('|', '=', '\', ']', '"', newlines, UTF-8, invalid UTF-8, control bytes), that the CEF
 * decoder reads the values back, PRI and CEF severity per rule severity, the cut at
 * max-message, the header names and the facilities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/alert.h"
#include "cefguard/cef.h"
#include "cefguard/fields.h"

#include "sink/forward_int.h"

#include <stdio.h>
#include <stdlib.h>

#define T0 1745119254LL /* 2025-04-20T03:20:54Z */

static char *tags[] = {"t1"};

static struct cg_forward_fmt fmt(enum fwd_format format)
{
    struct cg_forward_fmt f = {.format = format, .facility = 16, .max_message = 8192};
    strcpy(f.hostname, "kaga");
    strcpy(f.app_name, "cefguard");
    strcpy(f.procid, "42");
    return f;
}

static struct cg_alert alert(const struct cg_rule *r, const char *summary)
{
    struct cg_alert a = {.rule = r,
                         .kind = CG_ALERT_FIRE,
                         .time_us = T0 * 1000000,
                         .count = 3,
                         .summary = cg_str_make(summary, strlen(summary))};
    return a;
}

/* Formats and compares with want (NUL-terminated, so no NUL in it). */
static void check(const struct cg_forward_fmt *f, const struct cg_alert *a, const char *want)
{
    struct cg_buf out;
    cg_buf_init(&out);
    bool cut = true;
    assert_int_equal(cg_forward_format(f, a, &out, &cut), CG_OK);
    assert_false(cut);
    if (out.n != strlen(want) || memcmp(out.p, want, out.n) != 0)
        fail_msg("got  %s\nwant %s", cg_buf_cstr(&out), want);
    cg_buf_fini(&out);
}

static void test_rfc5424_plain(void **state)
{
    (void)state;
    struct cg_rule r = {.id = "ds-pattern-update-failed", .severity = "high"};
    struct cg_alert a = alert(&r, "pattern update failed on web-01");
    struct cg_forward_fmt f = fmt(FWD_RFC5424);
    check(&f, &a,
          "<131>1 2025-04-20T03:20:54Z kaga cefguard 42 ds-pattern-update-failed "
          "[cefguard@32473 rule=\"ds-pattern-update-failed\" kind=\"alert\" severity=\"high\"] "
          "pattern update failed on web-01");
    /* a key value is the subject; fraction and offset as the alert's time has them */
    struct cg_str key = CG_STR_LIT("web-01");
    a.key = &key;
    a.nkey = 1;
    a.time_us = T0 * 1000000 + 123456;
    a.off_min = 9 * 60;
    a.kind = CG_ALERT_SILENCE;
    a.summary = CG_STR_NULL;
    check(&f, &a,
          "<131>1 2025-04-20T12:20:54.123456+09:00 kaga cefguard 42 ds-pattern-update-failed "
          "[cefguard@32473 rule=\"ds-pattern-update-failed\" kind=\"silence\" "
          "severity=\"high\" subject=\"web-01\"]");
}

/* Every hostile byte in every place: MSGID made PRINTUSASCII and cut to 32, SD values
 * escaped as §6.3.3 says with control bytes as \xNN and invalid UTF-8 as U+FFFD, MSG with
 * control bytes as \xNN; UTF-8 stays. */
static void test_rfc5424_hostile(void **state)
{
    (void)state;
    struct cg_rule r = {.id = "r \"1\"]\\|=\xc3\xa9-and-a-very-long-tail-beyond",
                        .severity = "o]d"};
    struct cg_alert a =
        alert(&r, "caf\xc3\xa9 | a=b \\ ] \"q\"\nforged: <13>1 x\r\x01\x7f\xff end");
    struct cg_str key = CG_STR_LIT("we\"b]\\01\n\xe2\x82\xac\xc3");
    a.key = &key;
    a.nkey = 1;
    struct cg_forward_fmt f = fmt(FWD_RFC5424);
    check(&f, &a,
          "<133>1 2025-04-20T03:20:54Z kaga cefguard 42 r_\"1\"]\\|=__-and-a-very-long-tail "
          "[cefguard@32473 rule=\"r \\\"1\\\"\\]\\\\|=\xc3\xa9-and-a-very-long-tail-beyond\" "
          "kind=\"alert\" severity=\"o\\]d\" "
          "subject=\"we\\\"b\\]\\\\01\\x0a\xe2\x82\xac\xef\xbf\xbd\"] "
          "caf\xc3\xa9 | a=b \\ ] \"q\"\\x0aforged: <13>1 x\\x0d\\x01\\x7f\xef\xbf\xbd end");
}

/* json: MSG is the alert's JSON, exactly as the jsonl sink writes it (no newline). */
static void test_rfc5424_json(void **state)
{
    (void)state;
    struct cg_rule r = {.id = "r1", .severity = "low", .tags = tags, .ntags = 1};
    struct cg_alert a = alert(&r, "s\n\"x\"");
    struct cg_forward_fmt f = fmt(FWD_RFC5424);
    f.json = true;
    f.facility = 4;
    struct cg_buf want;
    cg_buf_init(&want);
    assert_int_equal(cg_buf_puts(&want, "<37>1 2025-04-20T03:20:54Z kaga cefguard 42 r1 "
                                        "[cefguard@32473 rule=\"r1\" kind=\"alert\" "
                                        "severity=\"low\"] "),
                     CG_OK);
    assert_int_equal(cg_alert_to_json(&a, &want), CG_OK);
    check(&f, &a, cg_buf_cstr(&want));
    assert_non_null(strstr(cg_buf_cstr(&want), ",\"summary\":\"s\\n\\\"x\\\"\",\"key\":{},"
                                               "\"count\":3,\"suppressed\":0,\"tags\":[\"t1\"],"
                                               "\"response\":null,\"events\":[],\"joined\":null}"));
    cg_buf_fini(&want);
}

static void test_cef_plain(void **state)
{
    (void)state;
    struct cg_rule r = {.id = "ds-pattern", .severity = "critical"};
    struct cg_alert a = alert(&r, "pattern update failed");
    struct cg_str key = CG_STR_LIT("web-01");
    a.key = &key;
    a.nkey = 1;
    struct cg_forward_fmt f = fmt(FWD_CEF);
    check(&f, &a,
          "<130>1 2025-04-20T03:20:54Z kaga cefguard 42 ds-pattern - "
          "CEF:0|cefguard|cefguard|" CG_VERSION "|ds-pattern|pattern update failed|10|"
          "rt=1745119254000 cnt=3 cs1Label=rule cs1=ds-pattern cs2Label=kind cs2=alert "
          "dhost=web-01");
}

#define HOSTILE_RULE "r|1\\=x"
#define HOSTILE_SUMMARY "a|b\\c=d\ne\r\x01 caf\xc3\xa9 \xff"
#define HOSTILE_KEY "al=ice\\ x=y\nz\r\x02\xc3\xa9"

/* CEF's escapes: '|' and '\' in the header (control bytes as spaces), '\' '=' and \n \r
 * in extension values; a subject that is no host name goes to cs3. */
static void test_cef_hostile(void **state)
{
    (void)state;
    struct cg_rule r = {.id = HOSTILE_RULE, .severity = "medium"};
    struct cg_alert a = alert(&r, HOSTILE_SUMMARY);
    struct cg_str key = CG_STR_LIT(HOSTILE_KEY);
    a.key = &key;
    a.nkey = 1;
    a.time_us = -1500; /* before the epoch: rt rounds down */
    struct cg_forward_fmt f = fmt(FWD_CEF);
    check(&f, &a,
          "<132>1 1969-12-31T23:59:59.998500Z kaga cefguard 42 r|1\\=x - "
          "CEF:0|cefguard|cefguard|" CG_VERSION "|r\\|1\\\\=x|"
          "a\\|b\\\\c=d e   caf\xc3\xa9 \xef\xbf\xbd|5|rt=-2 cnt=3 cs1Label=rule "
          "cs1=r|1\\\\\\=x cs2Label=kind cs2=alert cs3Label=subject "
          "cs3=al\\=ice\\\\ x\\=y\\nz\\r \xc3\xa9");
}

/* The CEF decoder reads back what was meant: header fields and extension values. */
static void test_cef_round_trip(void **state)
{
    (void)state;
    struct cg_rule r = {.id = HOSTILE_RULE, .severity = "medium"};
    struct cg_alert a = alert(&r, "a|b\\c=d caf\xc3\xa9");
    struct cg_str key = CG_STR_LIT("al=ice\\ x=y\nz\r|");
    a.key = &key;
    a.nkey = 1;
    struct cg_forward_fmt f = fmt(FWD_CEF);
    struct cg_buf out;
    cg_buf_init(&out);
    bool cut;
    assert_int_equal(cg_forward_format(&f, &a, &out, &cut), CG_OK);
    const char *cef = strstr(cg_buf_cstr(&out), "CEF:");
    assert_non_null(cef);
    cef += 4;
    struct cg_arena ar;
    cg_arena_init(&ar);
    struct cg_cef h;
    assert_int_equal(cg_cef_decode_header(cef, strlen(cef), &h, &ar), CG_REJ_NONE);
    assert_true(cg_str_eqz(h.event_id, HOSTILE_RULE));
    assert_true(cg_str_eqz(h.name, "a|b\\c=d caf\xc3\xa9"));
    assert_true(cg_str_eqz(h.severity, "5"));
    assert_int_equal(h.flags, 0);
    struct cg_fields fl;
    cg_fields_init(&fl, 0);
    unsigned flags = 0;
    assert_int_equal(cg_cef_decode_ext(h.ext, &fl, &ar, &flags), CG_OK);
    assert_int_equal(flags, 0);
    const struct cg_str *v = cg_fields_getz(&fl, "cs1");
    assert_non_null(v);
    assert_true(cg_str_eqz(*v, HOSTILE_RULE));
    v = cg_fields_getz(&fl, "cs3");
    assert_non_null(v);
    assert_true(cg_str_eqz(*v, "al=ice\\ x=y\nz\r|"));
    assert_null(cg_fields_getz(&fl, "x")); /* no key forged inside a value */
    v = cg_fields_getz(&fl, "rt");
    assert_non_null(v);
    assert_true(cg_str_eqz(*v, "1745119254000"));
    cg_fields_fini(&fl);
    cg_arena_fini(&ar);
    cg_buf_fini(&out);
}

/* PRI = facility * 8 + syslog severity; CEF severity 1 3 5 8 10; unknown: notice, 5. */
static void test_severities(void **state)
{
    (void)state;
    static const struct {
        const char *sev;
        unsigned pri, cef;
    } cases[] = {{"critical", 2, 10}, {"high", 3, 8}, {"medium", 4, 5}, {"low", 5, 3},
                 {"info", 6, 1},      {"Huge", 5, 5}, {NULL, 5, 5}};
    struct cg_buf out;
    cg_buf_init(&out);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_rule r = {.id = "r", .severity = (char *)cases[i].sev};
        struct cg_alert a = alert(&r, "s");
        bool cut;
        struct cg_forward_fmt f = fmt(FWD_CEF);
        f.facility = 23;
        assert_int_equal(cg_forward_format(&f, &a, &out, &cut), CG_OK);
        char want[64];
        snprintf(want, sizeof(want), "<%u>1 ", 23 * 8 + cases[i].pri);
        assert_memory_equal(out.p, want, strlen(want));
        snprintf(want, sizeof(want), "|r|s|%u|rt=", cases[i].cef);
        assert_non_null(strstr(cg_buf_cstr(&out), want));
    }
    cg_buf_fini(&out);
}

/* Cut at max-message: never inside a UTF-8 character, never after an escape's lone
 * backslash; a header over it is CG_ELIMIT. */
static void test_cut(void **state)
{
    (void)state;
    struct cg_rule r = {.id = "r", .severity = "high"};
    struct cg_forward_fmt f = fmt(FWD_RFC5424);
    static const char head[] = "<131>1 2025-04-20T03:20:54Z kaga cefguard 42 r "
                               "[cefguard@32473 rule=\"r\" kind=\"alert\" severity=\"high\"] ";
    const size_t h = sizeof(head) - 1;
    struct cg_buf out;
    cg_buf_init(&out);
    bool cut;
    struct cg_alert a = alert(&r, "ab\xc3\xa9z");
    f.max_message = h + 3; /* inside the é */
    assert_int_equal(cg_forward_format(&f, &a, &out, &cut), CG_OK);
    assert_true(cut);
    assert_int_equal(out.n, h + 2);
    assert_memory_equal(out.p + h, "ab", 2);
    f.max_message = h + 4; /* just after it */
    assert_int_equal(cg_forward_format(&f, &a, &out, &cut), CG_OK);
    assert_int_equal(out.n, h + 4);
    f.max_message = h + 5; /* all of it */
    assert_int_equal(cg_forward_format(&f, &a, &out, &cut), CG_OK);
    assert_false(cut);
    assert_int_equal(out.n, h + 5);

    /* CEF: "a\\|b" escaped is a\\\\\|b: never end on an escape's first backslash */
    struct cg_forward_fmt c = fmt(FWD_CEF);
    struct cg_alert b = alert(&r, "\\|");
    c.max_message = 1 << 20;
    assert_int_equal(cg_forward_format(&c, &b, &out, &cut), CG_OK);
    const char *at = strstr(cg_buf_cstr(&out), "|r|\\\\\\|");
    assert_non_null(at);
    size_t esc = (size_t)(at - out.p) + 3; /* the first backslash of the escapes */
    for (size_t k = 1; k <= 4; k++) {
        c.max_message = esc + k;
        assert_int_equal(cg_forward_format(&c, &b, &out, &cut), CG_OK);
        assert_true(cut);
        assert_int_equal(out.n, esc + (k & ~(size_t)1));
    }
    f.max_message = h - 2; /* the header alone is over it */
    assert_int_equal(cg_forward_format(&f, &a, &out, &cut), CG_ELIMIT);
    cg_buf_fini(&out);
}

static void test_names_and_facilities(void **state)
{
    (void)state;
    char o[8];
    cg_forward_fmt_name(o, sizeof(o), "a b\xc3\xa9\x01z1234");
    assert_string_equal(o, "a_b___z");
    cg_forward_fmt_name(o, sizeof(o), "");
    assert_string_equal(o, "-");
    cg_forward_fmt_name(o, sizeof(o), NULL);
    assert_string_equal(o, "-");
    static const struct {
        const char *z;
        int v; /* -1: refused */
    } cases[] = {{"kern", 0},    {"user", 1},    {"authpriv", 10}, {"local0", 16},
                 {"local7", 23}, {"0", 0},       {"23", 23},       {"9", 9},
                 {"24", -1},     {"01", -1},     {"", -1},         {"-1", -1},
                 {"local8", -1}, {"LOCAL0", -1}, {"100", -1},      {"1 ", -1}};
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        unsigned v = 99;
        bool ok = cg_forward_fmt_facility(cases[i].z, &v);
        if (ok != (cases[i].v >= 0) || (ok && v != (unsigned)cases[i].v))
            fail_msg("facility '%s': %d %u", cases[i].z, ok, v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5424_plain),        cmocka_unit_test(test_rfc5424_hostile),
        cmocka_unit_test(test_rfc5424_json),         cmocka_unit_test(test_cef_plain),
        cmocka_unit_test(test_cef_hostile),          cmocka_unit_test(test_cef_round_trip),
        cmocka_unit_test(test_severities),           cmocka_unit_test(test_cut),
        cmocka_unit_test(test_names_and_facilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
