/*
 * kvlist.c - the "<name>_kvlist" splitter: a SEPM risk line's "Label: value,..." list (the
 * contract and the grammar are in kvlist.h).
 *
 * Each piece is first compared with the label the memo (map.h) holds for its position, and
 * the common run of "Label: value" pieces is taken in a tight loop (nz_kvl_run); the general
 * reader (nz_kvl_piece) decides everything else. liblognorm measured a piece by the furthest
 * any rule had read: when rule 1 read a path to the end of the line and then found no ',' (a
 * line cut after "Occurrences: N,path"), rule 5 gave occurrences = N and the path was lost.
 * The same is done here, so that the output does not depend on the engine.
 */
#include "kvlist.h"
#include "scan.h"

/* memmem for a needle of at least two bytes that starts with a byte rare in the haystack:
 * memchr for the first byte, a test of the second, then the rest (glibc's memmem sets up a
 * two-way search first, which costs more than the whole search here). Linear. */
static const char *nz_memmem(const char *h, size_t hn, const char *nd, size_t nn)
{
    for (const char *end = h + hn; (size_t)(end - h) >= nn; h++) {
        if (!(h = memchr(h, nd[0], (size_t)(end - h) - nn + 1)))
            return NULL;
        if (h[1] == nd[1] && memcmp(h + 2, nd + 2, nn - 2) == 0)
            return h;
    }
    return NULL;
}

/* The same for a string (needle of nlen >= 2 bytes, all of it before n). */
static size_t nz_find_str(const char *s, size_t n, size_t x, const char *needle, size_t nlen,
                          struct nz_scan *sc)
{
    if (sc->from <= x && x <= sc->at)
        return sc->at;
    const char *p = x < n ? nz_memmem(s + x, n - x, needle, nlen) : NULL;
    sc->from = x;
    sc->at = p ? (size_t)(p - s) : n;
    return sc->at;
}

/* One split: the list, the scans it repeats, its memo (NULL: none) and the piece it is at. */
struct nz_kvl {
    const char *s;
    size_t n;
    struct nz_scan comma, actual, desc;
    int lang;                 /* the language k->actual was searched for, -1: none */
    struct nz_memo_ent *memo; /* m->memo->kvl, or NULL */
    size_t i;                 /* the position of the piece in the list */
};

/* The "Occurrences" label of rule 1 and the "Actual action" label that follows its two
 * unlabelled columns, in the languages SEPM writes them (rules/lognorm/README.md: English,
 * Japanese, Simplified Chinese). A line is written in one language; the first byte of the
 * label tells them apart (nz_kvl_lang_of). */
struct nz_kvl_pair { /* two strings and their lengths: this table and nz_kvl_aliases */
    const char *a, *b;
    unsigned char an, bn;
};

#define NZ_KVL_PAIR(a, b)                                                                          \
    {                                                                                              \
        a, b, sizeof(a) - 1, sizeof(b) - 1                                                         \
    }
static const struct nz_kvl_pair nz_kvl_langs[] = {
    /* a: the Occurrences label, b: Actual action */
    NZ_KVL_PAIR("Occurrences: ", ",,Actual action: "),
    NZ_KVL_PAIR("件数: ", ",,実際の処理: "),
    NZ_KVL_PAIR("出现次数: ", ",,实际的操作: "),
};

static int nz_kvl_lang_of(unsigned char c0)
{
    switch (c0) {
    case 'O': return 0;
    case 0xe4: return 1;
    case 0xe5: return 2;
    default: return -1;
    }
}

static const char nz_detsub[] = "Detection Submissions ";
static const char nz_fpath[] = "File path: "; /* SEP 14.3 labels the path column */
static const char nz_desc[] = ",Description: ";

/* What rule 1 found. */
enum {
    NZ_OCC_NO,       /* it does not apply */
    NZ_OCC_COLUMNS,  /* N and the two unlabelled columns */
    NZ_OCC_LABELLED, /* N alone: a "Label: value" piece follows (SEP 14.3's "File path: ",
                        the traffic log's "Application: "): the columns have labels */
};

/* Rule 1 with p after the Occurrences label of language lang: sp = {N, path, description}
 * as [start, end) pairs and *end; *far = how far it read when it does not apply. */
static int nz_kvl_occ(struct nz_kvl *k, int lang, size_t p, size_t sp[6], size_t *end, size_t *far)
{
    const char *s = k->s;
    size_t n = k->n, d = p;
    while (d < n && nz_isdigit((unsigned char)s[d]))
        d++;
    *far = d;
    if (d == p || !nz_lit(s, n, d, ",", 1))
        return NZ_OCC_NO;
    size_t e = nz_find(s, n, d + 1, ',', &k->comma);
    const char *colon = e > d + 1 ? memchr(s + d + 1, ':', e - d - 1) : NULL;
    if (colon && colon > s + d + 1 && nz_lit(s, n, (size_t)(colon - s), ": ", 2)) {
        sp[0] = p, sp[1] = d, *end = d; /* "Label: ..." follows: the columns have labels */
        return NZ_OCC_LABELLED;
    }
    const struct nz_kvl_pair *L = &nz_kvl_langs[lang];
    if (k->lang != lang) { /* the scan remembers one needle */
        k->actual = nz_scan_none;
        k->lang = lang;
    }
    size_t path = d + 1; /* liblognorm's string-to wants at least one byte of path */
    size_t a = nz_find_str(s, n, path + 1, L->b, L->bn, &k->actual);
    size_t f = a, g = a + 1; /* the path ends at ",,Actual action: ", the description is "" */
    if (a >= n) {
        f = nz_find(s, n, path, ',', &k->comma);
        *far = f;
        if (!nz_lit(s, n, f, ",", 1))
            return NZ_OCC_NO;
        g = nz_find(s, n, f + 1, ',', &k->comma);
    }
    size_t v[6] = {p, d, path, f, f + 1, g};
    memcpy(sp, v, sizeof(v));
    *end = g;
    return NZ_OCC_COLUMNS;
}

static int nz_kvl_named(struct nz_map *m, const char *key, size_t klen, const char *s, size_t from,
                        size_t to)
{
    return cg_nz_map_add(m, key, klen, cg_str_make(s + from, to - from));
}

/* Rule 2: SEP 14.3's "File path: X" at p, which may hold commas: it runs up to
 * ",Description: " when that string follows, else to the next ','. */
static int nz_kvl_fpath(struct nz_map *m, struct nz_kvl *k, size_t p, size_t *end)
{
    size_t v = p + sizeof(nz_fpath) - 1;
    size_t d = nz_find_str(k->s, k->n, v, nz_desc, sizeof(nz_desc) - 1, &k->desc);
    *end = d < k->n ? d : nz_find(k->s, k->n, v, ',', &k->comma);
    m->last = SIZE_MAX;
    return nz_kvl_named(m, "file_path", 9, k->s, v, *end);
}

/* ---- localised labels ------------------------------------------------------------------ */

/* Labels of localised SEPM that name the same column as an English label: the field gets the
 * English label's key, so rules and the subject see one name. Sources in test/data/README.md
 * (sepm); a label not listed keeps snake_case(label), UTF-8 bytes and all. */
static const struct nz_kvl_pair nz_kvl_aliases[] = {
    /* a: the label, b: the key */
    /* Japanese */
    NZ_KVL_PAIR("IP アドレス", "ip_address"),
    NZ_KVL_PAIR("コンピュータ名", "computer_name"),
    NZ_KVL_PAIR("リスク名", "risk_name"),
    NZ_KVL_PAIR("件数", "occurrences"),
    NZ_KVL_PAIR("実際の処理", "actual_action"),
    NZ_KVL_PAIR("イベント時間", "event_time"),
    NZ_KVL_PAIR("ユーザー", "user"),
    NZ_KVL_PAIR("カテゴリセット", "category_set"),
    NZ_KVL_PAIR("カテゴリの種類", "category_type"),
    NZ_KVL_PAIR("送信元 IP", "source_ip"),
    NZ_KVL_PAIR("アプリケーションハッシュ", "application_hash"),
    NZ_KVL_PAIR("会社名", "company_name"),
    NZ_KVL_PAIR("信頼度", "confidence"),
    /* Simplified Chinese */
    NZ_KVL_PAIR("IP 地址", "ip_address"),
    NZ_KVL_PAIR("计算机名", "computer_name"),
    NZ_KVL_PAIR("风险名称", "risk_name"),
    NZ_KVL_PAIR("出现次数", "occurrences"),
    NZ_KVL_PAIR("实际的操作", "actual_action"),
    NZ_KVL_PAIR("请求的操作", "requested_action"),
    NZ_KVL_PAIR("事件时间", "event_time"),
    NZ_KVL_PAIR("用户", "user"),
    NZ_KVL_PAIR("源计算机", "source_computer"),
    NZ_KVL_PAIR("源 IP", "source_ip"),
    NZ_KVL_PAIR("可信度", "confidence"),
};

/* The alias of a label, NULL if it has none. Only a label with a byte >= 0x80 can have one;
 * the memo keeps the key per position, so a line of known labels does not get here. */
static const struct nz_kvl_pair *nz_kvl_alias_find(const char *label, size_t llen)
{
    size_t i = 0;
    while (i < llen && (unsigned char)label[i] < 0x80)
        i++;
    if (i == llen)
        return NULL;
    for (size_t j = 0; j < CG_ARRAY_LEN(nz_kvl_aliases); j++) {
        const struct nz_kvl_pair *a = &nz_kvl_aliases[j];
        if (a->an == llen && memcmp(a->a, label, llen) == 0)
            return a;
    }
    return NULL;
}

/* nz_emit_pair (map.h) with the localised labels mapped: "Label: value" -> field. */
static int nz_kvl_emit(struct nz_map *m, struct nz_memo_ent *e, const char *label, size_t llen,
                       struct cg_str val)
{
    const struct nz_kvl_pair *a = e && e->klen ? NULL : nz_kvl_alias_find(label, llen);
    if (!a)
        return nz_emit_pair(m, e, label, llen, val);
    char *k = nz_key_room(m, a->bn);
    m->last = SIZE_MAX;
    if (!k)
        return CG_ENOMEM;
    memcpy(k, a->b, a->bn);
    if (e && e->llen) { /* the fast path (nz_kvl_run) copies the key from the memo */
        memcpy(e->key, a->b, a->bn);
        e->klen = a->bn;
    }
    return nz_add_placed(m, a->bn, val);
}

/* ---- pieces ---------------------------------------------------------------------------- */

/* Rule 4: the piece " text" at p, up to end. The previous value, ", " and the text are the
 * bytes of s from that value on when the value is a view that ends at the ',' before p,
 * which every value of this list does (a bare label's empty value too, see
 * cg_nz_map_unlabeled): the view is widened. A copy (cg_nz_map_cont) would copy the growing
 * value once per piece, and "A: 1, , , ..." would take memory quadratic in the line. */
static int nz_kvl_cont(struct nz_map *m, const struct nz_kvl *k, size_t p, size_t end)
{
    if (m->last != SIZE_MAX) {
        struct cg_str *prev = &m->ev->fields.v[m->last].val;
        if (prev->n < p && prev->p == k->s + (p - 1 - prev->n)) {
            *prev = cg_str_make(prev->p, end - (p - 1 - prev->n));
            return CG_OK;
        }
    }
    return cg_nz_map_cont(m, cg_str_make(k->s + p + 1, end - p - 1));
}

/* Rules 1-4 at p (rule 1 in language lang, -1: not an Occurrences label): *done when one
 * applied, *far how far rule 1 read when it did not. */
static int nz_kvl_special(struct nz_map *m, struct nz_kvl *k, size_t p, int lang, size_t *end,
                          size_t *far, bool *done)
{
    const char *s = k->s;
    size_t n = k->n, sp[6];
    char c0 = s[p];
    *done = true;
    if (lang >= 0) {
        int how = nz_kvl_occ(k, lang, p + nz_kvl_langs[lang].an, sp, end, far);
        m->last = SIZE_MAX;
        int rc = how == NZ_OCC_NO ? CG_OK : nz_kvl_named(m, "occurrences", 11, s, sp[0], sp[1]);
        if (rc == CG_OK && how == NZ_OCC_COLUMNS)
            rc = nz_kvl_named(m, "file_path", 9, s, sp[2], sp[3]);
        if (rc == CG_OK && how == NZ_OCC_COLUMNS)
            rc = nz_kvl_named(m, "description", 11, s, sp[4], sp[5]);
        *done = how != NZ_OCC_NO;
        return rc;
    }
    if (c0 == 'D' && nz_lit(s, n, p, nz_detsub, sizeof(nz_detsub) - 1)) {
        size_t v = p + sizeof(nz_detsub) - 1;
        *end = nz_find(s, n, v, ',', &k->comma);
        m->last = SIZE_MAX;
        return nz_kvl_named(m, "detection_submissions", 21, s, v, *end);
    }
    if (c0 == 'F' && nz_lit(s, n, p, nz_fpath, sizeof(nz_fpath) - 1))
        return nz_kvl_fpath(m, k, p, end);
    if (c0 == ' ' && nz_lit(s, n, p, " ", 1)) {
        *end = nz_find(s, n, p + 1, ',', &k->comma);
        return nz_kvl_cont(m, k, p, *end);
    }
    *done = false;
    return CG_OK;
}

/* One piece at p; *end is where it ends (at a ',' or at n). */
static int nz_kvl_piece(struct nz_map *m, struct nz_kvl *k, size_t p, size_t *end)
{
    const char *s = k->s;
    size_t n = k->n, far = 0;
    if (p < n) { /* most pieces start with no byte rules 1-4 look for */
        int lang = nz_kvl_lang_of((unsigned char)s[p]);
        if (lang >= 0 && !nz_lit(s, n, p, nz_kvl_langs[lang].a, nz_kvl_langs[lang].an))
            lang = -1;
        bool done = false;
        int rc = nz_kvl_special(m, k, p, lang, end, &far, &done);
        if (rc != CG_OK || done)
            return rc;
    }
    struct nz_memo_ent *me = k->memo && k->i < NZ_MEMO_MAX ? &k->memo[k->i] : NULL;
    size_t c = me ? p + me->llen : 0, e;
    if (me && me->llen && n - p >= me->llen + 2u && s[c] == ':' && s[c + 1] == ' ' &&
        (n - c == 2 || s[c + 2] != '\0') && nz_same(s + p, me->label, me->llen)) {
        /* the label of the memo (no ',' or ':' in it), then ": " */
        e = nz_find(s, n, c + 2, ',', &k->comma);
        *end = nz_max(e, far);
        return nz_kvl_emit(m, me, s + p, c - p, cg_str_make(s + c + 2, e - c - 2));
    }
    e = nz_find(s, n, p, ',', &k->comma);
    const char *colon = e > p ? memchr(s + p, ':', e - p) : NULL;
    *end = nz_max(e, far);
    c = colon ? (size_t)(colon - s) : 0;
    if (colon && c > p && nz_lit(s, n, c, ": ", 2)) {
        if (me)
            nz_memo_label(me, s + p, c - p);
        return nz_kvl_emit(m, me, s + p, c - p, cg_str_make(s + c + 2, e - c - 2));
    }
    return cg_nz_map_unlabeled(m, cg_str_make(s + p, e - p));
}

/* Whether a piece that starts with the memo's label e and ": " is one that rules 1-4 leave to
 * rule 5: the label is no Occurrences label, not "File path", does not start with
 * "Detection Submissions " or a space. */
static bool nz_kvl_plain(const struct nz_memo_ent *e)
{
    unsigned char c0 = (unsigned char)e->label[0];
    int lang = nz_kvl_lang_of(c0);
    if (lang >= 0) {
        const struct nz_kvl_pair *L = &nz_kvl_langs[lang];
        return !(e->llen + 2u == L->an && memcmp(e->label, L->a, e->llen) == 0);
    }
    switch (c0) {
    case ' ': return false;
    case 'D': return !(e->llen >= 22 && memcmp(e->label, nz_detsub, 22) == 0);
    case 'F': return !(e->llen == 9 && memcmp(e->label, nz_fpath, 9) == 0);
    default: return true;
    }
}

#define NZ_KVL_DONE 2 /* nz_kvl_run: the list ended */

/* From the piece at *p, the pieces that are the memo's label of their position, ": " and a
 * value (most of a line), added as rule 5 would, in a tight loop. *p is left at the first
 * piece not taken; NZ_KVL_DONE when the list ended. */
static int nz_kvl_run(struct nz_map *m, struct nz_kvl *k, size_t *pp)
{
    const char *s = k->s;
    size_t n = k->n, p = *pp;
    for (; k->memo && k->i < NZ_MEMO_MAX; k->i++) {
        const struct nz_memo_ent *e = &k->memo[k->i];
        size_t c = p + e->llen, v = c + 2;
        if (!e->klen || n - p < e->llen + 2u || s[c] != ':' || s[c + 1] != ' ' ||
            (v < n && s[v] == '\0') || !nz_same(s + p, e->label, e->llen) || !nz_kvl_plain(e))
            break;
        const char *comma = memchr(s + v, ',', n - v);
        size_t end = comma ? (size_t)(comma - s) : n;
        char *key = nz_key_room(m, sizeof(e->key));
        if (!key)
            return CG_ENOMEM;
        memcpy(key, e->key, sizeof(e->key)); /* a constant-size copy */
        int rc = nz_add_placed(m, e->klen, cg_str_make(s + v, end - v));
        if (rc != CG_OK)
            return rc;
        if (end >= n) {
            k->i++;
            return NZ_KVL_DONE;
        }
        if (end + 1 < n && s[end + 1] == '\0')
            return NZ_NOMATCH; /* as the general loop: the ',' is not followed as a literal */
        p = end + 1;
    }
    *pp = p;
    return CG_OK;
}

/* The pieces of s[0..n), in order (kvlist.h). */
int cg_nz_kvlist_split(struct nz_map *m, const char *s, size_t n)
{
    struct nz_kvl k = {
        s, n, nz_scan_none, nz_scan_none, nz_scan_none, -1, m->memo ? m->memo->kvl : NULL, 0};
    struct nz_mark mk = nz_mark_fields(m);
    size_t p = 0, end = 0;
    int rc = CG_OK;
    m->last = SIZE_MAX;
    for (;; k.i++) {
        rc = nz_kvl_run(m, &k, &p);
        if (rc == NZ_KVL_DONE) {
            rc = CG_OK;
            break;
        }
        if (rc == CG_OK)
            rc = nz_kvl_piece(m, &k, p, &end);
        if (rc != CG_OK || end >= n)
            break;
        if (!nz_lit(s, n, end, ",", 1)) {
            rc = NZ_NOMATCH; /* the list does not reach the end of the value */
            break;
        }
        p = end + 1;
    }
    if (rc != CG_OK)
        nz_rollback(m, &mk);
    m->last = SIZE_MAX;
    return rc;
}
