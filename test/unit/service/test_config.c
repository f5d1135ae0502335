/*
 * test_config.c - the configuration file and its overrides (config.h) over an option table
 * and types made up here: a top level with one option of each kind (SIZE, DURATION, FLAG,
 * STRING, LISTEN, two PATHS sharing a list, one of another command, a HELP), an input type
 * `fake` (and `fake2`, the same options under another name) and a sink type `fsink`, each
 * with a conf struct beginning with `const char *name`. The ops are empty: the
 * configuration never calls them. Tables of YAML text in, and out either every stored
 * value (dumped through the tables) or the exact error lines; then --set sequences, the
 * checks of what is complete (finish) and what a reload compares (item_same, value_same).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- the tables ---------------------------------------------------------------------------- */

#define S_US INT64_C(1000000)

struct top {
    size_t max_line;
    int64_t lateness;
    bool verbose;
    const char *state_dir;
    const char *http;
    struct cg_opt_paths rules; /* rules (tag 1) and rulebase (tag 2) */
    unsigned replay_only;
};

#define TOP(m) offsetof(struct top, m)
/* clang-format off */
static const struct cg_opt top_v[] = {
    {.name = "help", .short_name = 'h', .type = CG_OPT_HELP, .commands = 3, .help = "show help"},
    {.name = "max-line", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "4096",
     .min = 64, .max = 1048576, .commands = 1, .offset = TOP(max_line), .help = "longest line"},
    {.name = "lateness", .type = CG_OPT_DURATION, .arg = "TIME", .def = "5m", .min = 0,
     .max = 86400000000, .reloadable = true, .commands = 1, .offset = TOP(lateness),
     .help = "how late an event may be"},
    {.name = "verbose", .short_name = 'v', .type = CG_OPT_FLAG, .commands = 3,
     .offset = TOP(verbose), .help = "say more"},
    {.name = "state-dir", .type = CG_OPT_STRING, .arg = "DIR", .def = "./state", .commands = 1,
     .offset = TOP(state_dir), .help = "where the state is kept"},
    {.name = "http-listen", .type = CG_OPT_LISTEN, .arg = "ADDR", .def_text = "off",
     .commands = 1, .offset = TOP(http), .help = "metrics"},
    {.name = "rules", .short_name = 'r', .type = CG_OPT_PATHS, .arg = "PATH", .def_text = "none",
     .commands = 3, .offset = TOP(rules), .tag = 1, .help = "rule files"},
    {.name = "rulebase", .type = CG_OPT_PATHS, .arg = "FILE", .def_text = "none", .commands = 1,
     .offset = TOP(rules), .tag = 2, .help = "rulebases"},
    {.name = "only-replay", .type = CG_OPT_UINT, .arg = "N", .def = "0", .min = 0, .max = 9,
     .commands = 2, .offset = TOP(replay_only), .help = "an option of the other command"},
};
/* clang-format on */
static const char *const top_cmds[] = {"run", "replay"};
static const struct cg_opt_table top_table = {top_v, CG_ARRAY_LEN(top_v), top_cmds, 2};

struct fin_conf {
    const char *name;
    const char *listen;
    size_t max_message;
    bool tls;
    struct cg_opt_paths allow;
    int64_t idle;
};

#define FIN(m) offsetof(struct fin_conf, m)
/* clang-format off */
static const struct cg_opt fin_v[] = {
    {.name = "listen", .type = CG_OPT_LISTEN, .arg = "ADDR", .def = "127.0.0.1:5514",
     .commands = 1, .offset = FIN(listen), .help = "where to listen"},
    {.name = "max-message", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "2048",
     .min = 64, .max = 65536, .commands = 1, .offset = FIN(max_message), .help = "longest"},
    {.name = "tls", .type = CG_OPT_FLAG, .commands = 1, .offset = FIN(tls), .help = "use TLS"},
    {.name = "allow", .type = CG_OPT_PATHS, .arg = "NET", .def_text = "anyone", .commands = 1,
     .offset = FIN(allow), .help = "who may send"},
    {.name = "idle", .type = CG_OPT_DURATION, .arg = "TIME", .def = "1m", .min = 1000,
     .max = 86400000000, .commands = 1, .offset = FIN(idle), .help = "idle timeout"},
};
/* clang-format on */
static const char *const fin_cmds[] = {"fake"};
static const struct cg_opt_table fin_table = {fin_v, CG_ARRAY_LEN(fin_v), fin_cmds, 1};

struct fsink_conf {
    const char *name;
    const char *path;
    const char *peer;
    int64_t every;
};

#define FSK(m) offsetof(struct fsink_conf, m)
/* clang-format off */
static const struct cg_opt fsink_v[] = {
    {.name = "path", .type = CG_OPT_STRING, .arg = "FILE", .def = "-", .commands = 1,
     .offset = FSK(path), .help = "where alerts go"},
    {.name = "peer", .type = CG_OPT_ENDPOINT, .arg = "HOST:PORT", .def_text = "none",
     .commands = 1, .offset = FSK(peer), .help = "a collector"},
    {.name = "every", .type = CG_OPT_DURATION, .arg = "TIME", .def = "1s", .min = 0,
     .max = 3600000000, .commands = 1, .offset = FSK(every), .help = "flush interval"},
};
/* clang-format on */
static const char *const fsink_cmds[] = {"fsink"};
static const struct cg_opt_table fsink_table = {fsink_v, CG_ARRAY_LEN(fsink_v), fsink_cmds, 1};

static const struct cg_source_ops fin_ops = {.name = "fake"};
static const struct cg_sink_ops fsink_ops = {.name = "fsink"};

static const struct cg_config_type types[] = {
    {"fake", &fin_ops, NULL, &fin_table, sizeof(struct fin_conf)},
    {"fake2", &fin_ops, NULL, &fin_table, sizeof(struct fin_conf)},
    {"fsink", NULL, &fsink_ops, &fsink_table, sizeof(struct fsink_conf)},
};

/* ---- a configuration under test ------------------------------------------------------------ */

struct fix {
    struct top top;
    struct cg_config c;
    struct cg_buf err;
};

static void fix_init(struct fix *f)
{
    memset(f, 0, sizeof(*f));
    cg_buf_init(&f->err);
    assert_int_equal(cg_opt_defaults(&top_table, &f->top, &f->err), CG_OK);
    cg_config_init(&f->c, &top_table, 1, &f->top, types, CG_ARRAY_LEN(types));
}

static void fix_fini(struct fix *f)
{
    cg_opt_fini(&top_table, &f->top); /* first: it may point into the configuration */
    cg_config_fini(&f->c);
    cg_buf_fini(&f->err);
}

static int fix_read(struct fix *f, const char *yaml)
{
    return cg_config_read(&f->c, NULL, "t.yml", yaml, &f->err);
}

/* ---- every stored value, as text ----------------------------------------------------------- */

static void dump_value(struct cg_buf *b, const struct cg_opt *o, const void *conf)
{
    const char *p = (const char *)conf + o->offset;
    switch (o->type) {
    case CG_OPT_FLAG: cg_buf_puts(b, *(const bool *)p ? "true" : "false"); break;
    case CG_OPT_UINT: cg_buf_printf(b, "%u", *(const unsigned *)p); break;
    case CG_OPT_SIZE: cg_buf_printf(b, "%zu", *(const size_t *)p); break;
    case CG_OPT_DURATION: cg_buf_printf(b, "%" PRId64 "us", *(const int64_t *)p); break;
    case CG_OPT_PATHS: {
        const struct cg_opt_paths *l = (const void *)p;
        cg_buf_putc(b, '[');
        for (size_t i = 0; i < l->n; i++)
            cg_buf_printf(b, "%s%s/%u", i ? "," : "", l->v[i].path, l->v[i].tag);
        cg_buf_putc(b, ']');
        break;
    }
    default: {
        const char *s = *(const char *const *)p;
        cg_buf_printf(b, s ? "'%s'" : "null", s);
        break;
    }
    }
}

/* The options of table t in command mask cmd, "name=value" separated by spaces. An option
 * sharing its list with an earlier one is shown once. */
static void dump_conf(struct cg_buf *b, const struct cg_opt_table *t, unsigned cmd,
                      const void *conf)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_opt *o = &t->v[i];
        bool shown = false;
        for (size_t k = 0; k < i; k++)
            shown |= t->v[k].type == CG_OPT_PATHS && t->v[k].offset == o->offset;
        if (!(o->commands & cmd) || o->type == CG_OPT_HELP || shown)
            continue;
        cg_buf_printf(b, " %s=", o->name);
        dump_value(b, o, conf);
    }
}

static void dump_items(struct cg_buf *b, const char *what, const struct cg_config_items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct cg_config_item *it = &l->v[i];
        cg_buf_printf(b, "\n%s.%s %s@%u:%u", what, it->name, it->type ? it->type->name : "-",
                      it->line, it->col);
        if (!it->type)
            continue;
        /* the conf begins with the item's name, set by the configuration */
        assert_ptr_equal(*(const char *const *)it->conf, it->name);
        dump_conf(b, it->type->options, ~0u, it->conf);
    }
}

/* "top: ..." then one line per input and sink; static buffer. */
static const char *dump(struct fix *f)
{
    static char text[4096];
    struct cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "top:");
    dump_conf(&b, &top_table, 1, &f->top);
    dump_items(&b, "inputs", &f->c.inputs);
    dump_items(&b, "sinks", &f->c.sinks);
    snprintf(text, sizeof(text), "%s", cg_buf_cstr(&b));
    cg_buf_fini(&b);
    return text;
}

#define TOP_DEFAULTS                                                                               \
    "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "                   \
    "http-listen=null rules=[]"
#define FIN_DEFAULTS " listen='127.0.0.1:5514' max-message=2048 tls=false allow=[] idle=60000000us"
#define FSINK_DEFAULTS " path='-' peer=null every=1000000us"

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

#define EXP_SIZE "expected a whole number from 64 to 1048576 bytes"
#define EXP_DUR "expected a duration such as 0, 500ms, 90s, 15m, 2h or 1d from 0 to 1d"
#define EXP_EP "expected HOST:PORT (127.0.0.1:5514, [::1]:5514, *:5514): "

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

/* ---- --set --------------------------------------------------------------------------------- */

#define BASE_YAML                                                                                  \
    "rules: [a.yml, b.yml]\n"                                                                      \
    "rulebase: x.rb\n"                                                                             \
    "inputs:\n"                                                                                    \
    "  u: {type: fake, listen: \"127.0.0.1:1\", tls: true, allow: [n1]}\n"                         \
    "  w: {type: fake}\n"                                                                          \
    "sinks:\n"                                                                                     \
    "  s: {type: fsink, path: out.json}\n"

#define BASE_TOP                                                                                   \
    "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "                   \
    "http-listen=null rules=[a.yml/1,b.yml/1,x.rb/2]"
#define BASE_U                                                                                     \
    "\ninputs.u fake@4:3 listen='127.0.0.1:1' max-message=2048 tls=true allow=[n1/0] "             \
    "idle=60000000us"
#define BASE_W "\ninputs.w fake@5:3" FIN_DEFAULTS
#define BASE_S "\nsinks.s fsink@7:3 path='out.json' peer=null every=1000000us"

struct scase {
    const char *name;
    const char *sets[4]; /* applied in order; each but the last must succeed */
    int rc;              /* of the last */
    const char *err;     /* after the last */
    const char *want;    /* dump() after all of them */
};

static const struct scase set_cases[] = {
    {"top-level values",
     {"max-line=65536", "lateness=2h", "verbose=true", "state-dir=/s"},
     CG_OK,
     "",
     "top: max-line=65536 lateness=7200000000us verbose=true state-dir='/s' "
     "http-listen=null rules=[a.yml/1,b.yml/1,x.rb/2]" BASE_U BASE_W BASE_S},
    {"a value holding '='",
     {"state-dir=a=b"},
     CG_OK,
     "",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir='a=b' "
     "http-listen=null rules=[a.yml/1,b.yml/1,x.rb/2]" BASE_U BASE_W BASE_S},
    {"a list option is replaced by the one value; the list it shares keeps its other items",
     {"rules=c.yml"},
     CG_OK,
     "",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "
     "http-listen=null rules=[x.rb/2,c.yml/1]" BASE_U BASE_W BASE_S},
    {"each --set of a list replaces the one before",
     {"rulebase=y.rb", "rulebase=z.rb"},
     CG_OK,
     "",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "
     "http-listen=null rules=[a.yml/1,b.yml/1,z.rb/2]" BASE_U BASE_W BASE_S},
    {"'off' and empty unset text options",
     {"state-dir=", "http-listen=*:9", "http-listen=off"},
     CG_OK,
     "",
     "top: max-line=4096 lateness=300000000us verbose=false state-dir=null "
     "http-listen=null rules=[a.yml/1,b.yml/1,x.rb/2]" BASE_U BASE_W BASE_S},
    {"inputs.NAME.OPTION on an existing item",
     {"inputs.u.listen=127.0.0.1:0", "inputs.u.tls=false", "inputs.u.allow=n2", "sinks.s.every=0"},
     CG_OK,
     "",
     BASE_TOP "\ninputs.u fake@4:3 listen='127.0.0.1:0' max-message=2048 tls=false "
              "allow=[n2/0] idle=60000000us" BASE_W
              "\nsinks.s fsink@7:3 path='out.json' peer=null every=0us"},
    {"a new item: type first, then its options; declared on the command line (0:0)",
     {"inputs.n.type=fake2", "inputs.n.max-message=64", "sinks.t.type=fsink"},
     CG_OK,
     "",
     BASE_TOP BASE_U BASE_W
     "\ninputs.n fake2@0:0 listen='127.0.0.1:5514' max-message=64 tls=false allow=[] "
     "idle=60000000us" BASE_S "\nsinks.t fsink@0:0" FSINK_DEFAULTS},
    {"the same type again keeps the options; another type starts from its defaults",
     {"inputs.u.type=fake", "inputs.w.max-message=100", "inputs.w.type=fake2"},
     CG_OK,
     "",
     BASE_TOP BASE_U "\ninputs.w fake2@5:3" FIN_DEFAULTS BASE_S},
    {"inputs.NAME=off removes the item; an unknown one is no error",
     {"inputs.u=off", "sinks.s=off", "inputs.nothing=off"},
     CG_OK,
     "",
     BASE_TOP BASE_W},
    {"removed, then declared again",
     {"inputs.u=off", "inputs.u.type=fake"},
     CG_OK,
     "",
     BASE_TOP BASE_W "\ninputs.u fake@0:0" FIN_DEFAULTS BASE_S},
    {"a new item without its type",
     {"inputs.n.listen=*:1"},
     CG_EINVAL,
     "--set inputs.n.listen: a new item needs its type first (NAME.type=TYPE)\n",
     BASE_TOP BASE_U BASE_W "\ninputs.n -@0:0" BASE_S},
    {"something other than off for a whole item",
     {"inputs.u=on"},
     CG_EINVAL,
     "--set inputs.u: only 'off' (remove it) goes here\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"no '='",
     {"max-line"},
     CG_EINVAL,
     "--set max-line: expected KEY=VALUE\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"no key",
     {"=4096"},
     CG_EINVAL,
     "--set =4096: expected KEY=VALUE\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"unknown setting",
     {"bogus=1"},
     CG_EINVAL,
     "--set bogus: unknown setting\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"a HELP entry is no setting",
     {"help=1"},
     CG_EINVAL,
     "--set help: unknown setting\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"an option of another command",
     {"only-replay=1"},
     CG_EINVAL,
     "--set only-replay: unknown setting\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"bare 'inputs'",
     {"inputs=off"},
     CG_EINVAL,
     "--set inputs: unknown setting\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"a bad item name",
     {"inputs.a/b.listen=*:1"},
     CG_EINVAL,
     "--set inputs.a/b.listen: expected inputs.NAME.OPTION or sinks.NAME.OPTION\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"an empty item name",
     {"sinks..path=x"},
     CG_EINVAL,
     "--set sinks..path: expected inputs.NAME.OPTION or sinks.NAME.OPTION\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"no such option",
     {"inputs.u.path=x"},
     CG_EINVAL,
     "--set inputs.u.path: no such option for this type\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"an empty option name",
     {"inputs.u.=x"},
     CG_EINVAL,
     "--set inputs.u.: no such option for this type\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"a sink type for an input",
     {"inputs.u.type=fsink"},
     CG_EINVAL,
     "--set inputs.u.type: unknown input type\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"an input type for a sink",
     {"sinks.s.type=fake"},
     CG_EINVAL,
     "--set sinks.s.type: unknown sink type\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"a bad top-level value",
     {"max-line=1"},
     CG_EINVAL,
     "--set max-line: bad value '1': " EXP_SIZE "\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"a bad item value",
     {"inputs.u.tls=maybe"},
     CG_EINVAL,
     "--set inputs.u.tls: bad value 'maybe': expected true or false\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"a bad endpoint",
     {"sinks.s.peer=nowhere"},
     CG_EINVAL,
     "--set sinks.s.peer: bad value 'nowhere': " EXP_EP "no port\n",
     BASE_TOP BASE_U BASE_W BASE_S},
};

static void test_set(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(set_cases); i++) {
        const struct scase *sc = &set_cases[i];
        struct fix f;
        fix_init(&f);
        assert_int_equal(fix_read(&f, BASE_YAML), CG_OK);
        size_t n = 0;
        while (n < 4 && sc->sets[n])
            n++;
        for (size_t k = 0; k < n; k++) {
            /* the text is copied: the caller's buffer may change afterwards */
            char kv[128];
            snprintf(kv, sizeof(kv), "%s", sc->sets[k]);
            int r = cg_config_set(&f.c, kv, &f.err);
            memset(kv, 'Z', sizeof(kv) - 1);
            int want = k + 1 < n ? CG_OK : sc->rc;
            if (r != want)
                fail_msg("%s: --set %s: rc %d, want %d; %s", sc->name, sc->sets[k], r, want,
                         cg_buf_cstr(&f.err));
        }
        const char *got_err = cg_buf_cstr(&f.err);
        if (strcmp(got_err, sc->err) != 0)
            fail_msg("%s: error\n got: %s\nwant: %s", sc->name, got_err, sc->err);
        const char *got = dump(&f);
        if (strcmp(got, sc->want) != 0)
            fail_msg("%s\n got: %s\nwant: %s", sc->name, got, sc->want);
        fix_fini(&f);
    }
}

/* ---- finish, lookups ----------------------------------------------------------------------- */

static void test_finish(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    assert_int_equal(fix_read(&f, BASE_YAML), CG_OK);
    assert_int_equal(cg_config_finish(&f.c, &f.err), CG_OK);
    assert_string_equal(cg_buf_cstr(&f.err), "");
    assert_int_equal(cg_config_set(&f.c, "sinks.q.path=x", &f.err), CG_EINVAL);
    assert_int_equal(cg_config_set(&f.c, "inputs.p.idle=1s", &f.err), CG_EINVAL);
    assert_int_equal(cg_config_set(&f.c, "inputs.r.type=nope", &f.err), CG_EINVAL);
    cg_buf_clear(&f.err);
    /* every item without a type is named, inputs first */
    assert_int_equal(cg_config_finish(&f.c, &f.err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&f.err),
                        "inputs.p: no type\ninputs.r: no type\nsinks.q: no type\n");
    /* typed later, or removed: complete */
    assert_int_equal(cg_config_set(&f.c, "inputs.p.type=fake", &f.err), CG_OK);
    assert_int_equal(cg_config_set(&f.c, "inputs.r=off", &f.err), CG_OK);
    assert_int_equal(cg_config_set(&f.c, "sinks.q.type=fsink", &f.err), CG_OK);
    cg_buf_clear(&f.err);
    assert_int_equal(cg_config_finish(&f.c, &f.err), CG_OK);
    assert_string_equal(cg_buf_cstr(&f.err), "");
    fix_fini(&f);
}

static void test_find(void **state)
{
    (void)state;
    struct fix f;
    fix_init(&f);
    assert_int_equal(fix_read(&f, BASE_YAML), CG_OK);
    assert_ptr_equal(cg_config_find(&f.c.inputs, "w"), &f.c.inputs.v[1]);
    assert_null(cg_config_find(&f.c.inputs, "s"));
    assert_null(cg_config_find(&f.c.inputs, "u2"));
    assert_ptr_equal(cg_config_find(&f.c.sinks, "s"), &f.c.sinks.v[0]);
    assert_ptr_equal(cg_config_type_find(&f.c, "fake2", true), &types[1]);
    assert_ptr_equal(cg_config_type_find(&f.c, "fsink", false), &types[2]);
    assert_null(cg_config_type_find(&f.c, "fsink", true));
    assert_null(cg_config_type_find(&f.c, "fake", false));
    assert_null(cg_config_type_find(&f.c, "fak", true));
    fix_fini(&f);
}

/* ---- what a reload compares ---------------------------------------------------------------- */

/* Two configurations read from texts; item_same of inputs[0] (or sinks[0]). */
static bool items_same(const char *ya, const char *yb, bool sinks)
{
    struct fix a, b;
    fix_init(&a);
    fix_init(&b);
    assert_int_equal(fix_read(&a, ya), CG_OK);
    assert_int_equal(fix_read(&b, yb), CG_OK);
    const struct cg_config_items *la = sinks ? &a.c.sinks : &a.c.inputs;
    const struct cg_config_items *lb = sinks ? &b.c.sinks : &b.c.inputs;
    assert_true(la->n >= 1 && lb->n >= 1);
    bool same = cg_config_item_same(&la->v[0], &lb->v[0]);
    assert_int_equal(same, cg_config_item_same(&lb->v[0], &la->v[0]));
    fix_fini(&a);
    fix_fini(&b);
    return same;
}

static void test_item_same(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool sinks, same;
    } cases[] = {
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake}}", false, true},
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake, listen: \"127.0.0.1:5514\"}}",
         false, true}, /* the default written out */
        {"inputs: {u: {type: fake, allow: [a, b]}}", "inputs: {u: {type: fake, allow: [a, b]}}",
         false, true},
        {"inputs: {u: {type: fake}}", "inputs: {v: {type: fake}}", false, false},
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake2}}", false, false},
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake, tls: true}}", false, false},
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake, listen: \"127.0.0.1:5515\"}}",
         false, false},
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake, max-message: 2049}}", false, false},
        {"inputs: {u: {type: fake}}", "inputs: {u: {type: fake, idle: 61s}}", false, false},
        {"inputs: {u: {type: fake, allow: [a, b]}}", "inputs: {u: {type: fake, allow: [b, a]}}",
         false, false},
        {"inputs: {u: {type: fake, allow: [a, b]}}", "inputs: {u: {type: fake, allow: [a]}}", false,
         false},
        {"sinks: {s: {type: fsink}}", "sinks: {s: {type: fsink, path: ~}}", true, false},
        {"sinks: {s: {type: fsink, path: ~}}", "sinks: {s: {type: fsink, path: ~}}", true, true},
        {"sinks: {s: {type: fsink, peer: \"h:1\"}}", "sinks: {s: {type: fsink, peer: \"h:1\"}}",
         true, true},
        {"sinks: {s: {type: fsink, peer: \"h:1\"}}", "sinks: {s: {type: fsink, peer: \"h:2\"}}",
         true, false},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++)
        if (items_same(cases[i].a, cases[i].b, cases[i].sinks) != cases[i].same)
            fail_msg("case %zu: [%s] [%s]: want %s", i, cases[i].a, cases[i].b,
                     cases[i].same ? "same" : "different");
    /* an item without a type is the same as nothing, itself included */
    struct fix f;
    fix_init(&f);
    assert_int_equal(cg_config_set(&f.c, "inputs.n.tls=true", &f.err), CG_EINVAL);
    assert_int_equal(f.c.inputs.n, 1);
    assert_false(cg_config_item_same(&f.c.inputs.v[0], &f.c.inputs.v[0]));
    fix_fini(&f);
}

/* value_same per type, on structs filled by hand. */
static void test_value_same(void **state)
{
    (void)state;
    char t1[] = "/same", t2[] = "/same"; /* equal texts at different addresses */
    struct cg_opt_path pa[] = {{t1, 1}, {"x", 2}}, pb[] = {{t2, 1}, {"x", 2}};
    struct cg_opt_path pc[] = {{t1, 2}, {"x", 2}}; /* another tag */
    struct top a = {.max_line = 100, .lateness = 5, .state_dir = t1, .rules = {pa, 2, 2}};
    struct top b = a;
    const struct cg_opt *max_line = &top_v[1], *late = &top_v[2], *verbose = &top_v[3],
                        *dir = &top_v[4], *http = &top_v[5], *rules = &top_v[6],
                        *replay = &top_v[8];
    const struct cg_opt *all[] = {max_line, late, verbose, dir, http, rules, replay, &top_v[0]};
    for (size_t i = 0; i < CG_ARRAY_LEN(all); i++)
        assert_true(cg_config_value_same(all[i], &a, &b));
    b.state_dir = t2;
    b.rules.v = pb;
    assert_true(cg_config_value_same(dir, &a, &b));
    assert_true(cg_config_value_same(rules, &a, &b));
    b.rules.v = pc;
    assert_false(cg_config_value_same(rules, &a, &b));
    b.rules.v = pb;
    b.rules.n = 1;
    assert_false(cg_config_value_same(rules, &a, &b));
    b.state_dir = NULL;
    assert_false(cg_config_value_same(dir, &a, &b));
    assert_false(cg_config_value_same(dir, &b, &a));
    a.state_dir = NULL;
    assert_true(cg_config_value_same(dir, &a, &b));
    b.http = "*:1";
    assert_false(cg_config_value_same(http, &a, &b));
    b.max_line = 101;
    assert_false(cg_config_value_same(max_line, &a, &b));
    b.lateness = 6;
    assert_false(cg_config_value_same(late, &a, &b));
    b.verbose = true;
    assert_false(cg_config_value_same(verbose, &a, &b));
    b.replay_only = 1;
    assert_false(cg_config_value_same(replay, &a, &b));
    assert_true(cg_config_value_same(&top_v[0], &a, &b)); /* HELP stores nothing */
}

/* One table per type, each under its heading. */
static void test_markdown(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_config_markdown(types, CG_ARRAY_LEN(types), &b), CG_OK);
    const char *md = cg_buf_cstr(&b);
    const char *h1 = strstr(md, "\n**Input `fake`**\n\n| option |");
    const char *h2 = strstr(md, "\n**Input `fake2`**\n\n| option |");
    const char *h3 = strstr(md, "\n**Sink `fsink`**\n\n| option |");
    assert_true(h1 && h2 && h3 && h1 < h2 && h2 < h3);
    assert_non_null(strstr(h1, "`--max-message`"));
    assert_non_null(strstr(h3, "`--every`"));
    cg_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),    cmocka_unit_test(test_read),
        cmocka_unit_test(test_errors),    cmocka_unit_test(test_errors_keep_reading),
        cmocka_unit_test(test_read_file), cmocka_unit_test(test_set),
        cmocka_unit_test(test_finish),    cmocka_unit_test(test_find),
        cmocka_unit_test(test_item_same), cmocka_unit_test(test_value_same),
        cmocka_unit_test(test_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
