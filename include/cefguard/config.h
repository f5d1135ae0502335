/*
 * config.h - the service's configuration file: one YAML document whose keys are read through
 * option tables (options.h), so that every setting is declared once - its name, type,
 * range, default, whether a reload may change it and its help - and `cefguard check -c`
 * reports a bad one at file:line:column.
 *
 *   # top level: the options of the command (`cefguard run --help` lists them)
 *   state-dir: /var/lib/cefguard
 *   rules: [/etc/cefguard/rules]
 *   inputs:                      # NAME: {type: TYPE, the type's options}
 *     udp: {type: udp, listen: "127.0.0.1:5514"}
 *     tcp: {type: tcp, listen: "127.0.0.1:5514", max-connections: 200}
 *   sinks:
 *     stdout: {type: jsonl, path: "-"}
 *
 * A top-level key is an entry of the caller's option table (for the caller's command) and
 * is stored in the caller's struct, as the same option on the command line would be; a list
 * option takes a YAML sequence or one scalar. `inputs` and `sinks` are mappings of names
 * (letters, digits, '-', '_'; at most 32) to mappings whose `type` picks an entry of the
 * type registry (struct cg_config_type: the source or sink ops, its option table and the
 * size of its conf struct) and whose other keys are that type's options, stored in a conf
 * struct of the type's own that the configuration allocates (defaults first). Every conf
 * struct begins with `const char *name`, which the configuration sets to the item's name.
 *
 * Overrides (`--set KEY=VALUE`, applied after the file, in order): KEY is a top-level option
 * (`max-line=4096`; a list option is replaced by the one value), `inputs.NAME.OPTION` /
 * `sinks.NAME.OPTION` (`inputs.udp.listen=127.0.0.1:0`; a NAME the file does not have makes
 * a new item, whose `type` must be set first: `--set inputs.tls.type=tls`), or
 * `inputs.NAME=off` (removes the item).
 *
 * Strings: the confs point into the document, into the --set texts (copied) and into
 * what the caller's argv holds; all of it lives as long as the struct cg_config.
 */
#ifndef CEFGUARD_CONFIG_H
#define CEFGUARD_CONFIG_H

#include "cefguard/buf.h"
#include "cefguard/options.h"
#include "cefguard/sink.h"
#include "cefguard/source.h"

struct cg_ydoc;

#define CG_CONFIG_NAME_MAX 32

/* A kind of input or sink the configuration can declare. */
struct cg_config_type {
    const char *name;                   /* "udp", "jsonl" */
    const struct cg_source_ops *source; /* an input type: its ops (sink NULL) */
    const struct cg_sink_ops *sink;     /* a sink type: its ops (source NULL) */
    const struct cg_opt_table *options; /* its options: command bit 0 */
    size_t conf_size;                   /* its conf struct, which begins with const char *name */
    const struct cg_counter_table *counters; /* what an instance counts (the reference) */
    /* NULL, or: checks a conf beyond its table (files it names, combinations) without
     * opening anything for good; CG_OK, or an error with one message line in err. */
    int (*check)(const void *conf, struct cg_buf *err);
};

/* One declared input or sink. */
struct cg_config_item {
    const char *name;                  /* its key under inputs/sinks */
    const struct cg_config_type *type; /* NULL until `type` is given (a --set in progress) */
    void *conf;                        /* type->conf_size bytes, owned */
    unsigned line, col;                /* where it was declared (0: on the command line) */
};

struct cg_config_items {
    struct cg_config_item *v;
    size_t n, cap;
};

struct cg_config {
    const char *path; /* the file read ("<default>" for the bundled configuration) */
    struct cg_config_items inputs, sinks;
    /* the caller's table and struct for the top level */
    const struct cg_opt_table *top;
    unsigned command;
    void *top_conf;
    /* the registry of types */
    const struct cg_config_type *types;
    size_t ntypes;
    /* what the strings point into */
    struct {
        struct cg_ydoc **v;
        size_t n, cap;
    } docs;
    struct {
        char **v;
        size_t n, cap;
    } texts;
};

/* Starts an empty configuration over the caller's option table (entries of command bit
 * `command` are the top-level keys) and struct (its defaults already stored), with the
 * registry of types. Nothing is allocated yet. */
void cg_config_init(struct cg_config *c, const struct cg_opt_table *top, unsigned command,
                    void *top_conf, const struct cg_config_type *types, size_t ntypes);
/* Frees the items, their confs (the lists in them: cg_opt_fini) and every document. The
 * caller's struct keeps its values, which may point into what was freed: fini it first. */
void cg_config_fini(struct cg_config *c);

/* Reads a configuration file (path) or, path NULL, the text (name names it in messages).
 * Every error is appended to err as "file:line:column: message" (all of them, not only the
 * first). CG_OK; CG_EPARSE (errors in err); CG_ENOENT (no such file) or CG_EIO (the file
 * does not read), with its name in err; CG_ENOMEM. */
int cg_config_read(struct cg_config *c, const char *path, const char *name, const char *text,
                   struct cg_buf *err);

/* Applies one override "KEY=VALUE" (see above). CG_OK; CG_EINVAL with
 * "--set KEY: message" in err; CG_ENOMEM. */
int cg_config_set(struct cg_config *c, const char *kv, struct cg_buf *err);

/* Checks what the file cannot say alone, once everything is applied: every item has a
 * type, and passes its type's check. CG_OK, or CG_EINVAL with a message per problem
 * ("file:line:col: inputs.NAME: ...", or "inputs.NAME: ..." for an item --set made). */
int cg_config_finish(struct cg_config *c, struct cg_buf *err);

/* The item of that name, or NULL. */
struct cg_config_item *cg_config_find(struct cg_config_items *l, const char *name);

/* The type of that name among sources (want_source) or sinks, or NULL. */
const struct cg_config_type *cg_config_type_find(const struct cg_config *c, const char *name,
                                                 bool want_source);

/* Whether o has the same value in two structs of its table (texts compared by content). */
bool cg_config_value_same(const struct cg_opt *o, const void *a, const void *b);
/* Whether two items have the same name, type and option values (a reload keeps the sink). */
bool cg_config_item_same(const struct cg_config_item *a, const struct cg_config_item *b);

/* Appends a Markdown reference of every type's options and counters: tables per type. */
int cg_config_markdown(const struct cg_config_type *types, size_t ntypes, struct cg_buf *out);

#endif
