/*
 * run.h - start, pause, resume and stop for the sources that run without an event loop
 * (private to src/input/). Such a source reads and delivers from within start and resume
 * until its input is done or it is paused or stopped (source.h, "Running"); this is the
 * control around that, shared so that each source writes only its step.
 *
 * A source's state (s->self) begins with a struct cg_input_run; its ops use the
 * cg_input_run_* functions for start, pause, resume and stop.
 */
#ifndef CEFGUARD_INPUT_RUN_H
#define CEFGUARD_INPUT_RUN_H

#include "cefguard/source.h"

struct cg_input_run {
    /* Reads and delivers until halt is set (check it after every frame) or the input is
     * done. true: done. Errors go to rc (the first one stays). */
    bool (*step)(struct cg_source *s);
    int rc;       /* what the source ends with: CG_OK or its first error */
    bool halt;    /* paused or stopped */
    bool stopped; /* stop was called, or the input is done */
    bool running; /* inside step: pause and stop only set flags */
    bool started, ended;
};

/* Keeps the first error. */
static inline void cg_input_run_error(struct cg_input_run *r, int rc)
{
    if (r->rc == CG_OK)
        r->rc = rc;
}

int cg_input_run_start(struct cg_source *s);
void cg_input_run_pause(struct cg_source *s);
void cg_input_run_resume(struct cg_source *s);
void cg_input_run_stop(struct cg_source *s);

#endif
