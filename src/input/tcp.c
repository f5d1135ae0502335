/* tcp.c - the TCP and TLS sources and their listener (see source_tcp.h, tcp_int.h). */
#include "tcp_int.h"

#include "cefguard/endpoint.h"
#include "cefguard/log.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int64_t cg_tcp_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void cg_tcp_event_free(struct event **ev)
{
    if (*ev)
        event_free(*ev);
    *ev = NULL;
}

void cg_tcp_log(struct tcp_src *t, const char *fmt, ...)
{
    int64_t now = cg_tcp_now_mono();
    if (t->log.window == 0 || now - t->log.window >= TCP_LOG_INTERVAL_US) {
        t->log.window = now;
        t->log.n = 0;
    }
    if (t->log.n >= TCP_LOG_BURST) {
        t->log.held++;
        return;
    }
    t->log.n++;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (t->log.held)
        cg_log(CG_LOG_WARN, "input %s: %s (and %llu more not shown)", t->name, msg,
               (unsigned long long)t->log.held);
    else
        cg_log(CG_LOG_WARN, "input %s: %s", t->name, msg);
    t->log.held = 0;
}

/* ---- accepting --------------------------------------------------------------------------- */

static void accept_enable(struct tcp_src *t, bool on)
{
    if (on == t->accept_on)
        return;
    if (on)
        event_add(t->accept_ev, NULL);
    else
        event_del(t->accept_ev);
    t->accept_on = on;
}

static bool accept_wanted(const struct tcp_src *t)
{
    return t->started && !t->paused && !t->stopped && !t->backing_off;
}

static void backoff_cb(evutil_socket_t fd, short what, void *arg)
{
    struct tcp_src *t = arg;
    t->backing_off = false;
    if (t->spare < 0)
        t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    accept_enable(t, accept_wanted(t));
}

/* Accepting stops for TCP_ACCEPT_BACKOFF_US: the pending connection stays in the
 * backlog, and the loop does not spin on it. */
static void accept_backoff(struct tcp_src *t)
{
    struct timeval tv = {0, TCP_ACCEPT_BACKOFF_US};
    t->backing_off = true;
    accept_enable(t, false);
    evtimer_add(t->backoff_ev, &tv);
}

/* Out of descriptors: the spare makes room to take the connection off the backlog and
 * close it (OpenBSD syslogd). Linux says EMFILE before it looks at the backlog, so there
 * may be none. 1: one was taken; 0: none is waiting; -1: no spare or no room even so
 * (accepting backs off). */
static int accept_emfile(struct tcp_src *t, int e)
{
    if (t->spare < 0)
        return -1;
    close(t->spare);
    t->spare = -1;
    int fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
    int got = errno;
    if (fd >= 0) {
        close(fd);
        t->st.rejected_emfile++;
        cg_tcp_log(t, "a connection refused: %s", strerror(e));
    }
    t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (t->spare < 0)
        return -1;
    if (fd >= 0)
        return 1;
    return got == EAGAIN || got == EWOULDBLOCK ? 0 : -1;
}

/* One accept. false: none is left for now (or accepting backs off). */
static bool accept_one(struct tcp_src *t)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept4(t->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        switch (e) {
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
            return false;
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case EPERM: return true; /* that one is gone; the next may be fine */
        case EMFILE:
        case ENFILE: {
            int r = accept_emfile(t, e);
            if (r >= 0)
                return r > 0;
            break;
        }
        default: break;
        }
        t->st.accept_errors++;
        cg_tcp_log(t, "accept: %s (accepting pauses)", strerror(e));
        accept_backoff(t);
        return false;
    }
    if (t->st.connections_open >= t->max_connections) {
        close(fd);
        t->st.rejected_max_connections++;
        cg_tcp_log(t, "a connection refused: max-connections (%u) are open", t->max_connections);
        return true;
    }
    if (cg_tcp_conn_new(t, fd, (struct sockaddr *)&ss, len) != CG_OK) {
        t->st.accept_errors++;
        cg_tcp_log(t, "a connection refused: out of memory");
    }
    return true;
}

static void accept_cb(evutil_socket_t fd, short what, void *arg)
{
    struct tcp_src *t = arg;
    for (int i = 0; i < TCP_ACCEPTS_PER_WAKEUP && accept_wanted(t); i++)
        if (!accept_one(t))
            return;
}

/* ---- the listener ------------------------------------------------------------------------ */

static int tcp_listen(struct tcp_src *t, const char *addr)
{
    struct cg_buf err;
    struct cg_endpoint ep;
    cg_buf_init(&err);
    int rc = cg_endpoint_parse(addr, 0, &ep, &err);
    if (rc != CG_OK) {
        cg_log(CG_LOG_ERR, "input %s: listen: %s", t->name, cg_buf_cstr(&err));
        goto out;
    }
    rc = CG_EIO;
    int one = 1, zero = 0;
    t->lfd = socket(ep.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->lfd < 0 || setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (ep.ss.ss_family == AF_INET6 &&
         setsockopt(t->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) != 0) ||
        bind(t->lfd, (struct sockaddr *)&ep.ss, ep.sslen) != 0 || listen(t->lfd, SOMAXCONN) != 0) {
        int e = errno;
        cg_log(CG_LOG_ERR, "input %s: cannot bind %s: %s", t->name, addr, strerror(e));
        errno = e;
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(t->lfd, (struct sockaddr *)&ss, &len) != 0)
        goto out;
    t->st.port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                : ((struct sockaddr_in *)&ss)->sin_port);
    rc = CG_OK;
out:
    cg_buf_fini(&err);
    return rc;
}

/* ---- the ops ----------------------------------------------------------------------------- */

static void tcp_release(struct tcp_src *t)
{
    while (t->conns)
        cg_tcp_conn_free(t->conns);
    cg_tcp_event_free(&t->accept_ev);
    cg_tcp_event_free(&t->backoff_ev);
    if (t->lfd >= 0)
        close(t->lfd);
    if (t->spare >= 0)
        close(t->spare);
    t->lfd = t->spare = -1;
    cg_tcp_tls_fini(t);
}

static int tcp_init_type(struct cg_source *s, const void *conf, const struct tcp_conn_type *type)
{
    const struct cg_source_tcp_conf *c = conf;
    bool tls = type == &cg_tcp_conn_tls;
    struct tcp_src *t = calloc(1, sizeof(*t));
    if (!t)
        return CG_ENOMEM;
    t->s = s;
    t->type = type;
    t->lfd = t->spare = -1;
    snprintf(t->name, sizeof(t->name), "%s", c->name ? c->name : type->name);
    t->max_message = c->max_message ? c->max_message : CG_SOURCE_TCP_MAX_MESSAGE;
    t->max_connections = c->max_connections ? c->max_connections : CG_SOURCE_TCP_MAX_CONNECTIONS;
    t->max_buffered = c->max_buffered ? c->max_buffered : CG_SOURCE_TCP_MAX_BUFFERED;
    t->idle_us = c->idle_timeout_us > 0 ? c->idle_timeout_us : 0;
    t->frame_timeout_us = c->frame_timeout_us > 0 ? c->frame_timeout_us : 0;
    int rc = tls ? cg_tcp_tls_init(t, c) : CG_OK;
    if (rc == CG_OK)
        rc = tcp_listen(t, c->listen ? c->listen
                           : tls     ? CG_SOURCE_TLS_LISTEN
                                     : CG_SOURCE_TCP_LISTEN);
    if (rc == CG_OK) {
        t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (t->spare < 0) {
            cg_log(CG_LOG_ERR, "input %s: /dev/null: %s", t->name, strerror(errno));
            rc = CG_EIO;
        }
    }
    if (rc != CG_OK) {
        int e = errno;
        tcp_release(t);
        free(t);
        errno = e;
        return rc;
    }
    s->self = t;
    s->counters = &cg_source_tcp_counters;
    s->stats = &t->st;
    return CG_OK;
}

static int tcp_init(struct cg_source *s, const void *conf)
{
    return tcp_init_type(s, conf, &cg_tcp_conn_plain);
}

static int tls_init(struct cg_source *s, const void *conf)
{
    return tcp_init_type(s, conf, &cg_tcp_conn_tls);
}

static int tcp_start(struct cg_source *s)
{
    struct tcp_src *t = s->self;
    struct event_base *loop = s->env->loop;
    if (!loop || t->started)
        return CG_EINVAL;
    t->accept_ev = event_new(loop, t->lfd, EV_READ | EV_PERSIST, accept_cb, t);
    t->backoff_ev = evtimer_new(loop, backoff_cb, t);
    if (!t->accept_ev || !t->backoff_ev) {
        cg_tcp_event_free(&t->accept_ev);
        cg_tcp_event_free(&t->backoff_ev);
        return CG_ENOMEM;
    }
    t->started = true;
    accept_enable(t, accept_wanted(t));
    return CG_OK;
}

static void tcp_pause(struct cg_source *s)
{
    struct tcp_src *t = s->self;
    if (t->paused || t->stopped)
        return;
    t->paused = true;
    accept_enable(t, false);
    for (struct tcp_conn *c = t->conns; c; c = c->next)
        cg_tcp_conn_pause(c);
}

static void tcp_resume(struct cg_source *s)
{
    struct tcp_src *t = s->self;
    if (!t->paused || t->stopped)
        return;
    t->paused = false;
    if (!t->started)
        return;
    accept_enable(t, accept_wanted(t));
    for (struct tcp_conn *c = t->conns; c; c = c->next)
        cg_tcp_conn_resume(c);
}

static void tcp_stop(struct cg_source *s)
{
    struct tcp_src *t = s->self;
    if (t->stopped)
        return;
    t->stopped = true;
    bool deliver = t->delivering == NULL; /* no frame from within a frame */
    accept_enable(t, false);
    if (t->backoff_ev)
        evtimer_del(t->backoff_ev);
    if (t->lfd >= 0)
        close(t->lfd);
    t->lfd = -1;
    struct tcp_conn *c = t->conns;
    while (c) {
        struct tcp_conn *next = c->next;
        cg_tcp_conn_stop(c, deliver);
        c = next;
    }
    if (t->started && !t->ended) {
        t->ended = true;
        s->env->end(s->env->ctx, s, CG_OK);
    }
}

static void tcp_fini(struct cg_source *s)
{
    struct tcp_src *t = s->self;
    if (!t)
        return;
    tcp_release(t);
    free(t);
    s->self = NULL;
}

/* The two types differ in their init (the connection type) alone. */
#define TCP_OPS(type)                                                                              \
    {                                                                                              \
        .name = #type, .init = type##_init, .start = tcp_start, .pause = tcp_pause,                \
        .resume = tcp_resume, .stop = tcp_stop, .ack = NULL, .fini = tcp_fini,                     \
    }

const struct cg_source_ops cg_source_tcp_ops = TCP_OPS(tcp);
const struct cg_source_ops cg_source_tls_ops = TCP_OPS(tls);
