/*
 * test_tls.c - the TLS input (source_tcp.h, src/input/tls.c) on a real event_base with
 * real OpenSSL clients in threads, certificates made at test time by
 * test/data/tls/make-certs.sh: numbered messages in both framings from several clients
 * at once arrive exactly once and in order; with verify-client, clients without a
 * certificate or with one of another CA are closed while a good one delivers; a client
 * that never says hello is closed after frame-timeout, one speaking plain text at once;
 * init refuses a tls input without (good) certificate and key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tcp_harness.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

static char certdir[64];

static const char *cert(const char *name)
{
    static char paths[8][128];
    static unsigned next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof(paths[0]), "%s/%s", certdir, name);
    return p;
}

static int setup(void **state)
{
    (void)state;
    strcpy(certdir, "/tmp/cg_test_tlsXXXXXX");
    assert_non_null(mkdtemp(certdir));
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "bash %s/test/data/tls/make-certs.sh %s", CG_SOURCE_DIR, certdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {
        "ca.crt",       "ca.key",           "client.crt",       "client.key", "other-ca.crt",
        "other-ca.key", "other-client.crt", "other-client.key", "server.crt", "server.key"};
    for (size_t i = 0; i < CG_ARRAY_LEN(files); i++)
        unlink(cert(files[i]));
    rmdir(certdir);
    return 0;
}

static void tls_conf(struct h *h)
{
    h_conf(h);
    h->conf.tls_cert = cert("server.crt");
    h->conf.tls_key = cert("server.key");
}

/* ---- a blocking OpenSSL client in the sender thread --------------------------------------- */

struct client {
    const char *cert, *key; /* NULL: no client certificate */
    int max_version;        /* 0, or the highest protocol version it offers */
    SSL_CTX *ctx;
    SSL *ssl;
    bool handshake_ok;
    bool refused; /* the server closed it without taking a message */
};

static int client_connect(struct h_sender *s)
{
    struct client *cl = s->tls;
    cl->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(cl->ctx);
    SSL_CTX_set_verify(cl->ctx, SSL_VERIFY_PEER, NULL);
    if (cl->max_version) {
        SSL_CTX_set_security_level(cl->ctx, 0); /* let it offer what it may not */
        SSL_CTX_set_min_proto_version(cl->ctx, TLS1_VERSION);
        SSL_CTX_set_max_proto_version(cl->ctx, cl->max_version);
    }
    assert_int_equal(SSL_CTX_load_verify_locations(cl->ctx, cert("ca.crt"), NULL), 1);
    if (cl->cert) {
        assert_int_equal(SSL_CTX_use_certificate_file(cl->ctx, cl->cert, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(cl->ctx, cl->key, SSL_FILETYPE_PEM), 1);
    }
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    assert_int_equal(connect(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cl->ssl = SSL_new(cl->ctx);
    SSL_set_fd(cl->ssl, s->fd);
    SSL_set1_host(cl->ssl, "localhost");
    cl->handshake_ok = SSL_connect(cl->ssl) == 1;
    return 0;
}

static bool client_write(struct h_sender *s, const char *p, size_t n)
{
    struct client *cl = s->tls;
    static const size_t sizes[] = {1, 5, 333, 16384, 2, 40000};
    size_t k = (size_t)s->id;
    if (!cl->handshake_ok)
        return false;
    while (n > 0) {
        size_t want = sizes[k++ % CG_ARRAY_LEN(sizes)];
        if (want > n)
            want = n;
        int w = SSL_write(cl->ssl, p, (int)want);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void client_close(struct h_sender *s)
{
    struct client *cl = s->tls;
    if (cl->handshake_ok) {
        /* a refused client learns it here: the server closes without a word */
        char c;
        struct timeval tv = {5, 0};
        setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (cl->refused)
            cl->refused = SSL_read(cl->ssl, &c, 1) <= 0;
        else
            SSL_shutdown(cl->ssl);
    }
    SSL_free(cl->ssl);
    SSL_CTX_free(cl->ctx);
    close(s->fd);
}

static void start_client(struct h *h, struct h_sender *s, struct client *cl, int id, uint64_t n,
                         bool octet)
{
    s->tls = cl;
    s->connect_fn = client_connect;
    s->write_fn = client_write;
    s->close_fn = client_close;
    h_sender_start(h, s, id, n, octet);
}

/* ---- the tests ---------------------------------------------------------------------------- */

#define N 5000

static void test_tls_numbered(void **state)
{
    (void)state;
    struct h h = {0};
    tls_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tls_ops), CG_OK);
    h.numbered = true;
    h.octet_mask = 0x6;
    struct h_sender s[3] = {0};
    struct client cl[3] = {0};
    for (int i = 0; i < 3; i++)
        start_client(&h, &s[i], &cl[i], i, N, h.octet_mask >> i & 1);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 3, 20000);
    for (int i = 0; i < 3; i++) {
        h_sender_join(&s[i]);
        assert_true(cl[i].handshake_ok);
        assert_true(s[i].ok);
        struct h_conn *c = h_conn_by_id(&h, i);
        assert_non_null(c);
        assert_int_equal(c->frames, N);
    }
    assert_int_equal(h_st(&h)->received, 3 * N);
    assert_int_equal(h_st(&h)->closed_tls_handshake + h_st(&h)->closed_error, 0);
    h_fini(&h);
}

/* verify-client: no certificate, or one of another CA, is closed; the good one delivers. */
static void test_tls_verify_client(void **state)
{
    (void)state;
    struct h h = {0};
    tls_conf(&h);
    h.conf.tls_ca = cert("ca.crt");
    h.conf.tls_verify_client = true;
    assert_int_equal(h_init(&h, &cg_source_tls_ops), CG_OK);
    h.numbered = true;
    struct client none = {.refused = true};
    struct client other = {
        .cert = cert("other-client.crt"), .key = cert("other-client.key"), .refused = true};
    struct client good = {.cert = cert("client.crt"), .key = cert("client.key")};
    struct h_sender s[3] = {0};
    start_client(&h, &s[0], &none, 10, 1, false);
    start_client(&h, &s[1], &other, 11, 1, false);
    H_RUN_UNTIL(&h, h_st(&h)->closed_tls_handshake == 2, 10000);
    start_client(&h, &s[2], &good, 12, 1000, false);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 1, 10000);
    for (int i = 0; i < 3; i++)
        h_sender_join(&s[i]);
    assert_true(none.refused);
    assert_true(other.refused);
    assert_true(good.handshake_ok && s[2].ok);
    assert_int_equal(h.frames, 1000);
    assert_non_null(h_conn_by_id(&h, 12));
    assert_int_equal(h_st(&h)->closed_tls_handshake, 2);
    assert_int_equal(h_st(&h)->connections_accepted, 3);
    h_fini(&h);
}

/* A client that never says hello is closed after frame-timeout; one speaking plain
 * syslog to the TLS port at once. */
static void test_tls_handshake_bounds(void **state)
{
    (void)state;
    struct h h = {0};
    tls_conf(&h);
    h.conf.frame_timeout_us = 200000;
    assert_int_equal(h_init(&h, &cg_source_tls_ops), CG_OK);
    int mute = h_connect(&h), plain = h_connect(&h);
    int64_t t0 = h_now_ms();
    const char *text = "<13>hello in plain text\n";
    assert_int_equal(send(plain, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
    H_RUN_UNTIL(&h, h_st(&h)->closed_tls_handshake == 1, 5000);
    assert_int_equal(h_st(&h)->closed_slow, 0);
    H_RUN_UNTIL(&h, h_st(&h)->closed_slow == 1, 5000);
    assert_true(h_now_ms() - t0 >= 200);
    /* TLS 1.2 at least: a TLS 1.1 client is closed in its handshake */
    struct client old = {.max_version = TLS1_1_VERSION};
    struct h_sender s = {0};
    start_client(&h, &s, &old, 20, 1, false);
    H_RUN_UNTIL(&h, h_st(&h)->closed_tls_handshake == 2, 5000);
    h_sender_join(&s);
    assert_false(old.handshake_ok);
    assert_false(s.ok);
    assert_int_equal(h.frames, 0);
    close(mute);
    close(plain);
    h_fini(&h);
}

static int try_init(const char *crt, const char *key, const char *ca, bool verify)
{
    struct h h = {0};
    h_conf(&h);
    h.conf.tls_cert = crt;
    h.conf.tls_key = key;
    h.conf.tls_ca = ca;
    h.conf.tls_verify_client = verify;
    int rc = h_init_only(&h, &cg_source_tls_ops, false);
    if (rc == CG_OK)
        cg_source_tls_ops.fini(&h.s);
    event_base_free(h.base);
    return rc;
}

/* What `check` refuses: no certificate or key, files that do not load or do not match,
 * verify-client without a CA. */
static void test_tls_init_errors(void **state)
{
    (void)state;
    const char *crt = cert("server.crt"), *key = cert("server.key"), *ca = cert("ca.crt");
    assert_int_equal(try_init(crt, key, NULL, false), CG_OK);
    assert_int_equal(try_init(crt, key, ca, true), CG_OK);
    assert_int_equal(try_init(NULL, key, NULL, false), CG_EINVAL);
    assert_int_equal(try_init(crt, NULL, NULL, false), CG_EINVAL);
    assert_int_equal(try_init(crt, "", NULL, false), CG_EINVAL);
    assert_int_equal(try_init(cert("missing.crt"), key, NULL, false), CG_EINVAL);
    assert_int_equal(try_init(crt, cert("client.key"), NULL, false), CG_EINVAL);
    assert_int_equal(try_init(key, key, NULL, false), CG_EINVAL);
    assert_int_equal(try_init(crt, key, NULL, true), CG_EINVAL);
    assert_int_equal(try_init(crt, key, cert("missing.crt"), true), CG_EINVAL);

    /* check says the same without binding a port */
    struct cg_source_tcp_conf c = {.tls_cert = crt, .tls_key = key};
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_source_tls_check(&c, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    c.tls_cert = NULL;
    assert_int_equal(cg_source_tls_check(&c, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err), "tls-cert: a tls input needs a certificate (tls-cert)");
    cg_buf_clear(&err);
    c.tls_cert = cert("missing.crt");
    assert_int_equal(cg_source_tls_check(&c, &err), CG_EINVAL);
    char want[256];
    snprintf(want, sizeof(want), "tls-cert %s: ", c.tls_cert);
    assert_true(cg_str_has_prefix(cg_str_make(err.p, err.n), want));
    cg_buf_clear(&err);
    c.tls_cert = crt;
    c.tls_key = cert("client.key");
    assert_int_equal(cg_source_tls_check(&c, &err), CG_EINVAL);
    snprintf(want, sizeof(want), "tls-key %s: ", c.tls_key);
    assert_true(cg_str_has_prefix(cg_str_make(err.p, err.n), want));
    cg_buf_fini(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    cg_log_set_level(getenv("CG_TEST_LOG") ? CG_LOG_DEBUG : CG_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_numbered),
        cmocka_unit_test(test_tls_verify_client),
        cmocka_unit_test(test_tls_handshake_bounds),
        cmocka_unit_test(test_tls_init_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
