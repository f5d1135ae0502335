/*
 * source.h - the contract of an input: a source hands frames to the pipeline.
 *
 * A source is one struct cg_source_ops (below) and a conf struct of its own, exported
 * by src/input/<name>.c as cg_source_<name>_ops and struct cg_source_<name>_conf. The
 * pipeline makes the instance (struct cg_source), sets its env, calls init with the conf
 * and from then on drives it through the ops, while the source calls back through env
 * (the model is Fluent Bit's flb_input: cb_init, cb_collect, cb_pause/cb_resume,
 * cb_exit).
 *
 * Frames. A frame is one message: the bytes, whether the framing cut it at max_line
 * (framing.h), the wall-clock time it arrived (0 for replay: the engine then runs on
 * event time alone), the name of the stream it came from and its number there (a file
 * name and a line number; a peer and a sequence number), which name it in reject logs,
 * and the source's ack token. Everything in a frame is valid only during env->frame;
 * the pipeline copies what it keeps.
 *
 * Acknowledgement. A source that can acknowledge (omprog answers "OK" per message,
 * Kafka commits offsets) sets ops->ack; the pipeline calls it with the frame's token once
 * the frame's processing and everything it caused is durable: its event and alerts
 * taken by every sink and the sinks flushed (sink.h: "durable" is what flush means to
 * each sink). What a frame leaves in the engine's state for later (an open window) is
 * not part of it: that is the engine snapshot's business. A source that cannot
 * acknowledge (a file, UDP) leaves ack NULL and costs the pipeline nothing for it.
 *   - Each frame is acknowledged at most once, and a source's acks come in the order its
 *     frames were delivered, so an ack also says that every earlier frame of the source
 *     is durable (Kafka may commit offset token + 1).
 *   - The pipeline acks in batches: when the source calls env->sync (it has handed over
 *     what it has for now), when it ends, when opts.max_unacked frames are waiting, and
 *     when the pipeline is flushed. A source that needs an answer per message (omprog:
 *     rsyslog sends the next message only after "OK") calls env->sync after each batch
 *     its read brought.
 *   - A frame whose processing failed is never acknowledged, nor is any later frame of
 *     the same source (delivery is at least once: the sender sends them again), nor are
 *     the frames waiting when a sink's flush failed.
 *   - ack may be called until fini, also after stop and from within env->sync and
 *     env->end; it must not deliver frames.
 *
 * Errors. env->frame returns CG_OK or the error that stopped the frame (a sink's, or
 * CG_ENOMEM): the source stops delivering from that stream; a source with one stream
 * ends (env->end with the error); one with many (files one after another, connections)
 * may go on with the others. A source's own errors (open, read, accept) are logged by the
 * source, naming the stream, and it goes on or ends as its conf says; env->end carries
 * the first error it met. Bad content is never an error: a frame that decodes to nothing
 * is counted and logged by the pipeline, and the stream goes on.
 *
 * Back-pressure. When a sink reports back-pressure (sink.h) the pipeline calls pause on
 * every running source, and resume when no sink presses any more. After pause the source
 * delivers no frame until resume (the env->frame call under way, if any, completes): a
 * stream socket stops reading (the kernel's window pushes back on the sender), omprog
 * stops reading stdin (rsyslog queues), Kafka pauses its partitions, UDP keeps reading
 * and drops, counting the loss. pause and resume may come from within env->frame.
 *
 * Running and threading. Everything happens on the pipeline's thread: no op and no env
 * callback is thread-safe. With an event loop (env->loop, libevent's event_base) start
 * registers the source's events and returns, and the source delivers from its event
 * callbacks; resume re-registers them. Without one (env->loop NULL: the command line
 * runs this way) start reads and delivers until the input ends or the source is paused,
 * and resume goes on the same way; a source that needs a loop fails start with
 * CG_EINVAL.
 *
 * Life cycle: init, start, (pause, resume)*, then env->end from the source (end of
 * input, or after stop) and finally fini. stop asks a source to deliver nothing more;
 * it calls env->end before it returns (unless it ended already). env->end is called once
 * per started source.
 */
#ifndef CEFGUARD_SOURCE_H
#define CEFGUARD_SOURCE_H

#include "cefguard/common.h"
#include "cefguard/counters.h"

struct event_base; /* libevent's loop, for the sources that register with one */

struct cg_frame {
    struct cg_str bytes; /* the message, without LF/CR; valid during env->frame only */
    bool cut;            /* the framing cut it at max_line */
    int64_t arrival_us;  /* wall clock when it arrived, microseconds; 0: replay */
    const char *origin;  /* its stream for reject logs: a file name, "<stdin>", a peer */
    uint64_t seq;        /* its number in origin, from 1 (a file's line number) */
    uint64_t ack;        /* the source's token, given back to ops->ack */
};

struct cg_source;

/* What the pipeline gives a source; ctx is the first argument of each callback. */
struct cg_source_env {
    void *ctx;
    struct event_base *loop; /* NULL: no event loop; start and resume deliver at once */
    /* One frame. CG_OK, or the error that stopped it (see Errors above). */
    int (*frame)(void *ctx, struct cg_source *s, const struct cg_frame *f);
    /* The source has handed over what it has for now: the pipeline makes what it took
     * durable and acknowledges it before returning. CG_OK or the sinks' flush error. */
    int (*sync)(void *ctx, struct cg_source *s);
    /* No frame will follow; rc: CG_OK or the first error the source met. Once. */
    void (*end)(void *ctx, struct cg_source *s, int rc);
};

struct cg_source_ops {
    const char *name; /* "file", "mem", later "udp", "tcp", "omprog", "kafka" */
    /* Takes the conf (the implementation's conf struct, read during the call: what the
     * conf points to lives as the implementation's header says) and what the source
     * needs before it starts (buffers, listening sockets), setting s->self. CG_OK, or
     * an error (CG_ENOMEM, CG_EINVAL, CG_EIO) after releasing everything: no other op is
     * called then. */
    int (*init)(struct cg_source *s, const void *conf);
    /* Begins delivering (see Running). CG_OK, or an error: nothing was delivered and
     * env->end will not be called. */
    int (*start)(struct cg_source *s);
    void (*pause)(struct cg_source *s);
    void (*resume)(struct cg_source *s);
    void (*stop)(struct cg_source *s);
    /* NULL: the source cannot acknowledge. */
    void (*ack)(struct cg_source *s, uint64_t token);
    /* Releases everything init took (after end, or without start). */
    void (*fini)(struct cg_source *s);
};

/* One source in a pipeline: made and owned by the pipeline. */
struct cg_source {
    const struct cg_source_ops *ops;
    const struct cg_source_env *env; /* set before init */
    void *self;                      /* the implementation's state, set by init */
    /* Its own counters (received, truncated, dropped, connections, ...), set by init or
     * left NULL: the table (counters.h) and the struct it describes, which lives until
     * fini. The service writes them as "input.<name>.<counter>" in `cefguard stats` and
     * the Prometheus metrics; they are read on the pipeline's thread. */
    const struct cg_counter_table *counters;
    const void *stats;
};

#endif
