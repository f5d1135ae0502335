/* test_stats.c - the pipeline's counter table: names, order and values exactly as
 * `parse --stats` has always printed them, and the counting of one event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/stats.h"

static void test_stats_write(void **state)
{
    (void)state;
    struct cg_stats s = {.lines = 1,
                         .bad_escape = 31,
                         .ext_junk = 32,
                         .invalid_utf8 = 33,
                         .dup_keys = 34,
                         .fields_dropped = 35,
                         .lines_too_long = 36,
                         .time_outliers = 37,
                         .time_jumps = 38,
                         .sd_dropped = 39};
    for (int i = 0; i < CG_FMT_MAX; i++)
        s.by_format[i] = 10 + (uint64_t)i;
    for (int i = 0; i < CG_REJ_MAX; i++)
        s.rejects[i] = 20 + (uint64_t)i;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_write(&cg_stats_counters, &s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "lines 1\n"
                                         "format.raw 10\n"
                                         "format.cef 11\n"
                                         "format.leef 12\n"
                                         "format.lognorm 13\n"
                                         "format.internal 14\n"
                                         "reject.empty 21\n"
                                         "reject.line_too_long 22\n"
                                         "reject.no_decoder 23\n"
                                         "reject.cef_bad_version 24\n"
                                         "reject.cef_truncated 25\n"
                                         "reject.leef_bad_version 26\n"
                                         "reject.leef_truncated 27\n"
                                         "reject.leef_bad_delimiter 28\n"
                                         "repair.bad_escape 31\n"
                                         "repair.ext_junk 32\n"
                                         "repair.invalid_utf8_bytes 33\n"
                                         "drop.duplicate_keys 34\n"
                                         "drop.fields_over_limit 35\n"
                                         "drop.lines_cut 36\n"
                                         "drop.sd_params 39\n"
                                         "time.outliers 37\n"
                                         "time.jumps 38\n");
    cg_buf_fini(&b);
}

static void test_stats_count_event(void **state)
{
    (void)state;
    struct cg_stats s = {0};
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_RAW;
    ev.reason = CG_REJ_LINE_TOO_LONG;
    ev.flags = CG_EV_BAD_ESCAPE | CG_EV_EXT_JUNK | CG_EV_TRUNCATED;
    ev.fields.dup_dropped = 2;
    ev.fields.limit_dropped = 3;
    ev.sl.nsd_dropped = 44;
    cg_stats_count_event(&s, &ev);
    ev.format = CG_FMT_MAX; /* out of range: counted as raw */
    ev.flags = 0;
    cg_stats_count_event(&s, &ev);
    assert_int_equal(s.by_format[CG_FMT_RAW], 2);
    assert_int_equal(s.rejects[CG_REJ_LINE_TOO_LONG], 1);
    assert_int_equal(s.bad_escape, 1);
    assert_int_equal(s.ext_junk, 1);
    assert_int_equal(s.lines_too_long, 1);
    assert_int_equal(s.dup_keys, 4);
    assert_int_equal(s.fields_dropped, 6);
    assert_int_equal(s.sd_dropped, 88);
    cg_event_fini(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_write),
        cmocka_unit_test(test_stats_count_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
