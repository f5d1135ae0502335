/*
 * path.h - references to values of a normalized event, as rule files write them.
 *
 *   vendor product product_version event_id name severity format format_version
 *   host subject subject_key subject_status reason message time
 *   risk.class risk.outcome  anti-malware detections (risk.h); absent on other events
 *   fields.<key>            a field (CEF extension key, rulebase field), key as logged;
 *                           the rest of the path after "fields." is the key, dots included
 *   syslog.app syslog.procid syslog.msgid syslog.pri syslog.facility syslog.severity
 *   syslog.sd.<SD-ID>.<param>
 *
 * A path is parsed once when a rule is loaded; reading it from an event is a
 * switch plus, for fields, a lookup (which decodes the extension on first use).
 */
#ifndef CEFGUARD_PATH_H
#define CEFGUARD_PATH_H

#include "cefguard/event.h"

enum cg_path_kind {
    CG_P_VENDOR,
    CG_P_PRODUCT,
    CG_P_PRODUCT_VERSION,
    CG_P_EVENT_ID,
    CG_P_NAME,
    CG_P_SEVERITY,
    CG_P_FORMAT,
    CG_P_FORMAT_VERSION,
    CG_P_HOST,
    CG_P_SUBJECT,
    CG_P_SUBJECT_KEY,
    CG_P_SUBJECT_STATUS, /* "ok", "fallback", ... (enum cg_subject_status) */
    CG_P_REASON,
    CG_P_MESSAGE,
    CG_P_TIME,
    CG_P_FIELD,
    CG_P_RISK_CLASS,
    CG_P_RISK_OUTCOME,
    CG_P_SYSLOG_APP,
    CG_P_SYSLOG_PROCID,
    CG_P_SYSLOG_MSGID,
    CG_P_SYSLOG_PRI,
    CG_P_SYSLOG_FACILITY,
    CG_P_SYSLOG_SEVERITY,
    CG_P_SYSLOG_SD,
};

struct cg_path {
    enum cg_path_kind kind;
    struct cg_str key;   /* CG_P_FIELD: the field key; CG_P_SYSLOG_SD: the param name */
    struct cg_str sd_id; /* CG_P_SYSLOG_SD: the SD-ID */
    char *text;          /* the path as written (owned), for messages and alert keys */
};

/* Parses s (NUL-terminated). CG_OK, or CG_EINVAL with a message in err
 * ("unknown field 'x': expected vendor, product, ..., fields.<key>"). */
int cg_path_parse(const char *s, struct cg_path *out, struct cg_buf *err);
void cg_path_fini(struct cg_path *p);

/* Space a caller provides for values that are rendered rather than viewed
 * (numbers, time). */
struct cg_path_scratch {
    char buf[48];
};

/* Reads the value: true and *out set when present (an empty value is present),
 * false when the event has no such value. *out may point into scratch. */
bool cg_path_get(const struct cg_path *p, struct cg_event *ev, struct cg_str *out,
                 struct cg_path_scratch *scratch);

#endif
