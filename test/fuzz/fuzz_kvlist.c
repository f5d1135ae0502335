/*
 * fuzz_kvlist.c - libFuzzer target for the "_kvlist" splitter (src/normalize/kvlist.h).
 *
 * The input is the list, as a rule hands it over. splitcheck.h splits it with and without
 * the normalizer's caches and with a field bound, and checks that the results agree and that
 * the fields keep the contract both splitters share (bounded count and keys, keys in the
 * arena, values in the input or the arena, no "subject", no duplicate). Checked here, from
 * kvlist.h: every value is a view into the input (a continued value is widened, never
 * copied), and a key holds a '.' only as "unlabeled.<n>". The same input also goes through
 * "sepm_kvlist" (cg_nz_kvlist_split_sepm), which adds log_type (a value in the arena) and
 * names for unlabelled columns (views into the input).
 */
#include "normalize/kvlist.h"

#include "splitcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

CHECK_NOCOV static void check_kvlist(const struct split_run *r, struct split_input in)
{
    static const char unl[] = "unlabeled.";
    const struct cg_fields *f = &r->ev.fields;
    for (size_t i = 1; i < f->n; i++) {
        struct cg_str k = f->v[i].key, v = f->v[i].val;
        CHECK(check_inside(v, in.s, in.n), "field %zu [%.*s]: value not a view into the list", i,
              (int)k.n, k.p);
        if (!memchr(k.p, '.', k.n))
            continue;
        bool ok = k.n > sizeof(unl) - 1 && memcmp(k.p, unl, sizeof(unl) - 1) == 0;
        for (size_t j = sizeof(unl) - 1; ok && j < k.n; j++)
            ok = k.p[j] >= '0' && k.p[j] <= '9';
        CHECK(ok, "field %zu: key [%.*s] with a '.'", i, (int)k.n, k.p);
    }
}

/* sepm_kvlist: the fields of the plain split, then log_type once, then names for columns. */
CHECK_NOCOV static void check_sepm(const struct split_run *r, struct split_input in)
{
    const struct cg_fields *f = &r->ev.fields;
    size_t types = 0;
    for (size_t i = 1; i < f->n; i++) {
        struct cg_str k = f->v[i].key, v = f->v[i].val;
        bool type = k.n == 8 && memcmp(k.p, "log_type", 8) == 0;
        types += type;
        CHECK(type || check_inside(v, in.s, in.n), "field %zu [%.*s]: value not a view", i,
              (int)k.n, k.p);
    }
    CHECK(types <= 1, "%zu log_type fields", types);
    CHECK(r->rc != CG_OK || types == 1 || f->limit_dropped, "a split line without a log_type");
}

/* sepm_kvlist once without and twice with the caches (memo of earlier inputs, then of this
 * one): the same fields each time. Not split_all: log_type may be longer than the input,
 * which the contract of the plain splitters (split_check_fields) rules out. */
CHECK_NOCOV static void sepm_all(struct split_input in)
{
    static struct split_run runs[3];
    static struct nz_snake_cache *cache;
    if (!cache)
        CHECK((cache = calloc(1, sizeof(*cache))) != NULL, "oom");
    for (size_t i = 0; i < 3; i++) {
        struct split_run *r = &runs[i];
        cg_event_init(&r->ev, 0);
        cg_arena_init_with(&r->ev.arena, r->mem, sizeof(r->mem));
        CHECK(cg_fields_add(&r->ev.fields, cg_str_make("pre", 3), cg_str_make("x", 1)) == CG_OK,
              "oom");
        struct nz_map m;
        nz_map_init(&m, &r->ev, i ? cache : NULL);
        r->rc = cg_nz_kvlist_split_sepm(&m, in.s, in.n);
        CHECK(r->rc == CG_OK || r->rc == NZ_NOMATCH, "return code %d", r->rc);
        CHECK(r->rc == CG_OK || r->ev.fields.n == 1, "NZ_NOMATCH left fields");
        check_sepm(r, in);
    }
    split_compare(&runs[0], &runs[1], "sepm_kvlist with the memo of earlier inputs", false);
    split_compare(&runs[0], &runs[2], "sepm_kvlist with the memo of this input", false);
    for (size_t i = 0; i < 3; i++)
        cg_event_fini(&runs[i].ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct split_input in = {size ? (const char *)data : "", size};
    split_all(cg_nz_kvlist_split, in, check_kvlist);
    sepm_all(in);
    return 0;
}
