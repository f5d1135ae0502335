/*
 * timeutil.h - event timestamps.
 *
 * A timestamp is an instant (UTC seconds + microseconds) plus the UTC offset
 * the sender wrote or the configured zone supplied, kept so output can show
 * the time as logged. Rendering is RFC 3339: "2025-04-20T03:20:54Z",
 * "2024-01-02T03:04:05.123+09:00" (fraction digits as logged, up to 6).
 */
#ifndef CEFGUARD_TIMEUTIL_H
#define CEFGUARD_TIMEUTIL_H

#include "cefguard/common.h"

#include <stdint.h>

enum {
    CG_TIME_SET = 1 << 0,        /* a usable timestamp is present */
    CG_TIME_YEAR_GUESS = 1 << 1, /* the year was inferred (RFC 3164) */
    CG_TIME_ZONE_GUESS = 1 << 2, /* the offset came from the configured zone */
};

struct cg_time {
    int64_t sec;         /* seconds since the epoch, UTC */
    int32_t usec;        /* 0..999999 */
    int16_t off_min;     /* UTC offset in minutes as logged / assumed */
    uint8_t frac_digits; /* fraction digits to print: 0..6 */
    uint8_t flags;       /* CG_TIME_* */
};

/* Days since 1970-01-01 for a proleptic Gregorian date (no libc, no TZ). */
int64_t cg_time_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The wall clock (CLOCK_REALTIME) in microseconds since the epoch: arrival times. */
int64_t cg_time_now_us(void);

/* A monotonic clock (CLOCK_MONOTONIC) in microseconds: intervals and deadlines. */
int64_t cg_time_mono_us(void);
/* Inverse of the above. */
void cg_time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Writes RFC 3339 into out (>= 40 bytes), returns length; 0 when !CG_TIME_SET. */
size_t cg_time_format(const struct cg_time *t, char *out, size_t outsz);

/* Parses RFC 3339 (as in RFC 5424 TIMESTAMP): YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm).
 * Returns bytes consumed or 0 when s does not start with a valid timestamp. */
size_t cg_time_parse_rfc3339(const char *s, size_t n, struct cg_time *out);

/* Durations as rules and options write them: "0", or decimal digits followed by one of
 * ms, s, m, h, d ("30s", "1500ms", "5m"). On success *us is the duration in microseconds;
 * false for anything else (no digits, another unit, a sign, spaces, overflow). Callers
 * apply their own range (a rule window must be positive, --lateness may be 0). */
bool cg_time_parse_duration(const char *s, uint64_t *us);

/* Writes us in its largest exact unit ("366d", "1500ms"; "0" for 0; whole milliseconds
 * below that) as cg_time_parse_duration reads it: at most 24 bytes and a NUL into o
 * (which has size bytes). Returns the length, or 0 when it does not fit. */
size_t cg_time_format_duration(uint64_t us, char *o, size_t size);

/* Consecutive stamps of a stream share their date, hour and minute: the cache
 * keeps the first 16 bytes ("YYYY-MM-DDThh:mm") of the last valid stamp and
 * their value, so a stamp starting with the same bytes skips the date. */
struct cg_time_cache {
    char key[16];
    int64_t base; /* local seconds of key's minute */
    bool valid;
};

void cg_time_cache_init(struct cg_time_cache *tc);

/* cg_time_parse_rfc3339 with the same results, using and updating tc. */
size_t cg_time_parse_rfc3339_cached(const char *s, size_t n, struct cg_time *out,
                                    struct cg_time_cache *tc);

#endif
