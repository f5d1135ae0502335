/*
 * correlate.h - per-key correlation state of each rule, and the one context correlation
 * runs in (private to src/engine/).
 *
 * The engine owns a struct cg_corr_ctx and one struct cg_corr_rstate per rule and drives
 * correlation: it calls cg_corr_event() for each (rule, role) an event matched, between
 * cg_corr_begin() and cg_corr_end(), and pops the timers that fall due from ctx->timers
 * (each timer's callback is one of correlation's). Correlation reaches the engine only
 * through the context: the clock, the timer queue, the shared copy of the event being
 * dispatched, the emit callback, the stats. It calls no cg_engine_* function.
 *
 * Bytes. Everything the rules keep is counted as it is kept and let go (correlate_bytes.c):
 * each key state (its allocation, its arrays, each held event copy at cg_event_mem, each
 * distinct value), each rule's key table, and the timer queue's array. The total is held
 * to a budget (ctx->budget) by evicting keys, and an evicted or expired key lets go of
 * everything it holds at once: its timers stay queued until they fall due or the queue is
 * swept (cg_corr_sweep), but they hold nothing except the bare key state.
 */
#ifndef CEFGUARD_ENGINE_CORRELATE_H
#define CEFGUARD_ENGINE_CORRELATE_H

#include "cefguard/engine.h"
#include "cefguard/hmap.h"
#include "cefguard/timerq.h"

#define CG_CORR_HELD_MAX 64 /* join/holddown items held per key */

/* Which of a rule's matches an event matched: `match`, or `other` (join: the related
 * events; holddown: the cancelling ones). */
enum cg_corr_role { CG_CORR_ROLE_MAIN = 0, CG_CORR_ROLE_OTHER = 1 };

/* A held event: pending (join / holddown) or buffered (join's related events). */
struct cg_corr_item {
    struct cg_event *ev;
    int64_t t;        /* event time, us */
    int64_t deadline; /* pending: when it resolves */
    uint64_t seq;     /* pending: the seq of its timer */
    size_t bytes;     /* ev's bytes as counted when it was kept (cg_corr_items_push) */
};

struct cg_corr_items {
    struct cg_corr_item *v;
    size_t n, cap;
};

/* Distinct value with the time it was last seen (threshold distinct). */
struct cg_corr_dval {
    char *s;
    size_t n;
    int64_t t;
};

/* The state of one key of one rule. */
struct cg_corr_kstate {
    struct cg_corr_kstate *prev, *next; /* LRU list of the rule, newest at tail */
    struct cg_corr_rstate *rs;
    unsigned refs; /* 1 while in the table + 1 per timer */
    bool dead;     /* evicted or expired: timers skip it; its bytes are not its rule's */
    size_t bytes;  /* what the state occupies, counted (correlate.h "Bytes") */
    char *key;     /* encoded key (key.h), in the state's own allocation */
    size_t keylen;
    size_t keycap;       /* bytes key has room for */
    struct cg_str *vals; /* the key values, views into key; also in that allocation */
    int64_t touched;     /* event time of the last activity */
    unsigned depth;      /* deepest chain depth of the events it saw: its timers fire at it */
    /* suppression */
    int64_t supp_until;   /* alerts up to this time are held back */
    uint64_t supp_count;  /* alerts held back */
    uint64_t supp_events; /* events those alerts were made of (the sum of their counts) */
    bool supp_timer;
    struct cg_event *supp_first; /* the first held-back alert's trigger (the sample) */
    struct cg_event *supp_last;  /* the last one's, once two were held back */
    size_t supp_first_bytes, supp_last_bytes;
    /* threshold */
    int64_t *times; /* sorted times of matching events (<= count) */
    size_t ntimes;
    struct cg_corr_dval *dv; /* distinct values (<= count) */
    size_t ndv;
    struct cg_corr_items first; /* first few triggering events */
    /* join / holddown */
    struct cg_corr_items pending;
    struct cg_corr_items other; /* join: related events; holddown: cancel times */
    /* silence */
    int64_t last_seen;
    int64_t silence_deadline;
    bool silent;
    struct cg_event *last_ev;
    size_t last_ev_bytes;
};

/* The state of one rule: its keys. */
struct cg_corr_rstate {
    const struct cg_rule *rule;
    struct cg_corr_ctx *ctx;
    struct cg_hmap keys; /* encoded key -> struct cg_corr_kstate (borrowed keys) */
    struct cg_corr_kstate *lru_head, *lru_tail;
    size_t nkeys;
    struct cg_corr_kstate *free; /* states kept for reuse, linked by next */
    size_t nfree;
    size_t bytes;       /* its live keys' bytes and its table's: who pays under the budget */
    size_t table_bytes; /* the key table's slots (two per live key) */
    uint64_t matched, alerts, suppressed; /* per rule (engine.h cg_engine_rule_stats) */
};

/* What correlation emits an alert through (after suppression). It may add to the alert
 * (target, summary); everything the alert points to is valid only during the call.
 * Returns CG_OK or an error that stops the engine. */
typedef int (*cg_corr_emit_fn)(void *arg, struct cg_alert *a);

/* The context of correlation. The engine fills it at creation and keeps it up to date;
 * correlation reads and updates it as each field says. */
struct cg_corr_ctx {
    /* The engine's deadlines: every timer's argument is a struct cg_corr_kstate and holds
     * one reference to it; its callback is correlation's (cg_corr_timer_kind tells which).
     * Whoever drops a timer without running it releases that reference. */
    struct cg_timerq *timers;
    int64_t clock; /* newest event time, us: set by the engine, and by a timer firing */
    bool has_clock;
    int64_t lateness_us;
    unsigned max_events; /* triggering events kept per alert */
    /* The event being dispatched and, once a rule kept it, the copy of it every rule
     * that keeps it shares (cg_corr_begin / cg_corr_end). */
    struct cg_event *copy_of;
    struct cg_event *copy;
    cg_corr_emit_fn emit;
    void *emit_arg;
    struct cg_engine_stats *st; /* correlation counts suppressed, evictions, held_dropped
                                 * and join_dropped */
    struct cg_buf key;          /* the key of the event being correlated */
    /* Chain depth of what is being correlated: the engine sets it to the dispatched
     * event's; a timer firing sets it to its key's (so timer-fired alerts count toward
     * max_chain too); the emit callback reads it. */
    unsigned depth;
    /* The budget (correlate_bytes.c). bytes: every key state (live, evicted but still
     * named by a timer, kept for reuse) and key table; the timer queue's array comes on
     * top (cg_corr_state_bytes). */
    size_t bytes;
    size_t budget;                    /* 0: none */
    size_t dead_timers;               /* queued timers whose key is gone */
    struct cg_corr_rstate **stateful; /* the rules that keep keys: eviction candidates */
    size_t nstateful;
};

/* The timers correlation sets; values as in snapshots. */
enum cg_corr_timer_kind {
    CG_CORR_TIMER_PENDING = 0,  /* a held event resolves (join wait, holddown end) */
    CG_CORR_TIMER_SILENCE = 1,  /* a silence deadline */
    CG_CORR_TIMER_SUPPRESS = 2, /* end of a suppression period */
};

/* ---- rules and keys ---- */

/* seed: the key table's hash seed. */
void cg_corr_rstate_init(struct cg_corr_rstate *r, struct cg_corr_ctx *ctx,
                         const struct cg_rule *rule, uint64_t seed);
/* Drops every key (their timers see them dead) and frees what the rule keeps. */
void cg_corr_rstate_fini(struct cg_corr_rstate *r);
/* The state of key (creating it when create: may expire idle keys and evict the least
 * recently used one). NULL when absent, or out of memory. */
struct cg_corr_kstate *cg_corr_kstate_get(struct cg_corr_rstate *r, const char *key, size_t keylen,
                                          int64_t t, bool create);
/* Lets go of one reference (a timer's). */
void cg_corr_kstate_release(struct cg_corr_kstate *ks);

/* Takes a key out of its rule's table and lets go of everything it holds at once; its
 * timers, if any, see it dead. */
void cg_corr_kstate_drop(struct cg_corr_rstate *r, struct cg_corr_kstate *ks);

/* ---- bytes (correlate_bytes.c) ---- */

/* What malloc(n) occupies (glibc: 8 bytes of header, 16-byte steps, 32 at least). */
static inline size_t cg_corr_heap_bytes(size_t n)
{
    size_t c = (n + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

/* ks occupies n bytes more / fewer (its rule's too while it is live). Inline: every
 * kept or released event counts. */
static inline void cg_corr_charge(struct cg_corr_kstate *ks, size_t n)
{
    ks->bytes += n;
    ks->rs->ctx->bytes += n;
    if (!ks->dead)
        ks->rs->bytes += n;
}

static inline void cg_corr_uncharge(struct cg_corr_kstate *ks, size_t n)
{
    ks->bytes -= n;
    ks->rs->ctx->bytes -= n;
    if (!ks->dead)
        ks->rs->bytes -= n;
}
/* The bytes of ks's arrays, from their capacities. */
size_t cg_corr_arrays_bytes(const struct cg_corr_kstate *ks);
/* The total the budget holds: ctx->bytes and the timer queue's array. */
size_t cg_corr_state_bytes(const struct cg_corr_ctx *c);
/* Counts ks again from what it holds (a restored key): its item bytes are set anew. */
void cg_corr_kstate_recount(struct cg_corr_kstate *ks);

/* Held lists of a key: pushing keeps a reference the list owns, counted (beyond
 * CG_CORR_HELD_MAX the oldest goes, counted in *dropped); take hands item i (and its
 * reference) to the caller; prune and empty let go. */
int cg_corr_items_push(struct cg_corr_kstate *ks, struct cg_corr_items *l, struct cg_corr_item it,
                       uint64_t *dropped);
struct cg_corr_item cg_corr_items_take(struct cg_corr_kstate *ks, struct cg_corr_items *l,
                                       size_t i);
void cg_corr_items_prune_before(struct cg_corr_kstate *ks, struct cg_corr_items *l, int64_t t);
void cg_corr_items_empty(struct cg_corr_kstate *ks, struct cg_corr_items *l);
/* Replaces a held single event (*slot, counted in *bytes) with ev (may be NULL), a
 * reference the slot takes over; the old one is let go. */
void cg_corr_slot_set(struct cg_corr_kstate *ks, struct cg_event **slot, size_t *bytes,
                      struct cg_event *ev);

/* After each event and timer: updates the byte gauges, then, while the total is over the
 * budget, evicts (counted in evictions_budget) the least recently used key of the rule
 * whose keys hold the most bytes, sweeping the timer queue of dead keys' timers when they
 * are half of it. No key state pointer may be held across it. */
void cg_corr_enforce_slow(struct cg_corr_ctx *c);
static inline void cg_corr_enforce(struct cg_corr_ctx *c)
{
    uint64_t now = c->bytes + cg_timerq_mem(c->timers);
    if (CG_UNLIKELY((c->budget && now > c->budget) || c->dead_timers >= 64)) {
        cg_corr_enforce_slow(c); /* over the budget, or a sweep may be due */
        return;
    }
    c->st->state_bytes = now;
    if (now > c->st->state_bytes_peak)
        c->st->state_bytes_peak = now;
}
/* Takes the timers of dead keys out of the queue, letting go of their states. */
void cg_corr_sweep(struct cg_corr_ctx *c);

/* ---- events ---- */

/* Starts and ends the dispatch of ev: the rules that keep it share one copy. */
static inline void cg_corr_begin(struct cg_corr_ctx *c, struct cg_event *ev)
{
    c->copy_of = ev;
}
void cg_corr_end(struct cg_corr_ctx *c);

/* ev (event time t) matched rule r in role. Emits what completes. */
int cg_corr_event(struct cg_corr_rstate *r, enum cg_corr_role role, struct cg_event *ev, int64_t t);

/* ---- timers (snapshots) ---- */

/* The kind and key of one of ctx->timers. */
enum cg_corr_timer_kind cg_corr_timer_kind(const struct cg_timerq_entry *t,
                                           struct cg_corr_kstate **ks);
/* Puts back a saved timer of ks with its seq. CG_ENOMEM, CG_EINVAL (unknown kind). */
int cg_corr_timer_restore(struct cg_corr_ctx *c, struct cg_corr_kstate *ks, unsigned kind,
                          int64_t deadline, uint64_t seq);

#endif
