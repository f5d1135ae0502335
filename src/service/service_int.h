/*
 * service_int.h - the service's parts (private to src/service/): service.c runs the loop,
 * service_state.c keeps the state store (recovery, snapshots, the hooks that make alerts
 * and acknowledged frames durable), service_control.c answers the control socket and the
 * metrics listener.
 */
#ifndef CEFGUARD_SERVICE_INT_H
#define CEFGUARD_SERVICE_INT_H

#include "cefguard/service.h"
#include "cefguard/state.h"
#include "cefguard/source_lines.h"
#include "cefguard/vec.h"

struct event;

struct cg_service_stats {
    uint64_t reloads, reload_failures;
    uint64_t snapshots, snapshot_failures;
    uint64_t recovered_frames;   /* journal frames replayed at start */
    uint64_t alerts_redelivered; /* copied from the pipeline when written */
    uint64_t alerts_in_sink;     /* the same */
    uint64_t http_port;          /* gauge, copied from the listener when written */
};

struct cg_service {
    const struct cg_service_loader *ld;
    enum cg_service_mode mode;
    struct event_base *base;
    struct cg_service_build *first; /* the start's build: the inputs' confs point into it */
    struct cg_service_build *build; /* the current one (rules, sinks) */
    struct {
        struct cg_service_build **v; /* replaced builds whose configuration kept sinks may
                                        still use; freed at exit */
        size_t n, cap;
    } retired;
    const struct cg_config *inputs; /* first->cfg */
    struct cg_pipeline pl;
    bool pl_ready;
    struct cg_source_lines_conf omprog_conf;
    struct cg_source *omprog; /* omprog mode: the stdin source */
    struct event *sig[3], *tick, *snap, *drain;
    bool stopping, tick_failed, stopped;
    int64_t drain_end_us; /* monotonic: when a stop gives up on the sinks */
    int status;           /* what run returns once stopped */
    const char *state_dir;
    struct cg_service_stats stats;
    struct cg_service_state *state;     /* service_state.c */
    struct cg_service_control *control; /* service_control.c */
};

/* service.c */
void cg_service_stop(struct cg_service *sv);
void cg_service_reload(struct cg_service *sv);
void cg_service_retire(struct cg_service *sv, struct cg_service_build *nb);
const char *cg_service_source_name(struct cg_service *sv, const struct cg_source *s);

/* service_state.c: the state directory and store. open takes the directory (one instance
 * per directory) before anything runs; recover restores the snapshot and replays the
 * journal into the pipeline; save writes a snapshot; close releases the directory. Each
 * logs its own errors. */
int cg_service_state_open(struct cg_service *sv);
int cg_service_recover(struct cg_service *sv);
int cg_service_save(struct cg_service *sv);
void cg_service_state_close(struct cg_service *sv);
int cg_service_hook_alert(void *ctx, const struct cg_alert *a);
int cg_service_hook_frame(void *ctx, const struct cg_frame *f);
int cg_service_hook_durable(void *ctx);
/* omprog: a keep-alive dot for rsyslog during long work (start, recovery, reload). */
void cg_service_keepalive(struct cg_service *sv);
/* The store's counters, or NULL before it is open. */
const struct cg_state_stats *cg_service_state_stats(const struct cg_service *sv);

/* service_control.c */
int cg_service_control_open(struct cg_service *sv);
void cg_service_control_close(struct cg_service *sv);
/* Appends "name value" lines: the pipeline's, the engine's, each input's and sink's
 * (input.NAME.*, sink.NAME.*), the service's own. */
int cg_service_stats_write(struct cg_service *sv, struct cg_buf *out);

#endif
