/* forward.c - the syslog forwarder's ops, conf, queue, options and counters (see
 * sink_forward.h; formats in forward_fmt.c, the transport in forward_conn.c). */
#include "forward_int.h"

#include "cefguard/log.h"
#include "cefguard/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define FWD_QUEUE_MAX 10000
#define FWD_MAX_MESSAGE 8192
#define FWD_CONNECT_TIMEOUT_US (10 * 1000000LL)
#define FWD_RECONNECT_MIN_US (1 * 1000000LL)
#define FWD_RECONNECT_MAX_US (60 * 1000000LL)

/* ---- the conf ------------------------------------------------------------------------ */

static int check_word(struct cg_buf *err, const char *opt, const char *v, const char *const *w,
                      size_t n, const char *expected)
{
    for (size_t i = 0; v && i < n; i++)
        if (strcmp(v, w[i]) == 0)
            return CG_OK;
    if (!v)
        return CG_OK;
    cg_buf_printf(err, "%s: '", opt);
    cg_log_put_text(err, v, strlen(v));
    cg_buf_printf(err, "': expected %s\n", expected);
    return CG_EINVAL;
}

int cg_sink_forward_check(const struct cg_sink_forward_conf *c, struct cg_buf *err)
{
    static const char *const transports[] = {"udp", "tcp", "tls"};
    static const char *const formats[] = {"rfc5424", "cef"};
    static const char *const messages[] = {"summary", "json"};
    int rc = CG_OK;
    struct cg_endpoint ep;
    if (!c->target) {
        cg_buf_puts(err, "target: missing: the collector's HOST:PORT is required\n");
        rc = CG_EINVAL;
    } else {
        size_t mark = err->n;
        cg_buf_puts(err, "target: ");
        if (cg_endpoint_parse(c->target, CG_ENDPOINT_NAMES, &ep, err) != CG_OK) {
            cg_buf_putc(err, '\n');
            rc = CG_EINVAL;
        } else if (ep.host[0] == '\0' || ep.port == 0) {
            err->n = mark;
            cg_buf_puts(err, "target: a collector needs a host and a port other than 0\n");
            rc = CG_EINVAL;
        } else {
            err->n = mark;
        }
    }
    rc |= check_word(err, "transport", c->transport, transports, 3, "udp, tcp or tls");
    rc |= check_word(err, "format", c->format, formats, 2, "rfc5424 or cef");
    rc |= check_word(err, "message", c->message, messages, 2, "summary or json");
    unsigned fac;
    if (c->facility && !cg_forward_fmt_facility(c->facility, &fac)) {
        cg_buf_puts(err, "facility: '");
        cg_log_put_text(err, c->facility, strlen(c->facility));
        cg_buf_puts(err, "': expected a name (kern ... local7) or a number from 0 to 23\n");
        rc = CG_EINVAL;
    }
    bool tls = c->transport && strcmp(c->transport, "tls") == 0;
    if (!tls && (c->tls_ca || c->tls_cert || c->tls_key || c->tls_no_verify)) {
        cg_buf_puts(err, "tls-*: only with transport tls\n");
        rc = CG_EINVAL;
    }
    if (!c->tls_cert != !c->tls_key) {
        cg_buf_puts(err, "tls-cert: tls-cert and tls-key go together\n");
        rc = CG_EINVAL;
    }
    int64_t lo = c->reconnect_min_us ? c->reconnect_min_us : FWD_RECONNECT_MIN_US;
    int64_t hi = c->reconnect_max_us ? c->reconnect_max_us : FWD_RECONNECT_MAX_US;
    if (lo > hi) {
        cg_buf_puts(err, "reconnect-min: longer than reconnect-max\n");
        rc = CG_EINVAL;
    }
    bool udp = !c->transport || strcmp(c->transport, "udp") == 0;
    if (udp && c->max_message > FWD_UDP_MAX) {
        cg_buf_printf(err, "max-message: over udp at most %d bytes\n", FWD_UDP_MAX);
        rc = CG_EINVAL;
    }
    return rc ? CG_EINVAL : CG_OK;
}

/* Logs each line of err as "sink NAME: line". */
static void log_lines(const char *prefix, struct cg_buf *err)
{
    const char *p = cg_buf_cstr(err);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        cg_log(CG_LOG_ERR, "%s%.*s", prefix, (int)n, p);
        p += n + (nl != NULL);
    }
}

static void fmt_init(struct cg_forward_fmt *m, const struct cg_sink_forward_conf *c)
{
    m->format = c->format && strcmp(c->format, "cef") == 0 ? FWD_CEF : FWD_RFC5424;
    m->json = c->message && strcmp(c->message, "json") == 0;
    m->facility = 16; /* local0 */
    if (c->facility)
        cg_forward_fmt_facility(c->facility, &m->facility);
    m->max_message = c->max_message ? c->max_message : FWD_MAX_MESSAGE;
    char host[FWD_HOSTNAME_MAX + 1] = "";
    const char *h = c->hostname;
    if (!h || !*h) {
        if (gethostname(host, sizeof(host)) != 0)
            host[0] = '\0';
        host[FWD_HOSTNAME_MAX] = '\0';
        h = host;
    }
    cg_forward_fmt_name(m->hostname, sizeof(m->hostname), h);
    cg_forward_fmt_name(m->app_name, sizeof(m->app_name),
                        c->app_name && *c->app_name ? c->app_name : "cefguard");
    snprintf(m->procid, sizeof(m->procid), "%ld", (long)getpid());
}

/* ---- the queue ----------------------------------------------------------------------- */

/* Room for one more in the ring (doubling, the wrapped part moved after the old end). */
static int queue_grow(struct fwd_queue *q)
{
    if (q->n < q->cap)
        return CG_OK;
    size_t old = q->cap;
    if (cg_vec_reserve_ptr(&q->v, &q->cap, sizeof(*q->v), old + 1) != CG_OK)
        return CG_ENOMEM;
    size_t wrapped = q->head + q->n > old ? q->head + q->n - old : 0;
    for (size_t i = 0; i < wrapped; i++) /* old <= cap - old: they fit after old */
        q->v[old + i] = q->v[i];
    return CG_OK;
}

void cg_forward_queue_pop(struct cg_forward *f)
{
    struct fwd_queue *q = &f->q;
    free(q->v[q->head]);
    q->head = (q->head + 1) % q->cap;
    q->n--;
    if (q->nflight)
        q->nflight--;
    f->st.queued = q->n;
}

/* The oldest waiting message (the first not in flight) leaves: the ones in flight move
 * up by one. */
static void queue_drop_oldest(struct cg_forward *f)
{
    struct fwd_queue *q = &f->q;
    free(cg_forward_queue_at(q, q->nflight));
    for (size_t i = q->nflight; i > 0; i--)
        q->v[(q->head + i) % q->cap] = q->v[(q->head + i - 1) % q->cap];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    f->st.dropped_queue_full++;
    f->burst++;
    if (!f->dropping)
        cg_log(CG_LOG_WARN, "%squeue full (queue-max %u): dropping the oldest alerts", f->prefix,
               f->queue_max);
    f->dropping = true;
}

void cg_forward_sent(struct cg_forward *f)
{
    f->st.sent++;
    cg_forward_queue_pop(f);
    if (f->dropping && f->q.n - f->q.nflight <= f->queue_max / 2) {
        cg_log(CG_LOG_WARN, "%squeue has room again: %llu alerts were dropped while it was full",
               f->prefix, (unsigned long long)f->burst);
        f->dropping = false;
        f->burst = 0;
    }
}

static int queue_push(struct cg_forward *f, const struct cg_buf *b)
{
    struct fwd_msg *m = malloc(sizeof(*m) + b->n);
    if (!m)
        return CG_ENOMEM;
    m->end = 0;
    m->n = b->n;
    memcpy(m->p, b->p, b->n);
    struct fwd_queue *q = &f->q;
    if (q->n - q->nflight >= f->queue_max)
        queue_drop_oldest(f);
    if (queue_grow(q) != CG_OK) {
        free(m);
        return CG_ENOMEM;
    }
    q->v[(q->head + q->n) % q->cap] = m;
    q->n++;
    f->st.queued = q->n;
    return CG_OK;
}

/* ---- the ops ------------------------------------------------------------------------- */

static int forward_alert(struct cg_sink *s, const struct cg_alert *a)
{
    struct cg_forward *f = s->self;
    bool cut;
    int rc = cg_forward_format(&f->fmt, a, &f->scratch, &cut);
    if (rc == CG_ELIMIT) {
        if (!f->st.dropped_too_big)
            cg_log(CG_LOG_WARN, "%san alert's header is over max-message (%zu bytes): dropped",
                   f->prefix, f->fmt.max_message);
        f->st.dropped_too_big++;
        return CG_OK;
    }
    if (rc != CG_OK)
        return rc;
    f->st.truncated += cut;
    rc = queue_push(f, &f->scratch);
    if (rc == CG_OK)
        cg_forward_conn_kick(f);
    return rc;
}

static int forward_flush(struct cg_sink *s)
{
    cg_forward_conn_kick(s->self);
    return CG_OK;
}

static void forward_free(struct cg_forward *f)
{
    cg_forward_conn_fini(f);
    while (f->q.n)
        cg_forward_queue_pop(f);
    free(f->q.v);
    cg_buf_fini(&f->scratch);
    free(f->prefix);
    free(f);
}

static char *make_prefix(const char *name)
{
    struct cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "sink ");
    cg_log_put_text(&b, name, strlen(name));
    cg_buf_puts(&b, ": ");
    char *z = strdup(cg_buf_cstr(&b));
    cg_buf_fini(&b);
    return z;
}

static int forward_setup(struct cg_forward *f, const struct cg_sink_forward_conf *c)
{
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_endpoint_parse(c->target, CG_ENDPOINT_NAMES, &f->ep, &err);
    cg_buf_fini(&err);
    if (rc != CG_OK)
        return rc;
    f->transport = FWD_UDP;
    if (c->transport && strcmp(c->transport, "tcp") == 0)
        f->transport = FWD_TCP;
    if (c->transport && strcmp(c->transport, "tls") == 0)
        f->transport = FWD_TLS;
    fmt_init(&f->fmt, c);
    f->queue_max = c->queue_max ? c->queue_max : FWD_QUEUE_MAX;
    f->connect_timeout_us = c->connect_timeout_us ? c->connect_timeout_us : FWD_CONNECT_TIMEOUT_US;
    f->backoff_min_us = c->reconnect_min_us ? c->reconnect_min_us : FWD_RECONNECT_MIN_US;
    f->backoff_max_us = c->reconnect_max_us ? c->reconnect_max_us : FWD_RECONNECT_MAX_US;
    f->backoff_us = f->backoff_min_us;
    f->fd = -1;
    return cg_forward_conn_init(f, c);
}

static int forward_init(struct cg_sink *s, const void *conf)
{
    const struct cg_sink_forward_conf *c = conf;
    char *prefix = make_prefix(c->name ? c->name : "forward");
    if (!prefix)
        return CG_ENOMEM;
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = s->env && s->env->loop ? CG_OK : CG_EINVAL;
    if (rc != CG_OK)
        cg_log(CG_LOG_ERR, "%sneeds an event loop (cefguard run)", prefix);
    else if ((rc = cg_sink_forward_check(c, &err)) != CG_OK)
        log_lines(prefix, &err);
    cg_buf_fini(&err);
    struct cg_forward *f = rc == CG_OK ? calloc(1, sizeof(*f)) : NULL;
    if (!f) {
        free(prefix);
        return rc == CG_OK ? CG_ENOMEM : rc;
    }
    f->sink = s;
    f->prefix = prefix;
    f->loop = s->env->loop;
    cg_buf_init(&f->scratch);
    rc = forward_setup(f, c);
    if (rc != CG_OK) {
        forward_free(f);
        return rc;
    }
    s->self = f;
    s->takes = CG_SINK_ALERTS;
    s->counters = &cg_sink_forward_counters;
    s->stats = &f->st;
    return CG_OK;
}

static void forward_fini(struct cg_sink *s)
{
    forward_free(s->self);
    s->self = NULL;
}

static uint64_t forward_pending(struct cg_sink *s)
{
    const struct cg_forward *f = s->self;
    return f->q.n;
}

const struct cg_sink_ops cg_sink_forward_ops = {
    .name = "forward",
    .init = forward_init,
    .alert = forward_alert,
    .event = NULL,
    .command = NULL,
    .flush = forward_flush,
    .reopen = NULL,
    .pending = forward_pending,
    .fini = forward_fini,
};

/* ---- configuration and counters -------------------------------------------------- */

#define AT(member) offsetof(struct cg_sink_forward_conf, member)
#define SEC 1000000ull

/* clang-format off */
static const struct cg_opt forward_opts[] = {
    {.name = "target", .type = CG_OPT_ENDPOINT, .arg = "HOST:PORT", .def_text = "required",
     .commands = 1, .offset = AT(target),
     .help = "the collector: an address or a host name (resolved at each connect, blocking) "
             "and a port"},
    {.name = "transport", .type = CG_OPT_STRING, .arg = "udp|tcp|tls", .def = "udp",
     .commands = 1, .offset = AT(transport),
     .help = "one datagram per alert, or octet-counted frames over TCP or TLS (RFC 5425)"},
    {.name = "format", .type = CG_OPT_STRING, .arg = "rfc5424|cef", .def = "rfc5424",
     .commands = 1, .offset = AT(format),
     .help = "RFC 5424 with structured data [cefguard@32473 ...], or CEF in an RFC 5424 frame"},
    {.name = "message", .type = CG_OPT_STRING, .arg = "summary|json", .def = "summary",
     .commands = 1, .offset = AT(message),
     .help = "rfc5424's MSG: the alert's summary, or its whole JSON object (events included)"},
    {.name = "facility", .type = CG_OPT_STRING, .arg = "NAME", .def = "local0", .commands = 1,
     .offset = AT(facility), .help = "syslog facility: kern ... local7, or 0 to 23"},
    {.name = "app-name", .type = CG_OPT_STRING, .arg = "NAME", .def = "cefguard",
     .commands = 1, .offset = AT(app_name), .help = "APP-NAME of the messages"},
    {.name = "hostname", .type = CG_OPT_STRING, .arg = "NAME", .def_text = "gethostname()",
     .commands = 1, .offset = AT(hostname), .help = "HOSTNAME of the messages"},
    {.name = "queue-max", .type = CG_OPT_UINT, .arg = "N", .unit = "messages", .def = "10000",
     .min = 1, .max = 10000000, .commands = 1, .offset = AT(queue_max),
     .help = "messages waiting for the collector; when full the oldest is dropped "
             "(dropped.queue_full)"},
    {.name = "max-message", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "8192",
     .min = 480, .max = 1u << 20, .commands = 1, .offset = AT(max_message),
     .help = "longer messages are cut (truncated); over udp at most 65507"},
    {.name = "connect-timeout", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "10s",
     .min = SEC / 10, .max = 3600 * SEC, .commands = 1, .offset = AT(connect_timeout_us),
     .help = "how long a connect (with name resolution and TLS handshake) may take"},
    {.name = "reconnect-min", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "1s",
     .min = SEC / 100, .max = 3600 * SEC, .commands = 1, .offset = AT(reconnect_min_us),
     .help = "the first wait before connecting again; it doubles after each failure"},
    {.name = "reconnect-max", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "60s",
     .min = SEC / 100, .max = 86400 * SEC, .commands = 1, .offset = AT(reconnect_max_us),
     .help = "the longest wait before connecting again"},
    {.name = "tls-ca", .type = CG_OPT_STRING, .arg = "FILE", .def_text = "the system's store",
     .commands = 1, .offset = AT(tls_ca),
     .help = "CA certificates (PEM) that the collector's certificate must chain to"},
    {.name = "tls-cert", .type = CG_OPT_STRING, .arg = "FILE", .def_text = "none",
     .commands = 1, .offset = AT(tls_cert),
     .help = "client certificate chain (PEM) shown to the collector, with tls-key"},
    {.name = "tls-key", .type = CG_OPT_STRING, .arg = "FILE", .def_text = "none",
     .commands = 1, .offset = AT(tls_key), .help = "private key (PEM) of tls-cert"},
    {.name = "tls-no-verify", .type = CG_OPT_FLAG, .commands = 1, .offset = AT(tls_no_verify),
     .help = "accept any certificate and name from the collector (a lab only: anyone on the "
             "path can read and forge the alerts)"},
};
/* clang-format on */

static const char *const forward_commands[] = {"forward"};

const struct cg_opt_table cg_sink_forward_options = {
    forward_opts, CG_ARRAY_LEN(forward_opts), forward_commands, CG_ARRAY_LEN(forward_commands)};

#define STAT(name, kind, member, help)                                                             \
    {                                                                                              \
        name, kind, offsetof(struct cg_sink_forward_stats, member), help, NULL, 0, 0               \
    }
#define TOTAL CG_COUNTER_TOTAL
#define GAUGE CG_COUNTER_GAUGE

static const struct cg_counter forward_counters[] = {
    STAT("sent", TOTAL, sent, "messages wholly handed to the kernel (TLS: to OpenSSL)"),
    STAT("queued", GAUGE, queued, "messages waiting for the collector or in flight"),
    STAT("connected", GAUGE, connected, "1 while the connection (or UDP socket) is up"),
    STAT("dropped.queue_full", TOTAL, dropped_queue_full,
         "oldest messages dropped because queue-max were waiting"),
    STAT("dropped.too_big", TOTAL, dropped_too_big,
         "messages dropped: header over max-message, or a datagram the kernel refused"),
    STAT("truncated", TOTAL, truncated, "messages cut to max-message"),
    STAT("connects", TOTAL, connects, "connections that came up"),
    STAT("connect_errors", TOTAL, connect_errors,
         "connects that failed: resolution, refusal, timeout, TLS handshake or verification"),
    STAT("disconnects", TOTAL, disconnects, "connections that ended after coming up"),
    STAT("write_errors", TOTAL, write_errors, "sends and writes that failed"),
};

_Static_assert(sizeof(struct cg_sink_forward_stats) ==
                   sizeof(uint64_t) * CG_ARRAY_LEN(forward_counters),
               "struct cg_sink_forward_stats and forward_counters[] differ");

const struct cg_counter_table cg_sink_forward_counters = {forward_counters,
                                                          CG_ARRAY_LEN(forward_counters)};
