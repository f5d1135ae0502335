/*
 * rule_refs.c - what a rule refers to that may not exist: its response target must be a
 * path that can name a machine, and the rules whose alerts it matches must be loaded.
 *
 * A chained rule names another rule by id (`match: {format: internal, vendor: cefguard,
 * name: ds-am-risk-remains}`); a misspelt id is a rule that never fires, which nothing
 * would show. The ids are checked once every file is loaded (rules may name rules of a
 * later -r file), so the positions are kept with the rule (struct cg_rule_ref).
 */
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/vec.h"

#define REFS_DEPTH 8 /* all:/any: nesting searched for chained names */

void cg_rule_check_target(struct cg_rules_loader *l, const struct cg_ynode *at,
                          const struct cg_path *p, const char *where)
{
    switch (p->kind) {
    case CG_P_SUBJECT:
    case CG_P_HOST:
    case CG_P_FIELD:
    case CG_P_SYSLOG_SD: return;
    default: break;
    }
    struct cg_rules_quoted q;
    cg_rules_err(l, at,
                 "'target' path '%s' in %s cannot name a machine: expected subject, host, "
                 "fields.<key> or syslog.sd.<SD-ID>.<param>",
                 cg_rules_quote(&q, p->text, strlen(p->text)), where);
}

static bool scalar_is(const struct cg_ynode *n, const char *z)
{
    return n && n->type == CG_Y_SCALAR && n->len == strlen(z) && memcmp(n->str, z, n->len) == 0;
}

/* A match (or one of its all:/any: parts) on cefguard's own alerts. */
static bool on_alerts(const struct cg_ynode *map)
{
    return scalar_is(cg_yaml_map_get(map, "vendor"), "cefguard") ||
           scalar_is(cg_yaml_map_get(map, "product"), "cefguard") ||
           scalar_is(cg_yaml_map_get(map, "format"), "internal");
}

static void add_ref(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *n)
{
    if (n->type != CG_Y_SCALAR || n->len == 0)
        return;
    if (cg_vec_reserve_ptr(&r->refs, &r->refs_cap, sizeof(*r->refs), r->nrefs + 1) != CG_OK) {
        l->oom = true;
        return;
    }
    char *id = cg_rules_dup(l, n->str, n->len);
    if (id)
        r->refs[r->nrefs++] = (struct cg_rule_ref){id, n->line, n->col};
}

/* `name: x`, `name: [x, y]`, `name: {eq: x}`, `name: {in: [x, y]}`. */
static void add_names(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *v)
{
    const struct cg_ynode *list = v;
    if (v->type == CG_Y_SCALAR) {
        add_ref(l, r, v);
        return;
    }
    if (v->type == CG_Y_MAP) {
        const struct cg_ynode *eq = cg_yaml_map_get(v, "eq");
        if (eq)
            add_ref(l, r, eq);
        list = cg_yaml_map_get(v, "in");
    }
    for (size_t i = 0; list && list->type == CG_Y_SEQ && i < list->n; i++)
        add_ref(l, r, list->kv[i]);
}

static void walk(struct cg_rules_loader *l, struct cg_rule *r, const struct cg_ynode *map,
                 bool alerts, unsigned depth)
{
    if (!map || map->type != CG_Y_MAP || depth > REFS_DEPTH)
        return;
    alerts = alerts || on_alerts(map);
    const struct cg_ynode *name = cg_yaml_map_get(map, "name");
    if (alerts && name)
        add_names(l, r, name);
    static const char *const lists[] = {"all", "any"};
    for (size_t k = 0; k < CG_ARRAY_LEN(lists); k++) {
        const struct cg_ynode *list = cg_yaml_map_get(map, lists[k]);
        for (size_t i = 0; list && list->type == CG_Y_SEQ && i < list->n; i++)
            walk(l, r, list->kv[i], alerts, depth + 1);
    }
}

void cg_rule_collect_refs(struct cg_rules_loader *l, struct cg_rule *r,
                          const struct cg_ynode *match)
{
    walk(l, r, match, false, 0);
}

void cg_rule_refs_free(struct cg_rule *r)
{
    for (size_t i = 0; i < r->nrefs; i++)
        free(r->refs[i].id);
    free(r->refs);
    r->refs = NULL;
    r->nrefs = r->refs_cap = 0;
}

int cg_ruleset_check_refs(const struct cg_ruleset *rs, struct cg_buf *err)
{
    struct cg_hmap ids;
    cg_hmap_init_borrowed(&ids, 0);
    int rc = CG_OK;
    for (size_t i = 0; i < rs->n && rc == CG_OK; i++)
        rc = cg_hmap_put(&ids, rs->rules[i]->id, strlen(rs->rules[i]->id), rs->rules[i]);
    for (size_t i = 0; i < rs->n && rc != CG_ENOMEM; i++) {
        const struct cg_rule *r = rs->rules[i];
        for (size_t k = 0; k < r->nrefs; k++) {
            const struct cg_rule_ref *ref = &r->refs[k];
            if (cg_hmap_get(&ids, ref->id, strlen(ref->id)))
                continue;
            struct cg_rules_quoted q;
            const char *id = cg_rules_quote(&q, ref->id, strlen(ref->id));
            cg_buf_printf(err,
                          "%s:%u:%u: rule '%s' matches the alerts of rule '%s', and no rule "
                          "'%s' is loaded\n",
                          r->file, ref->line, ref->col, r->id, id, id);
            rc = CG_EPARSE;
        }
    }
    cg_hmap_fini(&ids);
    return rc;
}
