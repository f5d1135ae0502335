/* test_framing.c - LF framing over a bounded buffer (framing.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/framing.h"

#include <stdio.h>
#include <stdlib.h>

/* Frames n bytes as a reader does: the bytes arrive chunk at a time (0: all at once),
 * and each call sees what arrived and is not used yet. Checks the bound framing.h
 * promises (no more than max_line unread bytes when it wants more) and calls got() with
 * each frame. Returns the number of frames. */
typedef void (*frame_fn)(void *ctx, size_t i, struct cg_str frame, bool cut);

struct frame_counts {
    uint64_t lines, too_long;
};

static struct frame_counts frame_all(const char *data, size_t n, size_t max, size_t chunk,
                                     frame_fn got, void *ctx)
{
    struct cg_framing f;
    cg_framing_init(&f, max);
    struct frame_counts c = {0, 0};
    size_t start = 0, fed = chunk && chunk < n ? chunk : n;
    for (;;) {
        struct cg_str frame;
        bool cut;
        size_t used;
        bool eof = fed == n;
        bool ok = cg_framing_next(&f, data + start, fed - start, eof, &frame, &cut, &used);
        assert_true(used <= fed - start);
        start += used;
        if (ok) {
            assert_true(frame.p >= data && frame.p + frame.n <= data + n);
            assert_true(frame.n <= f.max_line);
            got(ctx, (size_t)c.lines, frame, cut);
            c.lines++;
            c.too_long += cut;
            continue;
        }
        if (eof)
            break;
        assert_true(fed - start <= f.max_line); /* the reader's buffer stays bounded */
        fed = chunk && n - fed > chunk ? fed + chunk : n;
    }
    assert_int_equal(start, n); /* every byte was used */
    return c;
}

struct expect_line {
    const char *s;
    bool cut;
};

struct expect {
    const struct expect_line *want;
    size_t nwant;
};

static void expect_frame(void *ctx, size_t i, struct cg_str line, bool cut)
{
    const struct expect *e = ctx;
    assert_true(i < e->nwant);
    if (line.n != strlen(e->want[i].s) || memcmp(line.p, e->want[i].s, line.n) != 0)
        fail_msg("line %zu: got [%.*s] want [%s]", i, (int)line.n, line.p, e->want[i].s);
    assert_int_equal(cut, e->want[i].cut);
}

/* Every case is framed whole and in chunks of 1, 2, 3 and 5 bytes, with the same result. */
static void check(const char *data, size_t n, size_t max, const struct expect_line *want,
                  size_t nwant)
{
    static const size_t chunks[] = {0, 1, 2, 3, 5};
    struct expect e = {want, nwant};
    size_t ncut = 0;
    for (size_t i = 0; i < nwant; i++)
        ncut += want[i].cut;
    for (size_t k = 0; k < CG_ARRAY_LEN(chunks); k++) {
        char *copy = malloc(n ? n : 1); /* exactly sized: ASan sees a read past the end */
        assert_non_null(copy);
        memcpy(copy, data, n);
        struct frame_counts c = frame_all(copy, n, max, chunks[k], expect_frame, &e);
        assert_int_equal(c.lines, nwant);
        assert_int_equal(c.too_long, ncut);
        free(copy);
    }
}

#define CHECK(data, max, ...)                                                                      \
    do {                                                                                           \
        const struct expect_line w[] = {__VA_ARGS__};                                              \
        check(data, sizeof(data) - 1, max, w, CG_ARRAY_LEN(w));                                    \
    } while (0)

static void test_basic(void **state)
{
    (void)state;
    CHECK("a\nb\n", 0, {"a", false}, {"b", false});
    CHECK("a\nb", 0, {"a", false}, {"b", false});       /* no final LF */
    CHECK("a\r\nb\r\n", 0, {"a", false}, {"b", false}); /* CRLF */
    CHECK("\n\n", 0, {"", false}, {"", false});         /* empty lines are lines */
    CHECK("a\rb\n", 0, {"a\rb", false});                /* lone CR inside stays */
}

static void ignore_frame(void *ctx, size_t i, struct cg_str line, bool cut)
{
    struct cg_str *keep = ctx;
    keep[i] = line;
}

static void test_nul_is_data(void **state)
{
    (void)state;
    struct cg_str lines[2];
    struct frame_counts c = frame_all("x\0y\nz\n", 6, 0, 0, ignore_frame, lines);
    assert_int_equal(c.lines, 2);
    assert_int_equal(lines[0].n, 3);
    assert_memory_equal(lines[0].p, "x\0y", 3);
    assert_int_equal(lines[1].n, 1);
}

static void test_empty_stream(void **state)
{
    (void)state;
    struct cg_framing f;
    cg_framing_init(&f, 0);
    struct cg_str line;
    bool cut;
    size_t used = 99;
    assert_false(cg_framing_next(&f, "", 0, true, &line, &cut, &used));
    assert_int_equal(used, 0);
    assert_false(cg_framing_next(&f, "", 0, true, &line, &cut, &used));
    assert_int_equal(frame_all("", 0, 0, 0, ignore_frame, NULL).lines, 0);
}

static void test_too_long(void **state)
{
    (void)state;
    CHECK("0123456789\nok\n", 4, {"0123", true}, {"ok", false});
    CHECK("0123\n", 4, {"0123", false}); /* exactly max is fine */
    CHECK("01234\n", 4, {"0123", true});
    CHECK("0123456789", 4, {"0123", true}); /* cut line at EOF, no LF */
}

/* A line far longer than a read is cut once and its tail skipped across many calls,
 * then framing resumes. */
static void test_huge_line(void **state)
{
    (void)state;
    size_t big = 3 * 1024 * 1024;
    char *data = malloc(big + 16);
    assert_non_null(data);
    memset(data, 'x', big);
    memcpy(data + big, "\nnext\n", 6);
    struct cg_str lines[2];
    struct frame_counts c = frame_all(data, big + 6, 1000, 256 * 1024, ignore_frame, lines);
    assert_int_equal(c.lines, 2);
    assert_int_equal(c.too_long, 1);
    assert_int_equal(lines[0].n, 1000);
    assert_int_equal(lines[1].n, 4);
    assert_memory_equal(lines[1].p, "next", 4);
    free(data);
}

static void expect_number(void *ctx, size_t i, struct cg_str line, bool cut)
{
    char want[32];
    int wn = snprintf(want, sizeof(want), "%zu", i);
    assert_false(cut);
    assert_int_equal(line.n, (size_t)wn);
    assert_memory_equal(line.p, want, line.n);
}

/* Many lines crossing chunk boundaries all arrive intact and in order. */
static void test_many_lines(void **state)
{
    (void)state;
    size_t nlines = 200000;
    char *data = malloc(nlines * 12);
    assert_non_null(data);
    size_t n = 0;
    for (size_t i = 0; i < nlines; i++)
        n += (size_t)sprintf(data + n, "%zu\n", i);
    assert_int_equal(frame_all(data, n, 0, 4093, expect_number, NULL).lines, nlines);
    free(data);
}

/* ---- one call at a time: what cg_framing_next returns, uses and remembers ------------- */

struct step {
    const char *in; /* the unread bytes of this call */
    bool eof;
    bool ok; /* a frame */
    const char *frame;
    bool cut;
    size_t used;
    bool skipping; /* the state after the call */
};

static void run_steps(size_t max, const struct step *st, size_t n)
{
    struct cg_framing f;
    cg_framing_init(&f, max);
    for (size_t i = 0; i < n; i++) {
        struct cg_str frame = CG_STR_NULL;
        bool cut = !st[i].cut;
        size_t used = 12345, len = strlen(st[i].in);
        char *in = malloc(len ? len : 1);
        assert_non_null(in);
        memcpy(in, st[i].in, len);
        bool ok = cg_framing_next(&f, in, len, st[i].eof, &frame, &cut, &used);
        if (ok != st[i].ok || used != st[i].used || f.skipping != st[i].skipping)
            fail_msg("step %zu [%s]: ok %d used %zu skipping %d", i, st[i].in, ok, used,
                     f.skipping);
        if (ok) {
            assert_int_equal(cut, st[i].cut);
            if (!cg_str_eqz(frame, st[i].frame))
                fail_msg("step %zu: frame [%.*s] want [%s]", i, (int)frame.n, frame.p, st[i].frame);
            assert_true(frame.p >= in && frame.p + frame.n <= in + len);
        }
        free(in);
    }
}

#define STEPS(max, ...)                                                                            \
    do {                                                                                           \
        const struct step s[] = {__VA_ARGS__};                                                     \
        run_steps(max, s, CG_ARRAY_LEN(s));                                                        \
    } while (0)

static void test_next_steps(void **state)
{
    (void)state;
    /* in, eof, ok, frame, cut, used, skipping */
    STEPS(8, {"ab\ncd\n", false, true, "ab", false, 3, false},
          {"cd\n", false, true, "cd", false, 3, false}, {"", false, false, NULL, false, 0, false},
          {"", true, false, NULL, false, 0, false});
    /* An incomplete line waits for more; at eof it is the last frame. */
    STEPS(8, {"abc", false, false, NULL, false, 0, false},
          {"abc\r", true, true, "abc", false, 4, false});
    /* CR LF split over two calls: the CR waits with the line. */
    STEPS(8, {"abc\r", false, false, NULL, false, 0, false},
          {"abc\r\n", false, true, "abc", false, 5, false});
    /* No LF within max: cut, everything seen goes, the tail is skipped up to its LF and
     * the next frame follows in the same call. */
    STEPS(4, {"0123456", false, true, "0123", true, 7, true},
          {"789", false, false, NULL, false, 3, true},
          {"9\nok\nx", false, true, "ok", false, 5, false},
          {"x", false, false, NULL, false, 0, false});
    /* A skipped tail that ends exactly at the end of the bytes: nothing is left over. */
    STEPS(4, {"01234", false, true, "0123", true, 5, true},
          {"5\n", false, false, NULL, false, 2, false}, {"", true, false, NULL, false, 0, false});
    /* Skipping to eof: the stream ends without another frame. */
    STEPS(4, {"0123456", true, true, "0123", true, 7, true},
          {"", true, false, NULL, false, 0, true});
    /* The LF already there: cut at max, the rest of the line and its LF used at once. */
    STEPS(4, {"0123456\nz\n", false, true, "0123", true, 8, false},
          {"z\n", false, true, "z", false, 2, false});
    /* A cut frame whose last kept byte is CR loses it, as any frame's final CR. */
    STEPS(4, {"012\r45\n", false, true, "012", true, 7, false});
    /* max bytes and no LF yet is not too long: it waits. */
    STEPS(4, {"0123", false, false, NULL, false, 0, false},
          {"0123\n", false, true, "0123", false, 5, false});
    /* max_line 0 is the default. */
    struct cg_framing f;
    cg_framing_init(&f, 0);
    assert_int_equal(f.max_line, CG_MAX_LINE_DEFAULT);
    assert_false(f.skipping);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),       cmocka_unit_test(test_empty_stream),
        cmocka_unit_test(test_nul_is_data), cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_huge_line),   cmocka_unit_test(test_many_lines),
        cmocka_unit_test(test_next_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
