/* test_options.c - the option table: every type parsed and refused, defaults, the table's
 * own checks, getopt, help and Markdown text, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/options.h"

#include <getopt.h>
#include <stdio.h>

struct conf {
    bool flag;
    unsigned count;
    size_t bytes;
    int year;
    int64_t wait_us;
    const char *name;
    const char *zone;
    struct cg_opt_paths files;
};

enum { CMD_A = 1u << 0, CMD_B = 1u << 1 };
enum { TAG_FILE = 1, TAG_DIR = 2 };
#define AT(m) offsetof(struct conf, m)

/* clang-format off */
static const struct cg_opt opts[] = {
    {.name = "flag", .short_name = 'f', .type = CG_OPT_FLAG, .commands = CMD_A | CMD_B,
     .offset = AT(flag), .help = "a flag"},
    {.name = "count", .short_name = 'n', .type = CG_OPT_UINT, .arg = "N", .def = "3", .min = 1,
     .max = 10, .commands = CMD_A, .offset = AT(count), .help = "how many"},
    {.name = "bytes", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "1024",
     .min = 64, .max = 1 << 20, .reloadable = true, .commands = CMD_A | CMD_B,
     .offset = AT(bytes), .help = "a size with a help text long enough that it has to wrap onto "
                                  "a second line of the help"},
    {.name = "year", .type = CG_OPT_YEAR, .arg = "YYYY", .def_text = "from the clock",
     .min = 1970, .max = 9999, .commands = CMD_B, .offset = AT(year), .help = "a year"},
    {.name = "wait", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "90s", .min = 0,
     .max = 86400000000, .commands = CMD_A, .offset = AT(wait_us), .help = "a wait"},
    {.name = "name", .type = CG_OPT_STRING, .arg = "NAME", .def = "x", .commands = CMD_A,
     .offset = AT(name), .help = "a name | with a pipe"},
    {.name = "zone", .type = CG_OPT_TIMEZONE, .arg = "TZ", .def = "UTC", .commands = CMD_A,
     .offset = AT(zone), .help = "a zone"},
    {.name = "file", .short_name = 'F', .type = CG_OPT_PATHS, .arg = "FILE", .def_text = "none",
     .commands = CMD_A, .offset = AT(files), .tag = TAG_FILE, .help = "a *.file"},
    {.name = "a-very-long-directory-option", .type = CG_OPT_PATHS, .arg = "DIR",
     .def_text = "none", .commands = CMD_A, .offset = AT(files), .tag = TAG_DIR,
     .help = "a dir"},
    {.name = "help", .short_name = 'h', .type = CG_OPT_HELP, .commands = CMD_A | CMD_B,
     .help = "print this help"},
};
/* clang-format on */

static const char *const cmd_names[] = {"alpha", "beta"};
static const struct cg_opt_table table = {opts, CG_ARRAY_LEN(opts), cmd_names, 2};

static const struct cg_opt *opt_named(const char *name)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(opts); i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    fail_msg("no option %s", name);
    return NULL;
}

static void conf_init(struct conf *c)
{
    memset(c, 0, sizeof(*c));
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_defaults(&table, c, &err), CG_OK);
    assert_int_equal(err.n, 0);
    cg_buf_fini(&err);
}

static void test_check_ok(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&table, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    cg_buf_fini(&err);
}

/* Each broken entry, after a good one, gives exactly its problem. */
static void test_check_refuses(void **state)
{
    (void)state;
    static const struct {
        struct cg_opt o;
        const char *msg;
    } cases[] = {
        {{.name = "x", .type = CG_OPT_FLAG, .commands = CMD_A}, "name, help and commands"},
        {{.name = "x", .type = CG_OPT_FLAG, .help = "h"}, "name, help and commands"},
        {{.name = "x", .type = CG_OPT_FLAG, .commands = 4, .help = "h"}, "does not name"},
        {{.name = "x", .type = CG_OPT_STRING, .def = "a", .commands = 1, .help = "h"},
         "arg must name"},
        {{.name = "x", .type = CG_OPT_FLAG, .arg = "X", .commands = 1, .help = "h"},
         "arg must name"},
        {{.name = "flag", .type = CG_OPT_FLAG, .commands = 1, .help = "h"}, "name used twice"},
        {{.name = "x", .short_name = 'f', .type = CG_OPT_FLAG, .commands = 1, .help = "h"},
         "short letter used twice"},
        {{.name = "x", .short_name = ':', .type = CG_OPT_FLAG, .commands = 1, .help = "h"},
         "a letter or a digit"},
        {{.name = "x",
          .type = CG_OPT_UINT,
          .arg = "N",
          .def = "1",
          .min = 2,
          .max = 1,
          .commands = 1,
          .help = "h"},
         "range that is empty"},
        {{.name = "x",
          .type = CG_OPT_UINT,
          .arg = "N",
          .def = "1",
          .max = UINT64_MAX,
          .commands = 1,
          .help = "h"},
         "beyond the type"},
        {{.name = "x", .type = CG_OPT_UINT, .arg = "N", .def = "1", .commands = 1, .help = "h"},
         "range that is empty"},
        {{.name = "x",
          .type = CG_OPT_STRING,
          .arg = "S",
          .def = "a",
          .max = 3,
          .commands = 1,
          .help = "h"},
         "a range on a type without one"},
        {{.name = "x",
          .type = CG_OPT_DURATION,
          .arg = "D",
          .def = "0",
          .max = 1500,
          .commands = 1,
          .help = "h"},
         "whole milliseconds"},
        {{.name = "x", .type = CG_OPT_STRING, .arg = "S", .commands = 1, .help = "h"},
         "no default"},
        {{.name = "x", .type = CG_OPT_FLAG, .def_text = "off", .commands = 1, .help = "h"},
         "a default on an option without a value"},
        {{.name = "x", .type = CG_OPT_PATHS, .arg = "P", .def = "a", .commands = 1, .help = "h"},
         "a def on a list"},
        {{.name = "x",
          .type = CG_OPT_UINT,
          .arg = "N",
          .def = "11",
          .max = 10,
          .commands = 1,
          .help = "h"},
         "does not parse or is out of range"},
        {{.name = "x",
          .type = CG_OPT_DURATION,
          .arg = "D",
          .def = "5",
          .max = 1000000,
          .commands = 1,
          .help = "h"},
         "does not parse or is out of range"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_opt two[2] = {opts[0], cases[i].o};
        struct cg_opt_table t = {two, 2, cmd_names, 2};
        struct cg_buf err;
        cg_buf_init(&err);
        assert_int_equal(cg_opt_check(&t, &err), CG_EINVAL);
        const char *got = cg_buf_cstr(&err);
        if (!strstr(got, cases[i].msg) || strncmp(got, "option ", 7) != 0 ||
            strchr(got, '\n') != got + err.n - 1)
            fail_msg("case %zu: '%s' lacks '%s'", i, got, cases[i].msg);
        cg_buf_fini(&err);
    }
}

static void test_defaults(void **state)
{
    (void)state;
    struct conf c;
    conf_init(&c);
    assert_false(c.flag);
    assert_int_equal(c.count, 3);
    assert_int_equal(c.bytes, 1024);
    assert_int_equal(c.year, 0); /* def_text only: the zero stays */
    assert_int_equal(c.wait_us, 90000000);
    assert_string_equal(c.name, "x");
    assert_string_equal(c.zone, "UTC");
    assert_int_equal(c.files.n, 0);
    cg_opt_fini(&table, &c);

    /* A default that does not parse is reported with the option's name. */
    struct cg_opt bad = opts[1];
    bad.def = "99";
    struct cg_opt_table t = {&bad, 1, cmd_names, 2};
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_defaults(&t, &c, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err),
                        "default '99' of count: expected a whole number from 1 to 10\n");
    cg_buf_fini(&err);
}

/* Every numeric type, accepted and refused; value is what is stored (durations in us). */
static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *opt, *text;
        bool ok;
        int64_t value;
    } cases[] = {
        {"count", "1", true, 1},
        {"count", "10", true, 10},
        {"count", "007", true, 7},
        {"count", "0", false, 0},
        {"count", "11", false, 0},
        {"count", "", false, 0},
        {"count", "5x", false, 0},
        {"count", "x5", false, 0},
        {"count", "-1", false, 0},
        {"count", "+1", false, 0},
        {"count", " 1", false, 0},
        {"count", "1 ", false, 0},
        {"count", "0x5", false, 0},
        {"count", "4294967297", false, 0},           /* wraps to 1 in 32 bits */
        {"count", "18446744073709551617", false, 0}, /* wraps to 1 in 64 bits */
        {"count", "99999999999999999999999", false, 0},
        {"bytes", "64", true, 64},
        {"bytes", "1048576", true, 1048576},
        {"bytes", "63", false, 0},
        {"bytes", "1048577", false, 0},
        {"bytes", "1k", false, 0},
        {"year", "1970", true, 1970},
        {"year", "9999", true, 9999},
        {"year", "2025", true, 2025},
        {"year", "1969", false, 0},
        {"year", "10000", false, 0},
        {"year", "25", false, 0},
        {"year", "2025-01", false, 0},
        {"wait", "0", true, 0},
        {"wait", "0s", true, 0},
        {"wait", "500ms", true, 500000},
        {"wait", "90s", true, 90000000},
        {"wait", "15m", true, 900000000},
        {"wait", "2h", true, 7200000000},
        {"wait", "1d", true, 86400000000},
        {"wait", "86400000ms", true, 86400000000},
        {"wait", "1440m", true, 86400000000},
        {"wait", "1441m", false, 0},
        {"wait", "2d", false, 0},
        {"wait", "5", false, 0},
        {"wait", "00", true, 0},
        {"wait", "s", false, 0},
        {"wait", "1S", false, 0},
        {"wait", "1 s", false, 0},
        {"wait", "1sec", false, 0},
        {"wait", "1.5s", false, 0},
        {"wait", "-1s", false, 0},
        {"wait", "18446744073709552s", false, 0}, /* overflows when made microseconds */
        {"wait", "99999999999999999999d", false, 0},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct conf c;
        conf_init(&c);
        struct cg_buf err;
        cg_buf_init(&err);
        const struct cg_opt *o = opt_named(cases[i].opt);
        int rc = cg_opt_set(o, cases[i].text, &c, &err);
        if (rc != (cases[i].ok ? CG_OK : CG_EINVAL))
            fail_msg("case %zu: %s '%s' gave %d", i, cases[i].opt, cases[i].text, rc);
        int64_t got = o->type == CG_OPT_UINT   ? (int64_t)c.count
                      : o->type == CG_OPT_SIZE ? (int64_t)c.bytes
                      : o->type == CG_OPT_YEAR ? (int64_t)c.year
                                               : c.wait_us;
        if (cases[i].ok && got != cases[i].value)
            fail_msg("case %zu: %s '%s' stored %lld", i, cases[i].opt, cases[i].text,
                     (long long)got);
        if (!cases[i].ok) { /* a refused value leaves the default */
            int64_t def = o->type == CG_OPT_UINT   ? 3
                          : o->type == CG_OPT_SIZE ? 1024
                          : o->type == CG_OPT_YEAR ? 0
                                                   : 90000000;
            assert_int_equal(got, def);
            assert_int_not_equal(err.n, 0);
        }
        cg_buf_fini(&err);
        cg_opt_fini(&table, &c);
    }
}

static void test_messages(void **state)
{
    (void)state;
    static const struct {
        const char *opt, *msg;
    } cases[] = {
        {"count", "expected a whole number from 1 to 10"},
        {"bytes", "expected a whole number from 64 to 1048576 bytes"},
        {"year", "expected a year from 1970 to 9999"},
        {"wait", "expected a duration such as 0, 500ms, 90s, 15m, 2h or 1d from 0 to 1d"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct conf c;
        conf_init(&c);
        struct cg_buf err;
        cg_buf_init(&err);
        assert_int_equal(cg_opt_set(opt_named(cases[i].opt), "junk", &c, &err), CG_EINVAL);
        assert_string_equal(cg_buf_cstr(&err), cases[i].msg);
        cg_buf_clear(&err);
        assert_int_equal(cg_opt_set(opt_named(cases[i].opt), NULL, &c, &err), CG_EINVAL);
        assert_string_equal(cg_buf_cstr(&err), "expected a value");
        cg_buf_fini(&err);
    }
}

static void test_text_and_lists(void **state)
{
    (void)state;
    struct conf c;
    conf_init(&c);
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_set(opt_named("name"), "", &c, &err), CG_OK);
    assert_string_equal(c.name, "");
    assert_int_equal(cg_opt_set(opt_named("zone"), "Asia/Tokyo", &c, &err), CG_OK);
    assert_string_equal(c.zone, "Asia/Tokyo");
    assert_int_equal(cg_opt_set(opt_named("flag"), NULL, &c, &err), CG_OK);
    assert_true(c.flag);
    assert_int_equal(cg_opt_set(opt_named("help"), NULL, &c, &err), CG_OK);
    /* Two entries, one list: items keep the order given and the tag of their entry. */
    char names[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof(names[i]), "p%d", i);
        const char *o = i % 3 ? "file" : "a-very-long-directory-option";
        assert_int_equal(cg_opt_set(opt_named(o), names[i], &c, &err), CG_OK);
    }
    assert_int_equal(c.files.n, 20);
    for (int i = 0; i < 20; i++) {
        assert_ptr_equal(c.files.v[i].path, names[i]);
        assert_int_equal(c.files.v[i].tag, i % 3 ? TAG_FILE : TAG_DIR);
    }
    assert_int_equal(err.n, 0);
    cg_opt_fini(&table, &c);
    assert_null(c.files.v);
    assert_int_equal(c.files.n, 0);
    cg_opt_fini(&table, &c); /* twice is harmless */
    cg_buf_fini(&err);
}

/* Runs argv (NULL-terminated) for command; returns cg_opt_parse_argv's code. */
static int run(unsigned command, char **argv, struct conf *c, struct cg_opt_argv *res,
               struct cg_buf *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    conf_init(c);
    cg_buf_clear(err);
    return cg_opt_parse_argv(&table, command, argc, argv, c, res, err);
}

static void test_argv(void **state)
{
    (void)state;
    struct conf c;
    struct cg_opt_argv res;
    struct cg_buf err;
    cg_buf_init(&err);
    opterr = 0; /* keep getopt's own complaints out of the test log */

    char *a1[] = {"alpha",    "-f", "--count", "5",  "--bytes=2048", "in.log", "-Fa",
                  "--a-very", "d",  "--wait",  "2h", "--",           "-n",     NULL};
    assert_int_equal(run(CMD_A, a1, &c, &res, &err), CG_OK);
    assert_false(res.help);
    assert_true(c.flag);
    assert_int_equal(c.count, 5);
    assert_int_equal(c.bytes, 2048);
    assert_int_equal(c.wait_us, 7200000000);
    assert_int_equal(c.files.n, 2);
    assert_string_equal(c.files.v[0].path, "a");
    assert_int_equal(c.files.v[0].tag, TAG_FILE);
    assert_string_equal(c.files.v[1].path, "d");
    assert_int_equal(c.files.v[1].tag, TAG_DIR);
    assert_int_equal(res.first, 11); /* operands moved last: in.log, then -n after "--" */
    assert_string_equal(a1[res.first], "in.log");
    assert_string_equal(a1[res.first + 1], "-n");
    cg_opt_fini(&table, &c);

    /* A short cluster ending in help stops there; the next parse starts afresh. */
    char *a2[] = {"alpha", "-hf", "--count", "99", NULL};
    assert_int_equal(run(CMD_A, a2, &c, &res, &err), CG_OK);
    assert_true(res.help);
    assert_false(c.flag); /* not reached */
    assert_int_equal(c.count, 3);
    char *a3[] = {"alpha", "-n7", NULL};
    assert_int_equal(run(CMD_A, a3, &c, &res, &err), CG_OK);
    assert_false(res.help);
    assert_int_equal(c.count, 7);
    assert_int_equal(res.first, 2);

    /* Bad values: the message names the option and shows the value, control bytes as '?'. */
    char *a4[] = {"alpha", "--count", "1\x01\x7f", NULL};
    assert_int_equal(run(CMD_A, a4, &c, &res, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err), "bad value '1?"
                                           "?' for --count: expected a whole number from 1 to 10");
    char *a5[] = {"alpha", "-n", "0", NULL};
    assert_int_equal(run(CMD_A, a5, &c, &res, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err),
                        "bad value '0' for --count: expected a whole number from 1 to 10");

    /* Options of another command, unknown ones, a missing value. */
    char *a6[] = {"beta", "--count", "5", NULL};
    assert_int_equal(run(CMD_B, a6, &c, &res, &err), CG_ENOENT);
    char *a7[] = {"beta", "-F", "x", NULL};
    assert_int_equal(run(CMD_B, a7, &c, &res, &err), CG_ENOENT);
    char *a8[] = {"alpha", "--nope", NULL};
    assert_int_equal(run(CMD_A, a8, &c, &res, &err), CG_ENOENT);
    char *a9[] = {"alpha", "--count", NULL};
    assert_int_equal(run(CMD_A, a9, &c, &res, &err), CG_ENOENT);
    char *a10[] = {"alpha", "--flag=yes", NULL};
    assert_int_equal(run(CMD_A, a10, &c, &res, &err), CG_ENOENT);
    assert_int_equal(err.n, 0);

    /* Command B has year; a unique prefix of a long name is the option. */
    char *a11[] = {"beta", "--ye", "2024", "x", NULL};
    assert_int_equal(run(CMD_B, a11, &c, &res, &err), CG_OK);
    assert_int_equal(c.year, 2024);
    assert_int_equal(res.first, 3);
    opterr = 1;
    cg_buf_fini(&err);
}

static void test_help(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_opt_help(&table, CMD_B, &b), CG_OK);
    assert_string_equal(
        cg_buf_cstr(&b),
        "  -f, --flag                  a flag\n"
        "      --bytes BYTES           a size with a help text long enough that it has to "
        "wrap onto a second\n"
        "                              line of the help (64..1048576 bytes; default: 1024)\n"
        "      --year YYYY             a year (1970..9999; default: from the clock)\n"
        "  -h, --help                  print this help\n");
    cg_buf_clear(&b);
    assert_int_equal(cg_opt_help(&table, CMD_A, &b), CG_OK);
    assert_string_equal(
        cg_buf_cstr(&b),
        "  -f, --flag                  a flag\n"
        "  -n, --count N               how many (1..10; default: 3)\n"
        "      --bytes BYTES           a size with a help text long enough that it has to "
        "wrap onto a second\n"
        "                              line of the help (64..1048576 bytes; default: 1024)\n"
        "      --wait DURATION         a wait (0..1d; default: 90s)\n"
        "      --name NAME             a name | with a pipe (default: x)\n"
        "      --zone TZ               a zone (default: UTC)\n"
        "  -F, --file FILE             a *.file (repeatable; default: none)\n"
        "      --a-very-long-directory-option DIR\n"
        "                              a dir (repeatable; default: none)\n"
        "  -h, --help                  print this help\n");
    cg_buf_fini(&b);
}

static void test_markdown(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_opt_markdown(&table, &b), CG_OK);
    assert_string_equal(
        cg_buf_cstr(&b),
        "| option | value | default | reload | commands | description |\n"
        "|---|---|---|---|---|---|\n"
        "| `-f`, `--flag` | | off | no | all | a flag |\n"
        "| `-n`, `--count` | `N`, 1..10 | `3` | no | alpha | how many |\n"
        "| `--bytes` | `BYTES`, 64..1048576 bytes | `1024` | yes | all | a size with a help "
        "text long enough that it has to wrap onto a second line of the help |\n"
        "| `--year` | `YYYY`, 1970..9999 | from the clock | no | beta | a year |\n"
        "| `--wait` | `DURATION`, 0..1d | `90s` | no | alpha | a wait |\n"
        "| `--name` | `NAME` | `x` | no | alpha | a name \\| with a pipe |\n"
        "| `--zone` | `TZ` | `UTC` | no | alpha | a zone |\n"
        "| `-F`, `--file` | `FILE`, repeatable | none | no | alpha | a \\*.file |\n"
        "| `--a-very-long-directory-option` | `DIR`, repeatable | none | no | alpha | a dir |\n"
        "| `-h`, `--help` | | | no | all | print this help |\n");
    cg_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_ok), cmocka_unit_test(test_check_refuses),
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_messages), cmocka_unit_test(test_text_and_lists),
        cmocka_unit_test(test_argv),     cmocka_unit_test(test_help),
        cmocka_unit_test(test_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
