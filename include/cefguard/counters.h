/*
 * counters.h - a counter table describes a stats struct once: each entry has the
 * counter's stable name, its kind, a help line and where its uint64_t lives (an offset
 * into the struct). The "name value" lines of --stats, the Markdown reference and the
 * Prometheus metrics, whose "# HELP" lines are the help texts, are all written from it.
 *
 * An entry can stand for an array of counters: elem names element i, and the entry
 * gives one counter per i in [first, end), named "<name>.<elem(i)>" ("format.cef"),
 * the help of the family shared by all of them.
 */
#ifndef CEFGUARD_COUNTERS_H
#define CEFGUARD_COUNTERS_H

#include "cefguard/buf.h"
#include "cefguard/common.h"

enum cg_counter_kind {
    CG_COUNTER_TOTAL = 0, /* only ever grows (a Prometheus counter) */
    CG_COUNTER_GAUGE,     /* goes up and down (a Prometheus gauge) */
};

struct cg_counter {
    const char *name; /* "lines", "drop.lines_cut"; an array's family: "format" */
    enum cg_counter_kind kind;
    size_t offset;    /* of the uint64_t in the stats struct (an array: of element 0) */
    const char *help; /* one line, no final period: what is counted, and when */
    const char *(*elem)(unsigned i); /* arrays: the name of element i; NULL: one counter */
    unsigned first, end;             /* arrays: the elements written */
};

struct cg_counter_table {
    const struct cg_counter *v;
    size_t n;
};

const char *cg_counter_kind_name(enum cg_counter_kind k); /* "counter", "gauge" */

/* Appends "name value\n" for every counter of the table, in table order (arrays element
 * by element), the values read from stats (a struct the table describes). */
int cg_counters_write(const struct cg_counter_table *t, const void *stats, struct cg_buf *out);

/* Appends "name  help" lines (arrays element by element), names padded to one column. */
int cg_counters_help(const struct cg_counter_table *t, struct cg_buf *out);

/* Appends a Markdown table: counter, kind, description (an array as one row,
 * "`format.*`", its element names listed). */
int cg_counters_markdown(const struct cg_counter_table *t, struct cg_buf *out);

/*
 * Prometheus text exposition format 0.0.4 (what `GET /metrics` answers).
 *
 * Each counter of a table is one sample of the metric family "cefguard_" + prefix + name
 * ("format.cef" with prefix "input." is cefguard_input_format_cef), every byte outside
 * [A-Za-z0-9_:] written as '_' ('.' and '-' mostly), counters (CG_COUNTER_TOTAL) with the
 * suffix "_total". A family is written as one group: "# HELP name help" (the table's help,
 * '\' and newline escaped), "# TYPE name counter|gauge", then its samples
 * "name{labels} value", one per table that had it. The format wants every family in one
 * group, and the service writes many tables with the same names (every input's
 * "received", with labels input="udp", input="tcp"), so a writer (struct
 * cg_prom_writer) collects the samples of every table first and writes the families at
 * the end, in the order their first sample came, each with the HELP and TYPE of its first
 * table. cg_counters_prometheus is the writer for a single table.
 *
 * Labels are text built with cg_prom_label (name="value", escaped, comma-separated);
 * NULL or "" is no label. The writer does not check that two samples of a family have
 * different labels: the caller labels each table it adds apart (input="NAME").
 */

/* Appends the label name="value" to labels (a ',' first when labels is not empty), the
 * value escaped as the format says ('\', '"' and newline backslash-escaped); value is
 * untrusted text (an input's name from a configuration file), UTF-8 as the format wants
 * (libyaml has checked a configuration file's; other bytes pass as they are).
 * CG_OK; CG_EINVAL when name is not a label name ([A-Za-z_][A-Za-z0-9_]*, not starting
 * "__"); CG_ENOMEM. */
int cg_prom_label(struct cg_buf *labels, const char *name, const char *value);

struct cg_prom_family; /* private to counters.c */

/* Collects samples of families until finish; one scrape. _init/_fini. */
struct cg_prom_writer {
    struct cg_prom_family *v; /* in the order first seen */
    size_t n, cap;
};

void cg_prom_writer_init(struct cg_prom_writer *w);
void cg_prom_writer_fini(struct cg_prom_writer *w);

/* Adds a sample for every counter of t (arrays element by element), values read from
 * stats, with the given prefix ("" or NULL: none; "input.") and labels. CG_OK; CG_EINVAL
 * when a family seen before had the other kind (a gauge "x_total" and a counter "x": the
 * names would collide), nothing of t added after that counter; CG_ENOMEM. */
int cg_prom_writer_add(struct cg_prom_writer *w, const struct cg_counter_table *t,
                       const void *stats, const char *prefix, const char *labels);

/* Adds one sample that no table describes (a gauge the caller computes: a bound port, an
 * uptime): name as a table's ("input.port", mangled and prefixed with "cefguard_" the same
 * way), help copied. Same returns as cg_prom_writer_add. */
int cg_prom_writer_sample(struct cg_prom_writer *w, const char *name, enum cg_counter_kind kind,
                          const char *help, const char *labels, uint64_t value);

/* Appends every family collected, HELP, TYPE and samples, to out. CG_OK or CG_ENOMEM.
 * The writer keeps its families: finish again writes the same text. */
int cg_prom_writer_finish(const struct cg_prom_writer *w, struct cg_buf *out);

/* One table as a whole exposition: init, add, finish and fini of a writer. */
int cg_counters_prometheus(const struct cg_counter_table *t, const void *stats, const char *prefix,
                           const char *labels, struct cg_buf *out);

#endif
