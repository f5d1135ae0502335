/*
 * annotate.c - annotate= lines applied here rather than by liblognorm (see normalize_int.h,
 * struct nz_tagann): liblognorm builds a JSON string per annotation and line, which cost
 * more than the rest of a match. A file whose annotate= lines all have the simple form
 * annotate=TAG:+NAME="VALUE" is handed to liblognorm with them commented out (rulebase.c);
 * lognorm.c then lands them in the order liblognorm would have.
 */
#include "normalize_int.h"

#include "cefguard/vec.h"

#include <stdlib.h>

void cg_nz_annotate_free(struct nz_base *b)
{
    for (size_t i = 0; i < b->nann; i++) {
        free(b->ann[i].tag);
        free(b->ann[i].name);
        free((char *)b->ann[i].value.p);
    }
    for (size_t i = 0; i < b->ntags; i++)
        free(b->tags[i].v);
    free(b->ann);
    free(b->tags);
    b->ann = NULL;
    b->nann = 0;
    b->tags = NULL;
    b->ntags = 0;
}

bool cg_nz_annotate_group(struct nz_base *b)
{
    if (!(b->tags = calloc(b->nann, sizeof(*b->tags))))
        return false;
    for (size_t i = b->nann; i-- > 0;) { /* liblognorm: the last line first */
        const struct nz_annot *an = &b->ann[i];
        struct nz_tagann *g = b->tags;
        while (g < b->tags + b->ntags && strcmp(g->tag, an->tag) != 0)
            g++;
        if (g == b->tags + b->ntags) {
            if (!(g->v = calloc(b->nann, sizeof(*g->v))))
                return false;
            g->tag = an->tag;
            g->tlen = strlen(an->tag);
            b->ntags++;
        }
        size_t k = 0;
        while (k < g->n && strcmp(g->v[k].name, an->name) != 0)
            k++;
        if (k == g->n) {
            g->v[g->n].name = an->name;
            g->v[g->n].nlen = strlen(an->name);
            g->v[g->n].role = nz_key_role(an->name, g->v[g->n].nlen);
            g->lens |= nz_len_bit(g->v[g->n].nlen);
            g->n++;
        }
        g->v[k].value = an->value;
    }
    return true;
}

/* A name as liblognorm reads it in annotate= (isalnum, '_', '.'); its length. */
static size_t nz_annot_name(const char *p)
{
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
           (p[n] >= '0' && p[n] <= '9') || p[n] == '_' || p[n] == '.')
        n++;
    return n;
}

bool cg_nz_annotate_line(struct nz_base *b, const char *line, size_t len, size_t *cap)
{
    const char *p = line + 9, *end = line + len; /* after "annotate=" */
    size_t tlen = nz_annot_name(p), nlen;
    if (!tlen || p[tlen] != ':' || p[tlen + 1] != '+')
        return false;
    const char *name = p + tlen + 2;
    if (!(nlen = nz_annot_name(name)) || name[nlen] != '=' || name[nlen + 1] != '"')
        return false;
    const char *val = name + nlen + 2, *q = memchr(val, '"', (size_t)(end - val));
    if (!q || q + 1 != end)
        return false;
    if (cg_vec_reserve_ptr(&b->ann, cap, sizeof(*b->ann), b->nann + 1) != CG_OK)
        return false;
    struct nz_annot *a = &b->ann[b->nann];
    a->tag = strndup(p, tlen);
    a->name = strndup(name, nlen);
    a->value = cg_str_make(strndup(val, (size_t)(q - val)), (size_t)(q - val));
    if (!a->tag || !a->name || !a->value.p) {
        free(a->tag);
        free(a->name);
        free((char *)a->value.p);
        return false;
    }
    b->nann++;
    return true;
}

size_t cg_nz_annotate_merge(struct nz_av *av, size_t n, const struct nz_tagann *g, uint64_t *lens)
{
    for (size_t j = 0; g && j < g->n; j++) {
        size_t k = 0;
        while (k < n &&
               (av[k].nlen != g->v[j].nlen || memcmp(av[k].name, g->v[j].name, g->v[j].nlen) != 0))
            k++;
        if (k == n)
            av[n++] = g->v[j];
        av[k].value = g->v[j].value;
        *lens |= nz_len_bit(g->v[j].nlen);
    }
    return n;
}
