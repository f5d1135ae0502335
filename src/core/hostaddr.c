/* hostaddr.c - host names and addresses from log lines, and validated targets (see
 * hostaddr.h). */
#include "cefguard/hostaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define IPV6_TEXT_MAX 45 /* INET6_ADDRSTRLEN - 1 */

/* Byte classes, one table lookup a byte: digit, hex letter, other letter, '-', '.', ':',
 * 'x'/'X' (the 0x of a numeric label), and bad (anything no host name or address holds:
 * space, control bytes, '_', ';', '@', UTF-8, ...). */
enum { D = 1, H = 2, A = 4, M = 8, P = 16, C = 32, X = 64, B = 128 };
static const unsigned char cls[256] = {
    B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B, B, B, B, B, B, M, P, B, D, D, D, D, D, D, D, D, D, D, C, B, B, B, B, B,
    B, H, H, H, H, H, H, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, X, A, A, B, B, B, B, B,
    B, H, H, H, H, H, H, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, X, A, A, B, B, B, B, B,
    B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
};

/* Is the label p[0..n) valid (RFC 1123: 1-63 letters, digits and '-', no '-' first or
 * last)? Its bytes are known to be letters, digits and '-' (no bad byte, no '.'). */
static bool label_ok(const char *p, size_t n)
{
    return n >= 1 && n <= 63 && p[0] != '-' && p[n - 1] != '-';
}

/* Does inet_aton(3) read the label as a number (decimal or octal digits, or 0x and hex
 * digits)? seen is the OR of its bytes' classes. Then "1234", "0x7f.1" or "1.2.3.256" is
 * never a name: a resolver would read it as an address. */
static bool label_numeric(const char *p, size_t n, unsigned seen)
{
    if (!(seen & ~(unsigned)D))
        return true;
    if (seen & ~(unsigned)(D | H | X) || n < 2 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
        return false;
    for (size_t i = 2; i < n; i++)
        if (!(cls[(unsigned char)p[i]] & (D | H)))
            return false;
    return true;
}

/* Strict dotted quad: four decimal octets 0-255, no leading zeros (what inet_pton(AF_INET)
 * accepts), over bytes that are only digits and dots. */
static bool dotted_quad(struct cg_str v)
{
    unsigned parts = 0, val = 0, digits = 0;
    for (size_t i = 0; i <= v.n; i++) {
        if (i < v.n && v.p[i] != '.') {
            if (digits && val == 0) /* leading zero */
                return false;
            val = val * 10 + (unsigned)(v.p[i] - '0');
            if (++digits > 3 || val > 255)
                return false;
            continue;
        }
        if (digits == 0 || ++parts > 4)
            return false;
        val = digits = 0;
    }
    return parts == 4;
}

static bool ipv6(struct cg_str v)
{
    char z[IPV6_TEXT_MAX + 1];
    unsigned char a[sizeof(struct in6_addr)];
    if (v.n > IPV6_TEXT_MAX || memchr(v.p, '\0', v.n))
        return false;
    memcpy(z, v.p, v.n);
    z[v.n] = '\0';
    return inet_pton(AF_INET6, z, a) == 1;
}

/* Verdicts of recent values, per thread. The same machines come back line after line (a
 * manager relays the events of a few thousand agents, each naming its host), and a verdict
 * is a function of the value's bytes alone: a slot keeps the bytes (values up to MEMO_MAX)
 * and the verdict, and a value is looked up by all its bytes, so a hit is exact. Direct
 * mapped; a collision only costs the check. 4096 slots of 32 bytes: 128 KiB per thread. */
#define MEMO_SLOTS 4096 /* 1 << 12: the hash's top 12 bits */
#define MEMO_MAX 30
struct memo_slot {
    unsigned char n; /* 0: empty (an empty value is never looked up) */
    unsigned char kind;
    char b[MEMO_MAX];
};
static _Thread_local struct memo_slot memo[MEMO_SLOTS];

static uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

static uint32_t load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

/* Two words that together hold every byte of p[0..n) (4 <= n <= 16: a first and a last
 * window, overlapping for short values); longer values are compared in full. */
static void memo_words(const char *p, size_t n, uint64_t *a, uint64_t *b)
{
    if (n >= 8) {
        *a = load64(p);
        *b = load64(p + n - 8);
    } else {
        *a = load32(p);
        *b = load32(p + n - 4);
    }
}

static bool memo_same(const struct memo_slot *m, const char *p, size_t n, uint64_t a, uint64_t b)
{
    if (m->n != n)
        return false;
    if (n > 16)
        return memcmp(m->b, p, n) == 0;
    uint64_t ma, mb;
    memo_words(m->b, n, &ma, &mb);
    return ma == a && mb == b;
}

static enum cg_hostaddr_kind check(struct cg_str v);

/* One pass classifies the bytes (a table lookup each) and checks each label at its end;
 * only a value with ':' reaches inet_pton, only one of digits and dots the dotted-quad
 * reader. The loop tests one bit mask per byte: a bad byte or a '.' leaves it (rare), the
 * others only add their class to the label's. */
static enum cg_hostaddr_kind check(struct cg_str v)
{
    unsigned any = 0, seen = 0;
    bool ok = true, numeric = true;
    size_t start = 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned c = cls[(unsigned char)v.p[i]];
        if (c & (B | P)) {
            if (c & B)
                return CG_HOSTADDR_NONE; /* in no name and no address */
            ok = ok && label_ok(v.p + start, i - start);
            numeric = numeric && label_numeric(v.p + start, i - start, seen);
            any |= seen | P;
            start = i + 1;
            seen = 0;
            continue;
        }
        seen |= c;
    }
    any |= seen;
    if (any & C)
        return ipv6(v) ? CG_HOSTADDR_IPV6 : CG_HOSTADDR_NONE;
    if (!(any & ~(unsigned)(D | P)))
        return dotted_quad(v) ? CG_HOSTADDR_IPV4 : CG_HOSTADDR_NONE;
    ok = ok && label_ok(v.p + start, v.n - start);
    numeric = numeric && label_numeric(v.p + start, v.n - start, seen);
    return ok && !numeric ? CG_HOSTADDR_NAME : CG_HOSTADDR_NONE;
}

enum cg_hostaddr_kind cg_hostaddr_check(struct cg_str v)
{
    if (!v.p || v.n == 0 || v.n > CG_HOSTNAME_MAX)
        return CG_HOSTADDR_NONE;
    if (v.n < 4 || v.n > MEMO_MAX)
        return check(v);
    uint64_t a, b;
    memo_words(v.p, v.n, &a, &b);
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ v.n) * 0xff51afd7ed558ccdull;
    struct memo_slot *m = &memo[h >> 52]; /* 12 bits: MEMO_SLOTS */
    if (memo_same(m, v.p, v.n, a, b))
        return (enum cg_hostaddr_kind)m->kind;
    enum cg_hostaddr_kind k = check(v);
    m->n = (unsigned char)v.n;
    m->kind = (unsigned char)k;
    memcpy(m->b, v.p, v.n);
    return k;
}

const char *cg_hostaddr_kind_name(enum cg_hostaddr_kind k)
{
    switch (k) {
    case CG_HOSTADDR_NONE: return "none";
    case CG_HOSTADDR_NAME: return "name";
    case CG_HOSTADDR_IPV4: return "ipv4";
    case CG_HOSTADDR_IPV6: return "ipv6";
    }
    return "none";
}

static bool eq_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Is s the first label of the host name fqdn? */
static bool first_label(struct cg_str s, struct cg_str fqdn)
{
    return fqdn.n > s.n && fqdn.p[s.n] == '.' && eq_nocase(s.p, fqdn.p, s.n);
}

bool cg_hostaddr_same(struct cg_str v, struct cg_str w)
{
    enum cg_hostaddr_kind kv = cg_hostaddr_check(v), kw = cg_hostaddr_check(w);
    if (kv == CG_HOSTADDR_NONE || kw == CG_HOSTADDR_NONE)
        return false;
    if (v.n == w.n && eq_nocase(v.p, w.p, v.n))
        return true;
    if (kv != CG_HOSTADDR_NAME || kw != CG_HOSTADDR_NAME)
        return false;
    return first_label(v, w) || first_label(w, v);
}

int cg_target_make(struct cg_target *t, struct cg_str v)
{
    enum cg_hostaddr_kind k = cg_hostaddr_check(v);
    if (k == CG_HOSTADDR_NONE) {
        *t = (struct cg_target){CG_STR_NULL, CG_HOSTADDR_NONE};
        return CG_EINVAL;
    }
    *t = (struct cg_target){v, k};
    return CG_OK;
}

bool cg_target_value(const struct cg_target *t, struct cg_str *out)
{
    if (!t || t->kind_ == CG_HOSTADDR_NONE || cg_hostaddr_check(t->value_) != t->kind_)
        return false;
    *out = t->value_;
    return true;
}

enum cg_hostaddr_kind cg_target_kind(const struct cg_target *t)
{
    struct cg_str v;
    return cg_target_value(t, &v) ? t->kind_ : CG_HOSTADDR_NONE;
}
