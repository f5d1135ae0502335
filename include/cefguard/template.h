/*
 * template.h - alert summaries: text with {path} placeholders.
 *
 *   "Pattern update failed on {fields.target}: {joined.fields.msg}"
 *
 * A placeholder is an event path (path.h), read from the event that completed
 * the rule, or joined.<path> (the joined event), or one of: {rule} {kind}
 * (alert, silence, cleared, suppressed) {count} {suppressed} {key} {values}
 * (threshold distinct values, comma-separated) {response} (what became of the rule's
 * response: "quarantine of web-01 requested", "quarantine refused (subject_fallback:
 * dsm01)"; missing when the alert requests nothing).
 * A missing value renders as "-". "{{" and "}}" are literal braces.
 */
#ifndef CEFGUARD_TEMPLATE_H
#define CEFGUARD_TEMPLATE_H

#include "cefguard/buf.h"
#include "cefguard/event.h"
#include "cefguard/yamltree.h"

struct cg_template;

/* What a template can refer to when it is rendered. */
struct cg_template_ctx {
    const char *rule;
    const char *kind; /* alert kind name */
    uint64_t count;
    uint64_t suppressed;
    struct cg_str key;       /* the key values joined by ", " */
    struct cg_str values;    /* distinct values joined by ", " */
    struct cg_str response;  /* the response as text (unset: none) */
    struct cg_event *event;  /* the event that completed the rule (may be NULL) */
    struct cg_event *joined; /* may be NULL */
};

/* Compiles node (a scalar). CG_OK or CG_EPARSE with a positioned message. */
int cg_template_compile(const struct cg_ydoc *doc, const struct cg_ynode *node,
                        struct cg_template **out, struct cg_buf *err);
void cg_template_free(struct cg_template *t);
/* Appends the rendered text to out (raw bytes; the caller escapes for JSON). */
int cg_template_render(const struct cg_template *t, const struct cg_template_ctx *ctx,
                       struct cg_buf *out);

#endif
