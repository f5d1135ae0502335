/* rules_read.c - the readers of rule files: positioned messages, the check of known keys,
 * and typed values (text, enum, integer, duration, boolean, path) that report what is
 * wrong where (see rules_int.h). */
#include "rules_int.h"

#include "cefguard/timeutil.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Unknown keys at most this far from a known one get a suggestion. */
#define SUGGEST_DIST 2
#define SUGGEST_LEN 32

/* ---- small helpers -------------------------------------------------------- */

const char *cg_rules_quote(struct cg_rules_quoted *q, const char *p, size_t n)
{
    size_t k = n > CG_RULES_QUOTE_MAX ? CG_RULES_QUOTE_MAX : n;
    for (size_t i = 0; i < k; i++) {
        unsigned char ch = (unsigned char)p[i];
        q->s[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    strcpy(q->s + k, n > k ? "..." : "");
    return q->s;
}

void cg_rules_err(struct cg_rules_loader *l, const struct cg_ynode *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_yaml_verror(l->err, l->doc, at, fmt, ap);
    va_end(ap);
    l->nerr++;
}

const char *cg_rules_where_of(struct cg_rules_where *w, const char *key, const char *what)
{
    snprintf(w->s, sizeof(w->s), "'%s' of %s", key, what);
    return w->s;
}

/* The value of an optional key: NULL when absent (or null, which is reported). */
const struct cg_ynode *cg_rules_get(struct cg_rules_loader *l, const struct cg_ynode *map,
                                    const char *key, const char *where)
{
    const struct cg_ynode *v = cg_yaml_map_get(map, key);
    if (v && cg_rules_is_null(v)) {
        cg_rules_err(l, v, "'%s' needs a value in %s", key, where);
        return NULL;
    }
    return v;
}

const struct cg_ynode *cg_rules_required(struct cg_rules_loader *l, const struct cg_ynode *map,
                                         const char *key, const char *where)
{
    if (!cg_yaml_map_get(map, key)) {
        cg_rules_err(l, map, "missing required key '%s' in %s", key, where);
        return NULL;
    }
    return cg_rules_get(l, map, key, where);
}

/* n is of type t, or "'key' must be <what> in where" is reported. */
static bool want_type(struct cg_rules_loader *l, const struct cg_ynode *n, enum cg_ynode_type t,
                      const char *what, const char *key, const char *where)
{
    if (n->type == t)
        return true;
    cg_rules_err(l, n, "'%s' must be %s in %s", key, what, where);
    return false;
}

bool cg_rules_is_map(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                     const char *where)
{
    return want_type(l, n, CG_Y_MAP, "a mapping", key, where);
}

char *cg_rules_dup(struct cg_rules_loader *l, const char *p, size_t n)
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

char *cg_rules_dupz(struct cg_rules_loader *l, const char *z)
{
    return cg_rules_dup(l, z, strlen(z));
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

void cg_rules_check_keys(struct cg_rules_loader *l, const struct cg_ynode *map,
                         const char *const *known, const char *where)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct cg_ynode *k = map->kv[2 * i];
        if (in_list(known, k->str, k->len))
            continue;
        const char *s = suggest(known, k->str, k->len);
        struct cg_rules_quoted q;
        cg_rules_err(l, k, "unknown key '%s' in %s%s%s%s", cg_rules_quote(&q, k->str, k->len),
                     where, s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
    }
}

/* ---- typed values --------------------------------------------------------- */

bool cg_rules_want_scalar(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                          const char *where)
{
    return want_type(l, n, CG_Y_SCALAR, "a text", key, where);
}

char *cg_rules_text_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                       const char *where)
{
    return cg_rules_want_scalar(l, n, key, where) ? cg_rules_dup(l, n->str, n->len) : NULL;
}

char *cg_rules_enum_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *const *list,
                       const char *key, const char *where)
{
    if (!cg_rules_want_scalar(l, n, key, where))
        return NULL;
    if (in_list(list, n->str, n->len))
        return cg_rules_dup(l, n->str, n->len);
    char expected[128];
    struct cg_rules_quoted q;
    list_text(expected, sizeof(expected), list);
    cg_rules_err(l, n, "bad %s '%s' in %s: expected one of %s", key,
                 cg_rules_quote(&q, n->str, n->len), where, expected);
    return NULL;
}

bool cg_rules_uint_at(struct cg_rules_loader *l, const struct cg_ynode *n, uint64_t lo, uint64_t hi,
                      const char *key, const char *where, uint64_t *out)
{
    if (n->type != CG_Y_SCALAR) {
        cg_rules_err(l, n, "'%s' must be an integer from %" PRIu64 " to %" PRIu64 " in %s", key, lo,
                     hi, where);
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
    struct cg_rules_quoted q;
    cg_rules_err(l, n, "bad %s '%s' in %s: expected an integer from %" PRIu64 " to %" PRIu64, key,
                 cg_rules_quote(&q, n->str, n->len), where, lo, hi);
    return false;
}

/* The longest window a rule may ask for. */
#define RULES_DURATION_MAX_US (366LL * 86400 * 1000000)

bool cg_rules_duration_parse(const char *s, int64_t *us)
{
    uint64_t v;
    if (!cg_time_parse_duration(s, &v) || v == 0 || v > RULES_DURATION_MAX_US)
        return false;
    *us = (int64_t)v;
    return true;
}

bool cg_rules_duration_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                          const char *where, int64_t *us)
{
    if (n->type != CG_Y_SCALAR) {
        cg_rules_err(l, n, "'%s' must be a duration (90s, 15m) in %s", key, where);
        return false;
    }
    if (!memchr(n->str, '\0', n->len) && cg_rules_duration_parse(n->str, us))
        return true;
    struct cg_rules_quoted q;
    cg_rules_err(
        l, n,
        "bad duration '%s' for '%s' in %s: expected an integer with a unit ms, s, m, h or d "
        "(90s, 15m), more than 0 and at most 366d",
        cg_rules_quote(&q, n->str, n->len), key, where);
    return false;
}

bool cg_rules_bool_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                      const char *where, bool *out)
{
    if (n->type == CG_Y_SCALAR && (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0)) {
        *out = n->str[0] == 't';
        return true;
    }
    cg_rules_err(l, n, "'%s' must be true or false in %s", key, where);
    return false;
}

bool cg_rules_path_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                      const char *where, struct cg_path *out)
{
    if (n->type != CG_Y_SCALAR) {
        cg_rules_err(l, n, "'%s' must be a path in %s", key, where);
        return false;
    }
    if (memchr(n->str, '\0', n->len)) {
        cg_rules_err(l, n, "bad '%s' path in %s: it contains a NUL byte", key, where);
        return false;
    }
    struct cg_buf msg;
    cg_buf_init(&msg);
    int rc = cg_path_parse(n->str, out, &msg);
    if (rc == CG_ENOMEM)
        l->oom = true;
    else if (rc != CG_OK)
        cg_rules_err(l, n, "bad '%s' path in %s: %s", key, where, cg_buf_cstr(&msg));
    cg_buf_fini(&msg);
    return rc == CG_OK;
}
