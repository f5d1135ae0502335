/* udp_socket.c - the UDP input's socket: made, tuned and bound (see udp_socket.h). */
#include "udp_socket.h"

#include "cefguard/endpoint.h"
#include "cefguard/log.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

int cg_udp_socket_init(struct cg_udp_socket *u, const char *name)
{
    memset(u, 0, sizeof(*u));
    u->fd = -1;
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = CG_ENOMEM;
    if (cg_buf_puts(&b, "input ") != CG_OK ||
        cg_log_escape(&b, name, strlen(name), CG_UDP_LABEL_NAME_MAX) != CG_OK)
        goto out;
    snprintf(u->label, sizeof(u->label), "%s", cg_buf_cstr(&b));
    rc = CG_OK;
out:
    cg_buf_fini(&b);
    return rc;
}

void cg_udp_socket_close(struct cg_udp_socket *u)
{
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
}

void cg_udp_socket_format_peer(const struct sockaddr_storage *sa, socklen_t len, char *buf,
                               size_t n)
{
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    if (sa->ss_family == AF_INET6 && len >= sizeof(*sin6) &&
        IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = sin6->sin6_port};
        memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], sizeof(sin.sin_addr));
        cg_endpoint_format((const struct sockaddr *)&sin, sizeof(sin), buf, n);
        return;
    }
    cg_endpoint_format((const struct sockaddr *)sa, len, buf, n);
}

/* "input NAME: WHAT ADDR: strerror(e)" with the address text escaped; errno stays e. */
static void udp_socket_log(const struct cg_udp_socket *u, enum cg_log_level lvl, const char *what,
                           const char *listen, int e)
{
    struct cg_buf b;
    cg_buf_init(&b);
    cg_log_put_name(&b, listen);
    cg_log(lvl, "%s: %s %s: %s", u->label, what, cg_buf_cstr(&b), strerror(e));
    cg_buf_fini(&b);
    errno = e;
}

/* The socket of ep; "*" falls back to IPv4 any where the kernel has no IPv6. */
static int udp_socket_make(struct cg_endpoint *ep)
{
    int fd = socket(ep->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 || ep->host[0] != '\0' || errno != EAFNOSUPPORT)
        return fd;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
    memset(&ep->ss, 0, sizeof(ep->ss));
    sin->sin_family = AF_INET;
    sin->sin_port = htons(ep->port);
    sin->sin_addr.s_addr = htonl(INADDR_ANY);
    ep->sslen = sizeof(*sin);
    return socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN: without it, the
 * plain SO_RCVBUF (clamped to rmem_max), silently. */
static void udp_socket_rcvbuf(struct cg_udp_socket *u, size_t want, const char *listen)
{
    if (want) {
        int v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
        if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) != 0 &&
            setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) != 0)
            udp_socket_log(u, CG_LOG_WARN, "cannot set the receive buffer of", listen, errno);
    }
    int got = 0;
    socklen_t gl = sizeof(got);
    if (getsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 && got > 0)
        u->rcvbuf = (uint64_t)got;
    if (want && u->rcvbuf / 2 < want) /* Linux reports twice what it grants for data */
        cg_log(CG_LOG_INFO,
               "%s: asked for a receive buffer of %zu bytes, got %llu (net.core.rmem_max "
               "bounds it without CAP_NET_ADMIN)",
               u->label, want, (unsigned long long)u->rcvbuf / 2);
}

/* The options before bind: dual stack for "*", the drop count, the receive buffer. */
static int udp_socket_tune(struct cg_udp_socket *u, const struct cg_endpoint *ep, size_t rcvbuf,
                           const char *listen)
{
    int on = 1, off = 0;
    if (ep->ss.ss_family == AF_INET6 && ep->host[0] == '\0' &&
        setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) != 0) {
        udp_socket_log(u, CG_LOG_ERR, "cannot receive IPv4 too (IPV6_V6ONLY) on", listen, errno);
        return CG_EIO;
    }
    u->rxq_ovfl = setsockopt(u->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) == 0;
    if (!u->rxq_ovfl)
        udp_socket_log(u, CG_LOG_INFO, "no kernel drop count (SO_RXQ_OVFL) on", listen, errno);
    udp_socket_rcvbuf(u, rcvbuf, listen);
    return CG_OK;
}

int cg_udp_socket_open(struct cg_udp_socket *u, const char *listen, size_t rcvbuf)
{
    struct cg_endpoint ep;
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_endpoint_parse(listen, 0, &ep, &err);
    if (rc != CG_OK) {
        struct cg_buf b;
        cg_buf_init(&b);
        cg_log_put_name(&b, listen);
        cg_log(CG_LOG_ERR, "%s: bad listen address %s: %s", u->label, cg_buf_cstr(&b),
               cg_buf_cstr(&err));
        cg_buf_fini(&b);
        rc = CG_EINVAL;
        goto out;
    }
    rc = CG_EIO;
    u->fd = udp_socket_make(&ep);
    if (u->fd < 0) {
        udp_socket_log(u, CG_LOG_ERR, "cannot make a socket for", listen, errno);
        goto out;
    }
    if (udp_socket_tune(u, &ep, rcvbuf, listen) != CG_OK)
        goto out;
    if (bind(u->fd, (const struct sockaddr *)&ep.ss, ep.sslen) != 0) {
        udp_socket_log(u, CG_LOG_ERR, "cannot bind", listen, errno);
        goto out;
    }
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof(ss);
    if (getsockname(u->fd, (struct sockaddr *)&ss, &sl) != 0) {
        udp_socket_log(u, CG_LOG_ERR, "cannot read the bound port of", listen, errno);
        goto out;
    }
    u->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    rc = CG_OK;
out:
    if (rc == CG_EIO) {
        int e = errno;
        cg_udp_socket_close(u);
        errno = e;
    }
    cg_buf_fini(&err);
    return rc;
}
