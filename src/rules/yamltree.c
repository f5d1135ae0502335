/* yamltree.c - YAML into a positioned node tree (see yamltree.h). */
#include "cefguard/yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

#include "cefguard/log.h"
#include "cefguard/vec.h"

/* Nodes are allocated in chunks and linked by index, so growth never moves a
 * node that a parent already points at. */
#define CHUNK_NODES 256

struct chunk {
    struct chunk *next;
    struct cg_ynode nodes[CHUNK_NODES];
};

struct loader {
    yaml_parser_t parser;
    const char *s; /* the input, for positions of reader errors */
    size_t n;
    struct cg_ydoc *doc;
    struct cg_buf *err;
    struct chunk *chunks;
    size_t used_in_chunk;
    size_t total;
};

void cg_yaml_error(struct cg_buf *err, const struct cg_ydoc *doc, const struct cg_ynode *node,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_yaml_verror(err, doc, node, fmt, ap);
    va_end(ap);
}

void cg_yaml_verror(struct cg_buf *err, const struct cg_ydoc *doc, const struct cg_ynode *node,
                    const char *fmt, va_list ap)
{
    char msg[512];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    const char *name = doc && doc->name ? doc->name : "<input>";
    if (node)
        cg_buf_printf(err, "%s:%u:%u: ", name, node->line, node->col);
    else
        cg_buf_printf(err, "%s: ", name);
    /* the message may quote the file (a key, a value): no control byte reaches the terminal */
    cg_log_put_text(err, msg, len);
    cg_buf_putc(err, '\n');
}

static void err_at(struct loader *l, const yaml_mark_t *m, const char *msg)
{
    cg_buf_printf(l->err, "%s:%zu:%zu: %s\n", l->doc->name, m->line + 1, m->column + 1, msg);
}

/* The mark of byte off of s[0..n), counted as libyaml counts its marks: lines end at
 * LF, CR LF or a lone CR; a column is a character (a UTF-8 lead byte), so positions
 * agree with those of the parser's other messages. */
static yaml_mark_t mark_of(const char *s, size_t n, size_t off)
{
    yaml_mark_t m = {.index = off};
    size_t i = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* a BOM is no column */
    for (; i < off && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || (c == '\r' && (i + 1 >= n || s[i + 1] != '\n'))) {
            m.line++;
            m.column = 0;
        } else if ((c & 0xc0) != 0x80 && c != '\r') {
            m.column++;
        }
    }
    return m;
}

/* A reader error (bad UTF-8, a control character) has no problem_mark: libyaml reports
 * the byte offset, and for "invalid trailing UTF-8 octet" the offset of the octet after
 * the lead byte, so the position is moved back to the character that starts there. */
static void reader_error(struct loader *l, const char *problem)
{
    size_t off = l->parser.problem_offset;
    if (off > l->n)
        off = l->n;
    if (strstr(problem, "trailing") && off > 0) {
        size_t lead = off - 1;
        while (lead > 0 && off - lead < 4 && ((unsigned char)l->s[lead] & 0xc0) == 0x80)
            lead--;
        if (((unsigned char)l->s[lead] & 0xc0) == 0xc0)
            off = lead;
    }
    yaml_mark_t m = mark_of(l->s, l->n, off);
    err_at(l, &m, problem);
}

static struct cg_ynode *node_new(struct loader *l, enum cg_ynode_type t, const yaml_mark_t *m)
{
    if (l->total >= CG_YAML_MAX_NODES) {
        err_at(l, m, "document has too many nodes");
        return NULL;
    }
    if (!l->chunks || l->used_in_chunk == CHUNK_NODES) {
        struct chunk *c = calloc(1, sizeof(*c));
        if (!c)
            return NULL;
        c->next = l->chunks;
        l->chunks = c;
        l->used_in_chunk = 0;
    }
    struct cg_ynode *n = &l->chunks->nodes[l->used_in_chunk++];
    l->total++;
    n->type = t;
    n->line = (unsigned)m->line + 1;
    n->col = (unsigned)m->column + 1;
    return n;
}

static int child_add(struct cg_ynode *parent, struct cg_ynode *child, size_t *cap)
{
    if (cg_vec_reserve_ptr(&parent->kv, cap, sizeof(*parent->kv), parent->n + 1) != CG_OK)
        return CG_ENOMEM;
    parent->kv[parent->n++] = child;
    return CG_OK;
}

static int parse_node(struct loader *l, yaml_event_t *ev, struct cg_ynode **out, int depth);

static bool next_event(struct loader *l, yaml_event_t *ev)
{
    if (yaml_parser_parse(&l->parser, ev))
        return true;
    const char *p = l->parser.problem ? l->parser.problem : "syntax error";
    if (l->parser.error == YAML_READER_ERROR)
        reader_error(l, p);
    else
        err_at(l, &l->parser.problem_mark, p);
    return false;
}

/* While a mapping is built, n counts keys and values alike: keys are the even ones. */
static bool key_seen(const struct cg_ynode *map, const struct cg_ynode *key)
{
    for (size_t i = 0; i < map->n; i += 2)
        if (map->kv[i]->len == key->len && memcmp(map->kv[i]->str, key->str, key->len) == 0)
            return true;
    return false;
}

/* Reads children until the matching end event. Mapping keys must be unique scalars. */
static int parse_children(struct loader *l, struct cg_ynode *node, yaml_event_type_t end, int depth)
{
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(l, &ev))
            return CG_EPARSE;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        struct cg_ynode *child = NULL;
        int rc = parse_node(l, &ev, &child, depth + 1);
        if (rc != CG_OK)
            return rc;
        bool is_key = node->type == CG_Y_MAP && node->n % 2 == 0;
        if (is_key && child->type != CG_Y_SCALAR) {
            cg_yaml_error(l->err, l->doc, child, "mapping keys must be plain text");
            return CG_EPARSE;
        }
        if (is_key && key_seen(node, child)) {
            cg_yaml_error(l->err, l->doc, child, "duplicate key '%s'", child->str);
            return CG_EPARSE;
        }
        if (child_add(node, child, &cap) != CG_OK)
            return CG_ENOMEM;
    }
    if (node->type == CG_Y_MAP)
        node->n /= 2;
    return CG_OK;
}

/* Consumes ev (and, for collections, everything up to the matching end). */
static int parse_node(struct loader *l, yaml_event_t *ev, struct cg_ynode **out, int depth)
{
    int rc = CG_OK;
    if (depth > CG_YAML_MAX_DEPTH) {
        err_at(l, &ev->start_mark, "nesting is too deep");
        rc = CG_EPARSE;
    } else if (ev->type == YAML_ALIAS_EVENT ||
               (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
               (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor) ||
               (ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor)) {
        err_at(l, &ev->start_mark, "anchors and aliases are not supported");
        rc = CG_EPARSE;
    } else if (ev->type == YAML_SCALAR_EVENT) {
        struct cg_ynode *n = node_new(l, CG_Y_SCALAR, &ev->start_mark);
        if (n) {
            n->len = ev->data.scalar.length;
            n->str = malloc(n->len + 1);
            if (n->str) {
                memcpy(n->str, ev->data.scalar.value, n->len);
                n->str[n->len] = '\0';
            }
            n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        }
        rc = n && n->str ? CG_OK : (n ? CG_ENOMEM : CG_EPARSE);
        *out = n;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        struct cg_ynode *n = node_new(l, map ? CG_Y_MAP : CG_Y_SEQ, &ev->start_mark);
        yaml_event_delete(ev);
        if (!n)
            return CG_EPARSE;
        *out = n;
        return parse_children(l, n, map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT, depth);
    } else {
        err_at(l, &ev->start_mark, "unexpected YAML event");
        rc = CG_EPARSE;
    }
    yaml_event_delete(ev);
    return rc;
}

/* Stream: STREAM-START [DOCUMENT-START node DOCUMENT-END] STREAM-END; one document. */
static int parse_stream(struct loader *l)
{
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(l, &ev))
            return CG_EPARSE;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return CG_OK;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            err_at(l, &ev.start_mark, "only one YAML document per file");
            yaml_event_delete(&ev);
            return CG_EPARSE;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
            t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        int rc = parse_node(l, &ev, &l->doc->root, 0);
        if (rc != CG_OK)
            return rc;
    }
}

static void free_chunks(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        for (size_t i = 0; i < CHUNK_NODES; i++) {
            free(c->nodes[i].str);
            free(c->nodes[i].kv);
        }
        free(c);
        c = next;
    }
}

void cg_ydoc_free(struct cg_ydoc *doc)
{
    if (!doc)
        return;
    free_chunks((struct chunk *)doc->nodes);
    free(doc->name);
    free(doc);
}

/* The name messages use: escaped once here, so that every "file:line:column" of the
 * document, and the rules and tests made from it, print it safely. */
static char *name_dup(const char *name)
{
    struct cg_buf b;
    cg_buf_init(&b);
    if (cg_log_put_name(&b, name) != CG_OK || cg_buf_putc(&b, '\0') != CG_OK) {
        cg_buf_fini(&b);
        return NULL;
    }
    return b.p; /* owned by the caller now */
}

/* "NAME: message" for a file that is not read, the name escaped. */
static void file_error(struct cg_buf *err, const char *path, const char *msg)
{
    cg_log_put_name(err, path);
    cg_buf_printf(err, ": %s\n", msg);
}

int cg_yaml_load_mem(const char *name, const char *s, size_t n, struct cg_ydoc **out,
                     struct cg_buf *err)
{
    *out = NULL;
    struct loader l = {.err = err, .s = s, .n = n};
    l.doc = calloc(1, sizeof(*l.doc));
    if (!l.doc || !(l.doc->name = name_dup(name ? name : "<input>"))) {
        cg_ydoc_free(l.doc);
        return CG_ENOMEM;
    }
    if (n > CG_YAML_MAX_BYTES) {
        /* refused whole: a rule file cut at the limit could still parse, minus its end */
        yaml_mark_t m = mark_of(s, n, CG_YAML_MAX_BYTES);
        char msg[128];
        snprintf(msg, sizeof(msg), "the file goes on past the limit of %u bytes (64 MiB) here",
                 CG_YAML_MAX_BYTES);
        err_at(&l, &m, msg);
        cg_ydoc_free(l.doc);
        return CG_EPARSE;
    }
    if (!yaml_parser_initialize(&l.parser)) {
        cg_ydoc_free(l.doc);
        return CG_ENOMEM;
    }
    yaml_parser_set_input_string(&l.parser, (const unsigned char *)s, n);
    int rc = parse_stream(&l);
    yaml_parser_delete(&l.parser);
    l.doc->nodes = (struct cg_ynode *)l.chunks; /* owned list, see free_chunks */
    l.doc->nnodes = l.total;
    if (rc != CG_OK) {
        cg_ydoc_free(l.doc);
        return rc;
    }
    *out = l.doc;
    return CG_OK;
}

int cg_yaml_load_file(const char *path, struct cg_ydoc **out, struct cg_buf *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        file_error(err, path, strerror(e));
        return e == ENOENT ? CG_ENOENT : CG_EIO;
    }
    struct cg_buf data;
    cg_buf_init(&data);
    char tmp[65536];
    size_t got;
    int rc = CG_OK;
    /* Up to one byte past the limit, so that load_mem sees a file that is too large
     * (and reports it) rather than a file cut at the limit. */
    while (data.n <= CG_YAML_MAX_BYTES && (got = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        if (cg_buf_put(&data, tmp, got) != CG_OK) {
            rc = CG_ENOMEM;
            break;
        }
    }
    if (rc == CG_OK && ferror(f)) {
        file_error(err, path, "read error");
        rc = CG_EIO;
    }
    fclose(f);
    if (rc == CG_OK)
        rc = cg_yaml_load_mem(path, data.p ? data.p : "", data.n, out, err);
    cg_buf_fini(&data);
    return rc;
}

const struct cg_ynode *cg_yaml_map_get(const struct cg_ynode *map, const char *key)
{
    if (!map || map->type != CG_Y_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < map->n; i++) {
        const struct cg_ynode *k = map->kv[2 * i];
        if (k->len == kl && memcmp(k->str, key, kl) == 0)
            return map->kv[2 * i + 1];
    }
    return NULL;
}

/* FNV-1a, 64 bits: the digest tells an operator's edit from no edit, it is no defence. */
static uint64_t digest_put(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t digest_node(uint64_t h, const struct cg_ynode *n)
{
    unsigned char tag[2] = {(unsigned char)n->type, n->plain};
    uint64_t len = n->type == CG_Y_SCALAR ? n->len : n->n;
    h = digest_put(digest_put(h, tag, sizeof(tag)), &len, sizeof(len));
    if (n->type == CG_Y_SCALAR)
        return digest_put(h, n->str, n->len);
    size_t items = n->type == CG_Y_MAP ? 2 * n->n : n->n;
    for (size_t i = 0; i < items; i++)
        h = digest_node(h, n->kv[i]);
    return h;
}

uint64_t cg_yaml_digest(const struct cg_ynode *n)
{
    return n ? digest_node(0xcbf29ce484222325ull, n) : 0;
}
