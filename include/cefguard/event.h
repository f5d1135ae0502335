/*
 * event.h - the normalized event: one contract for every later stage and for users.
 *
 * Produced by decode (syslog header, CEF/LEEF header) and normalize (rulebases,
 * subject); read by the rule engine and the JSON writer. All string views point
 * into the input line or into ev->arena, so an event is valid only while its
 * line buffer is, and until cg_event_reset().
 *
 * Fields are decoded lazily: decode leaves the CEF extension / LEEF attributes
 * in ev->body, and cg_event_fields() decodes them on first use. Events from
 * rulebases (format lognorm) have their fields filled at once.
 *
 * subject: the machine the event is about, from a table per vendor and event type
 * (subject.c, README.md "The machine an event is about"). Deep Security relays agent
 * events through the manager, so the syslog host is the manager, not the machine; an
 * Apex Central C&C callback names the C&C server in dst. subject_key names where the
 * subject came from (a field key, "target", "subject" or "host"), subject_status how far
 * it can be trusted (enum cg_subject_status): only an "ok" subject is a validated host
 * name or address (hostaddr.h) that the event's own fields name.
 */
#ifndef CEFGUARD_EVENT_H
#define CEFGUARD_EVENT_H

#include "cefguard/arena.h"
#include "cefguard/buf.h"
#include "cefguard/common.h"
#include "cefguard/fields.h"
#include "cefguard/reject.h"
#include "cefguard/syslog.h"
#include "cefguard/timeutil.h"

enum cg_format {
    CG_FMT_RAW = 0, /* nothing decoded the line; reason says why */
    CG_FMT_CEF,
    CG_FMT_LEEF,
    CG_FMT_LOGNORM,  /* a liblognorm rulebase rule matched */
    CG_FMT_INTERNAL, /* made by cefguard itself (an alert, an action result), so rules chain */
    CG_FMT_MAX
};

/* "raw", "cef", "leef", "lognorm", "internal" */
const char *cg_format_name(enum cg_format f);

/* How the subject was found. Only OK may become a response target. */
enum cg_subject_status {
    CG_SUBJ_OK = 0,    /* a field the table names holds a valid host name or address */
    CG_SUBJ_FALLBACK,  /* no such field: the subject is the syslog host (the sender) */
    CG_SUBJ_MISSING,   /* no such field and no syslog host: subject unset */
    CG_SUBJ_INVALID,   /* the fields hold values that are no host name or address (the
                        * first of them is the subject, for display) */
    CG_SUBJ_AMBIGUOUS, /* the event names two different machines (ePO MachineName and
                        * TargetHostName): the subject is the reporting one */
    CG_SUBJ_MAX
};

/* "ok", "fallback", "missing", "invalid", "ambiguous" */
const char *cg_subject_status_name(enum cg_subject_status s);

/* Event flags: things worth counting that did not reject the line. */
enum {
    CG_EV_BAD_ESCAPE = 1 << 0, /* an undefined escape was kept */
    CG_EV_EXT_JUNK = 1 << 1,   /* text before the first key / attr without '=' dropped */
    CG_EV_TRUNCATED = 1 << 2,  /* the line was longer than max_line and was cut */
    /* The stamp is implausibly far from the stream's clock (timeguard.h): the event is
     * processed at the clock's time and its stamp is no year reference. */
    CG_EV_TIME_OUTLIER = 1 << 3,
    CG_EV_TIME_JUMP = 1 << 4, /* the stamp confirmed a jump of the clock (timeguard.h) */
};

struct cg_event {
    struct cg_str line;  /* the input line, no trailing LF/CR */
    struct cg_syslog sl; /* syslog header (kind NONE when absent) */
    enum cg_format format;
    enum cg_reject reason;     /* CG_REJ_NONE unless format == CG_FMT_RAW */
    struct cg_str fmt_version; /* CEF "0"/"1", LEEF "1.0"/"2.0" */
    struct cg_str vendor;
    struct cg_str product;
    struct cg_str product_version;
    struct cg_str event_id;
    struct cg_str name;
    struct cg_str severity;
    struct cg_time time;   /* event time (syslog stamp); flags 0 when unknown */
    struct cg_str subject; /* see above; valid after cg_event_subject() */
    struct cg_str subject_key;
    enum cg_subject_status subject_status;
    bool subject_done;    /* subject resolved (or set by whoever built the event) */
    bool risk_done;       /* risk_class / risk_outcome resolved (risk.h, cg_event_risk) */
    uint8_t risk_class;   /* enum cg_risk_class */
    uint8_t risk_outcome; /* enum cg_risk_outcome */
    struct cg_str body;   /* CEF extension / LEEF attrs, not yet decoded */
    char leef_delim;
    bool fields_done; /* fields holds the decoded body */
    struct cg_fields fields;
    unsigned flags;     /* CG_EV_* */
    unsigned refs;      /* 0: owned by its maker (the pipeline's event); >= 1: a shared copy */
    uint8_t pool_class; /* cg_event_new: 1 + the reuse pool its block returns to; 0: none */
    struct cg_arena arena;
};

void cg_event_init(struct cg_event *ev, size_t max_fields);
/* Ready for the next line: keeps the capacity of fields and arena. */
void cg_event_reset(struct cg_event *ev);
void cg_event_fini(struct cg_event *ev);

/* Decodes ev->body into ev->fields on first call. Returns CG_OK or CG_ENOMEM. */
int cg_event_fields(struct cg_event *ev);

/* Resolves ev->subject / subject_key / subject_status on first call (it may decode the
 * fields, so it is not done for events no rule wants). subject.c. */
void cg_event_subject(struct cg_event *ev);

/* Value of field key (decoding the body if needed), or NULL. */
const struct cg_str *cg_event_field(struct cg_event *ev, struct cg_str key);

/* A heap event (refs 1, freed with cg_event_free) whose arena's first block of at
 * least arena_bytes is part of the same allocation. Freed blocks of up to 16 KiB are
 * kept (per thread, bounded) for the next ones. NULL when out of memory. */
struct cg_event *cg_event_new(size_t max_fields, size_t arena_bytes);
/* Frees the blocks this thread keeps for reuse (at exit, or to give memory back). */
void cg_event_pool_drain(void);

/* Deep copy that owns all its bytes (line, header, syslog header and SD, fields),
 * so it outlives the source's line buffer: correlation keeps these. The fields of a
 * CEF/LEEF event are not copied: the copy decodes them from its own line on first
 * use, with the same result. Copies are immutable (lazy decoding aside), so a copy of
 * a copy (refs >= 1) is the same object with one more reference. NULL when out of
 * memory. */
struct cg_event *cg_event_clone(struct cg_event *ev);
/* Like cg_event_clone, reusing old's memory when old is not NULL and not shared (a rule
 * that keeps only the latest event replaces its copy for every event). On failure old
 * is released and NULL returned. */
struct cg_event *cg_event_reclone(struct cg_event *old, struct cg_event *src);
/* Bytes a heap event (cg_event_new, a copy) occupies: the event and its first arena block
 * (one allocation, a reuse pool's class size), the arena's further blocks, the field
 * array. What a holder of a copy counts against a memory budget; O(arena blocks). */
size_t cg_event_mem(const struct cg_event *ev);
/* Releases a reference to a copy (or a deserialized or internal event, refs 1), freeing
 * it with the last one. NULL is a no-op. */
void cg_event_free(struct cg_event *ev);

/* Appends the event as one JSON object (no newline); decodes fields if needed. Adds the
 * bytes replaced by U+FFFD to *bad_utf8 (may be NULL). The key order is fixed; see
 * README.md "Normalized event". CG_OK or CG_ENOMEM (event_json.c). */
int cg_event_to_json(struct cg_event *ev, struct cg_buf *b, size_t *bad_utf8);

/* Appends a self-contained binary form of a decoded event (for state snapshots). */
int cg_event_serialize(struct cg_event *ev, struct cg_buf *out);
/* Reads one serialized event at *p (advancing it); NULL when the bytes up to end
 * are not a valid serialized event or out of memory. */
struct cg_event *cg_event_deserialize(const char **p, const char *end);

#endif
