/*
 * fuzz_syslog.c - libFuzzer target for the syslog header decoder (syslog.h) and
 * the RFC 3339 parser (timeutil.h).
 *
 * The whole input is decoded as one line (a UDP datagram may hold LF and NUL),
 * then split on LF and decoded line by line through the same stream context, so
 * the year inference of CG_YEAR_STREAM sees a sequence. Three contexts run side
 * by side: UTC/stream, fixed +09:00/clock, and an IANA zone/stream (skipped when
 * the system has no tz database).
 * Checked: PRI, facility and severity agree; views point into the line (SD
 * values may be unescaped copies, never longer than the line); a line without a
 * header is all MSG; a decoded time is in range and formats; the RFC 3339 parser
 * never consumes more than it was given.
 */
#include "cefguard/arena.h"
#include "cefguard/syslog.h"
#include "cefguard/timeutil.h"

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2025-04-20T03:20:54Z: fixed so that a run is reproducible. */
#define FUZZ_NOW 1745119254
#define MAX_LINES 64

CHECK_NOCOV static void check_time(const struct cg_time *t)
{
    if (!(t->flags & CG_TIME_SET))
        return;
    char buf[64];
    CHECK(t->usec >= 0 && t->usec <= 999999, "usec %d", (int)t->usec);
    CHECK(t->frac_digits <= 6, "frac_digits %u", (unsigned)t->frac_digits);
    CHECK(t->off_min > -24 * 60 && t->off_min < 24 * 60, "offset %d min", (int)t->off_min);
    size_t n = cg_time_format(t, buf, sizeof(buf));
    CHECK(n > 0 && n < 40, "formatted time length %zu", n);
}

CHECK_NOCOV static void check_views(const struct cg_syslog *s, const char *p, size_t n)
{
    const struct cg_str *v[] = {&s->host, &s->app, &s->procid, &s->msgid, &s->msg, &s->tagged_msg};
    for (size_t k = 0; k < CG_ARRAY_LEN(v); k++) {
        check_touch(*v[k]);
        CHECK(check_inside(*v[k], p, n), "view %zu is not inside the line", k);
    }
    CHECK(s->nsd == 0 || s->sd != NULL, "%zu SD params without an array", s->nsd);
    for (size_t i = 0; i < s->nsd; i++) {
        check_touch(s->sd[i].id);
        check_touch(s->sd[i].name);
        check_touch(s->sd[i].value);
        CHECK(check_inside(s->sd[i].id, p, n), "SD-ID is not a view into the line");
        CHECK(check_inside(s->sd[i].name, p, n), "SD param name is not a view into the line");
        CHECK(s->sd[i].value.n <= n, "SD value longer than the line");
        CHECK(check_has_byte(p, n, '\\') || check_inside(s->sd[i].value, p, n),
              "SD value copied although the line has no backslash");
    }
}

CHECK_NOCOV static void check_header(const struct cg_syslog *s, const char *p, size_t n)
{
    CHECK(s->kind == CG_SYSLOG_NONE || s->kind == CG_SYSLOG_RFC3164 || s->kind == CG_SYSLOG_RFC5424,
          "kind %d", (int)s->kind);
    if (s->pri < 0) {
        CHECK(s->pri == -1 && s->facility == -1 && s->severity == -1, "absent PRI %d/%d/%d", s->pri,
              s->facility, s->severity);
    } else {
        CHECK(s->pri <= 191, "PRI %d", s->pri);
        CHECK(s->facility == s->pri / 8 && s->severity == s->pri % 8, "PRI %d as %d/%d", s->pri,
              s->facility, s->severity);
    }
    check_views(s, p, n);
    check_time(&s->time);
    switch (s->kind) {
    case CG_SYSLOG_NONE:
        CHECK(s->msg.p == p && s->msg.n == n, "no header, but MSG is not the whole line");
        CHECK(s->nsd == 0 && s->version == 0, "no header, but SD or VERSION");
        break;
    case CG_SYSLOG_RFC3164:
        CHECK(s->app.n <= CG_SYSLOG_TAG_MAX, "tag of %zu bytes", s->app.n);
        CHECK(s->nsd == 0 && s->version == 0, "RFC 3164 with SD or VERSION");
        CHECK(!s->msg.p || !s->tagged_msg.p ||
                  (s->msg.p >= s->tagged_msg.p &&
                   s->msg.p + s->msg.n <= s->tagged_msg.p + s->tagged_msg.n),
              "MSG is not inside tagged_msg");
        break;
    case CG_SYSLOG_RFC5424:
        CHECK(s->version >= 1, "RFC 5424 VERSION %d", s->version);
        CHECK(!cg_str_is_set(s->tagged_msg), "RFC 5424 with tagged_msg");
        break;
    }
}

CHECK_NOCOV static void decode_one(struct cg_syslog_ctx *c, struct cg_arena *a, const char *p,
                                   size_t n)
{
    struct cg_syslog s;
    cg_syslog_decode(c, p, n, &s, a);
    check_header(&s, p, n);
    cg_arena_reset(a);
}

/* Decodes the input as one line, then as LF-separated lines (CR before LF
 * dropped, as framing.c does). */
CHECK_NOCOV static void run_ctx(struct cg_syslog_ctx *c, const char *p, size_t n,
                                struct cg_arena *a)
{
    decode_one(c, a, p, n);
    if (!check_has_byte(p, n, '\n'))
        return;
    size_t i = 0;
    for (int lines = 0; i < n && lines < MAX_LINES; lines++) {
        const char *lf = memchr(p + i, '\n', n - i);
        size_t end = lf ? (size_t)(lf - p) : n;
        size_t len = end - i;
        if (lf && len > 0 && p[end - 1] == '\r')
            len--;
        decode_one(c, a, p + i, len);
        i = end + 1;
    }
}

CHECK_NOCOV static void check_rfc3339(const char *p, size_t n)
{
    struct cg_time t;
    memset(&t, 0, sizeof(t));
    size_t used = cg_time_parse_rfc3339(p, n, &t);
    CHECK(used <= n, "RFC 3339 parser consumed %zu of %zu bytes", used, n);
    if (used)
        check_time(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct cg_syslog_opts opts[] = {
        {"UTC", CG_YEAR_STREAM, 0, FUZZ_NOW, 0, 0},
        {"+09:00", CG_YEAR_CLOCK, 0, FUZZ_NOW, 0, 0},
        {"Asia/Tokyo", CG_YEAR_STREAM, 2024, FUZZ_NOW, 0, 0},
    };
    const char *p = (const char *)data;
    struct cg_arena a;
    cg_arena_init(&a);
    for (size_t k = 0; k < CG_ARRAY_LEN(opts); k++) {
        struct cg_syslog_ctx c;
        if (cg_syslog_ctx_init(&c, &opts[k]) != CG_OK) {
            CHECK(k == 2, "context %zu did not initialise", k); /* only the tz database may lack */
            continue;
        }
        run_ctx(&c, p, size, &a);
    }
    check_rfc3339(p, size);
    cg_arena_fini(&a);
    return 0;
}
