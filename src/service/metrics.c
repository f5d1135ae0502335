/* metrics.c - GET /metrics over evhttp, the body from the service's render callback (see
 * metrics.h). */
#include "cefguard/metrics.h"

#include "cefguard/endpoint.h"
#include "cefguard/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define METRICS_TIMEOUT_US (10 * 1000000LL)
#define METRICS_MAX_HEADERS 8192
#define METRICS_BACKLOG 64
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#define AT(m) offsetof(struct cg_metrics_conf, m)
static const struct cg_opt metrics_opts[] = {
    {.name = "http-listen",
     .type = CG_OPT_LISTEN,
     .arg = "HOST:PORT",
     .def_text = "none: no HTTP listener",
     .commands = 1,
     .offset = AT(listen),
     .help = "serve Prometheus metrics at http://HOST:PORT/metrics (loopback, e.g. "
             "127.0.0.1:9108)"},
    {.name = "http-timeout",
     .type = CG_OPT_DURATION,
     .arg = "DURATION",
     .def = "10s",
     .min = 100000,
     .max = 3600 * 1000000LL,
     .commands = 1,
     .offset = AT(timeout_us),
     .help = "an HTTP connection idle this long, reading or writing, is closed"},
    {.name = "http-max-headers",
     .type = CG_OPT_SIZE,
     .arg = "BYTES",
     .unit = "bytes",
     .def = "8192",
     .min = 256,
     .max = 1 << 20,
     .commands = 1,
     .offset = AT(max_headers),
     .help = "longest HTTP request line and headers; a longer request is refused"},
};
#undef AT

static const char *const metrics_commands[] = {"metrics"};

const struct cg_opt_table cg_metrics_options = {metrics_opts, CG_ARRAY_LEN(metrics_opts),
                                                metrics_commands, 1};

#define AT(m) offsetof(struct cg_metrics_stats, m)
static const struct cg_counter metrics_counters[] = {
    {"metrics.requests", CG_COUNTER_TOTAL, AT(requests), "HTTP requests answered", NULL, 0, 0},
    {"metrics.errors", CG_COUNTER_TOTAL, AT(errors),
     "HTTP requests answered 404 (path), 405 (method) or 500 (render failed)", NULL, 0, 0},
};
#undef AT

const struct cg_counter_table cg_metrics_counters = {metrics_counters,
                                                     CG_ARRAY_LEN(metrics_counters)};

struct cg_metrics {
    struct event_base *loop;
    struct evhttp *http;
    uint16_t port;
    int (*render)(void *ctx, struct cg_buf *out);
    void *ctx;
    bool told; /* a render failure was logged (the first, once) */
    struct cg_metrics_stats stats;
};

/* A plain-text answer: status, reason, body. */
static void metrics_reply(struct evhttp_request *req, int code, const char *reason,
                          const char *body, size_t n)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    if (!b || evbuffer_add(b, body, n) != 0) {
        evbuffer_free(b);
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
        return;
    }
    evhttp_add_header(h, "Content-Type", code == 200 ? METRICS_CONTENT_TYPE : "text/plain");
    evhttp_send_reply(req, code, reason, b);
    evbuffer_free(b);
}

static void metrics_error(struct cg_metrics *m, struct evhttp_request *req, int code,
                          const char *reason, const char *body)
{
    m->stats.errors++;
    metrics_reply(req, code, reason, body, strlen(body));
}

static void metrics_on_request(struct evhttp_request *req, void *arg)
{
    struct cg_metrics *m = arg;
    m->stats.requests++;
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    if (!path || strcmp(path, "/metrics") != 0) {
        metrics_error(m, req, 404, "Not Found", "not found: the metrics are at /metrics\n");
        return;
    }
    enum evhttp_cmd_type t = evhttp_request_get_command(req);
    if (t != EVHTTP_REQ_GET && t != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
        metrics_error(m, req, 405, "Method Not Allowed", "method not allowed: GET or HEAD\n");
        return;
    }
    struct cg_buf body;
    cg_buf_init(&body);
    int rc = m->render(m->ctx, &body);
    /* the reply's write timeout counts from the loop's cached time, taken before render
     * ran: a slow render would leave it run out before a byte is written */
    event_base_update_cache_time(m->loop);
    if (rc == CG_OK) {
        /* HEAD: the headers alone (evhttp 2.1 would send a body given one) */
        bool head = t == EVHTTP_REQ_HEAD || !body.p;
        metrics_reply(req, 200, "OK", head ? "" : body.p, head ? 0 : body.n);
    } else {
        if (!m->told)
            cg_log(CG_LOG_ERR, "metrics: rendering failed: %s", cg_err_str(rc));
        m->told = true;
        metrics_error(m, req, 500, "Internal Server Error", "the metrics could not be made\n");
    }
    cg_buf_fini(&body);
}

/* A listening socket for ep ("*": IPv6 and IPv4 both). -1 with errno set. */
static int metrics_socket(const struct cg_endpoint *ep)
{
    int fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int on = 1, off = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (ep->ss.ss_family == AF_INET6 && ep->host[0] == '\0')
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    if (bind(fd, (const struct sockaddr *)&ep->ss, ep->sslen) != 0 ||
        listen(fd, METRICS_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static uint16_t metrics_bound_port(int fd)
{
    struct sockaddr_storage ss = {0};
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Every method is let through to the handler, which answers 405 itself (evhttp would
 * answer 501 for the ones it is not allowed). */
#define METRICS_METHODS                                                                            \
    (EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |     \
     EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH)

static int metrics_http(struct cg_metrics *m, struct event_base *loop,
                        const struct cg_metrics_conf *conf)
{
    m->http = evhttp_new(loop);
    if (!m->http)
        return CG_ENOMEM;
    int64_t us = conf->timeout_us ? conf->timeout_us : METRICS_TIMEOUT_US;
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    evhttp_set_timeout_tv(m->http, &tv);
    evhttp_set_max_headers_size(
        m->http, (ev_ssize_t)(conf->max_headers ? conf->max_headers : METRICS_MAX_HEADERS));
    evhttp_set_max_body_size(m->http, 0);
    evhttp_set_allowed_methods(m->http, METRICS_METHODS);
    evhttp_set_gencb(m->http, metrics_on_request, m);
    return CG_OK;
}

int cg_metrics_new(struct event_base *loop, const struct cg_metrics_conf *conf,
                   struct cg_metrics **out, struct cg_buf *err)
{
    *out = NULL;
    struct cg_endpoint ep;
    if (!conf->render || !conf->listen) {
        cg_buf_puts(err, "metrics: no address or no render callback");
        return CG_EINVAL;
    }
    if (cg_endpoint_parse(conf->listen, 0, &ep, err) != CG_OK)
        return CG_EINVAL;
    struct cg_metrics *m = calloc(1, sizeof(*m));
    int rc = m ? metrics_http(m, loop, conf) : CG_ENOMEM;
    if (rc != CG_OK)
        goto out;
    m->loop = loop;
    m->render = conf->render;
    m->ctx = conf->ctx;
    int fd = metrics_socket(&ep);
    if (fd < 0) {
        int e = errno;
        cg_buf_printf(err, "metrics: listening on %s: %s", conf->listen, strerror(e));
        errno = e;
        rc = CG_EIO;
        goto out;
    }
    m->port = metrics_bound_port(fd);
    if (!evhttp_accept_socket_with_handle(m->http, fd)) {
        close(fd);
        rc = CG_ENOMEM;
        goto out;
    }
    *out = m;
    return CG_OK;
out:
    if (rc == CG_ENOMEM)
        cg_buf_puts(err, "out of memory");
    cg_metrics_free(m);
    return rc;
}

void cg_metrics_free(struct cg_metrics *m)
{
    if (!m)
        return;
    if (m->http)
        evhttp_free(m->http); /* closes the listening socket and the connections */
    free(m);
}

uint16_t cg_metrics_port(const struct cg_metrics *m)
{
    return m->port;
}

const struct cg_metrics_stats *cg_metrics_stats(const struct cg_metrics *m)
{
    return &m->stats;
}
