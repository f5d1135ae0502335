/*
 * cmd_test.c - `cefguard check` (validate rule files and rulebases) and
 * `cefguard test` (run the test cases that rule files carry).
 *
 * A test case feeds its input lines through the same pipeline as `replay`, with
 * every loaded rule, then compares: the number of alerts must equal the number
 * of expected entries, and in order each expected path must have the expected
 * value in the alert's JSON (see alert.h). A path walks objects by key, taking
 * the longest key that matches ("key.fields.target" finds the key "fields.target"
 * of "key"), and arrays by index ("events.0.name").
 */
#include "cefguard/cli.h"
#include "cefguard/log.h"
#include "cefguard/sink_jsonl.h"
#include "cefguard/source_mem.h"

#include "cli_common.h"
#include "cli_config.h"

#include <libfastjson/json.h>
#include <stdio.h>
#include <stdlib.h>

int cg_cmd_check(int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    struct cg_ruleset rs;
    cg_ruleset_init(&rs);
    int status = cli_opts_parse(&o, CLI_CHECK, argc, argv);
    struct cg_config cfg;
    bool with_config = status < 0 && (o.config || o.sets.n);
    if (with_config) { /* check -c: the service's configuration, then what it names */
        struct cg_buf err;
        cg_buf_init(&err);
        cli_opts_fini(&o);
        int rc = cli_config_load(&o, &cfg, CLI_CHECK, argc, argv, &err);
        fputs(cg_buf_cstr(&err), stderr);
        cg_buf_fini(&err);
        if (rc != CG_OK)
            status = 1;
        else
            printf("ok: %s: %zu inputs, %zu sinks\n", cfg.path, cfg.inputs.n, cfg.sinks.n);
    }
    if (status < 0) {
        int rc = cli_load_rules(&o, &rs);
        struct cg_normalizer *nz = cli_load_rulebases(&o);
        if (rc == CG_OK && nz) {
            printf("ok: %zu rules, %zu tests in %zu files; %zu rulebases\n", rs.n, rs.ntests,
                   rs.nfiles, cg_normalizer_nrulebases(nz));
            status = 0;
        } else {
            status = 1;
        }
        cg_normalizer_free(nz);
    }
    cg_ruleset_fini(&rs);
    cli_opts_fini(&o);
    if (with_config)
        cg_config_fini(&cfg);
    return status;
}

/* ---- test -------------------------------------------------------------------------------- */

/* Walks path from v. True when the path exists; *out is its value (NULL for a JSON
 * null, as libfastjson represents it). Keys are tried longest first, so keys that
 * contain dots ("fields.target") are found. */
static bool json_walk(struct fjson_object *v, const char *path, struct fjson_object **out)
{
    if (!*path) {
        *out = v;
        return true;
    }
    if (!v)
        return false;
    if (fjson_object_get_type(v) == fjson_type_array) {
        char *end;
        long i = strtol(path, &end, 10);
        if (end == path || (*end && *end != '.') || i < 0 ||
            i >= (long)fjson_object_array_length(v))
            return false;
        return json_walk(fjson_object_array_get_idx(v, (int)i), *end ? end + 1 : end, out);
    }
    if (fjson_object_get_type(v) != fjson_type_object)
        return false;
    size_t n = strlen(path);
    char *key = strdup(path);
    bool found = false;
    for (size_t len = n; key && len > 0 && !found; len--) {
        if (len < n && path[len] != '.')
            continue;
        key[len] = '\0';
        struct fjson_object *child;
        if (fjson_object_object_get_ex(v, key, &child))
            found = json_walk(child, len == n ? "" : path + len + 1, out);
    }
    free(key);
    return found;
}

/* The value at path as text: strings as they are, null as "null", others as JSON. */
static bool json_path_text(struct fjson_object *root, const char *path, const char **out)
{
    struct fjson_object *v;
    if (!json_walk(root, path, &v))
        return false;
    if (!v)
        *out = "null";
    else if (fjson_object_get_type(v) == fjson_type_string)
        *out = fjson_object_get_string(v);
    else
        *out = fjson_object_to_json_string_ext(v, FJSON_TO_STRING_PLAIN);
    return true;
}

/* Text of a rule file or an alert for the report: control bytes escaped (cg_log_put_text),
 * into b (cleared). */
static const char *printable(struct cg_buf *b, const char *s)
{
    cg_buf_clear(b);
    return cg_log_put_text(b, s, strlen(s)) == CG_OK ? cg_buf_cstr(b) : "?";
}

static bool check_alert(const struct cg_rule_test *t, size_t idx, const char *json,
                        const struct cg_expect *ex)
{
    struct fjson_object *root = fjson_tokener_parse(json);
    bool ok = root != NULL;
    struct cg_buf q[3];
    for (size_t i = 0; i < CG_ARRAY_LEN(q); i++)
        cg_buf_init(&q[i]);
    for (size_t k = 0; root && k < ex->n; k++) {
        const char *got, *path = printable(&q[0], ex->kv[k].path);
        const char *want = printable(&q[1], ex->kv[k].value);
        if (!json_path_text(root, ex->kv[k].path, &got)) {
            printf("  %s:%u:%u: alert %zu has no '%s' (expected \"%s\")\n", t->file, ex->kv[k].line,
                   ex->kv[k].col, idx + 1, path, want);
            ok = false;
        } else if (strcmp(got, ex->kv[k].value) != 0) {
            printf("  %s:%u:%u: alert %zu: %s is \"%s\", expected \"%s\"\n", t->file,
                   ex->kv[k].line, ex->kv[k].col, idx + 1, path, printable(&q[2], got), want);
            ok = false;
        }
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(q); i++)
        cg_buf_fini(&q[i]);
    fjson_object_put(root);
    return ok;
}

static bool compare(const struct cg_rule_test *t, struct cg_buf *alerts, size_t nalerts)
{
    bool ok = true;
    if (nalerts != t->nexpect) {
        printf("  %s:%u: %zu alerts, expected %zu\n", t->file, t->line, nalerts, t->nexpect);
        ok = false;
    }
    char *line = alerts->p;
    for (size_t i = 0; i < nalerts && i < t->nexpect; i++) {
        char *nl = memchr(line, '\n', alerts->n - (size_t)(line - alerts->p));
        *nl = '\0';
        ok &= check_alert(t, i, line, &t->expect[i]);
        *nl = '\n';
        line = nl + 1;
    }
    return ok;
}

/* Runs a case's input (a memory source, never cut, as it always was) through the
 * pipeline into alerts, one JSON object per line, counted in *nalerts. */
static int run_case(const struct cg_rule_test *t, const struct cg_ruleset *rs,
                    struct cg_normalizer *nz, const struct cli_opts *o, struct cg_buf *alerts,
                    size_t *nalerts)
{
    struct cg_pipeline_opts po;
    cli_pipeline_opts(o, nz, &po);
    po.syslog.timezone = t->timezone ? t->timezone : "UTC";
    po.syslog.year = t->year ? t->year : 2025;
    po.rules = rs;
    po.log_rejects = false;
    struct cg_pipeline pl;
    if (cg_pipeline_init(&pl, &po) != CG_OK) {
        struct cg_buf q;
        cg_buf_init(&q);
        printf("  %s:%u: bad timezone '%s'\n", t->file, t->line, printable(&q, po.syslog.timezone));
        cg_buf_fini(&q);
        return CG_EINVAL;
    }
    struct cg_sink_jsonl_conf out = {.takes = CG_SINK_ALERTS, .fd = -1, .out = alerts};
    struct cg_source_mem_conf in = {t->input, t->input_len, t->name, SIZE_MAX};
    int rc = cg_pipeline_add_sink(&pl, &cg_sink_jsonl_ops, &out);
    rc = rc ? rc : cg_pipeline_add_source(&pl, &cg_source_mem_ops, &in);
    rc = rc ? rc : cg_pipeline_run(&pl);
    rc = rc ? rc : cg_pipeline_finish(&pl);
    cg_pipeline_fini(&pl);
    *nalerts = 0;
    for (size_t i = 0; i < alerts->n; i++)
        *nalerts += alerts->p[i] == '\n';
    return rc;
}

int cg_cmd_test(int argc, char **argv)
{
    struct cli_opts o;
    cli_opts_init(&o);
    struct cg_ruleset rs;
    cg_ruleset_init(&rs);
    struct cg_normalizer *nz = NULL;
    int status = cli_opts_parse(&o, CLI_TEST, argc, argv);
    if (status >= 0)
        goto out;
    status = 2;
    if (cli_load_rules(&o, &rs) != CG_OK || !(nz = cli_load_rulebases(&o)))
        goto out;
    size_t pass = 0, fail = 0;
    struct cg_buf alerts, name;
    cg_buf_init(&alerts);
    cg_buf_init(&name);
    for (size_t i = 0; i < rs.ntests; i++) {
        const struct cg_rule_test *t = rs.tests[i];
        size_t nalerts = 0;
        cg_buf_clear(&alerts);
        bool ok = run_case(t, &rs, nz, &o, &alerts, &nalerts) == CG_OK;
        if (ok)
            ok = compare(t, &alerts, nalerts);
        printf("%s %s:%u: %s\n", ok ? "PASS" : "FAIL", t->file, t->line, printable(&name, t->name));
        if (!ok && o.verbose)
            printf("%s", cg_buf_cstr(&alerts));
        ok ? pass++ : fail++;
    }
    cg_buf_fini(&alerts);
    cg_buf_fini(&name);
    printf("%zu passed, %zu failed\n", pass, fail);
    status = fail || !rs.ntests ? 1 : 0;
    if (!rs.ntests)
        fprintf(stderr, "cefguard test: the rule files carry no test cases\n");
out:
    cg_normalizer_free(nz);
    cg_ruleset_fini(&rs);
    cli_opts_fini(&o);
    return status;
}
