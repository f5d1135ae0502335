/*
 * timerq.h - a queue of deadlines: a binary min-heap ordered by (deadline, sequence).
 *
 * Each timer carries its own callback and argument (after h2o's timerwheel entries), so
 * the queue knows nothing of its users: the engine's correlation deadlines, the response
 * stage's retries and the live service's ticks each keep a queue of the same kind. Time is
 * whatever the user gives (the engine: event time in microseconds); the queue reads no
 * clock.
 *
 *     struct cg_timerq q;
 *     cg_timerq_init(&q);
 *     if (cg_timerq_add(&q, deadline, on_timeout, conn, NULL) != CG_OK) ...
 *     rc = cg_timerq_run(&q, now + 1); (runs what fell due at or before now)
 *
 * The contract:
 *  - Order. Every timer gets a sequence number when it is added (1, 2, 3... per queue).
 *    Timers leave the queue in (deadline, seq) order: those with one deadline in the
 *    order they were added. The same adds give the same runs, so a user whose output
 *    follows its timers is deterministic.
 *  - Due. "before t" is strict: a timer is due when its deadline < t.
 *  - Ownership. The queue owns its array and nothing else: fn and arg are the user's.
 *    cg_timerq_fini drops the timers left without calling them; a user whose arg holds
 *    something (a reference) walks them with cg_timerq_at() first.
 *  - Callbacks. A timer leaves the queue before its callback runs, and the callback gets
 *    a copy of it. It may add timers (cg_timerq_run runs those that are due in the same
 *    call, in order) and cancel others; it may not fini the queue. It returns CG_OK, or an
 *    error that stops cg_timerq_run at once (timers not yet run stay queued).
 *  - Errors. Adding returns CG_ENOMEM when the queue cannot grow, and the queue is as it
 *    was. Nothing else fails.
 *  - Cost. add and pop O(log n); cancel O(n) (it searches); remove_if O(n) for all it
 *    removes at once (a user that lets timers go stale removes them in bulk); peek and
 *    count O(1).
 *  - One thread: a queue has no lock.
 */
#ifndef CEFGUARD_TIMERQ_H
#define CEFGUARD_TIMERQ_H

#include "cefguard/common.h"

struct cg_timerq_entry;

/* arg: the entry's argument; t: a copy of the entry (deadline, seq), already out of the
 * queue. Returns CG_OK, or an error that stops cg_timerq_run. */
typedef int (*cg_timerq_fn)(void *arg, const struct cg_timerq_entry *t);

struct cg_timerq_entry {
    int64_t deadline;
    uint64_t seq; /* creation sequence: the tie-break among equal deadlines */
    cg_timerq_fn fn;
    void *arg;
};

struct cg_timerq {
    struct cg_timerq_entry *v; /* the heap: v[0] is first, v[i] before v[2i+1] and v[2i+2] */
    size_t n, cap;
    uint64_t seq; /* the seq of the last timer added */
};

void cg_timerq_init(struct cg_timerq *q);
/* Frees the array; the timers left are dropped without their callbacks. */
void cg_timerq_fini(struct cg_timerq *q);

/* Adds a timer at deadline; its seq (for cg_timerq_cancel) in *seq when seq is not NULL.
 * CG_ENOMEM: nothing added. */
int cg_timerq_add(struct cg_timerq *q, int64_t deadline, cg_timerq_fn fn, void *arg, uint64_t *seq);
/* Adds a timer with a seq given by the caller, who restores a saved queue: the timers
 * then come out in the (deadline, seq) order they had. seq must not be in the queue
 * already; the counter is not changed (cg_timerq_set_seq). CG_ENOMEM: nothing added. */
int cg_timerq_add_seq(struct cg_timerq *q, int64_t deadline, uint64_t seq, cg_timerq_fn fn,
                      void *arg);
/* Takes the timer seq out without calling it; false when it is not queued (it ran, or was
 * cancelled). */
bool cg_timerq_cancel(struct cg_timerq *q, uint64_t seq);

/* Takes out, without calling them, every timer for which drop(ctx, timer) returns true
 * (drop runs once per timer, in heap order, and may let go of what the timer's arg holds;
 * it may not touch the queue), then restores the heap order: the timers left come out in
 * the (deadline, seq) order they had. Gives back memory when most timers went. Returns
 * how many it removed. */
size_t cg_timerq_remove_if(struct cg_timerq *q,
                           bool (*drop)(void *ctx, const struct cg_timerq_entry *t), void *ctx);

/* Bytes the queue's array holds (its capacity, used or not). */
static inline size_t cg_timerq_mem(const struct cg_timerq *q)
{
    return q->cap * sizeof(*q->v);
}

/* Takes the first timer out into *out (its callback is not called); false when empty. */
bool cg_timerq_pop(struct cg_timerq *q, struct cg_timerq_entry *out);
/* Runs, in order, every timer due before `before` (including those the callbacks add),
 * stopping at the first callback that returns an error, which it returns. */
int cg_timerq_run(struct cg_timerq *q, int64_t before);

static inline size_t cg_timerq_count(const struct cg_timerq *q)
{
    return q->n;
}

/* The first deadline into *deadline; false when the queue is empty. */
static inline bool cg_timerq_peek(const struct cg_timerq *q, int64_t *deadline)
{
    if (!q->n)
        return false;
    *deadline = q->v[0].deadline;
    return true;
}

/* Like cg_timerq_pop, for the first timer only if it is due before `before`. */
static inline bool cg_timerq_pop_before(struct cg_timerq *q, int64_t before,
                                        struct cg_timerq_entry *out)
{
    if (CG_LIKELY(!q->n || q->v[0].deadline >= before))
        return false;
    return cg_timerq_pop(q, out);
}

/* Timer i (< count) in heap order, not deadline order: to save or let go of them all. */
static inline const struct cg_timerq_entry *cg_timerq_at(const struct cg_timerq *q, size_t i)
{
    return &q->v[i];
}

/* The seq counter: the last seq given (0: none yet). A restored queue sets it back. */
static inline uint64_t cg_timerq_seq(const struct cg_timerq *q)
{
    return q->seq;
}

static inline void cg_timerq_set_seq(struct cg_timerq *q, uint64_t seq)
{
    q->seq = seq;
}

#endif
