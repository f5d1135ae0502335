/*
 * match.h - the `match:` selection of a rule, compiled once, evaluated per event.
 *
 * Syntax (YAML). A mapping is an all-of of its entries; every entry is
 * PATH: CONDITION, or one of the combinators any / all / not.
 *
 *   match:
 *     vendor: Trend Micro                 # scalar: equals (byte-exact string)
 *     event_id: [2205, 2204]              # list: equals one of
 *     fields.act: {in: [Pass, Quarantine]}
 *     fields.filePath: {contains: '\Temp\', nocase: true}
 *     fields.result: {regex: '(?i)fail'}  # PCRE2, compiled with JIT
 *     fields.dst: {cidr: [10.0.0.0/8, "fd00::/8"]}
 *     fields.cn1: {gt: 5, le: 100}        # numeric; a non-number never matches
 *     fields.msg: {exists: true}
 *     any:                                # one of the listed mappings
 *       - {fields.result: {suffix: Failed}}
 *       - {fields.act: Pass}
 *     not: {fields.TrendMicroDsTenant: Test}
 *     name: {contains: {list: never-act}, nocase: true}   # a list of the rule file
 *     all: [{...}, {...}]
 *
 * Operators in a condition mapping (all must hold): eq, ne, in, prefix, suffix,
 * contains (each takes one value or a list: any of them), regex (one or a list),
 * cidr (one or a list), lt, le, gt, ge (numbers), exists (true/false); modifier
 * nocase: true (ASCII case-insensitive eq/ne/in/prefix/suffix/contains).
 * A missing value makes every operator false except exists: false and ne
 * (a missing value is "not equal"); `not` negates the whole mapping.
 * Scalars are compared as text exactly as YAML gives them: event_id: 2205 and
 * event_id: "2205" are the same.
 *
 * Policies: regexes are PCRE2_UTF|PCRE2_MATCH_INVALID_UTF (valid UTF-8 matches as
 * characters; an invalid byte sequence matches no pattern item, a barrier no match
 * crosses). ne with a list holds when the value equals none of them. Numbers are
 * [+-]digits[.digits][e[+-]digits] with nothing around them (no hex/inf/nan/spaces).
 * cidr: a bare address is /32 or /128; host bits set is a compile error; an IPv4
 * network also matches ::ffff:a.b.c.d. An empty mapping matches every event.
 *
 * Regex cost is bounded per value: an evaluation stops after 100,000 backtracking steps
 * (PCRE2 match limit), at a backtracking depth of 10,000 or 4 MiB of heap (interpreter),
 * or at a 512 KiB JIT stack. A stopped evaluation is no match; it is counted in the
 * match (cg_match_regex_stopped) and in the memo's counter when there is one, and the
 * first one of each match is logged (warning, with the match's name and the pattern).
 *
 * Errors are appended to err as "file:line:column: message".
 */
#ifndef CEFGUARD_MATCH_H
#define CEFGUARD_MATCH_H

#include "cefguard/buf.h"
#include "cefguard/event.h"
#include "cefguard/path.h"
#include "cefguard/yamltree.h"

struct cg_match;

/* Compiles a `match:` mapping. CG_OK or CG_EPARSE (with messages in err). */
int cg_match_compile(const struct cg_ydoc *doc, const struct cg_ynode *node, struct cg_match **out,
                     struct cg_buf *err);
/* cg_match_compile where the operand of eq/ne/in/prefix/suffix/contains may also be
 * `{list: NAME}`: the values of NAME in lists (a mapping of names to non-empty lists of
 * values, checked by the caller: the rule files' top-level `lists:`; may be NULL), as if
 * written in place, so evaluation is the same as for an inline list. An unknown NAME
 * is an error naming the lists there are. */
int cg_match_compile_lists(const struct cg_ydoc *doc, const struct cg_ynode *node,
                           const struct cg_ynode *lists, struct cg_match **out, struct cg_buf *err);
void cg_match_free(struct cg_match *m);

/* The name the log gives the match ("rule 'x'", "'join' of rule 'x'"): copied. */
int cg_match_set_name(struct cg_match *m, const char *name);
/* Regex evaluations of m that a limit stopped, since it was compiled. */
uint64_t cg_match_regex_stopped(const struct cg_match *m);

/* True when ev matches. Reads event fields lazily (header paths never decode
 * the extension). Not thread-safe for regex matches (shared match data). */
bool cg_match_eval(const struct cg_match *m, struct cg_event *ev);

/* Shared subexpressions. Rules of one product repeat conditions (vendor, product,
 * the same `any:` list in a rule and its companion): cg_match_share() finds the
 * subtrees that occur more than once among ms (by structure: same paths, operators,
 * operands and nesting) and gives each a memo slot (1..*nslots). An evaluation with a
 * memo then computes each shared subtree once per event. The matches are modified
 * (their slots), so share once after loading, before evaluating concurrently. */
int cg_match_share(struct cg_match **ms, size_t n, size_t *nslots);

struct cg_match_memo {
    uint32_t epoch; /* the current event */
    size_t n;       /* slots + 1 */
    uint32_t *stamp;
    bool *val;
    uint64_t *regex_limit; /* when set, counts regex evaluations a limit stopped */
};

int cg_match_memo_init(struct cg_match_memo *mm, size_t nslots);
void cg_match_memo_fini(struct cg_match_memo *mm);
/* Forgets every memoized result: call before the evaluations of each new event. */
void cg_match_memo_next(struct cg_match_memo *mm);
/* cg_match_eval, reusing and recording shared results in mm. */
bool cg_match_eval_memo(const struct cg_match *m, struct cg_event *ev, struct cg_match_memo *mm);

/* Index support: when every event m can match must have path kind k equal to
 * one of a fixed set of values (a top-level eq/in/scalar/list on vendor,
 * product or event_id, not under not/any), returns true and sets *vals and *n to
 * those values (owned by m). Otherwise returns false (m may match any value). */
bool cg_match_required_values(const struct cg_match *m, enum cg_path_kind k,
                              const struct cg_str **vals, size_t *n);

/* Index support for names and alternatives: an event_id or name value set, exact or
 * (name only) nocase, in which case vals are lower-case. */
struct cg_match_alt {
    enum cg_path_kind kind; /* CG_P_EVENT_ID or CG_P_NAME */
    bool nocase;
    const struct cg_str *vals; /* owned by the match */
    size_t n;
};
/* When every event m can match has a name from a set (top-level eq/in, nocase too),
 * returns 1 with that set in alts[0]. Otherwise, when m has a top-level any: each of
 * whose (at most max) branches requires an event_id or a name from a set, fills one
 * alternative per branch and returns their number: every event m matches has one of
 * those values. 0 when neither holds. */
size_t cg_match_required_any(const struct cg_match *m, struct cg_match_alt *alts, size_t max);

/* Does m ask for cefguard's own alerts (internal events)? True when every event m can
 * match must have format "internal": a top-level (not under any/not) case-sensitive
 * `format:` eq/in whose values include "internal" (`format: internal`,
 * `format: [cef, internal]`, `format: {in: [internal]}`). Only such matches see internal
 * events; `vendor: cefguard` alone does not ask. */
bool cg_match_asks_internal(const struct cg_match *m);

/* Could m match an internal event that rule `id` (severity `severity`, response action
 * `action` or NULL) emits, of an alert kind in kinds ("alert", "silence", ...)? A
 * conservative answer for `check`: false when m does not ask for internal events, or when,
 * for every kind, some top-level part (a member of the all-of at the top: a condition, or
 * an any/not) made only of conditions on values the internal event certainly has or
 * lacks fails: format, vendor, product, event_id (the kind), name (id), severity,
 * fields.rule (id), fields.action (action, on alert and silence only; absent when the
 * response is refused, so both are tried). Every other part
 * is taken to hold. */
bool cg_match_can_see_own(const struct cg_match *m, const char *id, const char *severity,
                          const char *action, const char *const *kinds, size_t nkinds);

/* Index support for numeric ranges: true when every event m can match must have
 * path kind k be a number within [*lo, *hi] (top-level ge/gt and le/lt, both
 * bounds present; the bounds are inclusive even for gt/lt: a superset, the
 * match itself decides). */
bool cg_match_required_range(const struct cg_match *m, enum cg_path_kind k, double *lo, double *hi);

/* A value as the numeric operators read it (lt/le/gt/ge): a strict decimal number, spaces
 * around it ignored. False when it is not one (such a value matches no numeric condition),
 * so an index of numeric ranges must read values with this too. */
bool cg_match_number(const char *p, size_t n, double *out);

#endif
