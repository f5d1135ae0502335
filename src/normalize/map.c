/*
 * map.c - rule output into the event (see map.h): adds, the roles of top-level keys, the
 * list splits they start and the directives applied at the end.
 *
 * The contract for rulebase writers is rules/lognorm/README.md:
 *   - header keys (vendor, product, product_version, event_id, name, severity) fill the
 *     event header; "event.tags", "originalmsg", "unparsed-data" are dropped;
 *   - "<target>_from" = "key1,key2": the first present, non-empty field becomes <target>
 *     (a header key, or a field such as "subject"); "<target>_fmt" = "text ${key} text"
 *     builds <target> from fields. These directives come from annotate= lines; they are
 *     applied after all fields, and never overwrite a value the rule set itself;
 *   - "<name>_require" = "key1,key2": the rule matches only when one of these fields is
 *     present and not empty (checked before the directives above, on the parsed fields);
 *   - "kv" / "kv_*" arrays are pair lists (lognorm.c): elements {"name","value"} become
 *     fields named snake_case(name); {"cont"} continues the previous value after ", ";
 *     {"value"} alone is an unlabelled piece ("unlabeled.<n>", or "Label:" with an empty
 *     value); {"name","attrs":[pairs]} gives "<name>.<attr>" fields (XML attributes);
 *   - a string named "<name>_kvlist" is a SEPM-style "Label: value,..." list and one named
 *     "<name>_xmlflat" an XML document: split into the same pairs (kvlist.h, xml.h); a value
 *     that does not split means the rule did not match;
 *   - a key ending in "_xml" holds XML text: entities are decoded in its values and the
 *     suffix is dropped from the field name;
 *   - everything else is flattened (lognorm.c): objects with '.', arrays with ".<index>".
 */
#include "map.h"

#include "kvlist.h"
#include "xml.h"

#include <stdio.h>

/* ---- header keys ----------------------------------------------------------------------- */

static const char *const nz_header_keys[] = {"vendor",   "product", "product_version",
                                             "event_id", "name",    "severity"};

int cg_nz_map_header_index(const char *k, size_t n)
{
    int i;
    switch (n) { /* the header keys differ in length but for event_id and severity */
    case 4: i = 4; break;
    case 6: i = 0; break;
    case 7: i = 1; break;
    case 8: i = k[0] == 'e' ? 3 : 5; break;
    case 15: i = 2; break;
    default: return -1;
    }
    return nz_same(k, nz_header_keys[i], n) ? i : -1;
}

static struct cg_str *nz_header_at(struct cg_event *ev, int i)
{
    struct cg_str *slots[] = {&ev->vendor,   &ev->product, &ev->product_version,
                              &ev->event_id, &ev->name,    &ev->severity};
    return i >= 0 && i < (int)CG_ARRAY_LEN(slots) ? slots[i] : NULL;
}

struct cg_str *cg_nz_map_header(struct cg_event *ev, const char *key, size_t klen)
{
    return nz_header_at(ev, cg_nz_map_header_index(key, klen));
}

/* ---- adds ------------------------------------------------------------------------------ */

int cg_nz_map_add(struct nz_map *m, const char *key, size_t klen, struct cg_str val)
{
    struct cg_fields *f = &m->ev->fields;
    if (f->n >= f->max) { /* what cg_fields_add does, without copying the key first */
        f->limit_dropped++;
        m->last = SIZE_MAX;
        return CG_OK;
    }
    char *k = nz_key_room(m, klen);
    if (!k)
        return CG_ENOMEM;
    if (klen)
        memcpy(k, key, klen);
    return nz_add_placed(m, klen, val);
}

/* A pair list is a sequence of elements that become fields: a "kv" / "kv_*" array a rule
 * built (lognorm.c), or a "_kvlist" / "_xmlflat" value that is split (kvlist.c, xml.c).
 * m->last is the field a continuation extends. */

/* A label from the data must not take the place of the rule's "subject" field: such a
 * pair is stored as "subject_". key has room for NZ_KEY_MAX bytes. */
static size_t nz_unreserve(char *key, size_t klen)
{
    if (klen == 7 && memcmp(key, "subject", 7) == 0)
        key[klen++] = '_';
    return klen;
}

size_t cg_nz_map_pair_key(struct nz_map *m, const char *label, size_t llen)
{
    /* snake_case at most doubles a label; +1 for nz_unreserve; 32 for cg_nz_snake_cached's copy */
    size_t room = (llen < NZ_KEY_MAX / 2 ? 2 * llen : NZ_KEY_MAX) + 1;
    char *k = nz_key_room(m, room < 32 ? 32 : room);
    if (!k)
        return SIZE_MAX;
    return nz_unreserve(
        k, cg_nz_snake_cached(m->snake, label, llen, k, NZ_KEY_MAX, room < 32 ? 32 : room));
}

int cg_nz_map_cont(struct nz_map *m, struct cg_str c)
{
    if (m->last == SIZE_MAX) {
        char key[32];
        int len = snprintf(key, sizeof(key), "unlabeled.%zu", m->unlabeled++);
        return cg_nz_map_add(m, key, (size_t)len, c);
    }
    struct cg_str *prev = &m->ev->fields.v[m->last].val;
    char *o = cg_arena_alloc(&m->ev->arena, prev->n + 2 + c.n);
    if (!o)
        return CG_ENOMEM;
    if (prev->n)
        memcpy(o, prev->p, prev->n);
    memcpy(o + prev->n, ", ", 2);
    if (c.n)
        memcpy(o + prev->n + 2, c.p, c.n);
    *prev = cg_str_make(o, prev->n + 2 + c.n);
    return CG_OK;
}

/* "Label Name" followed by ':' only (an empty value at the end of a line). */
static bool nz_is_bare_label(struct cg_str s)
{
    if (s.n < 2 || s.n > 65 || s.p[s.n - 1] != ':')
        return false;
    unsigned char c0 = (unsigned char)s.p[0];
    if (!nz_isupper(c0) && !nz_islower(c0))
        return false;
    for (size_t i = 1; i + 1 < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!nz_isupper(c) && !nz_islower(c) && !nz_isdigit(c) && (c == 0 || !strchr(" ()-_", c)))
            return false;
    }
    return true;
}

int cg_nz_map_unlabeled(struct nz_map *m, struct cg_str v)
{
    m->last = SIZE_MAX;
    if (v.n == 0)
        return CG_OK; /* an empty column */
    if (nz_is_bare_label(v))
        return nz_emit_pair(m, NULL, v.p, v.n - 1, cg_str_make(v.p + v.n, 0)); /* see kvlist.c */
    char key[32];
    int len = snprintf(key, sizeof(key), "unlabeled.%zu", m->unlabeled++);
    return cg_nz_map_add(m, key, (size_t)len, v);
}

/* ---- top-level keys --------------------------------------------------------------------- */

/* "<name>_kvlist" / "<name>_xmlflat": the string is split into fields (the name itself is
 * not used). The fields point into one copy of it in the arena. */
static int nz_split(struct nz_map *m, struct cg_str s,
                    int (*split)(struct nz_map *, const char *, size_t))
{
    char *copy = cg_arena_dup(&m->ev->arena, s.p ? s.p : "", s.n);
    if (!copy && s.n)
        return CG_ENOMEM;
    return split(m, copy ? copy : "", s.n);
}

static int nz_dup_into(struct cg_arena *a, struct cg_str s, struct cg_str *out)
{
    char *d = cg_arena_dup(a, s.p ? s.p : "", s.n);
    if (!d && s.n)
        return CG_ENOMEM;
    *out = cg_str_make(d ? d : "", s.n);
    return CG_OK;
}

/* nz_dup_into for a value of a top-level key: a short one goes to the room of the keys (one arena
 * call per chunk, not per value). No key may be pending there (cg_nz_map_pair_key). */
static int nz_copy(struct nz_map *m, struct cg_str s, struct cg_str *out)
{
    if (s.n == 0 || s.n > NZ_KEY_MAX)
        return nz_dup_into(&m->ev->arena, s, out);
    char *d = nz_key_room(m, s.n);
    if (!d)
        return CG_ENOMEM;
    memcpy(d, s.p, s.n);
    m->kroom += s.n;
    m->kfree -= s.n;
    *out = cg_str_make(d, s.n);
    return CG_OK;
}

int cg_nz_map_top(struct nz_map *m, const char *key, struct nz_role r, struct cg_str s)
{
    struct cg_str v;
    switch (r.role) {
    case NZ_ROLE_FMT:
    case NZ_ROLE_FROM:
        if (m->ndir < NZ_DIRECTIVES_MAX)
            m->dir[m->ndir++] =
                (struct nz_directive){key, r.len, s, r.role == NZ_ROLE_FMT, false, r.hdr};
        return CG_OK;
    case NZ_ROLE_REQUIRE:
        if (m->ndir == NZ_DIRECTIVES_MAX)
            return NZ_NOMATCH; /* a requirement is never dropped unchecked */
        m->dir[m->ndir++] = (struct nz_directive){key, 0, s, false, true, -1};
        return CG_OK;
    case NZ_ROLE_KVLIST: return nz_split(m, s, cg_nz_kvlist_splitter(key, strlen(key)));
    case NZ_ROLE_XMLFLAT: return nz_split(m, s, cg_nz_xml_flatten);
    case NZ_ROLE_HEADER: return nz_copy(m, s, nz_header_at(m->ev, r.hdr));
    case NZ_ROLE_XML:
        if (s.n && memchr(s.p, '&', s.n))
            return cg_nz_xml_decode(&m->ev->arena, s.p, s.n, &v) ? cg_nz_map_add(m, key, r.len, v)
                                                                 : CG_ENOMEM;
        /* fall through */
    case NZ_ROLE_FIELD:
        return nz_copy(m, s, &v) == CG_OK ? cg_nz_map_add(m, key, r.len, v) : CG_ENOMEM;
    default: return CG_OK;
    }
}

/* ---- directives ------------------------------------------------------------------------- */

/* First present, non-empty field of a "a,b , c" list. */
static bool nz_from(struct cg_fields *f, const char *list, size_t n, struct cg_str *out)
{
    size_t i = 0;
    while (i < n) {
        const char *comma = memchr(list + i, ',', n - i);
        size_t j = comma ? (size_t)(comma - list) : n;
        size_t s = i, e = j;
        while (s < e && list[s] == ' ')
            s++;
        while (e > s && list[e - 1] == ' ')
            e--;
        const struct cg_str *v = e > s ? cg_fields_get(f, cg_str_make(list + s, e - s)) : NULL;
        if (v && v->n) {
            *out = *v;
            return true;
        }
        i = j + 1;
    }
    return false;
}

#define NZ_FMT_REFS 8 /* references the measuring pass of a template keeps for the copy */

/* A "${key}" reference of a template: t[at, next) and the field's value. */
struct nz_ref {
    size_t at, next;
    const struct cg_str *v;
};

/* Walks template t[0..n): o == NULL measures (*len) and keeps the first NZ_FMT_REFS references
 * in refs (*nrefs: how many there are); else writes the expansion to o. Returns false when a
 * referenced field is absent. "$" not followed by "{...}" is literal. */
static bool nz_expand(struct cg_fields *f, const char *t, size_t n, char *o, size_t *len,
                      struct nz_ref *refs, size_t *nrefs)
{
    size_t j = 0, r = 0;
    for (size_t i = 0; i < n;) {
        const char *d = memchr(t + i, '$', n - i);
        size_t run = d ? (size_t)(d - (t + i)) : n - i;
        if (o && run)
            memcpy(o + j, t + i, run);
        j += run;
        if ((i += run) >= n)
            break;
        const char *close = i + 1 < n && t[i + 1] == '{' ? memchr(t + i + 2, '}', n - i - 2) : NULL;
        if (!close) {
            if (o)
                o[j] = '$';
            j++;
            i++;
            continue;
        }
        const struct cg_str *v =
            cg_fields_get(f, cg_str_make(t + i + 2, (size_t)(close - (t + i + 2))));
        if (!v)
            return false;
        if (!o && r < NZ_FMT_REFS)
            refs[r] = (struct nz_ref){i, (size_t)(close - t) + 1, v};
        r++;
        if (o && v->n)
            memcpy(o + j, v->p, v->n);
        j += v->n;
        i = (size_t)(close - t) + 1;
    }
    *len = j;
    *nrefs = r;
    return true;
}

/* The expansion of template t[0..n) from the references the measuring pass kept. */
static void nz_expand_refs(const char *t, size_t n, const struct nz_ref *refs, size_t nrefs,
                           char *o)
{
    size_t prev = 0, j = 0;
    for (size_t k = 0; k < nrefs; k++) {
        memcpy(o + j, t + prev, refs[k].at - prev);
        j += refs[k].at - prev;
        if (refs[k].v->n)
            memcpy(o + j, refs[k].v->p, refs[k].v->n);
        j += refs[k].v->n;
        prev = refs[k].next;
    }
    if (n > prev)
        memcpy(o + j, t + prev, n - prev);
}

static int nz_fmt(struct nz_map *m, const char *t, size_t n, struct cg_str *out, bool *ok)
{
    size_t len = 0, nrefs = 0;
    struct nz_ref refs[NZ_FMT_REFS];
    *ok = nz_expand(&m->ev->fields, t, n, NULL, &len, refs, &nrefs);
    if (!*ok)
        return CG_OK;
    char *o = cg_arena_alloc(&m->ev->arena, len ? len : 1);
    if (!o)
        return CG_ENOMEM;
    if (nrefs <= NZ_FMT_REFS)
        nz_expand_refs(t, n, refs, nrefs, o);
    else
        nz_expand(&m->ev->fields, t, n, o, &len, NULL, &nrefs);
    *out = cg_str_make(o, len);
    return CG_OK;
}

/* Sets the header value hdr (-1: none) or adds field target, unless the rule already set it. */
static int nz_set_target(struct nz_map *m, const char *target, size_t tlen, int hdr_index,
                         struct cg_str val)
{
    struct cg_str *hdr = nz_header_at(m->ev, hdr_index);
    if (hdr) {
        if (hdr->n == 0)
            *hdr = val;
        return CG_OK;
    }
    if (cg_fields_get(&m->ev->fields, cg_str_make(target, tlen)))
        return CG_OK;
    return cg_nz_map_add(m, target, tlen, val);
}

int cg_nz_map_directives(struct nz_map *m)
{
    struct cg_str found;
    for (size_t i = 0; i < m->ndir; i++)
        if (m->dir[i].require && !nz_from(&m->ev->fields, m->dir[i].val.p, m->dir[i].val.n, &found))
            return NZ_NOMATCH;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < m->ndir; i++) {
            struct nz_directive *d = &m->dir[i];
            if (d->fmt != (pass == 0) || d->tlen == 0)
                continue;
            const char *s = d->val.p;
            size_t n = d->val.n;
            struct cg_str val;
            bool ok = false;
            if (d->fmt && nz_fmt(m, s, n, &val, &ok) != CG_OK)
                return CG_ENOMEM;
            if (!d->fmt)
                ok = nz_from(&m->ev->fields, s, n, &val);
            if (ok && nz_set_target(m, d->target, d->tlen, d->hdr, val) != CG_OK)
                return CG_ENOMEM;
        }
    }
    return CG_OK;
}
