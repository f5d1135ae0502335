/*
 * source_file.h - the file source (src/input/file.c): files and stdin, read to their end
 * one after another, cut into LF frames. The input of `parse` and `replay`.
 *
 * Each file is a stream of its own: its frames are numbered from 1 (the line number)
 * and named by its path ("<stdin>" for "-"). Every frame has arrival 0 (replay).
 *
 * Errors: a file that does not open is logged ("PATH: reason") and skipped; a read error
 * is logged ("NAME: read error: reason") and ends that file after the frames read before
 * it; an error from the pipeline ends the file it came from. In each case the next file
 * still runs, unless the error was CG_ENOMEM, as cat(1) goes on after a bad file; the
 * first error is what the source ends with.
 *
 * It cannot acknowledge and needs no event loop: start and resume read (blocking) and
 * deliver until every file is done or the source is paused.
 */
#ifndef CEFGUARD_SOURCE_FILE_H
#define CEFGUARD_SOURCE_FILE_H

#include "cefguard/source.h"

struct cg_source_file_conf {
    const char *const *paths; /* read in order; "-" is stdin (not closed). Not copied: the
                                 array and its strings outlive the source */
    size_t npaths;            /* 0: stdin alone */
    size_t max_line;          /* longer lines are cut (framing.h); 0: CG_MAX_LINE_DEFAULT */
    size_t read_max;          /* most bytes one read(2) asks for; 0: what the buffer has
                                 room for (max_line + 256 KiB). Tests use small ones */
};

extern const struct cg_source_ops cg_source_file_ops;

#endif
