/* test_yamltree.c - positioned YAML tree and its refusals (yamltree.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/yamltree.h"

#include <stdio.h>
#include <unistd.h>

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

/* libyaml's reader errors carry no mark, only a byte offset: they were all reported at
 * 1:1. The position is the character's, counted as the parser's other marks are. */
static void test_reader_errors(void **state)
{
    (void)state;
    /* "caf\xe9 ok": the lead byte of a 3-byte sequence, then a space */
    load_err("rules:\n  - id: a\n    description: caf\xe9 ok\n",
             "t.yml:3:21: invalid trailing UTF-8 octet\n");
    load_err("a: 1\nb: x\x01y\n", "t.yml:2:5: control characters are not allowed\n");
    load_err("a: \"x\x1b[2J\"\n", "t.yml:1:6: control characters are not allowed\n");
    /* columns count characters: two 3-byte characters before the byte */
    load_err("a: \"\xe3\x81\x82\xe3\x81\x82\x01\"\n",
             "t.yml:1:7: control characters are not allowed\n");
    load_err("a: 1\r\nb: 2\r\nc: \xff\r\n", "t.yml:3:4: invalid leading UTF-8 octet\n");
    load_err("a: 1\rb: \x7f\n", "t.yml:2:4: control characters are not allowed\n");
    load_err("a: b\xe3\x81", "t.yml:1:5: incomplete UTF-8 octet sequence\n");
    load_err("\xef\xbb\xbf"
             "a: b\x02\n",
             "t.yml:1:5: control characters are not allowed\n");
}

static void write_file(const char *path, const char *head, size_t pad_to, const char *tail)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static const char pad[] = "# padding padding padding padding padding padding padding paddin\n";
    size_t n = strlen(head), pl = sizeof(pad) - 1;
    fputs(head, f);
    for (; n + pl <= pad_to; n += pl)
        fputs(pad, f);
    for (; n < pad_to; n++)
        fputc('\n', f);
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

/* A rule file past 64 MiB was read up to the limit and parsed: the rest was lost, and
 * `check` said ok when what was cut was only a later rule. It is refused whole, at the
 * place where the limit falls. A file of exactly the limit still loads. */
static void test_too_large(void **state)
{
    (void)state;
    char path[] = CG_BUILD_DIR "/test_yamltree_big.yml";
    write_file(path, "a: 1\n", CG_YAML_MAX_BYTES, "b: [\n");
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    assert_int_equal(cg_yaml_load_file(path, &doc, &err), CG_EPARSE);
    assert_null(doc);
    /* the head's line, the padding lines (65 bytes, then single newlines), the tail's */
    unsigned pad = CG_YAML_MAX_BYTES - 5, line = 1 + pad / 65 + pad % 65 + 1;
    char want[256];
    snprintf(want, sizeof(want),
             "%s:%u:1: the file goes on past the limit of 67108864 bytes (64 MiB) here\n", path,
             line);
    assert_string_equal(cg_buf_cstr(&err), want);
    cg_buf_clear(&err);
    write_file(path, "a: 1\n", CG_YAML_MAX_BYTES - 5, "b: 2\n"); /* exactly the limit */
    if (cg_yaml_load_file(path, &doc, &err) != CG_OK)
        fail_msg("%s", cg_buf_cstr(&err));
    assert_non_null(cg_yaml_map_get(doc->root, "b"));
    cg_ydoc_free(doc);
    unlink(path);
    cg_buf_fini(&err);
}

/* File names and quoted rule-file text reached stderr with their control bytes: a name
 * is escaped as the reject log escapes lines, and a message's quote has its control
 * bytes escaped (UTF-8 stays). */
static void test_escaped_messages(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    static const char yaml[] = "\"k\\e[2J\\n\xc3\xa9\": 1\n\"k\\e[2J\\n\xc3\xa9\": 2\n";
    assert_int_equal(cg_yaml_load_mem("r\x1b]0;t\x07\n.yml", yaml, strlen(yaml), &doc, &err),
                     CG_EPARSE);
    assert_string_equal(cg_buf_cstr(&err),
                        "r\\x1b]0;t\\x07\\x0a.yml:2:1: duplicate key 'k\\x1b[2J\\x0a\xc3\xa9'\n");
    cg_buf_clear(&err);
    assert_int_equal(cg_yaml_load_file("/nonexistent/\x1b[2J.yml", &doc, &err), CG_ENOENT);
    assert_string_equal(cg_buf_cstr(&err),
                        "/nonexistent/\\x1b[2J.yml: No such file or directory\n");
    cg_buf_fini(&err);
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
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_escaped_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
