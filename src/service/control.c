/* control.c - the control socket's server: the socket, accepting, the peer check and the
 * bounds (see control.h); one exchange per connection, in control_conn.c. */
#include "cefguard/control.h"

#include "cefguard/log.h"

#include "control_int.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_TIMEOUT_US (5 * 1000000LL)
#define CONTROL_MAX_REQUEST 4096
#define CONTROL_BACKLOG 64
#define CONTROL_ACCEPTS_PER_WAKEUP 32

#define CONTROL_PAUSE_US 100000 /* accepting paused when no descriptor is left at all */

enum { CONTROL_TOLD_FULL = 1, CONTROL_TOLD_UID = 2, CONTROL_TOLD_FDS = 4 };

#define AT(m) offsetof(struct cg_control_conf, m)
static const struct cg_opt control_opts[] = {
    {.name = "control-max-clients",
     .type = CG_OPT_UINT,
     .arg = "N",
     .unit = "connections",
     .def = "16",
     .min = 1,
     .max = 1024,
     .commands = 1,
     .offset = AT(max_clients),
     .help = "connections to the control socket at once; more are refused"},
    {.name = "control-timeout",
     .type = CG_OPT_DURATION,
     .arg = "DURATION",
     .def = "5s",
     .min = 10000,
     .max = 3600 * 1000000LL,
     .commands = 1,
     .offset = AT(request_timeout_us),
     .help = "time a control client has to send its request, and to take each part of the "
             "reply"},
    {.name = "control-max-request",
     .type = CG_OPT_SIZE,
     .arg = "BYTES",
     .unit = "bytes",
     .def = "4096",
     .min = 64,
     .max = 65536,
     .commands = 1,
     .offset = AT(max_request),
     .help = "longest request line on the control socket, with its newline"},
};
#undef AT

static const char *const control_commands[] = {"control"};

const struct cg_opt_table cg_control_options = {control_opts, CG_ARRAY_LEN(control_opts),
                                                control_commands, 1};

#define AT(m) offsetof(struct cg_control_stats, m)
static const struct cg_counter control_counters[] = {
    {"control.requests", CG_COUNTER_TOTAL, AT(requests),
     "request lines read from the control socket and answered", NULL, 0, 0},
    {"control.errors", CG_COUNTER_TOTAL, AT(errors),
     "control requests answered ERR: bad, too long, unknown command, a command's failure", NULL, 0,
     0},
    {"control.refused", CG_COUNTER_TOTAL, AT(refused),
     "control connections closed unheard: too many clients, a foreign uid", NULL, 0, 0},
    {"control.timeouts", CG_COUNTER_TOTAL, AT(timeouts),
     "control connections closed for not sending a request or not reading the reply in time", NULL,
     0, 0},
    {"control.clients", CG_COUNTER_GAUGE, AT(clients), "control connections open now", NULL, 0, 0},
};
#undef AT

const struct cg_counter_table cg_control_counters = {control_counters,
                                                     CG_ARRAY_LEN(control_counters)};

int cg_control_fail(struct cg_buf *err, int rc, const char *what, const char *path, int e)
{
    cg_buf_puts(err, what);
    cg_log_put_name(err, path);
    if (e)
        cg_buf_printf(err, ": %s", strerror(e));
    errno = e;
    return rc;
}

static bool control_cmd_name_ok(const char *z)
{
    if (!z || !*z)
        return false;
    for (; *z; z++)
        if ((*z < 'a' || *z > 'z') && *z != '-')
            return false;
    return true;
}

/* Checks and copies the service's table. */
static int control_cmds_copy(struct cg_control *c, const struct cg_control_conf *conf,
                             struct cg_buf *err)
{
    for (size_t i = 0; i < conf->ncmds; i++) {
        const struct cg_control_cmd *k = &conf->cmds[i];
        bool dup = false;
        for (size_t j = 0; j < i && control_cmd_name_ok(k->name); j++)
            dup = dup || strcmp(conf->cmds[j].name, k->name) == 0;
        if (!control_cmd_name_ok(k->name) || strcmp(k->name, "help") == 0 || dup || !k->fn) {
            cg_buf_printf(err,
                          "control command %zu: a name of a-z and '-', not help, unique, "
                          "and a function",
                          i);
            return CG_EINVAL;
        }
    }
    if (conf->ncmds) {
        c->cmds = calloc(conf->ncmds, sizeof(*c->cmds));
        if (!c->cmds)
            return CG_ENOMEM;
        memcpy(c->cmds, conf->cmds, conf->ncmds * sizeof(*c->cmds));
    }
    c->ncmds = conf->ncmds;
    return CG_OK;
}

/* A file at the path: a socket nobody listens on is removed, else it is someone's. */
static int control_clear_path(const struct sockaddr_un *sa, struct cg_buf *err)
{
    struct stat st;
    if (lstat(sa->sun_path, &st) != 0)
        return errno == ENOENT ? CG_OK : cg_control_fail(err, CG_EIO, "", sa->sun_path, errno);
    if (!S_ISSOCK(st.st_mode))
        return cg_control_fail(err, CG_EINVAL, "not a socket, left alone: ", sa->sun_path, 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return cg_control_fail(err, CG_EIO, "socket for ", sa->sun_path, errno);
    int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
    int e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN) /* accepted, or its backlog is full: it is alive */
        return cg_control_fail(err, CG_EBUSY, "another instance is listening on ", sa->sun_path, 0);
    if (e != ECONNREFUSED)
        return cg_control_fail(err, CG_EIO, "", sa->sun_path, e);
    if (unlink(sa->sun_path) != 0 && errno != ENOENT)
        return cg_control_fail(err, CG_EIO, "removing the stale socket ", sa->sun_path, errno);
    struct cg_buf b;
    cg_buf_init(&b);
    cg_log_put_name(&b, sa->sun_path);
    cg_log(CG_LOG_INFO, "replaced the stale control socket %s", cg_buf_cstr(&b));
    cg_buf_fini(&b);
    return CG_OK;
}

/* Binds and listens at c->path, mode 0600. umask is the process's: it is changed around
 * bind only, on the one thread the service runs. */
static int control_listen(struct cg_control *c, struct cg_buf *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(c->path) >= sizeof(sa.sun_path)) {
        cg_buf_printf(err, "a socket path has at most %zu bytes: ", sizeof(sa.sun_path) - 1);
        return cg_control_fail(err, CG_EINVAL, "", c->path, 0);
    }
    memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
    int rc = control_clear_path(&sa, err);
    if (rc != CG_OK)
        return rc;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        return cg_control_fail(err, CG_EIO, "socket for ", c->path, errno);
    mode_t old = umask(0177);
    rc = bind(c->fd, (const struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    umask(old);
    if (rc != 0)
        return cg_control_fail(err, e == EADDRINUSE ? CG_EBUSY : CG_EIO, "bind ", c->path, e);
    struct stat st;
    if (chmod(c->path, 0600) != 0 || stat(c->path, &st) != 0 ||
        listen(c->fd, CONTROL_BACKLOG) != 0) {
        e = errno;
        unlink(c->path);
        return cg_control_fail(err, CG_EIO, "", c->path, e);
    }
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    c->bound = true;
    return CG_OK;
}

/* Says why in one line, as best it can without waiting, and closes. */
static void control_refuse(struct cg_control *c, int fd, const char *line)
{
    (void)!send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
    c->stats.refused++;
}

static bool control_peer_ok(const struct cg_control *c, int fd)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || len != sizeof(cr))
        return false;
    return cr.uid == c->uid || cr.uid == 0;
}

/* Logs why connections are refused, once until a client is taken again: whoever floods
 * the socket does not flood the log (the counter says how many). */
static void control_told(struct cg_control *c, unsigned why, const char *msg)
{
    if (!(c->told & why))
        cg_log(CG_LOG_WARN, "control: %s (counted in control.refused)", msg);
    c->told |= why;
}

static void control_accepted(struct cg_control *c, int fd)
{
    if (c->clients.n >= c->max_clients) {
        control_told(c, CONTROL_TOLD_FULL, "too many clients at once, refusing more");
        control_refuse(c, fd, "ERR too many clients\n");
        return;
    }
    if (!control_peer_ok(c, fd)) {
        control_told(c, CONTROL_TOLD_UID, "refusing peers of another uid");
        control_refuse(c, fd, "ERR permission denied\n");
        return;
    }
    c->told = 0;
    if (cg_control_conn_new(c, fd) != CG_OK) /* it closed fd */
        cg_log(CG_LOG_ERR, "control: out of memory for a client");
}

/* Out of descriptors: the connection waiting would wake the loop forever. Give up the
 * spare descriptor to take it and close it (OpenBSD syslogd's way), then get it back. */
static void control_shed(struct cg_control *c)
{
    if (c->spare >= 0)
        close(c->spare);
    int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        c->stats.refused++;
    } else if (errno == EMFILE || errno == ENFILE) {
        /* no spare either: stop accepting a moment rather than spin */
        struct timeval tv = {0, CONTROL_PAUSE_US};
        event_del(c->accept_ev);
        event_add(c->resume_ev, &tv);
    }
    c->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    control_told(c, CONTROL_TOLD_FDS, "out of file descriptors, refusing clients");
}

static void control_on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct cg_control *c = arg;
    event_add(c->accept_ev, NULL);
}

static void control_on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct cg_control *c = arg;
    for (int i = 0; i < CONTROL_ACCEPTS_PER_WAKEUP; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            control_accepted(c, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE)
            control_shed(c);
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            cg_log(CG_LOG_ERR, "control: accept: %s", strerror(errno));
        return;
    }
}

int cg_control_new(struct event_base *loop, const struct cg_control_conf *conf,
                   struct cg_control **out, struct cg_buf *err)
{
    *out = NULL;
    struct cg_control *c = calloc(1, sizeof(*c));
    if (!c)
        return CG_ENOMEM;
    c->loop = loop;
    c->fd = -1;
    c->spare = -1;
    c->max_clients = conf->max_clients ? conf->max_clients : CONTROL_MAX_CLIENTS;
    c->timeout_us = conf->request_timeout_us ? conf->request_timeout_us : CONTROL_TIMEOUT_US;
    c->max_request = conf->max_request ? conf->max_request : CONTROL_MAX_REQUEST;
    c->uid = conf->uid ? conf->uid : geteuid();
    int rc = control_cmds_copy(c, conf, err);
    if (rc != CG_OK)
        goto out;
    rc = CG_ENOMEM;
    c->path = strdup(conf->path);
    if (!c->path)
        goto out;
    rc = control_listen(c, err);
    if (rc != CG_OK)
        goto out;
    rc = CG_ENOMEM;
    c->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    c->accept_ev = event_new(loop, c->fd, EV_READ | EV_PERSIST, control_on_accept, c);
    c->resume_ev = evtimer_new(loop, control_on_resume, c);
    if (!c->accept_ev || !c->resume_ev || event_add(c->accept_ev, NULL) != 0)
        goto out;
    *out = c;
    return CG_OK;
out:
    if (rc == CG_ENOMEM && !err->n)
        cg_buf_puts(err, "out of memory");
    cg_control_free(c);
    return rc;
}

void cg_control_free(struct cg_control *c)
{
    if (!c)
        return;
    while (c->clients.n)
        cg_control_conn_free(c->clients.v[c->clients.n - 1]);
    free(c->clients.v);
    if (c->accept_ev)
        event_free(c->accept_ev);
    if (c->resume_ev)
        event_free(c->resume_ev);
    if (c->fd >= 0)
        close(c->fd);
    struct stat st;
    if (c->bound && stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
        unlink(c->path);
    if (c->spare >= 0)
        close(c->spare);
    free(c->cmds);
    free(c->path);
    free(c);
}

const struct cg_control_stats *cg_control_stats(const struct cg_control *c)
{
    return &c->stats;
}

const char *cg_control_path(const struct cg_control *c)
{
    return c->path;
}
