/*
 * engine_counters.h - the counter table of struct cg_engine_stats (engine.h): names
 * "engine.events" ... "engine.no_time" in a stable order, for --stats and metrics.
 */
#ifndef CEFGUARD_ENGINE_COUNTERS_H
#define CEFGUARD_ENGINE_COUNTERS_H

#include "cefguard/counters.h"

/* cg_counters_write(&cg_engine_counters, cg_engine_stats(e), out) writes them. */
extern const struct cg_counter_table cg_engine_counters;

#endif
