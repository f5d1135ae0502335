/*
 * service_state.c - the state directory and the store in it (state.h): the lock taken
 * before anything runs, recovery at start, snapshots, and the pipeline hooks that make what
 * a batch caused durable before its frames are acknowledged (see service_int.h).
 *
 * Per batch (a pipeline flush): the sinks are flushed first, then one transaction holds the
 * batch's journal rows (the frames of sources that acknowledge) and the ids of the alerts
 * the sinks took, then the frames are acknowledged (omprog answers OK). So a frame answered
 * OK has its effects in the journal and its alerts delivered and recorded; a kill -9 before
 * the commit leaves the frames unanswered (rsyslog sends them again) and their alerts, when
 * the sinks had written them, unrecorded: the one window in which an alert can be repeated
 * (never lost) is between the sinks' write and the commit.
 *
 * Recovery: the snapshot of the last save is restored into the engine, then the journal
 * (frames acknowledged since) is processed again in order; alerts whose ids were recorded
 * are held back (hooks.alert), so the engine ends where it was and nothing is repeated.
 * Sources that acknowledge also check every live alert against the recorded ids: a frame
 * sent again after a crash makes the same alert again.
 */
#include "service_int.h"

#include "cefguard/log.h"
#include "cefguard/state.h"
#include "cefguard/timeutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cg_service_state {
    struct cg_state *st;
    bool in_batch;   /* a transaction is open for the current batch */
    bool recovering; /* the journal is being processed again */
    bool check_ids;  /* every alert is checked against the recorded ids (acking sources) */
    int64_t last_prune_us;
};

static void state_log(struct cg_service *sv, const char *what, int rc)
{
    cg_log(CG_LOG_ERR, "state %s: %s: %s%s%s", sv->state_dir, what, cg_err_str(rc),
           cg_state_error(sv->state->st)[0] ? ": " : "", cg_state_error(sv->state->st));
}

int cg_service_state_open(struct cg_service *sv)
{
    const struct cg_service_opts *o = &sv->build->svc;
    sv->state_dir = cg_service_state_dir(o);
    if (!(sv->state = calloc(1, sizeof(*sv->state))))
        return CG_ENOMEM;
    struct cg_state_opts so = {.synchronous = o->state_sync,
                               .alert_retention_us = o->alert_retention_us};
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_state_open(sv->state_dir, &so, &sv->state->st, &err);
    if (rc != CG_OK) {
        const char *m = cg_buf_cstr(&err);
        cg_log(CG_LOG_ERR, "%.*s", (int)strcspn(m, "\n"), m);
    }
    cg_buf_fini(&err);
    sv->state->check_ids = sv->mode == CG_SERVICE_OMPROG;
    return rc;
}

void cg_service_state_close(struct cg_service *sv)
{
    if (!sv->state)
        return;
    cg_state_close(sv->state->st);
    free(sv->state);
    sv->state = NULL;
}

/* ---- recovery ------------------------------------------------------------------------------- */

static int replay_frame(void *ctx, const struct cg_state_frame *jf)
{
    struct cg_service *sv = ctx;
    struct cg_frame f = {.bytes = cg_str_make(jf->line, jf->n),
                         .arrival_us = jf->arrival_us,
                         .origin = jf->origin,
                         .seq = jf->seq};
    sv->stats.recovered_frames++;
    if (sv->stats.recovered_frames % 4096 == 0)
        cg_service_keepalive(sv);
    return cg_pipeline_process(&sv->pl, &f);
}

int cg_service_recover(struct cg_service *sv)
{
    struct cg_service_state *ss = sv->state;
    struct cg_buf snap, err;
    cg_buf_init(&snap);
    cg_buf_init(&err);
    int64_t at = 0;
    bool found = false;
    int rc = cg_state_snapshot_load(ss->st, &snap, &at, &found);
    if (rc != CG_OK)
        state_log(sv, "loading the snapshot", rc);
    if (rc == CG_OK && found) {
        rc = cg_pipeline_restore(&sv->pl, snap.p, snap.n, &err);
        const char *m = cg_buf_cstr(&err);
        if (rc != CG_OK) {
            cg_log(CG_LOG_ERR,
                   "state %s: the snapshot does not restore (%.*s): starting "
                   "without correlation state",
                   sv->state_dir, (int)strcspn(m, "\n"), m);
            rc = CG_OK; /* a fresh engine, as on a first run, rather than none */
        } else if (err.n) {
            cg_log(CG_LOG_WARN, "state %s: %.*s", sv->state_dir, (int)strcspn(m, "\n"), m);
        }
    }
    if (rc == CG_OK) {
        ss->recovering = true;
        rc = cg_state_journal_each(ss->st, replay_frame, sv);
        ss->recovering = false;
        if (rc != CG_OK)
            state_log(sv, "processing the journal again", rc);
        else if (sv->stats.recovered_frames)
            cg_log(CG_LOG_INFO, "state %s: %llu acknowledged frames processed again", sv->state_dir,
                   (unsigned long long)sv->stats.recovered_frames);
    }
    /* what recovery emitted anew goes out and is recorded: a batch of its own */
    if (rc == CG_OK)
        rc = cg_pipeline_flush(&sv->pl);
    if (rc == CG_OK && found)
        cg_log(CG_LOG_INFO, "state %s: restored the snapshot of %lld", sv->state_dir,
               (long long)(at / 1000000));
    cg_buf_fini(&snap);
    cg_buf_fini(&err);
    return rc;
}

/* ---- batches ------------------------------------------------------------------------------ */

static int batch_open(struct cg_service *sv)
{
    struct cg_service_state *ss = sv->state;
    if (ss->in_batch)
        return CG_OK;
    int rc = cg_state_begin(ss->st);
    if (rc != CG_OK)
        state_log(sv, "beginning a batch", rc);
    ss->in_batch = rc == CG_OK;
    return rc;
}

/* A write of the batch failed: none of it happens (the frames it was for are not
 * acknowledged: the pipeline stops them). */
static void batch_fail(struct cg_service *sv, const char *what, int rc)
{
    int e = errno;
    state_log(sv, what, rc);
    if (sv->state->in_batch)
        cg_state_rollback(sv->state->st);
    sv->state->in_batch = false;
    errno = e;
}

int cg_service_hook_alert(void *ctx, const struct cg_alert *a)
{
    struct cg_service *sv = ctx;
    struct cg_service_state *ss = sv->state;
    if (!ss)
        return CG_OK;
    if (ss->recovering || ss->check_ids) {
        bool seen = false;
        int rc = cg_state_alert_seen(ss->st, a->id, &seen);
        if (rc != CG_OK) {
            state_log(sv, "looking up an alert id", rc);
            return rc;
        }
        if (seen)
            return CG_PIPELINE_SKIP;
    }
    int rc = batch_open(sv);
    if (rc == CG_OK)
        rc = cg_state_alert_record(ss->st, a->id, a->time_us);
    if (rc != CG_OK)
        batch_fail(sv, "recording an alert id", rc);
    return rc;
}

int cg_service_hook_frame(void *ctx, const struct cg_frame *f)
{
    struct cg_service *sv = ctx;
    struct cg_service_state *ss = sv->state;
    int rc = batch_open(sv);
    if (rc == CG_OK)
        rc = cg_state_journal_add(ss->st, f->origin, f->seq, f->arrival_us, f->bytes.p, f->bytes.n);
    if (rc != CG_OK)
        state_log(sv, "journaling a frame", rc);
    return rc;
}

int cg_service_hook_durable(void *ctx)
{
    struct cg_service *sv = ctx;
    struct cg_service_state *ss = sv->state;
    if (!ss || !ss->in_batch)
        return CG_OK;
    ss->in_batch = false;
    int rc = cg_state_commit(ss->st);
    if (rc != CG_OK) {
        int e = errno;
        state_log(sv, "committing a batch", rc);
        errno = e;
    }
    return rc;
}

/* ---- snapshots ------------------------------------------------------------------------------ */

int cg_service_save(struct cg_service *sv)
{
    struct cg_service_state *ss = sv->state;
    if (!ss || !sv->pl_ready)
        return CG_OK;
    cg_service_keepalive(sv);
    /* what is waiting goes out first: the snapshot clears the journal of what it covers */
    int rc = cg_pipeline_flush(&sv->pl);
    struct cg_buf snap;
    cg_buf_init(&snap);
    if (rc == CG_OK)
        rc = cg_pipeline_snapshot(&sv->pl, &snap);
    int64_t now = cg_time_now_us();
    if (rc == CG_OK)
        rc = cg_state_snapshot_save(ss->st, snap.p, snap.n, now);
    if (rc == CG_OK && now - ss->last_prune_us > 3600 * 1000000LL) {
        int64_t clock = sv->pl.engine ? cg_engine_clock(sv->pl.engine) : 0;
        if (clock > 0 && cg_state_prune(ss->st, clock) == CG_OK)
            ss->last_prune_us = now;
    }
    cg_buf_fini(&snap);
    if (rc != CG_OK) {
        state_log(sv, "saving a snapshot", rc);
        sv->stats.snapshot_failures++;
    } else {
        sv->stats.snapshots++;
    }
    return rc;
}

void cg_service_keepalive(struct cg_service *sv)
{
    if (sv->omprog)
        cg_source_lines_keepalive(sv->omprog);
}

const struct cg_state_stats *cg_service_state_stats(const struct cg_service *sv)
{
    return sv->state && sv->state->st ? cg_state_stats(sv->state->st) : NULL;
}
