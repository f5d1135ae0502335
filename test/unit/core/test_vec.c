/* test_vec.c - the one growth rule (vec.h): capacities, exact sizing, failures that leave
 * the array as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/vec.h"

#include <stdlib.h>

struct ints {
    int *v;
    size_t n, cap;
};

static void test_vec_growth_rule(void **state)
{
    (void)state;
    static const struct {
        size_t need, cap; /* reserving need (from what the row before left) gives cap */
    } steps[] = {
        {0, 0}, {1, 4}, {4, 4}, {5, 8}, {8, 8}, {9, 16}, {100, 128}, {5, 128}, {1000, 1024},
    };
    struct ints a = {0};
    for (size_t i = 0; i < CG_ARRAY_LEN(steps); i++) {
        assert_int_equal(cg_vec_reserve(&a, steps[i].need), CG_OK);
        assert_int_equal(a.cap, steps[i].cap);
        for (size_t k = a.n; k < steps[i].need; k++) /* the room is usable (ASan checks) */
            a.v[a.n++] = (int)k;
    }
    for (size_t k = 0; k < a.n; k++) /* growing kept what was there */
        assert_int_equal(a.v[k], (int)k);
    free(a.v);
}

static void test_vec_exact(void **state)
{
    (void)state;
    struct ints a = {0};
    assert_int_equal(cg_vec_reserve_exact(&a, 5), CG_OK);
    assert_int_equal(a.cap, 5);
    assert_int_equal(cg_vec_reserve_exact(&a, 3), CG_OK); /* never shrinks */
    assert_int_equal(a.cap, 5);
    assert_int_equal(cg_vec_reserve(&a, 6), CG_OK); /* doubling goes on from there */
    assert_int_equal(a.cap, 10);
    free(a.v);
}

static void test_vec_overflow(void **state)
{
    (void)state;
    struct ints a = {0};
    assert_int_equal(cg_vec_reserve(&a, 4), CG_OK);
    int *before = a.v;
    a.v[0] = 42;
    assert_int_equal(cg_vec_reserve(&a, SIZE_MAX), CG_ENOMEM);
    assert_int_equal(cg_vec_reserve(&a, SIZE_MAX / 2), CG_ENOMEM); /* elements overflow bytes */
    assert_int_equal(cg_vec_reserve_exact(&a, SIZE_MAX / 2), CG_ENOMEM);
    assert_ptr_equal(a.v, before);
    assert_int_equal(a.cap, 4);
    assert_int_equal(a.v[0], 42);
    /* A pointer and capacity named otherwise. */
    char *bytes = NULL;
    size_t cap = 0;
    assert_int_equal(cg_vec_reserve_ptr(&bytes, &cap, 1, 300), CG_OK);
    assert_int_equal(cap, 512);
    free(bytes);
    free(a.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vec_growth_rule),
        cmocka_unit_test(test_vec_exact),
        cmocka_unit_test(test_vec_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
