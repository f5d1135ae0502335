/*
 * index.h - the rule index and its candidate cache (private to src/engine/).
 *
 * Each (rule, role) pair is filed under the most selective header value its match
 * requires (an event_id, an event_id range, event_id or name alternatives, a product, a
 * vendor) or under "any". The candidates of an event are the lists its header values
 * reach, merged in (rule index, role) order: the order in which a rule set without index
 * would try them. Merged lists are cached per (event_id, product, vendor) triple.
 */
#ifndef CEFGUARD_ENGINE_INDEX_H
#define CEFGUARD_ENGINE_INDEX_H

#include "correlate.h"

#include "cefguard/hmap.h"
#include "cefguard/rules.h"

struct cg_index_entry {
    const struct cg_rule *rule;
    enum cg_corr_role role;
};

struct cg_index_list {
    struct cg_index_entry *v;
    size_t n, cap;
};

/* An entry whose match requires a numeric event_id within [lo, hi]
 * (event_id: {ge: 4000000, le: 4999999}). */
struct cg_index_range {
    double lo, hi;
    struct cg_index_entry e;
};

/* A cached candidate list. */
#define CG_INDEX_CACHE_SLOTS 1024 /* in sets of two */
struct cg_index_slot {
    char *mem;              /* the bytes of parts; NULL: the slot is empty */
    struct cg_str parts[3]; /* event_id, product, vendor (NULL view: absent) */
    uint64_t hash;
    bool recent; /* the way of its set used last */
    struct cg_index_list list;
};

struct cg_index {
    struct cg_hmap by_event_id;  /* event_id -> list */
    struct cg_hmap by_product;   /* product -> list (entries with no event_id) */
    struct cg_hmap by_vendor;    /* vendor -> list (no event_id, no product) */
    struct cg_hmap by_name;      /* name -> list (entries filed under names) */
    struct cg_hmap by_name_fold; /* lower-cased name -> list (nocase names) */
    uint64_t name_filter[16];    /* name_filter_bit() of every indexed name */
    struct {
        struct cg_index_range *v; /* entries with an event_id range, in rule order */
        size_t n, cap;
    } ranges;
    struct cg_index_list range_hits; /* scratch: the ranges the current event_id falls in */
    struct cg_index_list any;        /* entries with none of the three */
    struct cg_index_slot cache[CG_INDEX_CACHE_SLOTS];
    struct cg_index_list cand_tmp;  /* candidates when a cache slot cannot be filled */
    struct cg_index_list cand_name; /* candidates with those filed under the event's name */
};

void cg_index_init(struct cg_index *x);
/* Files the (rule, role) pairs of rs (which must outlive the index) whose match asks for
 * cefguard's own alerts (cg_match_asks_internal) when internal, the others when not: the
 * engine keeps one index of each, so an internal event never reaches a rule that did not
 * ask for it (a catch-all `match: {}` included), and an event from input never reaches
 * one that can only match internal events. CG_ENOMEM. */
int cg_index_build(struct cg_index *x, const struct cg_ruleset *rs, bool internal);
void cg_index_fini(struct cg_index *x);

/* The candidates of a header (event_id, product, vendor; a NULL view is absent, which
 * differs from empty) and name, or NULL when no rule can match (or out of memory). The
 * list is the index's: valid until the next call. */
const struct cg_index_list *
cg_index_candidates_named(struct cg_index *x, const struct cg_str *parts, struct cg_str name);

/* The candidates of an event (its header and name). */
static inline const struct cg_index_list *cg_index_candidates(struct cg_index *x,
                                                              const struct cg_event *ev)
{
    const struct cg_str parts[3] = {ev->event_id, ev->product, ev->vendor};
    return cg_index_candidates_named(x, parts, ev->name);
}

#endif
