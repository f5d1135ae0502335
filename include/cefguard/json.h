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

/* Appends a quoted JSON string; adds the number of replaced bytes to *bad_utf8
 * (may be NULL). Returns CG_OK or CG_ENOMEM. */
int cg_json_put_str(struct cg_buf *b, const char *p, size_t n, size_t *bad_utf8);
/* Like cg_json_put_str, or null when s is unset. */
int cg_json_put_strv(struct cg_buf *b, struct cg_str s, size_t *bad_utf8);

/* Appends v in decimal. Returns CG_OK or CG_ENOMEM. */
int cg_json_put_u64(struct cg_buf *b, uint64_t v);

/* Writers that put several strings under one reservation (the event writer, one per
 * key and value) reserve CG_JSON_STR_ROOM(n) bytes for a string of n bytes and write it
 * with cg_json_write_str. Block stores may write up to CG_JSON_SLACK bytes past what a
 * string needs; a string (or key + value) longer than CG_JSON_STR_MAX is CG_ENOMEM. */
#define CG_JSON_SLACK 16
#define CG_JSON_STR_MAX ((SIZE_MAX - 256) / 6)
#define CG_JSON_STR_ROOM(n) ((n)*6 + 2 + CG_JSON_SLACK) /* every byte can become \u00XX */

/* Writes p[0..n) as a quoted JSON string at o, which has CG_JSON_STR_ROOM(n) bytes;
 * adds the replaced bytes to *bad (not NULL); returns the new end. */
char *cg_json_write_str(char *o, const char *p, size_t n, size_t *bad);

#endif
