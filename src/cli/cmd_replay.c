/*
 * cmd_replay.c - `cefguard replay`: log files through the rule engine on event
 * time; alerts to stdout (and with --events every normalized event, in order,
 * each followed by the alerts its arrival caused, deadlines it moved the clock
 * past included). At the end of input pending windows resolve in event-time order.
 */
#include "cefguard/cli.h"

#include "cli_common.h"

#include <inttypes.h>
#include <stdio.h>

static void replay_usage(FILE *f)
{
    fprintf(f, "usage: cefguard replay [options] [FILE...]\n"
               "Runs log files (or stdin) through the rules on event time; one JSON alert per "
               "line.\n\n"
               "  -r, --rules PATH            rule file or directory (repeatable; default: the "
               "shipped rules)\n"
               "      --events                also print every normalized event\n"
               "      --lateness DURATION     how late an event may arrive and still count "
               "(0)\n" CLI_DECODE_HELP);
}

static void write_engine_stats(const struct cg_engine_stats *s, FILE *f)
{
    fprintf(f,
            "engine.events %" PRIu64 "\nengine.internal_events %" PRIu64
            "\nengine.candidates %" PRIu64 "\nengine.matches %" PRIu64 "\nengine.alerts %" PRIu64
            "\nengine.suppressed %" PRIu64 "\nengine.evictions %" PRIu64 "\nengine.late %" PRIu64
            "\nengine.join_dropped %" PRIu64 "\nengine.chain_dropped %" PRIu64
            "\nengine.held_dropped %" PRIu64 "\nengine.no_time %" PRIu64 "\n",
            s->events, s->internal_events, s->candidates, s->matches, s->alerts, s->suppressed,
            s->evictions, s->late, s->join_dropped, s->chain_dropped, s->held_dropped, s->no_time);
}

int cg_cmd_replay(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DECODE_OPTIONS,
        {"rules", required_argument, NULL, OPT_RULES},
        {"events", no_argument, NULL, OPT_EVENTS},
        {"lateness", required_argument, NULL, OPT_LATENESS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_opts o;
    cli_opts_init(&o);
    struct cg_pipeline pl;
    struct cg_ruleset rs;
    cg_ruleset_init(&rs);
    struct cg_normalizer *nz = NULL;
    int status = 2, c, h;
    optind = 1;
    while ((c = getopt_long(argc, argv, "R:r:qh", longopts, NULL)) != -1) {
        if ((h = cli_opt(&o, c, optarg, "replay")) == 1)
            continue;
        if (c == 'h') {
            replay_usage(stdout);
            status = 0;
        } else if (h == 0) {
            replay_usage(stderr);
        }
        goto out;
    }
    if (cli_load_rules(&o, &rs) != CG_OK || !(nz = cli_load_rulebases(&o)))
        goto out;
    struct cg_pipeline_opts po;
    cli_pipeline_opts(&o, nz, &po);
    po.rules = &rs;
    if (cg_pipeline_init(&pl, &po) != CG_OK) {
        fprintf(stderr, "cefguard replay: --timezone: unknown zone '%s'\n", o.syslog.timezone);
        goto out;
    }
    unsigned takes = CG_SINK_ALERTS | (o.events ? CG_SINK_EVENTS : 0);
    int rc = cli_run_inputs(&pl, &o, takes, argc - optind, argv + optind);
    if (o.stats) {
        cg_stats_write(&pl.stats, stderr);
        write_engine_stats(cg_engine_stats(pl.engine), stderr);
    }
    cg_pipeline_fini(&pl);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(nz);
    cg_ruleset_fini(&rs);
    cli_opts_fini(&o);
    return status;
}
