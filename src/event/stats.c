/* stats.c - counters of the pipeline, and their table (see stats.h). */
#include "cefguard/stats.h"

void cg_stats_count_event(struct cg_stats *s, const struct cg_event *ev)
{
    s->by_format[ev->format < CG_FMT_MAX ? ev->format : CG_FMT_RAW]++;
    if (ev->format == CG_FMT_RAW && ev->reason < CG_REJ_MAX)
        s->rejects[ev->reason]++;
    if (ev->flags & CG_EV_BAD_ESCAPE)
        s->bad_escape++;
    if (ev->flags & CG_EV_EXT_JUNK)
        s->ext_junk++;
    if (ev->flags & CG_EV_TRUNCATED)
        s->lines_too_long++;
    if (ev->flags & CG_EV_TIME_OUTLIER)
        s->time_outliers++;
    if (ev->flags & CG_EV_TIME_JUMP)
        s->time_jumps++;
    s->dup_keys += ev->fields.dup_dropped;
    s->fields_dropped += ev->fields.limit_dropped;
    s->sd_dropped += ev->sl.nsd_dropped;
}

static const char *format_elem(unsigned i)
{
    return cg_format_name((enum cg_format)i);
}

static const char *reject_elem(unsigned i)
{
    return cg_reject_name((enum cg_reject)i);
}

#define STAT(name, member, help)                                                                   \
    {                                                                                              \
        name, CG_COUNTER_TOTAL, offsetof(struct cg_stats, member), help, NULL, 0, 0                \
    }

static const struct cg_counter stats_counters[] = {
    STAT("lines", lines, "input lines read; each gives exactly one event"),
    {"format", CG_COUNTER_TOTAL, offsetof(struct cg_stats, by_format),
     "events written, by the format that decoded them (raw: nothing did)", format_elem, 0,
     CG_FMT_MAX},
    {"reject", CG_COUNTER_TOTAL, offsetof(struct cg_stats, rejects),
     "raw events, by the reason nothing decoded them", reject_elem, CG_REJ_NONE + 1, CG_REJ_MAX},
    STAT("repair.bad_escape", bad_escape,
         "events that kept an undefined backslash escape as written"),
    STAT("repair.ext_junk", ext_junk,
         "events whose extension had text that is no key=value (dropped)"),
    STAT("repair.invalid_utf8_bytes", invalid_utf8,
         "bytes of invalid UTF-8 written as U+FFFD in the JSON output"),
    STAT("drop.duplicate_keys", dup_keys,
         "fields dropped because an earlier field of the event had the same key"),
    STAT("drop.fields_over_limit", fields_dropped,
         "fields dropped beyond the max-fields bound of an event"),
    STAT("drop.lines_cut", lines_too_long,
         "lines cut at the max-line bound (their events are raw, reason line_too_long)"),
    STAT("drop.sd_params", sd_dropped,
         "RFC 5424 structured-data params dropped beyond 256 a line (an SD-ID without params "
         "counts as one)"),
    STAT("time.outliers", time_outliers,
         "stamps farther than --max-clock-jump from the clock, not (yet) confirmed: flagged "
         "time_outlier, processed at the clock's time, no year reference"),
    STAT("time.jumps", time_jumps,
         "jumps of the clock beyond --max-clock-jump, confirmed by --clock-confirm further "
         "lines"),
};

/* Every counter of struct cg_stats is in the table (rejects[CG_REJ_NONE] aside): a new
 * member without an entry stops the build here. */
_Static_assert(sizeof(struct cg_stats) ==
                   sizeof(uint64_t) * (CG_ARRAY_LEN(stats_counters) - 2 + CG_FMT_MAX + CG_REJ_MAX),
               "struct cg_stats and stats_counters[] differ");

const struct cg_counter_table cg_stats_counters = {stats_counters, CG_ARRAY_LEN(stats_counters)};
