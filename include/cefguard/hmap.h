/*
 * hmap.h - open-addressing hash map from byte-string keys to pointers.
 *
 * Keys are copied into the map (the caller's bytes need not outlive the call);
 * values are opaque pointers the caller owns. Iteration order is the slot order,
 * which depends on the insert history: callers that need deterministic output
 * sort or keep their own order (the engine keeps insertion lists).
 * Hash: cg_hmap_hash_bytes with a per-map seed. Keys come from log lines,
 * so callers that face attacker-chosen keys pass a random seed; tables also have
 * a bounded size (max_keys) so a flood costs evictions, not unbounded probing.
 */
#ifndef CEFGUARD_HMAP_H
#define CEFGUARD_HMAP_H

#include "cefguard/common.h"

struct cg_hmap_slot {
    char *key; /* NULL: empty; CG_HMAP_TOMB: deleted */
    size_t klen;
    uint64_t hash;
    void *val;
};

struct cg_hmap {
    struct cg_hmap_slot *slots;
    size_t cap;  /* power of two */
    size_t n;    /* live entries */
    size_t used; /* live + tombstones */
    uint64_t seed;
    bool borrow; /* keys are the caller's bytes, not copied (cg_hmap_init_borrowed) */
};

/* A word-at-a-time 64-bit hash of n bytes with a seed (multiply-xorshift mixing, the
 * length mixed in): fast on the short keys of log events; not a cryptographic PRF. */
uint64_t cg_hmap_hash_bytes(uint64_t seed, const char *p, size_t n);
/* n bytes of a and b are equal; compared a word at a time (short keys: cheaper than a
 * call to memcmp). */
bool cg_hmap_bytes_eq(const char *a, const char *b, size_t n);

void cg_hmap_init(struct cg_hmap *m, uint64_t seed);
/* A map that keeps the caller's key pointers instead of copies: each key's bytes must
 * stay unchanged until the entry is deleted or the map finished (a key stored in its
 * value, say). */
void cg_hmap_init_borrowed(struct cg_hmap *m, uint64_t seed);
/* Frees the map's key copies (not the values). */
void cg_hmap_fini(struct cg_hmap *m);

void *cg_hmap_get(const struct cg_hmap *m, const char *k, size_t kn);
/* Inserts or replaces. CG_OK or CG_ENOMEM. */
int cg_hmap_put(struct cg_hmap *m, const char *k, size_t kn, void *val);
/* Removes and returns the value, or NULL when absent. */
void *cg_hmap_del(struct cg_hmap *m, const char *k, size_t kn);

/* Iteration: for (size_t i = 0; cg_hmap_next(m, &i, &slot);) ... */
bool cg_hmap_next(const struct cg_hmap *m, size_t *i, const struct cg_hmap_slot **slot);

#endif
