/*
 * risk.h - the risk class and outcome of an anti-malware detection, part of the
 * normalized event (see README.md "Risk class and outcome" for the table and sources).
 *
 *   class:   virus     virus / malware (trojans, worms, ransomware, backdoors, ...)
 *            grayware  spyware, grayware, PUA, adware, hacking tools, joke programs
 *            cnc       a C&C callback or suspicious connection (a network event)
 *            other     behaviour monitoring, machine learning, test files, the rest
 *   outcome: removed   cleaned, deleted, quarantined
 *            remains   passed, left alone, an action that failed, access denied only
 *            unknown   the product does not say (or says something else: renamed,
 *                      terminated, pending restart); rules never act on it
 *
 * Both are unset (CG_RISK_NONE) for events that are not anti-malware detections:
 * other products, other log types of the same product (SEPM traffic, Deep Security
 * system events, Apex pattern status), cefguard's internal events. Reading is
 * case-insensitive and tolerant: a value it does not know gives unknown, never a guess
 * towards "remains".
 *
 * Computed on first use by cg_event_risk() (it may decode the fields), so events no
 * rule or output asks about cost nothing.
 */
#ifndef CEFGUARD_RISK_H
#define CEFGUARD_RISK_H

#include "cefguard/event.h"

enum cg_risk_class {
    CG_RISK_NONE = 0, /* not an anti-malware detection */
    CG_RISK_VIRUS,
    CG_RISK_GRAYWARE,
    CG_RISK_CNC,
    CG_RISK_OTHER,
};

enum cg_risk_outcome {
    CG_RISK_OUT_NONE = 0, /* with CG_RISK_NONE only */
    CG_RISK_REMOVED,
    CG_RISK_REMAINS,
    CG_RISK_UNKNOWN,
};

/* Resolves ev->risk_class / ev->risk_outcome on first call. */
void cg_event_risk(struct cg_event *ev);

/* "virus", "grayware", "cnc", "other"; NULL for CG_RISK_NONE. */
const char *cg_risk_class_name(unsigned c);
/* "removed", "remains", "unknown"; NULL for CG_RISK_OUT_NONE. */
const char *cg_risk_outcome_name(unsigned o);

#endif
