/* tcp_conn.c - one TCP or TLS connection: reading, framing, timers, close (see tcp_int.h). */
#include "tcp_int.h"

#include "cefguard/endpoint.h"
#include "cefguard/log.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* What conn_deliver did. */
enum { DELIVER_MORE = 0, DELIVER_HALTED, DELIVER_CLOSED };

static int64_t now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The unread bytes (buf may be NULL between long messages: no arithmetic on it). */
static const char *conn_unread(const struct tcp_conn *c)
{
    return c->buf ? c->buf + c->start : "";
}

/* ---- closing ----------------------------------------------------------------------------- */

void cg_tcp_conn_free(struct tcp_conn *c)
{
    struct tcp_src *t = c->src;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    cg_tcp_event_free(&c->rd_ev);
    cg_tcp_event_free(&c->wr_ev);
    cg_tcp_event_free(&c->timer);
    t->type->close(c);
    close(c->fd);
    free(c->buf);
    t->st.buffered -= c->cap;
    free(c);
    t->st.connections_open--;
}

/* Closes c, counting it in *counter and logging why (NULL: not logged) - unless it is
 * inside its env->frame, where stop has already closed it. */
static void conn_close(struct tcp_conn *c, uint64_t *counter, const char *why)
{
    struct tcp_src *t = c->src;
    (*counter)++;
    if (c->start < c->end)
        t->st.dropped_partial++;
    if (why)
        cg_tcp_log(t, "closed %s: %s", c->origin, why);
    cg_tcp_conn_free(c);
}

/* A framing error: the reason and the first bytes where it was found, escaped. */
static void conn_close_framing(struct tcp_conn *c, enum cg_octet_rc rc, const char *why)
{
    struct tcp_src *t = c->src;
    struct cg_buf b;
    cg_buf_init(&b);
    cg_buf_printf(&b, "%s at \"", why);
    cg_log_escape(&b, conn_unread(c), c->end - c->start, 16);
    cg_buf_putc(&b, '"');
    conn_close(c, rc == CG_OCTET_BAD_COUNT ? &t->st.closed_bad_octet_count : &t->st.closed_too_long,
               cg_buf_cstr(&b));
    cg_buf_fini(&b);
}

/* ---- timers ------------------------------------------------------------------------------ */

/* When c is due to be closed (monotonic), or 0: never. */
static int64_t conn_deadline(const struct tcp_conn *c)
{
    const struct tcp_src *t = c->src;
    int64_t d = t->idle_us ? c->last_us + t->idle_us : 0;
    if (c->frame_us && t->frame_timeout_us) {
        int64_t f = c->frame_us + t->frame_timeout_us;
        if (d == 0 || f < d)
            d = f;
    }
    return d;
}

static void conn_arm(struct tcp_conn *c, int64_t now)
{
    int64_t d = conn_deadline(c);
    if (d == 0) {
        evtimer_del(c->timer);
        c->armed_us = 0;
        return;
    }
    int64_t in = d > now ? d - now : 0;
    struct timeval tv = {(time_t)(in / 1000000), (suseconds_t)(in % 1000000)};
    evtimer_add(c->timer, &tv);
    c->armed_us = d;
}

/* The clocks only move the deadline later, except a message (or handshake) beginning:
 * the timer is re-armed then, and otherwise checked lazily when it fires. */
static void conn_frame_begins(struct tcp_conn *c)
{
    c->frame_us = c->now;
    int64_t d = conn_deadline(c);
    if (c->armed_us == 0 || d < c->armed_us)
        conn_arm(c, c->now);
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct tcp_conn *c = arg;
    struct tcp_src *t = c->src;
    int64_t now = cg_tcp_now_mono();
    c->armed_us = 0;
    if (t->paused || t->stopped)
        return;
    if (c->frame_us && t->frame_timeout_us && now >= c->frame_us + t->frame_timeout_us) {
        conn_close(c, &t->st.closed_slow,
                   c->established ? "message not complete within frame-timeout"
                                  : "TLS handshake not complete within frame-timeout");
        return;
    }
    if (t->idle_us && now >= c->last_us + t->idle_us) {
        conn_close(c, &t->st.closed_idle, "no byte within idle-timeout");
        return;
    }
    conn_arm(c, now);
}

/* ---- reading ----------------------------------------------------------------------------- */

/* Waits for readability (or, for TLS, writability) before the next step. */
static void conn_wait(struct tcp_conn *c, bool write)
{
    if (write) {
        event_del(c->rd_ev);
        event_add(c->wr_ev, NULL);
    } else {
        event_del(c->wr_ev);
        event_add(c->rd_ev, NULL);
    }
}

/* Hands over the complete frames c holds, until one more byte is needed, the source halts
 * (pause, stop) or c is closed. */
static int conn_deliver(struct tcp_conn *c, bool stopping)
{
    struct tcp_src *t = c->src;
    const struct cg_source_env *env = t->s->env;
    struct cg_frame f = {.origin = c->origin, .arrival_us = c->arrival_us};
    bool delivered = false;
    for (;;) {
        if (t->paused && !stopping)
            return DELIVER_HALTED;
        size_t used;
        const char *why = NULL;
        enum cg_octet_rc rc =
            cg_octet_next(&c->fr, conn_unread(c), c->end - c->start, &f.bytes, &used, &why);
        if (rc == CG_OCTET_BAD_COUNT || rc == CG_OCTET_TOO_LONG) {
            conn_close_framing(c, rc, why);
            return DELIVER_CLOSED;
        }
        if (rc == CG_OCTET_MORE) {
            c->start += used;
            break;
        }
        f.seq = ++c->seq;
        t->st.received++;
        t->delivering = c;
        int frc = env->frame(env->ctx, t->s, &f);
        t->delivering = NULL;
        c->start += used;
        delivered = true;
        if (c->closing) { /* stop came from within the frame: it counted c */
            if (c->start < c->end)
                t->st.dropped_partial++;
            cg_tcp_conn_free(c);
            return DELIVER_CLOSED;
        }
        if (frc != CG_OK) {
            cg_tcp_log(t, "closed %s: the pipeline failed a message: %s", c->origin,
                       cg_err_str((enum cg_err)frc));
            conn_close(c, &t->st.closed_frame_error, NULL);
            return DELIVER_CLOSED;
        }
        if (t->stopped && !stopping)
            return DELIVER_HALTED;
    }
    if (c->start == c->end) {
        c->start = c->end = 0;
        c->frame_us = 0;
    } else if ((delivered || c->frame_us == 0) && c->now) {
        conn_frame_begins(c);
    }
    return DELIVER_MORE;
}

/* What conn_room found. */
enum { ROOM_OK, ROOM_NOMEM, ROOM_BUDGET };

/* Room for one read of at least 4 KiB: the unread bytes moved to the front when the tail
 * is short, the buffer doubled up to what the framing may hold plus one read, or given
 * back once a long message is done. ROOM_BUDGET: growing it would take the input's
 * buffers beyond max_buffered. */
static int conn_room(struct tcp_conn *c)
{
    struct tcp_src *t = c->src;
    size_t unread = c->end - c->start;
    size_t max = cg_octet_max_pending(&c->fr) + TCP_READ_CHUNK;
    if (unread == 0 && c->cap > 4 * TCP_BUF_INITIAL) {
        free(c->buf);
        t->st.buffered -= c->cap;
        c->buf = NULL;
        c->cap = c->start = c->end = 0;
    }
    if (c->start > 0 && c->cap - c->end < TCP_READ_CHUNK) {
        memmove(c->buf, c->buf + c->start, unread);
        c->start = 0;
        c->end = unread;
    }
    if (c->cap - c->end >= TCP_ROOM_MIN || c->cap >= max)
        return c->cap > c->end ? ROOM_OK : ROOM_NOMEM;
    size_t cap = c->cap ? c->cap * 2 : TCP_BUF_INITIAL;
    if (cap > max)
        cap = max;
    if (t->st.buffered - c->cap + cap > t->max_buffered)
        return ROOM_BUDGET;
    char *p = realloc(c->buf, cap);
    if (!p)
        return ROOM_NOMEM;
    t->st.buffered += cap - c->cap;
    c->buf = p;
    c->cap = cap;
    return ROOM_OK;
}

/* The peer closed: the complete frames are delivered already, the rest is a last LF
 * message or an incomplete frame. */
static void conn_eof(struct tcp_conn *c)
{
    struct tcp_src *t = c->src;
    const struct cg_source_env *env = t->s->env;
    struct cg_frame f = {.origin = c->origin, .arrival_us = c->arrival_us};
    if (cg_octet_eof(&c->fr, conn_unread(c), c->end - c->start, &f.bytes)) {
        f.seq = ++c->seq;
        t->st.received++;
        t->st.eof_partial++;
        t->delivering = c;
        int frc = env->frame(env->ctx, t->s, &f);
        t->delivering = NULL;
        c->start = c->end;
        if (c->closing) {
            cg_tcp_conn_free(c);
            return;
        }
        if (frc != CG_OK) {
            conn_close(c, &t->st.closed_frame_error, NULL);
            return;
        }
    }
    conn_close(c, &t->st.closed_eof, NULL);
}

/* The handshake, then: what is buffered, and up to TCP_READS_PER_WAKEUP reads, each
 * followed by delivering what it completed. */
static void conn_io(struct tcp_conn *c)
{
    struct tcp_src *t = c->src;
    c->now = cg_tcp_now_mono();
    if (!c->established) {
        enum tcp_io r = t->type->step(c);
        if (r == TCP_IO_WANT_READ || r == TCP_IO_WANT_WRITE) {
            conn_wait(c, r == TCP_IO_WANT_WRITE);
            return;
        }
        if (r != TCP_IO_OK) {
            conn_close(c, &t->st.closed_tls_handshake, c->why ? c->why : "handshake failed");
            return;
        }
        c->established = true;
        c->frame_us = 0;
        c->last_us = c->now;
    }
    if (conn_deliver(c, false) != DELIVER_MORE)
        return;
    for (int i = 0; i < TCP_READS_PER_WAKEUP; i++) {
        int room = conn_room(c);
        if (room != ROOM_OK) {
            if (room == ROOM_BUDGET)
                conn_close(c, &t->st.closed_memory, "the input's buffers are at max-buffered");
            else
                conn_close(c, &t->st.closed_error, "out of memory");
            return;
        }
        size_t want = c->cap - c->end < TCP_READ_CHUNK ? c->cap - c->end : TCP_READ_CHUNK;
        size_t got = 0;
        enum tcp_io r = t->type->read(c, c->buf + c->end, want, &got);
        switch (r) {
        case TCP_IO_OK:
            c->end += got;
            t->st.bytes += got;
            c->last_us = c->now;
            c->arrival_us = now_real();
            if (conn_deliver(c, false) != DELIVER_MORE)
                return;
            break;
        case TCP_IO_WANT_READ:
        case TCP_IO_WANT_WRITE: conn_wait(c, r == TCP_IO_WANT_WRITE); return;
        case TCP_IO_EOF: conn_eof(c); return;
        case TCP_IO_ERROR:
            conn_close(c, &t->st.closed_error, c->why ? c->why : "read error");
            return;
        }
    }
    event_active(c->rd_ev, EV_READ, 0); /* more may be waiting: on the next loop turn */
}

static void conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
    struct tcp_conn *c = arg;
    struct tcp_src *t = c->src;
    if (t->paused || t->stopped)
        return;
    conn_io(c);
}

/* ---- the life of a connection ------------------------------------------------------------ */

/* "1.2.3.4:5" for an IPv4 peer of a dual-stack listener too. */
static void conn_origin(struct tcp_conn *c, const struct sockaddr *sa, socklen_t salen)
{
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    if (sa->sa_family == AF_INET6 && salen >= sizeof(*s6) && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
        struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = s6->sin6_port};
        memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
        cg_endpoint_format((const struct sockaddr *)&s4, sizeof(s4), c->origin, sizeof(c->origin));
        return;
    }
    cg_endpoint_format(sa, salen, c->origin, sizeof(c->origin));
}

int cg_tcp_conn_new(struct tcp_src *t, int fd, const struct sockaddr *sa, socklen_t salen)
{
    struct event_base *loop = t->s->env->loop;
    struct tcp_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return CG_ENOMEM;
    }
    c->src = t;
    c->fd = fd;
    cg_octet_init(&c->fr, t->max_message);
    conn_origin(c, sa, salen);
    c->rd_ev = event_new(loop, fd, EV_READ | EV_PERSIST, conn_io_cb, c);
    c->wr_ev = event_new(loop, fd, EV_WRITE, conn_io_cb, c);
    c->timer = evtimer_new(loop, conn_timer_cb, c);
    c->next = t->conns;
    if (t->conns)
        t->conns->prev = c;
    t->conns = c;
    t->st.connections_open++;
    if (!c->rd_ev || !c->wr_ev || !c->timer || t->type->open(c) != CG_OK) {
        cg_tcp_conn_free(c);
        return CG_ENOMEM;
    }
    t->st.connections_accepted++;
    c->now = c->last_us = cg_tcp_now_mono();
    c->established = !t->type->handshake;
    if (!c->established)
        c->frame_us = c->now;
    conn_arm(c, c->now);
    if (t->paused)
        cg_tcp_conn_pause(c);
    else
        event_active(c->rd_ev, EV_READ, 0); /* a TLS handshake begins; plain bytes may wait */
    return CG_OK;
}

void cg_tcp_conn_pause(struct tcp_conn *c)
{
    event_del(c->rd_ev);
    event_del(c->wr_ev);
    evtimer_del(c->timer);
    c->armed_us = 0;
}

void cg_tcp_conn_resume(struct tcp_conn *c)
{
    c->now = c->last_us = cg_tcp_now_mono();
    if (c->frame_us)
        c->frame_us = c->now;
    conn_arm(c, c->now);
    event_add(c->rd_ev, NULL);
    event_active(c->rd_ev, EV_READ, 0);
}

void cg_tcp_conn_stop(struct tcp_conn *c, bool deliver)
{
    struct tcp_src *t = c->src;
    if (c == t->delivering) {
        c->closing = true;
        t->st.closed_stop++;
        return;
    }
    c->now = 0; /* no timers any more */
    if (deliver && c->established && conn_deliver(c, true) == DELIVER_CLOSED)
        return;
    conn_close(c, &t->st.closed_stop, NULL);
}

/* ---- plain TCP --------------------------------------------------------------------------- */

static int plain_open(struct tcp_conn *c)
{
    return CG_OK;
}

static enum tcp_io plain_step(struct tcp_conn *c)
{
    return TCP_IO_OK;
}

static enum tcp_io plain_read(struct tcp_conn *c, char *buf, size_t n, size_t *got)
{
    for (;;) {
        ssize_t r = read(c->fd, buf, n);
        if (r > 0) {
            *got = (size_t)r;
            return TCP_IO_OK;
        }
        if (r == 0)
            return TCP_IO_EOF;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return TCP_IO_WANT_READ;
        if (errno != EINTR) {
            c->why = strerror(errno);
            return TCP_IO_ERROR;
        }
    }
}

static void plain_close(struct tcp_conn *c)
{
}

const struct tcp_conn_type cg_tcp_conn_plain = {
    .name = "tcp",
    .handshake = false,
    .open = plain_open,
    .step = plain_step,
    .read = plain_read,
    .close = plain_close,
};
