/* hmap.c - open-addressing hash map with linear probing (see hmap.h). */
#include "cefguard/hmap.h"

#include <stdlib.h>

static char tomb_marker;
#define TOMB (&tomb_marker)

static uint64_t hash_bytes(uint64_t seed, const char *k, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 29; /* FNV's low bits are weak: mix before masking */
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

void cg_hmap_init(struct cg_hmap *m, uint64_t seed)
{
    memset(m, 0, sizeof(*m));
    m->seed = seed;
}

void cg_hmap_init_borrowed(struct cg_hmap *m, uint64_t seed)
{
    cg_hmap_init(m, seed);
    m->borrow = true;
}

void cg_hmap_fini(struct cg_hmap *m)
{
    for (size_t i = 0; !m->borrow && i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMB)
            free(m->slots[i].key);
    free(m->slots);
    bool borrow = m->borrow;
    cg_hmap_init(m, m->seed);
    m->borrow = borrow;
}

static struct cg_hmap_slot *find(const struct cg_hmap *m, const char *k, size_t kn, uint64_t h)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct cg_hmap_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMB && s->hash == h && s->klen == kn &&
            (kn == 0 || memcmp(s->key, k, kn) == 0))
            return s;
    }
}

void *cg_hmap_get(const struct cg_hmap *m, const char *k, size_t kn)
{
    struct cg_hmap_slot *s = find(m, k, kn, hash_bytes(m->seed, k, kn));
    return s ? s->val : NULL;
}

static int grow(struct cg_hmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    if (m->n * 4 < m->cap) /* mostly tombstones: rehash at the same size */
        cap = m->cap;
    struct cg_hmap_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return CG_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct cg_hmap_slot *s = &m->slots[i];
        if (!s->key || s->key == TOMB)
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->n;
    return CG_OK;
}

int cg_hmap_put(struct cg_hmap *m, const char *k, size_t kn, void *val)
{
    uint64_t h = hash_bytes(m->seed, k, kn);
    struct cg_hmap_slot *s = find(m, k, kn, h);
    if (s) {
        s->val = val;
        return CG_OK;
    }
    if ((m->used + 1) * 4 > m->cap * 3 && grow(m) != CG_OK)
        return CG_ENOMEM;
    /* A borrowed empty key may be NULL: the slot needs a non-NULL marker. */
    static char empty;
    char *copy = m->borrow ? (kn ? (char *)k : &empty) : malloc(kn ? kn : 1);
    if (!copy)
        return CG_ENOMEM;
    if (kn && !m->borrow)
        memcpy(copy, k, kn);
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    while (m->slots[i].key && m->slots[i].key != TOMB)
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i] = (struct cg_hmap_slot){copy, kn, h, val};
    m->n++;
    return CG_OK;
}

void *cg_hmap_del(struct cg_hmap *m, const char *k, size_t kn)
{
    struct cg_hmap_slot *s = find(m, k, kn, hash_bytes(m->seed, k, kn));
    if (!s)
        return NULL;
    void *val = s->val;
    if (!m->borrow)
        free(s->key);
    s->key = TOMB;
    s->val = NULL;
    m->n--;
    return val;
}

bool cg_hmap_next(const struct cg_hmap *m, size_t *i, const struct cg_hmap_slot **slot)
{
    while (*i < m->cap) {
        const struct cg_hmap_slot *s = &m->slots[(*i)++];
        if (s->key && s->key != TOMB) {
            *slot = s;
            return true;
        }
    }
    return false;
}
