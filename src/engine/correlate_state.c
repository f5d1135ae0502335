/*
 * correlate_state.c - the key states of a rule (see correlate.h): made and reused,
 * found, kept in LRU order, expired when idle, evicted beyond max_keys (the budget's
 * evictions are correlate_bytes.c), each change of what a state occupies counted.
 */
#include "correlate.h"

#include "key.h"

#include <stdlib.h>

/* Key states a rule keeps for reuse: joins and hold-downs make and drop a key per
 * related event; a reused state keeps its arrays. */
#define KSTATE_FREE_MAX 64

/* Lets go of everything a key state holds, keeping its arrays (a reused state). */
static void kstate_empty(struct cg_corr_kstate *ks)
{
    for (size_t i = 0; i < ks->ndv; i++) {
        cg_corr_uncharge(ks, cg_corr_heap_bytes(ks->dv[i].n ? ks->dv[i].n : 1));
        free(ks->dv[i].s);
    }
    ks->ndv = 0;
    ks->ntimes = 0;
    /* Checked here: joins and hold-downs empty a key state per related event. */
    if (ks->first.n)
        cg_corr_items_empty(ks, &ks->first);
    if (ks->pending.n)
        cg_corr_items_empty(ks, &ks->pending);
    if (ks->other.n)
        cg_corr_items_empty(ks, &ks->other);
    if (ks->supp_first)
        cg_corr_slot_set(ks, &ks->supp_first, &ks->supp_first_bytes, NULL);
    if (ks->supp_last)
        cg_corr_slot_set(ks, &ks->supp_last, &ks->supp_last_bytes, NULL);
    if (ks->last_ev)
        cg_corr_slot_set(ks, &ks->last_ev, &ks->last_ev_bytes, NULL);
}

/* Frees the (empty) arrays of a key state. */
static void kstate_strip(struct cg_corr_kstate *ks)
{
    cg_corr_uncharge(ks, cg_corr_arrays_bytes(ks));
    free(ks->times);
    free(ks->dv);
    free(ks->first.v);
    free(ks->pending.v);
    free(ks->other.v);
    ks->times = NULL;
    ks->dv = NULL;
    ks->first = ks->pending = ks->other = (struct cg_corr_items){NULL, 0, 0};
}

/* Frees a key state (key and vals share its allocation). */
static void kstate_destroy(struct cg_corr_kstate *ks)
{
    kstate_empty(ks);
    kstate_strip(ks);
    cg_corr_uncharge(ks, ks->bytes); /* the allocation itself */
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

/* The key table's slots are its rule's bytes, counted as two slots per live key (the
 * table's load stays between 1/4 and 3/4): its real size depends on where its hash seed
 * put the deleted slots, and the count must not, or evictions (and alerts) would change
 * from run to run. */
static void table_count(struct cg_corr_rstate *r)
{
    size_t now = r->nkeys * 2 * sizeof(*r->keys.slots);
    r->bytes = r->bytes - r->table_bytes + now;
    r->ctx->bytes = r->ctx->bytes - r->table_bytes + now;
    r->table_bytes = now;
}

void cg_corr_kstate_drop(struct cg_corr_rstate *r, struct cg_corr_kstate *ks)
{
    lru_unlink(r, ks);
    cg_hmap_del(&r->keys, ks->key, ks->keylen);
    r->nkeys--;
    table_count(r);
    r->bytes -= ks->bytes; /* from now on the state is not the rule's */
    ks->dead = true;
    /* Everything it holds goes now, not when its timers fall due (hours later, maybe):
     * those find a bare state and do nothing. */
    kstate_empty(ks);
    if (ks->refs > 1) {
        kstate_strip(ks);
        r->ctx->dead_timers += ks->refs - 1;
    }
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
        cg_corr_kstate_drop(r, r->lru_head);
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
        cg_corr_kstate_drop(r, ks);
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
    ks->bytes = keep.bytes; /* its allocation and the arrays it keeps */
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
        size_t size = sizeof(*ks) + nv * sizeof(struct cg_str) + cap;
        if (!(ks = calloc(1, size)))
            return NULL;
        ks->vals = (struct cg_str *)(ks + 1);
        ks->key = (char *)(ks->vals + nv);
        ks->keycap = cap;
        ks->bytes = cg_corr_heap_bytes(size);
        r->ctx->bytes += ks->bytes;
    }
    /* Live from now on (dead is false): its bytes are its rule's. */
    r->bytes += ks->bytes;
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
        cg_corr_kstate_drop(r, r->lru_head);
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
    table_count(r);
    return ks;
}
