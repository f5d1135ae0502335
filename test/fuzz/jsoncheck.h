/*
 * jsoncheck.h - strict JSON validator for the fuzz targets.
 *
 * Accepts exactly one RFC 8259 value (whitespace around it allowed) and is
 * stricter than the RFC where json.h promises more:
 *   - strings must be valid UTF-8: no overlongs, no surrogates, nothing above
 *     U+10FFFF, no truncated sequences;
 *   - a \u escape of a surrogate must be a high surrogate followed by a \u low
 *     surrogate (a lone one is not text);
 *   - the keys of one object are unique (compared as written: the writer is
 *     deterministic, so equal keys are written equally);
 *   - nesting is at most JC_MAX_DEPTH deep.
 * On failure *err says what and *at where (byte offset). It never allocates
 * except for the key list of an object, and returns false on allocation failure.
 */
#ifndef CG_FUZZ_JSONCHECK_H
#define CG_FUZZ_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define JC_MAX_DEPTH 64

/* The checker is not under test: keep its branches out of libFuzzer's coverage
 * so the fuzzer steers by the code under test only. */
#if defined(__clang__)
#define JC_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define JC_NOCOV
#endif

struct jc {
    const unsigned char *p;
    size_t n;
    size_t i;
    unsigned depth;
    const char *err;
};

struct jc_span {
    size_t off;
    size_t len;
};

JC_NOCOV static bool jc_value(struct jc *c);

JC_NOCOV static bool jc_fail(struct jc *c, const char *why)
{
    if (!c->err)
        c->err = why;
    return false;
}

JC_NOCOV static void jc_ws(struct jc *c)
{
    while (c->i < c->n &&
           (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
        c->i++;
}

JC_NOCOV static bool jc_lit(struct jc *c, const char *lit)
{
    size_t k = strlen(lit);
    if (c->n - c->i < k || memcmp(c->p + c->i, lit, k) != 0)
        return jc_fail(c, "bad literal");
    c->i += k;
    return true;
}

JC_NOCOV static size_t jc_digits(struct jc *c)
{
    size_t start = c->i;
    while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
        c->i++;
    return c->i - start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
JC_NOCOV static bool jc_number(struct jc *c)
{
    if (c->i < c->n && c->p[c->i] == '-')
        c->i++;
    if (c->i < c->n && c->p[c->i] == '0')
        c->i++;
    else if (jc_digits(c) == 0)
        return jc_fail(c, "bad number");
    if (c->i < c->n && c->p[c->i] == '.') {
        c->i++;
        if (jc_digits(c) == 0)
            return jc_fail(c, "bad fraction");
    }
    if (c->i < c->n && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-'))
            c->i++;
        if (jc_digits(c) == 0)
            return jc_fail(c, "bad exponent");
    }
    return true;
}

JC_NOCOV static int jc_hex4(struct jc *c)
{
    if (c->n - c->i < 4)
        return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char h = c->p[c->i + (size_t)k];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    c->i += 4;
    return v;
}

/* After the backslash of \u: four hex digits, surrogates only as a valid pair. */
JC_NOCOV static bool jc_uescape(struct jc *c)
{
    int u = jc_hex4(c);
    if (u < 0)
        return jc_fail(c, "bad \\u escape");
    if (u >= 0xdc00 && u <= 0xdfff)
        return jc_fail(c, "lone low surrogate");
    if (u < 0xd800 || u > 0xdbff)
        return true;
    if (c->n - c->i < 2 || c->p[c->i] != '\\' || c->p[c->i + 1] != 'u')
        return jc_fail(c, "lone high surrogate");
    c->i += 2;
    int lo = jc_hex4(c);
    if (lo < 0xdc00 || lo > 0xdfff)
        return jc_fail(c, "high surrogate without low");
    return true;
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid (written independently
 * of json.c on purpose: the check must not share the writer's mistakes). */
JC_NOCOV static size_t jc_utf8(const unsigned char *s, size_t n)
{
    unsigned char b = s[0];
    size_t len;
    unsigned cp;
    if (b >= 0xc0 && b <= 0xdf) {
        len = 2;
        cp = b & 0x1fu;
    } else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        cp = b & 0x0fu;
    } else if (b >= 0xf0 && b <= 0xf7) {
        len = 4;
        cp = b & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3fu);
    }
    static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* At the opening quote. */
JC_NOCOV static bool jc_string(struct jc *c)
{
    c->i++;
    while (c->i < c->n) {
        unsigned char b = c->p[c->i];
        if (b == '"') {
            c->i++;
            return true;
        }
        if (b < 0x20)
            return jc_fail(c, "raw control character in string");
        if (b == '\\') {
            if (++c->i >= c->n)
                return jc_fail(c, "truncated escape");
            unsigned char e = c->p[c->i++];
            if (e == 'u') {
                if (!jc_uescape(c))
                    return false;
            } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
                return jc_fail(c, "bad escape");
            }
            continue;
        }
        if (b < 0x80) {
            c->i++;
            continue;
        }
        size_t len = jc_utf8(c->p + c->i, c->n - c->i);
        if (len == 0)
            return jc_fail(c, "invalid UTF-8 in string");
        c->i += len;
    }
    return jc_fail(c, "unterminated string");
}

JC_NOCOV static bool jc_key_dup(const struct jc *c, const struct jc_span *keys, size_t nk)
{
    const struct jc_span *last = &keys[nk - 1];
    for (size_t k = 0; k + 1 < nk; k++)
        if (keys[k].len == last->len &&
            memcmp(c->p + keys[k].off, c->p + last->off, last->len) == 0)
            return true;
    return false;
}

/* Parses the members of an object after '{', recording key spans in *keys. */
JC_NOCOV static bool jc_members(struct jc *c, struct jc_span **keys, size_t *nk, size_t *cap)
{
    for (;;) {
        jc_ws(c);
        if (c->i >= c->n || c->p[c->i] != '"')
            return jc_fail(c, "expected key");
        size_t off = c->i;
        if (!jc_string(c))
            return false;
        if (*nk == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            struct jc_span *nv = realloc(*keys, ncap * sizeof(*nv));
            if (!nv)
                return jc_fail(c, "out of memory");
            *keys = nv;
            *cap = ncap;
        }
        (*keys)[(*nk)++] = (struct jc_span){off, c->i - off};
        if (jc_key_dup(c, *keys, *nk))
            return jc_fail(c, "duplicate key");
        jc_ws(c);
        if (c->i >= c->n || c->p[c->i] != ':')
            return jc_fail(c, "expected ':'");
        c->i++;
        if (!jc_value(c))
            return false;
        jc_ws(c);
        if (c->i < c->n && c->p[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i < c->n && c->p[c->i] == '}') {
            c->i++;
            return true;
        }
        return jc_fail(c, "expected ',' or '}'");
    }
}

JC_NOCOV static bool jc_object(struct jc *c)
{
    c->i++;
    jc_ws(c);
    if (c->i < c->n && c->p[c->i] == '}') {
        c->i++;
        return true;
    }
    struct jc_span *keys = NULL;
    size_t nk = 0, cap = 0;
    bool ok = jc_members(c, &keys, &nk, &cap);
    free(keys);
    return ok;
}

JC_NOCOV static bool jc_array(struct jc *c)
{
    c->i++;
    jc_ws(c);
    if (c->i < c->n && c->p[c->i] == ']') {
        c->i++;
        return true;
    }
    for (;;) {
        if (!jc_value(c))
            return false;
        jc_ws(c);
        if (c->i < c->n && c->p[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i < c->n && c->p[c->i] == ']') {
            c->i++;
            return true;
        }
        return jc_fail(c, "expected ',' or ']'");
    }
}

JC_NOCOV static bool jc_value(struct jc *c)
{
    jc_ws(c);
    if (c->i >= c->n)
        return jc_fail(c, "expected value");
    bool ok;
    switch (c->p[c->i]) {
    case '{':
    case '[':
        if (++c->depth > JC_MAX_DEPTH)
            return jc_fail(c, "nested too deep");
        ok = c->p[c->i] == '{' ? jc_object(c) : jc_array(c);
        c->depth--;
        return ok;
    case '"': return jc_string(c);
    case 't': return jc_lit(c, "true");
    case 'f': return jc_lit(c, "false");
    case 'n': return jc_lit(c, "null");
    default:
        if (c->p[c->i] == '-' || (c->p[c->i] >= '0' && c->p[c->i] <= '9'))
            return jc_number(c);
        return jc_fail(c, "unexpected character");
    }
}

/* True when p/n is exactly one valid JSON value. */
JC_NOCOV static bool cg_json_check(const char *p, size_t n, const char **err, size_t *at)
{
    struct jc c = {(const unsigned char *)p, n, 0, 0, NULL};
    bool ok = jc_value(&c);
    if (ok) {
        jc_ws(&c);
        if (c.i != c.n)
            ok = jc_fail(&c, "trailing bytes after the value");
    }
    if (err)
        *err = ok ? NULL : c.err;
    if (at)
        *at = c.i;
    return ok;
}

/* The validator's own table test, run once by a fuzz target before the first
 * input: a checker that accepts everything would make the target useless. */
JC_NOCOV static bool cg_json_check_selftest(void)
{
    static const struct {
        const char *in;
        bool ok;
    } cases[] = {
        {"{}", true},
        {"{\"a\":1,\"b\":[true,false,null,-0.5e+3,\"x\"]}", true},
        {" {\"k\":\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"} ", true},
        {"{\"k\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", true},
        {"", false},
        {"{", false},
        {"{\"a\":1,}", false},
        {"{\"a\":1}x", false},
        {"{\"a\":1,\"a\":2}", false},
        {"{a:1}", false},
        {"[01]", false},
        {"[1.]", false},
        {"[.5]", false},
        {"[1e]", false},
        {"[tru]", false},
        {"[\"\\x\"]", false},
        {"[\"\\u12\"]", false},
        {"[\"\\ud800\"]", false},
        {"[\"\\udc00\"]", false},
        {"[\"\\ud800\\u0041\"]", false},
        {"[\"a\nb\"]", false},
        {"[\"\xc0\xaf\"]", false},
        {"[\"\xed\xa0\x80\"]", false},
        {"[\"\xf4\x90\x80\x80\"]", false},
        {"[\"\xe2\x82\"]", false},
        {"[\"\x80\"]", false},
        {"[\"\xff\"]", false},
        {"[\"abc]", false},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
        if (cg_json_check(cases[k].in, strlen(cases[k].in), NULL, NULL) != cases[k].ok)
            return false;
    /* Depth bound, both sides of it. */
    char deep[2 * (JC_MAX_DEPTH + 1)];
    memset(deep, '[', JC_MAX_DEPTH);
    memset(deep + JC_MAX_DEPTH, ']', JC_MAX_DEPTH);
    if (!cg_json_check(deep, 2 * JC_MAX_DEPTH, NULL, NULL))
        return false;
    memset(deep, '[', JC_MAX_DEPTH + 1);
    memset(deep + JC_MAX_DEPTH + 1, ']', JC_MAX_DEPTH + 1);
    return !cg_json_check(deep, sizeof(deep), NULL, NULL);
}

#endif
