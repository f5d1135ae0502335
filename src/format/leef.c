/*
 * leef.c - native IBM LEEF 1.0 / 2.0 decoder (rules in leef.h).
 *
 * LEEF has no escapes, so every view points into the input and the arena is
 * never used. Nothing is read at or past n.
 *
 * Policies where the LEEF guide is silent:
 *   - Version: digits with an optional ".digits" ("1.0", "2.0", also "2");
 *     anything else is leef_bad_version. Only a major version >= 2 has the
 *     delimiter field.
 *   - Telling the optional LEEF 2.0 delimiter field from the attributes: the
 *     segment after the event ID is the delimiter field when a '|' ends it, it
 *     holds no '=' (or is the single byte "="), and it is at most 6 bytes long
 *     ("0x" + 4 hex digits, the longest spelling the guide allows). An empty
 *     field ("||") means "not given": tab. Otherwise the attributes start
 *     right after the event ID (DS omits the field).
 *   - A delimiter field that is not one character and not hex ("0x"/"x" and
 *     1-4 hex digits) is leef_bad_delimiter, as are NUL, '=' (it would split
 *     keys from values) and anything above 0x7f (not one byte in UTF-8).
 *   - Every header field up to the event ID must end with '|' (the format
 *     writes "EventID|" even without attributes): "...|EventID" ending the
 *     input is leef_truncated, as a line cut inside the event ID would be.
 *     Trailing CR/LF is not part of the attributes (unless it is the delimiter).
 *   - An attribute of only whitespace counts as empty (skipped, not junk); an
 *     attribute whose key is empty after trimming is junk like one without '='.
 */
#include "cefguard/leef.h"
#include "cefguard/textutil.h"

#define LEEF_DELIM_MAX_LEN 6 /* "0x" + 4 hex digits */

/* Version 2 and later carry the optional delimiter field: is the major version
 * (the digits before '.', leading zeros aside) at least 2? */
static bool has_delim_field(struct cg_str v)
{
    size_t i = 0;
    while (i < v.n && v.p[i] == '0')
        i++;
    size_t d = i;
    while (d < v.n && v.p[d] >= '0' && v.p[d] <= '9')
        d++;
    return d - i > 1 || (d - i == 1 && v.p[i] >= '2');
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses a delimiter spec: one character, or "0x"/"x" + 1-4 hex digits.
 * Returns the delimiter byte, or -1 when the spec is unusable. */
static int parse_delim(const char *p, size_t n)
{
    unsigned v;
    if (n == 1) {
        v = (unsigned char)p[0];
    } else {
        size_t i = 0;
        if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            i = 2;
        else if (p[0] == 'x' || p[0] == 'X')
            i = 1;
        else
            return -1;
        if (n - i < 1 || n - i > 4)
            return -1;
        v = 0;
        for (; i < n; i++) {
            int d = cg_hex_digit(p[i]);
            if (d < 0)
                return -1;
            v = v * 16 + (unsigned)d;
        }
    }
    if (v == 0 || v == '=' || v > 0x7f)
        return -1;
    return (int)v;
}

/* LEEF 2.0: looks at the segment starting at *pos for the optional delimiter
 * field (see the policy above) and moves *pos past it when present. */
static enum cg_reject read_delim_field(const char *p, size_t n, size_t *pos, char *delim)
{
    size_t s = *pos, lim = n - s > LEEF_DELIM_MAX_LEN ? s + LEEF_DELIM_MAX_LEN + 1 : n;
    const char *bar = s < lim ? memchr(p + s, '|', lim - s) : NULL;
    if (!bar)
        return CG_REJ_NONE; /* no '|' close enough: attributes follow directly */
    size_t e = (size_t)(bar - p), len = e - s;
    if (len > 1 && memchr(p + s, '=', len))
        return CG_REJ_NONE; /* "k=v|..." is an attribute holding a '|' */
    *pos = e + 1;
    if (len == 0)
        return CG_REJ_NONE; /* "||": not given, tab */
    int d = parse_delim(p + s, len);
    if (d < 0)
        return CG_REJ_LEEF_BAD_DELIM;
    *delim = (char)d;
    return CG_REJ_NONE;
}

/* Reads a header field (no escapes in LEEF) and moves *pos past its '|'.
 * Returns false when no '|' ends it. */
static bool header_field(const char *p, size_t n, size_t *pos, struct cg_str *out)
{
    size_t s = *pos;
    const char *bar = s < n ? memchr(p + s, '|', n - s) : NULL;
    size_t e = bar ? (size_t)(bar - p) : n;
    *out = cg_str_make(p + s, e - s);
    *pos = bar ? e + 1 : n;
    return bar != NULL;
}

enum cg_reject cg_leef_decode_header(const char *p, size_t n, struct cg_leef *out,
                                     struct cg_arena *a)
{
    (void)a; /* LEEF has no escapes: nothing is ever rewritten */
    memset(out, 0, sizeof(*out));
    out->delim = '\t';
    if (n == 0)
        return CG_REJ_LEEF_BAD_VERSION; /* also keeps p == NULL out of any arithmetic */
    size_t pos = 0;
    while (pos < n && p[pos] == ' ')
        pos++; /* "LEEF: 2.0|..." as syslog files write it */
    bool more = header_field(p, n, &pos, &out->version);
    if (!cg_is_version(out->version.p, out->version.n))
        return CG_REJ_LEEF_BAD_VERSION;
    if (!more)
        return CG_REJ_LEEF_TRUNCATED;

    struct cg_str *fields[] = {&out->vendor, &out->product, &out->product_version, &out->event_id};
    for (size_t i = 0; i < CG_ARRAY_LEN(fields); i++)
        if (!header_field(p, n, &pos, fields[i]))
            return CG_REJ_LEEF_TRUNCATED;

    if (has_delim_field(out->version)) {
        enum cg_reject r = read_delim_field(p, n, &pos, &out->delim);
        if (r != CG_REJ_NONE)
            return r;
    }
    size_t end = n;
    if (out->delim != '\r' && out->delim != '\n')
        while (end > pos && (p[end - 1] == '\r' || p[end - 1] == '\n'))
            end--;
    out->attrs = cg_str_make(p + pos, end - pos);
    return CG_REJ_NONE;
}

/* Adds one attribute p[s..e) unless it is empty; flags one without a key. */
static int add_attr(const char *p, size_t s, size_t e, struct cg_fields *f,
                    struct cg_fields_filter *flt, unsigned *flags)
{
    size_t ks = s;
    while (ks < e && is_ws(p[ks]))
        ks++;
    if (ks == e)
        return CG_OK; /* empty or only whitespace */
    const char *eq = memchr(p + ks, '=', e - ks);
    if (!eq) {
        *flags |= CG_LEEF_JUNK;
        return CG_OK;
    }
    size_t ke = (size_t)(eq - p);
    while (ke > ks && is_ws(p[ke - 1]))
        ke--;
    if (ke == ks) {
        *flags |= CG_LEEF_JUNK; /* "=value": no key */
        return CG_OK;
    }
    size_t vs = (size_t)(eq - p) + 1;
    return cg_fields_add_filtered(f, flt, cg_str_make(p + ks, ke - ks),
                                  cg_str_make(p + vs, e - vs));
}

int cg_leef_decode_attrs(struct cg_str attrs, char delim, struct cg_fields *f, struct cg_arena *a,
                         unsigned *flags)
{
    (void)a;
    const char *p = attrs.p;
    size_t n = attrs.n, i = 0;
    unsigned fl = 0;
    int rc = CG_OK;
    struct cg_fields_filter flt; /* LEEF lines carry tens of attributes */
    cg_fields_filter_init(&flt, f);
    if (delim != '\r' && delim != '\n')
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n'))
            n--;
    while (i < n && rc == CG_OK) {
        const char *d = memchr(p + i, delim, n - i);
        size_t e = d ? (size_t)(d - p) : n;
        rc = add_attr(p, i, e, f, &flt, &fl);
        i = e + 1;
    }
    if (flags)
        *flags |= fl;
    return rc;
}
