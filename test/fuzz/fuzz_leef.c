/*
 * fuzz_leef.c - libFuzzer target for the LEEF decoder (leef.h).
 *
 * The input is the text after "LEEF:". It is decoded as a header, whose
 * attributes are then decoded with the delimiter the header chose; the whole
 * input is also decoded as attributes with tab and with '^' as delimiter.
 * LEEF defines no escapes, so every header field, key and value must be a view
 * into the input, keys contain neither the delimiter nor '=', values no
 * delimiter, keys are unique, and the reason is in range.
 * Differential checks: the first five header fields are the first five
 * '|'-separated pieces whatever the bytes; and for attributes in printable
 * ASCII (plus the delimiter) a small reference decoder must agree exactly.
 */
#include "cefguard/arena.h"
#include "cefguard/fields.h"
#include "cefguard/leef.h"

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REF_MAX_FIELDS 1024

enum ref_junk { REF_JUNK_NO, REF_JUNK_YES, REF_JUNK_UNDEFINED };

CHECK_NOCOV static struct cg_str trim_ws(struct cg_str s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* Reference attribute decoder. Returns false where leef.h leaves the outcome
 * open (an attribute with '=' but an empty key), so nothing is compared. */
CHECK_NOCOV static bool ref_attrs(struct cg_str s, char delim, struct cg_fields *f,
                                  enum ref_junk *junk)
{
    *junk = REF_JUNK_NO;
    size_t i = 0;
    while (i <= s.n) {
        const char *d = i < s.n ? memchr(s.p + i, delim, s.n - i) : NULL;
        size_t end = d ? (size_t)(d - s.p) : s.n;
        struct cg_str a = cg_str_make(s.p + i, end - i);
        i = end + 1;
        if (a.n == 0)
            continue;
        const char *eq = memchr(a.p, '=', a.n);
        if (!eq) {
            if (trim_ws(a).n == 0)
                *junk = *junk == REF_JUNK_YES ? REF_JUNK_YES : REF_JUNK_UNDEFINED;
            else
                *junk = REF_JUNK_YES;
            continue;
        }
        struct cg_str key = trim_ws(cg_str_make(a.p, (size_t)(eq - a.p)));
        if (key.n == 0)
            return false;
        struct cg_str val = cg_str_make(eq + 1, (size_t)(a.p + a.n - (eq + 1)));
        CHECK(cg_fields_add(f, key, val) == CG_OK, "oom");
    }
    return true;
}

CHECK_NOCOV static bool printable_or(const char *p, size_t n, char delim)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 || c > 0x7e) && p[i] != delim)
            return false;
    }
    return true;
}

CHECK_NOCOV static void check_attrs(struct cg_str s, char delim, size_t max, struct cg_arena *a)
{
    struct cg_fields f;
    cg_fields_init(&f, max);
    unsigned flags = 0;
    CHECK(cg_leef_decode_attrs(s, delim, &f, a, &flags) == CG_OK, "decode_attrs failed");
    CHECK((flags & ~(unsigned)CG_LEEF_JUNK) == 0, "unknown flags %#x", flags);
    CHECK(f.n <= f.max, "%zu fields over the bound", f.n);
    for (size_t i = 0; i < f.n; i++) {
        struct cg_str k = f.v[i].key, v = f.v[i].val;
        check_touch(k);
        check_touch(v);
        CHECK(k.p != NULL && v.p != NULL, "unset key or value");
        CHECK(check_inside(k, s.p, s.n) && check_inside(v, s.p, s.n),
              "LEEF has no escapes: key and value must be views into the attributes");
        CHECK(!check_has_byte(k.p, k.n, delim) && !check_has_byte(v.p, v.n, delim),
              "delimiter inside an attribute");
        CHECK(!check_has_byte(k.p, k.n, '='), "'=' inside a key");
        for (size_t j = 0; j < i; j++)
            CHECK(!cg_str_eq(f.v[j].key, k), "duplicate key");
    }
    struct cg_fields ref;
    cg_fields_init(&ref, max);
    enum ref_junk junk;
    if (printable_or(s.p, s.n, delim) && ref_attrs(s, delim, &ref, &junk)) {
        CHECK(f.n == ref.n, "%zu attributes, reference %zu", f.n, ref.n);
        for (size_t i = 0; i < f.n; i++) {
            const struct cg_field *g = &f.v[i], *w = &ref.v[i];
            CHECK(cg_str_eq(g->key, w->key) && cg_str_eq(g->val, w->val),
                  "attribute %zu [%.*s]=[%.*s], reference [%.*s]=[%.*s]", i, (int)g->key.n,
                  g->key.p, (int)g->val.n, g->val.p, (int)w->key.n, w->key.p, (int)w->val.n,
                  w->val.p);
        }
        if (junk != REF_JUNK_UNDEFINED)
            CHECK(!!(flags & CG_LEEF_JUNK) == (junk == REF_JUNK_YES), "junk flag %d, reference %d",
                  !!(flags & CG_LEEF_JUNK), junk == REF_JUNK_YES);
    }
    cg_fields_fini(&ref);
    cg_fields_fini(&f);
}

/* The five header fields: the first four end at a '|', the event ID at the next
 * '|' or at the end (a header without attributes, like CEF's without extension).
 * False if there are fewer. */
CHECK_NOCOV static bool split5(const char *p, size_t n, struct cg_str out[5])
{
    size_t i = 0;
    for (int k = 0; k < 5; k++) {
        const char *bar = i < n ? memchr(p + i, '|', n - i) : NULL;
        if (!bar && k < 4)
            return false;
        size_t end = bar ? (size_t)(bar - p) : n;
        out[k] = cg_str_make(p + i, end - i);
        i = end + 1;
    }
    return true;
}

CHECK_NOCOV static void check_header(const struct cg_leef *h, const char *p, size_t n)
{
    const struct cg_str *hdr[5] = {&h->version, &h->vendor, &h->product, &h->product_version,
                                   &h->event_id};
    struct cg_str piece[5];
    CHECK(split5(p, n, piece), "accepted with fewer than five header fields");
    for (int k = 0; k < 5; k++) {
        check_touch(*hdr[k]);
        CHECK(check_inside(*hdr[k], p, n), "header field %d is not a view into the input", k);
    }
    struct cg_str v0 = piece[0];
    while (v0.n > 0 && v0.p[0] == ' ')
        v0.p++, v0.n--; /* "LEEF: 2.0|" as syslog files write it */
    CHECK(h->version.n > 0, "empty version accepted");
    CHECK(cg_str_eq(h->version, piece[0]) || cg_str_eq(h->version, v0), "version [%.*s]",
          (int)h->version.n, h->version.p);
    for (int k = 1; k < 5; k++)
        CHECK(cg_str_eq(*hdr[k], piece[k]), "header field %d [%.*s], expected [%.*s]", k,
              (int)hdr[k]->n, hdr[k]->p, (int)piece[k].n, piece[k].p);
    check_touch(h->attrs);
    CHECK(check_inside(h->attrs, p, n), "attributes are not a view into the input");
    CHECK(h->attrs.n == 0 || h->attrs.p > piece[4].p + piece[4].n,
          "attributes start inside the header");
    if (cg_str_eqz(h->version, "1.0"))
        CHECK(h->delim == '\t', "LEEF 1.0 delimiter %#x", (unsigned char)h->delim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct cg_arena a;
    cg_arena_init(&a);

    struct cg_leef h;
    enum cg_reject r = cg_leef_decode_header(p, size, &h, &a);
    if (r == CG_REJ_NONE) {
        check_header(&h, p, size);
        check_attrs(h.attrs, h.delim, REF_MAX_FIELDS, &a);
    } else {
        CHECK(r == CG_REJ_LEEF_BAD_VERSION || r == CG_REJ_LEEF_TRUNCATED ||
                  r == CG_REJ_LEEF_BAD_DELIM,
              "LEEF reject %d", (int)r);
    }
    cg_arena_reset(&a);
    struct cg_str whole = cg_str_make(p, size);
    check_attrs(whole, '\t', REF_MAX_FIELDS, &a);
    check_attrs(whole, '^', 4, &a);
    cg_arena_fini(&a);
    return 0;
}
