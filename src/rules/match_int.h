/*
 * match_int.h - the compiled form of a `match:` (see match.h), shared by the files of the
 * match language: match_compile.c (YAML -> tree, and freeing it), match.c (evaluation,
 * the hot path), match_share.c (shared subexpressions) and match_index.c (what the engine's
 * index may ask of a match). Not a public interface.
 *
 * The value helpers below are static inline because the evaluator relies on their being
 * inlined (the library is built -fPIC, so a call to an exported function is never inlined),
 * and compile-time checks must read values exactly as evaluation does.
 */
#ifndef CEFGUARD_MATCH_INT_H
#define CEFGUARD_MATCH_INT_H

#include "cefguard/match.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>

enum cg_match_node_kind {
    CG_MATCH_ALL = 0,
    CG_MATCH_ANY,
    CG_MATCH_NOT,
    CG_MATCH_COND
}; /* zeroed node = empty all-of */

enum cg_match_op_kind {
    CG_MATCH_OP_EQ, /* eq and in */
    CG_MATCH_OP_NE,
    CG_MATCH_OP_PREFIX,
    CG_MATCH_OP_SUFFIX,
    CG_MATCH_OP_CONTAINS,
    CG_MATCH_OP_REGEX,
    CG_MATCH_OP_CIDR,
    CG_MATCH_OP_LT,
    CG_MATCH_OP_LE,
    CG_MATCH_OP_GT,
    CG_MATCH_OP_GE,
    CG_MATCH_OP_EXISTS,
};

struct cg_match_rx {
    struct cg_match *m; /* the match it belongs to: counts and logs the limits it hits */
    char *src;          /* the pattern, for finding shared conditions (and the log) */
    size_t srclen;
    pcre2_code *code;
    pcre2_match_data *md; /* shared by every evaluation: not thread-safe */
    pcre2_match_context *mctx;
    bool jit;       /* JIT-compiled: on first use, so rules that never run cost no JIT */
    bool jit_tried; /* the JIT compile was attempted (it may fail: interpreted then) */
};

struct cg_match_net {
    uint8_t v6;
    uint8_t len; /* prefix length */
    uint8_t addr[16];
};

struct cg_match_op {
    enum cg_match_op_kind kind;
    bool sorted;         /* vals sorted by (length, bytes) */
    bool flag;           /* exists: true / false */
    size_t n;            /* operands */
    struct cg_str *vals; /* string ops; one allocation: the array, then the bytes */
    struct cg_match_rx *rx;
    struct cg_match_net *nets;
    double num;
};

struct cg_match_cond {
    struct cg_path path;
    bool nocase;     /* string operands are stored lower-cased */
    bool if_missing; /* result when the event has no such value */
    size_t nops;
    struct cg_match_op *ops;
};

struct cg_match_node {
    enum cg_match_node_kind kind;
    unsigned cost; /* evaluation order key, see cond_cost() and order_kids() in match_compile.c */
    uint32_t memo; /* > 0: slot of a subexpression other nodes share (cg_match_share) */
    size_t n;      /* children (NOT: 1) */
    struct cg_match_node *kids; /* one array per level */
    struct cg_match_cond *cond;
};

struct cg_match {
    struct cg_match_node root;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    char *name;          /* for the log: "rule 'x'" (cg_match_set_name) */
    uint64_t rx_stopped; /* regex evaluations a limit stopped */
    bool rx_logged;      /* the first of them was logged */
};

/* ---- operands of typed operators ------------------------------------------ */

/* The value a typed operator (numeric, cidr) reads: s without the spaces, tabs, CRs and
 * LFs around it. CEF keeps all but the last space before a key in the previous value
 * ("a=1  b=2" gives a = "1 "), and header fields and rulebase fields are taken as logged,
 * so "1 " and " 10.0.0.1" are the number and the address they show. String operators
 * (eq, prefix, regex, ...) still see every byte. */
static inline bool cg_match_is_pad(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline struct cg_str cg_match_trim(const char *p, size_t n)
{
    while (n && cg_match_is_pad(p[n - 1]))
        n--;
    while (n && cg_match_is_pad(*p))
        p++, n--;
    return cg_str_make(p, n);
}

/* ---- numbers ------------------------------------------------------------- */

/* Strict decimal number: [+-] digits [. digits] [(e|E) [+-] digits], at least one
 * mantissa digit, nothing else (no hex, inf, nan, nor spaces inside), with spaces around
 * it ignored (cg_match_trim). Values are not NUL-terminated, so the text is checked here
 * and converted from a bounded copy. */
static inline bool cg_match_parse_num(const char *p0, size_t n0, double *out)
{
    struct cg_str t = cg_match_trim(p0, n0);
    const char *p = t.p;
    size_t n = t.n;
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
 * read as IPv6 and zone ids ("fe80::1%eth0") are refused. Spaces around the address are
 * ignored (cg_match_trim), spaces inside it are not. */
static inline bool cg_match_parse_addr(const char *p0, size_t n0, uint8_t *v6, uint8_t addr[16])
{
    struct cg_str t = cg_match_trim(p0, n0);
    const char *p = t.p;
    size_t n = t.n;
    char buf[INET6_ADDRSTRLEN];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    *v6 = memchr(buf, ':', n) != NULL;
    return inet_pton(*v6 ? AF_INET6 : AF_INET, buf, addr) == 1;
}

/* ---- strings ------------------------------------------------------------- */

static inline unsigned char cg_match_fold(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch + 32) : ch;
}

/* Order of sorted lists: by length, then by bytes (folded when nocase). */
static inline int cg_match_key_cmp(struct cg_str v, struct cg_str k, bool nocase)
{
    if (v.n != k.n)
        return v.n < k.n ? -1 : 1;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char a = (unsigned char)v.p[i], b = (unsigned char)k.p[i];
        if (nocase)
            a = cg_match_fold(a);
        if (a != b)
            return a < b ? -1 : 1;
    }
    return 0;
}

#endif
