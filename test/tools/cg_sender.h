/*
 * cg_sender.h - the parts of cg_sender (test/tools/cg_sender.c: options, the numbered stream,
 * attacks) and its connections (cg_sender_net.c: UDP, TCP, TLS, stdout), private to the tool.
 *
 * Every function here exits the process with a message (die) on a failure it cannot report
 * otherwise; the tool has one job and a failed step ends it.
 */
#ifndef CG_SENDER_H
#define CG_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define OUTBUF_SIZE (64 * 1024)

enum transport { TR_NONE, TR_UDP, TR_TCP, TR_TLS, TR_STDOUT };
enum attack { AT_NONE, AT_HUGE, AT_BOGUS, AT_IDLE, AT_SLOW };

struct opts {
    enum transport tr;
    const char *target;
    bool octet, quiet, expect_close;
    uint64_t n, start, huge_bytes;
    unsigned conns, idle_count;
    double rate, hold;
    const char *tmpl, *ca, *cert, *key, *bogus;
    size_t size;
    enum attack attack;
};

struct conn {
    int fd;
    SSL *ssl;
    char *out;
    size_t len;
    bool closed; /* by the peer */
};

/* The options (cg_sender.c parses them). */
extern struct opts o;

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* die with OpenSSL's first queued error */
void die_tls(const char *what) __attribute__((noreturn));
double now_s(void); /* CLOCK_MONOTONIC, seconds */
void sleep_s(double s);
void set_nonblocking(int fd);

/* The peer of o.target (HOST:PORT, [V6]:PORT), and the TLS context from o.ca/cert/key. */
void net_resolve(int socktype);
void net_tls_setup(void);
void net_tls_free(void);
/* Opens connection c: stdout, a UDP socket, a TCP connection, and with handshake a TLS
 * session over it. */
void net_open(struct conn *c, bool handshake);
/* Writes all of p[0..n): 0, or -1 with errno (EPIPE/ECONNRESET: the peer closed). */
int net_write_all(struct conn *c, const char *p, size_t n);
/* Buffered send of one framed message (UDP: one datagram, never dropped: ENOBUFS waits). */
void net_send(struct conn *c, unsigned idx, const char *p, size_t n);
void net_flush(struct conn *c, unsigned idx);
void net_udp_send(struct conn *c, const char *p, size_t n);
/* The end of a stream once everything is written, in two steps over all connections so that
 * they share one deadline: net_finish sends close_notify (TLS) and our FIN; net_drain reads
 * until the peer ends the connection or the deadline passes. A reset (the peer dropped what
 * it had not read) or a TLS alert (a refused client certificate: TLS 1.3 says so only after
 * the handshake) fails the run; a peer that keeps the connection open past the deadline
 * does not (what it read cannot be known from here). */
void net_finish(struct conn *c);
/* Reads what the peer sent on a readable connection (non-blocking): true when it ended the
 * connection. TLS records go through OpenSSL (a TLS 1.3 server sends session tickets after
 * the handshake, which are not data). */
bool net_peer_closed(struct conn *c);
void net_drain(struct conn *c, unsigned idx, double end);
void net_free(struct conn *c);
/* Binds 127.0.0.1:0 (kind "udp" or "tcp"), prints the port, returns 0; -1 for another kind. */
int net_free_port(const char *kind);

#endif
