/*
 * syslog.c - syslog header decoding (see syslog.h): the context, PRI, the RFC 3164
 * HOST and TAG, and the entry point. The RFC 5424 header is in syslog_5424.c, the
 * stamps and the year in syslog_time.c, the zones in syslog_zone.c (syslog_int.h).
 *
 * Policies where the RFCs and the header leave a choice:
 *
 * PRI      "<" 1-3 digits ">" with value 0..191 and no leading zero (except "<0>").
 *          A line that starts with '<' but has no valid PRI has no header (NONE).
 *          A valid PRI followed by neither an RFC 5424 header nor a timestamp gives
 *          kind RFC3164 with only pri set and msg = tagged_msg = the rest after PRI.
 * RFC 3164 After the timestamp (syslog_time.c) every space is skipped (lenient with
 *          double spaces).
 *          HOST, as rsyslog's pmrfc3164 decides it: the next word is a hostname
 *          only when it is 1..255 bytes of [A-Za-z0-9._-] ending in an alnum (or an
 *          IPv6 literal: hex digits, '.', and at least two ':') followed by SP or
 *          the end. Otherwise there is no HOST and the word is the TAG, so local
 *          messages without a hostname ("Apr 20 03:20:54 sshd[1]: x") and the wire
 *          form without host ("<134>Apr 20 03:20:54 CEF:0|...") decode correctly.
 *          TAG: the bytes up to ':' '[' or SP (rsyslog ends it at ':' or SP; the
 *          '[' ending is rsyslog's programname). 1..CG_SYSLOG_TAG_MAX bytes, else no
 *          TAG and msg = tagged_msg = from that word. A TAG ended by SP and not by
 *          ':' is still the TAG, as in rsyslog ("host just text": app "just"); in
 *          both cases one SP after it is not part of MSG (rsyslog keeps it in MSG
 *          unless remove.msgFirstSpace; the file form writes it, so we drop it).
 *          "[PID]": up to 128 bytes without SP before ']'; "[]" leaves procid
 *          unset; an unclosed '[' keeps app and makes msg start at the '['.
 */
#include "syslog_int.h"

int cg_syslog_ctx_init(struct cg_syslog_ctx *c, const struct cg_syslog_opts *opts)
{
    static const struct cg_syslog_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    memset(c, 0, sizeof(*c));
    c->cache_key = SL_CACHE_EMPTY;
    if (opts->year < 0 || opts->year > 9999 || opts->now < SL_SEC_MIN || opts->now > SL_SEC_MAX ||
        (opts->year_mode != CG_YEAR_CLOCK && opts->year_mode != CG_YEAR_STREAM))
        return CG_EINVAL;
    c->year_mode = opts->year_mode;
    c->first_year = opts->year_mode == CG_YEAR_STREAM ? opts->year : 0;
    c->fixed_now = opts->now;
    return cg_syslog_zone_init(c, opts->timezone);
}

/* Inline: cg_syslog_decode calls it on every line. */
static inline void note_stamp(struct cg_syslog_ctx *c, const struct cg_time *t)
{
    /* The range guard keeps the year arithmetic far from overflow. */
    if (!t || !(t->flags & CG_TIME_SET) || t->sec < SL_SEC_MIN || t->sec > SL_SEC_MAX)
        return;
    c->ref_sec = t->sec;
    c->has_ref = true;
}

void cg_syslog_ctx_note_time(struct cg_syslog_ctx *c, const struct cg_time *t)
{
    note_stamp(c, t);
}

/* The stamp of the line just decoded, unless the caller judges it first. */
static inline void note_time(struct cg_syslog_ctx *c, const struct cg_time *t)
{
    if (!c->defer_ref)
        note_stamp(c, t);
}

/* ---- RFC 3164 HOST and TAG ---- */

/* 1: hostname byte (rsyslog: alnum . _ -); 2: also valid in an IPv6 literal. */
static const unsigned char host_class[256] = {
    ['-'] = 1, ['.'] = 3, ['_'] = 1, [':'] = 2, ['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3,
    ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3, ['a'] = 3, ['b'] = 3,
    ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3,
    ['E'] = 3, ['F'] = 3, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
};

/* The general form of host_len() below, for a word with a ':'. */
static size_t host_len_colon(const char *p, size_t n)
{
    size_t lim = n < SL_HOST_MAX + 1 ? n : SL_HOST_MAX + 1, i = 0;
    unsigned all = 3, k;
    while (i < lim && (k = host_class[(unsigned char)p[i]]) != 0) {
        all &= k;
        i++;
    }
    if (i == 0 || i > SL_HOST_MAX || (i < n && p[i] != ' '))
        return 0;
    if (!(all & 1)) { /* a ':' was seen: only an IPv6 literal qualifies */
        size_t colons = 0;
        for (size_t j = 0; j < i; j++)
            colons += p[j] == ':';
        return colons >= 2 && (all & 2) ? i : 0;
    }
    unsigned char last = (unsigned char)p[i - 1];
    return last == '-' || last == '.' || last == '_' ? 0 : i;
}

/* Length of the hostname at p (followed by SP or the end), 0 when the word is not
 * one (see the top comment). The run of hostname bytes ends at the only byte of
 * an IPv6 literal that is not one, ':', or at a byte of neither. */
static size_t host_len(const char *p, size_t n)
{
    size_t lim = n < SL_HOST_MAX + 1 ? n : SL_HOST_MAX + 1,
           i = sl_run(p, n, lim, SL_RUN_HOST, host_class);
    if (i < lim && p[i] == ':')
        return host_len_colon(p, n);
    if (i == 0 || i > SL_HOST_MAX || (i < n && p[i] != ' '))
        return 0;
    unsigned char last = (unsigned char)p[i - 1];
    return last == '-' || last == '.' || last == '_' ? 0 : i;
}

static const bool tag_stop[256] = {[':'] = true, ['['] = true, [' '] = true};

/* "[PID]" at p[j] == '[': index after ']', or 0 when not closed in bounds. */
static size_t take_procid(const char *p, size_t n, size_t j, struct cg_syslog *out)
{
    size_t s = j + 1, k = s, lim = n - s > SL_PROCID_MAX + 1 ? s + SL_PROCID_MAX + 1 : n;
    while (k < lim && p[k] != ']' && p[k] != ' ')
        k++;
    if (k >= n || p[k] != ']')
        return 0;
    if (k > s)
        out->procid = cg_str_make(p + s, k - s);
    return k + 1;
}

/* TAG[PID]: MSG from p[i]; sets app, procid, msg and tagged_msg. */
static void decode_tag(const char *p, size_t n, size_t i, struct cg_syslog *out)
{
    out->tagged_msg = out->msg = cg_str_make(p + i, n - i);
    size_t lim = n - i > CG_SYSLOG_TAG_MAX + 1 ? i + CG_SYSLOG_TAG_MAX + 1 : n, j = i;
    while (j < lim && !tag_stop[(unsigned char)p[j]])
        j++;
    if (j == i || j - i > CG_SYSLOG_TAG_MAX)
        return;
    out->app = cg_str_make(p + i, j - i);
    if (j < n && p[j] == '[') {
        size_t k = take_procid(p, n, j, out);
        if (!k) {
            out->msg = cg_str_make(p + j, n - j);
            return;
        }
        j = k;
    }
    if (j < n && p[j] == ':')
        j++;
    if (j < n && p[j] == ' ')
        j++;
    out->msg = cg_str_make(p + j, n - j);
}

/* Everything after a 3164 stamp: [SP+ HOST] [SP TAG...]. */
static void decode_3164_body(const char *p, size_t n, size_t i, struct cg_syslog *out)
{
    while (i < n && p[i] == ' ')
        i++;
    if (i >= n) {
        out->msg = out->tagged_msg = cg_str_make(p + n, 0);
        return;
    }
    size_t h = host_len(p + i, n - i);
    if (h) {
        out->host = cg_str_make(p + i, h);
        i += h;
        if (i < n)
            i++; /* the SP */
    }
    decode_tag(p, n, i, out);
}

/* ---- entry point ---- */

/* Bytes of a leading "<PRI>", 0 when the line does not start with '<', -1 when
 * it does but the PRI is invalid: 1-3 digits, no leading zero, at most 191. */
static int parse_pri(const char *p, size_t n, int *pri)
{
    if (n == 0 || p[0] != '<')
        return 0;
    unsigned a, b, c;
    if (n < 3 || (a = (unsigned)(unsigned char)p[1] - '0') > 9)
        return -1;
    if (p[2] == '>') {
        *pri = (int)a;
        return 3;
    }
    if (a == 0 || n < 4 || (b = (unsigned)(unsigned char)p[2] - '0') > 9)
        return -1;
    if (p[3] == '>') {
        *pri = (int)(a * 10 + b);
        return 4;
    }
    if (n < 5 || (c = (unsigned)(unsigned char)p[3] - '0') > 9 || p[4] != '>' ||
        a * 100 + b * 10 + c > 191)
        return -1;
    *pri = (int)(a * 100 + b * 10 + c);
    return 5;
}

/* Field by field: a memset of the whole struct compiles to "rep stos", whose
 * start-up cost was a tenth of the 3164 decode time. */
static inline void out_reset(struct cg_syslog *out, const char *p, size_t n)
{
    static const struct cg_time no_time;
    out->kind = CG_SYSLOG_NONE;
    out->pri = out->facility = out->severity = -1;
    out->version = 0;
    out->time = no_time;
    out->host = out->app = out->procid = out->msgid = CG_STR_NULL;
    out->sd = NULL;
    out->nsd = out->nsd_dropped = 0;
    out->msg = out->tagged_msg = cg_str_make(p, n);
    out->bom = false;
}

void cg_syslog_decode(struct cg_syslog_ctx *c, const char *p, size_t n, struct cg_syslog *out,
                      struct cg_arena *a)
{
    out_reset(out, p, n);
    int pri = -1;
    int pl = parse_pri(p, n, &pri);
    if (pl < 0)
        return;
    size_t i = (size_t)pl;
    if (pl > 0) {
        out->pri = pri;
        out->facility = pri / 8;
        out->severity = pri % 8;
        out->kind = CG_SYSLOG_RFC3164;
        out->msg = out->tagged_msg = cg_str_make(p + i, n - i);
        if (i < n && p[i] >= '1' && p[i] <= '9' && cg_syslog_decode_5424(c, p, n, i, out, a)) {
            out->tagged_msg = CG_STR_NULL;
            note_time(c, &out->time);
            return;
        }
    }
    size_t k = cg_syslog_parse_stamp(c, p + i, n - i, &out->time);
    if (!k)
        return; /* NONE, or the PRI-only form set up above */
    out->kind = CG_SYSLOG_RFC3164;
    decode_3164_body(p, n, i + k, out);
    note_time(c, &out->time);
}
