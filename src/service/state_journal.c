/*
 * state_journal.c - the engine snapshot, the journal of acknowledged frames since it, and
 * the audit log (see state.h).
 */
#include "state_int.h"

#include <errno.h>

/* SQLite refuses a NULL pointer as a blob value of a NOT NULL column: empty is "". */
static const void *bytes_or_empty(const void *p)
{
    return p ? p : "";
}

int cg_state_snapshot_save(struct cg_state *st, const void *p, size_t n, int64_t at_us)
{
    bool own;
    int rc = cg_state_write_begin(st, true, &own);
    if (rc != CG_OK)
        return rc;
    sqlite3_stmt *s = st->stmt[ST_SNAP_PUT];
    int raw = sqlite3_bind_int64(s, 1, at_us);
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_blob64(s, 2, bytes_or_empty(p), n, SQLITE_STATIC);
    rc = cg_state_run(st, ST_SNAP_PUT, raw, "snapshot");
    rc = rc ? rc : cg_state_step_done(st, ST_JOURNAL_CLEAR, "journal clear");
    if (rc == CG_OK) {
        st->pend.snapshot = true;
        st->pend.snapshot_bytes = n;
        st->pend.journal_added = 0;
    }
    return cg_state_write_end(st, own, rc);
}

int cg_state_snapshot_load(struct cg_state *st, struct cg_buf *out, int64_t *at_us, bool *found)
{
    sqlite3_stmt *s = st->stmt[ST_SNAP_GET];
    *found = false;
    int raw = sqlite3_step(s), rc = CG_OK;
    if (raw == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(s, 1);
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        if (n && !p) {
            rc = cg_state_fail(st, SQLITE_NOMEM, "snapshot load");
        } else if (n && cg_buf_put(out, p, n) != CG_OK) {
            rc = CG_ENOMEM;
        } else {
            *at_us = sqlite3_column_int64(s, 0);
            *found = true;
        }
    } else if (raw != SQLITE_DONE) {
        rc = cg_state_fail(st, raw, "snapshot load");
    }
    sqlite3_reset(s);
    return rc;
}

int cg_state_journal_add(struct cg_state *st, const char *origin, uint64_t seq, int64_t arrival_us,
                         const void *line, size_t n)
{
    bool own;
    int rc = cg_state_write_begin(st, true, &own);
    if (rc != CG_OK)
        return rc;
    sqlite3_stmt *s = st->stmt[ST_JOURNAL_ADD];
    int raw = sqlite3_bind_text(s, 1, origin ? origin : "", -1, SQLITE_STATIC);
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_int64(s, 2, (int64_t)seq); /* read back as the same uint64_t */
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_int64(s, 3, arrival_us);
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_blob64(s, 4, bytes_or_empty(line), n, SQLITE_STATIC);
    rc = cg_state_run(st, ST_JOURNAL_ADD, raw, "journal");
    if (rc == CG_OK)
        st->pend.journal_added++;
    return cg_state_write_end(st, own, rc);
}

int cg_state_journal_each(struct cg_state *st, cg_state_frame_fn fn, void *ctx)
{
    if (st->iterating)
        return CG_EINVAL;
    sqlite3_stmt *s = st->stmt[ST_JOURNAL_EACH];
    int rc = CG_OK, raw = SQLITE_DONE;
    st->iterating = true;
    while (rc == CG_OK && (raw = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *origin = sqlite3_column_text(s, 0);
        const void *line = sqlite3_column_blob(s, 3);
        struct cg_state_frame f = {.origin = origin ? (const char *)origin : "",
                                   .seq = (uint64_t)sqlite3_column_int64(s, 1),
                                   .arrival_us = sqlite3_column_int64(s, 2),
                                   .line = line ? line : "",
                                   .n = (size_t)sqlite3_column_bytes(s, 3)};
        if ((!origin || (f.n && !line)) && sqlite3_errcode(st->db) == SQLITE_NOMEM)
            rc = cg_state_fail(st, SQLITE_NOMEM, "journal read");
        else
            rc = fn(ctx, &f);
    }
    if (rc == CG_OK && raw != SQLITE_DONE)
        rc = cg_state_fail(st, raw, "journal read");
    sqlite3_reset(s);
    st->iterating = false;
    return rc;
}

int cg_state_audit(struct cg_state *st, int64_t at_us, const char *kind, const char *json)
{
    bool own;
    int rc = cg_state_write_begin(st, false, &own);
    if (rc != CG_OK)
        return rc;
    sqlite3_stmt *s = st->stmt[ST_AUDIT_PUT];
    int raw = sqlite3_bind_int64(s, 1, at_us);
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_text(s, 2, kind ? kind : "", -1, SQLITE_STATIC);
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_text(s, 3, json ? json : "null", -1, SQLITE_STATIC);
    rc = cg_state_run(st, ST_AUDIT_PUT, raw, "audit");
    return cg_state_write_end(st, own, rc);
}
