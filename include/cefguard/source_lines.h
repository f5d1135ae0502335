/*
 * source_lines.h - LF-framed lines from a pipe or a file descriptor on the event loop
 * (src/input/lines.c): the `stdin` input of `cefguard run`, and the input of `cefguard
 * omprog`, rsyslog's omprog protocol with confirmMessages="on".
 *
 * Lines are framed as the file source frames them (framing.h: CR LF and LF, a line longer
 * than max_line is cut and counted), numbered from 1, named by conf.origin, stamped with the
 * wall clock when read. A regular file (stdin redirected from one) and anything else but a
 * pipe, a socket or a terminal (/dev/null, stdin under systemd) is read to its end in chunks
 * from a zero timeout, so the loop keeps turning; a pipe, socket or terminal is read when the
 * loop says it is readable (made non-blocking).
 *
 * omprog (cg_source_omprog_ops, the same conf): the protocol of rsyslog's
 * plugins/external/INTERFACE.md.
 *   - start writes the first "OK" line: the caller starts the source only once the rules
 *     are loaded and the state is open.
 *   - After each read the source calls env->sync, which makes what the lines caused
 *     durable and acknowledges them: each acknowledged line is answered with one "OK"
 *     line, in order. rsyslog sends the next message only after the answer.
 *   - When env->sync or a frame fails (the state store locked, the disk full: a transient
 *     fault), the line waiting for its answer gets "Error: REASON" instead, which makes
 *     rsyslog keep it and send it again later, and the source ends with the error (the
 *     service exits; rsyslog restarts it, and recovery replays the journal), because the
 *     pipeline acknowledges no later line of a source whose frame failed.
 *   - cg_source_lines_keepalive writes "." (no LF) while an answer is due and long work
 *     delays it (rsyslog restarts its confirmTimeout on each dot); also before the first OK.
 *   - EOF ends the source at once (rsyslog closes the pipe to stop the program).
 * A line that decodes to nothing is still answered OK: the pipeline counts and logs it,
 * and any other answer would make rsyslog send the same line forever.
 *
 * Counters: `received` (lines), `bytes`, `answered.ok`,
 * `answered.error`, `keepalives`.
 */
#ifndef CEFGUARD_SOURCE_LINES_H
#define CEFGUARD_SOURCE_LINES_H

#include "cefguard/source.h"

struct cg_source_lines_conf {
    const char *name;   /* the input's name */
    int fd;             /* read from; not owned (stdin: 0) */
    int answer_fd;      /* omprog: where the answers go; 0: stdout */
    size_t max_line;    /* longer lines are cut; 0: CG_MAX_LINE_DEFAULT */
    const char *origin; /* the frames' origin in reject logs; NULL: "<stdin>" */
};

extern const struct cg_source_ops cg_source_lines_ops;  /* stdin: no acks */
extern const struct cg_source_ops cg_source_omprog_ops; /* omprog: acks are answers */
extern const struct cg_opt_table cg_source_lines_options;
extern const struct cg_counter_table cg_source_lines_counters;

/* omprog: "." when an answer (or the first OK) is due. Safe on a source of another kind
 * (does nothing). */
void cg_source_lines_keepalive(struct cg_source *s);

#endif
