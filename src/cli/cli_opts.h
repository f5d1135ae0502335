/*
 * cli_opts.h - cefguard's options: the one table every command's parsing, --help and
 * the README's option reference come from (private to the command files).
 */
#ifndef CEFGUARD_CLI_OPTS_H
#define CEFGUARD_CLI_OPTS_H

#include "cefguard/options.h"
#include "cefguard/service.h"
#include "cefguard/syslog.h"

#include <stdio.h>

/* The commands, as the bits of cg_opt.commands. */
enum cli_command {
    CLI_PARSE = 1u << 0,
    CLI_REPLAY = 1u << 1,
    CLI_CHECK = 1u << 2,
    CLI_TEST = 1u << 3,
    CLI_RUN = 1u << 4,    /* the service on the configured inputs */
    CLI_OMPROG = 1u << 5, /* the service as rsyslog's omprog program */
    CLI_STATS = 1u << 6,  /* asks a running service for its counters */
    CLI_RELOAD = 1u << 7, /* asks a running service to reload */
};

/* Tags of cli_opts.rulebases: which option named the path. */
enum cli_rulebase_tag {
    CLI_RULEBASE_FILE, /* -R FILE */
    CLI_RULEBASE_DIR,  /* --rulebase-dir DIR */
};

/* Every command's settings; cli_opts_parse fills what the command line says. Paths and
 * strings point into argv. */
struct cli_opts {
    struct cg_opt_paths rulebases; /* -R and --rulebase-dir, in command-line order */
    bool no_default_rulebases;
    struct cg_opt_paths rules; /* -r: rule files / directories; empty: the shipped rules */
    bool stats;
    bool events;
    bool quiet;
    bool verbose;
    size_t max_line;
    size_t max_fields;
    int64_t lateness_us;
    size_t max_state_bytes;
    struct cg_syslog_opts syslog; /* timezone and year from the options */
    const char *config;           /* -c FILE (run, omprog, check, stats, reload) */
    struct cg_opt_paths sets;     /* --set KEY=VALUE, in order */
    struct cg_service_opts service;
};

extern const struct cg_opt_table cli_opts_table;

/* init makes o safe to fini (zero, the stream year rule); fini frees the lists. */
void cli_opts_init(struct cli_opts *o);
void cli_opts_fini(struct cli_opts *o);

/* Applies the defaults, then the options of argv (argv[0]: the command's name) for
 * command. -1: go on, optind is the first operand; otherwise the exit status, after
 * printing what is due: the help (0), getopt's complaint and the usage, a bad value, or
 * an operand the command does not take (2). -q lowers the log level. */
int cli_opts_parse(struct cli_opts *o, enum cli_command command, int argc, char **argv);

/* Parses argv again into o without applying the defaults first (they were, and a
 * configuration file was read over them): what the command line says wins. cli_opts_parse
 * has accepted this argv already. CG_OK or the error of cg_opt_parse_argv. */
int cli_opts_reparse(struct cli_opts *o, enum cli_command command, int argc, char **argv,
                     struct cg_buf *err);

/* The command's help: "usage: cefguard NAME ...", what it does, its options. */
void cli_opts_usage(enum cli_command command, FILE *f);

/* Appends the reference of every option: Markdown (for the README), or help text. */
int cli_opts_reference(bool markdown, struct cg_buf *out);

/* The command whose name is name, or 0. */
enum cli_command cli_opts_command(const char *name);

/* Writes "WHO: WHAT 'ARG'" to stderr, ARG escaped (cg_log_put_name): an argument is
 * bytes, and may be a file name. */
void cli_complain(const char *who, const char *what, const char *arg);

#endif
