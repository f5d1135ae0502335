/* buf.c - growable output buffer (see buf.h). */
#include "cefguard/buf.h"
#include "cefguard/vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void cg_buf_init(struct cg_buf *b)
{
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
}

void cg_buf_fini(struct cg_buf *b)
{
    free(b->p);
    cg_buf_init(b);
}

int cg_buf_grow(struct cg_buf *b, size_t extra)
{
    size_t need = b->n + extra + 1; /* keep one byte for cg_buf_cstr */
    if (need < b->n)
        return CG_ENOMEM;
    return cg_vec_reserve_ptr(&b->p, &b->cap, 1, need);
}

int cg_buf_put(struct cg_buf *b, const void *p, size_t n)
{
    if (cg_buf_reserve(b, n) != CG_OK)
        return CG_ENOMEM;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    return CG_OK;
}

int cg_buf_putc(struct cg_buf *b, char c)
{
    if (cg_buf_reserve(b, 1) != CG_OK)
        return CG_ENOMEM;
    b->p[b->n++] = c;
    return CG_OK;
}

int cg_buf_puts(struct cg_buf *b, const char *z)
{
    return cg_buf_put(b, z, strlen(z));
}

int cg_buf_put_md(struct cg_buf *b, const char *z)
{
    for (; *z; z++) {
        if (strchr("\\|*<>`[]", *z) && cg_buf_putc(b, '\\') != CG_OK)
            return CG_ENOMEM;
        if (cg_buf_putc(b, *z) != CG_OK)
            return CG_ENOMEM;
    }
    return CG_OK;
}

int cg_buf_printf(struct cg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (len < 0)
        return CG_EINVAL;
    if ((size_t)len < sizeof(tmp))
        return cg_buf_put(b, tmp, (size_t)len);
    if (cg_buf_reserve(b, (size_t)len) != CG_OK)
        return CG_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
    return CG_OK;
}

const char *cg_buf_cstr(struct cg_buf *b)
{
    if (cg_buf_reserve(b, 0) != CG_OK)
        return "";
    b->p[b->n] = '\0';
    return b->p;
}

int cg_buf_write_fd(struct cg_buf *b, int fd)
{
    size_t off = 0;
    while (off < b->n) {
        ssize_t w = write(fd, b->p + off, b->n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return CG_EIO;
        off += (size_t)w;
    }
    cg_buf_clear(b);
    return CG_OK;
}
