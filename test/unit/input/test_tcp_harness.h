/*
 * test_tcp_harness.h - what test_tcp.c and test_tls.c share (include after cmocka.h): a
 * TCP or TLS source on a real event_base, listening on 127.0.0.1:0, with a fake pipeline
 * that checks numbered messages per connection (exactly once, in order, exact bytes),
 * sender threads writing numbered messages in both framings and in pieces of awkward
 * sizes, and a loop runner that waits on a condition with a deadline.
 */
#ifndef CEFGUARD_TEST_TCP_HARNESS_H
#define CEFGUARD_TEST_TCP_HARNESS_H

#include "cefguard/buf.h"
#include "cefguard/log.h"
#include "cefguard/source_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define H_MAX_CONNS 64

/* What one connection (origin) delivered. */
struct h_conn {
    char origin[64];
    int id;          /* the sender's id from its first message; -1 not numbered */
    uint64_t frames; /* its frames; each must have been number frames */
};

struct h {
    struct event_base *base;
    struct cg_source s;
    struct cg_source_env env;
    struct cg_source_tcp_conf conf;
    struct h_conn conns[H_MAX_CONNS];
    size_t nconns;
    uint64_t frames;
    int ends, end_rc;
    bool numbered;       /* every frame is a numbered message (h_msg) */
    uint64_t octet_mask; /* bit id: sender id uses octet counting */
    uint64_t pause_at;   /* pause from within frame number pause_at (over all) */
    uint64_t stop_at;    /* stop from within frame number stop_at */
    int fail_id;         /* env->frame fails the frames of this sender id (>= 0) */
    uint64_t fail_after; /* ... after this many of its frames */
    char last[128];      /* the last frame, escaped */
};

static inline int64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline struct cg_source_tcp_stats *h_st(struct h *h)
{
    return (struct cg_source_tcp_stats *)h->s.stats;
}

/* Message N of sender id: "<13>cg ID N " then filler of a length that varies with N,
 * with an LF in the middle for octet counting. */
static inline void h_msg(struct cg_buf *b, int id, uint64_t n, bool octet)
{
    char head[64];
    int hn = snprintf(head, sizeof(head), "<13>cg %d %llu ", id, (unsigned long long)n);
    size_t fill = (n * 37) % 300;
    size_t len = (size_t)hn + fill;
    if (octet)
        cg_buf_printf(b, "%zu ", len);
    cg_buf_put(b, head, (size_t)hn);
    for (size_t i = 0; i < fill; i++)
        cg_buf_putc(b, octet && fill >= 3 && i == fill / 2 ? '\n' : (char)('a' + (n + i) % 26));
    if (!octet)
        cg_buf_putc(b, '\n');
}

static struct h_conn *h_conn_of(struct h *h, const char *origin)
{
    for (size_t i = 0; i < h->nconns; i++)
        if (strcmp(h->conns[i].origin, origin) == 0)
            return &h->conns[i];
    assert_true(h->nconns < H_MAX_CONNS);
    struct h_conn *c = &h->conns[h->nconns++];
    snprintf(c->origin, sizeof(c->origin), "%s", origin);
    c->id = -1;
    return c;
}

/* Checks a numbered frame against the message its sender must have sent. */
static void h_check_numbered(struct h_conn *c, const struct cg_frame *f, uint64_t octet_mask)
{
    int id = -1;
    unsigned long long n = 0;
    char head[64];
    size_t hl = f->bytes.n < sizeof(head) - 1 ? f->bytes.n : sizeof(head) - 1;
    memcpy(head, f->bytes.p, hl);
    head[hl] = '\0';
    if (sscanf(head, "<13>cg %d %llu ", &id, &n) != 2)
        fail_msg("%s: not a numbered message: %s", c->origin, head);
    if (c->id < 0)
        c->id = id;
    if (id != c->id || n != f->seq || n != c->frames)
        fail_msg("%s: message %d %llu as seq %llu, frame %llu of sender %d", c->origin, id, n,
                 (unsigned long long)f->seq, (unsigned long long)c->frames, c->id);
    bool octet = id >= 0 && id < 64 && (octet_mask >> id & 1);
    struct cg_buf want;
    cg_buf_init(&want);
    h_msg(&want, id, n, octet);
    const char *w = want.p;
    size_t wn = want.n;
    if (octet) { /* past "LEN " */
        const char *sp = memchr(w, ' ', wn);
        wn -= (size_t)(sp + 1 - w);
        w = sp + 1;
    } else {
        wn--; /* its LF */
    }
    if (!cg_str_eq(f->bytes, cg_str_make(w, wn)))
        fail_msg("%s: message %d %llu is not the bytes sent (%zu bytes, %zu sent)", c->origin, id,
                 n, f->bytes.n, wn);
    cg_buf_fini(&want);
}

static int h_frame(void *ctx, struct cg_source *s, const struct cg_frame *f)
{
    struct h *h = ctx;
    assert_int_equal(h->ends, 0);
    assert_false(f->cut);
    assert_int_equal(f->ack, 0);
    assert_true(f->arrival_us > 1600000000ll * 1000000);
    h->frames++;
    struct h_conn *c = h_conn_of(h, f->origin);
    c->frames++;
    assert_int_equal(f->seq, c->frames);
    struct cg_buf b;
    cg_buf_init(&b);
    cg_log_escape(&b, f->bytes.p, f->bytes.n, 100);
    snprintf(h->last, sizeof(h->last), "%s", cg_buf_cstr(&b));
    cg_buf_fini(&b);
    if (h->numbered)
        h_check_numbered(c, f, h->octet_mask);
    if (h->frames == h->pause_at)
        s->ops->pause(s);
    if (h->frames == h->stop_at)
        s->ops->stop(s);
    if (h->fail_id >= 0 && c->id == h->fail_id && c->frames > h->fail_after)
        return CG_EIO;
    return CG_OK;
}

static int h_sync(void *ctx, struct cg_source *s)
{
    fail_msg("TCP does not acknowledge: it has no reason to sync");
    return CG_OK;
}

static void h_end(void *ctx, struct cg_source *s, int rc)
{
    struct h *h = ctx;
    h->ends++;
    h->end_rc = rc;
}

/* A conf for 127.0.0.1:0 with short timeouts left to the test. */
static inline void h_conf(struct h *h)
{
    memset(&h->conf, 0, sizeof(h->conf));
    h->conf.name = "t";
    h->conf.listen = "127.0.0.1:0";
}

/* A loop (unless no_loop) and the source's init with h->conf: its rc. */
static inline int h_init_only(struct h *h, const struct cg_source_ops *ops, bool no_loop)
{
    h->base = no_loop ? NULL : event_base_new();
    assert_true(no_loop || h->base);
    h->env = (struct cg_source_env){h, h->base, h_frame, h_sync, h_end};
    h->s.ops = ops;
    h->s.env = &h->env;
    h->fail_id = -1;
    return ops->init(&h->s, &h->conf);
}

/* init and start on a loop. */
static inline int h_init(struct h *h, const struct cg_source_ops *ops)
{
    int rc = h_init_only(h, ops, false);
    if (rc != CG_OK)
        return rc;
    assert_null(ops->ack);
    assert_non_null(h->s.counters);
    assert_int_equal(ops->start(&h->s), CG_OK);
    assert_true(h_st(h)->port > 0);
    return CG_OK;
}

/* Stops (if not yet), checks the end came once and every connection is closed, frees. */
static inline void h_fini(struct h *h)
{
    h->s.ops->stop(&h->s);
    assert_int_equal(h->ends, 1);
    assert_int_equal(h_st(h)->connections_open, 0);
    h->s.ops->fini(&h->s);
    event_base_free(h->base);
}

/* Runs the loop in 10 ms turns until cond holds; fails after ms. */
#define H_RUN_UNTIL(h, cond, ms)                                                                   \
    do {                                                                                           \
        int64_t end_ = h_now_ms() + (ms);                                                          \
        while (!(cond)) {                                                                          \
            if (h_now_ms() > end_)                                                                 \
                fail_msg("timed out waiting for %s (%llu frames)", #cond,                          \
                         (unsigned long long)(h)->frames);                                         \
            struct timeval tv_ = {0, 10000};                                                       \
            event_base_loopexit((h)->base, &tv_);                                                  \
            event_base_dispatch((h)->base);                                                        \
        }                                                                                          \
    } while (0)

/* Runs the loop for ms. */
static inline void h_run_for(struct h *h, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(h->base, &tv);
    event_base_dispatch(h->base);
}

/* A connected, non-blocking client socket to the source. */
static inline int h_connect(struct h *h)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h_st(h)->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Writes all of p (blocking socket) in pieces cycling through sizes; false: the peer
 * closed (EPIPE, ECONNRESET). */
static inline bool h_write_pieces(int fd, const char *p, size_t n, const size_t *sizes,
                                  size_t nsizes)
{
    size_t k = 0;
    while (n > 0) {
        size_t want = sizes[k++ % nsizes];
        if (want > n)
            want = n;
        ssize_t w = send(fd, p, want, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* A sender thread: connects, writes n numbered messages (or the bytes given) and closes. */
struct h_sender {
    uint16_t port;
    int id;
    uint64_t n;
    bool octet;
    const char *bytes; /* instead of messages: these */
    size_t nbytes;
    int (*connect_fn)(struct h_sender *); /* NULL: plain TCP */
    bool (*write_fn)(struct h_sender *, const char *, size_t);
    void (*close_fn)(struct h_sender *);
    void *tls; /* the TLS client's state */
    int fd;
    bool ok; /* every byte was written */
    pthread_t th;
};

static void *h_sender_main(void *arg)
{
    struct h_sender *s = arg;
    static const size_t sizes[] = {1, 7, 100, 1499, 3, 65536, 250, 20000};
    struct cg_buf b;
    cg_buf_init(&b);
    if (s->bytes)
        cg_buf_put(&b, s->bytes, s->nbytes);
    for (uint64_t i = 1; !s->bytes && i <= s->n; i++)
        h_msg(&b, s->id, i, s->octet);
    if (s->connect_fn) {
        if (s->connect_fn(s) == 0) {
            s->ok = s->write_fn(s, b.p, b.n);
            s->close_fn(s);
        }
    } else {
        s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(s->port)};
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(s->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
            s->ok = h_write_pieces(s->fd, b.p, b.n, sizes + (s->id % 4), CG_ARRAY_LEN(sizes) - 4);
        close(s->fd);
    }
    cg_buf_fini(&b);
    return NULL;
}

static inline void h_sender_start(struct h *h, struct h_sender *s, int id, uint64_t n, bool octet)
{
    s->port = (uint16_t)h_st(h)->port;
    s->id = id;
    s->n = n;
    s->octet = octet;
    assert_int_equal(pthread_create(&s->th, NULL, h_sender_main, s), 0);
}

static inline void h_sender_join(struct h_sender *s)
{
    assert_int_equal(pthread_join(s->th, NULL), 0);
}

/* The connection (origin) sender id delivered on, or NULL. */
static inline struct h_conn *h_conn_by_id(struct h *h, int id)
{
    for (size_t i = 0; i < h->nconns; i++)
        if (h->conns[i].id == id)
            return &h->conns[i];
    return NULL;
}

#endif
