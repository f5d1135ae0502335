/*
 * test_pipeline_reload.c - what a reload does to a running pipeline (pipeline.h): rule swaps
 * that keep the state of unchanged rules and drop a changed rule's, the engine's totals
 * across swaps, and the sinks reloaded at once (kept with what they hold, added, finished,
 * aborted, the order of the new list, pressure released from the loop, fini in the middle).
 * The scaffolding is in pipeline_loop_testutil.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipeline/pipeline_loop_testutil.h"

/* ---- reload: rules -------------------------------------------------------------------------- */

#define RULE_T                                                                                     \
    "  - id: t\n"                                                                                  \
    "    match: {event_id: 200}\n"                                                                 \
    "    threshold: {count: 3, window: 1h}\n"

/* t is the same in both sets; c counts 3 of id 300, then 2; n is new. */
static const char swap_v1[] = "rules:\n" RULE_T "  - id: c\n"
                              "    match: {event_id: 300}\n"
                              "    threshold: {count: 3, window: 1h}\n";
static const char swap_v2[] = "rules:\n"
                              "  - id: n\n"
                              "    match: {event_id: 300}\n"
                              "    threshold: {count: 2, window: 1h}\n"
                              "  - id: c\n"
                              "    match: {event_id: 300}\n"
                              "    threshold: {count: 2, window: 1h}\n" RULE_T;

static void test_swap_rules(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, swap_v1, false, false);
    sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS, NULL, 0, false});
    process(&f, "200", "x1");
    process(&f, "200", "x2");
    process(&f, "300", "x3");
    process(&f, "300", "x4");
    expect_log("two of each before", "");
    struct cg_engine_stats before;
    cg_pipeline_engine_stats(&f.p, &before);
    assert_int_equal(before.events, 4);
    assert_int_equal(before.matches, 4);

    struct cg_ruleset *v2 = load_rules(swap_v2);
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_pipeline_swap_rules(&f.p, v2, NULL, &err), CG_OK);
    free_rules(f.rs); /* the old set may go once the swap is done */
    f.rs = v2;
    expect_log("the sinks are flushed first", "S1f0");
    assert_string_equal(cg_buf_cstr(&err),
                        "snapshot: state of 1 keys of rules no longer loaded or changed dropped\n");

    process(&f, "200", "y1");
    expect_log("t kept its two: the third fires", "S1:t@y1#3");
    process(&f, "300", "y2");
    expect_log("c changed: its two were dropped; n is new", "");
    process(&f, "300", "y3");
    expect_log("c and n count from the swap", "S1:n@y3#2 S1:c@y3#2");

    struct cg_engine_stats after;
    cg_pipeline_engine_stats(&f.p, &after);
    assert_int_equal(after.events, 7); /* totals carried over */
    assert_int_equal(after.alerts, 3);
    assert_int_equal(after.matches, 4 + 1 + 4);
    assert_int_equal(cg_engine_stats(f.p.engine)->events, 3); /* the new engine's own */
    /* gauges are the current engine's */
    assert_int_equal(after.state_bytes, cg_engine_stats(f.p.engine)->state_bytes);

    /* no rules: no engine, no alerts; the totals stay */
    cg_buf_clear(&err);
    assert_int_equal(cg_pipeline_swap_rules(&f.p, NULL, NULL, &err), CG_OK);
    expect_log("flushed", "S1f3");
    process(&f, "200", "z1");
    expect_log("no engine", "");
    cg_pipeline_engine_stats(&f.p, &after);
    assert_int_equal(after.events, 7);
    assert_int_equal(after.alerts, 3);
    cg_buf_fini(&err);
    fix_down(&f);
    cg_buf_clear(&tlog);
}

/* ---- reload: sinks -------------------------------------------------------------------------- */

static void test_sinks_reload(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, false, false);
    sink_add(&f, (struct tsink_conf){1, A, NULL, 0, false});
    sink_add(&f, (struct tsink_conf){2, AE, NULL, 0, false});
    process(&f, "100", "x1");
    expect_log("both sinks", "S2ex1 S1:a@x1#1 S2:a@x1#1");
    struct cg_sink *s1 = cg_pipeline_sink_at(&f.p, 0), *s2 = cg_pipeline_sink_at(&f.p, 1);

    /* abort: the new ones are finished, the running list is as it was */
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(cg_pipeline_sinks_keep(&f.p, s2), CG_OK);
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){3, A, NULL, 0, false}), CG_OK);
    cg_pipeline_sinks_abort(&f.p);
    expect_log("abort finishes the added sink only", "S3x0");
    assert_int_equal(cg_pipeline_nsinks(&f.p), 2);
    assert_ptr_equal(cg_pipeline_sink_at(&f.p, 0), s1);
    assert_ptr_equal(cg_pipeline_sink_at(&f.p, 1), s2);
    process(&f, "100", "x2");
    expect_log("as before", "S2ex2 S1:a@x2#1 S2:a@x2#1");

    /* a sink whose init fails is not staged; begin again starts over */
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){7, A, NULL, 0, false}), CG_OK);
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    expect_log("the second begin drops the first's", "S7x0");
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){8, A, NULL, CG_EIO, false}),
        CG_EIO);
    /* commit: a new list S4 (new), S2 (kept); S1 is finished with what it held */
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){4, A, NULL, 0, false}), CG_OK);
    assert_int_equal(cg_pipeline_sinks_keep(&f.p, s2), CG_OK);
    cg_pipeline_sinks_commit(&f.p);
    expect_log("commit finishes S1 (dropping its 2)", "S1x2");
    assert_int_equal(cg_pipeline_nsinks(&f.p), 2);
    assert_ptr_equal(cg_pipeline_sink_at(&f.p, 1), s2);
    process(&f, "100", "x3");
    expect_log("events to S2 still, alerts S4 then S2", "S2ex3 S4:a@x3#1 S2:a@x3#1");
    assert_int_equal(cg_pipeline_flush(&f.p), CG_OK);
    expect_log("S2 kept all it held", "S4f1 S2f6");

    /* a kept sink is kept once only: a later reload without it finishes it */
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    struct cg_sink *s4 = cg_pipeline_sink_at(&f.p, 0);
    assert_int_equal(cg_pipeline_sinks_keep(&f.p, s4), CG_OK);
    cg_pipeline_sinks_commit(&f.p);
    expect_log("S2 goes", "S2x0");
    process(&f, "100", "x4");
    expect_log("no sink takes events now", "S4:a@x4#1");
    fix_down(&f);
    expect_log("fini", "S4x1");
}

/* fini in the middle of a reload (the service failed before commit): every sink, running
 * or staged, is finished once (a kept one is both: once). */
static void test_sinks_reload_fini(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, false, false);
    sink_add(&f, (struct tsink_conf){1, A, NULL, 0, false});
    sink_add(&f, (struct tsink_conf){2, A, NULL, 0, false});
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(cg_pipeline_sinks_keep(&f.p, cg_pipeline_sink_at(&f.p, 1)), CG_OK);
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){3, A, NULL, 0, false}), CG_OK);
    fix_down(&f);
    expect_log("each once, the staged new one first", "S3x0 S1x0 S2x0");
}

/* A pressing sink pauses the sources; a reload that drops it resumes them from the loop. */
static void test_sinks_reload_pressure(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, false, true);
    sink_add(&f, (struct tsink_conf){1, A, "a2", 0, false});
    source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', "1111", 1, true, false});
    assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
    for (int i = 0; i < 8; i++)
        event_base_loop(f.base, EVLOOP_NONBLOCK);
    expect_log("paused after a2", "Fa1 S1:a@a1#1 S1f1 Ka1 Fa2 S1:a@a2#1 S1on pause S1f1 Ka2");
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){2, A, NULL, 0, false}), CG_OK);
    cg_pipeline_sinks_commit(&f.p);
    expect_log("not resumed from within the commit", "S1x0");
    run(&f);
    expect_log("resumed from the loop",
               "resume Fa3 S2:a@a3#1 S2f1 Ka3 Fa4 S2:a@a4#1 S2f1 Ka4 ended0");
    fix_down(&f);
    cg_buf_clear(&tlog);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swap_rules),
        cmocka_unit_test(test_sinks_reload),
        cmocka_unit_test(test_sinks_reload_fini),
        cmocka_unit_test(test_sinks_reload_pressure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
