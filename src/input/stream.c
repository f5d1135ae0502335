/* stream.c - an LF-framed byte stream of a source (see stream.h). */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int cg_input_stream_init(struct cg_input_stream *st, size_t max_line, size_t read_max)
{
    memset(st, 0, sizeof(*st));
    cg_framing_init(&st->fr, max_line);
    st->read_max = read_max;
    st->cap = st->fr.max_line + (read_max ? read_max : CG_INPUT_READ_CHUNK);
    st->buf = malloc(st->cap);
    st->p = st->buf;
    return st->buf ? CG_OK : CG_ENOMEM;
}

void cg_input_stream_init_mem(struct cg_input_stream *st, const char *p, size_t n, size_t max_line)
{
    memset(st, 0, sizeof(*st));
    cg_framing_init(&st->fr, max_line);
    st->p = p ? p : ""; /* no arithmetic on NULL, even + 0 */
    st->end = n;
    st->eof = true;
}

void cg_input_stream_fini(struct cg_input_stream *st)
{
    free(st->buf);
    st->buf = NULL;
    st->p = NULL;
}

void cg_input_stream_reset(struct cg_input_stream *st, const char *origin)
{
    cg_framing_init(&st->fr, st->fr.max_line);
    st->origin = origin;
    st->seq = 0;
    if (st->buf) {
        st->start = st->end = 0;
        st->eof = false;
    }
}

int cg_input_stream_fill(struct cg_input_stream *st, int fd)
{
    if (st->start > 0) {
        memmove(st->buf, st->buf + st->start, st->end - st->start);
        st->end -= st->start;
        st->start = 0;
    }
    /* The framing leaves at most max_line unread bytes, so there is room. */
    size_t want = st->cap - st->end;
    if (st->read_max && want > st->read_max)
        want = st->read_max;
    for (;;) {
        ssize_t got = read(fd, st->buf + st->end, want);
        if (got > 0) {
            st->end += (size_t)got;
            return 1;
        }
        if (got == 0) {
            st->eof = true;
            return 0;
        }
        if (errno != EINTR)
            return CG_EIO;
    }
}

int cg_input_stream_deliver(struct cg_input_stream *st, struct cg_source *s, const bool *halt)
{
    const struct cg_source_env *env = s->env;
    struct cg_frame f = {.origin = st->origin, .arrival_us = st->arrival_us};
    size_t used;
    while (!*halt) {
        bool got = cg_framing_next(&st->fr, st->p + st->start, st->end - st->start, st->eof,
                                   &f.bytes, &f.cut, &used);
        st->start += used;
        if (!got)
            return 1;
        f.seq = f.ack = ++st->seq;
        int rc = env->frame(env->ctx, s, &f);
        if (rc != CG_OK)
            return rc;
    }
    return 0;
}
