/* rule_lists.c - named lists of values (`lists:` at the top of a rule file), kept in the
 * rule set so the files loaded after the one that defines a list can use it too (see
 * rules_int.h). The lists are copied out of the YAML document, which is freed once its
 * file is compiled; matches copy the values again when they compile (match.h), so the
 * lists are only read at load time. */
#include "rules_int.h"

#include <stdlib.h>

struct cg_rule_lists {
    struct cg_arena arena; /* every node, array and string below */
    struct cg_ynode root;  /* a mapping: name -> sequence of scalars */
    size_t cap;            /* room in root.kv, in pairs */
};

void cg_rule_lists_free(struct cg_rule_lists *ls)
{
    if (!ls)
        return;
    cg_arena_fini(&ls->arena);
    free(ls);
}

static struct cg_ynode *node_copy(struct cg_arena *a, const struct cg_ynode *n)
{
    struct cg_ynode *c = cg_arena_alloc(a, sizeof(*c));
    char *s = c ? cg_arena_alloc(a, n->len + 1) : NULL;
    if (!s)
        return NULL;
    *c = *n;
    memcpy(s, n->str ? n->str : "", n->len);
    s[n->len] = '\0';
    c->str = s;
    c->kv = NULL;
    c->n = 0;
    return c;
}

/* Appends name -> a copy of the sequence seq. CG_OK or CG_ENOMEM. */
static int lists_add(struct cg_rule_lists *ls, const struct cg_ynode *name,
                     const struct cg_ynode *seq)
{
    struct cg_arena *a = &ls->arena;
    if (ls->root.n == ls->cap) {
        size_t cap = ls->cap ? 2 * ls->cap : 8;
        struct cg_ynode **kv = cg_arena_alloc(a, 2 * cap * sizeof(*kv));
        if (!kv)
            return CG_ENOMEM;
        if (ls->root.n)
            memcpy(kv, ls->root.kv, 2 * ls->root.n * sizeof(*kv));
        ls->root.kv = kv;
        ls->cap = cap;
    }
    struct cg_ynode *k = node_copy(a, name), *v = node_copy(a, seq);
    struct cg_ynode **items = v ? cg_arena_alloc(a, seq->n * sizeof(*items)) : NULL;
    if (!k || !items)
        return CG_ENOMEM;
    for (size_t i = 0; i < seq->n; i++)
        if (!(items[i] = node_copy(a, seq->kv[i])))
            return CG_ENOMEM;
    v->kv = items;
    v->n = seq->n;
    ls->root.kv[2 * ls->root.n] = k;
    ls->root.kv[2 * ls->root.n + 1] = v;
    ls->root.n++;
    return CG_OK;
}

/* One entry of `lists:`: a new name and a non-empty list of values. */
static bool list_ok(struct cg_rules_loader *l, const struct cg_ynode *k, const struct cg_ynode *v)
{
    struct cg_rules_quoted q;
    const char *name = cg_rules_quote(&q, k->str, k->len);
    bool ok = true;
    if (l->rs->lists && cg_yaml_map_get(&l->rs->lists->root, k->str)) {
        cg_rules_err(l, k, "list '%s' is already defined (names are unique across files)", name);
        return false;
    }
    if (v->type != CG_Y_SEQ || v->n == 0) {
        cg_rules_err(l, v, "list '%s' must be a non-empty list of values", name);
        return false;
    }
    for (size_t j = 0; j < v->n; j++) {
        const struct cg_ynode *it = v->kv[j];
        if (it->type != CG_Y_SCALAR || (it->plain && it->len == 0)) {
            cg_rules_err(l, it, "items of list '%s' must be values", name);
            ok = false;
        }
    }
    return ok;
}

void cg_rule_lists_read(struct cg_rules_loader *l, const struct cg_ynode *root)
{
    const struct cg_ynode *lists = cg_rules_get(l, root, "lists", "the file");
    if (lists && lists->type != CG_Y_MAP) {
        cg_rules_err(l, lists, "'lists' must be a mapping of names to lists of values");
        lists = NULL;
    }
    for (size_t i = 0; lists && i < lists->n && !l->oom; i++) {
        const struct cg_ynode *k = lists->kv[2 * i], *v = lists->kv[2 * i + 1];
        if (!list_ok(l, k, v))
            continue;
        if (!l->rs->lists) {
            l->rs->lists = calloc(1, sizeof(*l->rs->lists));
            if (!l->rs->lists) {
                l->oom = true;
                break;
            }
            cg_arena_init(&l->rs->lists->arena);
            l->rs->lists->root.type = CG_Y_MAP;
        }
        if (lists_add(l->rs->lists, k, v) != CG_OK)
            l->oom = true;
    }
    l->lists = l->rs->lists ? &l->rs->lists->root : NULL;
}
