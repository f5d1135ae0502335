/*
 * normalize.c - liblognorm rulebases for vendor lines that are not CEF/LEEF, the mapping of
 * their JSON into the event (see normalize.h). The subject is resolved lazily by
 * the event model (event.c).
 *
 * One liblognorm context per rulebase file, tried in load order: liblognorm 2.0.6 cannot
 * merge files into one context. After the first file is loaded its parse DAG is optimised
 * (literal chains compacted), and a rule of a later file that shares a literal prefix with
 * it is never reached ("foo %x:word% bar" in a.rulebase hides "foo %y:number% baz" in
 * b.rulebase). Rules of one file are merged correctly.
 *
 * liblognorm reports load errors only through its error callback, and in 2.0.6 it hands the
 * callback the *debug* cookie (ln_errprintf passes ctx->dbgCookie), so both cookies are set.
 * Some syntax errors only drop the rule and ln_loadSamples still returns 0: any message
 * during a load therefore fails the load.
 *
 * Speed (liblognorm is the recogniser; the costly parts are done here, with the same
 * output): a prefilter skips files whose rules cannot match a line; annotate= lines are
 * applied here rather than by liblognorm, which builds JSON strings for them on every line
 * (struct nz_tagann); long lists are read by a rule as one value and split here by the
 * "_kvlist" / "_xmlflat" directives instead of a liblognorm "repeat" over a user-defined
 * type (tens of microseconds per line, and leaks). The splitters compare each label or tag
 * with the one met at the same position of the line before (struct nz_memo) and take the
 * common forms in tight loops (nz_kvl_run, nz_xtag_fast); fields are added with a filter of
 * the list's key hashes (cg_fields_add_filtered) so that most adds skip the duplicate scan.
 *
 * Output mapping (the contract for rulebase writers is rules/lognorm/README.md):
 *   - header keys (vendor, product, product_version, event_id, name, severity) fill the
 *     event header; "event.tags", "originalmsg", "unparsed-data" are dropped;
 *   - "<target>_from" = "key1,key2": the first present, non-empty field becomes <target>
 *     (a header key, or a field such as "subject"); "<target>_fmt" = "text ${key} text"
 *     builds <target> from fields. These directives come from annotate= lines; they are
 *     applied after all fields, and never overwrite a value the rule set itself;
 *   - "kv" / "kv_*" arrays are pair lists: elements {"name","value"} become fields named
 *     snake_case(name); {"cont"} continues the previous value after ", "; {"value"} alone
 *     is an unlabelled piece ("unlabeled.<n>", or "Label:" with an empty value);
 *     {"name","attrs":[pairs]} gives "<name>.<attr>" fields (XML attributes);
 *   - a string named "<name>_kvlist" is a SEPM-style "Label: value,..." list and one named
 *     "<name>_xmlflat" an XML document: split here into the same pairs (nz_kvlist,
 *     nz_xmlflat); a value that does not split means the rule did not match;
 *   - a key ending in "_xml" holds XML text: entities are decoded in its values and the
 *     suffix is dropped from the field name;
 *   - everything else is flattened: objects with '.', arrays with ".<index>".
 * liblognorm builds objects back to front, so members are visited in reverse: fields then
 * come out in the order of the text.
 *
 * One normalizer per thread: ln_normalize updates statistics inside the context, and the
 * snake_case cache and the memo of the splitters are the normalizer's.
 */
#include "cefguard/normalize.h"
#include "cefguard/textutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <liblognorm.h>

/* The few small helpers of the per-field path are inlined whatever the compiler's estimate
 * (measured: their calls were a tenth of the cost of a split), the rare paths kept apart. */
#if defined(__GNUC__)
#define NZ_NOINLINE __attribute__((noinline))
#define NZ_INLINE inline __attribute__((always_inline))
#else
#define NZ_NOINLINE
#define NZ_INLINE inline
#endif

#define NZ_KEY_MAX 256       /* bytes of a field key built by flattening or snake_case */
#define NZ_DEPTH_MAX 8       /* nesting levels flattened; deeper values are dropped */
#define NZ_DIRECTIVES_MAX 16 /* _from/_fmt directives per match */
#define NZ_ERRMSG_MAX 400    /* bytes of one liblognorm message copied to err */

/* A rule as the prefilter sees it: a line can only match it when the line starts with
 * pfx and contains req (either may be empty: no condition). */
struct nz_need {
    char *pfx;
    char *req;
    size_t npfx, nreq;
    size_t anchor; /* the byte of req looked for first: the rarest in log text (a guess) */
};

/* A constant field of a rule's tag: annotate=TAG:+NAME="VALUE". */
struct nz_annot {
    char *tag;
    char *name;
    struct cg_str value;
};

/* What a top-level key with a string value does (nz_key_role); an annotation's is worked
 * out once, when the file is loaded. */
enum {
    NZ_ROLE_DROP,    /* event.tags, originalmsg, unparsed-data */
    NZ_ROLE_FROM,    /* <target>_from: len is the target's length, hdr its header index */
    NZ_ROLE_FMT,     /* <target>_fmt */
    NZ_ROLE_KVLIST,  /* <name>_kvlist */
    NZ_ROLE_XMLFLAT, /* <name>_xmlflat */
    NZ_ROLE_HEADER,  /* hdr is the index of the header key */
    NZ_ROLE_XML,     /* <key>_xml: a field of len bytes, entities decoded */
    NZ_ROLE_FIELD,   /* a field of len bytes */
};

struct nz_role {
    int role;
    int hdr;
    size_t len;
};

static struct nz_role nz_key_role(const char *key, size_t klen);

/* An annotation as it lands in an event's JSON. */
struct nz_av {
    const char *name;
    size_t nlen;
    struct cg_str value;
    struct nz_role role;
};

/* The annotations of one tag as liblognorm adds them to an event: its annotate= lines last
 * first, with json_object_object_add, so a name that comes again keeps the place where it
 * first landed and takes the new value. nz_map visits the members of the object
 * last-added first: the annotations come before the parsed fields, in file order, and one
 * named like a member the rule parsed takes that member's place. Reproduced without
 * building the JSON (nz_annotate). */
struct nz_tagann {
    const char *tag;
    struct nz_av *v; /* in the order they land, with their final values */
    size_t n;
    uint64_t lens; /* the lengths of their names, as bits (nz_len_bit) */
};

/* A bit for a name length (63 for all longer ones): a set of lengths in one word. */
static uint64_t nz_len_bit(size_t n)
{
    return (uint64_t)1 << (n < 63 ? n : 63);
}

/* The labels and tags a list split (_kvlist, _xmlflat) met at each position of the last line
 * it split, with their keys. A source writes the same labels in the same order on line after
 * line, so the bytes at a position are first compared with what was seen there before: one
 * compare instead of a scan, a snake_case cache lookup and the checks of the general reader.
 * A match is only taken where the general reader would read the same bytes the same way (see
 * nz_kvl_run, nz_xmemo_tag); only speed depends on the memo. */
#define NZ_MEMO_MAX 64 /* positions remembered per kind of list */

struct nz_memo_ent {
    unsigned char llen, klen; /* llen 0: empty; klen 0: the key is not known */
    unsigned char kind;       /* what label holds (XML): NZ_MK_* */
    char label[32];
    char key[32]; /* the field key of a pair with that label, as added */
};

enum {
    NZ_MK_NAME,  /* a name or label that holds no stop byte of its list (see key) */
    NZ_MK_OPEN,  /* "T>" of an opening tag directly followed by another tag (not "</") */
    NZ_MK_CLOSE, /* "/...>" of a closing tag, with a byte that is not NUL after the '/' */
};

struct nz_memo {
    struct nz_memo_ent kvl[NZ_MEMO_MAX], xml[NZ_MEMO_MAX];
};

/* A rulebase: its context and its prefilter. A line that no rule of the file can match is
 * not handed to liblognorm, which builds an error object with two copies of the line for
 * every miss. When ann is set, liblognorm got the file with its annotate= lines commented
 * out, and they are applied here (nz_annotate): liblognorm builds a JSON string per
 * annotation and line, which cost more than the rest of a match. */
struct nz_base {
    ln_ctx ctx;
    char *path;
    struct nz_need *need; /* one per distinct rule condition; NULL = no prefilter, try all */
    size_t nneed;
    struct nz_annot *ann; /* in file order; NULL = liblognorm applies them */
    size_t nann;
    struct nz_tagann *tags; /* the annotations grouped by tag */
    size_t ntags;
    size_t longest; /* the longest line of the file: bounds any literal of its rules */
};

struct cg_normalizer {
    struct nz_base *v;
    size_t n;
    size_t cap;
    struct nz_snake_cache *snake; /* NULL until a rule matched, or when out of memory */
    size_t pad; /* zero bytes after the text handed to liblognorm: the longest base line */
};

/* ---- prefilter ---------------------------------------------------------------------- */

static void nz_free_needs(struct nz_base *b)
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

/* Whether text contains d->req: memchr for its anchor byte, then a compare. */
static bool nz_has_req(const struct nz_need *d, struct cg_str text)
{
    size_t a = d->anchor, nr = d->nreq;
    if (text.n < nr)
        return false;
    const char *p = text.p + a, *last = text.p + (text.n - nr) + a;
    while (p <= last && (p = memchr(p, d->req[a], (size_t)(last - p) + 1)) != NULL) {
        if (memcmp(p - a, d->req, nr) == 0)
            return true;
        p++;
    }
    return false;
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
    if (b->nneed == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        struct nz_need *v = realloc(b->need, nc * sizeof(*v));
        if (!v)
            return CG_ENOMEM;
        b->need = v;
        *cap = nc;
    }
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

static bool nz_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static bool nz_scan_rule(struct nz_base *b, const char *line, size_t *cap)
{
    const char *pfx, *req;
    size_t npfx, nreq;
    return nz_rule_need(line, &pfx, &npfx, &req, &nreq) &&
           nz_add_need(b, pfx, npfx, req, nreq, cap) == CG_OK;
}

static void nz_free_annots(struct nz_base *b)
{
    for (size_t i = 0; i < b->nann; i++) {
        free(b->ann[i].tag);
        free(b->ann[i].name);
        free((char *)b->ann[i].value.p);
    }
    for (size_t i = 0; i < b->ntags; i++)
        free(b->tags[i].v);
    free(b->ann);
    free(b->tags);
    b->ann = NULL;
    b->nann = 0;
    b->tags = NULL;
    b->ntags = 0;
}

/* Groups b->ann by tag (struct nz_tagann). False when out of memory. */
static bool nz_group_annots(struct nz_base *b)
{
    if (!(b->tags = calloc(b->nann, sizeof(*b->tags))))
        return false;
    for (size_t i = b->nann; i-- > 0;) { /* liblognorm: the last line first */
        const struct nz_annot *an = &b->ann[i];
        struct nz_tagann *g = b->tags;
        while (g < b->tags + b->ntags && strcmp(g->tag, an->tag) != 0)
            g++;
        if (g == b->tags + b->ntags) {
            if (!(g->v = calloc(b->nann, sizeof(*g->v))))
                return false;
            g->tag = an->tag;
            b->ntags++;
        }
        size_t k = 0;
        while (k < g->n && strcmp(g->v[k].name, an->name) != 0)
            k++;
        if (k == g->n) {
            g->v[g->n].name = an->name;
            g->v[g->n].nlen = strlen(an->name);
            g->v[g->n].role = nz_key_role(an->name, g->v[g->n].nlen);
            g->lens |= nz_len_bit(g->v[g->n].nlen);
            g->n++;
        }
        g->v[k].value = an->value;
    }
    return true;
}

/* What the scan of a rulebase file found. */
struct nz_scan_res {
    bool filter;   /* every rule has a condition (nz_need) */
    bool native;   /* annotate= lines can be applied here (nz_annot_line) */
    size_t annots; /* annotate= lines */
};

/* Reads the rule conditions of a file. Anything this scan does not fully understand (a
 * non-empty prefix=, include=, a rule without a condition, an overlong line) turns the
 * filter off for the file: the filter may only ever be too wide, never too narrow. */
static void nz_scan_line(struct nz_base *b, const char *line, size_t *cap, struct nz_scan_res *r)
{
    if (strncmp(line, "rule=", 5) == 0)
        r->filter = r->filter && nz_scan_rule(b, line, cap);
    else if (strncmp(line, "prefix=", 7) == 0)
        r->filter = r->filter && nz_blank(line + 7); /* "prefix=" alone resets the prefix */
    else if (strncmp(line, "include=", 8) == 0 || strncmp(line, "extendprefix=", 13) == 0)
        r->filter = false;
}

/* A name as liblognorm reads it in annotate= (isalnum, '_', '.'); its length. */
static size_t nz_annot_name(const char *p)
{
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
           (p[n] >= '0' && p[n] <= '9') || p[n] == '_' || p[n] == '.')
        n++;
    return n;
}

/* An annotate= line of exactly the form annotate=TAG:+NAME="VALUE" (the line ends at the
 * closing quote): stored in b->ann. False for any other form: then liblognorm applies the
 * file's annotations (the order of several operations on one line differs there). */
static bool nz_annot_line(struct nz_base *b, const char *line, size_t len, size_t *cap)
{
    const char *p = line + 9, *end = line + len; /* after "annotate=" */
    size_t tlen = nz_annot_name(p), nlen;
    if (!tlen || p[tlen] != ':' || p[tlen + 1] != '+')
        return false;
    const char *name = p + tlen + 2;
    if (!(nlen = nz_annot_name(name)) || name[nlen] != '=' || name[nlen + 1] != '"')
        return false;
    const char *val = name + nlen + 2, *q = memchr(val, '"', (size_t)(end - val));
    if (!q || q + 1 != end)
        return false;
    if (b->nann == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct nz_annot *v = realloc(b->ann, nc * sizeof(*v));
        if (!v)
            return false;
        b->ann = v;
        *cap = nc;
    }
    struct nz_annot *a = &b->ann[b->nann];
    a->tag = strndup(p, tlen);
    a->name = strndup(name, nlen);
    a->value = cg_str_make(strndup(val, (size_t)(q - val)), (size_t)(q - val));
    if (!a->tag || !a->name || !a->value.p) {
        free(a->tag);
        free(a->name);
        free((char *)a->value.p);
        return false;
    }
    b->nann++;
    return true;
}

/* Scans the file text (NUL-terminated, n bytes; the first line is "version=2"). For the
 * native annotations the file must also read the same from a string as from the file:
 * liblognorm's string reader crashes on a multi-line rule (an odd number of '%' on a
 * line), and include= is left to the file reader. */
static void nz_scan(struct nz_base *b, const char *text, size_t n, struct nz_scan_res *r)
{
    char line[4096];
    size_t ncap = 0, acap = 0;
    /* liblognorm's string reader stops at a NUL byte, its file reader does not */
    *r = (struct nz_scan_res){true, memchr(text, '\0', n) == NULL, 0};
    for (const char *p = text, *end = text + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p), pct = 0;
        for (size_t i = 0; i < len && p[0] != '#'; i++)
            pct += p[i] == '%';
        if (pct % 2 || (len >= 8 && memcmp(p, "include=", 8) == 0))
            r->native = false;
        if (len > b->longest)
            b->longest = len;
        if (len >= 9 && memcmp(p, "annotate=", 9) == 0) {
            r->annots++;
            r->native = r->native && nz_annot_line(b, p, len, &acap);
        }
        if (len >= sizeof(line)) {
            r->filter = false; /* longer than the buffer */
        } else {
            memcpy(line, p, len);
            line[len] = '\0';
            nz_scan_line(b, line, &ncap, r);
        }
        p += len + 1;
    }
    if (!r->filter || b->nneed == 0)
        nz_free_needs(b);
    if (!r->native || r->annots == 0 || !nz_group_annots(b))
        nz_free_annots(b);
}

static bool nz_may_match(const struct nz_base *b, struct cg_str text)
{
    if (!b->need)
        return true;
    for (size_t i = 0; i < b->nneed; i++) {
        const struct nz_need *d = &b->need[i];
        if (d->npfx && (text.n < d->npfx || text.p[0] != d->pfx[0] ||
                        memcmp(text.p + 1, d->pfx + 1, d->npfx - 1) != 0))
            continue; /* the first byte alone rules out most lines */
        if (d->nreq == 0 || nz_has_req(d, text))
            return true;
    }
    return false;
}

struct cg_normalizer *cg_normalizer_new(void)
{
    return calloc(1, sizeof(struct cg_normalizer));
}

void cg_normalizer_free(struct cg_normalizer *nz)
{
    if (!nz)
        return;
    for (size_t i = 0; i < nz->n; i++) {
        ln_exitCtx(nz->v[i].ctx);
        free(nz->v[i].path);
        nz_free_needs(&nz->v[i]);
        nz_free_annots(&nz->v[i]);
    }
    free(nz->v);
    free(nz->snake);
    free(nz);
}

size_t cg_normalizer_nrulebases(const struct cg_normalizer *nz)
{
    return nz ? nz->n : 0;
}

/* ---- loading ------------------------------------------------------------------------ */

struct nz_load {
    const char *path;
    const char *lnname; /* the name liblognorm gives the file in its messages */
    struct cg_buf *err;
    unsigned nerr;
};

/* Untrusted text (it may quote the rulebase, and 2.0.6 sometimes prints past the end of
 * its buffer) becomes printable ASCII. */
static void nz_put_sanitized(struct cg_buf *b, const char *s, size_t n)
{
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n > NZ_ERRMSG_MAX)
        n = NZ_ERRMSG_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        cg_buf_putc(b, (c < 0x20 || c >= 0x7f) ? '?' : (char)c);
    }
}

/* liblognorm writes "rulebase file PATH[LINE]: MESSAGE" during a load ("--NO-FILE--" for
 * PATH when it reads a string). It reports no column, so the column is 1. */
static void nz_put_lnerr(struct nz_load *ld, const char *msg, size_t len)
{
    static const char pfx[] = "rulebase file ";
    size_t plen = strlen(ld->lnname), i = sizeof(pfx) - 1 + plen + 1;
    long line = 0;
    const char *text = msg;
    if (len > i && memcmp(msg, pfx, sizeof(pfx) - 1) == 0 &&
        memcmp(msg + sizeof(pfx) - 1, ld->lnname, plen) == 0 && msg[i - 1] == '[') {
        size_t d = i;
        while (d < len && d - i < 9 && msg[d] >= '0' && msg[d] <= '9')
            line = line * 10 + (msg[d++] - '0');
        if (d + 2 <= len && d > i && msg[d] == ']' && msg[d + 1] == ':')
            text = msg + d + 2 + (d + 2 < len && msg[d + 2] == ' ');
        else
            line = 0;
    }
    if (line > 0)
        cg_buf_printf(ld->err, "%s:%ld:1: ", ld->path, line);
    else
        cg_buf_printf(ld->err, "%s: ", ld->path);
    nz_put_sanitized(ld->err, text, (size_t)(msg + len - text));
    cg_buf_putc(ld->err, '\n');
}

static void nz_errmsg_cb(void *cookie, const char *msg, size_t len)
{
    struct nz_load *ld = cookie;
    if (!ld)
        return; /* a message after loading: nothing to report it to */
    ld->nerr++;
    if (ld->err && msg)
        nz_put_lnerr(ld, msg, strnlen(msg, len));
}

static int nz_file_error(const char *path, const char *what, int e, struct cg_buf *err)
{
    if (err)
        cg_buf_printf(err, "%s: cannot %s rulebase: %s\n", path, what, strerror(e));
    return e == ENOENT ? CG_ENOENT : CG_EIO;
}

/* Reads the whole file, NUL-terminated, into *out (the caller frees it); *st identifies
 * the file. The text is scanned here and, in most cases, handed to liblognorm as is. */
static int nz_read_file(const char *path, struct cg_buf *err, char **out, size_t *n,
                        struct stat *st)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return nz_file_error(path, "open", errno, err);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int e = fstat(fileno(f), st) == 0 ? 0 : errno;
    while (e == 0) {
        if (cap - len < 4096) {
            char *nb = cap < SIZE_MAX / 4 ? realloc(buf, cap = cap ? cap * 2 : 16384) : NULL;
            if (!nb) {
                e = ENOMEM;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            e = ferror(f) ? (errno ? errno : EIO) : -1; /* -1: end of file */
    }
    fclose(f);
    if (e > 0 || !buf) {
        free(buf);
        return e == ENOMEM ? CG_ENOMEM : nz_file_error(path, "read", e > 0 ? e : EIO, err);
    }
    buf[len] = '\0';
    *out = buf;
    *n = len;
    return CG_OK;
}

/* Without "version=2" as its very first line, liblognorm would silently use its v1
 * engine. */
static int nz_check_version(const char *path, const char *text, size_t n, struct cg_buf *err)
{
    static const char v2[] = "version=2";
    size_t vl = sizeof(v2) - 1;
    if (n >= vl && memcmp(text, v2, vl) == 0 && (n == vl || text[vl] == '\n'))
        return CG_OK;
    if (err)
        cg_buf_printf(err,
                      "%s:1:1: not a liblognorm v2 rulebase: the first line must "
                      "be \"version=2\"\n",
                      path);
    return CG_EPARSE;
}

static int nz_reserve(struct cg_normalizer *nz)
{
    if (nz->n < nz->cap)
        return CG_OK;
    size_t cap = nz->cap ? nz->cap * 2 : 4;
    struct nz_base *v = realloc(nz->v, cap * sizeof(*v));
    if (!v)
        return CG_ENOMEM;
    nz->v = v;
    nz->cap = cap;
    return CG_OK;
}

/* Loads the rulebase into ctx with the error callback pointed at ld: from text (its
 * version line and annotate= lines commented out, line numbers kept) when the
 * annotations are applied here, else from the file. */
static int nz_ln_load(ln_ctx ctx, struct nz_load *ld, char *text, size_t n, bool native)
{
    if (native) {
        text[0] = '#';
        for (char *p = text; p && p < text + n; p = memchr(p, '\n', (size_t)(text + n - p))) {
            p += *p == '\n';
            if ((size_t)(text + n - p) >= 9 && memcmp(p, "annotate=", 9) == 0)
                p[0] = '#';
        }
    }
    ln_setErrMsgCB(ctx, nz_errmsg_cb, ld);
    ln_setDebugCB(ctx, NULL, ld); /* 2.0.6 passes this cookie; NULL cb keeps debug off */
    int rc = native ? ln_loadSamplesFromString(ctx, text) : ln_loadSamples(ctx, ld->path);
    ln_setErrMsgCB(ctx, nz_errmsg_cb, NULL); /* ld dies with our caller's frame */
    ln_setDebugCB(ctx, NULL, NULL);
    if (rc != 0 && ld->nerr == 0) {
        ld->nerr++;
        if (ld->err)
            cg_buf_printf(ld->err, "%s: rulebase did not load (liblognorm error %d)\n", ld->path,
                          rc);
    }
    return ld->nerr ? CG_EPARSE : CG_OK;
}

/* After liblognorm read the file itself: if it changed since it was scanned, the
 * prefilter may be wrong, so it is turned off. */
static void nz_check_unchanged(struct nz_base *b, const struct stat *scanned)
{
    struct stat st;
    if (stat(b->path, &st) != 0 || !nz_same_file(&st, scanned))
        nz_free_needs(b);
}

/* Sets up b (zeroed) for the file text: context, prefilter, annotations. */
static int nz_load_base(struct nz_base *b, const char *path, char *text, size_t n,
                        const struct stat *st, struct cg_buf *err)
{
    if ((b->path = strdup(path)) == NULL || (b->ctx = ln_initCtx()) == NULL)
        return CG_ENOMEM;
    struct nz_scan_res sr;
    nz_scan(b, text, n, &sr);
    bool native = b->ann != NULL;
    struct nz_load ld = {path, native ? "--NO-FILE--" : path, err, 0};
    int rc = nz_ln_load(b->ctx, &ld, text, n, native);
    if (rc == CG_OK && !native)
        nz_check_unchanged(b, st);
    return rc;
}

int cg_normalizer_load(struct cg_normalizer *nz, const char *path, struct cg_buf *err)
{
    struct stat st;
    char *text = NULL;
    size_t n = 0;
    int rc = nz_read_file(path, err, &text, &n, &st);
    if (rc == CG_OK && (rc = nz_check_version(path, text, n, err)) == CG_OK &&
        (rc = nz_reserve(nz)) == CG_OK) {
        struct nz_base *b = &nz->v[nz->n];
        memset(b, 0, sizeof(*b));
        rc = nz_load_base(b, path, text, n, &st, err);
        if (rc == CG_OK) {
            nz->n++;
            if (b->longest > nz->pad)
                nz->pad = b->longest;
        } else {
            if (b->ctx)
                ln_exitCtx(b->ctx);
            free(b->path);
            nz_free_needs(b);
            nz_free_annots(b);
        }
    }
    free(text);
    return rc;
}

static int nz_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool nz_is_rulebase_name(const char *name)
{
    static const char ext[] = ".rulebase";
    size_t n = strlen(name);
    return name[0] != '.' && n > sizeof(ext) - 1 && strcmp(name + n - (sizeof(ext) - 1), ext) == 0;
}

/* Collects the *.rulebase names of d (hidden files skipped), sorted. */
static int nz_list_dir(DIR *d, char ***out, size_t *nout)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!nz_is_rulebase_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nv = realloc(v, cap * sizeof(*nv));
            if (!nv)
                goto nomem;
            v = nv;
        }
        if ((v[n] = strdup(de->d_name)) == NULL)
            goto nomem;
        n++;
    }
    if (n)
        qsort(v, n, sizeof(*v), nz_cmp_names);
    *out = v;
    *nout = n;
    return CG_OK;
nomem:
    while (n)
        free(v[--n]);
    free(v);
    return CG_ENOMEM;
}

/* Loads every file; all errors are reported, the first one is returned. */
int cg_normalizer_load_dir(struct cg_normalizer *nz, const char *dir, struct cg_buf *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        if (err)
            cg_buf_printf(err, "%s: cannot open rulebase directory: %s\n", dir, strerror(e));
        return e == ENOENT ? CG_ENOENT : CG_EIO;
    }
    char **names = NULL;
    size_t n = 0;
    int rc = nz_list_dir(d, &names, &n);
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        struct cg_buf path;
        cg_buf_init(&path);
        struct stat st;
        int r = cg_buf_printf(&path, "%s/%s", dir, names[i]);
        if (r == CG_OK && stat(cg_buf_cstr(&path), &st) == 0 && S_ISREG(st.st_mode))
            r = cg_normalizer_load(nz, cg_buf_cstr(&path), err);
        if (rc == CG_OK)
            rc = r;
        cg_buf_fini(&path);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* ---- value helpers ------------------------------------------------------------------ */

/* Appends code point cp (valid, checked by the caller) as UTF-8. */
static size_t nz_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes "&#NN;" / "&#xNN;" at s (s[0] == '&', s[1] == '#'). Returns the length of the
 * reference and sets *cp, or 0 when it is not a reference to a legal XML character. */
static size_t nz_xml_charref(const char *s, size_t n, uint32_t *cp)
{
    size_t i = 2;
    int base = 10;
    if (i < n && s[i] == 'x') { /* XML allows only a lower-case x */
        base = 16;
        i++;
    }
    uint32_t v = 0;
    size_t start = i;
    for (; i < n && i - start < 8; i++) {
        int d = base == 16 ? cg_hex_digit(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
        if (d < 0)
            break;
        v = v * (uint32_t)base + (uint32_t)d;
    }
    if (i == start || i >= n || s[i] != ';')
        return 0;
    /* XML 1.0 Char production: no NUL, controls, surrogates, FFFE/FFFF, > 10FFFF. */
    bool legal = v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v <= 0xd7ff) ||
                 (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
    if (!legal)
        return 0;
    *cp = v;
    return i + 1;
}

/* Decodes the predefined entity at s, returning its length and the character, or 0. */
static size_t nz_xml_named(const char *s, size_t n, char *c)
{
    static const struct {
        const char *ent;
        size_t len;
        char c;
    } tab[] = {{"&amp;", 5, '&'},
               {"&lt;", 4, '<'},
               {"&gt;", 4, '>'},
               {"&quot;", 6, '"'},
               {"&apos;", 6, '\''}};
    for (size_t i = 0; i < CG_ARRAY_LEN(tab); i++) {
        if (n >= tab[i].len && memcmp(s, tab[i].ent, tab[i].len) == 0) {
            *c = tab[i].c;
            return tab[i].len;
        }
    }
    return 0;
}

/* Copies s into the arena, decoding XML entities: the five predefined ones and character
 * references. Anything else ("&nbsp;", an entity a DOCTYPE might define, a malformed or
 * illegal reference) is kept verbatim: definitions are never expanded. The output is never
 * longer than the input. */
static bool nz_xml_decode(struct cg_arena *a, const char *s, size_t n, struct cg_str *out)
{
    char *o = cg_arena_alloc(a, n ? n : 1);
    if (!o)
        return false;
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        memcpy(o + j, s + i, run);
        i += run;
        j += run;
        if (i >= n)
            break;
        uint32_t cp;
        char c;
        size_t len = (i + 1 < n && s[i + 1] == '#') ? nz_xml_charref(s + i, n - i, &cp) : 0;
        if (len) {
            j += nz_utf8(o + j, cp);
        } else if ((len = nz_xml_named(s + i, n - i, &c)) != 0) {
            o[j++] = c;
        } else {
            o[j++] = '&';
            len = 1;
        }
        i += len;
    }
    *out = cg_str_make(o, j);
    return true;
}

/* Text of a JSON scalar (numbers and booleans keep their JSON text), copied into the
 * arena and XML-decoded if xml. Returns false for null/object/array or out of memory. */
static bool nz_scalar(struct cg_arena *a, struct fjson_object *v, bool xml, struct cg_str *out)
{
    enum fjson_type t = fjson_object_get_type(v);
    if (t == fjson_type_null || t == fjson_type_object || t == fjson_type_array)
        return false;
    const char *s = fjson_object_get_string(v);
    if (!s)
        return false;
    size_t n = t == fjson_type_string ? (size_t)fjson_object_get_string_len(v) : strlen(s);
    if (xml && memchr(s, '&', n))
        return nz_xml_decode(a, s, n, out);
    char *d = cg_arena_dup(a, s, n);
    if (!d && n)
        return false;
    *out = cg_str_make(d ? d : "", n);
    return true;
}

static bool nz_isupper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool nz_islower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static bool nz_isdigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Field key from a label: "Computer name" -> computer_name, "File size (bytes)" ->
 * file_size_bytes, "TargetHostName" -> target_host_name, "IPAddress" -> ip_address,
 * "AnalyzerIPv4" -> analyzer_ipv4. ASCII letters are lowered; a word starts at a lower/
 * digit -> upper step, and at the last upper of an acronym followed by two lowers; other
 * ASCII bytes separate words; bytes >= 0x80 (UTF-8) are kept. Returns 0 when the result
 * is empty or longer than cap. */
static size_t nz_snake(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    bool sep = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool up = nz_isupper(c);
        if (!up && !nz_islower(c) && !nz_isdigit(c) && c < 0x80) {
            sep = o > 0;
            continue;
        }
        if (up && i > 0 && o > 0) {
            unsigned char p = (unsigned char)s[i - 1];
            bool acronym_end = nz_isupper(p) && i + 2 < n && nz_islower((unsigned char)s[i + 1]) &&
                               nz_islower((unsigned char)s[i + 2]);
            if (nz_islower(p) || nz_isdigit(p) || acronym_end)
                sep = true;
        }
        if (o + (sep ? 2 : 1) > cap)
            return 0;
        if (sep)
            out[o++] = '_';
        sep = false;
        out[o++] = up ? (char)(c + ('a' - 'A')) : (char)c;
    }
    return o;
}

/* The same through a small cache: a SEPM or ePO line has tens of labels, the same few
 * hundred names on every line. A slot (one cache line) holds a label of up to 32 bytes as
 * four words that cover all of it (with its length), and its key when that has at most 30
 * bytes; two slots per set, the older one replaced. Only constant-size copies: this is
 * measured to halve the cost of a label. One cache per normalizer (they are per thread). */
#define NZ_SNAKE_SETS 256 /* of two slots: 32 KB */

struct nz_snake_slot { /* 64 bytes */
    uint64_t w[4];
    unsigned char llen, klen; /* llen 0: empty */
    char key[30];
};

struct nz_snake_cache {
    struct nz_snake_slot v[NZ_SNAKE_SETS][2]; /* [0]: the most recently added */
    struct nz_memo memo;                      /* allocated with it: one allocation */
};

static bool nz_snake_hit(const struct nz_snake_slot *sl, size_t n, const uint64_t w[4])
{
    return sl->llen == n && sl->w[0] == w[0] && sl->w[1] == w[1] && sl->w[2] == w[2] &&
           sl->w[3] == w[3];
}

static NZ_INLINE uint64_t nz_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static NZ_INLINE uint32_t nz_load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Whether a[0..n) == b[0..n): memcmp without a call, for the short labels and names of tags.
 * Whole words are read, never a byte outside the n. */
static NZ_INLINE bool nz_same(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            if (nz_load8(a + i) != nz_load8(b + i))
                return false;
        }
        return nz_load8(a + n - 8) == nz_load8(b + n - 8);
    }
    if (n >= 4)
        return nz_load4(a) == nz_load4(b) && nz_load4(a + n - 4) == nz_load4(b + n - 4);
    unsigned d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* nz_snake(s, n, out, cap); room: bytes writable at out (>= cap). */
static size_t nz_snake_c(struct nz_snake_cache *c, const char *s, size_t n, char *out, size_t cap,
                         size_t room)
{
    if (!c || n == 0 || n > 32 || room < sizeof(c->v[0][0].key))
        return nz_snake(s, n, out, cap);
    /* bytes 0-7, 8-15 and 16-23 when the label is longer than 16 / 24, the last 8; a
     * label shorter than 8 bytes is one zero-padded word */
    uint64_t w0 = 0, w1 = 0, w2 = 0, w3;
    if (n >= 8) {
        w0 = nz_load8(s);
        w1 = n > 16 ? nz_load8(s + 8) : 0;
        w2 = n > 24 ? nz_load8(s + 16) : 0;
        w3 = nz_load8(s + n - 8);
    } else {
        for (size_t i = 0; i < n; i++)
            w0 |= (uint64_t)(unsigned char)s[i] << (8 * i);
        w3 = w0;
    }
    uint64_t w[4] = {w0, w1, w2, w3};
    uint64_t h = (w0 * 0x9e3779b97f4a7c15u) ^ (w3 * 0xc2b2ae3d27d4eb4fu) ^ (w1 + w2) ^ n;
    struct nz_snake_slot *set = c->v[((h * 0xff51afd7ed558ccdu) >> 56) % NZ_SNAKE_SETS];
    struct nz_snake_slot *sl = &set[0];
    if (!nz_snake_hit(sl, n, w) && !nz_snake_hit(sl = &set[1], n, w)) {
        size_t k = nz_snake(s, n, out, cap);
        if (k == 0 || k > sizeof(sl->key))
            return k; /* not kept: empty, or longer than a slot's key */
        set[1] = set[0];
        sl = &set[0];
        memcpy(sl->w, w, sizeof(w));
        sl->llen = (unsigned char)n;
        sl->klen = (unsigned char)k;
        memcpy(sl->key, out, k);
        return k;
    }
    if (sl->klen > cap)
        return 0;
    memcpy(out, sl->key, sizeof(sl->key)); /* the whole slot: a constant-size copy */
    return sl->klen;
}

/* ---- mapping ------------------------------------------------------------------------ */

struct nz_directive {
    const char *target; /* key prefix (valid until json_object_put) */
    size_t tlen;
    struct cg_str val; /* in the JSON or in the normalizer */
    bool fmt;          /* _fmt (template) or _from (list) */
    int hdr;           /* the header key the target is (nz_header_keys), -1 for a field */
};

struct nz_map {
    struct cg_event *ev;
    struct cg_fields_filter flt;  /* of ev->fields: adds skip most duplicate scans */
    struct nz_snake_cache *snake; /* NULL: none */
    struct nz_memo *memo;         /* NULL: none */
    char *kroom;                  /* free bytes in the arena where keys are written (nz_key_room) */
    size_t kfree;
    struct nz_directive dir[NZ_DIRECTIVES_MAX];
    size_t ndir;
    size_t last;      /* index in ev->fields of the last pair added, SIZE_MAX if none */
    size_t unlabeled; /* unlabelled pieces seen */
};

static const char *const nz_header_keys[] = {"vendor",   "product", "product_version",
                                             "event_id", "name",    "severity"};

/* The index in nz_header_keys of k, or -1. */
static int nz_header_index(const char *k, size_t n)
{
    int i;
    switch (n) { /* the header keys differ in length but for event_id and severity */
    case 4: i = 4; break;
    case 6: i = 0; break;
    case 7: i = 1; break;
    case 8: i = k[0] == 'e' ? 3 : 5; break;
    case 15: i = 2; break;
    default: return -1;
    }
    return nz_same(k, nz_header_keys[i], n) ? i : -1;
}

static struct cg_str *nz_header_at(struct cg_event *ev, int i)
{
    struct cg_str *slots[] = {&ev->vendor,   &ev->product, &ev->product_version,
                              &ev->event_id, &ev->name,    &ev->severity};
    return i >= 0 && i < (int)CG_ARRAY_LEN(slots) ? slots[i] : NULL;
}

static struct cg_str *nz_header_slot(struct cg_event *ev, const char *k, size_t n)
{
    return nz_header_at(ev, nz_header_index(k, n));
}

static bool nz_has_suffix(const char *k, size_t n, const char *sfx)
{
    size_t m = strlen(sfx);
    return n > m && memcmp(k + n - m, sfx, m) == 0;
}

/* Room for n bytes of keys, at m->kroom: keys are written straight into the arena, which
 * is handed out in chunks (one arena call per chunk, not per key). */
static NZ_INLINE char *nz_key_room(struct nz_map *m, size_t n)
{
    if (m->kfree < n) {
        size_t sz = n > 2048 ? n : 2048;
        char *p = cg_arena_alloc(&m->ev->arena, sz);
        if (!p)
            return NULL;
        m->kroom = p;
        m->kfree = sz;
    }
    return m->kroom;
}

/* Adds key = val, key written at m->kroom (kept there only if the field was added), val
 * already in the arena; records it as the last pair. */
static NZ_INLINE int nz_add_placed(struct nz_map *m, size_t klen, struct cg_str val)
{
    struct cg_fields *f = &m->ev->fields;
    size_t before = f->n;
    if (cg_fields_add_filtered(f, &m->flt, cg_str_make(m->kroom, klen), val) != CG_OK)
        return CG_ENOMEM;
    m->last = SIZE_MAX;
    if (f->n > before) {
        m->kroom += klen;
        m->kfree -= klen;
        m->last = before;
    }
    return CG_OK;
}

/* Adds key (copied) = val (already in the arena); records it as the last pair. */
static int nz_add(struct nz_map *m, const char *key, size_t klen, struct cg_str val)
{
    struct cg_fields *f = &m->ev->fields;
    if (f->n >= f->max) { /* what cg_fields_add does, without copying the key first */
        f->limit_dropped++;
        m->last = SIZE_MAX;
        return CG_OK;
    }
    char *k = nz_key_room(m, klen);
    if (!k)
        return CG_ENOMEM;
    if (klen)
        memcpy(k, key, klen);
    return nz_add_placed(m, klen, val);
}

/* Flattens v under key[0..klen) (key has room for NZ_KEY_MAX bytes). */
static int nz_flatten(struct nz_map *m, char *key, size_t klen, struct fjson_object *v, bool xml,
                      int depth);

static int nz_flatten_child(struct nz_map *m, char *key, size_t klen, const char *sub, size_t slen,
                            struct fjson_object *v, bool xml, int depth)
{
    if (klen + 1 + slen > NZ_KEY_MAX)
        return CG_OK; /* key too long: dropped */
    key[klen] = '.';
    memcpy(key + klen + 1, sub, slen);
    return nz_flatten(m, key, klen + 1 + slen, v, xml, depth + 1);
}

/* Members of obj in text order (see the top of the file), in the arena. */
static int nz_members(struct cg_arena *a, struct fjson_object *obj,
                      struct fjson_object_iterator **out, size_t *nout)
{
    int cnt = fjson_object_object_length(obj);
    *nout = 0;
    if (cnt <= 0)
        return CG_OK;
    struct fjson_object_iterator *v = cg_arena_alloc(a, (size_t)cnt * sizeof(*v));
    if (!v)
        return CG_ENOMEM;
    struct fjson_object_iterator it = fjson_object_iter_begin(obj);
    struct fjson_object_iterator end = fjson_object_iter_end(obj);
    size_t n = (size_t)cnt;
    while (n && !fjson_object_iter_equal(&it, &end)) {
        v[--n] = it;
        fjson_object_iter_next(&it);
    }
    *out = v + n;
    *nout = (size_t)cnt - n;
    return CG_OK;
}

static int nz_flatten(struct nz_map *m, char *key, size_t klen, struct fjson_object *v, bool xml,
                      int depth)
{
    enum fjson_type t = fjson_object_get_type(v);
    int rc = CG_OK;
    if (t == fjson_type_object && depth < NZ_DEPTH_MAX) {
        struct fjson_object_iterator *its = NULL;
        size_t n = 0;
        rc = nz_members(&m->ev->arena, v, &its, &n);
        for (size_t i = 0; i < n && rc == CG_OK; i++) {
            const char *sub = fjson_object_iter_peek_name(&its[i]);
            rc = nz_flatten_child(m, key, klen, sub, strlen(sub),
                                  fjson_object_iter_peek_value(&its[i]), xml, depth);
        }
    } else if (t == fjson_type_array && depth < NZ_DEPTH_MAX) {
        size_t n = (size_t)fjson_object_array_length(v);
        for (size_t i = 0; i < n && rc == CG_OK; i++) {
            char idx[24];
            int len = snprintf(idx, sizeof(idx), "%zu", i);
            rc = nz_flatten_child(m, key, klen, idx, (size_t)len,
                                  fjson_object_array_get_idx(v, (int)i), xml, depth);
        }
    } else {
        struct cg_str val;
        if (nz_scalar(&m->ev->arena, v, xml, &val))
            rc = nz_add(m, key, klen, val);
        else if (t != fjson_type_null && t != fjson_type_object && t != fjson_type_array)
            rc = CG_ENOMEM;
    }
    return rc;
}

/* ---- pair lists: elements -------------------------------------------------------------- */

/* A pair list is a sequence of elements that become fields: a "kv" / "kv_*" array a rule
 * built (below), or a "_kvlist" / "_xmlflat" value that is split here (further below).
 * m->last is the field a continuation extends. */

/* A label from the data must not take the place of the rule's "subject" field: such a
 * pair is stored as "subject_". key has room for NZ_KEY_MAX bytes. */
static size_t nz_unreserve(char *key, size_t klen)
{
    if (klen == 7 && memcmp(key, "subject", 7) == 0)
        key[klen++] = '_';
    return klen;
}

/* The field key of a pair's label: snake_case, "subject" protected; 0 = no key. */
/* The key of a pair's label written at m->kroom (nz_add_placed adds it). Returns its
 * length, 0 if there is none, SIZE_MAX when out of memory. */
static size_t nz_pair_key(struct nz_map *m, const char *label, size_t llen)
{
    /* snake_case at most doubles a label; +1 for nz_unreserve; 32 for nz_snake_c's copy */
    size_t room = (llen < NZ_KEY_MAX / 2 ? 2 * llen : NZ_KEY_MAX) + 1;
    char *k = nz_key_room(m, room < 32 ? 32 : room);
    if (!k)
        return SIZE_MAX;
    return nz_unreserve(k, nz_snake_c(m->snake, label, llen, k, NZ_KEY_MAX, room < 32 ? 32 : room));
}

/* Remembers label s[0..llen) at e (struct nz_memo), its key not known yet; a label that does not
 * fit empties e. */
static void nz_memo_label(struct nz_memo_ent *e, const char *s, size_t llen)
{
    e->klen = 0;
    e->llen = 0;
    e->kind = NZ_MK_NAME;
    if (llen == 0 || llen > sizeof(e->label))
        return;
    memcpy(e->label, s, llen);
    e->llen = (unsigned char)llen;
}

/* nz_pair_key for the label e holds (e NULL: none): the key from e when it is known, else worked
 * out and remembered. */
static NZ_INLINE size_t nz_memo_pair_key(struct nz_map *m, struct nz_memo_ent *e, const char *label,
                                         size_t llen)
{
    if (e && e->klen) {
        char *k = nz_key_room(m, sizeof(e->key));
        if (!k)
            return SIZE_MAX;
        memcpy(k, e->key, sizeof(e->key)); /* the whole key: a constant-size copy */
        return e->klen;
    }
    size_t klen = nz_pair_key(m, label, llen);
    if (e && e->llen && klen && klen <= sizeof(e->key)) {
        memcpy(e->key, m->kroom, klen);
        e->klen = (unsigned char)klen;
    }
    return klen;
}

/* {"name": L, "value": V}: field snake_case(L) = V. e: the memo entry holding L, or NULL. */
static NZ_INLINE int nz_emit_pair(struct nz_map *m, struct nz_memo_ent *e, const char *label,
                                  size_t llen, struct cg_str val)
{
    size_t klen = nz_memo_pair_key(m, e, label, llen);
    m->last = SIZE_MAX;
    if (klen == SIZE_MAX)
        return CG_ENOMEM;
    return klen ? nz_add_placed(m, klen, val) : CG_OK;
}

/* {"cont": C}: a piece that began with a space: the comma before it was part of the
 * previous value, which becomes previous + ", " + C. Without one, C is unlabelled. */
static int nz_emit_cont(struct nz_map *m, struct cg_str c)
{
    if (m->last == SIZE_MAX) {
        char key[32];
        int len = snprintf(key, sizeof(key), "unlabeled.%zu", m->unlabeled++);
        return nz_add(m, key, (size_t)len, c);
    }
    struct cg_str *prev = &m->ev->fields.v[m->last].val;
    char *o = cg_arena_alloc(&m->ev->arena, prev->n + 2 + c.n);
    if (!o)
        return CG_ENOMEM;
    if (prev->n)
        memcpy(o, prev->p, prev->n);
    memcpy(o + prev->n, ", ", 2);
    if (c.n)
        memcpy(o + prev->n + 2, c.p, c.n);
    *prev = cg_str_make(o, prev->n + 2 + c.n);
    return CG_OK;
}

/* "Label Name" followed by ':' only (an empty value at the end of a line). */
static bool nz_is_bare_label(struct cg_str s)
{
    if (s.n < 2 || s.n > 65 || s.p[s.n - 1] != ':')
        return false;
    unsigned char c0 = (unsigned char)s.p[0];
    if (!nz_isupper(c0) && !nz_islower(c0))
        return false;
    for (size_t i = 1; i + 1 < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!nz_isupper(c) && !nz_islower(c) && !nz_isdigit(c) && (c == 0 || !strchr(" ()-_", c)))
            return false;
    }
    return true;
}

/* {"value": V} without a name: empty -> nothing; "Label:" -> field label = "";
 * otherwise "unlabeled.<n>" = V. */
static int nz_emit_unlabeled(struct nz_map *m, struct cg_str v)
{
    m->last = SIZE_MAX;
    if (v.n == 0)
        return CG_OK; /* an empty column */
    if (nz_is_bare_label(v))
        return nz_emit_pair(m, NULL, v.p, v.n - 1, cg_str_make(v.p, 0));
    char key[32];
    int len = snprintf(key, sizeof(key), "unlabeled.%zu", m->unlabeled++);
    return nz_add(m, key, (size_t)len, v);
}

/* ---- pair lists: "kv" / "kv_*" arrays built by a rule ---------------------------------- */

/* Member of a pair-list element if it has the given type, else NULL. */
static struct fjson_object *nz_member(struct fjson_object *el, const char *name,
                                      enum fjson_type type)
{
    struct fjson_object *v = NULL;
    if (!fjson_object_object_get_ex(el, name, &v) || !v || fjson_object_get_type(v) != type)
        return NULL;
    return v;
}

static struct cg_str nz_json_str(struct fjson_object *s)
{
    const char *p = fjson_object_get_string(s);
    return p ? cg_str_make(p, (size_t)fjson_object_get_string_len(s)) : CG_STR_NULL;
}

static int nz_pair_value(struct nz_map *m, struct fjson_object *name, struct fjson_object *val,
                         bool xml)
{
    struct cg_str label = nz_json_str(name);
    size_t klen = label.p ? nz_pair_key(m, label.p, label.n) : 0;
    struct cg_str v;
    m->last = SIZE_MAX;
    if (klen == SIZE_MAX)
        return CG_ENOMEM;
    if (!klen)
        return CG_OK;
    if (!nz_scalar(&m->ev->arena, val, xml, &v))
        return CG_ENOMEM;
    return nz_add_placed(m, klen, v);
}

/* {"name": "SoftwareInfo", "attrs": [{"name": "ProductName", "value": ...}]} ->
 * software_info.product_name */
static int nz_pair_attrs(struct nz_map *m, struct fjson_object *name, struct fjson_object *attrs,
                         bool xml)
{
    char key[NZ_KEY_MAX];
    struct cg_str tag = nz_json_str(name);
    size_t klen = tag.p ? nz_snake(tag.p, tag.n, key, sizeof(key) - 1) : 0;
    size_t n = (size_t)fjson_object_array_length(attrs);
    int rc = CG_OK;
    for (size_t i = 0; klen && i < n && rc == CG_OK; i++) {
        struct fjson_object *el = fjson_object_array_get_idx(attrs, (int)i);
        struct fjson_object *an = el ? nz_member(el, "name", fjson_type_string) : NULL;
        struct fjson_object *av = el ? nz_member(el, "value", fjson_type_string) : NULL;
        struct cg_str a = an ? nz_json_str(an) : CG_STR_NULL;
        size_t alen = a.p ? nz_snake(a.p, a.n, key + klen + 1, sizeof(key) - klen - 1) : 0;
        struct cg_str v;
        if (!alen || !av)
            continue;
        key[klen] = '.';
        if (!nz_scalar(&m->ev->arena, av, xml, &v))
            return CG_ENOMEM;
        rc = nz_add(m, key, klen + 1 + alen, v);
    }
    m->last = SIZE_MAX;
    return rc;
}

/* Members other than name/value/cont/attrs are fields named by the rule. */
static int nz_pair_named(struct nz_map *m, struct fjson_object *el, bool xml)
{
    static const char *const reserved[] = {"name", "value", "cont", "attrs"};
    struct fjson_object_iterator *its = NULL;
    size_t n = 0;
    int rc = nz_members(&m->ev->arena, el, &its, &n);
    for (size_t i = 0; i < n && rc == CG_OK; i++) {
        const char *k = fjson_object_iter_peek_name(&its[i]);
        size_t klen = strlen(k), r = 0;
        while (r < CG_ARRAY_LEN(reserved) && strcmp(k, reserved[r]) != 0)
            r++;
        if (r < CG_ARRAY_LEN(reserved) || klen == 0 || klen > NZ_KEY_MAX)
            continue;
        char key[NZ_KEY_MAX];
        memcpy(key, k, klen);
        rc = nz_flatten(m, key, klen, fjson_object_iter_peek_value(&its[i]), xml, 1);
    }
    return rc;
}

static int nz_pair(struct nz_map *m, struct fjson_object *el, bool xml)
{
    if (fjson_object_get_type(el) != fjson_type_object) {
        m->last = SIZE_MAX;
        return CG_OK;
    }
    struct fjson_object *name = nz_member(el, "name", fjson_type_string);
    struct fjson_object *value = nz_member(el, "value", fjson_type_string);
    struct fjson_object *cont = nz_member(el, "cont", fjson_type_string);
    struct fjson_object *attrs = nz_member(el, "attrs", fjson_type_array);
    struct cg_str v;
    int rc = CG_OK;
    if (cont) {
        if (!nz_scalar(&m->ev->arena, cont, xml, &v))
            return CG_ENOMEM;
        rc = nz_emit_cont(m, v); /* needs m->last */
    } else if (!name) {
        m->last = SIZE_MAX;
        if (value && !nz_scalar(&m->ev->arena, value, xml, &v))
            return CG_ENOMEM;
        if (value)
            rc = nz_emit_unlabeled(m, v);
    } else {
        m->last = SIZE_MAX; /* an opening tag alone: nothing to continue */
        if (value)
            rc = nz_pair_value(m, name, value, xml);
        if (rc == CG_OK && attrs)
            rc = nz_pair_attrs(m, name, attrs, xml);
    }
    return rc == CG_OK ? nz_pair_named(m, el, xml) : rc;
}

static int nz_pairs(struct nz_map *m, struct fjson_object *arr, bool xml)
{
    size_t n = (size_t)fjson_object_array_length(arr);
    int rc = CG_OK;
    m->last = SIZE_MAX;
    for (size_t i = 0; i < n && rc == CG_OK; i++) {
        struct fjson_object *el = fjson_object_array_get_idx(arr, (int)i);
        if (el)
            rc = nz_pair(m, el, xml);
    }
    m->last = SIZE_MAX;
    return rc;
}

/* ---- splitting: helpers ---------------------------------------------------------------- */

/* The splitters below take a whole value from liblognorm (a rule reads it with a cheap
 * parser such as "rest") and split it in one pass: liblognorm 2.0.6 builds a JSON object
 * per piece of a "repeat" and costs tens of microseconds per line. They read untrusted
 * bytes + length, never recurse, and add fields only through nz_add (bounded by the
 * event's field limit). They reproduce what the user-defined types the rulebases used
 * before did, down to the liblognorm quirks noted where they matter. */

/* Where the next byte c is at or after x (n if none), remembering the last answer: the
 * splitters look again from nearby positions after a failed alternative, and a hostile
 * line must not make that quadratic. The answer for x is the cached one while
 * from <= x <= at, as there is no c in [from, at). */
struct nz_scan {
    size_t from, at;
};

static const struct nz_scan nz_scan_none = {SIZE_MAX, 0}; /* nothing remembered */

static NZ_INLINE size_t nz_find(const char *s, size_t n, size_t x, char c, struct nz_scan *sc)
{
    if (sc->from <= x && x <= sc->at)
        return sc->at;
    const char *p = x < n ? memchr(s + x, c, n - x) : NULL;
    sc->from = x;
    sc->at = p ? (size_t)(p - s) : n;
    return sc->at;
}

/* memmem for a needle of at least two bytes that starts with a byte rare in the haystack:
 * memchr for the first byte, a test of the second, then the rest (glibc's memmem sets up a
 * two-way search first, which costs more than the whole search here). Linear. */
static const char *nz_memmem(const char *h, size_t hn, const char *nd, size_t nn)
{
    for (const char *end = h + hn; (size_t)(end - h) >= nn; h++) {
        if (!(h = memchr(h, nd[0], (size_t)(end - h) - nn + 1)))
            return NULL;
        if (h[1] == nd[1] && memcmp(h + 2, nd + 2, nn - 2) == 0)
            return h;
    }
    return NULL;
}

/* The same for a string (needle of nlen >= 2 bytes, all of it before n). */
static size_t nz_find_str(const char *s, size_t n, size_t x, const char *needle, size_t nlen,
                          struct nz_scan *sc)
{
    if (sc->from <= x && x <= sc->at)
        return sc->at;
    const char *p = x < n ? nz_memmem(s + x, n - x, needle, nlen) : NULL;
    sc->from = x;
    sc->at = p ? (size_t)(p - s) : n;
    return sc->at;
}

/* Literal text lit at x. liblognorm 2.0.6 compares a literal with the input up to and
 * including the literal's own terminating NUL, so a literal directly followed by a NUL
 * byte of the input does not match there (it then reads past the literal; in practice
 * those bytes differ). That is kept: lines with NUL bytes come out as they did. */
static NZ_INLINE bool nz_lit(const char *s, size_t n, size_t x, const char *lit, size_t llen)
{
    return x <= n && n - x >= llen && memcmp(s + x, lit, llen) == 0 &&
           (n - x == llen || s[x + llen] != '\0');
}

static NZ_INLINE size_t nz_max(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* A split that does not fit its grammar means the rule did not match: its fields are
 * taken back. nz_map then reports NZ_NOMATCH and the next rulebase file is tried. */
#define NZ_NOMATCH 1

struct nz_mark {
    size_t n, dup, limit;
};

static struct nz_mark nz_mark_fields(const struct nz_map *m)
{
    const struct cg_fields *f = &m->ev->fields;
    return (struct nz_mark){f->n, f->dup_dropped, f->limit_dropped};
}

static void nz_rollback(struct nz_map *m, const struct nz_mark *mk)
{
    struct cg_fields *f = &m->ev->fields;
    f->n = mk->n;
    f->dup_dropped = mk->dup;
    f->limit_dropped = mk->limit;
    m->last = SIZE_MAX;
}

/* ---- splitting: "<name>_kvlist", a SEPM risk line --------------------------------------- */

/* SEPM writes "Label: value" pieces joined by ',' without escaping, and a few unlabelled
 * columns. Rules tried on each piece, in this order (the @piece type sepm.rulebase had):
 *   1. "Occurrences: N," then the file path and the description: the path runs up to
 *      ",,Actual action: " when that string follows (so a path may hold commas; the
 *      description is then empty), else to the next ','; the description to the next
 *      ',' -> occurrences, file_path, description. Needs the ',' after the path;
 *   2. "Detection Submissions X" (SONAR's unlabelled column) -> detection_submissions;
 *   3. " text" (a leading space) -> continues the previous value (nz_emit_cont);
 *   4. "Label: value" (": " at the first ':', before any ',') -> snake_case(Label);
 *   5. anything else -> unlabelled (nz_emit_unlabeled).
 * A value ends at the next ','. liblognorm measured a piece by the furthest any rule had
 * read: when rule 1 read a path to the end of the line and then found no ',' (a line cut
 * after "Occurrences: N,path"), rule 4 gave occurrences = N and the path was lost. The
 * same is done here, so that the output does not depend on the engine. */
struct nz_kvl {
    const char *s;
    size_t n;
    struct nz_scan comma, actual;
    struct nz_memo_ent *memo; /* m->memo->kvl, or NULL */
    size_t i;                 /* the position of the piece in the list */
};

static const char nz_occ[] = "Occurrences: ";
static const char nz_actual[] = ",,Actual action: ";
static const char nz_detsub[] = "Detection Submissions ";

/* Rule 1 with p after "Occurrences: ": sp = {N, path, description} as [start, end) pairs
 * and *end; false when it does not apply, with *far = how far it read. */
static bool nz_kvl_occ(struct nz_kvl *k, size_t p, size_t sp[6], size_t *end, size_t *far)
{
    const char *s = k->s;
    size_t n = k->n, d = p;
    while (d < n && nz_isdigit((unsigned char)s[d]))
        d++;
    *far = d;
    if (d == p || !nz_lit(s, n, d, ",", 1))
        return false;
    size_t path = d + 1; /* liblognorm's string-to wants at least one byte of path */
    size_t a = nz_find_str(s, n, path + 1, nz_actual, sizeof(nz_actual) - 1, &k->actual);
    size_t f = a, g = a + 1; /* the path ends at ",,Actual action: ", the description is "" */
    if (a >= n) {
        f = nz_find(s, n, path, ',', &k->comma);
        *far = f;
        if (!nz_lit(s, n, f, ",", 1))
            return false;
        g = nz_find(s, n, f + 1, ',', &k->comma);
    }
    size_t v[6] = {p, d, path, f, f + 1, g};
    memcpy(sp, v, sizeof(v));
    *end = g;
    return true;
}

static int nz_kvl_named(struct nz_map *m, const char *key, size_t klen, const char *s, size_t from,
                        size_t to)
{
    return nz_add(m, key, klen, cg_str_make(s + from, to - from));
}

/* One piece at p; *end is where it ends (at a ',' or at n). */
static int nz_kvl_piece(struct nz_map *m, struct nz_kvl *k, size_t p, size_t *end)
{
    const char *s = k->s;
    size_t n = k->n, far = 0, sp[6];
    char c0 = p < n ? s[p] : '\0'; /* most pieces start with neither literal */
    if (c0 == 'O' && nz_lit(s, n, p, nz_occ, sizeof(nz_occ) - 1)) {
        if (nz_kvl_occ(k, p + sizeof(nz_occ) - 1, sp, end, &far)) {
            m->last = SIZE_MAX;
            int rc = nz_kvl_named(m, "occurrences", 11, s, sp[0], sp[1]);
            if (rc == CG_OK)
                rc = nz_kvl_named(m, "file_path", 9, s, sp[2], sp[3]);
            return rc == CG_OK ? nz_kvl_named(m, "description", 11, s, sp[4], sp[5]) : rc;
        }
    } else if (c0 == 'D' && nz_lit(s, n, p, nz_detsub, sizeof(nz_detsub) - 1)) {
        size_t v = p + sizeof(nz_detsub) - 1;
        *end = nz_find(s, n, v, ',', &k->comma);
        m->last = SIZE_MAX;
        return nz_kvl_named(m, "detection_submissions", 21, s, v, *end);
    } else if (nz_lit(s, n, p, " ", 1)) {
        *end = nz_find(s, n, p + 1, ',', &k->comma);
        return nz_emit_cont(m, cg_str_make(s + p + 1, *end - p - 1));
    }
    struct nz_memo_ent *me = k->memo && k->i < NZ_MEMO_MAX ? &k->memo[k->i] : NULL;
    size_t c = me ? p + me->llen : 0, e;
    if (me && me->llen && n - p >= me->llen + 2u && s[c] == ':' && s[c + 1] == ' ' &&
        (n - c == 2 || s[c + 2] != '\0') && nz_same(s + p, me->label, me->llen)) {
        /* the label of the memo (no ',' or ':' in it), then ": " */
        e = nz_find(s, n, c + 2, ',', &k->comma);
        *end = nz_max(e, far);
        return nz_emit_pair(m, me, s + p, c - p, cg_str_make(s + c + 2, e - c - 2));
    }
    e = nz_find(s, n, p, ',', &k->comma);
    const char *colon = e > p ? memchr(s + p, ':', e - p) : NULL;
    *end = nz_max(e, far);
    c = colon ? (size_t)(colon - s) : 0;
    if (colon && c > p && nz_lit(s, n, c, ": ", 2)) {
        if (me)
            nz_memo_label(me, s + p, c - p);
        return nz_emit_pair(m, me, s + p, c - p, cg_str_make(s + c + 2, e - c - 2));
    }
    return nz_emit_unlabeled(m, cg_str_make(s + p, e - p));
}

/* Whether a piece that starts with the memo's label e and ": " is one that rules 1-3 leave to
 * rule 4: the label is not "Occurrences", does not start with "Detection Submissions " or a
 * space. */
static bool nz_kvl_plain(const struct nz_memo_ent *e)
{
    switch (e->label[0]) {
    case ' ': return false;
    case 'O': return !(e->llen == 11 && memcmp(e->label, nz_occ, 11) == 0);
    case 'D': return !(e->llen >= 22 && memcmp(e->label, nz_detsub, 22) == 0);
    default: return true;
    }
}

#define NZ_KVL_DONE 2 /* nz_kvl_run: the list ended */

/* From the piece at *p, the pieces that are the memo's label of their position, ": " and a
 * value (most of a line), added as rule 4 would, in a tight loop. *p is left at the first
 * piece not taken; NZ_KVL_DONE when the list ended. */
static int nz_kvl_run(struct nz_map *m, struct nz_kvl *k, size_t *pp)
{
    const char *s = k->s;
    size_t n = k->n, p = *pp;
    for (; k->memo && k->i < NZ_MEMO_MAX; k->i++) {
        const struct nz_memo_ent *e = &k->memo[k->i];
        size_t c = p + e->llen, v = c + 2;
        if (!e->klen || n - p < e->llen + 2u || s[c] != ':' || s[c + 1] != ' ' ||
            (v < n && s[v] == '\0') || !nz_same(s + p, e->label, e->llen) || !nz_kvl_plain(e))
            break;
        const char *comma = memchr(s + v, ',', n - v);
        size_t end = comma ? (size_t)(comma - s) : n;
        char *key = nz_key_room(m, sizeof(e->key));
        if (!key)
            return CG_ENOMEM;
        memcpy(key, e->key, sizeof(e->key)); /* a constant-size copy */
        int rc = nz_add_placed(m, e->klen, cg_str_make(s + v, end - v));
        if (rc != CG_OK)
            return rc;
        if (end >= n) {
            k->i++;
            return NZ_KVL_DONE;
        }
        if (end + 1 < n && s[end + 1] == '\0')
            return NZ_NOMATCH; /* as the general loop: the ',' is not followed as a literal */
        p = end + 1;
    }
    *pp = p;
    return CG_OK;
}

/* The pieces of s[0..n), in order. */
static NZ_NOINLINE int nz_kvlist(struct nz_map *m, const char *s, size_t n)
{
    struct nz_kvl k = {s, n, nz_scan_none, nz_scan_none, m->memo ? m->memo->kvl : NULL, 0};
    size_t p = 0, end = 0;
    m->last = SIZE_MAX;
    for (;; k.i++) {
        int rc = nz_kvl_run(m, &k, &p);
        if (rc == NZ_KVL_DONE)
            break;
        if (rc == CG_OK)
            rc = nz_kvl_piece(m, &k, p, &end);
        if (rc != CG_OK)
            return rc;
        if (end >= n)
            break;
        if (!nz_lit(s, n, end, ",", 1))
            return NZ_NOMATCH; /* the list does not reach the end of the value */
        p = end + 1;
    }
    m->last = SIZE_MAX;
    return CG_OK;
}

/* ---- splitting: "<name>_xmlflat", an XML document as ePO sends it --------------------- */

/* The value is the document after its first '<', which the rule matches as literal text
 * ("EPOEvents: <%doc_xmlflat:rest%": liblognorm then checks it as it did before). It is
 * read as a flat sequence of tags, whatever the element order and nesting (the @xmlnode
 * type and repeat epo.rulebase had):
 *   - an optional XML declaration "?xml...>" directly followed by '<'; if the document
 *     does not fit that way, it is read again with the declaration as a tag;
 *   - then tags, each directly after the previous one's '<'; after the last one only
 *     whitespace may follow. A tag that fits none of the forms below, or anything else
 *     after the last tag, means the document does not split: the line is not matched.
 * Tag forms, tried in this order at the byte after a '<':
 *   1. "/...>"                       a closing tag: nothing;
 *   2. "T>text</...>"                a leaf: field snake_case(T) = text;
 *      "T>"                          (not followed by "</...>") an opening tag: nothing;
 *      "T a=\"v\" b=\"w\">" + 2.      attributes: fields t.a, t.b (after the leaf's field);
 *      "T/>", "T a=\"v\"/>"          an empty element: attributes only;
 *      T runs to the first ' ', '/' or '>'; attributes are separated by one space and
 *      double-quoted; an attribute name runs to the next '=' (wherever that is);
 *   3. "...>"                        anything else up to '>' (declarations, comments,
 *                                    processing instructions, DOCTYPE): nothing.
 * Values are entity-decoded (nz_xml_decode). A DOCTYPE's internal subset "[...]" leaves a
 * ']' after a tag, so such a document does not split. Text after an opening tag that is
 * not a leaf's is skipped, and a document cut short inside a text still splits.
 * liblognorm moved on after a tag by the furthest point any form had read, not by the end
 * of the form that matched; that is kept (x->far), as is one leak of that position from
 * the first reading of a document into the first tag of the second. */
struct nz_xml {
    const char *s;
    size_t n;
    struct nz_scan lt, gt, eq, quot, amp; /* '<' '>' '=' '"' '&' */
};

/* The text s[from, to) of the document, entities decoded; a copy in the arena only when it
 * has a '&' (looked for once for the whole document). */
static NZ_INLINE bool nz_xtext(struct cg_arena *a, struct nz_xml *x, size_t from, size_t to,
                               struct cg_str *out)
{
    if (nz_find(x->s, x->n, from, '&', &x->amp) >= to) {
        *out = cg_str_make(x->s + from, to - from);
        return true;
    }
    return nz_xml_decode(a, x->s + from, to - from, out);
}

enum nz_xkind { NZ_X_NONE, NZ_X_OPEN, NZ_X_LEAF };

struct nz_xtag {
    enum nz_xkind kind;
    size_t name, name_end; /* the tag name */
    size_t val, val_end;   /* the text of a leaf */
    size_t attrs;          /* where the attributes start; 0 when none */
    size_t far0;           /* the position inherited when the tag was read (see above) */
    size_t end;            /* the furthest point read: the next '<' is looked for here */
};

/* Attribute emission: with em NULL, nz_xattrs only measures. */
struct nz_xemit {
    struct nz_map *m;
    struct nz_xml *x;
    char *key; /* "tag." is written at key[0..klen] */
    size_t klen;
    int rc;
};

static int nz_xattr_emit(struct nz_xemit *em, const char *s, size_t a, size_t eq, size_t close)
{
    size_t cap = NZ_KEY_MAX - em->klen - 1;
    size_t alen = nz_snake_c(em->m->snake, s + a, eq - a, em->key + em->klen + 1, cap, cap);
    struct cg_str v;
    if (!alen)
        return CG_OK;
    em->key[em->klen] = '.';
    if (!nz_xtext(&em->m->ev->arena, em->x, eq + 2, close, &v))
        return CG_ENOMEM;
    return nz_add(em->m, em->key, em->klen + 1 + alen, v);
}

/* One attribute name="value" at a: returns its end (after the quote), 0 if it is none. */
static size_t nz_xattr(struct nz_xml *x, size_t a, size_t *eq, size_t *close)
{
    size_t e = nz_find(x->s, x->n, a, '=', &x->eq);
    if (e >= x->n || e == a || !nz_lit(x->s, x->n, e, "=\"", 2))
        return 0;
    size_t v = nz_find(x->s, x->n, e + 2, '"', &x->quot);
    if (!nz_lit(x->s, x->n, v, "\"", 1))
        return 0;
    *eq = e;
    *close = v;
    return v + 1;
}

/* The attributes from a, separated by one space; returns their end, 0 if one is malformed.
 * The first one ends at far0 if that is further (liblognorm's position leak). */
static size_t nz_xattrs(struct nz_xml *x, size_t a, size_t far0, struct nz_xemit *em)
{
    size_t eq = 0, close = 0, pos = nz_xattr(x, a, &eq, &close);
    if (!pos)
        return 0;
    if (em && em->rc == CG_OK)
        em->rc = nz_xattr_emit(em, x->s, a, eq, close);
    pos = nz_max(pos, far0);
    while (nz_lit(x->s, x->n, pos, " ", 1)) {
        size_t next = nz_xattr(x, pos + 1, &eq, &close);
        if (!next)
            return 0;
        if (em && em->rc == CG_OK)
            em->rc = nz_xattr_emit(em, x->s, pos + 1, eq, close);
        pos = next;
    }
    return pos;
}

/* After the '>' of an opening tag, at v: "text</...>" makes it a leaf. */
static void nz_xcontent(struct nz_xml *x, size_t v, struct nz_xtag *t)
{
    const char *s = x->s;
    size_t n = x->n, nl = t->name_end - t->name;
    /* shortcuts for what memchr would find: a container's first child right away, and
     * the closing tag of a leaf, "</" + the name + ">" (a name holds no '>') */
    size_t r = v < n && s[v] == '<' ? v : nz_find(s, n, v, '<', &x->lt);
    t->end = nz_max(t->end, r);
    t->kind = NZ_X_OPEN;
    if (nz_lit(s, n, r, "</", 2)) {
        t->end = nz_max(t->end, r + 2);
        size_t c = n - (r + 2) > nl && nz_same(s + r + 2, s + t->name, nl) && s[r + 2 + nl] == '>'
                       ? r + 2 + nl
                       : nz_find(s, n, r + 2, '>', &x->gt);
        if (c < x->n && c != r + 2)
            t->end = nz_max(t->end, c);
        if (c < x->n && c != r + 2 && nz_lit(x->s, x->n, c, ">", 1)) {
            t->end = nz_max(t->end, c + 1);
            t->kind = NZ_X_LEAF;
            t->val = v;
            t->val_end = r;
        }
    }
}

/* The end of an opening tag at q: ">" (then nz_xcontent) or "/>". */
static bool nz_xclose(struct nz_xml *x, size_t q, struct nz_xtag *t)
{
    if (nz_lit(x->s, x->n, q, ">", 1)) {
        t->end = nz_max(t->end, q + 1);
        nz_xcontent(x, q + 1, t);
        return true;
    }
    if (!nz_lit(x->s, x->n, q, "/>", 2))
        return false;
    t->end = nz_max(t->end, q + 2);
    return true;
}

/* The bytes that end a tag name. */
static const bool nz_xstop[256] = {[' '] = true, ['/'] = true, ['>'] = true};

/* Form 2 at p. Updates t->end also when it fails (it counts for the furthest point). */
static bool nz_xnamed(struct nz_xml *x, size_t p, struct nz_xtag *t)
{
    const char *s = x->s;
    size_t n = x->n, q = p;
    while (q < n && !nz_xstop[(unsigned char)s[q]])
        q++;
    if (q == p || q == n)
        return false;
    t->end = nz_max(t->end, q);
    t->name = p;
    t->name_end = q;
    t->kind = NZ_X_OPEN;
    if (!nz_lit(s, n, q, " ", 1))
        return nz_xclose(x, q, t);
    t->end = nz_max(t->end, q + 1);
    size_t e = nz_xattrs(x, q + 1, t->far0, NULL);
    if (!e)
        return false;
    t->end = nz_max(t->end, e);
    t->attrs = q + 1;
    return nz_xclose(x, e, t);
}

/* Form 1 at p: "/...>". */
static bool nz_xclosing(struct nz_xml *x, size_t p, struct nz_xtag *t)
{
    if (!nz_lit(x->s, x->n, p, "/", 1))
        return false;
    t->end = nz_max(t->end, p + 1);
    size_t c = nz_find(x->s, x->n, p + 1, '>', &x->gt);
    if (c >= x->n || c == p + 1)
        return false;
    t->end = nz_max(t->end, c);
    if (!nz_lit(x->s, x->n, c, ">", 1))
        return false;
    t->end = nz_max(t->end, c + 1);
    return true;
}

/* One tag at p (after its '<'), far0 the inherited position (0 but for the leak). */
static bool nz_xtag(struct nz_xml *x, size_t p, size_t far0, struct nz_xtag *t)
{
    const char *s = x->s;
    size_t n = x->n;
    memset(t, 0, sizeof(*t));
    t->far0 = far0;
    t->end = far0;
    if (p < n && s[p] == '/') { /* form 1; form 2 cannot start with '/' */
        if (nz_xclosing(x, p, t))
            return true;
    } else if (nz_xnamed(x, p, t)) {
        return true;
    }
    size_t c = nz_find(s, n, p, '>', &x->gt); /* form 3 */
    t->kind = NZ_X_NONE;
    t->attrs = 0;
    if (c >= n || c == p)
        return false;
    t->end = nz_max(t->end, c);
    if (!nz_lit(s, n, c, ">", 1))
        return false;
    t->end = nz_max(t->end, c + 1);
    return true;
}

static int nz_xtag_emit(struct nz_map *m, struct nz_xml *x, const struct nz_xtag *t)
{
    const char *s = x->s;
    int rc = CG_OK;
    m->last = SIZE_MAX;
    if (t->kind == NZ_X_NONE)
        return CG_OK;
    char key[NZ_KEY_MAX];
    size_t klen = t->kind == NZ_X_LEAF ? nz_pair_key(m, s + t->name, t->name_end - t->name) : 0;
    struct cg_str v;
    if (klen == SIZE_MAX)
        return CG_ENOMEM;
    if (klen) {
        if (!nz_xtext(&m->ev->arena, x, t->val, t->val_end, &v))
            return CG_ENOMEM;
        rc = nz_add_placed(m, klen, v);
    }
    klen = t->attrs ? nz_snake_c(m->snake, s + t->name, t->name_end - t->name, key, sizeof(key) - 1,
                                 sizeof(key))
                    : 0;
    if (rc == CG_OK && klen) {
        struct nz_xemit em = {m, x, key, klen, CG_OK};
        nz_xattrs(x, t->attrs, t->far0, &em);
        rc = em.rc;
    }
    m->last = SIZE_MAX;
    return rc;
}

/* The end of the name of the tag at p (the first ' ', '/' or '>', n if none). The name the memo
 * e (NULL: none) holds for this position is tried first; e then holds this name. */
static NZ_INLINE size_t nz_xname(const char *s, size_t n, size_t p, struct nz_memo_ent *e)
{
    size_t l = e && e->kind == NZ_MK_NAME ? e->llen : 0;
    if (l && n - p > l && nz_xstop[(unsigned char)s[p + l]] && nz_same(s + p, e->label, l))
        return p + l; /* the label holds no stop byte: a scan would end there too */
    size_t q = p;
    while (q < n && !nz_xstop[(unsigned char)s[q]])
        q++;
    if (e)
        nz_memo_label(e, s + p, q - p);
    return q;
}

#define NZ_XATTRS_MAX 8 /* attributes of a tag read by nz_xtag_attrs; more: the general reader */

/* A tag "T a=\"v\" b=\"w\"" at p (its name ends at q, at a space) followed by ">" and the next
 * tag, by "/>" or by "text</T>": read in one pass, with the result of nz_xtag and
 * nz_xtag_emit (far0 being 0). *next as for nz_xtag_fast. */
static NZ_NOINLINE int nz_xtag_attrs(struct nz_map *m, struct nz_xml *x, size_t p, size_t q,
                                     size_t *next)
{
    const char *s = x->s;
    size_t n = x->n, at[NZ_XATTRS_MAX][3], na = 0, a = q + 1, pos, v = 0, r = 0, end;
    do {
        if (na == NZ_XATTRS_MAX || !(pos = nz_xattr(x, a, &at[na][1], &at[na][2])))
            return CG_OK;
        at[na++][0] = a;
        a = pos + 1;
    } while (nz_lit(s, n, pos, " ", 1));
    bool leaf = false;
    if (nz_lit(s, n, pos, ">", 1)) {
        v = pos + 1;
        r = v < n && s[v] == '<' ? v : nz_find(s, n, v, '<', &x->lt);
        end = r;
        if (r + 2 <= n && s[r + 1] == '/' && (r + 2 == n || s[r + 2] != '\0')) {
            size_t nl = q - p,
                   c = n - (r + 2) > nl && nz_same(s + r + 2, s + p, nl) && s[r + 2 + nl] == '>'
                           ? r + 2 + nl
                           : nz_find(s, n, r + 2, '>', &x->gt);
            if (c >= n || c == r + 2 || (c + 1 < n && s[c + 1] == '\0'))
                return CG_OK;
            leaf = true;
            end = c + 1;
        }
    } else if (nz_lit(s, n, pos, "/>", 2)) {
        end = pos + 2;
    } else {
        return CG_OK;
    }
    struct nz_xtag t = {leaf ? NZ_X_LEAF : NZ_X_OPEN, p, q, v, r, 0, 0, end};
    char key[NZ_KEY_MAX];
    size_t klen = nz_snake_c(m->snake, s + p, q - p, key, sizeof(key) - 1, sizeof(key));
    int rc = leaf ? nz_xtag_emit(m, x, &t) : CG_OK; /* its leaf field, without attributes */
    struct nz_xemit em = {m, x, key, klen, rc};
    for (size_t i = 0; klen && i < na && em.rc == CG_OK; i++)
        em.rc = nz_xattr_emit(&em, s, at[i][0], at[i][1], at[i][2]);
    m->last = SIZE_MAX;
    *next = end;
    return em.rc;
}

/* The tags of nearly every document, read here with the result nz_xtag and nz_xtag_emit would
 * give (far0 being 0): "/...>" (closing), "T>" followed by the next tag or by text that is not
 * a leaf's (opening), "T>text</T>" (a leaf: its field is added). *next is where the tag ends,
 * 0 for any other tag or case, which nz_xtag then reads. e: the memo of this position. */
static NZ_INLINE int nz_xtag_fast(struct nz_map *m, struct nz_xml *x, size_t p,
                                  struct nz_memo_ent *e, size_t *next)
{
    const char *s = x->s;
    size_t n = x->n;
    *next = 0;
    if (p + 1 >= n)
        return CG_OK;
    m->last = SIZE_MAX;
    if (s[p] == '/') { /* form 1 */
        size_t c = s[p + 1] ? nz_find(s, n, p + 1, '>', &x->gt) : n;
        if (c < n && c != p + 1 && (c + 1 == n || s[c + 1] != '\0')) {
            *next = c + 1;
            if (e)
                nz_memo_label(e, s + p, c + 1 - p), e->kind = NZ_MK_CLOSE;
        }
        return CG_OK;
    }
    size_t q = nz_xname(s, n, p, e), v = q + 1, nl = q - p;
    if (q != p && v < n && s[q] == ' ' && s[v] != '\0')
        return nz_xtag_attrs(m, x, p, q, next);
    if (q == p || q >= n || s[q] != '>' || (v < n && s[v] == '\0'))
        return CG_OK;
    size_t r = v < n && s[v] == '<' ? v : nz_find(s, n, v, '<', &x->lt);
    if (r + 2 > n || s[r + 1] != '/' || (r + 2 < n && s[r + 2] == '\0')) {
        *next = r; /* not "</" after the text: an opening tag */
        if (e && r == v && (r + 2 > n || s[r + 1] != '/'))
            nz_memo_label(e, s + p, v - p), e->kind = NZ_MK_OPEN;
        return CG_OK;
    }
    size_t c = n - (r + 2) > nl && nz_same(s + r + 2, s + p, nl) && s[r + 2 + nl] == '>'
                   ? r + 2 + nl
                   : nz_find(s, n, r + 2, '>', &x->gt);
    if (c >= n || c == r + 2 || (c + 1 < n && s[c + 1] == '\0'))
        return CG_OK;
    size_t klen = nz_memo_pair_key(m, e, s + p, nl);
    struct cg_str val;
    if (klen == SIZE_MAX || (klen && !nz_xtext(&m->ev->arena, x, v, r, &val)))
        return CG_ENOMEM;
    int rc = klen ? nz_add_placed(m, klen, val) : CG_OK;
    m->last = SIZE_MAX;
    *next = c + 1;
    return rc;
}

/* Whether the tag at p is the opening or closing tag e remembers for this position, which then
 * ends at p + e->llen (see NZ_MK_OPEN, NZ_MK_CLOSE; nz_xtag_fast gives the same result). */
static NZ_INLINE bool nz_xmemo_tag(const struct nz_xml *x, size_t p, const struct nz_memo_ent *e)
{
    const char *s = x->s;
    size_t n = x->n, end = p + e->llen;
    if (e->kind == NZ_MK_OPEN)
        return n - p > e->llen && s[end] == '<' && (end + 1 >= n || s[end + 1] != '/') &&
               nz_same(s + p, e->label, e->llen);
    return e->kind == NZ_MK_CLOSE && n - p >= e->llen && (end == n || s[end] != '\0') &&
           nz_same(s + p, e->label, e->llen);
}

/* Tags from p while each is followed by '<'; *end is where the last one stopped. */
static int nz_xtags(struct nz_map *m, struct nz_xml *x, size_t p, size_t far0, size_t *end)
{
    struct nz_memo_ent *memo = m->memo ? m->memo->xml : NULL;
    for (size_t i = 0;; i++) {
        struct nz_memo_ent *e = memo && i < NZ_MEMO_MAX ? &memo[i] : NULL;
        size_t next = 0;
        int rc = CG_OK;
        if (!far0 && e && e->llen && e->kind != NZ_MK_NAME && nz_xmemo_tag(x, p, e)) {
            m->last = SIZE_MAX;
            next = p + e->llen;
        } else if (!far0) {
            rc = nz_xtag_fast(m, x, p, e, &next);
        }
        if (rc != CG_OK)
            return rc;
        if (!next) {
            struct nz_xtag t;
            if (!nz_xtag(x, p, far0, &t))
                return NZ_NOMATCH;
            if ((rc = nz_xtag_emit(m, x, &t)) != CG_OK)
                return rc;
            next = t.end;
        }
        p = next;
        far0 = 0;
        if (!nz_lit(x->s, x->n, p, "<", 1))
            break;
        p++;
    }
    *end = p;
    return CG_OK;
}

static bool nz_isspace(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r'); /* C locale isspace: \t \n \v \f \r */
}

/* The end of the document at e, or whitespace up to it; *far = how far it read. */
static bool nz_xtail(const struct nz_xml *x, size_t e, size_t *far)
{
    if (e >= x->n)
        return true;
    if (!nz_isspace(x->s[e]))
        return false;
    while (e < x->n && nz_isspace(x->s[e]))
        e++;
    *far = e;
    return e == x->n;
}

/* The first reading: "?xml...>" then '<' then the tags. *far = how far it got. */
static int nz_xdecl(struct nz_map *m, struct nz_xml *x, size_t *far)
{
    size_t c = nz_find(x->s, x->n, 4, '>', &x->gt), end = 0;
    *far = 4;
    if (c >= x->n || c == 4)
        return NZ_NOMATCH;
    *far = c;
    if (!nz_lit(x->s, x->n, c, "><", 2))
        return NZ_NOMATCH;
    *far = c + 2;
    int rc = nz_xtags(m, x, c + 2, 0, &end);
    if (rc != CG_OK)
        return rc;
    *far = end;
    return nz_xtail(x, end, far) ? CG_OK : NZ_NOMATCH;
}

static NZ_NOINLINE int nz_xmlflat(struct nz_map *m, const char *s, size_t n)
{
    size_t far = 0, end = 0;
    struct nz_xml x = {s, n, nz_scan_none, nz_scan_none, nz_scan_none, nz_scan_none, nz_scan_none};
    struct nz_mark mk = nz_mark_fields(m);
    int rc;
    if (nz_lit(s, n, 0, "?xml", 4)) {
        rc = nz_xdecl(m, &x, &far);
        if (rc != NZ_NOMATCH)
            return rc;
        nz_rollback(m, &mk);
    }
    rc = nz_xtags(m, &x, 0, far, &end);
    if (rc == CG_OK && !nz_xtail(&x, end, &far))
        rc = NZ_NOMATCH;
    if (rc == NZ_NOMATCH)
        nz_rollback(m, &mk);
    return rc;
}

/* ---- top-level keys --------------------------------------------------------------------- */

/* Stores a "<target>_from" / "<target>_fmt" directive (v: its string, NULL if it has
 * another type: ignored); false if key is none. */
static bool nz_directive(struct nz_map *m, const char *key, size_t klen, const struct cg_str *v)
{
    bool fmt = nz_has_suffix(key, klen, "_fmt");
    if (!fmt && !nz_has_suffix(key, klen, "_from"))
        return false;
    if (v && m->ndir < NZ_DIRECTIVES_MAX) {
        struct nz_directive *d = &m->dir[m->ndir++];
        d->target = key;
        d->tlen = klen - (fmt ? 4 : 5);
        d->val = *v;
        d->fmt = fmt;
        d->hdr = nz_header_index(key, d->tlen);
    }
    return true;
}

static bool nz_is_pair_list(const char *key, size_t klen)
{
    return (klen == 2 && memcmp(key, "kv", 2) == 0) || (klen > 3 && memcmp(key, "kv_", 3) == 0);
}

static bool nz_is_dropped(const char *key, size_t klen)
{
    switch (klen) {
    case 10: return memcmp(key, "event.tags", 10) == 0;
    case 11: return memcmp(key, "originalmsg", 11) == 0;
    case 13: return memcmp(key, "unparsed-data", 13) == 0;
    default: return false;
    }
}

/* "<name>_kvlist" / "<name>_xmlflat": the string is split into fields (the name itself is
 * not used). The fields point into one copy of it in the arena. */
static int nz_split(struct nz_map *m, struct cg_str s,
                    int (*split)(struct nz_map *, const char *, size_t))
{
    char *copy = cg_arena_dup(&m->ev->arena, s.p ? s.p : "", s.n);
    if (!copy && s.n)
        return CG_ENOMEM;
    return split(m, copy ? copy : "", s.n);
}

/* The role of a key by its suffix, -1 for none: the suffixes end in different bytes or differ
 * in their tails, so at most one applies. */
static int nz_suffix_role(const char *key, size_t klen)
{
    switch (klen ? key[klen - 1] : '\0') {
    case 't':
        if (nz_has_suffix(key, klen, "_fmt"))
            return NZ_ROLE_FMT;
        if (nz_has_suffix(key, klen, "_kvlist"))
            return NZ_ROLE_KVLIST;
        return nz_has_suffix(key, klen, "_xmlflat") ? NZ_ROLE_XMLFLAT : -1;
    case 'm': return nz_has_suffix(key, klen, "_from") ? NZ_ROLE_FROM : -1;
    case 'l': return nz_has_suffix(key, klen, "_xml") ? NZ_ROLE_XML : -1;
    default: return -1;
    }
}

/* What a top-level key with a string value does, from its name (klen bytes, NUL-terminated).
 * No header key ends in a suffix. */
static struct nz_role nz_key_role(const char *key, size_t klen)
{
    struct nz_role r = {NZ_ROLE_DROP, -1, 0};
    if (nz_is_dropped(key, klen))
        return r;
    switch (nz_suffix_role(key, klen)) {
    case NZ_ROLE_FMT:
        return (struct nz_role){NZ_ROLE_FMT, nz_header_index(key, klen - 4), klen - 4};
    case NZ_ROLE_FROM:
        return (struct nz_role){NZ_ROLE_FROM, nz_header_index(key, klen - 5), klen - 5};
    case NZ_ROLE_KVLIST: return (struct nz_role){NZ_ROLE_KVLIST, -1, 0};
    case NZ_ROLE_XMLFLAT: return (struct nz_role){NZ_ROLE_XMLFLAT, -1, 0};
    case NZ_ROLE_XML: r = (struct nz_role){NZ_ROLE_XML, -1, klen - 4}; break;
    default:
        if ((r.hdr = nz_header_index(key, klen)) >= 0)
            return (struct nz_role){NZ_ROLE_HEADER, r.hdr, 0};
        r = (struct nz_role){NZ_ROLE_FIELD, -1, klen};
    }
    if (r.len > NZ_KEY_MAX)
        r.role = NZ_ROLE_DROP;
    return r;
}

static int nz_dup_into(struct cg_arena *a, struct cg_str s, struct cg_str *out)
{
    char *d = cg_arena_dup(a, s.p ? s.p : "", s.n);
    if (!d && s.n)
        return CG_ENOMEM;
    *out = cg_str_make(d ? d : "", s.n);
    return CG_OK;
}

/* nz_dup_into for a value of a top-level key: a short one goes to the room of the keys (one arena
 * call per chunk, not per value). No key may be pending there (nz_pair_key). */
static int nz_copy(struct nz_map *m, struct cg_str s, struct cg_str *out)
{
    if (s.n == 0 || s.n > NZ_KEY_MAX)
        return nz_dup_into(&m->ev->arena, s, out);
    char *d = nz_key_room(m, s.n);
    if (!d)
        return CG_ENOMEM;
    memcpy(d, s.p, s.n);
    m->kroom += s.n;
    m->kfree -= s.n;
    *out = cg_str_make(d, s.n);
    return CG_OK;
}

/* A top-level key with a string value (from the JSON, or an annotation), by its role. */
static int nz_top_role(struct nz_map *m, const char *key, struct nz_role r, struct cg_str s)
{
    struct cg_str v;
    switch (r.role) {
    case NZ_ROLE_FMT:
    case NZ_ROLE_FROM:
        if (m->ndir < NZ_DIRECTIVES_MAX)
            m->dir[m->ndir++] = (struct nz_directive){key, r.len, s, r.role == NZ_ROLE_FMT, r.hdr};
        return CG_OK;
    case NZ_ROLE_KVLIST: return nz_split(m, s, nz_kvlist);
    case NZ_ROLE_XMLFLAT: return nz_split(m, s, nz_xmlflat);
    case NZ_ROLE_HEADER: return nz_copy(m, s, nz_header_at(m->ev, r.hdr));
    case NZ_ROLE_XML:
        if (s.n && memchr(s.p, '&', s.n))
            return nz_xml_decode(&m->ev->arena, s.p, s.n, &v) ? nz_add(m, key, r.len, v)
                                                              : CG_ENOMEM;
        /* fall through */
    case NZ_ROLE_FIELD: return nz_copy(m, s, &v) == CG_OK ? nz_add(m, key, r.len, v) : CG_ENOMEM;
    default: return CG_OK;
    }
}

/* A top-level member key (klen bytes, NUL-terminated) = v. */
static int nz_top(struct nz_map *m, const char *key, size_t klen, struct fjson_object *v)
{
    enum fjson_type t = fjson_object_get_type(v);
    if (t == fjson_type_string)
        return nz_top_role(m, key, nz_key_role(key, klen), nz_json_str(v));
    if (nz_is_dropped(key, klen) || nz_directive(m, key, klen, NULL))
        return CG_OK;
    struct cg_str *hdr = nz_header_slot(m->ev, key, klen);
    if (hdr) {
        if (t == fjson_type_object || t == fjson_type_array || t == fjson_type_null)
            return CG_OK;
        return nz_scalar(&m->ev->arena, v, false, hdr) ? CG_OK : CG_ENOMEM;
    }
    bool xml = nz_has_suffix(key, klen, "_xml");
    if (nz_is_pair_list(key, klen) && t == fjson_type_array)
        return nz_pairs(m, v, xml);
    if (xml)
        klen -= 4;
    if (klen > NZ_KEY_MAX)
        return CG_OK;
    char buf[NZ_KEY_MAX];
    memcpy(buf, key, klen);
    return nz_flatten(m, buf, klen, v, xml, 0);
}

/* First present, non-empty field of a "a,b , c" list. */
static bool nz_from(struct cg_fields *f, const char *list, size_t n, struct cg_str *out)
{
    size_t i = 0;
    while (i < n) {
        const char *comma = memchr(list + i, ',', n - i);
        size_t j = comma ? (size_t)(comma - list) : n;
        size_t s = i, e = j;
        while (s < e && list[s] == ' ')
            s++;
        while (e > s && list[e - 1] == ' ')
            e--;
        const struct cg_str *v = e > s ? cg_fields_get(f, cg_str_make(list + s, e - s)) : NULL;
        if (v && v->n) {
            *out = *v;
            return true;
        }
        i = j + 1;
    }
    return false;
}

#define NZ_FMT_REFS 8 /* references the measuring pass of a template keeps for the copy */

/* A "${key}" reference of a template: t[at, next) and the field's value. */
struct nz_ref {
    size_t at, next;
    const struct cg_str *v;
};

/* Walks template t[0..n): o == NULL measures (*len) and keeps the first NZ_FMT_REFS references
 * in refs (*nrefs: how many there are); else writes the expansion to o. Returns false when a
 * referenced field is absent. "$" not followed by "{...}" is literal. */
static bool nz_expand(struct cg_fields *f, const char *t, size_t n, char *o, size_t *len,
                      struct nz_ref *refs, size_t *nrefs)
{
    size_t j = 0, r = 0;
    for (size_t i = 0; i < n;) {
        const char *d = memchr(t + i, '$', n - i);
        size_t run = d ? (size_t)(d - (t + i)) : n - i;
        if (o && run)
            memcpy(o + j, t + i, run);
        j += run;
        if ((i += run) >= n)
            break;
        const char *close = i + 1 < n && t[i + 1] == '{' ? memchr(t + i + 2, '}', n - i - 2) : NULL;
        if (!close) {
            if (o)
                o[j] = '$';
            j++;
            i++;
            continue;
        }
        const struct cg_str *v =
            cg_fields_get(f, cg_str_make(t + i + 2, (size_t)(close - (t + i + 2))));
        if (!v)
            return false;
        if (!o && r < NZ_FMT_REFS)
            refs[r] = (struct nz_ref){i, (size_t)(close - t) + 1, v};
        r++;
        if (o && v->n)
            memcpy(o + j, v->p, v->n);
        j += v->n;
        i = (size_t)(close - t) + 1;
    }
    *len = j;
    *nrefs = r;
    return true;
}

/* The expansion of template t[0..n) from the references the measuring pass kept. */
static void nz_expand_refs(const char *t, size_t n, const struct nz_ref *refs, size_t nrefs,
                           char *o)
{
    size_t prev = 0, j = 0;
    for (size_t k = 0; k < nrefs; k++) {
        memcpy(o + j, t + prev, refs[k].at - prev);
        j += refs[k].at - prev;
        if (refs[k].v->n)
            memcpy(o + j, refs[k].v->p, refs[k].v->n);
        j += refs[k].v->n;
        prev = refs[k].next;
    }
    if (n > prev)
        memcpy(o + j, t + prev, n - prev);
}

static int nz_fmt(struct nz_map *m, const char *t, size_t n, struct cg_str *out, bool *ok)
{
    size_t len = 0, nrefs = 0;
    struct nz_ref refs[NZ_FMT_REFS];
    *ok = nz_expand(&m->ev->fields, t, n, NULL, &len, refs, &nrefs);
    if (!*ok)
        return CG_OK;
    char *o = cg_arena_alloc(&m->ev->arena, len ? len : 1);
    if (!o)
        return CG_ENOMEM;
    if (nrefs <= NZ_FMT_REFS)
        nz_expand_refs(t, n, refs, nrefs, o);
    else
        nz_expand(&m->ev->fields, t, n, o, &len, NULL, &nrefs);
    *out = cg_str_make(o, len);
    return CG_OK;
}

/* Sets the header value hdr (-1: none) or adds field target, unless the rule already set it. */
static int nz_set_target(struct nz_map *m, const char *target, size_t tlen, int hdr_index,
                         struct cg_str val)
{
    struct cg_str *hdr = nz_header_at(m->ev, hdr_index);
    if (hdr) {
        if (hdr->n == 0)
            *hdr = val;
        return CG_OK;
    }
    if (cg_fields_get(&m->ev->fields, cg_str_make(target, tlen)))
        return CG_OK;
    return nz_add(m, target, tlen, val);
}

/* Templates first, so a _from list may name a field a template built. */
static int nz_apply_directives(struct nz_map *m)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < m->ndir; i++) {
            struct nz_directive *d = &m->dir[i];
            if (d->fmt != (pass == 0) || d->tlen == 0)
                continue;
            const char *s = d->val.p;
            size_t n = d->val.n;
            struct cg_str val;
            bool ok = false;
            if (d->fmt && nz_fmt(m, s, n, &val, &ok) != CG_OK)
                return CG_ENOMEM;
            if (!d->fmt)
                ok = nz_from(&m->ev->fields, s, n, &val);
            if (ok && nz_set_target(m, d->target, d->tlen, d->hdr, val) != CG_OK)
                return CG_ENOMEM;
        }
    }
    return CG_OK;
}

/* ---- annotations ------------------------------------------------------------------------ */

static const struct nz_tagann *nz_tag_group(const struct nz_base *b, const char *tag)
{
    for (size_t i = 0; tag && i < b->ntags; i++) {
        if (strcmp(b->tags[i].tag, tag) == 0)
            return &b->tags[i];
    }
    return NULL;
}

/* The annotations of the event's tags (the value of "event.tags"; NULL: none), in the order
 * they land (see struct nz_tagann): the tag's own list for one tag, a merge in the arena for
 * several. *lens: the lengths of their names (nz_len_bit). */
static int nz_annotate(const struct nz_base *b, struct fjson_object *tags, struct cg_arena *a,
                       const struct nz_av **out, size_t *nout, uint64_t *lens)
{
    *out = NULL;
    *nout = 0;
    *lens = 0;
    if (!b->ann || !tags || fjson_object_get_type(tags) != fjson_type_array)
        return CG_OK;
    int nt = fjson_object_array_length(tags);
    const struct nz_tagann *g;
    if (nt == 1) {
        if ((g = nz_tag_group(b, fjson_object_get_string(fjson_object_array_get_idx(tags, 0)))))
            *out = g->v, *nout = g->n, *lens = g->lens;
        return CG_OK;
    }
    struct nz_av *av = cg_arena_alloc(a, b->nann * sizeof(*av));
    size_t n = 0;
    if (!av)
        return CG_ENOMEM;
    for (int i = nt - 1; i >= 0; i--) { /* liblognorm: the last tag first */
        g = nz_tag_group(b, fjson_object_get_string(fjson_object_array_get_idx(tags, i)));
        for (size_t j = 0; g && j < g->n; j++) {
            size_t k = 0;
            while (k < n && strcmp(av[k].name, g->v[j].name) != 0)
                k++;
            if (k == n)
                av[n++] = g->v[j];
            av[k].value = g->v[j].value;
            *lens |= nz_len_bit(g->v[j].nlen);
        }
    }
    *out = av;
    *nout = n;
    return CG_OK;
}

/* A member of liblognorm's object, and the annotation that takes its value (NULL: none). */
struct nz_mem {
    const char *key;
    size_t klen;
    struct fjson_object *v;
    const struct nz_av *av;
};

#define NZ_MEMBERS_STACK 16 /* members collected without the arena */

/* The members of obj in text order (see the top of the file) at *out (stack, or the arena for
 * more than NZ_MEMBERS_STACK), and the value of its "event.tags" (NULL: none). NZ_NOMATCH when
 * one is "unparsed-data", liblognorm's way of saying no match. */
static int nz_collect(struct cg_arena *a, struct fjson_object *obj, struct nz_mem **out,
                      size_t *nout, struct fjson_object **tags)
{
    int cnt = fjson_object_object_length(obj);
    *nout = 0;
    *tags = NULL;
    if (cnt <= 0)
        return CG_OK;
    struct nz_mem *v = *out;
    if (cnt > NZ_MEMBERS_STACK && !(v = cg_arena_alloc(a, (size_t)cnt * sizeof(*v))))
        return CG_ENOMEM;
    struct fjson_object_iterator it = fjson_object_iter_begin(obj);
    struct fjson_object_iterator end = fjson_object_iter_end(obj);
    size_t n = (size_t)cnt;
    while (n && !fjson_object_iter_equal(&it, &end)) {
        struct nz_mem *e = &v[--n];
        e->key = fjson_object_iter_peek_name(&it);
        e->klen = strlen(e->key);
        e->v = fjson_object_iter_peek_value(&it);
        e->av = NULL;
        fjson_object_iter_next(&it);
    }
    *out = v + n;
    *nout = (size_t)cnt - n;
    for (size_t i = 0; i < *nout; i++) {
        const struct nz_mem *e = &(*out)[i];
        if (e->klen == 13 && memcmp(e->key, "unparsed-data", 13) == 0)
            return NZ_NOMATCH;
        if (!*tags && e->klen == 10 && memcmp(e->key, "event.tags", 10) == 0)
            *tags = e->v;
    }
    return CG_OK;
}

/* Pairs each member with the annotation of its name (names are unique among annotations),
 * skipping a member whose name length none has (lens). Returns the annotations so paired as
 * bits 1 << j, for j < 64. */
static uint64_t nz_pair_annots(struct nz_mem *mem, size_t n, const struct nz_av *av, size_t nav,
                               uint64_t lens)
{
    uint64_t paired = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; (lens & nz_len_bit(mem[i].klen)) && j < nav; j++) {
            if (av[j].nlen == mem[i].klen && memcmp(av[j].name, mem[i].key, mem[i].klen) == 0) {
                mem[i].av = &av[j];
                paired |= j < 64 ? (uint64_t)1 << j : 0;
                break;
            }
        }
    }
    return paired;
}

/* Whether annotation j of a was paired with a member. */
static bool nz_av_shadowed(const struct nz_mem *mem, size_t n, const struct nz_av *a, size_t j,
                           uint64_t paired)
{
    if (j < 64)
        return (paired >> j) & 1;
    for (size_t i = 0; i < n; i++) {
        if (mem[i].av == &a[j])
            return true;
    }
    return false;
}

/* The annotations, then the members of the object. */
static int nz_map_members(struct nz_map *m, const struct nz_base *b, struct fjson_object *json)
{
    struct cg_arena *a = &m->ev->arena;
    struct nz_mem stack[NZ_MEMBERS_STACK], *mem = stack;
    struct fjson_object *tags = NULL;
    const struct nz_av *av = NULL;
    size_t n = 0, nav = 0;
    uint64_t lens = 0;
    int rc = nz_collect(a, json, &mem, &n, &tags);
    if (rc == CG_OK)
        rc = nz_annotate(b, tags, a, &av, &nav, &lens);
    uint64_t paired = nz_pair_annots(mem, rc == CG_OK ? n : 0, av, nav, lens);
    /* Last landed first. One named like a parsed member took that member's place. */
    for (size_t j = nav; j-- > 0 && rc == CG_OK;) {
        if (!nz_av_shadowed(mem, n, av, j, paired))
            rc = nz_top_role(m, av[j].name, av[j].role, av[j].value);
    }
    for (size_t i = 0; i < n && rc == CG_OK; i++) {
        const struct nz_mem *e = &mem[i];
        rc = e->av ? nz_top_role(m, e->key, e->av->role, e->av->value)
                   : nz_top(m, e->key, e->klen, e->v);
    }
    return rc;
}

/* Maps one liblognorm result into ev. On CG_ENOMEM, and on NZ_NOMATCH (a value did not
 * split: the rule does not match after all), the event is left as it was. */
static int nz_map(struct cg_event *ev, struct nz_snake_cache *snake, const struct nz_base *b,
                  struct fjson_object *json)
{
    struct nz_map m; /* not zeroed as a whole: m.dir is large, and used up to m.ndir */
    m.ev = ev;
    cg_fields_filter_init(&m.flt, &ev->fields); /* a rollback leaves it wider: still valid */
    m.snake = snake;
    m.memo = snake ? &snake->memo : NULL;
    m.kroom = NULL;
    m.kfree = 0;
    m.ndir = 0;
    m.last = SIZE_MAX;
    m.unlabeled = 0;
    struct cg_str hdr[6] = {ev->vendor,   ev->product, ev->product_version,
                            ev->event_id, ev->name,    ev->severity};
    struct cg_fields saved = ev->fields;
    int rc = nz_map_members(&m, b, json);
    if (rc == CG_OK)
        rc = nz_apply_directives(&m);
    if (rc != CG_OK) {
        ev->vendor = hdr[0];
        ev->product = hdr[1];
        ev->product_version = hdr[2];
        ev->event_id = hdr[3];
        ev->name = hdr[4];
        ev->severity = hdr[5];
        ev->fields.n = saved.n;
        ev->fields.dup_dropped = saved.dup_dropped;
        ev->fields.limit_dropped = saved.limit_dropped;
        return rc;
    }
    ev->format = CG_FMT_LOGNORM;
    ev->reason = CG_REJ_NONE;
    ev->fields_done = true;
    return CG_OK;
}

/* The text a rulebase sees, in the arena, followed by pad + 1 NUL bytes: "TAG: MSG" as
 * sent (3164), "APP-NAME: MSG" (5424), the line. liblognorm 2.0.6 may read past the end
 * of the text: one byte in general, and up to a rule literal's length when a NUL byte in
 * the line follows a literal (ln_v2_parseLiteral). With the padding those reads stay in
 * our buffer and see zeros, so such a line matches or not the same way every time. */
static bool nz_input_text(struct cg_event *ev, size_t pad, struct cg_str *out)
{
    const struct cg_syslog *sl = &ev->sl;
    struct cg_str app = CG_STR_NULL, msg = sl->msg;
    if (sl->kind == CG_SYSLOG_RFC5424) {
        if (sl->app.n && !(sl->app.n == 1 && sl->app.p[0] == '-'))
            app = sl->app;
    } else if (cg_str_is_set(sl->tagged_msg)) {
        msg = sl->tagged_msg;
    } else if (!cg_str_is_set(msg)) {
        msg = ev->line;
    }
    size_t n = (app.n ? app.n + 2 : 0) + msg.n;
    if (n > SIZE_MAX / 2 || pad > SIZE_MAX / 4)
        return false;
    char *o = cg_arena_alloc(&ev->arena, n + 1 + pad);
    if (!o)
        return false;
    memset(o + n, 0, pad + 1);
    size_t j = 0;
    if (app.n) {
        memcpy(o, app.p, app.n);
        memcpy(o + app.n, ": ", 2);
        j = app.n + 2;
    }
    if (msg.n)
        memcpy(o + j, msg.p, msg.n);
    o[n] = '\0';
    *out = cg_str_make(o, n);
    return true;
}

/* Out of line: cg_normalize runs for every event, most of which only take its first test. */
static NZ_NOINLINE void nz_try_rulebases(struct cg_normalizer *nz, struct cg_event *ev)
{
    struct cg_str text;
    if (!nz_input_text(ev, nz->pad, &text))
        return;
    for (size_t i = 0; i < nz->n; i++) {
        if (!nz_may_match(&nz->v[i], text))
            continue;
        struct fjson_object *json = NULL;
        int rc = ln_normalize(nz->v[i].ctx, text.p, text.n, &json);
        bool matched = rc == 0 && json && fjson_object_get_type(json) == fjson_type_object;
        if (matched && !nz->snake)
            nz->snake = calloc(1, sizeof(*nz->snake)); /* NULL: no cache, still correct */
        if (matched && nz_map(ev, nz->snake, &nz->v[i], json) == NZ_NOMATCH)
            matched = false; /* try the next file; out of memory leaves the event raw */
        if (json)
            fjson_object_put(json);
        if (matched)
            return;
    }
}

void cg_normalize(struct cg_normalizer *nz, struct cg_event *ev)
{
    if (nz && nz->n && ev->format == CG_FMT_RAW && ev->reason == CG_REJ_NO_DECODER)
        nz_try_rulebases(nz, ev);
}
