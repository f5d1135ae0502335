/*
 * alert.h - the alert contract: one JSON object per alert, one per line.
 *
 *   {"time":"2025-04-20T03:20:54Z","rule":"ds-pattern-update-failed",
 *    "id":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","kind":"alert","severity":"medium",
 *    "summary":"...","key":{"fields.target":"DSA-test"},
 *    "count":2,"suppressed":0,"tags":["deep-security"],
 *    "response":{"status":"requested","action":"quarantine","target":"web-01",
 *                "approval":"manual"}
 *              |{"status":"refused","reason":"subject_fallback","action":"quarantine",
 *                "target":null,"refused_target":"dsm01","approval":"manual"}|null,
 *    "values":["a","b"] (threshold with distinct only),
 *    "events":[<normalized event>...],"joined":<normalized event>|null}
 *
 * id: the alert's stable id, 32 lowercase hex digits (engine.h, cg_alert_id): the same in a
 * replay and a live run of the same lines, so a consumer can drop an alert delivered twice.
 * kind: alert | silence | cleared | suppressed (see engine.h). Key order fixed. A refusal
 * never carries a target: "target" is a validated host name or address or null.
 */
#ifndef CEFGUARD_ALERT_H
#define CEFGUARD_ALERT_H

#include "cefguard/buf.h"
#include "cefguard/engine.h"

/* Appends the alert as one JSON object (no newline). */
int cg_alert_to_json(const struct cg_alert *a, struct cg_buf *out);

#endif
