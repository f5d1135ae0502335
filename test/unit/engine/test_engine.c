/*
 * test_engine.c - the rule engine: every correlation kind, window edges, out-of-
 * order arrival, suppression, eviction, chaining, lateness, snapshot round trip.
 * Events are built by hand; rules are loaded from YAML written to a temp file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/alert.h"
#include "cefguard/engine.h"
#include "engine/engine_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define S 1000000LL     /* one second in us */
#define T0 1745119254LL /* 2025-04-20T03:20:54Z */

struct got {
    char lines[400][512]; /* "kind rule key=... count=N supp=N joined=ID t=+S" */
    size_t n;
};

static int on_alert(void *ctx, const struct cg_alert *a)
{
    struct got *g = ctx;
    if (g->n >= 400)
        fail_msg("too many alerts");
    char key[128] = "";
    size_t kl = 0;
    for (size_t i = 0; i < a->nkey; i++)
        kl += (size_t)snprintf(key + kl, sizeof(key) - kl, "%s%.*s", i ? "," : "",
                               a->key[i].p ? (int)a->key[i].n : 1, a->key[i].p ? a->key[i].p : "-");
    char vals[128] = "";
    size_t vl = 0;
    for (size_t i = 0; i < a->nvalues; i++)
        vl += (size_t)snprintf(vals + vl, sizeof(vals) - vl, "%s%.*s",
                               i ? "," : " values=", (int)a->values[i].n, a->values[i].p);
    struct cg_str tv = CG_STR_NULL;
    bool tl = a->response.status == CG_RESP_REQUESTED && cg_target_value(&a->response.target, &tv);
    snprintf(g->lines[g->n++], sizeof(g->lines[0]),
             "%s %s key=%s count=%llu supp=%llu joined=%.*s t=+%lld%s%s%.*s%s%s",
             cg_alert_kind_name(a->kind), a->rule->id, key, (unsigned long long)a->count,
             (unsigned long long)a->suppressed, a->joined ? (int)a->joined->event_id.n : 1,
             a->joined ? a->joined->event_id.p : "-", (long long)(a->time_us / S - T0), vals,
             tl ? " target=" : "", (int)tv.n, tv.p ? tv.p : "",
             a->response.status == CG_RESP_REFUSED ? " refused=" : "",
             a->response.status == CG_RESP_REFUSED ? cg_refusal_name(a->response.reason) : "");
    return CG_OK;
}

/* An event at T0 + sec: event_id, and "k=v" fields separated by spaces; "@name=a_b"
 * sets the header name "a b". */
static void feed_at(struct cg_engine *e, int64_t us, const char *id, const char *fields)
{
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_CEF;
    ev.vendor = CG_STR_LIT("Trend Micro");
    ev.product = CG_STR_LIT("Deep Security Manager");
    ev.event_id = cg_str_make(id, strlen(id));
    ev.time.sec = T0 + us / S;
    ev.time.usec = (int32_t)(us % S);
    ev.time.flags = CG_TIME_SET;
    ev.fields_done = true;
    char *copy = strdup(fields);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        if (strcmp(tok, "@raw") == 0 || strcmp(tok, "@outlier") == 0 || strcmp(tok, "@jump") == 0) {
            /* what the decoder's clock guard would have said (decode.h cg_decode_settle) */
            if (tok[1] == 'r')
                ev.format = CG_FMT_RAW;
            else
                ev.flags |= tok[1] == 'o' ? CG_EV_TIME_OUTLIER : CG_EV_TIME_JUMP;
            continue;
        }
        if (strncmp(tok, "@name=", 6) == 0) {
            char *nm = cg_arena_dup(&ev.arena, eq + 1, strlen(eq + 1));
            for (size_t i = 0; i < strlen(eq + 1); i++)
                nm[i] = nm[i] == '_' ? ' ' : nm[i];
            ev.name = cg_str_make(nm, strlen(eq + 1));
            continue;
        }
        char *k = cg_arena_dup(&ev.arena, tok, (size_t)(eq - tok));
        char *v = cg_arena_dup(&ev.arena, eq + 1, strlen(eq + 1));
        cg_fields_add(&ev.fields, cg_str_make(k, (size_t)(eq - tok)),
                      cg_str_make(v, strlen(eq + 1)));
    }
    ev.subject_done = true;
    const struct cg_str *h = cg_fields_getz(&ev.fields, "dvchost");
    if (h) {
        ev.subject = *h;
        ev.subject_key = CG_STR_LIT("dvchost");
        ev.subject_status = CG_SUBJ_OK;
    }
    assert_int_equal(cg_engine_process(e, &ev, 0), CG_OK);
    free(copy);
    cg_event_fini(&ev);
}

static void feed(struct cg_engine *e, int64_t sec, const char *id, const char *fields)
{
    feed_at(e, sec * S, id, fields);
}

static void expect(const struct got *g, const char *const *want, size_t n)
{
    for (size_t i = 0; i < g->n || i < n; i++) {
        const char *w = i < n ? want[i] : "(none)";
        const char *h = i < g->n ? g->lines[i] : "(none)";
        if (strcmp(w, h) != 0) {
            for (size_t k = 0; k < g->n; k++)
                print_message("got[%zu]: %s\n", k, g->lines[k]);
            fail_msg("alert %zu: got [%s] want [%s]", i, h, w);
        }
    }
}

#define EXPECT(g, ...)                                                                             \
    do {                                                                                           \
        const char *const w_[] = {__VA_ARGS__};                                                    \
        expect(g, w_, CG_ARRAY_LEN(w_));                                                           \
    } while (0)
#define EXPECT_NONE(g) expect(g, NULL, 0)

static struct cg_engine *mk_fn(struct cg_ruleset *rs, struct got *g, int64_t lateness,
                               cg_alert_fn fn)
{
    memset(g, 0, sizeof(*g));
    struct cg_engine_opts o = {.lateness_us = lateness};
    struct cg_engine *e = cg_engine_new(rs, &o, fn, g);
    assert_non_null(e);
    return e;
}

static struct cg_engine *mk(struct cg_ruleset *rs, struct got *g, int64_t lateness)
{
    return mk_fn(rs, g, lateness, on_alert);
}

static void test_simple_and_suppress(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: fail\n"
                                       "    match: {event_id: 2205}\n"
                                       "    key: fields.target\n"
                                       "    suppress: 10m\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "target=a");
    feed(e, 1, "710", "target=a");    /* not matched */
    feed(e, 60, "2205", "target=a");  /* held back */
    feed(e, 600, "2205", "target=a"); /* exactly at the period end: still held back */
    feed(e, 60, "2205", "target=b");  /* another key alerts */
    feed(e, 601, "2205", "target=a"); /* the period ended: summary, then a new alert */
    cg_engine_flush(e);
    EXPECT(&g, "alert fail key=a count=1 supp=0 joined=- t=+0",
           "alert fail key=b count=1 supp=0 joined=- t=+60",
           "suppressed fail key=a count=2 supp=2 joined=- t=+600",
           "alert fail key=a count=1 supp=0 joined=- t=+601");
    assert_int_equal(cg_engine_stats(e)->suppressed, 2);
    cg_engine_free(e);
    free_rules(rs);
}

/* The events an alert carries, as "kind rule count=N supp=N events=n1,n2" (field n). */
static int on_alert_events(void *ctx, const struct cg_alert *a)
{
    struct got *g = ctx;
    if (g->n >= 400)
        fail_msg("too many alerts");
    char evs[256] = "";
    size_t el = 0;
    for (size_t i = 0; i < a->nevents; i++) {
        const struct cg_str *v = cg_fields_getz(&a->events[i]->fields, "n");
        el += (size_t)snprintf(evs + el, sizeof(evs) - el, "%s%.*s", i ? "," : "",
                               v ? (int)v->n : 1, v ? v->p : "-");
    }
    snprintf(g->lines[g->n++], sizeof(g->lines[0]), "%s %s count=%llu supp=%llu events=%s",
             cg_alert_kind_name(a->kind), a->rule->id, (unsigned long long)a->count,
             (unsigned long long)a->suppressed, evs);
    return CG_OK;
}

/* Regression: a suppressed summary said count 1 (not the events held back) and carried
 * only the last event. It now counts the alerts held back (suppressed) and the events they
 * were made of (count: 2 per joined alert, N per threshold alert), and carries the first
 * and the last held-back trigger. */
static void test_suppress_summary(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: err\n"
                                       "    match: {event_id: 740}\n"
                                       "    key: fields.target\n"
                                       "    join: {match: {event_id: 710}, window: 5s}\n"
                                       "    suppress: 1h\n"
                                       "  - id: many\n"
                                       "    match: {event_id: 2205}\n"
                                       "    threshold: {count: 2, window: 1m}\n"
                                       "    suppress: 1h\n");
    struct got g;
    struct cg_engine *e = mk_fn(rs, &g, 0, on_alert_events);
    for (int i = 0; i < 4; i++) { /* 4 joined 740s: the first alerts, 3 are held back */
        char f[32];
        snprintf(f, sizeof(f), "target=a n=e%d", i);
        feed(e, i * 60, "740", f);
        feed(e, i * 60 + 1, "710", "target=a n=detail");
    }
    for (int i = 0; i < 6; i++) { /* 3 threshold alerts of 2 events: 2 held back */
        char f[32];
        snprintf(f, sizeof(f), "n=t%d", i);
        feed(e, 300 + i, "2205", f);
    }
    cg_engine_flush(e);
    EXPECT(&g, "alert err count=2 supp=0 events=e0", "alert many count=2 supp=0 events=t0,t1",
           "suppressed err count=6 supp=3 events=e1,e3",
           "suppressed many count=4 supp=2 events=t3,t5");
    assert_int_equal(cg_engine_stats(e)->suppressed, 5);
    cg_engine_free(e);
    /* One held back: the sample is that one event. */
    e = mk_fn(rs, &g, 0, on_alert_events);
    feed(e, 0, "740", "target=b n=x0");
    feed(e, 10, "740", "target=b n=x1");
    cg_engine_flush(e);
    EXPECT(&g, "alert err count=1 supp=0 events=x0", "suppressed err count=1 supp=1 events=x1");
    cg_engine_free(e);
    free_rules(rs);
}

/* output: chain - a record is fed back to the rules chained on it but never reaches the
 * receiver: a retry that succeeds within the hold-down gives no alert at all. */
static void test_output_chain(void **state)
{
    (void)state;
    struct cg_ruleset *rs =
        load_rules("rules:\n"
                   "  - id: rec\n"
                   "    match: {event_id: 2205}\n"
                   "    key: fields.target\n"
                   "    join: {match: {event_id: 710}, window: 5s}\n"
                   "    output: chain\n"
                   "  - id: stuck\n"
                   "    match: {format: internal, vendor: cefguard, name: rec}\n"
                   "    key: fields.key.fields.target\n"
                   "    holddown: {cancel: {event_id: 2204}, key: fields.target, for: 30m}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "target=a");
    feed(e, 0, "710", "target=a");
    feed(e, 120, "2204", "target=a"); /* the retry worked: nothing */
    feed(e, 200, "2205", "target=b"); /* no 710, no 2204: one alert at the deadline */
    feed(e, 203, "2204", "target=b"); /* before the record resolved: still cancels */
    feed(e, 300, "2205", "target=c");
    cg_engine_flush(e);
    EXPECT(&g, "alert stuck key=c count=1 supp=0 joined=- t=+2100");
    const struct cg_engine_stats *st = cg_engine_stats(e);
    assert_int_equal(st->recorded, 3);
    assert_int_equal(st->alerts, 1);
    assert_int_equal(st->internal_events, 3); /* the records; "stuck" has no chained rule */
    cg_engine_free(e);
    free_rules(rs);
}

static void test_threshold_edges(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: many\n"
                                       "    match: {event_id: 2205}\n"
                                       "    threshold: {count: 3, window: 10m}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "");
    feed(e, 300, "2205", "");
    feed(e, 600, "2205", ""); /* exactly 10m after the first: inside (closed window) */
    feed(e, 700, "2205", "");
    feed(e, 1000, "2205", "");
    feed_at(e, 1300 * S + 1, "2205", ""); /* 1us past 10m after 700: 700 is out */
    feed(e, 1400, "2205", "");
    cg_engine_flush(e);
    EXPECT(&g, "alert many key= count=3 supp=0 joined=- t=+600",
           "alert many key= count=3 supp=0 joined=- t=+1400");
    cg_engine_free(e);
    free_rules(rs);
}

static void test_threshold_distinct(void **state)
{
    (void)state;
    struct cg_ruleset *rs =
        load_rules("rules:\n"
                   "  - id: spread\n"
                   "    match: {event_id: 2205}\n"
                   "    threshold: {count: 3, distinct: fields.target, window: 15m}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "target=a");
    feed(e, 10, "2205", "target=a"); /* same computer again: no new value */
    feed(e, 20, "2205", "target=b");
    feed(e, 30, "2205", ""); /* no target: not counted */
    feed(e, 40, "2205", "target=c");
    cg_engine_flush(e);
    EXPECT(&g, "alert spread key= count=3 supp=0 joined=- t=+40 values=a,b,c");
    cg_engine_free(e);
    free_rules(rs);
}

static const char join_rules[] = "rules:\n"
                                 "  - id: upd\n"
                                 "    match: {event_id: 2205}\n"
                                 "    key: fields.target\n"
                                 "    join: {match: {event_id: 710}, window: 5s}\n"
                                 "  - id: upd-strict\n"
                                 "    match: {event_id: 2205}\n"
                                 "    key: fields.target\n"
                                 "    join: {match: {event_id: 710}, window: 5s, required: true}\n";

static void test_join(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(join_rules);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "target=a"); /* primary first, related 5s later: edge, joins */
    feed(e, 5, "710", "target=a");
    feed(e, 100, "710", "target=b"); /* related first */
    feed(e, 101, "2205", "target=b");
    feed(e, 200, "2205", "target=c"); /* related of another key: no join */
    feed(e, 201, "710", "target=d");
    feed(e, 300, "2205", "target=e"); /* related 6s later: too late */
    feed(e, 306, "710", "target=e");
    cg_engine_flush(e);
    EXPECT(&g, "alert upd key=a count=2 supp=0 joined=710 t=+0",
           "alert upd-strict key=a count=2 supp=0 joined=710 t=+0",
           "alert upd key=b count=2 supp=0 joined=710 t=+101",
           "alert upd-strict key=b count=2 supp=0 joined=710 t=+101",
           "alert upd key=c count=1 supp=0 joined=- t=+200",
           "alert upd key=e count=1 supp=0 joined=- t=+300");
    assert_int_equal(cg_engine_stats(e)->join_dropped, 2);
    cg_engine_free(e);
    free_rules(rs);
}

/* Out-of-order arrival: the related event has an earlier stamp but arrives later. */
static void test_join_out_of_order(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(join_rules);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 10 * S);
    feed(e, 10, "2205", "target=a");
    feed(e, 8, "710", "target=a"); /* 2s earlier, arrives after */
    cg_engine_flush(e);
    EXPECT(&g, "alert upd key=a count=2 supp=0 joined=710 t=+10",
           "alert upd-strict key=a count=2 supp=0 joined=710 t=+10");
    cg_engine_free(e);
    free_rules(rs);
}

static const char hold_rules[] = "rules:\n"
                                 "  - id: offline\n"
                                 "    match: {event_id: 730}\n"
                                 "    key: fields.dvchost\n"
                                 "    holddown: {cancel: {event_id: 731}, for: 10m}\n"
                                 "    response: {action: quarantine, target: fields.dvchost}\n";

static void test_holddown(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(hold_rules);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "730", "dvchost=a");
    feed(e, 600, "731", "dvchost=a");  /* cancel exactly at the end: cancels */
    feed(e, 1000, "730", "dvchost=b"); /* no cancel */
    feed(e, 1000, "730", "dvchost=c");
    feed(e, 1300, "731", "dvchost=x");   /* other key's cancel does not help c */
    feed(e, 1600, "999", "dvchost=z");   /* clock at 1000+600: deadline not passed yet */
    feed_at(e, 1600 * S + 1, "999", ""); /* passed: b and c fire, in creation order */
    cg_engine_flush(e);
    EXPECT(&g, "alert offline key=b count=1 supp=0 joined=- t=+1600 target=b",
           "alert offline key=c count=1 supp=0 joined=- t=+1600 target=c");
    cg_engine_free(e);
    free_rules(rs);
}

static void test_holddown_cancel_first(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(hold_rules);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 60 * S);
    feed(e, 30, "731", "dvchost=a"); /* cancel stamped after the event, arrives first */
    feed(e, 0, "730", "dvchost=a");
    cg_engine_flush(e);
    EXPECT_NONE(&g);
    cg_engine_free(e);
    free_rules(rs);
}

/* With a lateness bound, a deadline waits until the clock passes it by that much. */
static void test_lateness(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(hold_rules);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 120 * S);
    feed(e, 0, "730", "dvchost=a");
    feed(e, 700, "999", "");
    assert_int_equal(g.n, 0);         /* 700 - 120 < 600 */
    feed(e, 590, "731", "dvchost=a"); /* late but within the bound: cancels */
    feed(e, 1000, "730", "dvchost=b");
    feed(e, 1721, "999", ""); /* 1721 - 120 > 1600 */
    EXPECT(&g, "alert offline key=b count=1 supp=0 joined=- t=+1600 target=b");
    cg_engine_free(e);
    free_rules(rs);
}

static void test_silence(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: quiet\n"
                                       "    match: {product: Deep Security Manager}\n"
                                       "    key: fields.dvchost\n"
                                       "    silence: {after: 30m}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "1", "dvchost=a");
    feed(e, 0, "1", "dvchost=b");
    feed(e, 1000, "1", "dvchost=a");
    feed(e, 2800, "1", "dvchost=a"); /* a keeps talking; b went quiet at 1800 */
    feed(e, 3000, "1", "dvchost=b"); /* b is back */
    cg_engine_flush(e);              /* end of input: a and b time out */
    EXPECT(&g, "silence quiet key=b count=0 supp=0 joined=- t=+1800",
           "cleared quiet key=b count=1 supp=0 joined=- t=+3000",
           "silence quiet key=a count=0 supp=0 joined=- t=+4600",
           "silence quiet key=b count=0 supp=0 joined=- t=+4800");
    cg_engine_free(e);
    free_rules(rs);
}

static void test_eviction(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: many\n"
                                       "    match: {event_id: 2205}\n"
                                       "    key: fields.target\n"
                                       "    max_keys: 2\n"
                                       "    threshold: {count: 2, window: 1h}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "target=a");
    feed(e, 1, "2205", "target=b");
    feed(e, 2, "2205", "target=c"); /* evicts a, the least recently used */
    feed(e, 3, "2205", "target=a"); /* a starts over: no alert */
    feed(e, 4, "2205", "target=c"); /* c has 2 */
    cg_engine_flush(e);
    EXPECT(&g, "alert many key=c count=2 supp=0 joined=- t=+4");
    assert_int_equal(cg_engine_stats(e)->evictions, 2);
    cg_engine_free(e);
    free_rules(rs);
}

static void test_chaining(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: fail\n"
                                       "    match: {event_id: 2205}\n"
                                       "    key: fields.target\n"
                                       "  - id: repeated-fail\n"
                                       "    match: {format: internal, name: fail}\n"
                                       "    key: subject\n"
                                       "    threshold: {count: 2, window: 1h}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "target=a");
    feed(e, 10, "2205", "target=a");
    cg_engine_flush(e);
    EXPECT(&g, "alert fail key=a count=1 supp=0 joined=- t=+0",
           "alert fail key=a count=1 supp=0 joined=- t=+10",
           "alert repeated-fail key=a count=2 supp=0 joined=- t=+10");
    /* The two "fail" alerts are fed back; "repeated-fail" is not: no rule can match it
     * (repeated-fail is filed under the name "fail"). */
    assert_int_equal(cg_engine_stats(e)->internal_events, 2);
    cg_engine_free(e);
    free_rules(rs);
}

/* A response is requested only for a validated target; a refusal is still an alert, says
 * why, is counted, and its internal event carries response_refused instead of action and
 * target, so a rule counting requests does not count it. The harness marks every dvchost
 * subject "ok": the engine validates the value again all the same. */
static void test_responses(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: q\n"
                                       "    match: {event_id: 4000000}\n"
                                       "    key: subject\n"
                                       "    response: {action: quarantine}\n"
                                       "  - id: r\n"
                                       "    match: {event_id: 4000001}\n"
                                       "    response: {action: reboot, target: fields.dvc}\n"
                                       "  - id: requests\n"
                                       "    match: {format: internal, vendor: cefguard,\n"
                                       "            fields.action: quarantine}\n"
                                       "    threshold: {count: 2, window: 1h}\n"
                                       "  - id: refusals\n"
                                       "    match: {format: internal, vendor: cefguard, name: q,\n"
                                       "            fields.response_refused: {exists: true}}\n"
                                       "    key: [fields.response_refused, subject_status]\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "4000000", "dvchost=web-01");
    feed(e, 10, "4000000", "dvchost=web-15;touch");
    feed(e, 20, "4000000", "cn1=12");
    feed(e, 30, "4000000", "dvchost=WEB-01.corp.example");
    feed(e, 40, "4000001", "dvc=10.1.2.3");
    feed(e, 50, "4000001", "dvc=-oProxyCommand=x");
    feed(e, 60, "4000001", "cn1=12");
    cg_engine_flush(e);
    EXPECT(&g, "alert q key=web-01 count=1 supp=0 joined=- t=+0 target=web-01",
           "alert q key=web-15;touch count=1 supp=0 joined=- t=+10 refused=subject_invalid",
           "alert refusals key=subject_invalid,invalid count=1 supp=0 joined=- t=+10",
           "alert q key=- count=1 supp=0 joined=- t=+20 refused=subject_missing",
           "alert refusals key=subject_missing,missing count=1 supp=0 joined=- t=+20",
           "alert q key=WEB-01.corp.example count=1 supp=0 joined=- t=+30 "
           "target=WEB-01.corp.example",
           "alert requests key= count=2 supp=0 joined=- t=+30",
           "alert r key= count=1 supp=0 joined=- t=+40 target=10.1.2.3",
           "alert r key= count=1 supp=0 joined=- t=+50 refused=target_invalid",
           "alert r key= count=1 supp=0 joined=- t=+60 refused=target_missing");
    const struct cg_engine_stats *st = cg_engine_stats(e);
    assert_int_equal(st->responses_requested, 3);
    assert_int_equal(st->responses_refused[CG_REFUSE_SUBJECT_INVALID], 1);
    assert_int_equal(st->responses_refused[CG_REFUSE_SUBJECT_MISSING], 1);
    assert_int_equal(st->responses_refused[CG_REFUSE_TARGET_INVALID], 1);
    assert_int_equal(st->responses_refused[CG_REFUSE_TARGET_MISSING], 1);
    assert_int_equal(st->responses_refused[CG_REFUSE_SUBJECT_FALLBACK], 0);
    assert_int_equal(st->responses_refused[CG_REFUSE_SUBJECT_AMBIGUOUS], 0);
    cg_engine_free(e);
    free_rules(rs);
}

/* Two rules feeding on each other's alerts (check allows it: neither sees its own) stop
 * at the chain bound instead of looping. */
static void test_chain_bound(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: start\n"
                                       "    match: {event_id: 2205}\n"
                                       "  - id: ping\n"
                                       "    match: {format: internal, name: [start, pong]}\n"
                                       "  - id: pong\n"
                                       "    match: {format: internal, name: ping}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "2205", "");
    assert_int_equal(g.n, 5); /* the event + 4 levels of chaining */
    assert_int_equal(cg_engine_stats(e)->chain_dropped, 1);
    cg_engine_free(e);
    free_rules(rs);
}

static const char mixed_rules[] =
    "rules:\n"
    "  - id: upd\n"
    "    match: {event_id: 2205}\n"
    "    key: fields.target\n"
    "    join: {match: {event_id: 710}, window: 5s}\n"
    "    suppress: 2m\n"
    "  - id: spread\n"
    "    match: {event_id: 2205}\n"
    "    threshold: {count: 3, distinct: fields.target, window: 15m}\n"
    "  - id: offline\n"
    "    match: {event_id: 730}\n"
    "    key: fields.target\n"
    "    holddown: {cancel: {event_id: 731}, for: 10m}\n"
    "  - id: quiet\n"
    "    match: {event_id: 1}\n"
    "    key: fields.target\n"
    "    silence: {after: 20m}\n";

/* A deterministic event stream over all kinds. */
static void mixed_feed(struct cg_engine *e, int from, int to)
{
    static const char *ids[] = {"2205", "710", "730", "731", "1", "2205", "1"};
    static const char *tg[] = {"target=a", "target=b", "target=c", "target=d"};
    for (int i = from; i < to; i++)
        feed(e, i * 37 + (i % 5) * 3, ids[(i * 7) % 7 == 0 ? i % 7 : (i * 3) % 7], tg[i % 4]);
}

static void test_snapshot_roundtrip(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules(mixed_rules);
    static struct got whole, split, second, tmp;
    struct cg_engine *e = mk(rs, &whole, 0);
    mixed_feed(e, 0, 200);
    cg_engine_flush(e);
    cg_engine_free(e);
    assert_true(whole.n > 10);

    e = mk(rs, &split, 0);
    mixed_feed(e, 0, 90);
    struct cg_buf snap, snap2, err;
    cg_buf_init(&snap);
    cg_buf_init(&snap2);
    cg_buf_init(&err);
    assert_int_equal(cg_engine_snapshot(e, &snap), CG_OK);
    cg_engine_free(e);
    e = mk(rs, &second, 0);
    assert_int_equal(cg_engine_restore(e, snap.p, snap.n, &err), CG_OK);
    /* A snapshot of the restored engine is the same bytes. */
    assert_int_equal(cg_engine_snapshot(e, &snap2), CG_OK);
    assert_int_equal(snap.n, snap2.n);
    assert_memory_equal(snap.p, snap2.p, snap.n);
    mixed_feed(e, 90, 200);
    cg_engine_flush(e);
    cg_engine_free(e);
    /* First half + second half = the uninterrupted run, alert for alert. */
    assert_int_equal(split.n + second.n, whole.n);
    for (size_t i = 0; i < split.n; i++)
        assert_string_equal(split.lines[i], whole.lines[i]);
    for (size_t i = 0; i < second.n; i++)
        assert_string_equal(second.lines[i], whole.lines[split.n + i]);
    /* Corrupt snapshots are refused at every truncation. */
    for (size_t cut = 0; cut < snap.n; cut += 1 + snap.n / 97) {
        struct cg_engine *e2 = mk(rs, &tmp, 0);
        cg_buf_clear(&err);
        assert_int_equal(cg_engine_restore(e2, snap.p, cut, &err), CG_EPARSE);
        cg_engine_free(e2);
    }
    cg_buf_fini(&snap);
    cg_buf_fini(&snap2);
    cg_buf_fini(&err);
    free_rules(rs);
}

/* 10,000 rules on distinct event ids: an event is evaluated against its own rule only. */
static void test_index(void **state)
{
    (void)state;
    struct cg_buf y;
    cg_buf_init(&y);
    cg_buf_puts(&y, "rules:\n");
    for (int i = 0; i < 10000; i++)
        cg_buf_printf(&y, "  - id: r%d\n    match: {event_id: %d, fields.x: {exists: true}}\n", i,
                      100000 + i);
    cg_buf_puts(&y, "  - id: by-product\n    match: {product: Deep Security Manager, "
                    "fields.x: {exists: true}}\n");
    cg_buf_puts(&y, "  - id: by-range\n    match: {product: Deep Security Manager, "
                    "event_id: {ge: 4000000, le: 4999999}}\n");
    struct cg_ruleset *rs = load_rules(cg_buf_cstr(&y));
    cg_buf_fini(&y);
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "105000", "x=1");
    feed(e, 1, "99", "");
    /* r5000 and by-product for the first, by-product for the second: the range rule is
     * not even a candidate outside its range */
    assert_int_equal(cg_engine_stats(e)->candidates, 3);
    feed(e, 2, "4000005", "");   /* inside the range: a candidate, and it matches */
    feed(e, 3, "5000000", "");   /* outside: not a candidate */
    feed(e, 4, "4000005x", "");  /* not a number: not a candidate */
    feed(e, 5, " 4000006 ", ""); /* a number with spaces around, as ge/le read it: a candidate */
    assert_int_equal(cg_engine_stats(e)->candidates, 3 + 2 + 1 + 1 + 2);
    EXPECT(&g, "alert r5000 key= count=1 supp=0 joined=- t=+0",
           "alert by-product key= count=1 supp=0 joined=- t=+0",
           "alert by-range key= count=1 supp=0 joined=- t=+2",
           "alert by-range key= count=1 supp=0 joined=- t=+5");
    cg_engine_free(e);
    free_rules(rs);
}

/* Entries filed under event_id/name alternatives or names: a candidate only for events
 * with one of those values (names nocase when the condition is), and once even when
 * the event has several of them. */
static void test_index_names(void **state)
{
    (void)state;
    struct cg_ruleset *rs =
        load_rules("rules:\n"
                   "  - id: r-offline\n"
                   "    match:\n"
                   "      product: Deep Security Manager\n"
                   "      any:\n"
                   "        - {event_id: 730}\n"
                   "        - {name: {in: [Offline, Agent Offline], nocase: true}}\n"
                   "  - id: r-exact\n"
                   "    match: {name: Exact Name}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    struct {
        const char *id, *fields;
        uint64_t candidates; /* after this event */
    } steps[] = {
        {"730", "@name=Events", 1},        /* by id */
        {"710", "@name=AGENT_OFFLINE", 2}, /* by folded name */
        {"730", "@name=offline", 3},       /* by id and by name: once */
        {"710", "@name=Other", 3},
        {"710", "@name=exact_name", 3}, /* exact is case-sensitive */
        {"710", "@name=Exact_Name", 4},
        {"710", "", 4}, /* no name at all */
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(steps); i++) {
        feed(e, (int64_t)i, steps[i].id, steps[i].fields);
        if (cg_engine_stats(e)->candidates != steps[i].candidates)
            fail_msg("step %zu: want %llu candidates, got %llu", i,
                     (unsigned long long)steps[i].candidates,
                     (unsigned long long)cg_engine_stats(e)->candidates);
    }
    EXPECT(&g, "alert r-offline key= count=1 supp=0 joined=- t=+0",
           "alert r-offline key= count=1 supp=0 joined=- t=+1",
           "alert r-offline key= count=1 supp=0 joined=- t=+2",
           "alert r-exact key= count=1 supp=0 joined=- t=+5");
    /* no rule can match these alerts: none was fed back */
    assert_int_equal(cg_engine_stats(e)->internal_events, 0);
    cg_engine_free(e);
    free_rules(rs);
    /* a name longer than the index takes: the rule is filed elsewhere and still matches */
    char longname[301];
    memset(longname, 'x', 300);
    longname[300] = '\0';
    struct cg_buf y, f;
    cg_buf_init(&y);
    cg_buf_init(&f);
    cg_buf_printf(&y, "rules:\n  - id: r-long\n    match: {name: %s}\n", longname);
    cg_buf_printf(&f, "@name=%s", longname);
    rs = load_rules(cg_buf_cstr(&y));
    e = mk(rs, &g, 0);
    feed(e, 0, "1", cg_buf_cstr(&f));
    EXPECT(&g, "alert r-long key= count=1 supp=0 joined=- t=+0");
    cg_engine_free(e);
    free_rules(rs);
    cg_buf_fini(&y);
    cg_buf_fini(&f);
}

/* Issue 8 item 7: a catch-all silence rule never sees its own silences (they reach only
 * rules that ask for format: internal), so two lines give one silence, not millions. */
static void test_catch_all_silence(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: quiet\n"
                                       "    match: {}\n"
                                       "    key: subject\n"
                                       "    silence: {after: 1h}\n"
                                       "  - id: noted\n"
                                       "    match: {format: internal, name: quiet}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "600", "dvchost=a");
    feed(e, 5, "600", "dvchost=a");
    assert_int_equal(cg_engine_flush(e), CG_OK);
    EXPECT(&g, "silence quiet key=a count=0 supp=0 joined=- t=+3605",
           "alert noted key= count=1 supp=0 joined=- t=+3605");
    assert_int_equal(cg_engine_stats(e)->internal_events, 1); /* quiet's, seen by noted */
    cg_engine_free(e);
    free_rules(rs);
}

/* Alerts fired by timers count toward the chain depth: two silence rules that go quiet
 * on each other's silences would resolve one another at end of input forever; a timer
 * fires at the depth of the events that armed it, so the chain stops at max_chain. */
static void test_timer_chain_bound(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: src\n"
                                       "    match: {event_id: 600}\n"
                                       "    silence: {after: 1h}\n"
                                       "  - id: ping\n"
                                       "    match: {format: internal, name: [src, pong]}\n"
                                       "    silence: {after: 1h}\n"
                                       "  - id: pong\n"
                                       "    match: {format: internal, name: ping}\n"
                                       "    silence: {after: 1h}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "600", "");
    assert_int_equal(cg_engine_flush(e), CG_OK);
    /* Internal events: src's silence is depth 1, ping's 2, pong's 3; ping's cleared (by
     * it) 4, its next silence 4 (its key saw depth 3); pong's cleared and its next
     * silence would be 5: not made. */
    EXPECT(&g, "silence src key= count=0 supp=0 joined=- t=+3600",
           "silence ping key= count=0 supp=0 joined=- t=+7200",
           "silence pong key= count=0 supp=0 joined=- t=+10800",
           "cleared ping key= count=1 supp=0 joined=- t=+10800",
           "cleared pong key= count=1 supp=0 joined=- t=+10800",
           "silence ping key= count=0 supp=0 joined=- t=+14400",
           "silence pong key= count=0 supp=0 joined=- t=+18000");
    assert_int_equal(cg_engine_stats(e)->chain_dropped, 2);
    cg_engine_free(e);
    free_rules(rs);
}

/* Issue 8 item 5: a raw line's stamp and an outlier's never move the clock: the silence
 * pending at +1h stays pending until the clock gets there; both are processed at the
 * clock's time (the raw line matches, at +10). */
static void test_clock_poison(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: quiet\n"
                                       "    match: {event_id: 600}\n"
                                       "    silence: {after: 1h}\n"
                                       "  - id: seen\n"
                                       "    match: {event_id: [9, 600]}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 0, "600", "");
    feed(e, 10, "600", "");
    feed(e, 250000000000LL, "9", "@raw");          /* year 9999 on a raw line */
    feed(e, 250000000000LL, "9", "@outlier");      /* and on a decoded one */
    feed(e, -T0 - 62000000000LL, "9", "@outlier"); /* year 0 */
    feed(e, 3000, "600", "");
    feed(e, 3610, "600", "");
    assert_int_equal(cg_engine_flush(e), CG_OK);
    EXPECT(&g, "alert seen key= count=1 supp=0 joined=- t=+0",
           "alert seen key= count=1 supp=0 joined=- t=+10",
           "alert seen key= count=1 supp=0 joined=- t=+10",
           "alert seen key= count=1 supp=0 joined=- t=+10",
           "alert seen key= count=1 supp=0 joined=- t=+10",
           "alert seen key= count=1 supp=0 joined=- t=+3000",
           "alert seen key= count=1 supp=0 joined=- t=+3610",
           "silence quiet key= count=0 supp=0 joined=- t=+7210");
    assert_int_equal(cg_engine_stats(e)->late, 0);
    assert_int_equal(cg_engine_stats(e)->no_time, 1); /* the raw line: its stamp unused */
    cg_engine_free(e);
    free_rules(rs);
}

/* A confirmed jump (the decoder's clock guard) moves the clock even backwards: after a
 * poisoned first line at +1 year, the re-anchored clock runs the silence as usual. */
static void test_clock_jump_back(void **state)
{
    (void)state;
    struct cg_ruleset *rs = load_rules("rules:\n"
                                       "  - id: quiet\n"
                                       "    match: {event_id: 600}\n"
                                       "    silence: {after: 1h}\n");
    struct got g;
    struct cg_engine *e = mk(rs, &g, 0);
    feed(e, 31536000, "601", "");
    feed(e, 0, "600", "@jump");
    feed(e, 10, "600", "");
    feed(e, 4000, "601", "");
    EXPECT(&g, "silence quiet key= count=0 supp=0 joined=- t=+3610");
    assert_int_equal(cg_engine_stats(e)->late, 0);
    cg_engine_free(e);
    free_rules(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_and_suppress),
        cmocka_unit_test(test_suppress_summary),
        cmocka_unit_test(test_output_chain),
        cmocka_unit_test(test_threshold_edges),
        cmocka_unit_test(test_threshold_distinct),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_join_out_of_order),
        cmocka_unit_test(test_holddown),
        cmocka_unit_test(test_holddown_cancel_first),
        cmocka_unit_test(test_lateness),
        cmocka_unit_test(test_silence),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_chain_bound),
        cmocka_unit_test(test_catch_all_silence),
        cmocka_unit_test(test_timer_chain_bound),
        cmocka_unit_test(test_clock_poison),
        cmocka_unit_test(test_clock_jump_back),
        cmocka_unit_test(test_snapshot_roundtrip),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_index_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
