/*
 * engine_int.h - private structures shared by engine.c (index, clock, timers,
 * dispatch, chaining) and correlate.c (per-key state of each correlation kind)
 * and engine_snap.c (snapshots). Not a public interface.
 */
#ifndef CEFGUARD_ENGINE_INT_H
#define CEFGUARD_ENGINE_INT_H

#include "cefguard/engine.h"
#include "cefguard/hmap.h"

#define CG_MAX_PENDING_PER_KEY 64 /* join/holddown items held per key */

enum role { ROLE_MAIN = 0, ROLE_OTHER = 1 };

struct entry {
    const struct cg_rule *rule;
    enum role role;
};

struct bucket {
    struct entry *v;
    size_t n, cap;
};

/* An entry whose match requires a numeric event_id within [lo, hi]
 * (event_id: {ge: 4000000, le: 4999999}). */
struct range_entry {
    double lo, hi;
    struct entry e;
};

/* A held event: pending (join / holddown) or buffered (join's related events). */
struct item {
    struct cg_event *ev;
    int64_t t;        /* event time, us */
    int64_t deadline; /* pending: when it resolves */
    uint64_t seq;     /* id of its timer */
};

struct item_list {
    struct item *v;
    size_t n, cap;
};

/* Distinct value with the time it was last seen (threshold distinct). */
struct dval {
    char *s;
    size_t n;
    int64_t t;
};

struct kstate {
    struct kstate *prev, *next; /* LRU list of the rule, newest at tail */
    struct rstate *rs;
    unsigned refs; /* 1 while in the table + 1 per timer */
    bool dead;     /* evicted or expired: timers skip it */
    char *key;     /* encoded key (cg_engine_key), in the state's own allocation */
    size_t keylen;
    size_t keycap;       /* bytes key has room for */
    struct cg_str *vals; /* the key values, views into key; also in that allocation */
    int64_t touched;     /* event time of the last activity */
    /* suppression */
    int64_t supp_until; /* alerts up to this time are held back */
    uint64_t supp_count;
    bool supp_timer;
    struct cg_event *supp_last; /* the last held-back trigger, for the summary */
    /* threshold */
    int64_t *times; /* sorted times of matching events (<= count) */
    size_t ntimes;
    struct dval *dv; /* distinct values (<= count) */
    size_t ndv;
    struct item_list first; /* first few triggering events */
    /* join / holddown */
    struct item_list pending;
    struct item_list other; /* join: related events; holddown: cancel times */
    /* silence */
    int64_t last_seen;
    int64_t silence_deadline;
    bool silent;
    struct cg_event *last_ev;
};

/* Per-rule state. */
struct rstate {
    const struct cg_rule *rule;
    struct cg_hmap keys;
    struct kstate *lru_head, *lru_tail;
    size_t nkeys;
    struct kstate *free; /* states kept for reuse, linked by next */
    size_t nfree;
};

enum timer_kind { T_PENDING, T_SILENCE, T_SUPPRESS };

struct timer {
    int64_t deadline;
    uint64_t seq;
    enum timer_kind kind;
    struct kstate *ks;
};

/* A cached candidate list (engine.c, candidates()). */
#define CG_CAND_SLOTS 1024 /* in sets of two */
struct cand_slot {
    char *mem;              /* the bytes of parts; NULL: the slot is empty */
    struct cg_str parts[3]; /* event_id, product, vendor (NULL view: absent) */
    uint64_t hash;
    bool recent; /* the way of its set used last */
    struct bucket list;
};

struct queued {
    struct cg_event *ev;
    unsigned depth;
};

struct cg_engine {
    const struct cg_ruleset *rs;
    struct cg_engine_opts o;
    cg_alert_fn fn;
    void *fn_ctx;
    struct rstate *rstates;      /* one per rule */
    struct cg_hmap by_event_id;  /* event_id -> bucket */
    struct cg_hmap by_product;   /* product -> bucket (entries with no event_id) */
    struct cg_hmap by_vendor;    /* vendor -> bucket (no event_id, no product) */
    struct cg_hmap by_name;      /* name -> bucket (entries filed under names) */
    struct cg_hmap by_name_fold; /* lower-cased name -> bucket (nocase names) */
    uint64_t name_filter[16];    /* name_filter_bit() of every indexed name */
    struct range_entry *ranges;  /* entries with an event_id range, in rule order */
    size_t nranges;
    struct bucket range_hits; /* scratch: the ranges the current event_id falls in */
    struct bucket any;        /* entries with none of the three */
    struct cand_slot cand[CG_CAND_SLOTS];
    struct bucket cand_tmp;    /* candidates when a cache slot cannot be filled */
    struct bucket cand_name;   /* candidates with those filed under the event's name */
    struct cg_match_memo memo; /* shared conditions, evaluated once per event */
    struct cg_event *copy_of;  /* the event being dispatched (not a copy itself) */
    struct cg_event *copy;     /* its copy, once a rule kept it (cg_engine_copy) */
    int64_t clock;             /* newest event time, us */
    bool has_clock;
    uint64_t seq; /* timer / item sequence */
    struct timer *heap;
    size_t nheap, capheap;
    struct queued *queue; /* internal events waiting */
    size_t nqueue, capqueue;
    unsigned depth; /* chain depth of the event being processed */
    struct cg_engine_stats st;
    struct cg_buf scratch; /* key building */
    struct cg_buf summary; /* template rendering */
};

/* correlate.c */
int cg_corr_event(struct cg_engine *e, struct rstate *r, enum role role, struct cg_event *ev,
                  int64_t t);
int cg_corr_timer(struct cg_engine *e, struct timer *tm);
void cg_kstate_release(struct kstate *ks);
void cg_rstate_fini(struct rstate *r);
struct kstate *cg_kstate_get(struct cg_engine *e, struct rstate *r, const char *key, size_t keylen,
                             int64_t t, bool create);

/* engine.c, used by correlate.c */
int cg_engine_timer_add(struct cg_engine *e, int64_t deadline, uint64_t seq, enum timer_kind kind,
                        struct kstate *ks);
uint64_t cg_engine_next_seq(struct cg_engine *e);
/* Emits an alert (applying the rule's suppression) and queues its internal event. */
int cg_engine_emit(struct cg_engine *e, struct kstate *ks, struct cg_alert *a);
/* A copy of ev to keep (cg_event_clone), shared by every rule that keeps the event
 * being dispatched; and the same replacing old (cg_event_reclone). */
struct cg_event *cg_engine_copy(struct cg_engine *e, struct cg_event *ev);
struct cg_event *cg_engine_recopy(struct cg_engine *e, struct cg_event *old, struct cg_event *ev);
/* Key of ev under paths, in e->scratch. false when a key value is missing. */
bool cg_engine_key(struct cg_engine *e, const struct cg_keyspec *ks, struct cg_event *ev);

#endif
