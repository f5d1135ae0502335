/*
 * pipeline.h - where the stages meet: sources -> decode -> normalize -> rule engine ->
 * sinks. No stage calls another; the pipeline hands each one's output to the next.
 * `parse`, `replay` and `test` (and later the daemon) are pipelines with different
 * sources and sinks.
 *
 * Every frame gives exactly one event: a frame nothing decodes becomes a raw event with a
 * reason, counted and logged (rate-limited, naming the frame's origin and number), and
 * the stream goes on. Each event goes to the sinks that take events, then to the engine,
 * whose alerts go to every sink that takes alerts, in the order the sinks were added.
 * Frames of sources that acknowledge are acknowledged once the sinks have made all they
 * took for them durable (source.h, sink.h).
 *
 * Sources and sinks are made by the pipeline from an ops struct and a conf
 * (cg_pipeline_add_source/_sink), owned by it and finished by cg_pipeline_fini.
 *
 * Running: cg_pipeline_run starts the sources in the order they were added and, without
 * an event loop (all there is for now), returns once each has ended. When a sink presses
 * back, the sources are paused; the pipeline flushes the pressing sinks and resumes the
 * sources once none presses any more - never from within a sink's call.
 *
 * Threading: one pipeline, one thread.
 */
#ifndef CEFGUARD_PIPELINE_H
#define CEFGUARD_PIPELINE_H

#include "cefguard/decode.h"
#include "cefguard/engine.h"
#include "cefguard/log.h"
#include "cefguard/normalize.h"
#include "cefguard/sink.h"
#include "cefguard/source.h"
#include "cefguard/stats.h"

#define CG_PIPELINE_MAX_UNACKED 1024

struct cg_pipeline_opts {
    struct cg_syslog_opts syslog;
    size_t max_fields;              /* 0: default */
    struct cg_normalizer *nz;       /* may be NULL; not owned */
    const struct cg_ruleset *rules; /* NULL: no engine (parse) */
    struct cg_engine_opts engine;
    bool log_rejects;
    size_t max_unacked; /* frames waiting for their ack before the pipeline flushes the
                           sinks by itself; 0: CG_PIPELINE_MAX_UNACKED */
};

struct cg_pipeline_source; /* a source and the pipeline's view of it (pipeline.c) */
struct cg_pipeline_sink;

/* A frame processed, waiting for the sinks' flush to be acknowledged. */
struct cg_pipeline_unacked {
    struct cg_pipeline_source *src;
    uint64_t token;
};

struct cg_pipeline {
    struct cg_pipeline_opts o;
    struct cg_decoder dec;
    struct cg_engine *engine;
    struct cg_event ev;
    struct cg_stats stats;
    struct cg_log_rejects rlog;
    struct cg_source_env source_env;
    struct cg_sink_env sink_env;
    struct {
        struct cg_pipeline_source **v;
        size_t n, cap;
    } sources;
    struct {
        struct cg_pipeline_sink **v;
        size_t n, cap;
    } sinks;
    struct { /* the sinks that take alerts, and events: what the hot path walks */
        struct cg_sink **v;
        size_t n, cap;
    } alert_sinks, event_sinks;
    struct {
        struct cg_pipeline_unacked *v;
        size_t n, cap;
    } unacked;
    size_t pressing; /* sinks that press back */
};

/* CG_EINVAL: bad timezone; CG_ENOMEM. */
int cg_pipeline_init(struct cg_pipeline *p, const struct cg_pipeline_opts *o);
/* Stops the sources still running, then finishes every source and sink (what the
 * sinks hold unflushed is dropped: call cg_pipeline_flush first). Held-back reject
 * counts that cg_pipeline_finish did not log are logged here. */
void cg_pipeline_fini(struct cg_pipeline *p);

/* Makes a sink of ops with conf (see the implementation's header), before the run.
 * CG_OK, or the error of its init or CG_ENOMEM (then there is no sink). */
int cg_pipeline_add_sink(struct cg_pipeline *p, const struct cg_sink_ops *ops, const void *conf);
/* Makes a source of ops with conf, before the run. CG_OK, or the error of its init or
 * CG_ENOMEM (then there is no source). */
int cg_pipeline_add_source(struct cg_pipeline *p, const struct cg_source_ops *ops,
                           const void *conf);

/* Starts the sources in order and returns when each has ended. CG_OK, or the first error
 * a source ended with (a sink's error included: the source got it from its frame), or
 * the error that kept the pipeline from going on (a pressing sink whose flush failed, a
 * source that needs an event loop: CG_EINVAL). */
int cg_pipeline_run(struct cg_pipeline *p);

/* End of input: logs the rejected lines the rate limit held back since its last report
 * ("rejected (no_decoder) [N more not shown]"), then resolves the engine's pending windows
 * (their alerts go to the sinks). */
int cg_pipeline_finish(struct cg_pipeline *p);

/* Flushes every sink and acknowledges the frames waiting for it. CG_OK or the first
 * sink's error (errno kept); the waiting frames are then never acknowledged. */
int cg_pipeline_flush(struct cg_pipeline *p);

/* Asks every running source to stop (each ends before this returns). */
void cg_pipeline_stop(struct cg_pipeline *p);

#endif
