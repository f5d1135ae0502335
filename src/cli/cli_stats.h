/*
 * cli_stats.h - what --stats prints, for each command, from the counter tables, and the
 * reference of those counters (private to the command files).
 */
#ifndef CEFGUARD_CLI_STATS_H
#define CEFGUARD_CLI_STATS_H

#include "cefguard/buf.h"
#include "cefguard/engine.h"
#include "cefguard/stats.h"

#include "cli_opts.h"

#include <stdio.h>

/* Writes the counters command prints to f: the pipeline's, then (replay) the engine's,
 * "name value" a line. engine may be NULL for a command without one. CG_OK or CG_EIO. */
int cli_stats_print(enum cli_command command, const struct cg_stats *pipeline,
                    const struct cg_engine_stats *engine, FILE *f);

/* Appends the reference of every counter --stats prints: Markdown tables, or "name  help"
 * text, each group introduced by the commands that print it. */
int cli_stats_reference(bool markdown, struct cg_buf *out);

#endif
