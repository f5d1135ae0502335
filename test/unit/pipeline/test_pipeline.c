/*
 * test_pipeline.c - the junction (pipeline.h) with a test source that acknowledges and
 * test sinks, all writing one shared log of what happened in which order: N numbered
 * frames in, N acks out in frame order and only after a flush that followed the frame's
 * alerts; alerts reaching two sinks in the same order, an event before its alerts; a
 * sink error stopping the run and being returned, with only the frames before it acked;
 * back-pressure pausing and resuming the source; what the pipeline refuses. Scenarios
 * are a table: the sinks and the source in, the run's result and the whole log out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/pipeline.h"
#include "cefguard/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- the log ------------------------------------------------------------------------------ */

enum tkind { T_FRAME, T_EVENT, T_ALERT, T_FLUSH, T_ACK, T_PAUSE, T_RESUME, T_END, T_PRESS };

struct tentry {
    enum tkind kind;
    int sink;       /* T_EVENT, T_ALERT, T_FLUSH, T_PRESS: which sink */
    uint64_t frame; /* T_FRAME, T_EVENT, T_ALERT, T_ACK: which frame; T_END: rc; T_PRESS: on */
    char rule;      /* T_ALERT: the rule's id ("a" or "b") */
};

struct tlog {
    struct tentry *v;
    size_t n, cap;
};

static void tlog_add(struct tlog *l, enum tkind k, int sink, uint64_t frame, char rule)
{
    assert_int_equal(cg_vec_reserve(l, l->n + 1), CG_OK);
    l->v[l->n++] = (struct tentry){k, sink, frame, rule};
}

/* The log as text, one entry per line ("F3", "S1e3", "S2a3", "S1f", "K3", ...). */
static void tlog_text(const struct tlog *l, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->n && o < cap; i++) {
        const struct tentry *e = &l->v[i];
        unsigned long long f = (unsigned long long)e->frame;
        switch (e->kind) {
        case T_FRAME: o += (size_t)snprintf(out + o, cap - o, "F%llu ", f); break;
        case T_EVENT: o += (size_t)snprintf(out + o, cap - o, "S%de%llu ", e->sink, f); break;
        case T_ALERT:
            o += (size_t)snprintf(out + o, cap - o, "S%d%c%llu ", e->sink, e->rule, f);
            break;
        case T_FLUSH: o += (size_t)snprintf(out + o, cap - o, "S%df ", e->sink); break;
        case T_ACK: o += (size_t)snprintf(out + o, cap - o, "K%llu ", f); break;
        case T_PAUSE: o += (size_t)snprintf(out + o, cap - o, "pause "); break;
        case T_RESUME: o += (size_t)snprintf(out + o, cap - o, "resume "); break;
        case T_END: o += (size_t)snprintf(out + o, cap - o, "end%d ", (int)e->frame); break;
        case T_PRESS:
            o += (size_t)snprintf(out + o, cap - o, "S%d%s ", e->sink, f ? "on" : "off");
            break;
        }
    }
    if (o > 0 && o < cap)
        out[o - 1] = '\0';
}

static void expect_log(const char *name, const struct tlog *l, const char *want)
{
    static char got[8192];
    tlog_text(l, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", name, got, want);
}

/* ---- a source that acknowledges ----------------------------------------------------------- */

struct tsrc_conf {
    uint64_t n;          /* frames 1..n: a CEF line whose event_id is the frame number */
    unsigned sync_every; /* env->sync after every k frames; 0: never */
    struct tlog *log;
    bool needs_loop; /* start returns at once, as a source that registers with a loop */
    bool goes_on;    /* a failed sync does not end it */
};

struct tsrc {
    struct cg_source *s;
    struct tsrc_conf c;
    uint64_t next, acked;
    bool halt, stopped, running, ended;
    char line[128];
};

static void tsrc_run(struct tsrc *t)
{
    const struct cg_source_env *env = t->s->env;
    t->running = true;
    int rc = CG_OK;
    while (!t->halt && t->next <= t->c.n) {
        uint64_t i = t->next++;
        int n =
            snprintf(t->line, sizeof(t->line), "<134>Apr 20 03:20:54 h CEF:0|V|P|1|%llu|n|5|k=%s",
                     (unsigned long long)i, i % 3 ? "odd" : "three");
        struct cg_frame f = {cg_str_make(t->line, (size_t)n), false, 0, "t", i, i * 10};
        tlog_add(t->c.log, T_FRAME, 0, i, 0);
        rc = env->frame(env->ctx, t->s, &f);
        if (rc != CG_OK)
            break; /* one stream: an error ends it */
        if (t->c.sync_every && i % t->c.sync_every == 0 &&
            (rc = env->sync(env->ctx, t->s)) != CG_OK && !t->c.goes_on)
            break;
        rc = CG_OK;
    }
    t->running = false;
    if ((rc != CG_OK || t->next > t->c.n || t->stopped) && !t->ended) {
        t->ended = true;
        tlog_add(t->c.log, T_END, 0, (uint64_t)(int64_t)rc, 0);
        env->end(env->ctx, t->s, rc);
    }
}

static int tsrc_init(struct cg_source *s, const void *conf)
{
    struct tsrc *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->s = s;
    t->c = *(const struct tsrc_conf *)conf;
    t->next = 1;
    s->self = t;
    return CG_OK;
}

static int tsrc_start(struct cg_source *s)
{
    struct tsrc *t = s->self;
    if (!t->c.needs_loop)
        tsrc_run(t);
    return CG_OK;
}

static void tsrc_pause(struct cg_source *s)
{
    struct tsrc *t = s->self;
    assert_false(t->halt);
    t->halt = true;
    tlog_add(t->c.log, T_PAUSE, 0, 0, 0);
}

static void tsrc_resume(struct cg_source *s)
{
    struct tsrc *t = s->self;
    assert_true(t->halt);
    assert_false(t->running); /* never from within a frame here: the pipeline defers it */
    t->halt = false;
    tlog_add(t->c.log, T_RESUME, 0, 0, 0);
    tsrc_run(t);
}

static void tsrc_stop(struct cg_source *s)
{
    struct tsrc *t = s->self;
    t->stopped = t->halt = true;
    if (!t->running)
        tsrc_run(t);
}

static void tsrc_ack(struct cg_source *s, uint64_t token)
{
    struct tsrc *t = s->self;
    assert_int_equal(token, (t->acked + 1) * 10); /* in order, each once */
    t->acked++;
    tlog_add(t->c.log, T_ACK, 0, token / 10, 0);
}

static void tsrc_fini(struct cg_source *s)
{
    free(s->self);
}

static const struct cg_source_ops tsrc_ops = {
    "test", tsrc_init, tsrc_start, tsrc_pause, tsrc_resume, tsrc_stop, tsrc_ack, tsrc_fini,
};
static const struct cg_source_ops tsrc_noack_ops = {
    "test", tsrc_init, tsrc_start, tsrc_pause, tsrc_resume, tsrc_stop, NULL, tsrc_fini,
};

/* ---- sinks that log ----------------------------------------------------------------------- */

struct tsink_conf {
    int id;
    unsigned takes;
    struct tlog *log;
    uint64_t fail_frame; /* an alert of this frame fails with fail_rc */
    int fail_rc;
    unsigned fail_flushes; /* the first this many flushes fail (CG_EIO) */
    uint64_t press_frame;  /* an alert of this frame presses; flush relieves */
    bool press_stays;      /* flush does not relieve */
};

struct tsink {
    struct cg_sink *s;
    struct tsink_conf c;
    bool pressing;
};

static uint64_t alert_frame(const struct cg_alert *a)
{
    assert_true(a->nevents >= 1);
    return strtoull(a->events[a->nevents - 1]->event_id.p, NULL, 10); /* ends at '|' */
}

static int tsink_alert(struct cg_sink *s, const struct cg_alert *a)
{
    struct tsink *k = s->self;
    uint64_t f = alert_frame(a);
    tlog_add(k->c.log, T_ALERT, k->c.id, f, a->rule->id[0]);
    if (f == k->c.press_frame && !k->pressing) {
        k->pressing = true;
        tlog_add(k->c.log, T_PRESS, k->c.id, 1, 0);
        s->env->pressure(s->env->ctx, s, true);
    }
    return f == k->c.fail_frame ? k->c.fail_rc : CG_OK;
}

static int tsink_event(struct cg_sink *s, struct cg_event *ev)
{
    struct tsink *k = s->self;
    tlog_add(k->c.log, T_EVENT, k->c.id, strtoull(ev->event_id.p, NULL, 10), 0);
    return CG_OK;
}

static int tsink_flush(struct cg_sink *s)
{
    struct tsink *k = s->self;
    tlog_add(k->c.log, T_FLUSH, k->c.id, 0, 0);
    if (k->c.fail_flushes) {
        k->c.fail_flushes--;
        return CG_EIO;
    }
    if (k->pressing && !k->c.press_stays) {
        k->pressing = false;
        tlog_add(k->c.log, T_PRESS, k->c.id, 0, 0);
        s->env->pressure(s->env->ctx, s, false);
    }
    return CG_OK;
}

static int tsink_init(struct cg_sink *s, const void *conf)
{
    struct tsink *k = calloc(1, sizeof(*k));
    assert_non_null(k);
    k->s = s;
    k->c = *(const struct tsink_conf *)conf;
    s->self = k;
    s->takes = k->c.takes;
    return CG_OK;
}

static void tsink_fini(struct cg_sink *s)
{
    free(s->self);
}

static const struct cg_sink_ops tsink_ops = {
    .name = "test",
    .init = tsink_init,
    .alert = tsink_alert,
    .event = tsink_event,
    .flush = tsink_flush,
    .fini = tsink_fini,
};

/* ---- set-up ------------------------------------------------------------------------------- */

/* Rule a: every frame. Rule b: frames whose number is a multiple of three. */
static const char rules_yaml[] = "rules:\n"
                                 "  - id: a\n"
                                 "    match: {vendor: V}\n"
                                 "  - id: b\n"
                                 "    match: {fields.k: three}\n";

static struct cg_ruleset rules;

static int load_rules(void **state)
{
    char path[] = "/tmp/cg_test_pipelineXXXXXX.yml";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, rules_yaml, strlen(rules_yaml)), (ssize_t)strlen(rules_yaml));
    close(fd);
    cg_ruleset_init(&rules);
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_ruleset_load(&rules, path, &err);
    unlink(path);
    if (rc != CG_OK)
        fail_msg("rules: %s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return 0;
}

static int free_rules(void **state)
{
    cg_ruleset_fini(&rules);
    return 0;
}

static void pipeline_up(struct cg_pipeline *p, size_t max_unacked)
{
    struct cg_pipeline_opts o = {
        .syslog = {"UTC", CG_YEAR_STREAM, 2025, 0}, .rules = &rules, .max_unacked = max_unacked};
    assert_int_equal(cg_pipeline_init(p, &o), CG_OK);
}

static void add_sink(struct cg_pipeline *p, struct tsink_conf c)
{
    assert_int_equal(cg_pipeline_add_sink(p, &tsink_ops, &c), CG_OK);
}

/* ---- scenarios: what goes in, what the run returns, the whole log ----------------------- */

struct scenario {
    const char *name;
    size_t max_unacked;
    struct tsink_conf sinks[2]; /* id 0: none */
    struct tsrc_conf src;
    bool no_ack; /* the source cannot acknowledge */
    int run_rc;  /* what cg_pipeline_run returns */
    bool flush;  /* then cg_pipeline_flush, which returns flush_rc */
    int flush_rc;
    const char *log; /* after cg_pipeline_fini */
};

#define A CG_SINK_ALERTS
#define AE (CG_SINK_ALERTS | CG_SINK_EVENTS)

static const struct scenario scenarios[] = {
    {.name = "synced after each frame (as omprog): the event first, to the sink that takes "
             "events, each alert to sink 1 then 2, both flushed and the frame acked before "
             "the next",
     .sinks = {{.id = 1, .takes = AE}, {.id = 2, .takes = A}},
     .src = {.n = 3, .sync_every = 1},
     .log = "F1 S1e1 S1a1 S2a1 S1f S2f K1 F2 S1e2 S1a2 S2a2 S1f S2f K2 "
            "F3 S1e3 S1a3 S2a3 S1b3 S2b3 S1f S2f K3 end0"},
    {.name = "a source that cannot acknowledge: no flush but the caller's",
     .max_unacked = 2,
     .sinks = {{.id = 1, .takes = A}},
     .src = {.n = 4, .sync_every = 1},
     .no_ack = true,
     .flush = true,
     .log = "F1 S1a1 F2 S1a2 F3 S1a3 S1b3 F4 S1a4 end0 S1f"},
    {.name = "a sink error stops the frame (sink 2 does not get the alert), ends the source "
             "and is returned; the frames before it are acked at the end, it is not",
     .sinks = {{.id = 1, .takes = A, .fail_frame = 3, .fail_rc = CG_EIO}, {.id = 2, .takes = A}},
     .src = {.n = 10},
     .run_rc = CG_EIO,
     .log = "F1 S1a1 S2a1 F2 S1a2 S2a2 F3 S1a3 end-3 S1f S2f K1 K2"},
    {.name = "a flush that fails (max_unacked reached): nothing waiting is acked",
     .max_unacked = 2,
     .sinks = {{.id = 1, .takes = A, .fail_flushes = 9}},
     .src = {.n = 5},
     .run_rc = CG_EIO,
     .flush = true,
     .flush_rc = CG_EIO,
     .log = "F1 S1a1 F2 S1a2 S1f end-3 S1f"},
    {.name = "a source that goes on after a failed sync: its later frames stay unacked "
             "though a later flush works (an ack would say the lost ones are durable)",
     .sinks = {{.id = 1, .takes = A, .fail_flushes = 1}},
     .src = {.n = 4, .sync_every = 2, .goes_on = true},
     .flush = true,
     .log = "F1 S1a1 F2 S1a2 S1f F3 S1a3 S1b3 F4 S1a4 end0 S1f"},
    {.name = "back-pressure: sink 2 presses in frame 2, which completes; the source pauses "
             "after it; the run flushes the pressing sink, which relieves, and resumes it",
     .sinks = {{.id = 1, .takes = A}, {.id = 2, .takes = A, .press_frame = 2}},
     .src = {.n = 4},
     .log = "F1 S1a1 S2a1 F2 S1a2 S2a2 S2on pause S2f S2off resume "
            "F3 S1a3 S2a3 S1b3 S2b3 F4 S1a4 S2a4 end0 S1f S2f K1 K2 K3 K4"},
    {.name = "a pressing sink whose flush fails: the run cannot go on and says why; fini "
             "stops the paused source",
     .sinks = {{.id = 1, .takes = A, .press_frame = 1, .fail_flushes = 9}},
     .src = {.n = 4},
     .run_rc = CG_EIO,
     .log = "F1 S1a1 S1on pause S1f end0 S1f"},
    {.name = "a sink that still presses once flushed: the run cannot go on (CG_ELIMIT)",
     .sinks = {{.id = 1, .takes = A, .press_frame = 2, .press_stays = true}},
     .src = {.n = 4},
     .run_rc = CG_ELIMIT,
     .log = "F1 S1a1 F2 S1a2 S1on pause S1f end0 S1f K1 K2"},
    {.name = "a source that needs an event loop (start returns neither ended nor paused)",
     .sinks = {{.id = 1, .takes = A}},
     .src = {.n = 3, .needs_loop = true},
     .run_rc = CG_EINVAL,
     .log = "end0"},
};

static void test_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(scenarios); i++) {
        const struct scenario *sc = &scenarios[i];
        struct tlog log = {0};
        struct cg_pipeline p;
        pipeline_up(&p, sc->max_unacked);
        for (size_t k = 0; k < 2 && sc->sinks[k].id; k++) {
            struct tsink_conf c = sc->sinks[k];
            c.log = &log;
            add_sink(&p, c);
        }
        struct tsrc_conf c = sc->src;
        c.log = &log;
        assert_int_equal(cg_pipeline_add_source(&p, sc->no_ack ? &tsrc_noack_ops : &tsrc_ops, &c),
                         CG_OK);
        int rc = cg_pipeline_run(&p);
        if (rc != sc->run_rc)
            fail_msg("%s: run returned %d, want %d", sc->name, rc, sc->run_rc);
        if (sc->flush)
            assert_int_equal(cg_pipeline_flush(&p), sc->flush_rc);
        cg_pipeline_fini(&p);
        expect_log(sc->name, &log, sc->log);
        free(log.v);
    }
}

/* A sink that says it takes what it has no op for is refused. */
static void test_sink_refused(void **state)
{
    (void)state;
    struct tlog log = {0};
    struct cg_pipeline p;
    pipeline_up(&p, 0);
    struct tsink_conf cmd = {.id = 1, .takes = CG_SINK_COMMANDS, .log = &log};
    assert_int_equal(cg_pipeline_add_sink(&p, &tsink_ops, &cmd), CG_EINVAL);
    cg_pipeline_fini(&p);
    assert_int_equal(log.n, 0);
}

/* Checks a log of n frames: every frame once and in order, acked once and in order, each
 * ack after a flush of every sink that came after the frame's last alert; both sinks saw
 * the same alerts in the same order. */
static void check_acks(const struct tlog *l, uint64_t n, uint64_t nacked)
{
    uint64_t frames = 0, acks = 0;
    size_t last_flush[2] = {0, 0}, s1 = 0, s2 = 0;
    size_t *frame_alert = calloc(n + 1, sizeof(*frame_alert));
    assert_non_null(frame_alert);
    struct tentry *a1 = calloc(l->n, sizeof(*a1)), *a2 = calloc(l->n, sizeof(*a2));
    for (size_t i = 0; i < l->n; i++) {
        const struct tentry *e = &l->v[i];
        if (e->kind == T_FRAME)
            assert_int_equal(e->frame, ++frames);
        if (e->kind == T_ALERT) {
            frame_alert[e->frame] = i;
            if (e->sink == 1)
                a1[s1++] = *e;
            else
                a2[s2++] = *e;
        }
        if (e->kind == T_FLUSH)
            last_flush[e->sink - 1] = i;
        if (e->kind == T_ACK) {
            assert_int_equal(e->frame, ++acks);
            /* its alerts came before a flush of each sink, which came before the ack */
            assert_true(last_flush[0] > frame_alert[e->frame]);
            assert_true(last_flush[1] > frame_alert[e->frame]);
            assert_true(last_flush[0] < i && last_flush[1] < i);
        }
    }
    assert_int_equal(acks, nacked);
    assert_int_equal(s1, s2);
    for (size_t i = 0; i < s1; i++) {
        assert_int_equal(a1[i].frame, a2[i].frame);
        assert_int_equal(a1[i].rule, a2[i].rule);
    }
    free(a1);
    free(a2);
    free(frame_alert);
}

/* N numbered frames in, N acks out in frame order: at the end (one batch), in batches of
 * max_unacked, and with syncs from the source. */
static void test_acks_in_order(void **state)
{
    (void)state;
    static const struct {
        size_t max_unacked;
        unsigned sync_every;
        size_t flushes; /* flushes of each sink */
    } cases[] = {{0, 0, 1},
                 {7, 0, 1000 / 7 + 1},
                 {0, 10, 100},
                 {64, 100, 20}}; /* per 100 frames: full at 64, sync at 100 */
    const uint64_t n = 1000;
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct tlog log = {0};
        struct cg_pipeline p;
        pipeline_up(&p, cases[i].max_unacked);
        add_sink(&p, (struct tsink_conf){.id = 1, .takes = CG_SINK_ALERTS, .log = &log});
        add_sink(&p, (struct tsink_conf){.id = 2, .takes = CG_SINK_ALERTS, .log = &log});
        struct tsrc_conf sc = {.n = n, .sync_every = cases[i].sync_every, .log = &log};
        assert_int_equal(cg_pipeline_add_source(&p, &tsrc_ops, &sc), CG_OK);
        assert_int_equal(cg_pipeline_run(&p), CG_OK);
        check_acks(&log, n, n);
        size_t flushes = 0, alerts = 0;
        for (size_t k = 0; k < log.n; k++) {
            flushes += log.v[k].kind == T_FLUSH && log.v[k].sink == 1;
            alerts += log.v[k].kind == T_ALERT;
        }
        if (flushes != cases[i].flushes)
            fail_msg("case %zu: %zu flushes, want %zu", i, flushes, cases[i].flushes);
        assert_int_equal(alerts, 2 * (n + n / 3));
        /* the pipeline flushes nothing more: every frame is acked */
        assert_int_equal(cg_pipeline_flush(&p), CG_OK);
        cg_pipeline_fini(&p);
        free(log.v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_acks_in_order),
        cmocka_unit_test(test_sink_refused),
    };
    return cmocka_run_group_tests(tests, load_rules, free_rules);
}
