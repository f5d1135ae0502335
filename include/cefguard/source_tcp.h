/*
 * source_tcp.h - the TCP and TLS syslog inputs (src/input/tcp*.c, tls.c): one listening
 * socket bound in init, its connections read from the event loop, each cut into messages
 * by RFC 6587 framing (octet counting or LF, chosen per connection by its first byte:
 * src/input/framing_octet.h says exactly how) as rsyslog's imtcp and OpenBSD syslogd do.
 * The TLS input (RFC 5425) is the same input over OpenSSL: the connection type changes
 * (after Redis's connection.h: plain and TLS reads behind one small ops struct), framing,
 * limits, timeouts and counters do not.
 *
 * Frames. Each connection is a stream of its own: origin is the peer ("127.0.0.1:40000",
 * "[::1]:40000"; an IPv4 peer of a "*" listener as IPv4), seq numbers that connection's
 * frames from 1, arrival_us is the wall clock of the read that completed the frame, ack
 * is 0 (ops->ack is NULL: TCP gives no acknowledgement back to the sender). Frames never
 * have cut set: a message over max_message is not cut but closes its connection. Empty
 * LF lines are not messages and are skipped; NUL is a byte like any other.
 *
 * Bounds, each closing only the connection that hit it, logged (rate-limited: at most 10
 * lines per 10 seconds per input, the number held back told with the next one) with its
 * reason and the peer, and counted:
 *   - a bad octet count (0, a leading 0, a non-digit, more digits than max_message has,
 *     a value over max_message): `closed.bad_octet_count`; the count is parsed in place
 *     and nothing is copied or allocated for it (the class of rsyslog CVE-2022-24903);
 *   - an LF line over max_message: `closed.too_long` (never delivered in pieces);
 *   - no byte for idle_timeout: `closed.idle`; a message (or, for TLS, the handshake)
 *     begun and not completed within frame_timeout: `closed.slow` (the slow half-open
 *     writer). Both clocks are monotonic and stand still while the input is paused;
 *   - max_connections open: a new connection is accepted and closed at once,
 *     `rejected.max_connections`;
 *   - no descriptor left (EMFILE, ENFILE): the input keeps one spare descriptor
 *     (/dev/null, opened in init); it closes it, accepts, closes that connection and
 *     reopens the spare (OpenBSD syslogd), `rejected.emfile`. Should even that fail, or
 *     accept fail with ENOBUFS/ENOMEM, accepting pauses for 100 ms (`accept.errors`), so
 *     the listener never spins on a connection it cannot take;
 *   - memory: a connection's buffer grows with what it holds, from 16 KiB (taken at its
 *     first read), doubled up to max_message + the longest header + one read (64 KiB)
 *     while a long message arrives, and given back once it is delivered; the buffers of
 *     all connections of the input together stay within max_buffered, and a connection
 *     whose buffer would take them beyond is closed, `closed.memory` (so 1000 peers each
 *     sending most of a 1 MiB line cannot take a GiB). `buffered` is what they hold.
 *
 * End of a connection. At EOF the complete messages are delivered and, under LF framing,
 * the bytes after the last LF as a last message (`eof.partial`; rsyslog does the same); an
 * incomplete counted frame is dropped (`dropped.partial`, as is the incomplete message
 * of any connection closed for another reason). A read error (ECONNRESET) closes it,
 * `closed.error`; so does a TLS error after the handshake. `closed.eof` counts the
 * connections their peer closed.
 *
 * Running. start registers the listener's accept event on env->loop (no loop: start
 * fails with CG_EINVAL). Each wakeup of a connection delivers what it holds, then reads
 * up to 4 times 64 KiB; a connection with more to read is woken again on the next loop
 * turn, so one busy sender cannot starve the others, the timers or the signals. An
 * error from env->frame closes that connection (`closed.frame_error`); the input goes
 * on with the others. pause stops reading every connection and accepting (the kernel's
 * window pushes back on the senders); resume reads again, starting with what was already
 * buffered. stop closes the listener, delivers the complete messages already buffered
 * (unless stop came from within env->frame: then nothing more is delivered), closes
 * every connection (`closed.stop`, incomplete messages `dropped.partial`) and calls
 * env->end(CG_OK) once.
 *
 * TLS. TLS 1.2 at least; the certificate chain (tls_cert, PEM) and its key (tls_key, PEM)
 * are loaded in init, and init fails with CG_EINVAL, after logging "input NAME: tls-cert
 * FILE: OpenSSL's reason", when either is missing or does not load or they do not match;
 * `cefguard check -c` refuses such an input through cg_source_tls_check (below), which
 * says the same without binding the port. tls_ca (PEM file) is what client certificates
 * are verified against; with tls_verify_client a client without a certificate that
 * verifies is closed (`closed.tls_handshake`, the verify error logged),
 * and tls_verify_client without tls_ca fails init with CG_EINVAL. The handshake is
 * bounded by frame_timeout. Client-initiated renegotiation is refused; a peer that
 * closes without close_notify is an EOF, as most syslog senders do it. No TLS 1.3
 * session tickets are sent: the server writes nothing after the handshake, so a sender
 * that writes and closes leaves nothing unread, which would make its kernel reset the
 * connection and lose what it sent last (seen in the tests). The handshake writes to the
 * socket: the process must ignore SIGPIPE, or a client gone mid-handshake kills it.
 * Octet counting is RFC 5425's framing; LF framing is accepted too, as rsyslog does.
 *
 * Errors of init: CG_EINVAL for a listen text that is not an address to bind and for TLS
 * as above, CG_EIO (errno kept) for a socket that cannot be bound ("input NAME: cannot
 * bind ADDR: reason"; SO_REUSEADDR is set, so a restart does not wait for TIME_WAIT),
 * CG_ENOMEM. Everything is released on failure.
 *
 * Counters (s->counters / s->stats, struct cg_source_tcp_stats), all totals but
 * `connections.open`, `buffered` and `port` (gauges; port is the bound port, the
 * kernel's pick for port 0).
 */
#ifndef CEFGUARD_SOURCE_TCP_H
#define CEFGUARD_SOURCE_TCP_H

#include "cefguard/options.h"
#include "cefguard/source.h"

/* The defaults, and what a 0 (NULL) in the conf means where it says so. max_message:
 * 1 MiB, the pipeline's max-line default, so that what TCP delivers is what a replayed
 * file gives; a 10 MiB line closes its connection. (rsyslog's 8 KiB default cuts real
 * Symantec and McAfee events.) */
#define CG_SOURCE_TCP_LISTEN "127.0.0.1:5514"
#define CG_SOURCE_TLS_LISTEN "127.0.0.1:6514"
#define CG_SOURCE_TCP_MAX_MESSAGE (1024 * 1024)
#define CG_SOURCE_TCP_MAX_CONNECTIONS 1000
#define CG_SOURCE_TCP_MAX_BUFFERED (256u << 20)
#define CG_SOURCE_TCP_IDLE_TIMEOUT_US (300 * INT64_C(1000000))
#define CG_SOURCE_TCP_FRAME_TIMEOUT_US (30 * INT64_C(1000000))

/* The conf of both types ("tcp" and "tls"); the tls_* members are read by the tls type
 * only. Read during init: the strings need not outlive it. */
struct cg_source_tcp_conf {
    const char *name;         /* the input's name in logs; NULL: the type's name. Copied */
    const char *listen;       /* address to bind (endpoint.h); NULL: the type's default */
    size_t max_message;       /* longest message, bytes; 0: CG_SOURCE_TCP_MAX_MESSAGE */
    unsigned max_connections; /* connections open at once; 0: CG_SOURCE_TCP_MAX_CONNECTIONS */
    size_t max_buffered;      /* bytes of buffer all connections hold at once; 0:
                                 CG_SOURCE_TCP_MAX_BUFFERED */
    int64_t idle_timeout_us;  /* a connection without a byte for this long is closed; 0: never */
    int64_t frame_timeout_us; /* a begun message (TLS: handshake) must complete within this;
                                 0: never */
    const char *tls_cert;     /* PEM certificate chain, the server's first */
    const char *tls_key;      /* PEM private key of tls_cert */
    const char *tls_ca;       /* PEM CA certificates for client certificates; NULL: none */
    bool tls_verify_client;   /* require a client certificate that verifies against tls_ca */
};

struct cg_source_tcp_stats {
    uint64_t connections_accepted; /* connections.accepted */
    uint64_t connections_open;     /* connections.open (gauge) */
    uint64_t received;             /* messages delivered */
    uint64_t bytes;                /* bytes read (TLS: decrypted) */
    uint64_t eof_partial;          /* eof.partial */
    uint64_t dropped_partial;      /* dropped.partial */
    uint64_t closed_eof;
    uint64_t closed_bad_octet_count;
    uint64_t closed_too_long;
    uint64_t closed_idle;
    uint64_t closed_slow;
    uint64_t closed_error;
    uint64_t closed_frame_error;
    uint64_t closed_tls_handshake;
    uint64_t closed_stop;
    uint64_t closed_memory;
    uint64_t rejected_max_connections;
    uint64_t rejected_emfile;
    uint64_t accept_errors;
    uint64_t buffered; /* gauge: bytes of the connections' buffers */
    uint64_t port;     /* gauge */
};

extern const struct cg_source_ops cg_source_tcp_ops;
extern const struct cg_source_ops cg_source_tls_ops;
/* The configuration's options of each type (one command, named "tcp" / "tls"). */
extern const struct cg_opt_table cg_source_tcp_options;
extern const struct cg_opt_table cg_source_tls_options;
extern const struct cg_counter_table cg_source_tcp_counters;

/* What `check` asks of a tls input without binding its port: loads tls_cert, tls_key and
 * tls_ca as init would, into a context it frees. CG_OK; CG_EINVAL with
 * "OPTION FILE: reason" appended to err (the message init logs after "input NAME: ");
 * CG_ENOMEM. */
int cg_source_tls_check(const struct cg_source_tcp_conf *c, struct cg_buf *err);

#endif
