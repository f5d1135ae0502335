/* rule.c - one rule: an entry of `rules:` -> a validated, compiled struct cg_rule (its id,
 * match, key, correlation, limits, summary and response), and freeing it; the names of the
 * rule language (correlation kinds, durations) (see rules.h). */
#include "rules_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cefguard/template.h"
#include "cefguard/textutil.h"

#define KEY_PATHS_MAX 16
#define TAGS_MAX 64
#define COUNT_MAX 100000
#define MAX_KEYS_MAX 10000000

static const char *const rule_keys[] = {
    "id",       "description", "severity", "tags",     "match",   "key",      "join",   "threshold",
    "holddown", "silence",     "suppress", "max_keys", "summary", "response", "output", NULL};
static const char *const join_keys[] = {"match", "key", "window", "required", NULL};
static const char *const threshold_keys[] = {"count", "distinct", "window", NULL};
static const char *const holddown_keys[] = {"cancel", "key", "for", NULL};
static const char *const silence_keys[] = {"after", NULL};
static const char *const response_keys[] = {"action", "target", "approval", NULL};
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};
static const char *const actions[] = {"quarantine", "reboot", "release", "notify", NULL};
static const char *const approvals[] = {"auto", "manual", NULL};
static const char *const outputs[] = {"alert", "chain", NULL}; /* enum cg_rule_output order */

static const struct {
    const char *key;
    enum cg_corr_kind kind;
} corr_keys[] = {
    {"join", CG_CORR_JOIN},
    {"threshold", CG_CORR_THRESHOLD},
    {"holddown", CG_CORR_HOLDDOWN},
    {"silence", CG_CORR_SILENCE},
};

/* ---- names of the rule language -------------------------------------------- */

const char *cg_rule_corr_name(enum cg_corr_kind k)
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

/* ---- parts of a rule ------------------------------------------------------- */

/* The mapping check is made here so the message names the key and the rule. */
static void match_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                     const char *where, struct cg_match **out)
{
    if (!cg_rules_is_map(l, n, key, where))
        return;
    int rc = cg_match_compile_lists(l->doc, n, l->lists, out, l->err);
    if (rc == CG_OK && cg_match_set_name(*out, where) != CG_OK)
        rc = CG_ENOMEM;
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
static void keyspec_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *where,
                       struct cg_keyspec *ks)
{
    size_t cnt = key_count(n);
    if (n->type == CG_Y_MAP) {
        cg_rules_err(l, n, "'key' must be a path or a list of paths in %s", where);
        return;
    }
    if (cnt > KEY_PATHS_MAX) {
        cg_rules_err(l, n, "'key' has %zu paths in %s: at most %d", cnt, where, KEY_PATHS_MAX);
        return;
    }
    ks->paths = calloc(cnt ? cnt : 1, sizeof(*ks->paths));
    if (!ks->paths) {
        l->oom = true;
        return;
    }
    for (size_t i = 0; i < cnt; i++) {
        const struct cg_ynode *at = n->type == CG_Y_SEQ ? n->kv[i] : n;
        if (!cg_rules_path_at(l, at, "key", where, &ks->paths[ks->n]))
            continue;
        /* A repeated path adds nothing to the key and would repeat a key in the alert. */
        bool dup = false;
        for (size_t j = 0; j < ks->n && !dup; j++)
            dup = strcmp(ks->paths[j].text, ks->paths[ks->n].text) == 0;
        if (dup) {
            cg_rules_err(l, at, "'key' names '%s' twice in %s", ks->paths[ks->n].text, where);
            cg_path_fini(&ks->paths[ks->n]);
            continue;
        }
        ks->n++;
    }
}

static void keyspec_copy(struct cg_rules_loader *l, const struct cg_keyspec *src,
                         struct cg_keyspec *dst)
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

void cg_rule_free(struct cg_rule *r)
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
    cg_rule_refs_free(r);
    free(r);
}

/* ---- rules ---------------------------------------------------------------- */

static bool id_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == ':' || ch == '-';
}

static bool id_valid(struct cg_rules_loader *l, const struct cg_ynode *n)
{
    struct cg_rules_quoted q;
    if (n->type != CG_Y_SCALAR) {
        cg_rules_err(l, n, "'id' must be a text in %s", l->what);
        return false;
    }
    if (n->len == 0 || n->len > CG_RULES_ID_MAX) {
        cg_rules_err(l, n, "rule id must be 1 to %d bytes long in %s", CG_RULES_ID_MAX, l->what);
        return false;
    }
    for (size_t i = 0; i < n->len; i++) {
        if (!id_char_ok(n->str[i])) {
            cg_rules_err(l, n, "bad rule id '%s' in %s: use only letters, digits and _ . : -",
                         cg_rules_quote(&q, n->str, n->len), l->what);
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
static void id_register(struct cg_rules_loader *l, const struct cg_ynode *n,
                        const struct cg_rule *r)
{
    const char *first = cg_hmap_get(&l->ids, n->str, n->len);
    if (first) {
        cg_rules_err(l, n, "duplicate rule id '%s' (first defined at %s)", n->str, first);
        return;
    }
    char at[PATH_MAX + 32], num[24];
    num[cg_fmt_u64(num, r->line)] = '\0';
    concat(at, sizeof(at), r->file, ":", num); /* no printf: this runs for every rule */
    char *v = cg_rules_dupz(l, at);
    if (v && cg_hmap_put(&l->ids, n->str, n->len, v) != CG_OK) {
        free(v);
        l->oom = true;
    }
}

static void rule_id(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map,
                    size_t ordinal)
{
    char num[24];
    num[cg_fmt_u64(num, ordinal)] = '\0';
    concat(l->what, sizeof(l->what), "rule #", num, "");
    const struct cg_ynode *n = cg_rules_required(l, map, "id", l->what);
    if (!n || !id_valid(l, n))
        return;
    r->id = cg_rules_dup(l, n->str, n->len);
    if (!r->id)
        return;
    if (r->file)
        id_register(l, n, r);
    concat(l->what, sizeof(l->what), "rule '", r->id, "'");
}

static void rule_tags(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *n)
{
    if (n->type != CG_Y_SEQ) {
        cg_rules_err(l, n, "'tags' must be a list of texts in %s", l->what);
        return;
    }
    if (n->n > TAGS_MAX) {
        cg_rules_err(l, n, "'tags' has %zu items in %s: at most %d", n->n, l->what, TAGS_MAX);
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
            cg_rules_err(l, t, "'tags' items must be non-empty texts in %s", l->what);
        else if ((r->tags[r->ntags] = cg_rules_dup(l, t->str, t->len)))
            r->ntags++;
    }
}

/* description, severity, tags, match, key. */
static void rule_basics(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n;
    if ((n = cg_rules_get(l, map, "description", l->what)))
        r->description = cg_rules_text_at(l, n, "description", l->what);
    if (!cg_yaml_map_get(map, "severity"))
        r->severity = cg_rules_dupz(l, "medium");
    else if ((n = cg_rules_get(l, map, "severity", l->what)))
        r->severity = cg_rules_enum_at(l, n, severities, "severity", l->what);
    if ((n = cg_rules_get(l, map, "tags", l->what)))
        rule_tags(l, r, n);
    if ((n = cg_rules_required(l, map, "match", l->what)))
        match_at(l, n, "match", l->what, &r->match);
    if ((n = cg_rules_get(l, map, "key", l->what)))
        keyspec_at(l, n, l->what, &r->key);
}

/* The related/cancelling events' key: written, or the rule's own. */
static void other_key(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *corr,
                      const struct cg_ynode *rule_key, const char *where)
{
    const struct cg_ynode *n = cg_yaml_map_get(corr, "key");
    if (n && !cg_rules_get(l, corr, "key", where))
        return;
    if (!n) {
        keyspec_copy(l, &r->key, &r->other_key);
        return;
    }
    unsigned nerr = l->nerr;
    keyspec_at(l, n, where, &r->other_key);
    if (l->nerr == nerr && key_count(n) != key_count(rule_key))
        cg_rules_err(l, n,
                     "'key' has %zu paths in %s but the rule's key has %zu: they must pair up",
                     key_count(n), where, key_count(rule_key));
}

/* join and holddown: the other events (match: / cancel:), their key, and the period
 * (window: / for:). */
static void corr_other(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map,
                       const struct cg_ynode *rule_key, const char *where, const char *match_key,
                       const char *period_key)
{
    const struct cg_ynode *n;
    if ((n = cg_rules_required(l, map, match_key, where)))
        match_at(l, n, match_key, where, &r->other);
    other_key(l, r, map, rule_key, where);
    if ((n = cg_rules_required(l, map, period_key, where)))
        cg_rules_duration_at(l, n, period_key, where, &r->window_us);
}

static void corr_join(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map,
                      const struct cg_ynode *rule_key, const char *where)
{
    const struct cg_ynode *n;
    cg_rules_check_keys(l, map, join_keys, where);
    corr_other(l, r, map, rule_key, where, "match", "window");
    if ((n = cg_rules_get(l, map, "required", where)))
        cg_rules_bool_at(l, n, "required", where, &r->join_required);
}

static void corr_threshold(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map,
                           const char *where)
{
    const struct cg_ynode *n;
    uint64_t v;
    cg_rules_check_keys(l, map, threshold_keys, where);
    if ((n = cg_rules_required(l, map, "count", where)) &&
        cg_rules_uint_at(l, n, 1, COUNT_MAX, "count", where, &v))
        r->count = (unsigned)v;
    if ((n = cg_rules_required(l, map, "window", where)))
        cg_rules_duration_at(l, n, "window", where, &r->window_us);
    if ((n = cg_rules_get(l, map, "distinct", where))) {
        r->distinct = calloc(1, sizeof(*r->distinct));
        if (!r->distinct) {
            l->oom = true;
        } else if (!cg_rules_path_at(l, n, "distinct", where, r->distinct)) {
            free(r->distinct); /* path_at left nothing in it */
            r->distinct = NULL;
        }
    }
}

static void corr_holddown(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map,
                          const struct cg_ynode *rule_key, const char *where)
{
    cg_rules_check_keys(l, map, holddown_keys, where);
    corr_other(l, r, map, rule_key, where, "cancel", "for");
}

static void corr_compile(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *key,
                         const struct cg_ynode *val, const struct cg_ynode *rule_key)
{
    struct cg_rules_where w;
    const char *where = cg_rules_where_of(&w, key->str, l->what);
    if (!cg_rules_is_map(l, val, key->str, l->what))
        return;
    switch (r->corr) {
    case CG_CORR_JOIN: corr_join(l, r, val, rule_key, where); break;
    case CG_CORR_THRESHOLD: corr_threshold(l, r, val, where); break;
    case CG_CORR_HOLDDOWN: corr_holddown(l, r, val, rule_key, where); break;
    case CG_CORR_SILENCE: {
        cg_rules_check_keys(l, val, silence_keys, where);
        const struct cg_ynode *after = cg_rules_required(l, val, "after", where);
        if (after)
            cg_rules_duration_at(l, after, "after", where, &r->window_us);
        break;
    }
    case CG_CORR_NONE: break;
    }
}

/* At most one correlation; a second one is reported and still checked (into a
 * scratch rule) so its own mistakes show up in the same run. */
static void rule_corr(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *first = NULL, *rule_key = cg_yaml_map_get(map, "key");
    for (size_t i = 0; i < map->n; i++) {
        const struct cg_ynode *k = map->kv[2 * i], *v = map->kv[2 * i + 1];
        size_t c = 0;
        while (c < CG_ARRAY_LEN(corr_keys) && strcmp(k->str, corr_keys[c].key) != 0)
            c++;
        if (c == CG_ARRAY_LEN(corr_keys) || !cg_rules_get(l, map, k->str, l->what))
            continue;
        if (!first) {
            first = k;
            r->corr = corr_keys[c].kind;
            corr_compile(l, r, k, v, rule_key);
            continue;
        }
        cg_rules_err(l, k,
                     "'%s' cannot be combined with '%s' in %s: a rule has at most one of join, "
                     "threshold, holddown, silence",
                     k->str, first->str, l->what);
        struct cg_rule scratch = {.key = r->key, .corr = corr_keys[c].kind};
        corr_compile(l, &scratch, k, v, rule_key);
        corr_fini(&scratch); /* scratch.key is borrowed */
    }
}

static void rule_limits(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n;
    uint64_t v;
    if ((n = cg_rules_get(l, map, "suppress", l->what)))
        cg_rules_duration_at(l, n, "suppress", l->what, &r->suppress_us);
    r->max_keys = CG_RULE_MAX_KEYS_DEFAULT;
    if ((n = cg_rules_get(l, map, "max_keys", l->what)) &&
        cg_rules_uint_at(l, n, 1, MAX_KEYS_MAX, "max_keys", l->what, &v))
        r->max_keys = (size_t)v;
}

/* output: alert | chain. A record (chain) is never emitted, so a response it requested
 * would never reach the action stage, yet chained rules would see it as requested: the
 * combination is refused. */
static void rule_output(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n = cg_rules_get(l, map, "output", l->what);
    if (!n)
        return;
    char *v = cg_rules_enum_at(l, n, outputs, "output", l->what);
    if (!v)
        return;
    for (size_t i = 0; outputs[i]; i++)
        if (strcmp(v, outputs[i]) == 0)
            r->output = (enum cg_rule_output)i;
    free(v);
    if (r->output == CG_OUTPUT_CHAIN && cg_yaml_map_get(map, "response"))
        cg_rules_err(l, n,
                     "'output: chain' cannot be combined with 'response' in %s: a record is never "
                     "emitted, so its response would never be carried out",
                     l->what);
}

static void template_at(struct cg_rules_loader *l, const struct cg_ynode *n,
                        struct cg_template **out)
{
    int rc = cg_template_compile(l->doc, n, out, l->err);
    if (rc == CG_ENOMEM)
        l->oom = true;
    else if (rc != CG_OK)
        l->nerr++;
}

/* Without a summary the alert says the description (or the id) as written:
 * braces doubled so the text is taken literally. */
static void rule_summary(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    const struct cg_ynode *n = cg_yaml_map_get(map, "summary");
    if (n) {
        if ((n = cg_rules_get(l, map, "summary", l->what)))
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

static void rule_response(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map)
{
    struct cg_rules_where w;
    const char *where = cg_rules_where_of(&w, "response", l->what);
    const struct cg_ynode *n, *resp = cg_rules_get(l, map, "response", l->what);
    if (!resp || !cg_rules_is_map(l, resp, "response", l->what))
        return;
    cg_rules_check_keys(l, resp, response_keys, where);
    if ((n = cg_rules_required(l, resp, "action", where)))
        r->response.action = cg_rules_enum_at(l, n, actions, "action", where);
    if (cg_yaml_map_get(resp, "target")) {
        if ((n = cg_rules_get(l, resp, "target", where)) &&
            cg_rules_path_at(l, n, "target", where, &r->response.target))
            cg_rule_check_target(l, n, &r->response.target, where);
    } else {
        struct cg_buf scratch;
        cg_buf_init(&scratch);
        if (cg_path_parse("subject", &r->response.target, &scratch) != CG_OK)
            l->oom = true;
        cg_buf_fini(&scratch);
    }
    if (!cg_yaml_map_get(resp, "approval"))
        r->response.approval = cg_rules_dupz(l, "manual");
    else if ((n = cg_rules_get(l, resp, "approval", where)))
        r->response.approval = cg_rules_enum_at(l, n, approvals, "approval", where);
}

/* A rule must not feed on its own output: each of its alerts would make another, without
 * end (a threshold counting its own alerts, a silence keyed on its own silences). The
 * alert kinds it can emit, its id and severity are all known here; see
 * cg_match_can_see_own for what is taken to hold. Its `other` match only enriches or
 * cancels, which emits nothing by itself, so it may see the rule's own alerts. */
static void rule_own_output(struct cg_rules_loader *l, const struct cg_rule *r,
                            const struct cg_ynode *map)
{
    /* The event_id of its internal events: the alert kinds (engine.h) it can emit. */
    const char *kinds[3];
    size_t n = 0;
    if (r->corr == CG_CORR_SILENCE) {
        kinds[n++] = "silence";
        kinds[n++] = "cleared";
    } else {
        kinds[n++] = "alert";
    }
    if (r->suppress_us)
        kinds[n++] = "suppressed";
    if (!r->match || !r->id || !r->severity ||
        !cg_match_can_see_own(r->match, r->id, r->severity, r->response.action, kinds, n))
        return;
    cg_rules_err(l, cg_yaml_map_get(map, "match"),
                 "rule '%s' can match its own alerts (format: internal, name: %s): every alert "
                 "would make another; exclude its id with a 'name:' condition",
                 r->id, r->id);
}

int cg_rule_compile(struct cg_rules_loader *l, const struct cg_ynode *map, size_t ordinal,
                    struct cg_rule **out)
{
    *out = NULL;
    unsigned nerr = l->nerr;
    struct cg_rule *r = calloc(1, sizeof(*r));
    if (!r) {
        l->oom = true;
        return CG_ENOMEM;
    }
    r->line = map->line;
    r->digest = cg_yaml_digest(map);
    r->file = cg_rules_dupz(l, l->doc->name);
    rule_id(l, r, map, ordinal);
    cg_rules_check_keys(l, map, rule_keys, l->what);
    rule_basics(l, r, map);
    rule_corr(l, r, map);
    rule_limits(l, r, map);
    rule_summary(l, r, map);
    rule_response(l, r, map);
    rule_output(l, r, map);
    if (l->nerr == nerr)
        rule_own_output(l, r, map);
    cg_rule_collect_refs(l, r, cg_yaml_map_get(map, "match"));
    cg_rule_collect_refs(l, r, cg_yaml_map_get(cg_yaml_map_get(map, "join"), "match"));
    cg_rule_collect_refs(l, r, cg_yaml_map_get(cg_yaml_map_get(map, "holddown"), "cancel"));
    int rc = cg_rules_outcome(l, nerr);
    if (rc == CG_OK)
        *out = r;
    else
        cg_rule_free(r);
    return rc;
}
