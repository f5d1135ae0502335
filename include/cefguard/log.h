/*
 * log.h - diagnostics to stderr, and rate-limited reporting of rejected input.
 *
 * Untrusted bytes never reach the log as they are: cg_log_escape() makes them
 * printable (printable ASCII kept, '\' doubled, everything else \xNN), cut to a
 * bound, like OpenBSD's vis(3). File names are written the same way
 * (cg_log_put_name): a name is bytes, and one with an escape sequence or a newline
 * must not drive the terminal or forge a line. Composed messages that quote text of a
 * rule file (UTF-8 allowed) go through cg_log_put_text, which escapes control bytes
 * only; cg_log() does that to every message too, so no call of it can print one.
 */
#ifndef CEFGUARD_LOG_H
#define CEFGUARD_LOG_H

#include "cefguard/buf.h"
#include "cefguard/reject.h"

#include <stdint.h>

enum cg_log_level { CG_LOG_ERR, CG_LOG_WARN, CG_LOG_INFO, CG_LOG_DEBUG };

void cg_log_set_level(enum cg_log_level lvl);
void cg_log(enum cg_log_level lvl, const char *fmt, ...) CG_PRINTF(2, 3);

/* Appends an escaped copy of at most max input bytes (and "..." when cut). */
int cg_log_escape(struct cg_buf *b, const char *p, size_t n, size_t max);

/* Names longer than this many bytes are cut ("...") by cg_log_put_name. */
#define CG_LOG_NAME_MAX 4096
/* Appends a file name (NUL-terminated) escaped as cg_log_escape does. */
int cg_log_put_name(struct cg_buf *b, const char *name);
/* Appends p[0..n) with each control byte (C0 and DEL) as \xNN, every other byte as it is. */
int cg_log_put_text(struct cg_buf *b, const char *p, size_t n);

/* Per-reason limiter: at most burst reports per interval seconds; the number
 * held back is reported with the next report that gets through. */
struct cg_log_rejects {
    unsigned burst;
    unsigned interval;
    int64_t window_start[CG_REJ_MAX];
    unsigned in_window[CG_REJ_MAX];
    uint64_t held_back[CG_REJ_MAX];
};

void cg_log_rejects_init(struct cg_log_rejects *rl, unsigned burst, unsigned interval);
/* Logs "rejected <source>:<lineno> (<reason>): <escaped bytes>" when the limiter allows
 * (source escaped as a name). */
void cg_log_reject(struct cg_log_rejects *rl, const char *source, uint64_t lineno,
                   enum cg_reject reason, struct cg_str line);
/* At the end of input: logs "rejected (<reason>) [N more not shown]" for each reason whose
 * reports were held back since its last report, which no later report will carry. */
void cg_log_rejects_flush(struct cg_log_rejects *rl);

#endif
