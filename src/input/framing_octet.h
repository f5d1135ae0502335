/*
 * framing_octet.h - RFC 6587 framing of one syslog stream connection (private to
 * src/input/): octet counting ("LEN SP MSG") or LF ("non-transparent") framing, chosen
 * per connection by its first byte, as pure functions over the caller's bounded buffer
 * (after OpenBSD syslogd's octet_counting() and non_transparent_framing()). The TCP and
 * TLS inputs use it; it reads nothing and allocates nothing.
 *
 * Detection. The first byte of a connection decides for all of it: a digit means octet
 * counting, anything else LF framing. A syslog message begins with '<' (its PRI), so the
 * two do not collide; a sender without PRI whose lines start with a digit must use octet
 * counting. A '0' is taken as a count too (RFC 6587 allows 1-9 only), so that "0 x" and
 * "01 x" are the bad counts they are and close the connection rather than pass as text.
 * Per connection rather than per frame (rsyslog decides per frame and falls back on
 * errors): a counted stream whose count goes wrong is a broken or hostile sender, and
 * guessing where its next frame starts would deliver garbage.
 *
 * Octet counting. LEN is 1 to max_digits decimal digits (max_digits: the digits of
 * max_message; OpenBSD allows 5 for its 8 KiB) without a leading 0, followed by one SP
 * and exactly LEN bytes of message, which may contain LF. The count is parsed in place,
 * digit by digit, and checked before anything is taken: a count of 0, a leading 0, a
 * byte other than a digit or SP, more digits than max_digits or a value over
 * max_message is a protocol error (CG_OCTET_BAD_COUNT): the caller closes the
 * connection. CR and LF bytes between frames are skipped (some senders end each counted
 * frame with an uncounted LF). A message ending in LF or CR LF is delivered without them.
 *
 * LF framing. A message is the bytes before an LF, without a CR just before it; empty
 * lines are skipped (they are not messages: rsyslog drops them too). A line longer than
 * max_message bytes (its CR LF not counted) is a protocol error (CG_OCTET_TOO_LONG): it
 * is never delivered in pieces, and the caller closes the connection. NUL is a byte like
 * any other, not a terminator (rsyslog's default too): the decoders see it and reject or
 * keep it. At the end of the stream, the bytes after the last LF are a last message
 * (cg_octet_eof), as rsyslog delivers them: a sender that closes after a last line
 * without LF (logger, nc) loses nothing. An incomplete counted frame at the end is
 * dropped.
 *
 * Bounds. When cg_octet_next returns CG_OCTET_MORE, at most cg_octet_max_pending() bytes
 * are unread (max_message + max_digits + 1), so a buffer of that size plus one read
 * always has room; when it returns a frame or an error, nothing of the bound is exceeded
 * either. The same bytes give the same frames and the same error however they are split
 * across calls.
 */
#ifndef CEFGUARD_INPUT_FRAMING_OCTET_H
#define CEFGUARD_INPUT_FRAMING_OCTET_H

#include "cefguard/common.h"

enum cg_octet_mode {
    CG_OCTET_DETECT = 0, /* nothing seen yet */
    CG_OCTET_COUNTED,
    CG_OCTET_LF,
};

enum cg_octet_rc {
    CG_OCTET_MORE = 0,  /* no complete frame in the bytes: keep them, read more */
    CG_OCTET_FRAME,     /* *frame is the next message */
    CG_OCTET_BAD_COUNT, /* octet counting: a bad count (protocol error) */
    CG_OCTET_TOO_LONG,  /* LF framing: a line longer than max_message */
};

/* One connection's framing. The only state between calls is the mode and how far an
 * unfinished LF line was already searched (so a long line is not searched again for every
 * read): the caller keeps every unread byte and appends what it reads after them. */
struct cg_octet {
    size_t max_message;      /* longest message */
    unsigned max_digits;     /* digits of max_message: the longest count */
    enum cg_octet_mode mode; /* decided by the first byte */
    size_t scanned;          /* LF: unread bytes known to hold no LF */
};

/* max_message >= 1. */
void cg_octet_init(struct cg_octet *f, size_t max_message);

/* The most unread bytes a connection holds between frames: max_message + max_digits + 1. */
size_t cg_octet_max_pending(const struct cg_octet *f);

/* Looks at the n unread bytes at p (a stream's next bytes, none of them seen as part of a
 * frame before).
 *   CG_OCTET_FRAME: *frame is the next message, a view into p; the caller drops *used
 *     bytes (the header, the message, its terminator and any skipped separators) after
 *     it is done with *frame.
 *   CG_OCTET_MORE: no complete frame; the caller drops *used bytes (skipped separators
 *     and empty lines) and calls again with more bytes appended.
 *   CG_OCTET_BAD_COUNT, CG_OCTET_TOO_LONG: the stream is broken; *why says how, a phrase
 *     ("a leading 0 in the octet count"); nothing is consumed. The caller closes it.
 * *why is set for the errors only; *used is always set. */
enum cg_octet_rc cg_octet_next(struct cg_octet *f, const char *p, size_t n, struct cg_str *frame,
                               size_t *used, const char **why);

/* At the end of the stream, after cg_octet_next returned CG_OCTET_MORE for the n unread
 * bytes at p: true with *frame (a view into p) when they are a last LF-framed message
 * (not empty, CR dropped); false when there is none or they are an incomplete counted
 * frame (dropped; the caller counts it when n > 0). */
bool cg_octet_eof(const struct cg_octet *f, const char *p, size_t n, struct cg_str *frame);

#endif
