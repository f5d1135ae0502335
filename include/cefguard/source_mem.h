/*
 * source_mem.h - the memory source (src/input/mem.c): bytes the caller holds, cut into
 * LF frames exactly as the file source cuts a file. The input of `test` (the test cases
 * rule files carry) and of tests.
 *
 * One stream named conf->name; frames numbered from 1, arrival 0. It cannot acknowledge,
 * needs no event loop (start and resume deliver until the bytes are done or the source
 * is paused) and meets no error of its own; an error from the pipeline ends it.
 */
#ifndef CEFGUARD_SOURCE_MEM_H
#define CEFGUARD_SOURCE_MEM_H

#include "cefguard/source.h"

struct cg_source_mem_conf {
    const char *bytes; /* not copied: they outlive the source */
    size_t n;
    const char *name; /* origin of the frames (not copied) */
    size_t max_line;  /* longer lines are cut; 0: CG_MAX_LINE_DEFAULT, SIZE_MAX: never */
};

extern const struct cg_source_ops cg_source_mem_ops;

#endif
