/*
 * test_pipeline_loop.c - the pipeline on an event loop (pipeline.h): sources started on a
 * real libevent loop and delivering from its callbacks, the wall-clock tick, the service's
 * hooks (alerts held back, frames journaled, durability before the acks), rule swaps that
 * keep the state of unchanged rules and drop a changed rule's, the engine's totals across
 * swaps, and the sinks reloaded at once (kept, added, finished, aborted). Everything that
 * happens is written to one log, compared whole; rules are compiled from YAML text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/pipeline.h"
#include "cefguard/source_lines.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ---- the log -------------------------------------------------------------------------------- */

static struct cg_buf tlog;

static void CG_PRINTF(1, 2) logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[128];
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (tlog.n)
        cg_buf_putc(&tlog, ' ');
    cg_buf_puts(&tlog, tmp);
}

static void expect_log(const char *what, const char *want)
{
    const char *got = cg_buf_cstr(&tlog);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", what, got, want);
    cg_buf_clear(&tlog);
}

/* A frame's line: event id and name (the frame's tag and number, what the log shows). */
static int cef_line(char *out, size_t cap, const char *id, const char *name)
{
    return snprintf(out, cap, "<134>Apr 20 03:20:54 h CEF:0|V|P|1|%s|%s|5|k=v", id, name);
}

/* ---- a source on the loop: frames from a timer ---------------------------------------------- */

struct tsrc_conf {
    char tag;          /* names its frames: "a1", "a2", ... */
    const char *ids;   /* the frames' event ids, one character each ("1": 100, "2": 200) */
    unsigned per_turn; /* frames per timer callback; 0: all */
    bool sync;         /* env->sync after each callback */
    bool stays;        /* once all are delivered it waits for stop (as a socket does) */
};

struct tsrc {
    struct cg_source *s;
    struct tsrc_conf c;
    size_t next;
    uint64_t acked;
    bool paused, ended;
    struct event *ev;
};

static void tsrc_end(struct tsrc *t, int rc)
{
    if (t->ended)
        return;
    t->ended = true;
    event_del(t->ev);
    t->s->env->end(t->s->env->ctx, t->s, rc);
}

static void tsrc_cb(evutil_socket_t fd, short what, void *ctx)
{
    struct tsrc *t = ctx;
    const struct cg_source_env *env = t->s->env;
    size_t n = strlen(t->c.ids);
    for (unsigned k = 0; !t->paused && t->next < n && (!t->c.per_turn || k < t->c.per_turn); k++) {
        char id[8], name[32], line[160];
        uint64_t seq = ++t->next;
        snprintf(id, sizeof(id), "%c00", t->c.ids[seq - 1]);
        snprintf(name, sizeof(name), "%c%llu", t->c.tag, (unsigned long long)seq);
        int ln = cef_line(line, sizeof(line), id, name);
        struct cg_frame f = {cg_str_make(line, (size_t)ln), false, 0, "t", seq, seq};
        logf_("F%s", name);
        int rc = env->frame(env->ctx, t->s, &f);
        if (rc != CG_OK) {
            tsrc_end(t, rc);
            return;
        }
    }
    int rc = t->c.sync ? env->sync(env->ctx, t->s) : CG_OK;
    if (rc != CG_OK || (t->next == n && !t->c.stays))
        tsrc_end(t, rc);
    else if (t->next == n)
        return;
    else if (!t->paused)
        event_active(t->ev, EV_TIMEOUT, 0);
}

static int tsrc_init(struct cg_source *s, const void *conf)
{
    struct tsrc *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->s = s;
    t->c = *(const struct tsrc_conf *)conf;
    s->self = t;
    return CG_OK;
}

static int tsrc_start(struct cg_source *s)
{
    struct tsrc *t = s->self;
    if (!s->env->loop)
        return CG_EINVAL;
    t->ev = evtimer_new(s->env->loop, tsrc_cb, t);
    assert_non_null(t->ev);
    event_active(t->ev, EV_TIMEOUT, 0); /* nothing is delivered from within start */
    return CG_OK;
}

static void tsrc_pause(struct cg_source *s)
{
    struct tsrc *t = s->self;
    t->paused = true;
    event_del(t->ev);
    logf_("pause");
}

static void tsrc_resume(struct cg_source *s)
{
    struct tsrc *t = s->self;
    t->paused = false;
    logf_("resume");
    event_active(t->ev, EV_TIMEOUT, 0);
}

static void tsrc_stop(struct cg_source *s)
{
    tsrc_end(s->self, CG_OK);
}

static void tsrc_ack(struct cg_source *s, uint64_t token)
{
    struct tsrc *t = s->self;
    assert_int_equal(token, ++t->acked); /* in order, each once */
    logf_("K%c%llu", t->c.tag, (unsigned long long)token);
}

static void tsrc_fini(struct cg_source *s)
{
    struct tsrc *t = s->self;
    if (t->ev)
        event_free(t->ev);
    free(t);
}

static const struct cg_source_ops tsrc_ops = {
    "test", tsrc_init, tsrc_start, tsrc_pause, tsrc_resume, tsrc_stop, tsrc_ack, tsrc_fini,
};
static const struct cg_source_ops tsrc_noack_ops = {
    "test", tsrc_init, tsrc_start, tsrc_pause, tsrc_resume, tsrc_stop, NULL, tsrc_fini,
};

/* ---- sinks that log and hold what they were given until a flush ----------------------------- */

struct tsink_conf {
    int id;
    unsigned takes;
    const char *press_on; /* an alert of the frame of this name presses (until fini) */
    int init_rc;
};

struct tsink {
    struct tsink_conf c;
    unsigned held; /* alerts and events since the last flush */
};

static int tsink_init(struct cg_sink *s, const void *conf)
{
    const struct tsink_conf *c = conf;
    if (c->init_rc != CG_OK)
        return c->init_rc;
    struct tsink *k = calloc(1, sizeof(*k));
    assert_non_null(k);
    k->c = *c;
    s->self = k;
    s->takes = c->takes;
    return CG_OK;
}

static int tsink_alert(struct cg_sink *s, const struct cg_alert *a)
{
    struct tsink *k = s->self;
    const struct cg_str *nm = a->nevents ? &a->events[a->nevents - 1]->name : NULL;
    char name[16] = "-";
    if (nm)
        snprintf(name, sizeof(name), "%.*s", (int)nm->n, nm->p);
    if (a->kind == CG_ALERT_FIRE)
        logf_("S%d:%s@%s#%llu", k->c.id, a->rule->id, name, (unsigned long long)a->count);
    else
        logf_("S%d:%s/%s", k->c.id, a->rule->id, cg_alert_kind_name(a->kind));
    k->held++;
    if (k->c.press_on && strcmp(name, k->c.press_on) == 0) {
        logf_("S%don", k->c.id);
        s->env->pressure(s->env->ctx, s, true);
    }
    return CG_OK;
}

static int tsink_event(struct cg_sink *s, struct cg_event *ev)
{
    struct tsink *k = s->self;
    logf_("S%de%.*s", k->c.id, (int)ev->name.n, ev->name.p);
    k->held++;
    return CG_OK;
}

static int tsink_flush(struct cg_sink *s)
{
    struct tsink *k = s->self;
    logf_("S%df%u", k->c.id, k->held);
    k->held = 0;
    return CG_OK;
}

static void tsink_fini(struct cg_sink *s)
{
    struct tsink *k = s->self;
    logf_("S%dx%u", k->c.id, k->held); /* what it held is dropped */
    free(k);
}

static const struct cg_sink_ops tsink_ops = {
    .name = "test",
    .init = tsink_init,
    .alert = tsink_alert,
    .event = tsink_event,
    .flush = tsink_flush,
    .fini = tsink_fini,
};

/* ---- the service's hooks -------------------------------------------------------------------- */

struct hooks {
    struct event_base *base;
    const char *skip;      /* alerts of the frame of this name are held back */
    const char *fail_on;   /* the frame hook fails (CG_EIO) for the frame of this name */
    unsigned fail_durable; /* that durable call fails with CG_EBUSY (1-based) */
    unsigned durables;
    int ends, want_ends; /* the loop is broken once want_ends sources have ended */
};

static int hook_alert(void *ctx, const struct cg_alert *a)
{
    struct hooks *h = ctx;
    const struct cg_str *nm = a->nevents ? &a->events[a->nevents - 1]->name : NULL;
    if (h->skip && nm && cg_str_eq(*nm, cg_str_make(h->skip, strlen(h->skip)))) {
        logf_("skip:%s", a->rule->id);
        return CG_PIPELINE_SKIP;
    }
    return CG_OK;
}

static int hook_frame(void *ctx, const struct cg_frame *f)
{
    struct hooks *h = ctx;
    /* the name is the sixth CEF header field: "...|ID|NAME|5|..." */
    const char *p = f->bytes.p, *end = p + f->bytes.n;
    for (int bars = 0; p < end && bars < 5; p++)
        bars += *p == '|';
    const char *q = memchr(p, '|', (size_t)(end - p));
    int n = q ? (int)(q - p) : 0;
    logf_("H%.*s", n, p);
    return h->fail_on && strlen(h->fail_on) == (size_t)n && memcmp(h->fail_on, p, (size_t)n) == 0
               ? CG_EIO
               : CG_OK;
}

static int hook_durable(void *ctx)
{
    struct hooks *h = ctx;
    logf_("D");
    if (++h->durables == h->fail_durable) {
        errno = EBUSY;
        return CG_EBUSY;
    }
    return CG_OK;
}

static void hook_ended(void *ctx, struct cg_source *s, int rc)
{
    struct hooks *h = ctx;
    logf_("ended%d", rc);
    if (++h->ends == h->want_ends)
        event_base_loopbreak(h->base);
}

/* ---- set-up --------------------------------------------------------------------------------- */

static struct cg_ruleset *rules_from(const char *yaml)
{
    char path[] = "/tmp/cg_test_ploopXXXXXX.yml";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    struct cg_ruleset *rs = malloc(sizeof(*rs));
    assert_non_null(rs);
    cg_ruleset_init(rs);
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_ruleset_load(rs, path, &err);
    unlink(path);
    if (rc != CG_OK)
        fail_msg("rules: %s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return rs;
}

static void rules_free(struct cg_ruleset *rs)
{
    cg_ruleset_fini(rs);
    free(rs);
}

/* Rule a: every event of id 100. Rule t: three of id 200 within an hour. */
static const char base_rules[] = "rules:\n"
                                 "  - id: a\n"
                                 "    match: {event_id: 100}\n"
                                 "  - id: t\n"
                                 "    match: {event_id: 200}\n"
                                 "    threshold: {count: 3, window: 1h}\n";

struct fix {
    struct event_base *base;
    struct cg_ruleset *rs;
    struct hooks h;
    struct cg_pipeline p;
};

static void fix_up(struct fix *f, const char *yaml, bool hooks, bool loop)
{
    memset(f, 0, sizeof(*f));
    cg_buf_clear(&tlog);
    f->base = event_base_new();
    assert_non_null(f->base);
    f->rs = yaml ? rules_from(yaml) : NULL;
    f->h.base = f->base;
    f->h.want_ends = 1;
    struct cg_pipeline_opts o = {
        .syslog = {"UTC", CG_YEAR_STREAM, 2025, 0}, .rules = f->rs, .loop = loop ? f->base : NULL};
    o.hooks = (struct cg_pipeline_hooks){&f->h, hook_alert, hook_frame, hook_durable, hook_ended};
    if (!hooks)
        o.hooks = (struct cg_pipeline_hooks){&f->h, NULL, NULL, NULL, hook_ended};
    assert_int_equal(cg_pipeline_init(&f->p, &o), CG_OK);
}

static void fix_down(struct fix *f)
{
    cg_pipeline_fini(&f->p);
    if (f->rs)
        rules_free(f->rs);
    event_base_free(f->base);
}

static void sink_add(struct fix *f, struct tsink_conf c)
{
    assert_int_equal(cg_pipeline_add_sink(&f->p, &tsink_ops, &c), CG_OK);
}

static void source_add(struct fix *f, const struct cg_source_ops *ops, struct tsrc_conf c)
{
    assert_int_equal(cg_pipeline_add_source(&f->p, ops, &c), CG_OK);
}

static void deadline_cb(evutil_socket_t fd, short what, void *ctx)
{
    fail_msg("the loop ran 10 s: %s", cg_buf_cstr(&tlog));
}

/* Runs the loop until the sources have ended (hooks.ended breaks it); 10 s at most. */
static void run(struct fix *f)
{
    struct event *dl = evtimer_new(f->base, deadline_cb, f);
    const struct timeval ten = {10, 0};
    evtimer_add(dl, &ten);
    event_base_dispatch(f->base);
    event_free(dl);
}

/* One frame processed with no source (the log names it by tag and number). */
static void process(struct fix *f, const char *id, const char *name)
{
    char line[160];
    int n = cef_line(line, sizeof(line), id, name);
    struct cg_frame fr = {cg_str_make(line, (size_t)n), false, 0, "x", 1, 1};
    assert_int_equal(cg_pipeline_process(&f->p, &fr), CG_OK);
}

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
    sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS | CG_SINK_EVENTS, NULL, 0});
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
               "Fb2 S1eb2 ended0");
    fix_down(&f);
    expect_log("fini finishes the sink", "S1x1");
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
    sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS, NULL, 0});
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
    const char *skip, *fail_on;
    unsigned fail_durable;
    uint64_t skipped;
    const char *log;
};

static const struct hcase hook_cases[] = {
    {"alerts of a2 held back: counted, not delivered; the frame goes on and is acked", "111", NULL,
     "a2", NULL, 0, 1,
     "Fa1 S1:a@a1#1 Ha1 Fa2 skip:a Ha2 S1f1 D Ka1 Ka2 Fa3 S1:a@a3#1 Ha3 S1f1 D Ka3 ended0"},
    {"the frame hook runs only for the source that acks", "11", "11", NULL, NULL, 0, 0,
     "Fa1 S1:a@a1#1 Ha1 Fa2 S1:a@a2#1 Ha2 S1f2 D Ka1 Ka2 ended0 "
     "Fb1 S1:a@b1#1 Fb2 S1:a@b2#1 S1f2 D ended0"},
    {"the frame hook fails for a2: the source ends with it; a1 is acked, a2 never", "111", NULL,
     NULL, "a2", 0, 0, "Fa1 S1:a@a1#1 Ha1 Fa2 S1:a@a2#1 Ha2 S1f2 D Ka1 ended-3"},
    {"durable fails: the sinks were flushed, nothing waiting is acked, the source ends with "
     "CG_EBUSY (at its end the pipeline flushes again: the alerts were not durable)",
     "111", NULL, NULL, NULL, 1, 0, "Fa1 S1:a@a1#1 Ha1 Fa2 S1:a@a2#1 Ha2 S1f2 D S1f0 D ended-7"},
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
        f.h.fail_durable = hc->fail_durable;
        sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS, NULL, 0});
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
    sink_add(&f, (struct tsink_conf){1, CG_SINK_ALERTS, NULL, 0});
    process(&f, "200", "x1");
    process(&f, "200", "x2");
    process(&f, "300", "x3");
    process(&f, "300", "x4");
    expect_log("two of each before", "");
    struct cg_engine_stats before;
    cg_pipeline_engine_stats(&f.p, &before);
    assert_int_equal(before.events, 4);
    assert_int_equal(before.matches, 4);

    struct cg_ruleset *v2 = rules_from(swap_v2);
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_pipeline_swap_rules(&f.p, v2, NULL, &err), CG_OK);
    rules_free(f.rs); /* the old set may go once the swap is done */
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

#define A CG_SINK_ALERTS
#define AE (CG_SINK_ALERTS | CG_SINK_EVENTS)

static void test_sinks_reload(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, false, false);
    sink_add(&f, (struct tsink_conf){1, A, NULL, 0});
    sink_add(&f, (struct tsink_conf){2, AE, NULL, 0});
    process(&f, "100", "x1");
    expect_log("both sinks", "S2ex1 S1:a@x1#1 S2:a@x1#1");
    struct cg_sink *s1 = cg_pipeline_sink_at(&f.p, 0), *s2 = cg_pipeline_sink_at(&f.p, 1);

    /* abort: the new ones are finished, the running list is as it was */
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(cg_pipeline_sinks_keep(&f.p, s2), CG_OK);
    assert_int_equal(cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){3, A, NULL, 0}),
                     CG_OK);
    cg_pipeline_sinks_abort(&f.p);
    expect_log("abort finishes the added sink only", "S3x0");
    assert_int_equal(cg_pipeline_nsinks(&f.p), 2);
    assert_ptr_equal(cg_pipeline_sink_at(&f.p, 0), s1);
    assert_ptr_equal(cg_pipeline_sink_at(&f.p, 1), s2);
    process(&f, "100", "x2");
    expect_log("as before", "S2ex2 S1:a@x2#1 S2:a@x2#1");

    /* a sink whose init fails is not staged; begin again starts over */
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){7, A, NULL, 0}),
                     CG_OK);
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    expect_log("the second begin drops the first's", "S7x0");
    assert_int_equal(
        cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){8, A, NULL, CG_EIO}), CG_EIO);
    /* commit: a new list S4 (new), S2 (kept); S1 is finished with what it held */
    assert_int_equal(cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){4, A, NULL, 0}),
                     CG_OK);
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
    sink_add(&f, (struct tsink_conf){1, A, NULL, 0});
    sink_add(&f, (struct tsink_conf){2, A, NULL, 0});
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(cg_pipeline_sinks_keep(&f.p, cg_pipeline_sink_at(&f.p, 1)), CG_OK);
    assert_int_equal(cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){3, A, NULL, 0}),
                     CG_OK);
    fix_down(&f);
    expect_log("each once, the staged new one first", "S3x0 S1x0 S2x0");
}

/* A pressing sink pauses the sources; a reload that drops it resumes them from the loop. */
static void test_sinks_reload_pressure(void **state)
{
    (void)state;
    struct fix f;
    fix_up(&f, base_rules, false, true);
    sink_add(&f, (struct tsink_conf){1, A, "a2", 0});
    source_add(&f, &tsrc_ops, (struct tsrc_conf){'a', "1111", 1, true, false});
    assert_int_equal(cg_pipeline_start(&f.p), CG_OK);
    for (int i = 0; i < 8; i++)
        event_base_loop(f.base, EVLOOP_NONBLOCK);
    expect_log("paused after a2", "Fa1 S1:a@a1#1 S1f1 Ka1 Fa2 S1:a@a2#1 S1on pause S1f1 Ka2");
    assert_int_equal(cg_pipeline_sinks_begin(&f.p), CG_OK);
    assert_int_equal(cg_pipeline_sinks_add(&f.p, &tsink_ops, &(struct tsink_conf){2, A, NULL, 0}),
                     CG_OK);
    cg_pipeline_sinks_commit(&f.p);
    expect_log("not resumed from within the commit", "S1x0");
    run(&f);
    expect_log("resumed from the loop",
               "resume Fa3 S2:a@a3#1 S2f1 Ka3 Fa4 S2:a@a4#1 S2f1 Ka4 ended0");
    fix_down(&f);
    cg_buf_clear(&tlog);
}

/* ---- omprog through the pipeline ------------------------------------------------------------ */

/* The lines source in omprog mode over pipes: each line answered OK once the sinks flushed
 * and the hooks made it durable; a durable failure answers the line with an error and ends
 * the source (the service then exits). */
static void test_omprog(void **state)
{
    (void)state;
    static const struct {
        unsigned fail_durable;
        const char *answers, *log;
    } cases[] = {
        {0, "OK\nOK\nOK\n", "S1:a@m1#1 Hm1 S1:a@m2#1 Hm2 S1f2 D ended0"},
        /* at the end the pipeline flushes again (the alerts were not durable): that one
         * works, but the lines stay unacknowledged */
        {1, "OK\nError: busy: Device or resource busy\n",
         "S1:a@m1#1 Hm1 S1:a@m2#1 Hm2 S1f2 D S1f0 D ended-7"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct fix f;
        fix_up(&f, base_rules, true, true);
        f.h.fail_durable = cases[i].fail_durable;
        int in[2], out[2];
        assert_int_equal(pipe(in), 0);
        assert_int_equal(pipe(out), 0);
        sink_add(&f, (struct tsink_conf){1, A, NULL, 0});
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
        run(&f);
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

static int setup(void **state)
{
    cg_buf_init(&tlog);
    return 0;
}

static int teardown(void **state)
{
    cg_buf_fini(&tlog);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_tick),
        cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_swap_rules),
        cmocka_unit_test(test_sinks_reload),
        cmocka_unit_test(test_sinks_reload_fini),
        cmocka_unit_test(test_sinks_reload_pressure),
        cmocka_unit_test(test_omprog),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
