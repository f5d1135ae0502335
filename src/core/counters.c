/* counters.c - counter tables: "name value" lines, help, Markdown (see counters.h). */
#include "cefguard/counters.h"

#include <inttypes.h>

const char *cg_counter_kind_name(enum cg_counter_kind k)
{
    return k == CG_COUNTER_GAUGE ? "gauge" : "counter";
}

/* Visits every counter of t: c, the element's name (NULL for a single counter) and the
 * value (0 when stats is NULL). Stops at the first call that does not return CG_OK. */
typedef int (*counter_fn)(void *ctx, const struct cg_counter *c, const char *elem, uint64_t v);

static int each_counter(const struct cg_counter_table *t, const void *stats, counter_fn fn,
                        void *ctx)
{
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < t->n; i++) {
        const struct cg_counter *c = &t->v[i];
        const uint64_t *v = stats ? (const void *)((const char *)stats + c->offset) : NULL;
        if (!c->elem) {
            rc = fn(ctx, c, NULL, v ? *v : 0);
            continue;
        }
        for (unsigned e = c->first; rc == CG_OK && e < c->end; e++)
            rc = fn(ctx, c, c->elem(e), v ? v[e] : 0);
    }
    return rc;
}

static int put_name(struct cg_buf *b, const struct cg_counter *c, const char *elem)
{
    return elem ? cg_buf_printf(b, "%s.%s", c->name, elem) : cg_buf_puts(b, c->name);
}

static int write_one(void *ctx, const struct cg_counter *c, const char *elem, uint64_t v)
{
    struct cg_buf *out = ctx;
    int rc = put_name(out, c, elem);
    return rc == CG_OK ? cg_buf_printf(out, " %" PRIu64 "\n", v) : rc;
}

int cg_counters_write(const struct cg_counter_table *t, const void *stats, struct cg_buf *out)
{
    return each_counter(t, stats, write_one, out);
}

struct help_ctx {
    struct cg_buf *out;
    size_t width; /* the longest name */
};

static int measure_one(void *ctx, const struct cg_counter *c, const char *elem, uint64_t v)
{
    struct help_ctx *h = ctx;
    size_t n = strlen(c->name) + (elem ? 1 + strlen(elem) : 0);
    if (n > h->width)
        h->width = n;
    return CG_OK;
}

static int help_one(void *ctx, const struct cg_counter *c, const char *elem, uint64_t v)
{
    struct help_ctx *h = ctx;
    size_t start = h->out->n;
    int rc = put_name(h->out, c, elem);
    size_t n = h->out->n - start;
    for (; rc == CG_OK && n < h->width + 2; n++)
        rc = cg_buf_putc(h->out, ' ');
    return rc == CG_OK ? cg_buf_printf(h->out, "%s\n", c->help) : rc;
}

int cg_counters_help(const struct cg_counter_table *t, struct cg_buf *out)
{
    struct help_ctx h = {out, 0};
    each_counter(t, NULL, measure_one, &h);
    return each_counter(t, NULL, help_one, &h);
}

/* "`raw`, `cef`, `leef`": the element names of an array entry. */
static int put_elems(struct cg_buf *b, const struct cg_counter *c)
{
    int rc = CG_OK;
    for (unsigned e = c->first; rc == CG_OK && e < c->end; e++)
        rc = cg_buf_printf(b, "%s`%s`", e == c->first ? "" : ", ", c->elem(e));
    return rc;
}

int cg_counters_markdown(const struct cg_counter_table *t, struct cg_buf *out)
{
    int rc = cg_buf_puts(out, "| counter | kind | description |\n|---|---|---|\n");
    for (size_t i = 0; rc == CG_OK && i < t->n; i++) {
        const struct cg_counter *c = &t->v[i];
        rc = cg_buf_printf(out, "| `%s%s` | %s | ", c->name, c->elem ? ".*" : "",
                           cg_counter_kind_name(c->kind));
        if (rc == CG_OK)
            rc = cg_buf_put_md(out, c->help);
        if (rc == CG_OK && c->elem) {
            rc = cg_buf_puts(out, "; one counter for each of ");
            if (rc == CG_OK)
                rc = put_elems(out, c);
        }
        if (rc == CG_OK)
            rc = cg_buf_puts(out, " |\n");
    }
    return rc;
}
