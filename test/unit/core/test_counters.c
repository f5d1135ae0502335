/* test_counters.c - counter tables: "name value" lines, help and Markdown, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/counters.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

struct stats {
    uint64_t lines;
    uint64_t by_kind[4];
    uint64_t live;
};

static const char *kind_name(unsigned i)
{
    static const char *const names[] = {"none", "one", "two", "three"};
    return names[i];
}

static const struct cg_counter counters[] = {
    {"lines", CG_COUNTER_TOTAL, offsetof(struct stats, lines), "lines read", NULL, 0, 0},
    {"kind", CG_COUNTER_TOTAL, offsetof(struct stats, by_kind), "events by kind | not none",
     kind_name, 1, 4},
    {"state.live", CG_COUNTER_GAUGE, offsetof(struct stats, live), "keys held *now*", NULL, 0, 0},
};

static const struct cg_counter_table table = {counters, CG_ARRAY_LEN(counters)};

static void test_write(void **state)
{
    (void)state;
    struct stats s = {7, {100, 0, UINT64_MAX, 42}, 3};
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_write(&table, &s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "lines 7\n"
                                         "kind.one 0\n"
                                         "kind.two 18446744073709551615\n"
                                         "kind.three 42\n"
                                         "state.live 3\n");
    /* Appends: a second table's lines follow the first's. */
    struct cg_counter_table one = {counters, 1};
    assert_int_equal(cg_counters_write(&one, &s, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b) + b.n - 8, "lines 7\n");
    cg_buf_clear(&b);
    struct cg_counter_table none = {counters, 0};
    assert_int_equal(cg_counters_write(&none, &s, &b), CG_OK);
    assert_int_equal(b.n, 0);
    cg_buf_fini(&b);
}

static void test_help(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_help(&table, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "lines       lines read\n"
                                         "kind.one    events by kind | not none\n"
                                         "kind.two    events by kind | not none\n"
                                         "kind.three  events by kind | not none\n"
                                         "state.live  keys held *now*\n");
    cg_buf_fini(&b);
}

static void test_markdown(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_markdown(&table, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b),
                        "| counter | kind | description |\n"
                        "|---|---|---|\n"
                        "| `lines` | counter | lines read |\n"
                        "| `kind.*` | counter | events by kind \\| not none; one counter for "
                        "each of `one`, `two`, `three` |\n"
                        "| `state.live` | gauge | keys held \\*now\\* |\n");
    cg_buf_fini(&b);
    assert_string_equal(cg_counter_kind_name(CG_COUNTER_TOTAL), "counter");
    assert_string_equal(cg_counter_kind_name(CG_COUNTER_GAUGE), "gauge");
}

/* ---- Prometheus text format 0.0.4 -------------------------------------------------------- */

/* The format's line grammar, and its grouping rule: every family (a TYPE line) once, its
 * HELP just before, its samples right after and named as it is, counters named _total.
 * NULL, or what is wrong (the offending line copied into problem). */
static const char *exposition_problem(const char *text, char *problem, size_t size)
{
    static const char *const res[] = {
        "^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) ([^\\\\\n]|\\\\\\\\|\\\\n)*$",
        "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$",
        "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
        "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})? [0-9]+$",
    };
    regex_t re[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(regcomp(&re[i], res[i], REG_EXTENDED), 0);
    char seen[64][128], help[128] = "", family[128] = "";
    size_t nseen = 0;
    const char *p = text, *why = NULL;
    if (*text && text[strlen(text) - 1] != '\n')
        why = "no newline at the end";
    while (!why && *p) {
        const char *nl = strchr(p, '\n');
        char line[512], name[128];
        assert_true((size_t)(nl - p) < sizeof(line));
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        snprintf(problem, size, "%s", line);
        p = nl + 1;
        regmatch_t m[2];
        int kind = -1;
        for (int i = 0; i < 3 && kind < 0; i++)
            if (regexec(&re[i], line, 2, m, 0) == 0)
                kind = i;
        if (kind < 0) {
            why = "not a line of the format";
            break;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
        size_t n = strlen(name);
        if (kind == 0) {
            snprintf(help, sizeof(help), "%s", name);
        } else if (kind == 1) {
            if (strcmp(help, name) != 0)
                why = "TYPE without its HELP just before";
            for (size_t i = 0; i < nseen; i++)
                if (strcmp(seen[i], name) == 0)
                    why = "a family written twice";
            if (strstr(line, " counter") && (n < 6 || strcmp(name + n - 6, "_total") != 0))
                why = "a counter without _total";
            assert_true(nseen < 64);
            snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
            snprintf(family, sizeof(family), "%s", name);
            help[0] = '\0';
        } else if (strcmp(family, name) != 0 || help[0]) {
            why = "a sample outside its family's group";
        }
    }
    for (int i = 0; i < 3; i++)
        regfree(&re[i]);
    return why;
}

static void check_exposition(const char *text)
{
    char line[512] = "";
    const char *why = exposition_problem(text, line, sizeof(line));
    if (why)
        fail_msg("%s: [%s]", why, line);
}

static void test_prometheus_one(void **state)
{
    (void)state;
    struct stats s = {7, {100, 0, UINT64_MAX, 42}, 3};
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_prometheus(&table, &s, NULL, NULL, &b), CG_OK);
    const char *want = "# HELP cefguard_lines_total lines read\n"
                       "# TYPE cefguard_lines_total counter\n"
                       "cefguard_lines_total 7\n"
                       "# HELP cefguard_kind_one_total events by kind | not none\n"
                       "# TYPE cefguard_kind_one_total counter\n"
                       "cefguard_kind_one_total 0\n"
                       "# HELP cefguard_kind_two_total events by kind | not none\n"
                       "# TYPE cefguard_kind_two_total counter\n"
                       "cefguard_kind_two_total 18446744073709551615\n"
                       "# HELP cefguard_kind_three_total events by kind | not none\n"
                       "# TYPE cefguard_kind_three_total counter\n"
                       "cefguard_kind_three_total 42\n"
                       "# HELP cefguard_state_live keys held *now*\n"
                       "# TYPE cefguard_state_live gauge\n"
                       "cefguard_state_live 3\n";
    assert_string_equal(cg_buf_cstr(&b), want);
    check_exposition(cg_buf_cstr(&b));
    /* appends; a prefix and labels */
    cg_buf_clear(&b);
    struct cg_counter_table one = {counters + 2, 1};
    assert_int_equal(cg_buf_puts(&b, "x"), CG_OK);
    assert_int_equal(cg_counters_prometheus(&one, &s, "sink.a-b.", "sink=\"a\"", &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "x# HELP cefguard_sink_a_b_state_live keys held *now*\n"
                                         "# TYPE cefguard_sink_a_b_state_live gauge\n"
                                         "cefguard_sink_a_b_state_live{sink=\"a\"} 3\n");
    cg_buf_fini(&b);
}

/* Two inputs' tables share their families: each family once, both samples in it. */
static void test_prometheus_writer(void **state)
{
    (void)state;
    struct stats udp = {1, {0, 2, 3, 4}, 5}, tcp = {10, {0, 20, 30, 40}, 50};
    struct cg_counter_table two = {counters, 3};
    struct cg_prom_writer w;
    struct cg_buf b, lu, lt;
    cg_buf_init(&b);
    cg_buf_init(&lu);
    cg_buf_init(&lt);
    assert_int_equal(cg_prom_label(&lu, "input", "udp"), CG_OK);
    assert_int_equal(cg_prom_label(&lt, "input", "t\"c\\p\n"), CG_OK);
    assert_int_equal(cg_prom_label(&lt, "le_2", ""), CG_OK);
    assert_string_equal(cg_buf_cstr(&lt), "input=\"t\\\"c\\\\p\\n\",le_2=\"\"");
    cg_prom_writer_init(&w);
    assert_int_equal(cg_prom_writer_sample(&w, "uptime", CG_COUNTER_GAUGE, "a\\b\nc", NULL, 9),
                     CG_OK);
    assert_int_equal(cg_prom_writer_add(&w, &two, &udp, "input.", cg_buf_cstr(&lu)), CG_OK);
    assert_int_equal(cg_prom_writer_add(&w, &two, &tcp, "input.", cg_buf_cstr(&lt)), CG_OK);
    assert_int_equal(cg_prom_writer_sample(&w, "input.port", CG_COUNTER_GAUGE, "the bound port",
                                           cg_buf_cstr(&lu), 5514),
                     CG_OK);
    assert_int_equal(cg_prom_writer_finish(&w, &b), CG_OK);
    const char *want = "# HELP cefguard_uptime a\\\\b\\nc\n"
                       "# TYPE cefguard_uptime gauge\n"
                       "cefguard_uptime 9\n"
                       "# HELP cefguard_input_lines_total lines read\n"
                       "# TYPE cefguard_input_lines_total counter\n"
                       "cefguard_input_lines_total{input=\"udp\"} 1\n"
                       "cefguard_input_lines_total{input=\"t\\\"c\\\\p\\n\",le_2=\"\"} 10\n"
                       "# HELP cefguard_input_kind_one_total events by kind | not none\n"
                       "# TYPE cefguard_input_kind_one_total counter\n"
                       "cefguard_input_kind_one_total{input=\"udp\"} 2\n"
                       "cefguard_input_kind_one_total{input=\"t\\\"c\\\\p\\n\",le_2=\"\"} 20\n"
                       "# HELP cefguard_input_kind_two_total events by kind | not none\n"
                       "# TYPE cefguard_input_kind_two_total counter\n"
                       "cefguard_input_kind_two_total{input=\"udp\"} 3\n"
                       "cefguard_input_kind_two_total{input=\"t\\\"c\\\\p\\n\",le_2=\"\"} 30\n"
                       "# HELP cefguard_input_kind_three_total events by kind | not none\n"
                       "# TYPE cefguard_input_kind_three_total counter\n"
                       "cefguard_input_kind_three_total{input=\"udp\"} 4\n"
                       "cefguard_input_kind_three_total{input=\"t\\\"c\\\\p\\n\",le_2=\"\"} 40\n"
                       "# HELP cefguard_input_state_live keys held *now*\n"
                       "# TYPE cefguard_input_state_live gauge\n"
                       "cefguard_input_state_live{input=\"udp\"} 5\n"
                       "cefguard_input_state_live{input=\"t\\\"c\\\\p\\n\",le_2=\"\"} 50\n"
                       "# HELP cefguard_input_port the bound port\n"
                       "# TYPE cefguard_input_port gauge\n"
                       "cefguard_input_port{input=\"udp\"} 5514\n";
    assert_string_equal(cg_buf_cstr(&b), want);
    check_exposition(cg_buf_cstr(&b));
    /* finish again: the same text */
    cg_buf_clear(&b);
    assert_int_equal(cg_prom_writer_finish(&w, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), want);
    /* a gauge whose name is a counter family's: refused, nothing written for it */
    assert_int_equal(cg_prom_writer_sample(&w, "input.lines_total", CG_COUNTER_GAUGE, "x", NULL, 1),
                     CG_EINVAL);
    cg_buf_clear(&b);
    assert_int_equal(cg_prom_writer_finish(&w, &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), want);
    cg_prom_writer_fini(&w);
    cg_prom_writer_fini(&w); /* fini twice: the writer is empty after the first */
    cg_buf_fini(&b);
    cg_buf_fini(&lu);
    cg_buf_fini(&lt);
}

static void test_prometheus_labels(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    static const char *const bad[] = {"", "1a", "__x", "a-b", "a:b", "a b", "é"};
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        assert_int_equal(cg_prom_label(&b, bad[i], "v"), CG_EINVAL);
        assert_int_equal(b.n, 0);
    }
    assert_int_equal(cg_prom_label(&b, "_a", "é\t"), CG_OK);
    assert_int_equal(cg_prom_label(&b, "Z9", "}"), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "_a=\"é\t\",Z9=\"}\"");
    /* odd bytes in a name become '_'; an empty table writes nothing */
    struct cg_buf out;
    cg_buf_init(&out);
    struct cg_counter odd[] = {
        {"a b/é", CG_COUNTER_GAUGE, offsetof(struct stats, live), "h", NULL, 0, 0}};
    struct cg_counter_table t = {odd, 1}, none = {odd, 0};
    struct stats s = {0, {0}, 1};
    assert_int_equal(cg_counters_prometheus(&none, &s, "p.", NULL, &out), CG_OK);
    assert_int_equal(out.n, 0);
    assert_int_equal(cg_counters_prometheus(&t, &s, "p.", "", &out), CG_OK);
    assert_string_equal(cg_buf_cstr(&out), "# HELP cefguard_p_a_b___ h\n"
                                           "# TYPE cefguard_p_a_b___ gauge\n"
                                           "cefguard_p_a_b___ 1\n");
    check_exposition(cg_buf_cstr(&out));
    cg_buf_fini(&out);
    cg_buf_fini(&b);
}

/* The grammar check itself fails on what breaks the format (it is the test's oracle). */
static void test_prometheus_oracle(void **state)
{
    (void)state;
    check_exposition("");
    check_exposition("# HELP a_total h \\\\ \\n\n# TYPE a_total counter\na_total{x=\"\\\"\"} 1\n"
                     "# HELP b h\n# TYPE b gauge\nb{x=\"1\",y=\"\"} 0\nb 2\n");
    static const char *const bad[] = {
        "# HELP a h\n# TYPE a gauge\na 1",                                    /* no final newline */
        "# TYPE a gauge\na 1\n",                                              /* no HELP */
        "# HELP a h\n# TYPE a gauge\nb 1\n",                                  /* other family */
        "# HELP a h\n# TYPE a counter\na 1\n",                                /* no _total */
        "# HELP a h\n# TYPE a gauge\na 1\n# HELP a h\n# TYPE a gauge\na 2\n", /* twice */
        "# HELP a h\n# TYPE a gauge\na{x=\"\"\"} 1\n",                        /* bad quote */
        "# HELP a h\n# TYPE a gauge\na{x=\"\\t\"} 1\n",                       /* bad escape */
        "# HELP a h\\t\n# TYPE a gauge\na 1\n",                               /* bad HELP escape */
        "# HELP a h\n# TYPE a gauge\na{-x=\"\"} 1\n",                         /* bad label name */
        "# HELP a h\n# TYPE a gauge\na -1\n",                                 /* value */
        "# HELP a-b h\n# TYPE a-b gauge\na-b 1\n",                            /* bad name */
        "# HELP a h\n# TYPE a summary\na 1\n",                                /* not ours */
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        char line[512];
        if (!exposition_problem(bad[i], line, sizeof(line)))
            fail_msg("bad exposition %zu passed the check", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_prometheus_one),
        cmocka_unit_test(test_prometheus_writer),
        cmocka_unit_test(test_prometheus_labels),
        cmocka_unit_test(test_prometheus_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
