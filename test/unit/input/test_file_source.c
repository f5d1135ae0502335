/*
 * test_file_source.c - the file source (source_file.h) over real files, pipes and stdin,
 * driven through its ops as the pipeline drives it: frames, numbering and names, every
 * read size, cut lines, errors and where they are logged, pause/resume/stop from within a
 * frame, and the memory source (source_mem.h) framing the same bytes alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/log.h"
#include "cefguard/source_file.h"
#include "cefguard/source_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a recording pipeline ---------------------------------------------------------------- */

#define MAX_GOT 64

struct got {
    char text[MAX_GOT][80]; /* "origin:seq[+cut] bytes" (bytes escaped by cg_log_escape) */
    size_t n;
    uint64_t frames; /* all frames, also those not kept in text */
    bool numbered;   /* every frame must be its own number, and seq too */
    int ends, end_rc;
    /* what the callback does at a given frame number (1-based, over all frames) */
    uint64_t pause_at, stop_at, fail_at;
    int fail_rc;
    struct cg_source *s;
};

static int got_frame(void *ctx, struct cg_source *s, const struct cg_frame *f)
{
    struct got *g = ctx;
    assert_int_equal(g->ends, 0); /* nothing after end */
    assert_int_equal(f->arrival_us, 0);
    assert_int_equal(f->ack, f->seq);
    g->frames++;
    if (g->numbered) {
        char want[32];
        int wn = snprintf(want, sizeof(want), "%llu", (unsigned long long)g->frames);
        if (!cg_str_eq(f->bytes, cg_str_make(want, (size_t)wn)) || f->seq != g->frames)
            fail_msg("frame %s: [%.*s] seq %llu", want, (int)f->bytes.n, f->bytes.p,
                     (unsigned long long)f->seq);
    }
    if (g->n < MAX_GOT) {
        struct cg_buf b;
        cg_buf_init(&b);
        cg_log_escape(&b, f->bytes.p, f->bytes.n, 40);
        snprintf(g->text[g->n++], sizeof(g->text[0]), "%s:%llu%s %s", f->origin,
                 (unsigned long long)f->seq, f->cut ? "+cut" : "", cg_buf_cstr(&b));
        cg_buf_fini(&b);
    }
    if (g->frames == g->pause_at)
        s->ops->pause(s);
    if (g->frames == g->stop_at)
        s->ops->stop(s);
    return g->frames == g->fail_at ? g->fail_rc : CG_OK;
}

static int got_sync(void *ctx, struct cg_source *s)
{
    fail_msg("the file source cannot acknowledge: it has no reason to sync");
    return CG_OK;
}

static void got_end(void *ctx, struct cg_source *s, int rc)
{
    struct got *g = ctx;
    g->ends++;
    g->end_rc = rc;
}

struct harness {
    struct got g;
    struct cg_source_env env;
    struct cg_source s;
};

static void harness_init(struct harness *h, const struct cg_source_ops *ops, const void *conf)
{
    memset(h, 0, sizeof(*h));
    h->env = (struct cg_source_env){&h->g, NULL, got_frame, got_sync, got_end};
    h->s.ops = ops;
    h->s.env = &h->env;
    h->g.s = &h->s;
    assert_int_equal(ops->init(&h->s, conf), CG_OK);
    assert_null(ops->ack);
}

static void expect_got(const struct got *g, const char *const *want, size_t n)
{
    for (size_t i = 0; i < g->n || i < n; i++) {
        const char *gl = i < g->n ? g->text[i] : "(none)", *wl = i < n ? want[i] : "(none)";
        if (strcmp(gl, wl) != 0)
            fail_msg("frame %zu: got [%s] want [%s]", i, gl, wl);
    }
}

#define EXPECT(g, ...)                                                                             \
    do {                                                                                           \
        const char *const w_[] = {__VA_ARGS__};                                                    \
        expect_got(g, w_, CG_ARRAY_LEN(w_));                                                       \
    } while (0)

/* ---- real files -------------------------------------------------------------------------- */

struct tmpdir {
    char dir[64];
    char path[8][96];
    size_t n;
};

static const char *tmp_file(struct tmpdir *t, const char *data, size_t n)
{
    if (!t->dir[0]) {
        strcpy(t->dir, "/tmp/cg_test_fsrcXXXXXX");
        assert_non_null(mkdtemp(t->dir));
    }
    assert_true(t->n < 8);
    char *p = t->path[t->n];
    size_t dl = strlen(t->dir);
    memcpy(p, t->dir, dl);
    snprintf(p + dl, sizeof(t->path[0]) - dl, "/f%zu.log", ++t->n);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    return p;
}

static void tmp_clean(struct tmpdir *t)
{
    for (size_t i = 0; i < t->n; i++)
        unlink(t->path[i]);
    if (t->dir[0])
        rmdir(t->dir);
}

/* Runs the file source over paths with read_max to the end; returns the rc it ended with. */
static int run_files_numbered(struct harness *h, const char *const *paths, size_t n,
                              size_t max_line, size_t read_max, bool numbered)
{
    struct cg_source_file_conf c = {paths, n, max_line, read_max};
    harness_init(h, &cg_source_file_ops, &c);
    h->g.numbered = numbered;
    assert_int_equal(h->s.ops->start(&h->s), CG_OK);
    assert_int_equal(h->g.ends, 1);
    h->s.ops->fini(&h->s);
    return h->g.end_rc;
}

static int run_files(struct harness *h, const char *const *paths, size_t n, size_t max_line,
                     size_t read_max)
{
    return run_files_numbered(h, paths, n, max_line, read_max, false);
}

struct fcase {
    const char *name;
    const char *data;
    size_t n;
    size_t max_line;
    const char *want[6];
};

#define D(s) s, sizeof(s) - 1

static const struct fcase fcases[] = {
    {"lines", D("a\nb\n"), 0, {"F:1 a", "F:2 b"}},
    {"no final LF", D("a\nb"), 0, {"F:1 a", "F:2 b"}},
    {"CR LF", D("a\r\nb\r\n\r\n"), 0, {"F:1 a", "F:2 b", "F:3 "}},
    {"lone CR and NUL stay", D("a\rb\nx\0y\n"), 0, {"F:1 a\\x0db", "F:2 x\\x00y"}},
    {"empty input", D(""), 0, {NULL}},
    {"only LF", D("\n"), 0, {"F:1 "}},
    {"cut lines",
     D("0123456789\nok\n0123\n01234\n0123456789"),
     4,
     {"F:1+cut 0123", "F:2 ok", "F:3 0123", "F:4+cut 0123", "F:5+cut 0123"}},
    {"cut CR LF", D("0123\r\n012\r\n"), 4, {"F:1+cut 0123", "F:2 012"}},
};

/* Replaces the temp path in got lines by "F" so the table can name it. */
static void name_as_f(struct got *g, const char *path)
{
    size_t pl = strlen(path);
    for (size_t i = 0; i < g->n; i++) {
        if (strncmp(g->text[i], path, pl) == 0) {
            g->text[i][0] = 'F';
            memmove(g->text[i] + 1, g->text[i] + pl, strlen(g->text[i] + pl) + 1);
        }
    }
}

static void test_file_cases(void **state)
{
    (void)state;
    static const size_t reads[] = {0, 1, 2, 3, 7, 64};
    for (size_t i = 0; i < CG_ARRAY_LEN(fcases); i++) {
        const struct fcase *fc = &fcases[i];
        struct tmpdir t = {0};
        const char *path = tmp_file(&t, fc->data, fc->n);
        size_t nwant = 0;
        while (nwant < 6 && fc->want[nwant])
            nwant++;
        for (size_t r = 0; r < CG_ARRAY_LEN(reads); r++) {
            struct harness h;
            assert_int_equal(run_files(&h, &path, 1, fc->max_line, reads[r]), CG_OK);
            name_as_f(&h.g, path);
            if (h.g.n != nwant)
                fail_msg("%s (read %zu): %zu frames, want %zu", fc->name, reads[r], h.g.n, nwant);
            expect_got(&h.g, fc->want, nwant);
        }
        tmp_clean(&t);
    }
}

/* Files one after another: each numbered from 1 and named by its path. */
static void test_file_sequence(void **state)
{
    (void)state;
    struct tmpdir t = {0};
    const char *a = tmp_file(&t, D("a1\na2\n")), *b = tmp_file(&t, D("b1"));
    const char *const paths[] = {a, b, a};
    struct harness h;
    assert_int_equal(run_files(&h, paths, 3, 0, 0), CG_OK);
    char w[5][96];
    snprintf(w[0], sizeof(w[0]), "%s:1 a1", a);
    snprintf(w[1], sizeof(w[1]), "%s:2 a2", a);
    snprintf(w[2], sizeof(w[2]), "%s:1 b1", b);
    snprintf(w[3], sizeof(w[3]), "%s:1 a1", a);
    snprintf(w[4], sizeof(w[4]), "%s:2 a2", a);
    EXPECT(&h.g, w[0], w[1], w[2], w[3], w[4]);
    tmp_clean(&t);
}

/* Runs fn with stderr going to a file; returns what it wrote (static buffer). */
static const char *capture_stderr(void (*fn)(void *), void *arg)
{
    static char text[1024];
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *f = tmpfile();
    assert_non_null(f);
    dup2(fileno(f), STDERR_FILENO);
    fn(arg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

struct err_run {
    const char *const *paths;
    size_t n;
    struct harness h;
    int rc;
};

static void err_run(void *arg)
{
    struct err_run *e = arg;
    e->rc = run_files(&e->h, e->paths, e->n, 0, 0);
}

/* A file that does not open and one that does not read (a directory: EISDIR) are
 * logged by name and skipped; the files after them still run; the source ends with
 * CG_EIO. */
static void test_file_errors(void **state)
{
    (void)state;
    struct tmpdir t = {0};
    const char *ok = tmp_file(&t, D("x\n"));
    const char *const paths[] = {"/nonexistent/cg-test.log", t.dir, ok};
    struct err_run e = {.paths = paths, .n = 3};
    const char *err = capture_stderr(err_run, &e);
    assert_int_equal(e.rc, CG_EIO);
    char want[512], line[96];
    snprintf(want, sizeof(want),
             "cefguard: error: /nonexistent/cg-test.log: No such file or directory\n"
             "cefguard: error: %s: read error: Is a directory\n",
             t.dir);
    assert_string_equal(err, want);
    snprintf(line, sizeof(line), "%s:1 x", ok);
    EXPECT(&e.h.g, line);
    tmp_clean(&t);
}

/* An error from the pipeline ends the file it came from; the next file runs, unless
 * the error was CG_ENOMEM. The source ends with the first error. */
static void test_frame_errors(void **state)
{
    (void)state;
    struct tmpdir t = {0};
    const char *a = tmp_file(&t, D("a1\na2\na3\n")), *b = tmp_file(&t, D("b1\n"));
    const char *const paths[] = {a, b};
    struct cg_source_file_conf c = {paths, 2, 0, 0};
    static const struct {
        int rc;
        uint64_t frames; /* delivered in all */
    } cases[] = {{CG_EIO, 3}, {CG_ENOMEM, 2}};
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct harness h;
        harness_init(&h, &cg_source_file_ops, &c);
        h.g.fail_at = 2;
        h.g.fail_rc = cases[i].rc;
        assert_int_equal(h.s.ops->start(&h.s), CG_OK);
        assert_int_equal(h.g.ends, 1);
        assert_int_equal(h.g.end_rc, cases[i].rc);
        assert_int_equal(h.g.frames, cases[i].frames); /* a1, a2 (failed), then b1 or not */
        h.s.ops->fini(&h.s);
    }
    tmp_clean(&t);
}

/* ---- run control, the same for the file and the memory source -------------------------- */

enum ctl_op { OP_START, OP_RESUME, OP_STOP };

struct ctl_step {
    enum ctl_op op;
    uint64_t pause_at; /* set before the op (0: none) */
    uint64_t frames;   /* delivered in all after it */
    int ends;          /* end calls in all after it */
};

struct ctl_case {
    const char *name;
    uint64_t stop_at, fail_at; /* from within that frame */
    int fail_rc;
    struct ctl_step steps[4];
    size_t nsteps;
    int end_rc;
};

/* Input "1\n2\n3\n4\n5\n" (the file in reads of 2 bytes, so pauses fall between reads). */
static const struct ctl_case ctl_cases[] = {
    {"pause from within a frame: start returns after it without end; resume goes on",
     0,
     0,
     0,
     {{OP_START, 2, 2, 0}, {OP_RESUME, 3, 3, 0}, {OP_RESUME, 0, 5, 1}},
     3,
     CG_OK},
    {"stop from within a frame: it ends after that frame; resume does nothing more",
     2,
     0,
     0,
     {{OP_START, 0, 2, 1}, {OP_RESUME, 0, 2, 1}},
     2,
     CG_OK},
    {"stopped while paused: it ends at once",
     0,
     0,
     0,
     {{OP_START, 1, 1, 0}, {OP_STOP, 0, 1, 1}, {OP_STOP, 0, 1, 1}},
     3,
     CG_OK},
    {"a failed frame ends the (only) stream with its error",
     0,
     3,
     CG_EIO,
     {{OP_START, 0, 3, 1}},
     1,
     CG_EIO},
    {"before start: resume does nothing, stop makes start end at once; no second start",
     0,
     0,
     0,
     {{OP_RESUME, 0, 0, 0}, {OP_STOP, 0, 0, 0}, {OP_START, 0, 0, 1}},
     3,
     CG_OK},
};

static void run_ctl(const struct ctl_case *cc, const struct cg_source_ops *ops, const void *conf)
{
    struct harness h;
    harness_init(&h, ops, conf);
    h.g.numbered = true;
    h.g.stop_at = cc->stop_at;
    h.g.fail_at = cc->fail_at;
    h.g.fail_rc = cc->fail_rc;
    bool started = false;
    for (size_t i = 0; i < cc->nsteps; i++) {
        const struct ctl_step *st = &cc->steps[i];
        if (st->pause_at)
            h.g.pause_at = st->pause_at;
        if (st->op == OP_START) {
            assert_int_equal(h.s.ops->start(&h.s), CG_OK);
            started = true;
        } else {
            (st->op == OP_RESUME ? h.s.ops->resume : h.s.ops->stop)(&h.s);
        }
        if (h.g.frames != st->frames || h.g.ends != st->ends)
            fail_msg("%s (%s), step %zu: %llu frames, %d ends; want %llu, %d", cc->name, ops->name,
                     i, (unsigned long long)h.g.frames, h.g.ends, (unsigned long long)st->frames,
                     st->ends);
    }
    if (started)
        assert_int_equal(h.s.ops->start(&h.s), CG_EINVAL);
    if (h.g.ends)
        assert_int_equal(h.g.end_rc, cc->end_rc);
    h.s.ops->fini(&h.s);
}

static void test_run_control(void **state)
{
    (void)state;
    static const char data[] = "1\n2\n3\n4\n5\n";
    struct tmpdir t = {0};
    const char *path = tmp_file(&t, data, sizeof(data) - 1);
    struct cg_source_file_conf fc = {&path, 1, 0, 2};
    struct cg_source_mem_conf mc = {data, sizeof(data) - 1, "m", 0};
    for (size_t i = 0; i < CG_ARRAY_LEN(ctl_cases); i++) {
        run_ctl(&ctl_cases[i], &cg_source_file_ops, &fc);
        run_ctl(&ctl_cases[i], &cg_source_mem_ops, &mc);
    }
    tmp_clean(&t);
}

/* ---- pipes and stdin --------------------------------------------------------------------- */

/* A child writes n numbered lines into a pipe in writes of `piece` bytes, so lines
 * arrive split across reads; the source reads the pipe by its /dev/fd path. */
static void test_pipe_numbered(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const uint64_t nlines = 20000;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char line[32], buf[4096];
        size_t n = 0;
        for (uint64_t i = 1; i <= nlines; i++) {
            int l = snprintf(line, sizeof(line), "%llu%s", (unsigned long long)i,
                             i % 3 ? "\n" : "\r\n");
            memcpy(buf + n, line, (size_t)l);
            n += (size_t)l;
            if (n > sizeof(buf) - 32 || i == nlines) {
                for (size_t off = 0; off < n; off += 777)
                    if (write(fds[1], buf + off, n - off < 777 ? n - off : 777) < 0)
                        _exit(1);
                n = 0;
            }
        }
        _exit(0);
    }
    close(fds[1]);
    char path[24];
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    const char *p = path;
    struct harness h;
    assert_int_equal(run_files_numbered(&h, &p, 1, 0, 0, true), CG_OK);
    assert_int_equal(h.g.frames, nlines);
    for (size_t i = 0; i < h.g.n; i++) {
        char want[80];
        snprintf(want, sizeof(want), "%s:%zu %zu", path, i + 1, i + 1);
        assert_string_equal(h.g.text[i], want);
    }
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* read_max bounds what one read asks for: paused after the first frame, the source has
 * taken 2 bytes of the pipe, or all 6 without a bound. Then it reads on to the end. */
static void test_read_max(void **state)
{
    (void)state;
    static const struct {
        size_t read_max, left;
    } cases[] = {{2, 4}, {3, 3}, {0, 0}};
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], "a\nb\nc\n", 6), 6);
        char path[24];
        snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
        const char *p = path;
        struct cg_source_file_conf c = {&p, 1, 0, cases[i].read_max};
        struct harness h;
        harness_init(&h, &cg_source_file_ops, &c);
        h.g.pause_at = 1;
        assert_int_equal(h.s.ops->start(&h.s), CG_OK);
        int left = -1;
        assert_int_equal(ioctl(fds[0], FIONREAD, &left), 0);
        assert_int_equal(left, cases[i].left);
        close(fds[1]);
        h.s.ops->resume(&h.s);
        assert_int_equal(h.g.frames, 3);
        assert_int_equal(h.g.ends, 1);
        h.s.ops->fini(&h.s);
        close(fds[0]);
    }
}

/* No paths, and "-": stdin, named "<stdin>", not closed. */
static void test_stdin(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "s1\ns2", 5), 5);
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    struct harness h;
    assert_int_equal(run_files(&h, NULL, 0, 0, 0), CG_OK);
    EXPECT(&h.g, "<stdin>:1 s1", "<stdin>:2 s2");
    const char *const dash[] = {"-"};
    assert_int_equal(run_files(&h, dash, 1, 0, 0), CG_OK); /* at EOF: nothing more */
    assert_int_equal(h.g.frames, 0);
    assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0); /* still open */
    dup2(saved, STDIN_FILENO);
    close(saved);
}

/* ---- the memory source ------------------------------------------------------------------- */

static void test_mem_source(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(fcases); i++) {
        const struct fcase *fc = &fcases[i];
        char *bytes = malloc(fc->n ? fc->n : 1); /* exactly sized */
        assert_non_null(bytes);
        memcpy(bytes, fc->data, fc->n);
        struct cg_source_mem_conf c = {fc->n ? bytes : NULL, fc->n, "F", fc->max_line};
        struct harness h;
        harness_init(&h, &cg_source_mem_ops, &c);
        assert_int_equal(h.s.ops->start(&h.s), CG_OK);
        assert_int_equal(h.g.ends, 1);
        assert_int_equal(h.g.end_rc, CG_OK);
        size_t nwant = 0;
        while (nwant < 6 && fc->want[nwant])
            nwant++;
        if (h.g.n != nwant)
            fail_msg("%s: %zu frames, want %zu", fc->name, h.g.n, nwant);
        expect_got(&h.g, fc->want, nwant);
        h.s.ops->fini(&h.s);
        free(bytes);
    }
    /* SIZE_MAX: never cut (`test` runs its cases so). */
    struct cg_source_mem_conf c = {"0123456789\nx", 12, "m", SIZE_MAX};
    struct harness h;
    harness_init(&h, &cg_source_mem_ops, &c);
    assert_int_equal(h.s.ops->start(&h.s), CG_OK);
    EXPECT(&h.g, "m:1 0123456789", "m:2 x");
    h.s.ops->fini(&h.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_cases),  cmocka_unit_test(test_file_sequence),
        cmocka_unit_test(test_file_errors), cmocka_unit_test(test_frame_errors),
        cmocka_unit_test(test_run_control), cmocka_unit_test(test_pipe_numbered),
        cmocka_unit_test(test_read_max),    cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_mem_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
