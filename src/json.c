/* json.c - JSON strings valid for any bytes, and the normalized event writer (json.h). */
#include "cefguard/json.h"

#include <stdio.h>
#include <stdlib.h>

/* 0: copy as is; 1: needs a two-char escape or \u00XX; 2: byte >= 0x80 (UTF-8 check). */
static const unsigned char json_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the lead byte at s
 * does not start a valid, shortest-form, non-surrogate sequence <= U+10FFFF. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (c == 0xed && s[1] >= 0xa0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xf4 && s[1] >= 0x90)
            return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

int cg_json_put_str(struct cg_buf *b, const char *p, size_t n, size_t *bad_utf8)
{
    /* Worst case: every byte becomes \u00XX (6) or U+FFFD (3). */
    if (n > (SIZE_MAX - 2) / 6 || cg_buf_reserve(b, n * 6 + 2) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, bad = 0;
    *o++ = '"';
    while (i < n) {
        size_t start = i;
        while (i < n && json_class[s[i]] == 0)
            i++;
        if (i > start) {
            memcpy(o, s + start, i - start);
            o += i - start;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (json_class[c] == 1) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default: {
                static const char hex[] = "0123456789abcdef";
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
            }
            }
            i++;
            continue;
        }
        size_t l = utf8_valid_len(s + i, n - i);
        if (l) {
            memcpy(o, s + i, l);
            o += l;
            i += l;
        } else {
            *o++ = (char)0xef; /* U+FFFD */
            *o++ = (char)0xbf;
            *o++ = (char)0xbd;
            bad++;
            i++;
        }
    }
    *o++ = '"';
    b->n = (size_t)(o - b->p);
    if (bad_utf8)
        *bad_utf8 += bad;
    return CG_OK;
}

int cg_json_put_strv(struct cg_buf *b, struct cg_str s, size_t *bad_utf8)
{
    if (!s.p)
        return cg_buf_put(b, "null", 4);
    return cg_json_put_str(b, s.p, s.n, bad_utf8);
}

/* ,"key": */
static int put_key(struct cg_buf *b, const char *k, bool first)
{
    size_t kn = strlen(k);
    if (cg_buf_reserve(b, kn + 4) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    if (!first)
        *o++ = ',';
    *o++ = '"';
    memcpy(o, k, kn);
    o += kn;
    *o++ = '"';
    *o++ = ':';
    b->n = (size_t)(o - b->p);
    return CG_OK;
}

static int put_int_or_null(struct cg_buf *b, int v)
{
    if (v < 0)
        return cg_buf_put(b, "null", 4);
    return cg_buf_printf(b, "%d", v);
}

static int put_time(struct cg_buf *b, const struct cg_time *t)
{
    char ts[48];
    size_t tn = cg_time_format(t, ts, sizeof(ts));
    if (!tn)
        return cg_buf_put(b, "null", 4);
    if (cg_buf_reserve(b, tn + 2) != CG_OK)
        return CG_ENOMEM;
    b->p[b->n++] = '"';
    memcpy(b->p + b->n, ts, tn);
    b->n += tn;
    b->p[b->n++] = '"';
    return CG_OK;
}

/* Slow path of put_fields, for objects with a key that is not valid UTF-8: keys are
 * unique as bytes, but two that differ only in invalid bytes render alike (U+FFFD),
 * and a JSON object must not repeat a key. The first rendered key wins; later ones
 * are dropped and counted with the duplicate keys. */
static int put_fields_dedup(struct cg_buf *b, const struct cg_fields *f, size_t *bad, size_t *dup)
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

static int put_fields(struct cg_buf *b, const struct cg_fields *f, size_t *bad, size_t *dup)
{
    size_t start = b->n, kbad = 0, vbad = 0;
    int rc = cg_buf_putc(b, '{');
    for (size_t i = 0; rc == CG_OK && i < f->n; i++) {
        if (i)
            rc = cg_buf_putc(b, ',');
        if (rc == CG_OK)
            rc = cg_json_put_str(b, f->v[i].key.p, f->v[i].key.n, &kbad);
        if (rc == CG_OK)
            rc = cg_buf_putc(b, ':');
        if (rc == CG_OK)
            rc = cg_json_put_str(b, f->v[i].val.p, f->v[i].val.n, &vbad);
    }
    if (rc == CG_OK && kbad) { /* rare: start over on the slow path */
        b->n = start;
        return put_fields_dedup(b, f, bad, dup);
    }
    if (bad)
        *bad += kbad + vbad;
    return rc == CG_OK ? cg_buf_putc(b, '}') : rc;
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

static const char *syslog_kind_name(enum cg_syslog_kind k)
{
    switch (k) {
    case CG_SYSLOG_RFC3164: return "rfc3164";
    case CG_SYSLOG_RFC5424: return "rfc5424";
    case CG_SYSLOG_NONE: break;
    }
    return "none";
}

static int put_syslog(struct cg_buf *b, const struct cg_syslog *sl, size_t *bad)
{
    int rc = cg_buf_put(b, "{\"format\":\"", 11);
    rc = rc ? rc : cg_buf_puts(b, syslog_kind_name(sl->kind));
    rc = rc ? rc : cg_buf_putc(b, '"');
    rc = rc ? rc : put_key(b, "pri", false);
    rc = rc ? rc : put_int_or_null(b, sl->pri);
    rc = rc ? rc : put_key(b, "facility", false);
    rc = rc ? rc : put_int_or_null(b, sl->facility);
    rc = rc ? rc : put_key(b, "severity", false);
    rc = rc ? rc : put_int_or_null(b, sl->severity);
    rc = rc ? rc : put_key(b, "app", false);
    rc = rc ? rc : cg_json_put_strv(b, sl->app, bad);
    rc = rc ? rc : put_key(b, "procid", false);
    rc = rc ? rc : cg_json_put_strv(b, sl->procid, bad);
    if (sl->kind == CG_SYSLOG_RFC5424) {
        rc = rc ? rc : put_key(b, "msgid", false);
        rc = rc ? rc : cg_json_put_strv(b, sl->msgid, bad);
        rc = rc ? rc : put_key(b, "sd", false);
        rc = rc ? rc : put_sd(b, sl, bad);
    }
    return rc ? rc : cg_buf_putc(b, '}');
}

int cg_event_to_json(struct cg_event *ev, struct cg_buf *b, size_t *bad)
{
    if (cg_event_fields(ev) != CG_OK)
        return CG_ENOMEM;
    int rc = cg_buf_putc(b, '{');
    rc = rc ? rc : put_key(b, "time", true);
    rc = rc ? rc : put_time(b, &ev->time);
    rc = rc ? rc : put_key(b, "host", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->sl.host, bad);
    rc = rc ? rc : put_key(b, "format", false);
    rc = rc ? rc
            : cg_json_put_str(b, cg_format_name(ev->format), strlen(cg_format_name(ev->format)),
                              bad);
    if (ev->format == CG_FMT_RAW) {
        const char *r = cg_reject_name(ev->reason);
        rc = rc ? rc : put_key(b, "reason", false);
        rc = rc ? rc : cg_json_put_str(b, r, strlen(r), bad);
    }
    rc = rc ? rc : put_key(b, "format_version", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->fmt_version, bad);
    rc = rc ? rc : put_key(b, "vendor", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->vendor, bad);
    rc = rc ? rc : put_key(b, "product", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->product, bad);
    rc = rc ? rc : put_key(b, "product_version", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->product_version, bad);
    rc = rc ? rc : put_key(b, "event_id", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->event_id, bad);
    rc = rc ? rc : put_key(b, "name", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->name, bad);
    rc = rc ? rc : put_key(b, "severity", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->severity, bad);
    cg_event_subject(ev);
    rc = rc ? rc : put_key(b, "subject", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->subject, bad);
    rc = rc ? rc : put_key(b, "subject_key", false);
    rc = rc ? rc : cg_json_put_strv(b, ev->subject_key, bad);
    rc = rc ? rc : put_key(b, "fields", false);
    rc = rc ? rc : put_fields(b, &ev->fields, bad, &ev->fields.dup_dropped);
    if (ev->format == CG_FMT_RAW) {
        rc = rc ? rc : put_key(b, "message", false);
        rc = rc ? rc : cg_json_put_strv(b, ev->sl.msg.p ? ev->sl.msg : ev->line, bad);
    }
    rc = rc ? rc : put_key(b, "syslog", false);
    rc = rc ? rc : put_syslog(b, &ev->sl, bad);
    return rc ? rc : cg_buf_putc(b, '}');
}
