/*
 * test_state.c - the state store (state.h) on a real SQLite file in a mkdtemp directory:
 * the directory and its lock (a second open, in this process and from a forked child,
 * is CG_EBUSY naming the holder's pid), WAL and the schema version, the snapshot round
 * trip (10 MiB included), the journal's order and its clearing by a snapshot, delivered
 * alert ids across close and reopen, the in-memory set's bound, prune, a corrupt
 * database moved aside, crash safety (a child killed with SIGKILL, or _exit without
 * close, after K commits: exactly K batches found), a locked database as CG_EBUSY, a full
 * database (SQLITE_FULL through max_page_count) as CG_EIO with ENOSPC, a newer schema
 * refused. A real ENOSPC of the file system is not made here (it needs a small mounted
 * file system); SQLITE_FULL takes the same path through the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "service/state_int.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------------------------- */

struct fx {
    char base[256]; /* the mkdtemp directory */
    char dir[300];  /* base/state: the store's directory (made by open) */
};

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    snprintf(f->base, sizeof(f->base), "%s/cg_state_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->base));
    snprintf(f->dir, sizeof(f->dir), "%s/state", f->base);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static struct cg_state *open_ok(const char *dir, const struct cg_state_opts *o)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_state *st = NULL;
    int rc = cg_state_open(dir, o, &st, &err);
    if (rc != CG_OK)
        fail_msg("open %s: %d %s", dir, rc, cg_buf_cstr(&err));
    assert_non_null(st);
    cg_buf_fini(&err);
    return st;
}

static void make_id(uint8_t id[16], unsigned i)
{
    memset(id, 0xa5, 16);
    memcpy(id, &i, sizeof(i));
}

static bool seen(struct cg_state *st, unsigned i)
{
    uint8_t id[16];
    bool s = true;
    make_id(id, i);
    assert_int_equal(cg_state_alert_seen(st, id, &s), CG_OK);
    return s;
}

static void record(struct cg_state *st, unsigned i, int64_t t)
{
    uint8_t id[16];
    make_id(id, i);
    assert_int_equal(cg_state_alert_record(st, id, t), CG_OK);
}

/* The journal as "origin/seq/arrival/line" lines. */
struct rows {
    struct cg_buf b;
    size_t n;
    size_t stop_at; /* 0: never */
};

static int collect(void *ctx, const struct cg_state_frame *fr)
{
    struct rows *r = ctx;
    r->n++;
    cg_buf_printf(&r->b, "%s/%llu/%lld/", fr->origin, (unsigned long long)fr->seq,
                  (long long)fr->arrival_us);
    cg_buf_put(&r->b, fr->line, fr->n);
    cg_buf_putc(&r->b, '\n');
    return r->stop_at && r->n == r->stop_at ? CG_ELIMIT : CG_OK;
}

static size_t journal_count(struct cg_state *st)
{
    struct rows r = {.n = 0};
    cg_buf_init(&r.b);
    assert_int_equal(cg_state_journal_each(st, collect, &r), CG_OK);
    cg_buf_fini(&r.b);
    return r.n;
}

static int64_t sql_int(struct cg_state *st, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void write_file(const char *path, const void *p, size_t n, off_t at)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, p, n, at), (ssize_t)n);
    close(fd);
}

/* A child that writes to pfd[1] (its pfd[0] closed); the parent reads pfd[0] (its pfd[1]
 * closed). */
static pid_t fork_piped(int pfd[2])
{
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    close(pfd[pid == 0 ? 0 : 1]);
    return pid;
}

/* ---- options ----------------------------------------------------------------------------- */

static void test_options_table(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_state_options, &err), CG_OK);
    struct cg_state_opts o = {0};
    assert_int_equal(cg_opt_defaults(&cg_state_options, &o, &err), CG_OK);
    /* The table's defaults are what a zero means to open. */
    assert_string_equal(o.synchronous, "normal");
    assert_int_equal(o.alert_retention_us, CG_STATE_ALERT_RETENTION_DEFAULT);
    assert_int_equal(o.audit_retention_us, CG_STATE_AUDIT_RETENTION_DEFAULT);
    assert_int_equal(o.alert_cache, CG_STATE_ALERT_CACHE_DEFAULT);
    assert_int_equal(o.busy_timeout_us, CG_STATE_BUSY_TIMEOUT_DEFAULT);
    for (size_t i = 0; i < cg_state_options.n; i++)
        assert_false(cg_state_options.v[i].reloadable);
    /* And the counters, in table order. */
    struct cg_state_stats st = {.snapshots = 1,
                                .snapshot_bytes = 2,
                                .journal_rows = 3,
                                .alerts_recorded = 4,
                                .alerts_suppressed = 5,
                                .alerts_pruned = 6,
                                .alert_cache_evicted = 7,
                                .commits = 8,
                                .errors = 9,
                                .corrupt = 10};
    struct cg_buf out;
    cg_buf_init(&out);
    assert_int_equal(cg_counters_write(&cg_state_counters, &st, &out), CG_OK);
    assert_string_equal(cg_buf_cstr(&out), "state.snapshots 1\n"
                                           "state.snapshot_bytes 2\n"
                                           "state.journal_rows 3\n"
                                           "state.alerts_recorded 4\n"
                                           "state.alerts_suppressed 5\n"
                                           "state.alerts_pruned 6\n"
                                           "state.alert_cache_evicted 7\n"
                                           "state.commits 8\n"
                                           "state.errors 9\n"
                                           "state.corrupt 10\n");
    cg_buf_fini(&out);
    cg_buf_fini(&err);
}

static void test_open_errors(void **state)
{
    struct fx *f = *state;
    struct cg_state_opts o = {.synchronous = "sometimes"};
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_state *st = (void *)1;
    assert_int_equal(cg_state_open(f->dir, &o, &st, &err), CG_EINVAL);
    assert_null(st);
    assert_string_equal(cg_buf_cstr(&err), "state-sync: expected normal or full, not sometimes");
    /* One level only: the parent must exist. */
    char deep[400];
    snprintf(deep, sizeof(deep), "%s/no/such", f->base);
    cg_buf_clear(&err);
    errno = 0;
    assert_int_equal(cg_state_open(deep, NULL, &st, &err), CG_EIO);
    assert_int_equal(errno, ENOENT);
    assert_null(st);
    assert_non_null(strstr(cg_buf_cstr(&err), "cannot create the state directory "));
    assert_non_null(strstr(cg_buf_cstr(&err), "/no/such: No such file or directory"));
    /* A file where the directory should be. */
    write_file(f->dir, "x", 1, 0);
    cg_buf_clear(&err);
    assert_int_equal(cg_state_open(f->dir, NULL, &st, &err), CG_EIO);
    assert_int_equal(errno, ENOTDIR);
    assert_null(st);
    cg_buf_fini(&err);
}

/* ---- open, lock ------------------------------------------------------------------------- */

static void test_open_creates(void **state)
{
    struct fx *f = *state;
    struct cg_state_opts o = {.synchronous = "full"};
    struct cg_state *st = open_ok(f->dir, &o);
    struct stat sb;
    assert_int_equal(stat(f->dir, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0700);
    char path[400], buf[32] = "";
    snprintf(path, sizeof(path), "%s/lock", f->dir);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
    close(fd);
    assert_int_equal(atol(buf), (long)getpid());
    assert_int_equal(sql_int(st, "PRAGMA user_version"), 1);
    assert_int_equal(sql_int(st, "PRAGMA synchronous"), 2); /* FULL */
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    assert_string_equal(cg_state_error(st), "");
    cg_state_close(st);
    /* Reopened with the defaults: NORMAL. */
    st = open_ok(f->dir, NULL);
    assert_int_equal(sql_int(st, "PRAGMA synchronous"), 1);
    cg_state_close(st);
    cg_state_close(NULL);
}

static void test_second_open_busy(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    char want[64];
    snprintf(want, sizeof(want), "in use by another cefguard (pid %ld)", (long)getpid());

    /* In this process: another open file description, refused as well. */
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_state *two = NULL;
    assert_int_equal(cg_state_open(f->dir, NULL, &two, &err), CG_EBUSY);
    assert_null(two);
    assert_non_null(strstr(cg_buf_cstr(&err), want));
    assert_non_null(strstr(cg_buf_cstr(&err), f->dir));

    /* From another process. */
    int pfd[2];
    pid_t pid = fork_piped(pfd);
    if (pid == 0) {
        struct cg_buf e;
        cg_buf_init(&e);
        struct cg_state *c = NULL;
        int rc = cg_state_open(f->dir, NULL, &c, &e);
        (void)!write(pfd[1], e.p ? e.p : "", e.n);
        _exit(rc == CG_EBUSY && c == NULL ? 0 : 1);
    }
    char msg[1024] = "";
    size_t got = 0;
    ssize_t k;
    while ((k = read(pfd[0], msg + got, sizeof(msg) - 1 - got)) > 0)
        got += (size_t)k;
    close(pfd[0]);
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_non_null(strstr(msg, want));

    /* Closed: the directory is free again. */
    cg_state_close(st);
    st = open_ok(f->dir, NULL);
    cg_state_close(st);
    cg_buf_fini(&err);
}

/* ---- snapshot --------------------------------------------------------------------------- */

static void test_snapshot_roundtrip(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    struct cg_buf out;
    cg_buf_init(&out);
    int64_t at = 42;
    bool found = true;
    assert_int_equal(cg_state_snapshot_load(st, &out, &at, &found), CG_OK);
    assert_false(found);
    assert_int_equal(at, 42);
    assert_int_equal(out.n, 0);

    size_t big = 10u << 20; /* 10 MiB, every byte value, no pattern a page would repeat */
    unsigned char *blob = malloc(big);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < big; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        blob[i] = (unsigned char)x;
    }
    assert_int_equal(cg_state_snapshot_save(st, blob, big, 1745119254000000LL), CG_OK);
    assert_int_equal(cg_state_snapshot_load(st, &out, &at, &found), CG_OK);
    assert_true(found);
    assert_int_equal(at, 1745119254000000LL);
    assert_int_equal(out.n, big);
    assert_memory_equal(out.p, blob, big);
    const struct cg_state_stats *s = cg_state_stats(st);
    assert_int_equal(s->snapshots, 1);
    assert_int_equal(s->snapshot_bytes, big);
    assert_int_equal(s->commits, 1);
    cg_state_close(st);

    /* After reopening: the same bytes, the gauge read back. */
    st = open_ok(f->dir, NULL);
    assert_int_equal(cg_state_stats(st)->snapshot_bytes, big);
    cg_buf_clear(&out);
    assert_int_equal(cg_state_snapshot_load(st, &out, &at, &found), CG_OK);
    assert_true(found);
    assert_int_equal(out.n, big);
    assert_memory_equal(out.p, blob, big);
    /* Replaced by a small one, then by an empty one (appended to what out has). */
    assert_int_equal(cg_state_snapshot_save(st, "abc", 3, -5), CG_OK);
    cg_buf_clear(&out);
    assert_int_equal(cg_state_snapshot_load(st, &out, &at, &found), CG_OK);
    assert_int_equal(out.n, 3);
    assert_memory_equal(out.p, "abc", 3);
    assert_int_equal(at, -5);
    assert_int_equal(cg_state_snapshot_save(st, NULL, 0, 7), CG_OK);
    assert_int_equal(cg_state_snapshot_load(st, &out, &at, &found), CG_OK);
    assert_true(found);
    assert_int_equal(out.n, 3); /* nothing appended */
    assert_int_equal(at, 7);
    assert_int_equal(cg_state_stats(st)->snapshot_bytes, 0);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM snapshot"), 1);
    cg_state_close(st);
    free(blob);
    cg_buf_fini(&out);
}

/* ---- journal ---------------------------------------------------------------------------- */

static void test_journal_order_and_clear(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    struct rows r = {.n = 0};
    cg_buf_init(&r.b);
    struct cg_buf want;
    cg_buf_init(&want);
    /* 300 frames in 3 batches of 100 and one on its own; bytes with NUL and CR LF. */
    for (unsigned b = 0; b < 3; b++) {
        assert_int_equal(cg_state_begin(st), CG_OK);
        for (unsigned i = 0; i < 100; i++) {
            unsigned k = b * 100 + i;
            char line[64];
            int n = snprintf(line, sizeof(line), "line %u\r", k);
            line[4] = '\0';
            assert_int_equal(cg_state_journal_add(st, b % 2 ? "tcp" : "omprog", k,
                                                  1000 + (int64_t)k, line, (size_t)n),
                             CG_OK);
            cg_buf_printf(&want, "%s/%u/%lld/", b % 2 ? "tcp" : "omprog", k, (long long)(1000 + k));
            cg_buf_put(&want, line, (size_t)n);
            cg_buf_putc(&want, '\n');
        }
        assert_int_equal(cg_state_commit(st), CG_OK);
    }
    assert_int_equal(cg_state_journal_add(st, "omprog", UINT64_MAX, -1, "", 0), CG_OK);
    cg_buf_printf(&want, "omprog/%llu/-1/\n", (unsigned long long)UINT64_MAX);
    assert_int_equal(cg_state_journal_each(st, collect, &r), CG_OK);
    assert_int_equal(r.n, 301);
    assert_int_equal(r.b.n, want.n);
    assert_memory_equal(r.b.p, want.p, want.n);
    assert_int_equal(cg_state_stats(st)->journal_rows, 301);
    assert_int_equal(cg_state_stats(st)->commits, 4);

    /* The callback stops it with its code; writes of the journal inside it are refused. */
    r.n = 0, r.stop_at = 5;
    cg_buf_clear(&r.b);
    assert_int_equal(cg_state_journal_each(st, collect, &r), CG_ELIMIT);
    assert_int_equal(r.n, 5);
    r.stop_at = 0;
    cg_state_close(st);

    /* Reopened: the same rows, the gauge read back. A snapshot clears them. */
    st = open_ok(f->dir, NULL);
    assert_int_equal(cg_state_stats(st)->journal_rows, 301);
    assert_int_equal(journal_count(st), 301);
    assert_int_equal(cg_state_begin(st), CG_OK);
    assert_int_equal(cg_state_snapshot_save(st, "snap", 4, 1), CG_OK);
    assert_int_equal(cg_state_journal_add(st, "omprog", 1, 2, "after", 5), CG_OK);
    assert_int_equal(cg_state_commit(st), CG_OK);
    assert_int_equal(cg_state_stats(st)->journal_rows, 1);
    cg_buf_clear(&r.b);
    r.n = 0;
    assert_int_equal(cg_state_journal_each(st, collect, &r), CG_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(cg_buf_cstr(&r.b), "omprog/1/2/after\n");
    /* A rolled-back batch leaves neither rows nor gauges. */
    assert_int_equal(cg_state_begin(st), CG_OK);
    assert_int_equal(cg_state_journal_add(st, "omprog", 2, 3, "lost", 4), CG_OK);
    assert_int_equal(cg_state_snapshot_save(st, "lost", 4, 9), CG_OK);
    cg_state_rollback(st);
    assert_int_equal(cg_state_stats(st)->journal_rows, 1);
    assert_int_equal(cg_state_stats(st)->snapshot_bytes, 4);
    assert_int_equal(journal_count(st), 1);
    /* Misuse: a batch in a batch, a commit without one. */
    assert_int_equal(cg_state_begin(st), CG_OK);
    assert_int_equal(cg_state_begin(st), CG_EINVAL);
    assert_int_equal(cg_state_commit(st), CG_OK);
    assert_int_equal(cg_state_commit(st), CG_EINVAL);
    cg_state_close(st);
    cg_buf_fini(&r.b);
    cg_buf_fini(&want);
}

static int add_inside(void *ctx, const struct cg_state_frame *fr)
{
    struct cg_state *st = ctx;
    (void)fr;
    assert_int_equal(cg_state_journal_add(st, "x", 1, 1, "y", 1), CG_EINVAL);
    assert_int_equal(cg_state_snapshot_save(st, "y", 1, 1), CG_EINVAL);
    uint8_t id[16];
    make_id(id, 77); /* what replaying the journal does: check and record alert ids */
    bool s;
    assert_int_equal(cg_state_alert_seen(st, id, &s), CG_OK);
    if (!s)
        assert_int_equal(cg_state_alert_record(st, id, 1), CG_OK);
    return CG_OK;
}

static void test_journal_each_reentry(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    assert_int_equal(cg_state_journal_add(st, "omprog", 1, 1, "a", 1), CG_OK);
    assert_int_equal(cg_state_journal_add(st, "omprog", 2, 1, "b", 1), CG_OK);
    assert_int_equal(cg_state_begin(st), CG_OK);
    assert_int_equal(cg_state_journal_each(st, add_inside, st), CG_OK);
    assert_int_equal(cg_state_commit(st), CG_OK);
    assert_int_equal(journal_count(st), 2);
    assert_true(seen(st, 77));
    assert_int_equal(cg_state_stats(st)->alerts_recorded, 1);
    cg_state_close(st);
}

/* What the service's recovery does: no batch open when the journal is read; an alert of
 * a frame opens one, and a flush may commit it before the journal is done. */
static int batch_inside(void *ctx, const struct cg_state_frame *fr)
{
    struct cg_state *st = ctx;
    if (!st->in_batch)
        assert_int_equal(cg_state_begin(st), CG_OK);
    record(st, (unsigned)fr->seq, 1);
    if (fr->seq % 2 == 0)
        assert_int_equal(cg_state_commit(st), CG_OK);
    return CG_OK;
}

static void test_journal_each_batches_inside(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    assert_int_equal(cg_state_begin(st), CG_OK);
    for (unsigned i = 1; i <= 5; i++)
        assert_int_equal(cg_state_journal_add(st, "omprog", i, 1, "l", 1), CG_OK);
    assert_int_equal(cg_state_commit(st), CG_OK);
    assert_int_equal(cg_state_journal_each(st, batch_inside, st), CG_OK);
    assert_true(st->in_batch); /* frame 5's */
    assert_int_equal(cg_state_commit(st), CG_OK);
    cg_state_close(st);
    st = open_ok(f->dir, NULL);
    for (unsigned i = 1; i <= 5; i++)
        assert_true(seen(st, i));
    assert_int_equal(journal_count(st), 5);
    cg_state_close(st);
}

/* ---- alert ids -------------------------------------------------------------------------- */

static void test_alert_ids(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    assert_false(seen(st, 1));
    assert_int_equal(cg_state_begin(st), CG_OK);
    for (unsigned i = 1; i <= 10; i++)
        record(st, i, (int64_t)i * 1000000);
    record(st, 3, 3000000);   /* again: stored once */
    assert_true(seen(st, 5)); /* the batch's own, not committed yet: the table answers */
    assert_int_equal(cg_state_commit(st), CG_OK);
    const struct cg_state_stats *s = cg_state_stats(st);
    assert_int_equal(s->alerts_recorded, 10);
    assert_int_equal(s->alerts_suppressed, 1);
    /* A rolled-back id was never delivered: not seen, not even from memory. */
    assert_int_equal(cg_state_begin(st), CG_OK);
    record(st, 100, 1);
    cg_state_rollback(st);
    assert_false(seen(st, 100));
    assert_int_equal(st->ring_n, 10);
    for (unsigned i = 1; i <= 10; i++)
        assert_true(seen(st, i));
    assert_false(seen(st, 11));
    assert_int_equal(s->alerts_suppressed, 11);
    cg_state_close(st);

    /* After close and reopen (nothing in memory): the table. */
    st = open_ok(f->dir, NULL);
    assert_int_equal(st->ring_n, 0);
    for (unsigned i = 1; i <= 10; i++)
        assert_true(seen(st, i));
    assert_false(seen(st, 11));
    assert_false(seen(st, 100));
    assert_int_equal(cg_state_stats(st)->alerts_suppressed, 10);
    cg_state_close(st);
}

static void test_alert_cache_bound(void **state)
{
    struct fx *f = *state;
    struct cg_state_opts o = {.alert_cache = 16};
    struct cg_state *st = open_ok(f->dir, &o);
    assert_int_equal(cg_state_begin(st), CG_OK);
    for (unsigned i = 0; i < 40; i++)
        record(st, i, 1);
    assert_int_equal(cg_state_commit(st), CG_OK);
    assert_int_equal(st->ring_n, 16);
    assert_int_equal(st->ids.n, 16);
    assert_int_equal(cg_state_stats(st)->alert_cache_evicted, 24);
    /* The 24 oldest left memory, not the table. */
    for (unsigned i = 0; i < 40; i++) {
        uint8_t id[16];
        make_id(id, i);
        assert_int_equal(cg_hmap_get(&st->ids, (const char *)id, 16) != NULL, i >= 24);
        assert_true(seen(st, i));
    }
    cg_state_close(st);
}

static void test_prune(void **state)
{
    struct fx *f = *state;
    const int64_t H = 3600 * 1000000LL;
    struct cg_state_opts o = {.alert_retention_us = 2 * H, .audit_retention_us = 10 * H};
    struct cg_state *st = open_ok(f->dir, &o);
    assert_int_equal(cg_state_begin(st), CG_OK);
    for (unsigned i = 0; i < 10; i++) /* one an hour: hours 0..9 */
        record(st, i, (int64_t)i * H);
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(cg_state_audit(st, (int64_t)i * H, "response.requested", "{\"n\":1}"),
                         CG_OK);
    assert_int_equal(cg_state_commit(st), CG_OK);
    /* At hour 9: ids older than hour 7 go (0..6), those of hours 7, 8, 9 stay; audit rows
     * older than 9 - 10 hours: none. */
    assert_int_equal(cg_state_prune(st, 9 * H), CG_OK);
    assert_int_equal(cg_state_stats(st)->alerts_pruned, 7);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(seen(st, i), i >= 7);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM alerts"), 3);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM audit"), 20);
    /* At hour 15: audit rows older than hour 5 go (0..4). */
    assert_int_equal(cg_state_prune(st, 15 * H), CG_OK);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM audit"), 15);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM alerts"), 0);
    assert_int_equal(cg_state_stats(st)->alerts_pruned, 10);
    /* Prune at the very beginning of time does not wrap. */
    assert_int_equal(cg_state_prune(st, INT64_MIN), CG_OK);
    assert_int_equal(sql_int(st, "SELECT count(*) FROM audit"), 15);
    cg_state_close(st);
}

/* ---- integrity -------------------------------------------------------------------------- */

static size_t count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

struct open_arg {
    const char *dir;
    struct cg_state *st;
};

static void open_captured(void *arg)
{
    struct open_arg *a = arg;
    a->st = open_ok(a->dir, NULL);
}

static void test_corrupt_moved_aside(void **state)
{
    struct fx *f = *state;
    char db[400];
    snprintf(db, sizeof(db), "%s/state.db", f->dir);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    /* Not a database at all. */
    char junk[8192];
    memset(junk, 'x', sizeof(junk));
    write_file(db, junk, sizeof(junk), 0);
    struct open_arg oa = {f->dir, NULL};
    char log[2048];
    capture_stderr(open_captured, &oa, log, sizeof(log));
    struct cg_state *st = oa.st;
    assert_non_null(strstr(log, "/state.db is corrupt (PRAGMA journal_mode = WAL: file is not a "
                                "database); moved aside to "));
    assert_non_null(strstr(log, "/state.db.corrupt-"));
    assert_non_null(strstr(log, "; starting with an empty state\n"));
    assert_int_equal(cg_state_stats(st)->corrupt, 1);
    assert_int_equal(count_prefix(f->dir, "state.db.corrupt-"), 1);
    /* What was moved aside is the file as it was. */
    const char *name = strstr(log, "moved aside to ") + strlen("moved aside to ");
    char moved[512];
    snprintf(moved, sizeof(moved), "%.*s", (int)(strchr(name, ';') - name), name);
    struct stat msb;
    assert_int_equal(stat(moved, &msb), 0);
    assert_int_equal(msb.st_size, (off_t)sizeof(junk));
    assert_int_equal(journal_count(st), 0);
    /* The fresh one works: fill it with enough for several pages, then damage them. */
    for (unsigned i = 0; i < 2000; i++)
        record(st, i, i);
    assert_int_equal(cg_state_journal_add(st, "omprog", 1, 1, junk, sizeof(junk)), CG_OK);
    cg_state_close(st);
    struct stat sb;
    assert_int_equal(stat(db, &sb), 0);
    assert_true(sb.st_size > 8 * 4096);
    /* Pages 2.. overwritten (the schema page 1 left whole, so it opens and quick_check is
     * what finds it). */
    memset(junk, 0x5a, sizeof(junk));
    write_file(db, junk, sizeof(junk), 4096);
    write_file(db, junk, sizeof(junk), 4 * 4096);
    capture_stderr(open_captured, &oa, log, sizeof(log));
    st = oa.st;
    assert_non_null(strstr(log, "/state.db is corrupt (quick_check: "));
    assert_null(strchr(log, '\n') == log + strlen(log) - 1 ? NULL : "one line");
    assert_int_equal(cg_state_stats(st)->corrupt, 1);
    assert_int_equal(count_prefix(f->dir, "state.db.corrupt-"), 2);
    assert_false(seen(st, 5));
    assert_int_equal(journal_count(st), 0);
    cg_state_close(st);
}

static void test_newer_or_foreign_refused(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    assert_int_equal(sqlite3_exec(st->db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    cg_state_close(st);
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_state_open(f->dir, NULL, &st, &err), CG_EINVAL);
    assert_non_null(strstr(cg_buf_cstr(&err), "schema version 99 is newer"));
    assert_int_equal(count_prefix(f->dir, "state.db.corrupt-"), 0); /* not moved */
    /* Another program's database. */
    char db[400];
    snprintf(db, sizeof(db), "%s/state.db", f->dir);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(raw, "PRAGMA user_version = 1; PRAGMA application_id = 7", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);
    cg_buf_clear(&err);
    assert_int_equal(cg_state_open(f->dir, NULL, &st, &err), CG_EINVAL);
    assert_non_null(strstr(cg_buf_cstr(&err), "not a cefguard state database"));
    /* The lock went with the failed opens. */
    int fd = open(f->dir, O_RDONLY);
    assert_true(fd >= 0);
    close(fd);
    cg_buf_fini(&err);
}

/* ---- crash safety ------------------------------------------------------------------------ */

/* The child: K committed batches of 3 frames and an id each, then a batch left open. How
 * it ends: killed (kill true: it says "ready" and waits) or _exit without closing. */
static void child_commits(const char *dir, unsigned k, bool kill_me, int wfd)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_state *st = NULL;
    if (cg_state_open(dir, NULL, &st, &err) != CG_OK)
        _exit(2);
    for (unsigned b = 0; b <= k; b++) {
        if (cg_state_begin(st) != CG_OK)
            _exit(3);
        for (unsigned i = 0; i < 3; i++)
            if (cg_state_journal_add(st, "omprog", b * 3 + i, 1, "line", 4) != CG_OK)
                _exit(4);
        uint8_t id[16];
        make_id(id, b);
        if (cg_state_alert_record(st, id, b) != CG_OK)
            _exit(5);
        if (b < k && cg_state_commit(st) != CG_OK)
            _exit(6);
    }
    if (kill_me) {
        (void)!write(wfd, "r", 1);
        for (;;)
            pause();
    }
    _exit(0);
}

static void crash_case(const char *dir, unsigned k, bool kill_me)
{
    int pfd[2];
    pid_t pid = fork_piped(pfd);
    if (pid == 0)
        child_commits(dir, k, kill_me, pfd[1]);
    int ws;
    if (kill_me) {
        char c = 0;
        assert_int_equal(read(pfd[0], &c, 1), 1);
        assert_int_equal(kill(pid, SIGKILL), 0);
    }
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    close(pfd[0]);
    if (kill_me) {
        assert_true(WIFSIGNALED(ws));
        assert_int_equal(WTERMSIG(ws), SIGKILL);
    } else {
        assert_true(WIFEXITED(ws));
        assert_int_equal(WEXITSTATUS(ws), 0);
    }
    struct cg_state *st = open_ok(dir, NULL);
    assert_int_equal(cg_state_stats(st)->journal_rows, 3 * k);
    assert_int_equal(journal_count(st), 3 * k);
    for (unsigned b = 0; b <= k; b++)
        assert_int_equal(seen(st, b), b < k);
    assert_int_equal(cg_state_stats(st)->corrupt, 0);
    /* Start the next case clean. */
    assert_int_equal(cg_state_snapshot_save(st, "s", 1, 1), CG_OK);
    assert_int_equal(cg_state_prune(st, INT64_MAX), CG_OK);
    cg_state_close(st);
}

static void test_crash_safety(void **state)
{
    struct fx *f = *state;
    crash_case(f->dir, 7, true);   /* SIGKILL with a batch open */
    crash_case(f->dir, 12, false); /* _exit without closing, a batch open */
    crash_case(f->dir, 0, true);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_locked_is_busy(void **state)
{
    struct fx *f = *state;
    struct cg_state_opts o = {.busy_timeout_us = 20000};
    struct cg_state *st = open_ok(f->dir, &o);
    char db[400];
    snprintf(db, sizeof(db), "%s/state.db", f->dir);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(cg_state_begin(st), CG_EBUSY);
    assert_int_equal(cg_state_journal_add(st, "omprog", 1, 1, "x", 1), CG_EBUSY);
    assert_int_equal(cg_state_stats(st)->errors, 2);
    assert_non_null(strstr(cg_state_error(st), "locked"));
    assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    /* Transient: it goes on once the other lets go. */
    assert_int_equal(cg_state_journal_add(st, "omprog", 1, 1, "x", 1), CG_OK);
    assert_int_equal(journal_count(st), 1);
    cg_state_close(st);
}

static void test_full_is_enospc(void **state)
{
    struct fx *f = *state;
    struct cg_state *st = open_ok(f->dir, NULL);
    int64_t pages = sql_int(st, "PRAGMA page_count");
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)pages);
    assert_int_equal(sqlite3_exec(st->db, sql, NULL, NULL, NULL), SQLITE_OK);
    static char big[64 * 1024];
    memset(big, 'z', sizeof(big));
    assert_int_equal(cg_state_begin(st), CG_OK);
    errno = 0;
    int rc = cg_state_journal_add(st, "omprog", 1, 1, big, sizeof(big));
    assert_int_equal(rc, CG_EIO);
    assert_int_equal(errno, ENOSPC);
    cg_state_rollback(st);
    assert_int_equal(cg_state_stats(st)->errors, 1);
    assert_int_equal(cg_state_stats(st)->journal_rows, 0);
    /* Outside a batch: the same answer, and nothing half-written. */
    errno = 0;
    assert_int_equal(cg_state_snapshot_save(st, big, sizeof(big), 1), CG_EIO);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(journal_count(st), 0);
    /* Room again: it goes on. */
    assert_int_equal(sqlite3_exec(st->db, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(cg_state_journal_add(st, "omprog", 1, 1, big, sizeof(big)), CG_OK);
    assert_int_equal(journal_count(st), 1);
    cg_state_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_table),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_open_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_order_and_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_each_reentry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_each_batches_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_cache_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_moved_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_or_foreign_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_is_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_is_enospc, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
