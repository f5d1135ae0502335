/* cli_common.c - options and set-up shared by the subcommands (see cli_common.h). */
#include "cli_common.h"

#include "cefguard/framing.h"
#include "cefguard/log.h"
#include "cefguard/sink_jsonl.h"
#include "cefguard/source_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_opts_init(struct cli_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->default_rulebases = true;
    o->max_line = CG_MAX_LINE_DEFAULT;
    o->syslog.year_mode = CG_YEAR_STREAM;
}

void cli_opts_fini(struct cli_opts *o)
{
    free(o->rulebases);
    free(o->rulebase_is_dir);
    free(o->rules);
}

static bool parse_size(const char *s, size_t min, size_t max, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < min || v > max)
        return false;
    *out = (size_t)v;
    return true;
}

static int push(const char ***list, size_t *n, const char *v)
{
    const char **l = realloc(*list, (*n + 1) * sizeof(*l));
    if (!l)
        return -1;
    l[(*n)++] = v;
    *list = l;
    return 1;
}

static int add_rulebase(struct cli_opts *o, const char *path, bool dir)
{
    bool *d = realloc(o->rulebase_is_dir, (o->nrulebases + 1) * sizeof(*d));
    if (!d)
        return -1;
    o->rulebase_is_dir = d;
    d[o->nrulebases] = dir;
    return push(&o->rulebases, &o->nrulebases, path);
}

int cli_opt(struct cli_opts *o, int c, const char *arg, const char *cmd)
{
    size_t v;
    switch (c) {
    case OPT_RULEBASE: return add_rulebase(o, arg, false);
    case OPT_RULEBASE_DIR: return add_rulebase(o, arg, true);
    case OPT_RULES: return push(&o->rules, &o->nrules, arg);
    case OPT_NO_DEFAULT_RULEBASES: o->default_rulebases = false; return 1;
    case OPT_TIMEZONE: o->syslog.timezone = arg; return 1;
    case OPT_STATS: o->stats = true; return 1;
    case OPT_EVENTS: o->events = true; return 1;
    case OPT_QUIET:
        o->quiet = true;
        cg_log_set_level(CG_LOG_ERR);
        return 1;
    case OPT_YEAR:
        if (!parse_size(arg, 1970, 9999, &v))
            break;
        o->syslog.year = (int)v;
        return 1;
    case OPT_MAX_LINE:
        if (!parse_size(arg, 64, (size_t)1 << 30, &o->max_line))
            break;
        return 1;
    case OPT_MAX_FIELDS:
        if (!parse_size(arg, 1, 1000000, &o->max_fields))
            break;
        return 1;
    case OPT_LATENESS:
        if (!cg_duration_parse(arg, &o->lateness_us)) {
            if (strcmp(arg, "0") != 0)
                break;
            o->lateness_us = 0;
        }
        return 1;
    default: return 0;
    }
    fprintf(stderr, "cefguard %s: bad value '%s' for an option (see --help)\n", cmd, arg);
    return -1;
}

static const char *first_dir(const char *env, const char *installed, const char *source)
{
    const char *e = getenv(env);
    if (e && *e)
        return e;
    struct stat st;
    if (stat(installed, &st) == 0 && S_ISDIR(st.st_mode))
        return installed;
    if (stat(source, &st) == 0 && S_ISDIR(st.st_mode))
        return source;
    return NULL;
}

const char *cli_default_rules_dir(void)
{
    return first_dir("CEFGUARD_RULES_DIR", CG_INSTALL_RULES_DIR, CG_SOURCE_RULES_DIR);
}

struct cg_normalizer *cli_load_rulebases(const struct cli_opts *o)
{
    struct cg_normalizer *nz = cg_normalizer_new();
    if (!nz)
        return NULL;
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = CG_OK;
    if (o->default_rulebases) {
        const char *dir =
            first_dir("CEFGUARD_RULEBASE_DIR", CG_INSTALL_RULEBASE_DIR, CG_SOURCE_RULEBASE_DIR);
        if (dir)
            rc = cg_normalizer_load_dir(nz, dir, &err);
        else
            cg_log(CG_LOG_WARN, "no shipped rulebase directory found; non-CEF lines stay raw");
    }
    for (size_t i = 0; rc == CG_OK && i < o->nrulebases; i++)
        rc = o->rulebase_is_dir[i] ? cg_normalizer_load_dir(nz, o->rulebases[i], &err)
                                   : cg_normalizer_load(nz, o->rulebases[i], &err);
    if (rc != CG_OK) {
        fprintf(stderr, "%s", err.n ? cg_buf_cstr(&err) : "cefguard: cannot load rulebases\n");
        cg_normalizer_free(nz);
        nz = NULL;
    }
    cg_buf_fini(&err);
    return nz;
}

int cli_load_rules(const struct cli_opts *o, struct cg_ruleset *rs)
{
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = CG_OK;
    if (o->nrules == 0) {
        const char *dir = cli_default_rules_dir();
        if (!dir) {
            fprintf(stderr, "cefguard: no rules given (-r) and no shipped rules found\n");
            rc = CG_ENOENT;
        } else {
            rc = cg_ruleset_load(rs, dir, &err);
        }
    }
    for (size_t i = 0; i < o->nrules; i++) {
        int r = cg_ruleset_load(rs, o->rules[i], &err);
        if (r != CG_OK && rc == CG_OK)
            rc = r;
    }
    if (err.n)
        fprintf(stderr, "%s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return rc;
}

void cli_pipeline_opts(const struct cli_opts *o, struct cg_normalizer *nz,
                       struct cg_pipeline_opts *po)
{
    memset(po, 0, sizeof(*po));
    po->syslog = o->syslog;
    po->max_fields = o->max_fields;
    po->nz = nz;
    po->engine.lateness_us = o->lateness_us;
    po->log_rejects = !o->quiet;
}

int cli_run_inputs(struct cg_pipeline *p, const struct cli_opts *o, unsigned takes, int nfiles,
                   char **files)
{
    struct cg_sink_jsonl_conf out = {.takes = takes, .fd = STDOUT_FILENO, .stats = &p->stats};
    struct cg_source_file_conf in = {(const char *const *)files, (size_t)nfiles, o->max_line, 0};
    int rc = cg_pipeline_add_sink(p, &cg_sink_jsonl_ops, &out);
    if (rc == CG_OK)
        rc = cg_pipeline_add_source(p, &cg_source_file_ops, &in);
    if (rc != CG_OK)
        return rc;
    rc = cg_pipeline_run(p);
    if (rc == CG_OK)
        rc = cg_pipeline_finish(p);
    if (cg_pipeline_flush(p) != CG_OK && rc == CG_OK) {
        cg_log(CG_LOG_ERR, "write error: %s", strerror(errno));
        rc = CG_EIO;
    }
    return rc;
}
