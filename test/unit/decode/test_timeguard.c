/*
 * test_timeguard.c - the clock one line cannot move (timeguard.h), and the decoder's use
 * of it (cg_decode_settle): outliers flagged, never the year reference of later undated
 * stamps; raw lines never judged; a real gap confirmed; a wall clock rejects the future.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/decode.h"
#include "cefguard/timeguard.h"

#define S 1000000LL
#define H (3600 * S)
#define DAY (86400 * S)
#define T0 (1745119254LL * S) /* 2025-04-20T03:20:54Z */

static enum cg_timeguard_verdict chk(struct cg_timeguard *g, int64_t t, const char *host)
{
    return cg_timeguard_check(g, t, cg_str_make(host, strlen(host)), 0);
}

static void lone_outliers(void **state)
{
    (void)state;
    struct cg_timeguard g;
    cg_timeguard_init(&g, NULL);
    assert_int_equal(g.max_jump_us, DAY);
    assert_int_equal(g.confirm, 2);
    assert_int_equal(chk(&g, T0, "dsm01"), CG_TG_ACCEPT);
    const int64_t y9999 = 253402300799LL * S, y0 = -62167219200LL * S;
    assert_int_equal(chk(&g, y9999, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, T0 + 10 * S, "dsm01"), CG_TG_ACCEPT); /* drops the candidate */
    assert_int_equal(chk(&g, y9999, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, y0, "dsm01"), CG_TG_OUTLIER); /* disagrees: a new candidate */
    assert_int_equal(chk(&g, y9999, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, T0 - 3 * 365 * DAY, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, T0 + 10 * S - DAY, "dsm01"), CG_TG_ACCEPT); /* the bound is closed */
    assert_int_equal(chk(&g, T0 + 10 * S + DAY, "dsm01"), CG_TG_ACCEPT);
    assert_int_equal(g.clock_us, T0 + 10 * S + DAY);
    assert_int_equal(chk(&g, T0 + 11 * S + 2 * DAY, "dsm01"), CG_TG_OUTLIER);
}

/* Friday 18:00 -> Monday 08:00: the third Monday line confirms the jump. Where two
 * senders were seen, one of them alone does not. */
static void confirmed_gap(void **state)
{
    (void)state;
    struct cg_timeguard g;
    cg_timeguard_init(&g, NULL);
    const int64_t mon = T0 + 62 * H;
    assert_int_equal(chk(&g, T0, "dsm01"), CG_TG_ACCEPT);
    assert_int_equal(chk(&g, mon, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, mon + 60 * S, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, mon + 120 * S, "dsm01"), CG_TG_JUMP);
    assert_int_equal(g.clock_us, mon + 120 * S);
    assert_int_equal(chk(&g, mon + 130 * S, "dsm01"), CG_TG_ACCEPT);

    cg_timeguard_init(&g, &(struct cg_timeguard_opts){.max_jump_us = H, .confirm = 1});
    assert_int_equal(chk(&g, T0, "dsm01"), CG_TG_ACCEPT);
    assert_int_equal(chk(&g, T0 + S, "sepm01"), CG_TG_ACCEPT); /* two senders now */
    assert_int_equal(chk(&g, mon, "evil"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, mon + S, "evil"), CG_TG_OUTLIER); /* one sender: not enough */
    assert_int_equal(chk(&g, mon + 2 * S, "evil"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, mon + 3 * S, "dsm01"), CG_TG_JUMP);
}

/* A poisoned first line anchors the clock; the lines after it re-anchor it, backwards. */
static void poisoned_first_line(void **state)
{
    (void)state;
    struct cg_timeguard g;
    cg_timeguard_init(&g, NULL);
    const int64_t y9999 = 253402300799LL * S;
    assert_int_equal(chk(&g, y9999, "evil"), CG_TG_ACCEPT);
    assert_int_equal(chk(&g, T0, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, T0 + S, "dsm01"), CG_TG_OUTLIER);
    assert_int_equal(chk(&g, T0 + 2 * S, "dsm01"), CG_TG_JUMP);
    assert_int_equal(g.clock_us, T0 + 2 * S);
}

/* Live: a stamp farther from the wall clock than the bound (after it or before it) is never
 * a candidate, however many lines say so. */
static void wall_clock(void **state)
{
    (void)state;
    struct cg_timeguard g;
    cg_timeguard_init(&g, NULL);
    struct cg_str h = CG_STR_LIT("dsm01");
    assert_int_equal(cg_timeguard_check(&g, T0, h, T0), CG_TG_ACCEPT);
    for (int i = 0; i < 5; i++)
        assert_int_equal(cg_timeguard_check(&g, T0 + 2 * DAY + i * S, h, T0 + i * S),
                         CG_TG_OUTLIER);
    assert_int_equal(cg_timeguard_check(&g, T0 + 10 * S, h, T0 + 10 * S), CG_TG_ACCEPT);
    /* and before it: a sender seven months behind never anchors nor moves the clock, even
     * as the first line of a fresh guard */
    cg_timeguard_init(&g, NULL);
    for (int i = 0; i < 5; i++)
        assert_int_equal(cg_timeguard_check(&g, T0 - 220 * DAY, h, T0 + i * S), CG_TG_OUTLIER);
    assert_false(g.has_clock);
    assert_int_equal(cg_timeguard_check(&g, T0 - DAY + S, h, T0), CG_TG_ACCEPT);
    assert_int_equal(cg_timeguard_check(&g, T0 - DAY - S, h, T0), CG_TG_OUTLIER);
}

struct sline {
    const char *in;
    const char *time; /* cg_time_format */
    bool outlier;
};

/* Through the decoder: a poisoned stamp (raw, CEF, year 0, the far past) is never the
 * reference of the year of the undated stamps after it. */
static void settle_year_reference(void **state)
{
    (void)state;
    static const struct sline lines[] = {
        {"<134>2025-12-31T23:00:00Z dsm01 CEF:0|Trend Micro|Deep Security Manager|20.0.877|600|"
         "User Signed In|3|suser=admin",
         "2025-12-31T23:00:00Z", false},
        {"9999-12-31T23:59:59Z evil not a decoded line", "9999-12-31T23:59:59Z", false},
        {"<134>9999-12-31T23:59:59Z evil CEF:0|Trend Micro|Deep Security Manager|20.0.877|600|"
         "User Signed In|3|suser=admin",
         "9999-12-31T23:59:59Z", true},
        {"<134>0000-01-01T00:00:00Z evil CEF:0|Trend Micro|Deep Security Manager|20.0.877|600|"
         "User Signed In|3|suser=admin",
         "0000-01-01T00:00:00Z", true},
        {"<134>Jun 30 12:00:00 evil CEF:0|Trend Micro|Deep Security Manager|20.0.877|600|"
         "User Signed In|3|suser=admin",
         "2025-06-30T12:00:00Z", true},
        {"<134>Jan  1 00:10:00 dsm01 CEF:0|Trend Micro|Deep Security Manager|20.0.877|600|"
         "User Signed In|3|suser=admin",
         "2026-01-01T00:10:00Z", false},
    };
    struct cg_syslog_opts o = {.year_mode = CG_YEAR_STREAM, .year = 2025, .now = 1749988800};
    struct cg_decoder d;
    assert_int_equal(cg_decoder_init(&d, &o), CG_OK);
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t i = 0; i < CG_ARRAY_LEN(lines); i++) {
        cg_event_reset(&ev);
        cg_decode_line(&d, lines[i].in, strlen(lines[i].in), &ev);
        cg_decode_settle(&d, &ev, 0);
        char buf[64];
        cg_time_format(&ev.time, buf, sizeof(buf));
        assert_string_equal(buf, lines[i].time);
        if (!!(ev.flags & CG_EV_TIME_OUTLIER) != lines[i].outlier)
            fail_msg("line %zu: outlier %d", i, !lines[i].outlier);
    }
    cg_event_fini(&ev);
    cg_decoder_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lone_outliers),         cmocka_unit_test(confirmed_gap),
        cmocka_unit_test(poisoned_first_line),   cmocka_unit_test(wall_clock),
        cmocka_unit_test(settle_year_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
