/*
 * state.c - the state store's lifecycle (see state.h): the directory and its lock, the
 * database (WAL, synchronous, integrity check, a corrupt one moved aside), the schema and
 * its version, the prepared statements, batches, and SQLite's errors as enum cg_err.
 */
#include "state_int.h"

#include "cefguard/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DB_NAME "state.db"
#define LOCK_NAME "lock"
#define SCHEMA_VERSION 1
#define APPLICATION_ID 0x43464744 /* "CFGD": a cefguard state database */

/* Version 1. A later version adds its tables here and migrates in schema_create. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " at_us INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS journal (origin TEXT NOT NULL, seq INTEGER NOT NULL,"
    " arrival_us INTEGER NOT NULL, line BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alerts (id BLOB PRIMARY KEY, time_us INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS alerts_time ON alerts (time_us);"
    "CREATE TABLE IF NOT EXISTS audit (at_us INTEGER NOT NULL, kind TEXT NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS audit_time ON audit (at_us);";

/* In the order of the ST_* enum (state_int.h). */
static const char *const stmt_sql[ST_MAX] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SNAP_PUT] = "INSERT OR REPLACE INTO snapshot (id, at_us, data) VALUES (1, ?1, ?2)",
    [ST_SNAP_GET] = "SELECT at_us, data FROM snapshot WHERE id = 1",
    [ST_JOURNAL_CLEAR] = "DELETE FROM journal",
    [ST_JOURNAL_ADD] =
        "INSERT INTO journal (origin, seq, arrival_us, line) VALUES (?1, ?2, ?3, ?4)",
    [ST_JOURNAL_EACH] = "SELECT origin, seq, arrival_us, line FROM journal ORDER BY rowid",
    [ST_ALERT_GET] = "SELECT 1 FROM alerts WHERE id = ?1",
    [ST_ALERT_PUT] = "INSERT OR IGNORE INTO alerts (id, time_us) VALUES (?1, ?2)",
    [ST_ALERT_PRUNE] = "DELETE FROM alerts WHERE time_us < ?1",
    [ST_AUDIT_PUT] = "INSERT INTO audit (at_us, kind, json) VALUES (?1, ?2, ?3)",
    [ST_AUDIT_PRUNE] = "DELETE FROM audit WHERE at_us < ?1",
};

/* ---- errors ------------------------------------------------------------------------------ */

int cg_state_fail(struct cg_state *st, int rc, const char *what)
{
    int e, sys = st->db ? sqlite3_system_errno(st->db) : 0;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: e = CG_EBUSY, sys = EAGAIN; break;
    case SQLITE_NOMEM: e = CG_ENOMEM, sys = ENOMEM; break;
    case SQLITE_TOOBIG: e = CG_ELIMIT, sys = E2BIG; break;
    case SQLITE_FULL: e = CG_EIO, sys = ENOSPC; break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: e = CG_EIO, sys = sys ? sys : EIO; break;
    default: e = CG_EIO, sys = EIO; break;
    }
    st->st.errors++;
    cg_buf_clear(&st->errmsg);
    cg_buf_printf(&st->errmsg, "%s: %s", what,
                  st->db && sqlite3_errcode(st->db) == rc ? sqlite3_errmsg(st->db)
                                                          : sqlite3_errstr(rc));
    cg_buf_cstr(&st->errmsg); /* cg_state_error's NUL */
    errno = sys;
    return e;
}

const char *cg_state_error(const struct cg_state *st)
{
    return st->errmsg.n ? st->errmsg.p : "";
}

/* A misuse: counted and said like a store error. */
static int misuse(struct cg_state *st, const char *what)
{
    st->st.errors++;
    cg_buf_clear(&st->errmsg);
    cg_buf_printf(&st->errmsg, "%s", what);
    cg_buf_cstr(&st->errmsg);
    return CG_EINVAL;
}

int cg_state_step_done(struct cg_state *st, int i, const char *what)
{
    sqlite3_stmt *s = st->stmt[i];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CG_OK : cg_state_fail(st, rc, what);
}

int cg_state_run(struct cg_state *st, int i, int raw, const char *what)
{
    if (raw == SQLITE_OK)
        return cg_state_step_done(st, i, what);
    sqlite3_clear_bindings(st->stmt[i]);
    return cg_state_fail(st, raw, what);
}

/* ---- batches ----------------------------------------------------------------------------- */

static void pend_clear(struct cg_state *st)
{
    st->pend.snapshot = false;
    st->pend.snapshot_bytes = st->pend.journal_added = st->pend.recorded = st->pend.pruned = 0;
    st->pend.ids.n = 0;
}

int cg_state_begin(struct cg_state *st)
{
    if (st->in_batch)
        return misuse(st, "begin: a batch is open already");
    int rc = cg_state_step_done(st, ST_BEGIN, "begin");
    if (rc != CG_OK)
        return rc;
    pend_clear(st);
    st->in_batch = true;
    return CG_OK;
}

/* What the batch did, now that it is durable. */
static void pend_apply(struct cg_state *st)
{
    struct cg_state_stats *s = &st->st;
    if (st->pend.snapshot) {
        s->snapshots++;
        s->snapshot_bytes = st->pend.snapshot_bytes;
        s->journal_rows = 0;
    }
    s->journal_rows += st->pend.journal_added;
    s->alerts_recorded += st->pend.recorded;
    s->alerts_pruned += st->pend.pruned;
    s->commits++;
    cg_state_ids_commit(st);
}

int cg_state_commit(struct cg_state *st)
{
    if (!st->in_batch)
        return misuse(st, "commit: no batch is open");
    int rc = cg_state_step_done(st, ST_COMMIT, "commit");
    if (rc != CG_OK) {
        int e = errno;
        cg_state_rollback(st);
        errno = e;
        return rc;
    }
    pend_apply(st);
    pend_clear(st);
    st->in_batch = false;
    return CG_OK;
}

void cg_state_rollback(struct cg_state *st)
{
    if (!st->in_batch)
        return;
    /* SQLite may have rolled back already (a full disk, an I/O error). */
    if (!sqlite3_get_autocommit(st->db)) {
        int rc = sqlite3_step(st->stmt[ST_ROLLBACK]);
        sqlite3_reset(st->stmt[ST_ROLLBACK]);
        (void)rc;
    }
    pend_clear(st);
    st->in_batch = false;
}

int cg_state_write_begin(struct cg_state *st, bool journal, bool *own)
{
    *own = false;
    if (journal && st->iterating)
        return misuse(st, "the journal cannot change while it is read");
    *own = !st->in_batch;
    return *own ? cg_state_begin(st) : CG_OK;
}

int cg_state_write_end(struct cg_state *st, bool own, int rc)
{
    if (!own)
        return rc;
    if (rc != CG_OK) {
        int e = errno;
        cg_state_rollback(st);
        errno = e;
        return rc;
    }
    return cg_state_commit(st);
}

/* ---- the directory and its lock ---------------------------------------------------------- */

static int path_join(struct cg_buf *b, const char *dir, const char *name)
{
    cg_buf_clear(b);
    if (cg_buf_printf(b, "%s/%s", dir, name) != CG_OK)
        return CG_ENOMEM;
    cg_buf_cstr(b);
    return CG_OK;
}

/* "message DIR: strerror" into err, errno kept. */
static int io_error(struct cg_buf *err, const char *msg, const char *name)
{
    int e = errno;
    cg_buf_printf(err, "%s ", msg);
    cg_log_put_name(err, name);
    cg_buf_printf(err, ": %s", strerror(e));
    errno = e;
    return CG_EIO;
}

static int make_dir(const char *dir, struct cg_buf *err)
{
    struct stat sb;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return io_error(err, "cannot create the state directory", dir);
    if (stat(dir, &sb) != 0)
        return io_error(err, "cannot read the state directory", dir);
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return io_error(err, "the state directory is not one:", dir);
    }
    return CG_OK;
}

/* The pid the holder wrote into the lock file, or 0. */
static long lock_holder(int fd)
{
    char b[32];
    ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
    long pid = 0;
    for (ssize_t i = 0; i < n && b[i] >= '0' && b[i] <= '9' && pid < 100000000; i++)
        pid = pid * 10 + (b[i] - '0');
    return pid;
}

static int take_lock(struct cg_state *st, struct cg_buf *err)
{
    struct cg_buf path;
    cg_buf_init(&path);
    int rc = path_join(&path, st->dir, LOCK_NAME);
    if (rc != CG_OK)
        goto out;
    st->lock_fd = open(path.p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (st->lock_fd < 0) {
        rc = io_error(err, "cannot open the lock", path.p);
        goto out;
    }
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            rc = io_error(err, "cannot lock", path.p);
            goto out;
        }
        long pid = lock_holder(st->lock_fd);
        cg_log_put_name(err, st->dir);
        if (pid)
            cg_buf_printf(err, " is in use by another cefguard (pid %ld)", pid);
        else
            cg_buf_puts(err, " is in use by another cefguard (pid unknown)");
        rc = CG_EBUSY;
        goto out;
    }
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(st->lock_fd, 0) != 0 || pwrite(st->lock_fd, pid, (size_t)n, 0) != n)
        rc = io_error(err, "cannot write the pid into", path.p);
out:
    cg_buf_fini(&path);
    return rc;
}

/* ---- the database ------------------------------------------------------------------------ */

static bool is_corrupt(int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* Runs sql and gives its first row's first column as an integer and as text (either may
 * be NULL). *raw: the SQLite code of a failure. */
static int query1(struct cg_state *st, const char *sql, int64_t *v, struct cg_buf *text, int *raw)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (v)
            *v = sqlite3_column_int64(s, 0);
        if (text) {
            const unsigned char *t = sqlite3_column_text(s, 0);
            cg_buf_clear(text);
            cg_buf_puts(text, t ? (const char *)t : "");
            cg_buf_cstr(text);
        }
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(s);
    *raw = rc;
    return rc == SQLITE_DONE ? CG_OK : cg_state_fail(st, rc, sql);
}

static int exec(struct cg_state *st, const char *sql, int *raw)
{
    *raw = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return *raw == SQLITE_OK ? CG_OK : cg_state_fail(st, *raw, "schema");
}

static int schema_create(struct cg_state *st, int *raw)
{
    char tail[96];
    snprintf(tail, sizeof(tail), "PRAGMA application_id = %d; PRAGMA user_version = %d; COMMIT;",
             APPLICATION_ID, SCHEMA_VERSION);
    int rc = exec(st, "BEGIN IMMEDIATE", raw);
    rc = rc ? rc : exec(st, schema_v1, raw);
    rc = rc ? rc : exec(st, tail, raw);
    if (rc != CG_OK && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The checks of a database that opened: integrity, owner, version. *corrupt when it
 * should be moved aside. */
static int db_check(struct cg_state *st, struct cg_buf *err, bool *corrupt, int *raw)
{
    struct cg_buf t;
    cg_buf_init(&t);
    int64_t appid = 0, version = 0;
    /* The first problem only: the message is for a log line. */
    int rc = query1(st, "PRAGMA quick_check(1)", NULL, &t, raw);
    if (rc == CG_OK && strcmp(cg_buf_cstr(&t), "ok") != 0) {
        *corrupt = true;
        cg_buf_puts(err, "quick_check: ");
        for (size_t i = 0; i < t.n && i < 200; i++)
            cg_buf_putc(err, t.p[i] == '\n' ? ' ' : t.p[i]);
        rc = CG_EIO;
        goto out;
    }
    rc = rc ? rc : query1(st, "PRAGMA application_id", &appid, NULL, raw);
    rc = rc ? rc : query1(st, "PRAGMA user_version", &version, NULL, raw);
    if (rc != CG_OK)
        goto out;
    if (appid != 0 && appid != APPLICATION_ID) {
        cg_buf_printf(err, "not a cefguard state database (application_id %lld)", (long long)appid);
        rc = CG_EINVAL;
    } else if (version > SCHEMA_VERSION) {
        cg_buf_printf(err,
                      "schema version %lld is newer than this cefguard knows (%d): it was "
                      "written by a later cefguard; run that one or move the directory",
                      (long long)version, SCHEMA_VERSION);
        rc = CG_EINVAL;
    } else if (version < SCHEMA_VERSION) {
        rc = schema_create(st, raw);
    }
out:
    cg_buf_fini(&t);
    return rc;
}

static void db_close(struct cg_state *st)
{
    for (size_t i = 0; i < ST_MAX; i++) {
        sqlite3_finalize(st->stmt[i]);
        st->stmt[i] = NULL;
    }
    sqlite3_close(st->db);
    st->db = NULL;
}

/* Opens dir/state.db and makes it ready. *corrupt when it should be moved aside. */
static int db_try(struct cg_state *st, const char *path, struct cg_buf *err, bool *corrupt)
{
    int raw = SQLITE_OK, rc;
    char pragma[64];
    *corrupt = false;
    raw = sqlite3_open_v2(path, &st->db,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                              SQLITE_OPEN_NOFOLLOW,
                          NULL);
    if (raw != SQLITE_OK) {
        rc = cg_state_fail(st, raw, "open");
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, (int)(st->o.busy_timeout_us / 1000));
    struct cg_buf mode;
    cg_buf_init(&mode);
    rc = query1(st, "PRAGMA journal_mode = WAL", NULL, &mode, &raw);
    if (rc == CG_OK && strcmp(cg_buf_cstr(&mode), "wal") != 0) {
        cg_buf_printf(err, "cannot use WAL mode (journal_mode %s)", cg_buf_cstr(&mode));
        rc = CG_EIO;
        errno = EIO;
    }
    cg_buf_fini(&mode);
    snprintf(pragma, sizeof(pragma), "PRAGMA synchronous = %s",
             strcmp(st->o.synchronous, "full") == 0 ? "FULL" : "NORMAL");
    rc = rc ? rc : exec(st, pragma, &raw);
    rc = rc ? rc : db_check(st, err, corrupt, &raw);
    for (size_t i = 0; rc == CG_OK && i < ST_MAX; i++) {
        raw = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                                 NULL);
        if (raw != SQLITE_OK)
            rc = cg_state_fail(st, raw, stmt_sql[i]);
    }
out:
    if (rc != CG_OK && is_corrupt(raw))
        *corrupt = true;
    return rc;
}

/* state.db (and its -wal, -shm) to state.db.corrupt-<unix seconds>[.N]. */
static int move_aside(struct cg_state *st, const char *why, struct cg_buf *err)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    struct cg_buf from, to;
    cg_buf_init(&from);
    cg_buf_init(&to);
    int rc = CG_OK;
    long long now = (long long)time(NULL);
    for (unsigned k = 0;; k++) { /* a name nothing has */
        cg_buf_clear(&to);
        if (k)
            cg_buf_printf(&to, "%s/" DB_NAME ".corrupt-%lld.%u", st->dir, now, k);
        else
            cg_buf_printf(&to, "%s/" DB_NAME ".corrupt-%lld", st->dir, now);
        if (access(cg_buf_cstr(&to), F_OK) != 0)
            break;
    }
    size_t base = to.n;
    for (size_t i = 0; rc == CG_OK && i < CG_ARRAY_LEN(suffix); i++) {
        cg_buf_clear(&from);
        cg_buf_printf(&from, "%s/" DB_NAME "%s", st->dir, suffix[i]);
        to.n = base;
        cg_buf_puts(&to, suffix[i]);
        if (rename(cg_buf_cstr(&from), cg_buf_cstr(&to)) != 0 && errno != ENOENT)
            rc = io_error(err, "cannot move aside the corrupt", from.p);
    }
    if (rc == CG_OK) {
        struct cg_buf msg;
        cg_buf_init(&msg);
        cg_buf_puts(&msg, "state: ");
        cg_log_put_name(&msg, st->dir);
        cg_buf_printf(&msg, "/" DB_NAME " is corrupt (%s); moved aside to ", why);
        to.n = base;
        cg_log_put_name(&msg, cg_buf_cstr(&to));
        cg_buf_puts(&msg, "; starting with an empty state");
        cg_log(CG_LOG_ERR, "%s", cg_buf_cstr(&msg));
        cg_buf_fini(&msg);
        st->st.corrupt++;
    }
    cg_buf_fini(&from);
    cg_buf_fini(&to);
    return rc;
}

static int db_open(struct cg_state *st, struct cg_buf *err)
{
    struct cg_buf path, why;
    cg_buf_init(&path);
    cg_buf_init(&why);
    bool corrupt;
    int rc = path_join(&path, st->dir, DB_NAME);
    rc = rc ? rc : db_try(st, path.p, &why, &corrupt);
    if (rc != CG_OK && corrupt) {
        if (!why.n)
            cg_buf_puts(&why, cg_state_error(st));
        db_close(st);
        rc = move_aside(st, cg_buf_cstr(&why), err);
        cg_buf_clear(&why);
        rc = rc ? rc : db_try(st, path.p, &why, &corrupt);
    }
    if (rc != CG_OK) {
        cg_log_put_name(err, path.p ? path.p : st->dir);
        cg_buf_puts(err, ": ");
        cg_buf_puts(err, why.n ? cg_buf_cstr(&why) : cg_state_error(st));
    }
    cg_buf_fini(&path);
    cg_buf_fini(&why);
    return rc;
}

/* The gauges of what the database holds already. */
static int load_gauges(struct cg_state *st)
{
    int64_t rows = 0, bytes = 0;
    int raw;
    int rc = query1(st, "SELECT count(*) FROM journal", &rows, NULL, &raw);
    rc = rc ? rc
            : query1(st, "SELECT coalesce(max(length(data)), 0) FROM snapshot", &bytes, NULL, &raw);
    st->st.journal_rows = (uint64_t)rows;
    st->st.snapshot_bytes = (uint64_t)bytes;
    return rc;
}

/* ---- open and close ---------------------------------------------------------------------- */

static int opts_apply(struct cg_state *st, const struct cg_state_opts *o, struct cg_buf *err)
{
    if (o)
        st->o = *o;
    if (!st->o.synchronous)
        st->o.synchronous = "normal";
    if (strcmp(st->o.synchronous, "normal") != 0 && strcmp(st->o.synchronous, "full") != 0) {
        cg_buf_puts(err, "state-sync: expected normal or full, not ");
        cg_log_put_text(err, st->o.synchronous, strlen(st->o.synchronous));
        return CG_EINVAL;
    }
    if (st->o.alert_retention_us <= 0)
        st->o.alert_retention_us = CG_STATE_ALERT_RETENTION_DEFAULT;
    if (st->o.audit_retention_us <= 0)
        st->o.audit_retention_us = CG_STATE_AUDIT_RETENTION_DEFAULT;
    if (!st->o.alert_cache)
        st->o.alert_cache = CG_STATE_ALERT_CACHE_DEFAULT;
    if (st->o.busy_timeout_us <= 0)
        st->o.busy_timeout_us = CG_STATE_BUSY_TIMEOUT_DEFAULT;
    if (st->o.busy_timeout_us > 3600 * 1000000LL)
        st->o.busy_timeout_us = 3600 * 1000000LL;
    return CG_OK;
}

int cg_state_open(const char *dir, const struct cg_state_opts *o, struct cg_state **out,
                  struct cg_buf *err)
{
    *out = NULL;
    struct cg_state *st = calloc(1, sizeof(*st));
    if (!st)
        return CG_ENOMEM;
    st->lock_fd = -1;
    cg_buf_init(&st->errmsg);
    int rc = opts_apply(st, o, err);
    if (rc != CG_OK)
        goto out;
    if (!(st->dir = strdup(dir))) {
        rc = CG_ENOMEM;
        goto out;
    }
    rc = make_dir(dir, err);
    rc = rc ? rc : take_lock(st, err);
    rc = rc ? rc : db_open(st, err);
    rc = rc ? rc : cg_state_ids_init(st);
    if (rc == CG_OK && (rc = load_gauges(st)) != CG_OK)
        cg_buf_puts(err, cg_state_error(st));
out:
    if (rc != CG_OK) {
        int e = errno;
        cg_state_close(st);
        errno = e;
        return rc;
    }
    *out = st;
    return CG_OK;
}

void cg_state_close(struct cg_state *st)
{
    if (!st)
        return;
    if (st->db)
        cg_state_rollback(st);
    db_close(st);
    cg_state_ids_fini(st);
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* releases the flock */
    free(st->dir);
    cg_buf_fini(&st->errmsg);
    free(st);
}

const struct cg_state_stats *cg_state_stats(const struct cg_state *st)
{
    return &st->st;
}
