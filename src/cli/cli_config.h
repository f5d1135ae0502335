/*
 * cli_config.h - the settings of the service's commands (run, omprog, check -c, stats,
 * reload): the option defaults, then the configuration file (-c, else the bundled one),
 * then what the command line says, then each --set (private to the command files).
 */
#ifndef CEFGUARD_CLI_CONFIG_H
#define CEFGUARD_CLI_CONFIG_H

#include "cli_opts.h"

#include "cefguard/config.h"

/* Fills o (cli_opts_init'ed here) and cfg (initialised here over o: fini both, cfg last)
 * for command from argv, which cli_opts_parse has accepted. Messages, each
 * "file:line:column: message" or "--set KEY: message", go to err. CG_OK, CG_EPARSE,
 * CG_EINVAL, CG_EIO, CG_ENOMEM. */
int cli_config_load(struct cli_opts *o, struct cg_config *cfg, enum cli_command command, int argc,
                    char **argv, struct cg_buf *err);

#endif
