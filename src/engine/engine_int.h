/*
 * engine_int.h - the engine's own structure, shared by engine.c (clock, dispatch,
 * chaining) and engine_snap.c (snapshots). Not a public interface; correlation does not
 * see it (correlate.h has the context it works in).
 */
#ifndef CEFGUARD_ENGINE_INT_H
#define CEFGUARD_ENGINE_INT_H

#include "alert_id.h"
#include "correlate.h"
#include "index.h"

#include "cefguard/engine.h"
#include "cefguard/timerq.h"

/* An internal event (an alert fed back) waiting to be dispatched. */
struct cg_eng_queued {
    struct cg_event *ev;
    unsigned depth;
};

struct cg_engine {
    const struct cg_ruleset *rs;
    struct cg_engine_opts o;
    cg_alert_fn fn;
    void *fn_ctx;
    struct cg_corr_rstate *rstates; /* one per rule */
    struct cg_index index;          /* the rules for events from input */
    struct cg_index internal;       /* the rules that ask for cefguard's own alerts */
    struct cg_match_memo memo;      /* shared conditions, evaluated once per event */
    struct cg_corr_ctx corr;        /* the clock lives here (corr.clock, corr.has_clock) */
    struct cg_timerq timers;        /* deadlines: corr.timers */
    struct {
        struct cg_eng_queued *v; /* internal events waiting, FIFO */
        size_t n, cap;
    } queue;
    unsigned depth; /* chain depth of the event being processed */
    struct cg_engine_stats st;
    struct cg_buf summary;          /* template rendering */
    struct cg_alert_hasher *hasher; /* alert ids (alert_id.h), made at the first alert */
};

#endif
