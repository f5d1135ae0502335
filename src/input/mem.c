/* mem.c - the memory source: bytes the caller holds (see source_mem.h). */
#include "cefguard/source_mem.h"

#include "stream.h"

#include <stdlib.h>

struct cg_source_mem {
    struct cg_source *s;
    struct cg_input_stream st;
    bool halt;    /* paused or stopped */
    bool stopped; /* by stop */
    bool running; /* inside mem_run */
    bool started, ended;
};

static void mem_run(struct cg_source_mem *ms)
{
    int rc = CG_OK;
    ms->running = true;
    if (!ms->halt) {
        rc = cg_input_stream_deliver(&ms->st, ms->s, &ms->halt);
        if (rc != 0) /* done (1) or failed */
            ms->stopped = true;
    }
    ms->running = false;
    if (ms->stopped && !ms->ended) {
        ms->ended = true;
        ms->s->env->end(ms->s->env->ctx, ms->s, rc < 0 ? rc : CG_OK);
    }
}

static int mem_init(struct cg_source *s, const void *conf)
{
    const struct cg_source_mem_conf *c = conf;
    struct cg_source_mem *ms = calloc(1, sizeof(*ms));
    if (!ms)
        return CG_ENOMEM;
    cg_input_stream_init_mem(&ms->st, c->bytes, c->n, c->max_line);
    cg_input_stream_reset(&ms->st, c->name);
    ms->s = s;
    s->self = ms;
    return CG_OK;
}

static int mem_start(struct cg_source *s)
{
    struct cg_source_mem *ms = s->self;
    if (ms->started)
        return CG_EINVAL;
    ms->started = true;
    mem_run(ms);
    return CG_OK;
}

static void mem_pause(struct cg_source *s)
{
    struct cg_source_mem *ms = s->self;
    ms->halt = true;
}

static void mem_resume(struct cg_source *s)
{
    struct cg_source_mem *ms = s->self;
    ms->halt = ms->stopped;
    if (ms->started && !ms->running && !ms->halt)
        mem_run(ms);
}

static void mem_stop(struct cg_source *s)
{
    struct cg_source_mem *ms = s->self;
    ms->stopped = ms->halt = true;
    if (ms->started && !ms->running)
        mem_run(ms); /* ends at once */
}

static void mem_fini(struct cg_source *s)
{
    free(s->self);
    s->self = NULL;
}

const struct cg_source_ops cg_source_mem_ops = {
    .name = "mem",
    .init = mem_init,
    .start = mem_start,
    .pause = mem_pause,
    .resume = mem_resume,
    .stop = mem_stop,
    .ack = NULL,
    .fini = mem_fini,
};
