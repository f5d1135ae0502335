/* test_path.c - rule paths: parsing and reading every kind from an event (path.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/path.h"

#define VALID                                                                                      \
    "vendor, product, product_version, event_id, name, severity, format, format_version, host, "   \
    "subject, subject_key, subject_status, reason, message, time, risk.class, risk.outcome, "      \
    "fields.<key>, "                                                                               \
    "syslog.app, syslog.procid, "                                                                  \
    "syslog.msgid, syslog.pri, syslog.facility, syslog.severity, syslog.sd.<SD-ID>.<param>"

static struct cg_sd_param sd[3];

/* A CEF event from an RFC 5424 line, built by hand (no decoder involved). */
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
    ev->severity = CG_STR_LIT(""); /* empty, but present */
    ev->subject = CG_STR_LIT("ws01");
    ev->subject_key = CG_STR_LIT("dvchost");
    ev->subject_status = CG_SUBJ_OK;
    ev->subject_done = true;
    ev->time = (struct cg_time){
        .sec = 1704132245, .usec = 123000, .off_min = 540, .frac_digits = 3, .flags = CG_TIME_SET};
    ev->sl.kind = CG_SYSLOG_RFC5424;
    ev->sl.pri = 134;
    ev->sl.facility = 16;
    ev->sl.severity = 6;
    ev->sl.host = CG_STR_LIT("kaga");
    ev->sl.app = CG_STR_LIT("dsa");
    ev->sl.procid = CG_STR_LIT("-");
    ev->sl.msgid = CG_STR_LIT("ID47");
    sd[0] = (struct cg_sd_param){CG_STR_LIT("origin@32473.1.2"), CG_STR_LIT("ip"),
                                 CG_STR_LIT("192.0.2.1")};
    sd[1] = (struct cg_sd_param){CG_STR_LIT("agentInfo@3401"), CG_STR_LIT("AgentGUID"),
                                 CG_STR_LIT("{ABC}")};
    sd[2] = (struct cg_sd_param){CG_STR_LIT("agentInfo@3401"), CG_STR_LIT("empty"), CG_STR_LIT("")};
    ev->sl.sd = sd;
    ev->sl.nsd = CG_ARRAY_LEN(sd);
    ev->sl.msg = CG_STR_LIT("CEF:0|Trend Micro|...");
    ev->body = CG_STR_LIT("act=Pass");
    assert_int_equal(cg_fields_add(&ev->fields, CG_STR_LIT("act"), CG_STR_LIT("Pass")), CG_OK);
    assert_int_equal(cg_fields_add(&ev->fields, CG_STR_LIT("a.b"), CG_STR_LIT("dots")), CG_OK);
    assert_int_equal(cg_fields_add(&ev->fields, CG_STR_LIT("e"), CG_STR_LIT("")), CG_OK);
    ev->fields_done = true;
}

/* A line nothing could decode: only the line and the reason. */
static void raw_event(struct cg_event *ev, bool with_msg)
{
    cg_event_init(ev, 0);
    ev->format = CG_FMT_RAW;
    ev->reason = CG_REJ_NO_DECODER;
    ev->line = CG_STR_LIT("<13>hello world");
    if (with_msg) {
        ev->sl.kind = CG_SYSLOG_RFC3164; /* only PRI decoded */
        ev->sl.pri = 13;
        ev->sl.facility = 1;
        ev->sl.severity = 5;
        ev->sl.msg = CG_STR_LIT("hello world");
    }
}

struct get_case {
    int ev; /* 0 cef, 1 raw with PRI, 2 raw without header */
    const char *path;
    const char *want; /* NULL: absent */
};

static const struct get_case get_cases[] = {
    {0, "vendor", "Trend Micro"},
    {0, "product", "Deep Security Agent"},
    {0, "product_version", "20.0.0"},
    {0, "event_id", "2205"},
    {0, "name", "Log Inspection Event"},
    {0, "severity", ""},
    {0, "format", "cef"},
    {0, "format_version", "0"},
    {0, "host", "kaga"},
    {0, "subject", "ws01"},
    {0, "subject_key", "dvchost"},
    {0, "subject_status", "ok"},
    {0, "reason", NULL},
    {0, "message", "CEF:0|Trend Micro|..."},
    {0, "time", "2024-01-02T03:04:05.123+09:00"},
    {0, "fields.act", "Pass"},
    {0, "fields.a.b", "dots"},
    {0, "fields.e", ""},
    {0, "fields.nope", NULL},
    {0, "fields.Act", NULL},
    {0, "syslog.app", "dsa"},
    {0, "syslog.procid", "-"},
    {0, "syslog.msgid", "ID47"},
    {0, "syslog.pri", "134"},
    {0, "syslog.facility", "16"},
    {0, "syslog.severity", "6"},
    {0, "syslog.sd.origin@32473.1.2.ip", "192.0.2.1"},
    {0, "syslog.sd.agentInfo@3401.AgentGUID", "{ABC}"},
    {0, "syslog.sd.agentInfo@3401.empty", ""},
    {0, "syslog.sd.agentInfo@3401.ip", NULL},
    {0, "syslog.sd.origin@32473.1.2.AgentGUID", NULL},
    {1, "format", "raw"},
    {1, "reason", "no_decoder"},
    {1, "message", "hello world"},
    {1, "vendor", NULL},
    {1, "event_id", NULL},
    {1, "severity", NULL},
    {1, "format_version", NULL},
    {1, "host", NULL},
    {1, "time", NULL},
    {1, "syslog.pri", "13"},
    {1, "syslog.facility", "1"},
    {1, "syslog.severity", "5"},
    {1, "syslog.msgid", NULL},
    {1, "syslog.sd.a.b", NULL},
    {1, "fields.x", NULL},
    {2, "message", "<13>hello world"},
    {2, "syslog.pri", NULL},
    {2, "syslog.facility", NULL},
    {2, "syslog.severity", NULL},
    {2, "syslog.app", NULL},
};

static void test_get(void **state)
{
    (void)state;
    struct cg_event evs[3];
    cef_event(&evs[0]);
    raw_event(&evs[1], true);
    raw_event(&evs[2], false);
    for (size_t i = 0; i < CG_ARRAY_LEN(get_cases); i++) {
        const struct get_case *tc = &get_cases[i];
        struct cg_buf err;
        cg_buf_init(&err);
        struct cg_path p;
        if (cg_path_parse(tc->path, &p, &err) != CG_OK)
            fail_msg("%s: %s", tc->path, cg_buf_cstr(&err));
        assert_string_equal(p.text, tc->path);
        struct cg_path_scratch sc;
        struct cg_str v = CG_STR_NULL;
        bool got = cg_path_get(&p, &evs[tc->ev], &v, &sc);
        if (!tc->want && got)
            fail_msg("case %zu %s: want absent, got '%.*s'", i, tc->path, (int)v.n, v.p);
        if (tc->want && !got)
            fail_msg("case %zu %s: want '%s', got absent", i, tc->path, tc->want);
        if (tc->want) {
            assert_non_null(v.p);
            if (!cg_str_eqz(v, tc->want))
                fail_msg("case %zu %s: want '%s', got '%.*s'", i, tc->path, tc->want, (int)v.n,
                         v.p);
        }
        cg_path_fini(&p);
        cg_buf_fini(&err);
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(evs); i++)
        cg_event_fini(&evs[i]);
}

struct parse_case {
    const char *path;
    enum cg_path_kind kind;
    const char *key;
    const char *sd_id;
};

static const struct parse_case parse_cases[] = {
    {"vendor", CG_P_VENDOR, NULL, NULL},
    {"time", CG_P_TIME, NULL, NULL},
    {"syslog.severity", CG_P_SYSLOG_SEVERITY, NULL, NULL},
    {"fields.x", CG_P_FIELD, "x", NULL},
    {"fields.ad.nn", CG_P_FIELD, "ad.nn", NULL},
    {"fields.fields.", CG_P_FIELD, "fields.", NULL},
    {"syslog.sd.a.b", CG_P_SYSLOG_SD, "b", "a"},
    {"syslog.sd.origin@32473.1.2.ip", CG_P_SYSLOG_SD, "ip", "origin@32473.1.2"},
};

static void test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(parse_cases); i++) {
        const struct parse_case *tc = &parse_cases[i];
        struct cg_buf err;
        cg_buf_init(&err);
        struct cg_path p;
        assert_int_equal(cg_path_parse(tc->path, &p, &err), CG_OK);
        assert_int_equal(err.n, 0);
        assert_int_equal(p.kind, tc->kind);
        if (tc->key)
            assert_true(cg_str_eqz(p.key, tc->key));
        else
            assert_int_equal(p.key.n, 0);
        if (tc->sd_id)
            assert_true(cg_str_eqz(p.sd_id, tc->sd_id));
        cg_path_fini(&p);
        cg_buf_fini(&err);
    }
}

struct err_case {
    const char *path;
    const char *want;
};

static const struct err_case err_cases[] = {
    {"bogus", "unknown field 'bogus': expected " VALID},
    {"Vendor", "unknown field 'Vendor': expected " VALID},
    {"", "unknown field '': expected " VALID},
    {"syslog", "unknown field 'syslog': expected " VALID},
    {"fields", "unknown field 'fields': expected " VALID},
    {"syslog.sd", "unknown field 'syslog.sd': expected " VALID},
    {"fields.", "empty key in 'fields.': expected fields.<key>"},
    {"syslog.sd.", "bad path 'syslog.sd.': expected syslog.sd.<SD-ID>.<param>"},
    {"syslog.sd.x", "bad path 'syslog.sd.x': expected syslog.sd.<SD-ID>.<param>"},
    {"syslog.sd.x.", "bad path 'syslog.sd.x.': expected syslog.sd.<SD-ID>.<param>"},
    {"syslog.sd..p", "bad path 'syslog.sd..p': expected syslog.sd.<SD-ID>.<param>"},
    {"x123456789x123456789x123456789x123456789x123456789x123456789x123456789",
     "unknown field 'x123456789x123456789x123456789x123456789x123456789x123456789x123': "
     "expected " VALID},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(err_cases); i++) {
        struct cg_buf err;
        cg_buf_init(&err);
        struct cg_path p;
        assert_int_equal(cg_path_parse(err_cases[i].path, &p, &err), CG_EINVAL);
        assert_string_equal(cg_buf_cstr(&err), err_cases[i].want);
        assert_null(p.text);
        cg_path_fini(&p); /* harmless after a failed parse */
        cg_buf_fini(&err);
    }
}

/* A lazily decoded CEF field: reading it decodes the body once. */
static void test_field_decodes(void **state)
{
    (void)state;
    struct cg_event ev;
    cg_event_init(&ev, 0);
    ev.format = CG_FMT_CEF;
    ev.body = CG_STR_LIT("act=Pass dst=10.0.0.1");
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_path p;
    assert_int_equal(cg_path_parse("vendor", &p, &err), CG_OK);
    struct cg_path_scratch sc;
    struct cg_str v;
    assert_false(cg_path_get(&p, &ev, &v, &sc));
    assert_false(ev.fields_done);
    cg_path_fini(&p);
    assert_int_equal(cg_path_parse("fields.dst", &p, &err), CG_OK);
    assert_true(cg_path_get(&p, &ev, &v, &sc));
    assert_true(ev.fields_done);
    assert_true(cg_str_eqz(v, "10.0.0.1"));
    cg_path_fini(&p);
    cg_buf_fini(&err);
    cg_event_fini(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_field_decodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
