/*
 * check.h - assertions shared by the fuzz targets.
 *
 * A failed CHECK prints where and why and aborts, which libFuzzer reports as a
 * crash and the replay driver (replay.c) as a failing fuzz-smoke test. CHECK is
 * not assert(): it stays on in Release builds and under NDEBUG.
 */
#ifndef CG_FUZZ_CHECK_H
#define CG_FUZZ_CHECK_H

#include "cefguard/common.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Checks and reference decoders are not under test: keep their branches out of
 * libFuzzer's coverage so the fuzzer steers by the code under test only. */
#if defined(__clang__)
#define CHECK_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define CHECK_NOCOV
#endif

static volatile unsigned char check_sink;

/* Reads every byte of a view so that ASan reports a view into freed or
 * out-of-bounds memory at the place it is produced, not later. */
CHECK_NOCOV static inline void check_touch(struct cg_str s)
{
    unsigned char acc = 0;
    CHECK(s.p != NULL || s.n == 0, "unset view with length %zu", s.n);
    for (size_t i = 0; i < s.n; i++)
        acc ^= (unsigned char)s.p[i];
    check_sink = acc;
}

/* True when the view lies inside [base, base + n). */
CHECK_NOCOV static inline bool check_inside(struct cg_str s, const void *base, size_t n)
{
    const char *b = base;
    if (!s.p)
        return true;
    return s.p >= b && s.p <= b + n && s.n <= (size_t)(b + n - s.p);
}

CHECK_NOCOV static inline bool check_has_byte(const void *p, size_t n, int c)
{
    return n > 0 && memchr(p, c, n) != NULL;
}

/* Printable ASCII only (0x20..0x7e): the subset where the format specs leave
 * nothing to interpretation, so a reference decoder can be exact. */
CHECK_NOCOV static inline bool check_is_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

#endif
