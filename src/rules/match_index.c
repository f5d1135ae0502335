/* match_index.c - what the engine's index may ask of a compiled match: the values and
 * ranges every matching event must have (see match.h). */
#include "match_int.h"

/* ---- index support ------------------------------------------------------- */

/* Walks the conjunction at the top (all-of nodes only: under any/not a value is
 * not required) for the tightest ge/gt and le/lt bounds on kind k. */
static void find_bounds(const struct cg_match_node *nd, enum cg_path_kind k, double *lo, double *hi)
{
    if (nd->kind == CG_MATCH_ALL) {
        for (size_t i = 0; i < nd->n; i++)
            find_bounds(&nd->kids[i], k, lo, hi);
    } else if (nd->kind == CG_MATCH_COND && nd->cond->path.kind == k) {
        for (size_t i = 0; i < nd->cond->nops; i++) {
            const struct cg_match_op *op = &nd->cond->ops[i];
            if ((op->kind == CG_MATCH_OP_GE || op->kind == CG_MATCH_OP_GT) && op->num > *lo)
                *lo = op->num;
            if ((op->kind == CG_MATCH_OP_LE || op->kind == CG_MATCH_OP_LT) && op->num < *hi)
                *hi = op->num;
        }
    }
}

bool cg_match_required_range(const struct cg_match *m, enum cg_path_kind k, double *lo, double *hi)
{
    if (k == CG_P_FIELD || k == CG_P_SYSLOG_SD)
        return false;
    *lo = -HUGE_VAL;
    *hi = HUGE_VAL;
    find_bounds(&m->root, k, lo, hi);
    return *lo != -HUGE_VAL && *hi != HUGE_VAL;
}

/* The smallest eq/in set a node requires for path kind k at its top level (the node is
 * that cond, or an all-of with it, nested all-ofs included); nocase sets count only
 * when allowed. */
static void node_required_in(const struct cg_match_node *nd, enum cg_path_kind k, bool nocase_ok,
                             const struct cg_match_op **best, bool *nocase)
{
    if (nd->kind == CG_MATCH_ALL) {
        for (size_t i = 0; i < nd->n; i++)
            node_required_in(&nd->kids[i], k, nocase_ok, best, nocase);
        return;
    }
    if (nd->kind != CG_MATCH_COND || nd->cond->path.kind != k || (nd->cond->nocase && !nocase_ok))
        return;
    for (size_t j = 0; j < nd->cond->nops; j++) {
        const struct cg_match_op *op = &nd->cond->ops[j];
        if (op->kind == CG_MATCH_OP_EQ && (!*best || op->n < (*best)->n)) {
            *best = op;
            *nocase = nd->cond->nocase;
        }
    }
}

static const struct cg_match_op *node_required(const struct cg_match_node *nd, enum cg_path_kind k,
                                               bool nocase_ok, bool *nocase)
{
    const struct cg_match_op *best = NULL;
    node_required_in(nd, k, nocase_ok, &best, nocase);
    return best;
}

/* One branch's alternative: an event_id set (exact), else a name set (nocase allowed). */
static bool branch_alt(const struct cg_match_node *nd, struct cg_match_alt *alt)
{
    bool nocase = false;
    const struct cg_match_op *op = node_required(nd, CG_P_EVENT_ID, false, &nocase);
    alt->kind = CG_P_EVENT_ID;
    if (!op) {
        op = node_required(nd, CG_P_NAME, true, &nocase);
        alt->kind = CG_P_NAME;
    }
    if (!op)
        return false;
    alt->nocase = nocase;
    alt->vals = op->vals;
    alt->n = op->n;
    return true;
}

size_t cg_match_required_any(const struct cg_match *m, struct cg_match_alt *alts, size_t max)
{
    const struct cg_match_node *root = &m->root;
    if (max == 0)
        return 0;
    bool nocase = false;
    const struct cg_match_op *op = node_required(root, CG_P_NAME, true, &nocase);
    if (op) { /* a name the whole match requires */
        alts[0] = (struct cg_match_alt){CG_P_NAME, nocase, op->vals, op->n};
        return 1;
    }
    for (size_t i = 0; root->kind == CG_MATCH_ALL && i < root->n; i++) {
        const struct cg_match_node *any = &root->kids[i];
        if (any->kind != CG_MATCH_ANY || any->n > max)
            continue;
        size_t k = 0;
        while (k < any->n && branch_alt(&any->kids[k], &alts[k]))
            k++;
        if (k == any->n)
            return k;
    }
    return 0;
}

bool cg_match_required_values(const struct cg_match *m, enum cg_path_kind k,
                              const struct cg_str **vals, size_t *n)
{
    bool nocase = false;
    /* A field or SD path needs its key too: the kind alone says nothing. */
    if (k == CG_P_FIELD || k == CG_P_SYSLOG_SD)
        return false;
    const struct cg_match_op *best = node_required(&m->root, k, false, &nocase);
    if (!best)
        return false;
    *vals = best->vals;
    *n = best->n;
    return true;
}
