/*
 * reject.h - why an input line (or part of it) was not decoded.
 *
 * A rejection is an outcome, not an error: the pipeline counts it per reason,
 * logs it rate-limited with the offending bytes escaped, emits the line as a
 * "raw" event carrying the reason, and goes on with the stream.
 *
 * Names (cg_reject_name) are stable: they appear in JSON ("reason"), in
 * --stats output and in counters, so operators may alert on them.
 */
#ifndef CEFGUARD_REJECT_H
#define CEFGUARD_REJECT_H

enum cg_reject {
    CG_REJ_NONE = 0,         /* accepted */
    CG_REJ_EMPTY,            /* "empty": nothing but whitespace */
    CG_REJ_LINE_TOO_LONG,    /* "line_too_long": longer than max_line; the rest is skipped */
    CG_REJ_NO_DECODER,       /* "no_decoder": not CEF/LEEF and no rulebase rule matched */
    CG_REJ_CEF_BAD_VERSION,  /* "cef_bad_version": CEF:<not a number>| */
    CG_REJ_CEF_TRUNCATED,    /* "cef_truncated": fewer than the 7 header fields */
    CG_REJ_LEEF_BAD_VERSION, /* "leef_bad_version": LEEF:<not 1.0/2.0 style>| */
    CG_REJ_LEEF_TRUNCATED,   /* "leef_truncated": fewer than the 5 header fields */
    CG_REJ_LEEF_BAD_DELIM,   /* "leef_bad_delimiter": LEEF 2.0 delimiter field unusable */
    CG_REJ_MAX
};

/* Stable snake_case name; "unknown" for an out-of-range value. */
const char *cg_reject_name(enum cg_reject r);

#endif
