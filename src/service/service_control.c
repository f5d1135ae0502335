/*
 * service_control.c - what the control socket (control.h) answers and what the metrics
 * listener (metrics.h) serves: the same counters, as `name value` lines for `cefguard
 * stats` and as Prometheus text (see service_int.h).
 *
 * Commands: stats, reload, ping (the pid and what runs), help (the server's). The response
 * stage adds its own (pending, approve, deny, release) to the same table.
 */
#include "service_int.h"

#include "cefguard/control.h"
#include "cefguard/engine_counters.h"
#include "cefguard/log.h"
#include "cefguard/metrics.h"
#include "cefguard/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cg_service_control {
    struct cg_control *ctl;
    struct cg_metrics *http;
    char path[4096];
};

#define SVC_STAT(n, m, h)                                                                          \
    {                                                                                              \
        n, CG_COUNTER_TOTAL, offsetof(struct cg_service_stats, m), h, NULL, 0, 0                   \
    }
static const struct cg_counter service_counter_v[] = {
    SVC_STAT("service.reloads", reloads, "reloads that took effect"),
    SVC_STAT("service.reload_failures", reload_failures,
             "reloads refused (a broken file): the running set stayed"),
    SVC_STAT("service.snapshots", snapshots, "correlation state snapshots saved"),
    SVC_STAT("service.snapshot_failures", snapshot_failures, "snapshots that failed to save"),
    SVC_STAT("service.recovered_frames", recovered_frames,
             "journal frames processed again at start (acknowledged before a stop or crash)"),
    SVC_STAT("service.alerts_in_sink", alerts_in_sink,
             "alerts not written again to a file that had them (written before a crash, whose "
             "state commit it missed)"),
    SVC_STAT("service.alerts_redelivered", alerts_redelivered,
             "alerts made again by input sent again (recovery, rsyslog re-sending) and held back: "
             "their ids were delivered before"),
    {"service.http_port", CG_COUNTER_GAUGE, offsetof(struct cg_service_stats, http_port),
     "the port the metrics listener is bound to (0: none)", NULL, 0, 0},
};
#undef SVC_STAT
const struct cg_counter_table cg_service_counters = {service_counter_v,
                                                     CG_ARRAY_LEN(service_counter_v)};

#define RULE_STAT(n, k, m, h)                                                                      \
    {                                                                                              \
        n, k, offsetof(struct cg_engine_rule_stats, m), h, NULL, 0, 0                              \
    }
static const struct cg_counter rule_counter_v[] = {
    RULE_STAT("matched", CG_COUNTER_TOTAL, matched, "events the rule's match took"),
    RULE_STAT("alerts", CG_COUNTER_TOTAL, alerts, "alerts the rule emitted"),
    RULE_STAT("suppressed", CG_COUNTER_TOTAL, suppressed,
              "alerts of the rule held back by its suppression"),
    RULE_STAT("keys", CG_COUNTER_GAUGE, keys, "keys the rule holds state for"),
};
#undef RULE_STAT
static const struct cg_counter_table rule_counters = {rule_counter_v, CG_ARRAY_LEN(rule_counter_v)};

static uint16_t metrics_port(const struct cg_service *sv);

/* ---- the counters, both ways ------------------------------------------------------------ */

/* One table of the service's counters: its struct, and what names or labels it. */
struct group {
    const struct cg_counter_table *t;
    const void *stats;
    const char *kind; /* NULL: names as they are; "input", "sink", "rule": per item */
    const char *name; /* the item */
};

typedef int (*group_fn)(void *ctx, const struct group *g);

static int each_group(struct cg_service *sv, group_fn fn, void *ctx)
{
    struct cg_engine_stats es;
    cg_pipeline_engine_stats(&sv->pl, &es);
    sv->stats.alerts_redelivered = sv->pl.alerts_skipped;
    sv->stats.alerts_in_sink = sv->pl.alerts_in_sink;
    sv->stats.http_port = metrics_port(sv);
    const struct cg_state_stats *ss = cg_service_state_stats(sv);
    const struct cg_control_stats *cs =
        sv->control && sv->control->ctl ? cg_control_stats(sv->control->ctl) : NULL;
    const struct cg_metrics_stats *ms =
        sv->control && sv->control->http ? cg_metrics_stats(sv->control->http) : NULL;
    const struct group top[] = {
        {&cg_stats_counters, &sv->pl.stats, NULL, NULL}, {&cg_engine_counters, &es, NULL, NULL},
        {&cg_service_counters, &sv->stats, NULL, NULL},  {&cg_state_counters, ss, NULL, NULL},
        {&cg_control_counters, cs, NULL, NULL},          {&cg_metrics_counters, ms, NULL, NULL},
    };
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < CG_ARRAY_LEN(top); i++)
        if (top[i].stats)
            rc = fn(ctx, &top[i]);
    for (size_t i = 0; rc == CG_OK && i < cg_pipeline_nsources(&sv->pl); i++) {
        struct cg_source *s = cg_pipeline_source_at(&sv->pl, i);
        struct group g = {s->counters, s->stats, "input", cg_service_source_name(sv, s)};
        if (s->counters)
            rc = fn(ctx, &g);
    }
    for (size_t i = 0; rc == CG_OK && i < cg_pipeline_nsinks(&sv->pl); i++) {
        struct cg_sink *s = cg_pipeline_sink_at(&sv->pl, i);
        struct group g = {s->counters, s->stats, "sink", sv->build->cfg.sinks.v[i].name};
        if (s->counters && i < sv->build->cfg.sinks.n)
            rc = fn(ctx, &g);
    }
    const struct cg_ruleset *rs = sv->pl.o.rules;
    for (size_t i = 0; rc == CG_OK && sv->pl.engine && rs && i < rs->n; i++) {
        struct cg_engine_rule_stats st;
        cg_engine_rule_stats(sv->pl.engine, i, &st);
        struct group g = {&rule_counters, &st, "rule", rs->rules[i]->id};
        rc = fn(ctx, &g);
    }
    return rc;
}

/* `name value` lines, per item "KIND.NAME.counter". */
static int text_group(void *ctx, const struct group *g)
{
    struct cg_buf *out = ctx;
    if (!g->kind)
        return cg_counters_write(g->t, g->stats, out);
    struct cg_buf tmp;
    cg_buf_init(&tmp);
    int rc = cg_counters_write(g->t, g->stats, &tmp);
    const char *p = cg_buf_cstr(&tmp);
    while (rc == CG_OK && *p) {
        size_t n = strcspn(p, "\n");
        rc = cg_buf_printf(out, "%s.%s.%.*s\n", g->kind, g->name, (int)n, p);
        p += n + (p[n] == '\n');
    }
    cg_buf_fini(&tmp);
    return rc;
}

int cg_service_stats_write(struct cg_service *sv, struct cg_buf *out)
{
    return each_group(sv, text_group, out);
}

/* Prometheus: per item a label, the family shared (cefguard_input_received_total{input=}). */
static int prom_group(void *ctx, const struct group *g)
{
    struct cg_prom_writer *w = ctx;
    if (!g->kind)
        return cg_prom_writer_add(w, g->t, g->stats, NULL, NULL);
    struct cg_buf labels, prefix;
    cg_buf_init(&labels);
    cg_buf_init(&prefix);
    int rc = cg_prom_label(&labels, g->kind, g->name);
    if (rc == CG_OK)
        rc = cg_buf_printf(&prefix, "%s.", g->kind);
    if (rc == CG_OK)
        rc = cg_prom_writer_add(w, g->t, g->stats, cg_buf_cstr(&prefix), cg_buf_cstr(&labels));
    cg_buf_fini(&labels);
    cg_buf_fini(&prefix);
    return rc;
}

static int metrics_render(void *ctx, struct cg_buf *out)
{
    struct cg_prom_writer w;
    cg_prom_writer_init(&w);
    int rc = each_group(ctx, prom_group, &w);
    if (rc == CG_OK)
        rc = cg_prom_writer_finish(&w, out);
    cg_prom_writer_fini(&w);
    return rc;
}

/* ---- commands ------------------------------------------------------------------------------- */

static int cmd_stats(void *ctx, const char *args, struct cg_buf *reply)
{
    return cg_service_stats_write(ctx, reply);
}

static int cmd_reload(void *ctx, const char *args, struct cg_buf *reply)
{
    struct cg_service *sv = ctx;
    uint64_t before = sv->stats.reloads;
    cg_service_reload(sv);
    if (sv->stats.reloads == before) {
        cg_buf_puts(reply, "reload failed: the running rules and sinks stay (see the log)");
        return CG_EINVAL;
    }
    return cg_buf_printf(reply, "reloaded: %zu rules, %zu sinks\n", sv->pl.o.rules->n,
                         cg_pipeline_nsinks(&sv->pl));
}

static int cmd_ping(void *ctx, const char *args, struct cg_buf *reply)
{
    struct cg_service *sv = ctx;
    return cg_buf_printf(reply, "pid %ld\nmode %s\nstate-dir %s\n", (long)getpid(),
                         sv->mode == CG_SERVICE_OMPROG ? "omprog" : "run", sv->state_dir);
}

int cg_service_control_open(struct cg_service *sv)
{
    struct cg_service_control *sc = calloc(1, sizeof(*sc));
    if (!(sv->control = sc))
        return CG_ENOMEM;
    const struct cg_control_cmd cmds[] = {
        {"stats", "the counters, one 'name value' line each", cmd_stats, sv},
        {"reload", "load the configuration, rules and rulebases again (as SIGHUP)", cmd_reload, sv},
        {"ping", "the pid, the mode and the state directory", cmd_ping, sv},
    };
    snprintf(sc->path, sizeof(sc->path), "%s/control.sock", sv->state_dir);
    struct cg_control_conf cc = {.path = sc->path, .cmds = cmds, .ncmds = CG_ARRAY_LEN(cmds)};
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_control_new(sv->base, &cc, &sc->ctl, &err);
    const char *listen = sv->build->svc.http_listen;
    if (rc == CG_OK && listen) {
        struct cg_metrics_conf mc = {.listen = listen, .render = metrics_render, .ctx = sv};
        rc = cg_metrics_new(sv->base, &mc, &sc->http, &err);
        if (rc == CG_OK)
            cg_log(CG_LOG_INFO, "metrics on http://%s/metrics (port %u)", listen,
                   cg_metrics_port(sc->http));
    }
    if (rc != CG_OK) {
        const char *m = cg_buf_cstr(&err);
        cg_log(CG_LOG_ERR, "%.*s", (int)strcspn(m, "\n"), m);
    }
    cg_buf_fini(&err);
    return rc;
}

void cg_service_control_close(struct cg_service *sv)
{
    if (!sv->control)
        return;
    cg_metrics_free(sv->control->http);
    cg_control_free(sv->control->ctl);
    free(sv->control);
    sv->control = NULL;
}

static uint16_t metrics_port(const struct cg_service *sv)
{
    return sv->control && sv->control->http ? cg_metrics_port(sv->control->http) : 0;
}
