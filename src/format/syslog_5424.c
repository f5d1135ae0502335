/*
 * syslog_5424.c - the RFC 5424 header and its STRUCTURED-DATA (see syslog.h,
 * syslog_int.h).
 *
 * Policies where the RFC leaves a choice:
 *
 * Header   A line with "<PRI>VERSION SP" whose header is malformed (bad timestamp,
 *          a field longer than the RFC limit - HOSTNAME 255, APP-NAME 48, PROCID 128,
 *          MSGID 32 - a byte outside PRINTUSASCII, no SD) is decoded again as RFC 3164
 *          from after the PRI, which normally ends in the PRI-only form (syslog.c): no
 *          header byte is lost and nothing half-parsed is reported.
 * SD       Malformed STRUCTURED-DATA (also: SD not followed by SP or the end) keeps
 *          kind RFC5424 and the header fields, with no sd and msg = the rest of the
 *          line from the SD start. SD-NAMEs are 1..32 bytes as in the RFC; inside a
 *          PARAM-VALUE an unescaped ']' is tolerated. At most SD_PARAMS_MAX params
 *          (an SD-ID without params counts as one) are recorded per line; the rest is
 *          still parsed (and validated) but dropped, and counted in nsd_dropped (the
 *          pipeline's drop.sd_params). If the arena cannot grow, params are dropped
 *          (and counted) and an escaped value keeps its raw (still escaped) bytes.
 */
#include "syslog_int.h"

#define APP_MAX 48
#define MSGID_MAX 32
#define SD_NAME_MAX 32
#define SD_PARAMS_MAX 256

/* One header field: 1..max PRINTUSASCII bytes then SP; "-" leaves out unset. */
static inline bool take_field(const char *p, size_t n, size_t *i, size_t max, struct cg_str *out)
{
    size_t s = *i, j = s + sl_run(p + s, n - s, n - s > max ? max : n - s, SL_RUN_PRINT, NULL);
    if (j == s || j >= n || p[j] != ' ')
        return false;
    if (!(j - s == 1 && p[s] == '-'))
        *out = cg_str_make(p + s, j - s);
    *i = j + 1;
    return true;
}

struct sd_vec {
    struct cg_sd_param *v;
    size_t n, cap;
    size_t dropped; /* params not recorded */
    struct cg_arena *a;
};

static void sd_push(struct sd_vec *sd, struct cg_str id, struct cg_str name, struct cg_str value)
{
    if (sd->n >= SD_PARAMS_MAX || !sd->a) {
        sd->dropped++;
        return;
    }
    if (sd->n == sd->cap) {
        /* In the arena, like the values it points to, so not vec.h (realloc): doubling
         * there wastes at most the old copies, bounded by 2x. */
        size_t cap = sd->cap ? sd->cap * 2 : 8;
        cap = cap > SD_PARAMS_MAX ? SD_PARAMS_MAX : cap;
        struct cg_sd_param *nv = cg_arena_alloc(sd->a, cap * sizeof(*nv));
        if (!nv) {
            sd->dropped++;
            return;
        }
        if (sd->n)
            memcpy(nv, sd->v, sd->n * sizeof(*nv));
        sd->v = nv;
        sd->cap = cap;
    }
    sd->v[sd->n].id = id;
    sd->v[sd->n].name = name;
    sd->v[sd->n].value = value;
    sd->n++;
}

/* SD-NAME bytes: PRINTUSASCII except '=' ']' '"' (and SP); 128..255 are 0. */
static const unsigned char sd_name_ok[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

/* SD-NAME: 1..32 PRINTUSASCII except '=' SP ']' '"'. */
static bool sd_name(const char *p, size_t n, size_t *i, struct cg_str *out)
{
    size_t s = *i, j = s + sl_run(p + s, n - s, n - s > SD_NAME_MAX + 1 ? SD_NAME_MAX + 1 : n - s,
                                  SL_RUN_SD_NAME, sd_name_ok);
    if (j == s || j - s > SD_NAME_MAX)
        return false;
    *out = cg_str_make(p + s, j - s);
    *i = j;
    return true;
}

/* Copies [s, e) into the arena, unescaping \" \\ \]; other backslashes stay. */
static struct cg_str sd_unescape(const char *s, const char *e, struct cg_arena *a)
{
    char *d = a ? cg_arena_alloc(a, (size_t)(e - s)) : NULL;
    if (!d)
        return cg_str_make(s, (size_t)(e - s));
    size_t m = 0;
    while (s < e) {
        if (s[0] == '\\' && s + 1 < e && (s[1] == '"' || s[1] == '\\' || s[1] == ']'))
            s++;
        d[m++] = *s++;
    }
    return cg_str_make(d, m);
}

/* PARAM-VALUE after the opening '"': up to the unescaped closing '"'. */
static bool sd_value(const char *p, size_t n, size_t *i, bool keep, struct cg_arena *a,
                     struct cg_str *out)
{
    size_t s = *i, j = s;
    bool esc = false;
    while ((j += sl_run(p + j, n - j, n - j, SL_RUN_SD_VALUE, NULL)) < n && p[j] == '\\') {
        esc = true;
        j += 2; /* the escaped byte, whatever it is, cannot close the value */
        if (j >= n)
            return false;
    }
    if (j >= n)
        return false;
    if (keep)
        *out = esc ? sd_unescape(p + s, p + j, a) : cg_str_make(p + s, j - s);
    *i = j + 1;
    return true;
}

/* One "[SD-ID *(SP PARAM-NAME="VALUE")]" at p[*i] == '['. */
static bool sd_element(const char *p, size_t n, size_t *i, struct sd_vec *sd)
{
    size_t j = *i + 1;
    struct cg_str id, name, value = CG_STR_NULL;
    bool any = false;
    if (!sd_name(p, n, &j, &id))
        return false;
    while (j < n && p[j] == ' ') {
        j++;
        if (!sd_name(p, n, &j, &name) || j + 1 >= n || p[j] != '=' || p[j + 1] != '"')
            return false;
        j += 2;
        bool keep = sd->n < SD_PARAMS_MAX;
        if (!sd_value(p, n, &j, keep, sd->a, &value))
            return false;
        if (keep)
            sd_push(sd, id, name, value);
        else
            sd->dropped++;
        any = true;
    }
    if (j >= n || p[j] != ']')
        return false;
    if (!any)
        sd_push(sd, id, CG_STR_NULL, CG_STR_NULL);
    *i = j + 1;
    return true;
}

/* STRUCTURED-DATA and the optional SP [BOM]MSG after it. */
static void decode_5424_tail(const char *p, size_t n, size_t i, struct cg_syslog *out,
                             struct cg_arena *a)
{
    size_t start = i;
    struct sd_vec sd = {NULL, 0, 0, 0, a};
    bool ok = i < n && (p[i] == '-' || p[i] == '[');
    if (ok && p[i] == '-')
        i++;
    else
        while (ok && i < n && p[i] == '[')
            ok = sd_element(p, n, &i, &sd);
    if (!ok || (i < n && p[i] != ' ')) {
        out->msg = cg_str_make(p + start, n - start);
        return;
    }
    out->sd = sd.n ? sd.v : NULL;
    out->nsd = sd.n;
    out->nsd_dropped = sd.dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)sd.dropped;
    if (i < n)
        i++;
    if (n - i >= 3 && p[i] == '\xEF' && p[i + 1] == '\xBB' && p[i + 2] == '\xBF') {
        out->bom = true;
        i += 3;
    }
    out->msg = cg_str_make(p + i, n - i);
}
/* RFC 5424 after the PRI (see syslog_int.h). */
bool cg_syslog_decode_5424(struct cg_syslog_ctx *c, const char *p, size_t n, size_t i,
                           struct cg_syslog *out, struct cg_arena *a)
{
    int ver = p[i++] - '0';
    if (i < n && sl_is_digit(p[i]))
        ver = ver * 10 + (p[i++] - '0');
    if (i >= n || p[i] != ' ')
        return false;
    i++;
    struct cg_time t = {0};
    if (i < n && p[i] == '-') {
        i++;
    } else {
        size_t k = cg_time_parse_rfc3339_cached(p + i, n - i, &t, &c->tcache);
        if (!k)
            return false;
        i += k;
    }
    struct cg_str host = CG_STR_NULL, app = CG_STR_NULL, procid = CG_STR_NULL;
    struct cg_str msgid = CG_STR_NULL;
    if (i >= n || p[i] != ' ')
        return false;
    i++;
    if (!take_field(p, n, &i, SL_HOST_MAX, &host) || !take_field(p, n, &i, APP_MAX, &app) ||
        !take_field(p, n, &i, SL_PROCID_MAX, &procid) || !take_field(p, n, &i, MSGID_MAX, &msgid))
        return false;
    out->kind = CG_SYSLOG_RFC5424;
    out->version = ver;
    out->time = t;
    out->host = host;
    out->app = app;
    out->procid = procid;
    out->msgid = msgid;
    decode_5424_tail(p, n, i, out, a);
    return true;
}
