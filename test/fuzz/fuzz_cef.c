/*
 * fuzz_cef.c - libFuzzer target for the CEF decoder (cef.h).
 *
 * The input is the text after "CEF:". Each input is decoded three ways:
 *   1. cg_cef_decode_header(), then cg_cef_decode_ext() of the extension it found;
 *   2. cg_cef_decode_ext() of the whole input, as if it all were an extension;
 *   3. the same with a field bound of 4, to drive the limit path.
 * Always checked: every view is readable (ASan), views that needed no rewriting
 * point into the input, the reject reason is in range, keys are non-empty and
 * made of key characters, keys are unique.
 * Differential check: for printable-ASCII input without a backslash the CEF
 * specification (as written in cef.h) leaves no choice, so a small reference
 * decoder below must agree exactly with the real one, header and fields.
 */
#include "cefguard/arena.h"
#include "cefguard/cef.h"
#include "cefguard/fields.h"

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REF_MAX_FIELDS 1024

CHECK_NOCOV static bool is_key_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ',' || c == '-' || c == '[' || c == ']';
}

/* ---- reference decoder: printable ASCII, no backslash ---------------------- */

struct ref_cef {
    bool ok;
    struct cg_str hdr[7]; /* version .. severity */
    struct cg_str ext;
};

CHECK_NOCOV static bool ref_version_ok(struct cg_str v)
{
    size_t i = 0, d1 = 0, d2 = 0;
    while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
        i++, d1++;
    if (i < v.n && v.p[i] == '.') {
        i++;
        while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
            i++, d2++;
        if (d2 == 0)
            return false;
    }
    return d1 > 0 && i == v.n;
}

CHECK_NOCOV static struct cg_str trim_spaces(struct cg_str s)
{
    while (s.n > 0 && s.p[0] == ' ')
        s.p++, s.n--;
    while (s.n > 0 && s.p[s.n - 1] == ' ')
        s.n--;
    return s;
}

CHECK_NOCOV static void ref_header(const char *p, size_t n, struct ref_cef *r)
{
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++; /* "CEF: 0|" as syslog files write it */
    r->ok = false;
    for (int k = 0; k < 7; k++) {
        const char *bar = memchr(p + i, '|', n - i);
        size_t end = bar ? (size_t)(bar - p) : n;
        r->hdr[k] = cg_str_make(p + i, end - i);
        if (!bar) {
            if (k < 6)
                return; /* fewer than 7 fields */
            i = n;
            break;
        }
        i = end + 1;
    }
    r->ext = trim_spaces(cg_str_make(p + i, n - i));
    r->ok = ref_version_ok(r->hdr[0]);
}

/* A key starts at j when j is the start or follows a space, and key characters
 * run up to an '='. Returns the key length, 0 if no key starts at j. */
CHECK_NOCOV static size_t ref_key_at(struct cg_str e, size_t j)
{
    if (j > 0 && e.p[j - 1] != ' ')
        return 0;
    size_t k = j;
    while (k < e.n && is_key_char((unsigned char)e.p[k]))
        k++;
    return k > j && k < e.n && e.p[k] == '=' ? k - j : 0;
}

/* Fills f with the reference fields of extension e; returns whether text before
 * the first key was dropped (CG_CEF_EXT_JUNK). */
CHECK_NOCOV static bool ref_ext(struct cg_str e, struct cg_fields *f)
{
    size_t j = 0, klen = 0;
    while (j < e.n && (klen = ref_key_at(e, j)) == 0)
        j++;
    bool junk = false;
    for (size_t t = 0; t < j; t++)
        if (e.p[t] != ' ')
            junk = true;
    while (j < e.n) {
        struct cg_str key = cg_str_make(e.p + j, klen);
        size_t vstart = j + klen + 1, next = vstart, nklen = 0;
        while (next < e.n && (nklen = ref_key_at(e, next)) == 0)
            next++;
        size_t vend = next;
        if (next < e.n)
            vend--; /* the one space before the next key separates */
        else
            while (vend > vstart && e.p[vend - 1] == ' ')
                vend--; /* trailing whitespace ends the last value */
        CHECK(cg_fields_add(f, key, cg_str_make(e.p + vstart, vend - vstart)) == CG_OK, "oom");
        j = next;
        klen = nklen;
    }
    return junk;
}

/* ---- checks --------------------------------------------------------------- */

CHECK_NOCOV static void check_fields(const struct cg_fields *f, struct cg_str ext)
{
    bool has_bs = check_has_byte(ext.p, ext.n, '\\');
    CHECK(f->n <= f->max, "%zu fields over the bound %zu", f->n, f->max);
    for (size_t i = 0; i < f->n; i++) {
        struct cg_str k = f->v[i].key, v = f->v[i].val;
        check_touch(k);
        check_touch(v);
        CHECK(k.p && k.n > 0, "empty key at %zu", i);
        CHECK(v.p != NULL, "unset value for key %zu", i);
        for (size_t c = 0; c < k.n; c++)
            CHECK(is_key_char((unsigned char)k.p[c]), "bad key byte 0x%02x", (unsigned char)k.p[c]);
        CHECK(check_inside(k, ext.p, ext.n), "key is not a view into the extension");
        CHECK(v.n <= ext.n, "value longer than its extension");
        CHECK(has_bs || check_inside(v, ext.p, ext.n),
              "value copied although the extension has no backslash");
        for (size_t j = 0; j < i; j++)
            CHECK(!cg_str_eq(f->v[j].key, k), "duplicate key %.*s", (int)k.n, k.p);
    }
}

CHECK_NOCOV static void check_same_fields(const struct cg_fields *got, const struct cg_fields *want,
                                          struct cg_str ext)
{
    CHECK(got->n == want->n, "%zu fields, reference has %zu, ext [%.*s]", got->n, want->n,
          (int)ext.n, ext.p);
    for (size_t i = 0; i < got->n; i++) {
        const struct cg_field *g = &got->v[i], *w = &want->v[i];
        CHECK(cg_str_eq(g->key, w->key), "key %zu [%.*s], reference [%.*s]", i, (int)g->key.n,
              g->key.p, (int)w->key.n, w->key.p);
        CHECK(cg_str_eq(g->val, w->val), "value of %.*s [%.*s], reference [%.*s]", (int)g->key.n,
              g->key.p, (int)g->val.n, g->val.p, (int)w->val.n, w->val.p);
    }
}

/* Decodes ext into a fresh list of bound max and checks it; with exact set,
 * also against the reference decoder. */
CHECK_NOCOV static void run_ext(struct cg_str ext, size_t max, bool exact, struct cg_arena *a)
{
    struct cg_fields f, ref;
    cg_fields_init(&f, max);
    unsigned flags = 0;
    CHECK(cg_cef_decode_ext(ext, &f, a, &flags) == CG_OK, "decode_ext failed");
    CHECK((flags & ~(unsigned)(CG_CEF_BAD_ESCAPE | CG_CEF_EXT_JUNK)) == 0, "unknown flags %#x",
          flags);
    check_fields(&f, ext);
    if (!check_has_byte(ext.p, ext.n, '\\'))
        CHECK(!(flags & CG_CEF_BAD_ESCAPE), "bad escape flagged without a backslash");
    if (exact) {
        cg_fields_init(&ref, max);
        bool junk = ref_ext(ext, &ref);
        check_same_fields(&f, &ref, ext);
        CHECK(f.dup_dropped == ref.dup_dropped, "dup_dropped %u, reference %u", f.dup_dropped,
              ref.dup_dropped);
        CHECK(junk == !!(flags & CG_CEF_EXT_JUNK), "ext_junk flag %d, reference %d",
              !!(flags & CG_CEF_EXT_JUNK), junk);
        cg_fields_fini(&ref);
    }
    cg_fields_fini(&f);
}

CHECK_NOCOV static void check_header(const struct cg_cef *h, const uint8_t *data, size_t size,
                                     bool exact)
{
    const struct cg_str *hdr[7] = {&h->version,  &h->vendor, &h->product, &h->product_version,
                                   &h->event_id, &h->name,   &h->severity};
    bool has_bs = check_has_byte(data, size, '\\');
    for (int k = 0; k < 7; k++) {
        check_touch(*hdr[k]);
        CHECK(hdr[k]->n <= size, "header field %d longer than the input", k);
        CHECK(has_bs || check_inside(*hdr[k], data, size),
              "header field %d copied although the input has no backslash", k);
    }
    check_touch(h->ext);
    CHECK(check_inside(h->ext, data, size), "raw extension is not a view into the input");
    CHECK(h->ext.n == 0 || (h->ext.p[0] != ' ' && h->ext.p[h->ext.n - 1] != ' '),
          "extension not trimmed");
    CHECK(ref_version_ok(h->version), "accepted version [%.*s]", (int)h->version.n, h->version.p);
    if (!exact)
        return;
    struct ref_cef r;
    ref_header((const char *)data, size, &r);
    CHECK(r.ok, "accepted, but the reference rejects");
    for (int k = 0; k < 7; k++)
        CHECK(cg_str_eq(*hdr[k], r.hdr[k]), "header field %d [%.*s], reference [%.*s]", k,
              (int)hdr[k]->n, hdr[k]->p, (int)r.hdr[k].n, r.hdr[k].p);
    CHECK(cg_str_eq(h->ext, r.ext), "extension [%.*s], reference [%.*s]", (int)h->ext.n, h->ext.p,
          (int)r.ext.n, r.ext.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    bool exact = check_is_printable(data, size) && !check_has_byte(data, size, '\\');
    struct cg_arena a;
    cg_arena_init(&a);

    struct cg_cef h;
    enum cg_reject r = cg_cef_decode_header(p, size, &h, &a);
    CHECK(r < CG_REJ_MAX, "reject reason %d out of range", (int)r);
    if (r == CG_REJ_NONE) {
        check_header(&h, data, size, exact);
        run_ext(h.ext, REF_MAX_FIELDS, exact, &a);
    } else {
        CHECK(r == CG_REJ_CEF_BAD_VERSION || r == CG_REJ_CEF_TRUNCATED, "CEF reject %d", (int)r);
        if (exact) {
            struct ref_cef ref;
            ref_header(p, size, &ref);
            CHECK(!ref.ok, "rejected (%d), but the reference accepts", (int)r);
        }
    }
    cg_arena_reset(&a);
    struct cg_str whole = cg_str_make(p, size);
    run_ext(whole, REF_MAX_FIELDS, exact, &a);
    run_ext(whole, 4, exact, &a);
    cg_arena_fini(&a);
    return 0;
}
