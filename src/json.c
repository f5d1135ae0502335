/* json.c - JSON strings valid for any bytes, and the normalized event writer (json.h).
 *
 * Speed: a string is escaped straight into the buffer, reserved once for its worst case
 * (or a key/value pair's) plus SLACK bytes. The scanner finds the next byte that needs
 * attention (< 0x20, '"', '\', DEL, >= 0x80) 16 bytes at a time with SSE2 and 8 at a time
 * with a word trick on little-endian targets, and copies clean text a block at a time:
 * a block is stored before it is checked, which is what SLACK is for. Input is never
 * read past its length. Elsewhere a byte loop does the same work. */
#include "cefguard/json.h"
#include "cefguard/textutil.h"

#include <stdlib.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define CG_JSON_SSE2 1
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CG_JSON_SWAR 1
#endif

/* Block stores may write up to this many bytes past what a string needs. */
enum { SLACK = 16 };
/* Longest string, or key + value, whose worst case (6 per byte) plus room for quotes,
 * literals and SLACK still fits a size_t; longer ones are CG_ENOMEM. */
#define STR_MAX ((SIZE_MAX - 256) / 6)
/* Room for a quoted string of n <= STR_MAX bytes: every byte can become \u00XX (6). */
#define STR_ROOM(n) ((n)*6 + 2 + SLACK)

/* 0: copy as is; 1: needs a two-char escape or \u00XX; 2: byte >= 0x80 (UTF-8 check). */
static const unsigned char json_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* cg_buf_reserve without the call when there is room already (the common case). */
static inline int room(struct cg_buf *b, size_t extra)
{
    if (CG_LIKELY(b->cap - b->n > extra))
        return CG_OK;
    return cg_buf_reserve(b, extra);
}

/* ---- finding the next byte that needs attention --------------------------------- */

#ifdef CG_JSON_SSE2
/* Bit i set when byte i is < 0x20 or >= 0x80 (signed < 0x20), '"', '\' or DEL. */
static inline unsigned attn16(__m128i v)
{
    __m128i m = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

#ifdef CG_JSON_SWAR
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Bit 7 of byte i is set for the first byte that needs attention; bytes above the
 * first may be flagged wrongly (a borrow or carry moves up, never down), which is
 * harmless because only the lowest flag is used. */
static inline uint64_t attn64(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), bs = x ^ (ONES * '\\');
    uint64_t lt = (x - ONES * 0x20) & ~x; /* < 0x20 */
    uint64_t ge = (x + ONES) | x;         /* >= 0x7f */
    uint64_t zq = (q - ONES) & ~q;        /* == '"' */
    uint64_t zb = (bs - ONES) & ~bs;      /* == '\' */
    return (lt | ge | zq | zb) & HIGHS;
}

static inline uint64_t load64(const unsigned char *s)
{
    uint64_t x;
    memcpy(&x, s, 8);
    return x;
}

/* The r (1..7) bytes at s in the low bytes of a word, zero above; reads only s[0..r). */
static inline uint64_t load_short(const unsigned char *s, size_t r)
{
    if (r >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + r - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (r - 4)); /* overlap ORs equal bytes */
    }
    return (uint64_t)s[0] | (uint64_t)s[r / 2] << (8 * (r / 2)) |
           (uint64_t)s[r - 1] << (8 * (r - 1));
}
#endif

/* Copies the run of bytes needing no attention at the start of s[0..n) to o and returns
 * its length. Stores max(n, 8) bytes at o at most, past the run when it stops early;
 * STR_ROOM covers that. A last partial block is loaded to end at s + n, overlapping
 * bytes already found clean: o holds the same bytes there, so storing them again
 * changes nothing, and they raise no flag. */
static inline size_t copy_clean(char *o, const unsigned char *s, size_t n)
{
    size_t i = 0;
#ifdef CG_JSON_SSE2
    if (n >= 16) {
        for (; n - i >= 16; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            _mm_storeu_si128((__m128i *)(void *)(o + i), v);
            unsigned m = attn16(v);
            if (m)
                return i + (unsigned)__builtin_ctz(m);
        }
        if (i == n)
            return n;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(void *)(o + n - 16), v);
        unsigned m = attn16(v);
        return m ? n - 16 + (unsigned)__builtin_ctz(m) : n;
    }
#endif
#ifdef CG_JSON_SWAR
    if (n >= 8) {
        for (; n - i >= 8; i += 8) {
            uint64_t x = load64(s + i);
            memcpy(o + i, &x, 8);
            uint64_t m = attn64(x);
            if (m)
                return i + (unsigned)__builtin_ctzll(m) / 8;
        }
        if (i == n)
            return n;
        uint64_t x = load64(s + n - 8);
        memcpy(o + n - 8, &x, 8);
        uint64_t m = attn64(x);
        return m ? n - 8 + (unsigned)__builtin_ctzll(m) / 8 : n;
    }
    if (n == 0)
        return 0;
    uint64_t x = load_short(s, n);
    memcpy(o, &x, 8);
    /* Byte n is zero padding, a control byte: flagged, it ends the run at n at most. */
    return (unsigned)__builtin_ctzll(attn64(x)) / 8;
#else
    for (; i < n && json_class[s[i]] == 0; i++)
        o[i] = (char)s[i];
    return i;
#endif
}

/* ---- the escaper ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the lead byte at s
 * does not start a valid, shortest-form, non-surrogate sequence <= U+10FFFF. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (c == 0xed && s[1] >= 0xa0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xf4 && s[1] >= 0x90)
            return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/* Writes the escape of control character, '"', '\' or DEL c; returns the new end. */
static char *put_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    static const char two[0x60] = {['"'] = '"',  ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
                                   ['\t'] = 't', ['\b'] = 'b',  ['\f'] = 'f'};
    o[0] = '\\';
    if (c < sizeof(two) && two[c]) {
        o[1] = two[c];
        return o + 2;
    }
    memcpy(o + 1, "u00", 3);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 15];
    return o + 6;
}

/* Copies the run of bytes >= 0x80 at s[0..n), n >= 1 and s[0] >= 0x80: valid UTF-8 as
 * is, each byte that does not start a valid sequence as U+FFFD (counted in *bad). Sets
 * *used to the bytes read, at least one. */
static char *put_utf8_run(char *o, const unsigned char *s, size_t n, size_t *used, size_t *bad)
{
    size_t i = 0;
    do {
        size_t l = utf8_valid_len(s + i, n - i);
        if (l) {
            for (size_t k = 0; k < l; k++)
                o[k] = (char)s[i + k];
            o += l;
            i += l;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            (*bad)++;
            i++;
        }
    } while (i < n && s[i] >= 0x80);
    *used = i;
    return o;
}

/* Writes s[0..n) as a quoted JSON string at o, which has STR_ROOM(n) bytes; returns
 * the new end. */
static char *put_quoted(char *o, const char *p, size_t n, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    *o++ = '"';
    while (i < n) { /* s may be NULL when n == 0 */
        size_t k = copy_clean(o, s + i, n - i);
        o += k;
        i += k;
        if (i >= n)
            break;
        if (json_class[s[i]] == 1) {
            o = put_escape(o, s[i]);
            i++;
        } else {
            o = put_utf8_run(o, s + i, n - i, &k, bad);
            i += k;
        }
    }
    *o++ = '"';
    return o;
}

int cg_json_put_str(struct cg_buf *b, const char *p, size_t n, size_t *bad_utf8)
{
    if (n > STR_MAX || room(b, STR_ROOM(n)) != CG_OK)
        return CG_ENOMEM;
    size_t bad = 0;
    b->n = (size_t)(put_quoted(b->p + b->n, p, n, &bad) - b->p);
    if (bad_utf8)
        *bad_utf8 += bad;
    return CG_OK;
}

int cg_json_put_strv(struct cg_buf *b, struct cg_str s, size_t *bad_utf8)
{
    if (!s.p)
        return cg_buf_put(b, "null", 4);
    return cg_json_put_str(b, s.p, s.n, bad_utf8);
}

/* Decimal digits of v at o; returns the new end. */
static char *put_u64(char *o, uint64_t v)
{
    return o + cg_fmt_u64(o, v);
}

int cg_json_put_u64(struct cg_buf *b, uint64_t v)
{
    if (room(b, 20) != CG_OK)
        return CG_ENOMEM;
    b->n = (size_t)(put_u64(b->p + b->n, v) - b->p);
    return CG_OK;
}

/* ---- the normalized event ----------------------------------------------------------- */

/* Appends the constant lit of ln bytes; inline so that the copy is a few moves. */
static inline int put_lit(struct cg_buf *b, const char *lit, size_t ln)
{
    if (room(b, ln) != CG_OK)
        return CG_ENOMEM;
    memcpy(b->p + b->n, lit, ln);
    b->n += ln;
    return CG_OK;
}
#define PUT_LIT(b, lit) put_lit(b, lit, sizeof(lit) - 1)

/* Appends the constant lit (ln bytes, e.g. ,"key":) and then s as a string or null.
 * Inline so that ln is a constant and the copy of lit a few moves. */
static inline int put_lit_str(struct cg_buf *b, const char *lit, size_t ln, struct cg_str s,
                              size_t *bad)
{
    size_t n = s.p ? s.n : 0;
    if (n > STR_MAX || room(b, ln + STR_ROOM(n)) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    memcpy(o, lit, ln);
    o += ln;
    if (s.p) {
        o = put_quoted(o, s.p, s.n, bad);
    } else {
        memcpy(o, "null", 4);
        o += 4;
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}
#define PUT_LIT_STR(b, lit, s, bad) put_lit_str(b, lit, sizeof(lit) - 1, s, bad)

/* Appends the constant lit and then v, or null when v < 0. */
static inline int put_lit_int(struct cg_buf *b, const char *lit, size_t ln, int v)
{
    if (room(b, ln + 20) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    memcpy(o, lit, ln);
    o += ln;
    if (v < 0) {
        memcpy(o, "null", 4);
        o += 4;
    } else {
        o = put_u64(o, (uint64_t)v);
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}
#define PUT_LIT_INT(b, lit, v) put_lit_int(b, lit, sizeof(lit) - 1, v)

/* Appends the constant lit and then the time as a string, or null when unset. */
static int put_lit_time(struct cg_buf *b, const char *lit, size_t ln, const struct cg_time *t)
{
    enum { TS = 48 }; /* cg_time_format needs >= 40 and writes a NUL */
    if (room(b, ln + TS + 2) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    memcpy(o, lit, ln);
    o += ln;
    size_t tn = cg_time_format(t, o + 1, TS);
    if (tn) {
        o[0] = '"';
        o[tn + 1] = '"';
        o += tn + 2;
    } else {
        memcpy(o, "null", 4);
        o += 4;
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}
#define PUT_LIT_TIME(b, lit, t) put_lit_time(b, lit, sizeof(lit) - 1, t)

/* Slow path of put_fields, for objects with a key that is not valid UTF-8: keys are
 * unique as bytes, but two that differ only in invalid bytes render alike (U+FFFD),
 * and a JSON object must not repeat a key. The first rendered key wins; later ones
 * are dropped and counted with the duplicate keys. */
static int put_fields_dedup(struct cg_buf *b, const struct cg_fields *f, size_t *bad, size_t *dup)
{
    size_t *offs = malloc((f->n + 1) * sizeof(*offs)); /* rendered key i: offs[i]..lens[i] */
    size_t *lens = malloc((f->n + 1) * sizeof(*lens));
    size_t nk = 0;
    int rc = offs && lens ? cg_buf_putc(b, '{') : CG_ENOMEM;
    for (size_t i = 0; rc == CG_OK && i < f->n; i++) {
        size_t mark = b->n;
        if (nk)
            rc = cg_buf_putc(b, ',');
        size_t kstart = b->n, kbad = 0;
        if (rc == CG_OK)
            rc = cg_json_put_str(b, f->v[i].key.p, f->v[i].key.n, &kbad);
        size_t klen = b->n - kstart;
        bool seen = false;
        for (size_t j = 0; rc == CG_OK && !seen && j < nk; j++)
            seen = lens[j] == klen && memcmp(b->p + offs[j], b->p + kstart, klen) == 0;
        if (seen) {
            b->n = mark;
            (*dup)++;
            continue;
        }
        offs[nk] = kstart;
        lens[nk++] = klen;
        if (bad)
            *bad += kbad;
        if (rc == CG_OK)
            rc = cg_buf_putc(b, ':');
        if (rc == CG_OK)
            rc = cg_json_put_str(b, f->v[i].val.p, f->v[i].val.n, bad);
    }
    free(offs);
    free(lens);
    return rc == CG_OK ? cg_buf_putc(b, '}') : rc;
}

/* Writes "key":"value" (with a leading comma unless first), one reservation per pair. */
static int put_field(struct cg_buf *b, const struct cg_field *fv, bool first, size_t *kbad,
                     size_t *vbad)
{
    size_t kn = fv->key.n, vn = fv->val.n;
    if (kn > STR_MAX / 2 || vn > STR_MAX / 2 || room(b, 2 + STR_ROOM(kn + vn)) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    if (!first)
        *o++ = ',';
    o = put_quoted(o, fv->key.p, kn, kbad);
    *o++ = ':';
    o = put_quoted(o, fv->val.p, vn, vbad);
    b->n = (size_t)(o - b->p);
    return CG_OK;
}

/* ,"fields":{...}, one reservation per pair; keys that are not valid UTF-8 take the
 * slow path. */
static int put_fields(struct cg_buf *b, const struct cg_fields *f, size_t *bad, size_t *dup)
{
    size_t start = b->n, kbad = 0, vbad = 0;
    int rc = PUT_LIT(b, ",\"fields\":{");
    for (size_t i = 0; rc == CG_OK && i < f->n; i++)
        rc = put_field(b, &f->v[i], i == 0, &kbad, &vbad);
    if (rc == CG_OK && kbad) { /* rare: start over on the slow path */
        b->n = start;
        rc = PUT_LIT(b, ",\"fields\":");
        return rc ? rc : put_fields_dedup(b, f, bad, dup);
    }
    if (bad)
        *bad += kbad + vbad;
    return rc == CG_OK ? PUT_LIT(b, "}") : rc;
}

/* SD as {"SD-ID":{"name":"value",...},...}. Params of one SD-ID are adjacent in
 * sl->sd; a repeated SD-ID (forbidden by RFC 5424) or param name keeps the first. */
static bool sd_seen_id(const struct cg_syslog *sl, size_t upto, struct cg_str id)
{
    for (size_t j = 0; j < upto; j++)
        if (cg_str_eq(sl->sd[j].id, id))
            return true;
    return false;
}

static bool sd_seen_param(const struct cg_syslog *sl, size_t from, size_t upto, struct cg_str name)
{
    for (size_t j = from; j < upto; j++)
        if (cg_str_eq(sl->sd[j].name, name))
            return true;
    return false;
}

static int put_sd(struct cg_buf *b, const struct cg_syslog *sl, size_t *bad)
{
    int rc = cg_buf_putc(b, '{');
    size_t i = 0;
    bool first_id = true;
    while (rc == CG_OK && i < sl->nsd) {
        size_t start = i;
        while (i < sl->nsd && cg_str_eq(sl->sd[i].id, sl->sd[start].id))
            i++;
        if (sd_seen_id(sl, start, sl->sd[start].id))
            continue;
        if (!first_id)
            rc = cg_buf_putc(b, ',');
        first_id = false;
        if (rc == CG_OK)
            rc = cg_json_put_str(b, sl->sd[start].id.p, sl->sd[start].id.n, bad);
        if (rc == CG_OK)
            rc = cg_buf_put(b, ":{", 2);
        bool first = true;
        for (size_t j = start; rc == CG_OK && j < i; j++) {
            if (!sl->sd[j].name.p || sd_seen_param(sl, start, j, sl->sd[j].name))
                continue; /* an SD-ID without params is recorded with an unset name */
            if (!first)
                rc = cg_buf_putc(b, ',');
            first = false;
            if (rc == CG_OK)
                rc = cg_json_put_str(b, sl->sd[j].name.p, sl->sd[j].name.n, bad);
            if (rc == CG_OK)
                rc = cg_buf_putc(b, ':');
            if (rc == CG_OK)
                rc = cg_json_put_str(b, sl->sd[j].value.p, sl->sd[j].value.n, bad);
        }
        if (rc == CG_OK)
            rc = cg_buf_putc(b, '}');
    }
    return rc == CG_OK ? cg_buf_putc(b, '}') : rc;
}

/* ,"syslog":{"format":"..." */
static int put_syslog_head(struct cg_buf *b, enum cg_syslog_kind k)
{
    switch (k) {
    case CG_SYSLOG_RFC3164: return PUT_LIT(b, ",\"syslog\":{\"format\":\"rfc3164\"");
    case CG_SYSLOG_RFC5424: return PUT_LIT(b, ",\"syslog\":{\"format\":\"rfc5424\"");
    case CG_SYSLOG_NONE: break;
    }
    return PUT_LIT(b, ",\"syslog\":{\"format\":\"none\"");
}

/* ,"syslog":{...} */
static int put_syslog(struct cg_buf *b, const struct cg_syslog *sl, size_t *bad)
{
    int rc = put_syslog_head(b, sl->kind);
    rc = rc ? rc : PUT_LIT_INT(b, ",\"pri\":", sl->pri);
    rc = rc ? rc : PUT_LIT_INT(b, ",\"facility\":", sl->facility);
    rc = rc ? rc : PUT_LIT_INT(b, ",\"severity\":", sl->severity);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"app\":", sl->app, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"procid\":", sl->procid, bad);
    if (sl->kind == CG_SYSLOG_RFC5424) {
        rc = rc ? rc : PUT_LIT_STR(b, ",\"msgid\":", sl->msgid, bad);
        rc = rc ? rc : PUT_LIT(b, ",\"sd\":");
        rc = rc ? rc : put_sd(b, sl, bad);
    }
    return rc ? rc : PUT_LIT(b, "}");
}

static inline struct cg_str str_z(const char *z)
{
    return cg_str_make(z, strlen(z));
}

/* Key order is fixed (README.md "Normalized event"); bad counts into a local so the
 * writers need not check for NULL. */
int cg_event_to_json(struct cg_event *ev, struct cg_buf *b, size_t *bad_utf8)
{
    if (cg_event_fields(ev) != CG_OK)
        return CG_ENOMEM;
    size_t nb = 0, *bad = &nb;
    int rc = PUT_LIT_TIME(b, "{\"time\":", &ev->time);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"host\":", ev->sl.host, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"format\":", str_z(cg_format_name(ev->format)), bad);
    if (ev->format == CG_FMT_RAW)
        rc = rc ? rc : PUT_LIT_STR(b, ",\"reason\":", str_z(cg_reject_name(ev->reason)), bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"format_version\":", ev->fmt_version, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"vendor\":", ev->vendor, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"product\":", ev->product, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"product_version\":", ev->product_version, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"event_id\":", ev->event_id, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"name\":", ev->name, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"severity\":", ev->severity, bad);
    cg_event_subject(ev);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"subject\":", ev->subject, bad);
    rc = rc ? rc : PUT_LIT_STR(b, ",\"subject_key\":", ev->subject_key, bad);
    rc = rc ? rc : put_fields(b, &ev->fields, bad, &ev->fields.dup_dropped);
    if (ev->format == CG_FMT_RAW) {
        struct cg_str msg = ev->sl.msg.p ? ev->sl.msg : ev->line;
        rc = rc ? rc : PUT_LIT_STR(b, ",\"message\":", msg, bad);
    }
    rc = rc ? rc : put_syslog(b, &ev->sl, bad);
    rc = rc ? rc : PUT_LIT(b, "}");
    if (bad_utf8)
        *bad_utf8 += nb;
    return rc;
}
