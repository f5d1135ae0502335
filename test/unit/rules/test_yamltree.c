/* test_yamltree.c - positioned YAML tree and its refusals (yamltree.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/yamltree.h"

static struct cg_ydoc *load_ok(const char *s)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    int rc = cg_yaml_load_mem("t.yml", s, strlen(s), &doc, &err);
    if (rc != CG_OK)
        fail_msg("load failed: %s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return doc;
}

static void load_err(const char *s, const char *want)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    assert_int_equal(cg_yaml_load_mem("t.yml", s, strlen(s), &doc, &err), CG_EPARSE);
    assert_null(doc);
    assert_string_equal(cg_buf_cstr(&err), want);
    cg_buf_fini(&err);
}

static void test_tree(void **state)
{
    (void)state;
    struct cg_ydoc *doc = load_ok("rules:\n  - id: a\n    tags: [x, \"y\"]\n  - id: b\n");
    const struct cg_ynode *rules = cg_yaml_map_get(doc->root, "rules");
    assert_non_null(rules);
    assert_int_equal(rules->type, CG_Y_SEQ);
    assert_int_equal(rules->n, 2);
    const struct cg_ynode *id = cg_yaml_map_get(rules->kv[0], "id");
    assert_string_equal(id->str, "a");
    assert_int_equal(id->line, 2);
    assert_int_equal(id->col, 9);
    const struct cg_ynode *tags = cg_yaml_map_get(rules->kv[0], "tags");
    assert_int_equal(tags->n, 2);
    assert_true(tags->kv[0]->plain);
    assert_false(tags->kv[1]->plain);
    assert_null(cg_yaml_map_get(rules->kv[0], "nope"));
    assert_null(cg_yaml_map_get(rules, "id")); /* not a mapping */
    assert_int_equal(cg_yaml_map_get(rules->kv[1], "id")->line, 4);
    cg_ydoc_free(doc);
}

static void test_empty(void **state)
{
    (void)state;
    struct cg_ydoc *doc = load_ok("");
    assert_null(doc->root);
    cg_ydoc_free(doc);
    doc = load_ok("# only a comment\n");
    assert_null(doc->root);
    cg_ydoc_free(doc);
    cg_ydoc_free(NULL);
}

static void test_errors(void **state)
{
    (void)state;
    load_err("a: 1\na: 2\n", "t.yml:2:1: duplicate key 'a'\n");
    load_err("a: &x 1\nb: *x\n", "t.yml:1:4: anchors and aliases are not supported\n");
    load_err("a: [1, 2\n", "t.yml:2:1: did not find expected ',' or ']'\n");
    load_err("? [a]\n: 1\n", "t.yml:1:3: mapping keys must be plain text\n");
    load_err("a: 1\n---\nb: 2\n", "t.yml:2:1: only one YAML document per file\n");
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 70; i++)
        deep[n++] = '[';
    deep[n] = 0;
    load_err(deep, "t.yml:1:66: nesting is too deep\n");
}

static void test_file(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    assert_int_equal(cg_yaml_load_file("/nonexistent/x.yml", &doc, &err), CG_ENOENT);
    assert_string_equal(cg_buf_cstr(&err), "/nonexistent/x.yml: No such file or directory\n");
    cg_buf_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
