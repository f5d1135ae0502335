/* binio.c - little-endian binary I/O (see binio.h). */
#include "cefguard/binio.h"

#include <stdlib.h>

int cg_bin_put_u8(struct cg_buf *b, uint8_t v)
{
    return cg_buf_putc(b, (char)v);
}

int cg_bin_put_u32(struct cg_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return cg_buf_put(b, x, 4);
}

int cg_bin_put_u64(struct cg_buf *b, uint64_t v)
{
    int rc = cg_bin_put_u32(b, (uint32_t)v);
    return rc ? rc : cg_bin_put_u32(b, (uint32_t)(v >> 32));
}

int cg_bin_put_str(struct cg_buf *b, struct cg_str s)
{
    if (!s.p)
        return cg_bin_put_u32(b, CG_BIN_UNSET);
    if (s.n >= CG_BIN_UNSET)
        return CG_EINVAL;
    int rc = cg_bin_put_u32(b, (uint32_t)s.n);
    return rc ? rc : cg_buf_put(b, s.p, s.n);
}

static bool need(struct cg_bin_reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    return true;
}

uint8_t cg_bin_u8(struct cg_bin_reader *r)
{
    if (!need(r, 1))
        return 0;
    return (uint8_t)*r->p++;
}

uint32_t cg_bin_u32(struct cg_bin_reader *r)
{
    if (!need(r, 4))
        return 0;
    const unsigned char *x = (const unsigned char *)r->p;
    r->p += 4;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

uint64_t cg_bin_u64(struct cg_bin_reader *r)
{
    uint64_t lo = cg_bin_u32(r);
    return lo | (uint64_t)cg_bin_u32(r) << 32;
}

struct cg_str cg_bin_str(struct cg_bin_reader *r)
{
    uint32_t n = cg_bin_u32(r);
    if (r->bad || n == CG_BIN_UNSET || !need(r, n))
        return CG_STR_NULL;
    struct cg_str s = cg_str_make(r->p, n);
    r->p += n;
    return s;
}

struct cg_str cg_bin_str_dup(struct cg_bin_reader *r, struct cg_arena *a)
{
    struct cg_str s = cg_bin_str(r);
    if (!s.p)
        return s;
    char *d = a ? cg_arena_dup(a, s.p, s.n) : malloc(s.n + 1);
    if (!d) {
        r->bad = true;
        return CG_STR_NULL;
    }
    if (!a) {
        memcpy(d, s.p, s.n);
        d[s.n] = '\0';
    }
    return cg_str_make(d, s.n);
}
