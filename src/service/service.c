/* service.c - the loop around the pipeline: start, signals, the wall-clock tick, reload,
 * shutdown (see service.h). */
#include "service_int.h"

#include "cefguard/engine_counters.h"
#include "cefguard/log.h"
#include "cefguard/source_lines.h"
#include "cefguard/stats.h"
#include "cefguard/timeutil.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

const char *cg_service_state_dir(const struct cg_service_opts *o)
{
    static char dir[4096];
    if (o->state_dir && o->state_dir[0])
        return o->state_dir;
    const char *env = getenv("STATE_DIRECTORY");
    if (env && env[0]) {
        size_t n = strcspn(env, ":");
        if (n < sizeof(dir)) {
            memcpy(dir, env, n);
            dir[n] = '\0';
            return dir;
        }
    }
    return "./cefguard-state";
}

/* Logs each line of a loader's messages. */
static void log_lines(enum cg_log_level lvl, const char *what, struct cg_buf *err)
{
    const char *p = cg_buf_cstr(err);
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (n)
            cg_log(lvl, "%s%.*s", what, (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* ---- building the pipeline ---------------------------------------------------------------- */

static int add_sinks(struct cg_service *sv, struct cg_service_build *b)
{
    for (size_t i = 0; i < b->cfg.sinks.n; i++) {
        struct cg_config_item *it = &b->cfg.sinks.v[i];
        if (sv->mode == CG_SERVICE_OMPROG && cg_service_sink_on_stdout(it)) {
            cg_log(CG_LOG_ERR,
                   "sink %s: omprog answers rsyslog on stdout: give the sink a "
                   "path (--set sinks.%s.path=FILE) or remove it (--set sinks.%s=off)",
                   it->name, it->name, it->name);
            return CG_EINVAL;
        }
        int rc = cg_pipeline_add_sink(&sv->pl, it->type->sink, it->conf);
        if (rc != CG_OK) {
            cg_log(CG_LOG_ERR, "sink %s: %s", it->name, cg_err_str(rc));
            return rc;
        }
    }
    return CG_OK;
}

static int add_sources(struct cg_service *sv, struct cg_service_build *b)
{
    if (sv->mode == CG_SERVICE_OMPROG) {
        sv->omprog_conf = (struct cg_source_lines_conf){.name = "omprog",
                                                        .fd = 0,
                                                        .answer_fd = 1,
                                                        .max_line = b->svc.max_line,
                                                        .origin = "<omprog>"};
        int rc = cg_pipeline_add_source(&sv->pl, &cg_source_omprog_ops, &sv->omprog_conf);
        if (rc == CG_OK)
            sv->omprog = cg_pipeline_source_at(&sv->pl, 0);
        return rc;
    }
    for (size_t i = 0; i < b->cfg.inputs.n; i++) {
        struct cg_config_item *it = &b->cfg.inputs.v[i];
        int rc = cg_pipeline_add_source(&sv->pl, it->type->source, it->conf);
        if (rc != CG_OK) {
            cg_log(CG_LOG_ERR, "input %s: %s", it->name, cg_err_str(rc));
            return rc;
        }
    }
    return CG_OK;
}

static void hook_ended(void *ctx, struct cg_source *s, int rc)
{
    struct cg_service *sv = ctx;
    if (rc != CG_OK && !sv->stopping) {
        cg_log(CG_LOG_ERR, "input %s ended: %s", cg_service_source_name(sv, s), cg_err_str(rc));
        sv->status = 1;
    }
    if (sv->pl.running == 0 && !sv->stopping) {
        cg_log(CG_LOG_INFO, "every input has ended: stopping");
        cg_service_stop(sv);
    }
}

static int pipeline_make(struct cg_service *sv, struct cg_service_build *b)
{
    struct cg_pipeline_opts po = b->popts;
    po.rules = &b->rules;
    po.nz = b->nz;
    po.loop = sv->base;
    po.hooks = (struct cg_pipeline_hooks){
        .ctx = sv,
        .alert = cg_service_hook_alert,
        .frame = cg_service_hook_frame,
        .durable = cg_service_hook_durable,
        .ended = hook_ended,
    };
    int rc = cg_pipeline_init(&sv->pl, &po);
    if (rc != CG_OK) {
        cg_log(CG_LOG_ERR, "pipeline: %s", rc == CG_EINVAL ? "unknown timezone" : cg_err_str(rc));
        return rc;
    }
    sv->pl_ready = true;
    rc = add_sinks(sv, b);
    return rc == CG_OK ? add_sources(sv, b) : rc;
}

const char *cg_service_source_name(struct cg_service *sv, const struct cg_source *s)
{
    if (sv->mode == CG_SERVICE_OMPROG)
        return "omprog";
    for (size_t i = 0; i < cg_pipeline_nsources(&sv->pl); i++)
        if (cg_pipeline_source_at(&sv->pl, i) == s && i < sv->inputs->inputs.n)
            return sv->inputs->inputs.v[i].name;
    return "?";
}

/* ---- reload --------------------------------------------------------------------------------- */

/* Settings a reload cannot change: each one that differs is said once. */
static void reload_warn(struct cg_service *sv, struct cg_service_build *nb)
{
    const struct cg_config *oc = sv->inputs, *nc = &nb->cfg;
    bool same = oc->inputs.n == nc->inputs.n;
    for (size_t i = 0; same && i < oc->inputs.n; i++)
        same = cg_config_item_same(&oc->inputs.v[i], &nc->inputs.v[i]);
    if (!same && sv->mode == CG_SERVICE_RUN)
        cg_log(CG_LOG_WARN, "reload: the inputs changed; they take effect on restart");
    const struct cg_opt_table *t = nc->top;
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_opt *o = &t->v[i];
        if ((o->commands & nc->command) && !o->reloadable &&
            !cg_config_value_same(o, oc->top_conf, nc->top_conf))
            cg_log(CG_LOG_WARN, "reload: %s changed; it takes effect on restart", o->name);
    }
}

/* The running sink made from an item like it, or NULL. */
static struct cg_sink *sink_like(struct cg_service *sv, const struct cg_config_item *it)
{
    const struct cg_config *oc = &sv->build->cfg;
    for (size_t i = 0; i < oc->sinks.n; i++)
        if (strcmp(oc->sinks.v[i].name, it->name) == 0 && cg_config_item_same(&oc->sinks.v[i], it))
            return cg_pipeline_sink_at(&sv->pl, i);
    return NULL;
}

/* The new list of sinks: the unchanged ones kept (kept[i] set), the others made anew. */
static int reload_sinks(struct cg_service *sv, struct cg_service_build *nb, bool *kept)
{
    int rc = cg_pipeline_sinks_begin(&sv->pl);
    for (size_t i = 0; rc == CG_OK && i < nb->cfg.sinks.n; i++) {
        struct cg_config_item *it = &nb->cfg.sinks.v[i];
        struct cg_sink *old = sink_like(sv, it);
        kept[i] = old != NULL;
        if (old) {
            rc = cg_pipeline_sinks_keep(&sv->pl, old);
        } else {
            rc = cg_pipeline_sinks_add(&sv->pl, it->type->sink, it->conf);
            if (rc != CG_OK)
                cg_log(CG_LOG_ERR, "reload: sink %s: %s", it->name, cg_err_str(rc));
        }
    }
    return rc;
}

void cg_service_reload(struct cg_service *sv)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_service_build *nb = NULL;
    cg_service_keepalive(sv);
    int rc = sv->ld->load(sv->ld->ctx, &nb, &err);
    if (rc != CG_OK) {
        log_lines(CG_LOG_ERR, "reload: ", &err);
        cg_log(CG_LOG_ERR, "reload failed (%s): the running rules and sinks stay", cg_err_str(rc));
        sv->stats.reload_failures++;
        cg_buf_fini(&err);
        return;
    }
    reload_warn(sv, nb);
    cg_pipeline_flush(&sv->pl);
    bool *kept = calloc(nb->cfg.sinks.n + 1, sizeof(*kept));
    rc = kept ? reload_sinks(sv, nb, kept) : CG_ENOMEM;
    if (rc == CG_OK)
        rc = cg_pipeline_swap_rules(&sv->pl, &nb->rules, nb->nz, &err);
    if (rc != CG_OK) {
        cg_pipeline_sinks_abort(&sv->pl);
        log_lines(CG_LOG_ERR, "reload: ", &err);
        cg_log(CG_LOG_ERR, "reload failed (%s): the running rules and sinks stay", cg_err_str(rc));
        nb->free(nb);
        free(kept);
        sv->stats.reload_failures++;
        cg_buf_fini(&err);
        return;
    }
    cg_pipeline_sinks_commit(&sv->pl);
    for (size_t i = 0; i < cg_pipeline_nsinks(&sv->pl); i++) { /* logrotate moved the files */
        struct cg_sink *s = cg_pipeline_sink_at(&sv->pl, i);
        if (kept[i] && s->ops->reopen)
            s->ops->reopen(s);
    }
    free(kept);
    log_lines(CG_LOG_INFO, "reload: ", &err);
    cg_service_retire(sv, nb);
    sv->stats.reloads++;
    cg_log(CG_LOG_INFO, "reloaded: %zu rules, %zu sinks", nb->rules.n, cg_pipeline_nsinks(&sv->pl));
    cg_buf_fini(&err);
}

/* The previous build: its rules and rulebases go (the engine holds none of them any more);
 * its configuration stays while a source or a kept sink may point into it. */
void cg_service_retire(struct cg_service *sv, struct cg_service_build *nb)
{
    struct cg_service_build *ob = sv->build;
    sv->build = nb;
    if (!ob)
        return;
    cg_ruleset_fini(&ob->rules);
    cg_ruleset_init(&ob->rules);
    cg_normalizer_free(ob->nz);
    ob->nz = NULL;
    if (ob != sv->first && cg_vec_reserve(&sv->retired, sv->retired.n + 1) == CG_OK)
        sv->retired.v[sv->retired.n++] = ob; /* freed at exit; out of memory: never */
}

/* ---- signals and timers --------------------------------------------------------------------- */

static void stop_finish(struct cg_service *sv);

static void on_signal(evutil_socket_t sig, short what, void *ctx)
{
    struct cg_service *sv = ctx;
    if (sig == SIGHUP) {
        cg_log(CG_LOG_INFO, "SIGHUP: reloading");
        cg_service_reload(sv);
    } else if (sv->stopping) { /* a second one: do not wait for the sinks */
        stop_finish(sv);
    } else {
        cg_log(CG_LOG_INFO, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        cg_service_stop(sv);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *ctx)
{
    struct cg_service *sv = ctx;
    int rc = cg_pipeline_tick(&sv->pl, cg_time_now_us());
    if (rc != CG_OK && !sv->tick_failed) {
        cg_log(CG_LOG_ERR, "flush: %s", cg_err_str(rc));
        sv->tick_failed = true;
    } else if (rc == CG_OK) {
        sv->tick_failed = false;
    }
}

static void on_snapshot(evutil_socket_t fd, short what, void *ctx)
{
    cg_service_save(ctx);
}

/* What the sinks still hold to send (a forwarder's queue). */
static uint64_t sinks_pending(struct cg_service *sv)
{
    uint64_t n = 0;
    for (size_t i = 0; i < cg_pipeline_nsinks(&sv->pl); i++) {
        struct cg_sink *s = cg_pipeline_sink_at(&sv->pl, i);
        if (s->ops->pending)
            n += s->ops->pending(s);
    }
    return n;
}

/* The end of a stop: the state saved, the loop left. */
static void stop_finish(struct cg_service *sv)
{
    if (sv->stopped)
        return;
    sv->stopped = true;
    uint64_t left = sinks_pending(sv);
    if (left)
        cg_log(CG_LOG_WARN, "stop: %llu alerts the sinks still held are dropped (drain-timeout)",
               (unsigned long long)left);
    if (cg_service_save(sv) != CG_OK)
        sv->status = 1;
    struct cg_engine_stats es;
    cg_pipeline_engine_stats(&sv->pl, &es);
    cg_log(CG_LOG_INFO, "stopped: %llu lines processed, %llu alerts, state %s",
           (unsigned long long)sv->pl.stats.lines, (unsigned long long)es.alerts,
           sv->status ? "NOT saved" : "saved");
    event_base_loopbreak(sv->base);
}

static void on_drain(evutil_socket_t fd, short what, void *ctx)
{
    struct cg_service *sv = ctx;
    if (sinks_pending(sv) == 0 || cg_time_mono_us() >= sv->drain_end_us)
        stop_finish(sv);
}

void cg_service_stop(struct cg_service *sv)
{
    if (sv->stopping)
        return;
    sv->stopping = true;
    cg_pipeline_stop(&sv->pl); /* the inputs hand over what they hold, then end */
    int rc = cg_pipeline_flush(&sv->pl);
    if (rc != CG_OK) {
        cg_log(CG_LOG_ERR, "flush at stop: %s", cg_err_str(rc));
        sv->status = 1;
    }
    /* the sinks that send from the loop get drain-timeout to do it */
    const struct timeval every = {0, 20000};
    sv->drain_end_us = cg_time_mono_us() + sv->build->svc.drain_timeout_us;
    if (sinks_pending(sv) && sv->build->svc.drain_timeout_us > 0 &&
        (sv->drain = event_new(sv->base, -1, EV_PERSIST, on_drain, sv)) &&
        event_add(sv->drain, &every) == 0)
        return;
    stop_finish(sv);
}

static struct event *timer_every(struct cg_service *sv, int64_t us, event_callback_fn fn)
{
    struct event *ev = event_new(sv->base, -1, EV_PERSIST, fn, sv);
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    if (ev && event_add(ev, &tv) != 0) {
        event_free(ev);
        ev = NULL;
    }
    return ev;
}

static int events_make(struct cg_service *sv)
{
    static const int sigs[] = {SIGHUP, SIGTERM, SIGINT};
    for (size_t i = 0; i < CG_ARRAY_LEN(sigs); i++) {
        sv->sig[i] = evsignal_new(sv->base, sigs[i], on_signal, sv);
        if (!sv->sig[i] || event_add(sv->sig[i], NULL) != 0)
            return CG_ENOMEM;
    }
    const struct cg_service_opts *o = &sv->build->svc;
    sv->tick = timer_every(sv, o->flush_interval_us, on_tick);
    sv->snap = o->state_interval_us ? timer_every(sv, o->state_interval_us, on_snapshot) : NULL;
    return sv->tick && (sv->snap || !o->state_interval_us) ? CG_OK : CG_ENOMEM;
}

/* ---- run ------------------------------------------------------------------------------------ */

static void service_fini(struct cg_service *sv)
{
    cg_service_state_close(sv);
    cg_service_control_close(sv);
    if (sv->pl_ready)
        cg_pipeline_fini(&sv->pl);
    for (size_t i = 0; i < CG_ARRAY_LEN(sv->sig); i++)
        if (sv->sig[i])
            event_free(sv->sig[i]);
    if (sv->tick)
        event_free(sv->tick);
    if (sv->snap)
        event_free(sv->snap);
    if (sv->drain)
        event_free(sv->drain);
    for (size_t i = 0; i < sv->retired.n; i++)
        sv->retired.v[i]->free(sv->retired.v[i]);
    free(sv->retired.v);
    if (sv->build && sv->build != sv->first)
        sv->build->free(sv->build);
    if (sv->first)
        sv->first->free(sv->first);
    if (sv->base)
        event_base_free(sv->base);
}

int cg_service_run(const struct cg_service_loader *ld, enum cg_service_mode mode)
{
    struct cg_service sv = {.ld = ld, .mode = mode};
    struct cg_buf err;
    cg_buf_init(&err);
    int status = 2;
    signal(SIGPIPE, SIG_IGN); /* a closed peer or pipe is an error return, not a death */
    int rc = ld->load(ld->ctx, &sv.first, &err);
    if (rc != CG_OK) {
        log_lines(CG_LOG_ERR, "", &err);
        goto out;
    }
    sv.build = sv.first;
    sv.inputs = &sv.first->cfg;
    if (!(sv.base = event_base_new())) {
        cg_log(CG_LOG_ERR, "cannot make the event loop");
        goto out;
    }
    if (cg_service_state_open(&sv) != CG_OK || pipeline_make(&sv, sv.build) != CG_OK ||
        cg_service_recover(&sv) != CG_OK || cg_service_control_open(&sv) != CG_OK ||
        events_make(&sv) != CG_OK)
        goto out;
    cg_service_keepalive(&sv);
    if (cg_pipeline_start(&sv.pl) != CG_OK) {
        cg_log(CG_LOG_ERR, "an input did not start");
        cg_pipeline_stop(&sv.pl);
        goto out;
    }
    cg_log(CG_LOG_INFO, "cefguard %s %s: %zu rules, %zu inputs, %zu sinks, state in %s", CG_VERSION,
           mode == CG_SERVICE_OMPROG ? "omprog" : "running", sv.build->rules.n,
           cg_pipeline_nsources(&sv.pl), cg_pipeline_nsinks(&sv.pl), sv.state_dir);
    status = 0;
    if (sv.pl.running)
        event_base_dispatch(sv.base);
    if (!sv.stopping)
        cg_service_stop(&sv);
    if (!sv.stopped) /* draining the sinks */
        event_base_dispatch(sv.base);
    stop_finish(&sv);
    status = sv.status;
out:
    service_fini(&sv);
    cg_buf_fini(&err);
    return status;
}
