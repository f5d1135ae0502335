/*
 * test_metrics.c - the Prometheus listener (metrics.h): real HTTP requests written by
 * hand to 127.0.0.1 on the port the kernel picked, the loop driven in this thread while
 * the client waits, the answers compared byte for byte: 200 with the render's body, HEAD,
 * 404, 405, 500, what evhttp refuses itself (400 for headers too big or a line that is not
 * HTTP, 413 for a body), the idle timeout, bind errors, the option table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MS 1000LL

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct fx {
    struct event_base *base;
    struct cg_metrics *m;
    int renders;
    int render_rc;
    int slow_ms;
    const char *body;
};

static int render(void *ctx, struct cg_buf *out)
{
    struct fx *f = ctx;
    f->renders++;
    if (f->slow_ms) { /* a render slower than the timeout */
        struct timespec ts = {0, f->slow_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (f->render_rc != CG_OK)
        return f->render_rc;
    return cg_buf_puts(out, f->body);
}

static const char *const exposition = "# HELP cefguard_lines_total lines read\n"
                                      "# TYPE cefguard_lines_total counter\n"
                                      "cefguard_lines_total 7\n"
                                      "# HELP cefguard_input_port the bound port\n"
                                      "# TYPE cefguard_input_port gauge\n"
                                      "cefguard_input_port{input=\"udp\"} 5514\n";

static void fx_serve(struct fx *f, struct cg_metrics_conf *conf)
{
    struct cg_metrics_conf def = {.listen = "127.0.0.1:0"};
    if (!conf)
        conf = &def;
    conf->render = render;
    conf->ctx = f;
    struct cg_buf err;
    cg_buf_init(&err);
    if (cg_metrics_new(f->base, conf, &f->m, &err) != CG_OK)
        fail_msg("cg_metrics_new: %s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    assert_true(cg_metrics_port(f->m) != 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->base = event_base_new();
    assert_non_null(f->base);
    f->body = exposition;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cg_metrics_free(f->m);
    event_base_free(f->base);
    free(f);
    return 0;
}

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    assert_true(rc == 0 || errno == EINPROGRESS);
    return fd;
}

/* Sends req on a new connection and reads until the server closes, driving the loop in
 * between (3 s at most). The answer goes to resp (NUL-terminated); returns how long it
 * took, in microseconds. */
static int64_t http_exchange(struct fx *f, const char *req, size_t n, struct cg_buf *resp)
{
    int64_t t0 = now_us(), deadline = t0 + 3000 * MS;
    int fd = tcp_connect(cg_metrics_port(f->m));
    size_t sent = 0;
    for (;;) {
        if (now_us() > deadline)
            fail_msg("no close within 3 s (read %zu bytes)", resp->n);
        event_base_loop(f->base, EVLOOP_NONBLOCK);
        struct pollfd p = {fd, (short)(POLLIN | (sent < n ? POLLOUT : 0)), 0};
        if (poll(&p, 1, 5) <= 0)
            continue;
        if (sent < n && (p.revents & POLLOUT)) {
            ssize_t w = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
        }
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        assert_int_equal(cg_buf_reserve(resp, 65536), CG_OK);
        ssize_t r = read(fd, resp->p + resp->n, 65536);
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            break;
        if (r > 0)
            resp->n += (size_t)r;
    }
    close(fd);
    cg_buf_cstr(resp);
    return now_us() - t0;
}

/* The answer's body (after the headers) is exactly want. */
static void expect_body(const struct cg_buf *b, const char *want)
{
    const char *end = b->p ? strstr(b->p, "\r\n\r\n") : NULL;
    if (!end)
        fail_msg("no end of headers in [%s]", b->p ? b->p : "");
    assert_string_equal(end + 4, want);
}

static void expect_answer(struct fx *f, const char *req, const char *want)
{
    struct cg_buf b;
    cg_buf_init(&b);
    http_exchange(f, req, strlen(req), &b);
    assert_string_equal(cg_buf_cstr(&b), want);
    cg_buf_fini(&b);
}

static void test_get(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    struct cg_buf want;
    cg_buf_init(&want);
    cg_buf_printf(&want,
                  "HTTP/1.0 200 OK\r\n"
                  "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                  "\r\n%s",
                  exposition);
    expect_answer(f, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", cg_buf_cstr(&want));
    /* HTTP/1.1 with a query: the length said, the same body */
    struct cg_buf b;
    cg_buf_init(&b);
    const char *req = "GET /metrics?name[]=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    http_exchange(f, req, strlen(req), &b);
    expect_body(&b, exposition);
    assert_memory_equal(b.p, "HTTP/1.1 200 OK\r\n", 17);
    char cl[64];
    snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", strlen(exposition));
    assert_non_null(strstr(b.p, cl));
    assert_non_null(strstr(b.p, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    /* HEAD: the headers alone */
    expect_answer(f, "HEAD /metrics HTTP/1.0\r\n\r\n",
                  "HTTP/1.0 200 OK\r\n"
                  "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n\r\n");
    assert_int_equal(f->renders, 3);
    assert_int_equal(cg_metrics_stats(f->m)->requests, 3);
    assert_int_equal(cg_metrics_stats(f->m)->errors, 0);
    cg_buf_fini(&b);
    cg_buf_fini(&want);
}

static void test_errors(void **state)
{
    struct fx *f = *state;
    fx_serve(f, NULL);
    const char *not_found = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"
                            "not found: the metrics are at /metrics\n";
    expect_answer(f, "GET / HTTP/1.0\r\n\r\n", not_found);
    expect_answer(f, "GET /metrics/ HTTP/1.0\r\n\r\n", not_found);
    expect_answer(f, "GET /metricsx HTTP/1.0\r\n\r\n", not_found);
    expect_answer(f, "POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n", not_found);
    const char *not_allowed = "HTTP/1.0 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
                              "Content-Type: text/plain\r\n\r\n"
                              "method not allowed: GET or HEAD\n";
    expect_answer(f, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", not_allowed);
    expect_answer(f, "DELETE /metrics HTTP/1.0\r\n\r\n", not_allowed);
    expect_answer(f, "OPTIONS /metrics HTTP/1.0\r\n\r\n", not_allowed);
    assert_int_equal(f->renders, 0);
    /* a render that fails */
    f->render_rc = CG_ENOMEM;
    expect_answer(f, "GET /metrics HTTP/1.0\r\n\r\n",
                  "HTTP/1.0 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
                  "the metrics could not be made\n");
    f->render_rc = CG_OK;
    assert_int_equal(f->renders, 1);
    assert_int_equal(cg_metrics_stats(f->m)->requests, 8);
    assert_int_equal(cg_metrics_stats(f->m)->errors, 8);
    /* the counters as the service writes them */
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_counters_write(&cg_metrics_counters, cg_metrics_stats(f->m), &b), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "metrics.requests 8\nmetrics.errors 8\n");
    cg_buf_fini(&b);
}

/* What evhttp refuses itself never reaches render: headers over the bound, a body, a
 * request line that is not HTTP. */
static void test_refused_by_evhttp(void **state)
{
    struct fx *f = *state;
    struct cg_metrics_conf conf = {.listen = "127.0.0.1:0", .max_headers = 1024};
    fx_serve(f, &conf);
    struct cg_buf req, b;
    cg_buf_init(&req);
    cg_buf_init(&b);
    cg_buf_puts(&req, "GET /metrics HTTP/1.0\r\nX-Pad: ");
    for (int i = 0; i < 2000; i++)
        cg_buf_putc(&req, 'p');
    cg_buf_puts(&req, "\r\n\r\n");
    http_exchange(f, req.p, req.n, &b);
    assert_memory_equal(cg_buf_cstr(&b), "HTTP/1.1 400 Bad Request\r\n", 26);
    cg_buf_clear(&b);
    const char *post = "POST /metrics HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello";
    http_exchange(f, post, strlen(post), &b);
    assert_memory_equal(cg_buf_cstr(&b), "HTTP/1.1 413 Request Entity Too Large\r\n", 39);
    cg_buf_clear(&b);
    http_exchange(f, "\x16\x03\x01\x02\x00\r\n\r\n", 9, &b);
    assert_memory_equal(cg_buf_cstr(&b), "HTTP/1.1 400 Bad Request\r\n", 26);
    assert_int_equal(f->renders, 0);
    assert_int_equal(cg_metrics_stats(f->m)->requests, 0);
    /* and a good request still goes */
    cg_buf_clear(&b);
    const char *get = "GET /metrics HTTP/1.0\r\n\r\n";
    http_exchange(f, get, strlen(get), &b);
    assert_memory_equal(cg_buf_cstr(&b), "HTTP/1.0 200 OK\r\n", 17);
    cg_buf_fini(&req);
    cg_buf_fini(&b);
}

static void test_timeout(void **state)
{
    struct fx *f = *state;
    struct cg_metrics_conf conf = {.listen = "127.0.0.1:0", .timeout_us = 200 * MS};
    fx_serve(f, &conf);
    struct cg_buf b;
    cg_buf_init(&b);
    int64_t took = http_exchange(f, "GET /met", 8, &b); /* never finished */
    assert_true(took >= 150 * MS && took < 3000 * MS);
    assert_int_equal(f->renders, 0);
    /* a render slower than the timeout: the answer still goes out whole (regression: the
     * write timeout counted from before render, and the connection closed unanswered) */
    f->slow_ms = 300;
    cg_buf_clear(&b);
    const char *get = "GET /metrics HTTP/1.0\r\n\r\n";
    http_exchange(f, get, strlen(get), &b);
    expect_body(&b, exposition);
    assert_int_equal(f->renders, 1);
    cg_buf_fini(&b);
}

static void test_bind(void **state)
{
    struct fx *f = *state;
    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_metrics_conf conf = {.listen = "localhost:http", .render = render, .ctx = f};
    assert_int_equal(cg_metrics_new(f->base, &conf, &f->m, &err), CG_EINVAL);
    assert_null(f->m);
    assert_memory_equal(cg_buf_cstr(&err), "expected HOST:PORT", 18);
    conf.listen = "127.0.0.1:0";
    conf.render = NULL;
    assert_int_equal(cg_metrics_new(f->base, &conf, &f->m, &err), CG_EINVAL);
    /* a port someone holds */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
    conf.listen = addr;
    conf.render = render;
    cg_buf_clear(&err);
    assert_int_equal(cg_metrics_new(f->base, &conf, &f->m, &err), CG_EIO);
    assert_int_equal(errno, EADDRINUSE);
    assert_null(f->m);
    char want[96];
    snprintf(want, sizeof(want), "metrics: listening on %s: %s", addr, strerror(EADDRINUSE));
    assert_string_equal(cg_buf_cstr(&err), want);
    close(fd);
    /* every address, IPv4 reachable through it */
    conf.listen = "*:0";
    cg_buf_clear(&err);
    if (cg_metrics_new(f->base, &conf, &f->m, &err) != CG_OK)
        fail_msg("*:0: %s", cg_buf_cstr(&err));
    expect_answer(f, "GET /x HTTP/1.0\r\n\r\n",
                  "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"
                  "not found: the metrics are at /metrics\n");
    cg_buf_fini(&err);
}

static void test_options(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_metrics_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    struct cg_metrics_conf conf = {0};
    assert_int_equal(cg_opt_defaults(&cg_metrics_options, &conf, &err), CG_OK);
    assert_null(conf.listen);
    assert_int_equal(conf.timeout_us, 10000 * MS);
    assert_int_equal(conf.max_headers, 8192);
    assert_int_equal(cg_opt_set(&cg_metrics_options.v[0], "127.0.0.1:9108", &conf, &err), CG_OK);
    assert_string_equal(conf.listen, "127.0.0.1:9108");
    assert_int_equal(cg_opt_set(&cg_metrics_options.v[0], "example.org:9108", &conf, &err),
                     CG_EINVAL);
    cg_buf_fini(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the service does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_by_evhttp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
