/*
 * cmd_replay.c - `cefguard replay`: log files through the rule engine on event
 * time; alerts to stdout (and with --events every normalized event, in order,
 * each followed by the alerts its arrival caused, deadlines it moved the clock
 * past included). At the end of input pending windows resolve in event-time order.
 */
#include "cefguard/cli.h"

#include "cli_common.h"
#include "cli_stats.h"

#include <getopt.h>
#include <stdio.h>

int cg_cmd_replay(int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    struct cg_pipeline pl;
    struct cg_ruleset rs;
    cg_ruleset_init(&rs);
    struct cg_normalizer *nz = NULL;
    int status = cli_opts_parse(&o, CLI_REPLAY, argc, argv);
    if (status >= 0)
        goto out;
    status = 2;
    if (cli_load_rules(&o, &rs) != CG_OK || !(nz = cli_load_rulebases(&o)))
        goto out;
    struct cg_pipeline_opts po;
    cli_pipeline_opts(&o, nz, &po);
    po.rules = &rs;
    if (cg_pipeline_init(&pl, &po) != CG_OK) {
        cli_complain("cefguard replay", "--timezone: unknown zone", o.syslog.timezone);
        goto out;
    }
    unsigned takes = CG_SINK_ALERTS | (o.events ? CG_SINK_EVENTS : 0);
    int rc = cli_run_inputs(&pl, &o, takes, argc - optind, argv + optind);
    if (o.stats)
        cli_stats_print(CLI_REPLAY, &pl.stats, cg_engine_stats(pl.engine), stderr);
    cg_pipeline_fini(&pl);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(nz);
    cg_ruleset_fini(&rs);
    cli_opts_fini(&o);
    return status;
}
