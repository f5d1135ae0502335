/* pipeline.c - the stages wired together (see pipeline.h). */
#include "cefguard/pipeline.h"

#include "cefguard/framing.h"

#include <errno.h>

int cg_pipeline_init(struct cg_pipeline *p, const struct cg_pipeline_opts *o)
{
    memset(p, 0, sizeof(*p));
    p->o = *o;
    cg_event_init(&p->ev, o->max_fields);
    cg_log_rejects_init(&p->rlog, 10, 10);
    if (cg_decoder_init(&p->dec, &o->syslog) != CG_OK) {
        cg_event_fini(&p->ev);
        return CG_EINVAL;
    }
    if (o->rules) {
        p->engine = cg_engine_new(o->rules, &o->engine, o->on_alert, o->ctx);
        if (!p->engine) {
            cg_pipeline_fini(p);
            return CG_ENOMEM;
        }
    }
    return CG_OK;
}

void cg_pipeline_fini(struct cg_pipeline *p)
{
    cg_engine_free(p->engine);
    p->engine = NULL;
    cg_decoder_fini(&p->dec);
    cg_event_fini(&p->ev);
    cg_event_pool_drain(); /* the engine's copies went back to the pool */
}

int cg_pipeline_line(struct cg_pipeline *p, struct cg_str line, bool cut, int64_t arrival_us,
                     const char *src, uint64_t lineno)
{
    struct cg_event *ev = &p->ev;
    cg_event_reset(ev);
    p->stats.lines++;
    if (cut) {
        ev->line = line;
        ev->reason = CG_REJ_LINE_TOO_LONG;
        ev->flags |= CG_EV_TRUNCATED;
    } else {
        cg_decode_line(&p->dec, line.p, line.n, ev);
        cg_normalize(p->o.nz, ev);
    }
    int rc = CG_OK;
    if (p->o.on_event)
        rc = p->o.on_event(p->o.ctx, ev);
    if (rc == CG_OK && p->engine)
        rc = cg_engine_process(p->engine, ev, arrival_us);
    cg_stats_count_event(&p->stats, ev);
    if (ev->format == CG_FMT_RAW && p->o.log_rejects)
        cg_log_reject(&p->rlog, src, lineno, ev->reason, ev->line);
    return rc;
}

int cg_pipeline_fd(struct cg_pipeline *p, int fd, const char *src, size_t max_line)
{
    struct cg_linereader lr;
    if (cg_linereader_init(&lr, fd, max_line) != CG_OK)
        return CG_ENOMEM;
    struct cg_str line;
    bool cut;
    int rc = CG_OK, got;
    uint64_t lineno = 0;
    while ((got = cg_linereader_next(&lr, &line, &cut)) == 1) {
        rc = cg_pipeline_line(p, line, cut, 0, src, ++lineno);
        if (rc != CG_OK)
            break;
    }
    if (got < 0) {
        cg_log(CG_LOG_ERR, "%s: read error: %s", src, strerror(errno));
        rc = CG_EIO;
    }
    cg_linereader_fini(&lr);
    return rc;
}

int cg_pipeline_finish(struct cg_pipeline *p)
{
    return p->engine ? cg_engine_flush(p->engine) : CG_OK;
}
