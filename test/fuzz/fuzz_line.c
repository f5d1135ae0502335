/*
 * fuzz_line.c - libFuzzer target for the whole per-line path, as the cefguard
 * executable runs it:
 *   framing (the file source over the input, max_line 4096 so cutting runs too, in
 *   reads of 509 bytes so lines and cut tails cross reads)
 *   -> cg_decode_line -> cg_normalize -> cg_decode_settle (the clock guard) -> cg_event_to_json,
 * plus the whole input once as a single line (a datagram may hold LF and NUL).
 * Rulebases: every *.rulebase of the directory in $CEFGUARD_FUZZ_RULEBASES, if
 * set (test/fuzz/run.sh points it at rules/lognorm); none otherwise.
 *
 * Checked for every line: the event keeps its contract (event.h: format and
 * reason agree, views readable, CEF/LEEF body inside the line, the subject is
 * dvchost/dvc/host, the rulebase's "subject"/host, or the host, and resolving it
 * twice changes nothing); the JSON is one valid object by the strict
 * checker of jsoncheck.h (UTF-8, escapes, unique keys), without a raw newline,
 * starting with "time", written the same twice; and a valid UTF-8 line that was
 * not cut produces no U+FFFD replacement.
 */
#include "cefguard/buf.h"
#include "cefguard/decode.h"
#include "cefguard/event.h"
#include "cefguard/hostaddr.h"
#include "cefguard/json.h"
#include "cefguard/normalize.h"
#include "cefguard/source_file.h"

#include "check.h"
#include "jsoncheck.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1745119254 /* 2025-04-20T03:20:54Z, fixed for reproducible runs */
#define FUZZ_MAX_LINE 4096
#define FUZZ_MAX_FIELDS 256

struct line_ctx {
    struct cg_decoder dec;
    struct cg_event ev;
    struct cg_buf out, again;
};

/* Loaded once and kept for the process: liblognorm itself is not the target. */
static struct cg_normalizer *g_nz;

CHECK_NOCOV static void init_once(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    CHECK(cg_json_check_selftest(), "the JSON checker accepts bad JSON or rejects good JSON");
    const char *dir = getenv("CEFGUARD_FUZZ_RULEBASES");
    if (!dir || !*dir)
        return;
    struct cg_buf err;
    cg_buf_init(&err);
    g_nz = cg_normalizer_new();
    CHECK(g_nz != NULL, "out of memory");
    int rc = cg_normalizer_load_dir(g_nz, dir, &err);
    CHECK(rc == CG_OK, "rulebases in %s did not load (%d): %s", dir, rc, cg_buf_cstr(&err));
    cg_buf_fini(&err);
}

CHECK_NOCOV static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = jc_utf8(s + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

/* Runs before anything else decodes the fields: cg_event_subject must do it itself. */
CHECK_NOCOV static void check_subject(struct cg_event *ev)
{
    cg_event_subject(ev);
    struct cg_str subject = ev->subject, key0 = ev->subject_key;
    cg_event_subject(ev);
    CHECK(ev->subject.p == subject.p && ev->subject.n == subject.n && ev->subject_key.p == key0.p,
          "a second cg_event_subject changed the subject");
    check_touch(ev->subject);
    check_touch(ev->subject_key);
    CHECK(!ev->subject.p || ev->subject_key.p, "subject without subject_key");
    /* event.h / subject.c: only an ok (or ambiguous) subject is a valid host name or
     * address, and never the syslog host; a fallback is exactly the syslog host; the
     * per-vendor order is left to the unit tests (test_subject.c). */
    enum cg_subject_status st = ev->subject_status;
    bool valid = cg_hostaddr_check(ev->subject) != CG_HOSTADDR_NONE;
    CHECK(st < CG_SUBJ_MAX, "subject status %d", (int)st);
    CHECK((st != CG_SUBJ_OK && st != CG_SUBJ_AMBIGUOUS) ||
              (valid && !cg_str_eqz(ev->subject_key, "host")),
          "subject [%.*s] is %s but no valid host from a field", (int)ev->subject.n,
          ev->subject.p ? ev->subject.p : "", cg_subject_status_name(st));
    CHECK(st != CG_SUBJ_FALLBACK || (ev->sl.host.n && cg_str_eq(ev->subject, ev->sl.host) &&
                                     cg_str_eqz(ev->subject_key, "host")),
          "fallback subject is not the syslog host");
    CHECK(st != CG_SUBJ_MISSING || (!ev->subject.p && !ev->sl.host.n), "missing subject is set");
    CHECK(st != CG_SUBJ_INVALID || (ev->subject.n && !valid), "invalid subject [%.*s]",
          (int)ev->subject.n, ev->subject.p ? ev->subject.p : "");
}
CHECK_NOCOV static void check_event(struct cg_event *ev, const char *p, size_t n)
{
    CHECK(ev->line.p == p && ev->line.n == n, "event line is not the input line");
    CHECK(ev->format < CG_FMT_MAX, "format %d", (int)ev->format);
    CHECK(ev->reason < CG_REJ_MAX, "reason %d", (int)ev->reason);
    CHECK((ev->format == CG_FMT_RAW) == (ev->reason != CG_REJ_NONE), "format %s with reason %s",
          cg_format_name(ev->format), cg_reject_name(ev->reason));
    CHECK((ev->flags & ~(unsigned)(CG_EV_BAD_ESCAPE | CG_EV_EXT_JUNK | CG_EV_TRUNCATED |
                                   CG_EV_TIME_OUTLIER | CG_EV_TIME_JUMP)) == 0,
          "unknown flags %#x", ev->flags);
    /* The clock guard judges only decoded events with a stamp, and gives one verdict. */
    unsigned tg = ev->flags & (CG_EV_TIME_OUTLIER | CG_EV_TIME_JUMP);
    CHECK(!tg || (tg != (CG_EV_TIME_OUTLIER | CG_EV_TIME_JUMP) && ev->format != CG_FMT_RAW &&
                  (ev->time.flags & CG_TIME_SET)),
          "clock flags %#x on a %s event", tg, cg_format_name(ev->format));
    const struct cg_str *v[] = {&ev->fmt_version, &ev->vendor, &ev->product, &ev->product_version,
                                &ev->event_id,    &ev->name,   &ev->severity};
    for (size_t k = 0; k < CG_ARRAY_LEN(v); k++)
        check_touch(*v[k]);
    if (ev->format == CG_FMT_CEF || ev->format == CG_FMT_LEEF) {
        CHECK(cg_str_is_set(ev->fmt_version), "CEF/LEEF without a version");
        check_touch(ev->body);
        CHECK(check_inside(ev->body, p, n), "body is not a view into the line");
    }
    check_subject(ev);
    CHECK(cg_event_fields(ev) == CG_OK, "field decoding failed");
    for (size_t i = 0; i < ev->fields.n; i++) {
        check_touch(ev->fields.v[i].key);
        check_touch(ev->fields.v[i].val);
    }
}

CHECK_NOCOV static void check_json(struct line_ctx *lc, const char *p, size_t n, bool cut)
{
    size_t bad = 0, bad2 = 0;
    cg_buf_clear(&lc->out);
    CHECK(cg_event_to_json(&lc->ev, &lc->out, &bad) == CG_OK, "cg_event_to_json failed");
    const char *err = NULL;
    size_t at = 0;
    bool ok = cg_json_check(lc->out.p, lc->out.n, &err, &at);
    CHECK(ok, "invalid JSON (%s at byte %zu): %.*s", err, at, (int)lc->out.n, lc->out.p);
    CHECK(!check_has_byte(lc->out.p, lc->out.n, '\n'), "raw newline in the JSON line");
    CHECK(lc->out.n > 8 && memcmp(lc->out.p, "{\"time\":", 8) == 0,
          "JSON does not start with time");
    if (!cut && utf8_valid((const unsigned char *)p, n))
        CHECK(bad == 0, "%zu bytes replaced although the line is valid UTF-8", bad);
    cg_buf_clear(&lc->again);
    CHECK(cg_event_to_json(&lc->ev, &lc->again, &bad2) == CG_OK, "second cg_event_to_json failed");
    CHECK(lc->again.n == lc->out.n && memcmp(lc->again.p, lc->out.p, lc->out.n) == 0 && bad == bad2,
          "JSON differs when written twice");
}

CHECK_NOCOV static void run_line(struct line_ctx *lc, const char *p, size_t n, bool cut)
{
    cg_event_reset(&lc->ev);
    cg_decode_line(&lc->dec, p, n, &lc->ev);
    if (cut)
        lc->ev.flags |= CG_EV_TRUNCATED; /* as the pipeline marks it */
    cg_normalize(g_nz, &lc->ev);
    cg_decode_settle(&lc->dec, &lc->ev, 0); /* the clock guard, as the pipeline runs it */
    check_event(&lc->ev, p, n);
    check_json(lc, p, n, cut);
}

struct framed_ctx {
    struct line_ctx *lc;
    uint64_t lines;
    int ends;
};

CHECK_NOCOV static int framed_line(void *ctx, struct cg_source *s, const struct cg_frame *f)
{
    struct framed_ctx *fc = ctx;
    CHECK(f->bytes.n <= FUZZ_MAX_LINE, "framed line of %zu bytes", f->bytes.n);
    CHECK(!check_has_byte(f->bytes.p, f->bytes.n, '\n'), "LF inside a framed line");
    CHECK(f->seq == ++fc->lines, "frame %llu numbered %llu", (unsigned long long)fc->lines,
          (unsigned long long)f->seq);
    run_line(fc->lc, f->bytes.p, f->bytes.n, f->cut);
    return CG_OK;
}

CHECK_NOCOV static int framed_sync(void *ctx, struct cg_source *s)
{
    return CG_OK;
}

CHECK_NOCOV static void framed_end(void *ctx, struct cg_source *s, int rc)
{
    struct framed_ctx *fc = ctx;
    fc->ends++;
    CHECK(rc == CG_OK, "file source error %d", rc);
}

/* Feeds the input through the real file source via an in-memory file, made once per
 * process and rewritten for each input. */
CHECK_NOCOV static void run_framed(struct line_ctx *lc, const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[32];
    if (fd < 0) {
        fd = memfd_create("fuzz_line", 0);
        CHECK(fd >= 0, "memfd_create failed");
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0, "memfd reset failed");
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        CHECK(w > 0, "write to memfd failed");
        off += (size_t)w;
    }

    struct framed_ctx fc = {lc, 0, 0};
    const struct cg_source_env env = {&fc, NULL, framed_line, framed_sync, framed_end};
    const char *paths[] = {path};
    const struct cg_source_file_conf conf = {paths, 1, FUZZ_MAX_LINE, 509};
    struct cg_source s = {.ops = &cg_source_file_ops, .env = &env};
    CHECK(s.ops->init(&s, &conf) == CG_OK, "out of memory");
    CHECK(s.ops->start(&s) == CG_OK, "file source did not start");
    CHECK(fc.ends == 1, "the file source ended %d times", fc.ends);
    s.ops->fini(&s);
}

/* Framing changes nothing for a short input without LF or trailing CR: the
 * single-line pass has run it already. */
CHECK_NOCOV static bool framing_matters(const uint8_t *data, size_t size)
{
    return size > FUZZ_MAX_LINE || check_has_byte(data, size, '\n') ||
           (size > 0 && data[size - 1] == '\r');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    static const struct cg_syslog_opts opts = {"UTC", CG_YEAR_STREAM, 2025, FUZZ_NOW, 0, 0};
    struct line_ctx lc;
    CHECK(cg_decoder_init(&lc.dec, &opts) == CG_OK, "decoder init failed");
    cg_event_init(&lc.ev, FUZZ_MAX_FIELDS);
    cg_buf_init(&lc.out);
    cg_buf_init(&lc.again);

    run_line(&lc, (const char *)data, size, false);
    if (framing_matters(data, size))
        run_framed(&lc, data, size);

    cg_buf_fini(&lc.again);
    cg_buf_fini(&lc.out);
    cg_event_fini(&lc.ev);
    cg_decoder_fini(&lc.dec);
    return 0;
}
