/*
 * test_pipeline_loop.c - the pipeline on an event loop (pipeline.h): sources started on a
 * real libevent loop and delivering from its callbacks, the wall-clock tick, the service's
 * hooks (alerts held back or refused, frames journaled, durability before the acks),
 * back-pressure relieved from the loop, and the omprog source end to end. The reloads
 * (rules, sinks) are in test_pipeline_reload.c; the scaffolding in pipeline_loop_testutil.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipeline/pipeline_loop_testutil.h"
#include "cefguard/source_lines.h"

#include "testutil.h"

#include <time.h>

/* ---- start and the loop --------------------------------------------------------------------- */

/* Sources start in order, deliver only from the loop; each callback's frames are flushed,
 * made durable and acked at its sync; a source that cannot ack costs nothing of that. */
static void test_start(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, true, false);
    source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', "12", 0, true, false});
    assert_int_equal(cg_pipeline_start(&f.p), CG_EINVAL); /* no loop */
    fix_down(&f);

    fix_up(&f, base_rules, true, true);
    sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS | CG_SINK_EVENTS, NULL, 0, false});
    source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', "1212", 2, true, false});
    source_add(&f, &tsrc_noack_ops, (struct tsrc_conf){'b', "22", 1, false, false});
    f.h.want_ends = 2;
    assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
    expect_log("start delivers nothing", "");
    assert_int_equal(cg_pipeline_start(&f.p), CG_OK); /* nothing more to start */
    run(&f);
    expect_log("two sources on the loop, turn by turn",
               "Fa1 S1ea1 S1:a@a1#1 Ha1 Fa2 S1ea2 Ha2 S1f3 D Ka1 Ka2 "
               "Fb1 S1eb1 "
               "Fa3 S1ea3 S1:a@a3#1 Ha3 Fa4 S1ea4 S1:t@a4#3 Ha4 S1f5 D Ka3 Ka4 ended0 "
               "Fb2 S1eb2 S1f1 D ended0"); /* b's last event flushed at its end */
    fix_down(&f);
    expect_log("fini finishes the sink, holding nothing", "S1x0");
}

/* tick: the engine's deadlines fall due on the wall clock given; what waits is flushed and
 * acked; with nothing waiting it flushes nothing. */
static void test_tick(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f,
           "rules:\n"
           "  - id: quiet\n"
           "    match: {event_id: 100}\n"
           "    silence: {after: 30m}\n",
           true, true);
    sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS, NULL, 0, false});
    source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', "11", 0, false, true});
    assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
    for (int i = 0; i < 4; i++)
        event_base_loop(f.base, EVLOOP_NONBLOCK);
    expect_log("no sync and no end: the frames wait", "Fa1 Ha1 Fa2 Ha2");
    struct tm tm = {
        .tm_year = 125, .tm_mon = 3, .tm_mday = 20, .tm_hour = 3, .tm_min = 20, .tm_sec = 54};
    const int64_t t0 = (int64_t)timegm(&tm) * 1000000, min = 60 * 1000000;
    assert_int_equal(cg_pipeline_tick(&f.p, t0 + 29 * min), CG_OK);
    expect_log("the frames' tick: flushed, durable, acked", "S1f0 D Ka1 Ka2");
    assert_int_equal(cg_pipeline_tick(&f.p, t0 + 30 * min), CG_OK);
    expect_log("nothing waits, nothing falls due", "");
    assert_int_equal(cg_pipeline_tick(&f.p, t0 + 30 * min + 1), CG_OK);
    expect_log("the silence falls due on the clock, and is flushed", "S1:quiet/silence S1f1 D");
    assert_int_equal(cg_pipeline_tick(&f.p, t0 + 90 * min), CG_OK);
    expect_log("once", "");
    cg_pipeline_stop(&f.p);
    expect_log("stopped: it ends", "ended0");
    fix_down(&f);
    cg_buf_clear(&tlog);
}

/* ---- hooks ---------------------------------------------------------------------------------- */

struct hcase {
    const char *name;
    const char *ids_a, *ids_b; /* b cannot ack; NULL: no b */
    const char *skip, *fail_on, *refuse;
    unsigned fail_durable;
    uint64_t skipped;
    const char *log;
};

static const struct hcase hook_cases[] = {
    {"alerts of a2 held back: counted, not delivered; the frame goes on and is acked", "111", NULL,
     "a2", NULL, NULL, 0, 1,
     "Fa1 S1:a@a1#1 Ha1 Fa2 skip:a Ha2 S1f1 D Ka1 Ka2 Fa3 S1:a@a3#1 Ha3 S1f1 D Ka3 ended0"},
    {"the alert hook fails for a2: the alert is not delivered, the frame stops there (no frame "
     "hook), the source ends with the error; a1 is acked, a2 never",
     "111", NULL, NULL, NULL, "a2", 0, 0, "Fa1 S1:a@a1#1 Ha1 Fa2 refuse:a S1f1 D Ka1 ended-3"},
    {"the frame hook runs only for the source that acks", "11", "11", NULL, NULL, NULL, 0, 0,
     "Fa1 S1:a@a1#1 Ha1 Fa2 S1:a@a2#1 Ha2 S1f2 D Ka1 Ka2 ended0 "
     "Fb1 S1:a@b1#1 Fb2 S1:a@b2#1 S1f2 D ended0"},
    {"the frame hook fails for a2: the source ends with it; a1 is acked, a2 never", "111", NULL,
     NULL, "a2", NULL, 0, 0, "Fa1 S1:a@a1#1 Ha1 Fa2 S1:a@a2#1 Ha2 S1f2 D Ka1 ended-3"},
    {"durable fails: the sinks were flushed, nothing waiting is acked, the source ends with "
     "CG_EBUSY (at its end the pipeline flushes again: the alerts were not durable)",
     "111", NULL, NULL, NULL, NULL, 1, 0,
     "Fa1 S1:a@a1#1 Ha1 Fa2 S1:a@a2#1 Ha2 S1f2 D S1f0 D ended-7"},
};

static void test_hooks(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(hook_cases); i++) {
        const struct hcase *hc = &hook_cases[i];
        struct fix f;
        fix_up(&f, base_rules, true, true);
        f.h.skip = hc->skip;
        f.h.fail_on = hc->fail_on;
        f.h.refuse = hc->refuse;
        f.h.fail_durable = hc->fail_durable;
        sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS, NULL, 0, false});
        /* a's frames two per turn with a sync: a durable failure comes at the first sync */
        source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', hc->ids_a, 2, true, false});
        if (hc->ids_b) {
            source_add(&f, &tsrc_noack_ops, (struct tsrc_conf){'b', hc->ids_b, 0, true, false});
            f.h.want_ends = 2;
        }
        assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
        run(&f);
        expect_log(hc->name, hc->log);
        assert_int_equal(f.p.alerts_skipped, hc->skipped);
        fix_down(&f);
        cg_buf_clear(&tlog);
    }
}

/* A sink that relieves its pressure when flushed: the sources resume from the loop, never
 * from within the sink's call. */
static void test_pressure_relieved(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, false, true);
    sink_add(&f, (struct tsink_conf){1, A, "a2", 0, true});
    source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', "1111", 2, true, false});
    assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
    run(&f);
    expect_log("paused in a2, relieved by the sync's flush, resumed by the loop",
               "Fa1 S1:a@a1#1 Fa2 S1:a@a2#1 S1on pause S1f2 S1off Ka1 Ka2 "
               "resume Fa3 S1:a@a3#1 Fa4 S1:a@a4#1 S1f2 Ka3 Ka4 ended0");
    fix_down(&f);
    cg_buf_clear(&tlog);
}

/* ---- omprog through the pipeline ------------------------------------------------------------ */

/* The lines source in omprog mode over pipes: each line answered OK once the sinks flushed
 * and the hooks made it durable; a durable failure answers the line with an error and ends
 * the source (the service then exits). */
static void run_fix(void *f)
{
    run(f);
}

static void test_omprog(void **state)
{
    (void)state;
    static const struct {
        unsigned fail_durable;
        const char *answers, *log, *err;
    } cases[] = {
        {0, "OK\nOK\nOK\n", "S1:a@m1#1 Hm1 S1:a@m2#1 Hm2 S1f2 D ended0", ""},
        /* at the end the pipeline flushes again (the alerts were not durable): that one
         * works, but the lines stay unacknowledged */
        {1, "OK\nError: busy: Device or resource busy\n",
         "S1:a@m1#1 Hm1 S1:a@m2#1 Hm2 S1f2 D S1f0 D ended-7",
         "cefguard: error: rsyslog: line 2 not confirmed to rsyslog (busy): it will be sent "
         "again\n"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct fix f;
        fix_up(&f, base_rules, true, true);
        f.h.fail_durable = cases[i].fail_durable;
        int in[2], out[2];
        assert_int_equal(pipe(in), 0);
        assert_int_equal(pipe(out), 0);
        sink_add(&f, (struct tsink_conf){1, A, NULL, 0, false});
        struct cg_source_lines_conf c = {"omprog", in[0], out[1], 0, "rsyslog"};
        assert_int_equal(cg_pipeline_add_source(&f.p, &cg_source_omprog_ops, &c), CG_OK);
        char lines[400];
        int n1 = cef_line(lines, sizeof(lines), "100", "m1");
        lines[n1++] = '\n';
        int n2 = cef_line(lines + n1, sizeof(lines) - (size_t)n1, "100", "m2");
        lines[n1 + n2] = '\n';
        assert_int_equal(write(in[1], lines, (size_t)(n1 + n2 + 1)), n1 + n2 + 1);
        close(in[1]); /* then EOF */
        assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
        char err[256];
        capture_stderr(run_fix, &f, err, sizeof(err));
        assert_string_equal(err, cases[i].err);
        expect_log("omprog", cases[i].log);
        assert_ptr_equal(cg_pipeline_source_at(&f.p, 0)->ops, &cg_source_omprog_ops);
        char got[256];
        ssize_t gn = read(out[0], got, sizeof(got) - 1);
        assert_true(gn > 0);
        got[gn] = '\0';
        assert_string_equal(got, cases[i].answers);
        fix_down(&f);
        cg_buf_clear(&tlog);
        close(in[0]);
        close(out[0]);
        close(out[1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),  cmocka_unit_test(test_tick),
        cmocka_unit_test(test_hooks),  cmocka_unit_test(test_pressure_relieved),
        cmocka_unit_test(test_omprog),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
