/* test_framing.c - LF framing over a file descriptor (framing.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/framing.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Writes data to a temporary file and returns a read fd positioned at 0. */
static int data_fd(const char *data, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

struct expect_line {
    const char *s;
    bool cut;
};

static void check(const char *data, size_t n, size_t max, const struct expect_line *want,
                  size_t nwant)
{
    int fd = data_fd(data, n);
    struct cg_linereader r;
    assert_int_equal(cg_linereader_init(&r, fd, max), CG_OK);
    struct cg_str line;
    bool cut;
    size_t i = 0;
    int rc;
    while ((rc = cg_linereader_next(&r, &line, &cut)) == 1) {
        assert_true(i < nwant);
        if (line.n != strlen(want[i].s) || memcmp(line.p, want[i].s, line.n) != 0)
            fail_msg("line %zu: got [%.*s] want [%s]", i, (int)line.n, line.p, want[i].s);
        assert_int_equal(cut, want[i].cut);
        i++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, nwant);
    assert_int_equal(r.lines, nwant);
    cg_linereader_fini(&r);
    close(fd);
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

static void test_nul_is_data(void **state)
{
    (void)state;
    int fd = data_fd("x\0y\nz\n", 6);
    struct cg_linereader r;
    assert_int_equal(cg_linereader_init(&r, fd, 0), CG_OK);
    struct cg_str line;
    bool cut;
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 1);
    assert_int_equal(line.n, 3);
    assert_memory_equal(line.p, "x\0y", 3);
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 1);
    assert_int_equal(line.n, 1);
    cg_linereader_fini(&r);
    close(fd);
}

static void test_empty_stream(void **state)
{
    (void)state;
    int fd = data_fd("", 0);
    struct cg_linereader r;
    assert_int_equal(cg_linereader_init(&r, fd, 0), CG_OK);
    struct cg_str line;
    bool cut;
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 0);
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 0);
    cg_linereader_fini(&r);
    close(fd);
}

static void test_too_long(void **state)
{
    (void)state;
    CHECK("0123456789\nok\n", 4, {"0123", true}, {"ok", false});
    CHECK("0123\n", 4, {"0123", false}); /* exactly max is fine */
    CHECK("01234\n", 4, {"0123", true});
    CHECK("0123456789", 4, {"0123", true}); /* cut line at EOF, no LF */
}

/* A line far longer than the read chunk is cut once and its tail skipped
 * across many reads, then framing resumes. */
static void test_huge_line(void **state)
{
    (void)state;
    size_t big = 3 * 1024 * 1024;
    char *data = malloc(big + 16);
    assert_non_null(data);
    memset(data, 'x', big);
    memcpy(data + big, "\nnext\n", 6);
    int fd = data_fd(data, big + 6);
    struct cg_linereader r;
    assert_int_equal(cg_linereader_init(&r, fd, 1000), CG_OK);
    struct cg_str line;
    bool cut;
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 1);
    assert_true(cut);
    assert_int_equal(line.n, 1000);
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 1);
    assert_false(cut);
    assert_int_equal(line.n, 4);
    assert_memory_equal(line.p, "next", 4);
    assert_int_equal(cg_linereader_next(&r, &line, &cut), 0);
    assert_int_equal(r.too_long, 1);
    cg_linereader_fini(&r);
    close(fd);
    free(data);
}

/* Many lines crossing read-chunk boundaries all arrive intact and in order. */
static void test_many_lines(void **state)
{
    (void)state;
    size_t nlines = 200000;
    char *data = malloc(nlines * 12);
    assert_non_null(data);
    size_t n = 0;
    for (size_t i = 0; i < nlines; i++)
        n += (size_t)sprintf(data + n, "%zu\n", i);
    int fd = data_fd(data, n);
    struct cg_linereader r;
    assert_int_equal(cg_linereader_init(&r, fd, 0), CG_OK);
    struct cg_str line;
    bool cut;
    size_t i = 0;
    char want[32];
    while (cg_linereader_next(&r, &line, &cut) == 1) {
        int wn = sprintf(want, "%zu", i);
        assert_int_equal(line.n, (size_t)wn);
        assert_memory_equal(line.p, want, line.n);
        i++;
    }
    assert_int_equal(i, nlines);
    cg_linereader_fini(&r);
    close(fd);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),       cmocka_unit_test(test_empty_stream),
        cmocka_unit_test(test_nul_is_data), cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_huge_line),   cmocka_unit_test(test_many_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
