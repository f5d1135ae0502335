/* syslog.c - STUB, replaced by the real decoder. */
#include "cefguard/syslog.h"

int cg_syslog_ctx_init(struct cg_syslog_ctx *c, const struct cg_syslog_opts *opts)
{
    memset(c, 0, sizeof(*c));
    (void)opts;
    return CG_OK;
}

void cg_syslog_decode(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_syslog *out,
                      struct cg_arena *a)
{
    memset(out, 0, sizeof(*out));
    out->pri = out->facility = out->severity = -1;
    out->msg = out->tagged_msg = cg_str_make(p, n);
}

void cg_syslog_ctx_note_time(struct cg_syslog_ctx *c, const struct cg_time *t)
{
}
