/* match_compile.c - the `match:` language from YAML to the compact tree of match_int.h,
 * and freeing it (see match.h). */
#include "match_int.h"

#include <stdarg.h>
#include <stdio.h>

/* Lists longer than this are sorted and binary-searched (eq/in/ne). */
#define SORT_MIN 8
/* A value quoted in an error message is cut here. */
#define QUOTE_MAX 64
/* Bounds for one regex on one value, so that a pathological pattern ((a+)+$ on a long
 * run of a's) costs at most about 0.3 ms per value with JIT (2 ms interpreted) on the
 * development VM, instead of running for seconds. A match stopped by a limit is no
 * match, counted (engine.regex_limit) and logged once per rule (match.c). The match
 * limit counts backtracking steps (JIT and interpreter); the depth and heap limits bound
 * the interpreter's backtracking memory, the JIT stack the JIT's. README: "regex". */
#define RX_MATCH_LIMIT 100000
#define RX_DEPTH_LIMIT 10000
#define RX_HEAP_LIMIT_KIB 4096
#define RX_JIT_STACK_START ((size_t)32 * 1024)
#define RX_JIT_STACK_MAX ((size_t)512 * 1024)

/* ---- operands ------------------------------------------------------------ */

/* "addr" or "addr/len". Returns 0, -1 when malformed, -2 when host bits are set
 * (then *net holds the network with them cleared). */
static int parse_net(const char *p, size_t n, struct cg_match_net *net)
{
    const char *slash = memchr(p, '/', n);
    size_t alen = slash ? (size_t)(slash - p) : n;
    memset(net, 0, sizeof(*net));
    if (!cg_match_parse_addr(p, alen, &net->v6, net->addr))
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

static int qsort_cmp(const void *a, const void *b)
{
    return cg_match_key_cmp(*(const struct cg_str *)a, *(const struct cg_str *)b, false);
}

/* ---- freeing --------------------------------------------------------------- */

static void op_fini(struct cg_match_op *op)
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

static void node_fini(struct cg_match_node *nd)
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
    free(m->name);
    free(m);
}

/* ---- compiling ----------------------------------------------------------- */

/* Errors are collected, not fatal: a compile goes on after a bad entry so the
 * user sees every mistake of a rule at once. Only running out of memory stops. */
struct compiler {
    const struct cg_ydoc *doc;
    const struct cg_ynode *lists; /* the file's `lists:` mapping, or NULL */
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

static void compile_strings(struct compiler *c, const struct cg_ynode *val, struct cg_match_op *op,
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
            bytes[j] = (char)cg_match_fold((unsigned char)bytes[j]);
        op->vals[i] = cg_str_make(bytes, it->len);
        bytes += it->len;
    }
    op->n = n;
    if ((op->kind == CG_MATCH_OP_EQ || op->kind == CG_MATCH_OP_NE) && n > SORT_MIN) {
        qsort(op->vals, n, sizeof(*op->vals), qsort_cmp);
        op->sorted = true;
    }
}

static void compile_regexes(struct compiler *c, const struct cg_ynode *val, struct cg_match_op *op)
{
    size_t n = nitems(val);
    op->rx = cmalloc(c, n, sizeof(*op->rx));
    if (!op->rx)
        return;
    op->n = n;
    for (size_t i = 0; i < n && !c->oom; i++) {
        const struct cg_ynode *it = item(val, i);
        struct cg_match_rx *r = &op->rx[i];
        r->m = c->m;
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

static void compile_nets(struct compiler *c, const struct cg_ynode *val, struct cg_match_op *op)
{
    size_t n = nitems(val);
    op->nets = cmalloc(c, n, sizeof(*op->nets));
    if (!op->nets)
        return;
    op->n = n;
    for (size_t i = 0; i < n; i++) {
        const struct cg_ynode *it = item(val, i);
        struct cg_match_net *net = &op->nets[i];
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
                              struct cg_match_op *op)
{
    if (val->type != CG_Y_SCALAR) {
        cerr(c, val,
             op->kind == CG_MATCH_OP_EXISTS ? "'%s' takes true or false" : "'%s' takes one number",
             name);
    } else if (op->kind == CG_MATCH_OP_EXISTS) {
        op->flag = strcmp(val->str, "true") == 0;
        if (!op->flag && strcmp(val->str, "false") != 0)
            cerr(c, val, "'%s' takes true or false", name);
    } else if (!cg_match_parse_num(val->str, val->len, &op->num)) {
        cerr(c, val, "'%s' takes a number, not '%.*s'", name, quote_len(val->len), val->str);
    }
}

static const struct {
    const char *name;
    enum cg_match_op_kind kind;
} op_names[] = {
    {"eq", CG_MATCH_OP_EQ},         {"ne", CG_MATCH_OP_NE},
    {"in", CG_MATCH_OP_EQ},         {"prefix", CG_MATCH_OP_PREFIX},
    {"suffix", CG_MATCH_OP_SUFFIX}, {"contains", CG_MATCH_OP_CONTAINS},
    {"regex", CG_MATCH_OP_REGEX},   {"cidr", CG_MATCH_OP_CIDR},
    {"lt", CG_MATCH_OP_LT},         {"le", CG_MATCH_OP_LE},
    {"gt", CG_MATCH_OP_GT},         {"ge", CG_MATCH_OP_GE},
    {"exists", CG_MATCH_OP_EXISTS},
};

static bool is_string_op(enum cg_match_op_kind k)
{
    return k <= CG_MATCH_OP_CONTAINS;
}

/* Names the list of the file's `lists:` mapping - the names are up to 64 bytes. */
static void list_names(const struct cg_ynode *lists, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; lists && i < lists->n && n + 4 < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s%.*s", i ? ", " : "",
                         quote_len(lists->kv[2 * i]->len), lists->kv[2 * i]->str);
        n = w < 0 || (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
    }
}

/* An operand `{list: NAME}`: the values of the file's list NAME, compiled as if they
 * were written in place (so matching stays as fast as an inline list). NULL after an
 * error. */
static const struct cg_ynode *list_ref(struct compiler *c, const struct cg_ynode *val,
                                       const char *op)
{
    const struct cg_ynode *name = cg_yaml_map_get(val, "list");
    if (val->n != 1 || !name || name->type != CG_Y_SCALAR) {
        cerr(c, val, "'%s' takes a value, a list of values or {list: NAME}", op);
        return NULL;
    }
    const struct cg_ynode *l = c->lists ? cg_yaml_map_get(c->lists, name->str) : NULL;
    if (!l) {
        char names[256];
        list_names(c->lists, names, sizeof(names));
        cerr(c, name, "unknown list '%.*s': %s%s", quote_len(name->len), name->str,
             names[0] ? "the file's lists are " : "the file has no valid 'lists'", names);
        return NULL;
    }
    return l;
}

static void compile_op(struct compiler *c, const char *name, const struct cg_ynode *val,
                       struct cg_match_op *op, bool nocase)
{
    if (is_string_op(op->kind) && val->type == CG_Y_MAP && !(val = list_ref(c, val, name)))
        return;
    if (op->kind <= CG_MATCH_OP_CIDR && !check_values(c, val, name))
        return;
    if (is_string_op(op->kind))
        compile_strings(c, val, op, nocase);
    else if (op->kind == CG_MATCH_OP_REGEX)
        compile_regexes(c, val, op);
    else if (op->kind == CG_MATCH_OP_CIDR)
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
static void compile_ops(struct compiler *c, struct cg_match_cond *cd, const struct cg_ynode *map)
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
        struct cg_match_op *op = &cd->ops[cd->nops++];
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
static unsigned cond_cost(const struct cg_match_cond *cd)
{
    enum cg_path_kind pk = cd->path.kind;
    bool decodes = pk == CG_P_FIELD || pk == CG_P_RISK_CLASS || pk == CG_P_RISK_OUTCOME ||
                   pk == CG_P_SUBJECT || pk == CG_P_SUBJECT_KEY || pk == CG_P_SUBJECT_STATUS;
    unsigned path = decodes ? 3 : pk == CG_P_TIME ? 1 : 0, op = 0;
    for (size_t i = 0; i < cd->nops; i++) {
        enum cg_match_op_kind k = cd->ops[i].kind;
        unsigned oc = k == CG_MATCH_OP_REGEX                               ? 3
                      : k == CG_MATCH_OP_CONTAINS || k == CG_MATCH_OP_CIDR ? 2
                      : k >= CG_MATCH_OP_LT                                ? 1
                                                                           : 0;
        op = oc > op ? oc : op;
    }
    return path * 4 + op;
}

static bool if_missing(const struct cg_match_cond *cd)
{
    for (size_t i = 0; i < cd->nops; i++) {
        const struct cg_match_op *op = &cd->ops[i];
        if (op->kind != CG_MATCH_OP_NE && !(op->kind == CG_MATCH_OP_EXISTS && !op->flag))
            return false;
    }
    return true;
}

static void compile_cond(struct compiler *c, const struct cg_ynode *key, const struct cg_ynode *val,
                         struct cg_match_node *out)
{
    struct cg_match_cond *cd = cmalloc(c, 1, sizeof(*cd));
    if (!cd)
        return;
    out->kind = CG_MATCH_COND;
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
        cd->ops[0].kind = CG_MATCH_OP_EQ;
        compile_strings(c, val, &cd->ops[0], false);
    }
    cd->if_missing = if_missing(cd);
    out->cost = cond_cost(cd);
}

/* Stable counting sort of children by cost: cheap ones first, and the relative
 * order of equal costs kept, so results (and the user's reading) don't change. */
#define COST_MAX 16
static void order_kids(struct compiler *c, struct cg_match_node *nd)
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
    struct cg_match_node *tmp = cmalloc(c, nd->n, sizeof(*tmp));
    if (!tmp)
        return;
    for (size_t k = 1; k <= COST_MAX; k++)
        count[k] += count[k - 1];
    for (size_t i = 0; i < nd->n; i++)
        tmp[count[nd->kids[i].cost]++] = nd->kids[i];
    free(nd->kids);
    nd->kids = tmp;
}

static void compile_all(struct compiler *c, const struct cg_ynode *map, struct cg_match_node *out);

/* any / all: a non-empty list of mappings. */
static void compile_list(struct compiler *c, const struct cg_ynode *key, const struct cg_ynode *val,
                         struct cg_match_node *out)
{
    if (val->type != CG_Y_SEQ) {
        cerr(c, val, "'%s' takes a list of mappings", key->str);
        return;
    }
    if (val->n == 0) {
        cerr(c, val, "empty list for '%s'", key->str);
        return;
    }
    out->kind = strcmp(key->str, "any") == 0 ? CG_MATCH_ANY : CG_MATCH_ALL;
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

static void compile_not(struct compiler *c, const struct cg_ynode *val, struct cg_match_node *out)
{
    if (val->type != CG_Y_MAP) {
        cerr(c, val, "'not' takes a mapping");
        return;
    }
    out->kids = cmalloc(c, 1, sizeof(*out->kids));
    if (!out->kids)
        return;
    out->kind = CG_MATCH_NOT;
    out->n = 1;
    compile_all(c, val, &out->kids[0]);
    out->cost = out->kids[0].cost;
}

/* A mapping: all of its entries. An empty mapping matches every event. */
static void compile_all(struct compiler *c, const struct cg_ynode *map, struct cg_match_node *out)
{
    out->kind = CG_MATCH_ALL;
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
    pcre2_set_depth_limit(m->mctx, RX_DEPTH_LIMIT);
    pcre2_set_heap_limit(m->mctx, RX_HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(m->mctx, jit_stack_cb, m);
    return m->mctx;
}

int cg_match_set_name(struct cg_match *m, const char *name)
{
    char *copy = strdup(name);
    if (!copy)
        return CG_ENOMEM;
    free(m->name);
    m->name = copy;
    return CG_OK;
}

uint64_t cg_match_regex_stopped(const struct cg_match *m)
{
    return m->rx_stopped;
}

static int match_new(struct cg_match **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? CG_OK : CG_ENOMEM;
}

int cg_match_compile(const struct cg_ydoc *doc, const struct cg_ynode *node, struct cg_match **out,
                     struct cg_buf *err)
{
    return cg_match_compile_lists(doc, node, NULL, out, err);
}

int cg_match_compile_lists(const struct cg_ydoc *doc, const struct cg_ynode *node,
                           const struct cg_ynode *lists, struct cg_match **out, struct cg_buf *err)
{
    struct compiler c = {.doc = doc, .lists = lists, .err = err};
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
