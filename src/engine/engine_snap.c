/*
 * engine_snap.c - engine state snapshots (see engine.h).
 *
 * Format, version 2 (binio.h encoding):
 *   "CGSNAP3\n", u64 clock, u8 has_clock, u64 seq (the timer queue's counter: cg_timerq_seq),
 *   u32 number of rules with keys, then per rule:
 *     str rule id, u64 the rule's digest (rules.h), u32 nkeys, then per key, oldest first (restores
 * the LRU order): str key, u64 touched, u64 supp_until, u64 supp_count, u64 supp_events, u8
 * supp_timer, event? supp_first, event? supp_last, u32 ntimes + u64 each, u32 ndv + (str, u64)
 * each, items first, items pending, items other (u32 n + (u64 t, u64 deadline, u64 seq, event?)),
 *       u64 last_seen, u64 silence_deadline, u8 silent, event? last_ev
 *   u32 ntimers, then per timer: str rule id, str key, u64 deadline, u64 seq, u8 kind
 *     (enum cg_corr_timer_kind: 0 pending, 1 silence, 2 suppress), in heap order.
 * "event?" is u8 0 (none) or 1 followed by a serialized event.
 * Timers are stored as they are, so a restored engine fires the same deadlines in the
 * same order as the engine that wrote the snapshot would have.
 */
#include "engine_int.h"

#include "cefguard/binio.h"
#include "cefguard/vec.h"

#include <stdlib.h>

/* Version 2: the suppression sample (supp_events, supp_first) was added. Version 3: each
 * rule's digest, so that the state of a rule whose definition changed (a reload, a restart
 * with edited rule files) is dropped rather than read by a rule it was not made for. */
#define MAGIC "CGSNAP3\n"

static int put_opt_event(struct cg_buf *b, struct cg_event *ev)
{
    if (!ev)
        return cg_bin_put_u8(b, 0);
    int rc = cg_bin_put_u8(b, 1);
    return rc ? rc : cg_event_serialize(ev, b);
}

static int put_items(struct cg_buf *b, const struct cg_corr_items *l)
{
    int rc = cg_bin_put_u32(b, (uint32_t)l->n);
    for (size_t i = 0; rc == CG_OK && i < l->n; i++) {
        rc = cg_bin_put_u64(b, (uint64_t)l->v[i].t) |
             cg_bin_put_u64(b, (uint64_t)l->v[i].deadline) | cg_bin_put_u64(b, l->v[i].seq);
        rc = rc ? rc : put_opt_event(b, l->v[i].ev);
    }
    return rc;
}

static int put_key(struct cg_buf *b, struct cg_corr_kstate *ks)
{
    int rc = cg_bin_put_str(b, cg_str_make(ks->key, ks->keylen));
    rc |= cg_bin_put_u64(b, (uint64_t)ks->touched) | cg_bin_put_u64(b, (uint64_t)ks->supp_until);
    rc |= cg_bin_put_u64(b, ks->supp_count) | cg_bin_put_u64(b, ks->supp_events);
    rc |= cg_bin_put_u8(b, ks->supp_timer);
    rc = rc ? rc : put_opt_event(b, ks->supp_first);
    rc = rc ? rc : put_opt_event(b, ks->supp_last);
    rc = rc ? rc : cg_bin_put_u32(b, (uint32_t)ks->ntimes);
    for (size_t i = 0; rc == CG_OK && i < ks->ntimes; i++)
        rc = cg_bin_put_u64(b, (uint64_t)ks->times[i]);
    rc = rc ? rc : cg_bin_put_u32(b, (uint32_t)ks->ndv);
    for (size_t i = 0; rc == CG_OK && i < ks->ndv; i++)
        rc = cg_bin_put_str(b, cg_str_make(ks->dv[i].s, ks->dv[i].n)) |
             cg_bin_put_u64(b, (uint64_t)ks->dv[i].t);
    rc = rc ? rc : put_items(b, &ks->first);
    rc = rc ? rc : put_items(b, &ks->pending);
    rc = rc ? rc : put_items(b, &ks->other);
    rc = rc ? rc : cg_bin_put_u64(b, (uint64_t)ks->last_seen);
    rc = rc ? rc : cg_bin_put_u64(b, (uint64_t)ks->silence_deadline);
    rc = rc ? rc : cg_bin_put_u8(b, ks->silent);
    return rc ? rc : put_opt_event(b, ks->last_ev);
}

/* The timers of live keys, in heap order (restoring them in that order rebuilds the same
 * heap, so the restored engine fires them in the same order). */
static int put_timers(struct cg_buf *b, const struct cg_timerq *q)
{
    struct cg_corr_kstate *ks;
    uint32_t nt = 0;
    for (size_t i = 0; i < cg_timerq_count(q); i++) {
        cg_corr_timer_kind(cg_timerq_at(q, i), &ks);
        nt += !ks->dead;
    }
    int rc = cg_bin_put_u32(b, nt);
    for (size_t i = 0; rc == CG_OK && i < cg_timerq_count(q); i++) {
        const struct cg_timerq_entry *t = cg_timerq_at(q, i);
        enum cg_corr_timer_kind kind = cg_corr_timer_kind(t, &ks);
        if (ks->dead)
            continue;
        const char *id = ks->rs->rule->id;
        rc = cg_bin_put_str(b, cg_str_make(id, strlen(id))) |
             cg_bin_put_str(b, cg_str_make(ks->key, ks->keylen)) |
             cg_bin_put_u64(b, (uint64_t)t->deadline) | cg_bin_put_u64(b, t->seq) |
             cg_bin_put_u8(b, (uint8_t)kind);
    }
    return rc ? CG_ENOMEM : CG_OK;
}

int cg_engine_snapshot(struct cg_engine *e, struct cg_buf *b)
{
    int rc = cg_buf_put(b, MAGIC, 8);
    rc |= cg_bin_put_u64(b, (uint64_t)e->corr.clock) | cg_bin_put_u8(b, e->corr.has_clock);
    rc |= cg_bin_put_u64(b, cg_timerq_seq(&e->timers));
    uint32_t nr = 0;
    for (size_t i = 0; i < e->rs->n; i++)
        nr += e->rstates[i].nkeys > 0;
    rc |= cg_bin_put_u32(b, nr);
    for (size_t i = 0; rc == CG_OK && i < e->rs->n; i++) {
        struct cg_corr_rstate *r = &e->rstates[i];
        if (!r->nkeys)
            continue;
        rc = cg_bin_put_str(b, cg_str_make(r->rule->id, strlen(r->rule->id)));
        rc |= cg_bin_put_u64(b, r->rule->digest);
        rc |= cg_bin_put_u32(b, (uint32_t)r->nkeys);
        for (struct cg_corr_kstate *ks = r->lru_head; rc == CG_OK && ks; ks = ks->next)
            rc = put_key(b, ks);
    }
    return rc ? CG_ENOMEM : put_timers(b, &e->timers);
}

/* ---- restore ----------------------------------------------------------------------------- */

static struct cg_corr_rstate *find_rule(struct cg_engine *e, struct cg_str id)
{
    for (size_t i = 0; i < e->rs->n; i++)
        if (cg_str_eqz(id, e->rs->rules[i]->id))
            return &e->rstates[i];
    return NULL;
}

/* The rule of that id, if its definition is the one the state was made by. */
static struct cg_corr_rstate *find_same_rule(struct cg_engine *e, struct cg_str id, uint64_t digest)
{
    struct cg_corr_rstate *rs = find_rule(e, id);
    return rs && rs->rule->digest == digest ? rs : NULL;
}

static struct cg_event *get_opt_event(struct cg_bin_reader *r)
{
    if (!cg_bin_u8(r))
        return NULL;
    struct cg_event *ev = cg_event_deserialize(&r->p, r->end);
    if (!ev)
        r->bad = true;
    return ev;
}

static void get_items(struct cg_bin_reader *r, struct cg_corr_items *l)
{
    uint32_t n = cg_bin_u32(r);
    if (n > CG_CORR_HELD_MAX) {
        r->bad = true;
        return;
    }
    for (uint32_t i = 0; !r->bad && i < n; i++) {
        struct cg_corr_item it;
        it.t = (int64_t)cg_bin_u64(r);
        it.deadline = (int64_t)cg_bin_u64(r);
        it.seq = cg_bin_u64(r);
        it.ev = get_opt_event(r);
        it.bytes = 0; /* counted once the key is read (cg_corr_kstate_recount) */
        if (!r->bad) {
            if (cg_vec_reserve(l, l->n + 1) != CG_OK) {
                cg_event_free(it.ev);
                r->bad = true;
                return;
            }
            l->v[l->n++] = it;
        }
    }
}

/* Reads one key's state into ks (a fresh key state of rule r). */
static void get_key_body(struct cg_bin_reader *r, struct cg_corr_kstate *ks)
{
    const struct cg_rule *rule = ks->rs->rule;
    ks->touched = (int64_t)cg_bin_u64(r);
    ks->supp_until = (int64_t)cg_bin_u64(r);
    ks->supp_count = cg_bin_u64(r);
    ks->supp_events = cg_bin_u64(r);
    ks->supp_timer = cg_bin_u8(r);
    ks->supp_first = get_opt_event(r);
    ks->supp_last = get_opt_event(r);
    uint32_t nt = cg_bin_u32(r);
    if (nt && (rule->corr != CG_CORR_THRESHOLD || nt > rule->count)) {
        r->bad = true;
        return;
    }
    if (nt && !ks->times && !(ks->times = malloc(rule->count * sizeof(*ks->times))))
        r->bad = true;
    for (uint32_t i = 0; !r->bad && i < nt; i++)
        ks->times[ks->ntimes++] = (int64_t)cg_bin_u64(r);
    uint32_t nd = cg_bin_u32(r);
    if (nd && (!rule->distinct || nd > rule->count)) {
        r->bad = true;
        return;
    }
    if (nd && !ks->dv && !(ks->dv = calloc(rule->count, sizeof(*ks->dv))))
        r->bad = true;
    for (uint32_t i = 0; !r->bad && i < nd; i++) {
        struct cg_str s = cg_bin_str_dup(r, NULL);
        int64_t t = (int64_t)cg_bin_u64(r);
        if (!r->bad)
            ks->dv[ks->ndv++] = (struct cg_corr_dval){(char *)s.p, s.n, t};
        else
            free((char *)s.p);
    }
    get_items(r, &ks->first);
    get_items(r, &ks->pending);
    get_items(r, &ks->other);
    ks->last_seen = (int64_t)cg_bin_u64(r);
    ks->silence_deadline = (int64_t)cg_bin_u64(r);
    ks->silent = cg_bin_u8(r);
    ks->last_ev = get_opt_event(r);
}

static void skip_key_body(struct cg_bin_reader *r)
{
    /* A rule that no longer exists: read into a throwaway state of a dummy rule. */
    struct cg_rule dummy = {.corr = CG_CORR_THRESHOLD, .count = 100000};
    struct cg_path p = {0};
    dummy.distinct = &p;
    struct cg_corr_rstate rs = {.rule = &dummy};
    struct cg_corr_kstate ks = {.rs = &rs};
    get_key_body(r, &ks);
    free(ks.times);
    for (size_t i = 0; i < ks.ndv; i++)
        free(ks.dv[i].s);
    free(ks.dv);
    for (size_t i = 0; i < ks.first.n; i++)
        cg_event_free(ks.first.v[i].ev);
    for (size_t i = 0; i < ks.pending.n; i++)
        cg_event_free(ks.pending.v[i].ev);
    for (size_t i = 0; i < ks.other.n; i++)
        cg_event_free(ks.other.v[i].ev);
    free(ks.first.v);
    free(ks.pending.v);
    free(ks.other.v);
    cg_event_free(ks.supp_first);
    cg_event_free(ks.supp_last);
    cg_event_free(ks.last_ev);
}

static void get_rules(struct cg_engine *e, struct cg_bin_reader *r, uint64_t *dropped)
{
    uint32_t nr = cg_bin_u32(r);
    for (uint32_t i = 0; !r->bad && i < nr; i++) {
        struct cg_str id = cg_bin_str(r);
        uint64_t digest = cg_bin_u64(r);
        struct cg_corr_rstate *rs = r->bad ? NULL : find_same_rule(e, id, digest);
        uint32_t nk = cg_bin_u32(r);
        for (uint32_t k = 0; !r->bad && k < nk; k++) {
            struct cg_str key = cg_bin_str(r);
            if (r->bad || !key.p) {
                r->bad = true;
                break;
            }
            struct cg_corr_kstate *ks = rs ? cg_corr_kstate_get(rs, key.p, key.n, 0, true) : NULL;
            if (!ks) {
                (*dropped)++;
                skip_key_body(r);
                continue;
            }
            get_key_body(r, ks);
            cg_corr_kstate_recount(ks);
        }
    }
}

static void get_timers(struct cg_engine *e, struct cg_bin_reader *r)
{
    uint32_t nt = cg_bin_u32(r);
    for (uint32_t i = 0; !r->bad && i < nt; i++) {
        /* a timer of a changed rule finds no key: its keys were dropped */
        struct cg_corr_rstate *rs = find_rule(e, cg_bin_str(r));
        struct cg_str key = cg_bin_str(r);
        int64_t deadline = (int64_t)cg_bin_u64(r);
        uint64_t seq = cg_bin_u64(r);
        uint8_t kind = cg_bin_u8(r);
        if (r->bad || kind > CG_CORR_TIMER_SUPPRESS)
            r->bad = true;
        else if (rs && key.p) {
            struct cg_corr_kstate *ks = cg_hmap_get(&rs->keys, key.p, key.n);
            if (ks && cg_corr_timer_restore(&e->corr, ks, kind, deadline, seq) != CG_OK)
                r->bad = true;
        }
    }
}

int cg_engine_restore(struct cg_engine *e, const char *p, size_t n, struct cg_buf *err)
{
    struct cg_bin_reader r = {p, p + n, false};
    if (n < 8 || memcmp(p, MAGIC, 8) != 0) {
        cg_buf_puts(err, "snapshot: not a cefguard state snapshot of version 3\n");
        return CG_EPARSE;
    }
    r.p += 8;
    int64_t clock = (int64_t)cg_bin_u64(&r);
    bool has_clock = cg_bin_u8(&r);
    uint64_t seq = cg_bin_u64(&r);
    uint64_t dropped = 0;
    get_rules(e, &r, &dropped);
    get_timers(e, &r);
    if (r.bad || r.p != r.end) {
        cg_buf_puts(err, "snapshot: truncated or corrupt state snapshot\n");
        return CG_EPARSE;
    }
    e->corr.clock = clock;
    e->corr.has_clock = has_clock;
    cg_timerq_set_seq(&e->timers, seq);
    cg_corr_enforce(&e->corr); /* a smaller budget than the writer's evicts now */
    if (dropped)
        cg_buf_printf(err,
                      "snapshot: state of %llu keys of rules no longer loaded or changed dropped\n",
                      (unsigned long long)dropped);
    return CG_OK;
}
