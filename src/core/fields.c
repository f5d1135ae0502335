/* fields.c - ordered, bounded, duplicate-free key/value list (see fields.h). */
#include "cefguard/fields.h"
#include "cefguard/vec.h"

#include <stdlib.h>

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

void cg_fields_init(struct cg_fields *f, size_t max)
{
    f->v = NULL;
    f->n = 0;
    f->cap = 0;
    f->max = max ? max : CG_FIELDS_DEFAULT_MAX;
    f->filtered_max = f->max < CG_FIELDS_INDEX_MIN ? f->max : CG_FIELDS_INDEX_MIN;
    f->dup_dropped = 0;
    f->limit_dropped = 0;
    f->idx = NULL;
    f->idx_mask = 0;
    f->indexed = 0;
    f->probes = 0;
}

void cg_fields_fini(struct cg_fields *f)
{
    free(f->v);
    free(f->idx);
    cg_fields_init(f, f->max);
}

/* Empties the index (keeping its table): the cost is that of the table, which the list
 * it was sized for paid for already. */
static void index_empty(struct cg_fields *f)
{
    if (f->idx)
        memset(f->idx, 0, (f->idx_mask + 1) * sizeof(*f->idx));
    f->indexed = 0;
}

void cg_fields_clear(struct cg_fields *f)
{
    if (CG_UNLIKELY(f->indexed))
        index_empty(f);
    f->n = 0;
    f->dup_dropped = 0;
    f->limit_dropped = 0;
    f->probes = 0;
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

/* The slot holding key, or the empty slot where it goes; *probes counts the entries
 * compared. Linear probing: the table is at most half full. */
static inline uint32_t *index_find(const struct cg_fields *f, struct cg_str key, uint32_t h,
                                   size_t *probes)
{
    size_t i = h & f->idx_mask;
    while (f->idx[i]) {
        ++*probes;
        if (entry_is(&f->v[f->idx[i] - 1], key, h))
            break;
        i = (i + 1) & f->idx_mask;
    }
    return &f->idx[i];
}

/* Files v[from..n) (distinct keys, none in the table yet) into the table. */
static void index_fill(struct cg_fields *f, size_t from)
{
    for (size_t k = from; k < f->n; k++) {
        size_t i = f->v[k].hash & f->idx_mask;
        while (f->idx[i])
            i = (i + 1) & f->idx_mask;
        f->idx[i] = (uint32_t)(k + 1);
    }
    f->indexed = f->n;
}

/* Makes the index cover v[0..n) with room for one more entry. false when it cannot
 * (out of memory, or a list too long for 32-bit slots): the caller scans instead. */
static NOINLINE bool index_ready(struct cg_fields *f)
{
    size_t want = 2 * (f->n + 1), size = f->idx_mask + 1;
    if (f->n >= UINT32_MAX / 2)
        return false;
    if (f->indexed > f->n) /* the list was cut back (a failed rulebase mapping) */
        index_empty(f);
    if (!f->idx || size < want) {
        size = 256;
        while (size < 2 * want) /* room to grow to twice this list before the next rebuild */
            size *= 2;
        uint32_t *t = calloc(size, sizeof(*t));
        if (!t)
            return false;
        free(f->idx);
        f->idx = t;
        f->idx_mask = size - 1;
        f->indexed = 0;
    }
    index_fill(f, f->indexed);
    return true;
}

const struct cg_str *cg_fields_get(const struct cg_fields *f, struct cg_str key)
{
    if (!f->n)
        return NULL;
    uint32_t h = key_hash(key);
    if (CG_UNLIKELY(f->indexed == f->n)) { /* n > 0: the index is built and current */
        size_t probes = 0;
        uint32_t s = *index_find(f, key, h, &probes);
        return s ? &f->v[s - 1].val : NULL;
    }
    return get_hashed(f, key, h);
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
    uint32_t *slot = index_find(f, key, h, &f->probes);
    if (*slot) {
        f->dup_dropped++;
        return CG_OK;
    }
    int rc = append(f, key, val, h);
    if (rc == CG_OK) {
        *slot = (uint32_t)f->n;
        f->indexed = f->n;
    }
    return rc;
}

/* The duplicate check, then the append: a scan of a short list, the index of a long one. */
static NOINLINE int scan_append(struct cg_fields *f, struct cg_str key, struct cg_str val,
                                uint32_t h)
{
    if (CG_UNLIKELY(f->n >= CG_FIELDS_INDEX_MIN) && index_ready(f))
        return index_append(f, key, val, h);
    f->probes += f->n;
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
    if (CG_UNLIKELY(f->n >= f->filtered_max)) /* full, or long enough for the index */
        return cg_fields_add(f, key, val);    /* which keeps the index current */
    uint32_t h = key_hash(key);
    uint64_t *w = &flt->bits[FILTER_WORD(h)], m = FILTER_BITS(h);
    if ((*w & m) == m)
        return scan_append(f, key, val, h); /* maybe present: the bits are set already */
    *w |= m;
    return append(f, key, val, h);
}
