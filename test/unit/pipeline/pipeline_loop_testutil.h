/*
 * pipeline_loop_testutil.h - what test_pipeline_loop.c and test_pipeline_reload.c share
 * (include after cmocka.h): one log of everything that happens, compared whole; a source
 * that delivers from a timer on the loop (and acks or not); sinks that log and hold what
 * they were given until a flush, may press back and relieve; the service's hooks, each
 * able to fail; a pipeline on a real libevent loop over rules compiled from YAML text.
 */
#ifndef CEFGUARD_PIPELINE_LOOP_TESTUTIL_H
#define CEFGUARD_PIPELINE_LOOP_TESTUTIL_H

#include "cefguard/pipeline.h"

#include "engine/engine_testutil.h" /* load_rules, free_rules */

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define A CG_SINK_ALERTS
#define AE (CG_SINK_ALERTS | CG_SINK_EVENTS)

/* ---- the log -------------------------------------------------------------------------------- */

static struct cg_buf tlog;

static inline void CG_PRINTF(1, 2) logf_(const char *fmt, ...)
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

static inline void expect_log(const char *what, const char *want)
{
    const char *got = cg_buf_cstr(&tlog);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", what, got, want);
    cg_buf_clear(&tlog);
}

/* A frame's line: event id and name (the frame's tag and number, what the log shows). */
static inline int cef_line(char *out, size_t cap, const char *id, const char *name)
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

static inline void tsrc_end(struct tsrc *t, int rc)
{
    if (t->ended)
        return;
    t->ended = true;
    event_del(t->ev);
    t->s->env->end(t->s->env->ctx, t->s, rc);
}

static inline void tsrc_cb(evutil_socket_t fd, short what, void *ctx)
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

static inline int tsrc_init(struct cg_source *s, const void *conf)
{
    struct tsrc *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->s = s;
    t->c = *(const struct tsrc_conf *)conf;
    s->self = t;
    return CG_OK;
}

static inline int tsrc_start(struct cg_source *s)
{
    struct tsrc *t = s->self;
    if (!s->env->loop)
        return CG_EINVAL;
    t->ev = evtimer_new(s->env->loop, tsrc_cb, t);
    assert_non_null(t->ev);
    event_active(t->ev, EV_TIMEOUT, 0); /* nothing is delivered from within start */
    return CG_OK;
}

static inline void tsrc_pause(struct cg_source *s)
{
    struct tsrc *t = s->self;
    t->paused = true;
    event_del(t->ev);
    logf_("pause");
}

static inline void tsrc_resume(struct cg_source *s)
{
    struct tsrc *t = s->self;
    t->paused = false;
    logf_("resume");
    event_active(t->ev, EV_TIMEOUT, 0);
}

static inline void tsrc_stop(struct cg_source *s)
{
    tsrc_end(s->self, CG_OK);
}

static inline void tsrc_ack(struct cg_source *s, uint64_t token)
{
    struct tsrc *t = s->self;
    assert_int_equal(token, ++t->acked); /* in order, each once */
    logf_("K%c%llu", t->c.tag, (unsigned long long)token);
}

static inline void tsrc_fini(struct cg_source *s)
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
    bool relieves; /* a flush relieves the pressure */
};

struct tsink {
    struct tsink_conf c;
    unsigned held; /* alerts and events since the last flush */
    bool pressing;
};

static inline int tsink_init(struct cg_sink *s, const void *conf)
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

static inline int tsink_alert(struct cg_sink *s, const struct cg_alert *a)
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
        k->pressing = true;
        s->env->pressure(s->env->ctx, s, true);
    }
    return CG_OK;
}

static inline int tsink_event(struct cg_sink *s, struct cg_event *ev)
{
    struct tsink *k = s->self;
    logf_("S%de%.*s", k->c.id, (int)ev->name.n, ev->name.p);
    k->held++;
    return CG_OK;
}

static inline int tsink_flush(struct cg_sink *s)
{
    struct tsink *k = s->self;
    logf_("S%df%u", k->c.id, k->held);
    k->held = 0;
    if (k->pressing && k->c.relieves) {
        k->pressing = false;
        logf_("S%doff", k->c.id);
        s->env->pressure(s->env->ctx, s, false);
    }
    return CG_OK;
}

static inline void tsink_fini(struct cg_sink *s)
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
    const char *refuse;    /* the alert hook fails (CG_EIO) for alerts of the frame of this name */
    unsigned fail_durable; /* that durable call fails with CG_EBUSY (1-based) */
    unsigned durables;
    int ends, want_ends; /* the loop is broken once want_ends sources have ended */
};

static inline int hook_alert(void *ctx, const struct cg_alert *a)
{
    struct hooks *h = ctx;
    const struct cg_str *nm = a->nevents ? &a->events[a->nevents - 1]->name : NULL;
    if (h->skip && nm && cg_str_eq(*nm, cg_str_make(h->skip, strlen(h->skip)))) {
        logf_("skip:%s", a->rule->id);
        return CG_PIPELINE_SKIP;
    }
    if (h->refuse && nm && cg_str_eq(*nm, cg_str_make(h->refuse, strlen(h->refuse)))) {
        logf_("refuse:%s", a->rule->id);
        return CG_EIO;
    }
    return CG_OK;
}

static inline int hook_frame(void *ctx, const struct cg_frame *f)
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

static inline int hook_durable(void *ctx)
{
    struct hooks *h = ctx;
    logf_("D");
    if (++h->durables == h->fail_durable) {
        errno = EBUSY;
        return CG_EBUSY;
    }
    return CG_OK;
}

static inline void hook_ended(void *ctx, struct cg_source *s, int rc)
{
    struct hooks *h = ctx;
    logf_("ended%d", rc);
    if (++h->ends == h->want_ends)
        event_base_loopbreak(h->base);
}

/* ---- set-up --------------------------------------------------------------------------------- */

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

static inline void fix_up(struct fix *f, const char *yaml, bool hooks, bool loop)
{
    memset(f, 0, sizeof(*f));
    cg_buf_clear(&tlog);
    f->base = event_base_new();
    assert_non_null(f->base);
    f->rs = yaml ? load_rules(yaml) : NULL;
    f->h.base = f->base;
    f->h.want_ends = 1;
    struct cg_pipeline_opts o = {
        .syslog = {"UTC", CG_YEAR_STREAM, 2025, 0}, .rules = f->rs, .loop = loop ? f->base : NULL};
    o.hooks = (struct cg_pipeline_hooks){&f->h, hook_alert, hook_frame, hook_durable, hook_ended};
    if (!hooks)
        o.hooks = (struct cg_pipeline_hooks){&f->h, NULL, NULL, NULL, hook_ended};
    assert_int_equal(cg_pipeline_init(&f->p, &o), CG_OK);
}

static inline void fix_down(struct fix *f)
{
    cg_pipeline_fini(&f->p);
    if (f->rs)
        free_rules(f->rs);
    event_base_free(f->base);
}

static inline void sink_add(struct fix *f, struct tsink_conf c)
{
    assert_int_equal(cg_pipeline_add_sink(&f->p, &tsink_ops, &c), CG_OK);
}

static inline void source_add(struct fix *f, const struct cg_source_ops *ops, struct tsrc_conf c)
{
    assert_int_equal(cg_pipeline_add_source(&f->p, ops, &c), CG_OK);
}

static inline void deadline_cb(evutil_socket_t fd, short what, void *ctx)
{
    fail_msg("the loop ran 10 s: %s", cg_buf_cstr(&tlog));
}

/* Runs the loop until the sources have ended (hooks.ended breaks it); 10 s at most. */
static inline void run(struct fix *f)
{
    struct event *dl = evtimer_new(f->base, deadline_cb, f);
    const struct timeval ten = {10, 0};
    evtimer_add(dl, &ten);
    event_base_dispatch(f->base);
    event_free(dl);
}

/* One frame processed with no source (the log names it by tag and number). */
static inline void process(struct fix *f, const char *id, const char *name)
{
    char line[160];
    int n = cef_line(line, sizeof(line), id, name);
    struct cg_frame fr = {cg_str_make(line, (size_t)n), false, 0, "x", 1, 1};
    assert_int_equal(cg_pipeline_process(&f->p, &fr), CG_OK);
}

static inline int setup(void **state)
{
    cg_buf_init(&tlog);
    return 0;
}

static inline int teardown(void **state)
{
    cg_buf_fini(&tlog);
    return 0;
}

#endif
