/* timeutil.c - civil-date arithmetic and RFC 3339 (see timeutil.h). */
#include "cefguard/timeutil.h"

#include <time.h>

#include <inttypes.h>
#include <stdio.h>

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t cg_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void cg_time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* The last two decimal digits of v. */
static void put2(char *o, unsigned v)
{
    static const char d2[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                             "34353637383940414243444546474849505152535455565758596061626364656667"
                             "6869707172737475767778798081828384858687888990919293949596979899";
    memcpy(o, d2 + 2 * (v % 100), 2);
}

/* "YYYY-MM-DD" of a day (days since 1970-01-01) at o; false if the year is not 0-9999. */
static bool put_date(char *o, int64_t days)
{
    int64_t y;
    unsigned m, d;
    cg_time_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return false;
    put2(o, (unsigned)(y / 100));
    put2(o + 2, (unsigned)(y % 100));
    o[4] = '-';
    put2(o + 5, m);
    o[7] = '-';
    put2(o + 8, d);
    return true;
}

/* The date of the last day formatted, per thread: the events of a stream mostly fall on
 * the same day, and the date is a function of the day alone. */
static _Thread_local struct {
    bool set, ok;
    int64_t days;
    char ymd[10];
} last_date;

size_t cg_time_format(const struct cg_time *t, char *out, size_t outsz)
{
    if (!(t->flags & CG_TIME_SET) || outsz < 40)
        return 0;
    int64_t local = t->sec + (int64_t)t->off_min * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sod = local - days * 86400;
    if (!last_date.set || last_date.days != days) {
        last_date.ok = put_date(last_date.ymd, days);
        last_date.days = days;
        last_date.set = true;
    }
    if (!last_date.ok)
        return 0;
    char *o = out;
    memcpy(o, last_date.ymd, 10);
    o[10] = 'T';
    put2(o + 11, (unsigned)(sod / 3600));
    o[13] = ':';
    put2(o + 14, (unsigned)(sod / 60 % 60));
    o[16] = ':';
    put2(o + 17, (unsigned)(sod % 60));
    o += 19;
    if (t->frac_digits) {
        char frac[8];
        if (t->usec >= 0 && t->usec <= 999999) { /* always, but for a hand-made struct */
            unsigned u = (unsigned)t->usec;
            for (int k = 5; k >= 0; k--, u /= 10)
                frac[k] = (char)('0' + u % 10);
        } else {
            snprintf(frac, sizeof(frac), "%06d", (int)t->usec);
        }
        *o++ = '.';
        unsigned fd = t->frac_digits > 6 ? 6 : t->frac_digits;
        memcpy(o, frac, fd);
        o += fd;
    }
    if (t->off_min == 0) {
        *o++ = 'Z';
    } else {
        unsigned a = (unsigned)(t->off_min < 0 ? -t->off_min : t->off_min);
        *o++ = t->off_min < 0 ? '-' : '+';
        put2(o, a / 60);
        o[2] = ':';
        put2(o + 3, a % 60);
        o += 5;
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* Value of the two digits at s[0..1], or -1 (the caller checked the bounds). */
static inline int dig2(const char *s)
{
    unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';
    return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* Two digits at s[at..at+1] within n, or -1. */
static inline int dig2_at(const char *s, size_t n, size_t at)
{
    return at + 2 <= n ? dig2(s + at) : -1;
}

static int days_in_month(int64_t y, unsigned m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Frac and zone after "...:ss" at s[19] (n >= 20), then the result: base is the
 * local seconds of the minute, se the seconds (0..60). Returns bytes consumed or 0. */
static ALWAYS_INLINE size_t rfc3339_tail(const char *s, size_t n, int64_t base, int se,
                                         struct cg_time *out)
{
    size_t i = 19;
    int32_t usec = 0;
    unsigned fd = 0;
    if (s[i] == '.') {
        i++;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (fd < 6) {
                usec = usec * 10 + (s[i] - '0');
                fd++;
            }
            i++;
        }
        if (i == start)
            return 0;
        static const int32_t scale[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};
        usec *= scale[fd];
    }
    int off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        bool neg = s[i] == '-';
        int oh = dig2_at(s, n, i + 1), om;
        if (oh < 0 || oh > 23)
            return 0;
        if (i + 3 < n && s[i + 3] == ':') {
            om = dig2_at(s, n, i + 4);
            i += 6;
        } else {
            om = dig2_at(s, n, i + 3);
            i += 5;
        }
        if (om < 0 || om > 59)
            return 0;
        off = neg ? -(oh * 60 + om) : oh * 60 + om;
    } else {
        return 0; /* RFC 3339 requires a zone */
    }
    if (se == 60)
        se = 59; /* leap second: keep the instant monotonic within the minute */
    out->sec = base + se - (int64_t)off * 60;
    out->usec = usec;
    out->off_min = (int16_t)off;
    out->frac_digits = (uint8_t)fd;
    out->flags = CG_TIME_SET;
    return i;
}

/* The date and hh:mm of a stamp (n >= 20): *base gets the local seconds of the
 * minute. The fixed-width part is read at fixed offsets, two digits at a time. */
static ALWAYS_INLINE bool rfc3339_head(const char *s, int64_t *base)
{
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':')
        return false;
    int yh = dig2(s), yl = dig2(s + 2), mo = dig2(s + 5), d = dig2(s + 8);
    int h = dig2(s + 11), mi = dig2(s + 14);
    if ((yh | yl | d | h | mi) < 0 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59)
        return false;
    int y = yh * 100 + yl;
    if (d > 28 && d > days_in_month(y, (unsigned)mo))
        return false;
    *base = cg_time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60;
    return true;
}

/* ":ss" at s[16] (n >= 20): the seconds 0..60, or -1. */
static inline int rfc3339_sec(const char *s)
{
    int se = s[16] == ':' ? dig2(s + 17) : -1;
    return se > 60 ? -1 : se;
}

/* A valid stamp is at least 20 bytes: "YYYY-MM-DDThh:mm:ssZ". */
size_t cg_time_parse_rfc3339(const char *s, size_t n, struct cg_time *out)
{
    int64_t base;
    int se;
    if (n < 20 || !rfc3339_head(s, &base) || (se = rfc3339_sec(s)) < 0)
        return 0;
    return rfc3339_tail(s, n, base, se, out);
}

void cg_time_cache_init(struct cg_time_cache *tc)
{
    memset(tc, 0, sizeof(*tc));
}

size_t cg_time_parse_rfc3339_cached(const char *s, size_t n, struct cg_time *out,
                                    struct cg_time_cache *tc)
{
    if (n < 20)
        return 0;
    if (!tc->valid || memcmp(s, tc->key, sizeof(tc->key)) != 0) {
        int64_t base;
        if (!rfc3339_head(s, &base))
            return 0;
        memcpy(tc->key, s, sizeof(tc->key));
        tc->base = base;
        tc->valid = true;
    }
    int se = rfc3339_sec(s);
    return se < 0 ? 0 : rfc3339_tail(s, n, tc->base, se, out);
}

/* Largest unit first: cg_time_format_duration takes the first that divides exactly. */
static const struct {
    const char *unit;
    uint64_t us;
} duration_units[] = {
    {"d", 86400000000}, {"h", 3600000000}, {"m", 60000000}, {"s", 1000000}, {"ms", 1000},
};

bool cg_time_parse_duration(const char *s, uint64_t *us)
{
    uint64_t v = 0;
    const char *p = s;
    if (!s)
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (p == s)
        return false;
    if (!*p) {
        *us = 0;
        return v == 0;
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(duration_units); i++) {
        if (strcmp(p, duration_units[i].unit) == 0) {
            if (v > UINT64_MAX / duration_units[i].us)
                return false;
            *us = v * duration_units[i].us;
            return true;
        }
    }
    return false;
}

size_t cg_time_format_duration(uint64_t us, char *o, size_t size)
{
    uint64_t v = us / 1000;
    const char *unit = ""; /* 0, and sub-millisecond values, in whole milliseconds */
    for (size_t i = 0; us && i < CG_ARRAY_LEN(duration_units); i++) {
        if (us % duration_units[i].us == 0) {
            v = us / duration_units[i].us;
            unit = duration_units[i].unit;
            break;
        }
    }
    int n = snprintf(o, size, "%" PRIu64 "%s", v, unit);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

int64_t cg_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cg_time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
