/*
 * cmd_parse.c - `cefguard parse`: every input line -> one normalized JSON event.
 * A pipeline with no rule engine whose output is the events.
 */
#include "cefguard/cli.h"

#include "cli_common.h"

#include <stdio.h>

static void parse_usage(FILE *f)
{
    fprintf(f, "usage: cefguard parse [options] [FILE...]\n"
               "Decodes each line of FILE (or stdin) and writes one normalized JSON event per "
               "line.\n\n" CLI_DECODE_HELP);
}

int cg_cmd_parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DECODE_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_opts o;
    cli_opts_init(&o);
    struct cg_pipeline pl;
    struct cg_normalizer *nz = NULL;
    int status = 2, c, h;
    optind = 1;
    while ((c = getopt_long(argc, argv, "R:qh", longopts, NULL)) != -1) {
        if ((h = cli_opt(&o, c, optarg, "parse")) == 1)
            continue;
        if (c == 'h') {
            parse_usage(stdout);
            status = 0;
        } else if (h == 0) {
            parse_usage(stderr);
        }
        goto out;
    }
    if (!(nz = cli_load_rulebases(&o)))
        goto out;
    struct cg_pipeline_opts po;
    cli_pipeline_opts(&o, nz, &po);
    if (cg_pipeline_init(&pl, &po) != CG_OK) {
        fprintf(stderr, "cefguard parse: --timezone: unknown zone '%s'\n", o.syslog.timezone);
        goto out;
    }
    int rc = cli_run_inputs(&pl, &o, CG_SINK_EVENTS, argc - optind, argv + optind);
    if (o.stats)
        cg_stats_write(&pl.stats, stderr);
    cg_pipeline_fini(&pl);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(nz);
    cli_opts_fini(&o);
    return status;
}
