/* test_match.c - the match language: operators, combinators, errors, index support (match.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "cefguard/match.h"

#include "testutil.h"

/* ---- helpers --------------------------------------------------------------- */

static struct cg_match *compile_ok(const char *yaml)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    if (cg_yaml_load_mem("t.yml", yaml, strlen(yaml), &doc, &err) != CG_OK)
        fail_msg("yaml: %s", cg_buf_cstr(&err));
    struct cg_match *m = NULL;
    if (cg_match_compile(doc, doc->root, &m, &err) != CG_OK)
        fail_msg("compile '%s': %s", yaml, cg_buf_cstr(&err));
    assert_int_equal(err.n, 0);
    cg_ydoc_free(doc);
    cg_buf_fini(&err);
    return m;
}

static void compile_err(const char *yaml, const char *want)
{
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_ydoc *doc = NULL;
    if (cg_yaml_load_mem("t.yml", yaml, strlen(yaml), &doc, &err) != CG_OK)
        fail_msg("yaml: %s", cg_buf_cstr(&err));
    struct cg_match *m = (struct cg_match *)&err; /* must be reset to NULL */
    assert_int_equal(cg_match_compile(doc, doc->root, &m, &err), CG_EPARSE);
    assert_null(m);
    if (strcmp(cg_buf_cstr(&err), want) != 0) {
        /* cmocka cuts long messages: print the whole difference first */
        fprintf(stderr, "yaml:\n%s\nwant:\n%sgot:\n%s", yaml, want, cg_buf_cstr(&err));
        fail_msg("compile errors differ");
    }
    cg_ydoc_free(doc);
    cg_buf_fini(&err);
}

static void add(struct cg_event *ev, const char *k, const char *v)
{
    assert_int_equal(
        cg_fields_add(&ev->fields, cg_str_make(k, strlen(k)), cg_str_make(v, strlen(v))), CG_OK);
}

/* Deep Security Agent event, fields already decoded. */
static void cef_event(struct cg_event *ev)
{
    cg_event_init(ev, 0);
    ev->format = CG_FMT_CEF;
    ev->fmt_version = CG_STR_LIT("0");
    ev->vendor = CG_STR_LIT("Trend Micro");
    ev->product = CG_STR_LIT("Deep Security Agent");
    ev->product_version = CG_STR_LIT("20.0.0");
    ev->event_id = CG_STR_LIT("2205");
    ev->name = CG_STR_LIT("Log Inspection Event");
    ev->severity = CG_STR_LIT("6");
    ev->sl.kind = CG_SYSLOG_RFC3164;
    ev->sl.pri = 134;
    ev->sl.facility = 16;
    ev->sl.severity = 6;
    ev->sl.host = CG_STR_LIT("kaga");
    add(ev, "act", "Pass");
    add(ev, "filePath", "C:\\Users\\x\\AppData\\Local\\Temp\\evil.exe");
    add(ev, "result", "Login Failed");
    add(ev, "dst", "10.1.2.3");
    add(ev, "src6", "fd00::1");
    add(ev, "mapped", "::ffff:192.168.1.5");
    add(ev, "cn1", "5");
    add(ev, "cn2", "5.0");
    add(ev, "cn3", "-1");
    add(ev, "cn4", "1e3");
    add(ev, "cn5", "abc");
    add(ev, "cn6", " 5");
    add(ev, "cn7", "0x10");
    add(ev, "cn8", "inf");
    add(ev, "cn9", "1e999");
    add(ev, "empty", "");
    add(ev, "pad1", "1 "); /* CEF "pad1=1  b=2": the spaces but one stay */
    add(ev, "pad2", "\t-2.5e1\r\n");
    add(ev, "pad3", "   ");
    add(ev, "pad4", "1 0");
    add(ev, "padip", "  10.1.2.3 ");
    add(ev, "padip6", " fd00::1\t");
    add(ev, "padip2", "10.1.2.3 /8");
    add(ev, "bad", "caf\xe9 \xff\xfe ok");
    add(ev, "utf", "\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.txt"); /* ファイル.txt */
    add(ev, "TrendMicroDsTenant", "Prod");
    add(ev, "msg", "two\nlines");
    ev->fields_done = true;
}

static void raw_event(struct cg_event *ev)
{
    cg_event_init(ev, 0);
    ev->format = CG_FMT_RAW;
    ev->reason = CG_REJ_NO_DECODER;
    ev->line = CG_STR_LIT("hello world");
    ev->sl.msg = CG_STR_LIT("hello world");
    ev->sl.pri = -1;
    ev->fields_done = true;
}

/* ---- evaluation table -------------------------------------------------------- */

struct eval_case {
    int ev; /* 0: CEF event, 1: raw event */
    const char *yaml;
    bool want;
};

static const struct eval_case eval_cases[] = {
    /* scalars and lists: byte-exact equality */
    {0, "vendor: Trend Micro", true},
    {0, "vendor: trend micro", false},
    {0, "vendor: Trend", false},
    {0, "event_id: 2205", true},
    {0, "event_id: '2205'", true},
    {0, "event_id: [2204, 2205]", true},
    {0, "event_id: [2204, 2206]", false},
    {0, "{vendor: Trend Micro, product: Deep Security Agent, event_id: 2205}", true},
    {0, "{vendor: Trend Micro, fields.act: Block}", false},
    {0, "{}", true},
    /* eq / in / ne, nocase */
    {0, "vendor: {eq: trend micro, nocase: true}", true},
    {0, "vendor: {eq: trend micro, nocase: false}", false},
    {0, "vendor: {eq: [x, TREND MICRO], nocase: true}", true},
    {0, "fields.act: {in: [Pass, Quarantine]}", true},
    {0, "fields.act: {in: Pass}", true},
    {0, "fields.act: {in: [pass]}", false},
    {0, "fields.act: {in: [pass], nocase: true}", true},
    {0, "fields.act: {ne: Block}", true},
    {0, "fields.act: {ne: Pass}", false},
    {0, "fields.act: {ne: pass}", true},
    {0, "fields.act: {ne: pass, nocase: true}", false},
    {0, "fields.act: {ne: [Block, Pass]}", false},
    {0, "fields.act: {ne: [Block, Deny]}", true},
    {0, "fields.act: {in: [Pass], ne: Pass}", false},
    /* missing vs empty */
    {0, "fields.nope: x", false},
    {0, "fields.nope: {ne: x}", true},
    {0, "fields.nope: {exists: false}", true},
    {0, "fields.nope: {exists: true}", false},
    {0, "fields.nope: {ne: x, exists: true}", false},
    {0, "fields.nope: {prefix: ''}", false},
    {0, "fields.nope: {regex: '.*'}", false},
    {0, "fields.nope: {lt: 1}", false},
    {0, "fields.nope: {cidr: 0.0.0.0/0}", false},
    {0, "fields.empty: {exists: true}", true},
    {0, "fields.empty: {exists: false}", false},
    {0, "fields.empty: ''", true},
    {0, "fields.empty: {ne: ''}", false},
    {0, "fields.empty: {prefix: ''}", true},
    {0, "fields.empty: {contains: x}", false},
    {0, "fields.empty: {regex: '^$'}", true},
    {0, "fields.empty: {ge: 0}", false},
    /* prefix / suffix / contains */
    {0, "fields.filePath: {contains: '\\Temp\\'}", true},
    {0, "fields.filePath: {contains: '\\temp\\'}", false},
    {0, "fields.filePath: {contains: '\\TEMP\\', nocase: true}", true},
    {0, "fields.filePath: {contains: [zzz, AppData]}", true},
    {0, "fields.filePath: {contains: '\\Temp\\evil.exe\\'}", false},
    {0, "fields.filePath: {prefix: 'C:\\'}", true},
    {0, "fields.filePath: {prefix: 'c:\\'}", false},
    {0, "fields.filePath: {prefix: 'c:\\users', nocase: true}", true},
    {0, "fields.filePath: {suffix: .EXE}", false},
    {0, "fields.filePath: {suffix: .EXE, nocase: true}", true},
    {0, "fields.filePath: {suffix: [.dll, .exe]}", true},
    {0, "fields.act: {suffix: LongerThanValue}", false},
    {0, "fields.act: {prefix: P, suffix: s, contains: as}", true},
    {0, "fields.result: {suffix: Failed}", true},
    {0, "fields.msg: {contains: \"o\\nl\"}", true},
    /* regex (JIT), UTF-8 and invalid bytes */
    {0, "fields.result: {regex: '(?i)fail'}", true},
    {0, "fields.result: {regex: 'fail'}", false},
    {0, "fields.result: {regex: '^Fail'}", false},
    {0, "fields.result: {regex: ['^x', 'Failed$']}", true},
    {0, "fields.result: {regex: 'Login', contains: Failed}", true},
    {0, "fields.bad: {regex: 'ok$'}", true},
    {0, "fields.bad: {regex: '^caf'}", true},
    {0, "fields.bad: {regex: '^caf.'}", false},
    {0, "fields.bad: {regex: 'caf.*ok'}", false},
    {0, "fields.bad: {contains: ' ok'}", true},
    {0, "fields.utf: {regex: '^.{4}\\.txt$'}", true},
    {0, "fields.utf: {regex: '^\\x{30d5}'}", true},
    {0, "fields.utf: {contains: \"\\u30D5\\u30A1\"}", true},
    {0, "fields.msg: {regex: '^two$'}", false},
    {0, "fields.msg: {regex: '(?m)^lines$'}", true},
    /* cidr */
    {0, "fields.dst: {cidr: 10.0.0.0/8}", true},
    {0, "fields.dst: {cidr: 10.1.2.3}", true},
    {0, "fields.dst: {cidr: 10.1.2.3/32}", true},
    {0, "fields.dst: {cidr: 10.1.2.4/32}", false},
    {0, "fields.dst: {cidr: 10.1.2.2/31}", true},
    {0, "fields.dst: {cidr: 10.1.2.0/31}", false},
    {0, "fields.dst: {cidr: 10.1.2.0/30}", true},
    {0, "fields.dst: {cidr: 0.0.0.0/0}", true},
    {0, "fields.dst: {cidr: '::/0'}", false},
    {0, "fields.dst: {cidr: [192.168.0.0/16, 10.0.0.0/8]}", true},
    {0, "fields.dst: {cidr: [192.168.0.0/16, 172.16.0.0/12]}", false},
    {0, "fields.src6: {cidr: 'fd00::/8'}", true},
    {0, "fields.src6: {cidr: 'fd00::1/128'}", true},
    {0, "fields.src6: {cidr: 'fd00::1'}", true},
    {0, "fields.src6: {cidr: 'fd00::2/128'}", false},
    {0, "fields.src6: {cidr: 'fe00::/7'}", false},
    {0, "fields.src6: {cidr: 'fc00::/7'}", true},
    {0, "fields.src6: {cidr: '::/0'}", true},
    {0, "fields.src6: {cidr: 0.0.0.0/0}", false},
    {0, "fields.mapped: {cidr: 192.168.0.0/16}", true},
    {0, "fields.mapped: {cidr: 192.168.2.0/24}", false},
    {0, "fields.mapped: {cidr: '::ffff:0:0/96'}", true},
    {0, "fields.act: {cidr: 0.0.0.0/0}", false},
    {0, "fields.empty: {cidr: '::/0'}", false},
    {0, "fields.cn6: {cidr: 0.0.0.0/0}", false},
    /* numbers: text for eq, numeric for lt/le/gt/ge; non-numbers never match */
    {0, "fields.cn1: {gt: 4}", true},
    {0, "fields.cn1: {gt: 5}", false},
    {0, "fields.cn1: {ge: 5}", true},
    {0, "fields.cn1: {lt: 5.5}", true},
    {0, "fields.cn1: {le: 5, ge: 5}", true},
    {0, "fields.cn1: {gt: -1.5, lt: '+6'}", true},
    {0, "fields.cn1: {gt: 1e0}", true},
    {0, "fields.cn1: '5.0'", false},
    {0, "fields.cn2: {ge: 5, le: 5}", true},
    {0, "fields.cn2: {gt: 5}", false},
    {0, "fields.cn3: {lt: 0}", true},
    {0, "fields.cn3: {lt: -1}", false},
    {0, "fields.cn4: {gt: 999, lt: 1001}", true},
    {0, "fields.cn5: {gt: 0}", false},
    {0, "fields.cn5: {lt: 0}", false},
    {0, "fields.cn5: {le: 0, exists: true}", false},
    /* typed operators read a value without the spaces around it (not those inside) */
    {0, "fields.cn6: {ge: 0}", true},
    {0, "fields.cn6: {ge: 5, le: 5}", true},
    {0, "fields.cn6: ' 5'", true},
    {0, "fields.cn6: '5'", false},
    {0, "fields.pad1: {ge: 1}", true},
    {0, "fields.pad1: {gt: 1}", false},
    {0, "fields.pad1: {lt: 1.5, le: 1}", true},
    {0, "fields.pad1: 1", false},
    {0, "fields.pad1: {prefix: '1 '}", true},
    {0, "fields.pad2: {lt: -24, gt: -26}", true},
    {0, "fields.pad3: {ge: 0}", false},
    {0, "fields.pad3: {lt: 0}", false},
    {0, "fields.pad4: {ge: 0}", false},
    {0, "fields.padip: {cidr: 10.0.0.0/8}", true},
    {0, "fields.padip: {cidr: 10.1.2.3/32}", true},
    {0, "fields.padip: {cidr: 192.168.0.0/16}", false},
    {0, "fields.padip6: {cidr: 'fd00::/8'}", true},
    {0, "fields.padip2: {cidr: 0.0.0.0/0}", false},
    {0, "fields.pad3: {cidr: '::/0'}", false},
    {0, "fields.cn7: {ge: 0}", false},
    {0, "fields.cn8: {ge: 0}", false},
    {0, "fields.cn9: {ge: 0}", false},
    {0, "fields.cn1: {exists: true, gt: 0}", true},
    {0, "severity: {ge: 6}", true},
    {0, "syslog.pri: {ge: 128, lt: 136}", true},
    {0, "syslog.severity: 6", true},
    {0, "host: kaga", true},
    {0, "format: cef", true},
    {0, "reason: {exists: false}", true},
    /* combinators */
    {0, "any: [{fields.result: {suffix: Failed}}, {fields.act: Pass}]", true},
    {0, "any: [{fields.act: Block}, {vendor: X}]", false},
    {0, "any: [{fields.act: Block}, {vendor: X, event_id: 2205}, {event_id: 2205}]", true},
    {0, "not: {fields.TrendMicroDsTenant: Test}", true},
    {0, "not: {fields.TrendMicroDsTenant: Prod}", false},
    {0, "not: {fields.nope: x}", true},
    {0, "not: {vendor: Trend Micro, event_id: 1}", true},
    {0, "not: {}", false},
    {0, "all: [{vendor: Trend Micro}, {event_id: 2205}]", true},
    {0, "all: [{vendor: Trend Micro}, {event_id: 1}]", false},
    {0,
     "{all: [{vendor: Trend Micro}], any: [{event_id: 1}, {fields.act: Pass}],"
     " not: {fields.cn1: {gt: 4}}}",
     false},
    {0, "not: {any: [{fields.act: Block}, {not: {vendor: Trend Micro}}]}", true},
    {0,
     "any: [{all: [{vendor: Trend Micro}, {fields.act: Block}]},"
     " {not: {any: [{event_id: 1}]}}]",
     true},
    {0, "any: [{not: {not: {not: {vendor: Trend Micro}}}}]", false},
    /* raw events */
    {1, "reason: no_decoder", true},
    {1, "format: raw", true},
    {1, "message: {contains: world}", true},
    {1, "vendor: {exists: false}", true},
    {1, "vendor: {ne: Trend Micro}", true},
    {1, "not: {vendor: Trend Micro}", true},
    {1, "vendor: Trend Micro", false},
    {1, "syslog.pri: {exists: false}", true},
    {1, "fields.act: {exists: false}", true},
};

static void test_eval(void **state)
{
    (void)state;
    struct cg_event evs[2];
    cef_event(&evs[0]);
    raw_event(&evs[1]);
    for (size_t i = 0; i < CG_ARRAY_LEN(eval_cases); i++) {
        const struct eval_case *tc = &eval_cases[i];
        struct cg_match *m = compile_ok(tc->yaml);
        bool got = cg_match_eval(m, &evs[tc->ev]);
        if (got != tc->want)
            fail_msg("case %zu '%s': want %d got %d", i, tc->yaml, tc->want, got);
        /* evaluation has no memory: a second run agrees */
        assert_int_equal(cg_match_eval(m, &evs[tc->ev]), got);
        cg_match_free(m);
    }
    cg_event_fini(&evs[0]);
    cg_event_fini(&evs[1]);
}

/* Every case of the table compiled into one set and shared: each evaluation with
 * a memo (one epoch per event, all cases in a row, twice) gives the table's answer. */
static void test_shared_table(void **state)
{
    (void)state;
    size_t n = CG_ARRAY_LEN(eval_cases), nslots = 0;
    struct cg_match **ms = calloc(n, sizeof(*ms));
    assert_non_null(ms);
    for (size_t i = 0; i < n; i++)
        ms[i] = compile_ok(eval_cases[i].yaml);
    assert_int_equal(cg_match_share(ms, n, &nslots), CG_OK);
    assert_true(nslots > 10); /* the table repeats vendor, event_id, ... */
    struct cg_event evs[2];
    cef_event(&evs[0]);
    raw_event(&evs[1]);
    struct cg_match_memo mm;
    assert_int_equal(cg_match_memo_init(&mm, nslots), CG_OK);
    for (int round = 0; round < 4; round++) {
        int which = round % 2;
        cg_match_memo_next(&mm);
        for (size_t i = 0; i < n; i++) {
            if (eval_cases[i].ev != which)
                continue;
            bool got = cg_match_eval_memo(ms[i], &evs[which], &mm);
            if (got != eval_cases[i].want)
                fail_msg("shared case %zu '%s': want %d got %d", i, eval_cases[i].yaml,
                         eval_cases[i].want, got);
        }
    }
    cg_match_memo_fini(&mm);
    for (size_t i = 0; i < n; i++)
        cg_match_free(ms[i]);
    free(ms);
    cg_event_fini(&evs[0]);
    cg_event_fini(&evs[1]);
}

/* What is shared: equal structure only (paths, operators, operands, nocase). */
struct share_case {
    const char *a, *b;
    size_t want_slots; /* when a and b are shared as a set */
};

static const struct share_case share_cases[] = {
    {"vendor: Trend Micro", "vendor: Trend Micro", 1}, /* the cond (its 1-item all-of: no) */
    {"vendor: Trend Micro", "vendor: trend micro", 0},
    {"vendor: {eq: Trend Micro, nocase: true}", "vendor: {eq: trend micro, nocase: true}", 1},
    {"vendor: {eq: Trend Micro, nocase: true}", "vendor: trend micro", 0},
    {"{vendor: Trend Micro, event_id: 1}", "{vendor: Trend Micro, event_id: 2}", 1},
    {"{vendor: A, event_id: 1}", "{event_id: 1, vendor: A}", 2}, /* same cost: kept order */
    {"name: {regex: 'a.c'}", "name: {regex: 'a.c'}", 1},
    {"name: {regex: 'a.c'}", "name: {regex: 'a.d'}", 0},
    {"fields.src: {cidr: 10.0.0.0/8}", "fields.dst: {cidr: 10.0.0.0/8}", 0},
    {"fields.src: {cidr: 10.0.0.0/8}", "fields.src: {cidr: 10.0.0.0/16}", 0},
    {"fields.n: {gt: 5}", "fields.n: {gt: 5.0}", 1},
    {"fields.n: {gt: 5}", "fields.n: {ge: 5}", 0},
    {"any: [{name: a}, {name: b}]", "{any: [{name: a}, {name: b}], vendor: V}", 3},
    {"not: {name: a}", "name: {ne: a}", 0},
};

static void test_shared_what(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(share_cases); i++) {
        const struct share_case *tc = &share_cases[i];
        struct cg_match *ms[3] = {NULL, NULL, NULL};
        ms[0] = compile_ok(tc->a);
        ms[1] = compile_ok(tc->b);
        size_t nslots = 99;
        assert_int_equal(cg_match_share(ms, 3, &nslots), CG_OK); /* a NULL entry is skipped */
        if (nslots != tc->want_slots)
            fail_msg("case %zu '%s' / '%s': want %zu slots, got %zu", i, tc->a, tc->b,
                     tc->want_slots, nslots);
        cg_match_free(ms[0]);
        cg_match_free(ms[1]);
    }
}

/* Lists above the sort threshold are binary-searched: same answers. */
static void test_long_lists(void **state)
{
    (void)state;
    struct cg_event ev;
    cef_event(&ev);
    static const struct eval_case cases[] = {
        {0, "event_id: [1, 22, 333, 2204, 2206, 9, 99999, 2205, 10, 11, 12, 13]", true},
        {0, "event_id: [1, 22, 333, 2204, 2206, 9, 99999, 220, 10, 11, 12, 13]", false},
        {0, "event_id: {ne: [1, 22, 333, 2204, 2206, 9, 99999, 2205, 10, 11, 12]}", false},
        {0, "event_id: {ne: [1, 22, 333, 2204, 2206, 9, 99999, 2209, 10, 11, 12]}", true},
        {0, "fields.act: {in: [a, b, c, d, e, f, g, h, PASS, i, Block], nocase: true}", true},
        {0, "fields.act: {in: [a, b, c, d, e, f, g, h, PASS, i, Block]}", false},
        {0, "fields.act: {in: [a, b, c, d, e, f, g, h, pasS, Pass, Block]}", true},
        {0, "vendor: [a, b, c, d, e, f, g, h, Trend Micr, Trend Micro, Trend Micro!]", true},
        {0, "fields.nope: {ne: [a, b, c, d, e, f, g, h, i, j]}", true},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_match *m = compile_ok(cases[i].yaml);
        if (cg_match_eval(m, &ev) != cases[i].want)
            fail_msg("case %zu '%s': want %d", i, cases[i].yaml, cases[i].want);
        cg_match_free(m);
    }
    /* a long generated list, every member found, near misses not */
    char yaml[8192];
    size_t n = (size_t)snprintf(yaml, sizeof(yaml), "event_id: [");
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%s%d", i ? ", " : "", i * 7);
    snprintf(yaml + n, sizeof(yaml) - n, "]");
    struct cg_match *m = compile_ok(yaml);
    for (int i = 0; i < 3500; i++) {
        char id[16];
        ev.event_id = cg_str_make(id, (size_t)snprintf(id, sizeof(id), "%d", i));
        assert_int_equal(cg_match_eval(m, &ev), i % 7 == 0);
    }
    cg_match_free(m);
    cg_event_fini(&ev);
}

/* ---- laziness and ordering ------------------------------------------------ */

struct lazy_case {
    const char *yaml;
    bool want;
    bool decoded; /* fields_done afterwards */
};

static const struct lazy_case lazy_cases[] = {
    {"{vendor: Trend Micro, event_id: 2205}", true, false},
    {"{product: {prefix: Deep}, severity: {ge: 5}, name: {regex: Insp}}", true, false},
    /* the field condition is written first but runs after the header one */
    {"{fields.act: Pass, vendor: Nope}", false, false},
    {"{fields.act: Pass, not: {vendor: Trend Micro}}", false, false},
    {"any: [{fields.act: Pass}, {vendor: Trend Micro}]", true, false},
    {"{fields.act: Pass, vendor: Trend Micro}", true, true},
    {"{fields.act: Block, vendor: Trend Micro}", false, true},
    {"{fields.dst: {cidr: 10.0.0.0/8}}", true, true},
};

static void test_lazy_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(lazy_cases); i++) {
        struct cg_event ev;
        cg_event_init(&ev, 0);
        ev.format = CG_FMT_CEF;
        ev.vendor = CG_STR_LIT("Trend Micro");
        ev.product = CG_STR_LIT("Deep Security Agent");
        ev.event_id = CG_STR_LIT("2205");
        ev.name = CG_STR_LIT("Log Inspection Event");
        ev.severity = CG_STR_LIT("6");
        ev.body = CG_STR_LIT("act=Pass dst=10.0.0.1");
        struct cg_match *m = compile_ok(lazy_cases[i].yaml);
        if (cg_match_eval(m, &ev) != lazy_cases[i].want)
            fail_msg("case %zu '%s': want %d", i, lazy_cases[i].yaml, lazy_cases[i].want);
        if (ev.fields_done != lazy_cases[i].decoded)
            fail_msg("case %zu '%s': fields_done %d", i, lazy_cases[i].yaml, ev.fields_done);
        cg_match_free(m);
        cg_event_fini(&ev);
    }
}

/* ---- regex engine ------------------------------------------------------------ */

static void test_regex_bounded(void **state)
{
    (void)state;
    uint32_t jit = 0;
    assert_int_equal(pcre2_config(PCRE2_CONFIG_JIT, &jit), 0);
    assert_int_equal(jit, 1); /* Debian's PCRE2 has JIT on amd64 / arm64 */
    struct cg_event ev;
    cef_event(&ev);
    char v[64];
    memset(v, 'a', 40);
    v[40] = 'b';
    ev.fields.v[0].val = cg_str_make(v, 41); /* act */
    /* catastrophic backtracking: the match limit makes it a quick "no" */
    struct cg_match *m = compile_ok("fields.act: {regex: '^(a+)+$'}");
    clock_t t0 = clock();
    assert_false(cg_match_eval(m, &ev));
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    cg_match_free(m);
    m = compile_ok("fields.act: {regex: '^(a+)+b$'}");
    assert_true(cg_match_eval(m, &ev));
    cg_match_free(m);
    /* NUL bytes are data in both pattern and value */
    ev.fields.v[0].val = cg_str_make("x\0y", 3);
    m = compile_ok("fields.act: {regex: \"x\\0y\"}");
    assert_true(cg_match_eval(m, &ev));
    cg_match_free(m);
    m = compile_ok("fields.act: \"x\\0y\"");
    assert_true(cg_match_eval(m, &ev));
    cg_match_free(m);
    cg_event_fini(&ev);
}

struct limit_run {
    struct cg_match *m;
    struct cg_event *ev;
    struct cg_match_memo *mm;
    int times;
    int matched;
};

static void eval_times(void *arg)
{
    struct limit_run *r = arg;
    for (int i = 0; i < r->times; i++) {
        cg_match_memo_next(r->mm);
        r->matched += cg_match_eval_memo(r->m, r->ev, r->mm);
    }
}

/* A regex that hits the PCRE2 match limit used to be a silent "no" costing some 2 ms a
 * value: it is counted (in the match, and in the engine's counter through the memo),
 * logged once with the match's name and the pattern escaped, and stopped early. */
static void test_regex_limit_counted(void **state)
{
    (void)state;
    struct cg_event ev;
    cef_event(&ev);
    static char v[4002];
    memset(v, 'a', 4000);
    v[4000] = 'b';
    ev.fields.v[0].val = cg_str_make(v, 4001); /* act: aaaa...b */
    struct cg_match *m = compile_ok("fields.act: {regex: [\"(a+)+\\e?$\", 'b$']}");
    assert_int_equal(cg_match_set_name(m, "rule 'rx-bomb'"), CG_OK);
    struct cg_match_memo mm;
    assert_int_equal(cg_match_memo_init(&mm, 0), CG_OK);
    uint64_t engine_count = 0;
    mm.regex_limit = &engine_count;
    struct limit_run run = {m, &ev, &mm, 5, 0};
    char log[2048];
    capture_stderr(eval_times, &run, log, sizeof(log));
    assert_int_equal(run.matched, 5); /* the second pattern still decides */
    assert_int_equal(engine_count, 5);
    assert_int_equal(cg_match_regex_stopped(m), 5);
    assert_string_equal(log, "cefguard: warning: rule 'rx-bomb': regex '(a+)+\\x1b?$' stopped "
                             "(match limit exceeded) on a value of 4001 bytes: taken as no "
                             "match, counted in engine.regex_limit; later ones of this rule are "
                             "not logged\n");
    /* without a memo: counted in the match only, not logged again */
    assert_true(cg_match_eval(m, &ev));
    assert_int_equal(cg_match_regex_stopped(m), 6);
    assert_int_equal(engine_count, 5);
    cg_match_free(m);
    /* a value that needs no backtracking is no limit */
    m = compile_ok("fields.act: {regex: '(a+)+b$'}");
    assert_true(cg_match_eval_memo(m, &ev, &mm));
    assert_int_equal(cg_match_regex_stopped(m), 0);
    assert_int_equal(engine_count, 5);
    cg_match_free(m);
    cg_match_memo_fini(&mm);
    cg_event_fini(&ev);
}

/* ---- compile errors ------------------------------------------------------- */

#define PATHS                                                                                      \
    "vendor, product, product_version, event_id, name, severity, format, format_version, host, "   \
    "subject, subject_key, subject_status, reason, message, time, risk.class, risk.outcome, "      \
    "fields.<key>, "                                                                               \
    "syslog.app, syslog.procid, "                                                                  \
    "syslog.msgid, syslog.pri, syslog.facility, syslog.severity, syslog.sd.<SD-ID>.<param>"
#define OPS "eq, ne, in, prefix, suffix, contains, regex, cidr, lt, le, gt, ge, exists, nocase"

struct err_case {
    const char *yaml;
    const char *want;
};

static const struct err_case err_cases[] = {
    {"[a]\n", "t.yml:1:1: 'match' takes a mapping of conditions\n"},
    {"x\n", "t.yml:1:1: 'match' takes a mapping of conditions\n"},
    {"vendor: X\nfoo: 1\n", "t.yml:2:1: unknown field 'foo': expected " PATHS "\n"},
    {"fields.: 1\n", "t.yml:1:1: empty key in 'fields.': expected fields.<key>\n"},
    {"fields.a: {eq: x, bogus: 1}\n", "t.yml:1:19: unknown operator 'bogus': expected " OPS "\n"},
    {"fields.a: {eq: {x: 1}}\n",
     "t.yml:1:16: 'eq' takes a value, a list of values or {list: NAME}\n"},
    {"fields.a: {contains: [a, {b: 1}]}\n",
     "t.yml:1:26: 'contains' list items must be values, not a mapping\n"},
    {"fields.a: [a, [b]]\n", "t.yml:1:15: 'fields.a' list items must be values, not a list\n"},
    {"fields.a: []\n", "t.yml:1:11: empty list for 'fields.a'\n"},
    {"fields.a: {in: []}\n", "t.yml:1:16: empty list for 'in'\n"},
    {"fields.a:\n", "t.yml:1:10: no value for 'fields.a' (write \"\" to match an empty value)\n"},
    {"fields.a: {}\n", "t.yml:1:11: condition on 'fields.a' has no operator\n"},
    {"fields.a: {nocase: false}\n", "t.yml:1:11: condition on 'fields.a' has no operator\n"},
    {"fields.a: {nocase: true, regex: a}\n",
     "t.yml:1:12: 'nocase' applies to eq, ne, in, prefix, suffix and contains (write (?i) in a "
     "regex)\n"},
    {"fields.a: {nocase: maybe, eq: a}\n", "t.yml:1:20: 'nocase' takes true or false\n"},
    {"fields.a: {exists: yes}\n", "t.yml:1:20: 'exists' takes true or false\n"},
    {"fields.a: {exists: [true]}\n", "t.yml:1:20: 'exists' takes true or false\n"},
    {"fields.a: {gt: abc}\n", "t.yml:1:16: 'gt' takes a number, not 'abc'\n"},
    {"fields.a: {le: 0x10}\n", "t.yml:1:16: 'le' takes a number, not '0x10'\n"},
    {"fields.a: {lt: .inf}\n", "t.yml:1:16: 'lt' takes a number, not '.inf'\n"},
    {"fields.a: {ge: ''}\n", "t.yml:1:16: 'ge' takes a number, not ''\n"},
    {"fields.a: {gt: [1, 2]}\n", "t.yml:1:16: 'gt' takes one number\n"},
    {"fields.a: {regex: 'a('}\n",
     "t.yml:1:19: bad regex: missing closing parenthesis at offset 2\n"},
    {"fields.a: {regex: [ok, '*x']}\n",
     "t.yml:1:24: bad regex: quantifier does not follow a repeatable item at offset 0\n"},
    {"fields.a: {cidr: 10.0.0.1/8}\n",
     "t.yml:1:18: host bits set in network '10.0.0.1/8': did you mean 10.0.0.0/8?\n"},
    {"fields.a: {cidr: 'fd00::1/64'}\n",
     "t.yml:1:18: host bits set in network 'fd00::1/64': did you mean fd00::/64?\n"},
    {"fields.a: {cidr: 10.0.0.0/33}\n",
     "t.yml:1:18: bad network '10.0.0.0/33': expected an IPv4 or IPv6 address with an optional "
     "/prefix\n"},
    {"fields.a: {cidr: [10.0.0.0/8, 10.0.0/8, 'fd00::/129', 10.0.0.0/, 1.2.3.4/x, host]}\n",
     "t.yml:1:31: bad network '10.0.0/8': expected an IPv4 or IPv6 address with an optional "
     "/prefix\n"
     "t.yml:1:41: bad network 'fd00::/129': expected an IPv4 or IPv6 address with an optional "
     "/prefix\n"
     "t.yml:1:55: bad network '10.0.0.0/': expected an IPv4 or IPv6 address with an optional "
     "/prefix\n"
     "t.yml:1:66: bad network '1.2.3.4/x': expected an IPv4 or IPv6 address with an optional "
     "/prefix\n"
     "t.yml:1:77: bad network 'host': expected an IPv4 or IPv6 address with an optional "
     "/prefix\n"},
    {"not: [a]\n", "t.yml:1:6: 'not' takes a mapping\n"},
    {"any: {vendor: x}\n", "t.yml:1:6: 'any' takes a list of mappings\n"},
    {"all: x\n", "t.yml:1:6: 'all' takes a list of mappings\n"},
    {"any: [x]\n", "t.yml:1:7: 'any' items must be mappings\n"},
    {"all: []\n", "t.yml:1:6: empty list for 'all'\n"},
    /* everything wrong is reported at once, nested ones included */
    {"foo: 1\n"
     "fields.x: {gt: z}\n"
     "not: 1\n"
     "any:\n"
     "  - {fields.a: {bogus: 1}}\n"
     "  - vendor: X\n"
     "    not: {fields.b: {regex: '('}}\n",
     "t.yml:1:1: unknown field 'foo': expected " PATHS "\n"
     "t.yml:2:16: 'gt' takes a number, not 'z'\n"
     "t.yml:3:6: 'not' takes a mapping\n"
     "t.yml:5:17: unknown operator 'bogus': expected " OPS "\n"
     "t.yml:7:29: bad regex: missing closing parenthesis at offset 1\n"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(err_cases); i++)
        compile_err(err_cases[i].yaml, err_cases[i].want);
}

static void test_null_node(void **state)
{
    (void)state;
    struct cg_ydoc *doc = NULL;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_yaml_load_mem("t.yml", "", 0, &doc, &err), CG_OK);
    struct cg_match *m = NULL;
    assert_int_equal(cg_match_compile(doc, doc->root, &m, &err), CG_EPARSE);
    assert_null(m);
    assert_string_equal(cg_buf_cstr(&err), "t.yml: 'match' takes a mapping of conditions\n");
    cg_ydoc_free(doc);
    cg_buf_fini(&err);
    cg_match_free(NULL);
}

/* ---- index support -------------------------------------------------------- */

struct req_case {
    const char *yaml;
    enum cg_path_kind kind;
    const char *want; /* values joined by ','; NULL: not required */
};

static const struct req_case req_cases[] = {
    {"{vendor: Trend Micro, event_id: [2205, 2204]}", CG_P_EVENT_ID, "2205,2204"},
    {"{vendor: Trend Micro, event_id: [2205, 2204]}", CG_P_VENDOR, "Trend Micro"},
    {"{vendor: Trend Micro, event_id: [2205, 2204]}", CG_P_PRODUCT, NULL},
    {"event_id: {in: [3, 1, 2]}", CG_P_EVENT_ID, "3,1,2"},
    {"event_id: {eq: 1, prefix: 1}", CG_P_EVENT_ID, "1"},
    {"{event_id: [1, 2, 3], all: [{event_id: 2}]}", CG_P_EVENT_ID, "2"},
    {"all: [{product: a}, {all: [{vendor: b}]}]", CG_P_VENDOR, "b"},
    {"event_id: [9, 8, 7, 6, 5, 4, 3, 2, 1]", CG_P_EVENT_ID, "1,2,3,4,5,6,7,8,9"},
    {"any: [{event_id: 1}]", CG_P_EVENT_ID, NULL},
    {"not: {event_id: 1}", CG_P_EVENT_ID, NULL},
    {"event_id: {in: [1, 2], nocase: true}", CG_P_EVENT_ID, NULL},
    {"event_id: {ne: 1}", CG_P_EVENT_ID, NULL},
    {"event_id: {regex: '^1$'}", CG_P_EVENT_ID, NULL},
    {"event_id: {exists: true}", CG_P_EVENT_ID, NULL},
    {"fields.x: a", CG_P_FIELD, NULL},
    {"{}", CG_P_VENDOR, NULL},
};

static void test_required(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(req_cases); i++) {
        const struct req_case *tc = &req_cases[i];
        struct cg_match *m = compile_ok(tc->yaml);
        const struct cg_str *vals = NULL;
        size_t n = 0;
        bool got = cg_match_required_values(m, tc->kind, &vals, &n);
        if (got != (tc->want != NULL))
            fail_msg("case %zu '%s': got %d", i, tc->yaml, got);
        if (got) {
            char joined[256];
            size_t len = 0;
            for (size_t j = 0; j < n; j++)
                len += (size_t)snprintf(joined + len, sizeof(joined) - len, "%s%.*s", j ? "," : "",
                                        (int)vals[j].n, vals[j].p);
            if (strcmp(joined, tc->want) != 0)
                fail_msg("case %zu '%s': want %s got %s", i, tc->yaml, tc->want, joined);
        }
        cg_match_free(m);
    }
}

/* Alternatives: each rendered "kind:values" with kind e (event_id), n (name) or N (name,
 * nocase, values lower-cased), separated by ';'. NULL: none. */
struct alt_case {
    const char *yaml;
    const char *want;
};

static const struct alt_case alt_cases[] = {
    {"name: Offline", "n:Offline"},
    {"name: {in: [Offline, Agent Offline], nocase: true}", "N:offline,agent offline"},
    {"{product: P, any: [{event_id: 730}, {name: {eq: Offline, nocase: true}}]}",
     "e:730;N:offline"},
    {"any: [{event_id: [1, 2]}, {all: [{vendor: V}, {name: x}]}]", "e:1,2;n:x"},
    {"any: [{event_id: 1}, {vendor: V}]", NULL},         /* a branch without either */
    {"any: [{event_id: 1}, {event_id: {ne: 2}}]", NULL}, /* ne is not a set */
    {"any: [{event_id: {eq: 1, nocase: true}}, {name: a}]", NULL},
    {"any: [{event_id: 1}, {not: {name: a}}]", NULL},
    {"any: [{any: [{event_id: 1}]}, {name: a}]", NULL}, /* nested any: not indexed */
    {"{any: [{vendor: V}, {product: P}], all: [{any: [{event_id: 3}, {name: b}]}]}", NULL},
    {"event_id: 5", NULL}, /* a plain event_id set is cg_match_required_values' */
    {"{}", NULL},
};

static void render_alts(const struct cg_match_alt *alts, size_t n, struct cg_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        cg_buf_printf(b, "%s%s:", i ? ";" : "",
                      alts[i].kind == CG_P_EVENT_ID ? "e"
                      : alts[i].nocase              ? "N"
                                                    : "n");
        for (size_t j = 0; j < alts[i].n; j++)
            cg_buf_printf(b, "%s%.*s", j ? "," : "", (int)alts[i].vals[j].n, alts[i].vals[j].p);
    }
}

static void test_required_any(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(alt_cases); i++) {
        const struct alt_case *tc = &alt_cases[i];
        struct cg_match *m = compile_ok(tc->yaml);
        struct cg_match_alt alts[8];
        size_t n = cg_match_required_any(m, alts, 8);
        struct cg_buf got;
        cg_buf_init(&got);
        render_alts(alts, n, &got);
        const char *g = n ? cg_buf_cstr(&got) : NULL;
        if ((g == NULL) != (tc->want == NULL) || (g && strcmp(g, tc->want) != 0))
            fail_msg("case %zu '%s': want %s got %s", i, tc->yaml, tc->want ? tc->want : "none",
                     g ? g : "none");
        cg_buf_fini(&got);
        /* at most max branches */
        if (n > 1)
            assert_int_equal(cg_match_required_any(m, alts, n - 1), 0);
        cg_match_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_long_lists),
        cmocka_unit_test(test_lazy_fields),
        cmocka_unit_test(test_regex_bounded),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_null_node),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_shared_table),
        cmocka_unit_test(test_shared_what),
        cmocka_unit_test(test_required_any),
        cmocka_unit_test(test_regex_limit_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
