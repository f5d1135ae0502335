/* alert.c - alert kinds by name (engine.h), alert JSON (see alert.h). */
#include "cefguard/alert.h"

#include "cefguard/json.h"

const char *cg_alert_kind_name(enum cg_alert_kind k)
{
    switch (k) {
    case CG_ALERT_FIRE: return "alert";
    case CG_ALERT_SILENCE: return "silence";
    case CG_ALERT_CLEARED: return "cleared";
    case CG_ALERT_SUPPRESSED: return "suppressed";
    }
    return "unknown";
}

const char *cg_refusal_name(enum cg_refusal r)
{
    switch (r) {
    case CG_REFUSE_NONE: return "none";
    case CG_REFUSE_SUBJECT_FALLBACK: return "subject_fallback";
    case CG_REFUSE_SUBJECT_MISSING: return "subject_missing";
    case CG_REFUSE_SUBJECT_INVALID: return "subject_invalid";
    case CG_REFUSE_SUBJECT_AMBIGUOUS: return "subject_ambiguous";
    case CG_REFUSE_TARGET_INVALID: return "target_invalid";
    case CG_REFUSE_TARGET_MISSING: return "target_missing";
    case CG_REFUSE_MAX: break;
    }
    return "none";
}

static int put_time(struct cg_buf *b, int64_t us, int16_t off)
{
    struct cg_time t = {0};
    t.sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    t.usec = (int32_t)(us - t.sec * 1000000);
    t.off_min = off;
    t.frac_digits = t.usec ? 6 : 0;
    t.flags = CG_TIME_SET;
    char ts[48];
    size_t n = cg_time_format(&t, ts, sizeof(ts));
    if (!n)
        return cg_buf_puts(b, "null");
    return cg_json_put_str(b, ts, n, NULL);
}

/* "id":"<32 lowercase hex digits>" */
static int put_id(struct cg_buf *b, const uint8_t id[16])
{
    char t[7 + CG_ALERT_ID_HEX];
    memcpy(t, ",\"id\":\"", 7);
    cg_alert_id_hex(id, t + 7);
    t[7 + 32] = '"';
    return cg_buf_put(b, t, 7 + 33);
}

static int put_strs(struct cg_buf *b, const struct cg_str *v, size_t n)
{
    int rc = cg_buf_putc(b, '[');
    for (size_t i = 0; rc == CG_OK && i < n; i++) {
        if (i)
            rc = cg_buf_putc(b, ',');
        if (rc == CG_OK)
            rc = cg_json_put_strv(b, v[i], NULL);
    }
    return rc == CG_OK ? cg_buf_putc(b, ']') : rc;
}

static int put_z(struct cg_buf *b, const char *key, const char *z)
{
    int rc = cg_buf_puts(b, key);
    if (rc == CG_OK)
        rc = z ? cg_json_put_str(b, z, strlen(z), NULL) : cg_buf_puts(b, "null");
    return rc;
}

static int put_key(struct cg_buf *b, const struct cg_alert *a)
{
    int rc = cg_buf_puts(b, ",\"key\":{");
    for (size_t i = 0; rc == CG_OK && i < a->nkey; i++) {
        if (i)
            rc = cg_buf_putc(b, ',');
        const char *p = a->key_paths[i].text;
        if (rc == CG_OK)
            rc = cg_json_put_str(b, p, strlen(p), NULL);
        if (rc == CG_OK)
            rc = cg_buf_putc(b, ':');
        if (rc == CG_OK)
            rc = cg_json_put_strv(b, a->key[i], NULL);
    }
    return rc == CG_OK ? cg_buf_putc(b, '}') : rc;
}

/* {"status":"requested","action":..,"target":"web-01","approval":..}, or
 * {"status":"refused","reason":..,"action":..,"target":null,"refused_target":<the value
 * or null>,"approval":..}: a refusal never carries a target, so nothing that reads
 * "target" can take it for a request. */
static int put_response(struct cg_buf *b, const struct cg_alert *a)
{
    const struct cg_response *r = &a->rule->response;
    const struct cg_alert_response *ar = &a->response;
    struct cg_str target;
    if (!r->action || ar->status == CG_RESP_NONE)
        return cg_buf_puts(b, ",\"response\":null");
    bool requested = ar->status == CG_RESP_REQUESTED && cg_target_value(&ar->target, &target);
    int rc = put_z(b, ",\"response\":{\"status\":", requested ? "requested" : "refused");
    if (!requested)
        rc = rc ? rc : put_z(b, ",\"reason\":", cg_refusal_name(ar->reason));
    rc = rc ? rc : put_z(b, ",\"action\":", r->action);
    rc = rc ? rc : cg_buf_puts(b, ",\"target\":");
    rc = rc ? rc : cg_json_put_strv(b, requested ? target : CG_STR_NULL, NULL);
    if (!requested) {
        rc = rc ? rc : cg_buf_puts(b, ",\"refused_target\":");
        rc = rc ? rc : cg_json_put_strv(b, ar->refused, NULL);
    }
    rc = rc ? rc : put_z(b, ",\"approval\":", r->approval);
    return rc ? rc : cg_buf_putc(b, '}');
}

int cg_alert_to_json(const struct cg_alert *a, struct cg_buf *b)
{
    const struct cg_rule *r = a->rule;
    int rc = cg_buf_puts(b, "{\"time\":");
    rc = rc ? rc : put_time(b, a->time_us, a->off_min);
    rc = rc ? rc : put_z(b, ",\"rule\":", r->id);
    rc = rc ? rc : put_id(b, a->id);
    rc = rc ? rc : put_z(b, ",\"kind\":", cg_alert_kind_name(a->kind));
    rc = rc ? rc : put_z(b, ",\"severity\":", r->severity);
    rc = rc ? rc : cg_buf_puts(b, ",\"summary\":");
    rc = rc ? rc : cg_json_put_strv(b, a->summary, NULL);
    rc = rc ? rc : put_key(b, a);
    rc = rc ? rc : cg_buf_puts(b, ",\"count\":");
    rc = rc ? rc : cg_json_put_u64(b, a->count);
    rc = rc ? rc : cg_buf_puts(b, ",\"suppressed\":");
    rc = rc ? rc : cg_json_put_u64(b, a->suppressed);
    rc = rc ? rc : cg_buf_puts(b, ",\"tags\":[");
    for (size_t i = 0; rc == CG_OK && i < r->ntags; i++) {
        rc = i ? cg_buf_putc(b, ',') : CG_OK;
        rc = rc ? rc : cg_json_put_str(b, r->tags[i], strlen(r->tags[i]), NULL);
    }
    rc = rc ? rc : cg_buf_putc(b, ']');
    rc = rc ? rc : put_response(b, a);
    if (r->distinct && a->kind == CG_ALERT_FIRE) {
        rc = rc ? rc : cg_buf_puts(b, ",\"values\":");
        rc = rc ? rc : put_strs(b, a->values, a->nvalues);
    }
    rc = rc ? rc : cg_buf_puts(b, ",\"events\":[");
    for (size_t i = 0; rc == CG_OK && i < a->nevents; i++) {
        rc = i ? cg_buf_putc(b, ',') : CG_OK;
        rc = rc ? rc : cg_event_to_json(a->events[i], b, NULL);
    }
    rc = rc ? rc : cg_buf_puts(b, "],\"joined\":");
    if (rc == CG_OK)
        rc = a->joined ? cg_event_to_json(a->joined, b, NULL) : cg_buf_puts(b, "null");
    return rc ? rc : cg_buf_putc(b, '}');
}
