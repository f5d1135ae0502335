/*
 * engine.c - lifecycle, the event-time clock, dispatch, and chaining (see engine.h). The
 * rule index is index.c; per-key correlation state and its deadlines are correlate.c,
 * driven from here through one context (correlate.h).
 */
#include "engine_int.h"
#include "response.h"

#include "cefguard/template.h"
#include "cefguard/textutil.h"
#include "cefguard/vec.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- lifecycle --------------------------------------------------------------------------- */

static int alert_emit(void *arg, struct cg_alert *a);

struct cg_engine *cg_engine_new(const struct cg_ruleset *rs, const struct cg_engine_opts *o,
                                cg_alert_fn fn, void *ctx)
{
    struct cg_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->rs = rs;
    if (o)
        e->o = *o;
    if (!e->o.max_chain)
        e->o.max_chain = 4;
    if (!e->o.max_events)
        e->o.max_events = 3;
    e->fn = fn;
    e->fn_ctx = ctx;
    cg_index_init(&e->index);
    cg_index_init(&e->internal);
    cg_timerq_init(&e->timers);
    if (!e->o.max_state_bytes)
        e->o.max_state_bytes = CG_ENGINE_STATE_BYTES_DEFAULT;
    e->corr = (struct cg_corr_ctx){.timers = &e->timers,
                                   .lateness_us = e->o.lateness_us,
                                   .max_events = e->o.max_events,
                                   .emit = alert_emit,
                                   .emit_arg = e,
                                   .st = &e->st};
    e->corr.budget = e->o.max_state_bytes == SIZE_MAX ? 0 : e->o.max_state_bytes;
    cg_buf_init(&e->corr.key);
    cg_buf_init(&e->summary);
    e->rstates = calloc(rs->n ? rs->n : 1, sizeof(*e->rstates));
    e->corr.stateful = calloc(rs->n ? rs->n : 1, sizeof(*e->corr.stateful));
    if (!e->rstates || !e->corr.stateful) {
        cg_engine_free(e);
        return NULL;
    }
    for (size_t i = 0; i < rs->n; i++) {
        /* Keys come from log lines: seed the tables so chosen keys cannot collide by plan. */
        cg_corr_rstate_init(&e->rstates[i], &e->corr, rs->rules[i],
                            (uint64_t)(uintptr_t)e ^ (i * 0x9e3779b97f4a7c15ull));
        if (rs->rules[i]->corr != CG_CORR_NONE || rs->rules[i]->suppress_us)
            e->corr.stateful[e->corr.nstateful++] = &e->rstates[i];
    }
    if (cg_index_build(&e->index, rs, false) != CG_OK ||
        cg_index_build(&e->internal, rs, true) != CG_OK ||
        cg_match_memo_init(&e->memo, rs->nshared) != CG_OK) {
        cg_engine_free(e);
        return NULL;
    }
    e->memo.regex_limit = &e->st.regex_limit;
    return e;
}

void cg_engine_free(struct cg_engine *e)
{
    if (!e)
        return;
    /* Every timer holds a reference to its key state (correlate.h). */
    struct cg_corr_kstate *ks;
    for (size_t i = 0; i < cg_timerq_count(&e->timers); i++) {
        cg_corr_timer_kind(cg_timerq_at(&e->timers, i), &ks);
        cg_corr_kstate_release(ks);
    }
    cg_timerq_fini(&e->timers);
    for (size_t i = 0; e->rstates && i < e->rs->n; i++)
        cg_corr_rstate_fini(&e->rstates[i]);
    free(e->rstates);
    free(e->corr.stateful);
    for (size_t i = 0; i < e->queue.n; i++)
        cg_event_free(e->queue.v[i].ev);
    free(e->queue.v);
    cg_index_fini(&e->index);
    cg_index_fini(&e->internal);
    cg_match_memo_fini(&e->memo);
    cg_corr_end(&e->corr);
    cg_buf_fini(&e->corr.key);
    cg_buf_fini(&e->summary);
    cg_alert_hasher_free(e->hasher);
    free(e);
}

const struct cg_engine_stats *cg_engine_stats(const struct cg_engine *e)
{
    return &e->st;
}

bool cg_engine_wants(struct cg_engine *e, const struct cg_event *ev)
{
    return cg_index_candidates(ev->format == CG_FMT_INTERNAL ? &e->internal : &e->index, ev) !=
           NULL;
}

/* ---- deadlines --------------------------------------------------------------------------- */

static int process_queue(struct cg_engine *e);

/* Fires every deadline strictly before `due` (all of them when flush), each followed by
 * the internal events its alerts made. */
static int fire_due(struct cg_engine *e, int64_t due, bool flush)
{
    int rc = CG_OK;
    struct cg_timerq_entry t;
    while (rc == CG_OK &&
           (flush ? cg_timerq_pop(&e->timers, &t) : cg_timerq_pop_before(&e->timers, due, &t))) {
        rc = t.fn(t.arg, &t); /* correlation's: moves the clock to a live timer's deadline */
        if (rc == CG_OK)
            rc = process_queue(e);
    }
    return rc;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

/* The time an event is processed at. A raw line's stamp and an outlier's (decode.h
 * cg_decode_settle) are never taken: nothing decoded the one, the clock guard did not
 * trust the other; both are processed at the arrival time (live) or the clock's. */
static int64_t event_time(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us)
{
    bool stamp = (ev->time.flags & CG_TIME_SET) && ev->format != CG_FMT_RAW;
    if (stamp && !(ev->flags & CG_EV_TIME_OUTLIER))
        return ev->time.sec * 1000000 + ev->time.usec;
    if (!stamp && e->depth == 0)
        e->st.no_time++;
    if (arrival_us)
        return arrival_us;
    return e->corr.has_clock ? e->corr.clock : 0;
}

static int dispatch(struct cg_engine *e, struct cg_event *ev, int64_t t)
{
    /* cefguard's own alerts reach only the rules that ask for them (index.h). */
    struct cg_index *ix = ev->format == CG_FMT_INTERNAL ? &e->internal : &e->index;
    const struct cg_index_list *cands = cg_index_candidates(ix, ev);
    if (!cands)
        return CG_OK;
    /* cands may be a cache slot: nothing below dispatches (internal events are queued
     * and dispatched after this returns), so the slot stays as it is meanwhile. */
    int rc = CG_OK;
    cg_match_memo_next(&e->memo);
    e->corr.depth = e->depth;
    cg_corr_begin(&e->corr, ev);
    for (size_t i = 0; rc == CG_OK && i < cands->n; i++) {
        const struct cg_index_entry *c = &cands->v[i];
        e->st.candidates++;
        const struct cg_match *m = c->role == CG_CORR_ROLE_MAIN ? c->rule->match : c->rule->other;
        if (!cg_match_eval_memo(m, ev, &e->memo))
            continue;
        e->st.matches++;
        e->rstates[c->rule->index].matched++;
        rc = cg_corr_event(&e->rstates[c->rule->index], c->role, ev, t);
    }
    cg_corr_end(&e->corr);
    return rc;
}

static int process_one(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us)
{
    int64_t t = event_time(e, ev, arrival_us);
    /* A confirmed jump back (a poisoned first line, files out of order) re-anchors the
     * clock; what is pending after it waits for the clock to come back. */
    if (!e->corr.has_clock || t > e->corr.clock || (ev->flags & CG_EV_TIME_JUMP)) {
        e->corr.clock = t;
        e->corr.has_clock = true;
    } else if (t < e->corr.clock - e->o.lateness_us && e->depth == 0) {
        e->st.late++;
    }
    int rc = fire_due(e, e->corr.clock - e->o.lateness_us, false);
    return rc == CG_OK ? dispatch(e, ev, t) : rc;
}

static int process_queue(struct cg_engine *e)
{
    int rc = CG_OK;
    /* FIFO; events queued while processing go to the back. */
    size_t head = 0;
    while (rc == CG_OK && head < e->queue.n) {
        struct cg_eng_queued q = e->queue.v[head++];
        unsigned saved = e->depth;
        e->depth = q.depth;
        e->st.internal_events++;
        int64_t t = q.ev->time.sec * 1000000 + q.ev->time.usec;
        rc = dispatch(e, q.ev, t);
        e->depth = saved;
        cg_event_free(q.ev);
    }
    for (size_t i = head; i < e->queue.n; i++)
        cg_event_free(e->queue.v[i].ev);
    e->queue.n = 0;
    return rc;
}

int cg_engine_process(struct cg_engine *e, struct cg_event *ev, int64_t arrival_us)
{
    e->st.events++;
    e->depth = 0;
    int rc = process_one(e, ev, arrival_us);
    return rc == CG_OK ? process_queue(e) : rc;
}

int cg_engine_advance(struct cg_engine *e, int64_t now_us)
{
    if (!e->corr.has_clock || now_us > e->corr.clock) {
        e->corr.clock = now_us;
        e->corr.has_clock = true;
    }
    return fire_due(e, e->corr.clock - e->o.lateness_us, false);
}

int cg_engine_flush(struct cg_engine *e)
{
    return fire_due(e, 0, true);
}

/* ---- alerts: summary, chaining (after correlation's suppression) ------------------------ */

static void join_values(struct cg_buf *b, const struct cg_str *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            cg_buf_put(b, ", ", 2);
        if (v[i].p)
            cg_buf_put(b, v[i].p, v[i].n);
        else
            cg_buf_putc(b, '-');
    }
}

/* {response}: what became of the rule's response, in words an operator reads in the
 * summary ("quarantine of web-01 requested", "quarantine refused (subject_fallback:
 * dsm01)"), so a summary never claims a request the alert refused. */
static void response_text(struct cg_buf *b, const struct cg_alert *a)
{
    const struct cg_alert_response *rs = &a->response;
    const char *action = a->rule->response.action;
    struct cg_str t;
    if (!action || rs->status == CG_RESP_NONE)
        return;
    cg_buf_puts(b, action);
    if (rs->status == CG_RESP_REQUESTED && cg_target_value(&rs->target, &t)) {
        cg_buf_puts(b, " of ");
        cg_buf_put(b, t.p, t.n);
        cg_buf_puts(b, " requested");
        return;
    }
    cg_buf_puts(b, " refused (");
    cg_buf_puts(b, cg_refusal_name(rs->reason));
    if (cg_str_is_set(rs->refused)) {
        cg_buf_puts(b, ": ");
        cg_buf_put(b, rs->refused.p, rs->refused.n);
    }
    cg_buf_puts(b, ")");
}

static int render_summary(struct cg_engine *e, struct cg_alert *a)
{
    struct cg_buf keys, vals, resp;
    cg_buf_init(&keys);
    cg_buf_init(&vals);
    cg_buf_init(&resp);
    join_values(&keys, a->key, a->nkey);
    join_values(&vals, a->values, a->nvalues);
    response_text(&resp, a);
    struct cg_template_ctx ctx = {
        .rule = a->rule->id,
        .kind = cg_alert_kind_name(a->kind),
        .count = a->count,
        .suppressed = a->suppressed,
        .key = cg_str_make(keys.p ? keys.p : "", keys.n),
        .values = cg_str_make(vals.p ? vals.p : "", vals.n),
        .response = resp.n ? cg_str_make(resp.p, resp.n) : CG_STR_NULL,
        .event = a->nevents ? a->events[a->nevents - 1] : NULL,
        .joined = a->joined,
    };
    cg_buf_clear(&e->summary);
    int rc = cg_template_render(a->rule->summary, &ctx, &e->summary);
    a->summary = cg_str_make(e->summary.p ? e->summary.p : "", e->summary.n);
    cg_buf_fini(&keys);
    cg_buf_fini(&vals);
    cg_buf_fini(&resp);
    return rc;
}

/* A field of an internal event: the key is a constant or already in the event's arena. */
static int put_field(struct cg_event *ev, struct cg_str k, struct cg_str v)
{
    char *vc = cg_arena_dup(&ev->arena, v.p ? v.p : "", v.n);
    if (!vc)
        return CG_ENOMEM;
    return cg_fields_add(&ev->fields, k, cg_str_make(vc, v.n));
}

static int put_field_u64(struct cg_event *ev, struct cg_str k, uint64_t v)
{
    char num[24];
    return put_field(ev, k, cg_str_make(num, cg_fmt_u64(num, v)));
}

/* "key.<path>" in the event's arena. */
static struct cg_str key_field(struct cg_event *ev, const char *path)
{
    size_t n = strlen(path);
    char *k = cg_arena_alloc(&ev->arena, n + 4);
    if (!k)
        return CG_STR_NULL;
    memcpy(k, "key.", 4);
    memcpy(k + 4, path, n);
    return cg_str_make(k, n + 4);
}

static struct cg_str arena_str(struct cg_event *ev, const char *z)
{
    size_t n = strlen(z);
    char *c = cg_arena_dup(&ev->arena, z, n);
    return c ? cg_str_make(c, n) : CG_STR_NULL;
}

/* The fields of the alert's internal event: rule, summary, count, suppressed, key.<path>
 * per key value; action and target for a response request, response_refused for a refusal. */
static int put_internal_fields(struct cg_event *ev, const struct cg_alert *a)
{
    const struct cg_rule *r = a->rule;
    int rc = put_field(ev, CG_STR_LIT("rule"), cg_str_make(r->id, strlen(r->id)));
    rc |= put_field(ev, CG_STR_LIT("summary"), a->summary);
    rc |= put_field_u64(ev, CG_STR_LIT("count"), a->count);
    rc |= put_field_u64(ev, CG_STR_LIT("suppressed"), a->suppressed);
    for (size_t i = 0; i < a->nkey; i++) {
        struct cg_str k = key_field(ev, a->key_paths[i].text);
        if (!k.p)
            rc = CG_ENOMEM;
        else if (a->key[i].p)
            rc |= put_field(ev, k, a->key[i]);
    }
    /* Like the alert JSON: only a request carries action and target (the validated
     * machine); a refusal carries its reason, so a rule counting requests skips it. */
    struct cg_str target;
    if (a->response.status == CG_RESP_REQUESTED && cg_target_value(&a->response.target, &target)) {
        rc |= put_field(ev, CG_STR_LIT("action"),
                        cg_str_make(r->response.action, strlen(r->response.action)));
        rc |= put_field(ev, CG_STR_LIT("target"), target);
    } else if (a->response.status == CG_RESP_REFUSED) {
        const char *why = cg_refusal_name(a->response.reason);
        rc |= put_field(ev, CG_STR_LIT("response_refused"), cg_str_make(why, strlen(why)));
    }
    return rc;
}

/* The internal event's subject and its status: the requested target (ok); the refused
 * value with the refusal's status; else the first key value, or the trigger's subject,
 * with the trigger's status when it is the trigger's subject, validated otherwise. */
static void internal_subject(struct cg_event *ev, const struct cg_alert *a)
{
    const struct cg_alert_response *ar = &a->response;
    struct cg_event *trig = a->nevents ? a->events[a->nevents - 1] : NULL;
    const struct cg_str *sub = cg_fields_getz(&ev->fields, "target");
    enum cg_subject_status st = CG_SUBJ_OK;
    if (!sub && ar->status == CG_RESP_REFUSED) {
        sub = ar->refused.p ? &ar->refused : NULL;
        st = cg_eng_refusal_status(ar->reason);
    } else if (!sub) {
        if (a->nkey && a->key[0].p)
            sub = &a->key[0];
        else if (trig && trig->subject.p)
            sub = &trig->subject;
        if (sub && trig && trig->subject.p && cg_str_eq(*sub, trig->subject))
            st = trig->subject_status;
        else if (sub)
            st = cg_hostaddr_check(*sub) != CG_HOSTADDR_NONE ? CG_SUBJ_OK : CG_SUBJ_INVALID;
    }
    ev->subject_status = sub ? st : CG_SUBJ_MISSING;
    if (sub) {
        char *c = cg_arena_dup(&ev->arena, sub->p, sub->n);
        ev->subject = c ? cg_str_make(c, sub->n) : CG_STR_NULL;
        ev->subject_key = arena_str(ev, "subject");
    }
}

/* The alert as an event, so rules can match cefguard's own alerts. */
static struct cg_event *internal_event(const struct cg_alert *a)
{
    /* Immutable once queued (refs 1): holders share it. Room for its fields' values. */
    struct cg_event *ev = cg_event_new(0, a->summary.n + 512);
    if (!ev)
        return NULL;
    const struct cg_rule *r = a->rule;
    ev->format = CG_FMT_INTERNAL;
    ev->fields_done = true;
    ev->subject_done = true;
    ev->time.sec = a->time_us >= 0 ? a->time_us / 1000000 : -((-a->time_us + 999999) / 1000000);
    ev->time.usec = (int32_t)(a->time_us - ev->time.sec * 1000000);
    ev->time.off_min = a->off_min;
    ev->time.flags = CG_TIME_SET;
    ev->vendor = ev->product = arena_str(ev, "cefguard");
    ev->event_id = arena_str(ev, cg_alert_kind_name(a->kind));
    ev->name = arena_str(ev, r->id);
    ev->severity = arena_str(ev, r->severity);
    int rc = put_internal_fields(ev, a);
    internal_subject(ev, a);
    if (rc != CG_OK) {
        cg_event_free(ev);
        return NULL;
    }
    return ev;
}

/* The rules the internal event of rule r's alert of kind k can reach, by the index
 * (vendor and product "cefguard", event_id the kind, name the rule id); NULL: none. */
static const struct cg_index_list *internal_candidates(struct cg_engine *e, enum cg_alert_kind k,
                                                       const struct cg_rule *r)
{
    const char *kind = cg_alert_kind_name(k);
    const struct cg_str parts[3] = {cg_str_make(kind, strlen(kind)), CG_STR_LIT("cefguard"),
                                    CG_STR_LIT("cefguard")};
    return cg_index_candidates_named(&e->internal, parts, cg_str_make(r->id, strlen(r->id)));
}

bool cg_engine_chained(struct cg_engine *e, const struct cg_rule *r)
{
    static const enum cg_alert_kind kinds[] = {CG_ALERT_FIRE, CG_ALERT_SILENCE, CG_ALERT_CLEARED,
                                               CG_ALERT_SUPPRESSED};
    for (size_t i = 0; i < CG_ARRAY_LEN(kinds); i++)
        if (internal_candidates(e, kinds[i], r))
            return true;
    return false;
}

static int queue_internal(struct cg_engine *e, const struct cg_alert *a)
{
    /* Only alerts some rule can match become events. */
    if (!internal_candidates(e, a->kind, a->rule))
        return CG_OK;
    /* The depth of what made the alert: the dispatched event's, or a timer's (its key's). */
    unsigned depth = e->corr.depth;
    if (depth + 1 > e->o.max_chain) {
        e->st.chain_dropped++;
        return CG_OK;
    }
    if (cg_vec_reserve(&e->queue, e->queue.n + 1) != CG_OK)
        return CG_ENOMEM;
    struct cg_event *ev = internal_event(a);
    if (!ev)
        return CG_ENOMEM;
    e->queue.v[e->queue.n++] = (struct cg_eng_queued){ev, depth + 1};
    return CG_OK;
}

/* Correlation's emit callback (struct cg_corr_ctx): an alert past suppression gets its
 * response target, summary and id, goes to the receiver (not a record: output: chain), and
 * is fed back. */
static int alert_emit(void *arg, struct cg_alert *a)
{
    struct cg_engine *e = arg;
    const struct cg_rule *r = a->rule;
    cg_eng_response_resolve(a, &e->st);
    int rc = render_summary(e, a);
    if (rc != CG_OK)
        return rc;
    /* A record (output: chain) exists only for the rules that chain on it. */
    if (r->output == CG_OUTPUT_CHAIN) {
        e->st.recorded++;
        return queue_internal(e, a);
    }
    e->st.alerts++;
    e->rstates[r->index].alerts++;
    if (!e->hasher && !(e->hasher = cg_alert_hasher_new()))
        return CG_ENOMEM;
    if ((rc = cg_alert_hasher_id(e->hasher, a, a->id)) != CG_OK)
        return rc;
    if (e->fn && (rc = e->fn(e->fn_ctx, a)) != CG_OK)
        return rc;
    return queue_internal(e, a);
}

void cg_engine_rule_stats(const struct cg_engine *e, size_t i, struct cg_engine_rule_stats *out)
{
    const struct cg_corr_rstate *r = &e->rstates[i];
    *out = (struct cg_engine_rule_stats){r->matched, r->alerts, r->suppressed, r->nkeys};
}

int64_t cg_engine_clock(const struct cg_engine *e)
{
    return e->corr.has_clock ? e->corr.clock : 0;
}
