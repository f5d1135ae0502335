/* test_engine_counters.c - the engine's counter table: names, order and values exactly as
 * `replay --stats` has always printed them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/engine.h"
#include "cefguard/engine_counters.h"

static void test_engine_counters_write(void **state)
{
    (void)state;
    struct cg_engine_stats s = {1,  2,  3, 4,  5,  6,  7,          8,  80,
                                81, 82, 9, 10, 11, 12, UINT64_MAX, 14, {0, 21, 22, 23, 24, 25, 26},
                                27};
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_write(&cg_engine_counters, &s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "engine.events 1\n"
                                         "engine.internal_events 2\n"
                                         "engine.candidates 3\n"
                                         "engine.matches 4\n"
                                         "engine.alerts 5\n"
                                         "engine.recorded 6\n"
                                         "engine.suppressed 7\n"
                                         "engine.evictions 8\n"
                                         "engine.evictions_budget 80\n"
                                         "engine.state_bytes 81\n"
                                         "engine.state_bytes_peak 82\n"
                                         "engine.late 9\n"
                                         "engine.join_dropped 10\n"
                                         "engine.chain_dropped 11\n"
                                         "engine.held_dropped 12\n"
                                         "engine.no_time 18446744073709551615\n"
                                         "engine.responses_requested 14\n"
                                         "engine.responses_refused.subject_fallback 21\n"
                                         "engine.responses_refused.subject_missing 22\n"
                                         "engine.responses_refused.subject_invalid 23\n"
                                         "engine.responses_refused.subject_ambiguous 24\n"
                                         "engine.responses_refused.target_invalid 25\n"
                                         "engine.responses_refused.target_missing 26\n"
                                         "engine.regex_limit 27\n");
    cg_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_counters_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
