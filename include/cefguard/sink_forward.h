/*
 * sink_forward.h - syslog forwarding of alerts to another collector (src/sink/forward*.c):
 * each alert becomes one syslog message, RFC 5424 or CEF, sent over UDP, TCP or TLS.
 *
 * Messages. Both formats are an RFC 5424 frame (forward_fmt.c):
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
 * PRI is facility * 8 + the syslog severity of the rule's severity (critical 2, high 3,
 * medium 4, low 5, info 6, anything else 5); TIMESTAMP the alert's event time in RFC
 * 3339 with its offset; HOSTNAME, APP-NAME from the conf, PROCID the process id, MSGID the
 * rule id; each made PRINTUSASCII ('_' for any other byte; "-" when empty) and cut to RFC
 * 5424's lengths (255, 48, 128, 32).
 *   - rfc5424: SD is one element [cefguard@32473 rule="" kind="" severity="" id=""
 *     subject=""] (id and subject only when the alert has them; '"', '\' and ']'
 *     backslash-escaped as §6.3.3 says, control bytes written \xNN, invalid UTF-8 as
 *     U+FFFD); MSG the alert's summary (control bytes \xNN, invalid UTF-8 U+FFFD), or with
 *     message json the alert's JSON as alert.h writes it (events included; message is
 *     ignored with cef). id is the alert's stable id (engine.h) once the state store's
 *     member is merged (alert_id in forward_fmt.c); until then no message carries one.
 *   - cef: SD "-", MSG "CEF:0|cefguard|cefguard|VERSION|RULE|SUMMARY|SEVERITY|EXT" with
 *     the header's '|' and '\' escaped, its control bytes as spaces; CEF severity info 1,
 *     low 3, medium 5, high 8, critical 10 (else 5); EXT "rt=MS cnt=N cs1Label=rule
 *     cs1=RULE cs2Label=kind cs2=KIND", then "externalId=ID" when the alert has an id, and
 *     the subject as "dhost=" when it is a host name or address (hostaddr.h), else as
 *     "cs3Label=subject cs3="; values with '\' '=' escaped, LF and CR as \n and \r, other
 *     control bytes as spaces.
 * The subject is the requested response target, else the alert's first key value, else
 * the last triggering event's subject. A message longer than max-message is cut to it (at
 * a UTF-8 character boundary, never inside an escape) and counted `truncated`; when even
 * its header and structured data are longer it is dropped, `dropped.too_big`.
 *
 * Transport (forward_conn.c). target is HOST:PORT (endpoint.h, host names allowed). An
 * address is used as it is; a name is resolved with getaddrinfo(3) at each connect, which
 * BLOCKS the loop for as long as the resolver takes (its timeouts: resolv.conf), so a
 * collector given by name costs every input that long at each reconnect while DNS is
 * down: give an address where that matters. udp: one datagram per message on a
 * connected socket, sent at once (non-blocking: when the socket would block the rest waits
 * for it); a datagram the kernel refuses as too long is `dropped.too_big`, one refused
 * because nobody listens (ICMP port unreachable) is lost, `write_errors`. tcp and
 * tls (RFC 5425: TLS 1.2 or later): octet-counting framing ("LEN SP MSG", RFC 6587 §3.4.1)
 * over a non-blocking connect, bounded by connect-timeout (name resolution and TLS
 * handshake included). A connect that fails and a connection that ends are retried after
 * a backoff that starts at reconnect-min and doubles up to reconnect-max (1 s .. 60 s);
 * a connection that came up resets it. TLS verifies the collector's certificate against
 * tls-ca (else the system's store) and its name (the target's host: SNI and
 * X509_VERIFY_PARAM_set1_host, or its address) unless tls-no-verify; tls-cert and tls-key
 * are an optional client certificate. With TLS 1.3 a collector checks the client's
 * certificate after the client's handshake is done, so a refusal ends a connection that
 * was up (`disconnects`) and what was written before the collector's alert is lost.
 *
 * Queue. Formatted messages wait in a queue of at most queue-max; when it is full the
 * OLDEST waiting message is dropped (`dropped.queue_full`, logged once per burst, and the
 * burst's count once it ends). TCP and TLS messages are written from the loop as the
 * connection takes them: at most 256 KiB at a time are handed to the connection (in
 * flight); a message leaves the queue (`sent`) once the kernel (TLS: OpenSSL) has taken
 * all of its bytes. When a connection ends, the messages in flight that were not wholly
 * taken are sent again on the next one, so a collector may see a message twice (or a cut
 * frame before the reset); the order of the messages is kept.
 *
 * Flush and durability: best effort. "Durable" for a forwarder means queued, not
 * received: flush returns CG_OK once the alerts are in the queue (and starts writing), and
 * alert never fails but for CG_ENOMEM. It never presses back (env->pressure is never
 * called): a collector that is down or slow costs the oldest alerts of the queue, counted,
 * never the pipeline's progress. What is still queued at fini is dropped; the service that
 * wants it out runs the loop until the gauge `queued` is 0 (bounded by a deadline).
 *
 * Needs env->loop: init fails CG_EINVAL without one, and CG_EINVAL after logging the
 * problem for a conf that cg_sink_forward_check refuses, CG_EIO for TLS files that do not
 * load. The first connect starts from the loop (a zero timer), not within init.
 *
 * Counters (cg_sink_forward_counters, struct cg_sink_forward_stats): sent, queued (gauge:
 * messages waiting or in flight), connected (gauge, 0 or 1), dropped.queue_full,
 * dropped.too_big, truncated, connects, connect_errors (resolution, connect, timeout or
 * handshake failures), disconnects (connections that ended after coming up), write_errors.
 */
#ifndef CEFGUARD_SINK_FORWARD_H
#define CEFGUARD_SINK_FORWARD_H

#include "cefguard/options.h"
#include "cefguard/sink.h"

/* What a `sinks:` entry of type forward fills through cg_sink_forward_options. Strings are
 * read during init (copied where kept). Zero means the default for every member, so a
 * conf built by hand needs only target; transport, format, message and facility are text
 * checked by cg_sink_forward_check. */
struct cg_sink_forward_conf {
    const char *name;           /* the sink's name in logs (set by the service); NULL: "forward" */
    const char *target;         /* HOST:PORT of the collector (CG_OPT_ENDPOINT) */
    const char *transport;      /* "udp" (NULL), "tcp", "tls" */
    const char *format;         /* "rfc5424" (NULL), "cef" */
    const char *message;        /* rfc5424's MSG: "summary" (NULL), "json" */
    const char *facility;       /* "local0" (NULL), a name of RFC 5424's table or 0..23 */
    const char *app_name;       /* NULL or "": "cefguard" */
    const char *hostname;       /* NULL or "": gethostname() */
    unsigned queue_max;         /* messages waiting; 0: 10000 */
    size_t max_message;         /* bytes of a message (without framing); 0: 8192 */
    int64_t connect_timeout_us; /* 0: 10 s */
    int64_t reconnect_min_us;   /* 0: 1 s */
    int64_t reconnect_max_us;   /* 0: 60 s */
    const char *tls_ca;         /* CA file; NULL: the system's default store */
    const char *tls_cert;       /* client certificate (PEM), with tls_key; NULL: none */
    const char *tls_key;
    bool tls_no_verify; /* accept any certificate and name (tests, a lab: never in production) */
};

struct cg_sink_forward_stats {
    uint64_t sent;
    uint64_t queued;    /* gauge */
    uint64_t connected; /* gauge */
    uint64_t dropped_queue_full;
    uint64_t dropped_too_big;
    uint64_t truncated;
    uint64_t connects;
    uint64_t connect_errors;
    uint64_t disconnects;
    uint64_t write_errors;
};

extern const struct cg_sink_ops cg_sink_forward_ops;

/* The options of a `sinks:` entry of type forward (command bit 0, "forward"): offsets into
 * struct cg_sink_forward_conf. */
extern const struct cg_opt_table cg_sink_forward_options;

/* The counters s->counters points to: the members of struct cg_sink_forward_stats. */
extern const struct cg_counter_table cg_sink_forward_counters;

/* Checks what the option types cannot: target parses (HOST:PORT), transport, format,
 * message and facility are known words, tls-* only with tls and tls-cert with tls-key,
 * reconnect-min <= reconnect-max, and max-message <= 65507 over udp. Opens nothing (for
 * `cefguard check`). CG_OK, or CG_EINVAL with one "OPTION: problem" line per problem
 * appended to err. */
int cg_sink_forward_check(const struct cg_sink_forward_conf *c, struct cg_buf *err);

#endif
