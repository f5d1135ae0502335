/* match.c - evaluating a compiled `match:` against an event, with the memo of shared
 * subexpressions (see match.h; the tree is built by match_compile.c). This is the hot path
 * of replay: every helper the evaluation calls is static here or static inline in
 * match_int.h, so the compiler can inline the whole walk of a condition. */
#include "match_int.h"

#include "cefguard/log.h"

#include <stdio.h>

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* ---- networks ------------------------------------------------------------ */

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rem = bits % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rem == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rem));
    return ((a[full] ^ b[full]) & mask) == 0;
}

/* IPv4 networks also match IPv4-mapped IPv6 values (::ffff:a.b.c.d); an IPv6
 * network matches IPv6 values only (the mapped ones as IPv6). */
static bool cidr_match(const struct cg_match_op *op, struct cg_str v)
{
    uint8_t v6, a[16];
    if (!cg_match_parse_addr(v.p, v.n, &v6, a))
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool has_v4 = !v6 || memcmp(a, mapped, sizeof(mapped)) == 0;
    const uint8_t *a4 = v6 ? a + 12 : a;
    for (size_t i = 0; i < op->n; i++) {
        const struct cg_match_net *net = &op->nets[i];
        if (net->v6 ? (v6 && prefix_eq(a, net->addr, net->len))
                    : (has_v4 && prefix_eq(a4, net->addr, net->len)))
            return true;
    }
    return false;
}

/* ---- strings ------------------------------------------------------------- */

/* a against b (b already lower-cased when folding), n bytes each. */
static bool bytes_eq(const char *a, const char *b, size_t n, bool nocase)
{
    if (!nocase)
        return n == 0 || memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (cg_match_fold((unsigned char)a[i]) != (unsigned char)b[i])
            return false;
    return true;
}

static bool str_in(const struct cg_match_op *op, struct cg_str v, bool nocase)
{
    if (op->sorted) {
        size_t lo = 0, hi = op->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = cg_match_key_cmp(v, op->vals[mid], nocase);
            if (c == 0)
                return true;
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        return false;
    }
    for (size_t i = 0; i < op->n; i++)
        if (v.n == op->vals[i].n && bytes_eq(v.p, op->vals[i].p, v.n, nocase))
            return true;
    return false;
}

static bool contains(struct cg_str v, struct cg_str k, bool nocase)
{
    if (k.n == 0)
        return true;
    if (v.n < k.n)
        return false;
    if (!nocase)
        return memmem(v.p, v.n, k.p, k.n) != NULL;
    unsigned char first = (unsigned char)k.p[0];
    for (size_t i = 0; i <= v.n - k.n; i++)
        if (cg_match_fold((unsigned char)v.p[i]) == first &&
            bytes_eq(v.p + i + 1, k.p + 1, k.n - 1, true))
            return true;
    return false;
}

/* prefix / suffix / contains: any of the operands. */
static bool str_any(const struct cg_match_op *op, struct cg_str v, bool nocase)
{
    for (size_t i = 0; i < op->n; i++) {
        struct cg_str k = op->vals[i];
        bool ok;
        if (op->kind == CG_MATCH_OP_CONTAINS)
            ok = contains(v, k, nocase);
        else if (v.n < k.n)
            ok = false;
        else
            ok = bytes_eq(op->kind == CG_MATCH_OP_PREFIX ? v.p : v.p + v.n - k.n, k.p, k.n, nocase);
        if (ok)
            return true;
    }
    return false;
}

/* A regex evaluation stopped by a limit (match_compile.c sets them) or out of memory:
 * no match, counted for the rule and the engine, and the rule's first one logged. */
static NOINLINE void rx_stopped(const struct cg_match_rx *r, struct cg_str v, int rc,
                                struct cg_match_memo *mm)
{
    struct cg_match *m = r->m;
    m->rx_stopped++;
    if (mm && mm->regex_limit)
        ++*mm->regex_limit;
    if (m->rx_logged)
        return;
    m->rx_logged = true;
    PCRE2_UCHAR why[128];
    if (pcre2_get_error_message(rc, why, sizeof(why)) < 0)
        snprintf((char *)why, sizeof(why), "PCRE2 error %d", rc);
    struct cg_buf b;
    cg_buf_init(&b);
    cg_log_escape(&b, r->src, r->srclen, 200);
    cg_log(CG_LOG_WARN,
           "%s: regex '%s' stopped (%s) on a value of %zu bytes: taken as no match, counted in "
           "engine.regex_limit; later ones of this rule are not logged",
           m->name ? m->name : "a match", cg_buf_cstr(&b), (const char *)why, v.n);
    cg_buf_fini(&b);
}

static bool rx_any(const struct cg_match_op *op, struct cg_str v, struct cg_match_memo *mm)
{
    PCRE2_SPTR s = (PCRE2_SPTR)(v.p ? v.p : "");
    for (size_t i = 0; i < op->n; i++) {
        struct cg_match_rx *r = &op->rx[i]; /* (the op is const, its regexes JIT-compile lazily) */
        if (!r->jit_tried) {
            r->jit_tried = true;
            r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
        }
        int rc = r->jit ? pcre2_jit_match(r->code, s, v.n, 0, 0, r->md, r->mctx)
                        : pcre2_match(r->code, s, v.n, 0, 0, r->md, r->mctx);
        if (rc >= 0)
            return true;
        if (CG_UNLIKELY(rc != PCRE2_ERROR_NOMATCH))
            rx_stopped(r, v, rc, mm);
    }
    return false;
}

/* ---- evaluation ---------------------------------------------------------- */

bool cg_match_number(const char *p, size_t n, double *out)
{
    return cg_match_parse_num(p, n, out);
}

/* The value of one condition, its number parsed at most once. */
struct value {
    struct cg_str s;
    int num_state; /* 0 not parsed, 1 a number, -1 not a number */
    double num;
};

static bool num_cmp(const struct cg_match_op *op, struct value *v)
{
    if (v->num_state == 0)
        v->num_state = cg_match_parse_num(v->s.p, v->s.n, &v->num) ? 1 : -1;
    if (v->num_state < 0)
        return false;
    switch (op->kind) {
    case CG_MATCH_OP_LT: return v->num < op->num;
    case CG_MATCH_OP_LE: return v->num <= op->num;
    case CG_MATCH_OP_GT: return v->num > op->num;
    default: return v->num >= op->num;
    }
}

static bool op_eval(const struct cg_match_op *op, struct value *v, bool nocase,
                    struct cg_match_memo *mm)
{
    switch (op->kind) {
    case CG_MATCH_OP_EQ: return str_in(op, v->s, nocase);
    case CG_MATCH_OP_NE: return !str_in(op, v->s, nocase);
    case CG_MATCH_OP_PREFIX:
    case CG_MATCH_OP_SUFFIX:
    case CG_MATCH_OP_CONTAINS: return str_any(op, v->s, nocase);
    case CG_MATCH_OP_REGEX: return rx_any(op, v->s, mm);
    case CG_MATCH_OP_CIDR: return cidr_match(op, v->s);
    case CG_MATCH_OP_LT:
    case CG_MATCH_OP_LE:
    case CG_MATCH_OP_GT:
    case CG_MATCH_OP_GE: return num_cmp(op, v);
    case CG_MATCH_OP_EXISTS: return op->flag;
    }
    return false;
}

static bool cond_eval(const struct cg_match_cond *c, struct cg_event *ev, struct cg_match_memo *mm)
{
    struct cg_path_scratch scratch;
    struct value v = {.num_state = 0};
    if (!cg_path_get(&c->path, ev, &v.s, &scratch))
        return c->if_missing;
    for (size_t i = 0; i < c->nops; i++)
        if (!op_eval(&c->ops[i], &v, c->nocase, mm))
            return false;
    return true;
}

static bool node_eval(const struct cg_match_node *nd, struct cg_event *ev,
                      struct cg_match_memo *mm);

static bool node_eval_raw(const struct cg_match_node *nd, struct cg_event *ev,
                          struct cg_match_memo *mm)
{
    switch (nd->kind) {
    case CG_MATCH_ALL:
        for (size_t i = 0; i < nd->n; i++)
            if (!node_eval(&nd->kids[i], ev, mm))
                return false;
        return true;
    case CG_MATCH_ANY:
        for (size_t i = 0; i < nd->n; i++)
            if (node_eval(&nd->kids[i], ev, mm))
                return true;
        return false;
    case CG_MATCH_NOT: return !node_eval(&nd->kids[0], ev, mm);
    case CG_MATCH_COND: return cond_eval(nd->cond, ev, mm);
    }
    return false;
}

/* A shared subexpression is evaluated once per event (per memo epoch). */
static bool node_eval(const struct cg_match_node *nd, struct cg_event *ev, struct cg_match_memo *mm)
{
    if (!nd->memo || !mm || nd->memo >= mm->n)
        return node_eval_raw(nd, ev, mm);
    if (mm->stamp[nd->memo] == mm->epoch)
        return mm->val[nd->memo];
    bool r = node_eval_raw(nd, ev, mm);
    mm->stamp[nd->memo] = mm->epoch;
    mm->val[nd->memo] = r;
    return r;
}

bool cg_match_eval(const struct cg_match *m, struct cg_event *ev)
{
    return node_eval(&m->root, ev, NULL);
}

bool cg_match_eval_memo(const struct cg_match *m, struct cg_event *ev, struct cg_match_memo *mm)
{
    return node_eval(&m->root, ev, mm);
}

int cg_match_memo_init(struct cg_match_memo *mm, size_t nslots)
{
    memset(mm, 0, sizeof(*mm));
    mm->n = nslots + 1; /* slot 0 is "not shared" */
    mm->epoch = 1;
    mm->stamp = calloc(mm->n, sizeof(*mm->stamp));
    mm->val = calloc(mm->n, sizeof(*mm->val));
    if (!mm->stamp || !mm->val) {
        cg_match_memo_fini(mm);
        return CG_ENOMEM;
    }
    return CG_OK;
}

void cg_match_memo_fini(struct cg_match_memo *mm)
{
    free(mm->stamp);
    free(mm->val);
    memset(mm, 0, sizeof(*mm));
}

void cg_match_memo_next(struct cg_match_memo *mm)
{
    if (++mm->epoch == 0) { /* wrapped: forget every stamp */
        if (mm->stamp)
            memset(mm->stamp, 0, mm->n * sizeof(*mm->stamp));
        mm->epoch = 1;
    }
}
