/* rules.c - the rule set: rule files and directories -> validated, compiled rules and
 * tests (see rules.h), with the ids unique across files and the conditions rules share.
 *
 * A rule or test with any error is dropped; the caller refuses the whole set
 * (cg_ruleset_load returns CG_EPARSE). The YAML documents are freed once a file
 * is compiled: match, template and path keep copies of what they need. */
#include "rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cefguard/log.h"
#include "cefguard/vec.h"

static const char *const top_keys[] = {"lists", "rules", "tests", NULL};

void cg_ruleset_init(struct cg_ruleset *rs)
{
    memset(rs, 0, sizeof(*rs));
}

void cg_ruleset_fini(struct cg_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        cg_rule_free(rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->ntests; i++)
        cg_rule_test_free(rs->tests[i]);
    free(rs->tests);
    cg_rule_lists_free(rs->lists);
    memset(rs, 0, sizeof(*rs));
}

/* Compiles one entry of `rules:` and appends it to the set. */
static void add_rule(struct cg_rules_loader *l, const struct cg_ynode *map, size_t ordinal)
{
    struct cg_ruleset *rs = l->rs;
    struct cg_rule *r;
    if (cg_rule_compile(l, map, ordinal, &r) != CG_OK)
        return;
    if (cg_vec_reserve_ptr(&rs->rules, &rs->rules_cap, sizeof(*rs->rules), rs->n + 1) != CG_OK) {
        l->oom = true;
        cg_rule_free(r);
        return;
    }
    r->index = rs->n;
    rs->rules[rs->n++] = r;
}

static void add_test(struct cg_rules_loader *l, const struct cg_ynode *map, size_t ordinal)
{
    struct cg_ruleset *rs = l->rs;
    struct cg_rule_test *t;
    if (cg_rule_test_compile(l, map, ordinal, &t) != CG_OK)
        return;
    if (cg_vec_reserve_ptr(&rs->tests, &rs->tests_cap, sizeof(*rs->tests), rs->ntests + 1) !=
        CG_OK) {
        l->oom = true;
        cg_rule_test_free(t);
        return;
    }
    rs->tests[rs->ntests++] = t;
}

/* ---- files ---------------------------------------------------------------- */

/* Each entry of the list under key (a mapping: "rule #2 must be a mapping" otherwise). */
static void compile_list(struct cg_rules_loader *l, const struct cg_ynode *root, const char *key,
                         const char *noun,
                         void (*each)(struct cg_rules_loader *, const struct cg_ynode *, size_t))
{
    const struct cg_ynode *list = cg_rules_get(l, root, key, "the file");
    if (!list)
        return;
    if (list->type != CG_Y_SEQ) {
        cg_rules_err(l, list, "'%s' must be a list", key);
        return;
    }
    for (size_t i = 0; i < list->n && !l->oom; i++) {
        if (list->kv[i]->type != CG_Y_MAP)
            cg_rules_err(l, list->kv[i], "%s #%zu must be a mapping", noun, i + 1);
        else
            each(l, list->kv[i], i + 1);
    }
}

static void compile_doc(struct cg_rules_loader *l)
{
    const struct cg_ynode *root = l->doc->root;
    struct cg_ynode start = {.type = CG_Y_MAP, .line = 1, .col = 1};
    if (!root || (root->type == CG_Y_MAP && root->n == 0)) {
        cg_rules_err(l, root ? root : &start, "empty rule file: expected 'rules' and/or 'tests'");
        return;
    }
    if (root->type != CG_Y_MAP) {
        cg_rules_err(l, root, "a rule file must be a mapping with 'rules' and/or 'tests'");
        return;
    }
    cg_rules_check_keys(l, root, top_keys, "the file");
    cg_rule_lists_read(l, root);
    compile_list(l, root, "rules", "rule", add_rule);
    compile_list(l, root, "tests", "test", add_test);
}

struct err_line {
    unsigned line, col;
    size_t seq, off, len;
};

static int err_line_cmp(const void *a, const void *b)
{
    const struct err_line *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "name:LINE:COL: ..." -> LINE, COL; lines without a position sort first. */
static void err_line_pos(const char *p, size_t n, const char *name, struct err_line *e)
{
    char *end;
    size_t skip = strlen(name) + 1;
    e->line = e->col = 0;
    /* the newline inside n stops strtoul: p need not be NUL-terminated */
    if (n <= skip || memcmp(p, name, skip - 1) != 0 || p[skip - 1] != ':' ||
        memchr(p + skip, '\n', n - skip) == NULL)
        return;
    unsigned long line = strtoul(p + skip, &end, 10);
    if (*end != ':')
        return;
    unsigned long col = strtoul(end + 1, &end, 10);
    if (*end != ':')
        return;
    e->line = (unsigned)line;
    e->col = (unsigned)col;
}

/* Checks run rule part by rule part, not in file order; the author reads the
 * messages top to bottom, so they are sorted by position (stable) per file. */
static int errors_sorted(const struct cg_buf *in, const char *name, struct cg_buf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++)
        n += in->p[i] == '\n';
    struct err_line *v = calloc(n ? n : 1, sizeof(*v));
    if (!v)
        return cg_buf_put(out, in->p, in->n); /* unsorted beats lost */
    size_t k = 0, start = 0;
    for (size_t i = 0; i < in->n && k < n; i++) {
        if (in->p[i] != '\n')
            continue;
        v[k] = (struct err_line){.seq = k, .off = start, .len = i + 1 - start};
        err_line_pos(in->p + start, v[k].len, name, &v[k]);
        k++;
        start = i + 1;
    }
    qsort(v, n, sizeof(*v), err_line_cmp);
    int rc = CG_OK;
    for (size_t i = 0; i < n && rc == CG_OK; i++)
        rc = cg_buf_put(out, in->p + v[i].off, v[i].len);
    if (rc == CG_OK && start < in->n) /* a message without its newline */
        rc = cg_buf_put(out, in->p + start, in->n - start);
    free(v);
    return rc;
}

static int load_file(struct cg_rules_loader *l, const char *path)
{
    struct cg_ydoc *doc = NULL;
    int rc = cg_yaml_load_file(path, &doc, l->err);
    if (rc != CG_OK)
        return rc;
    l->rs->nfiles++;
    struct cg_buf errs, *saved = l->err;
    cg_buf_init(&errs);
    l->doc = doc;
    l->err = &errs;
    compile_doc(l);
    l->err = saved;
    l->doc = NULL;
    l->lists = NULL;
    if (errs.n && errors_sorted(&errs, doc->name, l->err) != CG_OK)
        l->oom = true;
    cg_buf_fini(&errs);
    cg_ydoc_free(doc);
    return CG_OK;
}

static int rule_file_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    if (d->d_name[0] == '.') /* hidden files, editor locks (.#x.yml) */
        return 0;
    return (n > 4 && strcmp(d->d_name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0);
}

/* Byte order, not the locale's: the evaluation order must not depend on LANG. */
static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* "DIR/NAME: message" (NAME may be empty), escaped: file names are untrusted bytes. */
static void path_error(struct cg_buf *err, const char *dir, const char *name, const char *msg)
{
    size_t dl = strlen(dir);
    cg_log_put_name(err, dir);
    if (*name) {
        if (dl && dir[dl - 1] != '/')
            cg_buf_putc(err, '/');
        cg_log_put_name(err, name);
    }
    cg_buf_printf(err, ": %s\n", msg);
}

static int load_dir(struct cg_rules_loader *l, const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, rule_file_filter, name_cmp);
    if (n < 0) {
        int e = errno;
        path_error(l->err, dir, "", strerror(e));
        return e == ENOMEM ? CG_ENOMEM : CG_EIO;
    }
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    int rc = CG_OK;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct stat st;
        int len = snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]->d_name);
        int frc = CG_OK;
        if (len < 0 || (size_t)len >= sizeof(path)) {
            path_error(l->err, dir, names[i]->d_name, "path too long");
            frc = CG_EIO;
        } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            frc = CG_OK; /* subdirectories are not read */
        } else if (rc != CG_ENOMEM) {
            frc = load_file(l, path);
        }
        if (rc == CG_OK || frc == CG_ENOMEM)
            rc = frc;
        free(names[i]);
    }
    free(names);
    return rc;
}

static int ids_init(struct cg_rules_loader *l)
{
    cg_hmap_init(&l->ids, 0);
    for (size_t i = 0; i < l->rs->n; i++) {
        const struct cg_rule *r = l->rs->rules[i];
        char at[PATH_MAX + 32];
        snprintf(at, sizeof(at), "%s:%u", r->file, r->line);
        char *v = cg_rules_dupz(l, at);
        if (!v || cg_hmap_put(&l->ids, r->id, strlen(r->id), v) != CG_OK) {
            free(v);
            return CG_ENOMEM;
        }
    }
    return CG_OK;
}

static void ids_fini(struct cg_rules_loader *l)
{
    const struct cg_hmap_slot *slot;
    for (size_t i = 0; cg_hmap_next(&l->ids, &i, &slot);)
        free(slot->val);
    cg_hmap_fini(&l->ids);
}

/* Finds the conditions the rules loaded so far share (every rule's match and other),
 * so the engine evaluates each once per event. */
static int share(struct cg_ruleset *rs)
{
    struct cg_match **ms = malloc((2 * rs->n + 1) * sizeof(*ms));
    if (!ms)
        return CG_ENOMEM;
    for (size_t i = 0; i < rs->n; i++) {
        ms[2 * i] = rs->rules[i]->match;
        ms[2 * i + 1] = rs->rules[i]->other;
    }
    int rc = cg_match_share(ms, 2 * rs->n, &rs->nshared);
    free(ms);
    return rc;
}

int cg_ruleset_load(struct cg_ruleset *rs, const char *path, struct cg_buf *err)
{
    struct cg_rules_loader l = {.rs = rs, .err = err};
    struct stat st;
    int rc = ids_init(&l);
    if (rc != CG_OK) {
        /* nothing else to do */
    } else if (stat(path, &st) != 0) {
        int e = errno;
        path_error(err, path, "", strerror(e));
        rc = e == ENOENT ? CG_ENOENT : CG_EIO;
    } else if (S_ISDIR(st.st_mode)) {
        rc = load_dir(&l, path);
    } else {
        rc = load_file(&l, path);
    }
    ids_fini(&l);
    if (l.oom)
        return CG_ENOMEM;
    if (rc == CG_OK && l.nerr)
        rc = CG_EPARSE;
    return rc == CG_OK ? share(rs) : rc;
}
