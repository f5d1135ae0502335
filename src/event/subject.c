/*
 * subject.c - the machine an event is about (event.h, README.md "The machine an event is
 * about").
 *
 * One table, one row per vendor and event type: which fields name the machine, in order.
 * The first row whose format, product or vendor, and event id match decides; the first
 * of its fields that holds a valid host name or address (hostaddr.h) is the subject. The
 * rows are the products' own documentation (see the README table for the sources):
 *   - Deep Security agent events, also relayed by the manager: dvchost, dvc. Never the
 *     syslog host, which for relayed events is the manager.
 *   - Deep Security / Workload Security Manager system events: `target`, free text such
 *     as "DSA-test" or "web-app-01 (192.168.1.61)" (the name, else the address in the
 *     parentheses). User events (6xx, e.g. 600 User Signed In) have a user name there,
 *     and target=System (190 Alert Started) is the manager itself: both are about the
 *     manager, the sender.
 *   - Apex Central / Apex One, by log type (event id prefix): virus/malware AV: dhost,
 *     dst; C&C callback CnC: and suspicious connection NCIE: shost, src - never dst, the
 *     remote server; pattern/engine status 800101/800102: shost; other log types dhost,
 *     dst (the endpoint in their detection logs), never dvchost, the Apex One server.
 *   - SEPM, ePO and OfficeScan rulebases: their computer-name field, else the IP address
 *     (ePO: TargetHostName naming another machine makes the subject ambiguous).
 *   - other CEF/LEEF: dvchost, dvc; other rulebases: their "subject" field.
 * No field: the syslog host, status fallback (the sender, which only says who sent it).
 *
 * Cost: nothing until a rule, a key or the output reads the subject (cg_event_subject is
 * lazy); then one header comparison per row up to the match, a field lookup per key and
 * a validation of at most 253 bytes.
 */
#include "cefguard/event.h"

#include "cefguard/hostaddr.h"

enum {
    F_CEF = 1 << CG_FMT_CEF | 1 << CG_FMT_LEEF,
    F_LOGNORM = 1 << CG_FMT_LOGNORM,
};

enum {
    R_DSM_TARGET = 1 << 0, /* keys[0] is DSM free text "name (address)" */
    R_EPO_TARGET = 1 << 1, /* target_host_name naming another machine: ambiguous */
};

struct subject_row {
    unsigned formats;    /* 1 << enum cg_format */
    const char *vendor;  /* NULL: any */
    size_t vlen;         /* strlen(vendor): the rows are scanned for every event */
    const char *product; /* NULL: any */
    size_t plen;
    const char *id_prefix; /* NULL: any event id */
    size_t id_len;         /* 0: any length; else the event id has exactly this length */
    unsigned flags;        /* R_* */
    struct cg_str keys[4]; /* fields that name the machine, in order (ended by an unset one) */
};

/* A key of a row, its length known; S(z): a vendor or product and its length. */
#define K(z)                                                                                       \
    {                                                                                              \
        (z), sizeof(z) - 1                                                                         \
    }
#define S(z) (z), sizeof(z) - 1
#define DS_AGENT "Deep Security Agent"
#define DSM "Deep Security Manager"
#define WSM "Workload Security Manager"
#define APEXC "Apex Central"
#define APEX1 "Apex One"

static const struct subject_row rows[] = {
    {F_CEF, NULL, 0, S(DS_AGENT), NULL, 0, 0, {K("dvchost"), K("dvc")}},
    {F_CEF, NULL, 0, S(DSM), "6", 3, 0, {{NULL, 0}}},
    {F_CEF, NULL, 0, S(WSM), "6", 3, 0, {{NULL, 0}}},
    {F_CEF, NULL, 0, S(DSM), NULL, 0, R_DSM_TARGET, {K("target")}},
    {F_CEF, NULL, 0, S(WSM), NULL, 0, R_DSM_TARGET, {K("target")}},
    {F_CEF, NULL, 0, S(APEXC), "AV:", 0, 0, {K("dhost"), K("dst")}},
    {F_CEF, NULL, 0, S(APEX1), "AV:", 0, 0, {K("dhost"), K("dst")}},
    {F_CEF, NULL, 0, S(APEXC), "CnC:", 0, 0, {K("shost"), K("src")}},
    {F_CEF, NULL, 0, S(APEX1), "CnC:", 0, 0, {K("shost"), K("src")}},
    {F_CEF, NULL, 0, S(APEXC), "NCIE:", 0, 0, {K("shost"), K("src")}},
    {F_CEF, NULL, 0, S(APEX1), "NCIE:", 0, 0, {K("shost"), K("src")}},
    {F_CEF, NULL, 0, S(APEXC), "800101", 6, 0, {K("shost")}},
    {F_CEF, NULL, 0, S(APEX1), "800101", 6, 0, {K("shost")}},
    {F_CEF, NULL, 0, S(APEXC), "800102", 6, 0, {K("shost")}},
    {F_CEF, NULL, 0, S(APEX1), "800102", 6, 0, {K("shost")}},
    {F_CEF, NULL, 0, S(APEXC), NULL, 0, 0, {K("dhost"), K("dst")}},
    {F_CEF, NULL, 0, S(APEX1), NULL, 0, 0, {K("dhost"), K("dst")}},
    {F_CEF, NULL, 0, NULL, 0, NULL, 0, 0, {K("dvchost"), K("dvc")}},
    {F_LOGNORM,
     S("Symantec"),
     NULL,
     0,
     NULL,
     0,
     0,
     {K("computer_name"), K("ip_address"), K("subject")}},
    {F_LOGNORM,
     S("McAfee"),
     NULL,
     0,
     NULL,
     0,
     R_EPO_TARGET,
     {K("machine_name"), K("ip_address"), K("subject")}},
    {F_LOGNORM,
     S("Trend Micro"),
     NULL,
     0,
     NULL,
     0,
     0,
     {K("computer_name"), K("ip_address"), K("subject")}},
    {F_LOGNORM, NULL, 0, NULL, 0, NULL, 0, 0, {K("subject")}},
};

const char *cg_subject_status_name(enum cg_subject_status s)
{
    switch (s) {
    case CG_SUBJ_OK: return "ok";
    case CG_SUBJ_FALLBACK: return "fallback";
    case CG_SUBJ_MISSING: return "missing";
    case CG_SUBJ_INVALID: return "invalid";
    case CG_SUBJ_AMBIGUOUS: return "ambiguous";
    case CG_SUBJ_MAX: break;
    }
    return "missing";
}

static bool opt_eq(struct cg_str v, const char *z, size_t n)
{
    return !z || (v.n == n && memcmp(v.p, z, n) == 0);
}

static bool row_matches(const struct subject_row *r, const struct cg_event *ev)
{
    if (!(r->formats & 1u << ev->format) || !opt_eq(ev->vendor, r->vendor, r->vlen) ||
        !opt_eq(ev->product, r->product, r->plen))
        return false;
    if (r->id_len && ev->event_id.n != r->id_len)
        return false;
    return !r->id_prefix || cg_str_has_prefix(ev->event_id, r->id_prefix);
}

static const struct subject_row *row_of(const struct cg_event *ev)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(rows); i++)
        if (row_matches(&rows[i], ev))
            return &rows[i];
    return NULL;
}

static const struct cg_str *field_s(struct cg_event *ev, struct cg_str key)
{
    const struct cg_str *v = cg_event_field(ev, key);
    return v && v->n ? v : NULL;
}

static const struct cg_str *field_z(struct cg_event *ev, const char *key)
{
    return field_s(ev, cg_str_make(key, strlen(key)));
}

/* DSM `target`: "DSA-test", or "web-app-01 (192.168.1.61)": the name before " (", else
 * the address in the parentheses; a valid one in *out. */
static bool dsm_target(struct cg_str t, struct cg_str *out)
{
    const char *paren = NULL;
    for (size_t i = 0; i + 1 < t.n && !paren; i++)
        if (t.p[i] == ' ' && t.p[i + 1] == '(')
            paren = t.p + i;
    if (!paren || t.p[t.n - 1] != ')') {
        *out = t;
        return cg_hostaddr_check(t) != CG_HOSTADDR_NONE;
    }
    struct cg_str name = cg_str_make(t.p, (size_t)(paren - t.p));
    struct cg_str addr = cg_str_make(paren + 2, (size_t)(t.p + t.n - 1 - (paren + 2)));
    if (cg_hostaddr_check(name) != CG_HOSTADDR_NONE) {
        *out = name;
        return true;
    }
    *out = addr;
    return cg_hostaddr_check(addr) != CG_HOSTADDR_NONE;
}

static void set(struct cg_event *ev, struct cg_str v, struct cg_str key, enum cg_subject_status s)
{
    ev->subject = v;
    ev->subject_key = key;
    ev->subject_status = s;
}

/* The row's fields: the first valid one is the subject (ok); else the first present one
 * (invalid); else false. */
static bool from_keys(struct cg_event *ev, const struct subject_row *r)
{
    const struct cg_str *bad = NULL;
    struct cg_str bad_key = CG_STR_NULL;
    for (size_t i = 0; i < CG_ARRAY_LEN(r->keys) && r->keys[i].p; i++) {
        const struct cg_str *v = field_s(ev, r->keys[i]);
        /* DSM writes target=System for events about the manager itself (190 Alert
         * Started): the manager is the sender, not a machine the event names. */
        if (!v || ((r->flags & R_DSM_TARGET) && cg_str_eqz(*v, "System")))
            continue;
        struct cg_str s = *v;
        bool ok = r->flags & R_DSM_TARGET ? dsm_target(*v, &s)
                                          : cg_hostaddr_check(*v) != CG_HOSTADDR_NONE;
        if (ok) {
            set(ev, s, r->keys[i], CG_SUBJ_OK);
            return true;
        }
        if (!bad) {
            bad = v;
            bad_key = r->keys[i];
        }
    }
    if (bad)
        set(ev, *bad, bad_key, CG_SUBJ_INVALID);
    return bad != NULL;
}

/* ePO: TargetHostName is the threat's target. When it is a machine other than the
 * reporting one (MachineName / IPAddress), which one to act on is not ours to guess. */
static void epo_target(struct cg_event *ev)
{
    const struct cg_str *t = field_z(ev, "target_host_name");
    if (!t || ev->subject_status != CG_SUBJ_OK || cg_hostaddr_check(*t) == CG_HOSTADDR_NONE)
        return;
    const struct cg_str *name = field_z(ev, "machine_name"), *ip = field_z(ev, "ip_address");
    if ((name && cg_hostaddr_same(*t, *name)) || (ip && cg_hostaddr_same(*t, *ip)))
        return;
    ev->subject_status = CG_SUBJ_AMBIGUOUS;
}

void cg_event_subject(struct cg_event *ev)
{
    if (ev->subject_done)
        return;
    ev->subject_done = true;
    const struct subject_row *r = row_of(ev);
    if (r && from_keys(ev, r)) {
        if (r->flags & R_EPO_TARGET)
            epo_target(ev);
        return;
    }
    if (ev->sl.host.n) {
        set(ev, ev->sl.host, CG_STR_LIT("host"), CG_SUBJ_FALLBACK);
    } else {
        ev->subject = ev->subject_key = CG_STR_NULL;
        ev->subject_status = CG_SUBJ_MISSING;
    }
}
