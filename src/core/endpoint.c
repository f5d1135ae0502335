/* endpoint.c - "host:port" parsing and formatting (see endpoint.h). */
#include "cefguard/endpoint.h"

#include "cefguard/hostaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int bad(struct cg_buf *err, const char *why)
{
    cg_buf_printf(err, "expected HOST:PORT (127.0.0.1:5514, [::1]:5514, *:5514): %s", why);
    return CG_EINVAL;
}

static bool parse_port(const char *p, uint16_t *out)
{
    unsigned v = 0;
    if (*p == '\0' || strlen(p) > 5)
        return false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

int cg_endpoint_parse(const char *text, unsigned flags, struct cg_endpoint *out, struct cg_buf *err)
{
    memset(out, 0, sizeof(*out));
    const char *colon;
    const char *host = text;
    size_t hlen;
    bool bracket = text[0] == '[';
    if (bracket) {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return bad(err, "an IPv6 address in brackets is followed by :PORT");
        host = text + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon)
            return bad(err, "no port");
        hlen = (size_t)(colon - text);
        if (memchr(text, ':', hlen))
            return bad(err, "an IPv6 address must be in brackets");
    }
    if (!parse_port(colon + 1, &out->port))
        return bad(err, "the port is a number from 0 to 65535");
    if (hlen > CG_ENDPOINT_HOST_MAX)
        return bad(err, "the host is too long");
    memcpy(out->host, host, hlen);
    out->host[hlen] = '\0';

    struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
    if (bracket) {
        if (hlen == 0 || inet_pton(AF_INET6, out->host, &sin6->sin6_addr) != 1)
            return bad(err, "not an IPv6 address in the brackets");
    } else if (hlen == 0 || strcmp(out->host, "*") == 0) {
        out->host[0] = '\0';
        sin6->sin6_addr = in6addr_any;
        bracket = true; /* "::" */
    } else if (strcmp(out->host, "localhost") == 0) {
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (cg_hostaddr_check(cg_str_make(out->host, hlen)) == CG_HOSTADDR_IPV4) {
        if (inet_pton(AF_INET, out->host, &sin->sin_addr) != 1)
            return bad(err, "not an IPv4 address");
    } else if ((flags & CG_ENDPOINT_NAMES) &&
               cg_hostaddr_check(cg_str_make(out->host, hlen)) == CG_HOSTADDR_NAME) {
        return CG_OK; /* a name: resolved by the caller when it connects */
    } else {
        return bad(err, (flags & CG_ENDPOINT_NAMES)
                            ? "not an address or a host name"
                            : "not an IPv4 address, [IPv6], * or localhost");
    }
    out->numeric = true;
    if (bracket) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(out->port);
        out->sslen = sizeof(*sin6);
    } else {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(out->port);
        out->sslen = sizeof(*sin);
    }
    return CG_OK;
}

char *cg_endpoint_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
    char a[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
        snprintf(buf, n, "%s:%u", a, ntohs(sin->sin_port));
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
        snprintf(buf, n, "[%s]:%u", a, ntohs(sin6->sin6_port));
    } else {
        snprintf(buf, n, "?");
    }
    return buf;
}
