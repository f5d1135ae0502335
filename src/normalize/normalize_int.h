/*
 * normalize_int.h - the normalizer and its rulebases (private to src/normalize/; the public
 * interface is cefguard/normalize.h):
 *   rulebase.c   the normalizer's life: loading files into liblognorm contexts, and the scan
 *                of each file that sets up the two below;
 *   prefilter.c  which lines the rules of a file can match at all (struct nz_need);
 *   annotate.c   annotate= lines, applied here rather than by liblognorm (struct nz_tagann);
 *   lognorm.c    cg_normalize: liblognorm on a line, its JSON walked into the event (map.h).
 * liblognorm's context is made in rulebase.c and used in lognorm.c; its JSON objects never
 * leave lognorm.c.
 *
 * One normalizer per thread: ln_normalize updates statistics inside the context, and the
 * snake_case cache and the memo of the splitters are the normalizer's.
 */
#ifndef CEFGUARD_NORMALIZE_INT_H
#define CEFGUARD_NORMALIZE_INT_H

#include "cefguard/normalize.h"

#include "map.h"

#include <liblognorm.h>

/* A rule as the prefilter sees it: a line can only match it when the line starts with
 * pfx and contains req (either may be empty: no condition). */
struct nz_need {
    char *pfx;
    char *req;
    size_t npfx, nreq;
    size_t anchor; /* the byte of req looked for first: the rarest in log text (a guess) */
};

/* A constant field of a rule's tag: annotate=TAG:+NAME="VALUE". */
struct nz_annot {
    char *tag;
    char *name;
    struct cg_str value;
};

/* An annotation as it lands in an event's JSON. */
struct nz_av {
    const char *name;
    size_t nlen;
    struct cg_str value;
    struct nz_role role;
};

/* The annotations of one tag as liblognorm adds them to an event: its annotate= lines last
 * first, with json_object_object_add, so a name that comes again keeps the place where it
 * first landed and takes the new value. nz_map visits the members of the object
 * last-added first: the annotations come before the parsed fields, in file order, and one
 * named like a member the rule parsed takes that member's place. Reproduced without
 * building the JSON (annotate.c). */
struct nz_tagann {
    const char *tag;
    size_t tlen;     /* strlen(tag): a tag is looked up for every line a rule matches */
    struct nz_av *v; /* in the order they land, with their final values */
    size_t n;
    uint64_t lens; /* the lengths of their names, as bits (nz_len_bit) */
};

/* A bit for a name length (63 for all longer ones): a set of lengths in one word. */
static inline uint64_t nz_len_bit(size_t n)
{
    return (uint64_t)1 << (n < 63 ? n : 63);
}

/* A rulebase: its context and its prefilter. A line that no rule of the file can match is
 * not handed to liblognorm, which builds an error object with two copies of the line for
 * every miss. When ann is set, liblognorm got the file with its annotate= lines commented
 * out, and they are applied here (annotate.c): liblognorm builds a JSON string per
 * annotation and line, which cost more than the rest of a match. */
struct nz_base {
    ln_ctx ctx;
    char *path;
    struct nz_need *need; /* one per distinct rule condition; NULL = no prefilter, try all */
    size_t nneed;
    struct nz_annot *ann; /* in file order; NULL = liblognorm applies them */
    size_t nann;
    struct nz_tagann *tags; /* the annotations grouped by tag */
    size_t ntags;
    size_t longest; /* the longest line of the file: bounds any literal of its rules */
};

struct cg_normalizer {
    struct nz_base *v;
    size_t n;
    size_t cap;
    struct nz_snake_cache *snake; /* NULL until a rule matched, or when out of memory */
    size_t pad; /* zero bytes after the text handed to liblognorm: the longest base line */
};

/* ---- prefilter.c ----------------------------------------------------------------------- */

/* Reads the rule conditions of one line of a rulebase file (NUL-terminated, without its LF)
 * into b->need (*cap: its capacity). Returns false when the line turns the filter off for
 * the file: a non-empty prefix=, include=, a rule without a condition this scan can vouch
 * for, or out of memory. The filter may only ever be too wide, never too narrow. */
bool cg_nz_prefilter_line(struct nz_base *b, const char *line, size_t *cap);

/* Frees b's conditions: b is then tried on every line. */
void cg_nz_prefilter_free(struct nz_base *b);

/* Whether text contains d->req: memchr for its anchor byte, then a compare. */
static inline bool nz_has_req(const struct nz_need *d, struct cg_str text)
{
    size_t a = d->anchor, nr = d->nreq;
    if (text.n < nr)
        return false;
    const char *p = text.p + a, *last = text.p + (text.n - nr) + a;
    while (p <= last && (p = memchr(p, d->req[a], (size_t)(last - p) + 1)) != NULL) {
        if (memcmp(p - a, d->req, nr) == 0)
            return true;
        p++;
    }
    return false;
}

/* Whether a rule of b may match text: false only when none can (the text liblognorm would
 * get, lognorm.c). */
static inline bool nz_prefilter_match(const struct nz_base *b, struct cg_str text)
{
    if (!b->need)
        return true;
    for (size_t i = 0; i < b->nneed; i++) {
        const struct nz_need *d = &b->need[i];
        if (d->npfx && (text.n < d->npfx || text.p[0] != d->pfx[0] ||
                        memcmp(text.p + 1, d->pfx + 1, d->npfx - 1) != 0))
            continue; /* the first byte alone rules out most lines */
        if (d->nreq == 0 || nz_has_req(d, text))
            return true;
    }
    return false;
}

/* ---- annotate.c ------------------------------------------------------------------------ */

/* An annotate= line (len bytes, without its LF) of exactly the form annotate=TAG:+NAME="VALUE"
 * (the line ends at the closing quote): appended to b->ann (*cap: its capacity). False for
 * any other form, or out of memory: then liblognorm applies the file's annotations (the
 * order of several operations on one line differs there). */
bool cg_nz_annotate_line(struct nz_base *b, const char *line, size_t len, size_t *cap);

/* Groups b->ann by tag (b->tags). False when out of memory. */
bool cg_nz_annotate_group(struct nz_base *b);

/* Frees b's annotations: liblognorm applies them. */
void cg_nz_annotate_free(struct nz_base *b);

/* The annotations of tag (NULL: none), or NULL. Inline: looked up for every match. */
static inline const struct nz_tagann *nz_annotate_find(const struct nz_base *b, const char *tag,
                                                       size_t tlen)
{
    for (size_t i = 0; tag && i < b->ntags; i++) {
        if (b->tags[i].tlen == tlen && memcmp(b->tags[i].tag, tag, tlen) == 0)
            return &b->tags[i];
    }
    return NULL;
}

/* Merges the annotations of a further tag g (NULL: none) into av[0..n) (room for b->nann),
 * as liblognorm lands them: a name already there takes the new value. Adds their name
 * lengths to *lens. Returns the new n. */
size_t cg_nz_annotate_merge(struct nz_av *av, size_t n, const struct nz_tagann *g, uint64_t *lens);

#endif
