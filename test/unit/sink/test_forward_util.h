/*
 * test_forward_util.h - what the forwarder's tests share (test_forward.c,
 * test_forward_tls.c): receivers on 127.0.0.1 port 0 (UDP; TCP and TLS with a strict
 * octet-counting parser), the loop run in slices until a condition holds or a deadline
 * passes, and the sink with numbered alerts and their exact messages. Include after
 * cmocka.h.
 */
#ifndef CEFGUARD_TEST_FORWARD_UTIL_H
#define CEFGUARD_TEST_FORWARD_UTIL_H

#include "testutil.h"

#include "cefguard/sink_forward.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#define T0 1745119254LL /* 2025-04-20T03:20:54Z */

/* ---- receivers ----------------------------------------------------------------------- */

struct rx {
    struct event_base *base;
    int udp;                  /* udp: the socket, or -1 */
    struct event *uev;        /* udp */
    struct evconnlistener *l; /* tcp, tls */
    SSL_CTX *ssl;             /* tls */
    struct bufferevent *conns[16];
    size_t nconns;
    uint16_t port;
    char **msgs; /* what arrived, each NUL-terminated */
    size_t n, cap;
    unsigned bad_frames;
    bool stalled; /* tcp: connections are accepted but not read (a collector that hangs) */
};

static inline void rx_add(struct rx *r, const char *p, size_t n)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->msgs = realloc(r->msgs, r->cap * sizeof(*r->msgs));
        assert_non_null(r->msgs);
    }
    r->msgs[r->n] = copy_exact(p, n + 1);
    r->msgs[r->n][n] = '\0';
    r->n++;
}

static inline void udp_read(evutil_socket_t fd, short what, void *arg)
{
    struct rx *r = arg;
    char buf[70000];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0)
        rx_add(r, buf, (size_t)n);
}

/* Octet counting, strictly: 1-9 digits without a leading zero, one space, exactly LEN
 * bytes. Anything else is a bad frame (the test fails on it). */
static inline void tcp_read(struct bufferevent *bev, void *arg)
{
    struct rx *r = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t have = evbuffer_get_length(in);
        char head[12];
        size_t hn = have < sizeof(head) ? have : sizeof(head);
        evbuffer_copyout(in, head, hn);
        size_t i = 0, len = 0;
        while (i < hn && head[i] >= '0' && head[i] <= '9')
            len = len * 10 + (size_t)(head[i++] - '0');
        if (i == hn && hn < sizeof(head))
            return; /* more to come */
        if (i == 0 || i > 9 || head[0] == '0' || head[i] != ' ') {
            r->bad_frames++;
            evbuffer_drain(in, have);
            return;
        }
        if (have < i + 1 + len)
            return;
        evbuffer_drain(in, i + 1);
        char *m = malloc(len + 1);
        assert_non_null(m);
        evbuffer_remove(in, m, len);
        rx_add(r, m, len);
        free(m);
    }
}

static inline void tcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct rx *r = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    for (size_t i = 0; i < r->nconns; i++)
        if (r->conns[i] == bev)
            r->conns[i] = NULL;
    bufferevent_free(bev);
}

static inline void tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                              int len, void *arg)
{
    struct rx *r = arg;
    struct bufferevent *bev;
    if (r->ssl)
        bev = bufferevent_openssl_socket_new(r->base, fd, SSL_new(r->ssl),
                                             BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    else
        bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
    assert_non_null(bev);
    assert_true(r->nconns < CG_ARRAY_LEN(r->conns));
    r->conns[r->nconns++] = bev;
    bufferevent_setcb(bev, tcp_read, NULL, tcp_event, r);
    if (!r->stalled)
        bufferevent_enable(bev, EV_READ);
}

static inline struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sin;
}

static inline uint16_t fd_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    return ntohs(sin.sin_port);
}

static inline void rx_udp(struct rx *r, struct event_base *base)
{
    *r = (struct rx){.base = base, .udp = -1};
    r->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = loopback(0);
    assert_int_equal(bind(r->udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
    int big = 4 << 20;
    setsockopt(r->udp, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    r->port = fd_port(r->udp);
    r->uev = event_new(base, r->udp, EV_READ | EV_PERSIST, udp_read, r);
    event_add(r->uev, NULL);
}

/* A TCP (ssl NULL) or TLS receiver on port (0: any). */
static inline void rx_tcp(struct rx *r, struct event_base *base, SSL_CTX *ssl, uint16_t port)
{
    *r = (struct rx){.base = base, .udp = -1, .ssl = ssl};
    struct sockaddr_in sin = loopback(port);
    r->l = evconnlistener_new_bind(base, tcp_accept, r, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                   16, (struct sockaddr *)&sin, sizeof(sin));
    assert_non_null(r->l);
    r->port = fd_port(evconnlistener_get_fd(r->l));
}

/* A stalled receiver reads again. */
static inline void rx_unstall(struct rx *r)
{
    r->stalled = false;
    for (size_t i = 0; i < r->nconns; i++)
        if (r->conns[i])
            bufferevent_enable(r->conns[i], EV_READ);
}

/* Closes every connection the receiver has (the collector restarts). */
static inline void rx_drop_conns(struct rx *r)
{
    for (size_t i = 0; i < r->nconns; i++)
        if (r->conns[i])
            bufferevent_free(r->conns[i]);
    r->nconns = 0;
}

static inline void rx_free(struct rx *r)
{
    rx_drop_conns(r);
    if (r->l)
        evconnlistener_free(r->l);
    if (r->uev)
        event_free(r->uev);
    if (r->udp >= 0)
        close(r->udp);
    for (size_t i = 0; i < r->n; i++)
        free(r->msgs[i]);
    free(r->msgs);
    r->msgs = NULL;
    r->n = r->cap = 0;
}

/* ---- the loop ------------------------------------------------------------------------ */

static inline int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop in 5 ms slices until cond holds (true) or ms have passed (false). */
static inline bool run_until(struct event_base *b, bool (*cond)(void *), void *arg, int ms)
{
    int64_t end = now_ms() + ms;
    while (!cond(arg)) {
        if (now_ms() >= end)
            return false;
        struct timeval tv = {0, 5000};
        event_base_loopexit(b, &tv);
        event_base_dispatch(b);
    }
    return true;
}

/* Runs the loop for ms whatever happens. */
static inline bool never(void *arg)
{
    return false;
}

static inline void run_for(struct event_base *b, int ms)
{
    run_until(b, never, NULL, ms);
}

struct want_n {
    struct rx *r;
    size_t n;
};

static inline bool got_n(void *arg)
{
    struct want_n *w = arg;
    return w->r->n >= w->n;
}

/* ---- the sink ------------------------------------------------------------------------ */

struct fsink {
    struct cg_sink s;
    struct cg_sink_env env;
};

static inline void no_pressure(void *ctx, struct cg_sink *s, bool on)
{
    fail_msg("the forwarder never presses back");
}

static inline int fsink_init(struct fsink *k, struct event_base *base,
                             const struct cg_sink_forward_conf *c)
{
    k->env = (struct cg_sink_env){NULL, base, no_pressure};
    k->s = (struct cg_sink){.ops = &cg_sink_forward_ops, .env = &k->env};
    return k->s.ops->init(&k->s, c);
}

static inline const struct cg_sink_forward_stats *fstats(struct fsink *k)
{
    return k->s.stats;
}

static struct cg_rule rule = {.id = "r1", .severity = "high"};

static inline int put_alert(struct fsink *k, unsigned i)
{
    char summary[32];
    snprintf(summary, sizeof(summary), "alert %u", i);
    struct cg_alert a = {.rule = &rule,
                         .kind = CG_ALERT_FIRE,
                         .time_us = T0 * 1000000,
                         .count = 1,
                         .summary = cg_str_make(summary, strlen(summary))};
    return k->s.ops->alert(&k->s, &a);
}

static inline void put_alerts(struct fsink *k, unsigned from, unsigned to)
{
    for (unsigned i = from; i <= to; i++)
        assert_int_equal(put_alert(k, i), CG_OK);
    assert_int_equal(k->s.ops->flush(&k->s), CG_OK);
}

/* The exact message of alert i (hostname "test", this process). */
static inline void want_msg(char *out, size_t n, unsigned i)
{
    snprintf(out, n,
             "<131>1 2025-04-20T03:20:54Z test cefguard %ld r1 [cefguard@32473 rule=\"r1\" "
             "kind=\"alert\" severity=\"high\"] alert %u",
             (long)getpid(), i);
}

/* The receiver has exactly alerts from..to, in order, from its message first on. */
static inline void check_msgs(const struct rx *r, size_t first, unsigned from, unsigned to)
{
    assert_int_equal(r->n - first, to - from + 1);
    for (unsigned i = from; i <= to; i++) {
        char want[256];
        want_msg(want, sizeof(want), i);
        if (strcmp(r->msgs[first + i - from], want) != 0)
            fail_msg("message %zu: got '%s', want '%s'", first + i - from,
                     r->msgs[first + i - from], want);
    }
    assert_int_equal(r->bad_frames, 0);
}

static char target[64];

static inline const char *target_of(uint16_t port)
{
    snprintf(target, sizeof(target), "127.0.0.1:%u", port);
    return target;
}

struct sent_n {
    struct fsink *k;
    uint64_t n;
};

static inline bool sent(void *arg)
{
    struct sent_n *w = arg;
    return fstats(w->k)->sent >= w->n;
}

#endif
