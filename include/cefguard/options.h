/*
 * options.h - one declarative option table per program (after Fluent Bit's config_map[]):
 * each entry says once what an option is called, what it takes, its default and range,
 * whether a reload may change it, its help text, the commands it belongs to and where its
 * value goes (an offset into the owner's config struct). Everything else is derived from
 * the table: command-line parsing (cg_opt_parse_argv builds getopt_long's arrays), value
 * validation with range checks, each command's --help text and a Markdown reference. A
 * config file or a man page reads the same table, so entries hold nothing getopt-specific.
 *
 * Values are parsed by type (cg_opt_set) and stored at conf + offset:
 *
 *   type              stored as            accepts
 *   CG_OPT_FLAG       bool                 no value on a command line: present means true;
 *                                          where a value is written (a configuration file,
 *                                          --set): true/false, yes/no, on/off, 1/0
 *   CG_OPT_HELP       nothing              no value; a request for the help (parsing stops)
 *   CG_OPT_UINT       unsigned             decimal digits, min..max
 *   CG_OPT_SIZE       size_t               decimal digits, min..max (unit names what: bytes)
 *   CG_OPT_YEAR       int                  decimal digits, min..max (1970..9999 typically)
 *   CG_OPT_DURATION   int64_t, microsecs   "0" or digits and a unit: 500ms 90s 15m 2h 1d;
 *                                          min..max in microseconds
 *   CG_OPT_STRING     const char *         any text
 *   CG_OPT_TIMEZONE   const char *         any text: the user resolves the zone ("UTC",
 *                                          "+09:00", "Asia/Tokyo") and reports a bad one
 *   CG_OPT_LISTEN     const char *         an address to bind: endpoint.h without names
 *                                          ("127.0.0.1:5514", "[::1]:0", "*:514")
 *   CG_OPT_ENDPOINT   const char *         an address or host name and port to connect to
 *                                          ("logs.example.net:6514")
 *   CG_OPT_PATHS      struct cg_opt_paths  any text, repeatable: each use appends {value,
 *                                          entry's tag}; entries sharing an offset append
 *                                          to one list, in the order given
 *
 * Digits only: no sign, no spaces, no "0x"; a value beyond the range (or beyond 64 bits)
 * is refused. Text values are borrowed: conf points into the argument (argv, the table's
 * default) and does not own it. Help and Markdown show arg and def as they are (in
 * Markdown, as code spans); help texts and def_text are escaped for Markdown.
 */
#ifndef CEFGUARD_OPTIONS_H
#define CEFGUARD_OPTIONS_H

#include "cefguard/buf.h"
#include "cefguard/common.h"

enum cg_opt_type {
    CG_OPT_FLAG,
    CG_OPT_HELP,
    CG_OPT_UINT,
    CG_OPT_SIZE,
    CG_OPT_YEAR,
    CG_OPT_DURATION,
    CG_OPT_STRING,
    CG_OPT_TIMEZONE,
    CG_OPT_LISTEN,
    CG_OPT_ENDPOINT,
    CG_OPT_PATHS,
};

struct cg_opt_path {
    const char *path; /* borrowed from the argument */
    unsigned tag;     /* the tag of the entry that added it */
};

/* What a CG_OPT_PATHS entry stores; cg_opt_fini frees it. */
struct cg_opt_paths {
    struct cg_opt_path *v;
    size_t n, cap;
};

struct cg_opt {
    const char *name; /* long name, "max-line": --max-line, and a config file's key */
    char short_name;  /* 'R' for -R, or 0 */
    enum cg_opt_type type;
    const char *arg;      /* the value's name in help ("FILE", "N"); NULL when it takes none */
    const char *unit;     /* numeric types: what the number counts ("bytes"), or NULL */
    const char *def;      /* the default, as text parsed like a value; NULL: conf's zero */
    const char *def_text; /* how help shows the default when def cannot ("from the clock") */
    uint64_t min, max;    /* numeric types: the accepted range (durations in microseconds) */
    bool reloadable;      /* a running daemon may change it on reload */
    unsigned commands;    /* bit i set: the option belongs to command i of the table */
    size_t offset;        /* where the value goes: offsetof(the config struct, member) */
    unsigned tag;         /* CG_OPT_PATHS: the tag its items take */
    const char *help;     /* what it does, a phrase without a final period */
};

struct cg_opt_table {
    const struct cg_opt *v;
    size_t n;
    const char *const *commands; /* commands[i]: the name of command bit i */
    size_t ncommands;
};

/* Checks the table itself: names and short letters (alphanumeric) unique in the table,
 * commands the table names, an arg name exactly on the options that take a value, sane
 * numeric ranges within the type, a def or def_text on every option that takes a value,
 * every def parsing and in range, no def on a list. The parsers trust a checked table (a
 * unit test checks each program's). CG_OK, or CG_EINVAL with a line
 * "option NAME: problem" for each bad entry appended to err. */
int cg_opt_check(const struct cg_opt_table *t, struct cg_buf *err);

/* Stores every entry's default into conf, which the caller zeroed. CG_OK, or CG_EINVAL
 * (a default that does not parse: cg_opt_check reports it) with a message in err. */
int cg_opt_defaults(const struct cg_opt_table *t, void *conf, struct cg_buf *err);

/* Parses text (NULL for FLAG and HELP) as o's value and stores it in conf. CG_OK;
 * CG_EINVAL with what was expected appended to err ("expected a whole number from 64
 * to 1073741824"; the caller names the option and the value); CG_ENOMEM (lists). */
int cg_opt_set(const struct cg_opt *o, const char *text, void *conf, struct cg_buf *err);

/* Frees what cg_opt_set allocated in conf (the lists); conf's other values stay. */
void cg_opt_fini(const struct cg_opt_table *t, void *conf);

/* How a command line ended. */
struct cg_opt_argv {
    int first; /* index in argv of the first operand (getopt_long moves operands last) */
    bool help; /* a CG_OPT_HELP option was given; parsing stopped at it */
};

/* Parses argv[1..] with getopt_long over the entries of command bit `command` (argv[0] is
 * the command name; getopt's state is reset first) and stores each value in conf.
 * CG_OK (res->help says whether help was asked for); CG_EINVAL: a bad value, err has
 * "bad value 'V' for --NAME: expected ..." (control bytes of V shown as '?');
 * CG_ENOENT: an option the command does not have, or one missing its value (getopt_long
 * has said which on stderr, prefixed with argv[0]); CG_ENOMEM. Uses getopt's globals
 * (optind is left at res->first): one parse at a time. */
int cg_opt_parse_argv(const struct cg_opt_table *t, unsigned command, int argc, char **argv,
                      void *conf, struct cg_opt_argv *res, struct cg_buf *err);

/* Appends the help lines of the entries that belong to any command in the mask commands,
 * in table order: "  -R, --rulebase FILE         load ... (repeatable)" with the help
 * wrapped to lines of at most 99 columns and the range and default in parentheses. */
int cg_opt_help(const struct cg_opt_table *t, unsigned commands, struct cg_buf *out);

/* Appends a Markdown table of every entry: option, value (with range or "repeatable"),
 * default, reload, commands, description. */
int cg_opt_markdown(const struct cg_opt_table *t, struct cg_buf *out);

/* The same as a configuration file's keys: key, value, default, description. */
int cg_opt_markdown_keys(const struct cg_opt_table *t, struct cg_buf *out);

#endif
