/*
 * source_udp.h - the UDP syslog input (src/input/udp.c): one socket bound in init, read
 * with recvmmsg(2) from the event loop, each datagram one frame, as rsyslog's imudp
 * does (RFC 5426).
 *
 * Frames. A datagram is one message: one trailing ending is stripped ("\n", "\r\n" or a
 * NUL, whichever it ends with) and nothing else; a datagram holding several LF-separated
 * messages is still ONE frame (imudp does the same: a sender that packs lines into one
 * datagram gets them decoded as one message, not lost). origin is the peer as
 * "127.0.0.1:40000" or "[::1]:40000" (an IPv4 peer of a "*" socket as IPv4, not
 * "[::ffff:...]"), seq numbers the source's frames from 1 across all peers, arrival_us
 * is the wall clock of the recvmmsg call that read it, ack is 0.
 *   - A datagram longer than max_message is cut there (the kernel tells: MSG_TRUNC):
 *     counted `truncated` and delivered with cut = true and exactly max_message bytes,
 *     nothing stripped. The pipeline makes it a raw event line_too_long.
 *   - A datagram that is empty after the strip (0 bytes, a lone "\n", "\r\n" or NUL: a
 *     health probe, a keep-alive) is not delivered: counted `empty`. imudp skips empty
 *     datagrams too; delivering them would only fill the reject log.
 *
 * Reading. start registers one persistent read event on env->loop (without a loop start
 * fails with CG_EINVAL). Each wakeup reads batches of up to `batch` datagrams until the
 * socket is empty (EAGAIN, or a batch shorter than asked for) or `burst` datagrams were
 * read, whichever comes first (the default: 1024, 32 recvmmsg calls of 32): at the
 * bound the callback returns (counted `capped`) and the loop runs its other events
 * before the still readable socket wakes it again, so a flood on one input cannot starve
 * the others, the timers or the signals. Buffers are allocated once in init (batch x
 * max_message bytes, the peers' addresses and control messages): nothing is allocated
 * per datagram. UDP cannot acknowledge (ops->ack is NULL) and never calls env->sync:
 * there is nothing to acknowledge; flushing the sinks is the service's timer's business.
 *
 * Back-pressure. pause does not stop reading: a socket the loop no longer reads only
 * makes the kernel drop instead, and uncounted. Paused, the source reads on and discards
 * each datagram, counted `dropped.paused` (so are the rest of a batch under way when
 * pause or stop comes from within env->frame, or env->frame fails). resume delivers
 * again. pause, resume and stop may be called from within env->frame and env->end; fini
 * may not (it frees the batch being delivered): the pipeline calls it afterwards.
 *
 * Loss the kernel saw. The socket has SO_RXQ_OVFL on: each datagram carries the
 * socket's drop count as it was when that datagram was queued, and `dropped.kernel` is
 * the latest count seen (the drops since bind: a new socket starts at 0; the 32-bit
 * count wraps and is followed across the wrap). So drops are known when the next
 * datagram after them is read, not before. A kernel without SO_RXQ_OVFL (setsockopt
 * fails: logged once at info) leaves `dropped.kernel` at 0; /proc is not parsed.
 *
 * Errors. init fails with CG_EINVAL for a listen text that is not an address to bind
 * (endpoint.h) and CG_EIO (errno kept) for a socket that cannot be made or bound (an
 * address in use or not local): logged "input NAME: cannot bind ADDR: reason". The
 * socket has no SO_REUSEADDR: UDP has no TIME_WAIT for it to skip, and on Linux it would
 * let a second instance bind the same address and port and silently take part of the
 * datagrams; without it the second one fails init. A recv error other than
 * EAGAIN/EINTR is counted `errors` and logged (at most once per 10 seconds, with the
 * number held back) and the wakeup ends; the source goes on. An error from env->frame is
 * logged once and ends the source with it (source.h, "Errors"): the event is removed and
 * env->end called.
 *
 * Counters (s->counters / s->stats, struct cg_source_udp_stats): every datagram read is
 * `received` and its length before any cut is added to `bytes`; each received one is
 * either delivered once (the `truncated` ones cut), or `empty`, or `dropped.paused`.
 * `port` is the bound port (the kernel's pick for port 0) and `rcvbuf` the receive
 * buffer the kernel granted (getsockopt SO_RCVBUF: Linux doubles the request, for its
 * bookkeeping), both gauges set in init; a grant short of the request (no
 * CAP_NET_ADMIN, net.core.rmem_max) is logged at info.
 */
#ifndef CEFGUARD_SOURCE_UDP_H
#define CEFGUARD_SOURCE_UDP_H

#include "cefguard/options.h"
#include "cefguard/source.h"

/* The defaults, and what a 0 in the conf means. max_message: the largest UDP payload
 * (65507 bytes over IPv4, 65527 over IPv6) fits whole, so no datagram a sender can send
 * is ever cut unless the operator asks for a smaller bound; its cost is
 * batch x 64 KiB of buffer (2 MiB at the default batch). */
#define CG_SOURCE_UDP_LISTEN "127.0.0.1:5514"
#define CG_SOURCE_UDP_MAX_MESSAGE 65535
#define CG_SOURCE_UDP_BATCH 32
#define CG_SOURCE_UDP_BATCH_MAX 1024
#define CG_SOURCE_UDP_BURST 1024

struct cg_source_udp_conf {
    const char *name;   /* the input's name in logs ("udp"); NULL: "udp". Copied */
    const char *listen; /* address to bind (endpoint.h: "127.0.0.1:5514", "[::1]:0",
                           "*:514": IPv6 any with IPV6_V6ONLY off, IPv4 any without IPv6);
                           NULL: CG_SOURCE_UDP_LISTEN. Read during init only */
    size_t max_message; /* longer datagrams are cut (counted `truncated`); 0: default */
    size_t rcvbuf;      /* SO_RCVBUF asked for (SO_RCVBUFFORCE first, which passes
                           net.core.rmem_max when privileged); 0: the kernel's default */
    unsigned batch;     /* datagrams one recvmmsg reads, 1..1024; 0: default */
    unsigned burst;     /* most datagrams one wakeup reads; 0: default */
};

/* The counters, in the order of the table (cg_source_udp_counters). */
struct cg_source_udp_stats {
    uint64_t received;       /* datagrams read */
    uint64_t bytes;          /* their bytes, as sent (before a cut) */
    uint64_t truncated;      /* longer than max_message: delivered cut */
    uint64_t empty;          /* nothing left after the strip: not delivered */
    uint64_t dropped_kernel; /* dropped by the kernel (a full receive buffer), SO_RXQ_OVFL */
    uint64_t dropped_paused; /* read and discarded while paused */
    uint64_t errors;         /* recv errors other than EAGAIN/EINTR */
    uint64_t capped;         /* wakeups that stopped at the burst bound */
    uint64_t port;           /* gauge: the bound port */
    uint64_t rcvbuf;         /* gauge: the receive buffer the kernel granted, bytes */
};

extern const struct cg_source_ops cg_source_udp_ops;
/* The options of struct cg_source_udp_conf (command bit 0: "udp"); a configuration
 * file's `inputs: NAME: {type: udp, ...}` applies them. */
extern const struct cg_opt_table cg_source_udp_options;
/* The counter table the source sets as s->counters. */
extern const struct cg_counter_table cg_source_udp_counters;

#endif
