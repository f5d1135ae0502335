/*
 * vendortest.h - the vendor-line table of the normalize tests (include after cmocka.h): a line
 * as decode leaves it raw, run through a normalizer's rulebases, and every header value, the
 * subject and the listed fields compared exactly. Used by test_normalize.c (all vendors) and
 * test_sepm.c (the SEPM and OfficeScan shapes).
 */
#ifndef CEFGUARD_TEST_VENDORTEST_H
#define CEFGUARD_TEST_VENDORTEST_H

#include "cefguard/normalize.h"

#include <string.h>

static inline void expect_str(const char *what, struct cg_str got, const char *want)
{
    if (!want) {
        if (got.n != 0)
            fail_msg("%s: got [%.*s], want unset", what, (int)got.n, got.p);
        return;
    }
    if (got.n != strlen(want) || (got.n && memcmp(got.p, want, got.n) != 0))
        fail_msg("%s: got [%.*s] (%zu bytes), want [%s]", what, (int)got.n, got.p ? got.p : "",
                 got.n, want);
}

static inline void expect_field(struct cg_event *ev, const char *key, const char *want)
{
    const struct cg_str *v = cg_fields_getz(&ev->fields, key);
    if (!want) {
        if (v)
            fail_msg("field %s: got [%.*s], want absent", key, (int)v->n, v->p);
        return;
    }
    if (!v)
        fail_msg("field %s: absent, want [%s]", key, want);
    expect_str(key, *v, want);
}

/* An event as decode leaves a line it could not decode. text is what follows the
 * header: for RFC 3164 from the tag on, for RFC 5424 the MSG (app separately), for
 * CG_SYSLOG_NONE the whole line. */
static inline void make_raw(struct cg_event *ev, enum cg_syslog_kind kind, const char *host,
                            const char *app, const char *text)
{
    cg_event_reset(ev);
    struct cg_str t = cg_str_make(text, strlen(text));
    ev->line = t;
    ev->sl.kind = kind;
    if (host)
        ev->sl.host = cg_str_make(host, strlen(host));
    if (app)
        ev->sl.app = cg_str_make(app, strlen(app));
    ev->sl.msg = t;
    if (kind != CG_SYSLOG_RFC5424)
        ev->sl.tagged_msg = t;
    ev->format = CG_FMT_RAW;
    ev->reason = CG_REJ_NO_DECODER;
}

struct kv {
    const char *key;
    const char *val; /* NULL: the field must be absent */
};

struct vendor_case {
    const char *what;
    enum cg_syslog_kind kind;
    const char *host;
    const char *app;
    const char *text;
    enum cg_format format;
    const char *vendor, *product, *event_id, *name, *severity;
    const char *subject, *subject_key;
    struct kv fields[24];
};

static inline void vendor_check(struct cg_normalizer *nz, const struct vendor_case *c)
{
    struct cg_event ev;
    cg_event_init(&ev, 0);
    make_raw(&ev, c->kind, c->host, c->app, c->text);
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    if (ev.format != c->format)
        fail_msg("%s: format %s, want %s", c->what, cg_format_name(ev.format),
                 cg_format_name(c->format));
    assert_int_equal(ev.reason, c->format == CG_FMT_RAW ? CG_REJ_NO_DECODER : CG_REJ_NONE);
    assert_int_equal(ev.fields_done, c->format == CG_FMT_LOGNORM);
    expect_str("vendor", ev.vendor, c->vendor);
    expect_str("product", ev.product, c->product);
    expect_str("event_id", ev.event_id, c->event_id);
    expect_str("name", ev.name, c->name);
    expect_str("severity", ev.severity, c->severity);
    expect_str("subject", ev.subject, c->subject);
    expect_str("subject_key", ev.subject_key, c->subject_key);
    for (size_t i = 0; i < CG_ARRAY_LEN(c->fields) && c->fields[i].key; i++)
        expect_field(&ev, c->fields[i].key, c->fields[i].val);
    /* Directives and liblognorm's own keys never become fields. */
    expect_field(&ev, "subject_from", NULL);
    expect_field(&ev, "event.tags", NULL);
    expect_field(&ev, "originalmsg", NULL);
    cg_event_fini(&ev);
}

/* Every case of a table. */
static inline void vendor_check_all(struct cg_normalizer *nz, const struct vendor_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vendor_check(nz, &c[i]);
}

#endif
