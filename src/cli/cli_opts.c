/* cli_opts.c - cefguard's option table and each command's parsing and help (see cli_opts.h). */
#include "cli_opts.h"

#include "cefguard/log.h"

#include <getopt.h>

#define FILES (CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST) /* the commands on files */
#define SVC (CLI_RUN | CLI_OMPROG)                            /* the service */
#define CTL (CLI_STATS | CLI_RELOAD)                          /* asking a running service */
#define ALL (FILES | SVC)                                     /* the decoding options */
#define EVERY (ALL | CTL)
#define AT(member) offsetof(struct cli_opts, member)
#define DAY_US (86400ull * 1000000)

/* In help order: the options of the command first, then the decoding options every
 * command shares. Defaults here are the defaults; the values of framing.h and fields.h
 * are what a zero means to those modules, and the unit test keeps the two equal. Kept
 * out of clang-format, which would give every field a line of its own. */
/* clang-format off */
static const struct cg_opt opts[] = {
    {.name = "rules", .short_name = 'r', .type = CG_OPT_PATHS, .arg = "PATH",
     .def_text = "the shipped rules", .reloadable = true,
     .commands = CLI_REPLAY | CLI_CHECK | CLI_TEST | SVC, .offset = AT(rules),
     .help = "rule file, or directory of *.yml/*.yaml files read in name order"},
    {.name = "verbose", .short_name = 'v', .type = CG_OPT_FLAG, .commands = CLI_TEST,
     .offset = AT(verbose), .help = "print the alerts of failing cases"},
    {.name = "events", .type = CG_OPT_FLAG, .commands = CLI_REPLAY, .offset = AT(events),
     .help = "also print every normalized event, before the alerts its arrival caused"},
    {.name = "lateness", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "0", .min = 0,
     .max = 366 * DAY_US, .commands = CLI_REPLAY | SVC, .offset = AT(lateness_us),
     .help = "how late an event may arrive and still count"},
    {.name = "max-state-bytes", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes",
     .def = "268435456", .min = 65536, .max = 1ull << 44, .commands = CLI_REPLAY | SVC,
     .offset = AT(max_state_bytes),
     .help = "budget of the rules' state (keys, held events, timers); least recently used "
             "keys of the rule holding most are evicted past it"},
    {.name = "rulebase", .short_name = 'R', .type = CG_OPT_PATHS, .arg = "FILE",
     .def_text = "none", .reloadable = true, .commands = ALL, .offset = AT(rulebases),
     .tag = CLI_RULEBASE_FILE, .help = "load a liblognorm v2 rulebase after the shipped ones"},
    {.name = "rulebase-dir", .type = CG_OPT_PATHS, .arg = "DIR", .def_text = "none",
     .reloadable = true, .commands = ALL, .offset = AT(rulebases), .tag = CLI_RULEBASE_DIR,
     .help = "load every *.rulebase in DIR, in name order"},
    {.name = "no-default-rulebases", .type = CG_OPT_FLAG, .reloadable = true, .commands = ALL,
     .offset = AT(no_default_rulebases), .help = "do not load the shipped rulebases"},
    {.name = "timezone", .type = CG_OPT_TIMEZONE, .arg = "TZ", .def = "UTC", .commands = ALL,
     .offset = AT(syslog.timezone),
     .help = "zone of RFC 3164 stamps: UTC, an offset (+09:00) or an IANA name (Asia/Tokyo)"},
    {.name = "year", .type = CG_OPT_YEAR, .arg = "YYYY", .def_text = "from the clock",
     .min = 1970, .max = 9999, .commands = ALL, .offset = AT(syslog.year),
     .help = "year of the first undated RFC 3164 stamp; later ones follow the stream"},
    {.name = "max-clock-jump", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "1d",
     .min = 1000000, .max = 366 * DAY_US, .commands = ALL, .offset = AT(syslog.max_jump_us),
     .help = "a stamp farther than this from the clock is an outlier until confirmed"},
    {.name = "clock-confirm", .type = CG_OPT_UINT, .arg = "N", .def = "2", .min = 1,
     .max = 1000, .commands = ALL, .offset = AT(syslog.jump_confirm),
     .help = "further agreeing lines that confirm a jump beyond max-clock-jump"},
    {.name = "max-line", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "1048576",
     .min = 64, .max = 1u << 30, .commands = ALL, .offset = AT(max_line),
     .help = "longer lines become raw events 'line_too_long'"},
    {.name = "max-fields", .type = CG_OPT_SIZE, .arg = "N", .def = "1024", .min = 1,
     .max = 1000000, .commands = ALL, .offset = AT(max_fields),
     .help = "fields kept per event, the rest counted"},
    {.name = "stats", .type = CG_OPT_FLAG, .commands = FILES, .offset = AT(stats),
     .help = "print the counters to stderr at the end"},
    {.name = "quiet", .short_name = 'q', .type = CG_OPT_FLAG, .reloadable = true,
     .commands = ALL | CTL, .offset = AT(quiet), .help = "do not log rejected lines"},
    {.name = "config", .short_name = 'c', .type = CG_OPT_STRING, .arg = "FILE",
     .def_text = "the bundled configuration (cefguard help config)", .commands = SVC | CTL | CLI_CHECK,
     .offset = AT(config), .help = "the configuration file (YAML: these options, inputs, sinks); "
                                   "check -c validates it"},
    {.name = "set", .type = CG_OPT_PATHS, .arg = "KEY=VALUE", .def_text = "none",
     .commands = SVC | CTL | CLI_CHECK, .offset = AT(sets),
     .help = "override a setting of the configuration: max-line=4096, "
             "inputs.udp.listen=127.0.0.1:0, inputs.tcp=off (applied after the file, in order)"},
    {.name = "state-dir", .type = CG_OPT_STRING, .arg = "DIR",
     .def_text = "$STATE_DIRECTORY, else ./cefguard-state", .commands = SVC | CTL,
     .offset = AT(service.state_dir),
     .help = "where the state store, the lock and the control socket live (one instance each)"},
    {.name = "state-interval", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "60s",
     .min = 0, .max = DAY_US, .reloadable = false, .commands = SVC,
     .offset = AT(service.state_interval_us),
     .help = "how often the correlation state is saved (also at shutdown); 0: only at shutdown"},
    {.name = "state-sync", .type = CG_OPT_STRING, .arg = "MODE", .def = "normal",
     .commands = SVC, .offset = AT(service.state_sync),
     .help = "normal: what was committed survives cefguard being killed; full: also a power "
             "loss (an fsync per commit)"},
    {.name = "alert-retention", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "7d",
     .min = 60000000, .max = 366 * DAY_US, .commands = SVC,
     .offset = AT(service.alert_retention_us),
     .help = "how long the ids of delivered alerts are kept, so that input sent again after a "
             "crash does not repeat them"},
    {.name = "flush-interval", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "200ms",
     .min = 1000, .max = 60000000, .commands = SVC, .offset = AT(service.flush_interval_us),
     .help = "the wall-clock tick: deadlines fire (silence when nothing arrives) and the sinks "
             "are flushed"},
    {.name = "drain-timeout", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "5s",
     .min = 0, .max = 600000000, .commands = SVC, .offset = AT(service.drain_timeout_us),
     .help = "how long a stop waits for the sinks to send what they hold (a forwarder's queue)"},
    {.name = "http-listen", .type = CG_OPT_LISTEN, .arg = "HOST:PORT", .def_text = "off",
     .commands = SVC, .offset = AT(service.http_listen),
     .help = "serve Prometheus metrics at http://HOST:PORT/metrics (127.0.0.1:9108)"},
    {.name = "help", .short_name = 'h', .type = CG_OPT_HELP, .commands = EVERY,
     .help = "print this help and exit"},
};
/* clang-format on */

static const char *const command_names[] = {"parse", "replay", "check", "test",
                                            "run",   "omprog", "stats", "reload"};

const struct cg_opt_table cli_opts_table = {opts, CG_ARRAY_LEN(opts), command_names,
                                            CG_ARRAY_LEN(command_names)};

struct cli_opts_command {
    enum cli_command bit;
    bool operands; /* takes FILE... */
    const char *about;
};

static const struct cli_opts_command commands[] = {
    {CLI_PARSE, true,
     "Decodes each line of FILE (or stdin) and writes one normalized JSON event per line."},
    {CLI_REPLAY, true,
     "Runs log files (or stdin) through the rules on event time; one JSON alert per line."},
    {CLI_CHECK, false,
     "Validates rule files and rulebases; every error as file:line:column: message."},
    {CLI_TEST, false, "Runs the test cases of the rule files; PASS/FAIL per case."},
    {CLI_RUN, false,
     "Runs the service: syslog inputs, rules, alert sinks, state that survives "
     "restarts (SIGHUP reloads, SIGTERM stops)."},
    {CLI_OMPROG, false,
     "Runs as rsyslog's omprog program (confirmMessages=\"on\"): one OK per "
     "message once it is processed and durable."},
    {CLI_STATS, false, "Prints the counters of the running instance (its control socket)."},
    {CLI_RELOAD, false, "Asks the running instance to reload, as SIGHUP does; prints the outcome."},
};

static size_t command_index(enum cli_command command)
{
    size_t i = 0;
    while (i + 1 < CG_ARRAY_LEN(commands) && commands[i].bit != command)
        i++;
    return i;
}

enum cli_command cli_opts_command(const char *name)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(commands); i++)
        if (strcmp(command_names[i], name) == 0)
            return commands[i].bit;
    return 0;
}

void cli_opts_init(struct cli_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->syslog.year_mode = CG_YEAR_STREAM;
}

int cli_opts_reparse(struct cli_opts *o, enum cli_command command, int argc, char **argv,
                     struct cg_buf *err)
{
    struct cg_opt_argv res = {0};
    int rc = cg_opt_parse_argv(&cli_opts_table, command, argc, argv, o, &res, err);
    optind = res.first;
    return rc;
}

void cli_opts_fini(struct cli_opts *o)
{
    cg_opt_fini(&cli_opts_table, o);
}

void cli_opts_usage(enum cli_command command, FILE *f)
{
    size_t i = command_index(command);
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = cg_buf_printf(&b, "usage: cefguard %s [options]%s\n%s\n\n", command_names[i],
                           commands[i].operands ? " [FILE...]" : "", commands[i].about);
    if (rc == CG_OK)
        rc = cg_opt_help(&cli_opts_table, command, &b);
    fputs(rc == CG_OK ? cg_buf_cstr(&b) : "cefguard: out of memory\n", f);
    cg_buf_fini(&b);
}

int cli_opts_parse(struct cli_opts *o, enum cli_command command, int argc, char **argv)
{
    const char *name = command_names[command_index(command)];
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_opt_argv res = {0};
    int status = -1;
    int rc = cg_opt_defaults(&cli_opts_table, o, &err);
    if (rc == CG_OK)
        rc = cg_opt_parse_argv(&cli_opts_table, command, argc, argv, o, &res, &err);
    if (rc == CG_ENOENT) {
        cli_opts_usage(command, stderr);
        status = 2;
    } else if (rc != CG_OK) {
        fprintf(stderr, "cefguard %s: %s\n", name,
                rc == CG_ENOMEM ? "out of memory" : cg_buf_cstr(&err));
        status = 2;
    } else if (res.help) {
        cli_opts_usage(command, stdout);
        status = 0;
    } else if (res.first < argc && !commands[command_index(command)].operands) {
        char who[64];
        snprintf(who, sizeof(who), "cefguard %s", name);
        cli_complain(who, "unexpected argument", argv[res.first]);
        status = 2;
    } else if (o->quiet) {
        cg_log_set_level(CG_LOG_ERR);
    }
    optind = res.first;
    cg_buf_fini(&err);
    return status;
}

void cli_complain(const char *who, const char *what, const char *arg)
{
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = cg_log_put_name(&b, arg);
    fprintf(stderr, "%s: %s '%s'\n", who, what, rc == CG_OK ? cg_buf_cstr(&b) : "?");
    cg_buf_fini(&b);
}

int cli_opts_reference(bool markdown, struct cg_buf *out)
{
    if (!markdown)
        return cg_opt_help(&cli_opts_table, EVERY, out);
    int rc = cg_buf_puts(out, "The options of every command, from the table in "
                              "`src/cli/cli_opts.c` (`cefguard help options --markdown` prints "
                              "this section, `cefguard COMMAND --help` the options of one "
                              "command). *reload*: whether a running daemon may change the "
                              "option on reload.\n\n");
    return rc == CG_OK ? cg_opt_markdown(&cli_opts_table, out) : rc;
}
