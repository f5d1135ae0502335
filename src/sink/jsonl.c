/* jsonl.c - JSON lines to an fd or a buffer (see sink_jsonl.h). */
#include "cefguard/sink_jsonl.h"

#include "cefguard/alert.h"
#include "cefguard/log.h"

#include <errno.h>

#include <stdlib.h>

#define JSONL_FLUSH_AT (1 << 20)

struct cg_sink_jsonl {
    struct cg_buf own;
    struct cg_buf *out; /* &own or the caller's */
    int fd;
    size_t flush_at;
    struct cg_stats *stats;
    bool told; /* a write error was logged: the first one says it, once */
};

/* Writes out what is buffered; the first write error is logged (errno kept). */
static int jsonl_write(struct cg_sink_jsonl *j)
{
    int rc = cg_buf_write_fd(j->out, j->fd);
    if (rc != CG_OK && !j->told) {
        int err = errno;
        cg_log(CG_LOG_ERR, "write error: %s", strerror(err));
        j->told = true;
        errno = err;
    }
    return rc;
}

/* After a line: writes out when enough is buffered. */
static int jsonl_written(struct cg_sink_jsonl *j)
{
    if (j->out->n < j->flush_at || j->fd < 0)
        return CG_OK;
    return jsonl_write(j);
}

static int jsonl_alert(struct cg_sink *s, const struct cg_alert *a)
{
    struct cg_sink_jsonl *j = s->self;
    if (cg_alert_to_json(a, j->out) != CG_OK || cg_buf_putc(j->out, '\n') != CG_OK)
        return CG_ENOMEM;
    return jsonl_written(j);
}

static int jsonl_event(struct cg_sink *s, struct cg_event *ev)
{
    struct cg_sink_jsonl *j = s->self;
    size_t bad = 0;
    if (cg_event_to_json(ev, j->out, &bad) != CG_OK || cg_buf_putc(j->out, '\n') != CG_OK)
        return CG_ENOMEM;
    if (j->stats)
        j->stats->invalid_utf8 += bad;
    return jsonl_written(j);
}

static int jsonl_flush(struct cg_sink *s)
{
    struct cg_sink_jsonl *j = s->self;
    return j->fd < 0 ? CG_OK : jsonl_write(j);
}

static int jsonl_init(struct cg_sink *s, const void *conf)
{
    const struct cg_sink_jsonl_conf *c = conf;
    if (c->takes & ~(unsigned)(CG_SINK_ALERTS | CG_SINK_EVENTS))
        return CG_EINVAL;
    struct cg_sink_jsonl *j = calloc(1, sizeof(*j));
    if (!j)
        return CG_ENOMEM;
    cg_buf_init(&j->own);
    j->out = c->out ? c->out : &j->own;
    j->fd = c->fd;
    j->flush_at = c->flush_at ? c->flush_at : JSONL_FLUSH_AT;
    j->stats = c->stats;
    s->self = j;
    s->takes = c->takes;
    return CG_OK;
}

static void jsonl_fini(struct cg_sink *s)
{
    struct cg_sink_jsonl *j = s->self;
    cg_buf_fini(&j->own);
    free(j);
    s->self = NULL;
}

const struct cg_sink_ops cg_sink_jsonl_ops = {
    .name = "jsonl",
    .init = jsonl_init,
    .alert = jsonl_alert,
    .event = jsonl_event,
    .command = NULL,
    .flush = jsonl_flush,
    .fini = jsonl_fini,
};
