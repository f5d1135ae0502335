/*
 * fuzz_xml.c - libFuzzer target for XML text (src/normalize/xml.h): the "_xmlflat"
 * splitter and the entity decoder.
 *
 * The input is the document after its first '<', as a rule hands it over. splitcheck.h
 * splits it with and without the normalizer's caches and with a field bound, and checks that
 * the results agree and that the fields keep the contract both splitters share (bounded
 * count and keys, keys in the arena, values in the input or the arena, no "subject", no
 * duplicate). Checked here, from xml.h: a leaf's key has no '.', an attribute's one; a value
 * that is a view into the input has no '&' and no '#' (an entity or an rsyslog escape is
 * always decoded into a copy), a leaf's no '<', an attribute's no '"'.
 * Differential: cg_nz_xml_decode of the whole input must give what a reference decoder
 * written from xml.h gives (the five predefined entities, decimal and hexadecimal references
 * of up to 8 digits to legal XML 1.0 characters as UTF-8, everything else verbatim).
 */
#include "normalize/xml.h"

#include "splitcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

CHECK_NOCOV static void check_xml(const struct split_run *r, struct split_input in)
{
    const struct cg_fields *f = &r->ev.fields;
    for (size_t i = 1; i < f->n; i++) {
        struct cg_str k = f->v[i].key, v = f->v[i].val;
        const char *dot = memchr(k.p, '.', k.n);
        CHECK(!dot || !memchr(dot + 1, '.', (size_t)(k.p + k.n - dot - 1)),
              "field %zu: key [%.*s] with two '.'", i, (int)k.n, k.p);
        if (!check_inside(v, in.s, in.n))
            continue;
        CHECK(!check_has_byte(v.p, v.n, '&'), "field %zu [%.*s]: a view with a '&'", i, (int)k.n,
              k.p);
        CHECK(!check_has_byte(v.p, v.n, '#'), "field %zu [%.*s]: a view with a '#'", i, (int)k.n,
              k.p);
        CHECK(!check_has_byte(v.p, v.n, dot ? '"' : '<'), "field %zu [%.*s]: a view with a '%c'", i,
              (int)k.n, k.p, dot ? '"' : '<');
    }
}

/* The UTF-8 of code point cp (<= 0x10ffff) at o; its length. */
CHECK_NOCOV static size_t ref_utf8(uint32_t cp, char *o)
{
    size_t len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t i = len; i-- > 1; cp >>= 6)
        o[i] = (char)(0x80 | (cp & 0x3f));
    o[0] = (char)(len == 1 ? cp : (lead[len] | cp));
    return len;
}

CHECK_NOCOV static int ref_digit(char c, bool hex)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* A reference "&#...;" at s[0..n) (s[0] is '&'): its length and *cp, 0 if it is none. */
CHECK_NOCOV static size_t ref_charref(const char *s, size_t n, uint32_t *cp)
{
    if (n < 4 || s[1] != '#')
        return 0;
    bool hex = s[2] == 'x';
    size_t start = hex ? 3 : 2, i = start;
    uint64_t v = 0;
    for (int d; i < n && i - start < 8 && (d = ref_digit(s[i], hex)) >= 0; i++)
        v = v * (hex ? 16 : 10) + (uint64_t)d;
    if (i == start || i >= n || s[i] != ';')
        return 0;
    bool legal = v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v < 0xd800) ||
                 (v >= 0xe000 && v < 0xfffe) || (v >= 0x10000 && v < 0x110000);
    *cp = (uint32_t)v;
    return legal ? i + 1 : 0;
}

CHECK_NOCOV static size_t ref_decode(const char *s, size_t n, char *o)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    static const char chars[] = "&<>\"'";
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len = s[i] == '&' ? ref_charref(s + i, n - i, &cp) : 0;
        if (len) {
            j += ref_utf8(cp, o + j);
            i += len;
            continue;
        }
        for (size_t e = 0; s[i] == '&' && e < CG_ARRAY_LEN(named) && !len; e++) {
            size_t el = strlen(named[e]);
            if (n - i >= el && memcmp(s + i, named[e], el) == 0) {
                o[j++] = chars[e];
                len = el;
            }
        }
        if (!len)
            o[j++] = s[i], len = 1;
        i += len;
    }
    return j;
}

CHECK_NOCOV static void check_decode(struct split_input in)
{
    static char want[1 << 17];
    struct cg_arena a;
    struct cg_str got;
    if (in.n > sizeof(want))
        return;
    cg_arena_init(&a);
    CHECK(cg_nz_xml_decode(&a, in.s, in.n, &got), "oom");
    size_t wn = ref_decode(in.s, in.n, want);
    CHECK(got.n <= in.n, "decoded %zu bytes from %zu", got.n, in.n);
    CHECK(split_same_str(got, cg_str_make(want, wn)), "decoded [%.*s], want [%.*s]", (int)got.n,
          got.p, (int)wn, want);
    CHECK(got.p != in.s, "the decoded text is not a copy");
    cg_arena_fini(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct split_input in = {size ? (const char *)data : "", size};
    split_all(cg_nz_xml_flatten, in, check_xml);
    check_decode(in);
    return 0;
}
