/*
 * syslog.h - syslog header decoding: RFC 3164 (BSD), RFC 5424, and the forms
 * syslog servers write to files.
 *
 * Accepted shapes (PRI is always optional):
 *   RFC 3164  [<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MSG   (day space- or 0-padded)
 *             [<PRI>]Mmm dd yyyy hh:mm:ss HOST TAG: MSG   (year in the stamp, Apex Central)
 *             [<PRI>]YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm) HOST TAG: MSG  (RFC 3339 stamp;
 *                                                   rsyslog's high-precision file format)
 *   RFC 5424  <PRI>VERSION SP TS SP HOST SP APP SP PROCID SP MSGID SP SD [SP [BOM]MSG]
 *   anything else: kind CG_SYSLOG_NONE, msg = the whole line.
 *
 * The TAG of RFC 3164 is the first word after HOST; it ends at ':' , '[' or a space
 * (at most CG_SYSLOG_TAG_MAX bytes). "CEF:" and "LEEF:" are tags in the file form
 * "Apr 20 03:20:54 kaga CEF: 0|Trend Micro|...", so app = "CEF", msg = "0|Trend...".
 * One space after the tag's ':' is not part of MSG.
 *
 * Time policy for RFC 3164 (no year, no zone) - see struct cg_syslog_opts:
 *   zone: the configured zone (default UTC) gives the offset.
 *   year: CG_YEAR_CLOCK (live): the latest of (now.year+1, now.year, now.year-1)
 *         that is not more than 7 days after now.
 *         CG_YEAR_STREAM (parse/replay of files): the first undated line takes
 *         opts.year if set, otherwise the CLOCK rule; every later undated line takes
 *         the year that puts it nearest to the previous timestamp in the stream,
 *         so Dec 31 -> Jan 1 rolls the year forward and a late line does not.
 *         Any full timestamp (with year) also becomes the reference.
 *
 * Every function here takes untrusted bytes + length; NUL bytes are data.
 */
#ifndef CEFGUARD_SYSLOG_H
#define CEFGUARD_SYSLOG_H

#include "cefguard/arena.h"
#include "cefguard/common.h"
#include "cefguard/timeutil.h"

#define CG_SYSLOG_TAG_MAX 48

enum cg_syslog_kind {
    CG_SYSLOG_NONE = 0, /* no recognisable header: msg is the whole line */
    CG_SYSLOG_RFC3164,
    CG_SYSLOG_RFC5424,
};

enum cg_year_mode {
    CG_YEAR_CLOCK = 0,
    CG_YEAR_STREAM,
};

struct cg_syslog_opts {
    /* "UTC" (default when NULL), a fixed offset "+09:00" / "-0500", or an IANA
     * zone name ("Asia/Tokyo"; uses the system tz database). */
    const char *timezone;
    enum cg_year_mode year_mode;
    int year;    /* CG_YEAR_STREAM: year of the first undated line; 0 = from clock */
    int64_t now; /* reference "now" in epoch seconds for tests; 0 = time(NULL) */
    /* The decoder's clock guard (timeguard.h): 0 = its defaults. Not used here. */
    int64_t max_jump_us;
    unsigned jump_confirm;
};

/* Decoding context: holds the zone and the year-inference state of one stream.
 * Not thread-safe; one per input stream. Contents are private to src/format/syslog*.c. */
struct cg_syslog_ctx {
    enum cg_year_mode year_mode;
    int first_year;
    int64_t fixed_now;
    int zone_kind;    /* 0 = fixed offset, 1 = IANA via libc */
    int zone_off_min; /* fixed offset */
    int64_t ref_sec;  /* stream reference instant (last stamp), valid if has_ref */
    bool has_ref;
    /* The caller notes the reference itself (cg_syslog_ctx_note_time), only for stamps it
     * trusts: the decoder, whose clock guard keeps outliers and raw lines out. */
    bool defer_ref;
    /* IANA offset cache: offset for the local hour starting at cache_key */
    int64_t cache_key;
    int cache_off_min;
    char zone_name[64];
    /* Year cache: the undated date yc_mon/yc_day last resolved to yc_year, whose
     * day number is yc_days; yc_mon == 0 when empty. */
    unsigned yc_mon, yc_day;
    int yc_year;
    int64_t yc_days;
    /* Minute caches of the stamps: RFC 3339, and RFC 3164 "Mmm dd hh:mm"
     * (mc_key; mc_mon == 0 when empty) with its decoded month, day, hour, minute. */
    struct cg_time_cache tcache;
    char mc_key[12];
    unsigned mc_mon, mc_day, mc_hour, mc_min;
};

/* One RFC 5424 SD-PARAM; value is unescaped (\" \\ \]). */
struct cg_sd_param {
    struct cg_str id; /* SD-ID it belongs to */
    struct cg_str name;
    struct cg_str value;
};

struct cg_syslog {
    enum cg_syslog_kind kind;
    int pri;                /* 0..191, -1 when absent */
    int facility;           /* pri / 8, -1 when absent */
    int severity;           /* pri % 8, -1 when absent */
    int version;            /* RFC 5424 VERSION, 0 otherwise */
    struct cg_time time;    /* flags == 0 when no usable stamp */
    struct cg_str host;     /* unset (p == NULL) when absent or "-" */
    struct cg_str app;      /* 3164 tag without ':' and [pid]; 5424 APP-NAME */
    struct cg_str procid;   /* 3164 [pid]; 5424 PROCID */
    struct cg_str msgid;    /* 5424 only */
    struct cg_sd_param *sd; /* in the arena; nsd entries */
    size_t nsd;
    struct cg_str msg;        /* MSG: after the tag (3164), after SD and BOM (5424) */
    struct cg_str tagged_msg; /* 3164: from the TAG to the end; NONE: whole line; 5424: unset */
    bool bom;                 /* 5424 MSG started with a UTF-8 BOM (stripped from msg) */
    /* valid SD params not recorded (past 256 a line, or no memory); 32 bits, beside bom,
     * so that the header, kept in every event copy, is no larger */
    uint32_t nsd_dropped;
};

/* True when cg_syslog_ctx_init would accept tz (NULL is UTC). No side effects:
 * unlike cg_syslog_ctx_init it does not touch the process's TZ. */
bool cg_syslog_timezone_valid(const char *tz);

/* CG_EINVAL when opts->timezone is not understood. */
int cg_syslog_ctx_init(struct cg_syslog_ctx *c, const struct cg_syslog_opts *opts);

/* Decodes the header of one line (no trailing LF). Never fails: a line without a
 * recognisable header gives kind CG_SYSLOG_NONE and msg = the whole line. Views
 * point into p (and into a for unescaped SD values); p and a must outlive out. */
void cg_syslog_decode(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_syslog *out,
                      struct cg_arena *a);

/* Tells the stream context about a trusted timestamp, so it serves as the reference for
 * the next undated line. cg_syslog_decode notes every stamp itself unless defer_ref. */
void cg_syslog_ctx_note_time(struct cg_syslog_ctx *c, const struct cg_time *t);

#endif
