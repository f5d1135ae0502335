/*
 * cmd_ctl.c - `cefguard stats` and `cefguard reload`: one request to the running instance
 * over the control socket in its state directory (control.h), the directory found as the
 * service finds it (-c FILE, --set state-dir=DIR, --state-dir DIR, $STATE_DIRECTORY).
 */
#include "cefguard/cli.h"

#include "cli_config.h"

#include "cefguard/control.h"

#include <stdio.h>

#define CTL_TIMEOUT_US (10 * 1000000LL) /* a reload loads every rulebase again */

static int ctl_command(enum cli_command command, const char *request, int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    int status = cli_opts_parse(&o, command, argc, argv);
    cli_opts_fini(&o);
    if (status >= 0)
        return status;
    struct cg_config cfg;
    struct cg_buf err, reply;
    cg_buf_init(&err);
    cg_buf_init(&reply);
    int rc = cli_config_load(&o, &cfg, command, argc, argv, &err);
    status = 2;
    if (rc == CG_OK) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/control.sock", cg_service_state_dir(&o.service));
        rc = cg_control_call(path, request, CTL_TIMEOUT_US, &reply, &err);
        status = rc == CG_OK ? 0 : 1;
    }
    fwrite(reply.p, 1, reply.n, stdout);
    if (err.n)
        fprintf(stderr, "cefguard %s: %s%s", request, cg_buf_cstr(&err),
                err.p[err.n - 1] == '\n' ? "" : "\n");
    cg_buf_fini(&err);
    cg_buf_fini(&reply);
    cli_opts_fini(&o);
    cg_config_fini(&cfg);
    return status;
}

int cg_cmd_stats(int argc, char **argv)
{
    return ctl_command(CLI_STATS, "stats", argc, argv);
}

int cg_cmd_reload(int argc, char **argv)
{
    return ctl_command(CLI_RELOAD, "reload", argc, argv);
}
