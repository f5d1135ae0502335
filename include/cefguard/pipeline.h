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
 * Running without an event loop (`parse`, `replay`, `test`): cg_pipeline_run starts the
 * sources in the order they were added and returns once each has ended. When a sink presses
 * back, the sources are paused; the pipeline flushes the pressing sinks and resumes the
 * sources once none presses any more - never from within a sink's call.
 *
 * Running on an event loop (opts.loop: the service): cg_pipeline_start starts every source,
 * which registers its events and returns; frames then arrive from the loop's callbacks.
 * The service drives time with cg_pipeline_tick (the wall clock: the engine's deadlines
 * fire when nothing arrives, and what the sinks hold is flushed), is told through
 * hooks.ended when a source ends, and stops the sources with cg_pipeline_stop. A sink that
 * presses back pauses every source; when none presses any more the sources are resumed from
 * the loop (a zero timeout), not from within the sink's call.
 *
 * Durability (hooks): the service keeps what recovery needs - the frames of sources that
 * acknowledge (a journal) and the ids of the alerts delivered - and makes it durable in
 * hooks.durable, called by cg_pipeline_flush after the sinks' flush and before the acks.
 * hooks.alert sees each alert before the sinks and may hold back one delivered before (a
 * frame re-delivered after a crash).
 *
 * Reload: cg_pipeline_swap_rules moves the correlation state into an engine of the new rule
 * set (state is kept for the rules whose id and definition are unchanged: engine.h
 * snapshots) and switches the normalizer; the engine's totals carry over
 * (cg_pipeline_engine_stats).
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

/* hooks.alert: the alert was delivered before; it is counted, not delivered again. */
#define CG_PIPELINE_SKIP 1

struct event_base;

/* What the service adds around the pipeline; a NULL member is not called. Each runs on the
 * pipeline's thread, never from within another. */
struct cg_pipeline_hooks {
    void *ctx;
    /* An alert about to go to the sinks: CG_OK delivers it, CG_PIPELINE_SKIP holds it back
     * (delivered before), an error stops the frame (as a sink's error does). */
    int (*alert)(void *ctx, const struct cg_alert *a);
    /* A frame of a source that acknowledges was processed (before its ack waits for the
     * next flush): CG_OK, or an error that stops the frame (then it is never acked). */
    int (*frame)(void *ctx, const struct cg_frame *f);
    /* The sinks were flushed; make what alert and frame kept durable, before the acks.
     * CG_OK, or an error (CG_EBUSY, CG_EIO): the waiting frames are not acknowledged. */
    int (*durable)(void *ctx);
    /* A started source ended with rc (source.h: env->end). */
    void (*ended)(void *ctx, struct cg_source *s, int rc);
};

struct cg_pipeline_opts {
    struct cg_syslog_opts syslog;
    size_t max_fields;              /* 0: default */
    struct cg_normalizer *nz;       /* may be NULL; not owned */
    const struct cg_ruleset *rules; /* NULL: no engine (parse) */
    struct cg_engine_opts engine;
    bool log_rejects;
    size_t max_unacked;      /* frames waiting for their ack before the pipeline flushes the
                                sinks by itself; 0: CG_PIPELINE_MAX_UNACKED */
    struct event_base *loop; /* NULL: run without a loop (cg_pipeline_run) */
    struct cg_pipeline_hooks hooks;
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
    struct { /* a reload's new list of sinks (cg_pipeline_sinks_begin) */
        struct cg_pipeline_sink **v;
        size_t n, cap;
    } staged;
    size_t pressing;                     /* sinks that press back */
    size_t running;                      /* sources started and not ended */
    bool dirty;                          /* alerts went to the sinks since their last flush */
    struct event *resume_ev;             /* loop: resumes the sources after pressure */
    struct cg_engine_stats engine_carry; /* totals of the engines a reload replaced */
    uint64_t alerts_skipped;             /* held back by hooks.alert */
    uint64_t alerts_in_sink;             /* not given to a sink that had it (sink.h: has) */
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

/* With a loop: starts every source that has not started, in order. CG_OK, or the first
 * error a start returned (the sources started before keep running: stop them). */
int cg_pipeline_start(struct cg_pipeline *p);

/* The wall clock, now_us: the engine's deadlines up to it fire (engine.h), then the sinks
 * are flushed and the waiting frames acknowledged. CG_OK or the first error. */
int cg_pipeline_tick(struct cg_pipeline *p, int64_t now_us);

/* Reload: the pipeline goes on with rule set rs and normalizer nz (both outlive it, until
 * the next swap; the old ones may be freed once this returns CG_OK). The sinks are flushed
 * first; the state of unchanged rules moves to the new engine, what was dropped is said in
 * err. CG_OK; CG_ENOMEM or CG_EPARSE (a snapshot that does not restore): nothing changed. */
int cg_pipeline_swap_rules(struct cg_pipeline *p, const struct cg_ruleset *rs,
                           struct cg_normalizer *nz, struct cg_buf *err);

/* The engine's counters since the pipeline began: totals summed over the engines reloads
 * replaced, gauges of the current engine. */
void cg_pipeline_engine_stats(const struct cg_pipeline *p, struct cg_engine_stats *out);

/* Reload of the sinks, all at once: begin starts a new list; keep moves a sink of the
 * running list into it (it goes on with what it holds), add makes a new one into it (as
 * cg_pipeline_add_sink); commit makes the new list the running one, in the order it was
 * built, and finishes the sinks that were not kept (flush first: what they hold unflushed
 * is dropped); abort finishes the new ones and leaves the running list as it was. */
int cg_pipeline_sinks_begin(struct cg_pipeline *p);
int cg_pipeline_sinks_keep(struct cg_pipeline *p, struct cg_sink *s);
int cg_pipeline_sinks_add(struct cg_pipeline *p, const struct cg_sink_ops *ops, const void *conf);
void cg_pipeline_sinks_commit(struct cg_pipeline *p);
void cg_pipeline_sinks_abort(struct cg_pipeline *p);

/* Processes one frame that no source delivers (the journal replayed at start): as a frame
 * of a source that cannot acknowledge. CG_OK or the error that stopped it. */
int cg_pipeline_process(struct cg_pipeline *p, const struct cg_frame *f);

/* Restores an engine snapshot (cg_engine_restore). */
int cg_pipeline_restore(struct cg_pipeline *p, const char *snap, size_t n, struct cg_buf *err);
/* Appends an engine snapshot (cg_engine_snapshot); nothing without rules. */
int cg_pipeline_snapshot(struct cg_pipeline *p, struct cg_buf *out);

/* The sources and sinks, in the order they were added (for their counters). */
size_t cg_pipeline_nsources(const struct cg_pipeline *p);
struct cg_source *cg_pipeline_source_at(struct cg_pipeline *p, size_t i);
size_t cg_pipeline_nsinks(const struct cg_pipeline *p);
struct cg_sink *cg_pipeline_sink_at(struct cg_pipeline *p, size_t i);

#endif
