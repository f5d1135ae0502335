/* fields.c - ordered, bounded, duplicate-free key/value list (see fields.h). */
#include "cefguard/fields.h"

#include <stdlib.h>

void cg_fields_init(struct cg_fields *f, size_t max)
{
    f->v = NULL;
    f->n = 0;
    f->cap = 0;
    f->max = max ? max : CG_FIELDS_DEFAULT_MAX;
    f->dup_dropped = 0;
    f->limit_dropped = 0;
}

void cg_fields_fini(struct cg_fields *f)
{
    free(f->v);
    cg_fields_init(f, f->max);
}

void cg_fields_clear(struct cg_fields *f)
{
    f->n = 0;
    f->dup_dropped = 0;
    f->limit_dropped = 0;
}

/* Keys are short (CEF keys are a few bytes): a cheap hash over the length and the
 * bytes makes a miss one integer compare per entry. */
static uint32_t key_hash(struct cg_str k)
{
    uint32_t h = 2166136261u ^ (uint32_t)k.n;
    for (size_t i = 0; i < k.n; i++)
        h = (h ^ (unsigned char)k.p[i]) * 16777619u;
    return h;
}

static const struct cg_str *get_hashed(const struct cg_fields *f, struct cg_str key, uint32_t h)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct cg_field *e = &f->v[i];
        if (e->hash == h && e->key.n == key.n &&
            (key.n == 0 || memcmp(e->key.p, key.p, key.n) == 0))
            return &e->val;
    }
    return NULL;
}

const struct cg_str *cg_fields_get(const struct cg_fields *f, struct cg_str key)
{
    return f->n ? get_hashed(f, key, key_hash(key)) : NULL;
}

const struct cg_str *cg_fields_getz(const struct cg_fields *f, const char *key)
{
    return cg_fields_get(f, cg_str_make(key, strlen(key)));
}

int cg_fields_add(struct cg_fields *f, struct cg_str key, struct cg_str val)
{
    /* Linear duplicate check: events carry tens of fields, and max bounds the
     * worst case of a hostile line to max^2/2 short compares. */
    if (f->n >= f->max) {
        f->limit_dropped++; /* no duplicate check: keeps a hostile line linear */
        return CG_OK;
    }
    uint32_t h = key_hash(key);
    if (get_hashed(f, key, h)) {
        f->dup_dropped++;
        return CG_OK;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct cg_field *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return CG_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n].key = key;
    f->v[f->n].val = val;
    f->v[f->n].hash = h;
    f->n++;
    return CG_OK;
}
