/*
 * cmd_replay.c - `cefguard replay`: log files through the rule engine on event
 * time; alerts to stdout (and with --events every normalized event, in order,
 * each followed by the alerts its arrival caused, deadlines it moved the clock
 * past included). At the end of input pending windows resolve in event-time order.
 */
#include "cefguard/alert.h"
#include "cefguard/cli.h"
#include "cefguard/json.h"
#include "cefguard/log.h"

#include "cli_common.h"
#include "cli_stats.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define OUT_FLUSH_AT (1 << 20)

struct replay_run {
    struct cg_pipeline pl;
    struct cg_buf out;
};

static int on_alert(void *ctx, const struct cg_alert *a)
{
    struct replay_run *rr = ctx;
    if (cg_alert_to_json(a, &rr->out) != CG_OK || cg_buf_putc(&rr->out, '\n') != CG_OK)
        return CG_ENOMEM;
    return rr->out.n >= OUT_FLUSH_AT ? cg_buf_write_fd(&rr->out, STDOUT_FILENO) : CG_OK;
}

static int on_event(void *ctx, struct cg_event *ev)
{
    struct replay_run *rr = ctx;
    size_t bad = 0;
    if (cg_event_to_json(ev, &rr->out, &bad) != CG_OK || cg_buf_putc(&rr->out, '\n') != CG_OK)
        return CG_ENOMEM;
    rr->pl.stats.invalid_utf8 += bad;
    return rr->out.n >= OUT_FLUSH_AT ? cg_buf_write_fd(&rr->out, STDOUT_FILENO) : CG_OK;
}

int cg_cmd_replay(int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    struct replay_run rr = {0};
    cg_buf_init(&rr.out);
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
    po.on_alert = on_alert;
    po.on_event = o.events ? on_event : NULL;
    po.ctx = &rr;
    if (cg_pipeline_init(&rr.pl, &po) != CG_OK) {
        fprintf(stderr, "cefguard replay: --timezone: unknown zone '%s'\n", o.syslog.timezone);
        goto out;
    }
    int rc = cli_run_inputs(&rr.pl, &o, argc - optind, argv + optind);
    if (rc == CG_OK)
        rc = cg_pipeline_finish(&rr.pl);
    if (cg_buf_write_fd(&rr.out, STDOUT_FILENO) != CG_OK && rc == CG_OK) {
        cg_log(CG_LOG_ERR, "write error: %s", strerror(errno));
        rc = CG_EIO;
    }
    if (o.stats)
        cli_stats_print(CLI_REPLAY, &rr.pl.stats, cg_engine_stats(rr.pl.engine), stderr);
    cg_pipeline_fini(&rr.pl);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(nz);
    cg_ruleset_fini(&rs);
    cg_buf_fini(&rr.out);
    cli_opts_fini(&o);
    return status;
}
