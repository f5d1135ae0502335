/* match_share.c - hash-consing of the conditions rules repeat: each shared subtree gets a
 * memo slot, so an evaluation with a memo computes it once per event (see match.h). */
#include "match_int.h"

#include "cefguard/arena.h"
#include "cefguard/hmap.h"
#include "cefguard/vec.h"

/* ---- shared subexpressions ------------------------------------------------- */

/* A node's structure as bytes: equal bytes, equal result on every event. Each part is
 * length-prefixed, so the encoding is unambiguous. */
static int sig_bytes(struct cg_buf *b, const void *p, size_t n)
{
    uint64_t len = n;
    return cg_buf_put(b, &len, sizeof(len)) | (n ? cg_buf_put(b, p, n) : CG_OK);
}

static int sig_op(struct cg_buf *b, const struct cg_match_op *op)
{
    unsigned char hdr[3] = {(unsigned char)op->kind, op->sorted, op->flag};
    int rc = cg_buf_put(b, hdr, sizeof(hdr)) | sig_bytes(b, &op->num, sizeof(op->num)) |
             sig_bytes(b, &op->n, sizeof(op->n));
    for (size_t i = 0; i < op->n; i++) {
        if (op->vals)
            rc |= sig_bytes(b, op->vals[i].p, op->vals[i].n);
        else if (op->rx)
            rc |= sig_bytes(b, op->rx[i].src, op->rx[i].srclen);
        else if (op->nets)
            rc |= sig_bytes(b, &op->nets[i], sizeof(op->nets[i]));
    }
    return rc;
}

/* A condition's structure as bytes (path, flags, operators, operands). */
static int sig_cond(struct cg_buf *b, const struct cg_match_cond *cd)
{
    unsigned char fl[3] = {(unsigned char)CG_MATCH_COND, cd->nocase, cd->if_missing};
    const char *path = cd->path.text ? cd->path.text : "";
    int rc = cg_buf_put(b, fl, sizeof(fl)) | sig_bytes(b, path, strlen(path)) |
             sig_bytes(b, &cd->nops, sizeof(cd->nops));
    for (size_t i = 0; i < cd->nops; i++)
        rc |= sig_op(b, &cd->ops[i]);
    return rc ? CG_ENOMEM : CG_OK;
}

/* Hash-consing: every distinct subtree gets an id (1..), a parent's signature is its
 * kind and its children's ids, so each node is serialized once. */
struct sharer {
    struct cg_hmap ids;   /* signature -> id, as a pointer-sized integer; keys in `keys` */
    struct cg_arena keys; /* the signatures: one bump allocator, not a malloc each */
    uint32_t nids;
    uint32_t *count; /* occurrences per id (1..nids) */
    size_t cap;      /* of count (vec.h) */
    uint32_t *slot;  /* pass 2: id -> memo slot */
    uint32_t nslots;
    struct cg_buf sig;
};

/* The next id, for the signature key (sh->sig.n bytes); 0 when out of memory. */
static uint32_t share_new_id(struct sharer *sh, const char *key)
{
    if (sh->nids >= UINT32_MAX - 1 ||
        cg_vec_reserve_ptr(&sh->count, &sh->cap, sizeof(*sh->count), (size_t)sh->nids + 2) != CG_OK)
        return 0;
    uint32_t id = ++sh->nids;
    sh->count[id] = 0;
    const char *kept = sh->sig.n ? cg_arena_dup(&sh->keys, key, sh->sig.n) : key;
    if (!kept || cg_hmap_put(&sh->ids, kept, sh->sig.n, (void *)(uintptr_t)id) != CG_OK)
        return 0;
    return id;
}

/* Interns nd's subtree; returns its id (0: out of memory). A one-child all-of has its
 * child's id and result, and no memo of its own. Leaves the id in nd->memo. */
static uint32_t share_intern(struct sharer *sh, struct cg_match_node *nd)
{
    uint32_t kid_ids[8], *kids = nd->n <= 8 ? kid_ids : malloc(nd->n * sizeof(*kids));
    if (!kids)
        return 0;
    bool ok = true;
    for (size_t i = 0; i < nd->n && ok; i++)
        ok = (kids[i] = share_intern(sh, &nd->kids[i])) != 0;
    uint32_t id = 0;
    nd->memo = 0;
    if (ok && nd->kind == CG_MATCH_ALL && nd->n == 1) {
        id = kids[0];
    } else if (ok) {
        cg_buf_clear(&sh->sig);
        unsigned char k = (unsigned char)nd->kind;
        int rc = nd->kind == CG_MATCH_COND && nd->cond
                     ? sig_cond(&sh->sig, nd->cond)
                     : cg_buf_put(&sh->sig, &k, 1) | sig_bytes(&sh->sig, kids, nd->n * 4);
        const char *key = sh->sig.p ? sh->sig.p : "";
        if (rc == CG_OK && !(id = (uint32_t)(uintptr_t)cg_hmap_get(&sh->ids, key, sh->sig.n)))
            id = share_new_id(sh, key);
        if (id) {
            sh->count[id]++;
            nd->memo = id;
        }
    }
    if (kids != kid_ids)
        free(kids);
    return id;
}

/* Pass 2: an id seen more than once becomes a memo slot; every other node has none. */
static void share_assign(struct sharer *sh, struct cg_match_node *nd)
{
    for (size_t i = 0; i < nd->n; i++)
        share_assign(sh, &nd->kids[i]);
    uint32_t id = nd->memo;
    if (!id || sh->count[id] < 2) {
        nd->memo = 0;
        return;
    }
    if (!sh->slot[id])
        sh->slot[id] = ++sh->nslots;
    nd->memo = sh->slot[id];
}

static void share_clear(struct cg_match_node *nd)
{
    nd->memo = 0;
    for (size_t i = 0; i < nd->n; i++)
        share_clear(&nd->kids[i]);
}

int cg_match_share(struct cg_match **ms, size_t n, size_t *nslots)
{
    struct sharer sh = {.nids = 0};
    cg_hmap_init_borrowed(&sh.ids, 0);
    cg_arena_init(&sh.keys);
    cg_buf_init(&sh.sig);
    int rc = CG_OK;
    for (size_t i = 0; i < n && rc == CG_OK; i++)
        if (ms[i] && !share_intern(&sh, &ms[i]->root))
            rc = CG_ENOMEM;
    if (rc == CG_OK && !(sh.slot = calloc(sh.nids + 1, sizeof(*sh.slot))))
        rc = CG_ENOMEM;
    for (size_t i = 0; i < n && rc == CG_OK; i++)
        if (ms[i])
            share_assign(&sh, &ms[i]->root);
    cg_hmap_fini(&sh.ids);
    cg_arena_fini(&sh.keys);
    cg_buf_fini(&sh.sig);
    free(sh.count);
    free(sh.slot);
    *nslots = rc == CG_OK ? sh.nslots : 0;
    if (rc != CG_OK) /* no sharing at all rather than half of it */
        for (size_t i = 0; i < n; i++)
            if (ms[i])
                share_clear(&ms[i]->root);
    return rc;
}
