/* fields.c - ordered, bounded, duplicate-free key/value list (see fields.h). */
#include "cefguard/fields.h"
#include "cefguard/vec.h"

#include <stdlib.h>

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The index of a list longer than CG_FIELDS_INDEX_MIN: an open-addressing table of
 * 1 + an entry's index (0: empty), at most half full, holding v[0..indexed). */
struct cg_fields_index {
    uint32_t *slot;
    size_t mask; /* table size - 1 */
    size_t indexed;
};

void cg_fields_init(struct cg_fields *f, size_t max)
{
    f->v = NULL;
    f->n = 0;
    f->cap = 0;
    f->max = max ? max : CG_FIELDS_DEFAULT_MAX;
    f->dup_dropped = 0;
    f->limit_dropped = 0;
    f->ix = NULL;
}

void cg_fields_fini(struct cg_fields *f)
{
    free(f->v);
    if (f->ix)
        free(f->ix->slot);
    free(f->ix);
    cg_fields_init(f, f->max);
}

static _Thread_local size_t probes; /* see cg_fields_probes */

size_t cg_fields_probes(void)
{
    return probes;
}

/* Empties the index (keeping its table): the cost is that of the table, which the list
 * it was sized for paid for already. */
static void index_empty(struct cg_fields_index *ix)
{
    if (ix->slot)
        memset(ix->slot, 0, (ix->mask + 1) * sizeof(*ix->slot));
    ix->indexed = 0;
}

void cg_fields_clear(struct cg_fields *f)
{
    if (CG_UNLIKELY(f->ix != NULL) && f->ix->indexed)
        index_empty(f->ix);
    f->n = 0;
    f->dup_dropped = 0;
    f->limit_dropped = 0;
}

#define K1 0x9E3779B97F4A7C15ULL
#define K2 0xC2B2AE3D27D4EB4FULL

static inline uint64_t rd64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint32_t rd32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Keys are short (CEF keys are a few bytes): a miss should cost one integer compare
 * per entry, and the hash a few instructions rather than a multiply per byte. Whole
 * words are read, never a byte outside the key: 8..16 bytes as two overlapping words,
 * 4..7 as two overlapping halves, 1..3 as three bytes, longer keys word by word. The
 * top half of the last product depends on every input bit. The value is used only
 * within this process (stored in cg_field.hash, never written out). */
static inline uint32_t key_hash(struct cg_str k)
{
    const char *p = k.p;
    size_t n = k.n;
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = rd64(p);
        for (size_t i = 8; i + 8 < n; i += 8) {
            a = (a ^ rd64(p + i)) * K1;
            a ^= a >> 32;
        }
        b = rd64(p + n - 8);
    } else if (n >= 4) {
        a = rd32(p);
        b = rd32(p + n - 4);
    } else if (n > 0) {
        a = (uint64_t)(unsigned char)p[0] << 16 | (uint64_t)(unsigned char)p[n >> 1] << 8 |
            (unsigned char)p[n - 1];
    }
    uint64_t h = (a + n) * K1;
    h = (h ^ (h >> 32) ^ b) * K2;
    return (uint32_t)(h >> 32);
}

static inline bool entry_is(const struct cg_field *e, struct cg_str key, uint32_t h)
{
    return e->hash == h && e->key.n == key.n && (key.n == 0 || memcmp(e->key.p, key.p, key.n) == 0);
}

static const struct cg_str *get_hashed(const struct cg_fields *f, struct cg_str key, uint32_t h)
{
    for (size_t i = 0; i < f->n; i++)
        if (entry_is(&f->v[i], key, h))
            return &f->v[i].val;
    return NULL;
}

/* ---- the index of long lists ------------------------------------------------------ */

/* The slot holding key, or the empty slot where it goes; probes counts the entries
 * compared. Linear probing: the table is at most half full. */
static inline uint32_t *index_find(const struct cg_fields *f, struct cg_str key, uint32_t h)
{
    const struct cg_fields_index *ix = f->ix;
    size_t i = h & ix->mask;
    while (ix->slot[i]) {
        probes++;
        if (entry_is(&f->v[ix->slot[i] - 1], key, h))
            break;
        i = (i + 1) & ix->mask;
    }
    return &ix->slot[i];
}

/* Files v[ix->indexed..n) (distinct keys, none in the table yet) into the table. */
static void index_fill(struct cg_fields *f)
{
    struct cg_fields_index *ix = f->ix;
    for (size_t k = ix->indexed; k < f->n; k++) {
        size_t i = f->v[k].hash & ix->mask;
        while (ix->slot[i])
            i = (i + 1) & ix->mask;
        ix->slot[i] = (uint32_t)(k + 1);
    }
    ix->indexed = f->n;
}

/* Makes the index cover v[0..n) (entries a filtered add appended without a check are
 * filed now) with room for one more. false when it cannot (out of memory, or a list too
 * long for 32-bit slots): the caller scans instead. */
static NOINLINE bool index_ready(struct cg_fields *f)
{
    if (f->n >= UINT32_MAX / 4)
        return false;
    if (!f->ix && !(f->ix = calloc(1, sizeof(*f->ix))))
        return false;
    struct cg_fields_index *ix = f->ix;
    size_t want = 2 * (f->n + 1);
    if (ix->indexed > f->n) /* the list was cut back (a failed rulebase mapping) */
        index_empty(ix);
    if (!ix->slot || ix->mask + 1 < want) {
        size_t size = 256;
        while (size < 2 * want) /* room to grow to twice this list before the next rebuild */
            size *= 2;
        uint32_t *t = calloc(size, sizeof(*t));
        if (!t)
            return false;
        free(ix->slot);
        ix->slot = t;
        ix->mask = size - 1;
        ix->indexed = 0;
    }
    index_fill(f);
    return true;
}

/* cg_fields_get of a list that has (or had) an index: through it when it is current. */
static NOINLINE const struct cg_str *get_indexed(const struct cg_fields *f, struct cg_str key)
{
    if (!f->n)
        return NULL;
    uint32_t h = key_hash(key);
    if (f->ix->indexed != f->n)
        return get_hashed(f, key, h);
    uint32_t s = *index_find(f, key, h);
    return s ? &f->v[s - 1].val : NULL;
}

const struct cg_str *cg_fields_get(const struct cg_fields *f, struct cg_str key)
{
    if (CG_UNLIKELY(f->ix != NULL))
        return get_indexed(f, key);
    return f->n ? get_hashed(f, key, key_hash(key)) : NULL;
}

const struct cg_str *cg_fields_getz(const struct cg_fields *f, const char *key)
{
    return cg_fields_get(f, cg_str_make(key, strlen(key)));
}

/* An event has some 20 to 60 fields: the first array has room for 32, not vec.h's 4
 * (three reallocs fewer for each copy that decodes its fields). */
#define FIELDS_FIRST_CAP 32

/* Slow path of append(): the array is full. */
static NOINLINE int grow_append(struct cg_fields *f, struct cg_str key, struct cg_str val,
                                uint32_t h)
{
    if (cg_vec_reserve(f, f->n < FIELDS_FIRST_CAP ? FIELDS_FIRST_CAP : f->n + 1) != CG_OK)
        return CG_ENOMEM;
    struct cg_field *e = &f->v[f->n++];
    e->key = key;
    e->val = val;
    e->hash = h;
    return CG_OK;
}

/* Appends an entry known not to be a duplicate; the caller checked the bound. The
 * slow paths are separate functions so that this one needs no saved registers. */
static inline int append(struct cg_fields *f, struct cg_str key, struct cg_str val, uint32_t h)
{
    if (CG_UNLIKELY(f->n == f->cap))
        return grow_append(f, key, val, h);
    struct cg_field *e = &f->v[f->n++];
    e->key = key;
    e->val = val;
    e->hash = h;
    return CG_OK;
}

/* The duplicate check through the index, then the append (which may move v, not the
 * table). */
static NOINLINE int index_append(struct cg_fields *f, struct cg_str key, struct cg_str val,
                                 uint32_t h)
{
    uint32_t *slot = index_find(f, key, h);
    if (*slot) {
        f->dup_dropped++;
        return CG_OK;
    }
    int rc = append(f, key, val, h);
    if (rc == CG_OK) {
        *slot = (uint32_t)f->n;
        f->ix->indexed = f->n;
    }
    return rc;
}

/* The duplicate check, then the append: a scan of a short list, the index of a long one. */
static NOINLINE int scan_append(struct cg_fields *f, struct cg_str key, struct cg_str val,
                                uint32_t h)
{
    if (CG_UNLIKELY(f->n >= CG_FIELDS_INDEX_MIN) && index_ready(f))
        return index_append(f, key, val, h);
    probes += f->n;
    if (get_hashed(f, key, h)) {
        f->dup_dropped++;
        return CG_OK;
    }
    return append(f, key, val, h);
}

int cg_fields_add(struct cg_fields *f, struct cg_str key, struct cg_str val)
{
    if (f->n >= f->max) {
        f->limit_dropped++; /* no duplicate check: keeps a hostile line linear */
        return CG_OK;
    }
    return scan_append(f, key, val, key_hash(key));
}

/* Two bits of one 64-bit word of the 256-bit filter per hash: with the tens of
 * keys of a real event a new key finds both set (and scans the list) a few
 * times in a hundred. */
#define FILTER_WORD(h) ((h)&3)
#define FILTER_BITS(h) (1ULL << (((h) >> 2) & 63) | 1ULL << (((h) >> 8) & 63))

void cg_fields_filter_init(struct cg_fields_filter *flt, const struct cg_fields *f)
{
    memset(flt, 0, sizeof(*flt));
    for (size_t i = 0; i < f->n; i++)
        flt->bits[FILTER_WORD(f->v[i].hash)] |= FILTER_BITS(f->v[i].hash);
}

int cg_fields_add_filtered(struct cg_fields *f, struct cg_fields_filter *flt, struct cg_str key,
                           struct cg_str val)
{
    if (f->n >= f->max) {
        f->limit_dropped++; /* as cg_fields_add */
        return CG_OK;
    }
    uint32_t h = key_hash(key);
    uint64_t *w = &flt->bits[FILTER_WORD(h)], m = FILTER_BITS(h);
    if ((*w & m) == m)
        return scan_append(f, key, val, h); /* maybe present: the bits are set already */
    *w |= m;
    return append(f, key, val, h);
}
