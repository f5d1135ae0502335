/* risk.c - risk class and outcome of anti-malware detections (see risk.h).
 *
 * One reader per product, each using what that product states (the table with its
 * sources is README.md "Risk class and outcome"): the log type or event ID first, then a
 * category or threat type the product writes, and Trend Micro's naming prefixes only
 * where the product states nothing else. Outcomes come from the product's action /
 * result text; anything not recognised is unknown. All comparisons are ASCII
 * case-insensitive and bounded by the value's length (values are attacker-controlled). */
#include "cefguard/risk.h"

#include <pthread.h>

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* p[0..n) is z[0..n) (z lower case), ASCII case-insensitive. */
static bool ieqn(const char *p, const char *z, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)p[i]) != (unsigned char)z[i])
            return false;
    return true;
}

static bool ieq(struct cg_str s, const char *z)
{
    size_t n = strlen(z);
    return s.n == n && ieqn(s.p, z, n);
}

/* z is lower case. */
static bool iprefix(struct cg_str s, const char *z)
{
    size_t n = strlen(z);
    return s.n >= n && ieq(cg_str_make(s.p, n), z);
}

/* z is lower case. Naive search: values are bounded by the line, patterns are short. */
static bool icontains(struct cg_str s, const char *z)
{
    size_t n = strlen(z);
    for (size_t i = 0; n && i + n <= s.n; i++)
        if (fold((unsigned char)s.p[i]) == (unsigned char)z[0] && ieq(cg_str_make(s.p + i, n), z))
            return true;
    return false;
}

static bool icontains_any(struct cg_str s, const char *const *zs)
{
    for (; *zs; zs++)
        if (icontains(s, *zs))
            return true;
    return false;
}

static struct cg_str field_n(struct cg_event *ev, const char *key, size_t n)
{
    const struct cg_str *v = cg_event_field(ev, cg_str_make(key, n));
    return v && v->n ? *v : CG_STR_NULL;
}

/* key: a string literal (its length at compile time: this runs for every risk event). */
#define field(ev, key) field_n(ev, "" key, sizeof(key) - 1)

/* ---- outcome from an action or result text --------------------------------------- */

/* Failure words first: "Clean Failed", "Unable to quarantine file", "Quarantine failed"
 * name the removal they did not achieve. "pass"/"left alone": the file stays where it
 * is; "denied"/"deny"/"block": access denied only, the file is still on disk. */
#define WORD(z)                                                                                    \
    {                                                                                              \
        z, sizeof(z) - 1                                                                           \
    }
static const struct word {
    const char *z;
    size_t n;
} remains_words[] = {WORD("fail"), WORD("unable"), WORD("left alone"), WORD("pass"), WORD("denied"),
                     WORD("deny"), WORD("block"),
                     /* localised SEPM (ja, zh): failed, left alone / ignored */
                     WORD("失敗"), WORD("失败"), WORD("放置"), WORD("忽略"), WORD("保持原样")},
  removed_words[] = {WORD("clean"), WORD("delet"), WORD("quarantin"), WORD("remov"),
                     /* localised SEPM (ja, zh): quarantined, deleted, cleaned */
                     WORD("隔離"), WORD("隔离"), WORD("削除"), WORD("删除"), WORD("駆除"),
                     WORD("清除")};

/* Which words start with a byte (either case): bit k for remains_words[k], bit
 * NREMAINS + k for removed_words[k]. Filled once; the scan below then looks at the words
 * only where a byte can start one (most bytes start none). */
#define NREMAINS CG_ARRAY_LEN(remains_words)
#define NREMOVED CG_ARRAY_LEN(removed_words)
_Static_assert(NREMAINS + NREMOVED <= 32, "word masks are 32 bits");
static uint32_t first_of[256];
static pthread_once_t first_once = PTHREAD_ONCE_INIT;

static void first_init(void)
{
    for (size_t k = 0; k < NREMAINS + NREMOVED; k++) {
        const struct word *w = k < NREMAINS ? &remains_words[k] : &removed_words[k - NREMAINS];
        unsigned char c = (unsigned char)w->z[0];
        first_of[c] |= 1u << k;
        if (c >= 'a' && c <= 'z')
            first_of[c - 32] |= 1u << k;
    }
}

/* One pass over the value (no copy, no length limit; values are bounded by the line): a
 * failure word anywhere says remains, else a removal word says removed. */
static enum cg_risk_outcome outcome_text(struct cg_str s)
{
    pthread_once(&first_once, first_init);
    bool removed = false;
    uint32_t want = ~(uint32_t)0; /* once a removal word is seen, only failure words matter */
    for (size_t i = 0; i < s.n; i++) {
        for (uint32_t m = first_of[(unsigned char)s.p[i]] & want; m; m &= m - 1) {
            unsigned k = (unsigned)__builtin_ctz(m);
            const struct word *w = k < NREMAINS ? &remains_words[k] : &removed_words[k - NREMAINS];
            /* Every word has two bytes at least (the shortest, "fail", has four): the
             * second one rules out most starts. */
            if (s.n - i < w->n || fold((unsigned char)s.p[i + 1]) != (unsigned char)w->z[1] ||
                !ieqn(s.p + i + 2, w->z + 2, w->n - 2))
                continue;
            if (k < NREMAINS)
                return CG_RISK_REMAINS;
            removed = true;
            want = ((uint32_t)1 << NREMAINS) - 1;
        }
    }
    return removed ? CG_RISK_REMOVED : CG_RISK_UNKNOWN;
}

/* The first of a, b that says something. */
static enum cg_risk_outcome outcome_of2(struct cg_str a, struct cg_str b)
{
    enum cg_risk_outcome o = outcome_text(a);
    return o != CG_RISK_UNKNOWN ? o : outcome_text(b);
}

/* ---- Trend Micro naming ------------------------------------------------------------ */

/* Grayware by Trend Micro's detection names: the classic prefixes (ADW_ adware, SPYW_
 * spyware, HKTL_ hacking tool, JOKE_ joke program, DIAL_ dialer, CRCK_ cracking
 * application) and the type word of the 2018 naming scheme (Adware., Spyware., PUA.,
 * HackTool., Joke., Dialer.). TSPY_ / TrojanSpy. are trojan spies: malware, and
 * prefixes are matched from the start, so they never hit SPYW_ / Spyware. */
static const char *const trend_grayware[] = {"adw_",      "spyw_", "hktl_",   "joke_",   "dial_",
                                             "crck_",     "pua.",  "pua_",    "adware.", "spyware.",
                                             "hacktool.", "joke.", "dialer.", NULL};

static bool trend_is_grayware(struct cg_str name)
{
    /* Most names are malware (TROJ_, WORM_, Ransom_, ...): one look at the first letter
     * skips the list for them. */
    if (!name.n || !memchr("ashjdcpASHJDCP", name.p[0], 14))
        return false;
    for (const char *const *p = trend_grayware; *p; p++)
        if (iprefix(name, *p))
            return true;
    return false;
}

static enum cg_risk_class trend_class(struct cg_str name)
{
    return trend_is_grayware(name) ? CG_RISK_GRAYWARE : CG_RISK_VIRUS;
}

/* ---- products ---------------------------------------------------------------------- */

/* The Signature ID as the rules' numeric operators read it (match_int.h cg_match_trim):
 * spaces, tabs, CR and LF around it are ignored, so an ID the rule index offers to the
 * 4000000-4999999 rules is also classified here. */
static bool is_pad(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct cg_str id_trim(struct cg_str id)
{
    while (id.n && is_pad(id.p[id.n - 1]))
        id.n--;
    while (id.n && is_pad(id.p[0]))
        id.p++, id.n--;
    return id;
}

static bool event_id_num(struct cg_str id, long *out)
{
    if (id.n == 0 || id.n > 9)
        return false;
    long v = 0;
    for (size_t i = 0; i < id.n; i++) {
        if (id.p[i] < '0' || id.p[i] > '9')
            return false;
        v = v * 10 + (id.p[i] - '0');
    }
    *out = v;
    return true;
}

/* Deep Security Agent anti-malware: Signature ID 4000000-4999999; 4000030 is behaviour
 * monitoring. The product states no spyware/virus split in the syslog (see README), so
 * the class of the others comes from the malware name. Outcome: result, else act. */
static bool deep_security(struct cg_event *ev, enum cg_risk_class *c, enum cg_risk_outcome *o)
{
    long id;
    /* Most agent events are other modules (20, 1000000, 3002795, ...): a look at the
     * length and the first digit rules them out. 4xxxxxx takes 7 digits, or more with
     * leading zeros, which event_id_num reads. */
    struct cg_str eid = ev->event_id;
    size_t n = eid.n;
    if (n < 7 || (n == 7 && eid.p[0] != '4'))
        return false;
    if (n > 7)
        eid = id_trim(eid);
    if (!event_id_num(eid, &id) || id < 4000000 || id > 4999999)
        return false;
    struct cg_str name = ev->name.n ? ev->name : field(ev, "name"); /* LEEF: attribute */
    *c = id == 4000030 ? CG_RISK_OTHER : trend_class(name);
    *o = outcome_of2(field(ev, "result"), field(ev, "act"));
    return true;
}

/* Apex Central CEF: the Signature ID names the log type. */
static bool apex_central(struct cg_event *ev, enum cg_risk_class *c, enum cg_risk_outcome *o)
{
    struct cg_str id = ev->event_id, rest = CG_STR_NULL;
    static const char *const other[] = {"bm:", "pml:", "fh:", NULL};
    if (iprefix(id, "av:")) {
        *c = trend_class(ev->name);
        rest = cg_str_make(id.p + 3, id.n - 3);
    } else if (iprefix(id, "spyware")) {
        *c = CG_RISK_GRAYWARE;
        *o = outcome_of2(field(ev, "cs5"), field(ev, "act"));
        return true;
    } else if (iprefix(id, "cnc:") || iprefix(id, "ncie:")) {
        *c = CG_RISK_CNC; /* a connection, not a file: nothing to remove */
        *o = CG_RISK_UNKNOWN;
        return true;
    } else {
        const char *const *p = other;
        while (*p && !iprefix(id, *p))
            p++;
        if (!*p)
            return false;
        *c = CG_RISK_OTHER;
        size_t k = strlen(*p);
        rest = cg_str_make(id.p + k, id.n - k);
    }
    *o = outcome_of2(field(ev, "act"), rest);
    return true;
}

/* SEPM: only the risk log's line types are risks; "Category set" (SEP 12.1 RU2 and
 * later) says Malware or Security risk where it is present. */
static bool sepm(struct cg_event *ev, enum cg_risk_class *c, enum cg_risk_outcome *o)
{
    struct cg_str t = ev->event_id;
    if (ieq(t, "virus found") || cg_str_eqz(t, "ウイルスが見つかりました"))
        *c = CG_RISK_VIRUS;
    else if (ieq(t, "security risk found"))
        *c = CG_RISK_GRAYWARE;
    else if (ieq(t, "potential risk found") || iprefix(t, "sonar"))
        *c = CG_RISK_OTHER; /* SONAR: behaviour and heuristics */
    else
        return false;
    struct cg_str set = field(ev, "category_set");
    if (*c != CG_RISK_OTHER && ieq(set, "malware"))
        *c = CG_RISK_VIRUS;
    else if (*c != CG_RISK_OTHER && ieq(set, "security risk"))
        *c = CG_RISK_GRAYWARE;
    *o = outcome_text(field(ev, "actual_action"));
    return true;
}

/* McAfee KB52417: the AV detection range and what each ID says was done. */
static const struct {
    long id;
    enum cg_risk_outcome o;
} epo_ids[] = {
    {1024, CG_RISK_REMAINS}, {1025, CG_RISK_REMOVED}, {1026, CG_RISK_REMAINS},
    {1027, CG_RISK_REMOVED}, {1028, CG_RISK_REMOVED}, {1032, CG_RISK_REMOVED},
    {1037, CG_RISK_REMAINS}, {1054, CG_RISK_REMOVED}, {1056, CG_RISK_REMOVED},
    {1060, CG_RISK_REMOVED}, {1061, CG_RISK_REMAINS}, {1101, CG_RISK_REMOVED},
    {1102, CG_RISK_REMOVED}, {1103, CG_RISK_REMAINS},
};

/* ThreatActionTaken as ENS writes it (IDS_ALERT_ACT_TAK_DEL, ...) or as text. */
static enum cg_risk_outcome epo_action(struct cg_str act, struct cg_str handled)
{
    static const char *const removed[] = {"_del", "_cle", "_qua", NULL};
    static const char *const remains[] = {"_blk", "_den", "_non", NULL};
    if (iprefix(act, "ids_alert_")) {
        if (icontains_any(act, removed))
            return CG_RISK_REMOVED;
        if (icontains_any(act, remains))
            return CG_RISK_REMAINS;
    } else if (ieq(act, "none")) {
        return CG_RISK_REMAINS;
    } else if (act.n) {
        enum cg_risk_outcome o = outcome_text(act);
        if (o != CG_RISK_UNKNOWN)
            return o;
    }
    return ieq(handled, "false") || ieq(handled, "0") ? CG_RISK_REMAINS : CG_RISK_UNKNOWN;
}

static enum cg_risk_class epo_class(struct cg_str type, struct cg_str cat)
{
    static const char *const gray[] = {"pup", "unwanted", "adware", "spyware", "joke", NULL};
    if (icontains_any(type, gray) || ieq(cat, "av.pup"))
        return CG_RISK_GRAYWARE;
    if (ieq(type, "test"))
        return CG_RISK_OTHER; /* EICAR and other test files: not malware */
    return CG_RISK_VIRUS;
}

static bool epo(struct cg_event *ev, enum cg_risk_class *c, enum cg_risk_outcome *o)
{
    long id = 0;
    size_t i = 0;
    bool num = event_id_num(ev->event_id, &id);
    while (num && i < CG_ARRAY_LEN(epo_ids) && epo_ids[i].id != id)
        i++;
    struct cg_str cat = field(ev, "threat_category");
    bool known = num && i < CG_ARRAY_LEN(epo_ids);
    if (!known && !iprefix(cat, "av."))
        return false;
    *c = epo_class(field(ev, "threat_type"), cat);
    *o = known ? epo_ids[i].o
               : epo_action(field(ev, "threat_action_taken"), field(ev, "threat_handled"));
    return true;
}

/* OfficeScan / Apex One standard notifications (rulebase officescan): the virus/malware
 * template, or the spyware/grayware one. */
static bool officescan(struct cg_event *ev, enum cg_risk_class *c, enum cg_risk_outcome *o)
{
    struct cg_str id = ev->event_id;
    if (icontains(id, "spyware") || icontains(id, "grayware"))
        *c = CG_RISK_GRAYWARE;
    else if (icontains(id, "virus"))
        *c = trend_class(ev->name);
    else
        return false;
    *o = outcome_of2(field(ev, "action"), field(ev, "result"));
    return true;
}

static bool classify(struct cg_event *ev, enum cg_risk_class *c, enum cg_risk_outcome *o)
{
    if (ev->format == CG_FMT_CEF || ev->format == CG_FMT_LEEF) {
        if (!cg_str_eqz(ev->vendor, "Trend Micro"))
            return false;
        if (cg_str_eqz(ev->product, "Deep Security Agent"))
            return deep_security(ev, c, o);
        if (cg_str_eqz(ev->product, "Apex Central"))
            return apex_central(ev, c, o);
        return false;
    }
    if (ev->format != CG_FMT_LOGNORM)
        return false;
    if (cg_str_eqz(ev->vendor, "Symantec") &&
        cg_str_eqz(ev->product, "Endpoint Protection Manager"))
        return sepm(ev, c, o);
    if (cg_str_eqz(ev->vendor, "McAfee") && cg_str_eqz(ev->product, "ePolicy Orchestrator"))
        return epo(ev, c, o);
    if (cg_str_eqz(ev->vendor, "Trend Micro") && cg_str_eqz(ev->product, "OfficeScan"))
        return officescan(ev, c, o);
    return false;
}

void cg_event_risk(struct cg_event *ev)
{
    if (ev->risk_done)
        return;
    ev->risk_done = true;
    enum cg_risk_class c = CG_RISK_NONE;
    enum cg_risk_outcome o = CG_RISK_UNKNOWN;
    if (!classify(ev, &c, &o)) {
        ev->risk_class = CG_RISK_NONE;
        ev->risk_outcome = CG_RISK_OUT_NONE;
        return;
    }
    ev->risk_class = (uint8_t)c;
    ev->risk_outcome = (uint8_t)o;
}

const char *cg_risk_class_name(unsigned c)
{
    static const char *const names[] = {NULL, "virus", "grayware", "cnc", "other"};
    return c < CG_ARRAY_LEN(names) ? names[c] : NULL;
}

const char *cg_risk_outcome_name(unsigned o)
{
    static const char *const names[] = {NULL, "removed", "remains", "unknown"};
    return o < CG_ARRAY_LEN(names) ? names[o] : NULL;
}
