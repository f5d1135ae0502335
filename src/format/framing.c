/* framing.c - LF framing over a bounded buffer (see framing.h). */
#include "cefguard/framing.h"

void cg_framing_init(struct cg_framing *f, size_t max_line)
{
    f->max_line = max_line ? max_line : CG_MAX_LINE_DEFAULT;
    f->skipping = false;
}

/* The first len bytes at p as a frame, without the CR of a CR LF. */
static struct cg_str frame_of(const char *p, size_t len)
{
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return cg_str_make(p, len);
}

bool cg_framing_next(struct cg_framing *f, const char *p, size_t n, bool eof, struct cg_str *frame,
                     bool *cut, size_t *used)
{
    const char *lf = n ? memchr(p, '\n', n) : NULL;
    size_t skipped = 0;
    *cut = false;
    if (f->skipping) {
        /* The tail of a cut line: everything up to its LF goes. */
        if (!lf) {
            *used = n;
            return false;
        }
        f->skipping = false;
        skipped = (size_t)(lf - p) + 1;
        p += skipped;
        n -= skipped;
        lf = n ? memchr(p, '\n', n) : NULL;
    }
    if (lf) {
        size_t len = (size_t)(lf - p);
        *cut = len > f->max_line;
        *frame = frame_of(p, *cut ? f->max_line : len);
        *used = skipped + len + 1;
        return true;
    }
    if (n > f->max_line) {
        /* No LF within max_line: cut here, and skip the rest as it comes. */
        *cut = true;
        f->skipping = true;
        *frame = frame_of(p, f->max_line);
        *used = skipped + n;
        return true;
    }
    *used = skipped;
    if (!eof || n == 0)
        return false;
    *frame = frame_of(p, n); /* the last line of the stream, without LF */
    *used += n;
    return true;
}
