/* framing_octet.c - RFC 6587 octet counting and LF framing (see framing_octet.h). */
#include "framing_octet.h"

void cg_octet_init(struct cg_octet *f, size_t max_message)
{
    f->max_message = max_message ? max_message : 1;
    f->max_digits = 0;
    for (size_t v = f->max_message; v > 0; v /= 10)
        f->max_digits++;
    f->mode = CG_OCTET_DETECT;
    f->scanned = 0;
}

size_t cg_octet_max_pending(const struct cg_octet *f)
{
    return f->max_message + f->max_digits + 1;
}

/* p[0..len) without one trailing LF and the CR before it. */
static struct cg_str strip_end(const char *p, size_t len)
{
    if (len > 0 && p[len - 1] == '\n')
        len--;
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return cg_str_make(p, len);
}

static enum cg_octet_rc bad(const char **why, const char *what, size_t *used)
{
    *why = what;
    *used = 0;
    return CG_OCTET_BAD_COUNT;
}

/* "LEN SP MSG" at p (the first byte is not CR or LF). The count is read digit by digit
 * and judged before any byte of the message is looked at; it has at most max_digits
 * digits, so the arithmetic cannot overflow. The checks come in the order the bytes do,
 * so that every split of the same bytes gives the same error. */
static enum cg_octet_rc counted_next(const struct cg_octet *f, const char *p, size_t n,
                                     struct cg_str *frame, size_t *used, const char **why)
{
    size_t len = 0, i = 0;
    *used = 0;
    if (p[0] == '0')
        return bad(why, "an octet count of 0 or with a leading 0", used);
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (i == f->max_digits)
            return bad(why, "more digits in the octet count than max-message has", used);
        len = len * 10 + (size_t)(p[i] - '0');
    }
    if (i == 0)
        return bad(why, "a frame that does not begin with an octet count", used);
    if (i == n)
        return CG_OCTET_MORE; /* at most max_digits bytes wait */
    if (p[i] != ' ')
        return bad(why, "a byte other than a digit or SP in the octet count", used);
    if (len > f->max_message)
        return bad(why, "an octet count over max-message", used);
    size_t hdr = i + 1;
    if (n - hdr < len)
        return CG_OCTET_MORE;
    *frame = strip_end(p + hdr, len);
    *used = hdr + len;
    return CG_OCTET_FRAME;
}

/* One LF line at p, empty lines skipped. */
static enum cg_octet_rc lf_next(struct cg_octet *f, const char *p, size_t n, struct cg_str *frame,
                                size_t *used, const char **why)
{
    size_t from = 0;
    for (;;) {
        size_t scan = from + f->scanned;
        const char *lf = scan < n ? memchr(p + scan, '\n', n - scan) : NULL;
        if (!lf)
            break;
        size_t len = (size_t)(lf - (p + from));
        f->scanned = 0;
        struct cg_str line = strip_end(p + from, len);
        if (line.n > f->max_message) {
            *used = from;
            *why = "a line longer than max-message";
            return CG_OCTET_TOO_LONG;
        }
        if (line.n > 0) {
            *frame = line;
            *used = from + len + 1;
            return CG_OCTET_FRAME;
        }
        from += len + 1; /* an empty line */
    }
    size_t rest = n - from;
    *used = from;
    /* No LF yet: the line may still end within the bound (a CR may still be followed by
     * its LF). */
    if (rest > f->max_message && !(rest == f->max_message + 1 && p[n - 1] == '\r')) {
        *why = "a line longer than max-message";
        return CG_OCTET_TOO_LONG;
    }
    f->scanned = rest;
    return CG_OCTET_MORE;
}

enum cg_octet_rc cg_octet_next(struct cg_octet *f, const char *p, size_t n, struct cg_str *frame,
                               size_t *used, const char **why)
{
    if (n == 0) {
        *used = 0;
        return CG_OCTET_MORE;
    }
    if (f->mode == CG_OCTET_DETECT)
        f->mode = p[0] >= '0' && p[0] <= '9' ? CG_OCTET_COUNTED : CG_OCTET_LF;
    if (f->mode == CG_OCTET_LF)
        return lf_next(f, p, n, frame, used, why);
    size_t skip = 0;
    while (skip < n && (p[skip] == '\n' || p[skip] == '\r'))
        skip++;
    if (skip == n) {
        *used = skip;
        return CG_OCTET_MORE;
    }
    enum cg_octet_rc rc = counted_next(f, p + skip, n - skip, frame, used, why);
    if (rc != CG_OCTET_BAD_COUNT)
        *used += skip;
    return rc;
}

bool cg_octet_eof(const struct cg_octet *f, const char *p, size_t n, struct cg_str *frame)
{
    if (f->mode != CG_OCTET_LF || n == 0)
        return false;
    *frame = strip_end(p, n);
    return frame->n > 0;
}
