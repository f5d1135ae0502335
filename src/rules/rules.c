/* rules.c - rule files: YAML -> validated, compiled rules and tests (see rules.h).
 *
 * Loading never stops at the first mistake: every check reports at the node it
 * is about and goes on, so one run shows the author every error of every file.
 * A rule or test with any error is dropped; the caller refuses the whole set
 * (cg_ruleset_load returns CG_EPARSE). The YAML documents are freed once a file
 * is compiled: match, template and path keep copies of what they need. */
#include "cefguard/rules.h"
#include "cefguard/syslog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cefguard/hmap.h"
#include "cefguard/template.h"
#include "cefguard/textutil.h"

#define ID_MAX 128
#define WHAT_MAX (ID_MAX + 64)
#define KEY_PATHS_MAX 16
#define TAGS_MAX 64
#define COUNT_MAX 100000
#define MAX_KEYS_MAX 10000000
#define YEAR_MIN 1970
#define YEAR_MAX 9999
#define DURATION_MAX_US (366LL * 86400 * 1000000)
/* User text quoted in a message is cut here (and made printable). */
#define QUOTE_MAX 64
/* Unknown keys at most this far from a known one get a suggestion. */
#define SUGGEST_DIST 2
#define SUGGEST_LEN 32

static const char *const top_keys[] = {"rules", "tests", NULL};
static const char *const rule_keys[] = {
    "id",       "description", "severity", "tags",     "match",   "key",      "join", "threshold",
    "holddown", "silence",     "suppress", "max_keys", "summary", "response", NULL};
static const char *const join_keys[] = {"match", "key", "window", "required", NULL};
static const char *const threshold_keys[] = {"count", "distinct", "window", NULL};
static const char *const holddown_keys[] = {"cancel", "key", "for", NULL};
static const char *const silence_keys[] = {"after", NULL};
static const char *const response_keys[] = {"action", "target", "approval", NULL};
static const char *const test_keys[] = {"name", "input", "expect", "options", NULL};
static const char *const option_keys[] = {"year", "timezone", NULL};
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};
static const char *const actions[] = {"quarantine", "reboot", "release", "notify", NULL};
static const char *const approvals[] = {"auto", "manual", NULL};

static const struct {
    const char *key;
    enum cg_corr_kind kind;
} corr_keys[] = {
    {"join", CG_CORR_JOIN},
    {"threshold", CG_CORR_THRESHOLD},
    {"holddown", CG_CORR_HOLDDOWN},
    {"silence", CG_CORR_SILENCE},
};

struct loader {
    struct cg_ruleset *rs;
    struct cg_buf *err;
    const struct cg_ydoc *doc;
    struct cg_hmap ids; /* rule id -> "file:line" of its first definition (owned) */
    unsigned nerr;
    bool oom;
    char what[WHAT_MAX]; /* the rule or test being compiled: "rule 'x'", "test #2" */
};

/* A place in the file for messages: "'join' of rule 'x'". */
struct where {
    char s[WHAT_MAX + 32];
};

struct quoted {
    char s[QUOTE_MAX + 4];
};

const char *cg_corr_name(enum cg_corr_kind k)
{
    switch (k) {
    case CG_CORR_NONE: return "none";
    case CG_CORR_THRESHOLD: return "threshold";
    case CG_CORR_JOIN: return "join";
    case CG_CORR_HOLDDOWN: return "holddown";
    case CG_CORR_SILENCE: return "silence";
    }
    return "unknown";
}

bool cg_duration_parse(const char *s, int64_t *us)
{
    static const struct {
        const char *unit;
        int64_t mult;
    } units[] = {
        {"ms", 1000}, {"s", 1000000}, {"m", 60000000}, {"h", 3600000000}, {"d", 86400000000},
    };
    int64_t v = 0;
    size_t i = 0;
    if (!s)
        return false;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (i >= 15) /* far beyond 366d in any unit: stop before overflow */
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (i == 0)
        return false;
    for (size_t u = 0; u < CG_ARRAY_LEN(units); u++) {
        if (strcmp(s + i, units[u].unit) == 0) {
            if (v <= 0 || v > DURATION_MAX_US / units[u].mult)
                return false;
            *us = v * units[u].mult;
            return true;
        }
    }
    return false;
}

/* ---- small helpers -------------------------------------------------------- */

static const char *quote(struct quoted *q, const char *p, size_t n)
{
    size_t k = n > QUOTE_MAX ? QUOTE_MAX : n;
    for (size_t i = 0; i < k; i++) {
        unsigned char ch = (unsigned char)p[i];
        q->s[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    strcpy(q->s + k, n > k ? "..." : "");
    return q->s;
}

static void lerr(struct loader *l, const struct cg_ynode *at, const char *fmt, ...) CG_PRINTF(3, 4);

static void lerr(struct loader *l, const struct cg_ynode *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_yaml_verror(l->err, l->doc, at, fmt, ap);
    va_end(ap);
    l->nerr++;
}

static const char *where_of(struct where *w, const char *key, const char *what)
{
    snprintf(w->s, sizeof(w->s), "'%s' of %s", key, what);
    return w->s;
}

/* YAML null: `key:`, `key: ~`, `key: null`. Only expected values may be null:
 * anywhere else it is an unfinished edit, and a silent default could change
 * what a rule does (`silence:` alone would make an alert-on-every-event rule). */
static bool is_null(const struct cg_ynode *n)
{
    return n->type == CG_Y_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
            strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

/* The value of an optional key: NULL when absent (or null, which is reported). */
static const struct cg_ynode *get(struct loader *l, const struct cg_ynode *map, const char *key,
                                  const char *where)
{
    const struct cg_ynode *v = cg_ymap_get(map, key);
    if (v && is_null(v)) {
        lerr(l, v, "'%s' needs a value in %s", key, where);
        return NULL;
    }
    return v;
}

static const struct cg_ynode *required(struct loader *l, const struct cg_ynode *map,
                                       const char *key, const char *where)
{
    if (!cg_ymap_get(map, key)) {
        lerr(l, map, "missing required key '%s' in %s", key, where);
        return NULL;
    }
    return get(l, map, key, where);
}

static bool is_map(struct loader *l, const struct cg_ynode *n, const char *key, const char *where)
{
    if (n->type == CG_Y_MAP)
        return true;
    lerr(l, n, "'%s' must be a mapping in %s", key, where);
    return false;
}

static char *dup_mem(struct loader *l, const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) {
        l->oom = true;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static char *dupz(struct loader *l, const char *z)
{
    return dup_mem(l, z, strlen(z));
}

static bool in_list(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return true;
    return false;
}

static void list_text(char *out, size_t outsz, const char *const *list)
{
    size_t used = 0;
    out[0] = '\0';
    for (; *list && used < outsz; list++)
        used += (size_t)snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", *list);
}

/* Optimal string alignment distance (a transposition is one edit); a, b short. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t d[SUGGEST_LEN + 1][SUGGEST_LEN + 1];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[na][nb];
}

/* The closest known key, when it is close enough to be the one meant. */
static const char *suggest(const char *const *known, const char *s, size_t n)
{
    const char *best = NULL;
    size_t best_d = SUGGEST_DIST + 1;
    if (n > SUGGEST_LEN)
        return NULL;
    for (; *known; known++) {
        size_t kn = strlen(*known);
        if (kn > SUGGEST_LEN)
            continue;
        size_t d = edit_distance(s, n, *known, kn);
        if (d < best_d && d < n) { /* d < n: "x" is not a misspelt "id" */
            best = *known;
            best_d = d;
        }
    }
    return best;
}

static void check_keys(struct loader *l, const struct cg_ynode *map, const char *const *known,
                       const char *where)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct cg_ynode *k = map->kv[2 * i];
        if (in_list(known, k->str, k->len))
            continue;
        const char *s = suggest(known, k->str, k->len);
        struct quoted q;
        lerr(l, k, "unknown key '%s' in %s%s%s%s", quote(&q, k->str, k->len), where,
             s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
    }
}

/* ---- typed values --------------------------------------------------------- */

static bool want_scalar(struct loader *l, const struct cg_ynode *n, const char *key,
                        const char *where)
{
    if (n->type == CG_Y_SCALAR)
        return true;
    lerr(l, n, "'%s' must be a text in %s", key, where);
    return false;
}

static char *text_at(struct loader *l, const struct cg_ynode *n, const char *key, const char *where)
{
    return want_scalar(l, n, key, where) ? dup_mem(l, n->str, n->len) : NULL;
}

static char *enum_at(struct loader *l, const struct cg_ynode *n, const char *const *list,
                     const char *key, const char *where)
{
    if (!want_scalar(l, n, key, where))
        return NULL;
    if (in_list(list, n->str, n->len))
        return dup_mem(l, n->str, n->len);
    char expected[128];
    struct quoted q;
    list_text(expected, sizeof(expected), list);
    lerr(l, n, "bad %s '%s' in %s: expected one of %s", key, quote(&q, n->str, n->len), where,
         expected);
    return NULL;
}

static bool uint_at(struct loader *l, const struct cg_ynode *n, uint64_t lo, uint64_t hi,
                    const char *key, const char *where, uint64_t *out)
{
    if (n->type != CG_Y_SCALAR) {
        lerr(l, n, "'%s' must be an integer from %" PRIu64 " to %" PRIu64 " in %s", key, lo, hi,
             where);
        return false;
    }
    uint64_t v = 0;
    bool ok = n->len > 0 && n->len <= 12; /* 12 digits: no overflow, any bound fits */
    for (size_t i = 0; ok && i < n->len; i++) {
        ok = n->str[i] >= '0' && n->str[i] <= '9';
        v = v * 10 + (uint64_t)(n->str[i] - '0');
    }
    if (ok && v >= lo && v <= hi) {
        *out = v;
        return true;
    }
    struct quoted q;
    lerr(l, n, "bad %s '%s' in %s: expected an integer from %" PRIu64 " to %" PRIu64, key,
         quote(&q, n->str, n->len), where, lo, hi);
    return false;
}

static bool duration_at(struct loader *l, const struct cg_ynode *n, const char *key,
                        const char *where, int64_t *us)
{
    if (n->type != CG_Y_SCALAR) {
        lerr(l, n, "'%s' must be a duration (90s, 15m) in %s", key, where);
        return false;
    }
    if (!memchr(n->str, '\0', n->len) && cg_duration_parse(n->str, us))
        return true;
    struct quoted q;
    lerr(l, n,
         "bad duration '%s' for '%s' in %s: expected an integer with a unit ms, s, m, h or d "
         "(90s, 15m), more than 0 and at most 366d",
         quote(&q, n->str, n->len), key, where);
    return false;
}

static bool bool_at(struct loader *l, const struct cg_ynode *n, const char *key, const char *where,
                    bool *out)
{
    if (n->type == CG_Y_SCALAR && (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0)) {
        *out = n->str[0] == 't';
        return true;
    }
    lerr(l, n, "'%s' must be true or false in %s", key, where);
    return false;
}

static bool path_at(struct loader *l, const struct cg_ynode *n, const char *key, const char *where,
                    struct cg_path *out)
{
    if (n->type != CG_Y_SCALAR) {
        lerr(l, n, "'%s' must be a path in %s", key, where);
        return false;
    }
    if (memchr(n->str, '\0', n->len)) {
        lerr(l, n, "bad '%s' path in %s: it contains a NUL byte", key, where);
        return false;
    }
    struct cg_buf msg;
    cg_buf_init(&msg);
    int rc = cg_path_parse(n->str, out, &msg);
    if (rc == CG_ENOMEM)
        l->oom = true;
    else if (rc != CG_OK)
        lerr(l, n, "bad '%s' path in %s: %s", key, where, cg_buf_cstr(&msg));
    cg_buf_fini(&msg);
    return rc == CG_OK;
}

/* The mapping check is made here so the message names the key and the rule. */
static void match_at(struct loader *l, const struct cg_ynode *n, const char *key, const char *where,
                     struct cg_match **out)
{
    if (!is_map(l, n, key, where))
        return;
    int rc = cg_match_compile(l->doc, n, out, l->err);
    if (rc == CG_ENOMEM)
        l->oom = true;
    else if (rc != CG_OK)
        l->nerr++;
}

static size_t key_count(const struct cg_ynode *n)
{
    return !n ? 0 : n->type == CG_Y_SEQ ? n->n : 1;
}

/* key: a path or a list of paths (an empty list: one group for every event). */
static void keyspec_at(struct loader *l, const struct cg_ynode *n, const char *where,
                       struct cg_keyspec *ks)
{
    size_t cnt = key_count(n);
    if (n->type == CG_Y_MAP) {
        lerr(l, n, "'key' must be a path or a list of paths in %s", where);
        return;
    }
    if (cnt > KEY_PATHS_MAX) {
        lerr(l, n, "'key' has %zu paths in %s: at most %d", cnt, where, KEY_PATHS_MAX);
        return;
    }
    ks->paths = calloc(cnt ? cnt : 1, sizeof(*ks->paths));
    if (!ks->paths) {
        l->oom = true;
        return;
    }
    for (size_t i = 0; i < cnt; i++) {
        const struct cg_ynode *at = n->type == CG_Y_SEQ ? n->kv[i] : n;
        if (!path_at(l, at, "key", where, &ks->paths[ks->n]))
            continue;
        /* A repeated path adds nothing to the key and would repeat a key in the alert. */
        bool dup = false;
        for (size_t j = 0; j < ks->n && !dup; j++)
            dup = strcmp(ks->paths[j].text, ks->paths[ks->n].text) == 0;
        if (dup) {
            lerr(l, at, "'key' names '%s' twice in %s", ks->paths[ks->n].text, where);
            cg_path_fini(&ks->paths[ks->n]);
            continue;
        }
        ks->n++;
    }
}

static void keyspec_copy(struct loader *l, const struct cg_keyspec *src, struct cg_keyspec *dst)
{
    dst->paths = calloc(src->n ? src->n : 1, sizeof(*dst->paths));
    if (!dst->paths) {
        l->oom = true;
        return;
    }
    struct cg_buf scratch;
    cg_buf_init(&scratch);
    for (size_t i = 0; i < src->n; i++) {
        if (cg_path_parse(src->paths[i].text, &dst->paths[dst->n], &scratch) != CG_OK) {
            l->oom = true; /* it parsed once: only memory can fail */
            break;
        }
        dst->n++;
    }
    cg_buf_fini(&scratch);
}

static void keyspec_fini(struct cg_keyspec *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        cg_path_fini(&ks->paths[i]);
    free(ks->paths);
    memset(ks, 0, sizeof(*ks));
}

/* ---- freeing ------------------------------------------------------------- */

static void corr_fini(struct cg_rule *r)
{
    if (r->distinct) {
        cg_path_fini(r->distinct);
        free(r->distinct);
        r->distinct = NULL;
    }
    cg_match_free(r->other);
    r->other = NULL;
    keyspec_fini(&r->other_key);
}

static void rule_free(struct cg_rule *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->description);
    free(r->severity);
    for (size_t i = 0; i < r->ntags; i++)
        free(r->tags[i]);
    free(r->tags);
    free(r->file);
    cg_match_free(r->match);
    keyspec_fini(&r->key);
    corr_fini(r);
    cg_template_free(r->summary);
    free(r->response.action);
    cg_path_fini(&r->response.target);
    free(r->response.approval);
    free(r);
}

static void test_free(struct cg_rule_test *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nexpect; i++) {
        for (size_t j = 0; j < t->expect[i].n; j++) {
            free(t->expect[i].kv[j].path);
            free(t->expect[i].kv[j].value);
        }
        free(t->expect[i].kv);
    }
    free(t->expect);
    free(t->name);
    free(t->file);
    free(t->input);
    free(t->timezone);
    free(t);
}

void cg_ruleset_init(struct cg_ruleset *rs)
{
    memset(rs, 0, sizeof(*rs));
}

void cg_ruleset_fini(struct cg_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        rule_free(rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->ntests; i++)
        test_free(rs->tests[i]);
    free(rs->tests);
    memset(rs, 0, sizeof(*rs));
}

/* Arrays grow by doubling from 8; the capacity follows from n, so the public
 * struct needs no capacity member. */
static bool needs_growth(size_t n)
{
    return n == 0 || (n >= 8 && (n & (n - 1)) == 0);
}

static size_t grown(size_t n)
{
    return n < 8 ? 8 : 2 * n;
}

static void append_rule(struct loader *l, struct cg_rule *r)
{
    struct cg_ruleset *rs = l->rs;
    if (needs_growth(rs->n)) {
        struct cg_rule **v = realloc(rs->rules, grown(rs->n) * sizeof(*v));
        if (!v) {
            l->oom = true;
            rule_free(r);
            return;
        }
        rs->rules = v;
    }
    r->index = rs->n;
    rs->rules[rs->n++] = r;
}

static void append_test(struct loader *l, struct cg_rule_test *t)
{
    struct cg_ruleset *rs = l->rs;
    if (needs_growth(rs->ntests)) {
        struct cg_rule_test **v = realloc(rs->tests, grown(rs->ntests) * sizeof(*v));
        if (!v) {
            l->oom = true;
            test_free(t);
            return;
        }
        rs->tests = v;
    }
    rs->tests[rs->ntests++] = t;
}

/* ---- rules ---------------------------------------------------------------- */

static bool id_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == ':' || ch == '-';
}

static bool id_valid(struct loader *l, const struct cg_ynode *n)
{
    struct quoted q;
    if (n->type != CG_Y_SCALAR) {
        lerr(l, n, "'id' must be a text in %s", l->what);
        return false;
    }
    if (n->len == 0 || n->len > ID_MAX) {
        lerr(l, n, "rule id must be 1 to %d bytes long in %s", ID_MAX, l->what);
        return false;
    }
    for (size_t i = 0; i < n->len; i++) {
        if (!id_char_ok(n->str[i])) {
            lerr(l, n, "bad rule id '%s' in %s: use only letters, digits and _ . : -",
                 quote(&q, n->str, n->len), l->what);
            return false;
        }
    }
    return true;
}

/* a b c into dst (cap bytes, NUL-terminated, cut to fit). */
static void concat(char *dst, size_t cap, const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a, b, c};
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && n + 1 < cap; p++)
            dst[n++] = *p;
    dst[n] = '\0';
}

/* Records the id (also of a rule that turns out bad, so a later copy of it is
 * still reported as the duplicate it is). */
static void id_register(struct loader *l, const struct cg_ynode *n, const struct cg_rule *r)
{
    const char *first = cg_hmap_get(&l->ids, n->str, n->len);
    if (first) {
        lerr(l, n, "duplicate rule id '%s' (first defined at %s)", n->str, first);
        return;
    }
    char at[PATH_MAX + 32], num[24];
    num[cg_fmt_u64(num, r->line)] = '\0';
    concat(at, sizeof(at), r->file, ":", num); /* no printf: this runs for every rule */
    char *v = dupz(l, at);
    if (v && cg_hmap_put(&l->ids, n->str, n->len, v) != CG_OK) {
        free(v);
        l->oom = true;
    }
}

static void rule_id(struct loader *l, struct cg_rule *r, const struct cg_ynode *map, size_t ordinal)
{
    char num[24];
    num[cg_fmt_u64(num, ordinal)] = '\0';
    concat(l->what, sizeof(l->what), "rule #", num, "");
    const struct cg_ynode *n = required(l, map, "id", l->what);
    if (!n || !id_valid(l, n))
        return;
    r->id = dup_mem(l, n->str, n->len);
    if (!r->id)
        return;
    if (r->file)
        id_register(l, n, r);
    concat(l->what, sizeof(l->what), "rule '", r->id, "'");
}

static void rule_tags(struct loader *l, struct cg_rule *r, const struct cg_ynode *n)
{
    if (n->type != CG_Y_SEQ) {
        lerr(l, n, "'tags' must be a list of texts in %s", l->what);
        return;
    }
    if (n->n > TAGS_MAX) {
        lerr(l, n, "'tags' has %zu items in %s: at most %d", n->n, l->what, TAGS_MAX);
        return;
    }
    r->tags = calloc(n->n ? n->n : 1, sizeof(*r->tags));
    if (!r->tags) {
        l->oom = true;
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct cg_ynode *t = n->kv[i];
        if (t->type != CG_Y_SCALAR || t->len == 0)
            lerr(l, t, "'tags' items must be non-empty texts in %s", l->what);
        else if ((r->tags[r->ntags] = dup_mem(l, t->str, t->len)))
            r->ntags++;
    }
}

/* description, severity, tags, match, key. */
static void rule_basics(struct loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n;
    if ((n = get(l, map, "description", l->what)))
        r->description = text_at(l, n, "description", l->what);
    if (!cg_ymap_get(map, "severity"))
        r->severity = dupz(l, "medium");
    else if ((n = get(l, map, "severity", l->what)))
        r->severity = enum_at(l, n, severities, "severity", l->what);
    if ((n = get(l, map, "tags", l->what)))
        rule_tags(l, r, n);
    if ((n = required(l, map, "match", l->what)))
        match_at(l, n, "match", l->what, &r->match);
    if ((n = get(l, map, "key", l->what)))
        keyspec_at(l, n, l->what, &r->key);
}

/* The related/cancelling events' key: written, or the rule's own. */
static void other_key(struct loader *l, struct cg_rule *r, const struct cg_ynode *corr,
                      const struct cg_ynode *rule_key, const char *where)
{
    const struct cg_ynode *n = cg_ymap_get(corr, "key");
    if (n && !get(l, corr, "key", where))
        return;
    if (!n) {
        keyspec_copy(l, &r->key, &r->other_key);
        return;
    }
    unsigned nerr = l->nerr;
    keyspec_at(l, n, where, &r->other_key);
    if (l->nerr == nerr && key_count(n) != key_count(rule_key))
        lerr(l, n, "'key' has %zu paths in %s but the rule's key has %zu: they must pair up",
             key_count(n), where, key_count(rule_key));
}

static void corr_join(struct loader *l, struct cg_rule *r, const struct cg_ynode *map,
                      const struct cg_ynode *rule_key, const char *where)
{
    const struct cg_ynode *n;
    check_keys(l, map, join_keys, where);
    if ((n = required(l, map, "match", where)))
        match_at(l, n, "match", where, &r->other);
    other_key(l, r, map, rule_key, where);
    if ((n = required(l, map, "window", where)))
        duration_at(l, n, "window", where, &r->window_us);
    if ((n = get(l, map, "required", where)))
        bool_at(l, n, "required", where, &r->join_required);
}

static void corr_threshold(struct loader *l, struct cg_rule *r, const struct cg_ynode *map,
                           const char *where)
{
    const struct cg_ynode *n;
    uint64_t v;
    check_keys(l, map, threshold_keys, where);
    if ((n = required(l, map, "count", where)) && uint_at(l, n, 1, COUNT_MAX, "count", where, &v))
        r->count = (unsigned)v;
    if ((n = required(l, map, "window", where)))
        duration_at(l, n, "window", where, &r->window_us);
    if ((n = get(l, map, "distinct", where))) {
        r->distinct = calloc(1, sizeof(*r->distinct));
        if (!r->distinct) {
            l->oom = true;
        } else if (!path_at(l, n, "distinct", where, r->distinct)) {
            free(r->distinct); /* path_at left nothing in it */
            r->distinct = NULL;
        }
    }
}

static void corr_holddown(struct loader *l, struct cg_rule *r, const struct cg_ynode *map,
                          const struct cg_ynode *rule_key, const char *where)
{
    const struct cg_ynode *n;
    check_keys(l, map, holddown_keys, where);
    if ((n = required(l, map, "cancel", where)))
        match_at(l, n, "cancel", where, &r->other);
    other_key(l, r, map, rule_key, where);
    if ((n = required(l, map, "for", where)))
        duration_at(l, n, "for", where, &r->window_us);
}

static void corr_compile(struct loader *l, struct cg_rule *r, const struct cg_ynode *key,
                         const struct cg_ynode *val, const struct cg_ynode *rule_key)
{
    struct where w;
    const char *where = where_of(&w, key->str, l->what);
    if (!is_map(l, val, key->str, l->what))
        return;
    switch (r->corr) {
    case CG_CORR_JOIN: corr_join(l, r, val, rule_key, where); break;
    case CG_CORR_THRESHOLD: corr_threshold(l, r, val, where); break;
    case CG_CORR_HOLDDOWN: corr_holddown(l, r, val, rule_key, where); break;
    case CG_CORR_SILENCE: {
        check_keys(l, val, silence_keys, where);
        const struct cg_ynode *after = required(l, val, "after", where);
        if (after)
            duration_at(l, after, "after", where, &r->window_us);
        break;
    }
    case CG_CORR_NONE: break;
    }
}

/* At most one correlation; a second one is reported and still checked (into a
 * scratch rule) so its own mistakes show up in the same run. */
static void rule_corr(struct loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *first = NULL, *rule_key = cg_ymap_get(map, "key");
    for (size_t i = 0; i < map->n; i++) {
        const struct cg_ynode *k = map->kv[2 * i], *v = map->kv[2 * i + 1];
        size_t c = 0;
        while (c < CG_ARRAY_LEN(corr_keys) && strcmp(k->str, corr_keys[c].key) != 0)
            c++;
        if (c == CG_ARRAY_LEN(corr_keys) || !get(l, map, k->str, l->what))
            continue;
        if (!first) {
            first = k;
            r->corr = corr_keys[c].kind;
            corr_compile(l, r, k, v, rule_key);
            continue;
        }
        lerr(l, k,
             "'%s' cannot be combined with '%s' in %s: a rule has at most one of join, "
             "threshold, holddown, silence",
             k->str, first->str, l->what);
        struct cg_rule scratch = {.key = r->key, .corr = corr_keys[c].kind};
        corr_compile(l, &scratch, k, v, rule_key);
        corr_fini(&scratch); /* scratch.key is borrowed */
    }
}

static void rule_limits(struct loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n;
    uint64_t v;
    if ((n = get(l, map, "suppress", l->what)))
        duration_at(l, n, "suppress", l->what, &r->suppress_us);
    r->max_keys = CG_RULE_MAX_KEYS_DEFAULT;
    if ((n = get(l, map, "max_keys", l->what)) &&
        uint_at(l, n, 1, MAX_KEYS_MAX, "max_keys", l->what, &v))
        r->max_keys = (size_t)v;
}

static void template_at(struct loader *l, const struct cg_ynode *n, struct cg_template **out)
{
    int rc = cg_template_compile(l->doc, n, out, l->err);
    if (rc == CG_ENOMEM)
        l->oom = true;
    else if (rc != CG_OK)
        l->nerr++;
}

/* Without a summary the alert says the description (or the id) as written:
 * braces doubled so the text is taken literally. */
static void rule_summary(struct loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n = cg_ymap_get(map, "summary");
    if (n) {
        if ((n = get(l, map, "summary", l->what)))
            template_at(l, n, &r->summary);
        return;
    }
    const char *text = r->description && r->description[0] ? r->description : r->id;
    if (!text)
        return;
    size_t len = strlen(text);
    struct cg_ynode lit = {.type = CG_Y_SCALAR, .line = map->line, .col = map->col};
    lit.str = malloc(2 * len + 1);
    if (!lit.str) {
        l->oom = true;
        return;
    }
    for (size_t i = 0; i < len; i++) {
        lit.str[lit.len++] = text[i];
        if (text[i] == '{' || text[i] == '}')
            lit.str[lit.len++] = text[i];
    }
    lit.str[lit.len] = '\0';
    template_at(l, &lit, &r->summary);
    free(lit.str);
}

static void rule_response(struct loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    struct where w;
    const char *where = where_of(&w, "response", l->what);
    const struct cg_ynode *n, *resp = get(l, map, "response", l->what);
    if (!resp || !is_map(l, resp, "response", l->what))
        return;
    check_keys(l, resp, response_keys, where);
    if ((n = required(l, resp, "action", where)))
        r->response.action = enum_at(l, n, actions, "action", where);
    if (cg_ymap_get(resp, "target")) {
        if ((n = get(l, resp, "target", where)))
            path_at(l, n, "target", where, &r->response.target);
    } else {
        struct cg_buf scratch;
        cg_buf_init(&scratch);
        if (cg_path_parse("subject", &r->response.target, &scratch) != CG_OK)
            l->oom = true;
        cg_buf_fini(&scratch);
    }
    if (!cg_ymap_get(resp, "approval"))
        r->response.approval = dupz(l, "manual");
    else if ((n = get(l, resp, "approval", where)))
        r->response.approval = enum_at(l, n, approvals, "approval", where);
}

static void compile_rule(struct loader *l, const struct cg_ynode *map, size_t ordinal)
{
    if (map->type != CG_Y_MAP) {
        lerr(l, map, "rule #%zu must be a mapping", ordinal);
        return;
    }
    unsigned nerr = l->nerr;
    struct cg_rule *r = calloc(1, sizeof(*r));
    if (!r) {
        l->oom = true;
        return;
    }
    r->line = map->line;
    r->file = dupz(l, l->doc->name);
    rule_id(l, r, map, ordinal);
    check_keys(l, map, rule_keys, l->what);
    rule_basics(l, r, map);
    rule_corr(l, r, map);
    rule_limits(l, r, map);
    rule_summary(l, r, map);
    rule_response(l, r, map);
    if (l->nerr != nerr || l->oom)
        rule_free(r);
    else
        append_rule(l, r);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_options(struct loader *l, struct cg_rule_test *t, const struct cg_ynode *map)
{
    struct where w;
    const char *where = where_of(&w, "options", l->what);
    const struct cg_ynode *n;
    uint64_t v;
    if (!is_map(l, map, "options", l->what))
        return;
    check_keys(l, map, option_keys, where);
    if ((n = get(l, map, "year", where)) && uint_at(l, n, YEAR_MIN, YEAR_MAX, "year", where, &v))
        t->year = (int)v;
    if ((n = get(l, map, "timezone", where)) && want_scalar(l, n, "timezone", where)) {
        struct quoted q;
        if (memchr(n->str, '\0', n->len) || !cg_syslog_timezone_valid(n->str))
            lerr(l, n,
                 "bad timezone '%s' in %s: expected UTC, an offset like +09:00 or a zone name "
                 "like Asia/Tokyo",
                 quote(&q, n->str, n->len), where);
        else
            t->timezone = dup_mem(l, n->str, n->len);
    }
}

/* One expected alert: path -> value as written (plain null -> "null"). */
static void test_alert(struct loader *l, struct cg_expect *e, const struct cg_ynode *map,
                       size_t ordinal)
{
    e->line = map->line;
    e->col = map->col;
    if (map->type != CG_Y_MAP) {
        lerr(l, map, "alert #%zu of 'expect' in %s must be a mapping of alert paths to values",
             ordinal, l->what);
        return;
    }
    e->kv = calloc(map->n ? map->n : 1, sizeof(*e->kv));
    if (!e->kv) {
        l->oom = true;
        return;
    }
    for (size_t i = 0; i < map->n; i++) {
        const struct cg_ynode *k = map->kv[2 * i], *v = map->kv[2 * i + 1];
        struct quoted q;
        if (k->len == 0) {
            lerr(l, k, "empty path in alert #%zu of 'expect' in %s", ordinal, l->what);
            continue;
        }
        if (v->type != CG_Y_SCALAR) {
            lerr(l, v, "the value of '%s' in alert #%zu of 'expect' in %s must be a scalar",
                 quote(&q, k->str, k->len), ordinal, l->what);
            continue;
        }
        struct cg_expect_kv *kv = &e->kv[e->n];
        kv->line = k->line;
        kv->col = k->col;
        kv->path = dup_mem(l, k->str, k->len);
        kv->value = is_null(v) ? dupz(l, "null") : dup_mem(l, v->str, v->len);
        e->n++;
    }
}

static void test_expect(struct loader *l, struct cg_rule_test *t, const struct cg_ynode *seq)
{
    if (seq->type != CG_Y_SEQ) {
        lerr(l, seq, "'expect' must be a list of alerts in %s (an empty list: no alert)", l->what);
        return;
    }
    t->expect = calloc(seq->n ? seq->n : 1, sizeof(*t->expect));
    if (!t->expect) {
        l->oom = true;
        return;
    }
    for (size_t i = 0; i < seq->n; i++)
        test_alert(l, &t->expect[t->nexpect++], seq->kv[i], i + 1);
}

static void test_name(struct loader *l, struct cg_rule_test *t, const struct cg_ynode *map,
                      size_t ordinal)
{
    snprintf(l->what, sizeof(l->what), "test #%zu", ordinal);
    const struct cg_ynode *n = required(l, map, "name", l->what);
    if (!n || !want_scalar(l, n, "name", l->what))
        return;
    struct quoted q;
    t->name = dup_mem(l, n->str, n->len);
    snprintf(l->what, sizeof(l->what), "test '%s'", quote(&q, n->str, n->len));
}

static void compile_test(struct loader *l, const struct cg_ynode *map, size_t ordinal)
{
    if (map->type != CG_Y_MAP) {
        lerr(l, map, "test #%zu must be a mapping", ordinal);
        return;
    }
    unsigned nerr = l->nerr;
    struct cg_rule_test *t = calloc(1, sizeof(*t));
    if (!t) {
        l->oom = true;
        return;
    }
    const struct cg_ynode *n;
    t->line = map->line;
    t->file = dupz(l, l->doc->name);
    test_name(l, t, map, ordinal);
    check_keys(l, map, test_keys, l->what);
    if ((n = required(l, map, "input", l->what)) && (t->input = text_at(l, n, "input", l->what)))
        t->input_len = n->len;
    if ((n = get(l, map, "options", l->what)))
        test_options(l, t, n);
    if ((n = required(l, map, "expect", l->what)))
        test_expect(l, t, n);
    if (l->nerr != nerr || l->oom)
        test_free(t);
    else
        append_test(l, t);
}

/* ---- files ---------------------------------------------------------------- */

static void compile_list(struct loader *l, const struct cg_ynode *root, const char *key,
                         void (*each)(struct loader *, const struct cg_ynode *, size_t))
{
    const struct cg_ynode *list = get(l, root, key, "the file");
    if (!list)
        return;
    if (list->type != CG_Y_SEQ) {
        lerr(l, list, "'%s' must be a list", key);
        return;
    }
    for (size_t i = 0; i < list->n && !l->oom; i++)
        each(l, list->kv[i], i + 1);
}

static void compile_doc(struct loader *l)
{
    const struct cg_ynode *root = l->doc->root;
    struct cg_ynode start = {.type = CG_Y_MAP, .line = 1, .col = 1};
    if (!root || (root->type == CG_Y_MAP && root->n == 0)) {
        lerr(l, root ? root : &start, "empty rule file: expected 'rules' and/or 'tests'");
        return;
    }
    if (root->type != CG_Y_MAP) {
        lerr(l, root, "a rule file must be a mapping with 'rules' and/or 'tests'");
        return;
    }
    check_keys(l, root, top_keys, "the file");
    compile_list(l, root, "rules", compile_rule);
    compile_list(l, root, "tests", compile_test);
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

static int load_file(struct loader *l, const char *path)
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

static int load_dir(struct loader *l, const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, rule_file_filter, name_cmp);
    if (n < 0) {
        int e = errno;
        cg_buf_printf(l->err, "%s: %s\n", dir, strerror(e));
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
            cg_buf_printf(l->err, "%s%s%s: path too long\n", dir, sep, names[i]->d_name);
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

static int ids_init(struct loader *l)
{
    cg_hmap_init(&l->ids, 0);
    for (size_t i = 0; i < l->rs->n; i++) {
        const struct cg_rule *r = l->rs->rules[i];
        char at[PATH_MAX + 32];
        snprintf(at, sizeof(at), "%s:%u", r->file, r->line);
        char *v = dupz(l, at);
        if (!v || cg_hmap_put(&l->ids, r->id, strlen(r->id), v) != CG_OK) {
            free(v);
            return CG_ENOMEM;
        }
    }
    return CG_OK;
}

static void ids_fini(struct loader *l)
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
    struct loader l = {.rs = rs, .err = err};
    struct stat st;
    int rc = ids_init(&l);
    if (rc != CG_OK) {
        /* nothing else to do */
    } else if (stat(path, &st) != 0) {
        int e = errno;
        cg_buf_printf(err, "%s: %s\n", path, strerror(e));
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
