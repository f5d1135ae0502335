/* match.c - the `match:` language: YAML -> compact tree -> evaluation (see match.h). */
#include "cefguard/match.h"

#include "cefguard/arena.h"
#include "cefguard/hmap.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Lists longer than this are sorted and binary-searched (eq/in/ne). */
#define SORT_MIN 8
/* A value quoted in an error message is cut here. */
#define QUOTE_MAX 64
/* Bounds for one regex on one value: a pathological pattern costs at most this
 * much per event, and a match that hits a limit counts as no match. */
#define RX_MATCH_LIMIT 1000000
#define RX_JIT_STACK_START ((size_t)32 * 1024)
#define RX_JIT_STACK_MAX ((size_t)512 * 1024)

enum node_kind { N_ALL = 0, N_ANY, N_NOT, N_COND }; /* zeroed node = empty all-of */

enum op_kind {
    OP_EQ, /* eq and in */
    OP_NE,
    OP_PREFIX,
    OP_SUFFIX,
    OP_CONTAINS,
    OP_REGEX,
    OP_CIDR,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EXISTS,
};

struct rx {
    char *src; /* the pattern, for finding shared conditions */
    size_t srclen;
    pcre2_code *code;
    pcre2_match_data *md; /* shared by every evaluation: not thread-safe */
    pcre2_match_context *mctx;
    bool jit;       /* JIT-compiled: on first use, so rules that never run cost no JIT */
    bool jit_tried; /* the JIT compile was attempted (it may fail: interpreted then) */
};

struct net {
    uint8_t v6;
    uint8_t len; /* prefix length */
    uint8_t addr[16];
};

struct op {
    enum op_kind kind;
    bool sorted;         /* vals sorted by (length, bytes) */
    bool flag;           /* exists: true / false */
    size_t n;            /* operands */
    struct cg_str *vals; /* string ops; one allocation: the array, then the bytes */
    struct rx *rx;
    struct net *nets;
    double num;
};

struct cond {
    struct cg_path path;
    bool nocase;     /* string operands are stored lower-cased */
    bool if_missing; /* result when the event has no such value */
    size_t nops;
    struct op *ops;
};

struct node {
    enum node_kind kind;
    unsigned cost;     /* evaluation order key, see node_cost() */
    uint32_t memo;     /* > 0: slot of a subexpression other nodes share (cg_match_share) */
    size_t n;          /* children (NOT: 1) */
    struct node *kids; /* one array per level */
    struct cond *cond;
};

struct cg_match {
    struct node root;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
};

/* ---- numbers ------------------------------------------------------------- */

/* Strict decimal number: [+-] digits [. digits] [(e|E) [+-] digits], at least one
 * mantissa digit, nothing else (no spaces, hex, inf, nan). Values are not
 * NUL-terminated, so the text is checked here and converted from a bounded copy. */
static bool parse_num(const char *p, size_t n, double *out)
{
    char buf[64];
    size_t i = 0, digits = 0;
    int64_t iv = 0;
    if (n == 0 || n >= sizeof(buf))
        return false;
    if (p[0] == '+' || p[0] == '-')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++)
        iv = digits < 15 ? iv * 10 + (p[i] - '0') : iv;
    if (i == n && digits > 0 && digits <= 15) { /* the common case: a small integer */
        *out = p[0] == '-' ? -(double)iv : (double)iv;
        return true;
    }
    if (i < n && p[i] == '.')
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t ed = 0;
        if (++i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            ed++;
        if (ed == 0)
            return false;
    }
    if (i != n)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (end != buf + n || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/* ---- networks ------------------------------------------------------------ */

/* Address text -> family and bytes. ':' decides the family, so "1.2.3.4" is never
 * read as IPv6 and zone ids ("fe80::1%eth0") are refused. */
static bool parse_addr(const char *p, size_t n, uint8_t *v6, uint8_t addr[16])
{
    char buf[INET6_ADDRSTRLEN];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    *v6 = memchr(buf, ':', n) != NULL;
    return inet_pton(*v6 ? AF_INET6 : AF_INET, buf, addr) == 1;
}

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

/* "addr" or "addr/len". Returns 0, -1 when malformed, -2 when host bits are set
 * (then *net holds the network with them cleared). */
static int parse_net(const char *p, size_t n, struct net *net)
{
    const char *slash = memchr(p, '/', n);
    size_t alen = slash ? (size_t)(slash - p) : n;
    memset(net, 0, sizeof(*net));
    if (!parse_addr(p, alen, &net->v6, net->addr))
        return -1;
    unsigned max = net->v6 ? 128 : 32, len = max;
    if (slash) {
        size_t i = alen + 1;
        if (i == n || n - i > 3)
            return -1;
        for (len = 0; i < n; i++) {
            if (p[i] < '0' || p[i] > '9')
                return -1;
            len = len * 10 + (unsigned)(p[i] - '0');
        }
        if (len > max)
            return -1;
    }
    net->len = (uint8_t)len;
    int rc = 0;
    for (unsigned b = len; b < max; b++) {
        uint8_t bit = (uint8_t)(0x80u >> (b % 8));
        if (net->addr[b / 8] & bit) {
            net->addr[b / 8] &= (uint8_t)~bit;
            rc = -2;
        }
    }
    return rc;
}

/* IPv4 networks also match IPv4-mapped IPv6 values (::ffff:a.b.c.d); an IPv6
 * network matches IPv6 values only (the mapped ones as IPv6). */
static bool cidr_match(const struct op *op, struct cg_str v)
{
    uint8_t v6, a[16];
    if (!parse_addr(v.p, v.n, &v6, a))
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool has_v4 = !v6 || memcmp(a, mapped, sizeof(mapped)) == 0;
    const uint8_t *a4 = v6 ? a + 12 : a;
    for (size_t i = 0; i < op->n; i++) {
        const struct net *net = &op->nets[i];
        if (net->v6 ? (v6 && prefix_eq(a, net->addr, net->len))
                    : (has_v4 && prefix_eq(a4, net->addr, net->len)))
            return true;
    }
    return false;
}

/* ---- strings ------------------------------------------------------------- */

static inline unsigned char fold(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch + 32) : ch;
}

/* a against b (b already lower-cased when folding), n bytes each. */
static bool bytes_eq(const char *a, const char *b, size_t n, bool nocase)
{
    if (!nocase)
        return n == 0 || memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)a[i]) != (unsigned char)b[i])
            return false;
    return true;
}

/* Order of sorted lists: by length, then by bytes (folded when nocase). */
static int key_cmp(struct cg_str v, struct cg_str k, bool nocase)
{
    if (v.n != k.n)
        return v.n < k.n ? -1 : 1;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char a = (unsigned char)v.p[i], b = (unsigned char)k.p[i];
        if (nocase)
            a = fold(a);
        if (a != b)
            return a < b ? -1 : 1;
    }
    return 0;
}

static int qsort_cmp(const void *a, const void *b)
{
    return key_cmp(*(const struct cg_str *)a, *(const struct cg_str *)b, false);
}

static bool str_in(const struct op *op, struct cg_str v, bool nocase)
{
    if (op->sorted) {
        size_t lo = 0, hi = op->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = key_cmp(v, op->vals[mid], nocase);
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
        if (fold((unsigned char)v.p[i]) == first && bytes_eq(v.p + i + 1, k.p + 1, k.n - 1, true))
            return true;
    return false;
}

/* prefix / suffix / contains: any of the operands. */
static bool str_any(const struct op *op, struct cg_str v, bool nocase)
{
    for (size_t i = 0; i < op->n; i++) {
        struct cg_str k = op->vals[i];
        bool ok;
        if (op->kind == OP_CONTAINS)
            ok = contains(v, k, nocase);
        else if (v.n < k.n)
            ok = false;
        else
            ok = bytes_eq(op->kind == OP_PREFIX ? v.p : v.p + v.n - k.n, k.p, k.n, nocase);
        if (ok)
            return true;
    }
    return false;
}

static bool rx_any(const struct op *op, struct cg_str v)
{
    PCRE2_SPTR s = (PCRE2_SPTR)(v.p ? v.p : "");
    for (size_t i = 0; i < op->n; i++) {
        struct rx *r = &op->rx[i]; /* (the op is const, its regexes JIT-compile lazily) */
        if (!r->jit_tried) {
            r->jit_tried = true;
            r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
        }
        int rc = r->jit ? pcre2_jit_match(r->code, s, v.n, 0, 0, r->md, r->mctx)
                        : pcre2_match(r->code, s, v.n, 0, 0, r->md, r->mctx);
        if (rc >= 0)
            return true;
    }
    return false;
}

/* ---- evaluation ---------------------------------------------------------- */

/* The value of one condition, its number parsed at most once. */
struct value {
    struct cg_str s;
    int num_state; /* 0 not parsed, 1 a number, -1 not a number */
    double num;
};

static bool num_cmp(const struct op *op, struct value *v)
{
    if (v->num_state == 0)
        v->num_state = parse_num(v->s.p, v->s.n, &v->num) ? 1 : -1;
    if (v->num_state < 0)
        return false;
    switch (op->kind) {
    case OP_LT: return v->num < op->num;
    case OP_LE: return v->num <= op->num;
    case OP_GT: return v->num > op->num;
    default: return v->num >= op->num;
    }
}

static bool op_eval(const struct op *op, struct value *v, bool nocase)
{
    switch (op->kind) {
    case OP_EQ: return str_in(op, v->s, nocase);
    case OP_NE: return !str_in(op, v->s, nocase);
    case OP_PREFIX:
    case OP_SUFFIX:
    case OP_CONTAINS: return str_any(op, v->s, nocase);
    case OP_REGEX: return rx_any(op, v->s);
    case OP_CIDR: return cidr_match(op, v->s);
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: return num_cmp(op, v);
    case OP_EXISTS: return op->flag;
    }
    return false;
}

static bool cond_eval(const struct cond *c, struct cg_event *ev)
{
    struct cg_path_scratch scratch;
    struct value v = {.num_state = 0};
    if (!cg_path_get(&c->path, ev, &v.s, &scratch))
        return c->if_missing;
    for (size_t i = 0; i < c->nops; i++)
        if (!op_eval(&c->ops[i], &v, c->nocase))
            return false;
    return true;
}

static bool node_eval(const struct node *nd, struct cg_event *ev, struct cg_match_memo *mm);

static bool node_eval_raw(const struct node *nd, struct cg_event *ev, struct cg_match_memo *mm)
{
    switch (nd->kind) {
    case N_ALL:
        for (size_t i = 0; i < nd->n; i++)
            if (!node_eval(&nd->kids[i], ev, mm))
                return false;
        return true;
    case N_ANY:
        for (size_t i = 0; i < nd->n; i++)
            if (node_eval(&nd->kids[i], ev, mm))
                return true;
        return false;
    case N_NOT: return !node_eval(&nd->kids[0], ev, mm);
    case N_COND: return cond_eval(nd->cond, ev);
    }
    return false;
}

/* A shared subexpression is evaluated once per event (per memo epoch). */
static bool node_eval(const struct node *nd, struct cg_event *ev, struct cg_match_memo *mm)
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

/* ---- freeing --------------------------------------------------------------- */

static void op_fini(struct op *op)
{
    if (op->rx) {
        for (size_t i = 0; i < op->n; i++) {
            pcre2_match_data_free(op->rx[i].md);
            pcre2_code_free(op->rx[i].code);
            free(op->rx[i].src);
        }
    }
    free(op->rx);
    free(op->vals);
    free(op->nets);
}

static void node_fini(struct node *nd)
{
    for (size_t i = 0; i < nd->n; i++)
        node_fini(&nd->kids[i]);
    free(nd->kids);
    if (nd->cond) {
        for (size_t i = 0; i < nd->cond->nops; i++)
            op_fini(&nd->cond->ops[i]);
        free(nd->cond->ops);
        cg_path_fini(&nd->cond->path);
        free(nd->cond);
    }
}

void cg_match_free(struct cg_match *m)
{
    if (!m)
        return;
    node_fini(&m->root);
    pcre2_jit_stack_free(m->jit_stack);
    pcre2_match_context_free(m->mctx);
    free(m);
}

/* ---- compiling ----------------------------------------------------------- */

/* Errors are collected, not fatal: a compile goes on after a bad entry so the
 * user sees every mistake of a rule at once. Only running out of memory stops. */
struct compiler {
    const struct cg_ydoc *doc;
    struct cg_buf *err;
    struct cg_match *m;
    unsigned nerr;
    bool oom;
};

static pcre2_match_context *match_ctx(struct compiler *c);

static void cerr(struct compiler *c, const struct cg_ynode *at, const char *fmt, ...)
    CG_PRINTF(3, 4);

static void cerr(struct compiler *c, const struct cg_ynode *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_yaml_verror(c->err, c->doc, at, fmt, ap);
    va_end(ap);
    c->nerr++;
}

static void *cmalloc(struct compiler *c, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        c->oom = true;
    return p;
}

static int quote_len(size_t n)
{
    return n > QUOTE_MAX ? QUOTE_MAX : (int)n;
}

static size_t nitems(const struct cg_ynode *val)
{
    return val->type == CG_Y_SEQ ? val->n : 1;
}

static const struct cg_ynode *item(const struct cg_ynode *val, size_t i)
{
    return val->type == CG_Y_SEQ ? val->kv[i] : val;
}

/* A value or a non-empty list of values. `what` names the operator or path. */
static bool check_values(struct compiler *c, const struct cg_ynode *val, const char *what)
{
    if (val->type == CG_Y_MAP) {
        cerr(c, val, "'%s' takes a value or a list of values, not a mapping", what);
        return false;
    }
    if (val->type == CG_Y_SEQ && val->n == 0) {
        cerr(c, val, "empty list for '%s'", what);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < nitems(val); i++) {
        const struct cg_ynode *it = item(val, i);
        if (it->type != CG_Y_SCALAR) {
            cerr(c, it, "'%s' list items must be values, not a %s", what,
                 it->type == CG_Y_SEQ ? "list" : "mapping");
            ok = false;
        } else if (it->plain && it->len == 0) {
            /* `fields.x:` with nothing after it is a slip, not a wish for "". */
            cerr(c, it, "no value for '%s' (write \"\" to match an empty value)", what);
            ok = false;
        }
    }
    return ok;
}

static void compile_strings(struct compiler *c, const struct cg_ynode *val, struct op *op,
                            bool nocase)
{
    size_t n = nitems(val), total = 0;
    for (size_t i = 0; i < n; i++)
        total += item(val, i)->len;
    /* One allocation per operator: the views, then the bytes they view. */
    op->vals = cmalloc(c, 1, n * sizeof(struct cg_str) + total);
    if (!op->vals)
        return;
    char *bytes = (char *)(op->vals + n);
    for (size_t i = 0; i < n; i++) {
        const struct cg_ynode *it = item(val, i);
        memcpy(bytes, it->str, it->len);
        for (size_t j = 0; nocase && j < it->len; j++)
            bytes[j] = (char)fold((unsigned char)bytes[j]);
        op->vals[i] = cg_str_make(bytes, it->len);
        bytes += it->len;
    }
    op->n = n;
    if ((op->kind == OP_EQ || op->kind == OP_NE) && n > SORT_MIN) {
        qsort(op->vals, n, sizeof(*op->vals), qsort_cmp);
        op->sorted = true;
    }
}

static void compile_regexes(struct compiler *c, const struct cg_ynode *val, struct op *op)
{
    size_t n = nitems(val);
    op->rx = cmalloc(c, n, sizeof(*op->rx));
    if (!op->rx)
        return;
    op->n = n;
    for (size_t i = 0; i < n && !c->oom; i++) {
        const struct cg_ynode *it = item(val, i);
        struct rx *r = &op->rx[i];
        int code;
        PCRE2_SIZE off;
        if (!(r->src = cmalloc(c, 1, it->len + 1)))
            return;
        memcpy(r->src, it->str, it->len);
        r->srclen = it->len;
        r->code = pcre2_compile((PCRE2_SPTR)it->str, it->len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                &code, &off, NULL);
        if (!r->code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof(msg));
            cerr(c, it, "bad regex: %s at offset %zu", (const char *)msg, (size_t)off);
            continue;
        }
        r->md = pcre2_match_data_create(1, NULL);
        if (!r->md)
            c->oom = true;
        r->mctx = match_ctx(c);
    }
}

static void compile_nets(struct compiler *c, const struct cg_ynode *val, struct op *op)
{
    size_t n = nitems(val);
    op->nets = cmalloc(c, n, sizeof(*op->nets));
    if (!op->nets)
        return;
    op->n = n;
    for (size_t i = 0; i < n; i++) {
        const struct cg_ynode *it = item(val, i);
        struct net *net = &op->nets[i];
        int rc = parse_net(it->str, it->len, net);
        if (rc == -1) {
            cerr(c, it,
                 "bad network '%.*s': expected an IPv4 or IPv6 address with an optional "
                 "/prefix",
                 quote_len(it->len), it->str);
        } else if (rc == -2) {
            char txt[INET6_ADDRSTRLEN];
            inet_ntop(net->v6 ? AF_INET6 : AF_INET, net->addr, txt, sizeof(txt));
            cerr(c, it, "host bits set in network '%.*s': did you mean %s/%u?", quote_len(it->len),
                 it->str, txt, (unsigned)net->len);
        }
    }
}

static void compile_scalar_op(struct compiler *c, const char *name, const struct cg_ynode *val,
                              struct op *op)
{
    if (val->type != CG_Y_SCALAR) {
        cerr(c, val, op->kind == OP_EXISTS ? "'%s' takes true or false" : "'%s' takes one number",
             name);
    } else if (op->kind == OP_EXISTS) {
        op->flag = strcmp(val->str, "true") == 0;
        if (!op->flag && strcmp(val->str, "false") != 0)
            cerr(c, val, "'%s' takes true or false", name);
    } else if (!parse_num(val->str, val->len, &op->num)) {
        cerr(c, val, "'%s' takes a number, not '%.*s'", name, quote_len(val->len), val->str);
    }
}

static const struct {
    const char *name;
    enum op_kind kind;
} op_names[] = {
    {"eq", OP_EQ},         {"ne", OP_NE},         {"in", OP_EQ},
    {"prefix", OP_PREFIX}, {"suffix", OP_SUFFIX}, {"contains", OP_CONTAINS},
    {"regex", OP_REGEX},   {"cidr", OP_CIDR},     {"lt", OP_LT},
    {"le", OP_LE},         {"gt", OP_GT},         {"ge", OP_GE},
    {"exists", OP_EXISTS},
};

static bool is_string_op(enum op_kind k)
{
    return k <= OP_CONTAINS;
}

static void compile_op(struct compiler *c, const char *name, const struct cg_ynode *val,
                       struct op *op, bool nocase)
{
    if (op->kind <= OP_CIDR && !check_values(c, val, name))
        return;
    if (is_string_op(op->kind))
        compile_strings(c, val, op, nocase);
    else if (op->kind == OP_REGEX)
        compile_regexes(c, val, op);
    else if (op->kind == OP_CIDR)
        compile_nets(c, val, op);
    else
        compile_scalar_op(c, name, val, op);
}

static bool parse_bool(struct compiler *c, const struct cg_ynode *val, const char *name)
{
    if (val->type == CG_Y_SCALAR && strcmp(val->str, "true") == 0)
        return true;
    if (val->type != CG_Y_SCALAR || strcmp(val->str, "false") != 0)
        cerr(c, val, "'%s' takes true or false", name);
    return false;
}

static int op_lookup(const char *name)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(op_names); i++)
        if (strcmp(name, op_names[i].name) == 0)
            return (int)i;
    return -1;
}

/* {op: operand, ...}: every operator must hold. */
static void compile_ops(struct compiler *c, struct cond *cd, const struct cg_ynode *map)
{
    const struct cg_ynode *nocase_key = NULL;
    bool any_string = false;
    for (size_t i = 0; i < map->n; i++) {
        if (strcmp(map->kv[2 * i]->str, "nocase") == 0) {
            nocase_key = map->kv[2 * i];
            cd->nocase = parse_bool(c, map->kv[2 * i + 1], "nocase");
        }
    }
    cd->ops = cmalloc(c, map->n, sizeof(*cd->ops));
    if (!cd->ops)
        return;
    for (size_t i = 0; i < map->n && !c->oom; i++) {
        const struct cg_ynode *key = map->kv[2 * i], *val = map->kv[2 * i + 1];
        if (key == nocase_key)
            continue;
        int k = op_lookup(key->str);
        if (k < 0) {
            cerr(c, key,
                 "unknown operator '%.*s': expected eq, ne, in, prefix, suffix, "
                 "contains, regex, cidr, lt, le, gt, ge, exists, nocase",
                 quote_len(key->len), key->str);
            continue;
        }
        struct op *op = &cd->ops[cd->nops++];
        op->kind = op_names[k].kind;
        any_string |= is_string_op(op->kind);
        compile_op(c, op_names[k].name, val, op, cd->nocase);
    }
    if (cd->nocase && !any_string)
        cerr(c, nocase_key,
             "'nocase' applies to eq, ne, in, prefix, suffix and contains "
             "(write (?i) in a regex)");
    else if (map->n == 0 || (nocase_key && map->n == 1))
        cerr(c, map, "condition on '%s' has no operator", cd->path.text);
}

/* Evaluation order: header values are views (cheap); time is rendered; a field
 * may decode the whole extension. Then, for paths alike, the operators: equality
 * before scans (contains, cidr) before regexes. */
static unsigned cond_cost(const struct cond *cd)
{
    unsigned path = cd->path.kind == CG_P_FIELD ? 3 : cd->path.kind == CG_P_TIME ? 1 : 0, op = 0;
    for (size_t i = 0; i < cd->nops; i++) {
        enum op_kind k = cd->ops[i].kind;
        unsigned oc = k == OP_REGEX ? 3 : k == OP_CONTAINS || k == OP_CIDR ? 2 : k >= OP_LT ? 1 : 0;
        op = oc > op ? oc : op;
    }
    return path * 4 + op;
}

static bool if_missing(const struct cond *cd)
{
    for (size_t i = 0; i < cd->nops; i++) {
        const struct op *op = &cd->ops[i];
        if (op->kind != OP_NE && !(op->kind == OP_EXISTS && !op->flag))
            return false;
    }
    return true;
}

static void compile_cond(struct compiler *c, const struct cg_ynode *key, const struct cg_ynode *val,
                         struct node *out)
{
    struct cond *cd = cmalloc(c, 1, sizeof(*cd));
    if (!cd)
        return;
    out->kind = N_COND;
    out->cond = cd;
    struct cg_buf msg;
    cg_buf_init(&msg);
    int rc =
        memchr(key->str, '\0', key->len) ? CG_EINVAL : cg_path_parse(key->str, &cd->path, &msg);
    if (rc != CG_OK) {
        if (rc == CG_ENOMEM)
            c->oom = true;
        else
            cerr(c, key, "%s", msg.n ? cg_buf_cstr(&msg) : "NUL byte in a path");
        cg_buf_fini(&msg);
        return;
    }
    cg_buf_fini(&msg);
    if (val->type == CG_Y_MAP) {
        compile_ops(c, cd, val);
    } else if (check_values(c, val, cd->path.text)) { /* value or list: equals one of */
        cd->ops = cmalloc(c, 1, sizeof(*cd->ops));
        if (!cd->ops)
            return;
        cd->nops = 1;
        cd->ops[0].kind = OP_EQ;
        compile_strings(c, val, &cd->ops[0], false);
    }
    cd->if_missing = if_missing(cd);
    out->cost = cond_cost(cd);
}

/* Stable counting sort of children by cost: cheap ones first, and the relative
 * order of equal costs kept, so results (and the user's reading) don't change. */
#define COST_MAX 16
static void order_kids(struct compiler *c, struct node *nd)
{
    size_t count[COST_MAX + 1] = {0};
    unsigned max = 0;
    for (size_t i = 0; i < nd->n; i++) {
        count[nd->kids[i].cost + 1]++;
        max = nd->kids[i].cost > max ? nd->kids[i].cost : max;
    }
    nd->cost = max;
    if (nd->n < 2)
        return;
    struct node *tmp = cmalloc(c, nd->n, sizeof(*tmp));
    if (!tmp)
        return;
    for (size_t k = 1; k <= COST_MAX; k++)
        count[k] += count[k - 1];
    for (size_t i = 0; i < nd->n; i++)
        tmp[count[nd->kids[i].cost]++] = nd->kids[i];
    free(nd->kids);
    nd->kids = tmp;
}

static void compile_all(struct compiler *c, const struct cg_ynode *map, struct node *out);

/* any / all: a non-empty list of mappings. */
static void compile_list(struct compiler *c, const struct cg_ynode *key, const struct cg_ynode *val,
                         struct node *out)
{
    if (val->type != CG_Y_SEQ) {
        cerr(c, val, "'%s' takes a list of mappings", key->str);
        return;
    }
    if (val->n == 0) {
        cerr(c, val, "empty list for '%s'", key->str);
        return;
    }
    out->kind = strcmp(key->str, "any") == 0 ? N_ANY : N_ALL;
    out->kids = cmalloc(c, val->n, sizeof(*out->kids));
    if (!out->kids)
        return;
    out->n = val->n;
    for (size_t i = 0; i < val->n && !c->oom; i++) {
        if (val->kv[i]->type != CG_Y_MAP)
            cerr(c, val->kv[i], "'%s' items must be mappings", key->str);
        else
            compile_all(c, val->kv[i], &out->kids[i]);
    }
    order_kids(c, out);
}

static void compile_not(struct compiler *c, const struct cg_ynode *val, struct node *out)
{
    if (val->type != CG_Y_MAP) {
        cerr(c, val, "'not' takes a mapping");
        return;
    }
    out->kids = cmalloc(c, 1, sizeof(*out->kids));
    if (!out->kids)
        return;
    out->kind = N_NOT;
    out->n = 1;
    compile_all(c, val, &out->kids[0]);
    out->cost = out->kids[0].cost;
}

/* A mapping: all of its entries. An empty mapping matches every event. */
static void compile_all(struct compiler *c, const struct cg_ynode *map, struct node *out)
{
    out->kind = N_ALL;
    if (map->n == 0)
        return;
    out->kids = cmalloc(c, map->n, sizeof(*out->kids));
    if (!out->kids)
        return;
    out->n = map->n;
    for (size_t i = 0; i < map->n && !c->oom; i++) {
        const struct cg_ynode *key = map->kv[2 * i], *val = map->kv[2 * i + 1];
        if (strcmp(key->str, "any") == 0 || strcmp(key->str, "all") == 0)
            compile_list(c, key, val, &out->kids[i]);
        else if (strcmp(key->str, "not") == 0)
            compile_not(c, val, &out->kids[i]);
        else
            compile_cond(c, key, val, &out->kids[i]);
    }
    order_kids(c, out);
}

/* The default JIT stack (32K on the machine stack) fails deep patterns on long values;
 * a private one makes that limit explicit. It is made when a JIT match first needs it
 * (an mmap each: 10,000 rules must not make 10,000 of them up front). */
static pcre2_jit_stack *jit_stack_cb(void *data)
{
    struct cg_match *m = data;
    if (!m->jit_stack)
        m->jit_stack = pcre2_jit_stack_create(RX_JIT_STACK_START, RX_JIT_STACK_MAX, NULL);
    return m->jit_stack; /* NULL: PCRE2 falls back to its default stack */
}

/* The match context of a match with regexes (its match limit and JIT stack). */
static pcre2_match_context *match_ctx(struct compiler *c)
{
    struct cg_match *m = c->m;
    if (m->mctx)
        return m->mctx;
    if (!(m->mctx = pcre2_match_context_create(NULL))) {
        c->oom = true;
        return NULL;
    }
    pcre2_set_match_limit(m->mctx, RX_MATCH_LIMIT);
    pcre2_jit_stack_assign(m->mctx, jit_stack_cb, m);
    return m->mctx;
}

static int match_new(struct cg_match **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? CG_OK : CG_ENOMEM;
}

int cg_match_compile(const struct cg_ydoc *doc, const struct cg_ynode *node, struct cg_match **out,
                     struct cg_buf *err)
{
    struct compiler c = {.doc = doc, .err = err};
    *out = NULL;
    int rc = match_new(&c.m);
    if (rc == CG_OK && (!node || node->type != CG_Y_MAP)) {
        cerr(&c, node, "'match' takes a mapping of conditions");
    } else if (rc == CG_OK) {
        compile_all(&c, node, &c.m->root);
    }
    if (rc == CG_OK)
        rc = c.oom ? CG_ENOMEM : c.nerr ? CG_EPARSE : CG_OK;
    if (rc != CG_OK) {
        cg_match_free(c.m);
        return rc;
    }
    *out = c.m;
    return CG_OK;
}

/* ---- index support ------------------------------------------------------- */

/* Walks the conjunction at the top (all-of nodes only: under any/not a value is
 * not required) for the shortest case-sensitive eq/in list on kind k. */
static void find_bounds(const struct node *nd, enum cg_path_kind k, double *lo, double *hi)
{
    if (nd->kind == N_ALL) {
        for (size_t i = 0; i < nd->n; i++)
            find_bounds(&nd->kids[i], k, lo, hi);
    } else if (nd->kind == N_COND && nd->cond->path.kind == k) {
        for (size_t i = 0; i < nd->cond->nops; i++) {
            const struct op *op = &nd->cond->ops[i];
            if ((op->kind == OP_GE || op->kind == OP_GT) && op->num > *lo)
                *lo = op->num;
            if ((op->kind == OP_LE || op->kind == OP_LT) && op->num < *hi)
                *hi = op->num;
        }
    }
}

bool cg_match_required_range(const struct cg_match *m, enum cg_path_kind k, double *lo, double *hi)
{
    if (k == CG_P_FIELD || k == CG_P_SYSLOG_SD)
        return false;
    *lo = -HUGE_VAL;
    *hi = HUGE_VAL;
    find_bounds(&m->root, k, lo, hi);
    return *lo != -HUGE_VAL && *hi != HUGE_VAL;
}

/* The smallest eq/in set a node requires for path kind k at its top level (the node is
 * that cond, or an all-of with it, nested all-ofs included); nocase sets count only
 * when allowed. */
static void node_required_in(const struct node *nd, enum cg_path_kind k, bool nocase_ok,
                             const struct op **best, bool *nocase)
{
    if (nd->kind == N_ALL) {
        for (size_t i = 0; i < nd->n; i++)
            node_required_in(&nd->kids[i], k, nocase_ok, best, nocase);
        return;
    }
    if (nd->kind != N_COND || nd->cond->path.kind != k || (nd->cond->nocase && !nocase_ok))
        return;
    for (size_t j = 0; j < nd->cond->nops; j++) {
        const struct op *op = &nd->cond->ops[j];
        if (op->kind == OP_EQ && (!*best || op->n < (*best)->n)) {
            *best = op;
            *nocase = nd->cond->nocase;
        }
    }
}

static const struct op *node_required(const struct node *nd, enum cg_path_kind k, bool nocase_ok,
                                      bool *nocase)
{
    const struct op *best = NULL;
    node_required_in(nd, k, nocase_ok, &best, nocase);
    return best;
}

/* One branch's alternative: an event_id set (exact), else a name set (nocase allowed). */
static bool branch_alt(const struct node *nd, struct cg_match_alt *alt)
{
    bool nocase = false;
    const struct op *op = node_required(nd, CG_P_EVENT_ID, false, &nocase);
    alt->kind = CG_P_EVENT_ID;
    if (!op) {
        op = node_required(nd, CG_P_NAME, true, &nocase);
        alt->kind = CG_P_NAME;
    }
    if (!op)
        return false;
    alt->nocase = nocase;
    alt->vals = op->vals;
    alt->n = op->n;
    return true;
}

size_t cg_match_required_any(const struct cg_match *m, struct cg_match_alt *alts, size_t max)
{
    const struct node *root = &m->root;
    if (max == 0)
        return 0;
    bool nocase = false;
    const struct op *op = node_required(root, CG_P_NAME, true, &nocase);
    if (op) { /* a name the whole match requires */
        alts[0] = (struct cg_match_alt){CG_P_NAME, nocase, op->vals, op->n};
        return 1;
    }
    for (size_t i = 0; root->kind == N_ALL && i < root->n; i++) {
        const struct node *any = &root->kids[i];
        if (any->kind != N_ANY || any->n > max)
            continue;
        size_t k = 0;
        while (k < any->n && branch_alt(&any->kids[k], &alts[k]))
            k++;
        if (k == any->n)
            return k;
    }
    return 0;
}

bool cg_match_required_values(const struct cg_match *m, enum cg_path_kind k,
                              const struct cg_str **vals, size_t *n)
{
    bool nocase = false;
    /* A field or SD path needs its key too: the kind alone says nothing. */
    if (k == CG_P_FIELD || k == CG_P_SYSLOG_SD)
        return false;
    const struct op *best = node_required(&m->root, k, false, &nocase);
    if (!best)
        return false;
    *vals = best->vals;
    *n = best->n;
    return true;
}

/* ---- shared subexpressions ------------------------------------------------- */

/* A node's structure as bytes: equal bytes, equal result on every event. Each part is
 * length-prefixed, so the encoding is unambiguous. */
static int sig_bytes(struct cg_buf *b, const void *p, size_t n)
{
    uint64_t len = n;
    return cg_buf_put(b, &len, sizeof(len)) | (n ? cg_buf_put(b, p, n) : CG_OK);
}

static int sig_op(struct cg_buf *b, const struct op *op)
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
static int sig_cond(struct cg_buf *b, const struct cond *cd)
{
    unsigned char fl[3] = {(unsigned char)N_COND, cd->nocase, cd->if_missing};
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
    uint32_t *count; /* occurrences per id */
    size_t cap;
    uint32_t *slot; /* pass 2: id -> memo slot */
    uint32_t nslots;
    struct cg_buf sig;
};

/* Interns nd's subtree; returns its id (0: out of memory). A one-child all-of has its
 * child's id and result, and no memo of its own. Leaves the id in nd->memo. */
static uint32_t share_intern(struct sharer *sh, struct node *nd)
{
    uint32_t kid_ids[8], *kids = nd->n <= 8 ? kid_ids : malloc(nd->n * sizeof(*kids));
    if (!kids)
        return 0;
    bool ok = true;
    for (size_t i = 0; i < nd->n && ok; i++)
        ok = (kids[i] = share_intern(sh, &nd->kids[i])) != 0;
    uint32_t id = 0;
    nd->memo = 0;
    if (ok && nd->kind == N_ALL && nd->n == 1) {
        id = kids[0];
    } else if (ok) {
        cg_buf_clear(&sh->sig);
        unsigned char k = (unsigned char)nd->kind;
        int rc = nd->kind == N_COND && nd->cond
                     ? sig_cond(&sh->sig, nd->cond)
                     : cg_buf_put(&sh->sig, &k, 1) | sig_bytes(&sh->sig, kids, nd->n * 4);
        const char *key = sh->sig.p ? sh->sig.p : "";
        if (rc == CG_OK && !(id = (uint32_t)(uintptr_t)cg_hmap_get(&sh->ids, key, sh->sig.n))) {
            if (sh->nids + 1 >= sh->cap) {
                size_t cap = sh->cap ? sh->cap * 2 : 256;
                uint32_t *c = cap < UINT32_MAX ? realloc(sh->count, cap * sizeof(*c)) : NULL;
                if (!c)
                    goto out;
                memset(c + sh->cap, 0, (cap - sh->cap) * sizeof(*c));
                sh->count = c;
                sh->cap = cap;
            }
            id = ++sh->nids;
            const char *kept = sh->sig.n ? cg_arena_dup(&sh->keys, key, sh->sig.n) : key;
            if (!kept || cg_hmap_put(&sh->ids, kept, sh->sig.n, (void *)(uintptr_t)id) != CG_OK)
                id = 0;
        }
        if (id) {
            sh->count[id]++;
            nd->memo = id;
        }
    }
out:
    if (kids != kid_ids)
        free(kids);
    return id;
}

/* Pass 2: an id seen more than once becomes a memo slot; every other node has none. */
static void share_assign(struct sharer *sh, struct node *nd)
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

static void share_clear(struct node *nd)
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
