/* test_counters.c - counter tables: "name value" lines, help and Markdown, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/counters.h"

struct stats {
    uint64_t lines;
    uint64_t by_kind[4];
    uint64_t live;
};

static const char *kind_name(unsigned i)
{
    static const char *const names[] = {"none", "one", "two", "three"};
    return names[i];
}

static const struct cg_counter counters[] = {
    {"lines", CG_COUNTER_TOTAL, offsetof(struct stats, lines), "lines read", NULL, 0, 0},
    {"kind", CG_COUNTER_TOTAL, offsetof(struct stats, by_kind), "events by kind | not none",
     kind_name, 1, 4},
    {"state.live", CG_COUNTER_GAUGE, offsetof(struct stats, live), "keys held *now*", NULL, 0, 0},
};

static const struct cg_counter_table table = {counters, CG_ARRAY_LEN(counters)};

static void test_write(void **state)
{
    (void)state;
    struct stats s = {7, {100, 0, UINT64_MAX, 42}, 3};
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_write(&table, &s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "lines 7\n"
                                         "kind.one 0\n"
                                         "kind.two 18446744073709551615\n"
                                         "kind.three 42\n"
                                         "state.live 3\n");
    /* Appends: a second table's lines follow the first's. */
    struct cg_counter_table one = {counters, 1};
    assert_int_equal(cg_counters_write(&one, &s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b) + b.n - 8, "lines 7\n");
    cg_buf_clear(&b);
    struct cg_counter_table none = {counters, 0};
    assert_int_equal(cg_counters_write(&none, &s, &b), CG_OK);
    assert_int_equal(b.n, 0);
    cg_buf_fini(&b);
}

static void test_help(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_help(&table, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "lines       lines read\n"
                                         "kind.one    events by kind | not none\n"
                                         "kind.two    events by kind | not none\n"
                                         "kind.three  events by kind | not none\n"
                                         "state.live  keys held *now*\n");
    cg_buf_fini(&b);
}

static void test_markdown(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_markdown(&table, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b),
                        "| counter | kind | description |\n"
                        "|---|---|---|\n"
                        "| `lines` | counter | lines read |\n"
                        "| `kind.*` | counter | events by kind \\| not none; one counter for "
                        "each of `one`, `two`, `three` |\n"
                        "| `state.live` | gauge | keys held \\*now\\* |\n");
    cg_buf_fini(&b);
    assert_string_equal(cg_counter_kind_name(CG_COUNTER_TOTAL), "counter");
    assert_string_equal(cg_counter_kind_name(CG_COUNTER_GAUGE), "gauge");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
