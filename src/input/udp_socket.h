/*
 * udp_socket.h - the socket of the UDP input (private to src/input/udp*.c): bound,
 * non-blocking, with SO_RXQ_OVFL and the receive buffer asked for, and the helpers the
 * read path needs from it (the peer as origin shows it, the kernel's drop count).
 */
#ifndef CEFGUARD_INPUT_UDP_SOCKET_H
#define CEFGUARD_INPUT_UDP_SOCKET_H

#include "cefguard/common.h"

#include <sys/socket.h>

/* "input " and at most this many bytes of the name, escaped (a name from a file). */
#define CG_UDP_LABEL_NAME_MAX 64

struct cg_udp_socket {
    char label[CG_UDP_LABEL_NAME_MAX * 4 + 16]; /* "input NAME", what logs begin with */
    int fd;                                     /* -1: none */
    uint16_t port;                              /* the bound port */
    uint64_t rcvbuf;                            /* SO_RCVBUF as the kernel granted it */
    bool rxq_ovfl;                              /* SO_RXQ_OVFL is on */
    uint32_t drops_last;                        /* the last drop count seen (0 at bind) */
};

/* No socket yet (fd -1), the label made from name (NUL-terminated). CG_OK or CG_ENOMEM. */
int cg_udp_socket_init(struct cg_udp_socket *u, const char *name);

/* Makes and binds the socket of listen (endpoint.h text), asking for rcvbuf bytes of
 * receive buffer (0: the kernel's default). CG_OK; CG_EINVAL for a text that is no
 * address to bind; CG_EIO (errno kept) when the socket cannot be made or bound. Each
 * failure is logged, naming the input and the address; nothing is left open. */
int cg_udp_socket_open(struct cg_udp_socket *u, const char *listen, size_t rcvbuf);

void cg_udp_socket_close(struct cg_udp_socket *u);

/* Writes the peer sa as "1.2.3.4:514" or "[::1]:514" into buf (n >= 64); an IPv4-mapped
 * IPv6 address (a "*" socket's IPv4 peer) is written as IPv4. */
void cg_udp_socket_format_peer(const struct sockaddr_storage *sa, socklen_t len, char *buf,
                               size_t n);

/* A datagram carried the drop count v: adds the drops since the last count to *total
 * (the kernel's count is 32 bits and wraps; counts come in queue order). */
static inline void cg_udp_socket_drops(struct cg_udp_socket *u, uint32_t v, uint64_t *total)
{
    *total += (uint32_t)(v - u->drops_last);
    u->drops_last = v;
}

#endif
