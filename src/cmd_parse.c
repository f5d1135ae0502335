/*
 * cmd_parse.c - `cefguard parse`: every input line -> one normalized JSON event.
 *
 * The stages are wired here the way the pipeline will wire them:
 * framing -> decode -> normalize -> output. Lines are never dropped: a line that
 * nothing decodes becomes a raw event with a reason, is counted and logged
 * (rate-limited), and the stream goes on.
 */
#include "cefguard/cli.h"
#include "cefguard/decode.h"
#include "cefguard/framing.h"
#include "cefguard/json.h"
#include "cefguard/log.h"
#include "cefguard/normalize.h"
#include "cefguard/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_FLUSH_AT (1 << 20)

struct parse_opts {
    const char **rulebases; /* files and directories, in order */
    bool *is_dir;
    size_t nrulebases;
    bool default_rulebases;
    bool stats;
    size_t max_line;
    size_t max_fields;
    struct cg_syslog_opts syslog;
};

static void parse_usage(FILE *f)
{
    fprintf(f,
            "usage: cefguard parse [options] [FILE...]\n"
            "Decodes each line of FILE (or stdin) and writes one normalized JSON event per line.\n"
            "\n"
            "  -R, --rulebase FILE       load a liblognorm v2 rulebase (repeatable)\n"
            "      --rulebase-dir DIR    load every *.rulebase in DIR (repeatable)\n"
            "      --no-default-rulebases  do not load the shipped rulebases\n"
            "      --timezone TZ         zone of RFC 3164 stamps: UTC (default), +09:00, Asia/Tokyo\n"
            "      --year YYYY           year of the first undated (RFC 3164) stamp; later ones\n"
            "                            follow the stream (default: inferred from the clock)\n"
            "      --max-line BYTES      longer lines become raw events 'line_too_long' (default %d)\n"
            "      --max-fields N        fields kept per event (default %d)\n"
            "      --stats               print counters to stderr at the end\n"
            "  -q, --quiet               do not log rejected lines\n",
            CG_MAX_LINE_DEFAULT, CG_FIELDS_DEFAULT_MAX);
}

/* Shipped rulebases: $CEFGUARD_RULEBASE_DIR, else the installed copy, else the
 * source tree the binary was built from (so a build works before install). */
static const char *default_rulebase_dir(void)
{
    const char *env = getenv("CEFGUARD_RULEBASE_DIR");
    if (env && *env)
        return env;
    struct stat st;
    if (stat(CG_INSTALL_RULEBASE_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return CG_INSTALL_RULEBASE_DIR;
    if (stat(CG_SOURCE_RULEBASE_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return CG_SOURCE_RULEBASE_DIR;
    return NULL;
}

static bool parse_size(const char *s, size_t min, size_t max, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = (size_t)v;
    return true;
}

static int add_rulebase(struct parse_opts *o, const char *path, bool dir)
{
    const char **r = realloc(o->rulebases, (o->nrulebases + 1) * sizeof(*r));
    if (!r)
        return CG_ENOMEM;
    o->rulebases = r;
    bool *d = realloc(o->is_dir, (o->nrulebases + 1) * sizeof(*d));
    if (!d)
        return CG_ENOMEM;
    o->is_dir = d;
    o->rulebases[o->nrulebases] = path;
    o->is_dir[o->nrulebases++] = dir;
    return CG_OK;
}

/* Returns -1 to continue, or an exit status. */
static int parse_args(int argc, char **argv, struct parse_opts *o)
{
    enum { OPT_DIR = 256, OPT_NODEF, OPT_TZ, OPT_YEAR, OPT_MAXLINE, OPT_MAXFIELDS, OPT_STATS };
    static const struct option longopts[] = {
        {"rulebase", required_argument, NULL, 'R'},
        {"rulebase-dir", required_argument, NULL, OPT_DIR},
        {"no-default-rulebases", no_argument, NULL, OPT_NODEF},
        {"timezone", required_argument, NULL, OPT_TZ},
        {"year", required_argument, NULL, OPT_YEAR},
        {"max-line", required_argument, NULL, OPT_MAXLINE},
        {"max-fields", required_argument, NULL, OPT_MAXFIELDS},
        {"stats", no_argument, NULL, OPT_STATS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    size_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "R:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'R':
        case OPT_DIR:
            if (add_rulebase(o, optarg, c == OPT_DIR) != CG_OK)
                return 1;
            break;
        case OPT_NODEF: o->default_rulebases = false; break;
        case OPT_TZ: o->syslog.timezone = optarg; break;
        case OPT_YEAR:
            if (!parse_size(optarg, 1970, 9999, &v)) {
                fprintf(stderr, "cefguard parse: --year: expected 1970..9999, got '%s'\n", optarg);
                return 2;
            }
            o->syslog.year = (int)v;
            break;
        case OPT_MAXLINE:
            if (!parse_size(optarg, 64, (size_t)1 << 30, &o->max_line)) {
                fprintf(stderr, "cefguard parse: --max-line: expected 64..1073741824\n");
                return 2;
            }
            break;
        case OPT_MAXFIELDS:
            if (!parse_size(optarg, 1, 1000000, &o->max_fields)) {
                fprintf(stderr, "cefguard parse: --max-fields: expected 1..1000000\n");
                return 2;
            }
            break;
        case OPT_STATS: o->stats = true; break;
        case 'q': cg_log_set_level(CG_LOG_ERR); break;
        case 'h': parse_usage(stdout); return 0;
        default: parse_usage(stderr); return 2;
        }
    }
    return -1;
}

static int load_rulebases(struct cg_normalizer *nz, const struct parse_opts *o)
{
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = CG_OK;
    if (o->default_rulebases) {
        const char *dir = default_rulebase_dir();
        if (dir)
            rc = cg_normalizer_load_dir(nz, dir, &err);
        else
            cg_log(CG_LOG_WARN, "no shipped rulebase directory found; non-CEF lines stay raw");
    }
    for (size_t i = 0; rc == CG_OK && i < o->nrulebases; i++)
        rc = o->is_dir[i] ? cg_normalizer_load_dir(nz, o->rulebases[i], &err)
                          : cg_normalizer_load(nz, o->rulebases[i], &err);
    if (rc != CG_OK)
        fprintf(stderr, "%s", err.n ? cg_buf_cstr(&err) : "cefguard: cannot load rulebases\n");
    cg_buf_fini(&err);
    return rc;
}

static int flush_out(struct cg_buf *out)
{
    size_t off = 0;
    while (off < out->n) {
        ssize_t w = write(STDOUT_FILENO, out->p + off, out->n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return CG_EIO;
        off += (size_t)w;
    }
    cg_buf_clear(out);
    return CG_OK;
}

struct parse_run {
    struct cg_decoder dec;
    struct cg_normalizer *nz;
    struct cg_event ev;
    struct cg_buf out;
    struct cg_stats stats;
    struct cg_reject_log rlog;
    size_t max_line;
};

static int parse_line(struct parse_run *pr, const char *src, struct cg_str line, bool cut)
{
    struct cg_event *ev = &pr->ev;
    cg_event_reset(ev);
    pr->stats.lines++;
    if (cut) {
        ev->line = line;
        ev->reason = CG_REJ_LINE_TOO_LONG;
        ev->flags |= CG_EV_TRUNCATED;
    } else {
        cg_decode_line(&pr->dec, line.p, line.n, ev);
        cg_normalize(pr->nz, ev);
    }
    size_t bad = 0;
    if (cg_event_to_json(ev, &pr->out, &bad) != CG_OK || cg_buf_putc(&pr->out, '\n') != CG_OK)
        return CG_ENOMEM;
    pr->stats.invalid_utf8 += bad;
    cg_stats_count_event(&pr->stats, ev);
    if (ev->format == CG_FMT_RAW)
        cg_reject_log_event(&pr->rlog, src, pr->stats.lines, ev);
    return pr->out.n >= OUT_FLUSH_AT ? flush_out(&pr->out) : CG_OK;
}

static int parse_fd(struct parse_run *pr, int fd, const char *name)
{
    struct cg_linereader lr;
    if (cg_linereader_init(&lr, fd, pr->max_line) != CG_OK)
        return CG_ENOMEM;
    struct cg_str line;
    bool cut;
    int rc, got;
    while ((got = cg_linereader_next(&lr, &line, &cut)) == 1) {
        if ((rc = parse_line(pr, name, line, cut)) != CG_OK)
            break;
    }
    rc = got < 0 ? CG_EIO : (got == 0 ? CG_OK : rc);
    if (got < 0)
        cg_log(CG_LOG_ERR, "%s: read error: %s", name, strerror(errno));
    cg_linereader_fini(&lr);
    return rc;
}

static int parse_inputs(struct parse_run *pr, int nfiles, char **files)
{
    if (nfiles == 0)
        return parse_fd(pr, STDIN_FILENO, "<stdin>");
    int rc = CG_OK;
    for (int i = 0; i < nfiles && rc != CG_ENOMEM; i++) {
        int fd = strcmp(files[i], "-") == 0 ? STDIN_FILENO : open(files[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            cg_log(CG_LOG_ERR, "%s: %s", files[i], strerror(errno));
            rc = CG_EIO;
            continue;
        }
        int frc = parse_fd(pr, fd, files[i]);
        if (frc != CG_OK)
            rc = frc;
        if (fd != STDIN_FILENO)
            close(fd);
    }
    return rc;
}

int cg_cmd_parse(int argc, char **argv)
{
    struct parse_opts o = {.default_rulebases = true, .max_line = CG_MAX_LINE_DEFAULT};
    o.syslog.year_mode = CG_YEAR_STREAM;
    int status = parse_args(argc, argv, &o);
    struct parse_run pr = {.max_line = o.max_line};
    bool dec_ok = false;
    cg_event_init(&pr.ev, o.max_fields);
    cg_buf_init(&pr.out);
    cg_reject_log_init(&pr.rlog, 10, 10);
    if (status >= 0)
        goto out;
    status = 2;
    if (cg_decoder_init(&pr.dec, &o.syslog) != CG_OK) {
        fprintf(stderr, "cefguard parse: --timezone: unknown zone '%s'\n", o.syslog.timezone);
        goto out;
    }
    dec_ok = true;
    pr.nz = cg_normalizer_new();
    if (!pr.nz || load_rulebases(pr.nz, &o) != CG_OK)
        goto out;
    int rc = parse_inputs(&pr, argc - optind, argv + optind);
    if (flush_out(&pr.out) != CG_OK && rc == CG_OK) {
        cg_log(CG_LOG_ERR, "write error: %s", strerror(errno));
        rc = CG_EIO;
    }
    if (o.stats)
        cg_stats_write(&pr.stats, stderr);
    status = rc == CG_OK ? 0 : 1;
out:
    cg_normalizer_free(pr.nz);
    if (dec_ok)
        cg_decoder_fini(&pr.dec);
    cg_event_fini(&pr.ev);
    cg_buf_fini(&pr.out);
    free(o.rulebases);
    free(o.is_dir);
    return status;
}
