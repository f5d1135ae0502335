/* control_client.c - the control socket's client, blocking with a deadline: what
 * `cefguard stats` and `cefguard reload` call (see control.h). */
#include "cefguard/control.h"

#include "cefguard/log.h"

#include "control_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CONTROL_REPLY_MAX (256u << 20)
#define CONTROL_READ_CHUNK 65536

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Waits for fd to be ready for events until the deadline. CG_OK, or CG_EIO with
 * ETIMEDOUT (or poll's errno). */
static int call_wait(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_us();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return CG_EIO;
        }
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)((left + 999) / 1000 > 60000 ? 60000 : (left + 999) / 1000));
        if (n > 0)
            return CG_OK;
        if (n < 0 && errno != EINTR)
            return CG_EIO;
    }
}

/* Connects (blocking: a listener whose backlog is full makes connect wait, up to the
 * send timeout), then makes fd non-blocking. */
static int call_connect(int fd, const char *path, int64_t timeout_us, struct cg_buf *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return cg_control_fail(err, CG_EINVAL, "a socket path too long: ", path, 0);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    struct timeval tv = {(time_t)(timeout_us / 1000000), (suseconds_t)(timeout_us % 1000000)};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        if (e == ENOENT)
            return cg_control_fail(err, CG_ENOENT, "is cefguard running? no ", path, 0);
        if (e == ECONNREFUSED)
            return cg_control_fail(err, CG_ENOENT, "is cefguard running? nobody listens on ", path,
                                   0);
        if (e == EAGAIN || e == EINPROGRESS || e == ETIMEDOUT)
            return cg_control_fail(err, CG_EIO, "no answer from ", path, ETIMEDOUT);
        return cg_control_fail(err, CG_EIO, "", path, e);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return cg_control_fail(err, CG_EIO, "", path, errno);
    return CG_OK;
}

/* Sends the n bytes of line. A server that closed early (it answered an over-long line)
 * is not an error here: its answer is read next. */
static int call_send(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            return CG_OK;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (call_wait(fd, POLLOUT, deadline) != CG_OK)
                return CG_EIO;
        } else {
            return CG_EIO;
        }
    }
    return CG_OK;
}

/* Reads to EOF into b. A reset after the answer (the server closed with unread bytes of
 * ours) ends it as EOF does. */
static int call_recv(int fd, struct cg_buf *b, int64_t deadline)
{
    for (;;) {
        if (b->n >= CONTROL_REPLY_MAX)
            return CG_ELIMIT;
        if (cg_buf_reserve(b, CONTROL_READ_CHUNK) != CG_OK)
            return CG_ENOMEM;
        ssize_t r = read(fd, b->p + b->n, CONTROL_READ_CHUNK);
        if (r > 0) {
            b->n += (size_t)r;
        } else if (r == 0 || (errno == ECONNRESET && b->n)) {
            return CG_OK;
        } else if (errno == EAGAIN || errno == EINTR) {
            if (call_wait(fd, POLLIN, deadline) != CG_OK)
                return CG_EIO;
        } else {
            return CG_EIO;
        }
    }
}

/* "OK\n" + body, or "ERR reason\n". */
static int call_parse(const struct cg_buf *b, const char *path, struct cg_buf *reply,
                      struct cg_buf *err)
{
    const char *nl = b->n ? memchr(b->p, '\n', b->n) : NULL;
    size_t n = nl ? (size_t)(nl - b->p) : 0;
    if (nl && n == 2 && memcmp(b->p, "OK", 2) == 0)
        return cg_buf_put(reply, nl + 1, b->n - n - 1) == CG_OK ? CG_OK : CG_ENOMEM;
    if (nl && n >= 4 && memcmp(b->p, "ERR ", 4) == 0) {
        cg_log_put_text(err, b->p + 4, n - 4); /* the server's words: still escaped */
        return CG_EINVAL;
    }
    return cg_control_fail(err, CG_EIO, "an answer neither OK nor ERR from ", path, EPROTO);
}

int cg_control_call(const char *path, const char *request, int64_t timeout_us, struct cg_buf *reply,
                    struct cg_buf *err)
{
    if (strchr(request, '\n')) {
        cg_buf_puts(err, "a control request is one line");
        return CG_EINVAL;
    }
    if (timeout_us < 1000)
        timeout_us = 1000; /* 0 would make SO_SNDTIMEO wait forever */
    int64_t deadline = mono_us() + timeout_us;
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = CG_EIO;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = cg_control_fail(err, CG_EIO, "socket for ", path, errno);
        goto out;
    }
    rc = call_connect(fd, path, timeout_us, err);
    if (rc != CG_OK)
        goto out;
    rc = cg_buf_printf(&b, "%s\n", request);
    if (rc != CG_OK)
        goto out;
    rc = call_send(fd, b.p, b.n, deadline);
    cg_buf_clear(&b);
    if (rc == CG_OK)
        rc = call_recv(fd, &b, deadline);
    if (rc == CG_EIO && errno == ETIMEDOUT) {
        cg_control_fail(err, CG_EIO, "no answer in time from ", path, 0);
        errno = ETIMEDOUT;
    } else if (rc == CG_EIO) {
        cg_control_fail(err, CG_EIO, "talking to ", path, errno);
    }
    if (rc == CG_ELIMIT)
        cg_control_fail(err, CG_ELIMIT, "an answer over 256 MiB from ", path, 0);
    if (rc == CG_OK)
        rc = call_parse(&b, path, reply, err);
out:
    if (rc == CG_ENOMEM)
        cg_buf_puts(err, "out of memory");
    if (fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    cg_buf_fini(&b);
    return rc;
}
