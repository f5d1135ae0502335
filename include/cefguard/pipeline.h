/*
 * pipeline.h - where the stages meet: framing -> decode -> normalize -> rule engine
 * -> output. No stage calls another; the pipeline hands each one's output to the
 * next. `parse`, `replay`, `test` (and later the daemon) are pipelines with
 * different outputs.
 *
 * Every line gives exactly one event: a line nothing decodes becomes a raw
 * event with a reason, counted and logged (rate-limited), and the stream goes on.
 */
#ifndef CEFGUARD_PIPELINE_H
#define CEFGUARD_PIPELINE_H

#include "cefguard/decode.h"
#include "cefguard/engine.h"
#include "cefguard/log.h"
#include "cefguard/normalize.h"
#include "cefguard/stats.h"

/* Called with each event (after normalize and the engine) when events are wanted. */
typedef int (*cg_event_out_fn)(void *ctx, struct cg_event *ev);

struct cg_pipeline_opts {
    struct cg_syslog_opts syslog;
    size_t max_fields;              /* 0: default */
    struct cg_normalizer *nz;       /* may be NULL; not owned */
    const struct cg_ruleset *rules; /* NULL: no engine (parse) */
    struct cg_engine_opts engine;
    cg_alert_fn on_alert;
    cg_event_out_fn on_event; /* NULL: events are not output */
    void *ctx;
    bool log_rejects;
};

struct cg_pipeline {
    struct cg_pipeline_opts o;
    struct cg_decoder dec;
    struct cg_engine *engine;
    struct cg_event ev;
    struct cg_stats stats;
    struct cg_log_rejects rlog;
};

/* CG_EINVAL: bad timezone; CG_ENOMEM. */
int cg_pipeline_init(struct cg_pipeline *p, const struct cg_pipeline_opts *o);
void cg_pipeline_fini(struct cg_pipeline *p);

/* One line (no LF). cut: the framing cut it at max_line. arrival_us: wall clock
 * for live input, 0 for replay. src/lineno name it in reject logs. */
int cg_pipeline_line(struct cg_pipeline *p, struct cg_str line, bool cut, int64_t arrival_us,
                     const char *src, uint64_t lineno);

/* Reads fd to the end through the framing. CG_EIO on a read error. */
int cg_pipeline_fd(struct cg_pipeline *p, int fd, const char *src, size_t max_line);

/* End of input: resolves pending windows. */
int cg_pipeline_finish(struct cg_pipeline *p);

#endif
