/*
 * counters.h - a counter table describes a stats struct once: each entry has the
 * counter's stable name, its kind, a help line and where its uint64_t lives (an offset
 * into the struct). The "name value" lines of --stats, the Markdown reference and (later)
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

#endif
