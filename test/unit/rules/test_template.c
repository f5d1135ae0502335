/* test_template.c - alert summary templates: compile errors, rendering, bounds (template.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/template.h"

/* What cg_template_render allows itself before it cuts and appends "...". */
#define RENDER_MAX 4096

#define PATHS                                                                                      \
    "expected vendor, product, product_version, event_id, name, severity, format, "                \
    "format_version, host, subject, subject_key, subject_status, reason, message, time, "          \
    "risk.class, "                                                                                 \
    "risk.outcome, fields.<key>, "                                                                 \
    "syslog.app, syslog.procid, syslog.msgid, syslog.pri, syslog.facility, syslog.severity, "      \
    "syslog.sd.<SD-ID>.<param>"
#define SPECIALS ", rule, kind, count, suppressed, key, values, response, joined.<path>"

static struct cg_event ev, joined;
static struct cg_sd_param sd[1];
static char *big_value; /* fields.big: longer than the render bound */

static struct cg_ydoc doc = {.name = "t.yml"};

static void add(struct cg_event *e, const char *k, const char *v)
{
    assert_int_equal(
        cg_fields_add(&e->fields, cg_str_make(k, strlen(k)), cg_str_make(v, strlen(v))), CG_OK);
}

static int setup(void **state)
{
    (void)state;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_CEF;
    ev.vendor = CG_STR_LIT("Trend Micro");
    ev.product = CG_STR_LIT("Deep Security Manager");
    ev.event_id = CG_STR_LIT("2205");
    ev.name = CG_STR_LIT("Pattern Update Failed");
    ev.subject = CG_STR_LIT("DSA-test");
    ev.subject_done = true;
    ev.time = (struct cg_time){.sec = 1745119254, .flags = CG_TIME_SET};
    ev.sl.kind = CG_SYSLOG_RFC5424;
    ev.sl.pri = 134;
    ev.sl.facility = 16;
    ev.sl.severity = 6;
    ev.sl.host = CG_STR_LIT("kaga");
    sd[0] =
        (struct cg_sd_param){CG_STR_LIT("origin@32473"), CG_STR_LIT("ip"), CG_STR_LIT("10.0.0.1")};
    ev.sl.sd = sd;
    ev.sl.nsd = 1;
    big_value = malloc(5001);
    memset(big_value, 'a', 5000);
    big_value[5000] = '\0';
    add(&ev, "target", "DSA-test");
    add(&ev, "msg", "a{b}c");
    add(&ev, "empty", "");
    add(&ev, "raw", "x\"\n\\y\t");
    add(&ev, "big", big_value);
    ev.fields_done = true;

    cg_event_init(&joined, 0);
    joined.format = CG_FMT_CEF;
    joined.event_id = CG_STR_LIT("710");
    add(&joined, "msg", "pattern file is old");
    joined.fields_done = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cg_event_fini(&ev);
    cg_event_fini(&joined);
    free(big_value);
    return 0;
}

static struct cg_ynode scalar(const char *s, size_t n)
{
    struct cg_ynode node = {.type = CG_Y_SCALAR, .line = 7, .col = 14, .str = (char *)s, .len = n};
    return node;
}

static struct cg_template *compile_ok(const char *s)
{
    struct cg_ynode node = scalar(s, strlen(s));
    struct cg_buf err;
    struct cg_template *t = NULL;
    cg_buf_init(&err);
    int rc = cg_template_compile(&doc, &node, &t, &err);
    if (rc != CG_OK)
        fail_msg("'%s': %d %s", s, rc, cg_buf_cstr(&err));
    assert_int_equal(err.n, 0);
    cg_buf_fini(&err);
    return t;
}

static void render_check(const char *tmpl, const struct cg_template_ctx *ctx, const char *want,
                         size_t want_len)
{
    struct cg_template *t = compile_ok(tmpl);
    struct cg_buf out;
    cg_buf_init(&out);
    assert_int_equal(cg_template_render(t, ctx, &out), CG_OK);
    if (out.n != want_len || (want_len && memcmp(out.p, want, want_len) != 0))
        fail_msg("'%s': got '%.*s' want '%s'", tmpl, (int)out.n, out.p ? out.p : "", want);
    cg_buf_fini(&out);
    cg_template_free(t);
}

static struct cg_template_ctx full_ctx(void)
{
    struct cg_template_ctx ctx = {
        .rule = "r1",
        .kind = "alert",
        .count = 5,
        .suppressed = 2,
        .key = CG_STR_LIT("DSA-test, kaga"),
        .values = CG_STR_LIT("alice, bob"),
        .event = &ev,
        .joined = &joined,
    };
    return ctx;
}

struct case_ {
    const char *tmpl;
    const char *want;
};

static void run_cases(const struct case_ *cases, size_t n, const struct cg_template_ctx *ctx)
{
    for (size_t i = 0; i < n; i++)
        render_check(cases[i].tmpl, ctx, cases[i].want, strlen(cases[i].want));
}

static void test_render_full(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"", ""},
        {"plain text", "plain text"},
        {"{rule}", "r1"},
        {"{count}", "5"},
        {"{suppressed}", "2"},
        {"{kind}", "alert"},
        {"{key}", "DSA-test, kaga"},
        {"{values}", "alice, bob"},
        {"{vendor}|{product}|{event_id}|{name}",
         "Trend Micro|Deep Security Manager|2205|Pattern Update Failed"},
        {"{host} {subject} {format}", "kaga DSA-test cef"},
        {"{time}", "2025-04-20T03:20:54Z"},
        {"{syslog.pri}/{syslog.facility}/{syslog.severity}", "134/16/6"},
        {"{syslog.sd.origin@32473.ip}", "10.0.0.1"},
        {"{fields.target}", "DSA-test"},
        {"on {fields.target}!", "on DSA-test!"},
        {"{fields.msg}", "a{b}c"},      /* braces in values are data */
        {"{fields.raw}", "x\"\n\\y\t"}, /* raw: the caller escapes */
        {"{joined.fields.msg}", "pattern file is old"},
        {"{joined.event_id}", "710"},
        {"{rule}{count}{suppressed}", "r152"},
        {"Pattern update failed on {fields.target}: {joined.fields.msg}",
         "Pattern update failed on DSA-test: pattern file is old"},
        {"\xe6\x97\xa5\xe6\x9c\xac {fields.target}", "\xe6\x97\xa5\xe6\x9c\xac DSA-test"},
        {"{fields.a b}", "-"}, /* a field key may hold a space */
    };
    struct cg_template_ctx ctx = full_ctx();
    run_cases(cases, CG_ARRAY_LEN(cases), &ctx);
}

static void test_render_missing(void **state)
{
    (void)state;
    static const struct case_ with_events[] = {
        {"{fields.missing}", "-"},
        {"[{fields.empty}]", "[]"}, /* present but empty is not missing */
        {"{joined.fields.nope}", "-"},
        {"{joined.vendor}", "-"},
        {"{syslog.msgid}", "-"},
        {"{reason}", "-"}, /* only raw events have a reason */
        {"{product_version}", "-"},
    };
    struct cg_template_ctx ctx = full_ctx();
    run_cases(with_events, CG_ARRAY_LEN(with_events), &ctx);

    static const struct case_ empty_ctx[] = {
        {"{rule}|{count}|{suppressed}|{key}|{values}|{kind}", "-|0|0|-|-|-"},
        {"{vendor} {fields.target} {time}", "- - -"},
        {"{joined.fields.msg}", "-"},
    };
    struct cg_template_ctx none = {0};
    run_cases(empty_ctx, CG_ARRAY_LEN(empty_ctx), &none);

    /* An empty key (a rule without key paths) is present, not missing. */
    struct cg_template_ctx keyed = {.key = cg_str_make("", 0), .count = UINT64_MAX};
    render_check("[{key}] {count}", &keyed, "[] 18446744073709551615", 23);
}

static void test_render_braces(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"{{", "{"},          {"}}", "}"},    {"{{rule}}", "{rule}"}, {"{{{rule}}}", "{r1}"},
        {"a}}b{{c", "a}b{c"}, {"{{}}", "{}"}, {"x{{{{y", "x{{y"},
    };
    struct cg_template_ctx ctx = full_ctx();
    run_cases(cases, CG_ARRAY_LEN(cases), &ctx);
}

/* Rendering appends: what the buffer held stays, and the bound counts only
 * the template's own bytes. */
static void test_render_appends(void **state)
{
    (void)state;
    struct cg_template *t = compile_ok("{rule}");
    struct cg_template_ctx ctx = full_ctx();
    struct cg_buf out;
    cg_buf_init(&out);
    cg_buf_puts(&out, "prefix:");
    assert_int_equal(cg_template_render(t, &ctx, &out), CG_OK);
    assert_int_equal(cg_template_render(t, &ctx, &out), CG_OK);
    assert_int_equal(out.n, 11);
    assert_memory_equal(out.p, "prefix:r1r1", 11);
    cg_template_free(t);

    t = compile_ok("{fields.big}");
    cg_buf_clear(&out);
    cg_buf_puts(&out, "p");
    assert_int_equal(cg_template_render(t, &ctx, &out), CG_OK);
    assert_int_equal(out.n, 1 + RENDER_MAX + 3);
    cg_buf_fini(&out);
    cg_template_free(t);
}

static void expect_bounded(const char *tmpl, const struct cg_template_ctx *ctx, size_t body,
                           bool cut)
{
    struct cg_template *t = compile_ok(tmpl);
    struct cg_buf out;
    cg_buf_init(&out);
    assert_int_equal(cg_template_render(t, ctx, &out), CG_OK);
    assert_int_equal(out.n, body + (cut ? 3 : 0));
    if (cut)
        assert_memory_equal(out.p + body, "...", 3);
    cg_buf_fini(&out);
    cg_template_free(t);
}

static void test_render_bounds(void **state)
{
    (void)state;
    struct cg_template_ctx ctx = full_ctx();
    /* A value longer than the bound: cut at the bound, then "...". */
    expect_bounded("x{fields.big}", &ctx, RENDER_MAX, true);

    char *lit = malloc(RENDER_MAX + 16);
    memset(lit, 'L', RENDER_MAX);
    lit[RENDER_MAX] = '\0';
    expect_bounded(lit, &ctx, RENDER_MAX, false); /* exactly the bound: whole */
    strcpy(lit + RENDER_MAX, "{count}");
    expect_bounded(lit, &ctx, RENDER_MAX, true); /* one byte more: cut */
    strcpy(lit + RENDER_MAX - 1, "{fields.empty}");
    expect_bounded(lit, &ctx, RENDER_MAX - 1, false); /* an empty value adds nothing */
    free(lit);

    /* Nothing after the cut is rendered, placeholders included. */
    struct cg_template *t = compile_ok("{fields.big}{rule}");
    struct cg_buf out;
    cg_buf_init(&out);
    assert_int_equal(cg_template_render(t, &ctx, &out), CG_OK);
    assert_int_equal(out.n, RENDER_MAX + 3);
    assert_memory_equal(out.p + RENDER_MAX - 2, "aa...", 5);
    cg_buf_fini(&out);
    cg_template_free(t);
}

/* The cut never splits a UTF-8 sequence: it moves back to where one starts. */
static void test_render_utf8_cut(void **state)
{
    (void)state;
    static const struct {
        const char *ch; /* one character */
        const char *prefix;
        size_t body; /* bytes kept before "..." */
    } cases[] = {
        {"\xc3\xa9", "", RENDER_MAX},           /* 2-byte: the bound falls between */
        {"\xc3\xa9", "x", RENDER_MAX - 1},      /* the bound splits one: drop it */
        {"\xe2\x82\xac", "", RENDER_MAX - 1},   /* 4096 = 3 * 1365 + 1 */
        {"\xe2\x82\xac", "x", RENDER_MAX},      /* 4095 = 3 * 1365: ends on a char */
        {"\xe2\x82\xac", "xy", RENDER_MAX - 2}, /* 4094 = 3 * 1364 + 2 */
        {"\xf0\x9f\x94\xa5", "", RENDER_MAX},   {"\xf0\x9f\x94\xa5", "x", RENDER_MAX - 3},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_event e;
        size_t cl = strlen(cases[i].ch), n = 5000 / cl;
        char *v = malloc(n * cl + 1);
        for (size_t j = 0; j < n; j++)
            memcpy(v + j * cl, cases[i].ch, cl);
        v[n * cl] = '\0';
        cg_event_init(&e, 0);
        add(&e, "v", v);
        e.fields_done = true;
        char tmpl[32];
        snprintf(tmpl, sizeof(tmpl), "%s{fields.v}", cases[i].prefix);
        struct cg_template_ctx ctx = {.event = &e};
        struct cg_template *t = compile_ok(tmpl);
        struct cg_buf out;
        cg_buf_init(&out);
        assert_int_equal(cg_template_render(t, &ctx, &out), CG_OK);
        if (out.n != cases[i].body + 3)
            fail_msg("case %zu: %zu bytes, want %zu", i, out.n, cases[i].body + 3);
        size_t pl = strlen(cases[i].prefix);
        assert_int_equal((out.n - 3 - pl) % cl, 0);
        assert_memory_equal(out.p + pl, v, out.n - 3 - pl);
        cg_buf_fini(&out);
        cg_template_free(t);
        cg_event_fini(&e);
        free(v);
    }
}

/* ---- compile errors -------------------------------------------------------- */

static void compile_err(const char *s, size_t n, const char *want)
{
    struct cg_ynode node = scalar(s, n);
    struct cg_buf err;
    struct cg_template *t = (struct cg_template *)&err; /* must be reset to NULL */
    cg_buf_init(&err);
    assert_int_equal(cg_template_compile(&doc, &node, &t, &err), CG_EPARSE);
    assert_null(t);
    if (strcmp(cg_buf_cstr(&err), want) != 0)
        fail_msg("'%.*s':\n got: %s\nwant: %s", (int)n, s, cg_buf_cstr(&err), want);
    cg_buf_fini(&err);
}

static void test_compile_errors(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"{", "t.yml:7:14: unterminated '{' at offset 0 in template (write '{{' for a literal "
              "brace)\n"},
        {"abc {fields.x", "t.yml:7:14: unterminated '{' at offset 4 in template (write '{{' for "
                          "a literal brace)\n"},
        {"{}", "t.yml:7:14: empty placeholder '{}' at offset 0 in template\n"},
        {"x}", "t.yml:7:14: unmatched '}' at offset 1 in template (write '}}' for a literal "
               "brace)\n"},
        {"{{}", "t.yml:7:14: unmatched '}' at offset 2 in template (write '}}' for a literal "
                "brace)\n"},
        {"{nope}", "t.yml:7:14: bad placeholder at offset 0 in template: unknown field "
                   "'nope': " PATHS SPECIALS "\n"},
        {"a {Rule}", "t.yml:7:14: bad placeholder at offset 2 in template: unknown "
                     "field 'Rule': " PATHS SPECIALS "\n"},
        {"{ rule }", "t.yml:7:14: bad placeholder at offset 0 in template: unknown "
                     "field ' rule ': " PATHS SPECIALS "\n"},
        {"{joined.nope}", "t.yml:7:14: bad placeholder at offset 0 in template: after "
                          "'joined.': unknown field 'nope': " PATHS "\n"},
        {"{joined.rule}", "t.yml:7:14: bad placeholder at offset 0 in template: after "
                          "'joined.': unknown field 'rule': " PATHS "\n"},
        {"{joined.}", "t.yml:7:14: bad placeholder at offset 0 in template: unknown "
                      "field 'joined.': " PATHS SPECIALS "\n"},
        {"{fields.}", "t.yml:7:14: bad placeholder at offset 0 in template: empty "
                      "key in 'fields.': expected fields.<key>\n"},
        {"{syslog.sd.x}", "t.yml:7:14: bad placeholder at offset 0 in template: "
                          "bad path 'syslog.sd.x': expected syslog.sd.<SD-ID>.<param>\n"},
        /* every mistake of one template, in order */
        {"{x}} {} {", "t.yml:7:14: bad placeholder at offset 0 in template: unknown field "
                      "'x': " PATHS SPECIALS "\n"
                      "t.yml:7:14: unmatched '}' at offset 3 in template (write '}}' for a "
                      "literal brace)\n"
                      "t.yml:7:14: empty placeholder '{}' at offset 5 in template\n"
                      "t.yml:7:14: unterminated '{' at offset 8 in template (write '{{' for a "
                      "literal brace)\n"},
        {"{0123456789012345678901234567890123456789012345678901234567890123456789}",
         "t.yml:7:14: bad placeholder at offset 0 in template: unknown field "
         "'0123456789012345678901234567890123456789012345678901234567890123': " PATHS SPECIALS
         "\n"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++)
        compile_err(cases[i].tmpl, strlen(cases[i].tmpl), cases[i].want);
    compile_err("{a\0b}", 5,
                "t.yml:7:14: bad placeholder at offset 0 in template: it contains a NUL byte\n");
}

static void test_compile_not_scalar(void **state)
{
    (void)state;
    struct cg_ynode seq = {.type = CG_Y_SEQ, .line = 3, .col = 5};
    struct cg_buf err;
    struct cg_template *t = NULL;
    cg_buf_init(&err);
    assert_int_equal(cg_template_compile(&doc, &seq, &t, &err), CG_EPARSE);
    assert_null(t);
    assert_string_equal(cg_buf_cstr(&err), "t.yml:3:5: a template must be a text\n");
    cg_buf_clear(&err);
    assert_int_equal(cg_template_compile(&doc, NULL, &t, &err), CG_EPARSE);
    assert_string_equal(cg_buf_cstr(&err), "t.yml: a template must be a text\n");
    cg_buf_fini(&err);
    cg_template_free(NULL); /* a no-op */
}

/* Literal bytes (NUL included) come out exactly as compiled. */
static void test_literal_bytes(void **state)
{
    (void)state;
    struct cg_ynode node = scalar("a\0b{rule}", 9);
    struct cg_buf err, out;
    struct cg_template *t = NULL;
    cg_buf_init(&err);
    cg_buf_init(&out);
    assert_int_equal(cg_template_compile(&doc, &node, &t, &err), CG_OK);
    struct cg_template_ctx ctx = {.rule = "r"};
    assert_int_equal(cg_template_render(t, &ctx, &out), CG_OK);
    assert_int_equal(out.n, 4);
    assert_memory_equal(out.p, "a\0br", 4);
    cg_template_free(t);
    cg_buf_fini(&err);
    cg_buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_full),    cmocka_unit_test(test_render_missing),
        cmocka_unit_test(test_render_braces),  cmocka_unit_test(test_render_appends),
        cmocka_unit_test(test_render_bounds),  cmocka_unit_test(test_render_utf8_cut),
        cmocka_unit_test(test_compile_errors), cmocka_unit_test(test_compile_not_scalar),
        cmocka_unit_test(test_literal_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
