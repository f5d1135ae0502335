/* hmap.c - open-addressing hash map with linear probing (see hmap.h). */
#include "cefguard/hmap.h"

#include <stdlib.h>

static char tomb_marker;
#define TOMB (&tomb_marker)

/* The last n % 8 bytes of p[0..n) as a number, without a variable-length copy: for a
 * given n every byte counts (overlapping loads), so equal numbers mean equal bytes. */
static inline uint64_t tail_word(const char *p, size_t n)
{
    uint32_t lo, hi;
    const char *t = p + (n & ~(size_t)7);
    size_t r = n & 7;
    if (r >= 4) {
        memcpy(&lo, t, 4);
        memcpy(&hi, t + r - 4, 4);
        return (uint64_t)hi << 32 | lo;
    }
    if (!r)
        return 0;
    return (uint64_t)(unsigned char)t[0] | (uint64_t)(unsigned char)t[r / 2] << 8 |
           (uint64_t)(unsigned char)t[r - 1] << 16;
}

uint64_t cg_hmap_hash_bytes(uint64_t seed, const char *p, size_t n)
{
    const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xbf58476d1ce4e5b9ull;
    uint64_t h = seed ^ (n * k1);
    if (!n)
        return h ^ (h >> 31);
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * k1;
        h ^= h >> 32;
    }
    h = (h ^ tail_word(p, n)) * k2;
    h ^= h >> 29;
    h *= k1;
    return h ^ (h >> 32);
}

bool cg_hmap_bytes_eq(const char *a, const char *b, size_t n)
{
    uint64_t diff = 0, x, y;
    if (!n)
        return true;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    return (diff | (tail_word(a, n) ^ tail_word(b, n))) == 0;
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
        if (s->key != TOMB && s->hash == h && s->klen == kn && cg_hmap_bytes_eq(s->key, k, kn))
            return s;
    }
}

void *cg_hmap_get(const struct cg_hmap *m, const char *k, size_t kn)
{
    struct cg_hmap_slot *s = find(m, k, kn, cg_hmap_hash_bytes(m->seed, k, kn));
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
    uint64_t h = cg_hmap_hash_bytes(m->seed, k, kn);
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
    struct cg_hmap_slot *s = find(m, k, kn, cg_hmap_hash_bytes(m->seed, k, kn));
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
