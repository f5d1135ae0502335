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

const struct cg_str *cg_fields_get(const struct cg_fields *f, struct cg_str key)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct cg_field *e = &f->v[i];
        if (e->key.n == key.n && memcmp(e->key.p, key.p, key.n) == 0)
            return &e->val;
    }
    return NULL;
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
    if (cg_fields_get(f, key)) {
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
    f->n++;
    return CG_OK;
}
