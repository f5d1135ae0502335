/* response.c - response targets: validated, or refused with a reason (see response.h).
 *
 * The value a rule names is attacker-controlled (any log line can carry any dvchost), so
 * it becomes a target only through cg_target_make; every other outcome is a refusal the
 * operator sees in the alert and in the counters, never a request. */
#include "response.h"

#include "cefguard/path.h"

static enum cg_refusal subject_refusal(enum cg_subject_status s)
{
    switch (s) {
    case CG_SUBJ_OK: return CG_REFUSE_NONE;
    case CG_SUBJ_FALLBACK: return CG_REFUSE_SUBJECT_FALLBACK;
    case CG_SUBJ_INVALID: return CG_REFUSE_SUBJECT_INVALID;
    case CG_SUBJ_AMBIGUOUS: return CG_REFUSE_SUBJECT_AMBIGUOUS;
    case CG_SUBJ_MISSING:
    case CG_SUBJ_MAX: break;
    }
    return CG_REFUSE_SUBJECT_MISSING;
}

enum cg_subject_status cg_eng_refusal_status(enum cg_refusal r)
{
    switch (r) {
    case CG_REFUSE_NONE: return CG_SUBJ_OK;
    case CG_REFUSE_SUBJECT_FALLBACK: return CG_SUBJ_FALLBACK;
    case CG_REFUSE_SUBJECT_INVALID:
    case CG_REFUSE_TARGET_INVALID: return CG_SUBJ_INVALID;
    case CG_REFUSE_SUBJECT_AMBIGUOUS: return CG_SUBJ_AMBIGUOUS;
    case CG_REFUSE_SUBJECT_MISSING:
    case CG_REFUSE_TARGET_MISSING:
    case CG_REFUSE_MAX: break;
    }
    return CG_SUBJ_MISSING;
}

/* The target path's value on the trigger, kept in the trigger's arena (the path's scratch
 * dies with this frame); *why is set when there is none or the subject is not ok. */
static struct cg_str target_value(const struct cg_path *p, struct cg_event *trig,
                                  enum cg_refusal *why)
{
    bool subject = p->kind == CG_P_SUBJECT;
    struct cg_path_scratch sc;
    struct cg_str v;
    if (!trig || !cg_path_get(p, trig, &v, &sc) || v.n == 0) {
        *why = subject ? subject_refusal(trig ? trig->subject_status : CG_SUBJ_MISSING)
                       : CG_REFUSE_TARGET_MISSING;
        if (*why == CG_REFUSE_NONE) /* an ok subject is never empty; be sure */
            *why = CG_REFUSE_SUBJECT_MISSING;
        return CG_STR_NULL;
    }
    *why = subject ? subject_refusal(trig->subject_status) : CG_REFUSE_NONE;
    char *c = cg_arena_dup(&trig->arena, v.p, v.n);
    return c ? cg_str_make(c, v.n) : CG_STR_NULL;
}

void cg_eng_response_resolve(struct cg_alert *a, struct cg_engine_stats *st)
{
    struct cg_alert_response *ar = &a->response;
    *ar = (struct cg_alert_response){.status = CG_RESP_NONE};
    const struct cg_response *r = &a->rule->response;
    if (!r->action || (a->kind != CG_ALERT_FIRE && a->kind != CG_ALERT_SILENCE))
        return;
    struct cg_event *trig = a->nevents ? a->events[a->nevents - 1] : NULL;
    enum cg_refusal why;
    struct cg_str v = target_value(&r->target, trig, &why);
    if (why == CG_REFUSE_NONE && !v.p)
        why = CG_REFUSE_TARGET_MISSING; /* out of memory copying it: nothing to act on */
    if (why == CG_REFUSE_NONE && cg_target_make(&ar->target, v) != CG_OK)
        why = r->target.kind == CG_P_SUBJECT ? CG_REFUSE_SUBJECT_INVALID : CG_REFUSE_TARGET_INVALID;
    if (why == CG_REFUSE_NONE) {
        ar->status = CG_RESP_REQUESTED;
        st->responses_requested++;
        return;
    }
    ar->status = CG_RESP_REFUSED;
    ar->reason = why;
    ar->refused = v;
    st->responses_refused[why]++;
}
