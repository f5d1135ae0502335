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

/* ---- cefguard's own alerts ------------------------------------------------ */

bool cg_match_asks_internal(const struct cg_match *m)
{
    bool nocase = false;
    const struct cg_match_op *op = node_required(&m->root, CG_P_FORMAT, false, &nocase);
    for (size_t i = 0; op && i < op->n; i++)
        if (cg_str_eqz(op->vals[i], "internal"))
            return true;
    return false;
}

/* A value every internal event of a rule certainly has, or certainly lacks (engine.c
 * internal_event): the header, fields.rule and fields.action (the rule's action on a
 * request, absent on a refusal: both are tried). Anything else (summary, key values,
 * target, response_refused, subject) varies. */
static bool own_value_path(const struct cg_path *p)
{
    switch (p->kind) {
    case CG_P_FORMAT:
    case CG_P_VENDOR:
    case CG_P_PRODUCT:
    case CG_P_EVENT_ID:
    case CG_P_NAME:
    case CG_P_SEVERITY: return true;
    case CG_P_FIELD: return cg_str_eqz(p->key, "rule") || cg_str_eqz(p->key, "action");
    default: return false;
    }
}

/* Every condition under nd is on a value internal events certainly have or lack, so nd
 * evaluates on the stand-in event exactly as on the real one. */
static bool all_known(const struct cg_match_node *nd)
{
    if (nd->kind == CG_MATCH_COND)
        return own_value_path(&nd->cond->path);
    for (size_t i = 0; i < nd->n; i++)
        if (!all_known(&nd->kids[i]))
            return false;
    return true;
}

/* False when a top-level part (an all-of's member: a condition, or an any/not over known
 * values only) certainly fails for ev; the other parts are taken to hold, so true is
 * "may match". */
static bool top_may_hold(const struct cg_match *m, const struct cg_match_node *nd,
                         struct cg_event *ev)
{
    if (nd->kind == CG_MATCH_ALL) {
        for (size_t i = 0; i < nd->n; i++)
            if (!top_may_hold(m, &nd->kids[i], ev))
                return false;
        return true;
    }
    if (!all_known(nd))
        return true;
    struct cg_match one = *m; /* the part alone, same regex context */
    one.root = *nd;
    one.root.memo = 0;
    return cg_match_eval(&one, ev);
}

/* The internal event of kind of a rule, with the values it certainly has. */
static struct cg_event *own_event(const char *id, const char *severity, const char *action,
                                  const char *kind)
{
    struct cg_event *ev = cg_event_new(0, 256);
    if (!ev)
        return NULL;
    ev->format = CG_FMT_INTERNAL;
    ev->fields_done = true;
    ev->subject_done = true;
    ev->vendor = ev->product = CG_STR_LIT("cefguard");
    ev->event_id = cg_str_make(kind, strlen(kind));
    ev->name = cg_str_make(id, strlen(id));
    ev->severity = cg_str_make(severity, strlen(severity));
    /* Like the alert: suppressed and cleared alerts request nothing. */
    bool requests = strcmp(kind, "alert") == 0 || strcmp(kind, "silence") == 0;
    if (cg_fields_add(&ev->fields, CG_STR_LIT("rule"), ev->name) != CG_OK ||
        (action && requests &&
         cg_fields_add(&ev->fields, CG_STR_LIT("action"), cg_str_make(action, strlen(action))) !=
             CG_OK)) {
        cg_event_free(ev);
        return NULL;
    }
    return ev;
}

bool cg_match_can_see_own(const struct cg_match *m, const char *id, const char *severity,
                          const char *action, const char *const *kinds, size_t nkinds)
{
    if (!cg_match_asks_internal(m))
        return false; /* internal events never reach it (the engine's index) */
    bool may = false;
    /* A response that is refused (no valid target) leaves fields.action out of the
     * internal event: each kind is tried with the action and, for a rule with one,
     * without it. */
    for (size_t k = 0; k < nkinds * 2 && !may; k++) {
        if (k % 2 && !action)
            continue;
        struct cg_event *ev = own_event(id, severity, k % 2 ? NULL : action, kinds[k / 2]);
        if (!ev)
            return true; /* out of memory: the conservative answer */
        may = top_may_hold(m, &m->root, ev);
        cg_event_free(ev);
    }
    return may;
}
