/* decode.c - framing/decode stage: syslog header, then CEF/LEEF header (see decode.h). */
#include "cefguard/decode.h"

#include "cefguard/cef.h"
#include "cefguard/leef.h"

int cg_decoder_init(struct cg_decoder *d, const struct cg_syslog_opts *opts)
{
    cg_cef_cache_init(&d->cef);
    struct cg_timeguard_opts tgo = {opts ? opts->max_jump_us : 0, opts ? opts->jump_confirm : 0};
    cg_timeguard_init(&d->tg, &tgo);
    int rc = cg_syslog_ctx_init(&d->sl, opts);
    d->sl.defer_ref = true; /* cg_decode_settle notes the stamps it trusts */
    return rc;
}

void cg_decoder_fini(struct cg_decoder *d)
{
    (void)d;
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static void decode_cef(struct cg_decoder *d, struct cg_event *ev, const char *p, size_t n)
{
    struct cg_cef h;
    enum cg_reject r = cg_cef_decode_header_cached(p, n, &h, &ev->arena, &d->cef);
    if (r != CG_REJ_NONE) {
        ev->reason = r;
        return;
    }
    ev->format = CG_FMT_CEF;
    ev->fmt_version = h.version;
    ev->vendor = h.vendor;
    ev->product = h.product;
    ev->product_version = h.product_version;
    ev->event_id = h.event_id;
    ev->name = h.name;
    ev->severity = h.severity;
    ev->body = h.ext;
    if (h.flags & CG_CEF_BAD_ESCAPE)
        ev->flags |= CG_EV_BAD_ESCAPE;
}

static void decode_leef(struct cg_event *ev, const char *p, size_t n)
{
    struct cg_leef h;
    enum cg_reject r = cg_leef_decode_header(p, n, &h, &ev->arena);
    if (r != CG_REJ_NONE) {
        ev->reason = r;
        return;
    }
    ev->format = CG_FMT_LEEF;
    ev->fmt_version = h.version;
    ev->vendor = h.vendor;
    ev->product = h.product;
    ev->product_version = h.product_version;
    ev->event_id = h.event_id;
    ev->body = h.attrs;
    ev->leef_delim = h.delim;
    /* LEEF has no Name or Severity header field: Deep Security writes them as the
     * attributes "name" and "sev". LEEF lines are rare, so decode them now. */
    const struct cg_str *v;
    if ((v = cg_event_field(ev, CG_STR_LIT("name"))))
        ev->name = *v;
    if ((v = cg_event_field(ev, CG_STR_LIT("sev"))))
        ev->severity = *v;
}

void cg_decode_line(struct cg_decoder *d, const char *p, size_t n, struct cg_event *ev)
{
    ev->line = cg_str_make(p, n);
    ev->format = CG_FMT_RAW;
    if (is_blank(p, n)) {
        ev->reason = CG_REJ_EMPTY;
        return;
    }
    cg_syslog_decode(&d->sl, p, n, &ev->sl, &ev->arena);
    ev->time = ev->sl.time;
    ev->reason = CG_REJ_NO_DECODER;

    struct cg_str m = ev->sl.msg;
    if (cg_str_has_prefix(m, "CEF:")) {
        decode_cef(d, ev, m.p + 4, m.n - 4);
    } else if (cg_str_has_prefix(m, "LEEF:")) {
        decode_leef(ev, m.p + 5, m.n - 5);
    } else if (ev->sl.kind == CG_SYSLOG_RFC3164 && m.n > 0 && m.p[0] >= '0' && m.p[0] <= '9') {
        /* File form: the tag "CEF:" was taken as the syslog tag. */
        if (cg_str_eqz(ev->sl.app, "CEF"))
            decode_cef(d, ev, m.p, m.n);
        else if (cg_str_eqz(ev->sl.app, "LEEF"))
            decode_leef(ev, m.p, m.n);
    }
    if (ev->format != CG_FMT_RAW)
        ev->reason = CG_REJ_NONE;
}

void cg_decode_settle(struct cg_decoder *d, struct cg_event *ev, int64_t wall_us)
{
    if (!(ev->time.flags & CG_TIME_SET) || ev->format == CG_FMT_RAW)
        return;
    int64_t t = ev->time.sec * 1000000 + ev->time.usec;
    switch (cg_timeguard_check(&d->tg, t, ev->sl.host, wall_us)) {
    case CG_TG_OUTLIER: ev->flags |= CG_EV_TIME_OUTLIER; return;
    case CG_TG_JUMP: ev->flags |= CG_EV_TIME_JUMP; break;
    case CG_TG_ACCEPT: break;
    }
    cg_syslog_ctx_note_time(&d->sl, &ev->time);
}
