/* event_json.c - the normalized event as one JSON object (event.h, cg_event_to_json).
 *
 * Speed: each key with its value is reserved once (json.h, CG_JSON_STR_ROOM) and written
 * straight into the buffer; the constant ,"key": parts are a few moves. */
#include "cefguard/event.h"
#include "cefguard/risk.h"
#include "cefguard/json.h"
#include "cefguard/textutil.h"

#include <stdlib.h>

/* Decimal digits of v at o; returns the new end. */
static char *put_u64(char *o, uint64_t v)
{
    return o + cg_fmt_u64(o, v);
}

/* Appends the constant lit of ln bytes; inline so that the copy is a few moves. */
static inline int put_lit(struct cg_buf *b, const char *lit, size_t ln)
{
    if (cg_buf_reserve(b, ln) != CG_OK)
        return CG_ENOMEM;
    memcpy(b->p + b->n, lit, ln);
    b->n += ln;
    return CG_OK;
}
#define PUT_LIT(b, lit) put_lit(b, lit, sizeof(lit) - 1)

/* Appends the constant lit (ln bytes, e.g. ,"key":) and then s as a string or null.
 * Inline so that ln is a constant and the copy of lit a few moves; always, as GCC left it
 * out of line, where its frame cost a fifth of what it does (a dozen calls an event). */
static inline __attribute__((always_inline)) int
put_lit_str(struct cg_buf *b, const char *lit, size_t ln, struct cg_str s, size_t *bad)
{
    size_t n = s.p ? s.n : 0;
    if (n > CG_JSON_STR_MAX || cg_buf_reserve(b, ln + CG_JSON_STR_ROOM(n)) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    memcpy(o, lit, ln);
    o += ln;
    if (s.p) {
        o = cg_json_write_str(o, s.p, s.n, bad);
    } else {
        memcpy(o, "null", 4);
        o += 4;
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}
#define PUT_LIT_STR(b, lit, s, bad) put_lit_str(b, lit, sizeof(lit) - 1, s, bad)

/* Appends the constant lit and then v, or null when v < 0. */
static inline int put_lit_int(struct cg_buf *b, const char *lit, size_t ln, int v)
{
    if (cg_buf_reserve(b, ln + 20) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    memcpy(o, lit, ln);
    o += ln;
    if (v < 0) {
        memcpy(o, "null", 4);
        o += 4;
    } else {
        o = put_u64(o, (uint64_t)v);
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}
#define PUT_LIT_INT(b, lit, v) put_lit_int(b, lit, sizeof(lit) - 1, v)

/* Appends the constant lit and then the time as a string, or null when unset. */
static int put_lit_time(struct cg_buf *b, const char *lit, size_t ln, const struct cg_time *t)
{
    enum { TS = 48 }; /* cg_time_format needs >= 40 and writes a NUL */
    if (cg_buf_reserve(b, ln + TS + 2) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    memcpy(o, lit, ln);
    o += ln;
    size_t tn = cg_time_format(t, o + 1, TS);
    if (tn) {
        o[0] = '"';
        o[tn + 1] = '"';
        o += tn + 2;
    } else {
        memcpy(o, "null", 4);
        o += 4;
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}
#define PUT_LIT_TIME(b, lit, t) put_lit_time(b, lit, sizeof(lit) - 1, t)

/* Slow path of put_fields, for objects with a key that is not valid UTF-8: keys are
 * unique as bytes, but two that differ only in invalid bytes render alike (U+FFFD),
 * and a JSON object must not repeat a key. The first rendered key wins; later ones
 * are dropped and counted with the duplicate keys. */
static int put_fields_dedup(struct cg_buf *b, const struct cg_fields *f, size_t *bad, uint32_t *dup)
{
    size_t *offs = malloc((f->n + 1) * sizeof(*offs)); /* rendered key i: offs[i]..lens[i] */
    size_t *lens = malloc((f->n + 1) * sizeof(*lens));
    size_t nk = 0;
    int rc = offs && lens ? cg_buf_putc(b, '{') : CG_ENOMEM;
    for (size_t i = 0; rc == CG_OK && i < f->n; i++) {
        size_t mark = b->n;
        if (nk)
            rc = cg_buf_putc(b, ',');
        size_t kstart = b->n, kbad = 0;
        if (rc == CG_OK)
            rc = cg_json_put_str(b, f->v[i].key.p, f->v[i].key.n, &kbad);
        size_t klen = b->n - kstart;
        bool seen = false;
        for (size_t j = 0; rc == CG_OK && !seen && j < nk; j++)
            seen = lens[j] == klen && memcmp(b->p + offs[j], b->p + kstart, klen) == 0;
        if (seen) {
            b->n = mark;
            (*dup)++;
            continue;
        }
        offs[nk] = kstart;
        lens[nk++] = klen;
        if (bad)
            *bad += kbad;
        if (rc == CG_OK)
            rc = cg_buf_putc(b, ':');
        if (rc == CG_OK)
            rc = cg_json_put_str(b, f->v[i].val.p, f->v[i].val.n, bad);
    }
    free(offs);
    free(lens);
    return rc == CG_OK ? cg_buf_putc(b, '}') : rc;
}

/* Writes "key":"value" (with a leading comma unless first), one reservation per pair. */
static int put_field(struct cg_buf *b, const struct cg_field *fv, bool first, size_t *kbad,
                     size_t *vbad)
{
    size_t kn = fv->key.n, vn = fv->val.n;
    if (kn > CG_JSON_STR_MAX / 2 || vn > CG_JSON_STR_MAX / 2 ||
        cg_buf_reserve(b, 2 + CG_JSON_STR_ROOM(kn + vn)) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    if (!first)
        *o++ = ',';
    o = cg_json_write_str(o, fv->key.p, kn, kbad);
    *o++ = ':';
    o = cg_json_write_str(o, fv->val.p, vn, vbad);
    b->n = (size_t)(o - b->p);
    return CG_OK;
}

/* ,"fields":{...}, one reservation per pair; keys that are not valid UTF-8 take the
 * slow path. */
static int put_fields(struct cg_buf *b, const struct cg_fields *f, size_t *bad, uint32_t *dup)
{
    size_t start = b->n, kbad = 0, vbad = 0;
    int rc = PUT_LIT(b, ",\"fields\":{");
    for (size_t i = 0; rc == CG_OK && i < f->n; i++)
        rc = put_field(b, &f->v[i], i == 0, &kbad, &vbad);
    if (rc == CG_OK && kbad) { /* rare: start over on the slow path */
        b->n = start;
        rc = PUT_LIT(b, ",\"fields\":");
        return rc ? rc : put_fields_dedup(b, f, bad, dup);
    }
    if (bad)
        *bad += kbad + vbad;
    return rc == CG_OK ? PUT_LIT(b, "}") : rc;
}

/* SD as {"SD-ID":{"name":"value",...},...}. Params of one SD-ID are adjacent in
 * sl->sd; a repeated SD-ID (forbidden by RFC 5424) or param name keeps the first. */
static bool sd_seen_id(const struct cg_syslog *sl, size_t upto, struct cg_str id)
{
    for (size_t j = 0; j < upto; j++)
        if (cg_str_eq(sl->sd[j].id, id))
            return true;
    return false;
}

static bool sd_seen_param(const struct cg_syslog *sl, size_t from, size_t upto, struct cg_str name)
{
    for (size_t j = from; j < upto; j++)
        if (cg_str_eq(sl->sd[j].name, name))
            return true;
    return false;
}

static int put_sd(struct cg_buf *b, const struct cg_syslog *sl, size_t *bad)
{
    int rc = cg_buf_putc(b, '{');
    size_t i = 0;
    bool first_id = true;
    while (rc == CG_OK && i < sl->nsd) {
        size_t start = i;
        while (i < sl->nsd && cg_str_eq(sl->sd[i].id, sl->sd[start].id))
            i++;
        if (sd_seen_id(sl, start, sl->sd[start].id))
            continue;
        if (!first_id)
            rc = cg_buf_putc(b, ',');
        first_id = false;
        if (rc == CG_OK)
            rc = cg_json_put_str(b, sl->sd[start].id.p, sl->sd[start].id.n, bad);
        if (rc == CG_OK)
            rc = cg_buf_put(b, ":{", 2);
        bool first = true;
        for (size_t j = start; rc == CG_OK && j < i; j++) {
            if (!sl->sd[j].name.p || sd_seen_param(sl, start, j, sl->sd[j].name))
                continue; /* an SD-ID without params is recorded with an unset name */
            if (!first)
                rc = cg_buf_putc(b, ',');
            first = false;
            if (rc == CG_OK)
                rc = cg_json_put_str(b, sl->sd[j].name.p, sl->sd[j].name.n, bad);
            if (rc == CG_OK)
                rc = cg_buf_putc(b, ':');
            if (rc == CG_OK)
                rc = cg_json_put_str(b, sl->sd[j].value.p, sl->sd[j].value.n, bad);
        }
        if (rc == CG_OK)
            rc = cg_buf_putc(b, '}');
    }
    return rc == CG_OK ? cg_buf_putc(b, '}') : rc;
}

/* ,"syslog":{"format":"..." */
static int put_syslog_head(struct cg_buf *b, enum cg_syslog_kind k)
{
    switch (k) {
    case CG_SYSLOG_RFC3164: return PUT_LIT(b, ",\"syslog\":{\"format\":\"rfc3164\"");
    case CG_SYSLOG_RFC5424: return PUT_LIT(b, ",\"syslog\":{\"format\":\"rfc5424\"");
    case CG_SYSLOG_NONE: break;
    }
    return PUT_LIT(b, ",\"syslog\":{\"format\":\"none\"");
}

/* ,"syslog":{...} */
static int put_syslog(struct cg_buf *b, const struct cg_syslog *sl, size_t *bad)
{
    int rc = put_syslog_head(b, sl->kind);
    rc = rc ? rc : PUT_LIT_INT(b, ",\"pri\":", sl->pri);
    rc = rc ? rc : PUT_LIT_INT(b, ",\"facility\":", sl->facility);
    rc = rc ? rc : PUT_LIT_INT(b, ",\"severity\":", sl->severity);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"app\":", sl->app, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"procid\":", sl->procid, bad);
    if (sl->kind == CG_SYSLOG_RFC5424) {
        rc = rc ? rc : PUT_LIT_STR(b, ",\"msgid\":", sl->msgid, bad);
        rc = rc ? rc : PUT_LIT(b, ",\"sd\":");
        rc = rc ? rc : put_sd(b, sl, bad);
    }
    return rc ? rc : PUT_LIT(b, "}");
}

/* ,"risk":{"class":..,"outcome":..}: only on anti-malware detections (risk.h). The
 * names are constants, so no escaping. */
static int put_risk(struct cg_buf *b, struct cg_event *ev)
{
    cg_event_risk(ev);
    const char *c = cg_risk_class_name(ev->risk_class);
    const char *o = cg_risk_outcome_name(ev->risk_outcome);
    if (!c || !o)
        return CG_OK;
    int rc = PUT_LIT(b, ",\"risk\":{\"class\":\"");
    rc = rc ? rc : cg_buf_put(b, c, strlen(c));
    rc = rc ? rc : PUT_LIT(b, "\",\"outcome\":\"");
    rc = rc ? rc : cg_buf_put(b, o, strlen(o));
    return rc ? rc : PUT_LIT(b, "\"}");
}

static inline struct cg_str str_z(const char *z)
{
    return cg_str_make(z, strlen(z));
}

/* Key order is fixed (README.md "Normalized event"); bad counts into a local so the
 * writers need not check for NULL. */
int cg_event_to_json(struct cg_event *ev, struct cg_buf *b, size_t *bad_utf8)
{
    if (cg_event_fields(ev) != CG_OK)
        return CG_ENOMEM;
    size_t nb = 0, *bad = &nb;
    int rc = PUT_LIT_TIME(b, "{\"time\":", &ev->time);
    if (ev->flags & CG_EV_TIME_OUTLIER) /* the stamp as logged, which the clock did not take */
        rc = rc ? rc : cg_buf_put(b, ",\"time_outlier\":true", 20);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"host\":", ev->sl.host, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"format\":", str_z(cg_format_name(ev->format)), bad);
    if (ev->format == CG_FMT_RAW)
        rc = rc ? rc : PUT_LIT_STR(b, ",\"reason\":", str_z(cg_reject_name(ev->reason)), bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"format_version\":", ev->fmt_version, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"vendor\":", ev->vendor, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"product\":", ev->product, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"product_version\":", ev->product_version, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"event_id\":", ev->event_id, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"name\":", ev->name, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"severity\":", ev->severity, bad);
    cg_event_subject(ev);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"subject\":", ev->subject, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"subject_key\":", ev->subject_key, bad);
    rc = rc ? rc
            : PUT_LIT_STR(b,
                          ",\"subject_status\":", str_z(cg_subject_status_name(ev->subject_status)),
                          bad);
    rc = rc ? rc : put_risk(b, ev);
    rc = rc ? rc : put_fields(b, &ev->fields, bad, &ev->fields.dup_dropped);
    if (ev->format == CG_FMT_RAW) {
        struct cg_str msg = ev->sl.msg.p ? ev->sl.msg : ev->line;
        rc = rc ? rc : PUT_LIT_STR(b, ",\"message\":", msg, bad);
    }
    rc = rc ? rc : put_syslog(b, &ev->sl, bad);
    rc = rc ? rc : PUT_LIT(b, "}");
    if (bad_utf8)
        *bad_utf8 += nb;
    return rc;
}
