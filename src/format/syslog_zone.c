/*
 * syslog_zone.c - the time zone of a syslog context (see syslog.h, syslog_int.h).
 *
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
 */
#include "syslog_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo/"

/* "+09:00", "+0900", "+09", "-05:00"; hh <= 23, mm <= 59, nothing after. */
static bool parse_fixed_offset(const char *s, int *off_min)
{
    size_t n = strlen(s);
    if ((n != 3 && n != 5 && n != 6) || (s[0] != '+' && s[0] != '-'))
        return false;
    int h = sl_two_digits(s + 1), m = 0;
    if (n == 5)
        m = sl_two_digits(s + 3);
    else if (n == 6)
        m = s[3] == ':' ? sl_two_digits(s + 4) : -1;
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
        if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && !sl_is_digit((char)ch) &&
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
int cg_syslog_iana_offset_min(struct cg_syslog_ctx *c, int64_t L)
{
    int64_t key = sl_floor_div(L, 3600);
    if (key == c->cache_key)
        return c->cache_off_min;
    ensure_tz(c);
    int64_t before = gmtoff_at(L - SL_DAY), after = gmtoff_at(L + SL_DAY), off;
    if (before == after)
        off = before;
    else if (gmtoff_at(L - before) == before)
        off = before; /* valid with the old offset: normal time or the first of two */
    else if (gmtoff_at(L - after) == after)
        off = after;
    else
        off = before; /* in the gap */
    /* Only a transition-free day is cached, so a transition hour is always exact. */
    c->cache_key = before == after ? key : SL_CACHE_EMPTY;
    c->cache_off_min = (int)(off / 60);
    return c->cache_off_min;
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

int cg_syslog_zone_init(struct cg_syslog_ctx *c, const char *tz)
{
    c->zone_kind = SL_ZONE_FIXED;
    if (is_utc_name(tz))
        return CG_OK;
    if (tz[0] == '+' || tz[0] == '-')
        return parse_fixed_offset(tz, &c->zone_off_min) ? CG_OK : CG_EINVAL;
    if (!zone_file_ok(tz))
        return CG_EINVAL;
    snprintf(c->zone_name, sizeof(c->zone_name), ":%s", tz);
    c->zone_kind = SL_ZONE_IANA;
    setenv("TZ", c->zone_name, 1);
    tzset();
    int64_t now = c->fixed_now ? c->fixed_now : (int64_t)time(NULL);
    c->cache_off_min = (int)(gmtoff_at(now) / 60);
    return CG_OK;
}
