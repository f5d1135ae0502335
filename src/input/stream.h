/*
 * stream.h - one LF-framed byte stream of a source (private to src/input/): a bounded
 * buffer, the framing state and the number of the last frame, and the loop that hands
 * the buffered frames to the pipeline. The file and memory sources use it; so will
 * every source that reads LF-framed bytes (omprog's stdin, TCP connections).
 */
#ifndef CEFGUARD_INPUT_STREAM_H
#define CEFGUARD_INPUT_STREAM_H

#include "cefguard/framing.h"
#include "cefguard/source.h"

#define CG_INPUT_READ_CHUNK (256 * 1024)

struct cg_input_stream {
    const char *p;   /* the bytes: buf, or the caller's for a memory stream */
    char *buf;       /* owned, cap bytes (max_line + one read); NULL for memory */
    size_t cap;      /* bytes of buf */
    size_t read_max; /* most bytes one read asks for; 0: all buf has room for */
    size_t start;    /* first unread byte of p */
    size_t end;      /* end of the valid bytes of p */
    bool eof;        /* no byte follows p[end - 1] */
    struct cg_framing fr;
    const char *origin; /* the frames' origin (not owned) */
    uint64_t seq;       /* number of the last frame handed over */
    int64_t arrival_us; /* the frames' arrival time (0: replay) */
};

/* A stream read from fds into a buffer of its own. read_max 0: reads of up to
 * max_line + 256 KiB. CG_OK or CG_ENOMEM. */
int cg_input_stream_init(struct cg_input_stream *st, size_t max_line, size_t read_max);
/* A stream of the n bytes at p (not copied: they outlive the stream), at eof. */
void cg_input_stream_init_mem(struct cg_input_stream *st, const char *p, size_t n, size_t max_line);
void cg_input_stream_fini(struct cg_input_stream *st);
/* Starts over: a new stream named origin (framing state, numbering and buffer reset). */
void cg_input_stream_reset(struct cg_input_stream *st, const char *origin);

/* Moves the unread bytes to the front and reads once from fd (retrying EINTR).
 * 1: got bytes; 0: end of file (eof set); CG_EIO: read error, errno kept. */
int cg_input_stream_fill(struct cg_input_stream *st, int fd);

/* Hands the buffered frames to s's pipeline until *halt is set (checked after each
 * frame: the source's pause/stop set it), the buffer needs more bytes, or env->frame
 * fails. 1: needs more bytes (at eof: the stream is done); 0: halted; or the error of
 * env->frame. */
int cg_input_stream_deliver(struct cg_input_stream *st, struct cg_source *s, const bool *halt);

#endif
