/*
 * syslog_time.c - the stamp in RFC 3164 position and the year and zone it takes
 * (see syslog.h, syslog_int.h).
 *
 * Stamp    "Mmm dd hh:mm:ss" (day " d", "0d", "dd" or an unpadded "d"),
 *          optionally with a year "Mmm dd yyyy hh:mm:ss" (Apex Central), optional
 *          ".frac" and an optional ':' after the seconds (Cisco), then SP or the end;
 *          or an RFC 3339 stamp followed by SP or the end. Month names are exact.
 * Time     3164 stamps without a zone take the configured zone (CG_TIME_ZONE_GUESS);
 *          without a year they take the inferred year (CG_TIME_YEAR_GUESS), see
 *          syslog.h. Year candidates are reference year -1, 0, +1 in which the date
 *          exists, so "Feb 29" resolves to the nearest leap year among them that the
 *          rule accepts; when none does the stamp is rejected (time.flags = 0, the
 *          header is still decoded), as is an inferred year outside 0..9999.
 *          STREAM: a set opts.year is used for the first undated line only, even
 *          when a dated line came before it; later undated lines (and the first one
 *          when opts.year is 0 but a dated line came before) take the year nearest
 *          to the reference; with no reference at all the CLOCK rule applies. Every
 *          usable stamp, inferred or not, becomes the reference (CLOCK ignores it).
 *          Second 60 is kept as :59 like timeutil.c.
 * Caches   Consecutive lines share their date and minute. The context keeps the
 *          last "Mmm dd hh:mm" with its decoded fields, the last RFC 3339
 *          "YYYY-MM-DDThh:mm" with its value (timeutil.h), and the year the last
 *          undated date resolved to, reused only where the year rules certainly
 *          give it again (see year_cached). None of them changes a result: the
 *          same bytes decide the same fields.
 */
#include "syslog_int.h"

#include <time.h>

/* A broken-down 3164 timestamp before the year and zone are applied. */
struct civil {
    int year;
    bool has_year; /* the stamp had a year (Apex Central form) */
    unsigned mon, day, hour, min, sec;
    int32_t usec;
    uint8_t frac_digits;
};

static bool is_leap(int64_t y)
{
    /* Every 4th year except centuries not divisible by 400 (y % 100 == 0 is
     * y % 25 == 0 once y % 4 == 0; y % 400 likewise y % 16); also right for y < 0. */
    return (y & 3) == 0 && (y % 25 != 0 || (y & 15) == 0);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int64_t year_of(int64_t secs)
{
    int64_t y;
    unsigned m, d;
    cg_time_civil_from_days(sl_floor_div(secs, SL_DAY), &y, &m, &d);
    return y;
}

/* ---- year inference ---- */

static int64_t local_secs(int64_t y, const struct civil *cv)
{
    return cg_time_days_from_civil(y, cv->mon, cv->day) * SL_DAY + cv->hour * 3600 + cv->min * 60 +
           cv->sec;
}

static bool date_exists(int64_t y, const struct civil *cv)
{
    return cv->day <= days_in_month(y, cv->mon);
}

/* A year within one of the true year of local seconds s (callers step from it).
 * Clamped so the stepping loops stay short and the date arithmetic cannot overflow. */
static int64_t year_estimate(int64_t s)
{
    s = s < SL_SEC_MIN ? SL_SEC_MIN : s > SL_SEC_MAX ? SL_SEC_MAX : s;
    uint64_t days = (uint64_t)(s - SL_SEC_MIN) / SL_DAY; /* since 0000-01-01 */
    return (int64_t)(days * 400 / 146097);
}

/* Seconds from the stamp in year y to the same stamp in y+1 (not for Feb 29). */
static int64_t year_step(int64_t y, const struct civil *cv)
{
    return (cv->mon > 2 ? is_leap(y + 1) : is_leap(y)) ? 366 * SL_DAY : 365 * SL_DAY;
}

static bool is_feb29(const struct civil *cv)
{
    return cv->mon == 2 && cv->day == 29;
}

/* CLOCK: the latest of now.year+1, now.year, now.year-1 not more than 7 days ahead,
 * i.e. the latest year whose stamp is <= now + 7 days. The hot path computes one
 * date and steps by whole years; Feb 29 takes the candidate loop. */
static bool clock_year(const struct cg_syslog_ctx *c, const struct civil *cv, int64_t *year,
                       int64_t *local)
{
    int64_t now = c->fixed_now ? c->fixed_now : (int64_t)time(NULL);
    int64_t now_local = now + (int64_t)sl_zone_guess_min(c) * 60, lim = now_local + 7 * SL_DAY;
    int64_t y = year_estimate(now_local);
    if (is_feb29(cv)) {
        int64_t ny = year_of(now_local);
        for (y = ny + 1; y >= ny - 1; y--) {
            if (date_exists(y, cv) && (*local = local_secs(y, cv)) <= lim) {
                *year = y;
                return true;
            }
        }
        return false;
    }
    int64_t L = local_secs(y, cv);
    while (L > lim)
        L -= year_step(--y, cv);
    while (L + year_step(y, cv) <= lim)
        L += year_step(y++, cv);
    *year = y;
    *local = L;
    return true;
}

/* STREAM: the year (reference year -1, 0 or +1) that puts the stamp nearest to the
 * reference instant; steps by whole years from an estimate, Feb 29 takes the loop. */
static bool nearest_year(const struct cg_syslog_ctx *c, const struct civil *cv, int64_t *year,
                         int64_t *local)
{
    int64_t ref = c->ref_sec + (int64_t)sl_zone_guess_min(c) * 60;
    if (is_feb29(cv)) {
        int64_t ry = year_of(ref), best = INT64_MAX;
        for (int64_t y = ry - 1; y <= ry + 1; y++) {
            int64_t L = local_secs(y, cv), dist = L < ref ? ref - L : L - ref;
            if (date_exists(y, cv) && dist < best) {
                best = dist;
                *year = y;
                *local = L;
            }
        }
        return best != INT64_MAX;
    }
    int64_t y = year_estimate(ref), L = local_secs(y, cv), back, fwd;
    while (ref - (back = L - year_step(y - 1, cv)) < L - ref) {
        L = back;
        y--;
    }
    while ((fwd = L + year_step(y, cv)) - ref < ref - L) {
        L = fwd;
        y++;
    }
    *year = y;
    *local = L;
    return true;
}

static bool infer_year(struct cg_syslog_ctx *c, const struct civil *cv, int64_t *year,
                       int64_t *local)
{
    if (c->year_mode == CG_YEAR_STREAM) {
        if (c->first_year) {
            *year = c->first_year;
            c->first_year = 0;
            if (!date_exists(*year, cv))
                return false;
            *local = local_secs(*year, cv);
            return true;
        }
        if (c->has_ref)
            return nearest_year(c, cv, year, local);
    }
    return clock_year(c, cv, year, local);
}

/* Consecutive lines share their date, so the year an undated date resolved to is
 * kept (not for Feb 29) and reused when it is certainly what infer_year would give
 * again: in STREAM mode with a reference, when the stamp in that year lies within
 * YC_SAFE of the reference (the stamps one year before and after are at least
 * 365 - 150 days away, so farther); in CLOCK mode (and STREAM without reference),
 * when the stamp in that year is not after now + 7 days and the next year's is. */
#define YC_SAFE ((int64_t)150 * SL_DAY)

static int64_t day_secs(const struct civil *cv)
{
    return cv->hour * 3600 + cv->min * 60 + cv->sec;
}

static bool year_cached(const struct cg_syslog_ctx *c, const struct civil *cv, int64_t *year,
                        int64_t *local)
{
    if (cv->mon != c->yc_mon || cv->day != c->yc_day ||
        (c->year_mode == CG_YEAR_STREAM && c->first_year))
        return false;
    int64_t L = c->yc_days * SL_DAY + day_secs(cv);
    if (c->year_mode == CG_YEAR_STREAM && c->has_ref) {
        int64_t ref = c->ref_sec + (int64_t)sl_zone_guess_min(c) * 60;
        if (L - ref >= YC_SAFE || ref - L >= YC_SAFE)
            return false;
    } else {
        int64_t now = c->fixed_now ? c->fixed_now : (int64_t)time(NULL);
        int64_t lim = now + (int64_t)sl_zone_guess_min(c) * 60 + 7 * SL_DAY;
        if (L > lim || L + 365 * SL_DAY <= lim)
            return false;
    }
    *year = c->yc_year;
    *local = L;
    return true;
}

static bool resolve_year(struct cg_syslog_ctx *c, const struct civil *cv, int64_t *year,
                         int64_t *local)
{
    if (year_cached(c, cv, year, local))
        return true;
    if (!infer_year(c, cv, year, local) || *year < 0 || *year > 9999)
        return false;
    if (!is_feb29(cv)) {
        c->yc_mon = cv->mon;
        c->yc_day = cv->day;
        c->yc_year = (int)*year;
        c->yc_days = (*local - day_secs(cv)) / SL_DAY;
    }
    return true;
}

/* Applies the year and zone policy; leaves t->flags 0 when the stamp is rejected. */
static void civil_to_time(struct cg_syslog_ctx *c, const struct civil *cv, struct cg_time *t)
{
    int64_t y = cv->year, L;
    uint8_t flags = CG_TIME_SET | CG_TIME_ZONE_GUESS;
    if (cv->has_year) {
        L = local_secs(y, cv);
    } else {
        if (!resolve_year(c, cv, &y, &L))
            return;
        flags |= CG_TIME_YEAR_GUESS;
    }
    int off = sl_zone_offset_min(c, L);
    t->sec = L - (int64_t)off * 60;
    t->usec = cv->usec;
    t->off_min = (int16_t)off;
    t->frac_digits = cv->frac_digits;
    t->flags = flags;
}

/* ---- RFC 3164 timestamp ---- */

#define M3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))

static unsigned month3(const char *p)
{
    switch (M3((unsigned char)p[0], (unsigned char)p[1], (unsigned char)p[2])) {
    case M3('J', 'a', 'n'): return 1;
    case M3('F', 'e', 'b'): return 2;
    case M3('M', 'a', 'r'): return 3;
    case M3('A', 'p', 'r'): return 4;
    case M3('M', 'a', 'y'): return 5;
    case M3('J', 'u', 'n'): return 6;
    case M3('J', 'u', 'l'): return 7;
    case M3('A', 'u', 'g'): return 8;
    case M3('S', 'e', 'p'): return 9;
    case M3('O', 'c', 't'): return 10;
    case M3('N', 'o', 'v'): return 11;
    case M3('D', 'e', 'c'): return 12;
    default: return 0;
    }
}

/* "Mmm dd [yyyy ]" -> bytes consumed (the index of hh), 0 when not a date. */
static size_t parse_3164_date(const char *p, size_t n, struct civil *cv)
{
    if (n < 14 || p[3] != ' ' || !(cv->mon = month3(p)))
        return 0;
    size_t i;
    if (p[4] == ' ' && sl_is_digit(p[5])) {
        cv->day = (unsigned)(p[5] - '0');
        i = 6;
    } else if (sl_is_digit(p[4]) && sl_is_digit(p[5])) {
        cv->day = (unsigned)sl_two_digits(p + 4);
        i = 6;
    } else if (sl_is_digit(p[4]) && p[5] == ' ') {
        cv->day = (unsigned)(p[4] - '0'); /* unpadded "Apr 5" */
        i = 5;
    } else {
        return 0;
    }
    if (p[i] != ' ')
        return 0;
    i++;
    cv->year = 0;
    cv->has_year = false;
    if (i + 5 <= n && p[i + 4] == ' ' && sl_two_digits(p + i) >= 0 &&
        sl_two_digits(p + i + 2) >= 0) {
        cv->year = sl_two_digits(p + i) * 100 + sl_two_digits(p + i + 2);
        cv->has_year = true;
        i += 5;
    }
    /* Without a year, Feb 29 may exist: the year inference checks it. */
    if (cv->day < 1 || cv->day > days_in_month(cv->has_year ? cv->year : 2000, cv->mon))
        return 0;
    return i;
}

/* ".frac" after the seconds: digits beyond 6 are read and dropped. */
static size_t parse_frac(const char *p, size_t n, size_t i, struct civil *cv)
{
    if (i + 1 >= n || p[i] != '.' || !sl_is_digit(p[i + 1]))
        return i;
    i++;
    int32_t usec = 0;
    unsigned fd = 0;
    while (i < n && sl_is_digit(p[i])) {
        if (fd < 6) {
            usec = usec * 10 + (p[i] - '0');
            fd++;
        }
        i++;
    }
    for (unsigned k = fd; k < 6; k++)
        usec *= 10;
    cv->usec = usec;
    cv->frac_digits = (uint8_t)fd;
    return i;
}

/* "Mmm dd hh:mm" (day in two bytes, no year) of the last stamp is kept with its
 * fields: those 12 bytes decide them, so a stamp starting with the same bytes
 * (most lines of a stream) skips the date. */
static size_t stamp_minute(struct cg_syslog_ctx *c, const char *p, size_t n, struct civil *cv)
{
    if (n >= 15 && c->mc_mon && memcmp(p, c->mc_key, sizeof(c->mc_key)) == 0) {
        cv->mon = c->mc_mon;
        cv->day = c->mc_day;
        cv->year = 0;
        cv->has_year = false;
        cv->hour = c->mc_hour;
        cv->min = c->mc_min;
        return 7;
    }
    size_t i = parse_3164_date(p, n, cv);
    if (!i || i + 8 > n || p[i + 2] != ':')
        return 0;
    int h = sl_two_digits(p + i), mi = sl_two_digits(p + i + 3);
    if (h < 0 || h > 23 || mi < 0 || mi > 59)
        return 0;
    cv->hour = (unsigned)h;
    cv->min = (unsigned)mi;
    if (i == 7 && !cv->has_year) {
        memcpy(c->mc_key, p, sizeof(c->mc_key));
        c->mc_mon = cv->mon;
        c->mc_day = cv->day;
        c->mc_hour = cv->hour;
        c->mc_min = cv->min;
    }
    return i;
}

/* A whole 3164 stamp: bytes consumed (up to, not including, the SP), 0 if none. */
static size_t parse_3164_stamp(struct cg_syslog_ctx *c, const char *p, size_t n, struct civil *cv)
{
    size_t i = stamp_minute(c, p, n, cv);
    if (!i || p[i + 5] != ':')
        return 0;
    int s = sl_two_digits(p + i + 6);
    if (s < 0 || s > 60)
        return 0;
    cv->sec = s == 60 ? 59 : (unsigned)s;
    cv->usec = 0;
    cv->frac_digits = 0;
    i = parse_frac(p, n, i + 8, cv);
    if (i < n && p[i] == ':')
        i++; /* "Apr 20 03:20:54: %LINK-3..." */
    if (i < n && p[i] != ' ')
        return 0;
    return i;
}

/* The stamp in 3164 position (3164 or RFC 3339): bytes consumed, 0 when none. */
size_t cg_syslog_parse_stamp(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_time *t)
{
    if (n > 0 && sl_is_digit(p[0])) {
        size_t k = cg_time_parse_rfc3339_cached(p, n, t, &c->tcache);
        if (k && (k == n || p[k] == ' '))
            return k;
        memset(t, 0, sizeof(*t));
        return 0;
    }
    struct civil cv;
    size_t k = parse_3164_stamp(c, p, n, &cv);
    if (k)
        civil_to_time(c, &cv, t);
    return k;
}
