/*
 * test_alert_id.c - alert ids (engine.h cg_alert_id, alert_id.c): the same alert gives the
 * same id; a different rule, kind, key, time, count, trigger line byte, stamp or join gives
 * another; the encoding is unambiguous ("ab"+"c" is not "a"+"bc", unset is not empty); the
 * engine sets the id of every alert it emits, equal to cg_alert_id of the alert, the same
 * in two runs and across a snapshot and restore; the JSON writes it right after the rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/alert.h"
#include "cefguard/decode.h"
#include "cefguard/engine.h"
#include "engine/alert_id.h"
#include "engine/engine_testutil.h"

#include <stdio.h>

#define S 1000000LL
#define T0 1745119254LL /* 2025-04-20T03:20:54Z */

static struct cg_rule rule_a = {.id = "rule-a", .severity = "high"};
static struct cg_rule rule_b = {.id = "rule-b", .severity = "high"};

/* A hand-made alert: one key value, events with the given lines (stamps T0 + i). */
struct fixture {
    struct cg_event ev[3];
    struct cg_event *evp[3];
    struct cg_str key[2];
    struct cg_alert a;
};

static void fixture_init(struct fixture *f, const char *l0, const char *l1)
{
    memset(f, 0, sizeof(*f));
    const char *lines[2] = {l0, l1};
    for (size_t i = 0; i < 3; i++) {
        cg_event_init(&f->ev[i], 0);
        f->evp[i] = &f->ev[i];
        f->ev[i].format = CG_FMT_CEF;
        f->ev[i].time.sec = T0 + (int64_t)i;
        f->ev[i].time.flags = CG_TIME_SET;
        if (i < 2)
            f->ev[i].line = cg_str_make(lines[i], strlen(lines[i]));
    }
    f->ev[2].line = CG_STR_LIT("joined line");
    f->key[0] = CG_STR_LIT("web-01");
    f->a = (struct cg_alert){.rule = &rule_a,
                             .kind = CG_ALERT_FIRE,
                             .time_us = (T0 + 1) * S,
                             .key = f->key,
                             .nkey = 1,
                             .count = 2,
                             .events = f->evp,
                             .nevents = 2};
}

static void fixture_fini(struct fixture *f)
{
    for (size_t i = 0; i < 3; i++)
        cg_event_fini(&f->ev[i]);
}

static void id_of(const struct cg_alert *a, uint8_t out[16])
{
    assert_int_equal(cg_alert_id(a, out), CG_OK);
}

static void assert_same(const struct cg_alert *x, const struct cg_alert *y)
{
    uint8_t a[16], b[16];
    id_of(x, a);
    id_of(y, b);
    assert_memory_equal(a, b, 16);
}

static void assert_differs(const struct cg_alert *x, const uint8_t base[16])
{
    uint8_t b[16];
    id_of(x, b);
    assert_memory_not_equal(base, b, 16);
}

static void test_same_alert_same_id(void **state)
{
    (void)state;
    struct fixture f, g;
    /* Different buffers with the same bytes: only content counts, not pointers. */
    char l0[] = "<134>Apr 20 03:20:54 dsm01 CEF:0|Trend Micro|DSM|1|2205|x|5|target=a";
    fixture_init(&f, "<134>Apr 20 03:20:54 dsm01 CEF:0|Trend Micro|DSM|1|2205|x|5|target=a",
                 "second");
    fixture_init(&g, l0, "second");
    assert_same(&f.a, &g.a);
    /* What the id does not depend on: the summary, the suppressed count, the response. */
    g.a.summary = CG_STR_LIT("another summary");
    g.a.suppressed = 7;
    g.a.off_min = 540;
    g.a.response.status = CG_RESP_REFUSED;
    assert_same(&f.a, &g.a);
    /* The engine's reusable hasher gives what the one-shot call gives, every time. */
    struct cg_alert_hasher *h = cg_alert_hasher_new();
    assert_non_null(h);
    uint8_t x[16], y[16], z[16];
    id_of(&f.a, x);
    assert_int_equal(cg_alert_hasher_id(h, &f.a, y), CG_OK);
    assert_int_equal(cg_alert_hasher_id(h, &f.a, z), CG_OK);
    assert_memory_equal(x, y, 16);
    assert_memory_equal(x, z, 16);
    uint8_t zero[16] = {0};
    assert_memory_not_equal(x, zero, 16);
    cg_alert_hasher_free(h);
    cg_alert_hasher_free(NULL);
    fixture_fini(&f);
    fixture_fini(&g);
}

/* Each change of one thing the id covers changes the id. */
static void test_each_part_counts(void **state)
{
    (void)state;
    struct fixture f;
    char line[] = "<134>Apr 20 03:20:54 dsm01 CEF:0|Trend Micro|DSM|1|2205|x|5|target=a";
    fixture_init(&f, line, "second");
    uint8_t base[16];
    id_of(&f.a, base);

    f.a.rule = &rule_b;
    assert_differs(&f.a, base);
    f.a.rule = &rule_a;

    f.a.kind = CG_ALERT_SILENCE;
    assert_differs(&f.a, base);
    f.a.kind = CG_ALERT_FIRE;

    f.key[0] = CG_STR_LIT("web-02");
    assert_differs(&f.a, base);
    f.key[0] = CG_STR_LIT("web-01");

    f.a.time_us += 1;
    assert_differs(&f.a, base);
    f.a.time_us -= 1;

    f.a.count = 3;
    assert_differs(&f.a, base);
    f.a.count = 2;

    /* One byte of a trigger line: every position. */
    for (size_t i = 0; i < sizeof(line) - 1; i++) {
        line[i] ^= 0x01;
        assert_differs(&f.a, base);
        line[i] ^= 0x01;
    }
    /* The line's length (a byte less). */
    f.ev[0].line.n--;
    assert_differs(&f.a, base);
    f.ev[0].line.n++;

    /* The stamp as decoded: seconds, microseconds, offset. */
    f.ev[1].time.sec++;
    assert_differs(&f.a, base);
    f.ev[1].time.sec--;
    f.ev[1].time.usec = 1;
    assert_differs(&f.a, base);
    f.ev[1].time.usec = 0;
    f.ev[1].time.off_min = 60;
    assert_differs(&f.a, base);
    f.ev[1].time.off_min = 0;

    /* Fewer events, a join, the events' order. */
    f.a.nevents = 1;
    assert_differs(&f.a, base);
    f.a.nevents = 2;
    f.a.joined = &f.ev[2];
    assert_differs(&f.a, base);
    f.a.joined = NULL;
    f.evp[0] = &f.ev[1];
    f.evp[1] = &f.ev[0];
    assert_differs(&f.a, base);
    f.evp[0] = &f.ev[0];
    f.evp[1] = &f.ev[1];

    /* Back to where it started: the same id again. */
    uint8_t again[16];
    id_of(&f.a, again);
    assert_memory_equal(base, again, 16);
    fixture_fini(&f);
}

/* Boundaries between items are part of the encoding. */
static void test_unambiguous(void **state)
{
    (void)state;
    struct fixture f, g;
    fixture_init(&f, "ab", "c");
    fixture_init(&g, "a", "bc");
    uint8_t a[16];
    id_of(&f.a, a);
    assert_differs(&g.a, a);

    /* Two key values "ab","c" against "a","bc"; one key "abc". */
    f.key[0] = CG_STR_LIT("ab");
    f.key[1] = CG_STR_LIT("c");
    f.a.nkey = 2;
    g.ev[0].line = CG_STR_LIT("ab");
    g.ev[1].line = CG_STR_LIT("c");
    g.key[0] = CG_STR_LIT("a");
    g.key[1] = CG_STR_LIT("bc");
    g.a.nkey = 2;
    id_of(&f.a, a);
    assert_differs(&g.a, a);
    g.key[0] = CG_STR_LIT("abc");
    g.a.nkey = 1;
    assert_differs(&g.a, a);

    /* A key value moved into a line: key "x" + line "y" against key "" + line "xy". */
    fixture_fini(&f);
    fixture_fini(&g);
    fixture_init(&f, "y", "z");
    fixture_init(&g, "xy", "z");
    f.key[0] = CG_STR_LIT("x");
    g.key[0] = CG_STR_LIT("");
    id_of(&f.a, a);
    assert_differs(&g.a, a);

    /* An unset key value (no such field) is not an empty one. */
    g.ev[0].line = CG_STR_LIT("y");
    f.key[0] = CG_STR_NULL;
    id_of(&f.a, a);
    assert_differs(&g.a, a);
    fixture_fini(&f);
    fixture_fini(&g);
}

/* ---- through the engine ------------------------------------------------------------------ */

struct got {
    uint8_t ids[16][16];
    char json[16][2048];
    size_t n;
};

static int on_alert(void *ctx, const struct cg_alert *a)
{
    struct got *g = ctx;
    assert_true(g->n < 16);
    uint8_t want[16];
    id_of(a, want);
    assert_memory_equal(a->id, want, 16); /* the engine set it, as cg_alert_id makes it */
    memcpy(g->ids[g->n], a->id, 16);
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_alert_to_json(a, &b), CG_OK);
    snprintf(g->json[g->n], sizeof(g->json[0]), "%s", cg_buf_cstr(&b));
    cg_buf_fini(&b);
    g->n++;
    return CG_OK;
}

static const char *const lines[] = {
    "<134>Apr 20 03:20:54 dsm01 CEF:0|Trend Micro|Deep Security Manager|20|2205|x|5|target=a",
    "<134>Apr 20 03:20:55 dsm01 CEF:0|Trend Micro|Deep Security Manager|20|2205|x|5|target=b",
    "<134>Apr 20 03:20:56 dsm01 CEF:0|Trend Micro|Deep Security Manager|20|2205|x|5|target=a",
    "<134>Apr 20 03:20:57 dsm01 CEF:0|Trend Micro|Deep Security Manager|20|2205|x|5|target=a",
    "<134>Apr 20 03:20:58 dsm01 CEF:0|Trend Micro|Deep Security Manager|20|2205|x|5|target=b",
};

static const char rules_yaml[] = "rules:\n"
                                 "  - id: twice\n"
                                 "    match: {event_id: 2205}\n"
                                 "    key: fields.target\n"
                                 "    threshold: {count: 2, window: 1m}\n";

/* Feeds lines[from..to) to e (the decoder dec: one stream), arrival as given. */
static void feed(struct cg_engine *e, struct cg_decoder *dec, size_t from, size_t to,
                 int64_t arrival_us)
{
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t i = from; i < to; i++) {
        cg_event_reset(&ev);
        cg_decode_line(dec, lines[i], strlen(lines[i]), &ev);
        cg_decode_settle(dec, &ev, arrival_us);
        assert_int_equal(cg_engine_process(e, &ev, arrival_us), CG_OK);
    }
    cg_event_fini(&ev);
}

static void run(struct cg_ruleset *rs, struct got *g, int64_t arrival_us, bool restart)
{
    struct cg_syslog_opts so = {"UTC", CG_YEAR_STREAM, 2025, T0, 0, 0};
    struct cg_decoder dec;
    assert_int_equal(cg_decoder_init(&dec, &so), CG_OK);
    memset(g, 0, sizeof(*g));
    struct cg_engine *e = cg_engine_new(rs, NULL, on_alert, g);
    assert_non_null(e);
    feed(e, &dec, 0, 3, arrival_us);
    if (restart) { /* a snapshot, a new process restores it, the rest arrives there */
        struct cg_buf snap, err;
        cg_buf_init(&snap);
        cg_buf_init(&err);
        assert_int_equal(cg_engine_snapshot(e, &snap), CG_OK);
        cg_engine_free(e);
        e = cg_engine_new(rs, NULL, on_alert, g);
        assert_non_null(e);
        assert_int_equal(cg_engine_restore(e, snap.p, snap.n, &err), CG_OK);
        cg_buf_fini(&snap);
        cg_buf_fini(&err);
    }
    feed(e, &dec, 3, CG_ARRAY_LEN(lines), arrival_us);
    assert_int_equal(cg_engine_flush(e), CG_OK);
    cg_engine_free(e);
    cg_decoder_fini(&dec);
}

static void test_engine_sets_stable_ids(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(rules_yaml);
    struct got replay, live, restarted;
    run(rs, &replay, 0, false);
    /* Alerts: a at 03:20:56 (lines 0, 2), b at 03:20:58 (lines 1, 4). */
    assert_int_equal(replay.n, 2);
    assert_memory_not_equal(replay.ids[0], replay.ids[1], 16);
    /* A live run (arrival times a day later) and a run restarted from a snapshot in the
     * middle of the first key's window give the same ids. */
    run(rs, &live, (T0 + 86400) * S, false);
    run(rs, &restarted, 0, true);
    assert_int_equal(live.n, 2);
    assert_int_equal(restarted.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_memory_equal(replay.ids[i], live.ids[i], 16);
        assert_memory_equal(replay.ids[i], restarted.ids[i], 16);
        assert_string_equal(replay.json[i], restarted.json[i]);
    }
    /* The JSON member: right after the rule, 32 lowercase hex digits of the id. */
    char want[128];
    int n = snprintf(want, sizeof(want),
                     "{\"time\":\"2025-04-20T03:20:56Z\",\"rule\":\"twice\",\"id\":\"");
    for (size_t i = 0; i < 16; i++)
        n += snprintf(want + n, sizeof(want) - (size_t)n, "%02x", replay.ids[0][i]);
    char hex[CG_ALERT_ID_HEX];
    cg_alert_id_hex(replay.ids[0], hex);
    assert_memory_equal(hex, want + n - 32, 32);
    assert_int_equal(strlen(hex), 32);
    snprintf(want + n, sizeof(want) - (size_t)n, "\",\"kind\":\"alert\",");
    assert_memory_equal(replay.json[0], want, strlen(want));
    free_rules(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_alert_same_id),
        cmocka_unit_test(test_each_part_counts),
        cmocka_unit_test(test_unambiguous),
        cmocka_unit_test(test_engine_sets_stable_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
