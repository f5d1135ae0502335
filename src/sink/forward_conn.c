/* forward_conn.c - the forwarder's transport: connect with backoff, UDP datagrams,
 * octet-counted frames over TCP and TLS bufferevents (see sink_forward.h).
 *
 * States: IDLE (no connection; the timer is the next connect), CONNECTING (the timer is
 * the connect timeout), UP (udp: the timer is the retry after ENOBUFS). Every failure goes through
 * conn_failed (not up yet) or conn_lost (it was up), which close what there is and arm the timer
 * for the next attempt, so there is one way back to IDLE.
 */
#include "forward_int.h"

#include "cefguard/log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <unistd.h>

/* Bytes handed to a connection at most (in flight); refilled at half. */
#define FWD_WINDOW (256 * 1024)
/* UDP: the wait after ENOBUFS (the device's queue is full; the socket stays writable). */
#define FWD_NOBUFS_US 10000

static void timer_in(struct cg_forward *f, int64_t us)
{
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    evtimer_add(f->timer, &tv);
}

/* Appends OpenSSL's queued errors ("; "-separated), clearing them. */
static void put_ssl_errors(struct cg_buf *b, unsigned long first)
{
    char e[256];
    for (unsigned long code = first; code; code = ERR_get_error()) {
        ERR_error_string_n(code, e, sizeof(e));
        cg_buf_printf(b, "%s%s", b->n ? "; " : "", e);
    }
}

/* The messages whose bytes the connection has wholly taken are sent. */
static void tcp_complete(struct cg_forward *f)
{
    size_t left = evbuffer_get_length(bufferevent_get_output(f->bev));
    uint64_t taken = f->added - left;
    while (f->q.nflight && cg_forward_queue_at(&f->q, 0)->end <= taken)
        cg_forward_sent(f);
}

/* Closes the connection. Messages in flight that were not wholly taken wait again. */
static void conn_close(struct cg_forward *f)
{
    if (f->bev) {
        tcp_complete(f);
        bufferevent_free(f->bev);
        f->bev = NULL;
    }
    if (f->wev)
        event_del(f->wev);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->q.nflight = 0;
    f->added = 0;
    f->st.connected = 0;
    f->state = FWD_IDLE;
}

/* A connect that did not come up: said, counted, and tried again after the backoff,
 * which doubles up to reconnect-max. */
static void conn_failed(struct cg_forward *f, const char *why)
{
    conn_close(f);
    f->st.connect_errors++;
    cg_log(CG_LOG_WARN, "%sconnect to %s failed: %s (again in %lld ms)", f->prefix, f->ep.host, why,
           (long long)(f->backoff_us / 1000));
    timer_in(f, f->backoff_us);
    f->backoff_us = f->backoff_us * 2 > f->backoff_max_us ? f->backoff_max_us : f->backoff_us * 2;
}

/* A connection that was up ended. */
static void conn_lost(struct cg_forward *f, const char *why)
{
    conn_close(f);
    f->st.disconnects++;
    cg_log(CG_LOG_WARN, "%sconnection to %s lost: %s", f->prefix, f->ep.host, why);
    timer_in(f, f->backoff_us);
}

static void conn_pump(struct cg_forward *f);

static void conn_up(struct cg_forward *f)
{
    evtimer_del(f->timer);
    f->state = FWD_UP;
    f->st.connects++;
    f->st.connected = 1;
    f->backoff_us = f->backoff_min_us;
    cg_log(CG_LOG_INFO, "%sconnected to %s port %u", f->prefix, f->ep.host, f->ep.port);
    conn_pump(f);
}

/* ---- udp ----------------------------------------------------------------------------- */

/* Sends what waits, a datagram each, until the socket would block. */
static void udp_pump(struct cg_forward *f)
{
    bool retried = false;
    while (f->q.n && f->state == FWD_UP) {
        struct fwd_msg *m = cg_forward_queue_at(&f->q, 0);
        if (send(f->fd, m->p, m->n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
            cg_forward_sent(f);
            retried = false;
            continue;
        }
        int err = errno;
        if (err == EINTR)
            continue;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            event_add(f->wev, NULL);
            return;
        }
        if (err == ENOBUFS) { /* the socket is writable, the device queue full: wait */
            timer_in(f, FWD_NOBUFS_US);
            return;
        }
        if (err == EMSGSIZE) {
            f->st.dropped_too_big++;
            cg_forward_queue_pop(f);
            continue;
        }
        f->st.write_errors++;
        if (err == ECONNREFUSED && !retried) { /* an earlier datagram's ICMP: send again */
            retried = true;
            continue;
        }
        if (err == ECONNREFUSED) { /* nobody listens: UDP loses it */
            cg_forward_queue_pop(f);
            retried = false;
            continue;
        }
        conn_lost(f, strerror(err));
    }
}

static void udp_writable(evutil_socket_t fd, short what, void *arg)
{
    udp_pump(arg);
}

static void udp_open(struct cg_forward *f, const struct sockaddr *sa, socklen_t len)
{
    f->fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (f->fd < 0 || connect(f->fd, sa, len) != 0) {
        conn_failed(f, strerror(errno));
        return;
    }
    if (f->wev)
        event_free(f->wev);
    f->wev = event_new(f->loop, f->fd, EV_WRITE, udp_writable, f);
    if (!f->wev) {
        conn_failed(f, "out of memory");
        return;
    }
    conn_up(f);
}

/* ---- tcp and tls --------------------------------------------------------------------- */

/* Hands waiting messages to the connection, "LEN SP MSG" each, up to the window. */
static void tcp_pump(struct cg_forward *f)
{
    struct evbuffer *out = bufferevent_get_output(f->bev);
    tcp_complete(f);
    size_t len = evbuffer_get_length(out);
    while (f->q.n > f->q.nflight && len < FWD_WINDOW) {
        struct fwd_msg *m = cg_forward_queue_at(&f->q, f->q.nflight);
        char pre[24];
        int pn = snprintf(pre, sizeof(pre), "%zu ", m->n);
        if (evbuffer_expand(out, (size_t)pn + m->n) != 0 || evbuffer_add(out, pre, pn) != 0 ||
            evbuffer_add(out, m->p, m->n) != 0)
            return; /* out of memory: the rest waits for the next write callback */
        f->added += (size_t)pn + m->n;
        len += (size_t)pn + m->n;
        m->end = f->added;
        f->q.nflight++;
    }
}

static void tcp_writable(struct bufferevent *bev, void *arg)
{
    tcp_pump(arg);
}

/* The collector has nothing to say: whatever it sends is read and dropped. */
static void tcp_readable(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

/* Why a connection failed, into b: the socket's error, OpenSSL's, the certificate's. */
static void tcp_why(struct cg_forward *f, short what, struct cg_buf *b)
{
    int err = EVUTIL_SOCKET_ERROR();
    if (f->transport == FWD_TLS) {
        put_ssl_errors(b, bufferevent_get_openssl_error(f->bev));
        SSL *ssl = bufferevent_openssl_get_ssl(f->bev);
        long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
        if (v != X509_V_OK)
            cg_buf_printf(b, "%scertificate: %s", b->n ? "; " : "",
                          X509_verify_cert_error_string(v));
    }
    if (b->n == 0 && (what & BEV_EVENT_EOF))
        cg_buf_puts(b, "closed by the collector");
    else if (b->n == 0)
        cg_buf_puts(b, err ? strerror(err) : "error");
}

static void tcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct cg_forward *f = arg;
    if (what & BEV_EVENT_CONNECTED) {
        int one = 1; /* a collector that vanished without a reset is noticed, eventually */
        setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        conn_up(f);
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    struct cg_buf why;
    cg_buf_init(&why);
    tcp_why(f, what, &why);
    if (f->state == FWD_UP) {
        f->st.write_errors += (what & BEV_EVENT_ERROR) != 0;
        conn_lost(f, cg_buf_cstr(&why));
    } else {
        conn_failed(f, cg_buf_cstr(&why));
    }
    cg_buf_fini(&why);
}

/* TLS: a new SSL with the name to send (SNI) and to verify: the target's host name, or
 * its address. */
static SSL *tls_new(struct cg_forward *f)
{
    SSL *ssl = SSL_new(f->ssl_ctx);
    if (!ssl)
        return NULL;
    unsigned char ip[16];
    bool is_ip =
        inet_pton(AF_INET, f->ep.host, ip) == 1 || inet_pton(AF_INET6, f->ep.host, ip) == 1;
    bool ok = is_ip || SSL_set_tlsext_host_name(ssl, f->ep.host) == 1;
    if (ok && f->verify) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, f->ep.host) == 1
                   : X509_VERIFY_PARAM_set1_host(vp, f->ep.host, 0) == 1;
    }
    if (!ok) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

static void tcp_open(struct cg_forward *f, const struct sockaddr *sa, socklen_t len)
{
    int opts = BEV_OPT_CLOSE_ON_FREE;
    if (f->transport == FWD_TLS) {
        SSL *ssl = tls_new(f);
        f->bev =
            ssl ? bufferevent_openssl_socket_new(f->loop, -1, ssl, BUFFEREVENT_SSL_CONNECTING, opts)
                : NULL;
        if (!f->bev && ssl)
            SSL_free(ssl);
        if (f->bev)
            bufferevent_openssl_set_allow_dirty_shutdown(f->bev, 1);
    } else {
        f->bev = bufferevent_socket_new(f->loop, -1, opts);
    }
    if (!f->bev) {
        conn_failed(f, "out of memory");
        return;
    }
    bufferevent_setcb(f->bev, tcp_readable, tcp_writable, tcp_event, f);
    bufferevent_setwatermark(f->bev, EV_WRITE, FWD_WINDOW / 2, 0);
    bufferevent_enable(f->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(f->bev, sa, (int)len) != 0)
        conn_failed(f, strerror(errno));
}

/* ---- connecting ---------------------------------------------------------------------- */

/* Resolves the target (a name: getaddrinfo, blocking) and opens the first address. */
static void conn_start(struct cg_forward *f)
{
    f->state = FWD_CONNECTING;
    timer_in(f, f->connect_timeout_us);
    struct sockaddr_storage ss;
    socklen_t len = f->ep.sslen;
    memcpy(&ss, &f->ep.ss, sizeof(ss));
    if (!f->ep.numeric) {
        struct addrinfo hints = {0}, *res = NULL;
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = f->transport == FWD_UDP ? SOCK_DGRAM : SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;
        char port[8];
        snprintf(port, sizeof(port), "%u", f->ep.port);
        int rc = getaddrinfo(f->ep.host, port, &hints, &res);
        if (rc != 0 || !res || res->ai_addrlen > sizeof(ss)) {
            conn_failed(f, rc ? gai_strerror(rc) : "no address");
            if (res)
                freeaddrinfo(res);
            return;
        }
        memcpy(&ss, res->ai_addr, res->ai_addrlen);
        len = res->ai_addrlen;
        freeaddrinfo(res);
    }
    if (f->transport == FWD_UDP)
        udp_open(f, (struct sockaddr *)&ss, len);
    else
        tcp_open(f, (struct sockaddr *)&ss, len);
}

static void conn_timer(evutil_socket_t fd, short what, void *arg)
{
    struct cg_forward *f = arg;
    if (f->state == FWD_IDLE)
        conn_start(f);
    else if (f->state == FWD_CONNECTING)
        conn_failed(f, "timed out");
    else
        conn_pump(f); /* udp after ENOBUFS */
}

static void conn_pump(struct cg_forward *f)
{
    if (f->state != FWD_UP)
        return;
    if (f->transport == FWD_UDP) {
        if (!event_pending(f->wev, EV_WRITE, NULL))
            udp_pump(f);
    } else {
        tcp_pump(f);
    }
}

void cg_forward_conn_kick(struct cg_forward *f)
{
    conn_pump(f);
}

/* ---- setup --------------------------------------------------------------------------- */

/* "tls-ca FILE: what OpenSSL said", logged; CG_EIO. */
static int tls_fail(struct cg_forward *f, const char *opt, const char *file)
{
    struct cg_buf b, e;
    cg_buf_init(&b);
    cg_buf_init(&e);
    cg_log_put_name(&b, file ? file : "");
    put_ssl_errors(&e, ERR_get_error());
    cg_log(CG_LOG_ERR, "%s%s %s: %s", f->prefix, opt, cg_buf_cstr(&b),
           e.n ? cg_buf_cstr(&e) : "cannot be used");
    cg_buf_fini(&b);
    cg_buf_fini(&e);
    return CG_EIO;
}

static int tls_init(struct cg_forward *f, const struct cg_sink_forward_conf *c)
{
    ERR_clear_error();
    f->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!f->ssl_ctx)
        return CG_ENOMEM;
    SSL_CTX_set_min_proto_version(f->ssl_ctx, TLS1_2_VERSION);
    f->verify = !c->tls_no_verify;
    if (f->verify) {
        int ok = c->tls_ca ? SSL_CTX_load_verify_locations(f->ssl_ctx, c->tls_ca, NULL)
                           : SSL_CTX_set_default_verify_paths(f->ssl_ctx);
        if (ok != 1)
            return tls_fail(f, "tls-ca", c->tls_ca);
        SSL_CTX_set_verify(f->ssl_ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(f->ssl_ctx, SSL_VERIFY_NONE, NULL);
    }
    if (c->tls_cert) {
        if (SSL_CTX_use_certificate_chain_file(f->ssl_ctx, c->tls_cert) != 1)
            return tls_fail(f, "tls-cert", c->tls_cert);
        if (SSL_CTX_use_PrivateKey_file(f->ssl_ctx, c->tls_key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(f->ssl_ctx) != 1)
            return tls_fail(f, "tls-key", c->tls_key);
    }
    return CG_OK;
}

int cg_forward_conn_init(struct cg_forward *f, const struct cg_sink_forward_conf *c)
{
    f->timer = evtimer_new(f->loop, conn_timer, f);
    if (!f->timer)
        return CG_ENOMEM;
    if (f->transport == FWD_TLS) {
        int rc = tls_init(f, c);
        if (rc != CG_OK)
            return rc;
    }
    f->state = FWD_IDLE;
    timer_in(f, 0);
    return CG_OK;
}

void cg_forward_conn_fini(struct cg_forward *f)
{
    if (f->bev) {
        bufferevent_free(f->bev);
        f->bev = NULL;
    }
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->wev)
        event_free(f->wev);
    if (f->timer)
        event_free(f->timer);
    SSL_CTX_free(f->ssl_ctx);
    f->wev = f->timer = NULL;
    f->ssl_ctx = NULL;
}
