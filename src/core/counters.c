/* counters.c - counter tables: "name value" lines, help, Markdown, Prometheus text (see
 * counters.h). */
#include "cefguard/counters.h"

#include "cefguard/vec.h"

#include <inttypes.h>
#include <stdlib.h>

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

/* ---- Prometheus text format 0.0.4 -------------------------------------------------------- */

struct cg_prom_family {
    char *name; /* "cefguard_input_received_total" */
    enum cg_counter_kind kind;
    char *help;
    struct cg_buf samples; /* "name{labels} value\n" lines */
};

static bool prom_name_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':';
}

static int prom_put_mangled(struct cg_buf *b, const char *z)
{
    int rc = CG_OK;
    for (; rc == CG_OK && z && *z; z++)
        rc = cg_buf_putc(b, prom_name_byte((unsigned char)*z) ? *z : '_');
    return rc;
}

/* HELP text: '\' and newline escaped; label values also '"'. */
static int prom_put_escaped(struct cg_buf *b, const char *z, bool quote)
{
    int rc = CG_OK;
    for (; rc == CG_OK && *z; z++) {
        if (*z == '\\')
            rc = cg_buf_puts(b, "\\\\");
        else if (*z == '\n')
            rc = cg_buf_puts(b, "\\n");
        else if (*z == '"' && quote)
            rc = cg_buf_puts(b, "\\\"");
        else
            rc = cg_buf_putc(b, *z);
    }
    return rc;
}

/* [A-Za-z_][A-Za-z0-9_]*, and "__" is reserved for Prometheus itself. */
static bool prom_label_name(const char *z)
{
    if (!*z || (z[0] == '_' && z[1] == '_') || (*z >= '0' && *z <= '9'))
        return false;
    for (; *z; z++)
        if (!prom_name_byte((unsigned char)*z) || *z == ':')
            return false;
    return true;
}

int cg_prom_label(struct cg_buf *labels, const char *name, const char *value)
{
    if (!prom_label_name(name))
        return CG_EINVAL;
    size_t start = labels->n;
    int rc = labels->n ? cg_buf_putc(labels, ',') : CG_OK;
    if (rc == CG_OK)
        rc = cg_buf_printf(labels, "%s=\"", name);
    if (rc == CG_OK)
        rc = prom_put_escaped(labels, value, true);
    if (rc == CG_OK)
        rc = cg_buf_putc(labels, '"');
    if (rc != CG_OK)
        labels->n = start;
    return rc;
}

void cg_prom_writer_init(struct cg_prom_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void cg_prom_writer_fini(struct cg_prom_writer *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].name);
        free(w->v[i].help);
        cg_buf_fini(&w->v[i].samples);
    }
    free(w->v);
    memset(w, 0, sizeof(*w));
}

/* The family called name, or a new one at the end (NULL: out of memory). Tables of the
 * same kind add their families in the same order, so the search starts after the family
 * found last (hint) and nearly always stops at once. */
static struct cg_prom_family *prom_family(struct cg_prom_writer *w, size_t *hint, const char *name,
                                          enum cg_counter_kind kind, const char *help)
{
    for (size_t k = 0; k < w->n; k++) {
        size_t i = (*hint + k) % w->n;
        if (strcmp(w->v[i].name, name) == 0) {
            *hint = i + 1;
            return &w->v[i];
        }
    }
    if (cg_vec_reserve(w, w->n + 1) != CG_OK)
        return NULL;
    struct cg_prom_family *f = &w->v[w->n];
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    f->kind = kind;
    cg_buf_init(&f->samples);
    if (!f->name || !f->help) {
        free(f->name);
        free(f->help);
        return NULL;
    }
    *hint = ++w->n;
    return f;
}

struct prom_add {
    struct cg_prom_writer *w;
    const char *prefix, *labels;
    size_t hint;
    struct cg_buf name;
};

static int prom_sample(struct prom_add *a, const char *name, const char *elem,
                       enum cg_counter_kind kind, const char *help, uint64_t v)
{
    cg_buf_clear(&a->name);
    int rc = cg_buf_puts(&a->name, "cefguard_");
    if (rc == CG_OK)
        rc = prom_put_mangled(&a->name, a->prefix);
    if (rc == CG_OK)
        rc = prom_put_mangled(&a->name, name);
    if (rc == CG_OK && elem)
        rc = cg_buf_putc(&a->name, '_');
    if (rc == CG_OK)
        rc = prom_put_mangled(&a->name, elem);
    if (rc == CG_OK && kind == CG_COUNTER_TOTAL)
        rc = cg_buf_puts(&a->name, "_total");
    if (rc != CG_OK)
        return rc;
    struct cg_prom_family *f = prom_family(a->w, &a->hint, cg_buf_cstr(&a->name), kind, help);
    if (!f)
        return CG_ENOMEM;
    if (f->kind != kind)
        return CG_EINVAL;
    bool lab = a->labels && *a->labels;
    return cg_buf_printf(&f->samples, "%s%s%s%s %" PRIu64 "\n", f->name, lab ? "{" : "",
                         lab ? a->labels : "", lab ? "}" : "", v);
}

static int prom_one(void *ctx, const struct cg_counter *c, const char *elem, uint64_t v)
{
    return prom_sample(ctx, c->name, elem, c->kind, c->help, v);
}

int cg_prom_writer_add(struct cg_prom_writer *w, const struct cg_counter_table *t,
                       const void *stats, const char *prefix, const char *labels)
{
    struct prom_add a = {w, prefix, labels, 0, {0}};
    cg_buf_init(&a.name);
    int rc = each_counter(t, stats, prom_one, &a);
    cg_buf_fini(&a.name);
    return rc;
}

int cg_prom_writer_sample(struct cg_prom_writer *w, const char *name, enum cg_counter_kind kind,
                          const char *help, const char *labels, uint64_t value)
{
    struct prom_add a = {w, NULL, labels, 0, {0}};
    cg_buf_init(&a.name);
    int rc = prom_sample(&a, name, NULL, kind, help, value);
    cg_buf_fini(&a.name);
    return rc;
}

int cg_prom_writer_finish(const struct cg_prom_writer *w, struct cg_buf *out)
{
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < w->n; i++) {
        const struct cg_prom_family *f = &w->v[i];
        rc = cg_buf_printf(out, "# HELP %s ", f->name);
        if (rc == CG_OK)
            rc = prom_put_escaped(out, f->help, false);
        if (rc == CG_OK)
            rc = cg_buf_printf(out, "\n# TYPE %s %s\n", f->name, cg_counter_kind_name(f->kind));
        if (rc == CG_OK)
            rc = cg_buf_put(out, f->samples.p, f->samples.n);
    }
    return rc;
}

int cg_counters_prometheus(const struct cg_counter_table *t, const void *stats, const char *prefix,
                           const char *labels, struct cg_buf *out)
{
    struct cg_prom_writer w;
    cg_prom_writer_init(&w);
    int rc = cg_prom_writer_add(&w, t, stats, prefix, labels);
    if (rc == CG_OK)
        rc = cg_prom_writer_finish(&w, out);
    cg_prom_writer_fini(&w);
    return rc;
}
