/*
 * scan.h - the byte scanning shared by the two list splitters, kvlist.c and xml.c (private
 * to src/normalize/; their contracts are kvlist.h and xml.h).
 *
 * The splitters take a whole value from liblognorm (a rule reads it with a cheap parser such
 * as "rest") and split it in one pass: liblognorm 2.0.6 builds a JSON object per piece of a
 * "repeat" and costs tens of microseconds per line. They read untrusted bytes + length, never
 * recurse, and add fields only through map.h (bounded by the event's field limit). They
 * reproduce what the user-defined types the rulebases used before did, down to the
 * liblognorm quirks noted where they matter.
 */
#ifndef CEFGUARD_NZ_SCAN_H
#define CEFGUARD_NZ_SCAN_H

#include "map.h"

/* Where the next byte c is at or after x (n if none), remembering the last answer: the
 * splitters look again from nearby positions after a failed alternative, and a hostile
 * line must not make that quadratic. The answer for x is the cached one while
 * from <= x <= at, as there is no c in [from, at). */
struct nz_scan {
    size_t from, at;
};

static const struct nz_scan nz_scan_none = {SIZE_MAX, 0}; /* nothing remembered */

static NZ_INLINE size_t nz_find(const char *s, size_t n, size_t x, char c, struct nz_scan *sc)
{
    if (sc->from <= x && x <= sc->at)
        return sc->at;
    const char *p = x < n ? memchr(s + x, c, n - x) : NULL;
    sc->from = x;
    sc->at = p ? (size_t)(p - s) : n;
    return sc->at;
}

/* Literal text lit at x. liblognorm 2.0.6 compares a literal with the input up to and
 * including the literal's own terminating NUL, so a literal directly followed by a NUL
 * byte of the input does not match there (it then reads past the literal; in practice
 * those bytes differ). That is kept: lines with NUL bytes come out as they did. */
static NZ_INLINE bool nz_lit(const char *s, size_t n, size_t x, const char *lit, size_t llen)
{
    return x <= n && n - x >= llen && memcmp(s + x, lit, llen) == 0 &&
           (n - x == llen || s[x + llen] != '\0');
}

static NZ_INLINE size_t nz_max(size_t a, size_t b)
{
    return a > b ? a : b;
}

#endif
