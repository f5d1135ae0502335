/*
 * correlate_state.c - the key states of a rule (see correlate.h): made and reused,
 * found, kept in LRU order, expired when idle, evicted beyond max_keys.
 */
#include "correlate.h"

#include "key.h"

#include <stdlib.h>

/* Key states a rule keeps for reuse: joins and hold-downs make and drop a key per
 * related event; a reused state keeps its arrays. */
#define KSTATE_FREE_MAX 64

/* Lets go of the held events of a list; keeps its array. */
static void items_empty(struct cg_corr_items *l)
{
    for (size_t i = 0; i < l->n; i++)
        cg_event_free(l->v[i].ev);
    l->n = 0;
}

/* Lets go of everything a key state holds, keeping its arrays (a reused state). */
static void kstate_empty(struct cg_corr_kstate *ks)
{
    for (size_t i = 0; i < ks->ndv; i++)
        free(ks->dv[i].s);
    ks->ndv = 0;
    ks->ntimes = 0;
    items_empty(&ks->first);
    items_empty(&ks->pending);
    items_empty(&ks->other);
    cg_event_free(ks->supp_first);
    cg_event_free(ks->supp_last);
    cg_event_free(ks->last_ev);
    ks->supp_first = ks->supp_last = ks->last_ev = NULL;
}

/* Frees a key state (key and vals share its allocation). */
static void kstate_destroy(struct cg_corr_kstate *ks)
{
    kstate_empty(ks);
    free(ks->times);
    free(ks->dv);
    free(ks->first.v);
    free(ks->pending.v);
    free(ks->other.v);
    free(ks);
}

void cg_corr_kstate_release(struct cg_corr_kstate *ks)
{
    if (--ks->refs)
        return;
    struct cg_corr_rstate *r = ks->rs;
    if (r->nfree >= KSTATE_FREE_MAX) {
        kstate_destroy(ks);
        return;
    }
    kstate_empty(ks);
    ks->next = r->free;
    r->free = ks;
    r->nfree++;
}

static void lru_unlink(struct cg_corr_rstate *r, struct cg_corr_kstate *ks)
{
    if (ks->prev)
        ks->prev->next = ks->next;
    else
        r->lru_head = ks->next;
    if (ks->next)
        ks->next->prev = ks->prev;
    else
        r->lru_tail = ks->prev;
    ks->prev = ks->next = NULL;
}

static void lru_append(struct cg_corr_rstate *r, struct cg_corr_kstate *ks)
{
    ks->prev = r->lru_tail;
    ks->next = NULL;
    if (r->lru_tail)
        r->lru_tail->next = ks;
    else
        r->lru_head = ks;
    r->lru_tail = ks;
}

/* Takes a key out of the table; pending timers see it dead and let go. */
static void kstate_drop(struct cg_corr_rstate *r, struct cg_corr_kstate *ks)
{
    lru_unlink(r, ks);
    cg_hmap_del(&r->keys, ks->key, ks->keylen);
    r->nkeys--;
    ks->dead = true;
    cg_corr_kstate_release(ks);
}

void cg_corr_rstate_init(struct cg_corr_rstate *r, struct cg_corr_ctx *ctx,
                         const struct cg_rule *rule, uint64_t seed)
{
    memset(r, 0, sizeof(*r));
    r->rule = rule;
    r->ctx = ctx;
    cg_hmap_init_borrowed(&r->keys, seed);
}

void cg_corr_rstate_fini(struct cg_corr_rstate *r)
{
    while (r->lru_head)
        kstate_drop(r, r->lru_head);
    cg_hmap_fini(&r->keys);
    while (r->free) {
        struct cg_corr_kstate *ks = r->free;
        r->free = ks->next;
        kstate_destroy(ks);
    }
    r->nfree = 0;
}

/* How long a key with nothing pending is worth keeping after its last activity. */
static int64_t retention(const struct cg_rule *r)
{
    return r->window_us > r->suppress_us ? r->window_us : r->suppress_us;
}

static bool kstate_idle(const struct cg_corr_kstate *ks)
{
    return ks->pending.n == 0 && !ks->supp_timer && ks->rs->rule->corr != CG_CORR_SILENCE;
}

/* Expires at most two idle keys from the old end of the LRU list: amortised O(1). */
static void expire_some(struct cg_corr_rstate *r)
{
    int64_t due = r->ctx->clock - r->ctx->lateness_us;
    for (int i = 0; i < 2 && r->lru_head; i++) {
        struct cg_corr_kstate *ks = r->lru_head;
        if (!kstate_idle(ks) || ks->touched + retention(r->rule) >= due || ks->supp_until >= due)
            return;
        kstate_drop(r, ks);
    }
}

/* A reused key state with room for the key, or NULL. Its arrays stay (empty). */
static struct cg_corr_kstate *kstate_reuse(struct cg_corr_rstate *r, size_t keylen)
{
    struct cg_corr_kstate *ks = r->free;
    if (!ks || ks->keycap < keylen)
        return NULL;
    r->free = ks->next;
    r->nfree--;
    struct cg_corr_kstate keep = *ks;
    memset(ks, 0, sizeof(*ks));
    ks->key = keep.key;
    ks->vals = keep.vals;
    ks->keycap = keep.keycap;
    ks->times = keep.times;
    ks->dv = keep.dv;
    ks->first = (struct cg_corr_items){keep.first.v, 0, keep.first.cap};
    ks->pending = (struct cg_corr_items){keep.pending.v, 0, keep.pending.cap};
    ks->other = (struct cg_corr_items){keep.other.v, 0, keep.other.cap};
    return ks;
}

/* A new key state; the state, its value views and its key bytes are one allocation
 * (with room for keys up to 64 bytes, so it can be reused for another key). */
static struct cg_corr_kstate *kstate_new(struct cg_corr_rstate *r, const char *key, size_t keylen,
                                         int64_t t)
{
    size_t nv = r->rule->key.n ? r->rule->key.n : 1;
    if (keylen > SIZE_MAX / 2)
        return NULL;
    struct cg_corr_kstate *ks = kstate_reuse(r, keylen);
    if (!ks) {
        size_t cap = keylen < 64 ? 64 : keylen;
        if (!(ks = calloc(1, sizeof(*ks) + nv * sizeof(struct cg_str) + cap)))
            return NULL;
        ks->vals = (struct cg_str *)(ks + 1);
        ks->key = (char *)(ks->vals + nv);
        ks->keycap = cap;
    }
    if (keylen) /* a rule without key: has the empty key, and key may be NULL */
        memcpy(ks->key, key, keylen);
    ks->keylen = keylen;
    cg_key_decode(ks->key, keylen, ks->vals, r->rule->key.n);
    ks->rs = r;
    ks->refs = 1;
    ks->touched = t;
    return ks;
}

struct cg_corr_kstate *cg_corr_kstate_get(struct cg_corr_rstate *r, const char *key, size_t keylen,
                                          int64_t t, bool create)
{
    struct cg_corr_kstate *ks = cg_hmap_get(&r->keys, key, keylen);
    if (ks) {
        if (r->lru_tail != ks) {
            lru_unlink(r, ks);
            lru_append(r, ks);
        }
        if (t > ks->touched)
            ks->touched = t;
        return ks;
    }
    if (!create)
        return NULL;
    /* Expiry runs only when a key is added: the table cannot grow without it, and an
     * idle key that stays until then changes no outcome (its windows are over). */
    expire_some(r);
    if (r->nkeys >= r->rule->max_keys) {
        kstate_drop(r, r->lru_head);
        r->ctx->st->evictions++;
    }
    if (!(ks = kstate_new(r, key, keylen, t)))
        return NULL;
    if (cg_hmap_put(&r->keys, ks->key, keylen, ks) != CG_OK) {
        kstate_destroy(ks);
        return NULL;
    }
    lru_append(r, ks);
    r->nkeys++;
    return ks;
}
