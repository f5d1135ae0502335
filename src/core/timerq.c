/* timerq.c - a binary min-heap of timers on (deadline, seq) (see timerq.h). */
#include "cefguard/timerq.h"

#include "cefguard/vec.h"

#include <stdlib.h>

void cg_timerq_init(struct cg_timerq *q)
{
    memset(q, 0, sizeof(*q));
}

void cg_timerq_fini(struct cg_timerq *q)
{
    free(q->v);
    memset(q, 0, sizeof(*q));
}

static inline bool entry_before(const struct cg_timerq_entry *a, const struct cg_timerq_entry *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* Moves t up from the hole at i to where it belongs, and puts it there. */
static void sift_up(struct cg_timerq *q, size_t i, struct cg_timerq_entry t)
{
    while (i > 0 && entry_before(&t, &q->v[(i - 1) / 2])) {
        q->v[i] = q->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->v[i] = t;
}

/* Moves t down from the hole at i (i < n) to where it belongs, and puts it there. */
static void sift_down(struct cg_timerq *q, size_t i, struct cg_timerq_entry t)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n)
            break;
        if (c + 1 < q->n && entry_before(&q->v[c + 1], &q->v[c]))
            c++;
        if (!entry_before(&q->v[c], &t))
            break;
        q->v[i] = q->v[c];
        i = c;
    }
    q->v[i] = t;
}

static inline int push(struct cg_timerq *q, struct cg_timerq_entry t)
{
    if (cg_vec_reserve(q, q->n + 1) != CG_OK)
        return CG_ENOMEM;
    size_t i = q->n++;
    sift_up(q, i, t);
    return CG_OK;
}

int cg_timerq_add_seq(struct cg_timerq *q, int64_t deadline, uint64_t seq, cg_timerq_fn fn,
                      void *arg)
{
    return push(q, (struct cg_timerq_entry){deadline, seq, fn, arg});
}

int cg_timerq_add(struct cg_timerq *q, int64_t deadline, cg_timerq_fn fn, void *arg, uint64_t *seq)
{
    if (push(q, (struct cg_timerq_entry){deadline, q->seq + 1, fn, arg}) != CG_OK)
        return CG_ENOMEM;
    q->seq++;
    if (seq)
        *seq = q->seq;
    return CG_OK;
}

/* Fills the hole at i with the last timer. */
static void remove_at(struct cg_timerq *q, size_t i)
{
    struct cg_timerq_entry last = q->v[--q->n];
    if (i == q->n)
        return;
    if (i > 0 && entry_before(&last, &q->v[(i - 1) / 2]))
        sift_up(q, i, last);
    else
        sift_down(q, i, last);
}

bool cg_timerq_pop(struct cg_timerq *q, struct cg_timerq_entry *out)
{
    if (!q->n)
        return false;
    *out = q->v[0];
    struct cg_timerq_entry last = q->v[--q->n];
    if (q->n)
        sift_down(q, 0, last);
    return true;
}

bool cg_timerq_cancel(struct cg_timerq *q, uint64_t seq)
{
    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i].seq == seq) {
            remove_at(q, i);
            return true;
        }
    }
    return false;
}

size_t cg_timerq_remove_if(struct cg_timerq *q,
                           bool (*drop)(void *ctx, const struct cg_timerq_entry *t), void *ctx)
{
    size_t w = 0;
    for (size_t i = 0; i < q->n; i++)
        if (!drop(ctx, &q->v[i]))
            q->v[w++] = q->v[i];
    size_t removed = q->n - w;
    q->n = w;
    /* Floyd's heap construction: O(n). (deadline, seq) is a total order, so the order the
     * timers come out in does not depend on the heap's shape. */
    for (size_t i = q->n / 2; i-- > 0;)
        sift_down(q, i, q->v[i]);
    if (q->cap > 64 && q->n < q->cap / 4) { /* halve: a later add grows it again */
        struct cg_timerq_entry *v = realloc(q->v, q->cap / 2 * sizeof(*v));
        if (v) {
            q->v = v;
            q->cap /= 2;
        }
    }
    return removed;
}

int cg_timerq_run(struct cg_timerq *q, int64_t before)
{
    struct cg_timerq_entry t;
    while (cg_timerq_pop_before(q, before, &t)) {
        int rc = t.fn(t.arg, &t);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}
