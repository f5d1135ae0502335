/* run.c - the control of a source that runs without an event loop (see run.h). */
#include "run.h"

/* Steps unless halted, and ends the source once its input is done or it was stopped. */
static void run_go(struct cg_source *s, struct cg_input_run *r)
{
    r->running = true;
    if (!r->halt && r->step(s))
        r->stopped = r->halt = true;
    r->running = false;
    if (r->stopped && !r->ended) {
        r->ended = true;
        s->env->end(s->env->ctx, s, r->rc);
    }
}

int cg_input_run_start(struct cg_source *s)
{
    struct cg_input_run *r = s->self;
    if (r->started)
        return CG_EINVAL;
    r->started = true;
    run_go(s, r);
    return CG_OK;
}

void cg_input_run_pause(struct cg_source *s)
{
    struct cg_input_run *r = s->self;
    r->halt = true;
}

void cg_input_run_resume(struct cg_source *s)
{
    struct cg_input_run *r = s->self;
    r->halt = r->stopped;
    if (r->started && !r->running && !r->halt)
        run_go(s, r);
}

void cg_input_run_stop(struct cg_source *s)
{
    struct cg_input_run *r = s->self;
    r->stopped = r->halt = true;
    if (r->started && !r->running)
        run_go(s, r); /* ends at once */
}
