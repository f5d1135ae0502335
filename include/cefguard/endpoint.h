/*
 * endpoint.h - "host:port" as configuration writes it: what a listener binds and a
 * forwarder connects to.
 *
 * Accepted text: "127.0.0.1:5514", "[::1]:5514", "*:5514" (every address, IPv4 and IPv6:
 * "::" with IPV6_V6ONLY off), ":5514" (the same), "localhost:5514" (127.0.0.1), and, where
 * the caller allows names (a forwarder's collector), "logs.example.net:6514". The port is
 * decimal, 0..65535 (0: the kernel picks one, for tests and for "port in stats"). Nothing
 * else: no service names, no brackets around IPv4, no zone ids, no spaces.
 */
#ifndef CEFGUARD_ENDPOINT_H
#define CEFGUARD_ENDPOINT_H

#include "cefguard/buf.h"
#include "cefguard/common.h"

#include <sys/socket.h>

#define CG_ENDPOINT_HOST_MAX 253

struct cg_endpoint {
    char host[CG_ENDPOINT_HOST_MAX + 1]; /* as written, brackets removed; "" for "*" */
    uint16_t port;
    bool numeric;               /* host is an address (or "*", "localhost"): ss is set */
    struct sockaddr_storage ss; /* numeric only */
    socklen_t sslen;
};

enum {
    CG_ENDPOINT_NAMES = 1 << 0, /* a host name (RFC 1123) is accepted, not resolved */
};

/* Parses text (NUL-terminated). CG_OK, or CG_EINVAL with what was expected appended to err
 * ("expected HOST:PORT ..."). */
int cg_endpoint_parse(const char *text, unsigned flags, struct cg_endpoint *out,
                      struct cg_buf *err);

/* Writes sa as "127.0.0.1:5514" or "[::1]:5514" into buf (at least 64 bytes); returns buf. */
char *cg_endpoint_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);

#endif
