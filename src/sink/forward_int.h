/*
 * forward_int.h - the parts of the syslog forwarder (sink_forward.h): the message formats
 * (forward_fmt.c), the queue and the sink's ops (forward.c), the transport
 * (forward_conn.c). Everything runs on the loop's thread.
 */
#ifndef CEFGUARD_SINK_FORWARD_INT_H
#define CEFGUARD_SINK_FORWARD_INT_H

#include "cefguard/endpoint.h"
#include "cefguard/sink_forward.h"

#include <openssl/ssl.h>

enum fwd_transport { FWD_UDP, FWD_TCP, FWD_TLS };
enum fwd_format { FWD_RFC5424, FWD_CEF };

#define FWD_HOSTNAME_MAX 255 /* RFC 5424 §6.2.4 */
#define FWD_APPNAME_MAX 48   /* §6.2.5 */
#define FWD_PROCID_MAX 128   /* §6.2.6 */
#define FWD_MSGID_MAX 32     /* §6.2.7 */
#define FWD_UDP_MAX 65507    /* the largest UDP payload over IPv4 */

/* ---- formats (forward_fmt.c) -------------------------------------------------------- */

/* What a message is made of besides the alert: fixed per sink. The names are already
 * PRINTUSASCII and within their lengths (cg_forward_fmt_name). */
struct cg_forward_fmt {
    enum fwd_format format;
    bool json;         /* rfc5424: MSG is the alert's JSON, not its summary */
    unsigned facility; /* 0..23 */
    size_t max_message;
    char hostname[FWD_HOSTNAME_MAX + 1];
    char app_name[FWD_APPNAME_MAX + 1];
    char procid[FWD_PROCID_MAX + 1];
};

/* Copies z into out (cap bytes, cap - 1 of them at most, NUL-terminated) as an RFC 5424
 * header field: bytes outside PRINTUSASCII (33..126) become '_', "" becomes "-". */
void cg_forward_fmt_name(char *out, size_t cap, const char *z);

/* The facility of a name ("local0", "auth", ...) or of digits 0..23; false otherwise. */
bool cg_forward_fmt_facility(const char *z, unsigned *out);

/* Replaces out's contents with the message for a (without framing). CG_OK, *cut telling
 * whether MSG was cut to max_message; CG_ELIMIT: the header and structured data alone are
 * longer than max_message (out holds nothing useful); CG_ENOMEM. */
int cg_forward_format(const struct cg_forward_fmt *f, const struct cg_alert *a, struct cg_buf *out,
                      bool *cut);

/* ---- the queue and the sink (forward.c) ----------------------------------------------- */

/* One formatted message. end: in flight, the connection's byte count once all of it is
 * taken. */
struct fwd_msg {
    uint64_t end;
    size_t n;
    char p[];
};

/* A ring of messages, oldest first: the first nflight are in flight (handed to the
 * connection), the rest wait. At most queue_max wait; the ring grows as needed. */
struct fwd_queue {
    struct fwd_msg **v;
    size_t cap, head, n, nflight;
};

enum fwd_state { FWD_IDLE, FWD_CONNECTING, FWD_UP };

struct cg_forward {
    struct cg_sink *sink;
    char *prefix; /* of log lines: "sink NAME: " */
    struct event_base *loop;
    enum fwd_transport transport;
    struct cg_endpoint ep;
    struct cg_forward_fmt fmt;
    unsigned queue_max;
    int64_t connect_timeout_us, backoff_min_us, backoff_max_us;
    int64_t backoff_us; /* the next wait after a failure */
    struct fwd_queue q;
    struct cg_buf scratch; /* the message being formatted */
    bool dropping;         /* a burst of queue-full drops is under way */
    uint64_t burst;        /* messages it dropped */

    /* the connection (forward_conn.c) */
    enum fwd_state state;
    struct event *timer;     /* IDLE: the next connect; CONNECTING: its timeout */
    struct bufferevent *bev; /* tcp, tls */
    int fd;                  /* udp: the connected socket, or -1 */
    struct event *wev;       /* udp: writable again after EAGAIN */
    uint64_t added;          /* bytes handed to bev on this connection */
    SSL_CTX *ssl_ctx;        /* tls */
    bool verify;             /* tls: the collector's certificate and name */
    struct cg_sink_forward_stats st;
};

/* The i-th message from the oldest (i < q->n). */
static inline struct fwd_msg *cg_forward_queue_at(struct fwd_queue *q, size_t i)
{
    return q->v[(q->head + i) % q->cap];
}

/* Takes the oldest message off the queue and frees it; in flight or not. */
void cg_forward_queue_pop(struct cg_forward *f);

/* A message left the queue for good: counted sent, and a burst of drops is over. */
void cg_forward_sent(struct cg_forward *f);

/* ---- the transport (forward_conn.c) ---------------------------------------------------- */

/* The timer, and the TLS context (CA, client certificate) for tls. CG_OK, or CG_EIO after
 * logging what did not load, CG_ENOMEM. The first connect is due at once (from the loop). */
int cg_forward_conn_init(struct cg_forward *f, const struct cg_sink_forward_conf *c);

/* New messages wait: writes what the connection takes now (nothing unless it is up). */
void cg_forward_conn_kick(struct cg_forward *f);

/* Closes the connection and frees what conn_init made. */
void cg_forward_conn_fini(struct cg_forward *f);

#endif
