/*
 * vec.h - the one way to grow an array (after h2o's h2o_vector_reserve).
 *
 * An array that grows is a pointer and a capacity, counted in elements:
 *
 *     struct cg_foo_list { struct cg_foo *v; size_t n, cap; };
 *     if (cg_vec_reserve(&list, list.n + 1) != CG_OK) return CG_ENOMEM;
 *     list.v[list.n++] = foo;
 *
 * cg_vec_reserve(vec, need) makes room for at least need elements in (vec)->v, whose
 * capacity is (vec)->cap. The growth rule is the same everywhere: the capacity doubles,
 * starting at CG_VEC_MIN_CAP, until need fits. On failure (out of memory, or a size that
 * would overflow) it returns CG_ENOMEM and leaves the array and its capacity as they were;
 * new elements are not initialised. Arrays whose pointer and capacity are not named v and
 * cap use cg_vec_reserve_ptr(&ptr, &cap, sizeof(*ptr), need) with the same rule.
 *
 * An array that is filled once to a known size and never grows (an event copy's fields)
 * is sized with cg_vec_reserve_exact: capacity exactly need, no rounding up.
 */
#ifndef CEFGUARD_VEC_H
#define CEFGUARD_VEC_H

#include "cefguard/common.h"

/* The first capacity: small, since most arrays of a held key hold one or two items. */
#define CG_VEC_MIN_CAP 4

/* The slow path: grows *(T **)pptr to at least need elements of elem bytes. */
int cg_vec_grow(void *pptr, size_t *cap, size_t elem, size_t need);

/* pptr: the address of the array's pointer (a T **, passed as void * so that any
 * element type fits without a cast that breaks aliasing rules). */
static inline int cg_vec_reserve_ptr(void *pptr, size_t *cap, size_t elem, size_t need)
{
    if (CG_LIKELY(need <= *cap))
        return CG_OK;
    return cg_vec_grow(pptr, cap, elem, need);
}

#define cg_vec_reserve(vec, need)                                                                  \
    cg_vec_reserve_ptr(&(vec)->v, &(vec)->cap, sizeof(*(vec)->v), (need))

/* Room for exactly need elements when the array has fewer; same failure contract. */
int cg_vec_reserve_exact_ptr(void *pptr, size_t *cap, size_t elem, size_t need);

#define cg_vec_reserve_exact(vec, need)                                                            \
    cg_vec_reserve_exact_ptr(&(vec)->v, &(vec)->cap, sizeof(*(vec)->v), (need))

#endif
