/* pipeline.c - the stages wired together (see pipeline.h). */
#include "cefguard/pipeline.h"

#include "cefguard/engine_counters.h"
#include "cefguard/vec.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>

/* A source as the pipeline sees it; a struct cg_source * the pipeline hands out is the
 * first member of one of these. */
struct cg_pipeline_source {
    struct cg_source src;
    bool acks;    /* src.ops->ack is set */
    bool started; /* start was called (and did not fail) */
    bool paused;  /* pause was called, resume not yet */
    bool ended;   /* env->end came (or start failed) */
    bool failed;  /* a frame failed: no later frame is acknowledged */
    int rc;       /* what it ended with */
};

struct cg_pipeline_sink {
    struct cg_sink sink;
    bool pressing; /* said pressure on, not yet off */
    bool kept;     /* a reload moved it into the new list */
};

/* ---- from a frame to the sinks (the hot path) ------------------------------------------ */

/* The engine's alert callback: every alert to every sink that takes alerts. */
static int pipeline_alert(void *ctx, const struct cg_alert *a)
{
    struct cg_pipeline *p = ctx;
    if (p->o.hooks.alert) {
        int rc = p->o.hooks.alert(p->o.hooks.ctx, a);
        if (rc == CG_PIPELINE_SKIP) {
            p->alerts_skipped++;
            return CG_OK;
        }
        if (rc != CG_OK)
            return rc;
    }
    p->dirty = true;
    for (size_t i = 0; i < p->alert_sinks.n; i++) {
        struct cg_sink *s = p->alert_sinks.v[i];
        if (s->ops->has && s->ops->has(s, a->id)) { /* written before a crash */
            p->alerts_in_sink++;
            continue;
        }
        int rc = s->ops->alert(s, a);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}

/* One frame: decode, normalize, event sinks, engine (alert sinks), counts, reject log. */
static int pipeline_process(struct cg_pipeline *p, const struct cg_frame *f)
{
    struct cg_event *ev = &p->ev;
    cg_event_reset(ev);
    p->stats.lines++;
    if (f->cut) {
        ev->line = f->bytes;
        ev->reason = CG_REJ_LINE_TOO_LONG;
        ev->flags |= CG_EV_TRUNCATED;
    } else {
        cg_decode_line(&p->dec, f->bytes.p, f->bytes.n, ev);
        cg_normalize(p->o.nz, ev);
        cg_decode_settle(&p->dec, ev, f->arrival_us);
    }
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < p->event_sinks.n; i++) {
        struct cg_sink *s = p->event_sinks.v[i];
        rc = s->ops->event(s, ev);
        p->dirty = true;
    }
    if (rc == CG_OK && p->engine)
        rc = cg_engine_process(p->engine, ev, f->arrival_us);
    cg_stats_count_event(&p->stats, ev);
    if (ev->format == CG_FMT_RAW && p->o.log_rejects)
        cg_log_reject(&p->rlog, f->origin, f->seq, ev->reason, ev->line);
    return rc;
}

/* After a frame of a source that acknowledges: its token waits for the next flush. */
static int pipeline_settle(struct cg_pipeline *p, struct cg_pipeline_source *ps,
                           const struct cg_frame *f, int rc)
{
    if (rc == CG_OK && !ps->failed && p->o.hooks.frame)
        rc = p->o.hooks.frame(p->o.hooks.ctx, f);
    if (rc != CG_OK || ps->failed) {
        ps->failed = true;
        return rc;
    }
    if (cg_vec_reserve(&p->unacked, p->unacked.n + 1) != CG_OK) {
        ps->failed = true;
        return CG_ENOMEM;
    }
    p->unacked.v[p->unacked.n++] = (struct cg_pipeline_unacked){ps, f->ack};
    return p->unacked.n < p->o.max_unacked ? CG_OK : cg_pipeline_flush(p);
}

static int pipeline_frame(void *ctx, struct cg_source *s, const struct cg_frame *f)
{
    struct cg_pipeline *p = ctx;
    struct cg_pipeline_source *ps = (struct cg_pipeline_source *)s;
    int rc = pipeline_process(p, f);
    if (CG_LIKELY(!ps->acks))
        return rc;
    return pipeline_settle(p, ps, f, rc);
}

/* ---- flushing, acknowledging, back-pressure ---------------------------------------------- */

int cg_pipeline_flush(struct cg_pipeline *p)
{
    int rc = CG_OK, err = 0;
    for (size_t i = 0; i < p->sinks.n; i++) {
        struct cg_sink *s = &p->sinks.v[i]->sink;
        int r = s->ops->flush(s);
        if (r != CG_OK && rc == CG_OK) {
            rc = r;
            err = errno;
        }
    }
    if (rc == CG_OK && p->o.hooks.durable) {
        rc = p->o.hooks.durable(p->o.hooks.ctx);
        err = errno;
    }
    if (rc == CG_OK)
        p->dirty = false;
    if (rc != CG_OK) {
        /* Not durable: these frames and every later one of their sources stay unacked. */
        for (size_t i = 0; i < p->unacked.n; i++)
            p->unacked.v[i].src->failed = true;
        p->unacked.n = 0;
        errno = err;
        return rc;
    }
    /* Durable: ack in delivery order (acks deliver nothing, so the list holds still). */
    for (size_t i = 0; i < p->unacked.n; i++) {
        struct cg_source *s = &p->unacked.v[i].src->src;
        s->ops->ack(s, p->unacked.v[i].token);
    }
    p->unacked.n = 0;
    return CG_OK;
}

static int pipeline_sync(void *ctx, struct cg_source *s)
{
    struct cg_pipeline *p = ctx;
    /* live (a loop): alerts go out once a read is handed over; a replay leaves them to the
     * sinks' own buffering */
    return p->unacked.n || (p->dirty && p->o.loop) ? cg_pipeline_flush(p) : CG_OK;
}

static void pipeline_end(void *ctx, struct cg_source *s, int rc)
{
    struct cg_pipeline *p = ctx;
    struct cg_pipeline_source *ps = (struct cg_pipeline_source *)s;
    ps->ended = true;
    ps->rc = rc;
    if (ps->started)
        p->running--;
    int r = pipeline_sync(p, s);
    if (r != CG_OK && ps->rc == CG_OK)
        ps->rc = r;
    if (p->o.hooks.ended)
        p->o.hooks.ended(p->o.hooks.ctx, s, ps->rc);
}

static void pipeline_pause(struct cg_pipeline *p)
{
    for (size_t i = 0; i < p->sources.n; i++) {
        struct cg_pipeline_source *ps = p->sources.v[i];
        if (ps->started && !ps->ended && !ps->paused) {
            ps->paused = true;
            ps->src.ops->pause(&ps->src);
        }
    }
}

/* Without an event loop a resumed source delivers from within resume, and may press a
 * sink again: then the others stay paused. */
static void pipeline_resume(struct cg_pipeline *p)
{
    for (size_t i = 0; i < p->sources.n && !p->pressing; i++) {
        struct cg_pipeline_source *ps = p->sources.v[i];
        if (ps->paused && !ps->ended) {
            ps->paused = false;
            ps->src.ops->resume(&ps->src);
        }
    }
}

static void pipeline_pressure(void *ctx, struct cg_sink *s, bool on)
{
    struct cg_pipeline *p = ctx;
    struct cg_pipeline_sink *ps = (struct cg_pipeline_sink *)s;
    if (ps->pressing == on)
        return;
    ps->pressing = on;
    if (on) {
        if (p->pressing++ == 0)
            pipeline_pause(p);
        return;
    }
    /* Resumed by the run, or on a loop from a zero timeout: never within the sink's call. */
    if (--p->pressing == 0 && p->resume_ev) {
        const struct timeval now = {0, 0};
        event_add(p->resume_ev, &now);
    }
}

static void pipeline_resume_cb(evutil_socket_t fd, short what, void *ctx)
{
    struct cg_pipeline *p = ctx;
    if (!p->pressing)
        pipeline_resume(p);
}

/* Without an event loop nothing else drains a pressing sink: flush those, then resume. */
static int pipeline_relieve(struct cg_pipeline *p)
{
    for (size_t i = 0; i < p->sinks.n; i++) {
        struct cg_sink *s = &p->sinks.v[i]->sink;
        if (p->sinks.v[i]->pressing) {
            int rc = s->ops->flush(s);
            if (rc != CG_OK)
                return rc;
        }
    }
    if (p->pressing)
        return CG_ELIMIT; /* a sink that still presses once flushed */
    pipeline_resume(p);
    return CG_OK;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

int cg_pipeline_init(struct cg_pipeline *p, const struct cg_pipeline_opts *o)
{
    memset(p, 0, sizeof(*p));
    p->o = *o;
    if (!p->o.max_unacked)
        p->o.max_unacked = CG_PIPELINE_MAX_UNACKED;
    p->source_env = (struct cg_source_env){p, o->loop, pipeline_frame, pipeline_sync, pipeline_end};
    p->sink_env = (struct cg_sink_env){p, o->loop, pipeline_pressure};
    cg_event_init(&p->ev, o->max_fields);
    cg_log_rejects_init(&p->rlog, 10, 10);
    if (cg_decoder_init(&p->dec, &o->syslog) != CG_OK) {
        cg_event_fini(&p->ev);
        return CG_EINVAL;
    }
    if (o->loop && !(p->resume_ev = evtimer_new(o->loop, pipeline_resume_cb, p))) {
        cg_pipeline_fini(p);
        return CG_ENOMEM;
    }
    if (o->rules) {
        p->engine = cg_engine_new(o->rules, &o->engine, pipeline_alert, p);
        if (!p->engine) {
            cg_pipeline_fini(p);
            return CG_ENOMEM;
        }
    }
    return CG_OK;
}

void cg_pipeline_fini(struct cg_pipeline *p)
{
    cg_pipeline_stop(p);
    cg_log_rejects_flush(&p->rlog); /* when finish was not reached (a read error) */
    for (size_t i = 0; i < p->sources.n; i++) {
        p->sources.v[i]->src.ops->fini(&p->sources.v[i]->src);
        free(p->sources.v[i]);
    }
    /* a reload under way first: its kept sinks are the running list's, freed below */
    cg_pipeline_sinks_abort(p);
    for (size_t i = 0; i < p->sinks.n; i++) {
        p->sinks.v[i]->sink.ops->fini(&p->sinks.v[i]->sink);
        free(p->sinks.v[i]);
    }
    free(p->staged.v);
    free(p->sources.v);
    free(p->sinks.v);
    free(p->alert_sinks.v);
    free(p->event_sinks.v);
    free(p->unacked.v);
    memset(&p->sources, 0, sizeof(p->sources));
    memset(&p->sinks, 0, sizeof(p->sinks));
    cg_engine_free(p->engine);
    p->engine = NULL;
    if (p->resume_ev)
        event_free(p->resume_ev);
    p->resume_ev = NULL;
    cg_decoder_fini(&p->dec);
    cg_event_fini(&p->ev);
    cg_event_pool_drain(); /* the engine's copies went back to the pool */
}

/* ---- making and reloading the sinks -------------------------------------------------------- */

static void sink_free(struct cg_pipeline_sink *ps)
{
    ps->sink.ops->fini(&ps->sink);
    free(ps);
}

/* A sink of ops with conf: CG_OK, or the error of its init, CG_ENOMEM, or CG_EINVAL when it
 * takes what it has no op for (then it is finished). */
static int sink_make(struct cg_pipeline *p, const struct cg_sink_ops *ops, const void *conf,
                     struct cg_pipeline_sink **out)
{
    struct cg_pipeline_sink *ps = calloc(1, sizeof(*ps));
    if (!(*out = ps))
        return CG_ENOMEM;
    ps->sink.ops = ops;
    ps->sink.env = &p->sink_env;
    int rc = ops->init(&ps->sink, conf);
    if (rc != CG_OK) {
        free(ps);
        *out = NULL;
        return rc;
    }
    unsigned t = ps->sink.takes;
    if (((t & CG_SINK_ALERTS) && !ops->alert) || ((t & CG_SINK_EVENTS) && !ops->event) ||
        ((t & CG_SINK_COMMANDS) && !ops->command)) {
        sink_free(ps);
        *out = NULL;
        return CG_EINVAL;
    }
    return CG_OK;
}

int cg_pipeline_sinks_begin(struct cg_pipeline *p)
{
    cg_pipeline_sinks_abort(p);
    return cg_vec_reserve(&p->staged, p->sinks.n + 1);
}

int cg_pipeline_sinks_keep(struct cg_pipeline *p, struct cg_sink *s)
{
    size_t need = p->staged.n + 1;
    if (cg_vec_reserve(&p->staged, need) != CG_OK ||
        cg_vec_reserve(&p->alert_sinks, need) != CG_OK ||
        cg_vec_reserve(&p->event_sinks, need) != CG_OK)
        return CG_ENOMEM;
    struct cg_pipeline_sink *ps = (struct cg_pipeline_sink *)s;
    ps->kept = true;
    p->staged.v[p->staged.n++] = ps;
    return CG_OK;
}

void cg_pipeline_sinks_abort(struct cg_pipeline *p)
{
    for (size_t i = 0; i < p->staged.n; i++) {
        if (p->staged.v[i]->kept)
            p->staged.v[i]->kept = false;
        else
            sink_free(p->staged.v[i]);
    }
    p->staged.n = 0;
}

/* The lists the hot path walks, from the running list. */
static void sinks_index(struct cg_pipeline *p)
{
    p->alert_sinks.n = p->event_sinks.n = 0;
    p->pressing = 0;
    for (size_t i = 0; i < p->sinks.n; i++) {
        struct cg_sink *s = &p->sinks.v[i]->sink;
        if (s->takes & CG_SINK_ALERTS)
            p->alert_sinks.v[p->alert_sinks.n++] = s;
        if (s->takes & CG_SINK_EVENTS)
            p->event_sinks.v[p->event_sinks.n++] = s;
        p->pressing += p->sinks.v[i]->pressing;
    }
}

void cg_pipeline_sinks_commit(struct cg_pipeline *p)
{
    for (size_t i = 0; i < p->sinks.n; i++)
        if (!p->sinks.v[i]->kept)
            sink_free(p->sinks.v[i]);
    /* alert_sinks and event_sinks have room for the staged list: keep and add reserved it */
    struct cg_pipeline_sink **old = p->sinks.v;
    size_t oldcap = p->sinks.cap;
    p->sinks.v = p->staged.v;
    p->sinks.n = p->staged.n;
    p->sinks.cap = p->staged.cap;
    p->staged.v = old;
    p->staged.cap = oldcap;
    p->staged.n = 0;
    for (size_t i = 0; i < p->sinks.n; i++)
        p->sinks.v[i]->kept = false;
    sinks_index(p);
    if (!p->pressing && p->resume_ev) {
        const struct timeval now = {0, 0};
        event_add(p->resume_ev, &now);
    }
}

int cg_pipeline_sinks_add(struct cg_pipeline *p, const struct cg_sink_ops *ops, const void *conf)
{
    struct cg_pipeline_sink *ps;
    size_t need = p->staged.n + 1;
    if (cg_vec_reserve(&p->staged, need) != CG_OK ||
        cg_vec_reserve(&p->alert_sinks, need) != CG_OK ||
        cg_vec_reserve(&p->event_sinks, need) != CG_OK)
        return CG_ENOMEM;
    int rc = sink_make(p, ops, conf, &ps);
    if (rc == CG_OK)
        p->staged.v[p->staged.n++] = ps;
    return rc;
}

int cg_pipeline_process(struct cg_pipeline *p, const struct cg_frame *f)
{
    return pipeline_process(p, f);
}

int cg_pipeline_restore(struct cg_pipeline *p, const char *snap, size_t n, struct cg_buf *err)
{
    return p->engine ? cg_engine_restore(p->engine, snap, n, err) : CG_OK;
}

int cg_pipeline_snapshot(struct cg_pipeline *p, struct cg_buf *out)
{
    return p->engine ? cg_engine_snapshot(p->engine, out) : CG_OK;
}

/* Room for one more sink in every list it may join. */
static int pipeline_reserve_sink(struct cg_pipeline *p)
{
    if (cg_vec_reserve(&p->sinks, p->sinks.n + 1) != CG_OK ||
        cg_vec_reserve(&p->alert_sinks, p->alert_sinks.n + 1) != CG_OK ||
        cg_vec_reserve(&p->event_sinks, p->event_sinks.n + 1) != CG_OK)
        return CG_ENOMEM;
    return CG_OK;
}

int cg_pipeline_add_sink(struct cg_pipeline *p, const struct cg_sink_ops *ops, const void *conf)
{
    struct cg_pipeline_sink *ps;
    int rc = pipeline_reserve_sink(p);
    if (rc == CG_OK)
        rc = sink_make(p, ops, conf, &ps);
    if (rc != CG_OK)
        return rc;
    unsigned t = ps->sink.takes;
    p->sinks.v[p->sinks.n++] = ps;
    if (t & CG_SINK_ALERTS)
        p->alert_sinks.v[p->alert_sinks.n++] = &ps->sink;
    if (t & CG_SINK_EVENTS)
        p->event_sinks.v[p->event_sinks.n++] = &ps->sink;
    return CG_OK;
}

int cg_pipeline_add_source(struct cg_pipeline *p, const struct cg_source_ops *ops, const void *conf)
{
    struct cg_pipeline_source *ps = NULL;
    if (cg_vec_reserve(&p->sources, p->sources.n + 1) != CG_OK || !(ps = calloc(1, sizeof(*ps))))
        return CG_ENOMEM;
    ps->src.ops = ops;
    ps->src.env = &p->source_env;
    ps->acks = ops->ack != NULL;
    int rc = ops->init(&ps->src, conf);
    if (rc != CG_OK) {
        free(ps);
        return rc;
    }
    p->sources.v[p->sources.n++] = ps;
    return CG_OK;
}

/* Starts one source: CG_OK, or its start's error (then it counts as ended). */
static int source_start(struct cg_pipeline *p, struct cg_pipeline_source *ps)
{
    ps->started = true;
    p->running++;
    int rc = ps->src.ops->start(&ps->src);
    if (rc != CG_OK) {
        ps->started = false;
        p->running--;
        ps->ended = true;
        ps->rc = rc;
    }
    return rc;
}

/* Starts one source and, without an event loop, relieves the sinks until it has ended. */
static int pipeline_drive(struct cg_pipeline *p, struct cg_pipeline_source *ps)
{
    int rc = source_start(p, ps);
    if (rc != CG_OK)
        return rc;
    while (!ps->ended) {
        if (!ps->paused)
            return CG_EINVAL; /* it returned without ending or pausing: it needs a loop */
        rc = pipeline_relieve(p);
        if (rc != CG_OK)
            return rc;
    }
    return ps->rc;
}

int cg_pipeline_run(struct cg_pipeline *p)
{
    int rc = CG_OK;
    for (size_t i = 0; i < p->sources.n; i++) {
        struct cg_pipeline_source *ps = p->sources.v[i];
        if (ps->started || ps->ended)
            continue;
        int r = pipeline_drive(p, ps);
        if (r != CG_OK && rc == CG_OK)
            rc = r;
        if (!ps->ended)
            break; /* the pipeline cannot go on */
    }
    return rc;
}

int cg_pipeline_finish(struct cg_pipeline *p)
{
    cg_log_rejects_flush(&p->rlog); /* the held-back counts no later report will carry */
    return p->engine ? cg_engine_flush(p->engine) : CG_OK;
}

void cg_pipeline_stop(struct cg_pipeline *p)
{
    for (size_t i = 0; i < p->sources.n; i++) {
        struct cg_pipeline_source *ps = p->sources.v[i];
        if (ps->started && !ps->ended) {
            ps->src.ops->stop(&ps->src);
            if (!ps->ended) { /* had it not said so */
                ps->ended = true;
                p->running--;
            }
        }
    }
}

/* ---- on an event loop (the service) ------------------------------------------------------- */

int cg_pipeline_start(struct cg_pipeline *p)
{
    if (!p->o.loop)
        return CG_EINVAL;
    for (size_t i = 0; i < p->sources.n; i++) {
        struct cg_pipeline_source *ps = p->sources.v[i];
        if (ps->started || ps->ended)
            continue;
        int rc = source_start(p, ps);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}

int cg_pipeline_tick(struct cg_pipeline *p, int64_t now_us)
{
    int rc = p->engine ? cg_engine_advance(p->engine, now_us) : CG_OK;
    int r = p->unacked.n || p->dirty ? cg_pipeline_flush(p) : CG_OK;
    return rc != CG_OK ? rc : r;
}

/* dst += src for the totals of the engine's counter table (the gauges are left). */
static void engine_stats_add(struct cg_engine_stats *dst, const struct cg_engine_stats *src)
{
    const struct cg_counter_table *t = &cg_engine_counters;
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_counter *c = &t->v[i];
        if (c->kind != CG_COUNTER_TOTAL)
            continue;
        unsigned n = c->elem ? c->end : 1;
        for (unsigned k = c->elem ? c->first : 0; k < n; k++) {
            uint64_t *d = (uint64_t *)((char *)dst + c->offset) + k;
            *d += ((const uint64_t *)((const char *)src + c->offset))[k];
        }
    }
}

void cg_pipeline_engine_stats(const struct cg_pipeline *p, struct cg_engine_stats *out)
{
    *out = p->engine ? *cg_engine_stats(p->engine) : (struct cg_engine_stats){0};
    engine_stats_add(out, &p->engine_carry);
}

int cg_pipeline_swap_rules(struct cg_pipeline *p, const struct cg_ruleset *rs,
                           struct cg_normalizer *nz, struct cg_buf *err)
{
    int rc = cg_pipeline_flush(p);
    if (rc != CG_OK)
        return rc;
    struct cg_engine *e = NULL;
    if (rs && !(e = cg_engine_new(rs, &p->o.engine, pipeline_alert, p)))
        return CG_ENOMEM;
    if (e && p->engine) {
        struct cg_buf snap;
        cg_buf_init(&snap);
        rc = cg_engine_snapshot(p->engine, &snap);
        if (rc == CG_OK)
            rc = cg_engine_restore(e, snap.p, snap.n, err);
        cg_buf_fini(&snap);
        if (rc != CG_OK) {
            cg_engine_free(e);
            return rc;
        }
    }
    if (p->engine) {
        engine_stats_add(&p->engine_carry, cg_engine_stats(p->engine));
        cg_engine_free(p->engine);
    }
    p->engine = e;
    p->o.rules = rs;
    p->o.nz = nz;
    return CG_OK;
}

size_t cg_pipeline_nsources(const struct cg_pipeline *p)
{
    return p->sources.n;
}

struct cg_source *cg_pipeline_source_at(struct cg_pipeline *p, size_t i)
{
    return i < p->sources.n ? &p->sources.v[i]->src : NULL;
}

size_t cg_pipeline_nsinks(const struct cg_pipeline *p)
{
    return p->sinks.n;
}

struct cg_sink *cg_pipeline_sink_at(struct cg_pipeline *p, size_t i)
{
    return i < p->sinks.n ? &p->sinks.v[i]->sink : NULL;
}
