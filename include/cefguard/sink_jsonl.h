/*
 * sink_jsonl.h - the JSON lines sink (src/sink/jsonl.c): one JSON object per line, alerts
 * as alert.h writes them and events as event.h writes them, to an fd (stdout for `parse`
 * and `replay`), to a file it opens itself (the service's `sinks:` of type jsonl), or into
 * the caller's buffer (`test`).
 *
 * Where the lines go, in this order of precedence:
 *   - path set: "-" is stdout (not owned: never closed, never reopened); any other path is
 *     opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC with mode 0640 (before the umask) by init,
 *     and the sink owns that fd. A path that does not open fails init (CG_EIO, errno kept)
 *     after logging "sink NAME: open PATH: reason".
 *   - path NULL: fd, written with write(2) and not owned; -1: nothing is written (the lines
 *     stay in out, which is what `test` reads).
 *
 * Lines are buffered and written out once flush_at bytes (1 MiB) are buffered, and on
 * flush; flush is durable once write(2) has taken every byte, and with fsync once
 * fdatasync(2) has returned too (durable against power loss, not only against the
 * process dying). An fd that cannot be synced (a pipe, a terminal: EINVAL) is written
 * only; the sink says so once. A write or sync error (CG_EIO, errno kept) leaves the
 * unwritten bytes buffered for the next flush; the sink logs the first one ("write
 * error: ..."), once, and counts every one. It never presses back: a blocking fd makes
 * the writer wait instead.
 *
 * Reopen (SIGHUP after logrotate moved the file): writes out what is buffered, opens path
 * again and only then closes the old fd, so a path that no longer opens (a directory gone,
 * permissions) keeps the old fd and says why (CG_EIO, errno kept). Bytes a failed write
 * left buffered go to the new file. A sink without a path of its own (stdout, an fd)
 * reopens nothing and returns CG_OK.
 *
 * Counters (cg_sink_jsonl_counters, struct cg_sink_jsonl_stats): alerts and events
 * taken, bytes written out (to the fd; with no fd, appended to out), errors (each write,
 * sync or reopen that failed), reopens (each that succeeded).
 */
#ifndef CEFGUARD_SINK_JSONL_H
#define CEFGUARD_SINK_JSONL_H

#include "cefguard/options.h"
#include "cefguard/sink.h"
#include "cefguard/stats.h"

/* What the service's configuration fills through cg_sink_jsonl_options (name, path,
 * fsync, events), and the command line's own users by hand (takes, fd, out, flush_at,
 * stats). Strings are read during init; path is copied. */
struct cg_sink_jsonl_conf {
    const char *name;   /* the sink's name in logs (set by the service, not an option); NULL:
                           "jsonl" */
    const char *path;   /* "-": stdout; a file to append to; NULL: fd below */
    bool fsync;         /* flush also fdatasync()s the fd */
    bool events;        /* also take events (CG_SINK_EVENTS), besides what takes says */
    bool events_only;   /* take events and no alerts (an event log beside the alerts) */
    unsigned takes;     /* CG_SINK_ALERTS and/or CG_SINK_EVENTS; 0: CG_SINK_ALERTS */
    int fd;             /* path NULL: written with write(2), not owned; -1: nothing is written */
    struct cg_buf *out; /* the caller's buffer the lines go to (it outlives the sink);
                           NULL: the sink's own */
    size_t flush_at;    /* bytes buffered that make it write; 0: 1 MiB */
    struct cg_stats *stats; /* counts the invalid UTF-8 replaced in events (may be NULL;
                               it outlives the sink) */
};

struct cg_sink_jsonl_stats {
    uint64_t alerts;  /* alerts taken */
    uint64_t events;  /* events taken */
    uint64_t bytes;   /* bytes written out */
    uint64_t errors;  /* writes, syncs and reopens that failed */
    uint64_t reopens; /* reopens of path that succeeded */
};

extern const struct cg_sink_ops cg_sink_jsonl_ops;

/* The options of a `sinks:` entry of type jsonl (command bit 0, "jsonl"): path, fsync,
 * events; offsets into struct cg_sink_jsonl_conf. */
extern const struct cg_opt_table cg_sink_jsonl_options;

/* The counters s->counters points to: the members of struct cg_sink_jsonl_stats. */
extern const struct cg_counter_table cg_sink_jsonl_counters;

#endif
