/* rule_test.c - one test case of a rule file: an entry of `tests:` (input lines, decoder
 * options, the alerts expected) -> struct cg_rule_test, and freeing it (see rules.h). */
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/syslog.h"

#define YEAR_MIN 1970
#define YEAR_MAX 9999

static const char *const test_keys[] = {"name", "input", "expect", "options", NULL};
static const char *const option_keys[] = {"year", "timezone", NULL};

void cg_rule_test_free(struct cg_rule_test *t)
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

static void test_options(struct cg_rules_loader *l, struct cg_rule_test *t,
                         const struct cg_ynode *map)
{
    struct cg_rules_where w;
    const char *where = cg_rules_where_of(&w, "options", l->what);
    const struct cg_ynode *n;
    uint64_t v;
    if (!cg_rules_is_map(l, map, "options", l->what))
        return;
    cg_rules_check_keys(l, map, option_keys, where);
    if ((n = cg_rules_get(l, map, "year", where)) &&
        cg_rules_uint_at(l, n, YEAR_MIN, YEAR_MAX, "year", where, &v))
        t->year = (int)v;
    if ((n = cg_rules_get(l, map, "timezone", where)) &&
        cg_rules_want_scalar(l, n, "timezone", where)) {
        struct cg_rules_quoted q;
        if (memchr(n->str, '\0', n->len) || !cg_syslog_timezone_valid(n->str))
            cg_rules_err(
                l, n,
                "bad timezone '%s' in %s: expected UTC, an offset like +09:00 or a zone name "
                "like Asia/Tokyo",
                cg_rules_quote(&q, n->str, n->len), where);
        else
            t->timezone = cg_rules_dup(l, n->str, n->len);
    }
}

/* One expected alert: path -> value as written (plain null -> "null"). */
static void test_alert(struct cg_rules_loader *l, struct cg_expect *e, const struct cg_ynode *map,
                       size_t ordinal)
{
    e->line = map->line;
    e->col = map->col;
    if (map->type != CG_Y_MAP) {
        cg_rules_err(l, map,
                     "alert #%zu of 'expect' in %s must be a mapping of alert paths to values",
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
        struct cg_rules_quoted q;
        if (k->len == 0) {
            cg_rules_err(l, k, "empty path in alert #%zu of 'expect' in %s", ordinal, l->what);
            continue;
        }
        if (v->type != CG_Y_SCALAR) {
            cg_rules_err(l, v, "the value of '%s' in alert #%zu of 'expect' in %s must be a scalar",
                         cg_rules_quote(&q, k->str, k->len), ordinal, l->what);
            continue;
        }
        struct cg_expect_kv *kv = &e->kv[e->n];
        kv->line = k->line;
        kv->col = k->col;
        kv->path = cg_rules_dup(l, k->str, k->len);
        kv->value =
            cg_rules_is_null(v) ? cg_rules_dupz(l, "null") : cg_rules_dup(l, v->str, v->len);
        e->n++;
    }
}

static void test_expect(struct cg_rules_loader *l, struct cg_rule_test *t,
                        const struct cg_ynode *seq)
{
    if (seq->type != CG_Y_SEQ) {
        cg_rules_err(l, seq, "'expect' must be a list of alerts in %s (an empty list: no alert)",
                     l->what);
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

static void test_name(struct cg_rules_loader *l, struct cg_rule_test *t, const struct cg_ynode *map,
                      size_t ordinal)
{
    snprintf(l->what, sizeof(l->what), "test #%zu", ordinal);
    const struct cg_ynode *n = cg_rules_required(l, map, "name", l->what);
    if (!n || !cg_rules_want_scalar(l, n, "name", l->what))
        return;
    struct cg_rules_quoted q;
    t->name = cg_rules_dup(l, n->str, n->len);
    snprintf(l->what, sizeof(l->what), "test '%s'", cg_rules_quote(&q, n->str, n->len));
}

int cg_rule_test_compile(struct cg_rules_loader *l, const struct cg_ynode *map, size_t ordinal,
                         struct cg_rule_test **out)
{
    *out = NULL;
    unsigned nerr = l->nerr;
    struct cg_rule_test *t = calloc(1, sizeof(*t));
    if (!t) {
        l->oom = true;
        return CG_ENOMEM;
    }
    const struct cg_ynode *n;
    t->line = map->line;
    t->file = cg_rules_dupz(l, l->doc->name);
    test_name(l, t, map, ordinal);
    cg_rules_check_keys(l, map, test_keys, l->what);
    if ((n = cg_rules_required(l, map, "input", l->what)) &&
        (t->input = cg_rules_text_at(l, n, "input", l->what)))
        t->input_len = n->len;
    if ((n = cg_rules_get(l, map, "options", l->what)))
        test_options(l, t, n);
    if ((n = cg_rules_required(l, map, "expect", l->what)))
        test_expect(l, t, n);
    int rc = cg_rules_outcome(l, nerr);
    if (rc == CG_OK)
        *out = t;
    else
        cg_rule_test_free(t);
    return rc;
}
