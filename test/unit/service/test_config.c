/*
 * test_config.c - the configuration file (config.h) over the made-up tables of
 * config_testutil.h: tables of YAML text in, and out either every stored value (dumped
 * through the tables) or the exact "file:line:column: message" lines of every kind of
 * error, several reported together; files that read, do not exist or do not read; the
 * Markdown reference of the types. test_config_set.c has --set and what a reload compares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "service/config_testutil.h"

#include "cefguard/service.h"

#include <fcntl.h>
#include <unistd.h>

/* The test's own tables are what cg_opt_check accepts (as a program's must be). */
static void test_tables(void **state)
{
    (void)state;
    const struct cg_opt_table *t[] = {&top_table, &fin_table, &fsink_table};
    for (size_t i = 0; i < CG_ARRAY_LEN(t); i++) {
        struct cg_buf err;
        cg_buf_init(&err);
        assert_int_equal(cg_opt_check(t[i], &err), CG_OK);
        assert_string_equal(cg_buf_cstr(&err), "");
        cg_buf_fini(&err);
    }
}

/* ---- YAML in, stored values out ------------------------------------------------------------ */

struct rcase {
    const char *name;
    const char *yaml;
    const char *want; /* dump() */
};

static const struct rcase read_cases[] = {
    {"empty document: the defaults, no items", "", TOP_DEFAULTS},
    {"comments only", "# nothing\n", TOP_DEFAULTS},
    {"every top-level kind",
     "max-line: 65536\n"
     "lateness: 90s\n"
     "verbose: yes\n"
     "state-dir: /var/lib/x\n"
     "http-listen: \"[::1]:9100\"\n"
     "rules: [/etc/a, /etc/b]\n"
     "rulebase: /etc/base.rb\n",
     "top: max-line=65536 lateness=90000000us verbose=true state-dir='/var/lib/x' "
     "http-listen='[::1]:9100' rules=[/etc/a/1,/etc/b/1,/etc/base.rb/2]"},
    {"a flag written off", "verbose: off\n",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "
     "http-listen=null rules=[]"},
    {"a list option as one scalar, and a block sequence",
     "rules: one.yml\nrulebase:\n  - b1\n  - b2\n",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "
     "http-listen=null rules=[one.yml/1,b1/2,b2/2]"},
    {"a YAML null unsets a text option; a quoted null is text",
     "state-dir: ~\nhttp-listen: \"*:0\"\n",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir=null "
     "http-listen='*:0' rules=[]"},
    {"quoted 'null' is the text null", "state-dir: \"null\"\n",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir='null' "
     "http-listen=null rules=[]"},
    {"empty value unsets a text option", "state-dir:\n",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir=null "
     "http-listen=null rules=[]"},
    {"inputs and sinks: types, options over the type's defaults, where each was declared",
     "inputs:\n"
     "  udp:\n"
     "    type: fake\n"
     "    listen: \"0.0.0.0:514\"\n"
     "    max-message: 65536\n"
     "    tls: true\n"
     "    allow: [10.0.0.0/8, 192.168.0.0/16]\n"
     "  t-2_x: {type: fake2, idle: 1ms}\n"
     "sinks:\n"
     "  out: {type: fsink, path: /var/log/alerts.json, peer: \"logs.example.net:6514\"}\n",
     TOP_DEFAULTS "\ninputs.udp fake@2:3 listen='0.0.0.0:514' max-message=65536 tls=true "
                  "allow=[10.0.0.0/8/0,192.168.0.0/16/0] idle=60000000us"
                  "\ninputs.t-2_x fake2@8:3"
                  " listen='127.0.0.1:5514' max-message=2048 tls=false allow=[] "
                  "idle=1000us"
                  "\nsinks.out fsink@10:3 path='/var/log/alerts.json' peer='logs.example.net:6514' "
                  "every=1000000us"},
    {"an item with only its type: the type's defaults; `type` may come last",
     "sinks:\n  a: {type: fsink}\n  b: {every: 0, type: fsink}\n",
     TOP_DEFAULTS "\nsinks.a fsink@2:3" FSINK_DEFAULTS
                  "\nsinks.b fsink@3:3 path='-' peer=null every=0us"},
    {"empty inputs and sinks", "inputs:\nsinks: ~\n", TOP_DEFAULTS},
    {"a name of 32 characters", "inputs:\n  abcdefghijklmnopqrstuvwxyz012345: {type: fake}\n",
     TOP_DEFAULTS "\ninputs.abcdefghijklmnopqrstuvwxyz012345 fake@2:3" FIN_DEFAULTS},
    {"an input and a sink may share a name",
     "inputs: {x: {type: fake}}\nsinks: {x: {type: fsink}}\n",
     TOP_DEFAULTS "\ninputs.x fake@1:10" FIN_DEFAULTS "\nsinks.x fsink@2:9" FSINK_DEFAULTS},
};

static void test_read(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(read_cases); i++) {
        const struct rcase *rc = &read_cases[i];
        struct fix f;
        fix_init(&f);
        int r = fix_read(&f, rc->yaml);
        if (r != CG_OK)
            fail_msg("%s: rc %d: %s", rc->name, r, cg_buf_cstr(&f.err));
        assert_string_equal(cg_buf_cstr(&f.err), "");
        const char *got = dump(&f);
        if (strcmp(got, rc->want) != 0)
            fail_msg("%s\n got: %s\nwant: %s", rc->name, got, rc->want);
        assert_string_equal(f.c.path, "t.yml");
        assert_int_equal(cg_config_finish(&f.c, &f.err), CG_OK);
        fix_fini(&f);
    }
}

/* ---- YAML in, exact errors out ------------------------------------------------------------- */

struct ecase {
    const char *name;
    const char *yaml;
    const char *want;
};

static const struct ecase error_cases[] = {
    {"unknown top-level key", "max-line: 100\nbogus: 1\n", "t.yml:2:1: unknown setting 'bogus'\n"},
    {"a HELP entry and an option of another command are no settings",
     "help: true\nonly-replay: 1\n",
     "t.yml:1:1: unknown setting 'help'\nt.yml:2:1: unknown setting 'only-replay'\n"},
    {"control bytes of a key are escaped", "\"bo\\x1b[2Jgus\": 1\n",
     "t.yml:1:1: unknown setting 'bo\\x1b[2Jgus'\n"},
    {"bad SIZE", "max-line: 10\n", "t.yml:1:11: max-line: bad value '10': " EXP_SIZE "\n"},
    {"SIZE over its range", "max-line: 1048577\n",
     "t.yml:1:11: max-line: bad value '1048577': " EXP_SIZE "\n"},
    {"SIZE with a sign", "max-line: +100\n",
     "t.yml:1:11: max-line: bad value '+100': " EXP_SIZE "\n"},
    {"a null SIZE is a bad value", "max-line: ~\n",
     "t.yml:1:11: max-line: bad value '~': " EXP_SIZE "\n"},
    {"bad DURATION", "lateness: 5x\n", "t.yml:1:11: lateness: bad value '5x': " EXP_DUR "\n"},
    {"DURATION over its range", "lateness: 2d\n",
     "t.yml:1:11: lateness: bad value '2d': " EXP_DUR "\n"},
    {"bad FLAG", "verbose: maybe\n",
     "t.yml:1:10: verbose: bad value 'maybe': expected true or false\n"},
    {"bad LISTEN: a host name", "http-listen: example.net:80\n",
     "t.yml:1:14: http-listen: bad value 'example.net:80': " EXP_EP
     "not an IPv4 address, [IPv6], * or localhost\n"},
    {"bad LISTEN: no port", "http-listen: \"127.0.0.1\"\n",
     "t.yml:1:14: http-listen: bad value '127.0.0.1': " EXP_EP "no port\n"},
    {"a list where a value is expected", "max-line: [1, 2]\n",
     "t.yml:1:11: max-line: expected a value, not a list\n"},
    {"a mapping where a value is expected", "state-dir: {a: b}\n",
     "t.yml:1:12: state-dir: expected a value, not a mapping\n"},
    {"a list inside a list option", "rules: [a, [b, c]]\n",
     "t.yml:1:12: rules: expected a value, not a list\n"},
    {"a mapping inside a list option", "rules:\n  - a\n  - {b: c}\n",
     "t.yml:3:5: rules: expected a value, not a mapping\n"},
    {"a NUL byte in a value", "state-dir: \"a\\0b\"\n",
     "t.yml:1:12: state-dir: a NUL byte in the value\n"},
    {"a NUL byte in a list item", "rules: [ok, \"x\\0\"]\n",
     "t.yml:1:13: rules: a NUL byte in the value\n"},
    {"the document is not a mapping", "- a\n- b\n", "t.yml:1:1: expected a mapping of settings\n"},
    {"inputs is not a mapping", "inputs: [a, b]\n",
     "t.yml:1:9: inputs: expected a mapping of names\n"},
    {"sinks is a scalar", "sinks: x\n", "t.yml:1:8: sinks: expected a mapping of names\n"},
    {"unknown input type", "inputs:\n  a: {type: nope}\n",
     "t.yml:2:13: unknown input type 'nope' (one of: fake fake2)\n"},
    {"a sink type is no input type", "inputs:\n  a: {type: fsink}\n",
     "t.yml:2:13: unknown input type 'fsink' (one of: fake fake2)\n"},
    {"unknown sink type", "sinks:\n  a: {type: fake}\n",
     "t.yml:2:13: unknown sink type 'fake' (one of: fsink)\n"},
    {"missing type", "inputs:\n  a:\n    listen: \"*:1\"\n",
     "t.yml:3:5: a: expected 'type: TYPE'\n"},
    {"a type that is a list", "inputs:\n  a: {type: [fake]}\n",
     "t.yml:2:13: a: expected 'type: TYPE'\n"},
    {"an item that is not a mapping", "inputs:\n  a: fake\n",
     "t.yml:2:6: a: expected a mapping with a type\n"},
    {"an empty item", "sinks:\n  a:\n", "t.yml:2:5: a: expected a mapping with a type\n"},
    {"bad item name: a dot", "inputs:\n  a.b: {type: fake}\n",
     "t.yml:2:3: bad name 'a.b': letters, digits, '-' and '_', at most 32\n"},
    {"bad item name: empty", "sinks:\n  \"\": {type: fsink}\n",
     "t.yml:2:3: bad name '': letters, digits, '-' and '_', at most 32\n"},
    {"bad item name: 33 characters", "inputs:\n  abcdefghijklmnopqrstuvwxyz0123456: {type: fake}\n",
     "t.yml:2:3: bad name 'abcdefghijklmnopqrstuvwxyz0123456': letters, digits, '-' and '_', "
     "at most 32\n"},
    {"bad item name: a NUL byte (the name shown up to it)", "inputs:\n  \"a\\0b\": {type: fake}\n",
     "t.yml:2:3: bad name 'a': letters, digits, '-' and '_', at most 32\n"},
    {"unknown option of a type", "inputs:\n  a: {type: fake, listn: \"*:1\"}\n",
     "t.yml:2:19: a: unknown option 'listn' of type fake\n"},
    {"an option of the top level is not an item's", "sinks:\n  s: {type: fsink, max-line: 100}\n",
     "t.yml:2:20: s: unknown option 'max-line' of type fsink\n"},
    {"bad values in an item: each type's message",
     "inputs:\n"
     "  a:\n"
     "    type: fake\n"
     "    max-message: 63\n"
     "    tls: 2\n"
     "    idle: 0\n"
     "    listen: [x]\n",
     "t.yml:4:18: max-message: bad value '63': expected a whole number from 64 to 65536 bytes\n"
     "t.yml:5:10: tls: bad value '2': expected true or false\n"
     "t.yml:6:11: idle: bad value '0': expected a duration such as 0, 500ms, 90s, 15m, 2h or "
     "1d from 1ms to 1d\n"
     "t.yml:7:13: listen: expected a value, not a list\n"},
    {"bad ENDPOINT", "sinks:\n  s: {type: fsink, peer: \"logs:http\"}\n",
     "t.yml:2:26: peer: bad value 'logs:http': " EXP_EP "the port is a number from 0 to 65535\n"},
    {"several errors reported together, in document order, the good settings between them "
     "still read",
     "max-line: 1\n"
     "nope: 2\n"
     "inputs:\n"
     "  ok: {type: fake}\n"
     "  bad: {type: what}\n"
     "  worse: {type: fake, tls: x, x: 1}\n"
     "sinks:\n"
     "  s: 3\n"
     "lateness: [1]\n",
     "t.yml:1:11: max-line: bad value '1': " EXP_SIZE "\n"
     "t.yml:2:1: unknown setting 'nope'\n"
     "t.yml:5:15: unknown input type 'what' (one of: fake fake2)\n"
     "t.yml:6:28: tls: bad value 'x': expected true or false\n"
     "t.yml:6:31: worse: unknown option 'x' of type fake\n"
     "t.yml:8:6: s: expected a mapping with a type\n"
     "t.yml:9:11: lateness: expected a value, not a list\n"},
    {"a YAML syntax error", "a: [b\n", "t.yml:2:1: did not find expected ',' or ']'\n"},
    {"duplicate keys (the YAML loader)", "max-line: 100\nmax-line: 200\n",
     "t.yml:2:1: duplicate key 'max-line'\n"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(error_cases); i++) {
        const struct ecase *ec = &error_cases[i];
        struct fix f;
        fix_init(&f);
        int r = fix_read(&f, ec->yaml);
        if (r != CG_EPARSE)
            fail_msg("%s: rc %d, want CG_EPARSE; %s", ec->name, r, cg_buf_cstr(&f.err));
        const char *got = cg_buf_cstr(&f.err);
        if (strcmp(got, ec->want) != 0)
            fail_msg("%s\n got: %s\nwant: %s", ec->name, got, ec->want);
        fix_fini(&f); /* what the errors left behind is freed (ASan) */
    }
}

/* What the good settings of a document with errors stored: those after an error too. */
static void test_errors_keep_reading(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    assert_int_equal(fix_read(&f, "max-line: 1\nverbose: true\ninputs:\n  bad: {type: what}\n"
                                  "  ok: {type: fake, tls: on}\n"),
                     CG_EPARSE);
    const char *want = "top: max-line=4096 lateness=300000000us verbose=true state-dir='./state' "
                       "http-listen=null rules=[]\ninputs.ok fake@5:3 listen='127.0.0.1:5514' "
                       "max-message=2048 tls=true allow=[] idle=60000000us";
    assert_string_equal(dump(&f), want);
    fix_fini(&f);
}

/* A file: its path names the messages and the configuration; one that does not open or
 * read is an error naming it. */
static void test_read_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/cg_test_configXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/c.yml", dir);
    static const char text[] = "verbose: true\nbogus: 1\n";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
    close(fd);
    struct fix f;
    fix_init(&f);
    assert_int_equal(cg_config_read(&f.c, path, NULL, NULL, &f.err), CG_EPARSE);
    char want[128];
    snprintf(want, sizeof(want), "%s:2:1: unknown setting 'bogus'\n", path);
    assert_string_equal(cg_buf_cstr(&f.err), want);
    assert_string_equal(f.c.path, path);
    assert_true(f.top.verbose);
    fix_fini(&f);
    unlink(path);
    /* no such file: CG_ENOENT; a directory (fopen opens it, reading fails): CG_EIO */
    fix_init(&f);
    assert_int_equal(cg_config_read(&f.c, path, NULL, NULL, &f.err), CG_ENOENT);
    snprintf(want, sizeof(want), "%s: No such file or directory\n", path);
    assert_string_equal(cg_buf_cstr(&f.err), want);
    fix_fini(&f);
    fix_init(&f);
    assert_int_equal(cg_config_read(&f.c, dir, NULL, NULL, &f.err), CG_EIO);
    snprintf(want, sizeof(want), "%s: read error\n", dir);
    assert_string_equal(cg_buf_cstr(&f.err), want);
    fix_fini(&f);
    rmdir(dir);
}

#define MD_FIN_KEYS                                                                                \
    "| key | value | default | description |\n"                                                    \
    "|---|---|---|---|\n"                                                                          \
    "| `listen` | `ADDR` | `127.0.0.1:5514` | where to listen |\n"                                 \
    "| `max-message` | `BYTES`, 64..65536 bytes | `2048` | longest |\n"                            \
    "| `tls` | | off | use TLS |\n"                                                                \
    "| `allow` | `NET`, repeatable | anyone | who may send |\n"                                    \
    "| `idle` | `TIME`, 1ms..1d | `1m` | idle timeout |\n"

/* The reference: each type's keys under its heading, and its counters when it says them. */
static void test_markdown(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_config_markdown(types, CG_ARRAY_LEN(types), &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b),
                        "\n**Input `fake`**\n\n" MD_FIN_KEYS
                        "\nIts counters (`input.NAME.COUNTER` in `cefguard stats`):\n\n"
                        "| counter | kind | description |\n"
                        "|---|---|---|\n"
                        "| `received` | counter | messages read |\n"
                        "\n**Input `fake2`**\n\n" MD_FIN_KEYS "\n**Sink `fsink`**\n\n"
                        "| key | value | default | description |\n"
                        "|---|---|---|---|\n"
                        "| `path` | `FILE` | `-` | where alerts go |\n"
                        "| `peer` | `HOST:PORT` | none | a collector |\n"
                        "| `every` | `TIME`, 0..1h | `1s` | flush interval |\n");
    cg_buf_fini(&b);
}

/* Every type the service registers (each input's and sink's helper adds one): one kind of
 * ops, a table that cg_opt_check accepts with its one command named after the type, a conf
 * struct that has room for the name, and an item of only its type reads with its defaults. */
static void test_service_types(void **state)
{
    (void)state;
    assert_true(cg_service_ntypes >= 1);
    for (size_t i = 0; i < cg_service_ntypes; i++) {
        const struct cg_config_type *t = &cg_service_types[i];
        if ((t->source != NULL) == (t->sink != NULL) || !t->options)
            fail_msg("type %s: one of source and sink, and options", t->name);
        struct cg_buf err;
        cg_buf_init(&err);
        if (cg_opt_check(t->options, &err) != CG_OK)
            fail_msg("type %s: %s", t->name, cg_buf_cstr(&err));
        assert_int_equal(t->options->ncommands, 1);
        assert_string_equal(t->options->commands[0], t->name);
        assert_true(t->conf_size >= sizeof(const char *));
        for (size_t k = 0; k < i; k++)
            if (strcmp(cg_service_types[k].name, t->name) == 0 &&
                !cg_service_types[k].source == !t->source)
                fail_msg("type %s twice", t->name);
        struct top top = {0};
        struct cg_config c;
        cg_config_init(&c, &top_table, 1, &top, cg_service_types, cg_service_ntypes);
        char yaml[96];
        snprintf(yaml, sizeof(yaml), "%s: {x: {type: %s}}\n", t->source ? "inputs" : "sinks",
                 t->name);
        if (cg_config_read(&c, NULL, "t.yml", yaml, &err) != CG_OK)
            fail_msg("type %s: %s", t->name, cg_buf_cstr(&err));
        const struct cg_config_items *l = t->source ? &c.inputs : &c.sinks;
        assert_int_equal(l->n, 1);
        assert_ptr_equal(l->v[0].type, t);
        assert_string_equal(*(const char *const *)l->v[0].conf, "x");
        cg_config_fini(&c);
        cg_buf_fini(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),        cmocka_unit_test(test_read),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_errors_keep_reading),
        cmocka_unit_test(test_read_file),     cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_service_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
