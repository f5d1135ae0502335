/* forward_fmt.c - an alert as an RFC 5424 or CEF syslog message (see sink_forward.h).
 *
 * Every value of an alert is untrusted text (rule files, and the key values and subjects
 * that came off the wire), so each goes through one writer per context (put_text and
 * its modes) that knows the context's escapes, makes control bytes harmless and replaces
 * invalid UTF-8 with U+FFFD: the output is valid UTF-8 whatever went in.
 */
#include "forward_int.h"

#include "cefguard/alert.h"
#include "cefguard/hostaddr.h"
#include "cefguard/textutil.h"
#include "cefguard/timeutil.h"

#ifndef CG_VERSION
#define CG_VERSION "0"
#endif

/* Where a text goes: which bytes it escapes and how it writes control bytes. */
enum text_mode {
    TEXT_SD,       /* RFC 5424 PARAM-VALUE: \" \\ \], control bytes \xNN */
    TEXT_MSG,      /* RFC 5424 MSG: control bytes \xNN */
    TEXT_CEF_HEAD, /* CEF header field: \| \\, control bytes as spaces */
    TEXT_CEF_EXT,  /* CEF extension value: \\ \=, \n \r, other control bytes as spaces */
};

void cg_forward_fmt_name(char *out, size_t cap, const char *z)
{
    size_t i = 0;
    for (; z && z[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)z[i];
        out[i] = c >= 33 && c <= 126 ? (char)c : '_';
    }
    if (i == 0 && cap >= 2)
        out[i++] = '-';
    out[i] = '\0';
}

bool cg_forward_fmt_facility(const char *z, unsigned *out)
{
    static const char *const names[] = {
        "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
        "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
        "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7"};
    if (!z)
        return false;
    for (unsigned i = 0; i < CG_ARRAY_LEN(names); i++) {
        if (strcmp(z, names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    unsigned v = 0;
    size_t i = 0;
    for (; z[i] >= '0' && z[i] <= '9' && i < 2; i++)
        v = v * 10 + (unsigned)(z[i] - '0');
    if (i == 0 || z[i] || v > 23 || (z[0] == '0' && i > 1))
        return false;
    *out = v;
    return true;
}

/* The rule's severity (rules.h: info|low|medium|high|critical) as a syslog severity
 * (RFC 5424 table 2) and as a CEF severity (0..10). */
static unsigned severity_syslog(const char *sev)
{
    static const struct {
        const char *name;
        unsigned syslog, cef;
    } map[] = {
        {"critical", 2, 10}, {"high", 3, 8}, {"medium", 4, 5}, {"low", 5, 3}, {"info", 6, 1}};
    for (size_t i = 0; sev && i < CG_ARRAY_LEN(map); i++)
        if (strcmp(sev, map[i].name) == 0)
            return map[i].syslog | map[i].cef << 8;
    return 5 | 5u << 8;
}

/* The length of the valid UTF-8 sequence at p (n > 0 bytes left), or 0: an invalid byte
 * (bad lead or continuation, overlong, surrogate, above U+10FFFF, truncated). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xc2 && c <= 0xdf ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (len <= 1 || len > n)
        return len > n ? 0 : len;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] > 0x8f))
        return 0;
    return len;
}

/* The escape of an ASCII byte c in mode m: the second byte of a backslash pair, ' ' (a
 * control byte that becomes a space), 'x' (one written \xNN), or 0 (c stays as it is). */
static char text_escape(enum text_mode m, unsigned char c)
{
    bool ctl = c < 0x20 || c == 0x7f;
    switch (m) {
    case TEXT_SD:
        if (c == '"' || c == '\\' || c == ']')
            return (char)c;
        return ctl ? 'x' : 0;
    case TEXT_MSG: return ctl ? 'x' : 0;
    case TEXT_CEF_HEAD:
        if (c == '|' || c == '\\')
            return (char)c;
        return ctl ? ' ' : 0;
    case TEXT_CEF_EXT:
        if (c == '=' || c == '\\')
            return (char)c;
        if (c == '\n' || c == '\r')
            return c == '\n' ? 'n' : 'r';
        return ctl ? ' ' : 0;
    }
    return 0;
}

/* Appends p[0..n) as mode m writes it. */
static int put_text(struct cg_buf *b, struct cg_str s, enum text_mode m)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.p;
    if (cg_buf_reserve(b, s.n * 4) != CG_OK) /* at most 4 bytes for one (\xNN, U+FFFD 3) */
        return CG_ENOMEM;
    char *o = b->p + b->n;
    for (size_t i = 0; i < s.n;) {
        size_t len = utf8_len(p + i, s.n - i);
        if (len == 0) { /* an invalid byte: U+FFFD */
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        char e = len == 1 ? text_escape(m, p[i]) : 0;
        if (e == ' ') {
            *o++ = ' ';
        } else if (e == 'x') {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[p[i] >> 4];
            *o++ = hex[p[i] & 15];
        } else if (e) {
            *o++ = '\\';
            *o++ = e;
        } else {
            memcpy(o, p + i, len);
            o += len;
        }
        i += len;
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}

static int put_textz(struct cg_buf *b, const char *z, enum text_mode m)
{
    return put_text(b, cg_str_make(z ? z : "", z ? strlen(z) : 0), m);
}

/* The alert's stable id as alert.h writes it (32 lowercase hex digits) into hex, or unset
 * when the alert has none (all zero: an alert the engine did not make). */
static struct cg_str alert_id(const struct cg_alert *a, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t any = 0;
    for (size_t i = 0; i < sizeof(a->id); i++) {
        any |= a->id[i];
        hex[2 * i] = digits[a->id[i] >> 4];
        hex[2 * i + 1] = digits[a->id[i] & 15];
    }
    hex[2 * sizeof(a->id)] = '\0';
    return any ? cg_str_make(hex, 2 * sizeof(a->id)) : CG_STR_NULL;
}

/* The machine the alert is about: the requested target, else the first key value, else
 * the last triggering event's subject; unset when there is none. */
static struct cg_str alert_subject(const struct cg_alert *a)
{
    struct cg_str t;
    if (a->response.status == CG_RESP_REQUESTED && cg_target_value(&a->response.target, &t))
        return t;
    if (a->nkey && a->key[0].p)
        return a->key[0];
    const struct cg_event *ev = a->nevents ? a->events[a->nevents - 1] : NULL;
    if (ev && ev->subject_done && ev->subject.p)
        return ev->subject;
    return CG_STR_NULL;
}

/* "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID " */
static int put_header(struct cg_buf *b, const struct cg_forward_fmt *f, const struct cg_alert *a)
{
    unsigned pri = f->facility * 8 + (severity_syslog(a->rule->severity) & 0xff);
    struct cg_time t = {0};
    t.sec = a->time_us >= 0 ? a->time_us / 1000000 : -((-a->time_us + 999999) / 1000000);
    t.usec = (int32_t)(a->time_us - t.sec * 1000000);
    t.off_min = a->off_min;
    t.frac_digits = t.usec ? 6 : 0;
    t.flags = CG_TIME_SET;
    char ts[48];
    size_t tn = cg_time_format(&t, ts, sizeof(ts));
    if (!tn)
        ts[tn++] = '-';
    ts[tn] = '\0';
    char msgid[FWD_MSGID_MAX + 1];
    cg_forward_fmt_name(msgid, sizeof(msgid), a->rule->id);
    return cg_buf_printf(b, "<%u>1 %s %s %s %s %s ", pri, ts, f->hostname, f->app_name, f->procid,
                         msgid);
}

static int put_param(struct cg_buf *b, const char *name, struct cg_str v)
{
    if (!v.p)
        return CG_OK;
    int rc = cg_buf_printf(b, " %s=\"", name);
    rc = rc ? rc : put_text(b, v, TEXT_SD);
    return rc ? rc : cg_buf_putc(b, '"');
}

static struct cg_str strz(const char *z)
{
    return z ? cg_str_make(z, strlen(z)) : CG_STR_NULL;
}

/* [cefguard@32473 rule="" kind="" severity="" id="" subject=""] (32473: the example
 * enterprise number of RFC 5612, until cefguard has its own). */
static int put_sd(struct cg_buf *b, const struct cg_alert *a)
{
    int rc = cg_buf_puts(b, "[cefguard@32473");
    rc = rc ? rc : put_param(b, "rule", strz(a->rule->id));
    rc = rc ? rc : put_param(b, "kind", strz(cg_alert_kind_name(a->kind)));
    rc = rc ? rc : put_param(b, "severity", strz(a->rule->severity));
    char hex[33];
    rc = rc ? rc : put_param(b, "id", alert_id(a, hex));
    rc = rc ? rc : put_param(b, "subject", alert_subject(a));
    return rc ? rc : cg_buf_putc(b, ']');
}

static int put_ext(struct cg_buf *b, const char *key, struct cg_str v)
{
    int rc = cg_buf_printf(b, " %s=", key);
    return rc ? rc : put_text(b, v, TEXT_CEF_EXT);
}

/* CEF:0|cefguard|cefguard|VERSION|RULE|SUMMARY|SEVERITY|rt=.. cnt=.. cs1Label=rule ... */
static int put_cef(struct cg_buf *b, const struct cg_alert *a)
{
    int rc = cg_buf_puts(b, "CEF:0|cefguard|cefguard|");
    rc = rc ? rc : put_textz(b, CG_VERSION, TEXT_CEF_HEAD);
    rc = rc ? rc : cg_buf_putc(b, '|');
    rc = rc ? rc : put_textz(b, a->rule->id, TEXT_CEF_HEAD);
    rc = rc ? rc : cg_buf_putc(b, '|');
    rc = rc ? rc : put_text(b, a->summary, TEXT_CEF_HEAD);
    int64_t ms = a->time_us >= 0 ? a->time_us / 1000 : -((-a->time_us + 999) / 1000);
    rc = rc ? rc
            : cg_buf_printf(b, "|%u|rt=%lld cnt=%llu cs1Label=rule",
                            severity_syslog(a->rule->severity) >> 8, (long long)ms,
                            (unsigned long long)a->count);
    rc = rc ? rc : put_ext(b, "cs1", strz(a->rule->id));
    rc = rc ? rc : cg_buf_puts(b, " cs2Label=kind");
    rc = rc ? rc : put_ext(b, "cs2", strz(cg_alert_kind_name(a->kind)));
    char hex[33];
    struct cg_str id = alert_id(a, hex), sub = alert_subject(a);
    if (id.p)
        rc = rc ? rc : put_ext(b, "externalId", id);
    if (sub.p && cg_hostaddr_check(sub) != CG_HOSTADDR_NONE)
        rc = rc ? rc : put_ext(b, "dhost", sub);
    else if (sub.p) {
        rc = rc ? rc : cg_buf_puts(b, " cs3Label=subject");
        rc = rc ? rc : put_ext(b, "cs3", sub);
    }
    return rc;
}

/* Cuts b to max bytes, the first hlen of which stay: back to a UTF-8 character boundary,
 * and off an escape's lone backslash. */
static void cut_msg(struct cg_buf *b, size_t hlen, size_t max)
{
    size_t n = max;
    while (n > hlen && ((unsigned char)b->p[n] & 0xc0) == 0x80)
        n--;
    size_t bs = 0;
    while (n - bs > hlen && b->p[n - bs - 1] == '\\')
        bs++;
    b->n = n - (bs & 1);
}

int cg_forward_format(const struct cg_forward_fmt *f, const struct cg_alert *a, struct cg_buf *out,
                      bool *cut)
{
    cg_buf_clear(out);
    *cut = false;
    int rc = put_header(out, f, a);
    if (rc == CG_OK)
        rc = f->format == FWD_CEF ? cg_buf_puts(out, "- ") : put_sd(out, a);
    size_t hlen = out->n;
    if (rc != CG_OK)
        return rc;
    if (f->format == FWD_CEF) {
        rc = put_cef(out, a);
    } else if (f->json || a->summary.n) {
        rc = cg_buf_putc(out, ' ');
        if (rc == CG_OK)
            rc = f->json ? cg_alert_to_json(a, out) : put_text(out, a->summary, TEXT_MSG);
    }
    if (rc != CG_OK)
        return rc;
    if (hlen > f->max_message)
        return CG_ELIMIT;
    if (out->n > f->max_message) {
        cut_msg(out, hlen, f->max_message);
        *cut = true;
    }
    return CG_OK;
}
