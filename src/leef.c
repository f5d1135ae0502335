/* leef.c - STUB, replaced by the real decoder. */
#include "cefguard/leef.h"

enum cg_reject cg_leef_decode_header(const char *p, size_t n, struct cg_leef *out,
                                     struct cg_arena *a)
{
    memset(out, 0, sizeof(*out));
    return CG_REJ_LEEF_TRUNCATED;
}

int cg_leef_decode_attrs(struct cg_str attrs, char delim, struct cg_fields *f,
                         struct cg_arena *a, unsigned *flags)
{
    return CG_OK;
}
