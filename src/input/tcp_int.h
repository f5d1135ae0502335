/*
 * tcp_int.h - the TCP and TLS inputs' private parts (src/input/tcp.c: the source and its
 * listener; tcp_conn.c: one connection, its framing, timers and close; tcp_conf.c: the
 * option and counter tables; tls.c: the TLS connection type). source_tcp.h is the
 * contract.
 *
 * Connection types (after Redis's connection.h): what differs between plain TCP and TLS
 * is how a connection is set up, its handshake and how bytes are read from it; reading
 * into the buffer, framing, limits, timers and counters are the same code for both.
 */
#ifndef CEFGUARD_INPUT_TCP_INT_H
#define CEFGUARD_INPUT_TCP_INT_H

#include "cefguard/source_tcp.h"

#include "framing_octet.h"

#include <stdarg.h>
#include <sys/socket.h>

#define TCP_READ_CHUNK (64 * 1024)  /* most bytes one read asks for */
#define TCP_BUF_INITIAL (16 * 1024) /* a connection's buffer before a long message */
#define TCP_ROOM_MIN 4096           /* less room than this for a read: the buffer grows */
#define TCP_READS_PER_WAKEUP 4      /* then the connection waits for the next loop turn */
#define TCP_ACCEPTS_PER_WAKEUP 64
#define TCP_ACCEPT_BACKOFF_US 100000 /* accepting pauses this long when it cannot go on */
#define TCP_LOG_BURST 10             /* connection logs per TCP_LOG_INTERVAL_US per input */
#define TCP_LOG_INTERVAL_US (10 * INT64_C(1000000))

struct event;
struct tcp_conn;
struct tcp_src;

/* What a connection type's handshake and read report. */
enum tcp_io {
    TCP_IO_OK,         /* done / bytes read */
    TCP_IO_EOF,        /* the peer closed */
    TCP_IO_WANT_READ,  /* nothing now: wait until the socket is readable */
    TCP_IO_WANT_WRITE, /* TLS: wait until the socket is writable, then call again */
    TCP_IO_ERROR,      /* the connection is broken; c->why says how */
};

/* A connection type. Every function gets a connection whose fd is the accepted,
 * non-blocking socket; none of them blocks, logs or closes the fd. */
struct tcp_conn_type {
    const char *name; /* "tcp", "tls" */
    bool handshake;   /* the connection begins with a handshake (a started frame) */
    /* Sets up c's state of this type (c->tls). CG_OK or CG_ENOMEM. */
    int (*open)(struct tcp_conn *c);
    /* One step of the handshake: TCP_IO_OK when it is complete, WANT_*, or ERROR. */
    enum tcp_io (*step)(struct tcp_conn *c);
    /* Reads at most n bytes into buf: TCP_IO_OK with *got > 0, EOF, WANT_*, ERROR. */
    enum tcp_io (*read)(struct tcp_conn *c, char *buf, size_t n, size_t *got);
    /* Releases what open set up (not the fd). */
    void (*close)(struct tcp_conn *c);
};

extern const struct tcp_conn_type cg_tcp_conn_plain;
extern const struct tcp_conn_type cg_tcp_conn_tls;

struct tcp_conn {
    struct tcp_src *src;
    struct tcp_conn *prev, *next; /* the source's open connections */
    int fd;
    void *tls; /* the type's state (an SSL *) */
    struct event *rd_ev, *wr_ev, *timer;
    char *buf; /* cap bytes: the unread bytes are buf[start, end) */
    size_t cap, start, end;
    struct cg_octet fr;
    uint64_t seq;       /* frames delivered */
    int64_t arrival_us; /* wall clock of the last read */
    int64_t now;        /* monotonic clock of this wakeup */
    int64_t last_us;    /* monotonic: the last byte read (or accept, or resume) */
    int64_t frame_us;   /* monotonic: when the incomplete message began; 0: none */
    int64_t armed_us;   /* monotonic: when the timer fires; 0: not armed */
    bool established;   /* the handshake is done (plain: at once) */
    bool closing;       /* stop came from within this connection's env->frame */
    const char *why;    /* ERROR from the type: how (may point into why_buf) */
    char why_buf[160];
    char origin[64]; /* "127.0.0.1:40000" */
};

struct tcp_src {
    struct cg_source *s;
    const struct tcp_conn_type *type;
    char name[64];
    size_t max_message;
    unsigned max_connections;
    size_t max_buffered;
    int64_t idle_us, frame_timeout_us;
    int lfd;   /* the listening socket */
    int spare; /* /dev/null, given up for an accept under EMFILE; -1 while missing */
    struct event *accept_ev, *backoff_ev;
    bool accept_on; /* accept_ev is added */
    bool backing_off;
    struct tcp_conn *conns;      /* open connections, newest first */
    struct tcp_conn *delivering; /* inside env->frame for this one */
    bool started, paused, stopped, ended;
    void *tls_ctx; /* SSL_CTX * of the tls type */
    struct {
        int64_t window;
        unsigned n;
        uint64_t held;
    } log;
    struct cg_source_tcp_stats st;
};

int64_t cg_tcp_now_mono(void);
/* event_free(*ev) when it is set, and *ev = NULL. */
void cg_tcp_event_free(struct event **ev);
/* "input NAME: ..." at warning level, at most TCP_LOG_BURST per TCP_LOG_INTERVAL_US. */
void cg_tcp_log(struct tcp_src *t, const char *fmt, ...) CG_PRINTF(2, 3);

/* Takes the accepted socket fd (non-blocking) of peer sa as a new connection and starts
 * reading it. CG_OK, or CG_ENOMEM with fd closed. */
int cg_tcp_conn_new(struct tcp_src *t, int fd, const struct sockaddr *sa, socklen_t salen);
/* Stops (pause) or restarts (resume: clocks reset, buffered frames delivered on the next
 * loop turn) the events of c. */
void cg_tcp_conn_pause(struct tcp_conn *c);
void cg_tcp_conn_resume(struct tcp_conn *c);
/* At stop: delivers the complete frames c holds (deliver), counts it closed.stop and
 * frees it - unless it is the one delivering, which is marked closing and freed when its
 * env->frame returns. */
void cg_tcp_conn_stop(struct tcp_conn *c, bool deliver);
/* Frees c (fini). */
void cg_tcp_conn_free(struct tcp_conn *c);

/* tls.c: the server context from the conf (CG_EINVAL after logging what is wrong,
 * CG_ENOMEM), and its release. */
int cg_tcp_tls_init(struct tcp_src *t, const struct cg_source_tcp_conf *c);
void cg_tcp_tls_fini(struct tcp_src *t);

#endif
