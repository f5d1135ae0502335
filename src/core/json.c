/* json.c - JSON strings valid for any bytes (json.h).
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

#define SLACK CG_JSON_SLACK
#define STR_MAX CG_JSON_STR_MAX
#define STR_ROOM(n) CG_JSON_STR_ROOM(n)

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

/* The rest of a string from s[i], i < n, the byte at i needing attention; o is where it
 * goes. Out of line: most strings need none, and they should not pay for its frame. */
static __attribute__((noinline)) char *write_str_rest(char *o, const unsigned char *s, size_t n,
                                                      size_t i, size_t *bad)
{
    for (;;) {
        size_t k;
        if (json_class[s[i]] == 1) {
            o = put_escape(o, s[i]);
            i++;
        } else {
            o = put_utf8_run(o, s + i, n - i, &k, bad);
            i += k;
        }
        if (i >= n)
            break;
        k = copy_clean(o, s + i, n - i);
        o += k;
        i += k;
        if (i >= n)
            break;
    }
    *o++ = '"';
    return o;
}

char *cg_json_write_str(char *o, const char *p, size_t n, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)p;
    *o++ = '"';
    size_t k = n ? copy_clean(o, s, n) : 0; /* s may be NULL when n == 0 */
    if (k == n) {
        o[n] = '"';
        return o + n + 1;
    }
    return write_str_rest(o + k, s, n, k, bad);
}

int cg_json_put_str(struct cg_buf *b, const char *p, size_t n, size_t *bad_utf8)
{
    if (n > STR_MAX || cg_buf_reserve(b, STR_ROOM(n)) != CG_OK)
        return CG_ENOMEM;
    size_t bad = 0;
    b->n = (size_t)(cg_json_write_str(b->p + b->n, p, n, &bad) - b->p);
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
    if (cg_buf_reserve(b, 20) != CG_OK)
        return CG_ENOMEM;
    b->n = (size_t)(put_u64(b->p + b->n, v) - b->p);
    return CG_OK;
}
