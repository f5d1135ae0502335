/*
 * cmd_run.c - `cefguard run` and `cefguard omprog`: the service (service.h) over a build the
 * command line makes: the option defaults, then the configuration file (-c, or the bundled
 * one), then the command line's options, then each --set, then the rules and rulebases
 * they name. A reload (SIGHUP) makes a new build the same way from the same argv.
 */
#include "cefguard/cli.h"

#include "cli_common.h"
#include "cli_config.h"

#include "cefguard/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_build {
    struct cg_service_build b; /* first: the service frees through b.free */
    struct cli_opts o;
};

struct run_ctx {
    enum cli_command command;
    int argc;
    char **argv;
};

static void build_free(struct cg_service_build *b)
{
    struct cli_build *cb = (struct cli_build *)b;
    cg_normalizer_free(b->nz);
    cg_ruleset_fini(&b->rules);
    cli_opts_fini(&cb->o);
    cg_config_fini(&b->cfg);
    free(cb);
}

static int run_load(void *ctx, struct cg_service_build **out, struct cg_buf *err)
{
    const struct run_ctx *rc_ = ctx;
    *out = NULL;
    struct cli_build *cb = calloc(1, sizeof(*cb));
    if (!cb)
        return CG_ENOMEM;
    struct cg_service_build *b = &cb->b;
    b->free = build_free;
    cg_ruleset_init(&b->rules);
    int rc = cli_config_load(&cb->o, &b->cfg, rc_->command, rc_->argc, rc_->argv, err);
    if (rc == CG_OK)
        rc = cli_load_rules(&cb->o, &b->rules);
    if (rc == CG_OK && !(b->nz = cli_load_rulebases(&cb->o)))
        rc = CG_EPARSE;
    if (rc != CG_OK) {
        build_free(b);
        return rc;
    }
    cli_pipeline_opts(&cb->o, b->nz, &b->popts);
    b->svc = cb->o.service;
    b->svc.max_line = cb->o.max_line;
    *out = b;
    return CG_OK;
}

static int run_command(enum cli_command command, int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    int status = cli_opts_parse(&o, command, argc, argv);
    cli_opts_fini(&o);
    if (status >= 0)
        return status;
    struct run_ctx ctx = {command, argc, argv};
    const struct cg_service_loader ld = {&ctx, run_load};
    return cg_service_run(&ld, command == CLI_RUN ? CG_SERVICE_RUN : CG_SERVICE_OMPROG);
}

int cg_cmd_run(int argc, char **argv)
{
    return run_command(CLI_RUN, argc, argv);
}

int cg_cmd_omprog(int argc, char **argv)
{
    return run_command(CLI_OMPROG, argc, argv);
}
