/*
 * correlate_bytes.c - what the correlation state occupies, and the budget that bounds it
 * (see correlate.h "Bytes").
 *
 * Counting is incremental and O(1) per change: a key's bytes change where it keeps or
 * lets go of something (an event copy, a distinct value, an array), never by walking the
 * state. A held copy is counted at cg_event_mem when it is kept, once per holder: a copy
 * that two rules share is counted twice, so the count errs on the side of more (it is an
 * upper bound of what the rules keep alive), and the fields a held CEF copy decodes later
 * (when an alert reads it) are not added.
 *
 * Under the budget the victim is the least recently used key of the rule whose live keys
 * (and table) hold the most bytes: a flood of new keys through one rule evicts that rule's
 * own keys first, not the long-lived quiet state of the others (a silence rule's agents,
 * a hold-down's pending offline). Finding that rule walks the rules that keep keys: O(rules)
 * per eviction, paid only over the budget.
 */
#include "correlate.h"

#include "cefguard/vec.h"

#include <stdlib.h>

/* Timers of dead keys are swept once they are half of the queue (and at least this many):
 * each sweep is O(queue) and removes at least half of it, so O(1) per dead timer. */
#define SWEEP_MIN 64 /* also in cg_corr_enforce (correlate.h) */

static size_t list_bytes(const struct cg_corr_items *l)
{
    return l->v ? cg_corr_heap_bytes(l->cap * sizeof(*l->v)) : 0;
}

size_t cg_corr_arrays_bytes(const struct cg_corr_kstate *ks)
{
    const struct cg_rule *r = ks->rs->rule;
    size_t n = list_bytes(&ks->first) + list_bytes(&ks->pending) + list_bytes(&ks->other);
    if (ks->times)
        n += cg_corr_heap_bytes(r->count * sizeof(*ks->times));
    if (ks->dv)
        n += cg_corr_heap_bytes(r->count * sizeof(*ks->dv));
    return n;
}

size_t cg_corr_state_bytes(const struct cg_corr_ctx *c)
{
    return c->bytes + cg_timerq_mem(c->timers);
}

/* ---- held events ------------------------------------------------------------------------- */

int cg_corr_items_push(struct cg_corr_kstate *ks, struct cg_corr_items *l, struct cg_corr_item it,
                       uint64_t *dropped)
{
    if (l->n == CG_CORR_HELD_MAX) { /* bounded: the oldest goes, counted */
        (*dropped)++;
        cg_corr_uncharge(ks, l->v[0].bytes);
        cg_event_free(l->v[0].ev);
        memmove(l->v, l->v + 1, (l->n - 1) * sizeof(*l->v));
        l->n--;
    }
    if (l->n == l->cap) { /* grows: the array's bytes change */
        size_t before = list_bytes(l);
        if (cg_vec_reserve(l, l->n + 1) != CG_OK)
            return CG_ENOMEM;
        cg_corr_charge(ks, list_bytes(l) - before);
    }
    it.bytes = it.ev ? cg_event_mem(it.ev) : 0;
    cg_corr_charge(ks, it.bytes);
    l->v[l->n++] = it;
    return CG_OK;
}

struct cg_corr_item cg_corr_items_take(struct cg_corr_kstate *ks, struct cg_corr_items *l, size_t i)
{
    struct cg_corr_item it = l->v[i];
    memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(*l->v));
    l->n--;
    cg_corr_uncharge(ks, it.bytes);
    return it;
}

void cg_corr_items_prune_before(struct cg_corr_kstate *ks, struct cg_corr_items *l, int64_t t)
{
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].t < t) {
            cg_corr_uncharge(ks, l->v[i].bytes);
            cg_event_free(l->v[i].ev);
        } else {
            l->v[w++] = l->v[i];
        }
    }
    l->n = w;
}

void cg_corr_items_empty(struct cg_corr_kstate *ks, struct cg_corr_items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        cg_corr_uncharge(ks, l->v[i].bytes);
        cg_event_free(l->v[i].ev);
    }
    l->n = 0;
}

void cg_corr_slot_set(struct cg_corr_kstate *ks, struct cg_event **slot, size_t *bytes,
                      struct cg_event *ev)
{
    cg_corr_uncharge(ks, *bytes);
    cg_event_free(*slot); /* ev is a reference of its own, even when it is the same copy */
    *slot = ev;
    *bytes = ev ? cg_event_mem(ev) : 0;
    cg_corr_charge(ks, *bytes);
}

static size_t recount_items(struct cg_corr_items *l)
{
    size_t n = list_bytes(l);
    for (size_t i = 0; i < l->n; i++)
        n += l->v[i].bytes = l->v[i].ev ? cg_event_mem(l->v[i].ev) : 0;
    return n;
}

void cg_corr_kstate_recount(struct cg_corr_kstate *ks)
{
    size_t nv = ks->rs->rule->key.n ? ks->rs->rule->key.n : 1;
    size_t n = cg_corr_heap_bytes(sizeof(*ks) + nv * sizeof(struct cg_str) + ks->keycap);
    n += recount_items(&ks->first) + recount_items(&ks->pending) + recount_items(&ks->other);
    if (ks->times)
        n += cg_corr_heap_bytes(ks->rs->rule->count * sizeof(*ks->times));
    if (ks->dv)
        n += cg_corr_heap_bytes(ks->rs->rule->count * sizeof(*ks->dv));
    for (size_t i = 0; i < ks->ndv; i++)
        n += cg_corr_heap_bytes(ks->dv[i].n ? ks->dv[i].n : 1);
    n += ks->supp_first_bytes = ks->supp_first ? cg_event_mem(ks->supp_first) : 0;
    n += ks->supp_last_bytes = ks->supp_last ? cg_event_mem(ks->supp_last) : 0;
    n += ks->last_ev_bytes = ks->last_ev ? cg_event_mem(ks->last_ev) : 0;
    cg_corr_uncharge(ks, ks->bytes);
    cg_corr_charge(ks, n);
}

/* ---- the budget -------------------------------------------------------------------------- */

static bool drop_dead(void *arg, const struct cg_timerq_entry *t)
{
    (void)arg;
    struct cg_corr_kstate *ks;
    cg_corr_timer_kind(t, &ks);
    if (!ks->dead)
        return false;
    cg_corr_kstate_release(ks);
    return true;
}

void cg_corr_sweep(struct cg_corr_ctx *c)
{
    size_t n = cg_timerq_remove_if(c->timers, drop_dead, NULL);
    c->dead_timers -= n < c->dead_timers ? n : c->dead_timers;
}

static bool sweep_due(const struct cg_corr_ctx *c)
{
    return c->dead_timers >= SWEEP_MIN && c->dead_timers * 2 >= cg_timerq_count(c->timers);
}

static struct cg_corr_rstate *victim_rule(const struct cg_corr_ctx *c)
{
    struct cg_corr_rstate *best = NULL;
    for (size_t i = 0; i < c->nstateful; i++) {
        struct cg_corr_rstate *r = c->stateful[i];
        if (r->lru_head && (!best || r->bytes > best->bytes))
            best = r;
    }
    return best;
}

static void gauges(struct cg_corr_ctx *c)
{
    uint64_t now = cg_corr_state_bytes(c);
    c->st->state_bytes = now;
    if (now > c->st->state_bytes_peak)
        c->st->state_bytes_peak = now;
}

void cg_corr_enforce_slow(struct cg_corr_ctx *c)
{
    if (sweep_due(c))
        cg_corr_sweep(c);
    while (c->budget && cg_corr_state_bytes(c) > c->budget) {
        struct cg_corr_rstate *r = victim_rule(c);
        if (!r) {
            if (!c->dead_timers)
                break;
            cg_corr_sweep(c); /* only dead keys' timers are left to give back */
            continue;
        }
        cg_corr_kstate_drop(r, r->lru_head);
        c->st->evictions_budget++;
        if (sweep_due(c))
            cg_corr_sweep(c);
    }
    gauges(c);
}
