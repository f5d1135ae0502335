/* jsonl.c - JSON lines to an fd, a file or a buffer (see sink_jsonl.h). */
#include "cefguard/sink_jsonl.h"

#include "cefguard/alert.h"
#include "cefguard/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSONL_FLUSH_AT (1 << 20)
#define JSONL_MODE 0640
/* The alerts at the end of an existing file that the sink remembers (the last batch before
 * a crash, which rsyslog sends again, is one message's: a few alerts), and how far back
 * it looks for them. */
#define JSONL_TAIL_IDS 64
#define JSONL_TAIL_BYTES (256 * 1024)

struct cg_sink_jsonl {
    struct cg_buf own;
    struct cg_buf *out; /* &own or the caller's */
    int fd;
    bool owns_fd; /* fd was opened from path: closed by fini, replaced by reopen */
    char *path;   /* owns_fd: the path to reopen (a copy) */
    char *prefix; /* of its log lines: "sink NAME: ", or "" without a name (the CLI) */
    size_t flush_at;
    struct cg_stats *stats;
    bool fsync;
    bool dirty;     /* bytes written since the last fdatasync */
    bool told;      /* a write error was logged: the first one says it, once */
    bool sync_told; /* the fd cannot be synced: said once, not tried again */
    struct cg_sink_jsonl_stats st;
    uint8_t tail[JSONL_TAIL_IDS][16]; /* ids of the last alerts the file held at open */
    size_t ntail;
};

/* "sink NAME: what PATH: reason" with the path escaped (a file name is bytes). */
static void jsonl_log_path(const struct cg_sink_jsonl *j, const char *what, const char *path,
                           int err)
{
    struct cg_buf b;
    cg_buf_init(&b);
    cg_log_put_name(&b, path);
    cg_log(CG_LOG_ERR, "%s%s %s: %s", j->prefix, what, cg_buf_cstr(&b), strerror(err));
    cg_buf_fini(&b);
}

static int jsonl_open(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, JSONL_MODE);
}

/* fdatasync when asked and something was written since the last one. An fd that cannot
 * be synced (EINVAL: a pipe, a terminal) is said once and written only from then on. */
static int jsonl_sync(struct cg_sink_jsonl *j)
{
    if (!j->fsync || !j->dirty || j->sync_told)
        return CG_OK;
    if (fdatasync(j->fd) == 0) {
        j->dirty = false;
        return CG_OK;
    }
    int err = errno;
    if (err == EINVAL || err == EROFS) {
        cg_log(CG_LOG_WARN, "%sfsync: %s: lines are written, not synced", j->prefix, strerror(err));
        j->sync_told = true;
        return CG_OK;
    }
    j->st.errors++;
    cg_log(CG_LOG_ERR, "%sfsync: %s", j->prefix, strerror(err));
    errno = err;
    return CG_EIO;
}

/* Writes out what is buffered, then syncs; the first write error is logged (errno kept). */
static int jsonl_write(struct cg_sink_jsonl *j)
{
    size_t n = j->out->n;
    int rc = cg_buf_write_fd(j->out, j->fd);
    if (rc != CG_OK) {
        int err = errno;
        j->st.errors++;
        if (!j->told)
            cg_log(CG_LOG_ERR, "%swrite error: %s", j->prefix, strerror(err));
        j->told = true;
        j->dirty = true; /* part of it may have been written */
        errno = err;
        return rc;
    }
    j->st.bytes += n;
    j->dirty = j->dirty || n > 0;
    return CG_OK;
}

/* After a line: writes out when enough is buffered. */
static int jsonl_written(struct cg_sink_jsonl *j, size_t before)
{
    if (j->fd < 0) {
        j->st.bytes += j->out->n - before;
        return CG_OK;
    }
    if (j->out->n < j->flush_at)
        return CG_OK;
    return jsonl_write(j);
}

static int jsonl_alert(struct cg_sink *s, const struct cg_alert *a)
{
    struct cg_sink_jsonl *j = s->self;
    size_t before = j->out->n;
    if (cg_alert_to_json(a, j->out) != CG_OK || cg_buf_putc(j->out, '\n') != CG_OK)
        return CG_ENOMEM;
    j->st.alerts++;
    return jsonl_written(j, before);
}

static int jsonl_event(struct cg_sink *s, struct cg_event *ev)
{
    struct cg_sink_jsonl *j = s->self;
    size_t bad = 0, before = j->out->n;
    if (cg_event_to_json(ev, j->out, &bad) != CG_OK || cg_buf_putc(j->out, '\n') != CG_OK)
        return CG_ENOMEM;
    if (j->stats)
        j->stats->invalid_utf8 += bad;
    j->st.events++;
    return jsonl_written(j, before);
}

static int jsonl_flush(struct cg_sink *s)
{
    struct cg_sink_jsonl *j = s->self;
    if (j->fd < 0)
        return CG_OK;
    int rc = jsonl_write(j);
    return rc == CG_OK ? jsonl_sync(j) : rc;
}

/* Flush, open the path again, then close the old fd: a failure to open keeps it. */
static int jsonl_reopen(struct cg_sink *s)
{
    struct cg_sink_jsonl *j = s->self;
    if (!j->owns_fd)
        return CG_OK;
    int rc = jsonl_flush(s);
    int err = errno;
    int fd = jsonl_open(j->path);
    if (fd < 0) {
        err = errno;
        j->st.errors++;
        jsonl_log_path(j, "reopen", j->path, err);
        errno = err;
        return CG_EIO;
    }
    close(j->fd);
    j->fd = fd;
    j->dirty = false;
    j->told = false; /* a new file: its first error is news */
    j->st.reopens++;
    errno = err;
    return rc;
}

static void jsonl_free(struct cg_sink_jsonl *j)
{
    if (j->owns_fd && j->fd >= 0)
        close(j->fd);
    cg_buf_fini(&j->own);
    free(j->path);
    free(j->prefix);
    free(j);
}

/* Where the lines go: path ("-" stdout, a file opened here) or the conf's fd. */
static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The ids ("id":"<32 hex>", as alert.h writes them) of the last alerts in the file at
 * open, so that an alert made again after a crash is not written twice (sink.h: has). */
static void jsonl_read_tail(struct cg_sink_jsonl *j)
{
    int fd = open(j->path, O_RDONLY | O_CLOEXEC); /* the sink's own is write-only */
    off_t end = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
    size_t n = end > JSONL_TAIL_BYTES ? JSONL_TAIL_BYTES : end > 0 ? (size_t)end : 0;
    char *b = n ? malloc(n) : NULL;
    ssize_t got = b ? pread(fd, b, n, end - (off_t)n) : -1;
    if (fd >= 0)
        close(fd);
    static const char key[] = "\"id\":\"";
    for (ssize_t i = 0; got > 0 && i + (ssize_t)sizeof(key) - 1 + 32 < got; i++) {
        if (memcmp(b + i, key, sizeof(key) - 1) != 0)
            continue;
        const char *h = b + i + sizeof(key) - 1;
        uint8_t id[16];
        bool ok = h[32] == '"';
        for (int k = 0; ok && k < 16; k++) {
            int hi = hexval(h[2 * k]), lo = hexval(h[2 * k + 1]);
            ok = hi >= 0 && lo >= 0;
            if (ok)
                id[k] = (uint8_t)(hi * 16 + lo);
        }
        if (!ok)
            continue;
        if (j->ntail == JSONL_TAIL_IDS) { /* keep the last ones */
            memmove(j->tail[0], j->tail[1], (JSONL_TAIL_IDS - 1) * sizeof(j->tail[0]));
            j->ntail--;
        }
        memcpy(j->tail[j->ntail++], id, 16);
    }
    free(b);
}

static bool jsonl_has(struct cg_sink *s, const uint8_t id[16])
{
    const struct cg_sink_jsonl *j = s->self;
    for (size_t i = 0; i < j->ntail; i++)
        if (memcmp(j->tail[i], id, 16) == 0)
            return true;
    return false;
}

static int jsonl_init_fd(struct cg_sink_jsonl *j, const struct cg_sink_jsonl_conf *c)
{
    if (!c->path) {
        j->fd = c->fd;
        return CG_OK;
    }
    if (strcmp(c->path, "-") == 0) {
        j->fd = STDOUT_FILENO;
        return CG_OK;
    }
    j->path = strdup(c->path);
    if (!j->path)
        return CG_ENOMEM;
    j->fd = jsonl_open(c->path);
    if (j->fd < 0) {
        int err = errno;
        jsonl_log_path(j, "open", c->path, err);
        errno = err;
        return CG_EIO;
    }
    j->owns_fd = true;
    jsonl_read_tail(j);
    return CG_OK;
}

static int jsonl_init(struct cg_sink *s, const void *conf)
{
    const struct cg_sink_jsonl_conf *c = conf;
    unsigned takes = (c->takes ? c->takes : CG_SINK_ALERTS) | (c->events ? CG_SINK_EVENTS : 0);
    if (c->events_only)
        takes = CG_SINK_EVENTS;
    if (takes & ~(unsigned)(CG_SINK_ALERTS | CG_SINK_EVENTS))
        return CG_EINVAL;
    struct cg_sink_jsonl *j = calloc(1, sizeof(*j));
    if (!j)
        return CG_ENOMEM;
    cg_buf_init(&j->own);
    j->fd = -1;
    struct cg_buf pre;
    cg_buf_init(&pre);
    if (c->name) {
        cg_buf_puts(&pre, "sink ");
        cg_log_put_text(&pre, c->name, strlen(c->name));
        cg_buf_puts(&pre, ": ");
    }
    j->prefix = strdup(cg_buf_cstr(&pre));
    cg_buf_fini(&pre);
    int rc = j->prefix ? jsonl_init_fd(j, c) : CG_ENOMEM;
    if (rc != CG_OK) {
        int err = errno;
        jsonl_free(j);
        errno = err;
        return rc;
    }
    j->out = c->out ? c->out : &j->own;
    j->flush_at = c->flush_at ? c->flush_at : JSONL_FLUSH_AT;
    j->stats = c->stats;
    j->fsync = c->fsync;
    s->self = j;
    s->takes = takes;
    s->counters = &cg_sink_jsonl_counters;
    s->stats = &j->st;
    return CG_OK;
}

static void jsonl_fini(struct cg_sink *s)
{
    jsonl_free(s->self);
    s->self = NULL;
}

const struct cg_sink_ops cg_sink_jsonl_ops = {
    .name = "jsonl",
    .init = jsonl_init,
    .alert = jsonl_alert,
    .event = jsonl_event,
    .command = NULL,
    .flush = jsonl_flush,
    .has = jsonl_has,
    .reopen = jsonl_reopen,
    .fini = jsonl_fini,
};

/* ---- configuration and counters -------------------------------------------------- */

#define AT(member) offsetof(struct cg_sink_jsonl_conf, member)

/* clang-format off */
static const struct cg_opt jsonl_opts[] = {
    {.name = "path", .type = CG_OPT_STRING, .arg = "FILE", .def = "-", .commands = 1,
     .offset = AT(path),
     .help = "file the lines are appended to (created mode 0640, reopened on SIGHUP), or - "
             "for stdout"},
    {.name = "fsync", .type = CG_OPT_FLAG, .commands = 1, .offset = AT(fsync),
     .help = "each flush also waits for fdatasync: lines survive a power loss, at the cost of "
             "a disk write per flush"},
    {.name = "events", .type = CG_OPT_FLAG, .commands = 1, .offset = AT(events),
     .help = "also write every normalized event, before the alerts its arrival caused"},
    {.name = "events-only", .type = CG_OPT_FLAG, .commands = 1, .offset = AT(events_only),
     .help = "write every normalized event and no alert (an event log beside the alert sinks)"},
};
/* clang-format on */

static const char *const jsonl_commands[] = {"jsonl"};

const struct cg_opt_table cg_sink_jsonl_options = {jsonl_opts, CG_ARRAY_LEN(jsonl_opts),
                                                   jsonl_commands, CG_ARRAY_LEN(jsonl_commands)};

#define STAT(name, member, help)                                                                   \
    {                                                                                              \
        name, CG_COUNTER_TOTAL, offsetof(struct cg_sink_jsonl_stats, member), help, NULL, 0, 0     \
    }

static const struct cg_counter jsonl_counters[] = {
    STAT("alerts", alerts, "alerts taken"),
    STAT("events", events, "events taken"),
    STAT("bytes", bytes, "bytes written out"),
    STAT("errors", errors, "writes, fsyncs and reopens that failed (each logged or counted)"),
    STAT("reopens", reopens, "reopens of the file that succeeded (SIGHUP)"),
};

_Static_assert(sizeof(struct cg_sink_jsonl_stats) ==
                   sizeof(uint64_t) * CG_ARRAY_LEN(jsonl_counters),
               "struct cg_sink_jsonl_stats and jsonl_counters[] differ");

const struct cg_counter_table cg_sink_jsonl_counters = {jsonl_counters,
                                                        CG_ARRAY_LEN(jsonl_counters)};
