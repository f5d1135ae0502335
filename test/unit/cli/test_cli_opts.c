/* test_cli_opts.c - cefguard's option table: it passes the table checks, its defaults are
 * what the modules assume, each command takes the options it always took, and -R and
 * --rulebase-dir keep their order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/engine.h"
#include "cefguard/fields.h"
#include "cefguard/framing.h"

#include "../../../src/cli/cli_opts.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

static void test_table_checks(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cli_opts_table, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    cg_buf_fini(&err);
}

static int parse(enum cli_command cmd, char **argv, struct cli_opts *o)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    cli_opts_init(o);
    return cli_opts_parse(o, cmd, argc, argv);
}

static void test_defaults(void **state)
{
    (void)state;
    struct cli_opts o;
    char *argv[] = {"parse", NULL};
    assert_int_equal(parse(CLI_PARSE, argv, &o), -1);
    assert_int_equal(o.max_line, CG_MAX_LINE_DEFAULT);
    assert_int_equal(o.max_fields, CG_FIELDS_DEFAULT_MAX);
    assert_string_equal(o.syslog.timezone, "UTC");
    assert_int_equal(o.syslog.year, 0);
    assert_int_equal(o.syslog.year_mode, CG_YEAR_STREAM);
    assert_int_equal(o.lateness_us, 0);
    assert_false(o.no_default_rulebases || o.stats || o.events || o.quiet || o.verbose);
    assert_int_equal(o.rules.n + o.rulebases.n, 0);
    assert_int_equal(optind, 1);
    cli_opts_fini(&o);
}

/* Which command takes which option: as before the table (getopt failures are usage
 * errors, status 2). */
static void test_commands(void **state)
{
    (void)state;
    static const struct {
        const char *opt;
        unsigned takes; /* enum cli_command bits */
    } cases[] = {
        {"--rules=r", CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--verbose", CLI_TEST},
        {"--events", CLI_REPLAY},
        {"--lateness=5m", CLI_REPLAY},
        {"--rulebase=f", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--rulebase-dir=d", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--no-default-rulebases", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--timezone=+09:00", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--year=2024", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--max-line=64", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--max-fields=1000000", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--stats", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"--quiet", CLI_PARSE | CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"-r", CLI_REPLAY | CLI_CHECK | CLI_TEST},
        {"-v", CLI_TEST},
    };
    static const enum cli_command cmds[] = {CLI_PARSE, CLI_REPLAY, CLI_CHECK, CLI_TEST};
    static const char *const names[] = {"parse", "replay", "check", "test"};
    opterr = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        for (size_t k = 0; k < CG_ARRAY_LEN(cmds); k++) {
            struct cli_opts o;
            char opt[64], val[] = "x";
            snprintf(opt, sizeof(opt), "%s", cases[i].opt);
            char *argv[] = {(char *)names[k], opt, strcmp(opt, "-r") ? NULL : val, NULL};
            int saved = dup(2), null = open("/dev/null", O_WRONLY); /* the usage of refused */
            assert_true(saved >= 0 && null >= 0 && dup2(null, 2) == 2);
            int status = parse(cmds[k], argv, &o);
            assert_int_equal(dup2(saved, 2), 2);
            close(saved);
            close(null);
            int want = (cases[i].takes & cmds[k]) ? -1 : 2;
            if (status != want)
                fail_msg("%s %s: status %d, want %d", names[k], opt, status, want);
            cli_opts_fini(&o);
        }
    }
    opterr = 1;
}

static void test_rulebase_order(void **state)
{
    (void)state;
    struct cli_opts o;
    char *argv[] = {"replay", "-R", "a", "--rulebase-dir", "d",  "-Rb",
                    "in.log", "-r", "x", "--lateness",     "2s", NULL};
    assert_int_equal(parse(CLI_REPLAY, argv, &o), -1);
    assert_int_equal(o.rulebases.n, 3);
    assert_string_equal(o.rulebases.v[0].path, "a");
    assert_int_equal(o.rulebases.v[0].tag, CLI_RULEBASE_FILE);
    assert_string_equal(o.rulebases.v[1].path, "d");
    assert_int_equal(o.rulebases.v[1].tag, CLI_RULEBASE_DIR);
    assert_string_equal(o.rulebases.v[2].path, "b");
    assert_int_equal(o.rulebases.v[2].tag, CLI_RULEBASE_FILE);
    assert_int_equal(o.rules.n, 1);
    assert_string_equal(o.rules.v[0].path, "x");
    assert_int_equal(o.lateness_us, 2000000);
    assert_int_equal(o.max_state_bytes, CG_ENGINE_STATE_BYTES_DEFAULT);
    assert_string_equal(argv[optind], "in.log");
    assert_int_equal(optind, 10);
    cli_opts_fini(&o);
}

static void test_usage_first_lines(void **state)
{
    (void)state;
    static const struct {
        enum cli_command cmd;
        const char *first;
    } cases[] = {
        {CLI_PARSE, "usage: cefguard parse [options] [FILE...]\n"},
        {CLI_REPLAY, "usage: cefguard replay [options] [FILE...]\n"},
        {CLI_CHECK, "usage: cefguard check [options]\n"},
        {CLI_TEST, "usage: cefguard test [options]\n"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        char *text = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&text, &n);
        assert_non_null(f);
        cli_opts_usage(cases[i].cmd, f);
        fclose(f);
        assert_memory_equal(text, cases[i].first, strlen(cases[i].first));
        /* Every option of the command is listed, once. */
        for (size_t k = 0; k < cli_opts_table.n; k++) {
            char name[64];
            snprintf(name, sizeof(name), "--%s ", cli_opts_table.v[k].name);
            const char *at = strstr(text, name);
            if (!at) {
                snprintf(name, sizeof(name), "--%s\n", cli_opts_table.v[k].name);
                at = strstr(text, name);
            }
            bool listed = at && !strstr(at + 1, name);
            assert_int_equal(listed, (cli_opts_table.v[k].commands & cases[i].cmd) != 0);
        }
        free(text);
    }
    assert_int_equal(cli_opts_command("replay"), CLI_REPLAY);
    assert_int_equal(cli_opts_command("options"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_checks),      cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_commands),          cmocka_unit_test(test_rulebase_order),
        cmocka_unit_test(test_usage_first_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
