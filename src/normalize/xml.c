/*
 * xml.c - XML text: entity decoding, and the "<name>_xmlflat" splitter that reads an XML
 * document as ePO sends it as a flat sequence of tags (the contracts and the grammar are in
 * xml.h).
 *
 * The splitter takes the tags of nearly every document in one pass (nz_xtag_fast,
 * nz_xtag_attrs), first comparing each with the tag the memo (map.h) holds for its position;
 * the general reader (nz_xtag, nz_xtag_emit) decides everything else and gives the same
 * result. liblognorm moved on after a tag by the furthest point any form had read, not by
 * the end of the form that matched; that is kept (nz_xtag: end, far0), as is one leak of
 * that position from the first reading of a document into the first tag of the second.
 */
#include "xml.h"

#include "cefguard/textutil.h"

#include "scan.h"

/* ---- entities -------------------------------------------------------------------------- */

/* Appends code point cp (valid, checked by the caller) as UTF-8. */
static size_t nz_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes "&#NN;" / "&#xNN;" at s (s[0] == '&', s[1] == '#'). Returns the length of the
 * reference and sets *cp, or 0 when it is not a reference to a legal XML character. */
static size_t nz_xml_charref(const char *s, size_t n, uint32_t *cp)
{
    size_t i = 2;
    int base = 10;
    if (i < n && s[i] == 'x') { /* XML allows only a lower-case x */
        base = 16;
        i++;
    }
    uint32_t v = 0;
    size_t start = i;
    for (; i < n && i - start < 8; i++) {
        int d = base == 16 ? cg_hex_digit(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
        if (d < 0)
            break;
        v = v * (uint32_t)base + (uint32_t)d;
    }
    if (i == start || i >= n || s[i] != ';')
        return 0;
    /* XML 1.0 Char production: no NUL, controls, surrogates, FFFE/FFFF, > 10FFFF. */
    bool legal = v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v <= 0xd7ff) ||
                 (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
    if (!legal)
        return 0;
    *cp = v;
    return i + 1;
}

/* Decodes the predefined entity at s, returning its length and the character, or 0. */
static size_t nz_xml_named(const char *s, size_t n, char *c)
{
    static const struct {
        const char *ent;
        size_t len;
        char c;
    } tab[] = {{"&amp;", 5, '&'},
               {"&lt;", 4, '<'},
               {"&gt;", 4, '>'},
               {"&quot;", 6, '"'},
               {"&apos;", 6, '\''}};
    for (size_t i = 0; i < CG_ARRAY_LEN(tab); i++) {
        if (n >= tab[i].len && memcmp(s, tab[i].ent, tab[i].len) == 0) {
            *c = tab[i].c;
            return tab[i].len;
        }
    }
    return 0;
}

/* The XML whitespace character rsyslog's control-character escape "#NNN" (three octal digits)
 * at s[0..n) stands for: "#011" TAB, "#012" LF, "#015" CR; 0 for anything else. */
static char nz_rsyslog_ws(const char *s, size_t n)
{
    if (n < 4 || s[0] != '#' || s[1] != '0' || s[2] != '1')
        return 0;
    return s[3] == '1' ? '\t' : s[3] == '2' ? '\n' : s[3] == '5' ? '\r' : 0;
}

/* The next '&' (or, with escapes, '#') in s[i, n), n if none. */
static size_t nz_xml_special(const char *s, size_t n, size_t i, bool escapes)
{
    const char *amp = memchr(s + i, '&', n - i);
    size_t e = amp ? (size_t)(amp - s) : n;
    const char *hash = escapes && e > i ? memchr(s + i, '#', e - i) : NULL;
    return hash ? (size_t)(hash - s) : e;
}

/* cg_nz_xml_decode, and with escapes also rsyslog's "#011" "#012" "#015" (the splitter's
 * texts). */
static bool nz_xml_decode(struct cg_arena *a, const char *s, size_t n, bool escapes,
                          struct cg_str *out)
{
    char *o = cg_arena_alloc(a, n ? n : 1);
    if (!o)
        return false;
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        size_t run = nz_xml_special(s, n, i, escapes) - i;
        memcpy(o + j, s + i, run);
        i += run;
        j += run;
        if (i >= n)
            break;
        uint32_t cp;
        char c;
        size_t len = 0;
        if (s[i] == '#') {
            c = nz_rsyslog_ws(s + i, n - i);
            o[j++] = c ? c : '#';
            i += c ? 4 : 1;
            continue;
        }
        if (i + 1 < n && s[i + 1] == '#')
            len = nz_xml_charref(s + i, n - i, &cp);
        if (len) {
            j += nz_utf8(o + j, cp);
        } else if ((len = nz_xml_named(s + i, n - i, &c)) != 0) {
            o[j++] = c;
        } else {
            o[j++] = '&';
            len = 1;
        }
        i += len;
    }
    *out = cg_str_make(o, j);
    return true;
}

/* Copies s into the arena, decoding XML entities: the five predefined ones and character
 * references. Anything else ("&nbsp;", an entity a DOCTYPE might define, a malformed or
 * illegal reference) is kept verbatim: definitions are never expanded. The output is never
 * longer than the input. */
bool cg_nz_xml_decode(struct cg_arena *a, const char *s, size_t n, struct cg_str *out)
{
    return nz_xml_decode(a, s, n, false, out);
}

/* ---- the splitter ---------------------------------------------------------------------- */

/* One split: the document and the scans it repeats. */
struct nz_xml {
    const char *s;
    size_t n;
    struct nz_scan lt, gt, eq, quot, amp, hash; /* '<' '>' '=' '"' '&' '#' */
};

/* The text s[from, to) of the document, entities and rsyslog's whitespace escapes decoded;
 * a copy in the arena only when it has a '&' or a '#' (each looked for once for the whole
 * document). */
static NZ_INLINE bool nz_xtext(struct cg_arena *a, struct nz_xml *x, size_t from, size_t to,
                               struct cg_str *out)
{
    if (nz_find(x->s, x->n, from, '&', &x->amp) >= to &&
        nz_find(x->s, x->n, from, '#', &x->hash) >= to) {
        *out = cg_str_make(x->s + from, to - from);
        return true;
    }
    return nz_xml_decode(a, x->s + from, to - from, true, out);
}

enum nz_xkind { NZ_X_NONE, NZ_X_OPEN, NZ_X_LEAF };

struct nz_xtag {
    enum nz_xkind kind;
    size_t name, name_end; /* the tag name */
    size_t val, val_end;   /* the text of a leaf */
    size_t attrs;          /* where the attributes start; 0 when none */
    size_t far0;           /* the position inherited when the tag was read (see above) */
    size_t end;            /* the furthest point read: the next '<' is looked for here */
};

/* Attribute emission: with em NULL, nz_xattrs only measures. */
struct nz_xemit {
    struct nz_map *m;
    struct nz_xml *x;
    char *key; /* "tag." is written at key[0..klen] */
    size_t klen;
    int rc;
};

static int nz_xattr_emit(struct nz_xemit *em, const char *s, size_t a, size_t eq, size_t close)
{
    size_t cap = NZ_KEY_MAX - em->klen - 1;
    size_t alen = cg_nz_snake_cached(em->m->snake, s + a, eq - a, em->key + em->klen + 1, cap, cap);
    struct cg_str v;
    if (!alen)
        return CG_OK;
    em->key[em->klen] = '.';
    if (!nz_xtext(&em->m->ev->arena, em->x, eq + 2, close, &v))
        return CG_ENOMEM;
    return cg_nz_map_add(em->m, em->key, em->klen + 1 + alen, v);
}

/* One attribute name="value" at a: returns its end (after the quote), 0 if it is none. */
static size_t nz_xattr(struct nz_xml *x, size_t a, size_t *eq, size_t *close)
{
    size_t e = nz_find(x->s, x->n, a, '=', &x->eq);
    if (e >= x->n || e == a || !nz_lit(x->s, x->n, e, "=\"", 2))
        return 0;
    size_t v = nz_find(x->s, x->n, e + 2, '"', &x->quot);
    if (!nz_lit(x->s, x->n, v, "\"", 1))
        return 0;
    *eq = e;
    *close = v;
    return v + 1;
}

/* The attributes from a, separated by one space; returns their end, 0 if one is malformed.
 * The first one ends at far0 if that is further (liblognorm's position leak). */
static size_t nz_xattrs(struct nz_xml *x, size_t a, size_t far0, struct nz_xemit *em)
{
    size_t eq = 0, close = 0, pos = nz_xattr(x, a, &eq, &close);
    if (!pos)
        return 0;
    if (em && em->rc == CG_OK)
        em->rc = nz_xattr_emit(em, x->s, a, eq, close);
    pos = nz_max(pos, far0);
    while (nz_lit(x->s, x->n, pos, " ", 1)) {
        size_t next = nz_xattr(x, pos + 1, &eq, &close);
        if (!next)
            return 0;
        if (em && em->rc == CG_OK)
            em->rc = nz_xattr_emit(em, x->s, pos + 1, eq, close);
        pos = next;
    }
    return pos;
}

/* After the '>' of an opening tag, at v: "text</...>" makes it a leaf. */
static void nz_xcontent(struct nz_xml *x, size_t v, struct nz_xtag *t)
{
    const char *s = x->s;
    size_t n = x->n, nl = t->name_end - t->name;
    /* shortcuts for what memchr would find: a container's first child right away, and
     * the closing tag of a leaf, "</" + the name + ">" (a name holds no '>') */
    size_t r = v < n && s[v] == '<' ? v : nz_find(s, n, v, '<', &x->lt);
    t->end = nz_max(t->end, r);
    t->kind = NZ_X_OPEN;
    if (nz_lit(s, n, r, "</", 2)) {
        t->end = nz_max(t->end, r + 2);
        size_t c = n - (r + 2) > nl && nz_same(s + r + 2, s + t->name, nl) && s[r + 2 + nl] == '>'
                       ? r + 2 + nl
                       : nz_find(s, n, r + 2, '>', &x->gt);
        if (c < x->n && c != r + 2)
            t->end = nz_max(t->end, c);
        if (c < x->n && c != r + 2 && nz_lit(x->s, x->n, c, ">", 1)) {
            t->end = nz_max(t->end, c + 1);
            t->kind = NZ_X_LEAF;
            t->val = v;
            t->val_end = r;
        }
    }
}

/* The end of an opening tag at q: ">" (then nz_xcontent) or "/>". */
static bool nz_xclose(struct nz_xml *x, size_t q, struct nz_xtag *t)
{
    if (nz_lit(x->s, x->n, q, ">", 1)) {
        t->end = nz_max(t->end, q + 1);
        nz_xcontent(x, q + 1, t);
        return true;
    }
    if (!nz_lit(x->s, x->n, q, "/>", 2))
        return false;
    t->end = nz_max(t->end, q + 2);
    return true;
}

/* The bytes that end a tag name. */
static const bool nz_xstop[256] = {[' '] = true, ['/'] = true, ['>'] = true};

/* Form 2 at p. Updates t->end also when it fails (it counts for the furthest point). */
static bool nz_xnamed(struct nz_xml *x, size_t p, struct nz_xtag *t)
{
    const char *s = x->s;
    size_t n = x->n, q = p;
    while (q < n && !nz_xstop[(unsigned char)s[q]])
        q++;
    if (q == p || q == n)
        return false;
    t->end = nz_max(t->end, q);
    t->name = p;
    t->name_end = q;
    t->kind = NZ_X_OPEN;
    if (!nz_lit(s, n, q, " ", 1))
        return nz_xclose(x, q, t);
    t->end = nz_max(t->end, q + 1);
    size_t e = nz_xattrs(x, q + 1, t->far0, NULL);
    if (!e)
        return false;
    t->end = nz_max(t->end, e);
    t->attrs = q + 1;
    return nz_xclose(x, e, t);
}

/* Form 1 at p: "/...>". */
static bool nz_xclosing(struct nz_xml *x, size_t p, struct nz_xtag *t)
{
    if (!nz_lit(x->s, x->n, p, "/", 1))
        return false;
    t->end = nz_max(t->end, p + 1);
    size_t c = nz_find(x->s, x->n, p + 1, '>', &x->gt);
    if (c >= x->n || c == p + 1)
        return false;
    t->end = nz_max(t->end, c);
    if (!nz_lit(x->s, x->n, c, ">", 1))
        return false;
    t->end = nz_max(t->end, c + 1);
    return true;
}

/* One tag at p (after its '<'), far0 the inherited position (0 but for the leak). */
static bool nz_xtag(struct nz_xml *x, size_t p, size_t far0, struct nz_xtag *t)
{
    const char *s = x->s;
    size_t n = x->n;
    memset(t, 0, sizeof(*t));
    t->far0 = far0;
    t->end = far0;
    if (p < n && s[p] == '/') { /* form 1; form 2 cannot start with '/' */
        if (nz_xclosing(x, p, t))
            return true;
    } else if (nz_xnamed(x, p, t)) {
        return true;
    }
    size_t c = nz_find(s, n, p, '>', &x->gt); /* form 3 */
    t->kind = NZ_X_NONE;
    t->attrs = 0;
    if (c >= n || c == p)
        return false;
    t->end = nz_max(t->end, c);
    if (!nz_lit(s, n, c, ">", 1))
        return false;
    t->end = nz_max(t->end, c + 1);
    return true;
}

static int nz_xtag_emit(struct nz_map *m, struct nz_xml *x, const struct nz_xtag *t)
{
    const char *s = x->s;
    int rc = CG_OK;
    m->last = SIZE_MAX;
    if (t->kind == NZ_X_NONE)
        return CG_OK;
    char key[NZ_KEY_MAX];
    size_t klen =
        t->kind == NZ_X_LEAF ? cg_nz_map_pair_key(m, s + t->name, t->name_end - t->name) : 0;
    struct cg_str v;
    if (klen == SIZE_MAX)
        return CG_ENOMEM;
    if (klen) {
        if (!nz_xtext(&m->ev->arena, x, t->val, t->val_end, &v))
            return CG_ENOMEM;
        rc = nz_add_placed(m, klen, v);
    }
    klen = t->attrs ? cg_nz_snake_cached(m->snake, s + t->name, t->name_end - t->name, key,
                                         sizeof(key) - 1, sizeof(key))
                    : 0;
    if (rc == CG_OK && klen) {
        struct nz_xemit em = {m, x, key, klen, CG_OK};
        nz_xattrs(x, t->attrs, t->far0, &em);
        rc = em.rc;
    }
    m->last = SIZE_MAX;
    return rc;
}

/* The end of the name of the tag at p (the first ' ', '/' or '>', n if none). The name the memo
 * e (NULL: none) holds for this position is tried first; e then holds this name. */
static NZ_INLINE size_t nz_xname(const char *s, size_t n, size_t p, struct nz_memo_ent *e)
{
    size_t l = e && e->kind == NZ_MK_NAME ? e->llen : 0;
    if (l && n - p > l && nz_xstop[(unsigned char)s[p + l]] && nz_same(s + p, e->label, l))
        return p + l; /* the label holds no stop byte: a scan would end there too */
    size_t q = p;
    while (q < n && !nz_xstop[(unsigned char)s[q]])
        q++;
    if (e)
        nz_memo_label(e, s + p, q - p);
    return q;
}

#define NZ_XATTRS_MAX 8 /* attributes of a tag read by nz_xtag_attrs; more: the general reader */

/* A tag "T a=\"v\" b=\"w\"" at p (its name ends at q, at a space) followed by ">" and the next
 * tag, by "/>" or by "text</T>": read in one pass, with the result of nz_xtag and
 * nz_xtag_emit (far0 being 0). *next as for nz_xtag_fast. */
static NZ_NOINLINE int nz_xtag_attrs(struct nz_map *m, struct nz_xml *x, size_t p, size_t q,
                                     size_t *next)
{
    const char *s = x->s;
    size_t n = x->n, at[NZ_XATTRS_MAX][3], na = 0, a = q + 1, pos, v = 0, r = 0, end;
    do {
        if (na == NZ_XATTRS_MAX || !(pos = nz_xattr(x, a, &at[na][1], &at[na][2])))
            return CG_OK;
        at[na++][0] = a;
        a = pos + 1;
    } while (nz_lit(s, n, pos, " ", 1));
    bool leaf = false;
    if (nz_lit(s, n, pos, ">", 1)) {
        v = pos + 1;
        r = v < n && s[v] == '<' ? v : nz_find(s, n, v, '<', &x->lt);
        end = r;
        if (r + 2 <= n && s[r + 1] == '/' && (r + 2 == n || s[r + 2] != '\0')) {
            size_t nl = q - p,
                   c = n - (r + 2) > nl && nz_same(s + r + 2, s + p, nl) && s[r + 2 + nl] == '>'
                           ? r + 2 + nl
                           : nz_find(s, n, r + 2, '>', &x->gt);
            if (c >= n || c == r + 2 || (c + 1 < n && s[c + 1] == '\0'))
                return CG_OK;
            leaf = true;
            end = c + 1;
        }
    } else if (nz_lit(s, n, pos, "/>", 2)) {
        end = pos + 2;
    } else {
        return CG_OK;
    }
    struct nz_xtag t = {leaf ? NZ_X_LEAF : NZ_X_OPEN, p, q, v, r, 0, 0, end};
    char key[NZ_KEY_MAX];
    size_t klen = cg_nz_snake_cached(m->snake, s + p, q - p, key, sizeof(key) - 1, sizeof(key));
    int rc = leaf ? nz_xtag_emit(m, x, &t) : CG_OK; /* its leaf field, without attributes */
    struct nz_xemit em = {m, x, key, klen, rc};
    for (size_t i = 0; klen && i < na && em.rc == CG_OK; i++)
        em.rc = nz_xattr_emit(&em, s, at[i][0], at[i][1], at[i][2]);
    m->last = SIZE_MAX;
    *next = end;
    return em.rc;
}

/* The tags of nearly every document, read here with the result nz_xtag and nz_xtag_emit would
 * give (far0 being 0): "/...>" (closing), "T>" followed by the next tag or by text that is not
 * a leaf's (opening), "T>text</T>" (a leaf: its field is added). *next is where the tag ends,
 * 0 for any other tag or case, which nz_xtag then reads. e: the memo of this position. */
static NZ_INLINE int nz_xtag_fast(struct nz_map *m, struct nz_xml *x, size_t p,
                                  struct nz_memo_ent *e, size_t *next)
{
    const char *s = x->s;
    size_t n = x->n;
    *next = 0;
    if (p + 1 >= n)
        return CG_OK;
    m->last = SIZE_MAX;
    if (s[p] == '/') { /* form 1 */
        size_t c = s[p + 1] ? nz_find(s, n, p + 1, '>', &x->gt) : n;
        if (c < n && c != p + 1 && (c + 1 == n || s[c + 1] != '\0')) {
            *next = c + 1;
            if (e)
                nz_memo_label(e, s + p, c + 1 - p), e->kind = NZ_MK_CLOSE;
        }
        return CG_OK;
    }
    size_t q = nz_xname(s, n, p, e), v = q + 1, nl = q - p;
    if (q != p && v < n && s[q] == ' ' && s[v] != '\0')
        return nz_xtag_attrs(m, x, p, q, next);
    if (q == p || q >= n || s[q] != '>' || (v < n && s[v] == '\0'))
        return CG_OK;
    size_t r = v < n && s[v] == '<' ? v : nz_find(s, n, v, '<', &x->lt);
    if (r + 2 > n || s[r + 1] != '/' || (r + 2 < n && s[r + 2] == '\0')) {
        *next = r; /* not "</" after the text: an opening tag */
        if (e && r == v && (r + 2 > n || s[r + 1] != '/'))
            nz_memo_label(e, s + p, v - p), e->kind = NZ_MK_OPEN;
        return CG_OK;
    }
    size_t c = n - (r + 2) > nl && nz_same(s + r + 2, s + p, nl) && s[r + 2 + nl] == '>'
                   ? r + 2 + nl
                   : nz_find(s, n, r + 2, '>', &x->gt);
    if (c >= n || c == r + 2 || (c + 1 < n && s[c + 1] == '\0'))
        return CG_OK;
    size_t klen = nz_memo_pair_key(m, e, s + p, nl);
    struct cg_str val;
    if (klen == SIZE_MAX || (klen && !nz_xtext(&m->ev->arena, x, v, r, &val)))
        return CG_ENOMEM;
    int rc = klen ? nz_add_placed(m, klen, val) : CG_OK;
    m->last = SIZE_MAX;
    *next = c + 1;
    return rc;
}

/* Whether the tag at p is the opening or closing tag e remembers for this position, which then
 * ends at p + e->llen (see NZ_MK_OPEN, NZ_MK_CLOSE; nz_xtag_fast gives the same result). */
static NZ_INLINE bool nz_xmemo_tag(const struct nz_xml *x, size_t p, const struct nz_memo_ent *e)
{
    const char *s = x->s;
    size_t n = x->n, end = p + e->llen;
    if (e->kind == NZ_MK_OPEN)
        return n - p > e->llen && s[end] == '<' && (end + 1 >= n || s[end + 1] != '/') &&
               nz_same(s + p, e->label, e->llen);
    return e->kind == NZ_MK_CLOSE && n - p >= e->llen && (end == n || s[end] != '\0') &&
           nz_same(s + p, e->label, e->llen);
}

static bool nz_isspace(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r'); /* C locale isspace: \t \n \v \f \r */
}

/* After whitespace at p: where it ends. Whitespace is what C's isspace() takes and rsyslog's
 * escapes of TAB, LF and CR ("#011" "#012" "#015"), as a relay writes a pretty-printed
 * document. */
static size_t nz_xspace(const struct nz_xml *x, size_t p)
{
    while (p < x->n) {
        if (nz_isspace(x->s[p]))
            p++;
        else if (nz_rsyslog_ws(x->s + p, x->n - p))
            p += 4;
        else
            break;
    }
    return p;
}

/* The next tag's '<' at p, after whitespace between the tags (nz_xspace); n if none. */
static NZ_INLINE size_t nz_xnext(const struct nz_xml *x, size_t p)
{
    if (nz_lit(x->s, x->n, p, "<", 1))
        return p;
    size_t q = nz_xspace(x, p);
    return q != p && nz_lit(x->s, x->n, q, "<", 1) ? q : x->n;
}

/* Tags from p while each is followed by '<' (whitespace between them skipped); *end is where
 * the last one stopped. */
static int nz_xtags(struct nz_map *m, struct nz_xml *x, size_t p, size_t far0, size_t *end)
{
    struct nz_memo_ent *memo = m->memo ? m->memo->xml : NULL;
    for (size_t i = 0;; i++) {
        struct nz_memo_ent *e = memo && i < NZ_MEMO_MAX ? &memo[i] : NULL;
        size_t next = 0;
        int rc = CG_OK;
        if (!far0 && e && e->llen && e->kind != NZ_MK_NAME && nz_xmemo_tag(x, p, e)) {
            m->last = SIZE_MAX;
            next = p + e->llen;
        } else if (!far0) {
            rc = nz_xtag_fast(m, x, p, e, &next);
        }
        if (rc != CG_OK)
            return rc;
        if (!next) {
            struct nz_xtag t;
            if (!nz_xtag(x, p, far0, &t))
                return NZ_NOMATCH;
            if ((rc = nz_xtag_emit(m, x, &t)) != CG_OK)
                return rc;
            next = t.end;
        }
        p = next;
        far0 = 0;
        size_t lt = nz_xnext(x, p);
        if (lt >= x->n)
            break;
        p = lt + 1;
    }
    *end = p;
    return CG_OK;
}

/* The end of the document at e, or whitespace up to it; *far = how far it read. */
static bool nz_xtail(const struct nz_xml *x, size_t e, size_t *far)
{
    if (e >= x->n)
        return true;
    size_t w = nz_xspace(x, e);
    if (w == e)
        return false;
    *far = w;
    return w == x->n;
}

/* The first reading: "?xml...>", whitespace, '<', then the tags. *far = how far it got. */
static int nz_xdecl(struct nz_map *m, struct nz_xml *x, size_t *far)
{
    size_t c = nz_find(x->s, x->n, 4, '>', &x->gt), end = 0;
    *far = 4;
    if (c >= x->n || c == 4)
        return NZ_NOMATCH;
    *far = c;
    size_t lt = nz_lit(x->s, x->n, c, ">", 1) ? nz_xnext(x, c + 1) : x->n;
    if (lt >= x->n)
        return NZ_NOMATCH;
    *far = lt + 1;
    int rc = nz_xtags(m, x, lt + 1, 0, &end);
    if (rc != CG_OK)
        return rc;
    *far = end;
    return nz_xtail(x, end, far) ? CG_OK : NZ_NOMATCH;
}

int cg_nz_xml_flatten(struct nz_map *m, const char *s, size_t n)
{
    size_t far = 0, end = 0;
    struct nz_xml x = {
        s, n, nz_scan_none, nz_scan_none, nz_scan_none, nz_scan_none, nz_scan_none, nz_scan_none};
    struct nz_mark mk = nz_mark_fields(m);
    int rc;
    if (nz_lit(s, n, 0, "?xml", 4)) {
        rc = nz_xdecl(m, &x, &far);
        if (rc == CG_OK)
            return rc;
        nz_rollback(m, &mk);
        if (rc != NZ_NOMATCH)
            return rc;
    }
    rc = nz_xtags(m, &x, 0, far, &end);
    if (rc == CG_OK && !nz_xtail(&x, end, &far))
        rc = NZ_NOMATCH;
    if (rc != CG_OK)
        nz_rollback(m, &mk);
    return rc;
}
