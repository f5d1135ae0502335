/* cef.c - STUB, replaced by the real decoder. */
#include "cefguard/cef.h"

enum cg_reject cg_cef_decode_header(const char *p, size_t n, struct cg_cef *out,
                                    struct cg_arena *a)
{
    memset(out, 0, sizeof(*out));
    return CG_REJ_CEF_TRUNCATED;
}

int cg_cef_decode_ext(struct cg_str ext, struct cg_fields *f, struct cg_arena *a,
                      unsigned *flags)
{
    return CG_OK;
}
