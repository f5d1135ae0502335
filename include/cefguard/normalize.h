/*
 * normalize.h - normalize stage: liblognorm rulebases for vendor lines that are
 * not CEF/LEEF.
 *
 * Rulebases are liblognorm v2 files ("version=2"). Several may be loaded; each
 * file gets its own liblognorm context (2.0.6 cannot merge files into one), and
 * the files are tried in load order: the first file with a matching rule wins.
 * The text a rulebase sees is "TAG: MSG" as the sender wrote it: for RFC 3164 the
 * bytes from the tag to the end of the line; for RFC 5424 "APP-NAME: MSG" (or MSG
 * when APP-NAME is nil); for a line without a syslog header the whole line.
 *
 * Mapping of liblognorm's JSON into the event: the keys "vendor", "product",
 * "product_version", "event_id", "name", "severity" fill the event's header
 * (set them with annotate=TAG:+vendor="..." or parse them); every other key goes
 * to fields with its name; nested objects are flattened with '.', arrays with
 * ".<index>"; numbers and booleans keep their JSON text; "event.tags" and
 * liblognorm's own "originalmsg"/"unparsed-data" are not fields. Pair lists
 * ("kv", "kv_*") and the "<key>_from" / "<key>_fmt" directives rules set with
 * annotate= are described in rules/lognorm/README.md.
 * Directives by field-name suffix, done natively after liblognorm matched (see
 * rules/lognorm/README.md): "*_xml" values get XML entities decoded, "*_kvlist"
 * ("Label: value,..." as SEPM writes) and "*_xmlflat" (a flat XML document, ePO)
 * are split into fields; a value that does not split makes the rule not match.
 *
 * The liblognorm context never leaves src/normalize/, its JSON objects never leave
 * src/normalize/lognorm.c.
 */
#ifndef CEFGUARD_NORMALIZE_H
#define CEFGUARD_NORMALIZE_H

#include "cefguard/buf.h"
#include "cefguard/event.h"

struct cg_normalizer;

/* Returns NULL when out of memory. */
struct cg_normalizer *cg_normalizer_new(void);
void cg_normalizer_free(struct cg_normalizer *nz);

/* Loads one rulebase file. On failure returns CG_EPARSE (or CG_ENOENT/CG_EIO)
 * and appends "file:line:column: message" lines to err. */
int cg_normalizer_load(struct cg_normalizer *nz, const char *path, struct cg_buf *err);

/* Loads every *.rulebase file of a directory, in name order. */
int cg_normalizer_load_dir(struct cg_normalizer *nz, const char *dir, struct cg_buf *err);

size_t cg_normalizer_nrulebases(const struct cg_normalizer *nz);

/* For an event that decode left raw with CG_REJ_NO_DECODER: tries the rulebases and
 * on a match sets format CG_FMT_LOGNORM, the header values and the fields (copied
 * into ev->arena). Then, for every event, resolves the subject. nz may be NULL
 * (no rulebases). Never fails: out of memory leaves the event raw. */
void cg_normalize(struct cg_normalizer *nz, struct cg_event *ev);

#endif
