/* config.c - the configuration file and its overrides, read through option tables (see
 * config.h). */
#include "cefguard/config.h"

#include "cefguard/log.h"
#include "cefguard/vec.h"
#include "cefguard/yamltree.h"

#include <stdlib.h>
#include <string.h>

void cg_config_init(struct cg_config *c, const struct cg_opt_table *top, unsigned command,
                    void *top_conf, const struct cg_config_type *types, size_t ntypes)
{
    memset(c, 0, sizeof(*c));
    c->top = top;
    c->command = command;
    c->top_conf = top_conf;
    c->types = types;
    c->ntypes = ntypes;
}

static void item_fini(struct cg_config_item *it)
{
    if (it->type && it->conf)
        cg_opt_fini(it->type->options, it->conf);
    free(it->conf);
    it->conf = NULL;
}

static void items_fini(struct cg_config_items *l)
{
    for (size_t i = 0; i < l->n; i++)
        item_fini(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void cg_config_fini(struct cg_config *c)
{
    items_fini(&c->inputs);
    items_fini(&c->sinks);
    for (size_t i = 0; i < c->docs.n; i++)
        cg_ydoc_free(c->docs.v[i]);
    for (size_t i = 0; i < c->texts.n; i++)
        free(c->texts.v[i]);
    free(c->docs.v);
    free(c->texts.v);
    memset(&c->docs, 0, sizeof(c->docs));
    memset(&c->texts, 0, sizeof(c->texts));
}

/* A copy of n bytes of p that lives as long as the configuration. */
static const char *keep_text(struct cg_config *c, const char *p, size_t n)
{
    char *s = NULL;
    if (cg_vec_reserve(&c->texts, c->texts.n + 1) != CG_OK || !(s = malloc(n + 1)))
        return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    c->texts.v[c->texts.n++] = s;
    return s;
}

/* ---- lookups ------------------------------------------------------------------------------ */

static const struct cg_opt *opt_find(const struct cg_opt_table *t, unsigned command,
                                     const char *name, size_t n)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_opt *o = &t->v[i];
        if ((o->commands & command) && o->type != CG_OPT_HELP && strlen(o->name) == n &&
            memcmp(o->name, name, n) == 0)
            return o;
    }
    return NULL;
}

struct cg_config_item *cg_config_find(struct cg_config_items *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

const struct cg_config_type *cg_config_type_find(const struct cg_config *c, const char *name,
                                                 bool want_source)
{
    for (size_t i = 0; i < c->ntypes; i++) {
        const struct cg_config_type *t = &c->types[i];
        if ((want_source ? t->source != NULL : t->sink != NULL) && strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

/* Names of items: what a counter name and a --set key can carry. */
static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > CG_CONFIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

/* ---- values ------------------------------------------------------------------------------- */

/* Removes the items an earlier use of o put in its list: an override replaces a list. */
static void paths_clear(const struct cg_opt *o, void *conf)
{
    struct cg_opt_paths *l = (struct cg_opt_paths *)((char *)conf + o->offset);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].tag != o->tag)
            l->v[k++] = l->v[i];
    l->n = k;
}

/* A YAML null (~, null, empty) unsets a text option. */
static bool is_null(const struct cg_ynode *v)
{
    return v->type == CG_Y_SCALAR && v->plain &&
           (v->len == 0 || strcmp(v->str, "~") == 0 || strcmp(v->str, "null") == 0);
}

static bool is_text(enum cg_opt_type t)
{
    return t == CG_OPT_STRING || t == CG_OPT_TIMEZONE || t == CG_OPT_LISTEN || t == CG_OPT_ENDPOINT;
}

static int not_value(const struct cg_ydoc *doc, const struct cg_opt *o, const struct cg_ynode *v,
                     struct cg_buf *err)
{
    cg_yaml_error(err, doc, v, "%s: expected a value, not a %s", o->name,
                  v->type == CG_Y_MAP ? "mapping" : "list");
    return CG_EPARSE;
}

/* Stores the node's value as o's; a message at the node for a bad one. */
static int set_node(const struct cg_ydoc *doc, const struct cg_opt *o, const struct cg_ynode *v,
                    void *conf, struct cg_buf *err)
{
    struct cg_buf why;
    int rc = CG_OK;
    if (v->type == CG_Y_SEQ && o->type == CG_OPT_PATHS) {
        for (size_t i = 0; rc != CG_ENOMEM && i < v->n; i++) {
            /* one level: an item of the list is a value, not a list again */
            const struct cg_ynode *item = v->kv[i];
            int r = item->type == CG_Y_SEQ ? not_value(doc, o, item, err)
                                           : set_node(doc, o, item, conf, err);
            rc = rc == CG_OK ? r : rc;
        }
        return rc;
    }
    if (v->type != CG_Y_SCALAR)
        return not_value(doc, o, v, err);
    if (is_null(v) && is_text(o->type)) {
        *(const char **)((char *)conf + o->offset) = NULL;
        return CG_OK;
    }
    if (memchr(v->str, '\0', v->len)) {
        cg_yaml_error(err, doc, v, "%s: a NUL byte in the value", o->name);
        return CG_EPARSE;
    }
    cg_buf_init(&why);
    rc = cg_opt_set(o, v->str, conf, &why);
    if (rc == CG_EINVAL)
        cg_yaml_error(err, doc, v, "%s: bad value '%s': %s", o->name, v->str, cg_buf_cstr(&why));
    cg_buf_fini(&why);
    return rc == CG_EINVAL ? CG_EPARSE : rc;
}

/* ---- inputs and sinks --------------------------------------------------------------------- */

/* Gives item it the type t: a fresh conf with t's defaults and the item's name. */
static int item_type(struct cg_config_item *it, const struct cg_config_type *t, struct cg_buf *err)
{
    item_fini(it);
    it->type = t;
    if (!(it->conf = calloc(1, t->conf_size)))
        return CG_ENOMEM;
    int rc = cg_opt_defaults(t->options, it->conf, err);
    *(const char **)it->conf = it->name;
    return rc;
}

static struct cg_config_item *item_add(struct cg_config *c, struct cg_config_items *l,
                                       const char *name, size_t n, unsigned line, unsigned col)
{
    const char *kept = keep_text(c, name, n);
    if (!kept || cg_vec_reserve(l, l->n + 1) != CG_OK)
        return NULL;
    struct cg_config_item *it = &l->v[l->n++];
    *it = (struct cg_config_item){.name = kept, .line = line, .col = col};
    return it;
}

static int type_error(const struct cg_config *c, const struct cg_ydoc *doc,
                      const struct cg_ynode *at, bool sources, const char *name, struct cg_buf *err)
{
    cg_yaml_error(err, doc, at, "unknown %s type '%s' (one of:", sources ? "input" : "sink", name);
    if (err->n && err->p[err->n - 1] == '\n')
        err->n--;
    for (size_t i = 0; i < c->ntypes; i++)
        if (sources ? c->types[i].source != NULL : c->types[i].sink != NULL)
            cg_buf_printf(err, " %s", c->types[i].name);
    cg_buf_puts(err, ")\n");
    return CG_EPARSE;
}

/* One item's mapping: `type` first, then its options. */
static int read_item(struct cg_config *c, const struct cg_ydoc *doc, bool sources,
                     const struct cg_ynode *k, const struct cg_ynode *v, struct cg_buf *err)
{
    struct cg_config_items *l = sources ? &c->inputs : &c->sinks;
    if (!name_ok(k->str, k->len)) {
        cg_yaml_error(err, doc, k, "bad name '%s': letters, digits, '-' and '_', at most %d",
                      k->str, CG_CONFIG_NAME_MAX);
        return CG_EPARSE;
    }
    if (v->type != CG_Y_MAP) {
        cg_yaml_error(err, doc, v, "%s: expected a mapping with a type", k->str);
        return CG_EPARSE;
    }
    const struct cg_ynode *tn = cg_yaml_map_get(v, "type");
    if (!tn || tn->type != CG_Y_SCALAR) {
        cg_yaml_error(err, doc, tn ? tn : v, "%s: expected 'type: TYPE'", k->str);
        return CG_EPARSE;
    }
    const struct cg_config_type *t = cg_config_type_find(c, tn->str, sources);
    if (!t)
        return type_error(c, doc, tn, sources, tn->str, err);
    struct cg_config_item *it = cg_config_find(l, k->str);
    if (!it && !(it = item_add(c, l, k->str, k->len, k->line, k->col)))
        return CG_ENOMEM;
    int rc = item_type(it, t, err);
    for (size_t i = 0; rc != CG_ENOMEM && i < v->n; i++) {
        const struct cg_ynode *ok = v->kv[2 * i], *ov = v->kv[2 * i + 1];
        if (ok->len == 4 && memcmp(ok->str, "type", 4) == 0)
            continue;
        const struct cg_opt *o = opt_find(t->options, ~0u, ok->str, ok->len);
        int r;
        if (!o) {
            cg_yaml_error(err, doc, ok, "%s: unknown option '%s' of type %s", k->str, ok->str,
                          t->name);
            r = CG_EPARSE;
        } else {
            r = set_node(doc, o, ov, it->conf, err);
        }
        rc = rc == CG_OK ? r : rc;
    }
    return rc;
}

static int read_items(struct cg_config *c, const struct cg_ydoc *doc, bool sources,
                      const struct cg_ynode *v, struct cg_buf *err)
{
    if (is_null(v))
        return CG_OK;
    if (v->type != CG_Y_MAP) {
        cg_yaml_error(err, doc, v, "%s: expected a mapping of names", sources ? "inputs" : "sinks");
        return CG_EPARSE;
    }
    int rc = CG_OK;
    for (size_t i = 0; rc != CG_ENOMEM && i < v->n; i++) {
        int r = read_item(c, doc, sources, v->kv[2 * i], v->kv[2 * i + 1], err);
        rc = rc == CG_OK ? r : rc;
    }
    return rc;
}

/* ---- the file ----------------------------------------------------------------------------- */

static int read_doc(struct cg_config *c, const struct cg_ydoc *doc, struct cg_buf *err)
{
    const struct cg_ynode *root = doc->root;
    if (!root)
        return CG_OK;
    if (root->type != CG_Y_MAP) {
        cg_yaml_error(err, doc, root, "expected a mapping of settings");
        return CG_EPARSE;
    }
    int rc = CG_OK;
    for (size_t i = 0; rc != CG_ENOMEM && i < root->n; i++) {
        const struct cg_ynode *k = root->kv[2 * i], *v = root->kv[2 * i + 1];
        int r;
        if (strcmp(k->str, "inputs") == 0 || strcmp(k->str, "sinks") == 0) {
            r = read_items(c, doc, k->str[0] == 'i', v, err);
        } else {
            const struct cg_opt *o = opt_find(c->top, c->command, k->str, k->len);
            if (o) {
                r = set_node(doc, o, v, c->top_conf, err);
            } else {
                cg_yaml_error(err, doc, k, "unknown setting '%s'", k->str);
                r = CG_EPARSE;
            }
        }
        rc = rc == CG_OK ? r : rc;
    }
    return rc;
}

int cg_config_read(struct cg_config *c, const char *path, const char *name, const char *text,
                   struct cg_buf *err)
{
    struct cg_ydoc *doc = NULL;
    int rc = path ? cg_yaml_load_file(path, &doc, err)
                  : cg_yaml_load_mem(name, text, strlen(text), &doc, err);
    if (rc != CG_OK)
        return rc;
    if (cg_vec_reserve(&c->docs, c->docs.n + 1) != CG_OK) {
        cg_ydoc_free(doc);
        return CG_ENOMEM;
    }
    c->docs.v[c->docs.n++] = doc;
    c->path = doc->name;
    return read_doc(c, doc, err);
}

/* ---- overrides ---------------------------------------------------------------------------- */

/* "--set KEY: ", control bytes of the key escaped as the file's are (cg_yaml_error). */
static void set_prefix(struct cg_buf *err, const char *kv, size_t klen)
{
    cg_buf_puts(err, "--set ");
    cg_log_put_text(err, kv, klen);
    cg_buf_puts(err, ": ");
}

static int set_error(struct cg_buf *err, const char *kv, size_t klen, const char *msg)
{
    set_prefix(err, kv, klen);
    cg_buf_printf(err, "%s\n", msg);
    return CG_EINVAL;
}

static int set_value(const struct cg_opt *o, const char *value, void *conf, const char *kv,
                     size_t klen, struct cg_buf *err)
{
    if (o->type == CG_OPT_PATHS)
        paths_clear(o, conf);
    if (is_text(o->type) && (value[0] == '\0' || strcmp(value, "off") == 0) &&
        o->type != CG_OPT_TIMEZONE) {
        *(const char **)((char *)conf + o->offset) = NULL;
        return CG_OK;
    }
    struct cg_buf why;
    cg_buf_init(&why);
    int rc = cg_opt_set(o, value, conf, &why);
    if (rc == CG_EINVAL) {
        set_prefix(err, kv, klen);
        cg_buf_puts(err, "bad value '");
        cg_log_put_text(err, value, strlen(value));
        cg_buf_printf(err, "': %s\n", cg_buf_cstr(&why));
    }
    cg_buf_fini(&why);
    return rc;
}

/* inputs.NAME[.OPTION]=VALUE */
static int set_item(struct cg_config *c, bool sources, const char *kv, size_t klen,
                    const char *rest, size_t restlen, const char *value, struct cg_buf *err)
{
    struct cg_config_items *l = sources ? &c->inputs : &c->sinks;
    const char *dot = memchr(rest, '.', restlen);
    size_t nlen = dot ? (size_t)(dot - rest) : restlen;
    if (!name_ok(rest, nlen))
        return set_error(err, kv, klen, "expected inputs.NAME.OPTION or sinks.NAME.OPTION");
    struct cg_config_item *it = NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i].name) == nlen && memcmp(l->v[i].name, rest, nlen) == 0)
            it = &l->v[i];
    if (!dot) { /* inputs.NAME=off */
        if (strcmp(value, "off") != 0)
            return set_error(err, kv, klen, "only 'off' (remove it) goes here");
        if (it) {
            item_fini(it);
            size_t at = (size_t)(it - l->v);
            memmove(it, it + 1, (l->n - at - 1) * sizeof(*it));
            l->n--;
        }
        return CG_OK;
    }
    const char *opt = dot + 1;
    size_t olen = restlen - nlen - 1;
    if (!it && !(it = item_add(c, l, rest, nlen, 0, 0)))
        return CG_ENOMEM;
    if (olen == 4 && memcmp(opt, "type", 4) == 0) {
        const struct cg_config_type *t = cg_config_type_find(c, value, sources);
        if (!t)
            return set_error(err, kv, klen, sources ? "unknown input type" : "unknown sink type");
        return it->type == t ? CG_OK : item_type(it, t, err);
    }
    if (!it->type)
        return set_error(err, kv, klen, "a new item needs its type first (NAME.type=TYPE)");
    const struct cg_opt *o = opt_find(it->type->options, ~0u, opt, olen);
    if (!o)
        return set_error(err, kv, klen, "no such option for this type");
    return set_value(o, value, it->conf, kv, klen, err);
}

int cg_config_set(struct cg_config *c, const char *kv, struct cg_buf *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return set_error(err, kv, strlen(kv), "expected KEY=VALUE");
    size_t klen = (size_t)(eq - kv);
    const char *value = keep_text(c, eq + 1, strlen(eq + 1));
    if (!value)
        return CG_ENOMEM;
    if (klen > 7 && memcmp(kv, "inputs.", 7) == 0)
        return set_item(c, true, kv, klen, kv + 7, klen - 7, value, err);
    if (klen > 6 && memcmp(kv, "sinks.", 6) == 0)
        return set_item(c, false, kv, klen, kv + 6, klen - 6, value, err);
    const struct cg_opt *o = opt_find(c->top, c->command, kv, klen);
    if (!o)
        return set_error(err, kv, klen, "unknown setting");
    return set_value(o, value, c->top_conf, kv, klen, err);
}

int cg_config_finish(struct cg_config *c, struct cg_buf *err)
{
    int rc = CG_OK;
    for (int s = 0; s < 2; s++) {
        struct cg_config_items *l = s ? &c->sinks : &c->inputs;
        for (size_t i = 0; i < l->n; i++) {
            const struct cg_config_item *it = &l->v[i];
            const char *kind = s ? "sinks" : "inputs";
            if (!it->type) {
                cg_buf_printf(err, "%s.%s: no type\n", kind, it->name);
                rc = CG_EINVAL;
                continue;
            }
            if (!it->type->check)
                continue;
            struct cg_buf why;
            cg_buf_init(&why);
            if (it->type->check(it->conf, &why) != CG_OK) {
                const char *m = cg_buf_cstr(&why);
                if (it->line)
                    cg_buf_printf(err, "%s:%u:%u: %s.%s: %.*s\n", c->path, it->line, it->col, kind,
                                  it->name, (int)strcspn(m, "\n"), m);
                else
                    cg_buf_printf(err, "%s.%s: %.*s\n", kind, it->name, (int)strcspn(m, "\n"), m);
                rc = CG_EINVAL;
            }
            cg_buf_fini(&why);
        }
    }
    return rc;
}

static bool text_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool cg_config_value_same(const struct cg_opt *o, const void *a, const void *b)
{
    const char *pa = (const char *)a + o->offset, *pb = (const char *)b + o->offset;
    switch (o->type) {
    case CG_OPT_HELP: return true;
    case CG_OPT_FLAG: return *(const bool *)pa == *(const bool *)pb;
    case CG_OPT_UINT: return *(const unsigned *)pa == *(const unsigned *)pb;
    case CG_OPT_SIZE: return *(const size_t *)pa == *(const size_t *)pb;
    case CG_OPT_YEAR: return *(const int *)pa == *(const int *)pb;
    case CG_OPT_DURATION: return *(const int64_t *)pa == *(const int64_t *)pb;
    case CG_OPT_PATHS: {
        const struct cg_opt_paths *la = (const void *)pa, *lb = (const void *)pb;
        if (la->n != lb->n)
            return false;
        for (size_t i = 0; i < la->n; i++)
            if (la->v[i].tag != lb->v[i].tag || !text_same(la->v[i].path, lb->v[i].path))
                return false;
        return true;
    }
    default: return text_same(*(const char *const *)pa, *(const char *const *)pb);
    }
}

bool cg_config_item_same(const struct cg_config_item *a, const struct cg_config_item *b)
{
    if (strcmp(a->name, b->name) != 0 || a->type != b->type || !a->type)
        return false;
    const struct cg_opt_table *t = a->type->options;
    for (size_t i = 0; i < t->n; i++)
        if (!cg_config_value_same(&t->v[i], a->conf, b->conf))
            return false;
    return true;
}

int cg_config_markdown(const struct cg_config_type *types, size_t ntypes, struct cg_buf *out)
{
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < ntypes; i++) {
        rc = cg_buf_printf(out, "\n**%s `%s`**\n\n", types[i].source ? "Input" : "Sink",
                           types[i].name);
        if (rc == CG_OK)
            rc = cg_opt_markdown_keys(types[i].options, out);
        if (rc == CG_OK && types[i].counters) {
            rc = cg_buf_printf(out, "\nIts counters (`%s.NAME.COUNTER` in `cefguard stats`):\n\n",
                               types[i].source ? "input" : "sink");
            if (rc == CG_OK)
                rc = cg_counters_markdown(types[i].counters, out);
        }
    }
    return rc;
}
