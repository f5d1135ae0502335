/* stats.c - counters (see stats.h). */
#include "cefguard/stats.h"

#include <inttypes.h>

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
    s->dup_keys += ev->fields.dup_dropped;
    s->fields_dropped += ev->fields.limit_dropped;
}

void cg_stats_write(const struct cg_stats *s, FILE *f)
{
    fprintf(f, "lines %" PRIu64 "\n", s->lines);
    for (int i = 0; i < CG_FMT_MAX; i++)
        fprintf(f, "format.%s %" PRIu64 "\n", cg_format_name((enum cg_format)i), s->by_format[i]);
    for (int i = 1; i < CG_REJ_MAX; i++)
        fprintf(f, "reject.%s %" PRIu64 "\n", cg_reject_name((enum cg_reject)i), s->rejects[i]);
    fprintf(f, "repair.bad_escape %" PRIu64 "\n", s->bad_escape);
    fprintf(f, "repair.ext_junk %" PRIu64 "\n", s->ext_junk);
    fprintf(f, "repair.invalid_utf8_bytes %" PRIu64 "\n", s->invalid_utf8);
    fprintf(f, "drop.duplicate_keys %" PRIu64 "\n", s->dup_keys);
    fprintf(f, "drop.fields_over_limit %" PRIu64 "\n", s->fields_dropped);
    fprintf(f, "drop.lines_cut %" PRIu64 "\n", s->lines_too_long);
}
