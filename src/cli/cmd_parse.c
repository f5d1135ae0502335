/*
 * cmd_parse.c - `cefguard parse`: every input line -> one normalized JSON event.
 * A pipeline with no rule engine whose output is the events.
 */
#include "cefguard/cli.h"

#include "cli_common.h"
#include "cli_stats.h"

#include <getopt.h>
#include <stdio.h>

int cg_cmd_parse(int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    struct cg_pipeline pl;
    struct cg_normalizer *nz = NULL;
    int status = cli_opts_parse(&o, CLI_PARSE, argc, argv);
    if (status >= 0)
        goto out;
    status = 2;
    if (!(nz = cli_load_rulebases(&o)))
        goto out;
    struct cg_pipeline_opts po;
    cli_pipeline_opts(&o, nz, &po);
    if (cg_pipeline_init(&pl, &po) != CG_OK) {
        cli_complain("cefguard parse", "--timezone: unknown zone", o.syslog.timezone);
        goto out;
    }
    int rc = cli_run_inputs(&pl, &o, CG_SINK_EVENTS, argc - optind, argv + optind);
    if (o.stats)
        cli_stats_print(CLI_PARSE, &pl.stats, NULL, stderr);
    cg_pipeline_fini(&pl);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(nz);
    cli_opts_fini(&o);
    return status;
}
