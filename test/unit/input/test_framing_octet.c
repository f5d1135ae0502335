/*
 * test_framing_octet.c - RFC 6587 framing (src/input/framing_octet.h): a table of streams,
 * valid and invalid side by side, each with the exact frames and the error it gives; every
 * stream is fed whole, split at every byte position and at every pair of positions, and
 * byte by byte, each call on an exactly-sized heap copy of the unread bytes (ASan sees a
 * read past them), and must give the same result every time, with the unread bytes never
 * above the bound. The class of rsyslog CVE-2022-24903 (octet-count parsing) is what the
 * invalid rows rule out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "cefguard/buf.h"
#include "cefguard/log.h"

#include "../../../src/input/framing_octet.c"

/* Feeds in[0..n) in pieces ending at the cut positions (ascending, < n) and writes what
 * came out: each frame as [escaped bytes], then "EOF[...]" for a last LF message, "DROP"
 * for an incomplete counted frame at the end, or "BAD:why" / "LONG:why" for an error. */
static void run(const char *in, size_t n, size_t max, const size_t *cuts, size_t ncuts,
                struct cg_buf *out)
{
    struct cg_octet f;
    cg_octet_init(&f, max);
    char *held = NULL; /* the unread bytes */
    size_t nheld = 0, fed = 0;
    for (size_t piece = 0; piece <= ncuts; piece++) {
        size_t upto = piece < ncuts ? cuts[piece] : n;
        held = realloc(held, nheld + (upto - fed) + 1);
        assert_non_null(held);
        memcpy(held + nheld, in + fed, upto - fed);
        nheld += upto - fed;
        fed = upto;
        for (;;) {
            char *exact = copy_exact(held, nheld);
            struct cg_str fr = CG_STR_NULL;
            size_t used = 99999;
            const char *why = NULL;
            enum cg_octet_rc rc = cg_octet_next(&f, exact, nheld, &fr, &used, &why);
            if (rc == CG_OCTET_BAD_COUNT || rc == CG_OCTET_TOO_LONG) {
                assert_non_null(why);
                assert_int_equal(used, 0);
                cg_buf_printf(out, "%s:%s", rc == CG_OCTET_BAD_COUNT ? "BAD" : "LONG", why);
                free(exact);
                free(held);
                return;
            }
            assert_true(used <= nheld);
            if (rc == CG_OCTET_FRAME) {
                assert_true(inside(fr, exact, nheld));
                assert_true(fr.n <= max);
                cg_buf_putc(out, '[');
                cg_log_escape(out, fr.p, fr.n, 1000);
                cg_buf_putc(out, ']');
            }
            memmove(held, held + used, nheld - used);
            nheld -= used;
            free(exact);
            if (rc == CG_OCTET_MORE) {
                assert_true(nheld <= cg_octet_max_pending(&f));
                break;
            }
        }
    }
    char *exact = copy_exact(held, nheld);
    struct cg_str fr;
    if (cg_octet_eof(&f, exact, nheld, &fr)) {
        cg_buf_puts(out, "EOF[");
        cg_log_escape(out, fr.p, fr.n, 1000);
        cg_buf_putc(out, ']');
    } else if (nheld > 0) {
        assert_int_equal(f.mode, CG_OCTET_COUNTED);
        cg_buf_puts(out, "DROP");
    }
    free(exact);
    free(held);
}

struct row {
    const char *in;
    size_t max;
    const char *want;
};

#define BADZ "BAD:an octet count of 0 or with a leading 0"
#define BADDIG "BAD:more digits in the octet count than max-message has"
#define BADMAX "BAD:an octet count over max-message"
#define BADSP "BAD:a byte other than a digit or SP in the octet count"
#define BADSTART "BAD:a frame that does not begin with an octet count"
#define LONG "LONG:a line longer than max-message"

static const struct row rows[] = {
    /* LF framing */
    {"<13>a\n<13>b\n", 100, "[<13>a][<13>b]"},
    {"<13>a\r\n<13>b\r\n", 100, "[<13>a][<13>b]"},
    {"<13>a\n\n\r\n<13>b", 100, "[<13>a]EOF[<13>b]"},
    {"<13>a\n<13>b\r", 100, "[<13>a]EOF[<13>b]"},
    {"x\n", 100, "[x]"},
    {"\n\nx\n", 100, "[x]"},
    {"<1>12 x\n5 y\n", 100, "[<1>12 x][5 y]"}, /* a digit later in LF mode is text */
    {"<2345678\n", 10, "[<2345678]"},
    {"1234567890\n", 10, BADDIG}, /* a digit first means octet counting, for the connection */
    {"<234567890\n", 10, "[<234567890]"},    /* exactly max */
    {"<234567890\r\n", 10, "[<234567890]"},  /* exactly max, CR LF not counted */
    {"<234567890\r", 10, "EOF[<234567890]"}, /* a CR may still get its LF */
    {"<2345678901\n", 10, LONG},             /* max + 1 */
    {"<2345678901", 10, LONG},               /* no LF yet, already too long */
    {"<23456789\rx\n", 10, LONG},            /* a CR inside counts */
    {"<234567890\rx", 10, LONG},
    {"ok\n<345678901234", 10, "[ok]" LONG}, /* the good line before is delivered */
    {"", 100, ""},
    {"\n\n", 100, ""},
    /* octet counting */
    {"3 abc", 100, "[abc]"},
    {"3 abc4 defg", 100, "[abc][defg]"},
    {"5 a\nb\nc", 100, "[a\\x0ab\\x0ac]"}, /* LF inside a counted message */
    {"4 abc\n2 xy", 100, "[abc][xy]"},     /* a trailing LF inside the count is dropped */
    {"5 abc\r\n", 100, "[abc]"},
    {"3 abc\n3 def\r\n", 100, "[abc][def]"}, /* uncounted separators are skipped */
    {"10 0123456789", 100, "[0123456789]"},
    {"100 ", 100, "DROP"},
    {"3 ab", 100, "DROP"},
    {"3", 100, "DROP"},
    {"3 abc\n", 100, "[abc]"},
    {"1 x", 1, "[x]"},
    {"100 ", 99, BADDIG},
    {"151 ", 150, BADMAX},
    {"150 ", 150, "DROP"},
    {"99 ", 99, "DROP"},
    {"0 x", 100, BADZ},
    {"01 x", 100, BADZ},
    {"0", 100, BADZ},
    {"3 abc01 x", 100, "[abc]" BADZ},
    {"3 abc0 x", 100, "[abc]" BADZ},
    {"12a x", 100, BADSP},
    {"3 abc12a x", 100, "[abc]" BADSP},
    {"1\tx", 100, BADSP},
    {"3  ab", 100, "[ ab]"}, /* the count's one SP, then the message */
    {"99999999999 x", 1048576, BADDIG},
    {"9999999 x", 1048576, BADMAX},
    {"1048576 ", 1048576, "DROP"},
    {"1048577 ", 1048576, BADMAX},
    {"10485760 ", 1048576, BADDIG},
    {"3 abcx", 100, "[abc]" BADSTART},
    {"3 abc-1 x", 100, "[abc]" BADSTART},
    {"3 abc<13>x\n", 100, "[abc]" BADSTART},
    {"18446744073709551617 x", 1u << 30, BADDIG}, /* beyond 64 bits: never computed */
};

static size_t row_len(const struct row *r)
{
    return strlen(r->in);
}

/* NUL is a byte of the message, not a terminator, in both framings. */
static void test_nul(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    run("a\0b\n\0\n", 6, 100, NULL, 0, &b);
    assert_string_equal(cg_buf_cstr(&b), "[a\\x00b][\\x00]");
    cg_buf_clear(&b);
    run("3 a\0b", 5, 100, NULL, 0, &b);
    assert_string_equal(cg_buf_cstr(&b), "[a\\x00b]");
    cg_buf_fini(&b);
}

static void test_table(void **state)
{
    (void)state;
    struct cg_buf whole, split;
    cg_buf_init(&whole);
    cg_buf_init(&split);
    for (size_t i = 0; i < CG_ARRAY_LEN(rows); i++) {
        const struct row *r = &rows[i];
        size_t n = row_len(r);
        cg_buf_clear(&whole);
        run(r->in, n, r->max, NULL, 0, &whole);
        if (strcmp(cg_buf_cstr(&whole), r->want) != 0)
            fail_msg("row %zu: got %s want %s", i, cg_buf_cstr(&whole), r->want);
        /* every split in two and three pieces */
        for (size_t a = 1; a < n; a++) {
            for (size_t b = a; b < n; b++) {
                size_t cuts[2] = {a, b};
                cg_buf_clear(&split);
                run(r->in, n, r->max, cuts, b == a ? 1 : 2, &split);
                if (strcmp(cg_buf_cstr(&split), r->want) != 0)
                    fail_msg("row %zu cut at %zu,%zu: got %s want %s", i, a, b, cg_buf_cstr(&split),
                             r->want);
            }
        }
        /* byte by byte */
        size_t *cuts = calloc(n ? n : 1, sizeof(*cuts));
        assert_non_null(cuts);
        for (size_t k = 1; k < n; k++)
            cuts[k - 1] = k;
        cg_buf_clear(&split);
        run(r->in, n, r->max, cuts, n ? n - 1 : 0, &split);
        assert_string_equal(cg_buf_cstr(&split), r->want);
        free(cuts);
    }
    cg_buf_fini(&whole);
    cg_buf_fini(&split);
}

/* The bound: a long LF line is refused as soon as it is known to be too long, whatever the
 * pieces, and never more than max_pending bytes wait. */
static void test_long_line_bound(void **state)
{
    (void)state;
    size_t max = 1000, n = 10 * max;
    char *in = malloc(n);
    assert_non_null(in);
    memset(in, 'x', n);
    in[0] = '<';
    for (size_t piece = 1; piece <= 3000; piece = piece * 3 + 1) {
        size_t ncuts = n / piece;
        size_t *cuts = calloc(ncuts + 1, sizeof(*cuts));
        assert_non_null(cuts);
        size_t k = 0;
        for (size_t at = piece; at < n; at += piece)
            cuts[k++] = at;
        struct cg_buf b;
        cg_buf_init(&b);
        run(in, n, max, cuts, k, &b);
        assert_string_equal(cg_buf_cstr(&b), LONG);
        cg_buf_fini(&b);
        free(cuts);
    }
    free(in);
}

/* Octet counting over many frames of every length 1..300, max 300: each arrives whole. */
static void test_counted_lengths(void **state)
{
    (void)state;
    struct cg_buf in, want, got;
    cg_buf_init(&in);
    cg_buf_init(&want);
    cg_buf_init(&got);
    for (unsigned len = 1; len <= 300; len++) {
        cg_buf_printf(&in, "%u ", len);
        cg_buf_putc(&want, '[');
        for (unsigned i = 0; i < len; i++) {
            char c = (char)('a' + (len + i) % 26);
            if (i == len / 2)
                c = '\n';
            if (i == len - 1 && c == '\n')
                c = 'z';
            cg_buf_putc(&in, c);
            if (c == '\n')
                cg_buf_puts(&want, "\\x0a");
            else
                cg_buf_putc(&want, c);
        }
        cg_buf_putc(&want, ']');
    }
    static const size_t pieces[] = {1, 2, 7, 64, 301, 4096};
    for (size_t p = 0; p < CG_ARRAY_LEN(pieces); p++) {
        size_t k = 0, *cuts = calloc(in.n / pieces[p] + 1, sizeof(*cuts));
        assert_non_null(cuts);
        for (size_t at = pieces[p]; at < in.n; at += pieces[p])
            cuts[k++] = at;
        cg_buf_clear(&got);
        run(in.p, in.n, 300, cuts, k, &got);
        assert_string_equal(cg_buf_cstr(&got), cg_buf_cstr(&want));
        free(cuts);
    }
    cg_buf_fini(&in);
    cg_buf_fini(&want);
    cg_buf_fini(&got);
}

static void test_digits(void **state)
{
    (void)state;
    static const struct {
        size_t max;
        unsigned digits;
    } cases[] = {{1, 1}, {9, 1}, {10, 2}, {99, 2}, {100, 3}, {1048576, 7}, {1u << 30, 10}};
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_octet f;
        cg_octet_init(&f, cases[i].max);
        assert_int_equal(f.max_digits, cases[i].digits);
        assert_int_equal(cg_octet_max_pending(&f), cases[i].max + cases[i].digits + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_long_line_bound),
        cmocka_unit_test(test_counted_lengths),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
