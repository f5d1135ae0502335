/* test_core.c - arena, buf, fields and time helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/arena.h"
#include "cefguard/buf.h"
#include "cefguard/fields.h"
#include "cefguard/timeutil.h"

static void test_arena(void **state)
{
    (void)state;
    struct cg_arena a;
    cg_arena_init(&a);
    char *p1 = cg_arena_dup(&a, "hello", 5);
    assert_memory_equal(p1, "hello", 5);
    /* Blocks never move: earlier pointers survive growth. */
    for (int i = 0; i < 1000; i++)
        assert_non_null(cg_arena_alloc(&a, 1000));
    assert_memory_equal(p1, "hello", 5);
    void *big = cg_arena_alloc(&a, 10 * 1024 * 1024);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 8, 0);
    cg_arena_reset(&a);
    assert_non_null(cg_arena_alloc(&a, 0));
    assert_null(cg_arena_alloc(&a, SIZE_MAX - 3)); /* overflow is refused */
    cg_arena_fini(&a);
    cg_arena_fini(&a); /* fini twice is harmless */
}

static void test_buf(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_string_equal(cg_buf_cstr(&b), "");
    assert_int_equal(cg_buf_puts(&b, "ab"), CG_OK);
    assert_int_equal(cg_buf_putc(&b, 'c'), CG_OK);
    assert_int_equal(cg_buf_printf(&b, "%d-%s", 42, "x"), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "abc42-x");
    char longs[600];
    memset(longs, 'z', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = 0;
    assert_int_equal(cg_buf_printf(&b, "%s", longs), CG_OK); /* > printf's stack buffer */
    assert_int_equal(b.n, 7 + 599);
    cg_buf_fini(&b);
}

static void test_fields(void **state)
{
    (void)state;
    struct cg_fields f;
    cg_fields_init(&f, 3);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("a"), CG_STR_LIT("1")), CG_OK);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("b"), CG_STR_LIT("2")), CG_OK);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("a"), CG_STR_LIT("3")), CG_OK); /* dup */
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("c"), CG_STR_LIT("")), CG_OK);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("d"), CG_STR_LIT("4")), CG_OK); /* over */
    assert_int_equal(f.n, 3);
    assert_int_equal(f.dup_dropped, 1);
    assert_int_equal(f.limit_dropped, 1);
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "a"), "1")); /* first wins */
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "c"), ""));
    assert_null(cg_fields_getz(&f, "d"));
    assert_null(cg_fields_getz(&f, "ab"));
    cg_fields_clear(&f);
    assert_int_equal(f.n, 0);
    assert_int_equal(f.dup_dropped, 0);
    cg_fields_fini(&f);
}

struct time_case {
    const char *in;
    size_t consumed; /* 0: invalid */
    const char *out;
};

static const struct time_case time_cases[] = {
    {"2025-04-20T03:20:54Z", 20, "2025-04-20T03:20:54Z"},
    {"2025-04-20T03:20:54.1Z", 22, "2025-04-20T03:20:54.1Z"},
    {"2003-10-11T22:14:15.003Z", 24, "2003-10-11T22:14:15.003Z"},
    {"2003-08-24T05:14:15.000003-07:00", 32, "2003-08-24T05:14:15.000003-07:00"},
    {"2024-01-02T03:04:05.123456789+09:00 x", 35, "2024-01-02T03:04:05.123456+09:00"},
    {"2024-02-29T00:00:00+0530", 24, "2024-02-29T00:00:00+05:30"},
    {"1985-04-12T23:20:50.52Z", 23, "1985-04-12T23:20:50.52Z"},
    {"1996-12-19T16:39:57-08:00", 25, "1996-12-19T16:39:57-08:00"},
    {"2025-04-20 03:20:54Z", 20, "2025-04-20T03:20:54Z"},
    {"2023-02-29T00:00:00Z", 0, NULL}, /* not a leap year */
    {"2025-13-01T00:00:00Z", 0, NULL},
    {"2025-04-20T24:00:00Z", 0, NULL},
    {"2025-04-20T03:20:54", 0, NULL}, /* no zone */
    {"2025-04-20T03:20:54.Z", 0, NULL},
    {"2025-04-20T03:20", 0, NULL},
    {"2025-04-20T03:20:54+25:00", 0, NULL},
    {"", 0, NULL},
};

static void test_time_rfc3339(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(time_cases); i++) {
        const struct time_case *c = &time_cases[i];
        struct cg_time t = {0};
        size_t got = cg_time_parse_rfc3339(c->in, strlen(c->in), &t);
        if (got != c->consumed)
            fail_msg("case %zu (%s): consumed %zu want %zu", i, c->in, got, c->consumed);
        if (!c->out)
            continue;
        char out[48];
        cg_time_format(&t, out, sizeof(out));
        assert_string_equal(out, c->out);
    }
}

static void test_time_instant(void **state)
{
    (void)state;
    struct cg_time a = {0}, b = {0};
    assert_int_not_equal(cg_time_parse_rfc3339("2024-01-02T03:04:05+09:00", 25, &a), 0);
    assert_int_not_equal(cg_time_parse_rfc3339("2024-01-01T18:04:05Z", 20, &b), 0);
    assert_int_equal(a.sec, b.sec); /* same instant, different offsets */
    assert_int_equal(b.sec, 1704132245);
    struct cg_time unset = {0};
    char out[48];
    assert_int_equal(cg_time_format(&unset, out, sizeof(out)), 0);
}

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(cg_time_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cg_time_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(cg_time_days_from_civil(1969, 12, 31), -1);
    for (int64_t d = -800000; d < 800000; d += 37) {
        int64_t y;
        unsigned m, dd;
        cg_time_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(cg_time_days_from_civil(y, m, dd), d);
    }
}

/* The formatted date of the last day is remembered (timeutil.c): days in turn, the same
 * day again, a day out of the year range between them, offsets that move the day. */
static void test_time_format_days(void **state)
{
    (void)state;
    static const struct {
        int64_t sec;
        int16_t off_min;
        const char *out; /* NULL: not formattable */
    } cases[] = {
        {1745107200, 0, "2025-04-20T00:00:00Z"},
        {1745193599, 0, "2025-04-20T23:59:59Z"},
        {1745193599, 60, "2025-04-21T00:59:59+01:00"},
        {253402300800, 0, NULL}, /* 10000-01-01 */
        {1745193599, 0, "2025-04-20T23:59:59Z"},
        {-1, 0, "1969-12-31T23:59:59Z"},
        {253402300800, 0, NULL},
        {253402300799, 0, "9999-12-31T23:59:59Z"},
        {1745107200, -600, "2025-04-19T14:00:00-10:00"},
        {1745107200, 0, "2025-04-20T00:00:00Z"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_time t = {.sec = cases[i].sec, .off_min = cases[i].off_min, .flags = CG_TIME_SET};
        char out[48];
        size_t n = cg_time_format(&t, out, sizeof(out));
        if (!cases[i].out) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_int_equal(n, strlen(cases[i].out));
        assert_string_equal(out, cases[i].out);
    }
}

/* The one duration syntax of rules and options, valid and invalid side by side. */
static void test_duration(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool ok;
        uint64_t us;
        const char *back; /* cg_time_format_duration of us */
    } cases[] = {
        {"0", true, 0, "0"},
        {"0s", true, 0, "0"},
        {"1500ms", true, 1500000, "1500ms"},
        {"30s", true, 30000000, "30s"},
        {"90s", true, 90000000, "90s"},
        {"60s", true, 60000000, "1m"},
        {"5m", true, 300000000, "5m"},
        {"2h", true, 7200000000, "2h"},
        {"366d", true, 31622400000000, "366d"},
        {"007s", true, 7000000, "7s"},
        {"", false, 0, NULL},
        {"s", false, 0, NULL},
        {"5", false, 0, NULL},
        {"-5s", false, 0, NULL},
        {"+5s", false, 0, NULL},
        {" 5s", false, 0, NULL},
        {"5s ", false, 0, NULL},
        {"5 s", false, 0, NULL},
        {"5sec", false, 0, NULL},
        {"5us", false, 0, NULL},
        {"5.5s", false, 0, NULL},
        {"18446744073709551615ms", false, 0, NULL}, /* overflows microseconds */
        {"99999999999999999999s", false, 0, NULL},  /* overflows the digits */
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        uint64_t us = 12345;
        bool ok = cg_time_parse_duration(cases[i].in, &us);
        if (ok != cases[i].ok)
            fail_msg("'%s': parsed %d, expected %d", cases[i].in, ok, cases[i].ok);
        if (!ok)
            continue;
        assert_int_equal(us, cases[i].us);
        char o[32];
        size_t n = cg_time_format_duration(us, o, sizeof(o));
        assert_int_equal(n, strlen(cases[i].back));
        assert_string_equal(o, cases[i].back);
    }
    assert_false(cg_time_parse_duration(NULL, &(uint64_t){0}));
    char small[3];
    assert_int_equal(cg_time_format_duration(1500000, small, sizeof(small)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_time_rfc3339),
        cmocka_unit_test(test_time_instant),
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_time_format_days),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
