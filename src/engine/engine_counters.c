/* engine_counters.c - the counter table of struct cg_engine_stats (see engine_counters.h). */
#include "cefguard/engine_counters.h"

#include "cefguard/engine.h"

#define STAT(name, member, help)                                                                   \
    {                                                                                              \
        "engine." name, CG_COUNTER_TOTAL, offsetof(struct cg_engine_stats, member), help, NULL, 0, \
            0                                                                                      \
    }

#define GAUGE(name, member, help)                                                                  \
    {                                                                                              \
        "engine." name, CG_COUNTER_GAUGE, offsetof(struct cg_engine_stats, member), help, NULL, 0, \
            0                                                                                      \
    }

static const char *refusal_elem(unsigned i)
{
    return cg_refusal_name((enum cg_refusal)i);
}

static const struct cg_counter engine_counters[] = {
    STAT("events", events, "events the engine evaluated (its own internal events not included)"),
    STAT("internal_events", internal_events,
         "alerts fed back as internal events (only those some rule can match are made)"),
    STAT("candidates", candidates,
         "(rule, role) pairs the rule index offered an event and whose match was evaluated"),
    STAT("matches", matches, "(rule, role) pairs whose match held for the event"),
    STAT("alerts", alerts,
         "alerts emitted, of every kind, suppressed ones and records (output: chain) not included"),
    STAT("recorded", recorded,
         "alerts of output: chain rules: fed back to the rules that chain on them, never emitted"),
    STAT("suppressed", suppressed, "alerts held back by a rule's suppress period"),
    STAT("evictions", evictions,
         "keys evicted because a rule reached max_keys (the least recently used first)"),
    STAT("evictions_budget", evictions_budget,
         "keys evicted because the state reached --max-state-bytes (the least recently used key "
         "of the rule holding the most bytes first)"),
    GAUGE("state_bytes", state_bytes,
          "bytes the correlation state holds (keys, held event copies, window entries, timers)"),
    GAUGE("state_bytes_peak", state_bytes_peak,
          "the most bytes the correlation state held at the end of an event"),
    STAT("late", late, "events older than the engine clock minus the lateness bound"),
    STAT("join_dropped", join_dropped,
         "events of a required join whose window passed without a related event"),
    STAT("chain_dropped", chain_dropped,
         "internal events not made because the alert chain was max_chain deep"),
    STAT("held_dropped", held_dropped, "held events dropped beyond 64 per key, oldest first"),
    STAT("no_time", no_time,
         "events without a usable time stamp, raw lines included (they take the arrival time "
         "or the engine clock)"),
    STAT("responses_requested", responses_requested,
         "alerts whose response request went out with a validated target (host name or address)"),
    {"engine.responses_refused", CG_COUNTER_TOTAL,
     offsetof(struct cg_engine_stats, responses_refused),
     "alerts whose response was refused (emitted without a request), by reason", refusal_elem,
     CG_REFUSE_NONE + 1, CG_REFUSE_MAX},
    STAT("regex_limit", regex_limit,
         "regex evaluations stopped by a PCRE2 limit (taken as no match; the first one of each "
         "rule is logged)"),
};

/* Every counter of struct cg_engine_stats is in the table: a new member without an entry
 * stops the build here. */
_Static_assert(sizeof(struct cg_engine_stats) ==
                   sizeof(uint64_t) * (CG_ARRAY_LEN(engine_counters) - 1 + CG_REFUSE_MAX),
               "struct cg_engine_stats and engine_counters[] differ");

const struct cg_counter_table cg_engine_counters = {engine_counters, CG_ARRAY_LEN(engine_counters)};
