/*
 * state_alerts.c - the ids of delivered alerts (see state.h): a table, and in front of it
 * a bounded in-memory set of the recent ones.
 *
 * The set is a ring of alert-cache entries in insertion order (the oldest is pushed out,
 * counted in alert_cache_evicted) and a hash map whose keys are the ring's id bytes. It
 * holds only committed ids: a batch's ids join it at commit, so a rolled-back batch
 * leaves nothing behind that would suppress an alert never delivered. Taking an id out
 * of it is always safe (the table answers), which is what prune does. The map is seeded
 * at random: the ids come from SHA-256 over attacker-controlled lines, and a seed they do
 * not know keeps chosen ids from crowding one probe sequence.
 */
#include "state_int.h"

#include "cefguard/vec.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

int cg_state_ids_init(struct cg_state *st)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)st;
    st->ring_cap = st->o.alert_cache;
    st->ring = calloc(st->ring_cap, sizeof(*st->ring));
    if (!st->ring)
        return CG_ENOMEM;
    cg_hmap_init_borrowed(&st->ids, seed);
    return CG_OK;
}

void cg_state_ids_fini(struct cg_state *st)
{
    if (st->ring)
        cg_hmap_fini(&st->ids);
    free(st->ring);
    st->ring = NULL;
    free(st->pend.ids.v);
    st->pend.ids.v = NULL;
}

static bool cache_has(const struct cg_state *st, const uint8_t id[16])
{
    return cg_hmap_get(&st->ids, (const char *)id, 16) != NULL;
}

/* Best effort: out of memory leaves the id to the table. */
static void cache_add(struct cg_state *st, const uint8_t id[16], int64_t time_us)
{
    if (cache_has(st, id))
        return;
    struct cg_state_id *e = &st->ring[st->ring_next];
    if (e->live) {
        cg_hmap_del(&st->ids, (const char *)e->id, 16);
        st->st.alert_cache_evicted++;
        st->ring_n--;
    }
    memcpy(e->id, id, 16);
    e->time_us = time_us;
    e->live = cg_hmap_put(&st->ids, (const char *)e->id, 16, e) == CG_OK;
    st->ring_n += e->live;
    st->ring_next = (st->ring_next + 1) % st->ring_cap;
}

void cg_state_ids_commit(struct cg_state *st)
{
    for (size_t i = 0; i < st->pend.ids.n; i++)
        cache_add(st, st->pend.ids.v[i].id, st->pend.ids.v[i].time_us);
}

int cg_state_alert_seen(struct cg_state *st, const uint8_t id[16], bool *seen)
{
    *seen = false;
    if (!cache_has(st, id)) {
        sqlite3_stmt *s = st->stmt[ST_ALERT_GET];
        int raw = sqlite3_bind_blob(s, 1, id, 16, SQLITE_STATIC);
        if (raw == SQLITE_OK)
            raw = sqlite3_step(s);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (raw != SQLITE_ROW && raw != SQLITE_DONE)
            return cg_state_fail(st, raw, "alert lookup");
        if (raw == SQLITE_DONE)
            return CG_OK;
    }
    *seen = true;
    st->st.alerts_suppressed++;
    return CG_OK;
}

int cg_state_alert_record(struct cg_state *st, const uint8_t id[16], int64_t time_us)
{
    bool own;
    int rc = cg_state_write_begin(st, false, &own);
    if (rc != CG_OK)
        return rc;
    sqlite3_stmt *s = st->stmt[ST_ALERT_PUT];
    int raw = sqlite3_bind_blob(s, 1, id, 16, SQLITE_STATIC);
    if (raw == SQLITE_OK)
        raw = sqlite3_bind_int64(s, 2, time_us);
    rc = cg_state_run(st, ST_ALERT_PUT, raw, "alert record");
    if (rc == CG_OK && sqlite3_changes(st->db) == 1) {
        st->pend.recorded++;
        if (cg_vec_reserve(&st->pend.ids, st->pend.ids.n + 1) == CG_OK) {
            struct cg_state_id *e = &st->pend.ids.v[st->pend.ids.n++];
            memcpy(e->id, id, 16);
            e->time_us = time_us;
            e->live = false;
        }
    }
    return cg_state_write_end(st, own, rc);
}

/* Runs a DELETE ... WHERE time < ?1 and adds the rows it took to *n. */
static int prune_one(struct cg_state *st, int i, int64_t cutoff, uint64_t *n, const char *what)
{
    int rc = cg_state_run(st, i, sqlite3_bind_int64(st->stmt[i], 1, cutoff), what);
    if (rc == CG_OK && n)
        *n += (uint64_t)sqlite3_changes(st->db);
    return rc;
}

/* now - retention, or the oldest time there is when that would go below it. */
static int64_t cutoff(int64_t now_us, int64_t retention_us)
{
    return now_us < INT64_MIN + retention_us ? INT64_MIN : now_us - retention_us;
}

int cg_state_prune(struct cg_state *st, int64_t now_us)
{
    bool own;
    int rc = cg_state_write_begin(st, false, &own);
    if (rc != CG_OK)
        return rc;
    int64_t alerts = cutoff(now_us, st->o.alert_retention_us);
    rc = prune_one(st, ST_ALERT_PRUNE, alerts, &st->pend.pruned, "alert prune");
    rc = rc ? rc
            : prune_one(st, ST_AUDIT_PRUNE, cutoff(now_us, st->o.audit_retention_us), NULL,
                        "audit prune");
    for (size_t i = 0; rc == CG_OK && i < st->ring_cap; i++) {
        struct cg_state_id *e = &st->ring[i];
        if (e->live && e->time_us < alerts) {
            cg_hmap_del(&st->ids, (const char *)e->id, 16);
            e->live = false;
            st->ring_n--;
        }
    }
    return cg_state_write_end(st, own, rc);
}
