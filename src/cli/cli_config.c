/* cli_config.c - defaults, file, command line, --set (see cli_config.h). */
#include "cli_config.h"

#include "cefguard/service.h"

#include <string.h>

int cli_config_load(struct cli_opts *o, struct cg_config *cfg, enum cli_command command, int argc,
                    char **argv, struct cg_buf *err)
{
    cli_opts_init(o);
    /* the file's keys and --set's are the service's settings, whichever command reads them */
    cg_config_init(cfg, &cli_opts_table, CLI_RUN | CLI_OMPROG, o, cg_service_types,
                   cg_service_ntypes);
    /* the file's name comes from the command line, which is read again after the file */
    struct cli_opts first;
    cli_opts_init(&first);
    int rc = cg_opt_defaults(&cli_opts_table, &first, err);
    if (rc == CG_OK)
        rc = cli_opts_reparse(&first, command, argc, argv, err);
    const char *path = first.config;
    cli_opts_fini(&first);
    if (rc == CG_OK)
        rc = cg_opt_defaults(&cli_opts_table, o, err);
    if (rc == CG_OK)
        rc = path ? cg_config_read(cfg, path, NULL, NULL, err)
                  : cg_config_read(cfg, NULL, "<bundled configuration>", cg_service_default_config,
                                   err);
    if (rc == CG_OK && (o->config || o->sets.n)) {
        cg_buf_printf(err, "%s: 'config' and 'set' are command-line options only\n", cfg->path);
        rc = CG_EPARSE;
    }
    if (rc != CG_OK)
        return rc;
    rc = cli_opts_reparse(o, command, argc, argv, err);
    for (size_t i = 0; rc == CG_OK && i < o->sets.n; i++)
        rc = cg_config_set(cfg, o->sets.v[i].path, err);
    if (rc == CG_OK)
        rc = cg_config_finish(cfg, err);
    const char *sync = o->service.state_sync;
    if (rc == CG_OK && sync && strcmp(sync, "normal") != 0 && strcmp(sync, "full") != 0) {
        cg_buf_printf(err, "state-sync: expected normal or full, not '%s'\n", sync);
        rc = CG_EINVAL;
    }
    return rc;
}
