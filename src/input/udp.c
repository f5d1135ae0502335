/* udp.c - the UDP syslog input: state, the read path and the ops (see source_udp.h); the
 * socket itself is made in udp_socket.c. */
#include "cefguard/source_udp.h"

#include "cefguard/log.h"

#include "udp_socket.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Room for the one control message asked for (SO_RXQ_OVFL, a uint32_t), with slack for
 * one the kernel may add unasked (it truncates what does not fit: MSG_CTRUNC). */
#define UDP_CTL_SPACE (CMSG_SPACE(sizeof(uint32_t)) * 2)
#define UDP_ERR_LOG_US (10 * 1000000LL) /* recv errors: one log line per 10 s at most */

struct cg_source_udp {
    struct cg_source_udp_stats st;
    struct cg_udp_socket sock;
    struct event *ev;
    size_t max_message;
    unsigned batch, burst;
    uint64_t seq; /* number of the last frame delivered */
    bool started; /* start succeeded: end is owed */
    bool ended;   /* env->end was called */
    bool paused;  /* read and discard */
    /* recv errors: when the last was logged and how many were not since */
    int64_t err_logged_us;
    uint64_t err_held;
    /* the peer of the last datagram, as origin shows it (formatted when it changes) */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    char origin[72];
    /* batch slots, allocated once */
    struct mmsghdr *msgs;
    struct iovec *iov;
    struct sockaddr_storage *peers;
    char *ctl;  /* batch x UDP_CTL_SPACE, aligned for cmsghdr by malloc */
    char *data; /* batch x max_message */
};

/* ---- the counters and options ------------------------------------------------------------ */

#define UDP_COUNTER(name, kind, member, help)                                                      \
    {                                                                                              \
        name, kind, offsetof(struct cg_source_udp_stats, member), help, NULL, 0, 0                 \
    }

static const struct cg_counter udp_counters[] = {
    UDP_COUNTER("received", CG_COUNTER_TOTAL, received, "datagrams read from the socket"),
    UDP_COUNTER("bytes", CG_COUNTER_TOTAL, bytes,
                "bytes of the datagrams read, as sent (before a cut at max-message)"),
    UDP_COUNTER("truncated", CG_COUNTER_TOTAL, truncated,
                "datagrams longer than max-message, delivered cut (raw events line_too_long)"),
    UDP_COUNTER("empty", CG_COUNTER_TOTAL, empty,
                "datagrams with nothing left after the trailing LF, CR LF or NUL: not delivered"),
    UDP_COUNTER("dropped.kernel", CG_COUNTER_TOTAL, dropped_kernel,
                "datagrams the kernel dropped for a full receive buffer (SO_RXQ_OVFL), known "
                "when the next datagram is read"),
    UDP_COUNTER("dropped.paused", CG_COUNTER_TOTAL, dropped_paused,
                "datagrams read and discarded while the input was paused by back-pressure"),
    UDP_COUNTER("errors", CG_COUNTER_TOTAL, errors, "receive errors other than EAGAIN and EINTR"),
    UDP_COUNTER("capped", CG_COUNTER_TOTAL, capped,
                "wakeups that read a whole burst and handed the loop back, more perhaps queued"),
    UDP_COUNTER("port", CG_COUNTER_GAUGE, port, "the bound UDP port"),
    UDP_COUNTER("rcvbuf", CG_COUNTER_GAUGE, rcvbuf,
                "the socket receive buffer the kernel granted, bytes (Linux doubles the request)"),
};

_Static_assert(sizeof(struct cg_source_udp_stats) == sizeof(uint64_t) * CG_ARRAY_LEN(udp_counters),
               "struct cg_source_udp_stats and udp_counters[] differ");

const struct cg_counter_table cg_source_udp_counters = {udp_counters, CG_ARRAY_LEN(udp_counters)};

#define UDP_STR_(x) #x
#define UDP_STR(x) UDP_STR_(x)
#define UDP_AT(member) offsetof(struct cg_source_udp_conf, member)

/* Nothing is reloadable: the socket and the buffers are made once, in init. */
/* clang-format off */
static const struct cg_opt udp_opts[] = {
    {.name = "listen", .type = CG_OPT_LISTEN, .arg = "ADDR", .def = CG_SOURCE_UDP_LISTEN,
     .commands = 1, .offset = UDP_AT(listen),
     .help = "address and port to receive syslog datagrams on (*:514: every address, IPv4 "
             "and IPv6)"},
    {.name = "max-message", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes",
     .def = UDP_STR(CG_SOURCE_UDP_MAX_MESSAGE), .min = 64, .max = CG_SOURCE_UDP_MAX_MESSAGE,
     .commands = 1, .offset = UDP_AT(max_message),
     .help = "longer datagrams are cut there and become raw events line_too_long (counted "
             "truncated); the default takes any datagram whole"},
    {.name = "rcvbuf", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "0",
     .min = 0, .max = 1u << 30, .commands = 1, .offset = UDP_AT(rcvbuf),
     .help = "socket receive buffer to ask for (SO_RCVBUFFORCE when privileged, else "
             "SO_RCVBUF up to net.core.rmem_max); 0: the kernel's default"},
    {.name = "batch", .type = CG_OPT_UINT, .arg = "N", .def = UDP_STR(CG_SOURCE_UDP_BATCH),
     .min = 1, .max = CG_SOURCE_UDP_BATCH_MAX, .commands = 1, .offset = UDP_AT(batch),
     .help = "datagrams one recvmmsg call reads (each takes a max-message buffer)"},
    {.name = "burst", .type = CG_OPT_UINT, .arg = "N", .def = UDP_STR(CG_SOURCE_UDP_BURST),
     .min = 1, .max = 1000000, .commands = 1, .offset = UDP_AT(burst),
     .help = "most datagrams one wakeup reads before the loop runs its other events "
             "(counted capped)"},
};
/* clang-format on */

static const char *const udp_commands[] = {"udp"};

const struct cg_opt_table cg_source_udp_options = {udp_opts, CG_ARRAY_LEN(udp_opts), udp_commands,
                                                   CG_ARRAY_LEN(udp_commands)};

/* ---- the read path ----------------------------------------------------------------------- */

static int64_t udp_clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One ending of a datagram: "\n", "\r\n" or a NUL (source_udp.h). */
static size_t udp_strip(const char *p, size_t n)
{
    if (n && p[n - 1] == '\0')
        return n - 1;
    if (n && p[n - 1] == '\n') {
        n--;
        if (n && p[n - 1] == '\r')
            n--;
    }
    return n;
}

/* The origin of a datagram from sa: formatted again only when the peer changed. */
static const char *udp_origin(struct cg_source_udp *u, const struct sockaddr_storage *sa,
                              socklen_t len)
{
    if (len > sizeof(*sa))
        len = sizeof(*sa);
    if (len != u->peer_len || memcmp(sa, &u->peer, len) != 0) {
        memcpy(&u->peer, sa, len);
        u->peer_len = len;
        cg_udp_socket_format_peer(sa, len, u->origin, sizeof(u->origin));
    }
    return u->origin;
}

/* The socket's drop count as a datagram's SO_RXQ_OVFL message carries it. */
static void udp_drops(struct cg_source_udp *u, struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL ||
            c->cmsg_len < CMSG_LEN(sizeof(uint32_t)))
            continue;
        uint32_t v;
        memcpy(&v, CMSG_DATA(c), sizeof(v));
        cg_udp_socket_drops(&u->sock, v, &u->st.dropped_kernel);
    }
}

static void udp_finish(struct cg_source *s, struct cg_source_udp *u, int rc)
{
    if (u->ended)
        return;
    u->ended = true;
    if (u->ev)
        event_del(u->ev);
    s->env->end(s->env->ctx, s, rc);
}

/* Datagram i of the batch just read: counted, then delivered unless the source is
 * paused or has ended (the rest of a batch after a pause or a stop from env->frame). */
static void udp_datagram(struct cg_source *s, struct cg_source_udp *u, unsigned i, int64_t now)
{
    struct mmsghdr *m = &u->msgs[i];
    const char *p = u->iov[i].iov_base;
    size_t len = m->msg_len; /* MSG_TRUNC asked for: the length as sent */
    u->st.received++;
    u->st.bytes += len;
    udp_drops(u, &m->msg_hdr);
    if (u->paused || u->ended) {
        u->st.dropped_paused++;
        return;
    }
    struct cg_frame f = {.arrival_us = now};
    if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len > u->max_message) {
        u->st.truncated++;
        f.bytes = cg_str_make(p, u->max_message);
        f.cut = true;
    } else {
        f.bytes = cg_str_make(p, udp_strip(p, len));
        if (f.bytes.n == 0) {
            u->st.empty++;
            return;
        }
    }
    f.origin = udp_origin(u, &u->peers[i], m->msg_hdr.msg_namelen);
    f.seq = ++u->seq;
    int rc = s->env->frame(s->env->ctx, s, &f);
    if (rc != CG_OK) { /* logged once: the source ends, nothing more is delivered */
        cg_log(CG_LOG_ERR, "%s: stopped: the pipeline failed a frame from %s: %s", u->sock.label,
               f.origin, cg_err_str(rc));
        udp_finish(s, u, rc);
    }
}

/* A recv error: counted, logged at most once per UDP_ERR_LOG_US with what was held. */
static void udp_error(struct cg_source_udp *u, int e)
{
    u->st.errors++;
    int64_t now = udp_clock_us(CLOCK_MONOTONIC);
    if (u->err_logged_us && now - u->err_logged_us < UDP_ERR_LOG_US) {
        u->err_held++;
        return;
    }
    if (u->err_held)
        cg_log(CG_LOG_WARN, "%s: receive error: %s (and %llu more since the last report)",
               u->sock.label, strerror(e), (unsigned long long)u->err_held);
    else
        cg_log(CG_LOG_WARN, "%s: receive error: %s", u->sock.label, strerror(e));
    u->err_logged_us = now;
    u->err_held = 0;
}

/* Makes slots [0, n) ready for recvmmsg (it rewrites name and control lengths). */
static void udp_arm(struct cg_source_udp *u, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct msghdr *mh = &u->msgs[i].msg_hdr;
        mh->msg_namelen = sizeof(u->peers[i]);
        mh->msg_controllen = UDP_CTL_SPACE;
        mh->msg_flags = 0;
    }
}

/* The read event: batches until EAGAIN, an error, the end, or burst datagrams. */
static void udp_read(evutil_socket_t fd, short what, void *arg)
{
    struct cg_source *s = arg;
    struct cg_source_udp *u = s->self;
    unsigned got = 0;
    while (!u->ended) {
        if (got >= u->burst) {
            u->st.capped++;
            return;
        }
        unsigned want = u->burst - got < u->batch ? u->burst - got : u->batch;
        udp_arm(u, want);
        int n = recvmmsg(fd, u->msgs, want, MSG_TRUNC, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                udp_error(u, errno);
            return;
        }
        int64_t now = udp_clock_us(CLOCK_REALTIME);
        for (unsigned i = 0; i < (unsigned)n; i++)
            udp_datagram(s, u, i, now);
        got += (unsigned)n;
        if ((unsigned)n < want)
            return; /* the socket is empty (the next call would say EAGAIN) */
    }
}

/* ---- the ops ----------------------------------------------------------------------------- */

static void udp_free(struct cg_source_udp *u)
{
    if (u->ev)
        event_free(u->ev);
    cg_udp_socket_close(&u->sock);
    free(u->msgs);
    free(u->iov);
    free(u->peers);
    free(u->ctl);
    free(u->data);
    free(u);
}

/* The batch slots: one buffer of batch x max_message bytes, the iovecs pointing into it. */
static int udp_alloc(struct cg_source_udp *u)
{
    size_t b = u->batch;
    u->msgs = calloc(b, sizeof(*u->msgs));
    u->iov = calloc(b, sizeof(*u->iov));
    u->peers = calloc(b, sizeof(*u->peers));
    u->ctl = calloc(b, UDP_CTL_SPACE);
    u->data = malloc(b * u->max_message);
    if (!u->msgs || !u->iov || !u->peers || !u->ctl || !u->data)
        return CG_ENOMEM;
    for (size_t i = 0; i < b; i++) {
        u->iov[i] = (struct iovec){u->data + i * u->max_message, u->max_message};
        u->msgs[i].msg_hdr = (struct msghdr){.msg_name = &u->peers[i],
                                             .msg_iov = &u->iov[i],
                                             .msg_iovlen = 1,
                                             .msg_control = u->ctl + i * UDP_CTL_SPACE};
    }
    return CG_OK;
}

static int udp_init(struct cg_source *s, const void *conf)
{
    const struct cg_source_udp_conf *c = conf;
    struct cg_source_udp *u = calloc(1, sizeof(*u));
    if (!u)
        return CG_ENOMEM;
    u->max_message = c->max_message ? c->max_message : CG_SOURCE_UDP_MAX_MESSAGE;
    u->batch = c->batch ? c->batch : CG_SOURCE_UDP_BATCH;
    u->burst = c->burst ? c->burst : CG_SOURCE_UDP_BURST;
    int rc = cg_udp_socket_init(&u->sock, c->name ? c->name : "udp");
    if (rc != CG_OK)
        goto out;
    if (u->batch > CG_SOURCE_UDP_BATCH_MAX || u->max_message > CG_SOURCE_UDP_MAX_MESSAGE) {
        cg_log(CG_LOG_ERR, "%s: batch is at most %d and max-message at most %d", u->sock.label,
               CG_SOURCE_UDP_BATCH_MAX, CG_SOURCE_UDP_MAX_MESSAGE);
        rc = CG_EINVAL;
        goto out;
    }
    rc = udp_alloc(u);
    if (rc != CG_OK)
        goto out;
    rc = cg_udp_socket_open(&u->sock, c->listen ? c->listen : CG_SOURCE_UDP_LISTEN, c->rcvbuf);
    if (rc != CG_OK)
        goto out;
    u->st.port = u->sock.port;
    u->st.rcvbuf = u->sock.rcvbuf;
    s->self = u;
    s->counters = &cg_source_udp_counters;
    s->stats = &u->st;
out:
    if (rc != CG_OK)
        udp_free(u);
    return rc;
}

static int udp_start(struct cg_source *s)
{
    struct cg_source_udp *u = s->self;
    if (!s->env->loop) {
        cg_log(CG_LOG_ERR, "%s: needs an event loop", u->sock.label);
        return CG_EINVAL;
    }
    u->ev = event_new(s->env->loop, u->sock.fd, EV_READ | EV_PERSIST, udp_read, s);
    if (!u->ev)
        return CG_ENOMEM;
    if (event_add(u->ev, NULL) != 0) {
        event_free(u->ev);
        u->ev = NULL;
        return CG_ENOMEM;
    }
    u->started = true;
    return CG_OK;
}

static void udp_pause(struct cg_source *s)
{
    struct cg_source_udp *u = s->self;
    u->paused = true;
}

static void udp_resume(struct cg_source *s)
{
    struct cg_source_udp *u = s->self;
    u->paused = false;
}

static void udp_stop(struct cg_source *s)
{
    struct cg_source_udp *u = s->self;
    if (u->started)
        udp_finish(s, u, CG_OK);
}

static void udp_fini(struct cg_source *s)
{
    udp_free(s->self);
    s->self = NULL;
    s->counters = NULL;
    s->stats = NULL;
}

const struct cg_source_ops cg_source_udp_ops = {
    .name = "udp",
    .init = udp_init,
    .start = udp_start,
    .pause = udp_pause,
    .resume = udp_resume,
    .stop = udp_stop,
    .ack = NULL,
    .fini = udp_fini,
};
