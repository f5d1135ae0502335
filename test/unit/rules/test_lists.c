/* test_lists.c - named lists of a rule file (`lists:`, `{list: NAME}` operands): errors
 * at their node, lists shared with the files loaded later, and matching as if the values
 * were written in place (rules.h, match.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cefguard/rules.h"

static char tmpdir[] = "/tmp/cg-test-lists-XXXXXX";

static int group_setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? chdir(tmpdir) : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink("a.yml");
    unlink("b.yml");
    return chdir("/") == 0 ? rmdir(tmpdir) : -1;
}

static void write_file(const char *name, const char *yaml)
{
    FILE *f = fopen(name, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(yaml, 1, strlen(yaml), f), strlen(yaml));
    assert_int_equal(fclose(f), 0);
}

#define RULE(m) "  - id: r\n    severity: low\n    match: " m "\n    summary: x\n"
#define LISTS "lists:\n  never-act: [eicar, Installation Check]\n  ids: [\"4000000\", 4000001]\n"

struct err_case {
    const char *yaml;
    const char *want;
};

static const struct err_case err_cases[] = {
    {"lists: [a]\n", "a.yml:1:8: 'lists' must be a mapping of names to lists of values\n"},
    {"lists: {a: x}\n", "a.yml:1:12: list 'a' must be a non-empty list of values\n"},
    {"lists: {a: []}\n", "a.yml:1:12: list 'a' must be a non-empty list of values\n"},
    {"lists: {a: [x, [y]]}\n", "a.yml:1:16: items of list 'a' must be values\n"},
    {"lists: {a: [x, {y: 1}]}\n", "a.yml:1:16: items of list 'a' must be values\n"},
    {"lists: {a: [x, ]}\nrules:\n" RULE("{name: {in: {list: a}}}"), NULL}, /* flow: 1 item */
    {"rules:\n" RULE("{name: {in: {list: never-act}}}"),
     "a.yml:4:31: unknown list 'never-act': the file has no valid 'lists'\n"},
    {LISTS "rules:\n" RULE("{name: {contains: {list: never_act}}}"),
     "a.yml:7:37: unknown list 'never_act': the file's lists are never-act, ids\n"},
    {LISTS "rules:\n" RULE("{name: {in: {lst: never-act}}}"),
     "a.yml:7:24: 'in' takes a value, a list of values or {list: NAME}\n"},
    {LISTS "rules:\n" RULE("{name: {in: {list: never-act, x: 1}}}"),
     "a.yml:7:24: 'in' takes a value, a list of values or {list: NAME}\n"},
    {LISTS "rules:\n" RULE("{name: {regex: {list: never-act}}}"),
     "a.yml:7:27: 'regex' takes a value or a list of values, not a mapping\n"},
    {LISTS "lists: {b: [1]}\n", "a.yml:4:1: duplicate key 'lists'\n"},
};

static void test_errors(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(err_cases); i++) {
        struct cg_ruleset rs;
        struct cg_buf err;
        cg_ruleset_init(&rs);
        cg_buf_init(&err);
        write_file("a.yml", err_cases[i].yaml);
        int rc = cg_ruleset_load(&rs, "a.yml", &err);
        const char *want = err_cases[i].want;
        if (want ? rc != CG_EPARSE || strcmp(cg_buf_cstr(&err), want) != 0 : rc != CG_OK) {
            print_error("case %zu: rc %d\n got: %s\nwant: %s\n", i, rc, cg_buf_cstr(&err),
                        want ? want : "(ok)");
            failed++;
        }
        cg_buf_fini(&err);
        cg_ruleset_fini(&rs);
    }
    assert_int_equal(failed, 0);
}

static struct cg_event *event(const char *name, const char *id)
{
    struct cg_event *ev = cg_event_new(0, 256);
    assert_non_null(ev);
    ev->format = CG_FMT_CEF;
    ev->vendor = CG_STR_LIT("Trend Micro");
    ev->name = cg_str_make(name, strlen(name));
    ev->event_id = cg_str_make(id, strlen(id));
    ev->fields_done = true;
    return ev;
}

/* A list defined in an earlier file (or -r) is usable later; names stay unique. */
static void test_across_files_and_matching(void **state)
{
    (void)state;
    struct cg_ruleset rs;
    struct cg_buf err;
    cg_ruleset_init(&rs);
    cg_buf_init(&err);
    write_file("a.yml", LISTS);
    write_file("b.yml", "rules:\n" RULE("{event_id: {in: {list: ids}}, not: {name: {contains: "
                                        "{list: never-act}, nocase: true}}}"));
    assert_int_equal(cg_ruleset_load(&rs, "a.yml", &err), CG_OK);
    assert_int_equal(cg_ruleset_load(&rs, "b.yml", &err), CG_OK);
    assert_int_equal(err.n, 0);
    assert_int_equal(rs.n, 1);
    const struct cg_match *m = rs.rules[0]->match;
    static const struct {
        const char *name, *id;
        bool want;
    } cases[] = {
        {"TROJ_GEN.R002C0PDK25", "4000000", true},  {"TROJ_GEN.R002C0PDK25", "4000001", true},
        {"TROJ_GEN.R002C0PDK25", "4000002", false}, {"Eicar_test_file", "4000000", false},
        {"EICAR test file", "4000001", false},      {"an installation check", "4000000", false},
        {"Installation", "4000000", true},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_event *ev = event(cases[i].name, cases[i].id);
        if (cg_match_eval(m, ev) != cases[i].want)
            fail_msg("%s %s: expected %d", cases[i].name, cases[i].id, cases[i].want);
        cg_event_free(ev);
    }
    /* The same name again, in a later file: an error there. */
    write_file("a.yml", "lists:\n  ids: [1]\n");
    assert_int_equal(cg_ruleset_load(&rs, "a.yml", &err), CG_EPARSE);
    assert_string_equal(cg_buf_cstr(&err),
                        "a.yml:2:3: list 'ids' is already defined (names are unique across "
                        "files)\n");
    cg_buf_fini(&err);
    cg_ruleset_fini(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_across_files_and_matching),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
