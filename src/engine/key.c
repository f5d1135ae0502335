/* key.c - an event's key under a rule's key spec (see key.h). */
#include "key.h"

#include "cefguard/textutil.h"

/* "<len>:" without printf: this runs for every matching event. */
static int put_len(struct cg_buf *b, size_t n)
{
    char tmp[24];
    size_t k = cg_fmt_u64(tmp, n);
    tmp[k++] = ':';
    return cg_buf_put(b, tmp, k);
}

int cg_key_build(const struct cg_keyspec *ks, struct cg_event *ev, struct cg_buf *out)
{
    cg_buf_clear(out);
    for (size_t i = 0; i < ks->n; i++) {
        struct cg_str v;
        struct cg_path_scratch sc;
        if (!cg_path_get(&ks->paths[i], ev, &v, &sc)) {
            if (cg_buf_putc(out, '-') != CG_OK)
                return CG_ENOMEM;
            continue;
        }
        if (put_len(out, v.n) != CG_OK || cg_buf_put(out, v.p, v.n) != CG_OK)
            return CG_ENOMEM;
    }
    return CG_OK;
}

void cg_key_decode(const char *k, size_t n, struct cg_str *vals, size_t nvals)
{
    size_t i = 0;
    for (size_t v = 0; v < nvals; v++) {
        if (i < n && k[i] == '-') {
            vals[v] = CG_STR_NULL;
            i++;
            continue;
        }
        size_t len = 0;
        while (i < n && k[i] >= '0' && k[i] <= '9')
            len = len * 10 + (size_t)(k[i++] - '0');
        i++; /* ':' */
        vals[v] = cg_str_make(k + i, len);
        i += len;
    }
}
