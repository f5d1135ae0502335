/*
 * textutil.h - small byte-level helpers shared by the decoders and writers.
 */
#ifndef CEFGUARD_TEXTUTIL_H
#define CEFGUARD_TEXTUTIL_H

#include "cefguard/common.h"

/* A format version as CEF and LEEF write it: "0", "1", "26", "0.1", "2.0" -
 * one or more digits, optionally "." and one or more digits, nothing else. */
static inline bool cg_is_version(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == 0)
        return false;
    if (i == n)
        return true;
    if (p[i] != '.')
        return false;
    size_t frac = ++i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    return i > frac && i == n;
}

/* Writes the decimal digits of v at o (at most 20 bytes, no NUL); returns how many. */
static inline size_t cg_fmt_u64(char *o, uint64_t v)
{
    char tmp[20];
    size_t k = sizeof(tmp);
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(o, tmp + k, sizeof(tmp) - k);
    return sizeof(tmp) - k;
}

/* Value of a hex digit, or -1. */
static inline int cg_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
