/*
 * control_int.h - the control server's insides (private to src/service/): the server
 * (control.c: the socket, accepting, the peer check) and its connections (control_conn.c:
 * reading the request line, running the command, writing the answer), and what the
 * client (control_client.c) shares with them.
 */
#ifndef CEFGUARD_SERVICE_CONTROL_INT_H
#define CEFGUARD_SERVICE_CONTROL_INT_H

#include "cefguard/control.h"

#include <sys/stat.h>

struct event;
struct control_conn;

struct cg_control {
    struct event_base *loop;
    char *path;
    int fd;     /* the listening socket */
    int spare;  /* a descriptor given up to shed a connection under EMFILE */
    bool bound; /* path is our socket, with this dev/ino: free removes it */
    dev_t dev;
    ino_t ino;
    struct event *accept_ev;
    struct event *resume_ev;     /* re-adds accept_ev after a pause (out of descriptors) */
    struct cg_control_cmd *cmds; /* the service's, copied */
    size_t ncmds;
    unsigned max_clients;
    int64_t timeout_us;
    size_t max_request;
    uid_t uid;
    unsigned told; /* CONTROL_TOLD_*: the refusals logged since a client was taken */
    struct {
        struct control_conn **v;
        size_t n, cap;
    } clients;
    struct cg_control_stats stats;
};

/* Appends "what PATH[: strerror(e)]" to err (the path escaped: a name is bytes) and
 * returns rc, errno set to e: the server's and the client's error messages. */
int cg_control_fail(struct cg_buf *err, int rc, const char *what, const char *path, int e);

/* Takes the accepted (non-blocking) fd as a new client: closes it on failure.
 * CG_OK or CG_ENOMEM. */
int cg_control_conn_new(struct cg_control *c, int fd);
/* Closes the connection and forgets it (the clients gauge follows). */
void cg_control_conn_free(struct control_conn *k);

#endif
