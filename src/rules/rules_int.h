/*
 * rules_int.h - what the files of rule loading share (see rules.h): the loader's state,
 * the readers of typed YAML values that report at the node (rules_read.c), one rule
 * (rule.c) and one test case (rule_test.c), called by the rule set (rules.c). Not a public
 * interface.
 *
 * Loading never stops at the first mistake: every check reports at the node it is about,
 * counts the error in the loader and goes on, so one run shows the author every error of
 * every file. A reader that fails returns false / NULL after reporting; running out of
 * memory sets oom and is not reported (the load returns CG_ENOMEM).
 */
#ifndef CEFGUARD_RULES_INT_H
#define CEFGUARD_RULES_INT_H

#include "cefguard/hmap.h"
#include "cefguard/rules.h"

#define CG_RULES_ID_MAX 128
#define CG_RULES_WHAT_MAX (CG_RULES_ID_MAX + 64)
/* User text quoted in a message is cut here (and made printable). */
#define CG_RULES_QUOTE_MAX 64

struct cg_rules_loader {
    struct cg_ruleset *rs;
    struct cg_buf *err;
    const struct cg_ydoc *doc;
    const struct cg_ynode *lists; /* the lists defined so far (rs->lists), or NULL */
    struct cg_hmap ids;           /* rule id -> "file:line" of its first definition (owned) */
    unsigned nerr;
    bool oom;
    char what[CG_RULES_WHAT_MAX]; /* the rule or test being compiled: "rule 'x'", "test #2" */
};

/* A place in the file for messages: "'join' of rule 'x'". */
struct cg_rules_where {
    char s[CG_RULES_WHAT_MAX + 32];
};

struct cg_rules_quoted {
    char s[CG_RULES_QUOTE_MAX + 4];
};

/* ---- rule_lists.c: named lists -------------------------------------------------------- */

/* Reads the file's `lists:` (if any) into l->rs->lists, reporting bad entries and names
 * defined before (in this or an earlier file), and points l->lists at every list defined
 * so far, for the matches of the file's rules. */
void cg_rule_lists_read(struct cg_rules_loader *l, const struct cg_ynode *root);
void cg_rule_lists_free(struct cg_rule_lists *ls);

/* ---- rules_read.c: messages and typed values ---------------------------------------- */

/* YAML null: `key:`, `key: ~`, `key: null`. Only expected values may be null:
 * anywhere else it is an unfinished edit, and a silent default could change
 * what a rule does (`silence:` alone would make an alert-on-every-event rule).
 * Inline: it runs for every key of every rule. */
static inline bool cg_rules_is_null(const struct cg_ynode *n)
{
    return n->type == CG_Y_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
            strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

/* Appends "file:line:column: message" for node at and counts the error. */
void cg_rules_err(struct cg_rules_loader *l, const struct cg_ynode *at, const char *fmt, ...)
    CG_PRINTF(3, 4);
/* p[0..n) cut to CG_RULES_QUOTE_MAX bytes ("..." after), control bytes as '?'; in q. */
const char *cg_rules_quote(struct cg_rules_quoted *q, const char *p, size_t n);
/* "'key' of what", in w. */
const char *cg_rules_where_of(struct cg_rules_where *w, const char *key, const char *what);
/* The value of an optional key: NULL when absent (or null, which is reported). */
const struct cg_ynode *cg_rules_get(struct cg_rules_loader *l, const struct cg_ynode *map,
                                    const char *key, const char *where);
/* cg_rules_get, and a missing key is reported. */
const struct cg_ynode *cg_rules_required(struct cg_rules_loader *l, const struct cg_ynode *map,
                                         const char *key, const char *where);
bool cg_rules_is_map(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                     const char *where);
/* Reports each key of map not in known (NULL-terminated), with a suggestion when one is close. */
void cg_rules_check_keys(struct cg_rules_loader *l, const struct cg_ynode *map,
                         const char *const *known, const char *where);
/* NUL-terminated copies, owned by the caller; NULL (and oom) when memory runs out. */
char *cg_rules_dup(struct cg_rules_loader *l, const char *p, size_t n);
char *cg_rules_dupz(struct cg_rules_loader *l, const char *z);
/* Typed values of key in where: each reports a value of the wrong type or out of range.
 * Strings are copies owned by the caller; a path is parsed into *out (cg_path_fini). */
bool cg_rules_want_scalar(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                          const char *where);
char *cg_rules_text_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                       const char *where);
char *cg_rules_enum_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *const *list,
                       const char *key, const char *where);
bool cg_rules_uint_at(struct cg_rules_loader *l, const struct cg_ynode *n, uint64_t lo, uint64_t hi,
                      const char *key, const char *where, uint64_t *out);
bool cg_rules_duration_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                          const char *where, int64_t *us);
bool cg_rules_bool_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                      const char *where, bool *out);
bool cg_rules_path_at(struct cg_rules_loader *l, const struct cg_ynode *n, const char *key,
                      const char *where, struct cg_path *out);

/* ---- rule.c and rule_test.c: one entry of `rules:` / `tests:` ------------------------ */

/* How an entry compiled since l->nerr was nerr: CG_ENOMEM, CG_EPARSE or CG_OK. */
static inline int cg_rules_outcome(const struct cg_rules_loader *l, unsigned nerr)
{
    return l->oom ? CG_ENOMEM : l->nerr != nerr ? CG_EPARSE : CG_OK;
}

/* Compiles the ordinal-th (1-based) entry of `rules:` of l->doc, a mapping. CG_OK with *out (owned
 * by the caller: cg_rule_free); CG_EPARSE, the errors reported; CG_ENOMEM with l->oom set.
 * Registers the rule's id in l->ids, also when the rule is bad (so that a later copy is
 * still reported as the duplicate it is). */
int cg_rule_compile(struct cg_rules_loader *l, const struct cg_ynode *map, size_t ordinal,
                    struct cg_rule **out);
void cg_rule_free(struct cg_rule *r);

/* The same for an entry of `tests:` (a mapping; cg_rule_test_free). */
int cg_rule_test_compile(struct cg_rules_loader *l, const struct cg_ynode *map, size_t ordinal,
                         struct cg_rule_test **out);
void cg_rule_test_free(struct cg_rule_test *t);

/* ---- rule_refs.c: what a rule refers to ---------------------------------------------- */

/* Reports a response target path that can never name a machine (time, format, ...). */
void cg_rule_check_target(struct cg_rules_loader *l, const struct cg_ynode *at,
                          const struct cg_path *p, const char *where);
/* Keeps the rule ids a match on cefguard's own alerts names (`name:`), with their
 * positions, in r->refs; cg_ruleset_check_refs checks them once all files are loaded. */
void cg_rule_collect_refs(struct cg_rules_loader *l, struct cg_rule *r,
                          const struct cg_ynode *match);
void cg_rule_refs_free(struct cg_rule *r);

#endif
