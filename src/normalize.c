/* normalize.c - STUB, replaced by the real normalizer. */
#include "cefguard/normalize.h"

#include <stdlib.h>

struct cg_normalizer {
    size_t n;
};

struct cg_normalizer *cg_normalizer_new(void)
{
    return calloc(1, sizeof(struct cg_normalizer));
}

void cg_normalizer_free(struct cg_normalizer *nz)
{
    free(nz);
}

int cg_normalizer_load(struct cg_normalizer *nz, const char *path, struct cg_buf *err)
{
    return CG_OK;
}

int cg_normalizer_load_dir(struct cg_normalizer *nz, const char *dir, struct cg_buf *err)
{
    return CG_OK;
}

size_t cg_normalizer_nrulebases(const struct cg_normalizer *nz)
{
    return nz ? nz->n : 0;
}

void cg_normalize(struct cg_normalizer *nz, struct cg_event *ev)
{
    ev->subject = ev->sl.host;
    ev->subject_key = CG_STR_LIT("host");
}
