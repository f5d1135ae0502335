/* test_hmap.c - the hash map (copied and borrowed keys) and the arena's caller-owned block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/arena.h"
#include "cefguard/hmap.h"

#define NKEYS 5000

/* Keys "k<i>" for i < NKEYS, plus the empty key; a key's value is its number + 1. */
static void key_of(char *buf, size_t n, size_t i)
{
    snprintf(buf, n, "k%zu", i);
}

/* Inserts every key, deletes the odd ones, reinserts a third of them, and checks every
 * lookup against what a plain array says; then iterates and counts. */
static void exercise(struct cg_hmap *m, char (*keys)[16])
{
    for (size_t i = 0; i < NKEYS; i++)
        assert_int_equal(cg_hmap_put(m, keys[i], strlen(keys[i]), (void *)(i + 1)), CG_OK);
    assert_int_equal(cg_hmap_put(m, keys[0], 0, (void *)77), CG_OK); /* the empty key */
    assert_int_equal(m->n, NKEYS + 1);
    for (size_t i = 1; i < NKEYS; i += 2)
        assert_ptr_equal(cg_hmap_del(m, keys[i], strlen(keys[i])), (void *)(i + 1));
    assert_null(cg_hmap_del(m, keys[1], strlen(keys[1]))); /* already gone */
    for (size_t i = 1; i < NKEYS; i += 6)
        assert_int_equal(cg_hmap_put(m, keys[i], strlen(keys[i]), (void *)(i + 1)), CG_OK);
    size_t live = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        bool want = i % 2 == 0 || i % 6 == 1;
        void *got = cg_hmap_get(m, keys[i], strlen(keys[i]));
        if (want != (got != NULL) || (got && got != (void *)(i + 1)))
            fail_msg("key %s: want %d got %p", keys[i], want, got);
        live += want;
    }
    assert_ptr_equal(cg_hmap_get(m, "", 0), (void *)77);
    assert_null(cg_hmap_get(m, "k", 1));
    assert_null(cg_hmap_get(m, "k00", 3));
    /* replacing a value keeps one entry */
    assert_int_equal(cg_hmap_put(m, keys[0], strlen(keys[0]), (void *)5), CG_OK);
    assert_ptr_equal(cg_hmap_get(m, keys[0], strlen(keys[0])), (void *)5);
    size_t seen = 0;
    const struct cg_hmap_slot *s;
    for (size_t i = 0; cg_hmap_next(m, &i, &s);)
        seen++;
    assert_int_equal(seen, live + 1);
    assert_int_equal(m->n, live + 1);
}

/* NKEYS keys "k<i>", 16 bytes each. */
static char (*make_keys(void))[16]
{
    char(*keys)[16] = calloc(NKEYS, 16);
    assert_non_null(keys);
    for (size_t i = 0; i < NKEYS; i++)
        key_of(keys[i], 16, i);
    return keys;
}

static void test_copied(void **state)
{
    (void)state;
    char(*keys)[16] = make_keys();
    struct cg_hmap m;
    cg_hmap_init(&m, 42);
    exercise(&m, keys);
    /* keys were copied: the caller's bytes may change */
    memset(keys, 'x', (size_t)NKEYS * 16);
    assert_ptr_equal(cg_hmap_get(&m, "k2", 2), (void *)3);
    cg_hmap_fini(&m);
    assert_int_equal(m.n, 0);
    assert_null(cg_hmap_get(&m, "k2", 2));
    free(keys);
}

static void test_borrowed(void **state)
{
    (void)state;
    char(*keys)[16] = make_keys();
    struct cg_hmap m;
    cg_hmap_init_borrowed(&m, 7);
    exercise(&m, keys);
    /* the map holds the caller's pointers (ASan would flag a free of them) */
    const struct cg_hmap_slot *s;
    bool found = false;
    for (size_t i = 0; cg_hmap_next(&m, &i, &s);)
        found |= s->klen && s->key == keys[2];
    assert_true(found);
    assert_int_equal(cg_hmap_put(&m, NULL, 0, (void *)9), CG_OK); /* empty key, no bytes */
    assert_ptr_equal(cg_hmap_get(&m, "", 0), (void *)9);
    cg_hmap_fini(&m);
    assert_true(m.borrow); /* still a borrowing map after fini */
    assert_int_equal(cg_hmap_put(&m, keys[3], 2, (void *)1), CG_OK);
    assert_ptr_equal(cg_hmap_get(&m, "k3", 2), (void *)1);
    cg_hmap_fini(&m);
    free(keys);
}

/* cg_hmap_bytes_eq agrees with memcmp for every length up to 40 and every position of a
 * difference (the tail loads overlap: each byte must still count); cg_hmap_hash_bytes
 * depends on every byte and on the length. */
static void test_bytes(void **state)
{
    (void)state;
    char a[48], b[48];
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (char)('a' + i % 26);
    for (size_t n = 0; n <= 40; n++) {
        memcpy(b, a, sizeof(a));
        assert_true(cg_hmap_bytes_eq(a, b, n));
        uint64_t h = cg_hmap_hash_bytes(1, a, n);
        assert_int_equal(h, cg_hmap_hash_bytes(1, b, n));
        assert_int_not_equal(h, cg_hmap_hash_bytes(2, a, n)); /* the seed counts */
        if (n < 40)
            assert_int_not_equal(h, cg_hmap_hash_bytes(1, a, n + 1)); /* so does the length */
        for (size_t pos = 0; pos < n; pos++) {
            memcpy(b, a, sizeof(a));
            b[pos] ^= 0x20;
            if (cg_hmap_bytes_eq(a, b, n))
                fail_msg("n %zu: a difference at %zu not seen", n, pos);
            if (cg_hmap_hash_bytes(1, a, n) == cg_hmap_hash_bytes(1, b, n))
                fail_msg("n %zu: hash ignores byte %zu", n, pos);
        }
        /* bytes past n do not count */
        memcpy(b, a, sizeof(a));
        b[n] ^= 1;
        assert_true(cg_hmap_bytes_eq(a, b, n));
        assert_int_equal(cg_hmap_hash_bytes(1, a, n), cg_hmap_hash_bytes(1, b, n));
    }
}

/* An arena whose first block the caller owns: used first, never freed, growth goes on
 * in blocks of its own (ASan checks the frees). */
static void test_arena_with(void **state)
{
    (void)state;
    size_t n = cg_arena_block_size(100);
    assert_true(n >= 100);
    char *mem = malloc(n);
    assert_non_null(mem);
    struct cg_arena a;
    cg_arena_init_with(&a, mem, n);
    char *p = cg_arena_dup(&a, "first", 5);
    assert_true(p >= mem && p + 5 <= mem + n);
    char *q = cg_arena_alloc(&a, 100); /* 8 + 104 > 104: a block of its own */
    assert_non_null(q);
    assert_false(q >= mem && q < mem + n);
    assert_memory_equal(p, "first", 5);
    cg_arena_reset(&a);
    assert_non_null(cg_arena_alloc(&a, 1000));
    cg_arena_fini(&a);
    /* too small to be a block: an ordinary arena */
    cg_arena_init_with(&a, mem, 4);
    assert_non_null(cg_arena_dup(&a, "x", 1));
    cg_arena_fini(&a);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copied),
        cmocka_unit_test(test_borrowed),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_arena_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
