/* test_json.c - JSON string escaping and UTF-8 policy (json.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/json.h"

#include <stdlib.h>

struct json_case {
    const char *in;
    size_t in_len;
    const char *out;
    size_t bad;
};

#define C(in, out, bad)                                                                            \
    {                                                                                              \
        in, sizeof(in) - 1, out, bad                                                               \
    }

static const struct json_case cases[] = {
    C("", "\"\"", 0),
    C("plain ascii", "\"plain ascii\"", 0),
    C("q\"b\\s", "\"q\\\"b\\\\s\"", 0),
    C("a\nb\rc\td", "\"a\\nb\\rc\\td\"", 0),
    C("\b\f", "\"\\b\\f\"", 0),
    C("nul\0x", "\"nul\\u0000x\"", 0),
    C("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"", 0),
    C("/slash", "\"/slash\"", 0),
    C("caf\xc3\xa9", "\"caf\xc3\xa9\"", 0),                           /* 2-byte */
    C("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"", 0), /* 3-byte */
    C("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", 0),                 /* 4-byte */
    C("\xef\xbb\xbf", "\"\xef\xbb\xbf\"", 0),                         /* BOM is valid UTF-8 */
    C("\xff", "\"\xef\xbf\xbd\"", 1),                                 /* invalid lead */
    C("\x80", "\"\xef\xbf\xbd\"", 1),                                 /* lone continuation */
    C("\xc3", "\"\xef\xbf\xbd\"", 1),                                 /* truncated at end */
    C("\xc3(", "\"\xef\xbf\xbd(\"", 1),                               /* bad continuation */
    C("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 2),                 /* overlong '/' */
    C("\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 3), /* overlong 3-byte */
    C("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 3), /* surrogate */
    C("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 4), /* >10FFFF */
    C("\xf5\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"", 2),
    C("a\xe6\x97", "\"a\xef\xbf\xbd\xef\xbf\xbd\"", 2), /* truncated 3-byte */
    C("Latin1 \xe9t\xe9", "\"Latin1 \xef\xbf\xbdt\xef\xbf\xbd\"", 2),
};

static void test_json_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_buf b;
        cg_buf_init(&b);
        size_t bad = 0;
        assert_int_equal(cg_json_put_str(&b, cases[i].in, cases[i].in_len, &bad), CG_OK);
        if (b.n != strlen(cases[i].out) || memcmp(b.p, cases[i].out, b.n) != 0)
            fail_msg("case %zu: got [%.*s] want [%s]", i, (int)b.n, b.p, cases[i].out);
        assert_int_equal(bad, cases[i].bad);
        cg_buf_fini(&b);
    }
}

static void test_json_null(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_json_put_strv(&b, CG_STR_NULL, NULL), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "null");
    cg_buf_fini(&b);
}

/* Every byte value alone and in pairs gives output with no raw control bytes and
 * only valid UTF-8. */
static void test_json_all_bytes(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    for (int x = 0; x < 256; x++) {
        for (int y = 0; y < 256; y++) {
            char in[2] = {(char)x, (char)y};
            cg_buf_clear(&b);
            assert_int_equal(cg_json_put_str(&b, in, 2, NULL), CG_OK);
            for (size_t k = 0; k < b.n; k++)
                assert_true((unsigned char)b.p[k] >= 0x20);
            /* Re-encoding the output must leave it unchanged except quoting. */
            struct cg_buf b2;
            cg_buf_init(&b2);
            size_t bad = 0;
            assert_int_equal(cg_json_put_str(&b2, b.p + 1, b.n - 2, &bad), CG_OK);
            assert_int_equal(bad, 0);
            cg_buf_fini(&b2);
        }
    }
    cg_buf_fini(&b);
}

static void test_json_large(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *in = malloc(n);
    assert_non_null(in);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)(i % 7 == 0 ? '"' : 'a');
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_json_put_str(&b, in, n, NULL), CG_OK);
    assert_int_equal(b.n, n + (n + 6) / 7 + 2);
    cg_buf_fini(&b);
    free(in);
}

/* Keys that differ only in invalid UTF-8 render alike (U+FFFD): the object must still
 * have unique keys. The first wins; the rest count as duplicate keys. Regression test
 * for a fuzz_line finding. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_cases),
        cmocka_unit_test(test_json_null),
        cmocka_unit_test(test_json_all_bytes),
        cmocka_unit_test(test_json_large),
        cmocka_unit_test(test_json_keys_unique_after_repair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
