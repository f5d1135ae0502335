/*
 * testutil.h - helpers shared by the decoder unit tests (include after cmocka.h).
 */
#ifndef CEFGUARD_TESTUTIL_H
#define CEFGUARD_TESTUTIL_H

#include "cefguard/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exactly-sized heap copy: one byte past the end is an ASan error. */
static inline char *copy_exact(const char *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

/* Does the view s lie inside the n bytes at base? */
static inline bool inside(struct cg_str s, const char *base, size_t n)
{
    return s.p >= base && s.p <= base + n && s.n <= (size_t)(base + n - s.p);
}

/* Runs fn(arg) with stderr going to a temporary file, and puts what it wrote in out
 * (NUL-terminated, cut to size - 1 bytes). Needs <stdio.h> and <unistd.h>. */
static inline void capture_stderr(void (*fn)(void *), void *arg, char *out, size_t size)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    fn(arg);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, size - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

#endif
