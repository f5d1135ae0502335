/*
 * cg_sender_net.c - cg_sender's connections: stdout, UDP sockets, TCP connections, TLS
 * sessions over them with OpenSSL (blocking writes: the tool does nothing else meanwhile).
 * The contracts are in cg_sender.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cg_sender.h"

static SSL_CTX *tls_ctx;
static struct sockaddr_storage peer;
static socklen_t peer_len;

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cg_sender: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void die_tls(const char *what)
{
    char err[256] = "no detail";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, err, sizeof(err));
    die("%s: %s", what, err);
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void net_resolve(int socktype)
{
    const char *target = o.target;
    char host[256];
    const char *colon = strrchr(target, ':');
    if (!colon || colon == target || !colon[1])
        die("'%s' is not HOST:PORT", target);
    size_t hl = (size_t)(colon - target);
    const char *h = target;
    if (target[0] == '[' && colon[-1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof(host))
        die("host name too long");
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_socktype = socktype}, *res;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc)
        die("%s: %s", target, gai_strerror(rc));
    memcpy(&peer, res->ai_addr, res->ai_addrlen);
    peer_len = res->ai_addrlen;
    freeaddrinfo(res);
}

static char *target_host(void)
{
    static char host[256];
    const char *colon = strrchr(o.target, ':');
    const char *h = o.target;
    size_t hl = (size_t)(colon - o.target);
    if (h[0] == '[') {
        h++;
        hl -= 2;
    }
    snprintf(host, sizeof(host), "%.*s", (int)hl, h);
    return host;
}

void net_tls_setup(void)
{
    tls_ctx = SSL_CTX_new(TLS_client_method());
    if (!tls_ctx)
        die_tls("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION);
    if (o.ca) {
        if (SSL_CTX_load_verify_locations(tls_ctx, o.ca, NULL) != 1)
            die_tls(o.ca);
        SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, NULL);
        X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(tls_ctx);
        const char *host = target_host();
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1)
            X509_VERIFY_PARAM_set1_host(vp, host, 0);
    }
    if (o.cert || o.key) {
        if (!o.cert || !o.key)
            die("--cert and --key go together");
        if (SSL_CTX_use_certificate_chain_file(tls_ctx, o.cert) != 1)
            die_tls(o.cert);
        if (SSL_CTX_use_PrivateKey_file(tls_ctx, o.key, SSL_FILETYPE_PEM) != 1)
            die_tls(o.key);
        if (SSL_CTX_check_private_key(tls_ctx) != 1)
            die_tls("client key does not match the certificate");
    }
}

static int stream_connect(void)
{
    int fd = socket(peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&peer, peer_len) != 0)
        die("connect %s: %s", o.target, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

void net_open(struct conn *c, bool handshake)
{
    memset(c, 0, sizeof(*c));
    if (o.tr == TR_STDOUT) {
        c->fd = STDOUT_FILENO;
    } else if (o.tr == TR_UDP) {
        c->fd = socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
            die("socket: %s", strerror(errno));
    } else {
        c->fd = stream_connect();
    }
    if (o.tr == TR_TLS && handshake) {
        c->ssl = SSL_new(tls_ctx);
        if (!c->ssl)
            die_tls("SSL_new");
        SSL_set_fd(c->ssl, c->fd);
        const char *host = target_host();
        struct in6_addr a;
        if (inet_pton(AF_INET, host, &a) != 1 && inet_pton(AF_INET6, host, &a) != 1)
            SSL_set_tlsext_host_name(c->ssl, host);
        if (SSL_connect(c->ssl) != 1)
            die_tls("TLS handshake");
    }
    c->out = malloc(OUTBUF_SIZE);
    if (!c->out)
        die("out of memory");
}

int net_write_all(struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w;
        if (c->ssl) {
            int r = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_SYSCALL && errno)
                    return -1;
                errno = ECONNRESET;
                return -1;
            }
            w = r;
        } else if (o.tr == TR_STDOUT) {
            w = write(c->fd, p, n);
        } else {
            w = send(c->fd, p, n, MSG_NOSIGNAL);
        }
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void net_flush(struct conn *c, unsigned idx)
{
    if (c->len && net_write_all(c, c->out, c->len) != 0)
        die("connection %u: write failed: %s", idx, strerror(errno));
    c->len = 0;
}

void net_udp_send(struct conn *c, const char *p, size_t n)
{
    for (;;) {
        if (sendto(c->fd, p, n, 0, (struct sockaddr *)&peer, peer_len) >= 0)
            return;
        if (errno == EINTR)
            continue;
        if (errno == ENOBUFS || errno == EAGAIN) { /* the queue is full: wait, never drop */
            sleep_s(0.0001);
            continue;
        }
        die("sendto %s: %s", o.target, strerror(errno));
    }
}

void net_send(struct conn *c, unsigned idx, const char *p, size_t n)
{
    if (o.tr == TR_UDP) {
        net_udp_send(c, p, n);
        return;
    }
    if (c->len + n > OUTBUF_SIZE)
        net_flush(c, idx);
    if (n > OUTBUF_SIZE) {
        if (net_write_all(c, p, n) != 0)
            die("connection %u: write failed: %s", idx, strerror(errno));
        return;
    }
    memcpy(c->out + c->len, p, n);
    c->len += n;
}

void set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void net_finish(struct conn *c)
{
    if (c->ssl)
        SSL_shutdown(c->ssl);
    if (o.tr == TR_TCP || o.tr == TR_TLS)
        shutdown(c->fd, SHUT_WR);
}

void net_drain(struct conn *c, unsigned idx, double end)
{
    char buf[4096];
    set_nonblocking(c->fd); /* SSL_read must not block past the deadline */
    for (;;) {
        if (!c->ssl || SSL_pending(c->ssl) == 0) {
            struct pollfd p = {.fd = c->fd, .events = POLLIN};
            int ms = (int)((end - now_s()) * 1000);
            if (ms <= 0 || poll(&p, 1, ms) == 0)
                return;
        }
        if (c->ssl) {
            int r = SSL_read(c->ssl, buf, sizeof(buf));
            if (r > 0)
                continue;
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                continue; /* a record that was not data (a session ticket) */
            if (e == SSL_ERROR_ZERO_RETURN ||
                (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno != ECONNRESET))
                return;
            if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
                die("connection %u: reset by the peer: what it had not read is lost", idx);
            die_tls("TLS connection ended with an error");
        }
        ssize_t r = read(c->fd, buf, sizeof(buf));
        if (r > 0)
            continue;
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            die("connection %u: %s after the last message: what the peer had not read is lost", idx,
                strerror(errno));
        return;
    }
}

void net_free(struct conn *c)
{
    SSL_free(c->ssl);
    if (c->fd > STDERR_FILENO)
        close(c->fd);
    free(c->out);
}

bool net_peer_closed(struct conn *c)
{
    char b[4096];
    if (c->ssl) {
        int r = SSL_read(c->ssl, b, sizeof(b));
        if (r > 0)
            return false;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return false;
        ERR_clear_error();
        return true;
    }
    ssize_t r = read(c->fd, b, sizeof(b));
    return r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN);
}

void net_tls_free(void)
{
    SSL_CTX_free(tls_ctx);
}

int net_free_port(const char *kind)
{
    int type = strcmp(kind, "udp") == 0 ? SOCK_DGRAM : strcmp(kind, "tcp") == 0 ? SOCK_STREAM : 0;
    if (!type)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, type, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        die("free port: %s", strerror(errno));
    printf("%u\n", ntohs(a.sin_port));
    close(fd);
    return 0;
}
