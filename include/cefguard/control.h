/*
 * control.h - the control socket: how `cefguard stats`, `cefguard reload` (and later the
 * response stage's approvals) talk to the running service.
 *
 * A Unix stream socket at a path (the service's is STATE_DIR/control.sock), mode 0600,
 * served on the service's event loop (src/service/control.c); the client side is a
 * blocking call for the command line (cg_control_call, src/service/control_client.c).
 *
 * Protocol, one exchange per connection, simple enough to drive with socat:
 *
 *     client: COMMAND [ARGS]\n           at most max_request bytes with the LF
 *     server: OK\n BODY...               or  ERR <reason>\n
 *     server: closes the connection
 *
 * COMMAND is [a-z-]+; what follows the first space, to the LF (a CR before the LF is
 * dropped), is ARGS, given to the handler as one string. A line with a control byte (NUL
 * included) or a bad command name is answered "ERR bad request ..."; a line longer than
 * max_request "ERR request too long ..."; an unknown command "ERR unknown command ...";
 * then the connection is closed. Bytes after the LF are ignored; a client that shuts its
 * writing side after a line without LF has sent that line. The built-in command `help`
 * answers "NAME  HELP" lines for every command. From a shell:
 *
 *     printf 'stats\n' | socat - UNIX-CONNECT:/var/lib/cefguard/control.sock
 *
 * Who may connect: the socket's mode (0600, in a 0700 state directory) and a peer check
 * (SO_PEERCRED): a peer whose uid is neither the service's nor 0 is answered
 * "ERR permission denied" and closed, and counted as refused.
 *
 * Bounds (each a conf value, an option of cg_control_options, and a counter when hit):
 * at most max_clients connections at once (another is answered "ERR too many clients"
 * and closed: control.refused); a client must send its whole line within
 * request_timeout (else "ERR timeout", closed: control.timeouts); a reply is written
 * non-blocking, however big, and a client that stops reading it for request_timeout is
 * closed (control.timeouts). Nothing a client sends can stop the loop: every bad exchange
 * ends that connection only.
 *
 * Threading: everything runs on the loop's thread; nothing is thread-safe. The process
 * ignores SIGPIPE (the service does): libevent writes with writev(2), and a client gone
 * while its answer is written must be an EPIPE for that connection, not a signal.
 */
#ifndef CEFGUARD_CONTROL_H
#define CEFGUARD_CONTROL_H

#include "cefguard/buf.h"
#include "cefguard/common.h"
#include "cefguard/counters.h"
#include "cefguard/options.h"

#include <sys/types.h>

struct event_base;

/*
 * One command of the table the service gives. fn runs on the loop, synchronously: it
 * appends its answer's body to reply and returns CG_OK ("OK\n" + body is sent), or an
 * error code ("ERR <reason>\n" is sent, the reason being the first line of what it put in
 * reply, control bytes escaped, or cg_err_str(rc) when it put nothing). It must not free
 * the server (a `stop` command sets a flag the service acts on after). args is the rest
 * of the request line ("" when there is none), valid during the call; it is untrusted
 * text (printable bytes, no control byte), to be parsed with care.
 *
 * Answering later (what the response stage's approvals may need: "approve ID" waits for
 * the command to be sent) is not there yet. It would be a second kind of entry, fn_async
 * taking a struct cg_control_pending * that the handler keeps and completes with
 * cg_control_answer(pending, rc, body) from a later callback; the connection stays open
 * (its reading stopped) until then, still bounded by request_timeout, and a pending whose
 * client went away is answered into nothing. The protocol stays as it is.
 */
struct cg_control_cmd {
    const char *name; /* [a-z-]+, unique, not "help" */
    const char *help; /* a phrase, for `help` */
    int (*fn)(void *ctx, const char *args, struct cg_buf *reply);
    void *ctx;
};

/* The server's configuration. The numbers take their defaults when 0 (cg_control_options
 * has the same defaults, for a configuration file). */
struct cg_control_conf {
    const char *path;                  /* the socket's path; its folder exists */
    const struct cg_control_cmd *cmds; /* the service's commands; read during new only:
                                          the entries are copied, ctx must outlive it */
    size_t ncmds;
    unsigned max_clients;       /* connections at once; 0: 16 */
    int64_t request_timeout_us; /* to send the request line, and to take each part of a
                                   reply; 0: 5 s */
    size_t max_request;         /* bytes of the request line with its LF; 0: 4 KiB */
    uid_t uid;                  /* the uid allowed besides 0; 0: geteuid(), the service's
                                   own (a test sets another to see itself refused) */
};

/* The options of cg_control_conf a configuration file may set (control-max-clients,
 * control-timeout, control-max-request; command bit 1, "control"). path, cmds and uid
 * are the service's to set. */
extern const struct cg_opt_table cg_control_options;

/* What the server counts (control_counters: "control.requests", ...). */
struct cg_control_stats {
    uint64_t requests; /* request lines read and answered, OK or ERR */
    uint64_t errors;   /* requests answered ERR: bad, too long, unknown, a handler's error */
    uint64_t refused;  /* connections closed unheard: too many clients, a foreign uid */
    uint64_t timeouts; /* connections closed for not sending a line / not reading a reply */
    uint64_t clients;  /* gauge: connections open now */
};

extern const struct cg_counter_table cg_control_counters;

struct cg_control;

/* Makes the socket at conf->path and starts serving it on loop. A file at the path that
 * is a socket nobody listens on (a crashed instance's) is replaced; one somebody accepts
 * on fails with CG_EBUSY ("another instance is listening on PATH"); anything else there
 * (not a socket) fails with CG_EINVAL, the file left alone. The socket is made mode 0600
 * (umask while binding, then chmod). CG_OK with *out set; CG_EINVAL (a bad command table,
 * a path too long for a socket), CG_EBUSY, CG_EIO (errno kept), CG_ENOMEM, with the
 * reason appended to err, nothing left behind. Two instances starting at the same moment
 * may both find a stale socket; the state directory's lock is what keeps one of them out. */
int cg_control_new(struct event_base *loop, const struct cg_control_conf *conf,
                   struct cg_control **out, struct cg_buf *err);

/* Closes every connection (unanswered ones get nothing), closes the socket and removes
 * its file if it is still the one new made. NULL: nothing. The connections' descriptors
 * are closed when the loop next runs or is freed (libevent finalizes a bufferevent
 * late). */
void cg_control_free(struct cg_control *c);

const struct cg_control_stats *cg_control_stats(const struct cg_control *c);
const char *cg_control_path(const struct cg_control *c);

/* The client: connects to path, sends request (one line, without its LF: it must hold
 * none), reads the answer to EOF, all within timeout_us (blocking, poll(2): the command
 * line's side, never called on the loop; a timeout under 1 ms counts as 1 ms).
 * CG_OK with the body appended to reply when the status is OK; CG_EINVAL with the ERR
 * reason appended to err (or a request holding a LF); CG_ENOENT when nothing listens
 * ("is cefguard running? no PATH" / "nobody listens on PATH"); CG_EIO (errno kept:
 * ETIMEDOUT when the time ran out, EPROTO for an answer that is neither OK nor ERR) with
 * a message in err; CG_ELIMIT for a reply over 256 MiB; CG_ENOMEM. */
int cg_control_call(const char *path, const char *request, int64_t timeout_us, struct cg_buf *reply,
                    struct cg_buf *err);

#endif
