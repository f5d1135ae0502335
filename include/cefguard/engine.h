/*
 * engine.h - the rule engine: match, correlate, keep state, emit alerts.
 *
 * The engine takes events and time only as arguments and emits alerts through a
 * callback; it never executes anything (responses are requests in the alert).
 *
 * Time. Windows run on event time (the event's stamp, in microseconds). The
 * engine's clock is the newest event time seen; a deadline (holddown end, join
 * wait, silence timeout, suppression period) fires once the clock has passed it
 * by more than the lateness bound, so events up to `lateness` late still count.
 * An event without a usable stamp takes the arrival time given by the caller
 * (live), or the engine clock (replay: arrival 0); so does a raw event (nothing
 * decoded it: its stamp is never trusted) and one flagged CG_EV_TIME_OUTLIER by
 * the decoder's clock guard (timeguard.h). One flagged CG_EV_TIME_JUMP (a
 * confirmed jump) sets the clock even when it is earlier. cg_engine_flush() resolves
 * every pending deadline in deadline order (end of a replay). Live runs also
 * call cg_engine_advance() with the wall clock, so silence is noticed when
 * everything is quiet; replay does not, which is why a replay equals a live run
 * whenever events reach the live run within the lateness bound.
 *
 * Order. Rules are evaluated in rule-set order; timers that fall due fire before
 * the event that moved the clock is evaluated, in (deadline, creation) order.
 * Same input, same alerts, same bytes.
 *
 * Chaining. Every alert is also fed back as an internal event (format
 * "internal", vendor "cefguard", product "cefguard", event_id "alert" or
 * "silence"/"cleared"/"suppressed", name = rule id, subject = the alert's
 * response target or key), so rules can match cefguard's own alerts, to a
 * bounded depth (max_chain). Only rules whose match asks for format "internal"
 * (cg_match_asks_internal) see them. An alert made while an event of depth d is
 * dispatched has depth d + 1; one fired by a timer, the deepest depth its key
 * saw + 1. Action results will arrive the same way. The alerts
 * of a rule with `output: chain` (records) are only fed back: the callback never
 * sees them, and they count in stats.recorded, not stats.alerts.
 *
 * Responses. A rule's response target is read from the trigger event and checked: a
 * subject whose status is not ok, or a value that is no valid host name or address
 * (hostaddr.h), refuses the request; the alert is still emitted, with the refusal and
 * its reason, and counted. Only a request's internal event carries fields action and
 * target; a refusal's carries response_refused = the reason instead, so rules that count
 * requests never count refusals.
 *
 * State is bounded: at most max_keys live keys per rule (the least recently
 * used key is evicted and counted), keys with nothing pending expire once
 * their window has passed, and everything the rules keep together (keys, held
 * event copies, window entries, timers) is held to max_state_bytes by evicting
 * keys (counted apart). An evicted key lets go of all it holds at once.
 * cg_engine_snapshot/restore carry the state across a restart (same rules:
 * state is matched to rules by id; unknown ids are dropped and counted).
 */
#ifndef CEFGUARD_ENGINE_H
#define CEFGUARD_ENGINE_H

#include "cefguard/buf.h"
#include "cefguard/event.h"
#include "cefguard/hostaddr.h"
#include "cefguard/rules.h"

enum cg_alert_kind {
    CG_ALERT_FIRE = 0,   /* "alert" */
    CG_ALERT_SILENCE,    /* "silence": a silence rule's key went quiet */
    CG_ALERT_CLEARED,    /* "cleared": a silent key came back */
    CG_ALERT_SUPPRESSED, /* "suppressed": end of a suppression period that held alerts back */
};

const char *cg_alert_kind_name(enum cg_alert_kind k);

/* What became of a rule's response (rules with a response, alerts that request: kind
 * alert or silence). */
enum cg_response_status {
    CG_RESP_NONE = 0,  /* the alert requests nothing */
    CG_RESP_REQUESTED, /* target is a validated machine */
    CG_RESP_REFUSED,   /* the target could not be trusted: reason says why */
};

/* Why a response was refused. The subject reasons are the subject's status (event.h). */
enum cg_refusal {
    CG_REFUSE_NONE = 0,
    CG_REFUSE_SUBJECT_FALLBACK,  /* the subject is only the sender (syslog host) */
    CG_REFUSE_SUBJECT_MISSING,   /* no subject at all */
    CG_REFUSE_SUBJECT_INVALID,   /* the fields name no valid host name or address */
    CG_REFUSE_SUBJECT_AMBIGUOUS, /* the event names two different machines */
    CG_REFUSE_TARGET_INVALID,    /* a target path's value is no host name or address */
    CG_REFUSE_TARGET_MISSING,    /* a target path has no value */
    CG_REFUSE_MAX
};

/* "subject_fallback", ..., "target_missing" ("none" for CG_REFUSE_NONE) */
const char *cg_refusal_name(enum cg_refusal r);

/* The response part of an alert, set by the engine (alert_emit) before the receiver sees
 * it. A receiver acts only on status REQUESTED, and only on the machine that
 * cg_target_value(&target) gives: there is no other way to a target. */
struct cg_alert_response {
    enum cg_response_status status;
    enum cg_refusal reason;  /* REFUSED: why */
    struct cg_target target; /* REQUESTED: the machine (hostaddr.h); empty otherwise */
    struct cg_str refused;   /* REFUSED: the value not acted on, for the operator (unset if
                                none); untrusted text, never a target */
};

struct cg_alert {
    const struct cg_rule *rule;
    uint8_t id[16]; /* stable id (cg_alert_id), set by the engine before the receiver sees it */
    enum cg_alert_kind kind;
    int64_t time_us;          /* when the rule completed, event time */
    int16_t off_min;          /* offset to render time with (from the trigger event) */
    const struct cg_str *key; /* key values, rule->key.n of them (or other_key) */
    size_t nkey;
    const struct cg_path *key_paths;
    uint64_t count;           /* events that made the alert */
    uint64_t suppressed;      /* alerts held back before this one */
    struct cg_event **events; /* the first few triggering events (normalized copies) */
    size_t nevents;
    struct cg_event *joined;     /* join: the related event, or NULL */
    const struct cg_str *values; /* threshold distinct: the distinct values */
    size_t nvalues;
    struct cg_str summary;             /* rendered template (or the rule description) */
    struct cg_alert_response response; /* see above */
};

/* An alert's stable id, so that input delivered again after a crash (omprog, and later
 * Kafka, re-send what was not acknowledged) neither loses nor repeats an alert: the service
 * records the ids it delivered and suppresses them when it processes the journal again
 * (state.h). The engine sets a->id with it for every alert the receiver sees (records of
 * `output: chain` rules get none); alert.h writes it as "id", 32 lowercase hex digits.
 *
 * The id is the first 128 bits of SHA-256 over an unambiguous encoding (alert_id.c: a
 * version tag, every item length-prefixed) of what made the alert and of nothing that
 * differs between a replay and a live run of the same lines: the rule id, the kind, the key
 * values, time_us (event time), count, and for each event in events[] and the joined one
 * its format, input line bytes (ev->line) and stamp (ev->time as decoded); an internal event
 * (an alert fed back: no line) gives its name, event_id and subject instead. Not the arrival
 * time, pointers, the summary or response (both follow from the rule and the events), nor
 * the suppressed count. A cryptographic hash because log lines are attacker-controlled and
 * the id deduplicates: a forged line that could reproduce another alert's id would suppress
 * it.
 *
 * Consequences. The same lines, replayed or re-delivered and restored from a snapshot, give
 * the same ids. Two alerts that agree in all of the above share an id: byte-identical lines
 * that complete the same rule and key twice at the same time_us with the same count (a
 * sender repeating a burst within one stamp); deduplicate only what may have been
 * delivered before (the journal), never the live stream. The engine option max_events
 * (which events an alert keeps) is part of what is hashed: changing it changes later ids.
 *
 * CG_OK, or CG_ENOMEM (libcrypto failed) with out zeroed. The engine keeps its own hasher
 * (no lookup or allocation per alert); this one makes one per call. */
int cg_alert_id(const struct cg_alert *a, uint8_t out[16]);

/* The id as the alert JSON writes it: 32 lowercase hex digits and a NUL. */
#define CG_ALERT_ID_HEX 33
void cg_alert_id_hex(const uint8_t id[16], char out[CG_ALERT_ID_HEX]);

/* Receives each alert as it is emitted, in emission order.
 *
 * Lifetime: the alert and everything it points to (rule aside: the rule set outlives the
 * engine) - key values, events, joined event, values, summary, response - is valid only
 * during the call. A receiver that keeps an alert (an approval queue, a batch) copies what
 * it keeps; cg_event_clone() shares an event cheaply.
 *
 * Return: CG_OK, or an error code that stops the engine: the call that was processing
 * (cg_engine_process, _advance, _flush) returns it at once; the alert is counted and its
 * internal event is not queued. The caller decides whether the stream goes on. */
typedef int (*cg_alert_fn)(void *ctx, const struct cg_alert *a);

struct cg_engine_opts {
    int64_t lateness_us; /* default 0 */
    unsigned max_chain;  /* internal event depth, default 4 */
    unsigned max_events; /* triggering events kept per alert, default 3 */
    /* Budget of the correlation state in bytes, default CG_ENGINE_STATE_BYTES_DEFAULT;
     * SIZE_MAX: none. */
    size_t max_state_bytes;
};

/* 256 MiB: room for some 200,000 keys that each hold an event (about 1.3 KiB with its
 * copy), twenty times a rule's default max_keys, and the process stays near 300 MB. */
#define CG_ENGINE_STATE_BYTES_DEFAULT ((size_t)256 << 20)

struct cg_engine_stats {
    uint64_t events;          /* events processed (external) */
    uint64_t internal_events; /* alerts fed back (those a rule can match: the rest are not made) */
    uint64_t candidates;      /* (rule, role) pairs evaluated */
    uint64_t matches;
    uint64_t alerts;   /* emitted (output: alert rules) */
    uint64_t recorded; /* alerts of output: chain rules: fed back only, never emitted */
    uint64_t suppressed;
    uint64_t evictions;                        /* keys evicted by max_keys */
    uint64_t evictions_budget;                 /* keys evicted by max_state_bytes */
    uint64_t state_bytes;                      /* gauge: bytes the correlation state holds now */
    uint64_t state_bytes_peak;                 /* gauge: the most it held after an event */
    uint64_t late;                             /* events older than clock - lateness */
    uint64_t join_dropped;                     /* required joins that found nothing */
    uint64_t chain_dropped;                    /* internal events beyond max_chain */
    uint64_t held_dropped;                     /* held events beyond 64 per key (oldest dropped) */
    uint64_t no_time;                          /* events without a usable stamp */
    uint64_t responses_requested;              /* alerts with a validated response target */
    uint64_t responses_refused[CG_REFUSE_MAX]; /* refused responses, by reason ([0] unused) */
    uint64_t regex_limit; /* regex evaluations stopped by a PCRE2 limit (no match) */
};

struct cg_engine;

/* One rule's counters since the engine began. */
struct cg_engine_rule_stats {
    uint64_t matched;    /* events its match (or its join/cancel match) took */
    uint64_t alerts;     /* alerts it emitted (records not counted) */
    uint64_t suppressed; /* alerts held back by its suppression */
    uint64_t keys;       /* gauge: keys it holds state for */
};

/* rs must outlive the engine. NULL when out of memory. */
struct cg_engine *cg_engine_new(const struct cg_ruleset *rs, const struct cg_engine_opts *o,
                                cg_alert_fn fn, void *ctx);
void cg_engine_free(struct cg_engine *e);

/* Evaluates one event. arrival_us: the wall clock for live input, 0 for replay. */
int cg_engine_process(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us);
/* Live: moves the clock to now_us (if later) and fires what fell due. */
int cg_engine_advance(struct cg_engine *e, int64_t now_us);
/* End of input: fires every pending deadline in order. */
int cg_engine_flush(struct cg_engine *e);

const struct cg_engine_stats *cg_engine_stats(const struct cg_engine *e);
/* Would any rule want this event? (index lookup only: no field is decoded) */
bool cg_engine_wants(struct cg_engine *e, const struct cg_event *ev);
/* Can any rule receive rule r's alerts (of any kind) as internal events? Decided by the
 * index, as chaining decides it: false means r's alerts are never fed back, so the records
 * of an `output: chain` rule would reach nobody. */
bool cg_engine_chained(struct cg_engine *e, const struct cg_rule *r);

/* Appends the engine state to out. */
int cg_engine_snapshot(struct cg_engine *e, struct cg_buf *out);
/* The engine's clock (event time, us); 0 before any event. */
int64_t cg_engine_clock(const struct cg_engine *e);
/* The counters of the rule at index i of the rule set (i < the rule set's n). */
void cg_engine_rule_stats(const struct cg_engine *e, size_t i, struct cg_engine_rule_stats *out);
/* Restores a snapshot into a fresh engine. CG_EPARSE with a message on bad data. */
int cg_engine_restore(struct cg_engine *e, const char *p, size_t n, struct cg_buf *err);

#endif
