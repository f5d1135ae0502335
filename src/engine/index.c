/*
 * index.c - the rule index and its candidate cache (see index.h).
 */
#include "index.h"

#include "cefguard/vec.h"

#include <stdlib.h>

static int list_add(struct cg_index_list *b, const struct cg_rule *r, enum cg_corr_role role)
{
    if (cg_vec_reserve(b, b->n + 1) != CG_OK)
        return CG_ENOMEM;
    b->v[b->n++] = (struct cg_index_entry){r, role};
    return CG_OK;
}

static int map_list_add(struct cg_hmap *m, struct cg_str k, const struct cg_rule *r,
                        enum cg_corr_role role)
{
    struct cg_index_list *b = cg_hmap_get(m, k.p, k.n);
    if (!b) {
        if (!(b = calloc(1, sizeof(*b))))
            return CG_ENOMEM;
        if (cg_hmap_put(m, k.p, k.n, b) != CG_OK) {
            free(b);
            return CG_ENOMEM;
        }
    }
    /* A list may name the same value twice: index the entry once. */
    if (b->n && b->v[b->n - 1].rule == r && b->v[b->n - 1].role == role)
        return CG_OK;
    return list_add(b, r, role);
}

static int range_add(struct cg_index *ix, double lo, double hi, const struct cg_rule *r,
                     enum cg_corr_role role)
{
    if (cg_vec_reserve(&ix->ranges, ix->ranges.n + 1) != CG_OK)
        return CG_ENOMEM;
    ix->ranges.v[ix->ranges.n++] = (struct cg_index_range){lo, hi, {r, role}};
    return CG_OK;
}

/* Names are indexed up to this length (nocase ones lower-cased): a match with a longer
 * name value is filed by product, vendor or nothing instead. */
#define NAME_FOLD_MAX 256
#define MAX_ALTS 8
#define NAME_FILTER_BITS 1024

static inline unsigned char fold_char(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* A name's bit in the name filter: its length and folded first and last bytes. Names
 * whose bit no indexed name set are not looked up (no hashing, no folding). */
static size_t name_filter_bit(struct cg_str v)
{
    if (!v.n)
        return 0;
    size_t h =
        v.n * 31 + fold_char((unsigned char)v.p[0]) * 7 + fold_char((unsigned char)v.p[v.n - 1]);
    return h % NAME_FILTER_BITS;
}

static bool alts_fit(const struct cg_match_alt *alts, size_t n)
{
    for (size_t a = 0; a < n; a++)
        for (size_t i = 0; alts[a].kind == CG_P_NAME && i < alts[a].n; i++)
            if (alts[a].vals[i].n > NAME_FOLD_MAX)
                return false;
    return true;
}

/* Files the entry under every value of each alternative (an event_id or a name set). */
static int index_alts(struct cg_index *ix, const struct cg_match_alt *alts, size_t n,
                      const struct cg_rule *r, enum cg_corr_role role)
{
    for (size_t a = 0; a < n; a++) {
        struct cg_hmap *m = alts[a].kind == CG_P_EVENT_ID ? &ix->by_event_id
                            : alts[a].nocase              ? &ix->by_name_fold
                                                          : &ix->by_name;
        for (size_t i = 0; i < alts[a].n; i++) {
            if (map_list_add(m, alts[a].vals[i], r, role) != CG_OK)
                return CG_ENOMEM;
            if (m != &ix->by_event_id) {
                size_t bit = name_filter_bit(alts[a].vals[i]);
                ix->name_filter[bit / 64] |= 1ull << (bit % 64);
            }
        }
    }
    return CG_OK;
}

/* Files the (rule, role) entry under the most selective header value it requires:
 * an event_id value, an event_id range, event_id or name alternatives (any: of them,
 * or a name), a product, a vendor, or else nothing. */
static int index_match(struct cg_index *ix, const struct cg_match *m, const struct cg_rule *r,
                       enum cg_corr_role role)
{
    static const enum cg_path_kind kinds[] = {CG_P_EVENT_ID, CG_P_PRODUCT, CG_P_VENDOR};
    struct cg_hmap *maps[] = {&ix->by_event_id, &ix->by_product, &ix->by_vendor};
    for (size_t k = 0; k < CG_ARRAY_LEN(kinds); k++) {
        const struct cg_str *vals;
        size_t n;
        double lo, hi;
        struct cg_match_alt alts[MAX_ALTS];
        /* After exact event_ids, a numeric event_id range is the next most selective,
         * then alternatives of event_ids or names. */
        if (k == 1 && cg_match_required_range(m, CG_P_EVENT_ID, &lo, &hi))
            return range_add(ix, lo, hi, r, role);
        if (k == 1 && (n = cg_match_required_any(m, alts, MAX_ALTS)) > 0 && alts_fit(alts, n))
            return index_alts(ix, alts, n, r, role);
        if (!cg_match_required_values(m, kinds[k], &vals, &n))
            continue;
        for (size_t i = 0; i < n; i++)
            if (map_list_add(maps[k], vals[i], r, role) != CG_OK)
                return CG_ENOMEM;
        return CG_OK;
    }
    return list_add(&ix->any, r, role);
}

void cg_index_init(struct cg_index *ix)
{
    memset(ix, 0, sizeof(*ix));
    cg_hmap_init(&ix->by_event_id, 0);
    cg_hmap_init(&ix->by_product, 0);
    cg_hmap_init(&ix->by_vendor, 0);
    cg_hmap_init(&ix->by_name, 0);
    cg_hmap_init(&ix->by_name_fold, 0);
}

/* Files m when it belongs in this index: one for internal events, one for the rest. */
static int index_role(struct cg_index *ix, const struct cg_match *m, const struct cg_rule *r,
                      enum cg_corr_role role, bool internal)
{
    if (!m || cg_match_asks_internal(m) != internal)
        return CG_OK;
    return index_match(ix, m, r, role);
}

int cg_index_build(struct cg_index *ix, const struct cg_ruleset *rs, bool internal)
{
    for (size_t i = 0; i < rs->n; i++) {
        const struct cg_rule *r = rs->rules[i];
        if (index_role(ix, r->match, r, CG_CORR_ROLE_MAIN, internal) != CG_OK ||
            index_role(ix, r->other, r, CG_CORR_ROLE_OTHER, internal) != CG_OK)
            return CG_ENOMEM;
    }
    return CG_OK;
}

static void free_lists(struct cg_hmap *m)
{
    const struct cg_hmap_slot *s;
    for (size_t i = 0; cg_hmap_next(m, &i, &s);) {
        struct cg_index_list *b = s->val;
        free(b->v);
        free(b);
    }
    cg_hmap_fini(m);
}

void cg_index_fini(struct cg_index *ix)
{
    free_lists(&ix->by_event_id);
    free_lists(&ix->by_product);
    free_lists(&ix->by_vendor);
    free_lists(&ix->by_name);
    free_lists(&ix->by_name_fold);
    free(ix->cand_name.v);
    free(ix->any.v);
    free(ix->ranges.v);
    free(ix->range_hits.v);
    for (size_t i = 0; i < CG_INDEX_CACHE_SLOTS; i++) {
        free(ix->cache[i].mem);
        free(ix->cache[i].list.v);
    }
    free(ix->cand_tmp.v);
}

/* The range entries containing the event's id, into the scratch bucket. */
static struct cg_index_list *range_lookup(struct cg_index *ix, struct cg_str id)
{
    double x;
    ix->range_hits.n = 0;
    if (!ix->ranges.n || !cg_match_number(id.p, id.n, &x))
        return NULL;
    for (size_t i = 0; i < ix->ranges.n; i++)
        if (x >= ix->ranges.v[i].lo && x <= ix->ranges.v[i].hi &&
            list_add(&ix->range_hits, ix->ranges.v[i].e.rule, ix->ranges.v[i].e.role) != CG_OK)
            break;
    return ix->range_hits.n ? &ix->range_hits : NULL;
}

/* Up to five candidate lists, each in rule order. */
enum { PART_EVENT_ID, PART_PRODUCT, PART_VENDOR };

static size_t lookup_lists(struct cg_index *ix, const struct cg_str *parts,
                           struct cg_index_list **out)
{
    size_t n = 0;
    struct cg_index_list *b;
    struct cg_str id = parts[PART_EVENT_ID], prod = parts[PART_PRODUCT], vend = parts[PART_VENDOR];
    if (id.p && (b = range_lookup(ix, id)))
        out[n++] = b;
    if (id.p && (b = cg_hmap_get(&ix->by_event_id, id.p, id.n)))
        out[n++] = b;
    if (prod.p && (b = cg_hmap_get(&ix->by_product, prod.p, prod.n)))
        out[n++] = b;
    if (vend.p && (b = cg_hmap_get(&ix->by_vendor, vend.p, vend.n)))
        out[n++] = b;
    if (ix->any.n)
        out[n++] = &ix->any;
    return n;
}

/* The candidate lists merged into one, in (rule index, role) order: the order in which
 * a rule set without index would try them. */
static int merge_lists(struct cg_index_list **b, size_t nb, struct cg_index_list *out)
{
    size_t pos[5] = {0};
    out->n = 0;
    for (;;) {
        size_t best = nb;
        for (size_t i = 0; i < nb; i++) {
            if (pos[i] >= b[i]->n)
                continue;
            const struct cg_index_entry *c = &b[i]->v[pos[i]], *x;
            if (best == nb || c->rule->index < (x = &b[best]->v[pos[best]])->rule->index ||
                (c->rule->index == x->rule->index && c->role < x->role))
                best = i;
        }
        if (best == nb)
            return CG_OK;
        const struct cg_index_entry *c = &b[best]->v[pos[best]++];
        /* An entry filed under several alternatives may come from two lists. */
        if (out->n && out->v[out->n - 1].rule == c->rule && out->v[out->n - 1].role == c->role)
            continue;
        if (list_add(out, c->rule, c->role) != CG_OK)
            return CG_ENOMEM;
    }
}

/* The header triple an event is indexed by; an absent part (NULL) differs from an empty one. */
static uint64_t cand_hash(const struct cg_str *parts)
{
    /* event_id varies most; product and vendor repeat a few values: their presence,
     * lengths and end bytes spread them enough (cand_eq compares everything). */
    uint64_t seed = 0;
    for (size_t i = 1; i < 3; i++) {
        const struct cg_str *v = &parts[i];
        uint64_t x = v->p ? (uint64_t)v->n + 1 : 0;
        if (v->n)
            x = x << 16 | (uint64_t)(unsigned char)v->p[0] << 8 | (unsigned char)v->p[v->n - 1];
        seed = (seed ^ x) * 0x9e3779b97f4a7c15ull;
    }
    const struct cg_str *id = &parts[0];
    return cg_hmap_hash_bytes(seed ^ (id->p ? 0 : 1), id->p ? id->p : "", id->n);
}

static bool cand_eq(const struct cg_index_slot *s, const struct cg_str *parts)
{
    for (size_t i = 0; i < 3; i++)
        if ((s->parts[i].p == NULL) != (parts[i].p == NULL) || s->parts[i].n != parts[i].n ||
            !cg_hmap_bytes_eq(s->parts[i].p, parts[i].p, parts[i].n))
            return false;
    return true;
}

/* Fills slot s for parts: copies of the three strings, in one allocation. */
static int cand_fill(struct cg_index_slot *s, const struct cg_str *parts, uint64_t h)
{
    size_t total = parts[0].n + parts[1].n + parts[2].n;
    char *mem = malloc(total ? total : 1);
    if (!mem)
        return CG_ENOMEM;
    free(s->mem);
    s->mem = mem;
    s->hash = h;
    for (size_t i = 0; i < 3; i++) {
        s->parts[i] = parts[i].p ? cg_str_make(mem, parts[i].n) : CG_STR_NULL;
        if (parts[i].n)
            memcpy(mem, parts[i].p, parts[i].n);
        mem += parts[i].n;
    }
    return CG_OK;
}

/* The merged candidates of an event. Events of one source repeat a few header triples,
 * so the merged lists are cached: two-way set-associative (two triples that share a
 * set both stay), bounded (a flood of distinct event_ids only costs misses). NULL when
 * nothing can match. */
static const struct cg_index_list *candidates_for(struct cg_index *ix, const struct cg_str *parts)
{
    uint64_t h = cand_hash(parts);
    struct cg_index_slot *set = &ix->cache[h & (CG_INDEX_CACHE_SLOTS - 2)];
    for (int w = 0; w < 2; w++) {
        struct cg_index_slot *s = &set[w];
        if (s->mem && s->hash == h && cand_eq(s, parts)) {
            set[0].recent = w == 0;
            set[1].recent = w == 1;
            return s->list.n ? &s->list : NULL;
        }
    }
    /* Miss: replace an empty way, else the one used less recently. */
    struct cg_index_slot *s = !set[0].mem ? &set[0] : !set[1].mem ? &set[1] : &set[set[0].recent];
    set[0].recent = s == &set[0];
    set[1].recent = s == &set[1];
    struct cg_index_list *b[5];
    size_t nb = lookup_lists(ix, parts, b);
    if (cand_fill(s, parts, h) != CG_OK || merge_lists(b, nb, &s->list) != CG_OK) {
        free(s->mem);
        s->mem = NULL; /* the slot stays empty; the list is built apart */
        return merge_lists(b, nb, &ix->cand_tmp) == CG_OK && ix->cand_tmp.n ? &ix->cand_tmp : NULL;
    }
    return s->list.n ? &s->list : NULL;
}

/* The name buckets of an event: exact, and lower-cased for nocase entries. */
static size_t name_lists(struct cg_index *ix, struct cg_str name, struct cg_index_list **out)
{
    size_t n = 0;
    struct cg_index_list *b;
    if (!name.p || name.n > NAME_FOLD_MAX)
        return 0;
    size_t bit = name_filter_bit(name);
    if (!(ix->name_filter[bit / 64] >> (bit % 64) & 1))
        return 0; /* most names: no indexed name is like them */
    if (ix->by_name.n && (b = cg_hmap_get(&ix->by_name, name.p, name.n)))
        out[n++] = b;
    if (ix->by_name_fold.n) {
        char low[NAME_FOLD_MAX];
        for (size_t i = 0; i < name.n; i++)
            low[i] = (char)fold_char((unsigned char)name.p[i]);
        if ((b = cg_hmap_get(&ix->by_name_fold, low, name.n)))
            out[n++] = b;
    }
    return n;
}

/* The candidates of a header (event_id, product, vendor) and name: the cached list of
 * the triple, with the entries filed under the name merged in. */
const struct cg_index_list *
cg_index_candidates_named(struct cg_index *ix, const struct cg_str *parts, struct cg_str name)
{
    const struct cg_index_list *base = candidates_for(ix, parts);
    struct cg_index_list *b[3];
    size_t nb = name_lists(ix, name, b + 1);
    if (!nb)
        return base;
    if (base)
        b[0] = (struct cg_index_list *)base;
    struct cg_index_list **lists = base ? b : b + 1;
    if (merge_lists(lists, nb + (base != NULL), &ix->cand_name) != CG_OK)
        return NULL; /* out of memory: counted as no candidates */
    return ix->cand_name.n ? &ix->cand_name : NULL;
}
