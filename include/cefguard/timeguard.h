/*
 * timeguard.h - the event clock one line cannot move (decode stage).
 *
 * Every log line is attacker-controlled and UDP syslog is trivially forged, so a stamp is
 * trusted as the stream's clock only when it is plausible. The guard keeps the stream's
 * clock (the newest accepted stamp) and judges each dated, decoded line against it:
 *
 *   within max_jump of the clock (either way)   accepted; a later stamp moves the clock
 *   farther than max_jump (year 9999, year 0,   an outlier: flagged in the event
 *   a far past, a jump ahead of a quiet week)   (CG_EV_TIME_OUTLIER, "time_outlier": true),
 *                                               counted, processed by the engine at the
 *                                               clock's time, never the year reference
 *   the confirm-th further line that agrees     a confirmed jump (CG_EV_TIME_JUMP): the
 *   with an outlier (within max_jump of it),    clock moves to it, forward or back (a
 *   with no line agreeing with the clock in     quiet weekend, a restarted feed, files
 *   between - and, once two senders were seen,  concatenated out of order)
 *   from a second sender
 *
 * A lone outlier is never confirmed: the next line that agrees with the clock drops it.
 * The first dated line anchors the clock (replay has nothing else to go by); a poisoned
 * first line is re-anchored by the confirm lines that follow it.
 *
 * Wall clock (the hook for live input): when the caller passes the arrival time, a stamp
 * more than max_jump from it, later or earlier, is always an outlier (never a candidate):
 * a live stream's clock stays within the bound of the wall clock, and a sender whose clock
 * is months off, or a forged year, has its lines counted at their arrival. Replay passes 0.
 * Deterministic: the verdicts depend only on the lines and the arrivals.
 *
 * Not thread-safe: one per input stream (struct cg_decoder holds it).
 */
#ifndef CEFGUARD_TIMEGUARD_H
#define CEFGUARD_TIMEGUARD_H

#include "cefguard/common.h"

#define CG_TIMEGUARD_MAX_JUMP_DEFAULT (86400ll * 1000000) /* 1 day, in us */
#define CG_TIMEGUARD_CONFIRM_DEFAULT 2

struct cg_timeguard_opts {
    int64_t max_jump_us; /* 0: CG_TIMEGUARD_MAX_JUMP_DEFAULT */
    unsigned confirm;    /* further agreeing lines a jump needs; 0: the default */
};

enum cg_timeguard_verdict {
    CG_TG_ACCEPT = 0, /* plausible */
    CG_TG_OUTLIER,    /* beyond the bound, unconfirmed (or after the wall clock) */
    CG_TG_JUMP,       /* a confirmed jump: the clock moved to it */
};

struct cg_timeguard {
    int64_t max_jump_us;
    unsigned confirm;
    bool has_clock;
    int64_t clock_us; /* newest accepted stamp (or the stamp of the last jump) */
    uint64_t host0;   /* the first sender seen (hash), and whether another was */
    bool has_host0, multi_host;
    /* the outlier waiting for confirmation */
    bool has_cand;
    int64_t cand_us; /* newest stamp of the agreeing lines */
    unsigned cand_n; /* lines that agree with it, itself included */
    uint64_t cand_host;
    bool cand_hosts2; /* a second sender agreed */
};

void cg_timeguard_init(struct cg_timeguard *g, const struct cg_timeguard_opts *o);

/* Judges stamp t_us (us since the epoch) of a line from sender host (a NULL view: none)
 * arriving at wall_us (0: unknown, replay), and updates the clock. */
enum cg_timeguard_verdict cg_timeguard_check(struct cg_timeguard *g, int64_t t_us,
                                             struct cg_str host, int64_t wall_us);

#endif
