/*
 * syslog.c - syslog header decoding (see syslog.h).
 *
 * Policies where the RFCs and the header leave a choice:
 *
 * PRI      "<" 1-3 digits ">" with value 0..191 and no leading zero (except "<0>").
 *          A line that starts with '<' but has no valid PRI has no header (NONE).
 *          A valid PRI followed by neither an RFC 5424 header nor a timestamp gives
 *          kind RFC3164 with only pri set and msg = tagged_msg = the rest after PRI.
 * RFC 5424 A line with "<PRI>VERSION SP" whose header is malformed (bad timestamp,
 *          a field longer than the RFC limit - HOSTNAME 255, APP-NAME 48, PROCID 128,
 *          MSGID 32 - a byte outside PRINTUSASCII, no SD) is decoded again as RFC 3164
 *          from after the PRI, which normally ends in the PRI-only form above: no
 *          header byte is lost and nothing half-parsed is reported.
 *          Malformed STRUCTURED-DATA (also: SD not followed by SP or the end) keeps
 *          kind RFC5424 and the header fields, with no sd and msg = the rest of the
 *          line from the SD start. SD-NAMEs are 1..32 bytes as in the RFC; inside a
 *          PARAM-VALUE an unescaped ']' is tolerated. At most SD_PARAMS_MAX params
 *          are recorded per line; the rest is still parsed (and validated) but
 *          dropped. If the arena cannot grow, params are dropped and an escaped
 *          value keeps its raw (still escaped) bytes.
 * RFC 3164 Timestamp: "Mmm dd hh:mm:ss" (day " d", "0d", "dd" or an unpadded "d"),
 *          optionally with a year "Mmm dd yyyy hh:mm:ss" (Apex Central), optional
 *          ".frac" and an optional ':' after the seconds (Cisco), then SP or the end;
 *          or an RFC 3339 stamp followed by SP or the end. Month names are exact.
 *          Every space after the timestamp is skipped (lenient with double spaces).
 *          HOST, as rsyslog's pmrfc3164 decides it: the next word is a hostname
 *          only when it is 1..255 bytes of [A-Za-z0-9._-] ending in an alnum (or an
 *          IPv6 literal: hex digits, '.', and at least two ':') followed by SP or
 *          the end. Otherwise there is no HOST and the word is the TAG, so local
 *          messages without a hostname ("Apr 20 03:20:54 sshd[1]: x") and the wire
 *          form without host ("<134>Apr 20 03:20:54 CEF:0|...") decode correctly.
 *          TAG: the bytes up to ':' '[' or SP (rsyslog ends it at ':' or SP; the
 *          '[' ending is rsyslog's programname). 1..CG_SYSLOG_TAG_MAX bytes, else no
 *          TAG and msg = tagged_msg = from that word. A TAG ended by SP and not by
 *          ':' is still the TAG, as in rsyslog ("host just text": app "just"); in
 *          both cases one SP after it is not part of MSG (rsyslog keeps it in MSG
 *          unless remove.msgFirstSpace; the file form writes it, so we drop it).
 *          "[PID]": up to 128 bytes without SP before ']'; "[]" leaves procid
 *          unset; an unclosed '[' keeps app and makes msg start at the '['.
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
 * Zones    NULL, "UTC", "GMT", "Z" (any case): UTC. "+hh:mm", "+hhmm", "+hh" (and
 *          '-'; hh <= 23, mm <= 59): fixed. Anything else is an IANA name: bytes
 *          [A-Za-z0-9/_+-.], no leading '/', no "..", and /usr/share/zoneinfo/<name>
 *          must be a TZif file; otherwise CG_EINVAL.
 * IANA     The offset comes from libc's tz database: TZ=":<name>" is set once at
 *          init (and again if someone changed TZ), then localtime_r() on instants.
 *          For local time L the offsets one day before and after are compared; when
 *          equal that offset is cached for L's local hour (cache_key) and used
 *          without any libc call for the rest of the hour. Near a transition:
 *          ambiguous (repeated) local times take the earlier instant (the offset
 *          before the transition), and local times in a gap (skipped hour) also use
 *          the offset before the transition, i.e. 02:30 on a spring-forward day in
 *          New York is 02:30-05:00 = 03:30-04:00 (as Python's fold=0, java.time).
 *          TZ is process-wide: contexts with different zones in one thread work
 *          (each re-sets TZ on a cache miss), but not from several threads.
 * Caches   Consecutive lines share their date and minute. The context keeps the
 *          last "Mmm dd hh:mm" with its decoded fields, the last RFC 3339
 *          "YYYY-MM-DDThh:mm" with its value (timeutil.h), and the year the last
 *          undated date resolved to, reused only where the year rules certainly
 *          give it again (see year_cached). None of them changes a result: the
 *          same bytes decide the same fields.
 */
#include "cefguard/syslog.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SL_SSE2 1
#endif

#define HOST_MAX 255
#define APP_MAX 48
#define PROCID_MAX 128
#define MSGID_MAX 32
#define SD_NAME_MAX 32
#define SD_PARAMS_MAX 256
#define CACHE_EMPTY INT64_MIN
#define ZONEINFO_DIR "/usr/share/zoneinfo/"
#define DAY 86400
#define SEC_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define SEC_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

enum { ZONE_FIXED = 0, ZONE_IANA = 1 };

/* A broken-down 3164 timestamp before the year and zone are applied. */
struct civil {
    int year;
    bool has_year; /* the stamp had a year (Apex Central form) */
    unsigned mon, day, hour, min, sec;
    int32_t usec;
    uint8_t frac_digits;
};

/* ---- small helpers ---- */

static inline bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Two digits at p (the caller checked the bounds); -1 when not digits. */
static inline int two_digits(const char *p)
{
    unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
    return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* Byte runs of header fields. With SSE2 the bytes are classified 16 at a time
 * (while 16 are readable), the byte loops take the rest. */
#ifdef SL_SSE2
static inline __m128i load16(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Bytes x with lo <= x < lo + len, as a signed compare of x + 0x80 - lo. */
static inline __m128i in_range(__m128i v, int lo, int len)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(len - 0x80)));
}

/* Bit j set when byte j is not in ok. */
static inline unsigned not_mask(__m128i ok)
{
    return ~(unsigned)_mm_movemask_epi8(ok) & 0xFFFFu;
}

/* PRINTUSASCII: 33..126 */
static inline unsigned not_print(__m128i v)
{
    return not_mask(in_range(v, 33, 94));
}

/* Hostname bytes: alnum . _ - */
static inline unsigned not_host(__m128i v)
{
    __m128i alpha = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
    __m128i digit_dash_dot = _mm_or_si128(in_range(v, '0', 10), in_range(v, '-', 2));
    return not_mask(
        _mm_or_si128(_mm_or_si128(alpha, digit_dash_dot), _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
}

/* SD-NAME bytes: PRINTUSASCII except '=' ']' '"' */
static inline unsigned not_sd_name(__m128i v)
{
    __m128i bad = _mm_or_si128(
        _mm_cmpeq_epi8(v, _mm_set1_epi8('=')),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(']')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));
    return not_print(v) | (unsigned)_mm_movemask_epi8(bad);
}

/* PARAM-VALUE bytes that need no look: all but '"' and '\\' */
static inline unsigned sd_value_stop(__m128i v)
{
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}

enum run_kind { RUN_PRINT, RUN_HOST, RUN_SD_NAME, RUN_SD_VALUE };

/* The leading run at p of the bytes of a kind, at most lim long (avail >= lim
 * bytes are readable), over whole blocks: its length, or SIZE_MAX when the
 * blocks ran out first, with *j where the caller's byte loop goes on. */
static inline size_t sse_run(const char *p, size_t avail, size_t lim, enum run_kind kind, size_t *j)
{
    for (; *j < lim && avail - *j >= 16; *j += 16) {
        __m128i v = load16(p + *j);
        unsigned bad = kind == RUN_PRINT     ? not_print(v)
                       : kind == RUN_HOST    ? not_host(v)
                       : kind == RUN_SD_NAME ? not_sd_name(v)
                                             : sd_value_stop(v);
        if (bad) {
            size_t r = *j + (size_t)__builtin_ctz(bad);
            return r < lim ? r : lim;
        }
    }
    return *j >= lim ? lim : SIZE_MAX;
}
#endif

/* Length of the run of PRINTUSASCII bytes at p, at most lim (<= avail). */
static inline size_t run_print(const char *p, size_t avail, size_t lim)
{
    size_t j = 0;
#ifdef SL_SSE2
    size_t r = sse_run(p, avail, lim, RUN_PRINT, &j);
    if (r != SIZE_MAX)
        return r;
#else
    (void)avail;
#endif
    while (j < lim && (unsigned char)(p[j] - 33) < 94)
        j++;
    return j;
}

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

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
    cg_civil_from_days(floor_div(secs, DAY), &y, &m, &d);
    return y;
}

/* ---- zones ---- */

/* "+09:00", "+0900", "+09", "-05:00"; hh <= 23, mm <= 59, nothing after. */
static bool parse_fixed_offset(const char *s, int *off_min)
{
    size_t n = strlen(s);
    if ((n != 3 && n != 5 && n != 6) || (s[0] != '+' && s[0] != '-'))
        return false;
    int h = two_digits(s + 1), m = 0;
    if (n == 5)
        m = two_digits(s + 3);
    else if (n == 6)
        m = s[3] == ':' ? two_digits(s + 4) : -1;
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    *off_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

/* An IANA name we are willing to hand to libc: a relative path of tame bytes under
 * the zoneinfo directory that names a TZif file (libc falls back to UTC silently for
 * a missing or bogus file, so check it here and fail loudly instead). */
static bool zone_file_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 62 || name[0] == '/' || strstr(name, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && !is_digit((char)ch) &&
            !strchr("/_+-.", ch))
            return false;
    }
    char path[sizeof(ZONEINFO_DIR) + 64];
    snprintf(path, sizeof(path), "%s%s", ZONEINFO_DIR, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    char magic[4];
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
              memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}

/* TZ is process-wide: make sure it is ours before asking libc. */
static void ensure_tz(const struct cg_syslog_ctx *c)
{
    const char *cur = getenv("TZ");
    if (!cur || strcmp(cur, c->zone_name) != 0) {
        setenv("TZ", c->zone_name, 1);
        tzset();
    }
}

/* UTC offset in seconds at instant t, per the current TZ. */
static int64_t gmtoff_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    return (int64_t)tm.tm_gmtoff;
}

/* Offset in minutes for local civil seconds L in an IANA zone; see the top comment
 * for gaps and overlaps. The cache holds the offset of one local hour. */
static int iana_offset_min(struct cg_syslog_ctx *c, int64_t L)
{
    int64_t key = floor_div(L, 3600);
    if (key == c->cache_key)
        return c->cache_off_min;
    ensure_tz(c);
    int64_t before = gmtoff_at(L - DAY), after = gmtoff_at(L + DAY), off;
    if (before == after)
        off = before;
    else if (gmtoff_at(L - before) == before)
        off = before; /* valid with the old offset: normal time or the first of two */
    else if (gmtoff_at(L - after) == after)
        off = after;
    else
        off = before; /* in the gap */
    /* Only a transition-free day is cached, so a transition hour is always exact. */
    c->cache_key = before == after ? key : CACHE_EMPTY;
    c->cache_off_min = (int)(off / 60);
    return c->cache_off_min;
}

static int zone_offset_min(struct cg_syslog_ctx *c, int64_t L)
{
    return c->zone_kind == ZONE_IANA ? iana_offset_min(c, L) : c->zone_off_min;
}

/* The last known offset: good enough to pick a year (only +-1 day matters there). */
static int zone_guess_min(const struct cg_syslog_ctx *c)
{
    return c->zone_kind == ZONE_IANA ? c->cache_off_min : c->zone_off_min;
}

static bool is_utc_name(const char *tz)
{
    return !tz || strcasecmp(tz, "UTC") == 0 || strcasecmp(tz, "GMT") == 0 ||
           strcasecmp(tz, "Z") == 0;
}

bool cg_syslog_timezone_valid(const char *tz)
{
    int off;
    if (is_utc_name(tz))
        return true;
    if (tz[0] == '+' || tz[0] == '-')
        return parse_fixed_offset(tz, &off);
    return zone_file_ok(tz);
}

static int zone_init(struct cg_syslog_ctx *c, const char *tz)
{
    c->zone_kind = ZONE_FIXED;
    if (is_utc_name(tz))
        return CG_OK;
    if (tz[0] == '+' || tz[0] == '-')
        return parse_fixed_offset(tz, &c->zone_off_min) ? CG_OK : CG_EINVAL;
    if (!zone_file_ok(tz))
        return CG_EINVAL;
    snprintf(c->zone_name, sizeof(c->zone_name), ":%s", tz);
    c->zone_kind = ZONE_IANA;
    setenv("TZ", c->zone_name, 1);
    tzset();
    int64_t now = c->fixed_now ? c->fixed_now : (int64_t)time(NULL);
    c->cache_off_min = (int)(gmtoff_at(now) / 60);
    return CG_OK;
}

int cg_syslog_ctx_init(struct cg_syslog_ctx *c, const struct cg_syslog_opts *opts)
{
    static const struct cg_syslog_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    memset(c, 0, sizeof(*c));
    c->cache_key = CACHE_EMPTY;
    if (opts->year < 0 || opts->year > 9999 || opts->now < SEC_MIN || opts->now > SEC_MAX ||
        (opts->year_mode != CG_YEAR_CLOCK && opts->year_mode != CG_YEAR_STREAM))
        return CG_EINVAL;
    c->year_mode = opts->year_mode;
    c->first_year = opts->year_mode == CG_YEAR_STREAM ? opts->year : 0;
    c->fixed_now = opts->now;
    return zone_init(c, opts->timezone);
}

void cg_syslog_ctx_note_time(struct cg_syslog_ctx *c, const struct cg_time *t)
{
    /* The range guard keeps the year arithmetic far from overflow. */
    if (!t || !(t->flags & CG_TIME_SET) || t->sec < SEC_MIN || t->sec > SEC_MAX)
        return;
    c->ref_sec = t->sec;
    c->has_ref = true;
}

/* ---- year inference ---- */

static int64_t local_secs(int64_t y, const struct civil *cv)
{
    return cg_days_from_civil(y, cv->mon, cv->day) * DAY + cv->hour * 3600 + cv->min * 60 + cv->sec;
}

static bool date_exists(int64_t y, const struct civil *cv)
{
    return cv->day <= days_in_month(y, cv->mon);
}

/* A year within one of the true year of local seconds s (callers step from it).
 * Clamped so the stepping loops stay short and the date arithmetic cannot overflow. */
static int64_t year_estimate(int64_t s)
{
    s = s < SEC_MIN ? SEC_MIN : s > SEC_MAX ? SEC_MAX : s;
    uint64_t days = (uint64_t)(s - SEC_MIN) / DAY; /* since 0000-01-01 */
    return (int64_t)(days * 400 / 146097);
}

/* Seconds from the stamp in year y to the same stamp in y+1 (not for Feb 29). */
static int64_t year_step(int64_t y, const struct civil *cv)
{
    return (cv->mon > 2 ? is_leap(y + 1) : is_leap(y)) ? 366 * DAY : 365 * DAY;
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
    int64_t now_local = now + (int64_t)zone_guess_min(c) * 60, lim = now_local + 7 * DAY;
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
    int64_t ref = c->ref_sec + (int64_t)zone_guess_min(c) * 60;
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
#define YC_SAFE ((int64_t)150 * DAY)

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
    int64_t L = c->yc_days * DAY + day_secs(cv);
    if (c->year_mode == CG_YEAR_STREAM && c->has_ref) {
        int64_t ref = c->ref_sec + (int64_t)zone_guess_min(c) * 60;
        if (L - ref >= YC_SAFE || ref - L >= YC_SAFE)
            return false;
    } else {
        int64_t now = c->fixed_now ? c->fixed_now : (int64_t)time(NULL);
        int64_t lim = now + (int64_t)zone_guess_min(c) * 60 + 7 * DAY;
        if (L > lim || L + 365 * DAY <= lim)
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
        c->yc_days = (*local - day_secs(cv)) / DAY;
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
    int off = zone_offset_min(c, L);
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
    if (p[4] == ' ' && is_digit(p[5])) {
        cv->day = (unsigned)(p[5] - '0');
        i = 6;
    } else if (is_digit(p[4]) && is_digit(p[5])) {
        cv->day = (unsigned)two_digits(p + 4);
        i = 6;
    } else if (is_digit(p[4]) && p[5] == ' ') {
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
    if (i + 5 <= n && p[i + 4] == ' ' && two_digits(p + i) >= 0 && two_digits(p + i + 2) >= 0) {
        cv->year = two_digits(p + i) * 100 + two_digits(p + i + 2);
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
    if (i + 1 >= n || p[i] != '.' || !is_digit(p[i + 1]))
        return i;
    i++;
    int32_t usec = 0;
    unsigned fd = 0;
    while (i < n && is_digit(p[i])) {
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
    int h = two_digits(p + i), mi = two_digits(p + i + 3);
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
    int s = two_digits(p + i + 6);
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
static size_t parse_stamp(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_time *t)
{
    if (n > 0 && is_digit(p[0])) {
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

/* ---- RFC 3164 HOST and TAG ---- */

/* 1: hostname byte (rsyslog: alnum . _ -); 2: also valid in an IPv6 literal. */
static const unsigned char host_class[256] = {
    ['-'] = 1, ['.'] = 3, ['_'] = 1, [':'] = 2, ['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3,
    ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3, ['a'] = 3, ['b'] = 3,
    ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3,
    ['E'] = 3, ['F'] = 3, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
};

/* The general form of host_len() below, for a word with a ':'. */
static size_t host_len_colon(const char *p, size_t n)
{
    size_t lim = n < HOST_MAX + 1 ? n : HOST_MAX + 1, i = 0;
    unsigned all = 3, k;
    while (i < lim && (k = host_class[(unsigned char)p[i]]) != 0) {
        all &= k;
        i++;
    }
    if (i == 0 || i > HOST_MAX || (i < n && p[i] != ' '))
        return 0;
    if (!(all & 1)) { /* a ':' was seen: only an IPv6 literal qualifies */
        size_t colons = 0;
        for (size_t j = 0; j < i; j++)
            colons += p[j] == ':';
        return colons >= 2 && (all & 2) ? i : 0;
    }
    unsigned char last = (unsigned char)p[i - 1];
    return last == '-' || last == '.' || last == '_' ? 0 : i;
}

/* Length of the run of hostname bytes (class 1) at p, at most lim (<= avail). */
static inline size_t run_host(const char *p, size_t avail, size_t lim)
{
    size_t j = 0;
#ifdef SL_SSE2
    size_t r = sse_run(p, avail, lim, RUN_HOST, &j);
    if (r != SIZE_MAX)
        return r;
#else
    (void)avail;
#endif
    while (j < lim && (host_class[(unsigned char)p[j]] & 1))
        j++;
    return j;
}

/* Length of the hostname at p (followed by SP or the end), 0 when the word is not
 * one (see the top comment). The run of hostname bytes ends at the only byte of
 * an IPv6 literal that is not one, ':', or at a byte of neither. */
static size_t host_len(const char *p, size_t n)
{
    size_t lim = n < HOST_MAX + 1 ? n : HOST_MAX + 1, i = run_host(p, n, lim);
    if (i < lim && p[i] == ':')
        return host_len_colon(p, n);
    if (i == 0 || i > HOST_MAX || (i < n && p[i] != ' '))
        return 0;
    unsigned char last = (unsigned char)p[i - 1];
    return last == '-' || last == '.' || last == '_' ? 0 : i;
}

static const bool tag_stop[256] = {[':'] = true, ['['] = true, [' '] = true};

/* "[PID]" at p[j] == '[': index after ']', or 0 when not closed in bounds. */
static size_t take_procid(const char *p, size_t n, size_t j, struct cg_syslog *out)
{
    size_t s = j + 1, k = s, lim = n - s > PROCID_MAX + 1 ? s + PROCID_MAX + 1 : n;
    while (k < lim && p[k] != ']' && p[k] != ' ')
        k++;
    if (k >= n || p[k] != ']')
        return 0;
    if (k > s)
        out->procid = cg_str_make(p + s, k - s);
    return k + 1;
}

/* TAG[PID]: MSG from p[i]; sets app, procid, msg and tagged_msg. */
static void decode_tag(const char *p, size_t n, size_t i, struct cg_syslog *out)
{
    out->tagged_msg = out->msg = cg_str_make(p + i, n - i);
    size_t lim = n - i > CG_SYSLOG_TAG_MAX + 1 ? i + CG_SYSLOG_TAG_MAX + 1 : n, j = i;
    while (j < lim && !tag_stop[(unsigned char)p[j]])
        j++;
    if (j == i || j - i > CG_SYSLOG_TAG_MAX)
        return;
    out->app = cg_str_make(p + i, j - i);
    if (j < n && p[j] == '[') {
        size_t k = take_procid(p, n, j, out);
        if (!k) {
            out->msg = cg_str_make(p + j, n - j);
            return;
        }
        j = k;
    }
    if (j < n && p[j] == ':')
        j++;
    if (j < n && p[j] == ' ')
        j++;
    out->msg = cg_str_make(p + j, n - j);
}

/* Everything after a 3164 stamp: [SP+ HOST] [SP TAG...]. */
static void decode_3164_body(const char *p, size_t n, size_t i, struct cg_syslog *out)
{
    while (i < n && p[i] == ' ')
        i++;
    if (i >= n) {
        out->msg = out->tagged_msg = cg_str_make(p + n, 0);
        return;
    }
    size_t h = host_len(p + i, n - i);
    if (h) {
        out->host = cg_str_make(p + i, h);
        i += h;
        if (i < n)
            i++; /* the SP */
    }
    decode_tag(p, n, i, out);
}

/* ---- RFC 5424 ---- */

/* One header field: 1..max PRINTUSASCII bytes then SP; "-" leaves out unset. */
static inline bool take_field(const char *p, size_t n, size_t *i, size_t max, struct cg_str *out)
{
    size_t s = *i, j = s + run_print(p + s, n - s, n - s > max ? max : n - s);
    if (j == s || j >= n || p[j] != ' ')
        return false;
    if (!(j - s == 1 && p[s] == '-'))
        *out = cg_str_make(p + s, j - s);
    *i = j + 1;
    return true;
}

struct sd_vec {
    struct cg_sd_param *v;
    size_t n, cap;
    struct cg_arena *a;
};

static void sd_push(struct sd_vec *sd, struct cg_str id, struct cg_str name, struct cg_str value)
{
    if (sd->n >= SD_PARAMS_MAX || !sd->a)
        return;
    if (sd->n == sd->cap) {
        /* Doubling in the arena wastes at most the old copies: bounded by 2x. */
        size_t cap = sd->cap ? sd->cap * 2 : 8;
        cap = cap > SD_PARAMS_MAX ? SD_PARAMS_MAX : cap;
        struct cg_sd_param *nv = cg_arena_alloc(sd->a, cap * sizeof(*nv));
        if (!nv)
            return;
        if (sd->n)
            memcpy(nv, sd->v, sd->n * sizeof(*nv));
        sd->v = nv;
        sd->cap = cap;
    }
    sd->v[sd->n].id = id;
    sd->v[sd->n].name = name;
    sd->v[sd->n].value = value;
    sd->n++;
}

/* SD-NAME bytes: PRINTUSASCII except '=' ']' '"' (and SP); 128..255 are 0. */
static const unsigned char sd_name_ok[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

/* Length of the run of SD-NAME bytes at p, at most lim (<= avail). */
static inline size_t run_sd_name(const char *p, size_t avail, size_t lim)
{
    size_t j = 0;
#ifdef SL_SSE2
    size_t r = sse_run(p, avail, lim, RUN_SD_NAME, &j);
    if (r != SIZE_MAX)
        return r;
#else
    (void)avail;
#endif
    while (j < lim && sd_name_ok[(unsigned char)p[j]])
        j++;
    return j;
}

/* Length of the run at p of bytes other than '"' and '\\', at most avail. */
static inline size_t run_sd_value(const char *p, size_t avail)
{
    size_t j = 0;
#ifdef SL_SSE2
    size_t r = sse_run(p, avail, avail, RUN_SD_VALUE, &j);
    if (r != SIZE_MAX)
        return r;
#endif
    while (j < avail && p[j] != '"' && p[j] != '\\')
        j++;
    return j;
}

/* SD-NAME: 1..32 PRINTUSASCII except '=' SP ']' '"'. */
static bool sd_name(const char *p, size_t n, size_t *i, struct cg_str *out)
{
    size_t s = *i,
           j = s + run_sd_name(p + s, n - s, n - s > SD_NAME_MAX + 1 ? SD_NAME_MAX + 1 : n - s);
    if (j == s || j - s > SD_NAME_MAX)
        return false;
    *out = cg_str_make(p + s, j - s);
    *i = j;
    return true;
}

/* Copies [s, e) into the arena, unescaping \" \\ \]; other backslashes stay. */
static struct cg_str sd_unescape(const char *s, const char *e, struct cg_arena *a)
{
    char *d = a ? cg_arena_alloc(a, (size_t)(e - s)) : NULL;
    if (!d)
        return cg_str_make(s, (size_t)(e - s));
    size_t m = 0;
    while (s < e) {
        if (s[0] == '\\' && s + 1 < e && (s[1] == '"' || s[1] == '\\' || s[1] == ']'))
            s++;
        d[m++] = *s++;
    }
    return cg_str_make(d, m);
}

/* PARAM-VALUE after the opening '"': up to the unescaped closing '"'. */
static bool sd_value(const char *p, size_t n, size_t *i, bool keep, struct cg_arena *a,
                     struct cg_str *out)
{
    size_t s = *i, j = s;
    bool esc = false;
    while ((j += run_sd_value(p + j, n - j)) < n && p[j] == '\\') {
        esc = true;
        j += 2; /* the escaped byte, whatever it is, cannot close the value */
        if (j >= n)
            return false;
    }
    if (j >= n)
        return false;
    if (keep)
        *out = esc ? sd_unescape(p + s, p + j, a) : cg_str_make(p + s, j - s);
    *i = j + 1;
    return true;
}

/* One "[SD-ID *(SP PARAM-NAME="VALUE")]" at p[*i] == '['. */
static bool sd_element(const char *p, size_t n, size_t *i, struct sd_vec *sd)
{
    size_t j = *i + 1;
    struct cg_str id, name, value = CG_STR_NULL;
    bool any = false;
    if (!sd_name(p, n, &j, &id))
        return false;
    while (j < n && p[j] == ' ') {
        j++;
        if (!sd_name(p, n, &j, &name) || j + 1 >= n || p[j] != '=' || p[j + 1] != '"')
            return false;
        j += 2;
        bool keep = sd->n < SD_PARAMS_MAX;
        if (!sd_value(p, n, &j, keep, sd->a, &value))
            return false;
        if (keep)
            sd_push(sd, id, name, value);
        any = true;
    }
    if (j >= n || p[j] != ']')
        return false;
    if (!any)
        sd_push(sd, id, CG_STR_NULL, CG_STR_NULL);
    *i = j + 1;
    return true;
}

/* STRUCTURED-DATA and the optional SP [BOM]MSG after it. */
static void decode_5424_tail(const char *p, size_t n, size_t i, struct cg_syslog *out,
                             struct cg_arena *a)
{
    size_t start = i;
    struct sd_vec sd = {NULL, 0, 0, a};
    bool ok = i < n && (p[i] == '-' || p[i] == '[');
    if (ok && p[i] == '-')
        i++;
    else
        while (ok && i < n && p[i] == '[')
            ok = sd_element(p, n, &i, &sd);
    if (!ok || (i < n && p[i] != ' ')) {
        out->msg = cg_str_make(p + start, n - start);
        return;
    }
    out->sd = sd.n ? sd.v : NULL;
    out->nsd = sd.n;
    if (i < n)
        i++;
    if (n - i >= 3 && p[i] == '\xEF' && p[i + 1] == '\xBB' && p[i + 2] == '\xBF') {
        out->bom = true;
        i += 3;
    }
    out->msg = cg_str_make(p + i, n - i);
}

/* RFC 5424 after the PRI at p[i]; false (out untouched but for time) when the
 * header does not match, so the caller falls back. */
static bool decode_5424(struct cg_syslog_ctx *c, const char *p, size_t n, size_t i,
                        struct cg_syslog *out, struct cg_arena *a)
{
    if (i >= n || p[i] < '1' || p[i] > '9')
        return false;
    int ver = p[i++] - '0';
    if (i < n && is_digit(p[i]))
        ver = ver * 10 + (p[i++] - '0');
    if (i >= n || p[i] != ' ')
        return false;
    i++;
    struct cg_time t = {0};
    if (i < n && p[i] == '-') {
        i++;
    } else {
        size_t k = cg_time_parse_rfc3339_cached(p + i, n - i, &t, &c->tcache);
        if (!k)
            return false;
        i += k;
    }
    struct cg_str host = CG_STR_NULL, app = CG_STR_NULL, procid = CG_STR_NULL;
    struct cg_str msgid = CG_STR_NULL;
    if (i >= n || p[i] != ' ')
        return false;
    i++;
    if (!take_field(p, n, &i, HOST_MAX, &host) || !take_field(p, n, &i, APP_MAX, &app) ||
        !take_field(p, n, &i, PROCID_MAX, &procid) || !take_field(p, n, &i, MSGID_MAX, &msgid))
        return false;
    out->kind = CG_SYSLOG_RFC5424;
    out->version = ver;
    out->time = t;
    out->host = host;
    out->app = app;
    out->procid = procid;
    out->msgid = msgid;
    decode_5424_tail(p, n, i, out, a);
    return true;
}

/* ---- entry point ---- */

/* Bytes of a leading "<PRI>", 0 when the line does not start with '<', -1 when
 * it does but the PRI is invalid: 1-3 digits, no leading zero, at most 191. */
static int parse_pri(const char *p, size_t n, int *pri)
{
    if (n == 0 || p[0] != '<')
        return 0;
    unsigned a, b, c;
    if (n < 3 || (a = (unsigned)(unsigned char)p[1] - '0') > 9)
        return -1;
    if (p[2] == '>') {
        *pri = (int)a;
        return 3;
    }
    if (a == 0 || n < 4 || (b = (unsigned)(unsigned char)p[2] - '0') > 9)
        return -1;
    if (p[3] == '>') {
        *pri = (int)(a * 10 + b);
        return 4;
    }
    if (n < 5 || (c = (unsigned)(unsigned char)p[3] - '0') > 9 || p[4] != '>' ||
        a * 100 + b * 10 + c > 191)
        return -1;
    *pri = (int)(a * 100 + b * 10 + c);
    return 5;
}

/* Field by field: a memset of the whole struct compiles to "rep stos", whose
 * start-up cost was a tenth of the 3164 decode time. */
static inline void out_reset(struct cg_syslog *out, const char *p, size_t n)
{
    static const struct cg_time no_time;
    out->kind = CG_SYSLOG_NONE;
    out->pri = out->facility = out->severity = -1;
    out->version = 0;
    out->time = no_time;
    out->host = out->app = out->procid = out->msgid = CG_STR_NULL;
    out->sd = NULL;
    out->nsd = 0;
    out->msg = out->tagged_msg = cg_str_make(p, n);
    out->bom = false;
}

void cg_syslog_decode(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_syslog *out,
                      struct cg_arena *a)
{
    out_reset(out, p, n);
    int pri = -1;
    int pl = parse_pri(p, n, &pri);
    if (pl < 0)
        return;
    size_t i = (size_t)pl;
    if (pl > 0) {
        out->pri = pri;
        out->facility = pri / 8;
        out->severity = pri % 8;
        out->kind = CG_SYSLOG_RFC3164;
        out->msg = out->tagged_msg = cg_str_make(p + i, n - i);
        if (decode_5424(c, p, n, i, out, a)) {
            out->tagged_msg = CG_STR_NULL;
            cg_syslog_ctx_note_time(c, &out->time);
            return;
        }
    }
    size_t k = parse_stamp(c, p + i, n - i, &out->time);
    if (!k)
        return; /* NONE, or the PRI-only form set up above */
    out->kind = CG_SYSLOG_RFC3164;
    decode_3164_body(p, n, i + k, out);
    cg_syslog_ctx_note_time(c, &out->time);
}
