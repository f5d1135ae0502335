/* template.c - alert summaries with {path} placeholders (see template.h). */
#include "cefguard/template.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cefguard/path.h"
#include "cefguard/vec.h"

/* Rendered bytes per summary: values come from log lines, so an attacker can
 * make them as long as a line; an alert summary stays readable. */
#define RENDER_MAX 4096
#define ELLIPSIS "..."
#define JOINED_PREFIX "joined."

enum part_kind {
    T_LIT,    /* bytes of t->text */
    T_PATH,   /* a value of the event that completed the rule */
    T_JOINED, /* a value of the joined event */
    T_RULE,
    T_COUNT,
    T_SUPPRESSED,
    T_KEY,
    T_VALUES,
    T_KIND,
    T_RESPONSE,
};

struct part {
    enum part_kind kind;
    size_t off, len;     /* T_LIT */
    struct cg_path path; /* T_PATH, T_JOINED */
};

struct cg_template {
    char *text; /* the literal bytes of every T_LIT part */
    size_t ntext;
    struct part *parts;
    size_t n, cap;
};

static const struct {
    const char *name;
    enum part_kind kind;
} specials[] = {
    {"rule", T_RULE},     {"count", T_COUNT}, {"suppressed", T_SUPPRESSED}, {"key", T_KEY},
    {"values", T_VALUES}, {"kind", T_KIND},   {"response", T_RESPONSE},
};

/* Compile state: errors are collected so one message names every bad placeholder. */
struct tcomp {
    const struct cg_ydoc *doc;
    const struct cg_ynode *node;
    struct cg_buf *err;
    struct cg_template *t;
    unsigned nerr;
    bool oom;
};

void cg_template_free(struct cg_template *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        cg_path_fini(&t->parts[i].path);
    free(t->parts);
    free(t->text);
    free(t);
}

static struct part *part_new(struct tcomp *c, enum part_kind kind)
{
    struct cg_template *t = c->t;
    if (cg_vec_reserve_ptr(&t->parts, &t->cap, sizeof(*t->parts), t->n + 1) != CG_OK) {
        c->oom = true;
        return NULL;
    }
    struct part *p = &t->parts[t->n++];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    return p;
}

/* t->text is sized for the whole source up front, so literals never reallocate. */
static void lit_add(struct tcomp *c, const char *s, size_t n)
{
    struct cg_template *t = c->t;
    struct part *last = t->n ? &t->parts[t->n - 1] : NULL;
    if (!last || last->kind != T_LIT || last->off + last->len != t->ntext) {
        last = part_new(c, T_LIT);
        if (!last)
            return;
        last->off = t->ntext;
    }
    memcpy(t->text + t->ntext, s, n);
    t->ntext += n;
    last->len += n;
}

static void terr(struct tcomp *c, const char *fmt, ...) CG_PRINTF(2, 3);

static void terr(struct tcomp *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cg_yaml_error(c->err, c->doc, c->node, "%s", msg);
    c->nerr++;
}

/* An event path (or joined.<path>) after the special names were ruled out. */
static void placeholder_path(struct tcomp *c, const char *name, size_t n, size_t off)
{
    bool joined =
        n > strlen(JOINED_PREFIX) && memcmp(name, JOINED_PREFIX, strlen(JOINED_PREFIX)) == 0;
    struct part *p = part_new(c, joined ? T_JOINED : T_PATH);
    if (!p)
        return;
    struct cg_buf msg;
    cg_buf_init(&msg);
    int rc = cg_path_parse(name + (joined ? strlen(JOINED_PREFIX) : 0), &p->path, &msg);
    if (rc == CG_ENOMEM) {
        c->oom = true;
    } else if (rc != CG_OK) {
        /* The path module lists event paths; a bare word is as likely a
         * misspelt special name, so those belong in the list too. */
        bool unknown = !joined && strncmp(cg_buf_cstr(&msg), "unknown field", 13) == 0;
        /* The path message quotes the name; quoting it again could push the
         * list of valid names past the message bound. */
        terr(c, "bad placeholder at offset %zu in template: %s%s%s", off,
             joined ? "after 'joined.': " : "", cg_buf_cstr(&msg),
             unknown ? ", rule, kind, count, suppressed, key, values, response, joined.<path>"
                     : "");
    }
    cg_buf_fini(&msg);
    if (rc != CG_OK)
        c->t->n--; /* the part holds nothing to free */
}

/* name: the text between the braces (n > 0), NUL-free, NUL-terminated copy. */
static void placeholder(struct tcomp *c, const char *name, size_t n, size_t off)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(specials); i++) {
        if (strcmp(name, specials[i].name) == 0) {
            part_new(c, specials[i].kind);
            return;
        }
    }
    placeholder_path(c, name, n, off);
}

/* Handles the '{' at s[i]; returns the index after what it consumed. */
static size_t open_brace(struct tcomp *c, const char *s, size_t n, size_t i)
{
    if (i + 1 < n && s[i + 1] == '{') {
        lit_add(c, "{", 1);
        return i + 2;
    }
    const char *close = memchr(s + i + 1, '}', n - i - 1);
    if (!close) {
        terr(c, "unterminated '{' at offset %zu in template (write '{{' for a literal brace)", i);
        return n;
    }
    size_t len = (size_t)(close - (s + i + 1));
    if (len == 0) {
        terr(c, "empty placeholder '{}' at offset %zu in template", i);
    } else if (memchr(s + i + 1, '\0', len)) {
        terr(c, "bad placeholder at offset %zu in template: it contains a NUL byte", i);
    } else {
        char *name = malloc(len + 1);
        if (!name) {
            c->oom = true;
        } else {
            memcpy(name, s + i + 1, len);
            name[len] = '\0';
            placeholder(c, name, len, i);
            free(name);
        }
    }
    return (size_t)(close - s) + 1;
}

/* A small scanner over the scalar: literal runs, "{{", "}}", placeholders. */
static void scan(struct tcomp *c, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !c->oom) {
        if (s[i] == '{') {
            i = open_brace(c, s, n, i);
        } else if (s[i] == '}') {
            if (i + 1 < n && s[i + 1] == '}') {
                lit_add(c, "}", 1);
                i += 2;
            } else {
                terr(c, "unmatched '}' at offset %zu in template (write '}}' for a literal brace)",
                     i);
                i++;
            }
        } else {
            size_t j = i;
            while (j < n && s[j] != '{' && s[j] != '}')
                j++;
            lit_add(c, s + i, j - i);
            i = j;
        }
    }
}

int cg_template_compile(const struct cg_ydoc *doc, const struct cg_ynode *node,
                        struct cg_template **out, struct cg_buf *err)
{
    struct tcomp c = {.doc = doc, .node = node, .err = err};
    *out = NULL;
    if (!node || node->type != CG_Y_SCALAR) {
        terr(&c, "a template must be a text");
        return CG_EPARSE;
    }
    c.t = calloc(1, sizeof(*c.t));
    if (!c.t || !(c.t->text = malloc(node->len + 1))) {
        free(c.t);
        return CG_ENOMEM;
    }
    scan(&c, node->str, node->len);
    int rc = c.oom ? CG_ENOMEM : c.nerr ? CG_EPARSE : CG_OK;
    if (rc != CG_OK) {
        cg_template_free(c.t);
        return rc;
    }
    *out = c.t;
    return CG_OK;
}

/* ---- rendering ----------------------------------------------------------- */

struct render {
    struct cg_buf *out;
    size_t left; /* bytes still allowed */
    bool cut;
    int rc;
};

/* Appends at most r->left bytes, cutting before a UTF-8 sequence rather than
 * inside it (at most 3 steps back: a longer run is not UTF-8 anyway). */
static void put(struct render *r, const char *p, size_t n)
{
    if (r->cut || r->rc != CG_OK)
        return;
    if (n > r->left) {
        size_t k = r->left;
        for (int back = 0; back < 3 && k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80; back++)
            k--;
        n = k;
        r->cut = true;
    }
    if (n && cg_buf_put(r->out, p, n) != CG_OK)
        r->rc = CG_ENOMEM;
    r->left -= n;
}

static void put_str(struct render *r, struct cg_str s)
{
    if (!cg_str_is_set(s))
        put(r, "-", 1);
    else
        put(r, s.p, s.n);
}

static void put_u64(struct render *r, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    put(r, tmp, (size_t)n);
}

static void put_path(struct render *r, const struct cg_path *p, struct cg_event *ev)
{
    struct cg_path_scratch scratch;
    struct cg_str v;
    if (ev && cg_path_get(p, ev, &v, &scratch))
        put(r, v.p ? v.p : "", v.n);
    else
        put(r, "-", 1);
}

static void render_part(struct render *r, const struct cg_template *t, const struct part *p,
                        const struct cg_template_ctx *ctx)
{
    switch (p->kind) {
    case T_LIT: put(r, t->text + p->off, p->len); break;
    case T_PATH: put_path(r, &p->path, ctx->event); break;
    case T_JOINED: put_path(r, &p->path, ctx->joined); break;
    case T_RULE:
        put_str(r, ctx->rule ? cg_str_make(ctx->rule, strlen(ctx->rule)) : CG_STR_NULL);
        break;
    case T_COUNT: put_u64(r, ctx->count); break;
    case T_SUPPRESSED: put_u64(r, ctx->suppressed); break;
    case T_KEY: put_str(r, ctx->key); break;
    case T_VALUES: put_str(r, ctx->values); break;
    case T_RESPONSE: put_str(r, ctx->response); break;
    case T_KIND:
        put_str(r, ctx->kind ? cg_str_make(ctx->kind, strlen(ctx->kind)) : CG_STR_NULL);
        break;
    }
}

int cg_template_render(const struct cg_template *t, const struct cg_template_ctx *ctx,
                       struct cg_buf *out)
{
    struct render r = {.out = out, .left = RENDER_MAX, .rc = CG_OK};
    for (size_t i = 0; i < t->n && !r.cut && r.rc == CG_OK; i++)
        render_part(&r, t, &t->parts[i], ctx);
    if (r.cut && r.rc == CG_OK && cg_buf_puts(out, ELLIPSIS) != CG_OK)
        r.rc = CG_ENOMEM;
    return r.rc;
}
