/*
 * decode.h - framing/decode stage: one input line -> event with syslog header and
 * CEF/LEEF header decoded.
 *
 * Detection of CEF/LEEF, in order:
 *   1. MSG starts with "CEF:" / "LEEF:" (wire form "<PRI>... host CEF:0|...", or a
 *      line that is only the CEF text);
 *   2. the RFC 3164 tag is "CEF" / "LEEF" and MSG starts with the version
 *      (file form "... kaga CEF: 0|Trend Micro|...").
 * A CEF/LEEF header that fails to decode makes the event raw with that reason.
 * LEEF has no Name/Severity header fields: they are taken from the attributes
 * "name" and "sev" (as Deep Security writes them).
 * Anything else is left raw with reason CG_REJ_NO_DECODER for normalize to try.
 */
#ifndef CEFGUARD_DECODE_H
#define CEFGUARD_DECODE_H

#include "cefguard/cef.h"
#include "cefguard/event.h"
#include "cefguard/syslog.h"
#include "cefguard/timeguard.h"

/* Per input stream (not thread-safe): the syslog context and the CEF header cache. */
struct cg_decoder {
    struct cg_syslog_ctx sl;
    struct cg_cef_cache cef;
    struct cg_timeguard tg; /* the stream's clock: which stamps are trusted */
};

int cg_decoder_init(struct cg_decoder *d, const struct cg_syslog_opts *opts);
void cg_decoder_fini(struct cg_decoder *d);

/* ev must have been reset. ev keeps views into p: p must outlive the use of ev. */
void cg_decode_line(struct cg_decoder *d, const char *p, size_t n, struct cg_event *ev);

/* Judges the event's stamp once the event is final (decoded and normalized), before anyone
 * sees it (timeguard.h). A raw event's stamp is never trusted: it is not judged and moves
 * nothing (the engine does not take it either). A trusted stamp becomes the reference of
 * the year of later undated RFC 3164 stamps; an outlier gets CG_EV_TIME_OUTLIER and is
 * not; a confirmed jump gets CG_EV_TIME_JUMP. wall_us: the arrival time (live), or 0. */
void cg_decode_settle(struct cg_decoder *d, struct cg_event *ev, int64_t wall_us);

#endif
