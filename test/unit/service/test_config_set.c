/*
 * test_config_set.c - the overrides of the configuration (config.h, cg_config_set) over
 * the made-up tables of config_testutil.h, applied in sequences after a file: top-level
 * values, lists replaced, items changed, made, retyped and removed, and every bad key with
 * its exact "--set KEY: message"; then cg_config_finish, the lookups, and what a reload
 * compares (cg_config_item_same, cg_config_value_same).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "service/config_testutil.h"

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
    {"control bytes of a key are escaped",
     {"max\x1b[2J-line=1"},
     CG_EINVAL,
     "--set max\\x1b[2J-line: unknown setting\n",
     BASE_TOP BASE_U BASE_W BASE_S},
    {"control bytes of a value are escaped",
     {"max-line=1\r\n"},
     CG_EINVAL,
     "--set max-line: bad value '1\\x0d\\x0a': " EXP_SIZE "\n",
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
    /* the type's check: the first line of its message, at the item's place in the file or
     * by name alone for an item of the command line; every one of them */
    assert_int_equal(cg_config_set(&f.c, "sinks.s.path=bad", &f.err), CG_OK);
    assert_int_equal(cg_config_set(&f.c, "sinks.q.path=bad", &f.err), CG_OK);
    assert_int_equal(cg_config_finish(&f.c, &f.err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&f.err), "t.yml:7:3: sinks.s: cannot write to 'bad'\n"
                                             "sinks.q: cannot write to 'bad'\n");
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
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set),        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_find),       cmocka_unit_test(test_item_same),
        cmocka_unit_test(test_value_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
