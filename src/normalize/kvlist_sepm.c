/*
 * kvlist_sepm.c - "sepm_kvlist": a SEPM line that is not a risk line (traffic, packet,
 * security, behaviour, agent system, agent activity, scan, server system, administrative,
 * policy) split as any "_kvlist" (kvlist.c), then told apart by the labels it holds, not by
 * the position of its columns (kvlist.h; the table is in rules/lognorm/README.md).
 *
 * The log types have no type column: SEPM writes each log with its own set of labels
 * ("Local Host MAC" only in the traffic log, "CIDS Signature ID" only in the security log,
 * "Scan ID" only in the scan log, "Site" first in the manager's own logs, ...). The leading
 * unlabelled columns of an agent log are the computer (SEP 12.1 and 14 up to 14.3) or the
 * reporting server and then the computer (14.3 RU1 and later); they get a name as well.
 */
#include "kvlist.h"

/* What the labels of one line show. */
struct nz_sepm_seen {
    /* unlabeled.0 .. unlabeled.3, NULL: absent. They point into val, a copy of the views:
     * the fields array moves when later names are added (log_type, columns). */
    const struct cg_str *unl[4];
    struct cg_str val[4];
    size_t lead; /* unlabelled pieces before the first labelled one */
};

static bool nz_sepm_has(const struct nz_map *m, const char *key)
{
    return cg_fields_getz(&m->ev->fields, key) != NULL;
}

/* The log type of a split line, by the labels it holds, in this order (README.md). */
static const char *nz_sepm_type(const struct nz_map *m, const struct nz_sepm_seen *w)
{
    if (nz_sepm_has(m, "scan_id"))
        return "Scan Log";
    if (nz_sepm_has(m, "site")) {
        if (nz_sepm_has(m, "admin")) {
            const struct cg_str *d = cg_fields_getz(&m->ev->fields, "event_description");
            if (!d)
                d = w->unl[0];
            return d && d->n >= 15 && memcmp(d->p, "Policy has been", 15) == 0
                       ? "Policy Log"
                       : "Administrative Log";
        }
        if (nz_sepm_has(m, "domain_name") || nz_sepm_has(m, "domain"))
            return "Agent Activity Log";
        return "Server System Log";
    }
    if (nz_sepm_has(m, "cids_signature_id") || nz_sepm_has(m, "intrusion_id"))
        return "Agent Security Log";
    if (nz_sepm_has(m, "action_type") || nz_sepm_has(m, "device_id"))
        return "Agent Behavior Log";
    if (nz_sepm_has(m, "local_host_mac"))
        return "Agent Traffic Log";
    if (nz_sepm_has(m, "local_host_ip") || nz_sepm_has(m, "local_host"))
        return "Agent Packet Log";
    if (nz_sepm_has(m, "category"))
        return "Agent System Log";
    if (nz_sepm_has(m, "risk_name"))
        return "Agent Risk Log";
    return "SEPM Log";
}

/* Adds key = *v unless key is there already (a duplicate would be counted as dropped). */
static int nz_sepm_name(struct nz_map *m, const char *key, const struct cg_str *v)
{
    if (!v || nz_sepm_has(m, key))
        return CG_OK;
    return cg_nz_map_add(m, key, strlen(key), *v);
}

/* Names for the unlabelled columns of the log type t. */
static int nz_sepm_columns(struct nz_map *m, const char *t, const struct nz_sepm_seen *w)
{
    const struct cg_str *const *u = w->unl;
    if (strcmp(t, "Scan Log") == 0)
        return nz_sepm_name(m, "computer_name", cg_fields_getz(&m->ev->fields, "computer"));
    if (strcmp(t, "Agent Activity Log") == 0) {
        int rc = nz_sepm_name(m, "event_description", u[0]);
        return rc == CG_OK ? nz_sepm_name(m, "computer_name", u[1]) : rc;
    }
    if (strcmp(t, "SEPM Log") == 0)
        return CG_OK;                       /* nothing known about its columns */
    if (strcmp(t, "Agent Risk Log") == 0) { /* [server,]...,type,labels: the type as written */
        int rc = w->lead >= 1 && w->lead <= 4 ? nz_sepm_name(m, "event_text", u[w->lead - 1]) : 0;
        return rc == CG_OK && w->lead >= 2 ? nz_sepm_name(m, "log_server", u[0]) : rc;
    }
    if (strncmp(t, "Agent ", 6) != 0)
        return nz_sepm_name(m, "event_description", u[0]); /* the manager's own logs */
    /* An agent log: the computer first, or the reporting server and then the computer (a
     * behaviour log has five leading columns of its own: computer, IP, action, ...). */
    bool server = strcmp(t, "Agent Behavior Log") == 0 ? w->lead >= 6 : w->lead == 2;
    if (w->lead == 0)
        return CG_OK;
    int rc = server ? nz_sepm_name(m, "log_server", u[0]) : CG_OK;
    return rc == CG_OK ? nz_sepm_name(m, "computer_name", u[server ? 1 : 0]) : rc;
}

/* The unlabelled pieces the split added from field index from on. */
static void nz_sepm_look(const struct nz_map *m, size_t from, struct nz_sepm_seen *w)
{
    static const char unl[] = "unlabeled.";
    const struct cg_fields *f = &m->ev->fields;
    bool leading = true;
    memset(w, 0, sizeof(*w));
    for (size_t i = from; i < f->n; i++) {
        struct cg_str k = f->v[i].key;
        bool u = k.n == sizeof(unl) && memcmp(k.p, unl, sizeof(unl) - 1) == 0 &&
                 k.p[k.n - 1] >= '0' && k.p[k.n - 1] <= '3';
        if (u) {
            size_t j = (size_t)(k.p[k.n - 1] - '0');
            w->val[j] = f->v[i].val;
            w->unl[j] = &w->val[j];
        }
        leading = leading && u;
        w->lead += leading;
    }
}

int cg_nz_kvlist_split_sepm(struct nz_map *m, const char *s, size_t n)
{
    struct nz_mark mk = nz_mark_fields(m);
    int rc = cg_nz_kvlist_split(m, s, n);
    if (rc != CG_OK)
        return rc;
    struct nz_sepm_seen w;
    nz_sepm_look(m, mk.n, &w);
    const char *t = nz_sepm_type(m, &w);
    size_t tn = strlen(t);
    char *v = cg_arena_dup(&m->ev->arena, t, tn);
    rc = v ? nz_sepm_name(m, "log_type", &(struct cg_str){v, tn}) : CG_ENOMEM;
    if (rc == CG_OK)
        rc = nz_sepm_columns(m, t, &w);
    if (rc != CG_OK)
        nz_rollback(m, &mk);
    m->last = SIZE_MAX;
    return rc;
}

nz_split_fn cg_nz_kvlist_splitter(const char *key, size_t klen)
{
    return klen == 11 && memcmp(key, "sepm_kvlist", 11) == 0 ? cg_nz_kvlist_split_sepm
                                                             : cg_nz_kvlist_split;
}
