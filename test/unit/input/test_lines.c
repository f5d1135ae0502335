/*
 * test_lines.c - the stdin and omprog sources (source_lines.h) on a real libevent loop,
 * over pipes and regular files, with a recording env that acknowledges at each sync as the
 * pipeline does: numbered lines delivered once and in order, stamped with the wall clock;
 * framing at EOF; a regular file read in chunks while the loop keeps turning; pause,
 * resume and stop, also from within a frame; and omprog's answers byte for byte against a
 * fake rsyslog that sends the next message only after "OK": the first OK at start, one OK
 * per acknowledged line, "Error: ..." for the line a failed sync or frame leaves waiting,
 * keep-alive dots only while an answer is due.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/log.h"
#include "cefguard/options.h"
#include "cefguard/source_lines.h"
#include "cefguard/timeutil.h"
#include "cefguard/vec.h"

#include "testutil.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- a recording env on a real loop ------------------------------------------------------- */

#define MAX_TEXT 16

struct rec {
    struct event_base *base;
    struct cg_source_env env;
    struct cg_source s;
    bool timed_out;
    /* frames */
    uint64_t frames;
    bool numbered;      /* frame i must be the text "i" and have seq i */
    const char *origin; /* what every frame's origin must be */
    int64_t t_lo;       /* arrival_us is at least this and at most the clock in the frame */
    int64_t last_arrival;
    char text[MAX_TEXT][48]; /* "seq[+cut] bytes" of the first frames */
    /* acknowledgement: tokens delivered and not acked yet, acked at each sync */
    struct {
        uint64_t *v;
        size_t n, cap;
    } unacked;
    uint64_t acked;
    unsigned syncs;
    unsigned fail_sync_at;  /* that sync returns fail_rc with errno fail_errno (1-based) */
    uint64_t fail_frame_at; /* that frame returns fail_rc */
    int fail_rc, fail_errno;
    /* what a frame does (frame number, 1-based) */
    uint64_t pause_at, stop_at, keepalive_at;
    /* end */
    int ends, end_rc;
    /* the ticker: an event that runs once per turn of the loop */
    struct event *ticker;
    unsigned ticks, ticks_first, ticks_last;
};

static int rec_frame(void *ctx, struct cg_source *s, const struct cg_frame *f)
{
    struct rec *r = ctx;
    assert_int_equal(r->ends, 0); /* nothing after end */
    r->frames++;
    assert_int_equal(f->seq, r->frames);
    assert_int_equal(f->ack, f->seq);
    assert_string_equal(f->origin, r->origin);
    int64_t now = cg_time_now_us();
    if (f->arrival_us < r->t_lo || f->arrival_us > now || f->arrival_us < r->last_arrival)
        fail_msg("frame %llu: arrival %lld outside [%lld, %lld]", (unsigned long long)f->seq,
                 (long long)f->arrival_us, (long long)r->t_lo, (long long)now);
    r->last_arrival = f->arrival_us;
    if (r->numbered) {
        char want[24];
        int wn = snprintf(want, sizeof(want), "%llu", (unsigned long long)r->frames);
        if (f->cut || !cg_str_eq(f->bytes, cg_str_make(want, (size_t)wn)))
            fail_msg("frame %s: [%.*s]", want, (int)f->bytes.n, f->bytes.p);
    }
    if (r->frames <= MAX_TEXT) {
        struct cg_buf b;
        cg_buf_init(&b);
        cg_log_escape(&b, f->bytes.p, f->bytes.n, 20);
        snprintf(r->text[r->frames - 1], sizeof(r->text[0]), "%llu%s %s",
                 (unsigned long long)f->seq, f->cut ? "+cut" : "", cg_buf_cstr(&b));
        cg_buf_fini(&b);
    }
    if (r->frames == 1)
        r->ticks_first = r->ticks;
    r->ticks_last = r->ticks;
    if (r->frames == r->keepalive_at)
        cg_source_lines_keepalive(s);
    if (r->frames == r->pause_at)
        s->ops->pause(s);
    if (r->frames == r->stop_at)
        s->ops->stop(s);
    if (r->frames == r->fail_frame_at) {
        errno = r->fail_errno;
        return r->fail_rc; /* the pipeline never acks it */
    }
    if (s->ops->ack) {
        assert_int_equal(cg_vec_reserve(&r->unacked, r->unacked.n + 1), CG_OK);
        r->unacked.v[r->unacked.n++] = f->ack;
    }
    return CG_OK;
}

/* As the pipeline: what was delivered is made durable and acknowledged, in order. */
static int rec_sync(void *ctx, struct cg_source *s)
{
    struct rec *r = ctx;
    assert_int_equal(r->ends, 0);
    if (++r->syncs == r->fail_sync_at) {
        r->unacked.n = 0; /* never acknowledged */
        errno = r->fail_errno;
        return r->fail_rc;
    }
    for (size_t i = 0; i < r->unacked.n; i++) {
        assert_int_equal(r->unacked.v[i], r->acked + 1);
        r->acked++;
        s->ops->ack(s, r->unacked.v[i]);
    }
    r->unacked.n = 0;
    return CG_OK;
}

static void rec_end(void *ctx, struct cg_source *s, int rc)
{
    struct rec *r = ctx;
    r->ends++;
    r->end_rc = rc;
    event_base_loopbreak(r->base);
}

static void ticker_cb(evutil_socket_t fd, short what, void *ctx)
{
    struct rec *r = ctx;
    r->ticks++;
    event_active(r->ticker, EV_TIMEOUT, 0);
}

static void rec_init(struct rec *r, const struct cg_source_ops *ops,
                     const struct cg_source_lines_conf *c)
{
    memset(r, 0, sizeof(*r));
    r->base = event_base_new();
    assert_non_null(r->base);
    r->env = (struct cg_source_env){r, r->base, rec_frame, rec_sync, rec_end};
    r->s.ops = ops;
    r->s.env = &r->env;
    r->origin = c->origin ? c->origin : "<stdin>";
    r->t_lo = cg_time_now_us();
    assert_int_equal(ops->init(&r->s, c), CG_OK);
}

static void rec_fini(struct rec *r)
{
    r->s.ops->fini(&r->s);
    if (r->ticker)
        event_free(r->ticker);
    event_base_free(r->base);
    free(r->unacked.v);
}

static void deadline_cb(evutil_socket_t fd, short what, void *ctx)
{
    struct rec *r = ctx;
    r->timed_out = true;
    event_base_loopbreak(r->base);
}

/* Runs the loop until something breaks it (the source's end, the fake rsyslog), failing the
 * test after 10 seconds. */
static void rec_run(struct rec *r)
{
    struct event *dl = evtimer_new(r->base, deadline_cb, r);
    const struct timeval ten = {10, 0};
    evtimer_add(dl, &ten);
    event_base_dispatch(r->base);
    event_free(dl);
    assert_false(r->timed_out);
}

/* A few turns of the loop that do not wait: whatever is ready runs. */
static void rec_turn(struct rec *r)
{
    for (int i = 0; i < 4; i++)
        event_base_loop(r->base, EVLOOP_NONBLOCK);
}

static uint64_t counter(const struct cg_source *s, const char *name)
{
    const struct cg_counter_table *t = s->counters;
    assert_non_null(t);
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0)
            return *(const uint64_t *)((const char *)s->stats + t->v[i].offset);
    fail_msg("no counter %s", name);
    return 0;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/* ---- a writer on the loop: a pipe fed in pieces ------------------------------------------- */

struct feeder {
    struct event *ev;
    int fd;
    const char *p;
    size_t n, off, piece;
};

static void feeder_cb(evutil_socket_t fd, short what, void *ctx)
{
    struct feeder *w = ctx;
    size_t k = w->n - w->off < w->piece ? w->n - w->off : w->piece;
    ssize_t got = write(w->fd, w->p + w->off, k);
    if (got > 0)
        w->off += (size_t)got;
    else
        assert_true(errno == EAGAIN || errno == EINTR);
    if (w->off == w->n) {
        event_del(w->ev);
        close(w->fd); /* the reader sees EOF */
        w->fd = -1;
    }
}

static void feeder_start(struct feeder *w, struct event_base *base, int fd, const char *p, size_t n,
                         size_t piece)
{
    *w = (struct feeder){NULL, fd, p, n, 0, piece};
    set_nonblock(fd);
    w->ev = event_new(base, fd, EV_WRITE | EV_PERSIST, feeder_cb, w);
    assert_non_null(w->ev);
    event_add(w->ev, NULL);
}

static void feeder_fini(struct feeder *w)
{
    event_free(w->ev);
    if (w->fd >= 0)
        close(w->fd);
}

/* "1\n2\r\n3\n..." for n lines (every third ends in CR LF); *len its length. */
static char *numbered(uint64_t n, size_t *len)
{
    struct cg_buf b;
    cg_buf_init(&b);
    for (uint64_t i = 1; i <= n; i++)
        assert_int_equal(cg_buf_printf(&b, "%llu%s", (unsigned long long)i, i % 3 ? "\n" : "\r\n"),
                         CG_OK);
    *len = b.n;
    return b.p;
}

/* A temporary file holding n bytes, opened for reading; the name is unlinked at once. */
static int tmp_fd(const char *p, size_t n)
{
    char path[] = "/tmp/cg_test_linesXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* ---- stdin ---------------------------------------------------------------------------------- */

/* N numbered lines through a pipe written in pieces that split lines: each once, in order,
 * numbered from 1, stamped within the test's clock, counted with their bytes. */
static void test_plain_pipe_numbered(void **state)
{
    (void)state;
    static const size_t pieces[] = {1, 777, 65536};
    static const uint64_t ns[] = {50, 20000, 20000};
    for (size_t i = 0; i < CG_ARRAY_LEN(pieces); i++) {
        size_t len;
        char *text = numbered(ns[i], &len);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        struct cg_source_lines_conf c = {"in", fds[0], 0, 0, NULL};
        struct rec r;
        rec_init(&r, &cg_source_lines_ops, &c);
        r.numbered = true;
        assert_null(r.s.ops->ack);
        assert_int_equal(r.s.ops->start(&r.s), CG_OK);
        struct feeder w;
        feeder_start(&w, r.base, fds[1], text, len, pieces[i]);
        rec_run(&r);
        assert_int_equal(r.frames, ns[i]);
        assert_int_equal(r.ends, 1);
        assert_int_equal(r.end_rc, CG_OK);
        assert_true(r.syncs >= 1);
        assert_int_equal(counter(&r.s, "received"), ns[i]);
        assert_int_equal(counter(&r.s, "bytes"), len);
        assert_int_equal(counter(&r.s, "answered.ok"), 0);
        assert_int_equal(fcntl(fds[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
        rec_fini(&r);
        assert_int_equal(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0); /* not ours: as it was */
        feeder_fini(&w);
        close(fds[0]);
        free(text);
    }
}

struct pcase {
    const char *name;
    const char *data;
    size_t n;
    size_t max_line;
    const char *origin;
    const char *want[5];
};

#define D(s) s, sizeof(s) - 1

static const struct pcase plain_cases[] = {
    {"a partial last line at EOF", D("a\nb"), 0, NULL, {"1 a", "2 b"}},
    {"CR LF and empty lines", D("a\r\n\nb\r\n"), 0, "in", {"1 a", "2 ", "3 b"}},
    {"nothing at all", D(""), 0, NULL, {NULL}},
    {"NUL and lone CR stay in the line", D("x\0y\rz\n"), 0, NULL, {"1 x\\x00y\\x0dz"}},
    {"lines cut at max_line, the rest of them skipped",
     D("0123456789\nok\n0123\n0123456789"),
     4,
     "cut",
     {"1+cut 0123", "2 ok", "3 0123", "4+cut 0123"}},
};

/* Framing at EOF, through a pipe closed after the bytes and through a regular file. */
static void test_plain_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(plain_cases); i++) {
        const struct pcase *pc = &plain_cases[i];
        for (int regular = 0; regular < 2; regular++) {
            int fd;
            if (regular) {
                fd = tmp_fd(pc->data, pc->n);
            } else {
                int fds[2];
                assert_int_equal(pipe(fds), 0);
                assert_int_equal(write(fds[1], pc->data, pc->n), (ssize_t)pc->n);
                close(fds[1]);
                fd = fds[0];
            }
            struct cg_source_lines_conf c = {"in", fd, 0, pc->max_line, pc->origin};
            struct rec r;
            rec_init(&r, &cg_source_lines_ops, &c);
            assert_int_equal(r.s.ops->start(&r.s), CG_OK);
            rec_run(&r);
            assert_int_equal(r.ends, 1);
            assert_int_equal(r.end_rc, CG_OK);
            size_t nwant = 0;
            while (nwant < 5 && pc->want[nwant])
                nwant++;
            if (r.frames != nwant)
                fail_msg("%s (%s): %llu frames, want %zu", pc->name, regular ? "file" : "pipe",
                         (unsigned long long)r.frames, nwant);
            for (size_t k = 0; k < nwant; k++)
                if (strcmp(r.text[k], pc->want[k]) != 0)
                    fail_msg("%s (%s): frame %zu [%s], want [%s]", pc->name,
                             regular ? "file" : "pipe", k, r.text[k], pc->want[k]);
            assert_int_equal(counter(&r.s, "bytes"), pc->n);
            rec_fini(&r);
            close(fd);
        }
    }
}

/* A regular file: N lines in chunks of 256 KiB, one read (and one sync) per chunk and one
 * for EOF, while the loop keeps turning (the ticker runs between the chunks). */
static void test_regular_file_chunks(void **state)
{
    (void)state;
    const uint64_t n = 100000;
    size_t len;
    char *text = numbered(n, &len);
    int fd = tmp_fd(text, len);
    struct cg_source_lines_conf c = {"in", fd, 0, 0, "file"};
    struct rec r;
    rec_init(&r, &cg_source_lines_ops, &c);
    r.numbered = true;
    r.ticker = event_new(r.base, -1, 0, ticker_cb, &r);
    event_active(r.ticker, EV_TIMEOUT, 0);
    assert_int_equal(r.s.ops->start(&r.s), CG_OK);
    rec_run(&r);
    assert_int_equal(r.frames, n);
    assert_int_equal(r.ends, 1);
    assert_int_equal(r.end_rc, CG_OK);
    const size_t chunk = 256 * 1024, chunks = (len + chunk - 1) / chunk;
    assert_true(chunks >= 3);
    assert_int_equal(r.syncs, chunks + 1);
    if (r.ticks_last - r.ticks_first < chunks - 1)
        fail_msg("the loop turned %u times during %zu chunks", r.ticks_last - r.ticks_first,
                 chunks);
    assert_int_equal(counter(&r.s, "bytes"), len);
    rec_fini(&r);
    close(fd);
    free(text);
}

/* Without a loop the source cannot run. */
static void test_needs_loop(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cg_source_lines_conf c = {"in", fds[0], fds[1], 0, NULL};
    const struct cg_source_ops *ops[] = {&cg_source_lines_ops, &cg_source_omprog_ops};
    for (size_t i = 0; i < 2; i++) {
        struct rec r;
        rec_init(&r, ops[i], &c);
        r.env.loop = NULL;
        assert_int_equal(r.s.ops->start(&r.s), CG_EINVAL);
        rec_fini(&r);
    }
    assert_int_equal(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0); /* not touched */
    close(fds[0]);
    close(fds[1]);
}

/* ---- pause, resume, stop, end --------------------------------------------------------------- */

struct ccase {
    const char *name;
    uint64_t pause_at, stop_at; /* from within that frame */
    bool pause_first;           /* paused before the loop runs */
    uint64_t before;            /* frames before resume (and before EOF) */
    int ends_before;
};

/* "1\n".."5\n" are in the pipe (or the file) before the loop runs. */
static const struct ccase ctl_cases[] = {
    {"paused before the loop runs: nothing is read until resume", 0, 0, true, 0, 0},
    {"paused from within frame 2: the frames read with it wait for resume", 2, 0, false, 2, 0},
    {"paused from within the last frame", 5, 0, false, 5, 0},
    {"stopped from within frame 2: it ends there, nothing follows", 0, 2, false, 2, 1},
};

static void test_pause_resume(void **state)
{
    (void)state;
    static const char data[] = "1\n2\n3\n4\n5\n";
    for (size_t i = 0; i < CG_ARRAY_LEN(ctl_cases); i++) {
        const struct ccase *cc = &ctl_cases[i];
        for (int regular = 0; regular < 2; regular++) {
            int fds[2] = {-1, -1};
            if (regular) {
                fds[0] = tmp_fd(data, sizeof(data) - 1);
            } else {
                assert_int_equal(pipe(fds), 0);
                assert_int_equal(write(fds[1], data, sizeof(data) - 1), (ssize_t)sizeof(data) - 1);
            }
            struct cg_source_lines_conf c = {"in", fds[0], 0, 0, NULL};
            struct rec r;
            rec_init(&r, &cg_source_lines_ops, &c);
            r.numbered = true;
            r.pause_at = cc->pause_at;
            r.stop_at = cc->stop_at;
            assert_int_equal(r.s.ops->start(&r.s), CG_OK);
            if (cc->pause_first)
                r.s.ops->pause(&r.s);
            rec_turn(&r);
            if (r.frames != cc->before || r.ends != cc->ends_before)
                fail_msg("%s (%s): %llu frames, %d ends before resume; want %llu, %d", cc->name,
                         regular ? "file" : "pipe", (unsigned long long)r.frames, r.ends,
                         (unsigned long long)cc->before, cc->ends_before);
            r.s.ops->resume(&r.s);
            if (fds[1] >= 0)
                close(fds[1]); /* EOF after the five */
            if (!r.ends)
                rec_run(&r);
            rec_turn(&r);
            uint64_t want = cc->stop_at ? cc->stop_at : 5;
            if (r.frames != want || r.ends != 1)
                fail_msg("%s (%s): %llu frames, %d ends; want %llu, 1", cc->name,
                         regular ? "file" : "pipe", (unsigned long long)r.frames, r.ends,
                         (unsigned long long)want);
            assert_int_equal(r.end_rc, CG_OK);
            /* once ended: stop, pause and resume do nothing more */
            r.s.ops->stop(&r.s);
            r.s.ops->pause(&r.s);
            r.s.ops->resume(&r.s);
            rec_turn(&r);
            assert_int_equal(r.ends, 1);
            assert_int_equal(r.frames, want);
            rec_fini(&r);
            close(fds[0]);
        }
    }
}

/* Stopped while waiting for input: it ends at once, with CG_OK, and only once. */
static void test_stop_idle(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cg_source_lines_conf c = {"in", fds[0], 0, 0, NULL};
    struct rec r;
    rec_init(&r, &cg_source_lines_ops, &c);
    assert_int_equal(r.s.ops->start(&r.s), CG_OK);
    rec_turn(&r);
    assert_int_equal(r.ends, 0);
    r.s.ops->stop(&r.s);
    assert_int_equal(r.ends, 1);
    assert_int_equal(r.end_rc, CG_OK);
    assert_int_equal(write(fds[1], "late\n", 5), 5);
    rec_turn(&r);
    assert_int_equal(r.frames, 0);
    assert_int_equal(r.ends, 1);
    rec_fini(&r);
    close(fds[0]);
    close(fds[1]);
}

struct special {
    const char *path;
    struct rec r;
};

static void special_run(void *arg)
{
    struct special *sp = arg;
    int fd = open(sp->path, O_RDONLY);
    assert_true(fd >= 0);
    struct cg_source_lines_conf c = {"in", fd, 0, 0, NULL};
    rec_init(&sp->r, &cg_source_lines_ops, &c);
    assert_int_equal(sp->r.s.ops->start(&sp->r.s), CG_OK);
    rec_run(&sp->r);
    rec_fini(&sp->r);
    close(fd);
}

/* What epoll cannot watch is read from the loop all the same: /dev/null (stdin under
 * systemd) ends at once, a directory ends with a read error, logged. */
static void test_special_files(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int rc;
        const char *log;
    } cases[] = {
        {"/dev/null", CG_OK, ""},
        {"/", CG_EIO, "cefguard: error: <stdin>: read error: Is a directory\n"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct special sp = {.path = cases[i].path};
        char log[256];
        capture_stderr(special_run, &sp, log, sizeof(log));
        if (sp.r.ends != 1 || sp.r.end_rc != cases[i].rc || sp.r.frames)
            fail_msg("%s: %d ends, rc %d, %llu frames", cases[i].path, sp.r.ends, sp.r.end_rc,
                     (unsigned long long)sp.r.frames);
        assert_string_equal(log, cases[i].log);
    }
}

/* ---- omprog against a fake rsyslog ---------------------------------------------------------- */

/* rsyslog's side: it sends message k+1 only once message k is answered "OK" (the first OK,
 * at start, lets it send message 1); it stops at an answer of another kind, or after n. */
struct rsyslog {
    struct rec *r;
    int to_fd;   /* cefguard's stdin: messages go here */
    int from_fd; /* cefguard's answers come here */
    struct event *ev;
    uint64_t n, sent;
    bool batch; /* all n at once after the first OK */
    char answers[8192];
    size_t alen, seen; /* bytes of answers, and those already acted on */
};

static void rsyslog_send(struct rsyslog *y, uint64_t upto)
{
    char line[32];
    while (y->sent < upto) {
        int k = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)++y->sent);
        assert_int_equal(write(y->to_fd, line, (size_t)k), k);
    }
}

static void rsyslog_cb(evutil_socket_t fd, short what, void *ctx)
{
    struct rsyslog *y = ctx;
    ssize_t got = read(y->from_fd, y->answers + y->alen, sizeof(y->answers) - 1 - y->alen);
    if (got <= 0)
        return;
    y->alen += (size_t)got;
    y->answers[y->alen] = '\0';
    char *lf;
    while ((lf = memchr(y->answers + y->seen, '\n', y->alen - y->seen))) {
        const char *a = y->answers + y->seen;
        while (*a == '.')
            a++; /* keep-alive dots come before an answer */
        bool ok = strncmp(a, "OK\n", 3) == 0;
        y->seen = (size_t)(lf - y->answers) + 1;
        if (!ok || y->sent == y->n) {
            event_base_loopbreak(y->r->base); /* done, or it would restart the program */
            return;
        }
        if (y->batch)
            rsyslog_send(y, y->n);
        else if (y->sent < y->n)
            rsyslog_send(y, y->sent + 1);
    }
}

struct ocase {
    const char *name;
    uint64_t n;
    bool batch;
    unsigned fail_sync_at;
    uint64_t fail_frame_at;
    int fail_rc, fail_errno;
    uint64_t keepalive_at;
    bool keepalive_first; /* one before start */
    uint64_t frames;      /* delivered in all */
    int end_rc;
    bool eof;         /* rsyslog closes the pipe once done: end with CG_OK */
    const char *head; /* the answers begin so, */
    unsigned oks;     /* then this many "OK\n", */
    const char *tail; /* then this */
    const char *log;  /* stderr */
};

#define ERR_BUSY "Error: busy: Device or resource busy\n"
#define ERR_IO "Error: i/o error: No space left on device\n"

static const struct ocase omprog_cases[] = {
    {"one message at a time: the first OK, then one per line", 200, .frames = 200, .eof = true,
     .head = "OK\n", .oks = 200, .tail = "", .log = ""},
    {"a batch in one write: each line answered, in order", 300, true, .frames = 300, .eof = true,
     .head = "OK\n", .oks = 300, .tail = "", .log = ""},
    {"the third sync fails (the state store is locked): line 3 is answered with the error "
     "and the source ends with it",
     5, .fail_sync_at = 3, .fail_rc = CG_EBUSY, .fail_errno = EBUSY, .frames = 3,
     .end_rc = CG_EBUSY, .head = "OK\nOK\nOK\n", .tail = ERR_BUSY,
     .log = "cefguard: error: <stdin>: line 3 not confirmed to rsyslog (busy): it will be sent "
            "again\n"},
    {"the second frame fails (a disk full): line 2 is answered with the error", 5,
     .fail_frame_at = 2, .fail_rc = CG_EIO, .fail_errno = ENOSPC, .frames = 2, .end_rc = CG_EIO,
     .head = "OK\nOK\n", .tail = ERR_IO,
     .log = "cefguard: error: <stdin>: line 2 not confirmed to rsyslog (i/o error): it will be "
            "sent again\n"},
    {"keep-alive: a dot before start and one while line 2 is being processed, none after", 3,
     .keepalive_at = 2, .keepalive_first = true, .frames = 3, .eof = true, .head = ".OK\nOK\n.OK\n",
     .oks = 1, .tail = "", .log = ""},
};

struct orun {
    const struct ocase *oc;
    struct rec r;
    struct rsyslog y;
    int in[2], out[2];
};

static void omprog_run(void *arg)
{
    struct orun *o = arg;
    const struct ocase *oc = o->oc;
    struct rec *r = &o->r;
    assert_int_equal(pipe(o->in), 0);
    assert_int_equal(pipe(o->out), 0);
    struct cg_source_lines_conf c = {"omprog", o->in[0], o->out[1], 0, NULL};
    rec_init(r, &cg_source_omprog_ops, &c);
    assert_non_null(r->s.ops->ack);
    r->numbered = true;
    r->fail_sync_at = oc->fail_sync_at;
    r->fail_frame_at = oc->fail_frame_at;
    r->fail_rc = oc->fail_rc;
    r->fail_errno = oc->fail_errno;
    r->keepalive_at = oc->keepalive_at;
    o->y = (struct rsyslog){
        .r = r, .to_fd = o->in[1], .from_fd = o->out[0], .n = oc->n, .batch = oc->batch};
    set_nonblock(o->out[0]);
    o->y.ev = event_new(r->base, o->out[0], EV_READ | EV_PERSIST, rsyslog_cb, &o->y);
    event_add(o->y.ev, NULL);
    if (oc->keepalive_first)
        cg_source_lines_keepalive(&r->s);
    assert_int_equal(r->s.ops->start(&r->s), CG_OK);
    cg_source_lines_keepalive(&r->s); /* nothing is due */
    rec_run(r);
    if (oc->eof && !r->ends) {
        close(o->in[1]); /* rsyslog stops the program */
        o->in[1] = -1;
        rec_run(r);
    }
    rec_turn(r);
    rsyslog_cb(o->out[0], EV_READ, &o->y); /* what is left */
    cg_source_lines_keepalive(&r->s);      /* ended: nothing is due */
    rsyslog_cb(o->out[0], EV_READ, &o->y);
}

static void test_omprog(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(omprog_cases); i++) {
        const struct ocase *oc = &omprog_cases[i];
        struct orun o = {.oc = oc};
        char log[512];
        capture_stderr(omprog_run, &o, log, sizeof(log));
        struct rec *r = &o.r;
        if (r->frames != oc->frames || r->ends != 1 || r->end_rc != oc->end_rc)
            fail_msg("%s: %llu frames, %d ends, rc %d; want %llu, 1, %d", oc->name,
                     (unsigned long long)r->frames, r->ends, r->end_rc,
                     (unsigned long long)oc->frames, oc->end_rc);
        struct cg_buf want;
        cg_buf_init(&want);
        cg_buf_puts(&want, oc->head);
        for (unsigned k = 0; k < oc->oks; k++)
            cg_buf_puts(&want, "OK\n");
        cg_buf_puts(&want, oc->tail);
        if (strcmp(o.y.answers, cg_buf_cstr(&want)) != 0)
            fail_msg("%s: answers\n got: [%s]\nwant: [%s]", oc->name, o.y.answers,
                     cg_buf_cstr(&want));
        if (strcmp(log, oc->log) != 0)
            fail_msg("%s: stderr\n got: [%s]\nwant: [%s]", oc->name, log, oc->log);
        bool failed = oc->fail_sync_at || oc->fail_frame_at;
        assert_int_equal(counter(&r->s, "received"), oc->frames);
        assert_int_equal(counter(&r->s, "answered.ok"), failed ? oc->frames - 1 : oc->frames);
        assert_int_equal(counter(&r->s, "answered.error"), failed ? 1 : 0);
        assert_int_equal(counter(&r->s, "keepalives"),
                         (oc->keepalive_first ? 1 : 0) + (oc->keepalive_at ? 1 : 0));
        cg_buf_fini(&want);
        event_free(o.y.ev);
        rec_fini(r);
        for (int k = 0; k < 2; k++) {
            if (o.in[k] >= 0)
                close(o.in[k]);
            close(o.out[k]);
        }
    }
}

/* keepalive on a stdin source (no answers) writes nothing anywhere. */
static void test_keepalive_plain(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cg_source_lines_conf c = {"in", fds[0], fds[1], 0, NULL};
    struct rec r;
    rec_init(&r, &cg_source_lines_ops, &c);
    cg_source_lines_keepalive(&r.s);
    assert_int_equal(r.s.ops->start(&r.s), CG_OK);
    cg_source_lines_keepalive(&r.s);
    assert_int_equal(counter(&r.s, "keepalives"), 0);
    set_nonblock(fds[0]);
    char b;
    assert_int_equal(read(fds[0], &b, 1), -1); /* answer_fd is ignored: nothing written */
    assert_int_equal(errno, EAGAIN);
    r.s.ops->stop(&r.s);
    rec_fini(&r);
    close(fds[0]);
    close(fds[1]);
}

/* The counters by name, and the option table is one cg_opt_check accepts. */
static void test_tables(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cg_source_lines_conf c = {"in", fds[0], 0, 0, NULL};
    struct rec r;
    rec_init(&r, &cg_source_omprog_ops, &c);
    static const char *const names[] = {"received", "bytes", "answered.ok", "answered.error",
                                        "keepalives"};
    assert_int_equal(r.s.counters->n, CG_ARRAY_LEN(names));
    for (size_t i = 0; i < CG_ARRAY_LEN(names); i++) {
        assert_string_equal(r.s.counters->v[i].name, names[i]);
        assert_int_equal(counter(&r.s, names[i]), 0);
    }
    rec_fini(&r);
    close(fds[0]);
    close(fds[1]);
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_source_lines_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    cg_buf_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_pipe_numbered), cmocka_unit_test(test_plain_cases),
        cmocka_unit_test(test_regular_file_chunks), cmocka_unit_test(test_needs_loop),
        cmocka_unit_test(test_pause_resume),        cmocka_unit_test(test_stop_idle),
        cmocka_unit_test(test_special_files),       cmocka_unit_test(test_omprog),
        cmocka_unit_test(test_keepalive_plain),     cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
