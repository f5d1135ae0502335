/* cli_stats.c - what --stats prints, and its reference (see cli_stats.h). */
#include "cli_stats.h"

#include "cefguard/control.h"
#include "cefguard/engine_counters.h"
#include "cefguard/metrics.h"
#include "cefguard/service.h"
#include "cefguard/state.h"

enum cli_stats_source {
    CLI_STATS_PIPELINE,
    CLI_STATS_ENGINE,
    CLI_STATS_SERVICE, /* the reference only: the service writes its own */
};

/* In the order they are printed. */
static const struct cli_stats_group {
    unsigned commands; /* enum cli_command bits: the commands whose --stats print it */
    enum cli_stats_source source;
    const struct cg_counter_table *table;
    const char *intro; /* the reference's line above the table */
} groups[] = {
    {CLI_PARSE | CLI_REPLAY, CLI_STATS_PIPELINE, &cg_stats_counters,
     "The pipeline's counters, printed by `parse --stats` and `replay --stats`:"},
    {CLI_REPLAY, CLI_STATS_ENGINE, &cg_engine_counters,
     "The rule engine's counters, printed by `replay --stats` after the pipeline's:"},
    {CLI_RUN, CLI_STATS_SERVICE, &cg_service_counters,
     "`cefguard stats` prints the two tables above, then the running service's own:"},
    {CLI_RUN, CLI_STATS_SERVICE, &cg_state_counters, "Its state store's:"},
    {CLI_RUN, CLI_STATS_SERVICE, &cg_control_counters, "Its control socket's:"},
    {CLI_RUN, CLI_STATS_SERVICE, &cg_metrics_counters,
     "Its metrics listener's (with `http-listen`); then each input's, sink's (see the types "
     "reference) and rule's (`rule.ID.matched`, `.alerts`, `.suppressed`, `.keys`):"},
};

int cli_stats_print(enum cli_command command, const struct cg_stats *pipeline,
                    const struct cg_engine_stats *engine, FILE *f)
{
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < CG_ARRAY_LEN(groups); i++) {
        const void *stats =
            groups[i].source == CLI_STATS_ENGINE ? (const void *)engine : (const void *)pipeline;
        if ((groups[i].commands & command) && stats && groups[i].source != CLI_STATS_SERVICE)
            rc = cg_counters_write(groups[i].table, stats, &b);
    }
    if (rc == CG_OK && fwrite(b.p, 1, b.n, f) != b.n)
        rc = CG_EIO;
    cg_buf_fini(&b);
    return rc;
}

int cli_stats_reference(bool markdown, struct cg_buf *out)
{
    int rc = CG_OK;
    if (markdown)
        rc = cg_buf_puts(out, "`--stats` writes one `name value` line per counter to stderr at "
                              "the end, in this order (`cefguard help counters --markdown` "
                              "prints this section).\n\n");
    for (size_t i = 0; rc == CG_OK && i < CG_ARRAY_LEN(groups); i++) {
        rc = cg_buf_printf(out, "%s%s\n\n", i ? "\n" : "", groups[i].intro);
        if (rc == CG_OK)
            rc = markdown ? cg_counters_markdown(groups[i].table, out)
                          : cg_counters_help(groups[i].table, out);
    }
    return rc;
}
