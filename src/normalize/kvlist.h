/*
 * kvlist.h - the "<name>_kvlist" splitter (private to src/normalize/): a list of
 * "Label: value" pieces joined by ',' without escaping, as SEPM writes its risk lines,
 * becomes fields. map.c calls it for a top-level string whose key ends in "_kvlist".
 *
 * The grammar (the @piece type sepm.rulebase had, and what later SEPM versions added). Rules
 * tried on each piece, in this order:
 *   1. "Occurrences: N," then the file path and the description: the path runs up to
 *      ",,Actual action: " when that string follows (so a path may hold commas; the
 *      description is then empty), else to the next ','; the description to the next
 *      ',' -> occurrences, file_path, description. Needs the ',' after the path. The same
 *      with the Japanese and Chinese labels ("件数: " / ",,実際の処理: ", "出现次数: " /
 *      ",,实际的操作: "). "Occurrences: N," followed by a "Label: value" piece (SEP
 *      14.3's "File path: ", a traffic log's "Application: ") -> occurrences alone;
 *   2. "File path: X" -> file_path: X runs up to ",Description: " when that string
 *      follows (a path may hold commas), else to the next ',';
 *   3. "Detection Submissions X" (SONAR's unlabelled column) -> detection_submissions;
 *   4. " text" (a leading space) -> continues the previous value (cg_nz_map_cont);
 *   5. "Label: value" (": " at the first ':', before any ',') -> snake_case(Label), or for a
 *      localised label of the table in kvlist.c the English label's key ("IP アドレス" ->
 *      ip_address);
 *   6. anything else -> unlabelled (cg_nz_map_unlabeled).
 * A value ends at the next ','. A separator (',', ": ") directly followed by a NUL byte does
 * not separate (scan.h, nz_lit); other NUL bytes are data.
 */
#ifndef CEFGUARD_NZ_KVLIST_H
#define CEFGUARD_NZ_KVLIST_H

#include "map.h"

/* Splits s[0..n) into fields added through m (map.h).
 *
 * In:  s[0..n), untrusted bytes: any length, NUL bytes allowed, not NUL-terminated. Values
 *      are views into s, so s must live as long as m->ev (map.c copies it into the event's
 *      arena first).
 * Out: the fields in the order of the text, at most the event's field limit (the rest in
 *      limit_dropped, duplicate keys in dup_dropped). Keys are non-empty, at most NZ_KEY_MAX
 *      + 1 bytes, of [a-z0-9_] and bytes >= 0x80 ("unlabeled.<n>" also has a '.'), never
 *      "subject"; they are in m->ev->arena. Every value is a view into s (a continued value
 *      is the view widened), so no value is longer than n and the arena holds only keys.
 * Reads no byte outside s[0..n); never recurses; time and memory linear in n. The memo and
 * the cache of m change only the speed, never the fields.
 * Returns CG_OK; NZ_NOMATCH when the list does not reach the end of s (a ',' directly
 * followed by a NUL byte); CG_ENOMEM. On either of those the fields (their count and drop
 * counters) are as they were before the call; the arena is not given back. */
int cg_nz_kvlist_split(struct nz_map *m, const char *s, size_t n);

/* "sepm_kvlist" (kvlist_sepm.c): a SEPM line that is not a risk line. Split as by
 * cg_nz_kvlist_split, then the log type told by the labels the line holds becomes the field
 * log_type ("Agent Traffic Log", ...; rules/lognorm/README.md), and the unlabelled columns
 * that name the computer, the reporting server or the event get names (computer_name,
 * log_server, event_description) unless the line has those labels. Same contract and
 * returns as cg_nz_kvlist_split, except that the log_type value is in m->ev->arena. */
int cg_nz_kvlist_split_sepm(struct nz_map *m, const char *s, size_t n);

typedef int (*nz_split_fn)(struct nz_map *m, const char *s, size_t n);

/* The splitter of a "<name>_kvlist" key (klen bytes): cg_nz_kvlist_split_sepm for
 * "sepm_kvlist", cg_nz_kvlist_split for every other name. */
nz_split_fn cg_nz_kvlist_splitter(const char *key, size_t klen);

#endif
