/*
 * kvlist.c - the "<name>_kvlist" splitter: a SEPM risk line's "Label: value,..." list (the
 * contract and the grammar are in kvlist.h).
 *
 * Each piece is first compared with the label the memo (map.h) holds for its position, and
 * the common run of "Label: value" pieces is taken in a tight loop (nz_kvl_run); the general
 * reader (nz_kvl_piece) decides everything else. liblognorm measured a piece by the furthest
 * any rule had read: when rule 1 read a path to the end of the line and then found no ',' (a
 * line cut after "Occurrences: N,path"), rule 4 gave occurrences = N and the path was lost.
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
    struct nz_scan comma, actual;
    struct nz_memo_ent *memo; /* m->memo->kvl, or NULL */
    size_t i;                 /* the position of the piece in the list */
};

static const char nz_occ[] = "Occurrences: ";
static const char nz_actual[] = ",,Actual action: ";
static const char nz_detsub[] = "Detection Submissions ";

/* Rule 1 with p after "Occurrences: ": sp = {N, path, description} as [start, end) pairs
 * and *end; false when it does not apply, with *far = how far it read. */
static bool nz_kvl_occ(struct nz_kvl *k, size_t p, size_t sp[6], size_t *end, size_t *far)
{
    const char *s = k->s;
    size_t n = k->n, d = p;
    while (d < n && nz_isdigit((unsigned char)s[d]))
        d++;
    *far = d;
    if (d == p || !nz_lit(s, n, d, ",", 1))
        return false;
    size_t path = d + 1; /* liblognorm's string-to wants at least one byte of path */
    size_t a = nz_find_str(s, n, path + 1, nz_actual, sizeof(nz_actual) - 1, &k->actual);
    size_t f = a, g = a + 1; /* the path ends at ",,Actual action: ", the description is "" */
    if (a >= n) {
        f = nz_find(s, n, path, ',', &k->comma);
        *far = f;
        if (!nz_lit(s, n, f, ",", 1))
            return false;
        g = nz_find(s, n, f + 1, ',', &k->comma);
    }
    size_t v[6] = {p, d, path, f, f + 1, g};
    memcpy(sp, v, sizeof(v));
    *end = g;
    return true;
}

static int nz_kvl_named(struct nz_map *m, const char *key, size_t klen, const char *s, size_t from,
                        size_t to)
{
    return cg_nz_map_add(m, key, klen, cg_str_make(s + from, to - from));
}

/* Rule 3: the piece " text" at p, up to end. The previous value, ", " and the text are the
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

/* One piece at p; *end is where it ends (at a ',' or at n). */
static int nz_kvl_piece(struct nz_map *m, struct nz_kvl *k, size_t p, size_t *end)
{
    const char *s = k->s;
    size_t n = k->n, far = 0, sp[6];
    char c0 = p < n ? s[p] : '\0'; /* most pieces start with neither literal */
    if (c0 == 'O' && nz_lit(s, n, p, nz_occ, sizeof(nz_occ) - 1)) {
        if (nz_kvl_occ(k, p + sizeof(nz_occ) - 1, sp, end, &far)) {
            m->last = SIZE_MAX;
            int rc = nz_kvl_named(m, "occurrences", 11, s, sp[0], sp[1]);
            if (rc == CG_OK)
                rc = nz_kvl_named(m, "file_path", 9, s, sp[2], sp[3]);
            return rc == CG_OK ? nz_kvl_named(m, "description", 11, s, sp[4], sp[5]) : rc;
        }
    } else if (c0 == 'D' && nz_lit(s, n, p, nz_detsub, sizeof(nz_detsub) - 1)) {
        size_t v = p + sizeof(nz_detsub) - 1;
        *end = nz_find(s, n, v, ',', &k->comma);
        m->last = SIZE_MAX;
        return nz_kvl_named(m, "detection_submissions", 21, s, v, *end);
    } else if (nz_lit(s, n, p, " ", 1)) {
        *end = nz_find(s, n, p + 1, ',', &k->comma);
        return nz_kvl_cont(m, k, p, *end);
    }
    struct nz_memo_ent *me = k->memo && k->i < NZ_MEMO_MAX ? &k->memo[k->i] : NULL;
    size_t c = me ? p + me->llen : 0, e;
    if (me && me->llen && n - p >= me->llen + 2u && s[c] == ':' && s[c + 1] == ' ' &&
        (n - c == 2 || s[c + 2] != '\0') && nz_same(s + p, me->label, me->llen)) {
        /* the label of the memo (no ',' or ':' in it), then ": " */
        e = nz_find(s, n, c + 2, ',', &k->comma);
        *end = nz_max(e, far);
        return nz_emit_pair(m, me, s + p, c - p, cg_str_make(s + c + 2, e - c - 2));
    }
    e = nz_find(s, n, p, ',', &k->comma);
    const char *colon = e > p ? memchr(s + p, ':', e - p) : NULL;
    *end = nz_max(e, far);
    c = colon ? (size_t)(colon - s) : 0;
    if (colon && c > p && nz_lit(s, n, c, ": ", 2)) {
        if (me)
            nz_memo_label(me, s + p, c - p);
        return nz_emit_pair(m, me, s + p, c - p, cg_str_make(s + c + 2, e - c - 2));
    }
    return cg_nz_map_unlabeled(m, cg_str_make(s + p, e - p));
}

/* Whether a piece that starts with the memo's label e and ": " is one that rules 1-3 leave to
 * rule 4: the label is not "Occurrences", does not start with "Detection Submissions " or a
 * space. */
static bool nz_kvl_plain(const struct nz_memo_ent *e)
{
    switch (e->label[0]) {
    case ' ': return false;
    case 'O': return !(e->llen == 11 && memcmp(e->label, nz_occ, 11) == 0);
    case 'D': return !(e->llen >= 22 && memcmp(e->label, nz_detsub, 22) == 0);
    default: return true;
    }
}

#define NZ_KVL_DONE 2 /* nz_kvl_run: the list ended */

/* From the piece at *p, the pieces that are the memo's label of their position, ": " and a
 * value (most of a line), added as rule 4 would, in a tight loop. *p is left at the first
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
    struct nz_kvl k = {s, n, nz_scan_none, nz_scan_none, m->memo ? m->memo->kvl : NULL, 0};
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
