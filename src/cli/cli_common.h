/*
 * cli_common.h - set-up shared by the subcommands (private to the command files); their
 * options are in cli_opts.h.
 */
#ifndef CEFGUARD_CLI_COMMON_H
#define CEFGUARD_CLI_COMMON_H

#include "cefguard/buf.h"
#include "cefguard/normalize.h"
#include "cefguard/pipeline.h"
#include "cefguard/rules.h"

#include "cli_opts.h"

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
