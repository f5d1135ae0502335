/*
 * testutil.h - helpers shared by the decoder unit tests (include after cmocka.h).
 */
#ifndef CEFGUARD_TESTUTIL_H
#define CEFGUARD_TESTUTIL_H

#include "cefguard/common.h"

#include <stdlib.h>
#include <string.h>

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

#endif
