/*
 * response.h - an alert's response: the rule's target read from the trigger event and
 * validated (hostaddr.h), or refused with a reason (engine.h struct cg_alert_response).
 * Private to the engine: engine.c calls it for every alert before the receiver sees it.
 */
#ifndef CEFGUARD_ENGINE_RESPONSE_H
#define CEFGUARD_ENGINE_RESPONSE_H

#include "cefguard/engine.h"

/* Sets a->response from a->rule's response and a's trigger (its last event) and counts
 * it in st (responses_requested or responses_refused[reason]). Alerts that request
 * nothing (no action, kind suppressed or cleared) get CG_RESP_NONE and are not counted.
 * A copied value lives in the trigger's arena, so it is valid as long as the alert. */
void cg_eng_response_resolve(struct cg_alert *a, struct cg_engine_stats *st);

/* The subject status an alert's internal event takes from a refusal reason. */
enum cg_subject_status cg_eng_refusal_status(enum cg_refusal r);

#endif
