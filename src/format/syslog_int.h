/*
 * syslog_int.h - what the files of the syslog decoder share (see syslog.h for the
 * contract, each file's top comment for its policies). Not a public interface.
 *
 *   syslog.c       the context, PRI, the RFC 3164 HOST and TAG, the entry point
 *   syslog_5424.c  the RFC 5424 header and STRUCTURED-DATA
 *   syslog_time.c  the stamps in RFC 3164 position, year inference, their caches
 *   syslog_zone.c  time zones: fixed offsets, IANA names through libc
 *
 * The helpers below are on the per-line path of several files, hence static inline
 * here rather than calls across files.
 */
#ifndef CEFGUARD_SYSLOG_INT_H
#define CEFGUARD_SYSLOG_INT_H

#include "cefguard/syslog.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SL_SSE2 1
#endif

#define SL_HOST_MAX 255   /* RFC 5424 HOSTNAME; also the bound of a 3164 HOST */
#define SL_PROCID_MAX 128 /* RFC 5424 PROCID; also the bound of a 3164 [PID] */
#define SL_CACHE_EMPTY INT64_MIN
#define SL_DAY 86400
#define SL_SEC_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define SL_SEC_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

enum { SL_ZONE_FIXED = 0, SL_ZONE_IANA = 1 }; /* cg_syslog_ctx.zone_kind */

/* ---- functions of one file that another calls ---- */

/* syslog_zone.c: sets up the zone of c from tz (NULL is UTC); CG_EINVAL when tz is
 * not understood. c->fixed_now must be set (it seeds the IANA offset guess). */
int cg_syslog_zone_init(struct cg_syslog_ctx *c, const char *tz);

/* syslog_zone.c: the offset in minutes, in c's IANA zone, of local civil seconds L. */
int cg_syslog_iana_offset_min(struct cg_syslog_ctx *c, int64_t L);

/* syslog_time.c: the stamp in 3164 position (RFC 3164 or RFC 3339) at p: bytes
 * consumed, 0 when none. t->flags stays 0 when a stamp is found but rejected. */
size_t cg_syslog_parse_stamp(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_time *t);

/* syslog_5424.c: RFC 5424 after the PRI, at p[i], which the caller checked is the
 * first digit of VERSION ('1'..'9'). False (out untouched but for time) when the
 * header does not match, so the caller falls back. */
bool cg_syslog_decode_5424(struct cg_syslog_ctx *c, const char *p, size_t n, size_t i,
                           struct cg_syslog *out, struct cg_arena *a);

/* ---- small helpers ---- */

static inline bool sl_is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Two digits at p (the caller checked the bounds); -1 when not digits. */
static inline int sl_two_digits(const char *p)
{
    unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
    return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* Byte runs of header fields. With SSE2 the bytes are classified 16 at a time
 * (while 16 are readable), the byte loop of sl_run takes the rest. */
enum sl_run_kind {
    SL_RUN_PRINT,   /* PRINTUSASCII: 33..126 */
    SL_RUN_HOST,    /* hostname bytes: alnum . _ - */
    SL_RUN_SD_NAME, /* PRINTUSASCII except '=' ']' '"' */
    SL_RUN_SD_VALUE /* PARAM-VALUE bytes that need no look: all but '"' and '\\' */
};

#ifdef SL_SSE2
static inline __m128i sl_load16(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Bytes x with lo <= x < lo + len, as a signed compare of x + 0x80 - lo. */
static inline __m128i sl_in_range(__m128i v, int lo, int len)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(len - 0x80)));
}

/* Bit j set when byte j is not in ok. */
static inline unsigned sl_not_mask(__m128i ok)
{
    return ~(unsigned)_mm_movemask_epi8(ok) & 0xFFFFu;
}

/* PRINTUSASCII: 33..126 */
static inline unsigned sl_not_print(__m128i v)
{
    return sl_not_mask(sl_in_range(v, 33, 94));
}

/* Hostname bytes: alnum . _ - */
static inline unsigned sl_not_host(__m128i v)
{
    __m128i alpha = sl_in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
    __m128i digit_dash_dot = _mm_or_si128(sl_in_range(v, '0', 10), sl_in_range(v, '-', 2));
    return sl_not_mask(
        _mm_or_si128(_mm_or_si128(alpha, digit_dash_dot), _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
}

/* SD-NAME bytes: PRINTUSASCII except '=' ']' '"' */
static inline unsigned sl_not_sd_name(__m128i v)
{
    __m128i bad = _mm_or_si128(
        _mm_cmpeq_epi8(v, _mm_set1_epi8('=')),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(']')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));
    return sl_not_print(v) | (unsigned)_mm_movemask_epi8(bad);
}

/* PARAM-VALUE bytes that need no look: all but '"' and '\\' */
static inline unsigned sl_sd_value_stop(__m128i v)
{
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}

/* The leading run at p of the bytes of a kind, at most lim long (avail >= lim
 * bytes are readable), over whole blocks: its length, or SIZE_MAX when the
 * blocks ran out first, with *j where the caller's byte loop goes on. */
static inline size_t sl_sse_run(const char *p, size_t avail, size_t lim, enum sl_run_kind kind,
                                size_t *j)
{
    for (; *j < lim && avail - *j >= 16; *j += 16) {
        __m128i v = sl_load16(p + *j);
        unsigned bad = kind == SL_RUN_PRINT     ? sl_not_print(v)
                       : kind == SL_RUN_HOST    ? sl_not_host(v)
                       : kind == SL_RUN_SD_NAME ? sl_not_sd_name(v)
                                                : sl_sd_value_stop(v);
        if (bad) {
            size_t r = *j + (size_t)__builtin_ctz(bad);
            return r < lim ? r : lim;
        }
    }
    return *j >= lim ? lim : SIZE_MAX;
}
#endif

/* The byte loop's test: is ch a byte of a run of kind? HOST and SD_NAME bytes are
 * those whose entry in the caller's class table cls has bit 0 set. */
static inline bool sl_run_byte(enum sl_run_kind kind, unsigned char ch, const unsigned char *cls)
{
    switch (kind) {
    case SL_RUN_PRINT: return (unsigned char)(ch - 33) < 94;
    case SL_RUN_SD_VALUE: return ch != '"' && ch != '\\';
    case SL_RUN_HOST:
    case SL_RUN_SD_NAME: break;
    }
    return cls[ch] & 1;
}

/* Length of the leading run at p of the bytes of a kind, at most lim (<= avail
 * bytes are readable). cls: the class table for HOST and SD_NAME, else NULL. */
static inline size_t sl_run(const char *p, size_t avail, size_t lim, enum sl_run_kind kind,
                            const unsigned char *cls)
{
    size_t j = 0;
#ifdef SL_SSE2
    size_t r = sl_sse_run(p, avail, lim, kind, &j);
    if (r != SIZE_MAX)
        return r;
#else
    (void)avail;
#endif
    while (j < lim && sl_run_byte(kind, (unsigned char)p[j], cls))
        j++;
    return j;
}

static inline int64_t sl_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The zone offset in minutes for local civil seconds L. */
static inline int sl_zone_offset_min(struct cg_syslog_ctx *c, int64_t L)
{
    return c->zone_kind == SL_ZONE_IANA ? cg_syslog_iana_offset_min(c, L) : c->zone_off_min;
}

/* The last known offset: good enough to pick a year (only +-1 day matters there). */
static inline int sl_zone_guess_min(const struct cg_syslog_ctx *c)
{
    return c->zone_kind == SL_ZONE_IANA ? c->cache_off_min : c->zone_off_min;
}

#endif
