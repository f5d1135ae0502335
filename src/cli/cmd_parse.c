/*
 * cmd_parse.c - `cefguard parse`: every input line -> one normalized JSON event.
 * A pipeline with no rule engine whose output is the events.
 */
#include "cefguard/cli.h"
#include "cefguard/json.h"
#include "cefguard/log.h"

#include "cli_common.h"
#include "cli_stats.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define OUT_FLUSH_AT (1 << 20)

struct parse_run {
    struct cg_pipeline pl;
    struct cg_buf out;
};

static int on_event(void *ctx, struct cg_event *ev)
{
    struct parse_run *pr = ctx;
    size_t bad = 0;
    if (cg_event_to_json(ev, &pr->out, &bad) != CG_OK || cg_buf_putc(&pr->out, '\n') != CG_OK)
        return CG_ENOMEM;
    pr->pl.stats.invalid_utf8 += bad;
    return pr->out.n >= OUT_FLUSH_AT ? cg_buf_write_fd(&pr->out, STDOUT_FILENO) : CG_OK;
}

int cg_cmd_parse(int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    struct parse_run pr;
    cg_buf_init(&pr.out);
    struct cg_normalizer *nz = NULL;
    int status = cli_opts_parse(&o, CLI_PARSE, argc, argv);
    if (status >= 0)
        goto out;
    status = 2;
    if (!(nz = cli_load_rulebases(&o)))
        goto out;
    struct cg_pipeline_opts po;
    cli_pipeline_opts(&o, nz, &po);
    po.on_event = on_event;
    po.ctx = &pr;
    if (cg_pipeline_init(&pr.pl, &po) != CG_OK) {
        fprintf(stderr, "cefguard parse: --timezone: unknown zone '%s'\n", o.syslog.timezone);
        goto out;
    }
    int rc = cli_run_inputs(&pr.pl, &o, argc - optind, argv + optind);
    if (cg_buf_write_fd(&pr.out, STDOUT_FILENO) != CG_OK && rc == CG_OK) {
        cg_log(CG_LOG_ERR, "write error: %s", strerror(errno));
        rc = CG_EIO;
    }
    if (o.stats)
        cli_stats_print(CLI_PARSE, &pr.pl.stats, NULL, stderr);
    cg_pipeline_fini(&pr.pl);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(nz);
    cg_buf_fini(&pr.out);
    cli_opts_fini(&o);
    return status;
}
