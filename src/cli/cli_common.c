/* cli_common.c - set-up shared by the subcommands (see cli_common.h). */
#include "cli_common.h"

#include "cefguard/engine.h"
#include "cefguard/framing.h"
#include "cefguard/log.h"
#include "cefguard/sink_jsonl.h"
#include "cefguard/source_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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
    if (!o->no_default_rulebases) {
        const char *dir =
            first_dir("CEFGUARD_RULEBASE_DIR", CG_INSTALL_RULEBASE_DIR, CG_SOURCE_RULEBASE_DIR);
        if (dir)
            rc = cg_normalizer_load_dir(nz, dir, &err);
        else
            cg_log(CG_LOG_WARN, "no shipped rulebase directory found; non-CEF lines stay raw");
    }
    for (size_t i = 0; rc == CG_OK && i < o->rulebases.n; i++) {
        const struct cg_opt_path *rb = &o->rulebases.v[i];
        rc = rb->tag == CLI_RULEBASE_DIR ? cg_normalizer_load_dir(nz, rb->path, &err)
                                         : cg_normalizer_load(nz, rb->path, &err);
    }
    if (rc != CG_OK) {
        fprintf(stderr, "%s", err.n ? cg_buf_cstr(&err) : "cefguard: cannot load rulebases\n");
        cg_normalizer_free(nz);
        nz = NULL;
    }
    cg_buf_fini(&err);
    return nz;
}

/* A record (output: chain) that no loaded rule chains on would be made for nobody: an
 * error, so a rule file loaded without its chained rule (or a renamed one) is not silently
 * quiet. Asks the engine's index, as chaining does; only when there are records. */
static int check_records(const struct cg_ruleset *rs)
{
    size_t nrec = 0;
    for (size_t i = 0; i < rs->n; i++)
        nrec += rs->rules[i]->output == CG_OUTPUT_CHAIN;
    if (!nrec)
        return CG_OK;
    struct cg_engine *e = cg_engine_new(rs, NULL, NULL, NULL);
    if (!e)
        return CG_ENOMEM;
    int rc = CG_OK;
    for (size_t i = 0; i < rs->n; i++) {
        const struct cg_rule *r = rs->rules[i];
        if (r->output != CG_OUTPUT_CHAIN || cg_engine_chained(e, r))
            continue;
        fprintf(stderr,
                "%s:%u: rule '%s' has 'output: chain' but no loaded rule chains on its alerts, so "
                "its records would reach nobody (match them with format: internal, vendor: "
                "cefguard, name: %s)\n",
                r->file, r->line, r->id, r->id);
        rc = CG_EPARSE;
    }
    cg_engine_free(e);
    return rc;
}

int cli_load_rules(const struct cli_opts *o, struct cg_ruleset *rs)
{
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = CG_OK;
    if (o->rules.n == 0) {
        const char *dir = cli_default_rules_dir();
        if (!dir) {
            fprintf(stderr, "cefguard: no rules given (-r) and no shipped rules found\n");
            rc = CG_ENOENT;
        } else {
            rc = cg_ruleset_load(rs, dir, &err);
        }
    }
    for (size_t i = 0; i < o->rules.n; i++) {
        int r = cg_ruleset_load(rs, o->rules.v[i].path, &err);
        if (r != CG_OK && rc == CG_OK)
            rc = r;
    }
    /* Chained rule names may point into any of the files: checked once all are loaded. */
    if (rc == CG_OK)
        rc = cg_ruleset_check_refs(rs, &err);
    if (err.n)
        fprintf(stderr, "%s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return rc == CG_OK ? check_records(rs) : rc;
}

void cli_pipeline_opts(const struct cli_opts *o, struct cg_normalizer *nz,
                       struct cg_pipeline_opts *po)
{
    memset(po, 0, sizeof(*po));
    po->syslog = o->syslog;
    po->max_fields = o->max_fields;
    po->nz = nz;
    po->engine.lateness_us = o->lateness_us;
    po->engine.max_state_bytes = o->max_state_bytes;
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
    if (cg_pipeline_flush(p) != CG_OK && rc == CG_OK) /* the sink logged it */
        rc = CG_EIO;
    return rc;
}
