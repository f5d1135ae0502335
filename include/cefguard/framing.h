/*
 * framing.h - cutting a byte stream into frames: LF framing, as in log files, stdin
 * from rsyslog's omprog, and RFC 6587 non-transparent TCP framing.
 *
 * A frame is the bytes before an LF; a CR just before the LF is dropped. A frame longer
 * than max_line is cut to max_line bytes and reported once as cut, and the rest of it,
 * up to the next LF, is skipped as it arrives, so a reader never needs to hold more than
 * max_line bytes of one line (plus what one read brings). The last frame of a stream
 * needs no LF.
 *
 * These are pure functions over a bounded buffer the caller owns: they read no file and
 * allocate nothing. The only state between calls is struct cg_framing (are we skipping
 * the tail of a cut line?), so the same bytes give the same frames however they are
 * split across calls. Who reads the bytes (a file, a socket, memory) is the business of
 * the sources (source.h, src/input/).
 */
#ifndef CEFGUARD_FRAMING_H
#define CEFGUARD_FRAMING_H

#include "cefguard/common.h"

#define CG_MAX_LINE_DEFAULT (1024 * 1024)

/* Carried from one call to the next, for one stream. */
struct cg_framing {
    size_t max_line; /* longest frame; longer ones are cut */
    bool skipping;   /* discarding the tail of a cut line up to its LF */
};

/* max_line 0: CG_MAX_LINE_DEFAULT. */
void cg_framing_init(struct cg_framing *f, size_t max_line);

/* Finds the next frame in the n unread bytes at p; eof says that no byte follows them.
 *
 * true: *frame is the next frame, a view into p (no LF, CR before it dropped), *cut tells
 *   it was cut at max_line; the caller drops *used bytes (the frame, its LF, and what of
 *   a cut line's tail p holds) and must keep p's bytes while it uses *frame.
 * false: p holds no complete frame; the caller drops *used bytes (the skipped tail of a
 *   cut line) and calls again with more bytes, or, at eof, the stream has ended.
 *
 * When it returns false without eof, at most max_line unread bytes remain, so a buffer
 * of max_line bytes plus one read always has room. */
bool cg_framing_next(struct cg_framing *f, const char *p, size_t n, bool eof, struct cg_str *frame,
                     bool *cut, size_t *used);

#endif
