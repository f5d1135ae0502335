/*
 * test_fields.c - the field list (fields.h): the hash and duplicate filter behind
 * cg_fields_add and cg_fields_add_filtered.
 *
 * Keys are copied into heap buffers of exactly their length: the hash reads whole
 * words, and a read outside the key is an ASan error in the sanitizer build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/fields.h"

/* xorshift64: deterministic "random" keys */
static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The same adds through cg_fields_add and cg_fields_add_filtered leave the same
 * list (keys, values, hashes, order) and the same counters. */
static void same_lists(const struct cg_fields *a, const struct cg_fields *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->dup_dropped, b->dup_dropped);
    assert_int_equal(a->limit_dropped, b->limit_dropped);
    for (size_t i = 0; i < a->n; i++) {
        assert_true(a->v[i].key.p == b->v[i].key.p && a->v[i].key.n == b->v[i].key.n);
        assert_true(a->v[i].val.p == b->v[i].val.p && a->v[i].val.n == b->v[i].val.n);
        assert_int_equal(a->v[i].hash, b->v[i].hash);
    }
}

static int add_key(struct cg_fields *f, const char *key)
{
    return cg_fields_add(f, cg_str_make(key, strlen(key)), CG_STR_LIT("v"));
}

#define NKEYS 3000

/* Keys of 0..40 bytes (every length the hash treats differently: 0, 1-3, 4-7,
 * 8-16, 17-24, 25+) over a small alphabet with NUL and high bytes, so there are
 * many repeats and near misses; several bounds; a few entries before the filter. */
static void filtered_same_as_plain(void **state)
{
    (void)state;
    static const size_t maxes[] = {1, 3, 8, 64, 1024};
    static const char alpha[] = "ab\0\xff";
    char **keys = calloc(NKEYS, sizeof(*keys));
    size_t *lens = calloc(NKEYS, sizeof(*lens));
    assert_non_null(keys);
    assert_non_null(lens);
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < NKEYS; i++) {
        lens[i] = next(&x) % 41;
        if (i % 3 == 0)
            lens[i] %= 6; /* short keys repeat */
        char tmp[41];
        for (size_t j = 0; j < lens[i]; j++)
            tmp[j] = alpha[next(&x) % 4];
        keys[i] = copy_exact(tmp, lens[i]);
    }
    for (size_t m = 0; m < CG_ARRAY_LEN(maxes); m++) {
        struct cg_fields plain, filt;
        cg_fields_init(&plain, maxes[m]);
        cg_fields_init(&filt, maxes[m]);
        /* entries already present when the filter is set up */
        assert_int_equal(cg_fields_add(&plain, CG_STR_LIT("a"), CG_STR_LIT("0")), CG_OK);
        assert_int_equal(cg_fields_add(&filt, CG_STR_LIT("a"), CG_STR_LIT("0")), CG_OK);
        struct cg_fields_filter flt;
        cg_fields_filter_init(&flt, &filt);
        for (size_t i = 0; i < NKEYS; i++) {
            struct cg_str k = cg_str_make(keys[i], lens[i]), v = cg_str_make(keys[i], i % 7);
            assert_int_equal(cg_fields_add(&plain, k, v), CG_OK);
            assert_int_equal(cg_fields_add_filtered(&filt, &flt, k, v), CG_OK);
        }
        same_lists(&plain, &filt);
        assert_true(filt.n <= maxes[m]);
        assert_int_equal(filt.n + filt.dup_dropped + filt.limit_dropped, NKEYS + 1);
        cg_fields_fini(&plain);
        cg_fields_fini(&filt);
    }
    for (size_t i = 0; i < NKEYS; i++)
        free(keys[i]);
    free(keys);
    free(lens);
}

/* Every key added is found with its first value; keys that differ in one byte at
 * any position, or in length, are not. */
static void get_exact(void **state)
{
    (void)state;
    char base[40];
    for (size_t j = 0; j < sizeof(base); j++)
        base[j] = (char)('A' + j);
    struct cg_fields f;
    cg_fields_init(&f, 0);
    char *keys[41];
    for (size_t len = 0; len <= 40; len++) {
        keys[len] = copy_exact(base, len);
        struct cg_str k = cg_str_make(keys[len], len);
        assert_int_equal(cg_fields_add(&f, k, cg_str_make(keys[len], len)), CG_OK);
        assert_int_equal(cg_fields_add(&f, k, CG_STR_LIT("later")), CG_OK); /* dropped */
    }
    assert_int_equal(f.n, 41);
    assert_int_equal(f.dup_dropped, 41);
    for (size_t len = 0; len <= 40; len++) {
        const struct cg_str *v = cg_fields_get(&f, cg_str_make(keys[len], len));
        assert_non_null(v);
        assert_true(v->p == keys[len] && v->n == len);
        for (size_t j = 0; j < len; j++) {
            char *near = copy_exact(base, len);
            near[j] ^= 0x20;
            assert_null(cg_fields_get(&f, cg_str_make(near, len)));
            free(near);
        }
    }
    assert_non_null(cg_fields_getz(&f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh")); /* 40 */
    assert_null(cg_fields_getz(&f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghi"));    /* 41 */
    assert_non_null(cg_fields_getz(&f, ""));
    for (size_t len = 0; len <= 40; len++)
        free(keys[len]);
    cg_fields_fini(&f);
}

/* A filter set up on a list that already holds keys knows them; a full list
 * counts every further add as a limit drop, duplicates included. */
static void filter_on_existing_and_full(void **state)
{
    (void)state;
    struct cg_fields f;
    cg_fields_init(&f, 4);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("src"), CG_STR_LIT("1")), CG_OK);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("dvchost"), CG_STR_LIT("h")), CG_OK);
    struct cg_fields_filter flt;
    cg_fields_filter_init(&flt, &f);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("src"), CG_STR_LIT("2")), CG_OK);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("dvchost"), CG_STR_LIT("x")),
                     CG_OK);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.dup_dropped, 2);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("dst"), CG_STR_LIT("3")), CG_OK);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("dst"), CG_STR_LIT("4")), CG_OK);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("act"), CG_STR_LIT("5")), CG_OK);
    assert_int_equal(f.n, 4);
    assert_int_equal(f.dup_dropped, 3);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("src"), CG_STR_LIT("6")), CG_OK);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("new"), CG_STR_LIT("7")), CG_OK);
    assert_int_equal(f.n, 4);
    assert_int_equal(f.dup_dropped, 3);
    assert_int_equal(f.limit_dropped, 2);
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "src"), "1"));
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "dst"), "3"));
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "act"), "5"));
    assert_null(cg_fields_getz(&f, "new"));
    /* Cleared and filled again: a new filter for the new contents. */
    cg_fields_clear(&f);
    cg_fields_filter_init(&flt, &f);
    assert_int_equal(cg_fields_add_filtered(&f, &flt, CG_STR_LIT("src"), CG_STR_LIT("8")), CG_OK);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.dup_dropped, 0);
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "src"), "8"));
    cg_fields_fini(&f);
}

/* Many distinct keys fill the 256-bit filter: duplicates are still found (by the
 * scan) and distinct keys never taken for duplicates. */
static void saturated_filter(void **state)
{
    (void)state;
    struct cg_fields f;
    cg_fields_init(&f, 0);
    struct cg_fields_filter flt;
    cg_fields_filter_init(&flt, &f);
    static char keys[600][8];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 600; i++) {
            int len = snprintf(keys[i], sizeof(keys[i]), "k%d", i);
            struct cg_str k = cg_str_make(keys[i], (size_t)len);
            assert_int_equal(cg_fields_add_filtered(&f, &flt, k, CG_STR_LIT("v")), CG_OK);
        }
    }
    assert_int_equal(f.n, 600);
    assert_int_equal(f.dup_dropped, 600);
    for (int i = 0; i < 600; i++)
        assert_true(cg_str_eqz(f.v[i].key, keys[i]));
    cg_fields_fini(&f);
}

/* 1 MiB of "k<hex>=v " pairs is 120,000 distinct keys: with --max-fields 1000000 the
 * duplicate check used to compare each new key with every earlier one (7 * 10^9
 * compares, 16 s for one line). It must stay a few probes per key: counted, not timed. */
#define WIDE 120000

static void wide_list_is_linear(void **state)
{
    (void)state;
    char(*keys)[8] = calloc(WIDE, sizeof(*keys));
    assert_non_null(keys);
    struct cg_fields f;
    cg_fields_init(&f, 1000000);
    struct cg_fields_filter flt;
    cg_fields_filter_init(&flt, &f);
    size_t probes = cg_fields_probes();
    for (int round = 0; round < 2; round++) { /* distinct keys, then every one repeated */
        for (int i = 0; i < WIDE; i++) {
            int len = snprintf(keys[i], sizeof(keys[i]), "k%x", (unsigned)i);
            struct cg_str k = cg_str_make(keys[i], (size_t)len);
            assert_int_equal(round ? cg_fields_add(&f, k, CG_STR_LIT("w"))
                                   : cg_fields_add_filtered(&f, &flt, k, CG_STR_LIT("v")),
                             CG_OK);
        }
    }
    assert_int_equal(f.n, WIDE);
    assert_int_equal(f.dup_dropped, WIDE);
    /* 240,000 checks; the scans of the first 64 keys cost 64^2/2 */
    assert_true(cg_fields_probes() - probes < 4 * 2 * WIDE + 64 * 64 / 2);
    for (int i = 0; i < WIDE; i += 997)
        assert_true(cg_str_eqz(*cg_fields_getz(&f, keys[i]), "v"));
    assert_null(cg_fields_getz(&f, "k1e240")); /* WIDE in hex: not added */
    assert_null(cg_fields_getz(&f, "v"));
    /* Reused for the next event: the index is emptied with the list. */
    cg_fields_clear(&f);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(cg_fields_add(&f, cg_str_make(keys[i], strlen(keys[i])), CG_STR_LIT("x")),
                         CG_OK);
    assert_int_equal(f.n, 1000);
    assert_int_equal(f.dup_dropped, 0);
    assert_true(cg_str_eqz(*cg_fields_getz(&f, keys[999]), "x"));
    assert_null(cg_fields_getz(&f, keys[1000]));
    cg_fields_fini(&f);
    free(keys);
}

/* A list cut back (lognorm.c restores n when a mapping fails) forgets the keys past
 * the cut in the index too, and lookups stay right while the index lags behind. */
static void cut_back_list(void **state)
{
    (void)state;
    static char keys[300][8];
    struct cg_fields f;
    cg_fields_init(&f, 0);
    for (int i = 0; i < 300; i++) {
        snprintf(keys[i], sizeof(keys[i]), "c%d", i);
        assert_int_equal(add_key(&f, keys[i]), CG_OK);
    }
    f.n = 100;
    assert_null(cg_fields_getz(&f, keys[200]));
    assert_non_null(cg_fields_getz(&f, keys[99]));
    assert_int_equal(add_key(&f, keys[200]), CG_OK); /* gone: added again */
    assert_int_equal(add_key(&f, keys[50]), CG_OK);  /* still there: a duplicate */
    assert_int_equal(f.n, 101);
    assert_int_equal(f.dup_dropped, 1);
    assert_true(cg_str_eqz(f.v[100].key, keys[200]));
    assert_non_null(cg_fields_getz(&f, keys[200]));
    assert_null(cg_fields_getz(&f, keys[201]));
    cg_fields_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filtered_same_as_plain),      cmocka_unit_test(get_exact),
        cmocka_unit_test(filter_on_existing_and_full), cmocka_unit_test(saturated_filter),
        cmocka_unit_test(wide_list_is_linear),         cmocka_unit_test(cut_back_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
