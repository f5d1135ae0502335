/*
 * prefilter.c - which lines the rules of a rulebase file can match at all (see
 * normalize_int.h). A line that no rule of the file can match is not handed to liblognorm,
 * which builds an error object with two copies of the line for every miss. The conditions
 * are read from the rule lines when the file is loaded; anything this scan does not fully
 * understand turns the filter off for the file: it may only ever be too wide, never too
 * narrow.
 */
#include "normalize_int.h"

#include "cefguard/vec.h"

#include <stdlib.h>

void cg_nz_prefilter_free(struct nz_base *b)
{
    for (size_t i = 0; i < b->nneed; i++) {
        free(b->need[i].pfx);
        free(b->need[i].req);
    }
    free(b->need);
    b->need = NULL;
    b->nneed = 0;
}

/* Skips a JSON object at p ('{'), strings and nesting included; NULL if it does not end. */
static const char *nz_skip_json(const char *p)
{
    int depth = 0;
    bool str = false;
    for (; *p && *p != '\n'; p++) {
        if (str) {
            if (*p == '\\' && p[1] && p[1] != '\n')
                p++;
            else if (*p == '"')
                str = false;
        } else if (*p == '"') {
            str = true;
        } else if (*p == '{') {
            depth++;
        } else if (*p == '}' && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

/* Skips a field "%name:type%", "%name:type{json}%" or "%{json}%" at p (the '%'); returns
 * the byte after its closing '%', NULL if this scan does not understand it. */
static const char *nz_skip_field(const char *p)
{
    p++;
    while (*p && *p != '%' && *p != '{' && *p != '\n')
        p++;
    if (*p == '{')
        p = nz_skip_json(p);
    return p && *p == '%' ? p + 1 : NULL;
}

/* The conditions of one rule line. pfx: the literal the rule starts with, cut at the first
 * field, "%%", backslash (an escape) or whitespace (which liblognorm may trim). req, for a
 * rule that starts with a field: the longest literal run between two fields (cut at a
 * backslash), which a matching line must contain somewhere. Shorter is always correct:
 * the filter may only ever be too wide, never too narrow. False when the rule has no
 * condition this scan can vouch for. */
static bool nz_rule_need(const char *line, const char **pfx, size_t *npfx, const char **req,
                         size_t *nreq)
{
    const char *p = strchr(line + 5, ':'); /* after "rule=" and the tags */
    if (!p)
        return false;
    p++;
    *pfx = p;
    *npfx = strcspn(p, "%\\ \t\r\n");
    *req = NULL;
    *nreq = 0;
    if (*npfx)
        return true;
    while (*p && *p != '\n') {
        const char *run = p;
        while (*p && *p != '%' && *p != '\n')
            p++;
        if (*p != '%')
            break; /* the last run: liblognorm may trim its end */
        if (p[1] == '%')
            return *nreq != 0; /* "%%": a literal '%'; keep it simple */
        size_t n = strcspn(run, "%\\");
        if ((p = nz_skip_field(p)) == NULL)
            return *nreq != 0;
        if (n > *nreq && run != *pfx) { /* a literal run with a field after it */
            *req = run;
            *nreq = n;
        }
    }
    return *nreq != 0;
}

/* How common a byte is in log text, roughly (lower: rarer): punctuation such as '[' is
 * rarest, then capitals and digits, then lower-case letters by their English frequency,
 * then separators and the space. Only speed depends on it. */
static int nz_byte_rank(unsigned char c)
{
    static const char common[] = " ,:.=-/etaoinsrhldcumfpgwybvkxjqz";
    const char *p = c ? strchr(common, c) : NULL;
    if (p)
        return 100 - (int)(p - common);
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 50;
    return 0;
}

static int nz_add_need(struct nz_base *b, const char *pfx, size_t npfx, const char *req,
                       size_t nreq, size_t *cap)
{
    for (size_t i = 0; i < b->nneed; i++) {
        const struct nz_need *d = &b->need[i];
        if (strlen(d->pfx) == npfx && strncmp(d->pfx, pfx, npfx) == 0 && strlen(d->req) == nreq &&
            strncmp(d->req, req ? req : "", nreq) == 0)
            return CG_OK; /* the same condition as another rule's */
    }
    if (cg_vec_reserve_ptr(&b->need, cap, sizeof(*b->need), b->nneed + 1) != CG_OK)
        return CG_ENOMEM;
    struct nz_need *d = &b->need[b->nneed];
    d->pfx = strndup(pfx, npfx);
    d->req = strndup(req ? req : "", nreq);
    d->npfx = npfx;
    d->nreq = nreq;
    d->anchor = 0;
    if (!d->pfx || !d->req) {
        free(d->pfx);
        free(d->req);
        return CG_ENOMEM;
    }
    for (size_t i = 1; i < nreq; i++) {
        if (nz_byte_rank((unsigned char)d->req[i]) < nz_byte_rank((unsigned char)d->req[d->anchor]))
            d->anchor = i;
    }
    b->nneed++;
    return CG_OK;
}

static bool nz_blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

static bool nz_scan_rule(struct nz_base *b, const char *line, size_t *cap)
{
    const char *pfx, *req;
    size_t npfx, nreq;
    return nz_rule_need(line, &pfx, &npfx, &req, &nreq) &&
           nz_add_need(b, pfx, npfx, req, nreq, cap) == CG_OK;
}

bool cg_nz_prefilter_line(struct nz_base *b, const char *line, size_t *cap)
{
    if (strncmp(line, "rule=", 5) == 0)
        return nz_scan_rule(b, line, cap);
    if (strncmp(line, "prefix=", 7) == 0)
        return nz_blank(line + 7); /* "prefix=" alone resets the prefix */
    return strncmp(line, "include=", 8) != 0 && strncmp(line, "extendprefix=", 13) != 0;
}
