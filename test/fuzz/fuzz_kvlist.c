/*
 * fuzz_kvlist.c - libFuzzer target for the "_kvlist" splitter (src/normalize/kvlist.h).
 *
 * The input is the list, as a rule hands it over. splitcheck.h splits it with and without
 * the normalizer's caches and with a field bound, and checks that the results agree and that
 * the fields keep the contract both splitters share (bounded count and keys, keys in the
 * arena, values in the input or the arena, no "subject", no duplicate). Checked here, from
 * kvlist.h: every value is a view into the input (a continued value is widened, never
 * copied), and a key holds a '.' only as "unlabeled.<n>".
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct split_input in = {size ? (const char *)data : "", size};
    split_all(cg_nz_kvlist_split, in, check_kvlist);
    return 0;
}
