/* lines.c - LF-framed lines from a descriptor on the event loop: stdin and omprog (see
 * source_lines.h). */
#include "cefguard/source_lines.h"

#include "cefguard/log.h"
#include "cefguard/options.h"
#include "cefguard/timeutil.h"

#include "stream.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* A regular file is read in chunks of this from a zero timeout. */
#define LINES_FILE_CHUNK (256 * 1024)

struct lines_stats {
    uint64_t received, bytes, answered_ok, answered_error, keepalives;
};

#define STAT(n, m, h)                                                                              \
    {                                                                                              \
        n, CG_COUNTER_TOTAL, offsetof(struct lines_stats, m), h, NULL, 0, 0                        \
    }
static const struct cg_counter lines_counter_v[] = {
    STAT("received", received, "lines read"),
    STAT("bytes", bytes, "bytes of the lines read"),
    STAT("answered.ok", answered_ok, "omprog: lines answered OK (processed and durable)"),
    STAT("answered.error", answered_error,
         "omprog: lines answered with an error (rsyslog sends them again)"),
    STAT("keepalives", keepalives, "omprog: keep-alive dots written during long work"),
};
#undef STAT
const struct cg_counter_table cg_source_lines_counters = {lines_counter_v,
                                                          CG_ARRAY_LEN(lines_counter_v)};

struct lines {
    struct cg_source *s;
    struct cg_input_stream st;
    int fd;
    int answer_fd; /* omprog; -1 otherwise */
    bool regular;  /* fd is a regular file, or another that epoll cannot watch: read from a
                      timer */
    bool started, ended, paused, due;
    bool halt;    /* paused or stopped: deliver no more of the buffer (stream.h) */
    bool pending; /* halted with lines left in the buffer: resume delivers them first */
    int fd_flags; /* fd's flags before start made it non-blocking (restored at fini); -1 */
    struct event *ev;
    struct lines_stats stats;
    char origin[64];
};

/* clang-format off */
static const struct cg_opt lines_opt_v[] = {
    {.name = "max-line", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "1048576",
     .min = 64, .max = 1u << 30, .commands = 1, .offset = offsetof(struct cg_source_lines_conf,
     max_line), .help = "longer lines are cut and become raw events 'line_too_long'"},
};
/* clang-format on */
static const char *const lines_cmd[] = {"stdin"};
const struct cg_opt_table cg_source_lines_options = {lines_opt_v, CG_ARRAY_LEN(lines_opt_v),
                                                     lines_cmd, 1};

/* One whole write of a short answer; EINTR retried, EAGAIN waited out (the answer fd is
 * rsyslog's pipe, which it reads as soon as it has sent a message). */
static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT}; /* a non-blocking terminal */
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                return false;
        } else if (w < 0 && errno != EINTR) {
            return false;
        }
    }
    return true;
}

static void lines_end(struct lines *l, int rc)
{
    if (l->ended)
        return;
    l->ended = true;
    if (l->ev)
        event_del(l->ev);
    l->s->env->end(l->s->env->ctx, l->s, rc);
}

/* omprog: the waiting line failed; rsyslog keeps it and sends it again. */
static void lines_refuse(struct lines *l, int rc)
{
    if (l->answer_fd < 0 || !l->due)
        return;
    int e = errno;
    char msg[200];
    int n = snprintf(msg, sizeof(msg), "Error: %s%s%s\n", cg_err_str(rc),
                     rc == CG_EIO || rc == CG_EBUSY ? ": " : "",
                     rc == CG_EIO || rc == CG_EBUSY ? strerror(e) : "");
    write_all(l->answer_fd, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : 0);
    l->stats.answered_error++;
    l->due = false;
    cg_log(CG_LOG_ERR, "%s: line %llu not confirmed to rsyslog (%s): it will be sent again",
           l->origin, (unsigned long long)l->st.seq, cg_err_str(rc));
}

/* Reads once and hands over the lines that are complete. */
static void lines_step(struct lines *l)
{
    if (l->ended || l->paused)
        return;
    if (!l->pending) {
        int r = cg_input_stream_fill(&l->st, l->fd);
        if (r == CG_EIO && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r == CG_EIO) {
            cg_log(CG_LOG_ERR, "%s: read error: %s", l->origin, strerror(errno));
            lines_end(l, CG_EIO);
            return;
        }
        l->st.arrival_us = cg_time_now_us();
        if (l->answer_fd >= 0 && r == 1)
            l->due = true;
    }
    l->pending = false;
    uint64_t seq0 = l->st.seq;
    size_t at0 = l->st.start;
    int rc = cg_input_stream_deliver(&l->st, l->s, &l->halt);
    l->stats.received += l->st.seq - seq0;
    l->stats.bytes += l->st.start - at0;
    if (l->ended)
        return; /* stopped from within a frame: it has said end */
    l->pending = rc == 0;
    if (rc == 1 || rc == 0)
        rc = l->s->env->sync(l->s->env->ctx, l->s);
    if (rc != CG_OK) {
        lines_refuse(l, rc);
        lines_end(l, rc);
        return;
    }
    if (l->pending)
        return; /* paused from within a frame */
    if (l->st.eof)
        lines_end(l, CG_OK);
    else if (l->regular)
        event_active(l->ev, EV_TIMEOUT, 0);
}

static void lines_cb(evutil_socket_t fd, short what, void *ctx)
{
    lines_step(ctx);
}

static int lines_init(struct cg_source *s, const void *conf, int answer_fd)
{
    const struct cg_source_lines_conf *c = conf;
    struct lines *l = calloc(1, sizeof(*l));
    if (!l)
        return CG_ENOMEM;
    l->s = s;
    l->fd = c->fd;
    l->fd_flags = -1;
    l->answer_fd = answer_fd;
    snprintf(l->origin, sizeof(l->origin), "%s", c->origin ? c->origin : "<stdin>");
    struct stat sb;
    /* epoll watches pipes, sockets and terminals; anything else (a regular file, /dev/null:
     * stdin under systemd, a directory) it refuses, and it is always readable: a timer reads */
    l->regular =
        fstat(l->fd, &sb) == 0 && !S_ISFIFO(sb.st_mode) && !S_ISSOCK(sb.st_mode) && !isatty(l->fd);
    if (cg_input_stream_init(&l->st, c->max_line, l->regular ? LINES_FILE_CHUNK : 0) != CG_OK) {
        free(l);
        return CG_ENOMEM;
    }
    cg_input_stream_reset(&l->st, l->origin);
    s->self = l;
    s->counters = &cg_source_lines_counters;
    s->stats = &l->stats;
    return CG_OK;
}

static int lines_init_plain(struct cg_source *s, const void *conf)
{
    return lines_init(s, conf, -1);
}

static int lines_init_omprog(struct cg_source *s, const void *conf)
{
    const struct cg_source_lines_conf *c = conf;
    return lines_init(s, conf, c->answer_fd > 0 ? c->answer_fd : STDOUT_FILENO);
}

static int lines_start(struct cg_source *s)
{
    struct lines *l = s->self;
    if (!s->env->loop)
        return CG_EINVAL;
    if (!l->regular) {
        int fl = fcntl(l->fd, F_GETFL);
        if (fl < 0 || fcntl(l->fd, F_SETFL, fl | O_NONBLOCK) < 0)
            return CG_EIO;
        l->fd_flags = fl; /* not ours (a terminal, the shell's): left as it was found */
    }
    l->ev = l->regular ? event_new(s->env->loop, -1, 0, lines_cb, l)
                       : event_new(s->env->loop, l->fd, EV_READ | EV_PERSIST, lines_cb, l);
    if (!l->ev)
        return CG_ENOMEM;
    if (l->answer_fd >= 0 && !write_all(l->answer_fd, "OK\n", 3)) {
        cg_log(CG_LOG_ERR, "omprog: cannot answer rsyslog: %s", strerror(errno));
        return CG_EIO;
    }
    l->started = true;
    if (l->regular)
        event_active(l->ev, EV_TIMEOUT, 0);
    else
        event_add(l->ev, NULL);
    return CG_OK;
}

static void lines_pause(struct cg_source *s)
{
    struct lines *l = s->self;
    l->paused = l->halt = true;
    if (l->ev)
        event_del(l->ev);
}

static void lines_resume(struct cg_source *s)
{
    struct lines *l = s->self;
    l->paused = l->halt = false;
    if (!l->ev || l->ended)
        return;
    if (!l->regular)
        event_add(l->ev, NULL);
    if (l->regular || l->pending) /* the lines buffered go first, from the loop */
        event_active(l->ev, l->regular ? EV_TIMEOUT : EV_READ, 0);
}

static void lines_stop(struct cg_source *s)
{
    struct lines *l = s->self;
    l->halt = true;
    lines_end(l, CG_OK);
}

/* omprog: every acknowledged line is answered, in order. */
static void lines_ack(struct cg_source *s, uint64_t token)
{
    struct lines *l = s->self;
    if (!write_all(l->answer_fd, "OK\n", 3)) {
        cg_log(CG_LOG_ERR, "omprog: cannot answer rsyslog: %s", strerror(errno));
        return;
    }
    l->stats.answered_ok++;
    l->due = token < l->st.seq;
}

static void lines_fini(struct cg_source *s)
{
    struct lines *l = s->self;
    if (l->ev)
        event_free(l->ev);
    if (l->fd_flags >= 0)
        fcntl(l->fd, F_SETFL, l->fd_flags);
    cg_input_stream_fini(&l->st);
    free(l);
}

void cg_source_lines_keepalive(struct cg_source *s)
{
    if (s->ops != &cg_source_omprog_ops)
        return;
    struct lines *l = s->self;
    if ((l->due || !l->started) && write_all(l->answer_fd, ".", 1))
        l->stats.keepalives++;
}

const struct cg_source_ops cg_source_lines_ops = {
    .name = "stdin",
    .init = lines_init_plain,
    .start = lines_start,
    .pause = lines_pause,
    .resume = lines_resume,
    .stop = lines_stop,
    .fini = lines_fini,
};

const struct cg_source_ops cg_source_omprog_ops = {
    .name = "omprog",
    .init = lines_init_omprog,
    .start = lines_start,
    .pause = lines_pause,
    .resume = lines_resume,
    .stop = lines_stop,
    .ack = lines_ack,
    .fini = lines_fini,
};
