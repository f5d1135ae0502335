/*
 * engine.c - rule index, event-time clock, deadline heap, dispatch, chaining
 * (see engine.h). Per-key correlation state lives in correlate.c.
 */
#include "engine_int.h"

#include "cefguard/template.h"
#include "cefguard/textutil.h"

#include <stdio.h>
#include <stdlib.h>

const char *cg_alert_kind_name(enum cg_alert_kind k)
{
    switch (k) {
    case CG_ALERT_FIRE: return "alert";
    case CG_ALERT_SILENCE: return "silence";
    case CG_ALERT_CLEARED: return "cleared";
    case CG_ALERT_SUPPRESSED: return "suppressed";
    }
    return "unknown";
}

/* ---- index ------------------------------------------------------------------------------- */

static int bucket_add(struct bucket *b, const struct cg_rule *r, enum role role)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4;
        struct entry *v = realloc(b->v, cap * sizeof(*v));
        if (!v)
            return CG_ENOMEM;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = (struct entry){r, role};
    return CG_OK;
}

static int map_bucket_add(struct cg_hmap *m, struct cg_str k, const struct cg_rule *r,
                          enum role role)
{
    struct bucket *b = cg_hmap_get(m, k.p, k.n);
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
    return bucket_add(b, r, role);
}

static int range_add(struct cg_engine *e, double lo, double hi, const struct cg_rule *r,
                     enum role role)
{
    struct range_entry *v = realloc(e->ranges, (e->nranges + 1) * sizeof(*v));
    if (!v)
        return CG_ENOMEM;
    e->ranges = v;
    e->ranges[e->nranges++] = (struct range_entry){lo, hi, {r, role}};
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
static int index_alts(struct cg_engine *e, const struct cg_match_alt *alts, size_t n,
                      const struct cg_rule *r, enum role role)
{
    for (size_t a = 0; a < n; a++) {
        struct cg_hmap *m = alts[a].kind == CG_P_EVENT_ID ? &e->by_event_id
                            : alts[a].nocase              ? &e->by_name_fold
                                                          : &e->by_name;
        for (size_t i = 0; i < alts[a].n; i++) {
            if (map_bucket_add(m, alts[a].vals[i], r, role) != CG_OK)
                return CG_ENOMEM;
            if (m != &e->by_event_id) {
                size_t bit = name_filter_bit(alts[a].vals[i]);
                e->name_filter[bit / 64] |= 1ull << (bit % 64);
            }
        }
    }
    return CG_OK;
}

/* Files the (rule, role) entry under the most selective header value it requires:
 * an event_id value, an event_id range, event_id or name alternatives (any: of them,
 * or a name), a product, a vendor, or else nothing. */
static int index_match(struct cg_engine *e, const struct cg_match *m, const struct cg_rule *r,
                       enum role role)
{
    static const enum cg_path_kind kinds[] = {CG_P_EVENT_ID, CG_P_PRODUCT, CG_P_VENDOR};
    struct cg_hmap *maps[] = {&e->by_event_id, &e->by_product, &e->by_vendor};
    for (size_t k = 0; k < CG_ARRAY_LEN(kinds); k++) {
        const struct cg_str *vals;
        size_t n;
        double lo, hi;
        struct cg_match_alt alts[MAX_ALTS];
        /* After exact event_ids, a numeric event_id range is the next most selective,
         * then alternatives of event_ids or names. */
        if (k == 1 && cg_match_required_range(m, CG_P_EVENT_ID, &lo, &hi))
            return range_add(e, lo, hi, r, role);
        if (k == 1 && (n = cg_match_required_any(m, alts, MAX_ALTS)) > 0 && alts_fit(alts, n))
            return index_alts(e, alts, n, r, role);
        if (!cg_match_required_values(m, kinds[k], &vals, &n))
            continue;
        for (size_t i = 0; i < n; i++)
            if (map_bucket_add(maps[k], vals[i], r, role) != CG_OK)
                return CG_ENOMEM;
        return CG_OK;
    }
    return bucket_add(&e->any, r, role);
}

static int index_build(struct cg_engine *e)
{
    for (size_t i = 0; i < e->rs->n; i++) {
        const struct cg_rule *r = e->rs->rules[i];
        if (index_match(e, r->match, r, ROLE_MAIN) != CG_OK)
            return CG_ENOMEM;
        if (r->other && index_match(e, r->other, r, ROLE_OTHER) != CG_OK)
            return CG_ENOMEM;
    }
    return CG_OK;
}

static void free_buckets(struct cg_hmap *m)
{
    const struct cg_hmap_slot *s;
    for (size_t i = 0; cg_hmap_next(m, &i, &s);) {
        struct bucket *b = s->val;
        free(b->v);
        free(b);
    }
    cg_hmap_fini(m);
}

/* A plain decimal event_id as a number; false for anything else (numeric conditions
 * never match those, so no range entry can). */
static bool event_id_number(struct cg_str id, double *out)
{
    if (id.n == 0 || id.n > 15)
        return false;
    double v = 0;
    for (size_t i = 0; i < id.n; i++) {
        if (id.p[i] < '0' || id.p[i] > '9')
            return false;
        v = v * 10 + (id.p[i] - '0');
    }
    *out = v;
    return true;
}

/* The range entries containing the event's id, into the scratch bucket. */
static struct bucket *range_lookup(struct cg_engine *e, struct cg_str id)
{
    double x;
    e->range_hits.n = 0;
    if (!e->nranges || !event_id_number(id, &x))
        return NULL;
    for (size_t i = 0; i < e->nranges; i++)
        if (x >= e->ranges[i].lo && x <= e->ranges[i].hi &&
            bucket_add(&e->range_hits, e->ranges[i].e.rule, e->ranges[i].e.role) != CG_OK)
            break;
    return e->range_hits.n ? &e->range_hits : NULL;
}

/* Up to five candidate lists, each in rule order. */
enum { PART_EVENT_ID, PART_PRODUCT, PART_VENDOR };

static size_t lookup_lists(struct cg_engine *e, const struct cg_str *parts, struct bucket **out)
{
    size_t n = 0;
    struct bucket *b;
    struct cg_str id = parts[PART_EVENT_ID], prod = parts[PART_PRODUCT], vend = parts[PART_VENDOR];
    if (id.p && (b = range_lookup(e, id)))
        out[n++] = b;
    if (id.p && (b = cg_hmap_get(&e->by_event_id, id.p, id.n)))
        out[n++] = b;
    if (prod.p && (b = cg_hmap_get(&e->by_product, prod.p, prod.n)))
        out[n++] = b;
    if (vend.p && (b = cg_hmap_get(&e->by_vendor, vend.p, vend.n)))
        out[n++] = b;
    if (e->any.n)
        out[n++] = (struct bucket *)&e->any;
    return n;
}

/* The candidate lists merged into one, in (rule index, role) order: the order in which
 * a rule set without index would try them. */
static int merge_lists(struct bucket **b, size_t nb, struct bucket *out)
{
    size_t pos[5] = {0};
    out->n = 0;
    for (;;) {
        size_t best = nb;
        for (size_t i = 0; i < nb; i++) {
            if (pos[i] >= b[i]->n)
                continue;
            const struct entry *c = &b[i]->v[pos[i]], *x;
            if (best == nb || c->rule->index < (x = &b[best]->v[pos[best]])->rule->index ||
                (c->rule->index == x->rule->index && c->role < x->role))
                best = i;
        }
        if (best == nb)
            return CG_OK;
        const struct entry *c = &b[best]->v[pos[best]++];
        /* An entry filed under several alternatives may come from two lists. */
        if (out->n && out->v[out->n - 1].rule == c->rule && out->v[out->n - 1].role == c->role)
            continue;
        if (bucket_add(out, c->rule, c->role) != CG_OK)
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

static bool cand_eq(const struct cand_slot *s, const struct cg_str *parts)
{
    for (size_t i = 0; i < 3; i++)
        if ((s->parts[i].p == NULL) != (parts[i].p == NULL) || s->parts[i].n != parts[i].n ||
            !cg_hmap_bytes_eq(s->parts[i].p, parts[i].p, parts[i].n))
            return false;
    return true;
}

/* Fills slot s for parts: copies of the three strings, in one allocation. */
static int cand_fill(struct cand_slot *s, const struct cg_str *parts, uint64_t h)
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
static const struct bucket *candidates_for(struct cg_engine *e, const struct cg_str *parts)
{
    uint64_t h = cand_hash(parts);
    struct cand_slot *set = &e->cand[h & (CG_CAND_SLOTS - 2)];
    for (int w = 0; w < 2; w++) {
        struct cand_slot *s = &set[w];
        if (s->mem && s->hash == h && cand_eq(s, parts)) {
            set[0].recent = w == 0;
            set[1].recent = w == 1;
            return s->list.n ? &s->list : NULL;
        }
    }
    /* Miss: replace an empty way, else the one used less recently. */
    struct cand_slot *s = !set[0].mem ? &set[0] : !set[1].mem ? &set[1] : &set[set[0].recent];
    set[0].recent = s == &set[0];
    set[1].recent = s == &set[1];
    struct bucket *b[5];
    size_t nb = lookup_lists(e, parts, b);
    if (cand_fill(s, parts, h) != CG_OK || merge_lists(b, nb, &s->list) != CG_OK) {
        free(s->mem);
        s->mem = NULL; /* the slot stays empty; the list is built apart */
        return merge_lists(b, nb, &e->cand_tmp) == CG_OK && e->cand_tmp.n ? &e->cand_tmp : NULL;
    }
    return s->list.n ? &s->list : NULL;
}

/* The name buckets of an event: exact, and lower-cased for nocase entries. */
static size_t name_lists(struct cg_engine *e, struct cg_str name, struct bucket **out)
{
    size_t n = 0;
    struct bucket *b;
    if (!name.p || name.n > NAME_FOLD_MAX)
        return 0;
    size_t bit = name_filter_bit(name);
    if (!(e->name_filter[bit / 64] >> (bit % 64) & 1))
        return 0; /* most names: no indexed name is like them */
    if (e->by_name.n && (b = cg_hmap_get(&e->by_name, name.p, name.n)))
        out[n++] = b;
    if (e->by_name_fold.n) {
        char low[NAME_FOLD_MAX];
        for (size_t i = 0; i < name.n; i++)
            low[i] = (char)fold_char((unsigned char)name.p[i]);
        if ((b = cg_hmap_get(&e->by_name_fold, low, name.n)))
            out[n++] = b;
    }
    return n;
}

/* The candidates of a header (event_id, product, vendor) and name: the cached list of
 * the triple, with the entries filed under the name merged in. */
static const struct bucket *candidates_named(struct cg_engine *e, const struct cg_str *parts,
                                             struct cg_str name)
{
    const struct bucket *base = candidates_for(e, parts);
    struct bucket *b[3];
    size_t nb = name_lists(e, name, b + 1);
    if (!nb)
        return base;
    if (base)
        b[0] = (struct bucket *)base;
    struct bucket **lists = base ? b : b + 1;
    if (merge_lists(lists, nb + (base != NULL), &e->cand_name) != CG_OK)
        return NULL; /* out of memory: counted as no candidates */
    return e->cand_name.n ? &e->cand_name : NULL;
}

static const struct bucket *candidates(struct cg_engine *e, const struct cg_event *ev)
{
    const struct cg_str parts[3] = {ev->event_id, ev->product, ev->vendor};
    return candidates_named(e, parts, ev->name);
}

bool cg_engine_wants(struct cg_engine *e, const struct cg_event *ev)
{
    return candidates(e, ev) != NULL;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

struct cg_engine *cg_engine_new(const struct cg_ruleset *rs, const struct cg_engine_opts *o,
                                cg_alert_fn fn, void *ctx)
{
    struct cg_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->rs = rs;
    if (o)
        e->o = *o;
    if (!e->o.max_chain)
        e->o.max_chain = 4;
    if (!e->o.max_events)
        e->o.max_events = 3;
    e->fn = fn;
    e->fn_ctx = ctx;
    cg_hmap_init(&e->by_event_id, 0);
    cg_hmap_init(&e->by_product, 0);
    cg_hmap_init(&e->by_vendor, 0);
    cg_hmap_init(&e->by_name, 0);
    cg_hmap_init(&e->by_name_fold, 0);
    cg_buf_init(&e->scratch);
    cg_buf_init(&e->summary);
    e->rstates = calloc(rs->n ? rs->n : 1, sizeof(*e->rstates));
    if (!e->rstates || index_build(e) != CG_OK ||
        cg_match_memo_init(&e->memo, rs->nshared) != CG_OK) {
        cg_engine_free(e);
        return NULL;
    }
    for (size_t i = 0; i < rs->n; i++) {
        e->rstates[i].rule = rs->rules[i];
        /* Keys come from log lines: seed the tables so chosen keys cannot collide by plan. */
        cg_hmap_init_borrowed(&e->rstates[i].keys,
                              (uint64_t)(uintptr_t)e ^ (i * 0x9e3779b97f4a7c15ull));
    }
    return e;
}

void cg_engine_free(struct cg_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nheap; i++)
        cg_kstate_release(e->heap[i].ks);
    free(e->heap);
    for (size_t i = 0; e->rstates && i < e->rs->n; i++)
        cg_rstate_fini(&e->rstates[i]);
    free(e->rstates);
    for (size_t i = 0; i < e->nqueue; i++)
        cg_event_free(e->queue[i].ev);
    free(e->queue);
    free_buckets(&e->by_event_id);
    free_buckets(&e->by_product);
    free_buckets(&e->by_vendor);
    free_buckets(&e->by_name);
    free_buckets(&e->by_name_fold);
    free(e->cand_name.v);
    free(e->any.v);
    free(e->ranges);
    free(e->range_hits.v);
    for (size_t i = 0; i < CG_CAND_SLOTS; i++) {
        free(e->cand[i].mem);
        free(e->cand[i].list.v);
    }
    free(e->cand_tmp.v);
    cg_match_memo_fini(&e->memo);
    cg_event_free(e->copy);
    cg_buf_fini(&e->scratch);
    cg_buf_fini(&e->summary);
    free(e);
}

const struct cg_engine_stats *cg_engine_stats(const struct cg_engine *e)
{
    return &e->st;
}

uint64_t cg_engine_next_seq(struct cg_engine *e)
{
    return ++e->seq;
}

/* ---- deadlines: a binary min-heap on (deadline, seq) ------------------------------------ */

static bool timer_before(const struct timer *a, const struct timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

int cg_engine_timer_add(struct cg_engine *e, int64_t deadline, uint64_t seq, enum timer_kind kind,
                        struct kstate *ks)
{
    if (e->nheap == e->capheap) {
        size_t cap = e->capheap ? e->capheap * 2 : 64;
        struct timer *h = realloc(e->heap, cap * sizeof(*h));
        if (!h)
            return CG_ENOMEM;
        e->heap = h;
        e->capheap = cap;
    }
    size_t i = e->nheap++;
    struct timer t = {deadline, seq, kind, ks};
    ks->refs++;
    while (i > 0 && timer_before(&t, &e->heap[(i - 1) / 2])) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = t;
    return CG_OK;
}

static struct timer heap_pop(struct cg_engine *e)
{
    struct timer top = e->heap[0];
    struct timer last = e->heap[--e->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= e->nheap)
            break;
        if (c + 1 < e->nheap && timer_before(&e->heap[c + 1], &e->heap[c]))
            c++;
        if (!timer_before(&e->heap[c], &last))
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (e->nheap)
        e->heap[i] = last;
    return top;
}

static int process_queue(struct cg_engine *e);

/* Fires every deadline strictly before `due` (all of them when flush). */
static int fire_due(struct cg_engine *e, int64_t due, bool flush)
{
    int rc = CG_OK;
    while (rc == CG_OK && e->nheap && (flush || e->heap[0].deadline < due)) {
        struct timer t = heap_pop(e);
        if (!t.ks->dead) {
            if (t.deadline > e->clock) {
                e->clock = t.deadline; /* flush: time moves to the deadline it resolves */
                e->has_clock = true;
            }
            rc = cg_corr_timer(e, &t);
        }
        cg_kstate_release(t.ks);
        if (rc == CG_OK)
            rc = process_queue(e);
    }
    return rc;
}

/* ---- keys -------------------------------------------------------------------------------- */

/* Key encoding is injective for any bytes: each value is "<len>:" + bytes, a missing
 * value is "-". */
/* "<len>:" without printf: this runs for every matching event. */
static int put_len(struct cg_buf *b, size_t n)
{
    char tmp[24];
    size_t k = cg_fmt_u64(tmp, n);
    tmp[k++] = ':';
    return cg_buf_put(b, tmp, k);
}

bool cg_engine_key(struct cg_engine *e, const struct cg_keyspec *ks, struct cg_event *ev)
{
    cg_buf_clear(&e->scratch);
    for (size_t i = 0; i < ks->n; i++) {
        struct cg_str v;
        struct cg_path_scratch sc;
        if (!cg_path_get(&ks->paths[i], ev, &v, &sc)) {
            if (cg_buf_putc(&e->scratch, '-') != CG_OK)
                return false;
            continue;
        }
        if (put_len(&e->scratch, v.n) != CG_OK || cg_buf_put(&e->scratch, v.p, v.n) != CG_OK)
            return false;
    }
    return true;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static int64_t event_time(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us)
{
    if (ev->time.flags & CG_TIME_SET)
        return ev->time.sec * 1000000 + ev->time.usec;
    if (e->depth == 0)
        e->st.no_time++;
    if (arrival_us)
        return arrival_us;
    return e->has_clock ? e->clock : 0;
}

static int dispatch(struct cg_engine *e, struct cg_event *ev, int64_t t)
{
    const struct bucket *cands = candidates(e, ev);
    if (!cands)
        return CG_OK;
    /* cands may be a cache slot: nothing below dispatches (internal events are queued
     * and dispatched after this returns), so the slot stays as it is meanwhile. */
    int rc = CG_OK;
    cg_match_memo_next(&e->memo);
    e->copy_of = ev;
    for (size_t i = 0; rc == CG_OK && i < cands->n; i++) {
        const struct entry *c = &cands->v[i];
        e->st.candidates++;
        const struct cg_match *m = c->role == ROLE_MAIN ? c->rule->match : c->rule->other;
        if (!cg_match_eval_memo(m, ev, &e->memo))
            continue;
        e->st.matches++;
        rc = cg_corr_event(e, &e->rstates[c->rule->index], c->role, ev, t);
    }
    cg_event_free(e->copy);
    e->copy = NULL;
    e->copy_of = NULL;
    return rc;
}

/* The rules that keep the event being dispatched share one copy of it. */
struct cg_event *cg_engine_copy(struct cg_engine *e, struct cg_event *ev)
{
    if (ev->refs || ev != e->copy_of)
        return cg_event_clone(ev);
    if (!e->copy && !(e->copy = cg_event_clone(ev)))
        return NULL;
    return cg_event_clone(e->copy);
}

struct cg_event *cg_engine_recopy(struct cg_engine *e, struct cg_event *old, struct cg_event *ev)
{
    if (ev->refs || ev != e->copy_of)
        return cg_event_reclone(old, ev);
    if (e->copy) {
        cg_event_free(old);
        return cg_event_clone(e->copy);
    }
    struct cg_event *c = cg_event_reclone(old, ev); /* reuses old's memory when it can */
    if (c)
        e->copy = cg_event_clone(c);
    return c;
}

static int process_one(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us)
{
    int64_t t = event_time(e, ev, arrival_us);
    if (!e->has_clock || t > e->clock) {
        e->clock = t;
        e->has_clock = true;
    } else if (t < e->clock - e->o.lateness_us && e->depth == 0) {
        e->st.late++;
    }
    int rc = fire_due(e, e->clock - e->o.lateness_us, false);
    return rc == CG_OK ? dispatch(e, ev, t) : rc;
}

static int process_queue(struct cg_engine *e)
{
    int rc = CG_OK;
    /* FIFO; events queued while processing go to the back. */
    size_t head = 0;
    while (rc == CG_OK && head < e->nqueue) {
        struct queued q = e->queue[head++];
        unsigned saved = e->depth;
        e->depth = q.depth;
        e->st.internal_events++;
        int64_t t = q.ev->time.sec * 1000000 + q.ev->time.usec;
        rc = dispatch(e, q.ev, t);
        e->depth = saved;
        cg_event_free(q.ev);
    }
    for (size_t i = head; i < e->nqueue; i++)
        cg_event_free(e->queue[i].ev);
    e->nqueue = 0;
    return rc;
}

int cg_engine_process(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us)
{
    e->st.events++;
    e->depth = 0;
    int rc = process_one(e, ev, arrival_us);
    return rc == CG_OK ? process_queue(e) : rc;
}

int cg_engine_advance(struct cg_engine *e, int64_t now_us)
{
    if (!e->has_clock || now_us > e->clock) {
        e->clock = now_us;
        e->has_clock = true;
    }
    return fire_due(e, e->clock - e->o.lateness_us, false);
}

int cg_engine_flush(struct cg_engine *e)
{
    return fire_due(e, 0, true);
}

/* ---- alerts: suppression, summary, chaining ---------------------------------------------- */

static int hold_back(struct cg_engine *e, struct kstate *ks, struct cg_alert *a)
{
    ks->supp_count++;
    e->st.suppressed++;
    if (a->nevents) {
        struct cg_event *c = cg_engine_copy(e, a->events[a->nevents - 1]);
        if (!c)
            return CG_ENOMEM;
        cg_event_free(ks->supp_last);
        ks->supp_last = c;
    }
    if (ks->supp_timer)
        return CG_OK;
    ks->supp_timer = true;
    return cg_engine_timer_add(e, ks->supp_until, cg_engine_next_seq(e), T_SUPPRESS, ks);
}

static void join_values(struct cg_buf *b, const struct cg_str *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            cg_buf_put(b, ", ", 2);
        if (v[i].p)
            cg_buf_put(b, v[i].p, v[i].n);
        else
            cg_buf_putc(b, '-');
    }
}

static int render_summary(struct cg_engine *e, struct cg_alert *a)
{
    struct cg_buf keys, vals;
    cg_buf_init(&keys);
    cg_buf_init(&vals);
    join_values(&keys, a->key, a->nkey);
    join_values(&vals, a->values, a->nvalues);
    struct cg_template_ctx ctx = {
        .rule = a->rule->id,
        .kind = cg_alert_kind_name(a->kind),
        .count = a->count,
        .suppressed = a->suppressed,
        .key = cg_str_make(keys.p ? keys.p : "", keys.n),
        .values = cg_str_make(vals.p ? vals.p : "", vals.n),
        .event = a->nevents ? a->events[a->nevents - 1] : NULL,
        .joined = a->joined,
    };
    cg_buf_clear(&e->summary);
    int rc = cg_template_render(a->rule->summary, &ctx, &e->summary);
    a->summary = cg_str_make(e->summary.p ? e->summary.p : "", e->summary.n);
    cg_buf_fini(&keys);
    cg_buf_fini(&vals);
    return rc;
}

/* A field of an internal event: the key is a constant or already in the event's arena. */
static int put_field(struct cg_event *ev, struct cg_str k, struct cg_str v)
{
    char *vc = cg_arena_dup(&ev->arena, v.p ? v.p : "", v.n);
    if (!vc)
        return CG_ENOMEM;
    return cg_fields_add(&ev->fields, k, cg_str_make(vc, v.n));
}

static int put_field_u64(struct cg_event *ev, struct cg_str k, uint64_t v)
{
    char num[24];
    return put_field(ev, k, cg_str_make(num, cg_fmt_u64(num, v)));
}

/* "key.<path>" in the event's arena. */
static struct cg_str key_field(struct cg_event *ev, const char *path)
{
    size_t n = strlen(path);
    char *k = cg_arena_alloc(&ev->arena, n + 4);
    if (!k)
        return CG_STR_NULL;
    memcpy(k, "key.", 4);
    memcpy(k + 4, path, n);
    return cg_str_make(k, n + 4);
}

static struct cg_str arena_str(struct cg_event *ev, const char *z)
{
    size_t n = strlen(z);
    char *c = cg_arena_dup(&ev->arena, z, n);
    return c ? cg_str_make(c, n) : CG_STR_NULL;
}

/* The alert as an event, so rules can match cefguard's own alerts. */
static struct cg_event *internal_event(const struct cg_alert *a)
{
    /* Immutable once queued (refs 1): holders share it. Room for its fields' values. */
    struct cg_event *ev = cg_event_new(0, a->summary.n + 512);
    if (!ev)
        return NULL;
    const struct cg_rule *r = a->rule;
    ev->format = CG_FMT_INTERNAL;
    ev->fields_done = true;
    ev->subject_done = true;
    ev->time.sec = a->time_us >= 0 ? a->time_us / 1000000 : -((-a->time_us + 999999) / 1000000);
    ev->time.usec = (int32_t)(a->time_us - ev->time.sec * 1000000);
    ev->time.off_min = a->off_min;
    ev->time.flags = CG_TIME_SET;
    ev->vendor = ev->product = arena_str(ev, "cefguard");
    ev->event_id = arena_str(ev, cg_alert_kind_name(a->kind));
    ev->name = arena_str(ev, r->id);
    ev->severity = arena_str(ev, r->severity);
    int rc = put_field(ev, CG_STR_LIT("rule"), cg_str_make(r->id, strlen(r->id)));
    rc |= put_field(ev, CG_STR_LIT("summary"), a->summary);
    rc |= put_field_u64(ev, CG_STR_LIT("count"), a->count);
    rc |= put_field_u64(ev, CG_STR_LIT("suppressed"), a->suppressed);
    for (size_t i = 0; i < a->nkey; i++) {
        struct cg_str k = key_field(ev, a->key_paths[i].text);
        if (!k.p)
            rc = CG_ENOMEM;
        else if (a->key[i].p)
            rc |= put_field(ev, k, a->key[i]);
    }
    /* Like the alert JSON: suppressed and cleared alerts request nothing. */
    bool requests = a->kind == CG_ALERT_FIRE || a->kind == CG_ALERT_SILENCE;
    if (r->response.action && requests) {
        rc |= put_field(ev, CG_STR_LIT("action"),
                        cg_str_make(r->response.action, strlen(r->response.action)));
        if (a->target.p)
            rc |= put_field(ev, CG_STR_LIT("target"), a->target);
    }
    /* The subject: the response target, else the first key value, else the trigger's. */
    const struct cg_str *sub = cg_fields_getz(&ev->fields, "target");
    if (!sub && a->nkey && a->key[0].p)
        sub = &a->key[0];
    struct cg_event *trig = a->nevents ? a->events[a->nevents - 1] : NULL;
    if (!sub && trig && trig->subject.p)
        sub = &trig->subject;
    if (sub) {
        char *c = cg_arena_dup(&ev->arena, sub->p, sub->n);
        ev->subject = c ? cg_str_make(c, sub->n) : CG_STR_NULL;
        ev->subject_key = arena_str(ev, "subject");
    }
    if (rc != CG_OK) {
        cg_event_free(ev);
        return NULL;
    }
    return ev;
}

static int queue_internal(struct cg_engine *e, const struct cg_alert *a)
{
    /* Only alerts some rule can match become events (vendor and product "cefguard"). */
    const char *kind = cg_alert_kind_name(a->kind);
    const struct cg_str parts[3] = {cg_str_make(kind, strlen(kind)), CG_STR_LIT("cefguard"),
                                    CG_STR_LIT("cefguard")};
    if (!candidates_named(e, parts, cg_str_make(a->rule->id, strlen(a->rule->id))))
        return CG_OK;
    if (e->depth + 1 > e->o.max_chain) {
        e->st.chain_dropped++;
        return CG_OK;
    }
    if (e->nqueue == e->capqueue) {
        size_t cap = e->capqueue ? e->capqueue * 2 : 8;
        struct queued *q = realloc(e->queue, cap * sizeof(*q));
        if (!q)
            return CG_ENOMEM;
        e->queue = q;
        e->capqueue = cap;
    }
    struct cg_event *ev = internal_event(a);
    if (!ev)
        return CG_ENOMEM;
    e->queue[e->nqueue++] = (struct queued){ev, e->depth + 1};
    return CG_OK;
}

int cg_engine_emit(struct cg_engine *e, struct kstate *ks, struct cg_alert *a)
{
    const struct cg_rule *r = a->rule;
    if (ks && r->suppress_us && a->kind == CG_ALERT_FIRE) {
        if (ks->supp_until && a->time_us <= ks->supp_until)
            return hold_back(e, ks, a);
        ks->supp_until = a->time_us + r->suppress_us;
    }
    struct cg_event *trig = a->nevents ? a->events[a->nevents - 1] : NULL;
    if (r->response.action && trig) {
        struct cg_path_scratch sc;
        struct cg_str v;
        if (cg_path_get(&r->response.target, trig, &v, &sc) && v.n) {
            /* The scratch dies with this frame: keep the value in the trigger's arena. */
            char *c = cg_arena_dup(&trig->arena, v.p, v.n);
            a->target = c ? cg_str_make(c, v.n) : CG_STR_NULL;
        }
    }
    int rc = render_summary(e, a);
    if (rc != CG_OK)
        return rc;
    e->st.alerts++;
    if (e->fn && (rc = e->fn(e->fn_ctx, a)) != CG_OK)
        return rc;
    return queue_internal(e, a);
}
