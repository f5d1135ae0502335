/*
 * test_forward.c - the syslog forwarder (sink_forward.h) through its ops, on a real
 * libevent loop, against receivers on 127.0.0.1 port 0 inside the test: UDP, TCP and TLS
 * receivers get N alerts exactly once and in order, octet-count framed over TCP and TLS
 * (the receiver's parser is strict); TLS verifies the collector's certificate and address
 * (a foreign CA and a wrong name fail, counted; tls-no-verify takes them) and shows a
 * client certificate; a collector that is down at first gets everything once it comes up,
 * and again after it dropped the connection; a full queue drops the oldest, counts them
 * and says so once; oversized messages are cut or dropped, counted; bad confs fail init
 * with their reasons; the option table passes cg_opt_check. TLS certificates are made at
 * test time with the openssl command into a mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
    char *msgs[4096];
    size_t n;
    unsigned bad_frames;
};

static void rx_add(struct rx *r, const char *p, size_t n)
{
    assert_true(r->n < CG_ARRAY_LEN(r->msgs));
    r->msgs[r->n] = copy_exact(p, n + 1);
    r->msgs[r->n][n] = '\0';
    r->n++;
}

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
    struct rx *r = arg;
    char buf[70000];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0)
        rx_add(r, buf, (size_t)n);
}

/* Octet counting, strictly: 1-9 digits without a leading zero, one space, exactly LEN
 * bytes. Anything else is a bad frame (the test fails on it). */
static void tcp_read(struct bufferevent *bev, void *arg)
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

static void tcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct rx *r = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    for (size_t i = 0; i < r->nconns; i++)
        if (r->conns[i] == bev)
            r->conns[i] = NULL;
    bufferevent_free(bev);
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                       void *arg)
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
    bufferevent_enable(bev, EV_READ);
}

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sin;
}

static uint16_t fd_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    return ntohs(sin.sin_port);
}

static void rx_udp(struct rx *r, struct event_base *base)
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
static void rx_tcp(struct rx *r, struct event_base *base, SSL_CTX *ssl, uint16_t port)
{
    *r = (struct rx){.base = base, .udp = -1, .ssl = ssl};
    struct sockaddr_in sin = loopback(port);
    r->l = evconnlistener_new_bind(base, tcp_accept, r, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                   16, (struct sockaddr *)&sin, sizeof(sin));
    assert_non_null(r->l);
    r->port = fd_port(evconnlistener_get_fd(r->l));
}

/* Closes every connection the receiver has (the collector restarts). */
static void rx_drop_conns(struct rx *r)
{
    for (size_t i = 0; i < r->nconns; i++)
        if (r->conns[i])
            bufferevent_free(r->conns[i]);
    r->nconns = 0;
}

static void rx_free(struct rx *r)
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
    r->n = 0;
}

/* ---- the loop ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop in 5 ms slices until cond holds (true) or ms have passed (false). */
static bool run_until(struct event_base *b, bool (*cond)(void *), void *arg, int ms)
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
static bool never(void *arg)
{
    return false;
}

static void run_for(struct event_base *b, int ms)
{
    run_until(b, never, NULL, ms);
}

struct want_n {
    struct rx *r;
    size_t n;
};

static bool got_n(void *arg)
{
    struct want_n *w = arg;
    return w->r->n >= w->n;
}

/* ---- the sink ------------------------------------------------------------------------ */

struct fsink {
    struct cg_sink s;
    struct cg_sink_env env;
};

static void no_pressure(void *ctx, struct cg_sink *s, bool on)
{
    fail_msg("the forwarder never presses back");
}

static int fsink_init(struct fsink *k, struct event_base *base,
                      const struct cg_sink_forward_conf *c)
{
    k->env = (struct cg_sink_env){NULL, base, no_pressure};
    k->s = (struct cg_sink){.ops = &cg_sink_forward_ops, .env = &k->env};
    return k->s.ops->init(&k->s, c);
}

static const struct cg_sink_forward_stats *fstats(struct fsink *k)
{
    return k->s.stats;
}

static struct cg_rule rule = {.id = "r1", .severity = "high"};

static int put_alert(struct fsink *k, unsigned i)
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

static void put_alerts(struct fsink *k, unsigned from, unsigned to)
{
    for (unsigned i = from; i <= to; i++)
        assert_int_equal(put_alert(k, i), CG_OK);
    assert_int_equal(k->s.ops->flush(&k->s), CG_OK);
}

/* The exact message of alert i (hostname "test", this process). */
static void want_msg(char *out, size_t n, unsigned i)
{
    snprintf(out, n,
             "<131>1 2025-04-20T03:20:54Z test cefguard %ld r1 [cefguard@32473 rule=\"r1\" "
             "kind=\"alert\" severity=\"high\"] alert %u",
             (long)getpid(), i);
}

/* The receiver has exactly alerts from..to, in order, from its message first on. */
static void check_msgs(const struct rx *r, size_t first, unsigned from, unsigned to)
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

static const char *target_of(uint16_t port)
{
    snprintf(target, sizeof(target), "127.0.0.1:%u", port);
    return target;
}

struct sent_n {
    struct fsink *k;
    uint64_t n;
};

static bool sent(void *arg)
{
    struct sent_n *w = arg;
    return fstats(w->k)->sent >= w->n;
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_udp(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_udp(&r, base);
    struct fsink k;
    struct cg_sink_forward_conf c = {
        .name = "fwd", .target = target_of(r.port), .hostname = "test"};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    assert_int_equal(k.s.takes, CG_SINK_ALERTS);
    assert_ptr_equal(k.s.counters, &cg_sink_forward_counters);
    put_alerts(&k, 1, 200);
    assert_int_equal(fstats(&k)->queued, 200); /* nothing goes before the loop runs */
    struct want_n w = {&r, 200};
    assert_true(run_until(base, got_n, &w, 5000));
    run_for(base, 20); /* nothing more arrives */
    check_msgs(&r, 0, 1, 200);
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_int_equal(st->sent, 200);
    assert_int_equal(st->queued, 0);
    assert_int_equal(st->connects, 1);
    assert_int_equal(st->connected, 1);
    assert_int_equal(st->connect_errors + st->dropped_queue_full + st->write_errors, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

static void test_tcp(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    struct fsink k;
    struct cg_sink_forward_conf c = {
        .target = target_of(r.port), .transport = "tcp", .hostname = "test"};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    put_alerts(&k, 1, 3000); /* more than one window (256 KiB) */
    struct want_n w = {&r, 3000};
    assert_true(run_until(base, got_n, &w, 10000));
    struct sent_n sw = {&k, 3000};
    assert_true(run_until(base, sent, &sw, 2000));
    run_for(base, 20);
    check_msgs(&r, 0, 1, 3000);
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_int_equal(st->sent, 3000);
    assert_int_equal(st->queued, 0);
    assert_int_equal(st->connects, 1);
    assert_int_equal(st->connect_errors + st->disconnects + st->write_errors, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* Nobody listens at first: connects fail (counted, backoff 20 ms doubling to 80 ms) and
 * the alerts wait; the collector comes up and gets them all, once. It drops the
 * connection: the forwarder connects again and the next alerts arrive. */
static void test_reconnect(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    uint16_t port = r.port;
    rx_free(&r); /* the port is free again */
    struct fsink k;
    struct cg_sink_forward_conf c = {.target = target_of(port),
                                     .transport = "tcp",
                                     .hostname = "test",
                                     .reconnect_min_us = 20000,
                                     .reconnect_max_us = 80000};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    put_alerts(&k, 1, 10);
    run_for(base, 300);
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_true(st->connect_errors >= 3); /* 0, 20, 60, 140, 220 ms ... */
    assert_true(st->connect_errors <= 8);
    assert_int_equal(st->connects + st->sent, 0);
    assert_int_equal(st->queued, 10);
    rx_tcp(&r, base, NULL, port);
    struct want_n w = {&r, 10};
    assert_true(run_until(base, got_n, &w, 3000));
    check_msgs(&r, 0, 1, 10);
    assert_int_equal(st->connects, 1);

    rx_drop_conns(&r); /* the collector restarts */
    run_for(base, 100);
    assert_int_equal(st->disconnects, 1);
    put_alerts(&k, 11, 20);
    w.n = 20;
    assert_true(run_until(base, got_n, &w, 3000));
    run_for(base, 20);
    check_msgs(&r, 10, 11, 20);
    assert_int_equal(st->connects, 2);
    assert_int_equal(st->sent, 20);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

static void put_twelve(void *arg)
{
    put_alerts(arg, 1, 12);
}

/* queue-max 5 and nothing sent yet: 12 alerts leave the last 5; the 7 oldest are dropped,
 * counted, and said once. Then the collector gets exactly the 5. */
static void test_queue_full(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    struct fsink k;
    struct cg_sink_forward_conf c = {.name = "q",
                                     .target = target_of(r.port),
                                     .transport = "tcp",
                                     .hostname = "test",
                                     .queue_max = 5};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    char log[1024];
    capture_stderr(put_twelve, &k, log, sizeof(log));
    assert_string_equal(log, "cefguard: warning: sink q: queue full (queue-max 5): dropping the "
                             "oldest alerts\n");
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_int_equal(st->dropped_queue_full, 7);
    assert_int_equal(st->queued, 5);
    struct want_n w = {&r, 5};
    assert_true(run_until(base, got_n, &w, 3000));
    run_for(base, 20);
    check_msgs(&r, 0, 8, 12);
    assert_int_equal(st->sent, 5);
    assert_int_equal(st->queued, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* A message over max-message is cut (truncated) and one whose header alone is over it is
 * dropped (dropped.too_big); both over UDP. */
static void test_too_big(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_udp(&r, base);
    struct fsink k;
    char want[256];
    want_msg(want, sizeof(want), 1234567);
    struct cg_sink_forward_conf c = {
        .target = target_of(r.port), .hostname = "test", .max_message = strlen(want) - 3};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    assert_int_equal(put_alert(&k, 1234567), CG_OK);
    struct want_n w = {&r, 1};
    assert_true(run_until(base, got_n, &w, 3000));
    want[strlen(want) - 3] = '\0';
    assert_string_equal(r.msgs[0], want);
    assert_int_equal(fstats(&k)->truncated, 1);
    k.s.ops->fini(&k.s);
    c.max_message = 20;
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    assert_int_equal(put_alert(&k, 1), CG_OK);
    assert_int_equal(fstats(&k)->dropped_too_big, 1);
    assert_int_equal(fstats(&k)->queued, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* ---- tls ------------------------------------------------------------------------------ */

static char tdir[64];

static void sh(const char *fmt, ...) CG_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

static const char *tpath(const char *name)
{
    static char p[8][128];
    static unsigned next;
    char *o = p[next++ % 8];
    snprintf(o, 128, "%s/%s", tdir, name);
    return o;
}

/* A CA, a second CA, a server certificate for 127.0.0.1 and localhost, one for another
 * name only, and a client certificate, all EC P-256, made by the openssl command. */
static void make_certs(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tdir, sizeof(tdir), "%s/cg-fwd-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(tdir));
    const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    for (int i = 1; i <= 2; i++)
        sh("cd %s && openssl req -x509 %s -keyout ca%d.key -out ca%d.pem -days 2 "
           "-subj /CN=cg-test-ca%d -addext basicConstraints=critical,CA:TRUE "
           "-addext keyUsage=keyCertSign >/dev/null 2>&1",
           tdir, ec, i, i, i);
    static const char *const certs[][2] = {
        {"srv", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
        {"other", "subjectAltName=DNS:other.example"},
        {"client", "extendedKeyUsage=clientAuth"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(certs); i++)
        sh("cd %s && openssl req %s -keyout %s.key -out %s.csr -subj /CN=%s >/dev/null 2>&1 && "
           "printf '%%s\\n' '%s' > %s.ext && openssl x509 -req -in %s.csr -CA ca1.pem "
           "-CAkey ca1.key -CAcreateserial -out %s.pem -days 2 -extfile %s.ext >/dev/null 2>&1",
           tdir, ec, certs[i][0], certs[i][0], certs[i][0], certs[i][1], certs[i][0], certs[i][0],
           certs[i][0], certs[i][0]);
}

static void remove_certs(void)
{
    sh("rm -rf '%s'", tdir);
}

static SSL_CTX *server_ctx(const char *name, bool want_client)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    char f[64];
    snprintf(f, sizeof(f), "%s.pem", name);
    assert_int_equal(SSL_CTX_use_certificate_chain_file(ctx, tpath(f)), 1);
    snprintf(f, sizeof(f), "%s.key", name);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, tpath(f), SSL_FILETYPE_PEM), 1);
    if (want_client) {
        assert_int_equal(SSL_CTX_load_verify_locations(ctx, tpath("ca1.pem"), NULL), 1);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return ctx;
}

struct tls_case {
    const char *server; /* its certificate */
    bool want_client;   /* the server asks for a client certificate */
    const char *ca;     /* tls-ca */
    bool client;        /* tls-cert/tls-key: the client certificate */
    bool no_verify;
    const char *host; /* target host, NULL: 127.0.0.1 */
    bool ok;          /* the alerts arrive */
    bool late;        /* refused after the handshake (TLS 1.3: the client certificate) */
};

static void run_tls_case(const struct tls_case *tc)
{
    struct event_base *base = event_base_new();
    SSL_CTX *sctx = server_ctx(tc->server, tc->want_client);
    struct rx r;
    rx_tcp(&r, base, sctx, 0);
    char tgt[64];
    snprintf(tgt, sizeof(tgt), "%s:%u", tc->host ? tc->host : "127.0.0.1", r.port);
    struct fsink k;
    struct cg_sink_forward_conf c = {.target = tgt,
                                     .transport = "tls",
                                     .hostname = "test",
                                     .tls_ca = tpath(tc->ca),
                                     .tls_no_verify = tc->no_verify,
                                     .reconnect_min_us = 5000000};
    if (tc->client) {
        c.tls_cert = tpath("client.pem");
        c.tls_key = tpath("client.key");
    }
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    put_alerts(&k, 1, 300);
    const struct cg_sink_forward_stats *st = fstats(&k);
    if (tc->ok) {
        struct want_n w = {&r, 300};
        assert_true(run_until(base, got_n, &w, 10000));
        struct sent_n sw = {&k, 300};
        assert_true(run_until(base, sent, &sw, 2000));
        run_for(base, 20);
        check_msgs(&r, 0, 1, 300);
        assert_int_equal(st->connects, 1);
        assert_int_equal(st->connect_errors, 0);
    } else if (tc->late) {
        /* TLS 1.3: the client is up before the server checks its certificate; the
         * server's alert ends the connection (what was written is lost) */
        run_for(base, 300);
        assert_int_equal(r.n, 0);
        assert_int_equal(st->connects, 1);
        assert_int_equal(st->disconnects, 1);
        assert_int_equal(st->connect_errors, 0);
    } else {
        struct sent_n sw = {&k, 1};
        assert_false(run_until(base, sent, &sw, 300));
        assert_int_equal(r.n, 0);
        assert_int_equal(st->connects, 0);
        assert_int_equal(st->connect_errors, 1); /* the next try is 5 s away */
        assert_int_equal(st->queued, 300);
    }
    k.s.ops->fini(&k.s);
    rx_free(&r);
    SSL_CTX_free(sctx);
    event_base_free(base);
}

static void quiet_run_tls_case(void *arg)
{
    run_tls_case(arg);
}

static void test_tls(void **state)
{
    (void)state;
    make_certs();
    static const struct tls_case cases[] = {
        {"srv", false, "ca1.pem", false, false, NULL, true, false},        /* verified by address */
        {"srv", false, "ca1.pem", false, false, "localhost", true, false}, /* by name */
        {"srv", true, "ca1.pem", true, false, NULL, true, false},          /* with a client cert */
        {"srv", false, "ca2.pem", false, false, NULL, false, false},       /* a foreign CA */
        {"other", false, "ca1.pem", false, false, NULL, false, false},     /* the wrong name */
        {"srv", true, "ca1.pem", false, false, NULL, false, true},         /* no client cert */
        {"other", false, "ca2.pem", false, true, NULL, true, false},       /* tls-no-verify */
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        char log[4096] = "connect to";
        if (getenv("CG_TEST_VERBOSE")) /* the logs on stderr, and a failure's message */
            run_tls_case(&cases[i]);
        else
            capture_stderr(quiet_run_tls_case, (void *)&cases[i], log, sizeof(log));
        if (!cases[i].ok && !strstr(log, cases[i].late ? "certificate required" : "connect to"))
            fail_msg("case %zu: no failure logged: %s", i, log);
    }
    remove_certs();
}

/* ---- configuration ----------------------------------------------------------------- */

struct bad_init {
    struct cg_sink_forward_conf c;
    struct event_base *base;
    int rc;
};

static void do_bad_init(void *arg)
{
    struct bad_init *b = arg;
    struct fsink k;
    b->rc = fsink_init(&k, b->base, &b->c);
    if (b->rc == CG_OK)
        k.s.ops->fini(&k.s);
}

static void test_bad_conf(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    char log[2048];
    struct bad_init b = {{.name = "f", .target = "127.0.0.1:514"}, NULL, 0};
    capture_stderr(do_bad_init, &b, log, sizeof(log));
    assert_int_equal(b.rc, CG_EINVAL);
    assert_string_equal(log, "cefguard: error: sink f: needs an event loop (cefguard run)\n");

    b = (struct bad_init){{.name = "f",
                           .target = "127.0.0.1:0",
                           .transport = "sctp",
                           .format = "xml",
                           .message = "all",
                           .facility = "local9",
                           .tls_ca = "x",
                           .tls_key = "k",
                           .reconnect_min_us = 2000000,
                           .reconnect_max_us = 1000000,
                           .max_message = 70000},
                          base,
                          0};
    capture_stderr(do_bad_init, &b, log, sizeof(log));
    assert_int_equal(b.rc, CG_EINVAL);
    assert_string_equal(log,
                        "cefguard: error: sink f: target: a collector needs a host and a port "
                        "other than 0\n"
                        "cefguard: error: sink f: transport: 'sctp': expected udp, tcp or tls\n"
                        "cefguard: error: sink f: format: 'xml': expected rfc5424 or cef\n"
                        "cefguard: error: sink f: message: 'all': expected summary or json\n"
                        "cefguard: error: sink f: facility: 'local9': expected a name (kern ... "
                        "local7) or a number from 0 to 23\n"
                        "cefguard: error: sink f: tls-*: only with transport tls\n"
                        "cefguard: error: sink f: tls-cert: tls-cert and tls-key go together\n"
                        "cefguard: error: sink f: reconnect-min: longer than reconnect-max\n");

    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_sink_forward_conf c = {0};
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err),
                        "target: missing: the collector's HOST:PORT is required\n");
    cg_buf_clear(&err);
    c.target = "bad target:1";
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_EINVAL);
    assert_memory_equal(cg_buf_cstr(&err), "target: expected", 16);
    cg_buf_clear(&err);
    c = (struct cg_sink_forward_conf){.target = "logs.example.net:6514", .max_message = 65508};
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err), "max-message: over udp at most 65507 bytes\n");
    c.transport = "tcp";
    cg_buf_clear(&err);
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    cg_buf_fini(&err);

    /* a CA file that does not load: CG_EIO, said */
    b = (struct bad_init){
        {.name = "f", .target = "127.0.0.1:6514", .transport = "tls", .tls_ca = "/nonexistent"},
        base,
        0};
    capture_stderr(do_bad_init, &b, log, sizeof(log));
    assert_int_equal(b.rc, CG_EIO);
    assert_memory_equal(log, "cefguard: error: sink f: tls-ca /nonexistent: ", 46);
    event_base_free(base);
}

/* The option table passes cg_opt_check; its defaults, with a target, pass
 * cg_sink_forward_check and are what a zero conf means. */
static void test_options(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_sink_forward_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    assert_string_equal(cg_sink_forward_options.commands[0], "forward");
    struct cg_sink_forward_conf c = {0};
    assert_int_equal(cg_opt_defaults(&cg_sink_forward_options, &c, &err), CG_OK);
    assert_string_equal(c.transport, "udp");
    assert_string_equal(c.format, "rfc5424");
    assert_string_equal(c.message, "summary");
    assert_string_equal(c.facility, "local0");
    assert_string_equal(c.app_name, "cefguard");
    assert_null(c.hostname);
    assert_int_equal(c.queue_max, 10000);
    assert_int_equal(c.max_message, 8192);
    assert_int_equal(c.connect_timeout_us, 10000000);
    assert_int_equal(c.reconnect_min_us, 1000000);
    assert_int_equal(c.reconnect_max_us, 60000000);
    assert_false(c.tls_no_verify);
    for (size_t i = 0; i < cg_sink_forward_options.n; i++)
        assert_int_equal(cg_sink_forward_options.v[i].commands, 1);
    const struct cg_opt *t = &cg_sink_forward_options.v[0];
    assert_string_equal(t->name, "target");
    assert_int_equal(cg_opt_set(t, "logs.example.net:6514", &c, &err), CG_OK);
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_OK);
    struct cg_buf out;
    cg_buf_init(&out);
    struct cg_sink_forward_stats st = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(cg_counters_write(&cg_sink_forward_counters, &st, &out), CG_OK);
    assert_string_equal(cg_buf_cstr(&out), "sent 1\nqueued 2\nconnected 3\ndropped.queue_full 4\n"
                                           "dropped.too_big 5\ntruncated 6\nconnects 7\n"
                                           "connect_errors 8\ndisconnects 9\nwrite_errors 10\n");
    cg_buf_fini(&out);
    cg_buf_fini(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the service does: a collector's reset is an error */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp),       cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_reconnect), cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_too_big),   cmocka_unit_test(test_tls),
        cmocka_unit_test(test_bad_conf),  cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
