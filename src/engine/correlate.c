/*
 * correlate.c - what each correlation kind does with a matching event and with a
 * deadline (see rules.h, engine.h, correlate.h); key states are correlate_state.c.
 *
 * Windows are closed intervals: an event exactly `window` after another is
 * inside it, a cancel exactly `for` after the event still cancels it, and a
 * deadline fires once the engine clock (minus lateness) has passed it.
 */
#include "correlate.h"

#include "key.h"

#include "cefguard/vec.h"

#include <stdlib.h>

/* ---- held events (lists: correlate_bytes.c) ---------------------------------------------- */

static int64_t abs64(int64_t x)
{
    return x < 0 ? -x : x;
}

/* ---- copies of the event being dispatched ----------------------------------------------- */

/* A copy of ev to keep (cg_event_clone). The rules that keep the event being dispatched
 * share one copy of it. */
static struct cg_event *corr_copy(struct cg_corr_ctx *cx, struct cg_event *ev)
{
    if (ev->refs || ev != cx->copy_of)
        return cg_event_clone(ev);
    if (!cx->copy && !(cx->copy = cg_event_clone(ev)))
        return NULL;
    return cg_event_clone(cx->copy);
}

/* The same, replacing old (cg_event_reclone). */
static struct cg_event *corr_recopy(struct cg_corr_ctx *cx, struct cg_event *old,
                                    struct cg_event *ev)
{
    if (ev->refs || ev != cx->copy_of)
        return cg_event_reclone(old, ev);
    if (cx->copy) {
        cg_event_free(old);
        return cg_event_clone(cx->copy);
    }
    struct cg_event *c = cg_event_reclone(old, ev); /* reuses old's memory when it can */
    if (c)
        cx->copy = cg_event_clone(c);
    return c;
}

void cg_corr_end(struct cg_corr_ctx *cx)
{
    cg_event_free(cx->copy);
    cx->copy = NULL;
    cx->copy_of = NULL;
}

/* ---- timers ------------------------------------------------------------------------------ */

static int fire_pending(void *arg, const struct cg_timerq_entry *tm);
static int fire_silence(void *arg, const struct cg_timerq_entry *tm);
static int fire_suppress(void *arg, const struct cg_timerq_entry *tm);

/* The callback of each kind: the kinds are told apart by their callbacks. */
static const cg_timerq_fn timer_fns[] = {fire_pending, fire_silence, fire_suppress};

/* A timer of ks (holding a reference to it); its seq in *seq when seq is not NULL. */
static int timer_add(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks,
                     enum cg_corr_timer_kind kind, int64_t deadline, uint64_t *seq)
{
    int rc = cg_timerq_add(cx->timers, deadline, timer_fns[kind], ks, seq);
    if (rc == CG_OK)
        ks->refs++;
    return rc;
}

/* ---- alerts ------------------------------------------------------------------------------ */

static void alert_init(struct cg_alert *a, const struct cg_rule *r, enum cg_alert_kind kind,
                       int64_t t, struct cg_corr_kstate *ks)
{
    memset(a, 0, sizeof(*a));
    a->rule = r;
    a->kind = kind;
    a->time_us = t;
    if (ks) {
        a->key = ks->vals;
        a->nkey = r->key.n;
    }
    a->key_paths = r->key.paths;
}

/* An alert within the key's suppression period: counted with its events, its trigger
 * kept for the summary (the first held-back alert's and the latest one's: a sample
 * bounded at two events), and the end of the period set. */
static int hold_back(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_alert *a)
{
    bool first = ks->supp_count == 0;
    ks->supp_count++;
    ks->supp_events += a->count;
    cx->st->suppressed++;
    ks->rs->suppressed++;
    if (a->nevents) {
        struct cg_event *c = corr_copy(cx, a->events[a->nevents - 1]);
        if (!c)
            return CG_ENOMEM;
        if (first)
            cg_corr_slot_set(ks, &ks->supp_first, &ks->supp_first_bytes, c);
        else
            cg_corr_slot_set(ks, &ks->supp_last, &ks->supp_last_bytes, c);
    }
    if (ks->supp_timer)
        return CG_OK;
    ks->supp_timer = true;
    return timer_add(cx, ks, CG_CORR_TIMER_SUPPRESS, ks->supp_until, NULL);
}

/* Emits an alert of key ks (NULL: a rule without state), applying the rule's
 * suppression. */
static int emit_events(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_alert *a,
                       struct cg_event **evs, size_t n, uint64_t count)
{
    a->events = evs;
    a->nevents = n;
    a->count = count;
    if (n && evs[n - 1])
        a->off_min = evs[n - 1]->time.off_min;
    const struct cg_rule *r = a->rule;
    if (ks && r->suppress_us && a->kind == CG_ALERT_FIRE) {
        if (ks->supp_until && a->time_us <= ks->supp_until)
            return hold_back(cx, ks, a);
        ks->supp_until = a->time_us + r->suppress_us;
    }
    return cx->emit(cx->emit_arg, a);
}

/* ---- correlation kinds ------------------------------------------------------------------- */

/* The key's timers fire at the deepest chain depth of the events that armed them. */
static void note_depth(const struct cg_corr_ctx *cx, struct cg_corr_kstate *ks)
{
    if (cx->depth > ks->depth)
        ks->depth = cx->depth;
}

static int on_none(struct cg_corr_ctx *cx, struct cg_corr_rstate *r, struct cg_event *ev, int64_t t)
{
    struct cg_corr_kstate *ks = NULL;
    struct cg_str tmpvals[16];
    struct cg_alert a;
    if (r->rule->suppress_us) {
        ks = cg_corr_kstate_get(r, cx->key.p, cx->key.n, t, true);
        if (!ks)
            return CG_ENOMEM;
        note_depth(cx, ks);
        alert_init(&a, r->rule, CG_ALERT_FIRE, t, ks);
    } else {
        /* Stateless: the key lives in scratch only for the call. */
        alert_init(&a, r->rule, CG_ALERT_FIRE, t, NULL);
        size_t nv = r->rule->key.n < 16 ? r->rule->key.n : 16;
        cg_key_decode(cx->key.p, cx->key.n, tmpvals, nv);
        a.key = tmpvals;
        a.nkey = nv;
    }
    return emit_events(cx, ks, &a, &ev, 1, 1);
}

static int dval_see(struct cg_corr_kstate *ks, struct cg_str v, int64_t t, unsigned cap)
{
    for (size_t i = 0; i < ks->ndv; i++) {
        if (ks->dv[i].n == v.n && memcmp(ks->dv[i].s, v.p, v.n) == 0) {
            if (t > ks->dv[i].t)
                ks->dv[i].t = t;
            return CG_OK;
        }
    }
    if (!ks->dv) {
        if (!(ks->dv = calloc(cap, sizeof(*ks->dv))))
            return CG_ENOMEM;
        cg_corr_charge(ks, cg_corr_heap_bytes(cap * sizeof(*ks->dv)));
    }
    if (ks->ndv == cap)
        return CG_OK; /* cannot happen: the alert fires at cap */
    char *s = malloc(v.n ? v.n : 1);
    if (!s)
        return CG_ENOMEM;
    cg_corr_charge(ks, cg_corr_heap_bytes(v.n ? v.n : 1));
    if (v.n)
        memcpy(s, v.p, v.n);
    ks->dv[ks->ndv++] = (struct cg_corr_dval){s, v.n, t};
    return CG_OK;
}

/* Lets go of distinct value i (its slot is the caller's to fill). */
static void dval_free(struct cg_corr_kstate *ks, size_t i)
{
    cg_corr_uncharge(ks, cg_corr_heap_bytes(ks->dv[i].n ? ks->dv[i].n : 1));
    free(ks->dv[i].s);
}

static void dval_prune(struct cg_corr_kstate *ks, int64_t from)
{
    size_t w = 0;
    for (size_t i = 0; i < ks->ndv; i++) {
        if (ks->dv[i].t < from)
            dval_free(ks, i);
        else
            ks->dv[w++] = ks->dv[i];
    }
    ks->ndv = w;
}

static int times_insert(struct cg_corr_kstate *ks, int64_t t, unsigned cap)
{
    if (!ks->times) {
        if (!(ks->times = malloc(cap * sizeof(*ks->times))))
            return CG_ENOMEM;
        cg_corr_charge(ks, cg_corr_heap_bytes(cap * sizeof(*ks->times)));
    }
    size_t i = ks->ntimes;
    if (i == cap) /* full but not fired (late event): drop the oldest */
        memmove(ks->times, ks->times + 1, --i * sizeof(*ks->times));
    while (i > 0 && ks->times[i - 1] > t) {
        ks->times[i] = ks->times[i - 1];
        i--;
    }
    ks->times[i] = t;
    ks->ntimes = ks->ntimes < cap ? ks->ntimes + 1 : cap;
    return CG_OK;
}

static void times_prune(struct cg_corr_kstate *ks, int64_t from)
{
    size_t k = 0;
    while (k < ks->ntimes && ks->times[k] < from)
        k++;
    if (k == 0)
        return; /* also keeps memmove away from a not yet allocated array */
    memmove(ks->times, ks->times + k, (ks->ntimes - k) * sizeof(*ks->times));
    ks->ntimes -= k;
}

static int threshold_fire(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, int64_t t,
                          uint64_t count)
{
    const struct cg_rule *r = ks->rs->rule;
    struct cg_alert a;
    alert_init(&a, r, CG_ALERT_FIRE, t, ks);
    struct cg_str *vals = NULL;
    if (r->distinct && ks->ndv) {
        if (!(vals = calloc(ks->ndv, sizeof(*vals))))
            return CG_ENOMEM;
        for (size_t i = 0; i < ks->ndv; i++)
            vals[i] = cg_str_make(ks->dv[i].s, ks->dv[i].n);
        a.values = vals;
        a.nvalues = ks->ndv;
    }
    struct cg_event *evs[16];
    size_t n = ks->first.n < 16 ? ks->first.n : 16;
    for (size_t i = 0; i < n; i++)
        evs[i] = ks->first.v[i].ev;
    int rc = emit_events(cx, ks, &a, evs, n, count);
    free(vals);
    /* A fired threshold starts over. */
    for (size_t i = 0; i < ks->ndv; i++)
        dval_free(ks, i);
    ks->ndv = 0;
    ks->ntimes = 0;
    cg_corr_items_empty(ks, &ks->first);
    return rc;
}

static int on_threshold(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *ev,
                        int64_t t)
{
    const struct cg_rule *r = ks->rs->rule;
    int64_t from = t - r->window_us;
    int rc;
    if (r->distinct) {
        struct cg_str v;
        struct cg_path_scratch sc;
        if (!cg_path_get(r->distinct, ev, &v, &sc))
            return CG_OK; /* nothing to count distinctly */
        dval_prune(ks, from);
        rc = dval_see(ks, v, t, r->count);
    } else {
        times_prune(ks, from);
        rc = times_insert(ks, t, r->count);
    }
    if (rc != CG_OK)
        return rc;
    cg_corr_items_prune_before(ks, &ks->first, from);
    if (ks->first.n < cx->max_events) {
        struct cg_event *c = corr_copy(cx, ev);
        if (!c || cg_corr_items_push(ks, &ks->first, (struct cg_corr_item){c, t, 0, 0, 0},
                                     &cx->st->held_dropped) != CG_OK) {
            cg_event_free(c);
            return CG_ENOMEM;
        }
    }
    size_t have = r->distinct ? ks->ndv : ks->ntimes;
    return have >= r->count ? threshold_fire(cx, ks, t, have) : CG_OK;
}

static int join_emit(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *primary,
                     int64_t t, struct cg_event *joined)
{
    struct cg_alert a;
    alert_init(&a, ks->rs->rule, CG_ALERT_FIRE, t, ks);
    a.joined = joined;
    return emit_events(cx, ks, &a, &primary, 1, joined ? 2 : 1);
}

static int hold(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *ev, int64_t t)
{
    struct cg_event *c = corr_copy(cx, ev);
    if (!c)
        return CG_ENOMEM;
    /* The timer first: the item carries its seq (a timer whose item is gone does nothing). */
    uint64_t seq;
    int64_t deadline = t + ks->rs->rule->window_us;
    if (timer_add(cx, ks, CG_CORR_TIMER_PENDING, deadline, &seq) != CG_OK ||
        cg_corr_items_push(ks, &ks->pending, (struct cg_corr_item){c, t, deadline, seq, 0},
                           &cx->st->held_dropped) != CG_OK) {
        cg_event_free(c);
        return CG_ENOMEM;
    }
    return CG_OK;
}

static int on_join_main(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *ev,
                        int64_t t)
{
    int64_t w = ks->rs->rule->window_us;
    cg_corr_items_prune_before(ks, &ks->other, cx->clock - cx->lateness_us - w);
    size_t best = ks->other.n;
    for (size_t i = 0; i < ks->other.n; i++) {
        int64_t d = abs64(ks->other.v[i].t - t);
        if (d <= w && (best == ks->other.n || d < abs64(ks->other.v[best].t - t)))
            best = i;
    }
    if (best < ks->other.n)
        return join_emit(cx, ks, ev, t, ks->other.v[best].ev);
    return hold(cx, ks, ev, t);
}

static int on_join_other(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *ev,
                         int64_t t)
{
    int64_t w = ks->rs->rule->window_us;
    struct cg_event *c = corr_copy(cx, ev);
    if (!c)
        return CG_ENOMEM;
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < ks->pending.n;) {
        if (abs64(ks->pending.v[i].t - t) > w) {
            i++;
            continue;
        }
        struct cg_corr_item it = cg_corr_items_take(ks, &ks->pending, i);
        rc = join_emit(cx, ks, it.ev, it.t, c);
        cg_event_free(it.ev);
    }
    if (rc == CG_OK)
        rc = cg_corr_items_push(ks, &ks->other, (struct cg_corr_item){c, t, 0, 0, 0},
                                &cx->st->held_dropped);
    else
        cg_event_free(c);
    return rc;
}

static int on_holddown_main(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *ev,
                            int64_t t)
{
    int64_t w = ks->rs->rule->window_us;
    for (size_t i = 0; i < ks->other.n; i++)
        if (ks->other.v[i].t >= t && ks->other.v[i].t <= t + w)
            return CG_OK; /* the cancel already arrived (out of order) */
    return hold(cx, ks, ev, t);
}

static int on_holddown_cancel(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, int64_t t)
{
    int64_t w = ks->rs->rule->window_us;
    for (size_t i = 0; i < ks->pending.n;) {
        if (t >= ks->pending.v[i].t && t <= ks->pending.v[i].t + w) {
            struct cg_corr_item it = cg_corr_items_take(ks, &ks->pending, i);
            cg_event_free(it.ev);
        } else {
            i++;
        }
    }
    /* Remember the cancel for pending events that arrive late. */
    cg_corr_items_prune_before(ks, &ks->other, cx->clock - cx->lateness_us - w);
    return cg_corr_items_push(ks, &ks->other, (struct cg_corr_item){NULL, t, 0, 0, 0},
                              &cx->st->held_dropped);
}

static int on_silence(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, struct cg_event *ev,
                      int64_t t)
{
    const struct cg_rule *r = ks->rs->rule;
    int rc = CG_OK;
    if (ks->silent) {
        ks->silent = false;
        struct cg_alert a;
        alert_init(&a, r, CG_ALERT_CLEARED, t, ks);
        rc = emit_events(cx, ks, &a, &ev, 1, 1);
        if (rc != CG_OK)
            return rc;
    }
    if (ks->last_ev && t < ks->last_seen)
        return CG_OK;
    cg_corr_uncharge(ks, ks->last_ev_bytes);
    ks->last_ev_bytes = 0;
    ks->last_ev = corr_recopy(cx, ks->last_ev, ev); /* releases the old copy, or reuses it */
    if (!ks->last_ev)
        return CG_ENOMEM;
    ks->last_ev_bytes = cg_event_mem(ks->last_ev);
    cg_corr_charge(ks, ks->last_ev_bytes);
    ks->last_seen = t;
    bool armed = ks->silence_deadline != 0;
    ks->silence_deadline = t + r->window_us;
    /* One timer per key: when it fires early it re-arms to the current deadline. */
    if (!armed)
        rc = timer_add(cx, ks, CG_CORR_TIMER_SILENCE, ks->silence_deadline, NULL);
    return rc;
}

int cg_corr_event(struct cg_corr_rstate *r, enum cg_corr_role role, struct cg_event *ev, int64_t t)
{
    struct cg_corr_ctx *cx = r->ctx;
    const struct cg_rule *rule = r->rule;
    const struct cg_keyspec *kspec = role == CG_CORR_ROLE_MAIN ? &rule->key : &rule->other_key;
    if (cg_key_build(kspec, ev, &cx->key) != CG_OK)
        return CG_ENOMEM;
    if (rule->corr == CG_CORR_NONE) {
        int rc = on_none(cx, r, ev, t);
        if (rule->suppress_us) /* keeps a key */
            cg_corr_enforce(cx);
        return rc;
    }
    /* Cancels and related events only matter for keys that exist or may come. */
    struct cg_corr_kstate *ks = cg_corr_kstate_get(r, cx->key.p, cx->key.n, t, true);
    if (!ks)
        return CG_ENOMEM;
    note_depth(cx, ks);
    int rc = CG_OK;
    switch (rule->corr) {
    case CG_CORR_THRESHOLD: rc = on_threshold(cx, ks, ev, t); break;
    case CG_CORR_JOIN:
        rc = role == CG_CORR_ROLE_MAIN ? on_join_main(cx, ks, ev, t) : on_join_other(cx, ks, ev, t);
        break;
    case CG_CORR_HOLDDOWN:
        rc = role == CG_CORR_ROLE_MAIN ? on_holddown_main(cx, ks, ev, t)
                                       : on_holddown_cancel(cx, ks, t);
        break;
    case CG_CORR_SILENCE: rc = on_silence(cx, ks, ev, t); break;
    case CG_CORR_NONE: break;
    }
    cg_corr_enforce(cx); /* may evict ks: nothing below uses it */
    return rc;
}

/* ---- deadlines --------------------------------------------------------------------------- */

static int timer_pending(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks,
                         const struct cg_timerq_entry *tm)
{
    const struct cg_rule *r = ks->rs->rule;
    for (size_t i = 0; i < ks->pending.n; i++) {
        if (ks->pending.v[i].seq != tm->seq)
            continue;
        struct cg_corr_item it = cg_corr_items_take(ks, &ks->pending, i);
        int rc = CG_OK;
        if (r->corr == CG_CORR_JOIN && r->join_required) {
            cx->st->join_dropped++;
        } else if (r->corr == CG_CORR_JOIN) {
            rc = join_emit(cx, ks, it.ev, it.t, NULL);
        } else {
            struct cg_alert a;
            alert_init(&a, r, CG_ALERT_FIRE, tm->deadline, ks);
            rc = emit_events(cx, ks, &a, &it.ev, 1, 1);
        }
        cg_event_free(it.ev);
        return rc;
    }
    return CG_OK; /* resolved earlier (joined or cancelled) */
}

static int timer_silence(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks,
                         const struct cg_timerq_entry *tm)
{
    if (ks->silence_deadline > tm->deadline) /* heard from since: wait for the new deadline */
        return timer_add(cx, ks, CG_CORR_TIMER_SILENCE, ks->silence_deadline, NULL);
    ks->silence_deadline = 0;
    ks->silent = true;
    struct cg_alert a;
    alert_init(&a, ks->rs->rule, CG_ALERT_SILENCE, tm->deadline, ks);
    return emit_events(cx, ks, &a, &ks->last_ev, ks->last_ev ? 1 : 0, 0);
}

static int timer_suppress(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks,
                          const struct cg_timerq_entry *tm)
{
    ks->supp_timer = false;
    if (!ks->supp_count)
        return CG_OK;
    struct cg_alert a;
    alert_init(&a, ks->rs->rule, CG_ALERT_SUPPRESSED, tm->deadline, ks);
    a.suppressed = ks->supp_count;
    uint64_t events = ks->supp_events;
    ks->supp_count = ks->supp_events = 0;
    /* The sample, oldest first: the summary renders from the last of them. */
    struct cg_event *sample[2];
    size_t n = 0;
    if (ks->supp_first)
        sample[n++] = ks->supp_first;
    if (ks->supp_last)
        sample[n++] = ks->supp_last;
    ks->supp_first = ks->supp_last = NULL; /* the sample is ours now: not the key's bytes */
    cg_corr_uncharge(ks, ks->supp_first_bytes + ks->supp_last_bytes);
    ks->supp_first_bytes = ks->supp_last_bytes = 0;
    int rc = emit_events(cx, ks, &a, sample, n, events);
    for (size_t i = 0; i < n; i++)
        cg_event_free(sample[i]);
    return rc;
}

/* A timer of a key that is still live moves the clock to its deadline (flush: time moves
 * to the deadline it resolves) and resolves; every timer lets go of its reference. */
static int timer_fire(void *arg, const struct cg_timerq_entry *tm, enum cg_corr_timer_kind kind)
{
    struct cg_corr_kstate *ks = arg;
    int rc = CG_OK;
    if (!ks->dead) {
        struct cg_corr_ctx *cx = ks->rs->ctx;
        if (tm->deadline > cx->clock) {
            cx->clock = tm->deadline;
            cx->has_clock = true;
        }
        cx->depth = ks->depth;
        switch (kind) {
        case CG_CORR_TIMER_PENDING: rc = timer_pending(cx, ks, tm); break;
        case CG_CORR_TIMER_SILENCE: rc = timer_silence(cx, ks, tm); break;
        case CG_CORR_TIMER_SUPPRESS: rc = timer_suppress(cx, ks, tm); break;
        }
        cg_corr_kstate_release(ks);
        cg_corr_enforce(cx);
        return rc;
    }
    ks->rs->ctx->dead_timers--;
    cg_corr_kstate_release(ks);
    return rc;
}

static int fire_pending(void *arg, const struct cg_timerq_entry *tm)
{
    return timer_fire(arg, tm, CG_CORR_TIMER_PENDING);
}

static int fire_silence(void *arg, const struct cg_timerq_entry *tm)
{
    return timer_fire(arg, tm, CG_CORR_TIMER_SILENCE);
}

static int fire_suppress(void *arg, const struct cg_timerq_entry *tm)
{
    return timer_fire(arg, tm, CG_CORR_TIMER_SUPPRESS);
}

enum cg_corr_timer_kind cg_corr_timer_kind(const struct cg_timerq_entry *t,
                                           struct cg_corr_kstate **ks)
{
    *ks = t->arg;
    return t->fn == fire_pending   ? CG_CORR_TIMER_PENDING
           : t->fn == fire_silence ? CG_CORR_TIMER_SILENCE
                                   : CG_CORR_TIMER_SUPPRESS;
}

int cg_corr_timer_restore(struct cg_corr_ctx *cx, struct cg_corr_kstate *ks, unsigned kind,
                          int64_t deadline, uint64_t seq)
{
    if (kind >= CG_ARRAY_LEN(timer_fns))
        return CG_EINVAL;
    int rc = cg_timerq_add_seq(cx->timers, deadline, seq, timer_fns[kind], ks);
    if (rc == CG_OK)
        ks->refs++;
    return rc;
}
