/*
 * sink.h - the contract of an output: a sink takes what the pipeline produces.
 *
 * A sink is one struct cg_sink_ops (below) and a conf struct of its own, exported by
 * src/sink/<name>.c as cg_sink_<name>_ops and struct cg_sink_<name>_conf. The pipeline
 * makes the instance (struct cg_sink), sets its env, calls init with the conf, and hands
 * it what its init said it takes (s->takes): alerts, events (`parse`, `replay --events`),
 * and later the command records of the response stage. Sinks get them in the order they
 * were produced - an event before the alerts its arrival caused - and, when there are
 * several sinks, each item goes to every sink in the order the sinks were added.
 *
 * Lifetime. What a sink is handed - the alert or event and everything it points to - is
 * valid only during the call. A sink that keeps something (an approval queue, a batch)
 * copies what it keeps; cg_event_clone() shares an event cheaply. A sink may decode an
 * event's fields (cg_event_fields) and must change nothing else.
 *
 * Errors. alert, event and command return CG_OK or an error code (CG_EIO with errno
 * kept, CG_ENOMEM, ...) that stops the frame being processed: the engine stops at once
 * (engine.h), the pipeline returns the error to the source, and the frame is not
 * acknowledged. The sink keeps what it had taken before, and the caller decides whether
 * the stream goes on.
 *
 * Flush and durability. flush writes out what the sink was handed; when it returns CG_OK
 * everything handed before the call is durable as the sink defines it (jsonl: written to
 * its fd; a queue: committed to its database), and the pipeline acknowledges the frames
 * behind it (source.h). Sinks decide themselves when to write out in between (jsonl:
 * every 1 MiB); what is not flushed before fini is lost.
 *
 * Back-pressure. A sink that cannot keep up (its queue is above its high mark, its peer
 * is slow) calls env->pressure(ctx, s, true), and env->pressure(ctx, s, false) once it
 * can take more again. The pipeline pauses the sources while any sink presses (source.h)
 * and goes on taking what is already under way, so a sink still accepts items while it
 * presses. The call may come from within alert/event/flush or from the sink's own event
 * callbacks. Without an event loop nothing else drains a sink, so the pipeline flushes a
 * pressing sink and resumes the sources once it says it can take more.
 *
 * Threading: every op is called on the pipeline's thread; none is thread-safe.
 */
#ifndef CEFGUARD_SINK_H
#define CEFGUARD_SINK_H

#include "cefguard/counters.h"
#include "cefguard/engine.h"
#include "cefguard/event.h"

struct event_base; /* libevent's loop, for the sinks that register with one */
struct cg_command; /* a command record of the response stage (not yet written) */

/* What a sink takes (s->takes). */
enum {
    CG_SINK_ALERTS = 1 << 0,
    CG_SINK_EVENTS = 1 << 1,
    CG_SINK_COMMANDS = 1 << 2,
};

struct cg_sink;

/* What the pipeline gives a sink; ctx is the first argument of each callback. */
struct cg_sink_env {
    void *ctx;
    struct event_base *loop; /* NULL: no event loop */
    void (*pressure)(void *ctx, struct cg_sink *s, bool on);
};

struct cg_sink_ops {
    const char *name; /* "jsonl", later "queue", "syslog", ... */
    /* Takes the conf (the implementation's conf struct, read during the call) and what
     * the sink needs, setting s->self and s->takes. CG_OK, or an error after releasing
     * everything: no other op is called then. */
    int (*init)(struct cg_sink *s, const void *conf);
    int (*alert)(struct cg_sink *s, const struct cg_alert *a);     /* CG_SINK_ALERTS */
    int (*event)(struct cg_sink *s, struct cg_event *ev);          /* CG_SINK_EVENTS */
    int (*command)(struct cg_sink *s, const struct cg_command *c); /* CG_SINK_COMMANDS */
    /* CG_OK: everything handed before is durable. Or CG_EIO (errno kept), ...: what
     * was not written out stays with the sink for the next flush. */
    int (*flush)(struct cg_sink *s);
    /* NULL, or: reopens what the sink writes to by name (a file logrotate has moved; the
     * service calls it on SIGHUP, after a flush). CG_OK, or an error after logging it: the
     * sink goes on with what it had. */
    int (*reopen)(struct cg_sink *s);
    /* NULL, or: what the sink holds that has not gone out yet (a forwarder's queue); the
     * service's stop runs the loop until it is 0 or drain-timeout passes. */
    uint64_t (*pending)(struct cg_sink *s);
    /* NULL, or: whether the sink holds the alert of this id already (engine.h: the stable
     * id) - a file that a crash between its write and the state's commit left with the
     * alert, which the input sent again makes again. The pipeline then skips this sink. */
    bool (*has)(struct cg_sink *s, const uint8_t id[16]);
    /* Releases everything; what was not flushed is dropped. */
    void (*fini)(struct cg_sink *s);
};

/* One sink in a pipeline: made and owned by the pipeline. */
struct cg_sink {
    const struct cg_sink_ops *ops;
    const struct cg_sink_env *env; /* set before init */
    void *self;                    /* the implementation's state, set by init */
    unsigned takes;                /* CG_SINK_*, set by init */
    /* Its own counters (sent, dropped, queued, reconnects, ...), set by init or left NULL,
     * as struct cg_source has them ("sink.<name>.<counter>"). */
    const struct cg_counter_table *counters;
    const void *stats;
};

#endif
