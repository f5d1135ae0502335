/* arena.c - per-event bump allocator (see arena.h). */
#include "cefguard/arena.h"

#include <stdlib.h>

#define CG_ARENA_MIN_BLOCK 4096

struct cg_arena_block {
    struct cg_arena_block *next;
    size_t cap;
    max_align_t data[];
};

void cg_arena_init(struct cg_arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->cap = 0;
    a->hint = 0;
    a->external = NULL;
}

size_t cg_arena_block_size(size_t n)
{
    return sizeof(struct cg_arena_block) + ((n + 7) & ~(size_t)7);
}

void cg_arena_init_with(struct cg_arena *a, void *mem, size_t n)
{
    cg_arena_init(a);
    if (!mem || n < sizeof(struct cg_arena_block) + 8)
        return;
    struct cg_arena_block *b = mem;
    b->next = NULL;
    b->cap = (n - sizeof(*b)) & ~(size_t)7;
    a->head = b;
    a->cap = b->cap;
    a->external = b;
}

static void block_free(struct cg_arena *a, struct cg_arena_block *b)
{
    if (b != a->external)
        free(b);
}

void cg_arena_hint(struct cg_arena *a, size_t n)
{
    a->hint = (n + 63) & ~(size_t)63;
}

void cg_arena_reset(struct cg_arena *a)
{
    /* Keep only the newest block: it is the largest, blocks grow geometrically. */
    if (!a->head)
        return;
    struct cg_arena_block *b = a->head->next;
    while (b) {
        struct cg_arena_block *next = b->next;
        block_free(a, b);
        b = next;
    }
    a->head->next = NULL;
    a->used = 0;
}

void cg_arena_fini(struct cg_arena *a)
{
    struct cg_arena_block *b = a->head;
    while (b) {
        struct cg_arena_block *next = b->next;
        block_free(a, b);
        b = next;
    }
    cg_arena_init(a);
}

size_t cg_arena_mem(const struct cg_arena *a)
{
    size_t n = 0;
    for (const struct cg_arena_block *b = a->head; b; b = b->next)
        n += sizeof(*b) + b->cap;
    return n;
}

void *cg_arena_alloc(struct cg_arena *a, size_t n)
{
    size_t need = (n + 7) & ~(size_t)7;
    if (need < n)
        return NULL; /* overflow */
    if (a->head && a->cap - a->used >= need) {
        void *p = (char *)a->head->data + a->used;
        a->used += need;
        return p;
    }
    size_t cap = a->cap ? a->cap * 2 : (a->hint ? a->hint : CG_ARENA_MIN_BLOCK);
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return NULL;
        cap *= 2;
    }
    struct cg_arena_block *b = malloc(sizeof(*b) + cap);
    if (!b)
        return NULL;
    b->next = a->head;
    b->cap = cap;
    a->head = b;
    a->cap = cap;
    a->used = need;
    return b->data;
}

char *cg_arena_dup(struct cg_arena *a, const char *p, size_t n)
{
    char *d = cg_arena_alloc(a, n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}
