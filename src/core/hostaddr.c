/* hostaddr.c - host names and addresses from log lines, and validated targets (see
 * hostaddr.h). */
#include "cefguard/hostaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define IPV6_TEXT_MAX 45 /* INET6_ADDRSTRLEN - 1 */

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 1123 labels; the digits-and-dots test is apart (is_numeric_form). */
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

/* Would a resolver take the name for an address? All digits and dots ("1234",
 * "1.2.3.256"), or anything inet_aton reads ("0x7f.1", "0x7f000001"). */
static bool is_numeric_form(const char *z, size_t n)
{
    size_t digits = 0;
    for (size_t i = 0; i < n; i++)
        digits += z[i] >= '0' && z[i] <= '9';
    size_t dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += z[i] == '.';
    if (digits + dots == n)
        return true;
    struct in_addr a;
    return inet_aton(z, &a) != 0;
}

enum cg_hostaddr_kind cg_hostaddr_check(struct cg_str v)
{
    if (!v.p || v.n == 0 || v.n > CG_HOSTNAME_MAX)
        return CG_HOSTADDR_NONE;
    char z[CG_HOSTNAME_MAX + 1];
    memcpy(z, v.p, v.n);
    z[v.n] = '\0';
    if (memchr(v.p, '\0', v.n))
        return CG_HOSTADDR_NONE;
    unsigned char a[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, z, a) == 1)
        return CG_HOSTADDR_IPV4;
    if (memchr(z, ':', v.n))
        return v.n <= IPV6_TEXT_MAX && inet_pton(AF_INET6, z, a) == 1 ? CG_HOSTADDR_IPV6
                                                                      : CG_HOSTADDR_NONE;
    if (!labels_ok(v) || is_numeric_form(z, v.n))
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
