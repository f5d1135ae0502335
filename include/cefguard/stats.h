/*
 * stats.h - counters of what went in and what came out, per format and per
 * rejection reason, and of everything that was dropped or repaired on the way
 * (never silent loss). Printed by `parse --stats`, later served by the daemon.
 */
#ifndef CEFGUARD_STATS_H
#define CEFGUARD_STATS_H

#include "cefguard/counters.h"
#include "cefguard/event.h"

struct cg_stats {
    uint64_t lines;                 /* lines read */
    uint64_t by_format[CG_FMT_MAX]; /* events out per format */
    uint64_t rejects[CG_REJ_MAX];   /* raw events per reason */
    uint64_t bad_escape;            /* events with an undefined escape kept */
    uint64_t ext_junk;              /* events with extension text dropped */
    uint64_t dup_keys;              /* duplicate keys dropped (first wins) */
    uint64_t fields_dropped;        /* fields beyond max_fields dropped */
    uint64_t invalid_utf8;          /* bytes replaced by U+FFFD in output */
    uint64_t lines_too_long;        /* lines cut at max_line */
    uint64_t time_outliers;         /* stamps beyond the clock bound (timeguard.h) */
    uint64_t time_jumps;            /* confirmed jumps of the clock */
    uint64_t sd_dropped;            /* RFC 5424 SD params beyond 256 a line */
};

/* Counts one finished event (after its fields were decoded). */
void cg_stats_count_event(struct cg_stats *s, const struct cg_event *ev);

/* The counters of struct cg_stats: stable names, in a stable order ("lines", "format.cef",
 * "reject.empty", ..., "drop.lines_cut"); cg_counters_write(&cg_stats_counters, s, out)
 * writes them. */
extern const struct cg_counter_table cg_stats_counters;

#endif
