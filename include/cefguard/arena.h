/*
 * arena.h - per-event bump allocator.
 *
 * Decoders point into the input line wherever a value needs no rewriting and
 * copy into the arena only what they must unescape. An arena is reset (not
 * freed) between events, so the steady state allocates nothing. Pointers
 * returned stay valid until the next cg_arena_reset() or cg_arena_fini():
 * blocks are chained, never moved.
 */
#ifndef CEFGUARD_ARENA_H
#define CEFGUARD_ARENA_H

#include "cefguard/common.h"

struct cg_arena_block;

struct cg_arena {
    struct cg_arena_block *head; /* current block; older blocks follow ->next */
    size_t used;                 /* bytes used in head */
    size_t cap;                  /* capacity of head */
    size_t hint;                 /* size of the first block, when set (cg_arena_hint) */
    void *external;              /* a block the caller owns (cg_arena_init_with): never freed */
};

void cg_arena_init(struct cg_arena *a);
/* Like cg_arena_init, with mem (n bytes, aligned for any type, owned by the caller and
 * outliving the arena) as the first block: an object and its arena in one allocation. */
void cg_arena_init_with(struct cg_arena *a, void *mem, size_t n);
/* Bytes of mem that cg_arena_init_with needs to give the arena n usable bytes. */
size_t cg_arena_block_size(size_t n);
/* Keeps the first (largest retained) block, drops the rest. */
void cg_arena_reset(struct cg_arena *a);
void cg_arena_fini(struct cg_arena *a);

/* The first block will hold about n bytes instead of the 4 KiB default: for
 * long-lived copies whose size is known (event clones), so they do not each pin
 * a block sized for the per-event working arena. Call before the first alloc. */
void cg_arena_hint(struct cg_arena *a, size_t n);

/* Bytes the arena's blocks occupy (the caller's first block included, headers too). */
size_t cg_arena_mem(const struct cg_arena *a);

/* Returns n bytes aligned to 8, or NULL when out of memory. n == 0 is valid. */
void *cg_arena_alloc(struct cg_arena *a, size_t n);
/* Copies n bytes and returns the copy (not NUL-terminated unless you add it). */
char *cg_arena_dup(struct cg_arena *a, const char *p, size_t n);

#endif
