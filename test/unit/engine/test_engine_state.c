/*
 * test_engine_state.c - the correlation state in bytes: an evicted key lets go of its held
 * events and timers at once, the byte count is exact against a recount, the budget holds
 * under a flood of keys (victims: the least recently used key of the rule holding most),
 * max_keys and budget evictions are counted apart, and snapshots stay consistent.
 * Includes the engine's private headers to look at key states (h2o's t/00unit style).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/engine.h"
#include "engine/engine_int.h"
#include "engine/engine_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define S 1000000LL     /* one second in us */
#define T0 1745119254LL /* 2025-04-20T03:20:54Z */

struct got {
    size_t n;
    char last[160]; /* "kind rule key" of the last alert */
    uint64_t hash;  /* FNV-1a of every alert's "kind rule key time" */
};

static int on_alert(void *ctx, const struct cg_alert *a)
{
    struct got *g = ctx;
    g->n++;
    snprintf(g->last, sizeof(g->last), "%s %s %.*s", cg_alert_kind_name(a->kind), a->rule->id,
             a->nkey && a->key[0].p ? (int)a->key[0].n : 1,
             a->nkey && a->key[0].p ? a->key[0].p : "-");
    char t[24];
    snprintf(t, sizeof(t), " %lld", (long long)a->time_us);
    for (const char *p = g->last; *p; p++)
        g->hash = (g->hash ^ (unsigned char)*p) * 0x100000001b3ull;
    for (const char *p = t; *p; p++)
        g->hash = (g->hash ^ (unsigned char)*p) * 0x100000001b3ull;
    return CG_OK;
}

/* A Deep Security Manager system event (the shape of the 730 "Agent/Appliance Offline"
 * line of test/bench/gen_corpus.c -m new) at T0 + sec about `target`, as a heap event the
 * caller owns one reference to: a rule that keeps it shares it (refs + 1), so ev->refs
 * says whether the engine still holds it. */
static struct cg_event *mk_event(int64_t sec, const char *id, const char *target)
{
    struct cg_event *ev = cg_event_new(0, 1024);
    assert_non_null(ev);
    ev->format = CG_FMT_CEF;
    ev->vendor = CG_STR_LIT("Trend Micro");
    ev->product = CG_STR_LIT("Deep Security Manager");
    ev->event_id = cg_str_make(cg_arena_dup(&ev->arena, id, strlen(id)), strlen(id));
    ev->time.sec = T0 + sec;
    ev->time.flags = CG_TIME_SET;
    ev->fields_done = true;
    ev->subject_done = true;
    char *t = cg_arena_dup(&ev->arena, target, strlen(target));
    cg_fields_add(&ev->fields, CG_STR_LIT("target"), cg_str_make(t, strlen(target)));
    cg_fields_add(&ev->fields, CG_STR_LIT("msg"), CG_STR_LIT("The Agent/Appliance is offline."));
    return ev;
}

static void feed(struct cg_engine *e, int64_t sec, const char *id, const char *target)
{
    struct cg_event *ev = mk_event(sec, id, target);
    assert_int_equal(cg_engine_process(e, ev, 0), CG_OK);
    cg_event_free(ev);
}

static struct cg_engine *mk(struct cg_ruleset *rs, struct got *g, size_t budget)
{
    memset(g, 0, sizeof(*g));
    struct cg_engine_opts o = {.max_state_bytes = budget};
    struct cg_engine *e = cg_engine_new(rs, &o, on_alert, g);
    assert_non_null(e);
    return e;
}

/* The count the engine keeps equals one made from scratch: every live key recounted from
 * what it holds, plus tables, dead and reusable states, and the timer array. */
static void assert_count_exact(struct cg_engine *e)
{
    for (size_t i = 0; i < e->rs->n; i++) {
        struct cg_corr_rstate *r = &e->rstates[i];
        /* Not the table's capacity: that depends on the hash seed (see table_count). */
        assert_int_equal(r->table_bytes, r->nkeys * 2 * sizeof(struct cg_hmap_slot));
        size_t sum = r->table_bytes;
        for (struct cg_corr_kstate *ks = r->lru_head; ks; ks = ks->next) {
            size_t before = ks->bytes;
            cg_corr_kstate_recount(ks);
            assert_int_equal(ks->bytes, before);
            sum += ks->bytes;
        }
        assert_int_equal(r->bytes, sum);
    }
    assert_int_equal(cg_engine_stats(e)->state_bytes, cg_corr_state_bytes(&e->corr));
}

/* A 4-hour hold-down on 730 "Agent/Appliance Offline", cancelled by 731 "back online". */
#define OFFLINE_4H                                                                                 \
    "  - id: offline\n"                                                                            \
    "    match: {event_id: 730}\n"                                                                 \
    "    key: [fields.target]\n"                                                                   \
    "    holddown:\n"                                                                              \
    "      cancel: {event_id: 731}\n"                                                              \
    "      key: [fields.target]\n"                                                                 \
    "      for: 4h\n"

/* n 730 lines, each about a new computer WS-<from + i>, ten a second from second t0. */
static void flood(struct cg_engine *e, int64_t t0, int from, int n, const char *id)
{
    char target[32];
    for (int i = 0; i < n; i++) {
        snprintf(target, sizeof(target), "WS-%08d", from + i);
        feed(e, t0 + i / 10, id, target);
    }
}

static const char holddown_yaml[] = "rules:\n"
                                    "  - id: offline\n"
                                    "    match: {event_id: 730}\n"
                                    "    key: [fields.target]\n"
                                    "    max_keys: 2\n"
                                    "    holddown:\n"
                                    "      cancel: {event_id: 731}\n"
                                    "      key: [fields.target]\n"
                                    "      for: 4h\n";

/* max_keys: the evicted key's held event is let go at once, not when its 4-hour timer
 * falls due; the timer then finds nothing and alerts nothing. */
static void test_evict_frees_held_event(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(holddown_yaml);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    struct cg_event *a = mk_event(0, "730", "WS-00000001");
    assert_int_equal(cg_engine_process(e, a, 0), CG_OK);
    assert_int_equal(a->refs, 2); /* held by the key */
    size_t held = cg_engine_stats(e)->state_bytes;
    feed(e, 1, "730", "WS-00000002");
    assert_int_equal(a->refs, 2);
    feed(e, 2, "730", "WS-00000003"); /* evicts WS-00000001 */
    assert_int_equal(cg_engine_stats(e)->evictions, 1);
    assert_int_equal(cg_engine_stats(e)->evictions_budget, 0);
    assert_int_equal(a->refs, 1); /* let go now, 4 hours before its timer */
    assert_int_equal(e->corr.dead_timers, 1);
    assert_int_equal(cg_timerq_count(&e->timers), 3);
    assert_true(cg_engine_stats(e)->state_bytes < held + 2 * cg_event_mem(a));
    assert_count_exact(e);
    assert_int_equal(cg_engine_flush(e), CG_OK);
    assert_int_equal(g.n, 2); /* WS-00000002 and 3; the evicted key's timer did nothing */
    assert_int_equal(e->corr.dead_timers, 0);
    cg_event_free(a);
    cg_engine_free(e);
    free_rules(rs);
}

/* The byte count follows every kind of change exactly: threshold times and distinct
 * values, join buffers, hold-down pendings and cancels, silence's last event,
 * suppression's last trigger. */
static void test_count_exact(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: many\n"
                                       "    match: {event_id: 2205}\n"
                                       "    threshold: {count: 4, distinct: fields.target, "
                                       "window: 15m}\n"
                                       "    suppress: 1h\n"
                                       "  - id: joined\n"
                                       "    match: {event_id: 2205}\n"
                                       "    key: [fields.target]\n"
                                       "    join:\n"
                                       "      match: {event_id: 710}\n"
                                       "      key: [fields.target]\n"
                                       "      window: 5s\n"
                                       "  - id: offline\n"
                                       "    match: {event_id: 730}\n"
                                       "    key: [fields.target]\n"
                                       "    holddown:\n"
                                       "      cancel: {event_id: 731}\n"
                                       "      key: [fields.target]\n"
                                       "      for: 15m\n"
                                       "  - id: quiet\n"
                                       "    match: {event_id: 4000000}\n"
                                       "    key: [fields.target]\n"
                                       "    silence: {after: 1h}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    static const char *const ids[] = {"2205", "710", "730", "731", "4000000"};
    char target[32];
    for (int i = 0; i < 400; i++) {
        snprintf(target, sizeof(target), "WS-%08d", i % 37);
        feed(e, i * 7, ids[i % 5], target);
        if (i % 50 == 0)
            assert_count_exact(e);
    }
    assert_true(g.n > 10);
    assert_count_exact(e);
    assert_int_equal(cg_engine_flush(e), CG_OK);
    assert_count_exact(e);
    cg_engine_free(e);
    free_rules(rs);
}

/* A flood of new keys through a hold-down and a join never takes the state past the
 * budget (looked at after every event), is evicted by the budget (counted apart from
 * max_keys), and the newest keys still alert. */
static void test_budget_holds(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n" OFFLINE_4H "  - id: failed\n"
                                       "    match: {event_id: 730}\n"
                                       "    key: [fields.target]\n"
                                       "    join:\n"
                                       "      match: {event_id: 710}\n"
                                       "      key: [fields.target]\n"
                                       "      window: 1h\n");
    const size_t budget = 1 << 20;
    struct got g;
    struct cg_engine *e = mk(rs, &g, budget);
    char target[32];
    uint64_t peak_seen = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(target, sizeof(target), "WS-%08d", i);
        feed(e, i / 10, "730", target);
        uint64_t now = cg_engine_stats(e)->state_bytes;
        assert_true(now <= budget);
        peak_seen = now > peak_seen ? now : peak_seen;
    }
    const struct cg_engine_stats *st = cg_engine_stats(e);
    assert_int_equal(st->evictions, 0);
    assert_true(st->evictions_budget > 15000);
    /* The gauge is also read between the rules of an event and after timers. */
    assert_true(st->state_bytes_peak >= peak_seen && st->state_bytes_peak <= budget);
    assert_true(st->state_bytes_peak > budget - budget / 8); /* used, not wasted */
    /* The timers of evicted keys are swept: the queue stays about the live keys' size. */
    size_t live = e->rstates[0].nkeys;
    assert_true(cg_timerq_count(&e->timers) <= 2 * (live + e->rstates[1].nkeys) + 64);
    assert_count_exact(e);
    assert_int_equal(cg_engine_flush(e), CG_OK);
    assert_string_equal(g.last, "alert offline WS-00019999");
    cg_engine_free(e);
    free_rules(rs);
}

/* Evictions by the budget, and so the alerts, do not depend on the run: the key tables'
 * hash seeds differ per engine (its address), their counted bytes must not. */
static void test_budget_deterministic(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n" OFFLINE_4H);
    struct got g[3];
    uint64_t ev[3];
    struct cg_engine *keep[3];
    char target[32];
    for (int k = 0; k < 3; k++) {
        keep[k] = mk(rs, &g[k], 128 << 10);
        g[k].hash = 0xcbf29ce484222325ull;
        for (int i = 0; i < 30000; i++) {
            snprintf(target, sizeof(target), "WS-%08d", (i * 7919) % 10000);
            feed(keep[k], i, i % 3 ? "730" : "731", target);
        }
        assert_int_equal(cg_engine_flush(keep[k]), CG_OK);
        ev[k] = cg_engine_stats(keep[k])->evictions_budget;
    }
    assert_true(ev[0] > 500);
    for (int k = 1; k < 3; k++) {
        assert_int_equal(g[k].n, g[0].n);
        assert_int_equal(g[k].hash, g[0].hash);
        assert_int_equal(ev[k], ev[0]);
    }
    for (int k = 0; k < 3; k++)
        cg_engine_free(keep[k]);
    free_rules(rs);
}

/* Over the budget, the rule holding the most bytes gives up its least recently used key:
 * a flood through one rule does not evict the quiet keys of another. */
static void test_budget_victim(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: quiet\n"
                                       "    match: {event_id: 4000000}\n"
                                       "    key: [fields.target]\n"
                                       "    silence: {after: 4h}\n" OFFLINE_4H);
    const size_t budget = 256 << 10;
    struct got g;
    struct cg_engine *e = mk(rs, &g, budget);
    char target[32];
    for (int i = 0; i < 20; i++) { /* 20 agents, oldest first */
        snprintf(target, sizeof(target), "agent-%02d", i);
        feed(e, i, "4000000", target);
    }
    feed(e, 30, "4000000", "agent-00"); /* agent-00 is now the most recently used */
    flood(e, 40, 0, 5000, "730");
    const struct cg_engine_stats *st = cg_engine_stats(e);
    assert_true(st->evictions_budget > 4000);
    assert_int_equal(e->rstates[0].nkeys, 20); /* the silence rule kept every agent */
    /* Within the flooded rule, the oldest went first: the live keys are the newest. */
    const struct cg_corr_kstate *oldest = e->rstates[1].lru_head;
    assert_non_null(oldest);
    size_t live = e->rstates[1].nkeys;
    snprintf(target, sizeof(target), "%zu:WS-%08zu", (size_t)11, 5000 - live);
    assert_int_equal(oldest->keylen, strlen(target));
    assert_memory_equal(oldest->key, target, oldest->keylen);

    /* Now the silence rule holds the most: feeding it new agents evicts its own LRU key
     * (agent-01: agent-00 was seen again), not the hold-down's. */
    size_t k = 0;
    while (e->rstates[0].bytes <= e->rstates[1].bytes) {
        snprintf(target, sizeof(target), "agent-n%06zu", k++);
        feed(e, 100, "4000000", target);
    }
    size_t hold_keys = e->rstates[1].nkeys;
    uint64_t before = st->evictions_budget;
    feed(e, 100, "4000000", "agent-last");
    feed(e, 100, "4000000", "agent-last2");
    assert_true(st->evictions_budget > before);
    assert_true(e->rstates[1].nkeys >= hold_keys - 1); /* at most one: they are even now */
    assert_null(cg_hmap_get(&e->rstates[0].keys, "8:agent-01", 10));
    assert_non_null(cg_hmap_get(&e->rstates[0].keys, "8:agent-00", 10));
    assert_count_exact(e);
    cg_engine_free(e);
    free_rules(rs);
}

/* A snapshot of a state with evicted keys' timers still queued holds only live keys; the
 * restored engine counts the same keys and fires the same alerts. */
static void test_snapshot_after_evictions(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(holddown_yaml);
    struct got g1, g2;
    struct cg_engine *e = mk(rs, &g1, 0);
    feed(e, 0, "730", "WS-00000001");
    feed(e, 1, "730", "WS-00000002");
    feed(e, 2, "730", "WS-00000003"); /* evicts 1: its timer stays, dead */
    struct cg_buf snap;
    cg_buf_init(&snap);
    assert_int_equal(cg_engine_snapshot(e, &snap), CG_OK);
    struct cg_engine *r = mk(rs, &g2, 0);
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_engine_restore(r, snap.p, snap.n, &err), CG_OK);
    assert_int_equal(r->rstates[0].nkeys, 2);
    assert_int_equal(cg_timerq_count(&r->timers), 2); /* the dead key's timer is not saved */
    assert_true(cg_engine_stats(r)->state_bytes > 0);
    assert_count_exact(r);
    assert_int_equal(cg_engine_flush(e), CG_OK);
    assert_int_equal(cg_engine_flush(r), CG_OK);
    assert_int_equal(g1.n, 2);
    assert_int_equal(g2.n, 2);
    assert_string_equal(g1.last, g2.last);
    cg_buf_fini(&err);
    cg_buf_fini(&snap);
    cg_engine_free(r);
    cg_engine_free(e);
    free_rules(rs);
}

/* A restore into an engine with a smaller budget evicts down to it at once. */
static void test_restore_smaller_budget(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n" OFFLINE_4H);
    struct got g1, g2;
    struct cg_engine *e = mk(rs, &g1, 0);
    flood(e, 0, 0, 2000, "730");
    struct cg_buf snap, err;
    cg_buf_init(&snap);
    cg_buf_init(&err);
    assert_int_equal(cg_engine_snapshot(e, &snap), CG_OK);
    struct cg_engine *r = mk(rs, &g2, 256 << 10);
    assert_int_equal(cg_engine_restore(r, snap.p, snap.n, &err), CG_OK);
    assert_true(cg_engine_stats(r)->state_bytes <= 256 << 10);
    assert_true(cg_engine_stats(r)->evictions_budget > 1000);
    assert_count_exact(r);
    cg_buf_fini(&err);
    cg_buf_fini(&snap);
    cg_engine_free(r);
    cg_engine_free(e);
    free_rules(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evict_frees_held_event),
        cmocka_unit_test(test_count_exact),
        cmocka_unit_test(test_budget_holds),
        cmocka_unit_test(test_budget_victim),
        cmocka_unit_test(test_budget_deterministic),
        cmocka_unit_test(test_snapshot_after_evictions),
        cmocka_unit_test(test_restore_smaller_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
