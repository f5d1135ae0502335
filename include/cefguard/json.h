/*
 * json.h - JSON output that is valid for any input bytes.
 *
 * Strings: '"' and '\' are escaped; control characters are written as \n \r \t
 * \b \f or \u00XX; DEL (0x7f) as \u007f. Valid UTF-8 passes through unchanged.
 * Invalid UTF-8 (bad lead or continuation bytes, overlongs, surrogates, code
 * points above U+10FFFF, truncated sequences) is replaced by U+FFFD, one per
 * invalid byte, and counted. Output is deterministic: same bytes in, same bytes
 * out.
 */
#ifndef CEFGUARD_JSON_H
#define CEFGUARD_JSON_H

#include "cefguard/buf.h"
#include "cefguard/common.h"
#include "cefguard/event.h"

/* Appends a quoted JSON string; adds the number of replaced bytes to *bad_utf8
 * (may be NULL). Returns CG_OK or CG_ENOMEM. */
int cg_json_put_str(struct cg_buf *b, const char *p, size_t n, size_t *bad_utf8);
/* Like cg_json_put_str, or null when s is unset. */
int cg_json_put_strv(struct cg_buf *b, struct cg_str s, size_t *bad_utf8);

/* Appends v in decimal. Returns CG_OK or CG_ENOMEM. */
int cg_json_put_u64(struct cg_buf *b, uint64_t v);

/* Appends the event as one JSON object (no newline); decodes fields if needed.
 * The key order is fixed; see README.md "Normalized event". */
int cg_event_to_json(struct cg_event *ev, struct cg_buf *b, size_t *bad_utf8);

#endif
