/* event.c - normalized event lifecycle and lazy field decoding (see event.h). */
#include "cefguard/event.h"

#include "cefguard/cef.h"
#include "cefguard/leef.h"

static void event_clear(struct cg_event *ev)
{
    memset(&ev->sl, 0, sizeof(ev->sl));
    ev->sl.pri = ev->sl.facility = ev->sl.severity = -1; /* no header until decoded */
    ev->line = CG_STR_NULL;
    ev->format = CG_FMT_RAW;
    ev->reason = CG_REJ_NONE;
    ev->fmt_version = ev->vendor = ev->product = ev->product_version = CG_STR_NULL;
    ev->event_id = ev->name = ev->severity = CG_STR_NULL;
    memset(&ev->time, 0, sizeof(ev->time));
    ev->subject = ev->subject_key = ev->body = CG_STR_NULL;
    ev->subject_status = CG_SUBJ_MISSING;
    ev->subject_done = false;
    ev->risk_done = false;
    ev->risk_class = ev->risk_outcome = 0;
    ev->leef_delim = '\t';
    ev->fields_done = false;
    ev->flags = 0;
}

void cg_event_init(struct cg_event *ev, size_t max_fields)
{
    cg_fields_init(&ev->fields, max_fields);
    cg_arena_init(&ev->arena);
    event_clear(ev);
    ev->refs = 0;
    ev->pool_class = 0;
}

void cg_event_reset(struct cg_event *ev)
{
    cg_fields_clear(&ev->fields);
    cg_arena_reset(&ev->arena);
    event_clear(ev);
}

void cg_event_fini(struct cg_event *ev)
{
    cg_fields_fini(&ev->fields);
    cg_arena_fini(&ev->arena);
}

int cg_event_fields(struct cg_event *ev)
{
    if (ev->fields_done)
        return CG_OK;
    ev->fields_done = true;
    unsigned fl = 0;
    int rc = CG_OK;
    if (ev->format == CG_FMT_CEF) {
        rc = cg_cef_decode_ext(ev->body, &ev->fields, &ev->arena, &fl);
        if (fl & CG_CEF_BAD_ESCAPE)
            ev->flags |= CG_EV_BAD_ESCAPE;
        if (fl & CG_CEF_EXT_JUNK)
            ev->flags |= CG_EV_EXT_JUNK;
    } else if (ev->format == CG_FMT_LEEF) {
        rc = cg_leef_decode_attrs(ev->body, ev->leef_delim, &ev->fields, &ev->arena, &fl);
        if (fl & CG_LEEF_JUNK)
            ev->flags |= CG_EV_EXT_JUNK;
    }
    return rc;
}

const struct cg_str *cg_event_field(struct cg_event *ev, struct cg_str key)
{
    if (!ev->fields_done && cg_event_fields(ev) != CG_OK)
        return NULL;
    return cg_fields_get(&ev->fields, key);
}
