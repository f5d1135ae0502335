/* control_conn.c - one exchange on the control socket: the request line, the command, the
 * answer, then close (see control.h for the protocol). */
#include "cefguard/log.h"
#include "cefguard/vec.h"

#include "control_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

struct control_conn {
    struct cg_control *c;
    size_t slot; /* index in c->clients */
    struct bufferevent *bev;
    struct event *deadline; /* the request line's */
    bool answered;          /* the answer is queued: free once it is written */
};

static struct timeval control_tv(int64_t us)
{
    struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
    return tv;
}

void cg_control_conn_free(struct control_conn *k)
{
    struct cg_control *c = k->c;
    struct control_conn *last = c->clients.v[--c->clients.n];
    last->slot = k->slot;
    c->clients.v[k->slot] = last;
    c->stats.clients = c->clients.n;
    if (k->deadline)
        event_free(k->deadline);
    if (k->bev)
        bufferevent_free(k->bev);
    free(k);
}

/* Queues the answer (status line, then body) and stops reading: the connection ends when
 * it is written. The writing is bounded by the timeout for each part (bufferevent's
 * write timeout). */
static void control_answer(struct control_conn *k, const char *status, const struct cg_buf *body)
{
    struct evbuffer *out = bufferevent_get_output(k->bev);
    k->answered = true;
    event_del(k->deadline);
    bufferevent_disable(k->bev, EV_READ);
    if (evbuffer_add(out, status, strlen(status)) != 0 ||
        (body && body->n && evbuffer_add(out, body->p, body->n) != 0)) {
        cg_control_conn_free(k); /* out of memory: the client sees the end */
        return;
    }
    /* timeouts count from the loop's cached time, taken before the command ran: a slow
     * command would leave the reply a timeout already run out */
    event_base_update_cache_time(k->c->loop);
    struct timeval tv = control_tv(k->c->timeout_us);
    bufferevent_set_timeouts(k->bev, NULL, &tv);
    bufferevent_enable(k->bev, EV_WRITE);
}

/* "ERR <reason>\n", reason a line of text (control bytes escaped). */
static void control_answer_err(struct control_conn *k, const char *reason, size_t n)
{
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = cg_buf_puts(&b, "ERR ");
    if (rc == CG_OK)
        rc = cg_log_put_text(&b, reason, n);
    if (rc == CG_OK)
        rc = cg_buf_putc(&b, '\n');
    k->c->stats.errors++;
    if (rc == CG_OK)
        control_answer(k, cg_buf_cstr(&b), NULL);
    else
        cg_control_conn_free(k);
    cg_buf_fini(&b);
}

static void control_err(struct control_conn *k, const char *reason)
{
    control_answer_err(k, reason, strlen(reason));
}

/* The built-in help: "NAME  HELP" lines, names padded to one column. */
static int control_help(const struct cg_control *c, struct cg_buf *reply)
{
    int w = 4, rc = CG_OK;
    for (size_t i = 0; i < c->ncmds; i++)
        if ((int)strlen(c->cmds[i].name) > w)
            w = (int)strlen(c->cmds[i].name);
    for (size_t i = 0; rc == CG_OK && i < c->ncmds; i++)
        rc = cg_buf_printf(reply, "%-*s  %s\n", w, c->cmds[i].name,
                           c->cmds[i].help ? c->cmds[i].help : "");
    if (rc == CG_OK)
        rc = cg_buf_printf(reply, "%-*s  %s\n", w, "help", "list the commands");
    return rc;
}

/* Runs the named command with args; answers. */
static void control_run(struct control_conn *k, const char *name, size_t nlen, const char *args)
{
    struct cg_control *c = k->c;
    const struct cg_control_cmd *cmd = NULL;
    for (size_t i = 0; !cmd && i < c->ncmds; i++)
        if (strlen(c->cmds[i].name) == nlen && memcmp(c->cmds[i].name, name, nlen) == 0)
            cmd = &c->cmds[i];
    bool help = nlen == 4 && memcmp(name, "help", 4) == 0;
    if (!cmd && !help) {
        char msg[128];
        int n = snprintf(msg, sizeof(msg), "unknown command '%.*s' (help lists them)",
                         (int)(nlen > 64 ? 64 : nlen), name);
        control_answer_err(k, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
        return;
    }
    struct cg_buf reply;
    cg_buf_init(&reply);
    int rc = help ? control_help(c, &reply) : cmd->fn(cmd->ctx, args, &reply);
    if (rc == CG_OK) {
        control_answer(k, "OK\n", &reply);
    } else if (reply.n) {
        const char *nl = memchr(reply.p, '\n', reply.n);
        control_answer_err(k, reply.p, nl ? (size_t)(nl - reply.p) : reply.n);
    } else {
        control_err(k, cg_err_str(rc));
    }
    cg_buf_fini(&reply);
}

/* One request line, n bytes without its LF (untrusted: checked byte by byte). */
static void control_line(struct control_conn *k, const char *p, size_t n)
{
    k->c->stats.requests++;
    if (n && p[n - 1] == '\r')
        n--;
    size_t nlen = 0;
    while (nlen < n && ((p[nlen] >= 'a' && p[nlen] <= 'z') || p[nlen] == '-'))
        nlen++;
    bool ok = nlen > 0 && (nlen == n || p[nlen] == ' ');
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)p[i] >= 0x20 && p[i] != 0x7f;
    if (!ok) {
        control_err(k, "bad request: expected COMMAND [ARGS], COMMAND of a-z and '-', no "
                       "control bytes");
        return;
    }
    char *args = malloc(n - nlen + 1);
    if (!args) {
        cg_control_conn_free(k);
        return;
    }
    size_t alen = nlen < n ? n - nlen - 1 : 0;
    memcpy(args, p + n - alen, alen);
    args[alen] = '\0';
    control_run(k, p, nlen, args);
    free(args);
}

static void control_on_read(struct bufferevent *bev, void *arg)
{
    struct control_conn *k = arg;
    if (k->answered)
        return;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len = evbuffer_get_length(in);
    struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
    if (eol.pos < 0 || (size_t)eol.pos >= k->c->max_request) {
        if (len >= k->c->max_request) {
            char msg[96];
            snprintf(msg, sizeof(msg), "request too long (at most %zu bytes with the newline)",
                     k->c->max_request);
            k->c->stats.requests++;
            control_err(k, msg);
        }
        return;
    }
    const char *line = (const char *)evbuffer_pullup(in, eol.pos + 1);
    if (!line) {
        cg_control_conn_free(k);
        return;
    }
    control_line(k, line, (size_t)eol.pos);
}

static void control_on_write(struct bufferevent *bev, void *arg)
{
    struct control_conn *k = arg;
    if (k->answered && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        cg_control_conn_free(k);
}

static void control_on_event(struct bufferevent *bev, short what, void *arg)
{
    struct control_conn *k = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
        k->c->stats.timeouts++; /* it stopped reading its answer */
    } else if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) && !k->answered && n) {
        /* the client shut its side after a line without LF ("printf stats | socat"): the
         * bytes it sent are its line; the answer can still go out */
        const char *line = (const char *)evbuffer_pullup(in, -1);
        if (line) {
            control_line(k, line, n);
            return;
        }
    }
    cg_control_conn_free(k);
}

static void control_on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct control_conn *k = arg;
    k->c->stats.timeouts++;
    control_answer(k, "ERR timeout\n", NULL);
}

int cg_control_conn_new(struct cg_control *c, int fd)
{
    struct control_conn *k = calloc(1, sizeof(*k));
    if (!k || cg_vec_reserve(&c->clients, c->clients.n + 1) != CG_OK) {
        free(k);
        close(fd);
        return CG_ENOMEM;
    }
    k->c = c;
    k->slot = c->clients.n;
    c->clients.v[c->clients.n++] = k;
    c->stats.clients = c->clients.n;
    k->bev = bufferevent_socket_new(c->loop, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!k->bev)
        close(fd);
    k->deadline = evtimer_new(c->loop, control_on_deadline, k);
    event_base_update_cache_time(c->loop); /* as in control_answer */
    struct timeval tv = control_tv(c->timeout_us);
    if (!k->bev || !k->deadline || evtimer_add(k->deadline, &tv) != 0) {
        cg_control_conn_free(k);
        return CG_ENOMEM;
    }
    /* reading stops at max_request bytes: a line is never buffered beyond its bound */
    bufferevent_setwatermark(k->bev, EV_READ, 0, c->max_request);
    bufferevent_setcb(k->bev, control_on_read, control_on_write, control_on_event, k);
    bufferevent_enable(k->bev, EV_READ);
    return CG_OK;
}
