/* test_rules.c - rule files: loading, validation messages, compiled rules (rules.h).
 *
 * Fixtures live in test/data/rules/; the tests chdir there so messages name the
 * files by relative path and can be compared byte for byte. Small cases are
 * written to a temporary directory as "t.yml" and its prefix is stripped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cefguard/rules.h"
#include "cefguard/template.h"

#define FIXTURES CG_SOURCE_DIR "/test/data/rules"

static char tmpdir[] = "/tmp/cg-test-rules-XXXXXX";

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    return chdir(FIXTURES);
}

static int group_teardown(void **state)
{
    (void)state;
    char path[sizeof(tmpdir) + 8];
    snprintf(path, sizeof(path), "%s/t.yml", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    return 0;
}

static void assert_str(const char *got, const char *want)
{
    assert_non_null(got);
    assert_int_equal(strlen(got), strlen(want));
    assert_string_equal(got, want);
}

static const char *path_text(const struct cg_keyspec *ks, size_t i)
{
    assert_true(i < ks->n);
    return ks->paths[i].text;
}

/* Renders a rule's summary without an event (enough for literal summaries). */
static void assert_summary(const struct cg_rule *r, const char *want)
{
    struct cg_buf out;
    cg_buf_init(&out);
    struct cg_template_ctx ctx = {.rule = r->id};
    assert_non_null(r->summary);
    assert_int_equal(cg_template_render(r->summary, &ctx, &out), CG_OK);
    assert_str(cg_buf_cstr(&out), want);
    cg_buf_fini(&out);
}

/* ---- the valid fixture ---------------------------------------------------- */

static void load_valid(struct cg_ruleset *rs)
{
    struct cg_buf err;
    cg_buf_init(&err);
    cg_ruleset_init(rs);
    int rc = cg_ruleset_load(rs, "valid.yml", &err);
    if (rc != CG_OK)
        fail_msg("load: %d %s", rc, cg_buf_cstr(&err));
    assert_int_equal(err.n, 0);
    cg_buf_fini(&err);
}

static void test_valid_rules(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    load_valid(&rs);
    assert_int_equal(rs.n, 5);
    assert_int_equal(rs.nfiles, 1);
    static const char *const ids[] = {"ds-pattern-update-failed", "brute.force:1", "reboot_pending",
                                      "heartbeat", "plain"};
    static const enum cg_corr_kind kinds[] = {CG_CORR_JOIN, CG_CORR_THRESHOLD, CG_CORR_HOLDDOWN,
                                              CG_CORR_SILENCE, CG_CORR_NONE};
    static const unsigned lines[] = {3, 15, 20, 31, 36};
    for (size_t i = 0; i < rs.n; i++) {
        assert_str(rs.rules[i]->id, ids[i]);
        assert_int_equal(rs.rules[i]->index, i);
        assert_int_equal(rs.rules[i]->corr, kinds[i]);
        assert_int_equal(rs.rules[i]->line, lines[i]);
        assert_str(rs.rules[i]->file, "valid.yml");
        assert_non_null(rs.rules[i]->match);
    }
    cg_ruleset_fini(&rs);
}

static void test_valid_join(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    load_valid(&rs);
    const struct cg_rule *r = rs.rules[0];
    assert_str(r->description, "Anti-malware pattern update failed on a computer");
    assert_str(r->severity, "high");
    assert_int_equal(r->ntags, 2);
    assert_str(r->tags[0], "deep-security");
    assert_str(r->tags[1], "health");
    assert_int_equal(r->key.n, 1);
    assert_str(path_text(&r->key, 0), "fields.target");
    assert_int_equal(r->key.paths[0].kind, CG_P_FIELD);
    assert_non_null(r->other);
    assert_int_equal(r->other_key.n, 1); /* defaults to the rule's key */
    assert_str(path_text(&r->other_key, 0), "fields.target");
    assert_true(r->join_required);
    assert_int_equal(r->window_us, 5000000);
    assert_int_equal(r->suppress_us, INT64_C(3600000000));
    assert_int_equal(r->max_keys, 500);
    assert_null(r->distinct);
    assert_str(r->response.action, "quarantine");
    assert_str(r->response.target.text, "fields.target");
    assert_str(r->response.approval, "auto");
    assert_summary(r, "Pattern update failed on -: -");
    cg_ruleset_fini(&rs);
}

static void test_valid_threshold(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    load_valid(&rs);
    const struct cg_rule *r = rs.rules[1];
    assert_null(r->description);
    assert_str(r->severity, "medium");
    assert_int_equal(r->ntags, 0);
    assert_int_equal(r->key.n, 1); /* a single path, not a list */
    assert_str(path_text(&r->key, 0), "subject");
    assert_int_equal(r->count, 5);
    assert_int_equal(r->window_us, INT64_C(900000000));
    assert_non_null(r->distinct);
    assert_str(r->distinct->text, "fields.suser");
    assert_null(r->other);
    assert_int_equal(r->other_key.n, 0);
    assert_int_equal(r->suppress_us, 0);
    assert_int_equal(r->max_keys, CG_RULE_MAX_KEYS_DEFAULT);
    assert_null(r->response.action);
    assert_summary(r, "brute.force:1"); /* no summary, no description: the id */
    cg_ruleset_fini(&rs);
}

static void test_valid_holddown_silence(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    load_valid(&rs);
    const struct cg_rule *r = rs.rules[2];
    assert_str(r->severity, "info");
    assert_int_equal(r->key.n, 2);
    assert_str(path_text(&r->key, 0), "host");
    assert_str(path_text(&r->key, 1), "syslog.app");
    assert_non_null(r->other);
    assert_int_equal(r->other_key.n, 2);
    assert_str(path_text(&r->other_key, 0), "fields.dhost");
    assert_str(path_text(&r->other_key, 1), "syslog.app");
    assert_int_equal(r->window_us, INT64_C(600000000));
    assert_false(r->join_required);
    assert_str(r->response.action, "reboot");
    assert_str(r->response.target.text, "subject"); /* defaults */
    assert_int_equal(r->response.target.kind, CG_P_SUBJECT);
    assert_str(r->response.approval, "manual");
    assert_summary(r, "Reboot {pending}"); /* the description, taken literally */

    r = rs.rules[3];
    assert_int_equal(r->window_us, INT64_C(7200000000));
    assert_str(path_text(&r->key, 0), "host");
    assert_null(r->other);

    r = rs.rules[4];
    assert_int_equal(r->key.n, 0);
    assert_int_equal(r->window_us, 0);
    cg_ruleset_fini(&rs);
}

static void assert_kv(const struct cg_expect *e, size_t i, const char *path, const char *value,
                      unsigned line, unsigned col)
{
    assert_true(i < e->n);
    assert_str(e->kv[i].path, path);
    assert_str(e->kv[i].value, value);
    assert_int_equal(e->kv[i].line, line);
    assert_int_equal(e->kv[i].col, col);
}

static void test_valid_tests(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    load_valid(&rs);
    assert_int_equal(rs.ntests, 2);
    const struct cg_rule_test *t = rs.tests[0];
    assert_str(t->name, "2205 joined with the 710 of the same moment");
    assert_str(t->file, "valid.yml");
    assert_int_equal(t->line, 40);
    const char *input = "Apr 20 03:20:54 kaga CEF: 0|Trend Micro|Deep Security Manager|20.0|2205|"
                        "x|6|target=DSA-test\n";
    assert_int_equal(t->input_len, strlen(input));
    assert_memory_equal(t->input, input, t->input_len);
    assert_int_equal(t->year, 2024);
    assert_str(t->timezone, "Asia/Tokyo");
    assert_int_equal(t->nexpect, 2);
    const struct cg_expect *e = &t->expect[0];
    assert_int_equal(e->n, 3);
    assert_int_equal(e->line, 45);
    assert_int_equal(e->col, 9);
    assert_kv(e, 0, "rule", "ds-pattern-update-failed", 45, 10);
    assert_kv(e, 1, "key.fields.target", "DSA-test", 45, 42);
    assert_kv(e, 2, "joined.event_id", "710", 45, 71);
    e = &t->expect[1];
    assert_int_equal(e->n, 5);
    assert_kv(e, 0, "rule", "plain", 46, 9);
    assert_kv(e, 1, "count", "1", 47, 9);
    assert_kv(e, 2, "joined", "null", 48, 9);
    assert_kv(e, 3, "suppressed", "null", 49, 9); /* ~ */
    assert_kv(e, 4, "quoted", "null", 50, 9);     /* "null" as written */

    t = rs.tests[1];
    assert_str(t->name, "nothing");
    assert_int_equal(t->input_len, 1);
    assert_int_equal(t->year, 0);
    assert_null(t->timezone);
    assert_int_equal(t->nexpect, 0);
    cg_ruleset_fini(&rs);
}

/* ---- the invalid fixture: every check, exact messages --------------------- */

#define PATHS                                                                                      \
    "expected vendor, product, product_version, event_id, name, severity, format, "                \
    "format_version, host, subject, subject_key, subject_status, reason, message, time, "          \
    "risk.class, "                                                                                 \
    "risk.outcome, fields.<key>, "                                                                 \
    "syslog.app, syslog.procid, syslog.msgid, syslog.pri, syslog.facility, syslog.severity, "      \
    "syslog.sd.<SD-ID>.<param>"
#define DURATION                                                                                   \
    "expected an integer with a unit ms, s, m, h or d (90s, 15m), more than 0 and at most 366d"

/* One message per line, in file order. */
static const char *const invalid_errors[] = {
    "invalid.yml:3:1: unknown key 'rule' in the file; did you mean 'rules'?",
    "invalid.yml:5:9: bad rule id 'bad id!' in rule #1: use only letters, digits and _ . : -",
    "invalid.yml:7:5: missing required key 'id' in rule #2",
    "invalid.yml:11:5: unknown key 'sumary' in rule 'unknown-keys'; did you mean 'summary'?",
    "invalid.yml:12:5: unknown key 'colour' in rule 'unknown-keys'",
    "invalid.yml:13:5: missing required key 'match' in rule 'values'",
    "invalid.yml:14:15: bad severity 'urgent' in rule 'values': expected one of info, low, "
    "medium, high, critical",
    "invalid.yml:15:11: 'tags' must be a list of texts in rule 'values'",
    "invalid.yml:16:10: 'key' must be a path or a list of paths in rule 'values'",
    "invalid.yml:17:17: 'description' needs a value in rule 'values'",
    "invalid.yml:18:5: missing required key 'match' in rule 'no-match'",
    "invalid.yml:19:16: 'tags' items must be non-empty texts in rule 'no-match'",
    "invalid.yml:20:21: bad 'key' path in rule 'no-match': unknown field 'nosuchfield': " PATHS,
    "invalid.yml:22:12: 'match' must be a mapping in rule 'bad-match'",
    "invalid.yml:25:11: missing required key 'window' in 'join' of rule 'two-corr'",
    "invalid.yml:25:44: 'required' must be true or false in 'join' of rule 'two-corr'",
    "invalid.yml:26:5: 'threshold' cannot be combined with 'join' in rule 'two-corr': a rule has "
    "at most one of join, threshold, holddown, silence",
    "invalid.yml:26:16: missing required key 'window' in 'threshold' of rule 'two-corr'",
    "invalid.yml:26:24: bad count '0' in 'threshold' of rule 'two-corr': expected an integer "
    "from 1 to 100000",
    "invalid.yml:26:27: unknown key 'windw' in 'threshold' of rule 'two-corr'; did you mean "
    "'window'?",
    "invalid.yml:29:24: bad count 'five' in 'threshold' of rule 'threshold': expected an integer "
    "from 1 to 100000",
    "invalid.yml:29:38: bad duration '0s' for 'window' in 'threshold' of rule "
    "'threshold': " DURATION,
    "invalid.yml:29:52: bad 'distinct' path in 'threshold' of rule 'threshold': unknown field "
    "'nope': " PATHS,
    "invalid.yml:33:15: missing required key 'cancel' in 'holddown' of rule 'holddown'",
    "invalid.yml:33:21: 'key' has 2 paths in 'holddown' of rule 'holddown' but the rule's key "
    "has 1: they must pair up",
    "invalid.yml:33:43: bad duration '10x' for 'for' in 'holddown' of rule "
    "'holddown': " DURATION,
    "invalid.yml:36:14: missing required key 'after' in 'silence' of rule 'silence'",
    "invalid.yml:37:15: bad duration '367d' for 'suppress' in rule 'silence': " DURATION,
    "invalid.yml:38:15: bad max_keys '20000000' in rule 'silence': expected an integer from 1 "
    "to 10000000",
    "invalid.yml:41:14: unterminated '{' at offset 10 in template (write '{{' for a literal "
    "brace)",
    "invalid.yml:42:24: bad action 'reboots' in 'response' of rule 'summary': expected one of "
    "quarantine, reboot, release, notify",
    "invalid.yml:42:41: bad 'target' path in 'response' of rule 'summary': empty key in "
    "'fields.': expected fields.<key>",
    "invalid.yml:42:60: bad approval 'later' in 'response' of rule 'summary': expected one of "
    "auto, manual",
    "invalid.yml:43:9: duplicate rule id 'values' (first defined at invalid.yml:13)",
    "invalid.yml:45:5: rule #13 must be a mapping",
    "invalid.yml:49:5: missing required key 'input' in test 'bad test'",
    "invalid.yml:50:5: unknown key 'inputs' in test 'bad test'; did you mean 'input'?",
    "invalid.yml:51:13: 'expect' must be a list of alerts in test 'bad test' (an empty list: "
    "no alert)",
    "invalid.yml:54:21: bad year '1969' in 'options' of test 'bad alerts': expected an integer "
    "from 1970 to 9999",
    "invalid.yml:54:37: bad timezone 'Mars/Base' in 'options' of test 'bad alerts': expected "
    "UTC, an offset like +09:00 or a zone name like Asia/Tokyo",
    "invalid.yml:54:48: unknown key 'zone' in 'options' of test 'bad alerts'",
    "invalid.yml:56:9: alert #1 of 'expect' in test 'bad alerts' must be a mapping of alert "
    "paths to values",
    "invalid.yml:57:16: the value of 'rule' in alert #2 of 'expect' in test 'bad alerts' must "
    "be a scalar",
    "invalid.yml:57:21: empty path in alert #2 of 'expect' in test 'bad alerts'",
};

static void test_invalid_fixture(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    assert_int_equal(cg_ruleset_load(&rs, "invalid.yml", &err), CG_EPARSE);
    struct cg_buf want;
    cg_buf_init(&want);
    for (size_t i = 0; i < CG_ARRAY_LEN(invalid_errors); i++)
        cg_buf_printf(&want, "%s\n", invalid_errors[i]);
    assert_int_equal(CG_ARRAY_LEN(invalid_errors), 44);
    assert_str(cg_buf_cstr(&err), cg_buf_cstr(&want));
    cg_buf_fini(&want);
    /* Only the one good rule survives; no test does. */
    assert_int_equal(rs.n, 1);
    assert_str(rs.rules[0]->id, "fine");
    assert_int_equal(rs.rules[0]->index, 0);
    assert_int_equal(rs.ntests, 0);
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
}

/* ---- several files ------------------------------------------------------- */

static void test_dir_order(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    /* dir/ also holds notes.txt, .hidden.yml, sub/ and dir.yml/: none is read. */
    assert_int_equal(cg_ruleset_load(&rs, "dir", &err), CG_OK);
    assert_int_equal(err.n, 0);
    static const char *const ids[] = {"first-a", "first-b", "second", "third"};
    static const char *const files[] = {"dir/10-first.yml", "dir/10-first.yml",
                                        "dir/20-second.yaml", "dir/30-third.yml"};
    assert_int_equal(rs.n, 4);
    for (size_t i = 0; i < rs.n; i++) {
        assert_str(rs.rules[i]->id, ids[i]);
        assert_str(rs.rules[i]->file, files[i]);
        assert_int_equal(rs.rules[i]->index, i);
    }
    assert_int_equal(rs.nfiles, 3);
    assert_int_equal(rs.ntests, 1);
    /* A trailing slash does not double in the names; a second load appends. */
    assert_int_equal(cg_ruleset_load(&rs, "valid.yml", &err), CG_OK);
    assert_int_equal(rs.n, 9);
    assert_str(rs.rules[4]->id, "ds-pattern-update-failed");
    assert_int_equal(rs.rules[8]->index, 8);
    assert_int_equal(rs.nfiles, 4);
    cg_ruleset_fini(&rs);
    cg_ruleset_init(&rs);
    assert_int_equal(cg_ruleset_load(&rs, "dir/", &err), CG_OK);
    assert_str(rs.rules[3]->file, "dir/30-third.yml");
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
}

static void test_dup_dir(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    assert_int_equal(cg_ruleset_load(&rs, "dup", &err), CG_EPARSE);
    assert_str(cg_buf_cstr(&err),
               "dup/b.yml:5:9: duplicate rule id 'shared' (first defined at dup/a.yml:2)\n");
    assert_int_equal(rs.n, 3);
    assert_str(rs.rules[2]->id, "other");
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
}

/* Ids are unique across every load into the same set, not only one call. */
static void test_dup_two_loads(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    assert_int_equal(cg_ruleset_load(&rs, "dup/a.yml", &err), CG_OK);
    assert_int_equal(cg_ruleset_load(&rs, "dup/b.yml", &err), CG_EPARSE);
    assert_str(cg_buf_cstr(&err),
               "dup/b.yml:5:9: duplicate rule id 'shared' (first defined at dup/a.yml:2)\n");
    assert_int_equal(rs.nfiles, 2);
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
}

/* A file that is not YAML does not stop the others from being checked. */
static void test_mixed_dir(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    assert_int_equal(cg_ruleset_load(&rs, "mixed", &err), CG_EPARSE);
    assert_str(cg_buf_cstr(&err),
               "mixed/a-broken.yml:3:28: did not find expected ',' or ']'\n"
               "mixed/b-bad.yml:4:15: bad severity 'severe' in rule 'bad': expected one of "
               "info, low, medium, high, critical\n");
    assert_int_equal(rs.n, 1);
    assert_str(rs.rules[0]->id, "good");
    assert_int_equal(rs.nfiles, 2);
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
}

static void test_missing_path(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    assert_int_equal(cg_ruleset_load(&rs, "no-such-file.yml", &err), CG_ENOENT);
    assert_str(cg_buf_cstr(&err), "no-such-file.yml: No such file or directory\n");
    assert_int_equal(rs.n, 0);
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
    cg_ruleset_fini(&rs); /* fini twice is harmless */
}

/* ---- small cases, written to t.yml ---------------------------------------- */

/* Loads yaml as <tmpdir>/t.yml; returns rc, err holds messages with the
 * directory stripped. */
static int load_text(struct cg_ruleset *rs, const char *yaml, struct cg_buf *err)
{
    char path[sizeof(tmpdir) + 8];
    snprintf(path, sizeof(path), "%s/t.yml", tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(yaml, 1, strlen(yaml), f), strlen(yaml));
    assert_int_equal(fclose(f), 0);
    struct cg_buf raw;
    cg_buf_init(&raw);
    cg_ruleset_init(rs);
    int rc = cg_ruleset_load(rs, path, &raw);
    size_t dl = strlen(tmpdir) + 1; /* "<tmpdir>/" */
    cg_buf_clear(err);
    for (size_t i = 0; i < raw.n;) {
        const char *hit = memmem(raw.p + i, raw.n - i, path, dl);
        size_t end = hit ? (size_t)(hit - raw.p) : raw.n;
        cg_buf_put(err, raw.p + i, end - i);
        i = hit ? end + dl : end;
    }
    cg_buf_fini(&raw);
    return rc;
}

struct err_case {
    const char *yaml;
    const char *want;
};

#define R "rules:\n  - id: r\n    match: {event_id: 1}\n"
#define OWN(id)                                                                                    \
    "rule '" id "' can match its own alerts (format: internal, name: " id "): "                    \
    "every alert would make another; exclude its id with a 'name:' condition\n"

static const struct err_case err_cases[] = {
    {"", "t.yml:1:1: empty rule file: expected 'rules' and/or 'tests'\n"},
    {"{}\n", "t.yml:1:1: empty rule file: expected 'rules' and/or 'tests'\n"},
    {"- a\n", "t.yml:1:1: a rule file must be a mapping with 'rules' and/or 'tests'\n"},
    {"rules: x\n", "t.yml:1:8: 'rules' must be a list\n"},
    {"rules:\n", "t.yml:1:7: 'rules' needs a value in the file\n"},
    {"tests: {}\n", "t.yml:1:8: 'tests' must be a list\n"},
    {"rules:\n  - id: [a]\n    match: {event_id: 1}\n",
     "t.yml:2:9: 'id' must be a text in rule #1\n"},
    {"rules:\n  - id: \"\"\n    match: {event_id: 1}\n",
     "t.yml:2:9: rule id must be 1 to 128 bytes long in rule #1\n"},
    {"rules:\n  - id: "
     "a123456789a123456789a123456789a123456789a123456789a123456789a123456789a123456789a123456789"
     "a123456789a123456789a123456789a123456789\n    match: {event_id: 1}\n",
     "t.yml:2:9: rule id must be 1 to 128 bytes long in rule #1\n"},
    {"rules:\n  - id: ~\n    match: {event_id: 1}\n", "t.yml:2:9: 'id' needs a value in rule #1\n"},
    {R "  - id: r\n    match: {event_id: 2}\n",
     "t.yml:4:9: duplicate rule id 'r' (first defined at t.yml:2)\n"},
    {R "    silence:\n", "t.yml:4:13: 'silence' needs a value in rule 'r'\n"},
    {R "    silence: 5m\n", "t.yml:4:14: 'silence' must be a mapping in rule 'r'\n"},
    {R "    silence: {after: 5m, for: 1m}\n",
     "t.yml:4:26: unknown key 'for' in 'silence' of rule 'r'\n"},
    {R "    threshold: {count: 1, widnow: 1m}\n",
     "t.yml:4:16: missing required key 'window' in 'threshold' of rule 'r'\n"
     "t.yml:4:27: unknown key 'widnow' in 'threshold' of rule 'r'; did you mean 'window'?\n"},
    {R "    threshold: {count: 100001, window: 1m}\n",
     "t.yml:4:24: bad count '100001' in 'threshold' of rule 'r': expected an integer from 1 to "
     "100000\n"},
    {R "    threshold: {count: [1], window: 1m}\n",
     "t.yml:4:24: 'count' must be an integer from 1 to 100000 in 'threshold' of rule 'r'\n"},
    {R "    suppress: [1m]\n",
     "t.yml:4:15: 'suppress' must be a duration (90s, 15m) in rule 'r'\n"},
    {R "    suppress: 1.5h\n",
     "t.yml:4:15: bad duration '1.5h' for 'suppress' in rule 'r': " DURATION "\n"},
    {R "    max_keys: 0\n",
     "t.yml:4:15: bad max_keys '0' in rule 'r': expected an integer from 1 to 10000000\n"},
    {R "    key: [host]\n    join: {match: {event_id: 2}, key: [host, subject], window: 1s}\n",
     "t.yml:5:39: 'key' has 2 paths in 'join' of rule 'r' but the rule's key has 1: they must "
     "pair up\n"},
    {R "    join: {match: {event_id: 2}, key: host, window: 1s}\n",
     "t.yml:4:39: 'key' has 1 paths in 'join' of rule 'r' but the rule's key has 0: they must "
     "pair up\n"},
    {R "    key: [host, host, host, host, host, host, host, host, host, host, host, host, host, "
       "host, host, host, host]\n",
     "t.yml:4:10: 'key' has 17 paths in rule 'r': at most 16\n"},
    {R "    key: [[host]]\n", "t.yml:4:11: 'key' must be a path in rule 'r'\n"},
    {R "    key: [host, fields.target, host]\n",
     "t.yml:4:32: 'key' names 'host' twice in rule 'r'\n"},
    {R "    response: quarantine\n", "t.yml:4:15: 'response' must be a mapping in rule 'r'\n"},
    {R "    response: {target: host}\n",
     "t.yml:4:15: missing required key 'action' in 'response' of rule 'r'\n"},
    {R "    response: {action: quarantine, target: time}\n",
     "t.yml:4:44: 'target' path 'time' in 'response' of rule 'r' cannot name a machine: expected "
     "subject, host, fields.<key> or syslog.sd.<SD-ID>.<param>\n"},
    {R "    response: {action: quarantine, target: subject_status}\n",
     "t.yml:4:44: 'target' path 'subject_status' in 'response' of rule 'r' cannot name a "
     "machine: expected subject, host, fields.<key> or syslog.sd.<SD-ID>.<param>\n"},
    {R "    response: {action: quarantine, target: fields}\n",
     "t.yml:4:44: bad 'target' path in 'response' of rule 'r': unknown field 'fields': " PATHS
     "\n"},
    {R "    response: {action: notify, approvel: auto}\n",
     "t.yml:4:32: unknown key 'approvel' in 'response' of rule 'r'; did you mean 'approval'?\n"},
    {R "    summary: \"}{}\"\n",
     "t.yml:4:14: unmatched '}' at offset 0 in template (write '}}' for a literal brace)\n"
     "t.yml:4:14: empty placeholder '{}' at offset 1 in template\n"},
    {R "    summary: [a]\n", "t.yml:4:14: a template must be a text\n"},
    {R "    description: [a]\n", "t.yml:4:18: 'description' must be a text in rule 'r'\n"},
    {R "    holddown: {cancel: [x], for: 1m}\n",
     "t.yml:4:24: 'cancel' must be a mapping in 'holddown' of rule 'r'\n"},
    {R "    join: {match: x, window: 1m}\n",
     "t.yml:4:19: 'match' must be a mapping in 'join' of rule 'r'\n"},
    {R "    join: {match: {event_id: 2}, window: 1s, required: yes}\n",
     "t.yml:4:56: 'required' must be true or false in 'join' of rule 'r'\n"},
    {R "    Match: {}\n", "t.yml:4:5: unknown key 'Match' in rule 'r'; did you mean 'match'?\n"},
    {R "    output: sink\n",
     "t.yml:4:13: bad output 'sink' in rule 'r': expected one of alert, chain\n"},
    {R "    output: [chain]\n", "t.yml:4:13: 'output' must be a text in rule 'r'\n"},
    /* A record is never emitted: its response would never be carried out. */
    {R "    output: chain\n    response: {action: quarantine}\n",
     "t.yml:4:13: 'output: chain' cannot be combined with 'response' in rule 'r': a record is "
     "never emitted, so its response would never be carried out\n"},
    /* rules that can match their own alerts (issue 8, item 7) */
    {"rules:\n  - id: r\n    match: {format: internal}\n    threshold: {count: 2, window: 1h}\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: [cef, internal], vendor: cefguard}\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: internal, name: {prefix: r}}\n"
     "    silence: {after: 1h}\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: internal, event_id: suppressed}\n"
     "    suppress: 1h\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: internal, not: {name: r, fields.count: 1}}\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: internal, any: [{name: s}, {fields.count: 1}]}\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: internal, fields.action: quarantine}\n"
     "    response: {action: quarantine}\n",
     "t.yml:3:12: " OWN("r")},
    /* a refused response leaves fields.action out of the internal event (engine.c) */
    {"rules:\n  - id: r\n    match: {format: internal, fields.action: {ne: quarantine}}\n"
     "    response: {action: quarantine}\n",
     "t.yml:3:12: " OWN("r")},
    {"rules:\n  - id: r\n    match: {format: internal, fields.action: {exists: false}}\n"
     "    response: {action: reboot}\n",
     "t.yml:3:12: " OWN("r")},
    {"tests: [x]\n", "t.yml:1:9: test #1 must be a mapping\n"},
    {"tests:\n  - input: x\n    expect: []\n",
     "t.yml:2:5: missing required key 'name' in test #1\n"},
    {"tests:\n  - {name: t, input: [x], expect: []}\n",
     "t.yml:2:22: 'input' must be a text in test 't'\n"},
    {"tests:\n  - {name: t, input: x}\n", "t.yml:2:5: missing required key 'expect' in test 't'\n"},
    {"tests:\n  - {name: t, input: x, expect: [], options: []}\n",
     "t.yml:2:46: 'options' must be a mapping in test 't'\n"},
    {"tests:\n  - {name: t, input: x, expect: [], options: {timezone: \"+25:00\"}}\n",
     "t.yml:2:57: bad timezone '+25:00' in 'options' of test 't': expected UTC, an offset like "
     "+09:00 or a zone name like Asia/Tokyo\n"},
    {"tests:\n  - {name: t, input: x, expect: [], options: {timezone: ../etc/passwd}}\n",
     "t.yml:2:57: bad timezone '../etc/passwd' in 'options' of test 't': expected UTC, an offset "
     "like +09:00 or a zone name like Asia/Tokyo\n"},
    {"tests:\n  - {name: t, input: x, expect: [], options: {year: 10000}}\n",
     "t.yml:2:53: bad year '10000' in 'options' of test 't': expected an integer from 1970 to "
     "9999\n"},
    {"tests:\n  - {name: \"a\\nb\", input: x, expect: [], bogus: 1}\n",
     "t.yml:2:42: unknown key 'bogus' in test 'a?b'\n"},
};

static void test_error_table(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    size_t failed = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(err_cases); i++) {
        struct cg_ruleset rs;
        int rc = load_text(&rs, err_cases[i].yaml, &err);
        if (rc != CG_EPARSE || strcmp(cg_buf_cstr(&err), err_cases[i].want) != 0) {
            print_error("case %zu: rc %d\n got: %s\nwant: %s", i, rc, cg_buf_cstr(&err),
                        err_cases[i].want);
            failed++;
        }
        cg_ruleset_fini(&rs);
    }
    cg_buf_fini(&err);
    assert_int_equal(failed, 0);
}

/* Chained rule names: a match on cefguard's own alerts that names a rule nobody loaded is
 * an error at the name, found once every file is loaded (cg_ruleset_check_refs). */
static void test_chain_refs(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ruleset rs;
    int rc = load_text(&rs,
                       "rules:\n"
                       "  - id: base\n"
                       "    match: {event_id: 1}\n"
                       "  - id: on-base\n"
                       "    match: {format: internal, vendor: cefguard, name: base}\n"
                       "  - id: typo\n"
                       "    match: {vendor: cefguard, name: bsae}\n"
                       "  - id: nested\n"
                       "    match:\n"
                       "      format: internal\n"
                       "      any: [{name: {in: [base, gone]}}, {name: {eq: gone2}}]\n"
                       "  - id: not-internal\n"
                       "    match: {name: nosuch}\n"
                       "    holddown: {cancel: {product: cefguard, name: [base, nope]}, for: 1m}\n",
                       &err);
    assert_int_equal(rc, CG_OK);
    assert_int_equal(cg_ruleset_check_refs(&rs, &err), CG_EPARSE);
    char want[1024];
    snprintf(want, sizeof(want),
             "%s/t.yml:7:37: rule 'typo' matches the alerts of rule 'bsae', and no rule 'bsae' "
             "is loaded\n"
             "%s/t.yml:11:32: rule 'nested' matches the alerts of rule 'gone', and no rule "
             "'gone' is loaded\n"
             "%s/t.yml:11:53: rule 'nested' matches the alerts of rule 'gone2', and no rule "
             "'gone2' is loaded\n"
             "%s/t.yml:14:57: rule 'not-internal' matches the alerts of rule 'nope', and no rule "
             "'nope' is loaded\n",
             tmpdir, tmpdir, tmpdir, tmpdir);
    assert_str(cg_buf_cstr(&err), want);
    cg_ruleset_fini(&rs);
    /* every name loaded: fine */
    assert_int_equal(load_text(&rs,
                               "rules:\n  - id: a\n    match: {event_id: 1}\n"
                               "  - id: b\n    match: {format: internal, name: a}\n",
                               &err),
                     CG_OK);
    cg_buf_clear(&err);
    assert_int_equal(cg_ruleset_check_refs(&rs, &err), CG_OK);
    assert_int_equal(err.n, 0);
    cg_ruleset_fini(&rs);
    cg_buf_fini(&err);
}

static void test_accepted_values(void **state)
{
    (void)state;
    struct cg_buf err;
    struct cg_ruleset rs;
    cg_buf_init(&err);
    int rc = load_text(&rs,
                       "rules:\n"
                       "  - id: A-z_0.9:x\n"
                       "    match: {event_id: 1}\n"
                       "    key: []\n"
                       "    tags: []\n"
                       "    description: \"\"\n"
                       "    severity: critical\n"
                       "    suppress: 366d\n"
                       "    max_keys: 10000000\n"
                       "    threshold: {count: \"100000\", window: 1ms}\n"
                       "  - {id: rec, match: {event_id: 2}, output: chain}\n"
                       "  - {id: out, match: {event_id: 3}, output: alert}\n"
                       "tests:\n"
                       "  - {name: a, input: \"\", expect: [{}], options: {timezone: \"-0500\"}}\n"
                       "  - {name: b, input: x, expect: [], options: {timezone: utc, year: 1970}}\n"
                       "  - {name: c, input: x, expect: [], options: {timezone: \"+09\"}}\n",
                       &err);
    if (rc != CG_OK)
        fail_msg("%s", cg_buf_cstr(&err));
    const struct cg_rule *r = rs.rules[0];
    assert_int_equal(r->key.n, 0);
    assert_int_equal(r->ntags, 0);
    assert_str(r->severity, "critical");
    assert_int_equal(r->suppress_us, INT64_C(366) * 86400 * 1000000);
    assert_int_equal(r->max_keys, 10000000);
    assert_int_equal(r->count, 100000);
    assert_int_equal(r->window_us, 1000);
    assert_summary(r, "A-z_0.9:x");               /* empty description: the id */
    assert_int_equal(r->output, CG_OUTPUT_ALERT); /* the default */
    assert_int_equal(rs.rules[1]->output, CG_OUTPUT_CHAIN);
    assert_int_equal(rs.rules[2]->output, CG_OUTPUT_ALERT);
    assert_int_equal(rs.ntests, 3);
    assert_int_equal(rs.tests[0]->input_len, 0);
    assert_int_equal(rs.tests[0]->nexpect, 1);
    assert_int_equal(rs.tests[0]->expect[0].n, 0);
    assert_str(rs.tests[0]->timezone, "-0500");
    assert_str(rs.tests[1]->timezone, "utc");
    assert_int_equal(rs.tests[1]->year, 1970);
    assert_str(rs.tests[2]->timezone, "+09");
    cg_ruleset_fini(&rs);
    cg_buf_fini(&err);
}

/* Rules on cefguard's own alerts that cannot see their own (issue 8, item 7): another
 * rule's name, an alert kind the rule never emits, a fields.action it never sets, a
 * catch-all that does not ask for internal events at all. */
static void test_own_output_legal(void **state)
{
    (void)state;
    struct cg_buf err;
    struct cg_ruleset rs;
    cg_buf_init(&err);
    int rc =
        load_text(&rs,
                  "rules:\n"
                  "  - id: a\n"
                  "    match: {format: internal, name: b}\n"
                  "    threshold: {count: 2, window: 1h}\n"
                  "  - id: b\n"
                  "    match: {format: internal, event_id: alert}\n"
                  "    silence: {after: 1h}\n"
                  "  - id: c\n"
                  "    match: {format: internal, vendor: cefguard, fields.action: quarantine}\n"
                  "  - id: d\n"
                  "    match: {}\n"
                  "    key: [host]\n"
                  "    silence: {after: 1h}\n"
                  "  - id: e\n"
                  "    match: {format: internal, name: {ne: e}}\n"
                  "    suppress: 1h\n"
                  "  - id: f\n"
                  "    match: {format: internal, not: {name: [f, x]}}\n"
                  "  - id: g\n"
                  "    match: {format: internal, any: [{name: a}, {event_id: cleared}]}\n",
                  &err);
    if (rc != CG_OK)
        fail_msg("%s", cg_buf_cstr(&err));
    assert_int_equal(rs.n, 7);
    assert_true(cg_match_asks_internal(rs.rules[0]->match));
    assert_false(cg_match_asks_internal(rs.rules[3]->match));
    cg_ruleset_fini(&rs);
    cg_buf_fini(&err);
}

/* match.c's own messages pass through, positioned, and drop the rule. */
static void test_match_errors_pass_through(void **state)
{
    (void)state;
    struct cg_buf err;
    struct cg_ruleset rs;
    cg_buf_init(&err);
    int rc = load_text(&rs,
                       "rules:\n"
                       "  - id: r\n"
                       "    match: {event_id: {gt: x}}\n"
                       "  - id: s\n"
                       "    match: {event_id: 1}\n"
                       "    holddown: {cancel: {event_id: {gt: y}}, for: 1m}\n",
                       &err);
    assert_int_equal(rc, CG_EPARSE);
    const char *e = cg_buf_cstr(&err);
    size_t lines = 0;
    for (size_t i = 0; i < err.n; i++)
        lines += e[i] == '\n';
    assert_int_equal(lines, 2);
    assert_true(strncmp(e, "t.yml:3:", 8) == 0);
    assert_true(strncmp(strchr(e, '\n') + 1, "t.yml:6:", 8) == 0);
    assert_int_equal(rs.n, 0);
    cg_ruleset_fini(&rs);
    cg_buf_fini(&err);
}

/* A second correlation is refused, and its own mistakes are still reported. */
static void test_second_corr_checked(void **state)
{
    (void)state;
    struct cg_buf err;
    struct cg_ruleset rs;
    cg_buf_init(&err);
    int rc = load_text(&rs,
                       R "    silence: {after: 1m}\n"
                         "    holddown: {cancel: {event_id: 2}, for: 1y}\n",
                       &err);
    assert_int_equal(rc, CG_EPARSE);
    assert_str(cg_buf_cstr(&err),
               "t.yml:5:5: 'holddown' cannot be combined with 'silence' in rule 'r': a rule has at "
               "most one of join, threshold, holddown, silence\n"
               "t.yml:5:44: bad duration '1y' for 'for' in 'holddown' of rule 'r': " DURATION "\n");
    assert_int_equal(rs.n, 0);
    cg_ruleset_fini(&rs);
    cg_buf_fini(&err);
}

/* ---- durations ----------------------------------------------------------- */

static void test_duration_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        int64_t us;
    } cases[] = {
        {"500ms", true, 500000},
        {"90s", true, 90000000},
        {"15m", true, INT64_C(900000000)},
        {"2h", true, INT64_C(7200000000)},
        {"1d", true, INT64_C(86400000000)},
        {"366d", true, INT64_C(31622400000000)},
        {"8784h", true, INT64_C(31622400000000)},
        {"007s", true, 7000000},
        {"1ms", true, 1000},
        {"367d", false, 0},
        {"8785h", false, 0},
        {"31622400001ms", false, 0},
        {"999999999999999999999d", false, 0},
        {"0s", false, 0},
        {"0ms", false, 0},
        {"90", false, 0},
        {"s", false, 0},
        {"", false, 0},
        {"-5s", false, 0},
        {"+5s", false, 0},
        {"5 s", false, 0},
        {"5s ", false, 0},
        {"1.5h", false, 0},
        {"5S", false, 0},
        {"5sec", false, 0},
        {"5w", false, 0},
        {"1h30m", false, 0},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        int64_t us = -1;
        bool ok = cg_rules_duration_parse(cases[i].s, &us);
        if (ok != cases[i].ok || (ok && us != cases[i].us))
            fail_msg("'%s': got %d %lld", cases[i].s, ok, (long long)us);
    }
    int64_t us = 0;
    assert_false(cg_rules_duration_parse(NULL, &us));
}

static void test_corr_name(void **state)
{
    (void)state;
    assert_str(cg_rule_corr_name(CG_CORR_NONE), "none");
    assert_str(cg_rule_corr_name(CG_CORR_THRESHOLD), "threshold");
    assert_str(cg_rule_corr_name(CG_CORR_JOIN), "join");
    assert_str(cg_rule_corr_name(CG_CORR_HOLDDOWN), "holddown");
    assert_str(cg_rule_corr_name(CG_CORR_SILENCE), "silence");
    assert_str(cg_rule_corr_name((enum cg_corr_kind)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_rules),
        cmocka_unit_test(test_valid_join),
        cmocka_unit_test(test_valid_threshold),
        cmocka_unit_test(test_valid_holddown_silence),
        cmocka_unit_test(test_valid_tests),
        cmocka_unit_test(test_invalid_fixture),
        cmocka_unit_test(test_dir_order),
        cmocka_unit_test(test_dup_dir),
        cmocka_unit_test(test_dup_two_loads),
        cmocka_unit_test(test_mixed_dir),
        cmocka_unit_test(test_missing_path),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_chain_refs),
        cmocka_unit_test(test_accepted_values),
        cmocka_unit_test(test_match_errors_pass_through),
        cmocka_unit_test(test_own_output_legal),
        cmocka_unit_test(test_second_corr_checked),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_corr_name),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
