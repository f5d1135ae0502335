/* mem.c - the memory source: bytes the caller holds (see source_mem.h). */
#include "cefguard/source_mem.h"

#include "run.h"
#include "stream.h"

#include <stdlib.h>

struct cg_source_mem {
    struct cg_input_run run; /* first: run.h */
    struct cg_input_stream st;
};

static bool mem_step(struct cg_source *s)
{
    struct cg_source_mem *ms = s->self;
    int rc = cg_input_stream_deliver(&ms->st, s, &ms->run.halt);
    if (rc < 0)
        cg_input_run_error(&ms->run, rc); /* a failed frame ends the one stream */
    return rc != 0;
}

static int mem_init(struct cg_source *s, const void *conf)
{
    const struct cg_source_mem_conf *c = conf;
    struct cg_source_mem *ms = calloc(1, sizeof(*ms));
    if (!ms)
        return CG_ENOMEM;
    ms->run.step = mem_step;
    cg_input_stream_init_mem(&ms->st, c->bytes, c->n, c->max_line);
    cg_input_stream_reset(&ms->st, c->name);
    s->self = ms;
    return CG_OK;
}

static void mem_fini(struct cg_source *s)
{
    free(s->self); /* the stream owns nothing */
    s->self = NULL;
}

const struct cg_source_ops cg_source_mem_ops = {
    .name = "mem",
    .init = mem_init,
    .start = cg_input_run_start,
    .pause = cg_input_run_pause,
    .resume = cg_input_run_resume,
    .stop = cg_input_run_stop,
    .ack = NULL,
    .fini = mem_fini,
};
