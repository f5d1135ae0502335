/* vec.c - the growth rule of every array (see vec.h). */
#include "cefguard/vec.h"

#include <stdlib.h>

/* Reallocates the array at pptr to c elements of elem bytes. */
static int vec_resize(void *pptr, size_t *cap, size_t elem, size_t c)
{
    if (elem && c > SIZE_MAX / elem)
        return CG_ENOMEM;
    void *old;
    memcpy(&old, pptr, sizeof(old)); /* the T * at pptr, read as bytes (no aliasing cast) */
    void *p = realloc(old, c * elem);
    if (!p)
        return CG_ENOMEM;
    memcpy(pptr, &p, sizeof(p));
    *cap = c;
    return CG_OK;
}

int cg_vec_grow(void *pptr, size_t *cap, size_t elem, size_t need)
{
    size_t c = *cap ? *cap : CG_VEC_MIN_CAP;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return CG_ENOMEM;
        c *= 2;
    }
    return vec_resize(pptr, cap, elem, c);
}

int cg_vec_reserve_exact_ptr(void *pptr, size_t *cap, size_t elem, size_t need)
{
    return need <= *cap ? CG_OK : vec_resize(pptr, cap, elem, need);
}
