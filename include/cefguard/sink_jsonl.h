/*
 * sink_jsonl.h - the JSON lines sink (src/sink/jsonl.c): one JSON object per line, alerts
 * as alert.h writes them and events as event.h writes them, to an fd (stdout for `parse`
 * and `replay`) or into the caller's buffer (`test`).
 *
 * Lines are buffered and written out once 1 MiB (flush_at) is buffered, and on flush;
 * flush is durable once write(2) has taken every byte. A write error (CG_EIO, errno kept)
 * leaves the unwritten bytes buffered for the next flush; the sink logs the first one
 * ("write error: ..."), once. It never presses back: a
 * blocking fd makes the writer wait instead.
 */
#ifndef CEFGUARD_SINK_JSONL_H
#define CEFGUARD_SINK_JSONL_H

#include "cefguard/sink.h"
#include "cefguard/stats.h"

struct cg_sink_jsonl_conf {
    unsigned takes;         /* CG_SINK_ALERTS and/or CG_SINK_EVENTS */
    int fd;                 /* written with write(2), not owned; -1: nothing is written */
    struct cg_buf *out;     /* the caller's buffer the lines go to (it outlives the sink);
                               NULL: the sink's own */
    size_t flush_at;        /* bytes buffered that make it write; 0: 1 MiB */
    struct cg_stats *stats; /* counts the invalid UTF-8 replaced in events (may be NULL;
                               it outlives the sink) */
};

extern const struct cg_sink_ops cg_sink_jsonl_ops;

#endif
