/*
 * metrics.h - the optional HTTP listener for Prometheus (src/service/metrics.c), on the
 * service's event loop with libevent's evhttp.
 *
 * `GET /metrics` (and HEAD) is answered 200 with Content-Type
 * "text/plain; version=0.0.4; charset=utf-8" and the body the service's render callback
 * writes (counters.h's cg_prom_writer makes it); a query string is ignored. Any other
 * path is 404, any other method on /metrics 405 (with "Allow: GET, HEAD"), a render that
 * fails 500; each is counted (metrics.requests, metrics.errors). What evhttp refuses
 * itself before a request reaches the callback (400 for a malformed request line, headers
 * over max_headers or an unknown method; 413 for any body) is not counted: evhttp 2.1
 * tells nobody.
 *
 * The address is a CG_OPT_LISTEN endpoint (endpoint.h): loopback by default
 * ("127.0.0.1:9108"); port 0 makes the kernel pick one, cg_metrics_port says which.
 * The metrics are not secret but not meant for everyone either: bind elsewhere than
 * loopback only behind a firewall.
 *
 * Bounds: request headers at most max_headers bytes, no request body, and each
 * connection's reads and writes at most timeout apart (evhttp's timeout); then evhttp
 * closes it. evhttp 2.1 cannot bound the number of connections (2.2 has
 * evhttp_set_max_connections): idle ones are closed by the timeout, and the loopback
 * default keeps strangers out.
 *
 * What the service renders (one cg_prom_writer per scrape, counters.h): the pipeline's
 * tables with no prefix and no label (cefguard_lines_total, cefguard_format_cef_total),
 * each input's table with prefix "input." and the label input="NAME" (so every input's
 * "received" is one family, cefguard_input_received_total, a sample per input), each
 * sink's with "sink." and sink="NAME", cg_control_counters and cg_metrics_counters as
 * they are, and the gauges no table has (an input's port) with cg_prom_writer_sample.
 * `cefguard stats` names the same counters "input.NAME.received": the label is the part
 * of the name that varies.
 *
 * Threading: the loop's thread only. The process ignores SIGPIPE (the service does): a
 * client gone while its answer is written is an EPIPE for that connection.
 */
#ifndef CEFGUARD_METRICS_H
#define CEFGUARD_METRICS_H

#include "cefguard/buf.h"
#include "cefguard/common.h"
#include "cefguard/counters.h"
#include "cefguard/options.h"

struct event_base;

/* The listener's configuration; numbers 0 take their defaults (those of
 * cg_metrics_options). */
struct cg_metrics_conf {
    const char *listen; /* HOST:PORT to bind (endpoint.h, no names) */
    int64_t timeout_us; /* a connection's read/write timeout; 0: 10 s */
    size_t max_headers; /* bytes of a request's line and headers; 0: 8 KiB */
    /* Appends the exposition to out: CG_OK, or an error (500 is answered). Called on the
     * loop for each scrape; ctx is the service's. */
    int (*render)(void *ctx, struct cg_buf *out);
    void *ctx;
};

/* The options of cg_metrics_conf a configuration file may set: http-listen (no default:
 * without it there is no listener), http-timeout, http-max-headers; command bit 1,
 * "metrics". render and ctx are the service's. */
extern const struct cg_opt_table cg_metrics_options;

struct cg_metrics_stats {
    uint64_t requests; /* requests that reached the handler, answered whatever the status */
    uint64_t errors;   /* of them answered 404, 405 or 500 */
};

/* "metrics.requests", "metrics.errors". */
extern const struct cg_counter_table cg_metrics_counters;

struct cg_metrics;

/* Binds conf->listen and serves it on loop. CG_OK with *out set; CG_EINVAL (a bad
 * address, no render), CG_EIO (bind or listen failed, errno kept: EADDRINUSE ...),
 * CG_ENOMEM, with the reason appended to err and nothing left open. */
int cg_metrics_new(struct event_base *loop, const struct cg_metrics_conf *conf,
                   struct cg_metrics **out, struct cg_buf *err);

/* Closes the listener and every connection; requests under way get nothing. NULL:
 * nothing. */
void cg_metrics_free(struct cg_metrics *m);

/* The port bound (the kernel's pick when the conf said 0). */
uint16_t cg_metrics_port(const struct cg_metrics *m);
const struct cg_metrics_stats *cg_metrics_stats(const struct cg_metrics *m);

#endif
