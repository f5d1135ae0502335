/*
 * cef.c - native ArcSight CEF decoder (rules in cef.h).
 *
 * Both steps are single left-to-right passes over bounded input: nothing is
 * read at or past n, and nothing is copied unless a backslash forces an
 * unescape (then into the arena, at most as many bytes as the raw text).
 *
 * Speed: only a few bytes matter ('|' '\' in the header; ' ' '\' '=' in the
 * extension). Blocks of 16 bytes are turned into bit masks of those bytes
 * (SSE2 where available, a byte loop elsewhere) and the parser jumps from set
 * bit to set bit: ordinary text is skipped 16 bytes at a time. In the extension
 * only '=' and '\' are visited (the space mask tells where the word before an
 * '=' starts), a would-be key is checked 16 bytes at a time, and the fields go
 * into the list through a duplicate filter (fields.h). The header cache skips
 * the start of the header that the lines of a stream repeat (cef.h). Byte-wise
 * loops run only over escaped fields and values.
 *
 * Policies where the specification is silent:
 *   - A space is always a separator candidate, even after a backslash: "\ " is
 *     not a CEF escape, so "cs1=C:\dir\ dst=1.2.3.4" keeps dst as a key and
 *     cs1 ends in a lone backslash (kept, flagged).
 *   - Undefined escapes ("\/", "\t", "\|" in the extension, "\n" in the header)
 *     keep both bytes and set CG_CEF_BAD_ESCAPE; so does a lone trailing
 *     backslash. The line is never rejected for them.
 *   - The version field must be exactly digits[.digits]; spaces around it make
 *     it a bad version ("CEF:0 |" is not CEF as the specification writes it).
 *   - "...|Severity" ending the input: a trailing CR/LF is not part of it.
 *   - If the arena cannot hold an unescaped header field, the raw bytes are
 *     kept (escapes included) and CG_CEF_BAD_ESCAPE is set: the header decode
 *     has no error channel, and the raw text is the most faithful fallback.
 */
#include "cefguard/cef.h"
#include "cefguard/textutil.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define CG_CEF_SSE2 1
#endif

/* ---- block masks ------------------------------------------------------------ */

#define BLOCK 16

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NOINLINE
#define ALWAYS_INLINE inline
#endif

static inline unsigned ctz32(unsigned m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(m);
#else
    unsigned i = 0;
    while (!(m & 1u))
        m >>= 1, i++;
    return i;
#endif
}

#ifdef CG_CEF_SSE2
static inline __m128i load16(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* The 16 bytes that hold p[b..min(b + 16, n)) (b < n), never reading outside
 * [0, n): the block at b; for a short tail the last 16 bytes of the input, with
 * *shift telling how far to shift the masks right so bit 0 is p[b] (the bits
 * past n are then 0); for an input under 16 bytes a NUL-padded copy (NUL is no
 * byte anyone looks for). */
static inline __m128i load_block(const char *p, size_t n, size_t b, unsigned *shift)
{
    *shift = 0;
    if (CG_LIKELY(n - b >= BLOCK))
        return load16(p + b);
    if (n >= BLOCK) {
        *shift = (unsigned)(b + BLOCK - n);
        return load16(p + n - BLOCK);
    }
    char tmp[BLOCK] = {0};
    memcpy(tmp, p + b, n - b);
    return load16(tmp);
}

static inline unsigned eq_mask(__m128i v, char c)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}
#endif

/* Bit j of the result is set when p[b + j] (b + j < n) is '|' or '\', the
 * bytes that end a header field. Requires b < n. */
static inline unsigned hdr_mask(const char *p, size_t n, size_t b)
{
#ifdef CG_CEF_SSE2
    unsigned shift;
    __m128i v = load_block(p, n, b, &shift);
    return (eq_mask(v, '|') | eq_mask(v, '\\')) >> shift;
#else
    size_t end = n - b > BLOCK ? b + BLOCK : n;
    unsigned m = 0;
    for (size_t j = b; j < end; j++)
        m |= (unsigned)(p[j] == '|' || p[j] == '\\') << (j - b);
    return m;
#endif
}

/* Index of the first header stop ('|' or '\') at or after i, or n. */
static size_t find_hdr_stop(const char *p, size_t n, size_t i)
{
    for (; i < n; i += BLOCK) {
        unsigned m = hdr_mask(p, n, i);
        if (m)
            return i + ctz32(m);
    }
    return n;
}

/* ---- header ----------------------------------------------------------------- */

/* Slow path of header_field(): the field at s contains a backslash. Finds its
 * unescaped end, then unescapes "\|" and "\\" into the arena. Returns the end
 * (index of the terminating '|', or n). */
static size_t header_field_escaped(const char *p, size_t n, size_t s, struct cg_str *out,
                                   unsigned *flags, struct cg_arena *a)
{
    size_t e = s;
    while (e < n && p[e] != '|')
        e += (p[e] == '\\' && e + 1 < n) ? 2 : 1;

    char *d = cg_arena_alloc(a, e - s);
    if (!d) {
        *out = cg_str_make(p + s, e - s);
        *flags |= CG_CEF_BAD_ESCAPE;
        return e;
    }
    size_t k = 0;
    for (size_t j = s; j < e; j++) {
        char c = p[j];
        if (c == '\\' && j + 1 < e) {
            char x = p[++j];
            if (x != '|' && x != '\\') {
                d[k++] = '\\'; /* undefined in the header: keep it verbatim */
                *flags |= CG_CEF_BAD_ESCAPE;
            }
            d[k++] = x;
        } else {
            if (c == '\\')
                *flags |= CG_CEF_BAD_ESCAPE; /* lone backslash ending the input */
            d[k++] = c;
        }
    }
    *out = cg_str_make(d, k);
    return e;
}

/* Reads the header field starting at *pos into out and moves *pos past its
 * terminating '|'. Returns false when the field ran to the end of the input
 * instead (then *pos == n). */
static bool header_field(const char *p, size_t n, size_t *pos, struct cg_str *out, unsigned *flags,
                         struct cg_arena *a)
{
    size_t s = *pos, e = find_hdr_stop(p, n, s);
    if (CG_UNLIKELY(e < n && p[e] == '\\'))
        e = header_field_escaped(p, n, s, out, flags, a);
    else
        *out = cg_str_make(p + s, e - s);
    if (e >= n) {
        *pos = n;
        return false;
    }
    *pos = e + 1;
    return true;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Fast path of the header: the '|' ending each field, taken from block masks in
 * one pass over the header. Stops at the first backslash (the caller goes on
 * field by field from there) and at the end of the input. Returns how many of
 * the nf fields it filled, with *pos after the '|' of the last one. */
static ALWAYS_INLINE size_t header_fast(const char *p, size_t n, size_t *pos,
                                        struct cg_str *const *fields, size_t nf)
{
    size_t fi = 0, s = *pos;
    for (size_t b = s; b < n; b += BLOCK) {
        for (unsigned m = hdr_mask(p, n, b); m; m &= m - 1) {
            size_t e = b + ctz32(m);
            if (p[e] == '\\')
                goto out;
            *fields[fi++] = cg_str_make(p + s, e - s);
            s = e + 1;
            if (fi == nf)
                goto out;
        }
    }
out:
    *pos = s;
    return fi;
}

/* Field by field: a memset of the struct compiles to "rep stos", which costs
 * more than the stores. */
static inline void cef_clear(struct cg_cef *out)
{
    out->version = out->vendor = out->product = out->product_version = CG_STR_NULL;
    out->event_id = out->name = out->severity = out->ext = CG_STR_NULL;
    out->flags = 0;
}

/* The version; returns the index after its '|', or 0 with *rej set. */
static size_t header_version(const char *p, size_t n, struct cg_cef *out, enum cg_reject *rej)
{
    *rej = CG_REJ_CEF_BAD_VERSION;
    if (n == 0)
        return 0; /* also keeps p == NULL out of any arithmetic */
    size_t pos = 0;
    while (pos < n && p[pos] == ' ')
        pos++; /* "CEF: 0|..." as syslog files write it */
    size_t ve = pos;
    while (ve < n && p[ve] != '|')
        ve++;
    if (!cg_is_version(p + pos, ve - pos))
        return 0;
    out->version = cg_str_make(p + pos, ve - pos);
    if (ve == n) {
        *rej = CG_REJ_CEF_TRUNCATED;
        return 0;
    }
    return ve + 1;
}

/* The six fields after the version from field i on, at pos, then the extension.
 * *fast: how many fields (counting from vendor) were views without a backslash. */
static ALWAYS_INLINE enum cg_reject header_rest(const char *p, size_t n, size_t pos, size_t i,
                                                struct cg_cef *out, struct cg_arena *a,
                                                size_t *fast)
{
    struct cg_str *const fields[] = {&out->vendor,   &out->product, &out->product_version,
                                     &out->event_id, &out->name,    &out->severity};
    i += header_fast(p, n, &pos, fields + i, CG_ARRAY_LEN(fields) - i);
    *fast = i;
    for (; i < CG_ARRAY_LEN(fields); i++) {
        if (header_field(p, n, &pos, fields[i], &out->flags, a))
            continue;
        if (i + 1 < CG_ARRAY_LEN(fields))
            return CG_REJ_CEF_TRUNCATED;
        struct cg_str *sev = &out->severity; /* "...|Severity" ends the input */
        while (sev->n > 0 && (sev->p[sev->n - 1] == '\r' || sev->p[sev->n - 1] == '\n'))
            sev->n--;
    }

    size_t end = n;
    while (pos < end && (p[pos] == ' ' || p[pos] == '\t'))
        pos++;
    while (end > pos && is_ws(p[end - 1]))
        end--;
    out->ext = cg_str_make(p + pos, end - pos);
    return CG_REJ_NONE;
}

enum cg_reject cg_cef_decode_header(const char *p, size_t n, struct cg_cef *out, struct cg_arena *a)
{
    cef_clear(out);
    enum cg_reject rej;
    size_t pos = header_version(p, n, out, &rej), fast;
    return pos ? header_rest(p, n, pos, 0, out, a, &fast) : rej;
}

void cg_cef_cache_init(struct cg_cef_cache *c)
{
    memset(c, 0, sizeof(*c));
}

/* Offset of the view v into p. */
static size_t off_in(const char *p, struct cg_str v)
{
    return (size_t)(v.p - p);
}

/* Version, vendor, product and product version are decided by the bytes up to
 * the '|' after the product version when none of them holds a backslash (then
 * all four are views found by the fast path): same bytes, same fields. */
enum cg_reject cg_cef_decode_header_cached(const char *p, size_t n, struct cg_cef *out,
                                           struct cg_arena *a, struct cg_cef_cache *c)
{
    cef_clear(out);
    size_t fast;
    for (unsigned k = 0; k < CG_ARRAY_LEN(c->e); k++) {
        size_t len = c->e[k].len;
        if (!len || n < len || memcmp(p, c->e[k].prefix, len) != 0)
            continue;
        const uint8_t *at = c->e[k].at;
        out->version = cg_str_make(p + at[0], (size_t)(at[1] - at[0]));
        out->vendor = cg_str_make(p + at[1] + 1, (size_t)(at[2] - at[1] - 1));
        out->product = cg_str_make(p + at[2] + 1, (size_t)(at[3] - at[2] - 1));
        out->product_version = cg_str_make(p + at[3] + 1, len - at[3] - 2);
        return header_rest(p, n, len, 3, out, a, &fast);
    }
    enum cg_reject rej;
    size_t pos = header_version(p, n, out, &rej);
    if (!pos)
        return rej;
    rej = header_rest(p, n, pos, 0, out, a, &fast);
    if (fast < 3)
        return rej; /* a backslash or the end of the input before the product version */
    size_t len = off_in(p, out->product_version) + out->product_version.n + 1;
    if (len <= CG_CEF_CACHE_MAX) {
        unsigned k = c->next;
        c->next = (k + 1) % CG_ARRAY_LEN(c->e);
        memcpy(c->e[k].prefix, p, len);
        c->e[k].len = (uint8_t)len;
        c->e[k].at[0] = (uint8_t)off_in(p, out->version);
        c->e[k].at[1] = (uint8_t)(pos - 1);
        c->e[k].at[2] = (uint8_t)(off_in(p, out->vendor) + out->vendor.n);
        c->e[k].at[3] = (uint8_t)(off_in(p, out->product) + out->product.n);
    }
    return rej;
}

/* ---- extension -------------------------------------------------------------- */

/* Unescapes a value that contains a backslash into the arena. Returns a view
 * with p == NULL when the arena is out of memory. */
static struct cg_str unescape_value(struct cg_str v, struct cg_arena *a, unsigned *flags)
{
    char *d = cg_arena_alloc(a, v.n);
    if (!d)
        return CG_STR_NULL;
    size_t k = 0, j = 0;
    while (j < v.n) {
        const char *bs = memchr(v.p + j, '\\', v.n - j);
        size_t run = bs ? (size_t)(bs - (v.p + j)) : v.n - j;
        memcpy(d + k, v.p + j, run);
        k += run;
        j += run;
        if (!bs)
            break;
        if (j + 1 == v.n) {
            d[k++] = '\\'; /* lone trailing backslash: kept */
            *flags |= CG_CEF_BAD_ESCAPE;
            break;
        }
        char x = v.p[j + 1];
        j += 2;
        switch (x) {
        case '=':
        case '\\': d[k++] = x; break;
        case 'n': d[k++] = '\n'; break;
        case 'r': d[k++] = '\r'; break;
        default:
            d[k++] = '\\'; /* undefined: keep the sequence as it was */
            d[k++] = x;
            *flags |= CG_CEF_BAD_ESCAPE;
            break;
        }
    }
    return cg_str_make(d, k);
}

/* Key characters [A-Za-z0-9_.,-] plus '[' ']'. The standard names alphanumeric keys;
 * products send more: "ad.Error_,Code" in Windows authentication events forwarded by
 * ArcSight connectors, "ad.field[0]", "cs1-Label". elastic/beats' decode_cef takes
 * alnum, '_', '.', ',', '[' and ']' (cef.rl), logstash-codec-cef's tests keep
 * "ad.Error_,Code" whole. No wider: a word of a value that has ':' '/' '?' '@' before an
 * unescaped '=' ("msg=see http://x/?a=b") stays in the value. */
static const unsigned char key_char[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, /* ',' '-' '.' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0-9 */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* A-O */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, /* P-Z '[' ']' '_' */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* a-o */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* p-z */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80-0xff: data */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
};

#define IS_KEY_CHAR(c) key_char[(unsigned char)(c)]

#ifdef CG_CEF_SSE2
/* Bit j set when byte j of v is not a key character (the table above, in SSE2:
 * unsigned range tests x - lo < len are signed compares of x + 0x80 - lo). */
static inline unsigned nonkey_mask(__m128i v)
{
    __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20)); /* A-Z -> a-z */
    __m128i alpha = _mm_cmplt_epi8(_mm_add_epi8(lower, _mm_set1_epi8((char)(0x80 - 'a'))),
                                   _mm_set1_epi8((char)(26 - 0x80)));
    __m128i comma_to_9 = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - ','))),
                                        _mm_set1_epi8((char)('9' - ',' + 1 - 0x80)));
    __m128i num = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')), comma_to_9);
    __m128i br =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('[')), _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
    __m128i ok = _mm_or_si128(_mm_or_si128(alpha, num),
                              _mm_or_si128(br, _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
    return ~(unsigned)_mm_movemask_epi8(ok) & 0xFFFFu;
}

#endif

/* Are p[w..e) all key characters? Requires w < e <= n. Keys are a few to a few
 * tens of bytes: with SSE2 whole blocks inside [0, n) are tested, overlapping
 * the key's ends; the byte loop serves the rest (an extension under 16 bytes). */
static inline bool all_key_chars(const char *p, size_t n, size_t w, size_t e)
{
#ifdef CG_CEF_SSE2
    size_t len = e - w;
    if (e >= BLOCK) {
        if (len <= BLOCK) /* the block ending at e: the key is its top len bytes */
            return (nonkey_mask(load16(p + e - BLOCK)) >> (BLOCK - len)) == 0;
        for (size_t j = w; j < e - BLOCK; j += BLOCK)
            if (nonkey_mask(load16(p + j)))
                return false;
        return nonkey_mask(load16(p + e - BLOCK)) == 0;
    }
    if (n - w >= BLOCK) /* len < 16 here: the key is the low len bytes */
        return (nonkey_mask(load16(p + w)) & ((1u << len) - 1)) == 0;
#else
    (void)n;
#endif
    for (size_t i = w; i < e; i++)
        if (!IS_KEY_CHAR(p[i]))
            return false;
    return true;
}

/* Duplicate keys in long extensions. The list in fields.h finds duplicates by a
 * linear search: right for the tens of keys of real events, but a hostile line
 * with a thousand distinct keys followed by a hundred thousand repeats would
 * cost 10^8 compares. Once an extension has more than DUPSET_AFTER pairs, an
 * open-addressing set of the list's keys (in the arena, at most half full)
 * answers "already present?" first, and a repeat is counted in dup_dropped
 * exactly as cg_fields_add() would count it. Real lines never build it. */
#define DUPSET_AFTER 64

struct dupset {
    size_t *slot; /* 1 + index into f->v; 0 marks an empty slot */
    size_t mask;
};

static size_t key_hash(struct cg_str k)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < k.n; i++)
        h = (h ^ (unsigned char)k.p[i]) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 29));
}

/* Returns the slot holding key, or the empty slot where it would go. */
static size_t *dupset_find(const struct dupset *d, const struct cg_fields *f, struct cg_str key)
{
    size_t i = key_hash(key) & d->mask;
    while (d->slot[i] && !cg_str_eq(f->v[d->slot[i] - 1].key, key))
        i = (i + 1) & d->mask;
    return &d->slot[i];
}

/* Builds the set from the keys already in f; leaves it unset (and the plain
 * linear check in charge) when the arena cannot hold it. The list can end up
 * with at most min(max, n + len / 2) keys (a pair takes at least 2 bytes), so
 * twice that many slots keep the set at most half full. */
static void dupset_build(struct dupset *d, const struct cg_fields *f, struct cg_arena *a,
                         size_t len)
{
    size_t keys = f->n + len / 2 < f->max ? f->n + len / 2 : f->max;
    size_t size = 64;
    while (size < 2 * keys && size < SIZE_MAX / 4)
        size *= 2;
    if (size > SIZE_MAX / sizeof(*d->slot))
        return;
    d->slot = cg_arena_alloc(a, size * sizeof(*d->slot));
    if (!d->slot)
        return;
    memset(d->slot, 0, size * sizeof(*d->slot));
    d->mask = size - 1;
    for (size_t i = 0; i < f->n; i++)
        *dupset_find(d, f, f->v[i].key) = i + 1;
}

/* State of the extension scan. A value runs from vs until the space before the
 * next key. */
struct ext_scan {
    const char *p;
    size_t len; /* of the extension: bounds the number of pairs */
    struct cg_fields *f;
    struct cg_arena *a;
    size_t key, klen; /* current key; klen == 0 before the first key */
    size_t vs;        /* current value start */
    bool bs;          /* the current value holds a backslash */
    unsigned flags;
    size_t pairs; /* pairs emitted so far */
    struct dupset dups;
    struct cg_fields_filter flt; /* key hashes in f (see fields.h) */
};

/* emit() when the value needs unescaping, the list is full, or the extension is
 * long enough for the duplicate set. */
static NOINLINE int emit_slow(struct ext_scan *s, struct cg_str key, struct cg_str val)
{
    struct cg_fields *f = s->f;
    if (f->n >= f->max) {
        f->limit_dropped++; /* as cg_fields_add(): no copy, no duplicate check */
        return CG_OK;
    }
    size_t *slot = NULL;
    if (CG_UNLIKELY(++s->pairs > DUPSET_AFTER)) {
        if (!s->dups.slot)
            dupset_build(&s->dups, f, s->a, s->len);
        if (s->dups.slot) {
            slot = dupset_find(&s->dups, f, key);
            if (*slot) {
                f->dup_dropped++; /* as cg_fields_add() would */
                return CG_OK;
            }
        }
    }
    if (s->bs) {
        val = unescape_value(val, s->a, &s->flags);
        if (!val.p)
            return CG_ENOMEM;
    }
    size_t before = f->n;
    int rc = cg_fields_add_filtered(f, &s->flt, key, val);
    if (slot && f->n > before)
        *slot = f->n; /* 1 + index of the entry just added */
    return rc;
}

/* Adds the current key with the value [vs, ve). */
static inline int emit(struct ext_scan *s, size_t ve)
{
    struct cg_str key = cg_str_make(s->p + s->key, s->klen);
    struct cg_str val = cg_str_make(s->p + s->vs, ve - s->vs);
    if (CG_UNLIKELY(s->bs || s->pairs >= DUPSET_AFTER || s->f->n >= s->f->max))
        return emit_slow(s, key, val);
    s->pairs++;
    return cg_fields_add_filtered(s->f, &s->flt, key, val);
}

/* An unescaped '=' at i after a word (the text since the latest space, or since
 * the extension start) that starts at w and holds no '\' or '=': a key when the
 * word is 1+ key characters, else part of the value. */
static int ext_key(struct ext_scan *s, size_t w, size_t i)
{
    if (i == w || !all_key_chars(s->p, s->len, w, i))
        return CG_OK; /* an '=' inside a value */
    int rc = CG_OK;
    if (s->klen)
        rc = emit(s, w - 1); /* the one space before the key separates */
    else if (w != s->vs)
        s->flags |= CG_CEF_EXT_JUNK; /* text before the first key */
    s->key = w;
    s->klen = i - w;
    s->vs = i + 1;
    s->bs = false;
    return rc;
}

/* Masks of the block at b (b < n): spaces in *sp, '=' and '\' in the result. */
static inline unsigned ext_masks(const char *p, size_t n, size_t b, unsigned *sp)
{
#ifdef CG_CEF_SSE2
    unsigned shift;
    __m128i v = load_block(p, n, b, &shift);
    *sp = eq_mask(v, ' ') >> shift;
    return (eq_mask(v, '=') | eq_mask(v, '\\')) >> shift;
#else
    size_t end = n - b > BLOCK ? b + BLOCK : n;
    unsigned m = 0, s = 0;
    for (size_t j = b; j < end; j++) {
        s |= (unsigned)(p[j] == ' ') << (j - b);
        m |= (unsigned)(p[j] == '=' || p[j] == '\\') << (j - b);
    }
    *sp = s;
    return m;
#endif
}

/* Index of the highest set bit of m (m != 0). */
static inline unsigned top_bit(unsigned m)
{
#if defined(__GNUC__)
    return 31u - (unsigned)__builtin_clz(m);
#else
    unsigned i = 0;
    while (m >>= 1)
        i++;
    return i;
#endif
}

/* Only '=' and '\' are visited; spaces matter only as the start of the word
 * before an '=', which the space mask gives: ws is the index after the latest
 * space before the current byte (the extension start counts as one), lastx the
 * index after the latest '=' or '\'. A word that contains one of those
 * (lastx > ws) cannot be a key. */
int cg_cef_decode_ext(struct cg_str ext, struct cg_fields *f, struct cg_arena *a, unsigned *flags)
{
    const char *p = ext.p;
    size_t n = ext.n, i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    while (n > i && is_ws(p[n - 1]))
        n--;
    if (i == n)
        return CG_OK;

    /* vs marks where text before the first key would begin. */
    struct ext_scan s = {.p = p, .len = n, .f = f, .a = a, .vs = i};
    cg_fields_filter_init(&s.flt, f);
    size_t ws = i, lastx = 0;
    int rc = CG_OK;
    for (size_t b = i; b < n && rc == CG_OK; b += BLOCK) {
        unsigned sp, m = ext_masks(p, n, b, &sp);
        for (; m && rc == CG_OK; m &= m - 1) {
            unsigned j = ctz32(m);
            unsigned below = sp & ((1u << j) - 1);
            if (below)
                ws = b + top_bit(below) + 1;
            if (p[b + j] == '\\')
                s.bs = true;
            else if (lastx <= ws)
                rc = ext_key(&s, ws, b + j);
            lastx = b + j + 1;
        }
        if (sp)
            ws = b + top_bit(sp) + 1;
    }
    if (rc == CG_OK) {
        if (s.klen)
            rc = emit(&s, n);
        else
            s.flags |= CG_CEF_EXT_JUNK; /* no key at all */
    }
    if (flags)
        *flags |= s.flags;
    return rc;
}
