/*
 * cef.h - native decoder for ArcSight CEF (Common Event Format), versions 0 and 1.
 *
 * Decoding is in two steps so that the hot path can skip the extension of lines
 * no rule wants: cg_cef_decode_header() reads the seven header fields and leaves
 * the raw extension in cef->ext; cg_cef_decode_ext() turns it into fields.
 *
 * Rules (ArcSight CEF Implementation Standard, "Character encoding"):
 *   header: fields split on unescaped '|'; "\|" -> '|', "\\" -> '\'; '=' is plain.
 *           A line with fewer than 7 header fields is rejected (cef_truncated).
 *           "CEF:0|...|sev" with no '|' after the severity is accepted with an
 *           empty extension. Leading spaces before the version are skipped
 *           ("CEF: 0|" as written by syslog files).
 *   version: digits with an optional ".digits" ("0", "1", "0.1"); else cef_bad_version.
 *   extension: key=value pairs; a key is 1+ chars of [A-Za-z0-9_.,-] (also '[' ']'),
 *           starting at the extension start or right after a space, followed by an
 *           unescaped '='. Anything else belongs to the current value, so unescaped
 *           '=' (URLs, "a=b=c") and '|' stay in values.
 *           Values: "\=" -> '=', "\\" -> '\', "\n" -> LF, "\r" -> CR; any other
 *           backslash sequence is kept as is (backslash and char) and flagged
 *           CG_CEF_BAD_ESCAPE; a lone trailing backslash is kept.
 *           Spaces between the last '|' and the first key are skipped. With several
 *           spaces before a key, all but the last belong to the previous value.
 *           Whitespace at the end of the extension is not part of the last value.
 *           Empty values are legal (middle and last). Text before the first key
 *           is dropped and flagged CG_CEF_EXT_JUNK.
 *   CEF has no quoting: quotes are data. Bytes are not interpreted as UTF-8.
 */
#ifndef CEFGUARD_CEF_H
#define CEFGUARD_CEF_H

#include "cefguard/arena.h"
#include "cefguard/common.h"
#include "cefguard/fields.h"
#include "cefguard/reject.h"

enum {
    CG_CEF_BAD_ESCAPE = 1 << 0, /* an undefined backslash sequence was kept */
    CG_CEF_EXT_JUNK = 1 << 1,   /* extension text before the first key was dropped */
};

struct cg_cef {
    struct cg_str version; /* "0", "1" as logged */
    struct cg_str vendor;
    struct cg_str product;
    struct cg_str product_version;
    struct cg_str event_id; /* Signature ID / Device Event Class ID */
    struct cg_str name;
    struct cg_str severity; /* as logged: "6", "High", "Very-High", ... */
    struct cg_str ext;      /* raw extension, leading/trailing whitespace trimmed */
    unsigned flags;         /* CG_CEF_* seen in the header */
};

/* p/n: the bytes right after "CEF:". Views point into p, or into a where an
 * escape had to be rewritten. Returns CG_REJ_NONE or the reject reason. */
enum cg_reject cg_cef_decode_header(const char *p, size_t n, struct cg_cef *out,
                                    struct cg_arena *a);

/* Lines of one stream repeat the start of the header: version, vendor, product
 * and product version ("0|Trend Micro|Deep Security Agent|20.0.877|"). The cache
 * keeps those bytes of the last two distinct headers that had no backslash in
 * them (Deep Security Manager relays the Agent's events: two products alternate)
 * and where the four fields lie; a header that starts with the same bytes takes
 * the four from there. Contents are private to cef.c; one cache per stream. */
#define CG_CEF_CACHE_MAX 96

struct cg_cef_cache {
    struct {
        char prefix[CG_CEF_CACHE_MAX];
        uint8_t len;   /* bytes of prefix in use, up to the '|' after the product
                          version; 0: empty */
        uint8_t at[4]; /* version start, the '|' after the version, vendor, product */
    } e[2];
    unsigned next; /* the entry a miss replaces */
};

void cg_cef_cache_init(struct cg_cef_cache *c);

/* cg_cef_decode_header with the same results, using and updating c. */
enum cg_reject cg_cef_decode_header_cached(const char *p, size_t n, struct cg_cef *out,
                                           struct cg_arena *a, struct cg_cef_cache *c);

/* Appends the extension's fields to f (see fields.h for duplicates and limits),
 * ORs CG_CEF_* into *flags. Returns CG_OK or CG_ENOMEM. */
int cg_cef_decode_ext(struct cg_str ext, struct cg_fields *f, struct cg_arena *a, unsigned *flags);

#endif
