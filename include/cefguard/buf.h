/*
 * buf.h - growable byte buffer for output (JSON lines, messages).
 *
 * Append functions return CG_OK or CG_ENOMEM; on CG_ENOMEM the buffer keeps
 * what it had. A buffer owns its memory; cg_buf_fini frees it.
 */
#ifndef CEFGUARD_BUF_H
#define CEFGUARD_BUF_H

#include "cefguard/common.h"

struct cg_buf {
    char *p;
    size_t n;
    size_t cap;
};

void cg_buf_init(struct cg_buf *b);
void cg_buf_fini(struct cg_buf *b);
static inline void cg_buf_clear(struct cg_buf *b)
{
    b->n = 0;
}
/* The slow path of cg_buf_reserve. */
int cg_buf_grow(struct cg_buf *b, size_t extra);

/* Makes room for at least extra more bytes (and the NUL of cg_buf_cstr); inline, since
 * writers call it for every string and there is room nearly always. */
static inline int cg_buf_reserve(struct cg_buf *b, size_t extra)
{
    if (CG_LIKELY(b->cap - b->n > extra))
        return CG_OK;
    return cg_buf_grow(b, extra);
}
int cg_buf_put(struct cg_buf *b, const void *p, size_t n);
int cg_buf_putc(struct cg_buf *b, char c);
int cg_buf_puts(struct cg_buf *b, const char *z);
int cg_buf_printf(struct cg_buf *b, const char *fmt, ...) CG_PRINTF(2, 3);
/* Appends z as text of a Markdown table cell: \ | * < > ` [ ] backslash-escaped. */
int cg_buf_put_md(struct cg_buf *b, const char *z);
/* Returns a NUL-terminated view (the NUL is not counted in n). */
const char *cg_buf_cstr(struct cg_buf *b);

/* Writes all of b to fd (retrying short writes and EINTR) and clears b. CG_OK, or CG_EIO
 * with errno kept and b not cleared (part of it may have been written). */
int cg_buf_write_fd(struct cg_buf *b, int fd);

#endif
