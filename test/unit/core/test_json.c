/* test_json.c - JSON string escaping and UTF-8 policy (json.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/json.h"

#include <stdio.h>
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

/* ---- fast path against a naive reference ------------------------------------------ */

/* The policy of json.h written out byte by byte, independently of json.c: UTF-8 is
 * checked by decoding the code point and testing its range. Appends to out (room
 * 6 * n + 2). Returns the length written. */
static size_t ref_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    uint32_t min = len == 4 ? 0x10000 : len == 3 ? 0x800 : 0x80;
    if (!len || c >= 0xf8 || len > n)
        return 0;
    uint32_t cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

static size_t ref_escape(const unsigned char *s, size_t n, char *out, size_t *bad)
{
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        const char *named = c == '"'    ? "\\\""
                            : c == '\\' ? "\\\\"
                            : c == '\n' ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                            : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f"
                                        : NULL;
        size_t len = c >= 0x80 ? ref_utf8_len(s + i, n - i) : 1;
        if (named) {
            memcpy(out + o, named, 2);
            o += 2;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)sprintf(out + o, "\\u%04x", c);
        } else if (len == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            (*bad)++;
            len = 1;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += c >= 0x80 ? len : 1;
    }
    out[o++] = '"';
    return o;
}

/* Escapes in[0..n) with cg_json_put_str, after a prefix already in the buffer, and
 * with the reference; they must agree on every byte and on the count. The input is
 * copied to a block of exactly n bytes so a sanitizer build catches any over-read. */
static void check_escape(const void *in, size_t n, const char *what, size_t idx)
{
    unsigned char *copy = malloc(n ? n : 1);
    char *want = malloc(6 * n + 2);
    assert_non_null(copy);
    assert_non_null(want);
    memcpy(copy, in, n);
    size_t want_bad = 0, got_bad = 0;
    size_t want_n = ref_escape(copy, n, want, &want_bad);
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_buf_put(&b, "pre", 3), CG_OK);
    assert_int_equal(cg_json_put_str(&b, (const char *)copy, n, &got_bad), CG_OK);
    if (b.n != want_n + 3 || memcmp(b.p, "pre", 3) != 0 || memcmp(b.p + 3, want, want_n) != 0)
        fail_msg("%s %zu (n=%zu): got [%.*s] want [%.*s]", what, idx, n, (int)b.n, b.p, (int)want_n,
                 want);
    if (got_bad != want_bad)
        fail_msg("%s %zu: bad %zu want %zu", what, idx, got_bad, want_bad);
    cg_buf_fini(&b);
    free(want);
    free(copy);
}

/* The reference itself agrees with the hand-written cases above. */
static void test_json_reference_agrees(void **state)
{
    (void)state;
    char out[256];
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        size_t bad = 0;
        size_t n = ref_escape((const unsigned char *)cases[i].in, cases[i].in_len, out, &bad);
        if (n != strlen(cases[i].out) || memcmp(out, cases[i].out, n) != 0)
            fail_msg("reference case %zu: got [%.*s]", i, (int)n, out);
        assert_int_equal(bad, cases[i].bad);
    }
}

/* Every byte value alone, and every pair, and every byte in the middle and at the end
 * of ASCII text long enough for a SIMD block. */
static void test_json_every_byte(void **state)
{
    (void)state;
    unsigned char in[40];
    for (int x = 0; x < 256; x++) {
        in[0] = (unsigned char)x;
        check_escape(in, 1, "byte", (size_t)x);
        for (int y = 0; y < 256; y++) {
            in[1] = (unsigned char)y;
            check_escape(in, 2, "pair", (size_t)(x * 256 + y));
        }
        memset(in, 'a', sizeof(in));
        in[20] = (unsigned char)x;
        check_escape(in, sizeof(in), "mid", (size_t)x);
        in[20] = 'a';
        in[sizeof(in) - 1] = (unsigned char)x;
        check_escape(in, sizeof(in), "end", (size_t)x);
    }
}

/* Sequences that need attention, at every position 0..40 of ASCII strings of every
 * length that holds them up to 48: covers each offset in and across the 8- and
 * 16-byte blocks, and the short tails. */
static const struct {
    const char *s;
    size_t n;
} specials[] = {
#define S(x)                                                                                       \
    {                                                                                              \
        x, sizeof(x) - 1                                                                           \
    }
    S("\""),
    S("\\"),
    S("\n"),
    S("\x01"),
    S("\x1f"),
    S("\x7f"),
    S(" "),
    S("~"),
    S("\x80"),
    S("\xff"),
    S("\xc3\xa9"),
    S("\xe6\x97\xa5"),
    S("\xf0\x9f\x98\x80"),
    S("\xef\xbf\xbd"),
    S("\xc3"),
    S("\xe6\x97"),
    S("\xf0\x9f\x98"), /* truncated */
    S("\xc0\xaf"),
    S("\xe0\x80\xaf"),
    S("\xf0\x8f\xbf\xbf"), /* overlong */
    S("\xed\xa0\x80"),
    S("\xed\xbf\xbf"),
    S("\xed\x9f\xbf"), /* surrogates, edge */
    S("\xf4\x90\x80\x80"),
    S("\xf4\x8f\xbf\xbf"),
    S("\xf5\x80\x80\x80"), /* > U+10FFFF */
    S("\xc3\xa9\xc3"),
    S("\xe6\x97\xa5\x80"),
    S("\"\\\x01\xe9"),
#undef S
};

static void test_json_special_at_every_position(void **state)
{
    (void)state;
    unsigned char in[64];
    size_t idx = 0;
    for (size_t k = 0; k < CG_ARRAY_LEN(specials); k++) {
        for (size_t len = specials[k].n; len <= 48; len++) {
            for (size_t pos = 0; pos <= 40 && pos + specials[k].n <= len; pos++) {
                memset(in, 'x', len);
                memcpy(in + pos, specials[k].s, specials[k].n);
                check_escape(in, len, "special", idx++);
                if (specials[k].n == 1 && pos + 2 < len) { /* the byte repeated after it */
                    in[pos + 2] = in[pos];
                    check_escape(in, len, "special2", idx++);
                }
            }
        }
    }
}

/* Non-ASCII text with a broken sequence at every offset: the run of bytes >= 0x80 must
 * resynchronise exactly as the reference does, whatever the block alignment. */
static void test_json_utf8_runs(void **state)
{
    (void)state;
    static const char *const breaks[] = {"\xe6\x97",         "\xe6",     "\xed\xa0\x80", "\xc0\xaf",
                                         "\xf4\x90\x80\x80", "\x80\x80", "\xf0\x9f\x98", "A"};
    unsigned char in[72];
    size_t idx = 0;
    for (size_t k = 0; k < CG_ARRAY_LEN(breaks); k++) {
        size_t bn = strlen(breaks[k]);
        for (size_t pos = 0; pos <= 40; pos++) {
            size_t len = 0;
            while (len + 3 <= pos) { /* U+65E5, three bytes each */
                memcpy(in + len, "\xe6\x97\xa5", 3);
                len += 3;
            }
            memcpy(in + len, breaks[k], bn);
            len += bn;
            check_escape(in, len, "utf8 end", idx++); /* broken sequence last */
            memcpy(in + len,
                   "\xf0\x9f\x98\x80"
                   "abc\xc3\xa9",
                   9);
            check_escape(in, len + 9, "utf8 mid", idx++);
        }
    }
}

/* Pseudo-random strings (fixed seed): some fully random bytes, some mostly ASCII with
 * an occasional special byte, some made of UTF-8 pieces, valid or not. */
static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_json_random(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "a",  "Z9 ", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\x80", "\xed\xa0", "\xf4\x90",
        "\"", "\\",  "\t",       "\x7f"};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned char in[160];
    for (size_t t = 0; t < 6000; t++) {
        size_t len = rng_next(&seed) % 100, mode = t % 3, n = 0;
        while (n < len) {
            uint64_t r = rng_next(&seed);
            if (mode == 0) {
                in[n++] = (unsigned char)r;
            } else if (mode == 1) {
                in[n++] =
                    r % 16 == 0 ? (unsigned char)(r >> 8) : (unsigned char)(' ' + (r >> 8) % 95);
            } else {
                const char *pc = pieces[(r >> 8) % CG_ARRAY_LEN(pieces)];
                memcpy(in + n, pc, strlen(pc));
                n += strlen(pc);
            }
        }
        check_escape(in, n, "random", t);
    }
}

static void test_json_u64(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *want;
    } u[] = {{0, "0"},
             {7, "7"},
             {10, "10"},
             {191, "191"},
             {1000000, "1000000"},
             {UINT64_MAX, "18446744073709551615"}};
    for (size_t i = 0; i < CG_ARRAY_LEN(u); i++) {
        struct cg_buf b;
        cg_buf_init(&b);
        assert_int_equal(cg_buf_put(&b, ",", 1), CG_OK);
        assert_int_equal(cg_json_put_u64(&b, u[i].v), CG_OK);
        assert_int_equal(b.n, strlen(u[i].want) + 1);
        assert_memory_equal(b.p + 1, u[i].want, b.n - 1);
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
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_cases),
        cmocka_unit_test(test_json_null),
        cmocka_unit_test(test_json_all_bytes),
        cmocka_unit_test(test_json_large),
        cmocka_unit_test(test_json_reference_agrees),
        cmocka_unit_test(test_json_every_byte),
        cmocka_unit_test(test_json_special_at_every_position),
        cmocka_unit_test(test_json_utf8_runs),
        cmocka_unit_test(test_json_random),
        cmocka_unit_test(test_json_u64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
