/*
 * rules.h - rule files: loading, validation, and the compiled rule set.
 *
 * A rule file is YAML with a `rules:` list and an optional `tests:` list:
 *
 *   rules:
 *     - id: ds-pattern-update-failed          # unique across all loaded files
 *       description: Anti-malware pattern update failed on a computer
 *       severity: medium                      # info|low|medium|high|critical
 *       tags: [deep-security, health]
 *       match: {product: Deep Security Manager, event_id: 2205}   # see match.h
 *       key: [fields.target]                  # group key: paths (default: one group)
 *       # at most one correlation:
 *       join:      {match: {...}, key: [...], window: 5s, required: false}
 *       threshold: {count: 5, distinct: subject, window: 15m}
 *       holddown:  {cancel: {...}, key: [...], for: 10m}
 *       silence:   {after: 30m}
 *       suppress: 1h                          # at most one alert per key per period
 *       output: alert                         # alert (default) | chain: fed back only
 *       max_keys: 10000                       # live keys kept; the oldest is evicted
 *       summary: "Pattern update failed on {fields.target}: {joined.fields.msg}"
 *       response: {action: quarantine, target: subject, approval: manual}
 *                                             # target: subject, host, fields.<key> or
 *                                             # syslog.sd.<SD-ID>.<param>
 *   tests:
 *     - name: 2205 joined with the 710 of the same moment
 *       options: {year: 2025, timezone: UTC}   # decoder options for the input
 *       input: |
 *         Apr 20 03:20:54 kaga CEF: 0|...
 *       expect:                               # exactly these alerts, in order
 *         - {rule: ds-pattern-update-failed, key.fields.target: DSA-test,
 *            joined.event_id: "710"}
 *
 * Durations: an integer with a unit: ms, s, m, h, d ("90s", "15m"). Every error
 * is reported as "file:line:column: message" and loading goes on to report the
 * rest; a rule set with any error is not used.
 */
#ifndef CEFGUARD_RULES_H
#define CEFGUARD_RULES_H

#include "cefguard/buf.h"
#include "cefguard/match.h"
#include "cefguard/path.h"
#include "cefguard/yamltree.h"

#define CG_RULE_MAX_KEYS_DEFAULT 10000

enum cg_corr_kind {
    CG_CORR_NONE = 0,  /* every matching event alerts (subject to suppress) */
    CG_CORR_THRESHOLD, /* count (or count distinct values) in a sliding window */
    CG_CORR_JOIN,      /* enrich with a related event of the same key within a window */
    CG_CORR_HOLDDOWN,  /* alert only if no cancelling event arrives within a period */
    CG_CORR_SILENCE,   /* alert when matching events stop for a period; clear on return */
};

const char *cg_rule_corr_name(enum cg_corr_kind k);

/* Where a rule's alerts go. */
enum cg_rule_output {
    CG_OUTPUT_ALERT = 0, /* emitted (sinks, stdout, `test` expectations) and fed back */
    CG_OUTPUT_CHAIN,     /* a record: only fed back as an internal event, to the rules that
                          * chain on it; never emitted, counted in engine.recorded */
};

struct cg_keyspec {
    struct cg_path *paths;
    size_t n;
};

struct cg_template;

struct cg_response {
    char *action; /* NULL: the rule requests no response */
    struct cg_path target;
    char *approval; /* "auto" or "manual" */
};

/* A rule id another rule's match names: `name: X` on cefguard's own alerts (a match
 * that also requires vendor cefguard or format internal). Checked once every file is
 * loaded (cg_ruleset_check_refs). */
struct cg_rule_ref {
    char *id;
    unsigned line, col;
};

struct cg_rule {
    char *id;
    char *description;
    char *severity;
    char **tags;
    size_t ntags;
    char *file;
    unsigned line;
    size_t index; /* position in the rule set: the evaluation order */
    /* The rule's definition (its YAML mapping, cg_yaml_digest): a reload or a restart keeps
     * the state of a rule only when its id and digest are unchanged (engine snapshots). */
    uint64_t digest;

    struct cg_match *match; /* the rule's events (silence: the heartbeat events) */
    struct cg_keyspec key;
    enum cg_corr_kind corr;
    int64_t window_us;           /* threshold / join window, holddown period, silence timeout */
    unsigned count;              /* threshold */
    struct cg_path *distinct;    /* threshold: count distinct values of this path (or NULL) */
    struct cg_match *other;      /* join: the related events; holddown: the cancelling events */
    struct cg_keyspec other_key; /* key paths on the related/cancelling events */
    bool join_required;          /* join: drop the event when nothing joins in time */
    int64_t suppress_us;
    enum cg_rule_output output;
    size_t max_keys;
    struct cg_template *summary;
    struct cg_response response;
    struct cg_rule_ref *refs; /* chained rule names this rule matches (owned) */
    size_t nrefs;
    size_t refs_cap; /* room in refs (vec.h) */
};

/* One expected alert of a test case: path -> value pairs an alert must have. */
struct cg_expect_kv {
    char *path;  /* alert JSON path: "rule", "key.fields.target", "events.0.name", ... */
    char *value; /* expected value rendered as text; JSON null is "null" */
    unsigned line, col;
};

struct cg_expect {
    struct cg_expect_kv *kv;
    size_t n;
    unsigned line, col;
};

struct cg_rule_test {
    char *name;
    char *file;
    unsigned line;
    char *input; /* lines, LF-separated */
    size_t input_len;
    char *timezone; /* NULL: UTC */
    int year;       /* 0: 2025, so shipped tests do not age */
    struct cg_expect *expect;
    size_t nexpect;
};

struct cg_rule_lists;

struct cg_ruleset {
    struct cg_rule **rules;
    size_t n;
    size_t rules_cap; /* room in rules (vec.h) */
    struct cg_rule_test **tests;
    size_t ntests;
    size_t tests_cap; /* room in tests */
    size_t nfiles;
    size_t nshared;              /* memo slots of the conditions rules share (cg_match_share) */
    struct cg_rule_lists *lists; /* private: the files' named lists (rule_lists.c) */
};

void cg_ruleset_init(struct cg_ruleset *rs);
void cg_ruleset_fini(struct cg_ruleset *rs);

/* Loads one rule file, or every *.yml / *.yaml file of a directory in name order.
 * CG_OK, or CG_EPARSE / CG_ENOENT / CG_EIO with every error appended to err. */
int cg_ruleset_load(struct cg_ruleset *rs, const char *path, struct cg_buf *err);

/* After every cg_ruleset_load of a set: each chained rule name (struct cg_rule_ref) must
 * be the id of a loaded rule. CG_OK, or CG_EPARSE with "file:line:column: message" lines
 * appended to err ("rule 'x' matches the alerts of rule 'y', and no rule 'y' is loaded"). */
int cg_ruleset_check_refs(const struct cg_ruleset *rs, struct cg_buf *err);

/* Parses a rule duration ("90s", "15m"; the syntax of cg_time_parse_duration) into
 * microseconds; false when invalid, 0 or over 366 days. */
bool cg_rules_duration_parse(const char *s, int64_t *us);

#endif
