/*
 * cef.c - native ArcSight CEF decoder (rules in cef.h).
 *
 * Both steps are single left-to-right passes over bounded input: nothing is
 * read at or past n, and nothing is copied unless a backslash forces an
 * unescape (then into the arena, at most as many bytes as the raw text).
 *
 * Speed: only a few bytes matter ('|' '\' in the header; ' ' '\' '=' in the
 * extension). Blocks of 16 bytes are turned into a bit mask of those bytes
 * (SSE2 where available, a byte loop elsewhere) and the parser jumps from set
 * bit to set bit: ordinary text is skipped 16 bytes at a time, and a byte-wise
 * loop runs only over keys (to check their characters) and escaped values.
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

/* Which bytes stop a scan: '|' '\' in the header, ' ' '\' '=' in the extension. */
enum { STOP_HDR = 1, STOP_EXT = 2 };

/* ---- block masks ------------------------------------------------------------ */

#define BLOCK 16

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
/* Loads the 16 bytes at p + b; past n the block is padded with NUL, which is
 * never a stop byte, so a short tail never reads beyond the input. */
static inline __m128i load_block(const char *p, size_t n, size_t b)
{
    if (CG_LIKELY(n - b >= BLOCK))
        return _mm_loadu_si128((const __m128i *)(const void *)(p + b));
    char tmp[BLOCK] = {0};
    memcpy(tmp, p + b, n - b);
    return _mm_loadu_si128((const __m128i *)(const void *)tmp);
}

static inline unsigned eq_mask(__m128i v, char c)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}
#endif

/* Bit j of the result is set when p[b + j] (b + j < n) is a stop byte of the
 * given kind. Requires b < n. */
static inline unsigned stop_mask(const char *p, size_t n, size_t b, int kind)
{
#ifdef CG_CEF_SSE2
    __m128i v = load_block(p, n, b);
    if (kind == STOP_HDR)
        return eq_mask(v, '|') | eq_mask(v, '\\');
    return eq_mask(v, ' ') | eq_mask(v, '\\') | eq_mask(v, '=');
#else
    size_t end = n - b > BLOCK ? b + BLOCK : n;
    unsigned m = 0;
    for (size_t j = b; j < end; j++) {
        char c = p[j];
        bool hit = kind == STOP_HDR ? (c == '|' || c == '\\') : (c == ' ' || c == '\\' || c == '=');
        m |= (unsigned)hit << (j - b);
    }
    return m;
#endif
}

/* Index of the first header stop ('|' or '\') at or after i, or n. */
static size_t find_hdr_stop(const char *p, size_t n, size_t i)
{
    for (; i < n; i += BLOCK) {
        unsigned m = stop_mask(p, n, i, STOP_HDR);
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

enum cg_reject cg_cef_decode_header(const char *p, size_t n, struct cg_cef *out, struct cg_arena *a)
{
    memset(out, 0, sizeof(*out));
    if (n == 0)
        return CG_REJ_CEF_BAD_VERSION; /* also keeps p == NULL out of any arithmetic */
    size_t pos = 0;
    while (pos < n && p[pos] == ' ')
        pos++; /* "CEF: 0|..." as syslog files write it */
    size_t ve = pos;
    while (ve < n && p[ve] != '|')
        ve++;
    if (!cg_is_version(p + pos, ve - pos))
        return CG_REJ_CEF_BAD_VERSION;
    out->version = cg_str_make(p + pos, ve - pos);
    if (ve == n)
        return CG_REJ_CEF_TRUNCATED;
    pos = ve + 1;

    struct cg_str *fields[] = {&out->vendor,   &out->product, &out->product_version,
                               &out->event_id, &out->name,    &out->severity};
    for (size_t i = 0; i < CG_ARRAY_LEN(fields); i++) {
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

/* Key characters [A-Za-z0-9_.-] plus '[' ']'. Keys are short: a table loop
 * measured as fast as a vector range test here. */
static const unsigned char key_char[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, /* '-' '.' */
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

static bool all_key_chars(const char *p, size_t w, size_t e)
{
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
 * next key; "word" is where the text after the latest space starts, or NO_WORD
 * once a backslash or '=' showed that text cannot be a key. */
struct ext_scan {
    const char *p;
    size_t len; /* of the extension: bounds the number of pairs */
    struct cg_fields *f;
    struct cg_arena *a;
    size_t key, klen; /* current key; klen == 0 before the first key */
    size_t vs;        /* current value start */
    size_t word;
    bool bs; /* the current value holds a backslash */
    unsigned flags;
    size_t pairs; /* pairs emitted so far */
    struct dupset dups;
};

#define NO_WORD SIZE_MAX

/* Adds the current key with the value [vs, ve). */
static int emit(struct ext_scan *s, size_t ve)
{
    struct cg_fields *f = s->f;
    struct cg_str key = cg_str_make(s->p + s->key, s->klen);
    struct cg_str val = cg_str_make(s->p + s->vs, ve - s->vs);
    if (f->n >= f->max)
        return cg_fields_add(f, key, val); /* only counts the drop: no copy */

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
    int rc = cg_fields_add(f, key, val);
    if (slot && f->n > before)
        *slot = f->n; /* 1 + index of the entry just added */
    return rc;
}

/* Handles the stop byte at i: ' ', '\' or '='. */
static int ext_stop(struct ext_scan *s, size_t i)
{
    char c = s->p[i];
    if (c == ' ') {
        s->word = i + 1;
        return CG_OK;
    }
    size_t w = s->word;
    s->word = NO_WORD;
    if (c == '\\') {
        s->bs = true;
        return CG_OK;
    }
    if (w == NO_WORD || i == w || !all_key_chars(s->p, w, i))
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

    /* The extension start counts as "after a space"; vs marks where text
     * before the first key would begin. */
    struct ext_scan s = {.p = p, .len = n, .f = f, .a = a, .vs = i, .word = i};
    int rc = CG_OK;
    for (size_t b = i; b < n && rc == CG_OK; b += BLOCK) {
        unsigned m = stop_mask(p, n, b, STOP_EXT);
        while (m && rc == CG_OK) {
            rc = ext_stop(&s, b + ctz32(m));
            m &= m - 1;
        }
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
