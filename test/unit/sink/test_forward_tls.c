/*
 * test_forward_tls.c - the forwarder over TLS (RFC 5425) against a TLS receiver on
 * 127.0.0.1 port 0 (test_forward_util.h): N alerts arrive exactly once and in order when
 * the collector's certificate chains to tls-ca and names the target (by address, by name),
 * also with a client certificate; a foreign CA, a wrong name and a missing client
 * certificate are refused, logged and counted, nothing delivered; tls-no-verify takes
 * anything. The certificates are made at test time with the openssl command into a
 * mkdtemp directory (EC P-256, valid two days).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_forward_util.h"

#include <openssl/ssl.h>

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

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the service does: a collector's reset is an error */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
