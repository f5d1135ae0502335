/* framing.c - LF line framing over a file descriptor (see framing.h). */
#include "cefguard/framing.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define CG_READ_CHUNK (256 * 1024)

int cg_linereader_init(struct cg_linereader *r, int fd, size_t max_line)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    r->max_line = max_line ? max_line : CG_MAX_LINE_DEFAULT;
    r->cap = r->max_line + CG_READ_CHUNK;
    r->buf = malloc(r->cap);
    return r->buf ? CG_OK : CG_ENOMEM;
}

void cg_linereader_fini(struct cg_linereader *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Moves unread bytes to the front and reads more. 1: got bytes, 0: EOF, <0 error. */
static int fill(struct cg_linereader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    for (;;) {
        ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (got > 0) {
            r->end += (size_t)got;
            return 1;
        }
        if (got == 0) {
            r->eof = true;
            return 0;
        }
        if (errno != EINTR)
            return CG_EIO;
    }
}

static struct cg_str take(struct cg_linereader *r, size_t len, size_t consumed)
{
    const char *p = r->buf + r->start;
    if (len > 0 && p[len - 1] == '\r')
        len--;
    r->start += consumed;
    r->lines++;
    return cg_str_make(p, len);
}

int cg_linereader_next(struct cg_linereader *r, struct cg_str *line, bool *too_long)
{
    *too_long = false;
    for (;;) {
        size_t avail = r->end - r->start;
        const char *p = r->buf + r->start;
        const char *lf = avail ? memchr(p, '\n', avail) : NULL;
        if (r->skipping) {
            /* Discard the rest of a cut line. */
            if (lf) {
                r->start += (size_t)(lf - p) + 1;
                r->skipping = false;
                continue;
            }
            r->start = r->end;
            if (r->eof)
                return 0;
        } else if (lf) {
            size_t len = (size_t)(lf - p);
            if (len <= r->max_line) {
                *line = take(r, len, len + 1);
                return 1;
            }
            *too_long = true;
            r->too_long++;
            *line = take(r, r->max_line, len + 1);
            return 1;
        } else if (avail > r->max_line) {
            *too_long = true;
            r->too_long++;
            r->skipping = true;
            *line = take(r, r->max_line, r->max_line);
            /* The line view stays valid: fill() runs only on the next call. */
            r->start = r->end;
            return 1;
        } else if (r->eof) {
            if (avail == 0)
                return 0;
            *line = take(r, avail, avail);
            return 1;
        }
        int rc = fill(r);
        if (rc < 0)
            return rc;
    }
}
