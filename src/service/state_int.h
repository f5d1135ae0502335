/*
 * state_int.h - the state store's own structure, shared by state.c (open, lock, integrity,
 * schema, batches, errors), state_journal.c (snapshot, journal, audit) and state_alerts.c
 * (delivered alert ids). Not a public interface: SQLite stays behind state.h.
 */
#ifndef CEFGUARD_STATE_INT_H
#define CEFGUARD_STATE_INT_H

#include "cefguard/hmap.h"
#include "cefguard/state.h"

#include <sqlite3.h>

/* The prepared statements, one per query (state.c lists their SQL in the same order). */
enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SNAP_PUT,
    ST_SNAP_GET,
    ST_JOURNAL_CLEAR,
    ST_JOURNAL_ADD,
    ST_JOURNAL_EACH,
    ST_ALERT_GET,
    ST_ALERT_PUT,
    ST_ALERT_PRUNE,
    ST_AUDIT_PUT,
    ST_AUDIT_PRUNE,
    ST_MAX
};

/* A recent delivered id in the in-memory set: a ring in insertion order, the map's keys
 * borrowed from it. */
struct cg_state_id {
    uint8_t id[16];
    int64_t time_us;
    bool live; /* in the map (false: pruned, or not yet used) */
};

struct cg_state {
    char *dir;
    int lock_fd;
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_MAX];
    struct cg_state_opts o;
    struct cg_state_stats st;
    bool in_batch;
    bool iterating; /* inside cg_state_journal_each */
    /* What the open batch changes, applied at commit (dropped at rollback). */
    struct {
        bool snapshot; /* a snapshot was saved: snapshot_bytes, journal cleared */
        uint64_t snapshot_bytes;
        uint64_t journal_added;
        uint64_t recorded;
        uint64_t pruned;
        struct {
            struct cg_state_id *v; /* ids recorded: into the cache at commit */
            size_t n, cap;
        } ids;
    } pend;
    /* The in-memory set of recent ids. */
    struct cg_state_id *ring;
    size_t ring_cap, ring_next, ring_n;
    struct cg_hmap ids;
    struct cg_buf errmsg;
};

/* Maps an SQLite result code to enum cg_err (errno set for CG_EIO), counts it and keeps
 * the connection's message with what (the operation) before it. */
int cg_state_fail(struct cg_state *st, int rc, const char *what);
/* Runs statement i to completion (reset and bindings cleared after). */
int cg_state_step_done(struct cg_state *st, int i, const char *what);
/* The same for statement i whose bindings returned raw: a failed binding fails it. */
int cg_state_run(struct cg_state *st, int i, int raw, const char *what);
/* The write op runs inside the batch, or in a transaction of its own when none is open:
 * begin/end pair around a write. journal: a write of the journal or the snapshot, refused
 * (CG_EINVAL) inside cg_state_journal_each. */
int cg_state_write_begin(struct cg_state *st, bool journal, bool *own);
int cg_state_write_end(struct cg_state *st, bool own, int rc);

/* state_alerts.c: the in-memory set. */
int cg_state_ids_init(struct cg_state *st);
void cg_state_ids_fini(struct cg_state *st);
/* Puts the open batch's recorded ids into the set (after a commit). */
void cg_state_ids_commit(struct cg_state *st);

#endif
