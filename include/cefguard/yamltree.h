/*
 * yamltree.h - a YAML document as a tree of positioned nodes (libyaml underneath).
 *
 * Rule and configuration files are small and written by people, so they are
 * loaded whole into a tree where every node remembers its line and column; the
 * compilers that read the tree report errors as "file:line:column: message".
 *
 * Refused, with a positioned error: aliases and anchors (no billion laughs),
 * duplicate keys in a mapping, non-scalar mapping keys, more than one document,
 * nesting deeper than CG_YAML_MAX_DEPTH, more than CG_YAML_MAX_NODES nodes, and
 * files larger than CG_YAML_MAX_BYTES. An empty document gives root == NULL.
 */
#ifndef CEFGUARD_YAMLTREE_H
#define CEFGUARD_YAMLTREE_H

#include "cefguard/buf.h"
#include "cefguard/common.h"

#include <stdarg.h>

#define CG_YAML_MAX_DEPTH 64
#define CG_YAML_MAX_NODES 1000000
#define CG_YAML_MAX_BYTES (64u * 1024 * 1024)

enum cg_ynode_type { CG_Y_SCALAR, CG_Y_SEQ, CG_Y_MAP };

struct cg_ynode {
    enum cg_ynode_type type;
    unsigned line; /* 1-based */
    unsigned col;  /* 1-based */
    /* scalar: NUL-terminated text (may contain NUL bytes: use len) */
    char *str;
    size_t len;
    bool plain; /* an unquoted scalar (so "null", "~", "true" may mean something) */
    /* sequence: n items; mapping: n keys and n values, kv[2i] key, kv[2i+1] value */
    struct cg_ynode **kv;
    size_t n;
};

struct cg_ydoc {
    char *name;             /* file name used in messages */
    struct cg_ynode *root;  /* NULL for an empty document */
    struct cg_ynode *nodes; /* private: all nodes, freed with the document */
    size_t nnodes;
};

/* Loads a file / a buffer. On error returns CG_EPARSE (CG_EIO, CG_ENOMEM) and
 * appends one "name:line:column: message\n" line to err. */
int cg_yaml_load_file(const char *path, struct cg_ydoc **out, struct cg_buf *err);
int cg_yaml_load_mem(const char *name, const char *s, size_t n, struct cg_ydoc **out,
                     struct cg_buf *err);
void cg_ydoc_free(struct cg_ydoc *doc);

/* A digest of a node and everything below it: node types, scalar texts and whether they
 * were quoted, in document order; positions and comments do not count. Equal for equal
 * trees; an edit changes it (not a defence against a chosen collision). 0 for NULL. */
uint64_t cg_yaml_digest(const struct cg_ynode *n);

/* Value of key in a mapping, or NULL (also when map is not a mapping). */
const struct cg_ynode *cg_yaml_map_get(const struct cg_ynode *map, const char *key);

/* Appends "name:line:column: message\n" for node (or name: message without node). */
void cg_yaml_error(struct cg_buf *err, const struct cg_ydoc *doc, const struct cg_ynode *node,
                   const char *fmt, ...) CG_PRINTF(4, 5);

/* cg_yaml_error with a va_list, for modules that wrap it with their own counting. */
void cg_yaml_verror(struct cg_buf *err, const struct cg_ydoc *doc, const struct cg_ynode *node,
                    const char *fmt, va_list ap);

#endif
