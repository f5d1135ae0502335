/* test_event_json.c - the normalized event as JSON (event_json.c): key order, SD, raw
 * events, keys that render alike after UTF-8 repair, the time_outlier flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/event.h"
#include "cefguard/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_json_keys_unique_after_repair(void **state)
{
    (void)state;
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_LOGNORM;
    ev.fields_done = true;
    ev.subject_done = true;
    cg_fields_add(&ev.fields, cg_str_make("k\xff", 2), CG_STR_LIT("1"));
    cg_fields_add(&ev.fields, CG_STR_LIT("ok"), CG_STR_LIT("2"));
    cg_fields_add(&ev.fields, cg_str_make("k\xfe", 2), CG_STR_LIT("3"));
    cg_fields_add(&ev.fields, CG_STR_LIT("k\xef\xbf\xbd"), CG_STR_LIT("4")); /* a real U+FFFD */
    assert_int_equal(ev.fields.n, 4);
    struct cg_buf b;
    cg_buf_init(&b);
    size_t bad = 0;
    assert_int_equal(cg_event_to_json(&ev, &b, &bad), CG_OK);
    const char *want = "\"fields\":{\"k\xef\xbf\xbd\":\"1\",\"ok\":\"2\"}";
    if (!strstr(cg_buf_cstr(&b), want))
        fail_msg("got %s", cg_buf_cstr(&b));
    assert_int_equal(ev.fields.dup_dropped, 2);
    assert_int_equal(bad, 1); /* only the written key's byte */
    cg_buf_fini(&b);
    cg_event_fini(&ev);
}

/* The event writer, whole and exact: RFC 5424 with SD (a repeated param, and an SD-ID
 * seen again later, keep the first), pri/facility/severity as numbers, unset strings as null, a
 * time with fraction and offset. */
static void test_json_event_5424(void **state)
{
    (void)state;
    struct cg_sd_param sd[] = {
        {CG_STR_LIT("origin"), CG_STR_LIT("ip"), CG_STR_LIT("10.0.0.1")},
        {CG_STR_LIT("origin"), CG_STR_LIT("ip"), CG_STR_LIT("10.0.0.2")},
        {CG_STR_LIT("meta"), CG_STR_NULL, CG_STR_NULL},
        {CG_STR_LIT("origin"), CG_STR_LIT("x"), CG_STR_LIT("y")},
    };
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_CEF;
    ev.fields_done = true;
    ev.subject_done = true;
    ev.sl.kind = CG_SYSLOG_RFC5424;
    ev.sl.pri = 0, ev.sl.facility = 0, ev.sl.severity = 0;
    ev.sl.host = CG_STR_LIT("h\"1");
    ev.sl.app = CG_STR_LIT("app");
    ev.sl.msgid = CG_STR_LIT("ID47");
    ev.sl.sd = sd;
    ev.sl.nsd = CG_ARRAY_LEN(sd);
    ev.fmt_version = CG_STR_LIT("0");
    ev.vendor = CG_STR_LIT("V\xc3\xa9");
    ev.severity = CG_STR_LIT("10");
    ev.time = (struct cg_time){
        .sec = 1745119254, .usec = 120000, .off_min = -90, .frac_digits = 3, .flags = CG_TIME_SET};
    cg_fields_add(&ev.fields, CG_STR_LIT("act"), CG_STR_LIT("block\n"));
    cg_fields_add(&ev.fields, CG_STR_LIT("src"), CG_STR_LIT(""));
    struct cg_buf b;
    cg_buf_init(&b);
    size_t bad = 7;
    assert_int_equal(cg_event_to_json(&ev, &b, &bad), CG_OK);
    const char *exp =
        "{\"time\":\"2025-04-20T01:50:54.120-01:30\",\"host\":\"h\\\"1\",\"format\":\"cef\","
        "\"format_version\":\"0\",\"vendor\":\"V\xc3\xa9\",\"product\":null,"
        "\"product_version\":null,\"event_id\":null,\"name\":null,\"severity\":\"10\","
        "\"subject\":null,\"subject_key\":null,\"subject_status\":\"missing\",\"fields\":{\"act\":"
        "\"block\\n\",\"src\":\"\"},"
        "\"syslog\":{\"format\":\"rfc5424\",\"pri\":0,\"facility\":0,\"severity\":0,"
        "\"app\":\"app\",\"procid\":null,\"msgid\":\"ID47\",\"sd\":{\"origin\":{\"ip\":"
        "\"10.0.0.1\"},\"meta\":{}}}}";
    if (b.n != strlen(exp) || memcmp(b.p, exp, b.n) != 0)
        fail_msg("got  %.*s\nwant %s", (int)b.n, b.p, exp);
    assert_int_equal(bad, 7);
    cg_buf_fini(&b);
    cg_event_fini(&ev);
}

/* A line nothing decoded: reason and message appear, the time is null, bad bytes are
 * counted and added to what the caller had. */
static void test_json_event_raw(void **state)
{
    (void)state;
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_RAW;
    ev.reason = CG_REJ_NO_DECODER;
    ev.fields_done = true;
    ev.subject_done = true;
    ev.sl.kind = CG_SYSLOG_RFC3164;
    ev.sl.pri = 191, ev.sl.facility = 23, ev.sl.severity = 7;
    ev.line = CG_STR_LIT("x\xff\x01y");
    struct cg_buf b;
    cg_buf_init(&b);
    size_t bad = 2;
    assert_int_equal(cg_event_to_json(&ev, &b, &bad), CG_OK);
    const char *exp =
        "{\"time\":null,\"host\":null,\"format\":\"raw\",\"reason\":\"no_decoder\","
        "\"format_version\":null,\"vendor\":null,\"product\":null,\"product_version\":null,"
        "\"event_id\":null,\"name\":null,\"severity\":null,\"subject\":null,"
        "\"subject_key\":null,\"subject_status\":\"missing\",\"fields\":{},\"message\":"
        "\"x\xef\xbf\xbd\\u0001y\","
        "\"syslog\":{\"format\":\"rfc3164\",\"pri\":191,\"facility\":23,\"severity\":7,"
        "\"app\":null,\"procid\":null}}";
    if (b.n != strlen(exp) || memcmp(b.p, exp, b.n) != 0)
        fail_msg("got  %.*s\nwant %s", (int)b.n, b.p, exp);
    assert_int_equal(bad, 3);
    cg_buf_clear(&b);
    ev.sl.kind = CG_SYSLOG_NONE;
    ev.sl.pri = ev.sl.facility = ev.sl.severity = -1;
    assert_int_equal(cg_event_to_json(&ev, &b, NULL), CG_OK);
    const char *tail = ",\"syslog\":{\"format\":\"none\",\"pri\":null,\"facility\":null,"
                       "\"severity\":null,\"app\":null,\"procid\":null}}";
    assert_true(b.n > strlen(tail));
    assert_memory_equal(b.p + b.n - strlen(tail), tail, strlen(tail));
    cg_buf_fini(&b);
    cg_event_fini(&ev);
}

/* An outlier keeps its stamp as logged and says so, right after it (timeguard.h); a
 * confirmed jump is not marked in the JSON. */
static void test_json_time_outlier(void **state)
{
    (void)state;
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_CEF;
    ev.fields_done = true;
    ev.subject_done = true;
    ev.time = (struct cg_time){.sec = 253402300799LL, .flags = CG_TIME_SET};
    ev.flags = CG_EV_TIME_OUTLIER;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_event_to_json(&ev, &b, NULL), CG_OK);
    const char *head = "{\"time\":\"9999-12-31T23:59:59Z\",\"time_outlier\":true,\"host\":null,";
    if (b.n < strlen(head) || memcmp(b.p, head, strlen(head)) != 0)
        fail_msg("got  %.*s", (int)b.n, b.p);
    cg_buf_clear(&b);
    ev.flags = CG_EV_TIME_JUMP;
    assert_int_equal(cg_event_to_json(&ev, &b, NULL), CG_OK);
    const char *plain = "{\"time\":\"9999-12-31T23:59:59Z\",\"host\":null,";
    assert_memory_equal(b.p, plain, strlen(plain));
    cg_buf_fini(&b);
    cg_event_fini(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_keys_unique_after_repair),
        cmocka_unit_test(test_json_event_5424),
        cmocka_unit_test(test_json_event_raw),
        cmocka_unit_test(test_json_time_outlier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
