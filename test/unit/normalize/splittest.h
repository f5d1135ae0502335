/*
 * splittest.h - the table runner of test_kvlist.c and test_xml.c (include after cmocka.h): a
 * splitter of src/normalize/ (kvlist.h, xml.h) called on its own, bytes in, fields out.
 *
 * Every case starts from an event that already holds one field, "pre" = "x" (as the rule's
 * own fields would be), and lists every field the split must add after it, in order, with
 * the return code and the duplicates dropped. A case is split without the normalizer's caches
 * and then twice with one (the memo first holding the case before, then the case itself):
 * the fields must not depend on the memo. The input is an exact-size heap copy, so ASan sees
 * any read past it.
 */
#ifndef CEFGUARD_TEST_SPLITTEST_H
#define CEFGUARD_TEST_SPLITTEST_H

#include "normalize/map.h"

#include "testutil.h"

#define SV(s) s, sizeof(s) - 1 /* a literal and its length: NUL bytes allowed */
#define SPLIT_FIELDS 10

struct split_field {
    const char *k; /* NULL: no more fields */
    const char *v;
    size_t vn;
};

struct split_case {
    const char *in;
    size_t n;
    int rc; /* CG_OK or NZ_NOMATCH (then no field is added) */
    size_t dup;
    struct split_field f[SPLIT_FIELDS];
};

typedef int (*split_fn)(struct nz_map *, const char *, size_t);

/* An event with the field "pre" = "x" and a field bound of max (0: the default). */
static inline void split_event(struct cg_event *ev, size_t max)
{
    cg_event_init(ev, max);
    assert_int_equal(cg_fields_add(&ev->fields, cg_str_make("pre", 3), cg_str_make("x", 1)), CG_OK);
}

/* Splits in[0..n) into ev (made with split_event) with the cache (NULL: none). */
static inline int split_into(struct cg_event *ev, split_fn split, const char *in, size_t n,
                             struct nz_snake_cache *cache)
{
    struct nz_map m;
    nz_map_init(&m, ev, cache);
    return split(&m, in, n);
}

static inline void split_expect_str(const char *what, struct cg_str got, const char *want,
                                    size_t wn)
{
    if (got.n != wn || (wn && memcmp(got.p, want, wn) != 0))
        fail_msg("%s: got [%.*s] (%zu bytes), want [%.*s] (%zu bytes)", what, (int)got.n,
                 got.p ? got.p : "", got.n, (int)wn, want, wn);
}

/* One case; views: every value must be a view into the input. */
static inline void split_check(split_fn split, const struct split_case *c,
                               struct nz_snake_cache *cache, bool views)
{
    char *in = copy_exact(c->in, c->n);
    struct cg_event ev;
    split_event(&ev, 0);
    int rc = split_into(&ev, split, in, c->n, cache);
    if (rc != c->rc)
        fail_msg("[%.*s]: returned %d, want %d", (int)c->n, c->in, rc, c->rc);
    size_t want = 0;
    while (want < SPLIT_FIELDS && c->f[want].k)
        want++;
    const struct cg_fields *f = &ev.fields;
    if (f->n != want + 1)
        fail_msg("[%.*s]: %zu fields, want %zu", (int)c->n, c->in, f->n - 1, want);
    split_expect_str("the field before", f->v[0].key, "pre", 3);
    for (size_t i = 0; i < want; i++) {
        split_expect_str("key", f->v[i + 1].key, c->f[i].k, strlen(c->f[i].k));
        split_expect_str(c->f[i].k, f->v[i + 1].val, c->f[i].v, c->f[i].vn);
        if (views && !inside(f->v[i + 1].val, in, c->n))
            fail_msg("[%.*s]: %s is not a view into the input", (int)c->n, c->in, c->f[i].k);
    }
    assert_int_equal(f->dup_dropped, c->dup);
    assert_int_equal(f->limit_dropped, 0);
    cg_event_fini(&ev);
    free(in);
}

/* The table without caches, then each case twice with one cache, the table twice. */
static inline void split_table(split_fn split, const struct split_case *c, size_t nc, bool views)
{
    struct nz_snake_cache *cache = calloc(1, sizeof(*cache));
    assert_non_null(cache);
    for (size_t i = 0; i < nc; i++)
        split_check(split, &c[i], NULL, views);
    for (size_t k = 0; k < 4 * nc; k++)
        split_check(split, &c[(k / 2) % nc], cache, views);
    free(cache);
}

#endif
