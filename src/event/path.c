/* path.c - rule-file references to event values (see path.h). */
#include "cefguard/path.h"

#include "cefguard/risk.h"

#include <stdio.h>
#include <stdlib.h>

/* Paths that are a whole word; the parametrised ones are handled apart. */
static const struct {
    const char *name;
    enum cg_path_kind kind;
} fixed_paths[] = {
    {"vendor", CG_P_VENDOR},
    {"product", CG_P_PRODUCT},
    {"product_version", CG_P_PRODUCT_VERSION},
    {"event_id", CG_P_EVENT_ID},
    {"name", CG_P_NAME},
    {"severity", CG_P_SEVERITY},
    {"format", CG_P_FORMAT},
    {"format_version", CG_P_FORMAT_VERSION},
    {"host", CG_P_HOST},
    {"subject", CG_P_SUBJECT},
    {"subject_key", CG_P_SUBJECT_KEY},
    {"subject_status", CG_P_SUBJECT_STATUS},
    {"reason", CG_P_REASON},
    {"message", CG_P_MESSAGE},
    {"time", CG_P_TIME},
    {"risk.class", CG_P_RISK_CLASS},
    {"risk.outcome", CG_P_RISK_OUTCOME},
    {"syslog.app", CG_P_SYSLOG_APP},
    {"syslog.procid", CG_P_SYSLOG_PROCID},
    {"syslog.msgid", CG_P_SYSLOG_MSGID},
    {"syslog.pri", CG_P_SYSLOG_PRI},
    {"syslog.facility", CG_P_SYSLOG_FACILITY},
    {"syslog.severity", CG_P_SYSLOG_SEVERITY},
};

#define FIELDS_PREFIX "fields."
#define SD_PREFIX "syslog.sd."
#define VALID_PATHS                                                                                \
    "vendor, product, product_version, event_id, name, severity, format, format_version, "         \
    "host, subject, subject_key, subject_status, reason, message, time, risk.class, "              \
    "risk.outcome, fields.<key>, syslog.app, syslog.procid, syslog.msgid, syslog.pri, "            \
    "syslog.facility, syslog.severity, syslog.sd.<SD-ID>.<param>"

/* The path text is user input quoted in messages: keep it short. */
#define QUOTE_MAX 64

/* "syslog.sd.<SD-ID>.<param>": both SD-ID and param may contain '.', but
 * enterprise numbers in SD-IDs ("origin@32473.1.2") are where dots occur in
 * practice, so the param is what follows the LAST dot. */
static int parse_sd(struct cg_path *out, struct cg_buf *err)
{
    const char *id = out->text + strlen(SD_PREFIX);
    const char *dot = strrchr(id, '.');
    if (!dot || dot == id || dot[1] == '\0') {
        cg_buf_printf(err, "bad path '%.*s': expected syslog.sd.<SD-ID>.<param>", QUOTE_MAX,
                      out->text);
        return CG_EINVAL;
    }
    out->kind = CG_P_SYSLOG_SD;
    out->sd_id = cg_str_make(id, (size_t)(dot - id));
    out->key = cg_str_make(dot + 1, strlen(dot + 1));
    return CG_OK;
}

static int parse_kind(struct cg_path *out, struct cg_buf *err)
{
    const char *s = out->text;
    for (size_t i = 0; i < CG_ARRAY_LEN(fixed_paths); i++) {
        if (strcmp(s, fixed_paths[i].name) == 0) {
            out->kind = fixed_paths[i].kind;
            return CG_OK;
        }
    }
    if (strncmp(s, FIELDS_PREFIX, strlen(FIELDS_PREFIX)) == 0) {
        const char *k = s + strlen(FIELDS_PREFIX);
        if (*k == '\0') {
            cg_buf_puts(err, "empty key in 'fields.': expected fields.<key>");
            return CG_EINVAL;
        }
        out->kind = CG_P_FIELD;
        out->key = cg_str_make(k, strlen(k));
        return CG_OK;
    }
    if (strncmp(s, SD_PREFIX, strlen(SD_PREFIX)) == 0)
        return parse_sd(out, err);
    cg_buf_printf(err, "unknown field '%.*s': expected " VALID_PATHS, QUOTE_MAX, s);
    return CG_EINVAL;
}

int cg_path_parse(const char *s, struct cg_path *out, struct cg_buf *err)
{
    memset(out, 0, sizeof(*out));
    out->text = strdup(s);
    if (!out->text)
        return CG_ENOMEM;
    int rc = parse_kind(out, err);
    if (rc != CG_OK)
        cg_path_fini(out);
    return rc;
}

void cg_path_fini(struct cg_path *p)
{
    free(p->text);
    memset(p, 0, sizeof(*p));
}

static bool view(struct cg_str v, struct cg_str *out)
{
    if (!cg_str_is_set(v))
        return false;
    *out = v;
    return true;
}

static bool number(const struct cg_event *ev, int v, struct cg_str *out,
                   struct cg_path_scratch *scratch)
{
    /* The event initialiser zeroes the header, so an event that never had a
     * syslog header (an internal one) says pri 0: kind NONE means absent. */
    if (v < 0 || ev->sl.kind == CG_SYSLOG_NONE)
        return false;
    int n = snprintf(scratch->buf, sizeof(scratch->buf), "%d", v);
    *out = cg_str_make(scratch->buf, (size_t)n);
    return true;
}

static bool zstr(const char *z, struct cg_str *out)
{
    *out = cg_str_make(z, strlen(z));
    return true;
}

static bool sd_param(const struct cg_path *p, const struct cg_syslog *sl, struct cg_str *out)
{
    for (size_t i = 0; i < sl->nsd; i++) {
        const struct cg_sd_param *sp = &sl->sd[i];
        if (cg_str_eq(sp->name, p->key) && cg_str_eq(sp->id, p->sd_id))
            return view(sp->value, out);
    }
    return false;
}

static bool message(const struct cg_event *ev, struct cg_str *out)
{
    if (view(ev->sl.msg, out))
        return true;
    return ev->format == CG_FMT_RAW && view(ev->line, out);
}

static bool event_time(const struct cg_event *ev, struct cg_str *out,
                       struct cg_path_scratch *scratch)
{
    size_t n = cg_time_format(&ev->time, scratch->buf, sizeof(scratch->buf));
    if (n == 0)
        return false;
    *out = cg_str_make(scratch->buf, n);
    return true;
}

/* risk.class / risk.outcome: computed on first read (risk.h); absent when unset. */
static bool risk(struct cg_event *ev, bool outcome, struct cg_str *out)
{
    cg_event_risk(ev);
    const char *z =
        outcome ? cg_risk_outcome_name(ev->risk_outcome) : cg_risk_class_name(ev->risk_class);
    return z && zstr(z, out);
}

static bool field(const struct cg_path *p, struct cg_event *ev, struct cg_str *out)
{
    const struct cg_str *v = cg_event_field(ev, p->key);
    if (!v)
        return false;
    /* An empty value is present; keep p non-NULL so callers can tell. */
    *out = v->p ? *v : cg_str_make("", 0);
    return true;
}

bool cg_path_get(const struct cg_path *p, struct cg_event *ev, struct cg_str *out,
                 struct cg_path_scratch *scratch)
{
    switch (p->kind) {
    case CG_P_VENDOR: return view(ev->vendor, out);
    case CG_P_PRODUCT: return view(ev->product, out);
    case CG_P_PRODUCT_VERSION: return view(ev->product_version, out);
    case CG_P_EVENT_ID: return view(ev->event_id, out);
    case CG_P_NAME: return view(ev->name, out);
    case CG_P_SEVERITY: return view(ev->severity, out);
    case CG_P_FORMAT: return zstr(cg_format_name(ev->format), out);
    case CG_P_FORMAT_VERSION: return view(ev->fmt_version, out);
    case CG_P_HOST: return view(ev->sl.host, out);
    case CG_P_SUBJECT: cg_event_subject(ev); return view(ev->subject, out);
    case CG_P_SUBJECT_KEY: cg_event_subject(ev); return view(ev->subject_key, out);
    case CG_P_SUBJECT_STATUS:
        cg_event_subject(ev);
        return zstr(cg_subject_status_name(ev->subject_status), out);
    case CG_P_REASON: return ev->format == CG_FMT_RAW && zstr(cg_reject_name(ev->reason), out);
    case CG_P_MESSAGE: return message(ev, out);
    case CG_P_TIME: return event_time(ev, out, scratch);
    case CG_P_FIELD: return field(p, ev, out);
    case CG_P_RISK_CLASS: return risk(ev, false, out);
    case CG_P_RISK_OUTCOME: return risk(ev, true, out);
    case CG_P_SYSLOG_APP: return view(ev->sl.app, out);
    case CG_P_SYSLOG_PROCID: return view(ev->sl.procid, out);
    case CG_P_SYSLOG_MSGID: return view(ev->sl.msgid, out);
    case CG_P_SYSLOG_PRI: return number(ev, ev->sl.pri, out, scratch);
    case CG_P_SYSLOG_FACILITY: return number(ev, ev->sl.facility, out, scratch);
    case CG_P_SYSLOG_SEVERITY: return number(ev, ev->sl.severity, out, scratch);
    case CG_P_SYSLOG_SD: return sd_param(p, &ev->sl, out);
    }
    return false;
}
