/*
 * fields.h - the ordered key/value list of an event (CEF/LEEF extension,
 * rulebase output).
 *
 * Keys and values are views: into the input line when no unescaping was needed,
 * otherwise into the event's arena. Keys are unique within a list: the first
 * occurrence of a key wins, a later duplicate is dropped and counted in
 * dup_dropped. At most max entries are kept; the rest are counted in
 * limit_dropped. The array grows by cg_vec_reserve (vec.h) and is kept across events
 * (cg_fields_clear keeps the capacity).
 *
 * The duplicate check is a scan of the list while it is short (the tens of keys of a
 * real event: a miss costs one integer compare per entry). Past CG_FIELDS_INDEX_MIN
 * entries it goes through an open-addressing index of the key hashes instead, so a
 * hostile line with --max-fields 1000000 distinct keys costs a few probes per key,
 * not n^2/2 compares. The index is built on the first check that needs it, covers
 * the entries added since on the next check, and is kept (emptied) across events.
 */
#ifndef CEFGUARD_FIELDS_H
#define CEFGUARD_FIELDS_H

#include "cefguard/common.h"

#define CG_FIELDS_DEFAULT_MAX 1024
/* Lists longer than this find duplicates through the index. */
#define CG_FIELDS_INDEX_MIN 64

struct cg_field {
    struct cg_str key;
    struct cg_str val;
    uint32_t hash; /* of key: lookups compare it before the bytes */
};

struct cg_fields {
    struct cg_field *v;
    size_t n;
    size_t cap;
    size_t max;             /* bound on n; 0 means CG_FIELDS_DEFAULT_MAX */
    uint32_t dup_dropped;   /* duplicate keys dropped in this event */
    uint32_t limit_dropped; /* fields beyond max dropped in this event */
    /* Private: the duplicate index of long lists (fields.c), NULL until one needs it. One
     * pointer, and 32-bit counters (a line of 1 GiB has fewer pairs), keep this struct
     * and so every event copy the size it had. */
    struct cg_fields_index *ix;
};

void cg_fields_init(struct cg_fields *f, size_t max);
void cg_fields_fini(struct cg_fields *f);
void cg_fields_clear(struct cg_fields *f);

/* Appends key=val unless key is already present (then dup_dropped++) or the
 * list is full (then limit_dropped++). Returns CG_OK (also when dropped) or
 * CG_ENOMEM. */
int cg_fields_add(struct cg_fields *f, struct cg_str key, struct cg_str val);

/* Decoders that fill a list in one go (a CEF extension, LEEF attributes) keep a
 * filter of the key hashes the list holds: a key whose hash bits are not all set
 * cannot be a duplicate, so most adds skip the scan of the list. A filter is valid
 * for one list while that list changes only through cg_fields_add_filtered (with
 * this filter): set it up with cg_fields_filter_init right before the adds. */
struct cg_fields_filter {
    uint64_t bits[4];
};

void cg_fields_filter_init(struct cg_fields_filter *flt, const struct cg_fields *f);

/* cg_fields_add with the same results, using and updating flt. */
int cg_fields_add_filtered(struct cg_fields *f, struct cg_fields_filter *flt, struct cg_str key,
                           struct cg_str val);

/* Entries compared by the duplicate checks of this thread so far: a test's measure
 * of their cost. */
size_t cg_fields_probes(void);

/* First value for key, or NULL. */
const struct cg_str *cg_fields_get(const struct cg_fields *f, struct cg_str key);
const struct cg_str *cg_fields_getz(const struct cg_fields *f, const char *key);

#endif
