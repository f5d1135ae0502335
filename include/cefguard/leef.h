/*
 * leef.h - native decoder for IBM LEEF 1.0 and 2.0 (Deep Security can emit it).
 *
 *   LEEF:1.0|Vendor|Product|Version|EventID|attrs            attrs tab-separated
 *   LEEF:2.0|Vendor|Product|Version|EventID|[Delim|]attrs    Delim: one character,
 *                                                            or hex "0x09" / "x09";
 *                                                            absent: tab.
 * Attributes are key=value separated by the delimiter; a value runs to the next
 * delimiter (it may contain '=' and spaces). Empty attributes (two delimiters in a
 * row) are skipped. Keys and values are not unescaped (LEEF defines no escapes),
 * surrounding whitespace of keys is trimmed. An attribute without '=' is dropped
 * and flagged CG_LEEF_JUNK. Header fields split on '|' (no escapes in LEEF).
 * As in DS syslog output, a LEEF 1.0 line whose attrs have no tab but do have
 * " key=" patterns is not re-split: the delimiter is the delimiter.
 */
#ifndef CEFGUARD_LEEF_H
#define CEFGUARD_LEEF_H

#include "cefguard/arena.h"
#include "cefguard/common.h"
#include "cefguard/fields.h"
#include "cefguard/reject.h"

enum {
    CG_LEEF_JUNK = 1 << 0, /* an attribute without '=' was dropped */
};

struct cg_leef {
    struct cg_str version; /* "1.0", "2.0" as logged */
    struct cg_str vendor;
    struct cg_str product;
    struct cg_str product_version;
    struct cg_str event_id;
    char delim;          /* attribute delimiter */
    struct cg_str attrs; /* raw attribute bytes */
};

/* p/n: the bytes right after "LEEF:". Returns CG_REJ_NONE or the reason. */
enum cg_reject cg_leef_decode_header(const char *p, size_t n, struct cg_leef *out,
                                     struct cg_arena *a);

/* Appends the attributes to f; ORs CG_LEEF_* into *flags. CG_OK or CG_ENOMEM. */
int cg_leef_decode_attrs(struct cg_str attrs, char delim, struct cg_fields *f, struct cg_arena *a,
                         unsigned *flags);

#endif
