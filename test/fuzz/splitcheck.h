/*
 * splitcheck.h - the harness of the two splitter targets, fuzz_kvlist and fuzz_xml
 * (src/normalize/kvlist.h, xml.h).
 *
 * One input is split four times, each into its own event whose arena is one known block
 * and whose fields already hold a sentinel ("pre" = "x", as a rule's own fields would):
 *   A  without the normalizer's caches (the general reader only);
 *   B  with a cache whose memo holds what the inputs before this one left there;
 *   C  with the same cache again, its memo now holding this input's own labels and tags;
 *   D  like C with a field bound of SPLIT_BOUND.
 * B and C must equal A exactly (return code, fields byte for byte, drop counters): only
 * speed may depend on the memo. D must be A's first SPLIT_BOUND fields, no more. On
 * NZ_NOMATCH the fields are the sentinel alone. Every field of every run is checked against
 * the part of the contract both splitters share (split_check_fields) and then by the
 * target's own check. Nothing here is under test: no coverage instrumentation.
 */
#ifndef CG_FUZZ_SPLITCHECK_H
#define CG_FUZZ_SPLITCHECK_H

#include "normalize/map.h"

#include "check.h"

/* Bytes of one event's arena: keys of 1024 fields and two decoded copies of a 64 KiB input
 * take well under 1 MiB. A split that needs more than this has left its linear bound: keys
 * or values are then outside the block and a CHECK says so. */
#define SPLIT_ARENA (2u << 20)
#define SPLIT_BOUND 4

typedef int (*split_fn)(struct nz_map *, const char *, size_t);

struct split_run {
    struct cg_event ev;
    int rc;
    max_align_t mem[SPLIT_ARENA / sizeof(max_align_t)];
};

struct split_input {
    const char *s;
    size_t n;
};

CHECK_NOCOV static inline bool split_in_arena(const struct split_run *r, struct cg_str v)
{
    return check_inside(v, r->mem, sizeof(r->mem));
}

CHECK_NOCOV static inline bool split_same_str(struct cg_str a, struct cg_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* The key characters of the splitters: snake_case (a-z, 0-9, '_', bytes >= 0x80) and '.'. */
CHECK_NOCOV static inline bool split_key_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c >= 0x80;
}

/* No two fields with the same key: a set of their indexes by the hash the list keeps (the
 * list's own lookup would make this quadratic). */
CHECK_NOCOV static void split_check_unique(const struct cg_fields *f)
{
    static uint32_t slot[4096]; /* index + 1; 0: empty. At most 1024 fields + the sentinel */
    CHECK(f->n < CG_ARRAY_LEN(slot) / 2, "%zu fields", f->n);
    memset(slot, 0, sizeof(slot));
    for (size_t i = 0; i < f->n; i++) {
        size_t h = f->v[i].hash & (CG_ARRAY_LEN(slot) - 1);
        for (; slot[h]; h = (h + 1) & (CG_ARRAY_LEN(slot) - 1)) {
            const struct cg_field *o = &f->v[slot[h] - 1];
            CHECK(o->hash != f->v[i].hash || !split_same_str(o->key, f->v[i].key),
                  "fields %u and %zu: the same key [%.*s]", slot[h] - 1, i, (int)o->key.n,
                  o->key.p);
        }
        slot[h] = (uint32_t)i + 1;
    }
}

/* The contract both splitters share, for the fields after the sentinel. */
CHECK_NOCOV static void split_check_fields(const struct split_run *r, struct split_input in)
{
    const struct cg_fields *f = &r->ev.fields;
    split_check_unique(f);
    CHECK(f->n >= 1 && split_same_str(f->v[0].key, cg_str_make("pre", 3)) &&
              split_same_str(f->v[0].val, cg_str_make("x", 1)),
          "the sentinel field was changed");
    CHECK(f->n <= f->max, "%zu fields over the bound %zu", f->n, f->max);
    for (size_t i = 1; i < f->n; i++) {
        struct cg_str k = f->v[i].key, v = f->v[i].val;
        check_touch(k);
        check_touch(v);
        CHECK(k.n > 0 && k.n <= NZ_KEY_MAX + 1, "field %zu: key of %zu bytes", i, k.n);
        CHECK(split_in_arena(r, k), "field %zu: key outside the arena block", i);
        CHECK(check_inside(v, in.s, in.n) || split_in_arena(r, v),
              "field %zu [%.*s]: value neither in the input nor in the arena block", i, (int)k.n,
              k.p);
        CHECK(v.n <= in.n, "field %zu: value of %zu bytes from %zu", i, v.n, in.n);
        for (size_t j = 0; j < k.n; j++)
            CHECK(split_key_byte((unsigned char)k.p[j]), "field %zu: key byte 0x%02x", i,
                  (unsigned char)k.p[j]);
        CHECK(!split_same_str(k, cg_str_make("subject", 7)), "a key from the data is subject");
    }
}

/* Splits in into r with the cache (NULL: none) and the field bound max (0: the default). */
CHECK_NOCOV static void split_run(struct split_run *r, split_fn split, struct split_input in,
                                  struct nz_snake_cache *cache, size_t max)
{
    cg_event_init(&r->ev, max);
    cg_arena_init_with(&r->ev.arena, r->mem, sizeof(r->mem));
    CHECK(cg_fields_add(&r->ev.fields, cg_str_make("pre", 3), cg_str_make("x", 1)) == CG_OK, "oom");
    struct nz_map m;
    nz_map_init(&m, &r->ev, cache);
    r->rc = split(&m, in.s, in.n);
    CHECK(r->rc == CG_OK || r->rc == NZ_NOMATCH, "return code %d", r->rc);
    const struct cg_fields *f = &r->ev.fields;
    if (r->rc == NZ_NOMATCH)
        CHECK(f->n == 1 && f->dup_dropped == 0 && f->limit_dropped == 0,
              "NZ_NOMATCH left %zu fields, %u dup, %u limit", f->n, f->dup_dropped,
              f->limit_dropped);
    split_check_fields(r, in);
}

/* b gives what a gives; with prefix, b may hold only a's first b->ev.fields.max fields. */
CHECK_NOCOV static void split_compare(const struct split_run *a, const struct split_run *b,
                                      const char *what, bool prefix)
{
    const struct cg_fields *fa = &a->ev.fields, *fb = &b->ev.fields;
    size_t want = prefix && fa->n > fb->max ? fb->max : fa->n;
    CHECK(a->rc == b->rc, "%s: return code %d, not %d", what, b->rc, a->rc);
    CHECK(fb->n == want, "%s: %zu fields, not %zu", what, fb->n, want);
    if (!prefix)
        CHECK(fa->dup_dropped == fb->dup_dropped && fa->limit_dropped == fb->limit_dropped,
              "%s: dropped %u/%u, not %u/%u", what, fb->dup_dropped, fb->limit_dropped,
              fa->dup_dropped, fa->limit_dropped);
    for (size_t i = 0; i < want; i++)
        CHECK(split_same_str(fa->v[i].key, fb->v[i].key) &&
                  split_same_str(fa->v[i].val, fb->v[i].val),
              "%s: field %zu is [%.*s]=[%.*s], not [%.*s]=[%.*s]", what, i, (int)fb->v[i].key.n,
              fb->v[i].key.p, (int)fb->v[i].val.n, fb->v[i].val.p, (int)fa->v[i].key.n,
              fa->v[i].key.p, (int)fa->v[i].val.n, fa->v[i].val.p);
}

/* The four runs of the input, compared; check (NULL: none) is the target's own check of a
 * run. The cache lives for the whole fuzzing session, as a normalizer's does. */
CHECK_NOCOV static void split_all(split_fn split, struct split_input in,
                                  void (*check)(const struct split_run *, struct split_input))
{
    static struct split_run runs[4];
    static struct nz_snake_cache *cache;
    if (!cache)
        CHECK((cache = calloc(1, sizeof(*cache))) != NULL, "oom");
    split_run(&runs[0], split, in, NULL, 0);
    split_run(&runs[1], split, in, cache, 0);
    split_run(&runs[2], split, in, cache, 0);
    split_run(&runs[3], split, in, cache, SPLIT_BOUND);
    split_compare(&runs[0], &runs[1], "with the memo of earlier inputs", false);
    split_compare(&runs[0], &runs[2], "with the memo of this input", false);
    split_compare(&runs[0], &runs[3], "with a field bound", true);
    for (size_t i = 0; check && i < 4; i++)
        check(&runs[i], in);
    for (size_t i = 0; i < 4; i++)
        cg_event_fini(&runs[i].ev);
}

#endif
