/*
 * map.h - how a rule's output becomes an event (private to src/normalize/): the mapping
 * context (struct nz_map), the adds every producer of fields goes through, the roles of
 * top-level keys and the per-normalizer caches that make the adds cheap.
 *
 * Producers of fields: lognorm.c (liblognorm's JSON), kvlist.c and xml.c (the two list
 * splitters). They add fields only through this interface, which bounds them: at most the
 * event's field limit (the rest counted in ev->fields.limit_dropped), keys of at most
 * NZ_KEY_MAX (+1, see cg_nz_map_pair_key) bytes, keys and copies in ev->arena.
 *
 * Implemented by map.c (adds, roles, directives) and snake.c (field keys from labels). The
 * NZ_INLINE helpers below are on the per-field path of the splitters: they are inlined in
 * every file whatever the compiler's estimate (measured: their calls were a tenth of the
 * cost of a split).
 *
 * One mapping context per call of nz_map (lognorm.c), on the stack; one cache per normalizer
 * (normalizers are per thread).
 */
#ifndef CEFGUARD_NZ_MAP_H
#define CEFGUARD_NZ_MAP_H

#include "cefguard/event.h"

#if defined(__GNUC__)
#define NZ_NOINLINE __attribute__((noinline))
#define NZ_INLINE inline __attribute__((always_inline))
#else
#define NZ_NOINLINE
#define NZ_INLINE inline
#endif

#define NZ_KEY_MAX 256       /* bytes of a field key built by flattening or snake_case */
#define NZ_DIRECTIVES_MAX 16 /* _from/_fmt directives per match */

/* A split that does not fit its grammar means the rule did not match: its fields are
 * taken back. nz_map then reports NZ_NOMATCH and the next rulebase file is tried. */
#define NZ_NOMATCH 1

/* ---- the memo of the splitters -------------------------------------------------------- */

/* The labels and tags a list split (_kvlist, _xmlflat) met at each position of the last line
 * it split, with their keys. A source writes the same labels in the same order on line after
 * line, so the bytes at a position are first compared with what was seen there before: one
 * compare instead of a scan, a snake_case cache lookup and the checks of the general reader.
 * A match is only taken where the general reader would read the same bytes the same way (see
 * nz_kvl_run, nz_xmemo_tag); only speed depends on the memo. */
#define NZ_MEMO_MAX 64 /* positions remembered per kind of list */

struct nz_memo_ent {
    unsigned char llen, klen; /* llen 0: empty; klen 0: the key is not known */
    unsigned char kind;       /* what label holds (XML): NZ_MK_* */
    char label[32];
    char key[32]; /* the field key of a pair with that label, as added */
};

enum {
    NZ_MK_NAME,  /* a name or label that holds no stop byte of its list (see key) */
    NZ_MK_OPEN,  /* "T>" of an opening tag directly followed by another tag (not "</") */
    NZ_MK_CLOSE, /* "/...>" of a closing tag, with a byte that is not NUL after the '/' */
};

struct nz_memo {
    struct nz_memo_ent kvl[NZ_MEMO_MAX], xml[NZ_MEMO_MAX];
};

/* ---- snake_case keys (snake.c) --------------------------------------------------------- */

/* The snake_case cache: a SEPM or ePO line has tens of labels, the same few hundred names on
 * every line. A slot (one cache line) holds a label of up to 32 bytes as four words that
 * cover all of it (with its length), and its key when that has at most 30 bytes; two slots
 * per set, the older one replaced. Only constant-size copies: this is measured to halve the
 * cost of a label. One cache per normalizer (they are per thread). */
#define NZ_SNAKE_SETS 256 /* of two slots: 32 KB */

struct nz_snake_slot { /* 64 bytes */
    uint64_t w[4];
    unsigned char llen, klen; /* llen 0: empty */
    char key[30];
};

/* Zeroed (calloc) is empty. */
struct nz_snake_cache {
    struct nz_snake_slot v[NZ_SNAKE_SETS][2]; /* [0]: the most recently added */
    struct nz_memo memo;                      /* allocated with it: one allocation */
};

/* Field key from a label: "Computer name" -> computer_name, "File size (bytes)" ->
 * file_size_bytes, "TargetHostName" -> target_host_name, "IPAddress" -> ip_address,
 * "AnalyzerIPv4" -> analyzer_ipv4. ASCII letters are lowered; a word starts at a lower/
 * digit -> upper step, and at the last upper of an acronym followed by two lowers; other
 * ASCII bytes separate words; bytes >= 0x80 (UTF-8) are kept. Writes at most cap bytes to
 * out; returns the length, 0 when the result is empty or longer than cap. */
size_t cg_nz_snake(const char *s, size_t n, char *out, size_t cap);

/* cg_nz_snake(s, n, out, cap) through the cache c (NULL: none); room: bytes writable at
 * out (>= cap): a hit copies a whole slot key (30 bytes) when room allows. */
size_t cg_nz_snake_cached(struct nz_snake_cache *c, const char *s, size_t n, char *out, size_t cap,
                          size_t room);

/* ---- the mapping context --------------------------------------------------------------- */

/* What a top-level key with a string value does (nz_key_role); an annotation's is
 * worked out once, when the file is loaded. */
enum {
    NZ_ROLE_DROP,    /* event.tags, originalmsg, unparsed-data */
    NZ_ROLE_FROM,    /* <target>_from: len is the target's length, hdr its header index */
    NZ_ROLE_FMT,     /* <target>_fmt */
    NZ_ROLE_REQUIRE, /* <name>_require */
    NZ_ROLE_KVLIST,  /* <name>_kvlist */
    NZ_ROLE_XMLFLAT, /* <name>_xmlflat */
    NZ_ROLE_HEADER,  /* hdr is the index of the header key */
    NZ_ROLE_XML,     /* <key>_xml: a field of len bytes, entities decoded */
    NZ_ROLE_FIELD,   /* a field of len bytes */
};

struct nz_role { /* 16 bytes: returned in registers */
    int role;
    int hdr;
    size_t len;
};

struct nz_directive {
    const char *target; /* key prefix (valid until json_object_put) */
    size_t tlen;
    struct cg_str val; /* in the JSON or in the normalizer */
    bool fmt;          /* _fmt (template) or _from (list) */
    bool require;      /* _require (list): no target */
    int hdr;           /* the header key the target is (nz_header_keys), -1 for a field */
};

struct nz_map {
    struct cg_event *ev;
    struct cg_fields_filter flt;  /* of ev->fields: adds skip most duplicate scans */
    struct nz_snake_cache *snake; /* NULL: none */
    struct nz_memo *memo;         /* NULL: none */
    char *kroom;                  /* free bytes in the arena where keys are written (nz_key_room) */
    size_t kfree;
    struct nz_directive dir[NZ_DIRECTIVES_MAX];
    size_t ndir;
    size_t last;      /* index in ev->fields of the last pair added, SIZE_MAX if none */
    size_t unlabeled; /* unlabelled pieces seen */
};

/* Sets up m to add to ev's fields, with the caches snake (NULL: none; its memo with it). Not
 * zeroed as a whole: m->dir is large, and used up to m->ndir. ev->fields must change only
 * through m from here on (the duplicate filter). */
static inline void nz_map_init(struct nz_map *m, struct cg_event *ev, struct nz_snake_cache *snake)
{
    m->ev = ev;
    cg_fields_filter_init(&m->flt, &ev->fields); /* a rollback leaves it wider: still valid */
    m->snake = snake;
    m->memo = snake ? &snake->memo : NULL;
    m->kroom = NULL;
    m->kfree = 0;
    m->ndir = 0;
    m->last = SIZE_MAX;
    m->unlabeled = 0;
}

/* The fields as they are, and back to that (the arena is not given back). */
struct nz_mark {
    size_t n, dup, limit;
};

static inline struct nz_mark nz_mark_fields(const struct nz_map *m)
{
    const struct cg_fields *f = &m->ev->fields;
    return (struct nz_mark){f->n, f->dup_dropped, f->limit_dropped};
}

static inline void nz_rollback(struct nz_map *m, const struct nz_mark *mk)
{
    struct cg_fields *f = &m->ev->fields;
    f->n = mk->n;
    f->dup_dropped = mk->dup;
    f->limit_dropped = mk->limit;
    m->last = SIZE_MAX;
}

/* ---- bytes ----------------------------------------------------------------------------- */

static NZ_INLINE uint64_t nz_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static NZ_INLINE uint32_t nz_load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Whether a[0..n) == b[0..n): memcmp without a call, for the short labels and names of tags.
 * Whole words are read, never a byte outside the n. */
static NZ_INLINE bool nz_same(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            if (nz_load8(a + i) != nz_load8(b + i))
                return false;
        }
        return nz_load8(a + n - 8) == nz_load8(b + n - 8);
    }
    if (n >= 4)
        return nz_load4(a) == nz_load4(b) && nz_load4(a + n - 4) == nz_load4(b + n - 4);
    unsigned d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static inline bool nz_isupper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static inline bool nz_islower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static inline bool nz_isdigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool nz_has_suffix(const char *k, size_t n, const char *sfx)
{
    size_t m = strlen(sfx);
    return n > m && memcmp(k + n - m, sfx, m) == 0;
}

/* The names that are never fields: liblognorm's own and the tags. */
static inline bool nz_is_dropped(const char *key, size_t klen)
{
    switch (klen) {
    case 10: return memcmp(key, "event.tags", 10) == 0;
    case 11: return memcmp(key, "originalmsg", 11) == 0;
    case 13: return memcmp(key, "unparsed-data", 13) == 0;
    default: return false;
    }
}

/* ---- adds (map.c) ---------------------------------------------------------------------- */

/* Room for n bytes of keys, at m->kroom: keys are written straight into the arena, which
 * is handed out in chunks (one arena call per chunk, not per key). */
static NZ_INLINE char *nz_key_room(struct nz_map *m, size_t n)
{
    if (m->kfree < n) {
        size_t sz = n > 2048 ? n : 2048;
        char *p = cg_arena_alloc(&m->ev->arena, sz);
        if (!p)
            return NULL;
        m->kroom = p;
        m->kfree = sz;
    }
    return m->kroom;
}

/* Adds key = val, key written at m->kroom (kept there only if the field was added), val
 * already in the arena; records it as the last pair. */
static NZ_INLINE int nz_add_placed(struct nz_map *m, size_t klen, struct cg_str val)
{
    struct cg_fields *f = &m->ev->fields;
    size_t before = f->n;
    if (cg_fields_add_filtered(f, &m->flt, cg_str_make(m->kroom, klen), val) != CG_OK)
        return CG_ENOMEM;
    m->last = SIZE_MAX;
    if (f->n > before) {
        m->kroom += klen;
        m->kfree -= klen;
        m->last = before;
    }
    return CG_OK;
}

/* Adds key (copied) = val (already in the arena, or in the bytes being split); records it as
 * the last pair. CG_OK also when it was dropped (duplicate, limit); CG_ENOMEM. */
int cg_nz_map_add(struct nz_map *m, const char *key, size_t klen, struct cg_str val);

/* The key of a pair's label, snake_case with "subject" protected (a label from the data must
 * not take the place of the rule's "subject" field: it becomes "subject_"), written at
 * m->kroom (nz_add_placed adds it). Returns its length, 0 if there is none, SIZE_MAX when out
 * of memory. */
size_t cg_nz_map_pair_key(struct nz_map *m, const char *label, size_t llen);

/* {"cont": C}: a piece that began with a space: the comma before it was part of the
 * previous value (m->last), which becomes previous + ", " + C. Without one, C is
 * unlabelled. */
int cg_nz_map_cont(struct nz_map *m, struct cg_str c);

/* {"value": V} without a name: empty -> nothing; "Label:" -> field label = "";
 * otherwise "unlabeled.<n>" = V. */
int cg_nz_map_unlabeled(struct nz_map *m, struct cg_str v);

/* Remembers label s[0..llen) at e (struct nz_memo), its key not known yet; a label that does
 * not fit empties e. */
static inline void nz_memo_label(struct nz_memo_ent *e, const char *s, size_t llen)
{
    e->klen = 0;
    e->llen = 0;
    e->kind = NZ_MK_NAME;
    if (llen == 0 || llen > sizeof(e->label))
        return;
    memcpy(e->label, s, llen);
    e->llen = (unsigned char)llen;
}

/* cg_nz_map_pair_key for the label e holds (e NULL: none): the key from e when it is known,
 * else worked out and remembered. */
static NZ_INLINE size_t nz_memo_pair_key(struct nz_map *m, struct nz_memo_ent *e, const char *label,
                                         size_t llen)
{
    if (e && e->klen) {
        char *k = nz_key_room(m, sizeof(e->key));
        if (!k)
            return SIZE_MAX;
        memcpy(k, e->key, sizeof(e->key)); /* the whole key: a constant-size copy */
        return e->klen;
    }
    size_t klen = cg_nz_map_pair_key(m, label, llen);
    if (e && e->llen && klen && klen <= sizeof(e->key)) {
        memcpy(e->key, m->kroom, klen);
        e->klen = (unsigned char)klen;
    }
    return klen;
}

/* {"name": L, "value": V}: field snake_case(L) = V. e: the memo entry holding L, or NULL. */
static NZ_INLINE int nz_emit_pair(struct nz_map *m, struct nz_memo_ent *e, const char *label,
                                  size_t llen, struct cg_str val)
{
    size_t klen = nz_memo_pair_key(m, e, label, llen);
    m->last = SIZE_MAX;
    if (klen == SIZE_MAX)
        return CG_ENOMEM;
    return klen ? nz_add_placed(m, klen, val) : CG_OK;
}

/* ---- top-level keys (map.c) ------------------------------------------------------------ */

/* The index of the header key k names (vendor, product, product_version, event_id, name,
 * severity: the order of the header values in struct cg_event), -1 if it names none. */
int cg_nz_map_header_index(const char *k, size_t n);

/* The role of a key by its suffix, -1 for none: the suffixes end in different bytes or differ
 * in their tails, so at most one applies. */
static NZ_INLINE int nz_suffix_role(const char *key, size_t klen)
{
    switch (klen ? key[klen - 1] : '\0') {
    case 't':
        if (nz_has_suffix(key, klen, "_fmt"))
            return NZ_ROLE_FMT;
        if (nz_has_suffix(key, klen, "_kvlist"))
            return NZ_ROLE_KVLIST;
        return nz_has_suffix(key, klen, "_xmlflat") ? NZ_ROLE_XMLFLAT : -1;
    case 'm': return nz_has_suffix(key, klen, "_from") ? NZ_ROLE_FROM : -1;
    case 'e': return nz_has_suffix(key, klen, "_require") ? NZ_ROLE_REQUIRE : -1;
    case 'l': return nz_has_suffix(key, klen, "_xml") ? NZ_ROLE_XML : -1;
    default: return -1;
    }
}

/* What a top-level key with a string value does, from its name (klen bytes, NUL-terminated,
 * alive as long as the mapping). No header key ends in a suffix. Inline: it runs for every
 * key of every match. */
static NZ_INLINE struct nz_role nz_key_role(const char *key, size_t klen)
{
    struct nz_role r = {NZ_ROLE_DROP, -1, 0};
    if (nz_is_dropped(key, klen))
        return r;
    switch (nz_suffix_role(key, klen)) {
    case NZ_ROLE_FMT:
        return (struct nz_role){NZ_ROLE_FMT, cg_nz_map_header_index(key, klen - 4), klen - 4};
    case NZ_ROLE_FROM:
        return (struct nz_role){NZ_ROLE_FROM, cg_nz_map_header_index(key, klen - 5), klen - 5};
    case NZ_ROLE_REQUIRE: return (struct nz_role){NZ_ROLE_REQUIRE, -1, 0};
    case NZ_ROLE_KVLIST: return (struct nz_role){NZ_ROLE_KVLIST, -1, 0};
    case NZ_ROLE_XMLFLAT: return (struct nz_role){NZ_ROLE_XMLFLAT, -1, 0};
    case NZ_ROLE_XML: r = (struct nz_role){NZ_ROLE_XML, -1, klen - 4}; break;
    default:
        if ((r.hdr = cg_nz_map_header_index(key, klen)) >= 0)
            return (struct nz_role){NZ_ROLE_HEADER, r.hdr, 0};
        r = (struct nz_role){NZ_ROLE_FIELD, -1, klen};
    }
    if (r.len > NZ_KEY_MAX)
        r.role = NZ_ROLE_DROP;
    return r;
}

/* A top-level key with a string value s (from the JSON, or an annotation), by its role:
 * a header value, a field, a directive kept for cg_nz_map_directives, or a list split
 * (kvlist.h, xml.h). Returns CG_OK, NZ_NOMATCH (a list did not split) or CG_ENOMEM. */
int cg_nz_map_top(struct nz_map *m, const char *key, struct nz_role r, struct cg_str s);

/* The header value that key names (vendor, product, ...), NULL if it names none. */
struct cg_str *cg_nz_map_header(struct cg_event *ev, const char *key, size_t klen);

/* Applies the "<target>_from" / "<target>_fmt" directives kept, after all fields: templates
 * first, so a _from list may name a field a template built; never over a value the rule set
 * itself. Then the "<name>_require" lists: each must name a field that is present and not
 * empty, else the rule did not match after all. CG_OK, NZ_NOMATCH or CG_ENOMEM. */
int cg_nz_map_directives(struct nz_map *m);

#endif
