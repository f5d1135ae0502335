/* service_control.c - the control socket's commands and the metrics (see service_int.h). */
#include "service_int.h"

#include "cefguard/engine_counters.h"
#include "cefguard/stats.h"

#include <string.h>

/* cg_counters_write's lines with "PREFIX." before each name. */
static int write_prefixed(const struct cg_counter_table *t, const void *stats, const char *kind,
                          const char *name, struct cg_buf *out)
{
    struct cg_buf tmp;
    cg_buf_init(&tmp);
    int rc = cg_counters_write(t, stats, &tmp);
    const char *p = cg_buf_cstr(&tmp);
    while (rc == CG_OK && *p) {
        size_t n = strcspn(p, "\n");
        rc = cg_buf_printf(out, "%s.%s.%.*s\n", kind, name, (int)n, p);
        p += n + (p[n] == '\n');
    }
    cg_buf_fini(&tmp);
    return rc;
}

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
             "journal frames replayed at start (acknowledged before a crash)"),
};
const struct cg_counter_table cg_service_counters = {service_counter_v,
                                                     CG_ARRAY_LEN(service_counter_v)};

int cg_service_stats_write(struct cg_service *sv, struct cg_buf *out)
{
    struct cg_engine_stats es;
    cg_pipeline_engine_stats(&sv->pl, &es);
    int rc = cg_counters_write(&cg_stats_counters, &sv->pl.stats, out);
    if (rc == CG_OK)
        rc = cg_counters_write(&cg_engine_counters, &es, out);
    if (rc == CG_OK)
        rc = cg_buf_printf(out, "engine.alerts_redelivered %llu\n",
                           (unsigned long long)sv->pl.alerts_skipped);
    if (rc == CG_OK)
        rc = cg_counters_write(&cg_service_counters, &sv->stats, out);
    for (size_t i = 0; rc == CG_OK && i < cg_pipeline_nsources(&sv->pl); i++) {
        struct cg_source *s = cg_pipeline_source_at(&sv->pl, i);
        if (s->counters)
            rc = write_prefixed(s->counters, s->stats, "input", cg_service_source_name(sv, s), out);
    }
    for (size_t i = 0; rc == CG_OK && i < cg_pipeline_nsinks(&sv->pl); i++) {
        struct cg_sink *s = cg_pipeline_sink_at(&sv->pl, i);
        if (s->counters && i < sv->build->cfg.sinks.n)
            rc = write_prefixed(s->counters, s->stats, "sink", sv->build->cfg.sinks.v[i].name, out);
    }
    return rc;
}

int cg_service_control_open(struct cg_service *sv)
{
    return CG_OK;
}

void cg_service_control_close(struct cg_service *sv)
{
}
