/*
 * service.h - cefguard as a long-running service: `cefguard run` (network inputs) and
 * `cefguard omprog` (rsyslog's omprog program). One thread, one libevent loop, one
 * pipeline (pipeline.h):
 *
 *   inputs (sources) -> decode -> normalize -> rule engine -> sinks
 *                                               |
 *   state store (snapshot, journal, alert ids) -+- control socket, metrics
 *
 * What a (re)load makes - the configuration, the rules and the rulebases - comes from the
 * caller's loader (the command line reads the option table and the files), so the service
 * knows no file format of its own. The service:
 *   - takes the state directory (state.h: one instance per directory), restores the
 *     snapshot of the last run and replays the journal of acknowledged frames since it, the
 *     alerts already delivered held back by their ids;
 *   - starts the inputs (omprog: stdin alone), drives the engine's deadlines and the sinks'
 *     flushes from a timer on the wall clock (flush-interval), and saves a snapshot every
 *     state-interval;
 *   - SIGHUP (or `cefguard reload`): loads everything again; on any error the running set
 *     stays and every error is logged; otherwise the rules, rulebases and sinks are swapped
 *     at once (state of unchanged rules kept, files reopened: logrotate);
 *   - SIGTERM / SIGINT: stops accepting, delivers what the inputs hold, flushes the sinks,
 *     saves the state and returns 0. omprog: EOF on stdin does the same.
 */
#ifndef CEFGUARD_SERVICE_H
#define CEFGUARD_SERVICE_H

#include "cefguard/config.h"
#include "cefguard/normalize.h"
#include "cefguard/pipeline.h"
#include "cefguard/rules.h"

enum cg_service_mode {
    CG_SERVICE_RUN,    /* the configured inputs */
    CG_SERVICE_OMPROG, /* stdin as rsyslog's omprog program; the configured inputs are not
                          started (rsyslog receives) */
};

/* The service's own settings: top-level options of `run` and `omprog` that the caller's
 * option table stores here (cli_opts.c). */
struct cg_service_opts {
    const char *state_dir;      /* NULL: $STATE_DIRECTORY, else ./cefguard-state */
    int64_t state_interval_us;  /* how often the correlation state is saved */
    int64_t flush_interval_us;  /* the wall-clock tick: deadlines and sink flushes */
    size_t max_line;            /* omprog: longer lines are cut */
    int64_t drain_timeout_us;   /* how long a stop waits for the sinks to send what they hold */
    const char *state_sync;     /* "normal" or "full" (state.h) */
    int64_t alert_retention_us; /* how long delivered alert ids are remembered */
    const char *http_listen;    /* the metrics listener; NULL: none */
};

/* Everything one (re)load makes; the loader allocates it, free releases all of it. */
struct cg_service_build {
    struct cg_config cfg;          /* inputs, sinks and the top-level values */
    struct cg_ruleset rules;       /* loaded */
    struct cg_normalizer *nz;      /* the rulebases */
    struct cg_pipeline_opts popts; /* from the top-level values; rules and nz unset */
    struct cg_service_opts svc;    /* from the top-level values */
    void (*free)(struct cg_service_build *b);
};

struct cg_service_loader {
    void *ctx;
    /* A new build, or an error with every message appended to err (CG_EPARSE, CG_EIO,
     * CG_EINVAL, CG_ENOMEM). Called at start and on each reload. */
    int (*load)(void *ctx, struct cg_service_build **out, struct cg_buf *err);
};

/* The kinds of input and sink (service_types.c) and the bundled configuration. */
extern const struct cg_config_type cg_service_types[];
extern const size_t cg_service_ntypes;
extern const char cg_service_default_config[];
/* The service's own counters ("service.reloads", ...). */
extern const struct cg_counter_table cg_service_counters;

/* Whether the sink writes to stdout (omprog refuses it: stdout carries the answers). */
bool cg_service_sink_on_stdout(const struct cg_config_item *it);

/* Runs until stopped. 0: a clean stop; 1: a failure while running (logged); 2: the first
 * load or the start failed (logged). */
int cg_service_run(const struct cg_service_loader *ld, enum cg_service_mode mode);

/* The state directory the options name: state_dir, $STATE_DIRECTORY (systemd's
 * StateDirectory=; the first of a colon-separated list), or ./cefguard-state. */
const char *cg_service_state_dir(const struct cg_service_opts *o);

#endif
