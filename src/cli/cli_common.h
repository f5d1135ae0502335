/*
 * cli_common.h - options and set-up shared by the subcommands (private to the
 * command files).
 */
#ifndef CEFGUARD_CLI_COMMON_H
#define CEFGUARD_CLI_COMMON_H

#include "cefguard/buf.h"
#include "cefguard/normalize.h"
#include "cefguard/pipeline.h"
#include "cefguard/rules.h"

#include <getopt.h>

struct cli_opts {
    const char **rulebases; /* files and directories, in order */
    bool *rulebase_is_dir;
    size_t nrulebases;
    bool default_rulebases;
    const char **rules; /* -r: rule files / directories */
    size_t nrules;
    bool stats;
    bool events;
    bool quiet;
    size_t max_line;
    size_t max_fields;
    int64_t lateness_us;
    struct cg_syslog_opts syslog;
};

/* getopt_long values of the shared options (>= 256) and the table entries. */
enum {
    OPT_RULEBASE = 'R',
    OPT_RULES = 'r',
    OPT_QUIET = 'q',
    OPT_RULEBASE_DIR = 256,
    OPT_NO_DEFAULT_RULEBASES,
    OPT_TIMEZONE,
    OPT_YEAR,
    OPT_MAX_LINE,
    OPT_MAX_FIELDS,
    OPT_STATS,
    OPT_EVENTS,
    OPT_LATENESS,
};

#define CLI_DECODE_OPTIONS                                                                         \
    {"rulebase", required_argument, NULL, OPT_RULEBASE},                                           \
        {"rulebase-dir", required_argument, NULL, OPT_RULEBASE_DIR},                               \
        {"no-default-rulebases", no_argument, NULL, OPT_NO_DEFAULT_RULEBASES},                     \
        {"timezone", required_argument, NULL, OPT_TIMEZONE},                                       \
        {"year", required_argument, NULL, OPT_YEAR},                                               \
        {"max-line", required_argument, NULL, OPT_MAX_LINE},                                       \
        {"max-fields", required_argument, NULL, OPT_MAX_FIELDS},                                   \
        {"stats", no_argument, NULL, OPT_STATS},                                                   \
    {                                                                                              \
        "quiet", no_argument, NULL, OPT_QUIET                                                      \
    }

#define CLI_DECODE_HELP                                                                            \
    "  -R, --rulebase FILE         load a liblognorm v2 rulebase (repeatable)\n"                   \
    "      --rulebase-dir DIR      load every *.rulebase in DIR (repeatable)\n"                    \
    "      --no-default-rulebases  do not load the shipped rulebases\n"                            \
    "      --timezone TZ           zone of RFC 3164 stamps: UTC (default), +09:00, Asia/Tokyo\n"   \
    "      --year YYYY             year of the first undated RFC 3164 stamp; later ones\n"         \
    "                              follow the stream (default: inferred from the clock)\n"         \
    "      --max-line BYTES        longer lines become raw events 'line_too_long' (1048576)\n"     \
    "      --max-fields N          fields kept per event, the rest counted (1024)\n"               \
    "      --stats                 print counters to stderr at the end\n"                          \
    "  -q, --quiet                 do not log rejected lines\n"

void cli_opts_init(struct cli_opts *o);
void cli_opts_fini(struct cli_opts *o);
/* Handles a shared option. 1: handled; 0: not a shared option; -1: bad value (reported). */
int cli_opt(struct cli_opts *o, int c, const char *arg, const char *cmd);

/* Loads the shipped and the named rulebases. NULL after reporting an error. */
struct cg_normalizer *cli_load_rulebases(const struct cli_opts *o);
/* Loads the -r rule files (default: the shipped rules). Reports errors; CG_OK or not. */
int cli_load_rules(const struct cli_opts *o, struct cg_ruleset *rs);
/* Fills the pipeline options shared by all commands. */
void cli_pipeline_opts(const struct cli_opts *o, struct cg_normalizer *nz,
                       struct cg_pipeline_opts *po);
/* Runs every FILE (or stdin) through the pipeline to stdout as JSON lines of what takes
 * says (CG_SINK_ALERTS, CG_SINK_EVENTS), resolves pending windows when all went well and
 * writes out what is buffered (a write error is logged). CG_OK or the first error. */
int cli_run_inputs(struct cg_pipeline *p, const struct cli_opts *o, unsigned takes, int nfiles,
                   char **files);

/* Shipped rules directory ($CEFGUARD_RULES_DIR, installed, source tree) or NULL. */
const char *cli_default_rules_dir(void);

#endif
