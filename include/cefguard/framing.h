/*
 * framing.h - splitting a byte stream into lines (LF framing, as in log files,
 * stdin from rsyslog's omprog, and RFC 6587 non-transparent TCP framing).
 *
 * A line is the bytes before LF; a CR before the LF is dropped. A line longer
 * than max_line is cut to max_line bytes, reported once with too_long set, and
 * the rest of it, up to the next LF, is skipped without being buffered, so a
 * hostile stream cannot make the reader hold more than max_line bytes. The last
 * line of a stream needs no LF.
 */
#ifndef CEFGUARD_FRAMING_H
#define CEFGUARD_FRAMING_H

#include "cefguard/common.h"

#define CG_MAX_LINE_DEFAULT (1024 * 1024)

struct cg_linereader {
    int fd;
    char *buf;
    size_t cap;   /* allocated bytes */
    size_t start; /* first unread byte */
    size_t end;   /* end of valid data */
    size_t max_line;
    bool eof;
    bool skipping;     /* discarding the tail of an over-long line */
    uint64_t lines;    /* lines returned */
    uint64_t too_long; /* over-long lines cut */
};

/* fd is read with read(2), not owned. Returns CG_OK or CG_ENOMEM. */
int cg_linereader_init(struct cg_linereader *r, int fd, size_t max_line);
void cg_linereader_fini(struct cg_linereader *r);

/* 1: *line holds the next line (valid until the next call); 0: end of stream;
 * CG_EIO: read error (errno kept). *too_long tells the line was cut. */
int cg_linereader_next(struct cg_linereader *r, struct cg_str *line, bool *too_long);

#endif
