/*
 * state.h - the state store: what a running cefguard keeps across restarts, in one SQLite
 * database per state directory (src/service/state*.c).
 *
 * What it holds.
 *   - The engine snapshot (cg_engine_snapshot's bytes, opaque here) and the time it was
 *     taken.
 *   - The journal: the frames of acknowledging sources (omprog, later Kafka) acknowledged
 *     since that snapshot, in the order they were added. After a crash the service
 *     restores the snapshot and processes the journal again, so the engine ends where it
 *     was; the alerts that this re-processing makes again carry the ids they had
 *     (engine.h, cg_alert_id) and are suppressed when already delivered. Saving a
 *     snapshot clears the journal in the same transaction.
 *   - The ids of delivered alerts, with their event time, kept for a retention period of
 *     event time (opts.alert_retention_us) and pruned by cg_state_prune.
 *   - An audit log of what cefguard decided (response requests, later their results).
 *   The schema carries a version (PRAGMA user_version) so that later issues can add tables
 *   (the response stage's pending actions) and migrate.
 *
 * One process per directory. Correlation needs the whole stream in one process, so open
 * takes an exclusive flock(2) on DIR/lock (the file holds the pid of its holder): a second
 * cefguard on the same directory gets CG_EBUSY and "DIR is in use by another cefguard (pid
 * N)". flock belongs to the open file description: a second open in the same process is
 * refused too. The lock goes with the process (kill -9 included); the file stays.
 *
 * Durability. The database is in WAL mode. A batch (cg_state_begin .. cg_state_commit) is
 * one transaction: after commit returns CG_OK its writes are in the database's write-ahead
 * log. With synchronous "normal" (the default) they survive the process being killed at
 * any point (kill -9, a crash: the log is in the kernel's page cache) and may be lost, as
 * whole transactions and never half of one, when the machine loses power or the kernel
 * crashes before the next checkpoint; with "full" the log is fsync'ed at each commit and
 * they survive that too, at the cost of an fsync per batch. An uncommitted batch is lost
 * whole in every case.
 *
 * Integrity. Open runs PRAGMA quick_check (O(database size): a fraction of a second for
 * a few hundred MiB). A database that fails it, or that SQLite reports as corrupt or not a
 * database, is moved aside to state.db.corrupt-<unix seconds> (its -wal and -shm files
 * with it), an error is logged and counted (state.corrupt), and the store starts empty:
 * the engine starts without state, as it would on a first run, rather than not at all. A
 * database that becomes corrupt while running makes the calls that meet it fail with
 * CG_EIO (counted in state.errors); the next open moves it aside. A database written by a
 * newer cefguard (a higher schema version) or by another program is refused (CG_EINVAL,
 * nothing moved): it is not corrupt, this binary is old.
 *
 * Errors. Every fallible call returns CG_OK or: CG_EBUSY (the database is locked by
 * another connection beyond busy_timeout: transient, the omprog answer is "not OK, retry");
 * CG_EIO with errno kept (ENOSPC for a full disk or SQLITE_FULL, EIO for corruption and
 * other SQLite failures); CG_ENOMEM; CG_ELIMIT (a blob or line beyond SQLite's length
 * limit); CG_EINVAL (a misuse: a batch inside a batch, a write during cg_state_journal_each).
 * Each error is counted in state.errors and its SQLite message kept for
 * cg_state_error(); the store logs nothing but the moves of open, the caller decides.
 *
 * Use (the service). At start: open; snapshot_load into cg_engine_restore; journal_each,
 * each frame processed again with its arrival_us, each alert it makes checked with
 * alert_seen and sent on only when not seen. Per pipeline sync: begin; journal_add of the
 * frames about to be acknowledged; alert_record of the alerts the flushed sinks took;
 * commit; then acknowledge (a failed commit: acknowledge nothing). Every state-interval:
 * begin, snapshot_save (cg_engine_snapshot and the engine clock), prune (the clock),
 * commit. Frames of sources that acknowledge nothing (UDP, TCP) need no journal: the
 * snapshot is all their recovery.
 *
 * Threading: one thread. Nothing of SQLite leaves this module: no handle, no statement.
 */
#ifndef CEFGUARD_STATE_H
#define CEFGUARD_STATE_H

#include "cefguard/buf.h"
#include "cefguard/counters.h"
#include "cefguard/options.h"

/* The store's options; zero members take the defaults (as cg_state_options gives them). */
struct cg_state_opts {
    const char *synchronous;    /* "normal" (default, NULL) or "full": see Durability */
    int64_t alert_retention_us; /* delivered alert ids kept this long in event time: 7 days */
    int64_t audit_retention_us; /* audit rows kept this long (their at_us clock): 90 days */
    unsigned alert_cache;       /* recent ids kept in memory (16 bytes + a slot each): 65536 */
    int64_t busy_timeout_us;    /* how long a locked database is waited for: 100 ms */
};

#define CG_STATE_ALERT_RETENTION_DEFAULT (7 * 86400 * 1000000LL)
#define CG_STATE_AUDIT_RETENTION_DEFAULT (90 * 86400 * 1000000LL)
#define CG_STATE_ALERT_CACHE_DEFAULT 65536u
#define CG_STATE_BUSY_TIMEOUT_DEFAULT (100 * 1000LL)

/* The options as configuration keys (state-sync, alert-retention, audit-retention,
 * alert-cache, state-busy-timeout: top-level keys of the service's configuration), command
 * bit 1 named "state", offsets into struct cg_state_opts. None is reloadable. */
extern const struct cg_opt_table cg_state_options;

struct cg_state_stats {
    uint64_t snapshots;           /* snapshots saved (committed) */
    uint64_t snapshot_bytes;      /* gauge: size of the stored snapshot */
    uint64_t journal_rows;        /* gauge: frames in the journal (since the snapshot) */
    uint64_t alerts_recorded;     /* delivered alert ids stored (new ones) */
    uint64_t alerts_suppressed;   /* cg_state_alert_seen answers "already delivered" */
    uint64_t alerts_pruned;       /* ids dropped by cg_state_prune (past the retention) */
    uint64_t alert_cache_evicted; /* ids pushed out of the in-memory set by alert-cache */
    uint64_t commits;             /* batches (and single writes) committed */
    uint64_t errors;              /* calls that failed (see Errors) */
    uint64_t corrupt;             /* corrupt databases moved aside at open */
};

/* "state.snapshots", "state.snapshot_bytes", ... (the service adds no prefix). */
extern const struct cg_counter_table cg_state_counters;

struct cg_state;

/* Opens (creating what is missing) the store in dir: dir itself (mode 0700, one level: its
 * parent must exist), the lock, dir/state.db (see Integrity). o may be NULL (defaults).
 * CG_OK with *out set; or an error with *out NULL and a message appended to err:
 * CG_EBUSY (another cefguard holds the directory: "DIR is in use by another cefguard (pid
 * N)", or the database is locked), CG_EINVAL (a bad option, a newer or foreign database),
 * CG_EIO (errno kept: the directory, the lock, the database cannot be made), CG_ENOMEM. */
int cg_state_open(const char *dir, const struct cg_state_opts *o, struct cg_state **out,
                  struct cg_buf *err);
/* Closes the database and releases the lock. An open batch is rolled back (lost). NULL is
 * a no-op. */
void cg_state_close(struct cg_state *st);

const struct cg_state_stats *cg_state_stats(const struct cg_state *st);
/* The message of the last error ("disk I/O error", "database is locked"), "" if none;
 * valid until the next call. */
const char *cg_state_error(const struct cg_state *st);

/* ---- batches ---------------------------------------------------------------------------- */

/* Groups the writes of one pipeline sync (journal rows, alert ids, a snapshot, audit rows)
 * into one transaction. begin takes the database's write lock: CG_EBUSY when another
 * connection holds it. Writes outside a batch are each their own transaction. */
int cg_state_begin(struct cg_state *st);
/* Makes the batch durable (see Durability). On an error the batch is rolled back: none
 * of its writes happened (CG_EIO/ENOSPC for a full disk: answer omprog "not OK"). */
int cg_state_commit(struct cg_state *st);
/* Drops the batch (after a write of it failed, or the frames it was for failed). */
void cg_state_rollback(struct cg_state *st);

/* ---- snapshot and journal --------------------------------------------------------------- */

/* Stores the snapshot p[0..n) taken at at_us (replacing the last) and clears the journal,
 * in one transaction (the batch's, when one is open). */
int cg_state_snapshot_save(struct cg_state *st, const void *p, size_t n, int64_t at_us);
/* Appends the stored snapshot to out and sets *at_us, *found true; *found false (out and
 * *at_us untouched) when there is none. */
int cg_state_snapshot_load(struct cg_state *st, struct cg_buf *out, int64_t *at_us, bool *found);

/* Adds an acknowledged frame: the source's name (origin, NUL-terminated), its number
 * there, its arrival time and its bytes (line[0..n), any bytes). */
int cg_state_journal_add(struct cg_state *st, const char *origin, uint64_t seq, int64_t arrival_us,
                         const void *line, size_t n);

/* A journal row, valid during the callback only. */
struct cg_state_frame {
    const char *origin;
    uint64_t seq;
    int64_t arrival_us;
    const char *line; /* n bytes, not NUL-terminated */
    size_t n;
};

/* Returns CG_OK to go on, anything else to stop (cg_state_journal_each returns it). */
typedef int (*cg_state_frame_fn)(void *ctx, const struct cg_state_frame *f);

/* Calls fn for each journal row in insertion order. fn may call cg_state_alert_seen and
 * cg_state_alert_record, not cg_state_journal_add nor cg_state_snapshot_save (CG_EINVAL).
 * CG_OK, fn's code, or a store error. */
int cg_state_journal_each(struct cg_state *st, cg_state_frame_fn fn, void *ctx);

/* ---- delivered alerts ------------------------------------------------------------------- */

/* Was the alert with this id delivered (recorded) before? The in-memory set of recent ids
 * first (alert-cache of them, the oldest pushed out first), then the table. A "yes" counts
 * in state.alerts_suppressed. On a store error *seen is false and the error returned. Use
 * it for what may have been delivered before (processing the journal again), not for the
 * live stream: two distinct alerts can share an id (engine.h). */
int cg_state_alert_seen(struct cg_state *st, const uint8_t id[16], bool *seen);
/* Records a delivered alert's id with its event time (the batch's transaction). An id
 * recorded twice is stored once. */
int cg_state_alert_record(struct cg_state *st, const uint8_t id[16], int64_t time_us);
/* Drops the alert ids older than now_us - alert retention (now_us: the engine clock,
 * event time) and the audit rows older than now_us - audit retention. */
int cg_state_prune(struct cg_state *st, int64_t now_us);

/* ---- audit ------------------------------------------------------------------------------ */

/* Appends an audit row: when (at_us), what kind ("response.requested", ...) and its
 * details as a JSON text (NUL-terminated, stored as given). */
int cg_state_audit(struct cg_state *st, int64_t at_us, const char *kind, const char *json);

#endif
