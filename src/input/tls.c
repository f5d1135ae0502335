/* tls.c - the TLS connection type and its server context, OpenSSL on the non-blocking
 * socket (see source_tcp.h, tcp_int.h). */
#include "tcp_int.h"

#include "cefguard/log.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>

/* OpenSSL's reason for the last error, or fallback. */
static const char *tls_reason(char *buf, size_t n, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    if (e == 0)
        return fallback;
    ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

/* Appends "OPTION FILE: reason" (the file escaped; reason NULL: OpenSSL's) to err. */
static int tls_fail(struct cg_buf *err, const char *option, const char *file, const char *reason)
{
    char why[256];
    cg_buf_puts(err, option);
    if (file) {
        cg_buf_putc(err, ' ');
        cg_log_put_name(err, file);
    }
    cg_buf_printf(err, ": %s", reason ? reason : tls_reason(why, sizeof(why), "cannot be loaded"));
    ERR_clear_error();
    return CG_EINVAL;
}

static int tls_load(SSL_CTX *ctx, const struct cg_source_tcp_conf *c, struct cg_buf *err)
{
    if (!c->tls_cert || !*c->tls_cert)
        return tls_fail(err, "tls-cert", NULL, "a tls input needs a certificate (tls-cert)");
    if (!c->tls_key || !*c->tls_key)
        return tls_fail(err, "tls-key", NULL, "a tls input needs a private key (tls-key)");
    if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1)
        return tls_fail(err, "tls-cert", c->tls_cert, NULL);
    if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1)
        return tls_fail(err, "tls-key", c->tls_key, NULL);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return tls_fail(err, "tls-key", c->tls_key, "does not match tls-cert");
    bool has_ca = c->tls_ca && *c->tls_ca;
    if (c->tls_verify_client && !has_ca)
        return tls_fail(err, "verify-client", NULL, "needs tls-ca, the CAs to verify clients with");
    if (!has_ca)
        return CG_OK;
    if (SSL_CTX_load_verify_locations(ctx, c->tls_ca, NULL) != 1)
        return tls_fail(err, "tls-ca", c->tls_ca, NULL);
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->tls_ca);
    if (!names)
        return tls_fail(err, "tls-ca", c->tls_ca, NULL);
    SSL_CTX_set_client_CA_list(ctx, names);
    if (c->tls_verify_client)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return CG_OK;
}

/* The server context of conf. CG_OK; CG_EINVAL with what is wrong in err; CG_ENOMEM. */
static int tls_ctx_new(const struct cg_source_tcp_conf *c, SSL_CTX **out, struct cg_buf *err)
{
    static const unsigned char sid[] = "cefguard";
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return CG_ENOMEM;
    uint64_t opts =
        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE;
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    opts |= SSL_OP_IGNORE_UNEXPECTED_EOF; /* most syslog senders close without close_notify */
#endif
    SSL_CTX_set_options(ctx, opts);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS); /* idle connections hold no buffers */
    /* No TLS 1.3 session tickets: the server then writes nothing after the handshake, and
     * a sender that only writes and closes leaves no unread bytes behind, which would make
     * its kernel answer with a reset that throws away what it sent last. */
    SSL_CTX_set_num_tickets(ctx, 0);
    int rc = CG_ENOMEM;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) != 1)
        goto out;
    rc = tls_load(ctx, c, err);
out:
    if (rc != CG_OK)
        SSL_CTX_free(ctx);
    else
        *out = ctx;
    ERR_clear_error();
    return rc;
}

int cg_source_tls_check(const struct cg_source_tcp_conf *c, struct cg_buf *err)
{
    SSL_CTX *ctx = NULL;
    int rc = tls_ctx_new(c, &ctx, err);
    SSL_CTX_free(ctx);
    return rc;
}

int cg_tcp_tls_init(struct tcp_src *t, const struct cg_source_tcp_conf *c)
{
    struct cg_buf err;
    cg_buf_init(&err);
    SSL_CTX *ctx = NULL;
    int rc = tls_ctx_new(c, &ctx, &err);
    if (rc == CG_EINVAL)
        cg_log(CG_LOG_ERR, "input %s: %s", t->name, cg_buf_cstr(&err));
    t->tls_ctx = ctx;
    cg_buf_fini(&err);
    return rc;
}

void cg_tcp_tls_fini(struct tcp_src *t)
{
    SSL_CTX_free(t->tls_ctx);
    t->tls_ctx = NULL;
}

/* ---- the connection type ----------------------------------------------------------------- */

static int tls_open(struct tcp_conn *c)
{
    SSL *ssl = SSL_new(c->src->tls_ctx);
    if (!ssl || SSL_set_fd(ssl, c->fd) != 1) {
        SSL_free(ssl);
        ERR_clear_error();
        return CG_ENOMEM;
    }
    SSL_set_accept_state(ssl);
    /* close sends close_notify (tls_close): senders that wait for the peer's end get it */
    c->tls = ssl;
    return CG_OK;
}

/* What SSL_get_error says of a failed call r. */
static enum tcp_io tls_result(struct tcp_conn *c, int r)
{
    SSL *ssl = c->tls;
    int e = SSL_get_error(ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ: return TCP_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return TCP_IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return TCP_IO_EOF;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0 && (r == 0 || errno == 0))
            return TCP_IO_EOF; /* closed without close_notify */
        c->why = ERR_peek_error() ? tls_reason(c->why_buf, sizeof(c->why_buf), "TLS error")
                                  : strerror(errno);
        return TCP_IO_ERROR;
    default: {
        long v = SSL_get_verify_result(ssl);
        if (v != X509_V_OK) {
            snprintf(c->why_buf, sizeof(c->why_buf), "client certificate: %s",
                     X509_verify_cert_error_string(v));
            c->why = c->why_buf;
            ERR_clear_error();
        } else {
            c->why = tls_reason(c->why_buf, sizeof(c->why_buf), "TLS error");
        }
        return TCP_IO_ERROR;
    }
    }
}

static enum tcp_io tls_step(struct tcp_conn *c)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(c->tls);
    if (r == 1)
        return TCP_IO_OK;
    enum tcp_io io = tls_result(c, r);
    if (io == TCP_IO_EOF) {
        c->why = "the peer closed during the TLS handshake";
        return TCP_IO_ERROR;
    }
    return io;
}

static enum tcp_io tls_read(struct tcp_conn *c, char *buf, size_t n, size_t *got)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_read(c->tls, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    if (r > 0) {
        *got = (size_t)r;
        return TCP_IO_OK;
    }
    return tls_result(c, r);
}

/* A peer that waits for our end of the stream (RFC 5425 says each side closes with
 * close_notify) gets it: one non-blocking try, not waited on; errors are dropped. */
static void tls_close(struct tcp_conn *c)
{
    if (SSL_is_init_finished(c->tls) && !(SSL_get_shutdown(c->tls) & SSL_SENT_SHUTDOWN))
        SSL_shutdown(c->tls);
    ERR_clear_error();
    SSL_free(c->tls);
    c->tls = NULL;
}

const struct tcp_conn_type cg_tcp_conn_tls = {
    .name = "tls",
    .handshake = true,
    .open = tls_open,
    .step = tls_step,
    .read = tls_read,
    .close = tls_close,
};
