/* hostaddr.c - host names and addresses from log lines, and validated targets (see
 * hostaddr.h). */
#include "cefguard/hostaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define IPV6_TEXT_MAX 45 /* INET6_ADDRSTRLEN - 1 */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 1123 labels. */
static bool labels_ok(struct cg_str v)
{
    size_t label = 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c == '.') {
            /* empty label, or one ending in '-' */
            if (label == 0 || v.p[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (c == '-' ? label == 0 : !is_alnum(c))
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && v.p[v.n - 1] != '-';
}

/* A label inet_aton(3) reads as a number: decimal or octal digits, or 0x and hex digits. */
static bool numeric_label(const char *p, size_t n)
{
    size_t i = n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') ? 2 : 0;
    bool hex = i == 2;
    for (; i < n; i++)
        if (hex ? !is_hex((unsigned char)p[i]) : !is_digit((unsigned char)p[i]))
            return false;
    return true;
}

/* Would a resolver take the name for an address? inet_aton reads "1234", "0x7f.1",
 * "1.2.3.256"-like names whose every label is a number, so such a name is refused (a
 * valid dotted quad never gets here). Labels are valid (labels_ok) when this is asked. */
static bool numeric_form(struct cg_str v)
{
    size_t start = 0;
    for (size_t i = 0; i <= v.n; i++) {
        if (i < v.n && v.p[i] != '.')
            continue;
        if (!numeric_label(v.p + start, i - start))
            return false;
        start = i + 1;
    }
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

/* One pass classifies the bytes; only a value with ':' reaches inet_pton. */
enum cg_hostaddr_kind cg_hostaddr_check(struct cg_str v)
{
    if (!v.p || v.n == 0 || v.n > CG_HOSTNAME_MAX)
        return CG_HOSTADDR_NONE;
    bool colon = false, digits_dots = true;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        colon |= c == ':';
        digits_dots &= is_digit(c) || c == '.';
    }
    if (colon)
        return ipv6(v) ? CG_HOSTADDR_IPV6 : CG_HOSTADDR_NONE;
    if (digits_dots)
        return dotted_quad(v) ? CG_HOSTADDR_IPV4 : CG_HOSTADDR_NONE;
    if (!labels_ok(v) || numeric_form(v))
        return CG_HOSTADDR_NONE;
    return CG_HOSTADDR_NAME;
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
