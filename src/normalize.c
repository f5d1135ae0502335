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
 *   - a key ending in "_xml" holds XML text: entities are decoded in its values and the
 *     suffix is dropped from the field name;
 *   - everything else is flattened: objects with '.', arrays with ".<index>".
 * liblognorm builds objects back to front, so members are visited in reverse: fields then
 * come out in the order of the text.
 *
 * One normalizer per thread: ln_normalize updates statistics inside the context.
 */
#include "cefguard/normalize.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <liblognorm.h>

#define NZ_KEY_MAX 256       /* bytes of a field key built by flattening or snake_case */
#define NZ_DEPTH_MAX 8       /* nesting levels flattened; deeper values are dropped */
#define NZ_DIRECTIVES_MAX 16 /* _from/_fmt directives per match */
#define NZ_ERRMSG_MAX 400    /* bytes of one liblognorm message copied to err */

/* A rulebase: its context and its prefilter. When every rule of the file starts with a
 * literal, a line that starts with none of those literals cannot match, and liblognorm
 * (which builds an error object with two copies of the line for every miss) is skipped. */
struct nz_base {
    ln_ctx ctx;
    char *path;
    char **pfx; /* literal starts of the rules; NULL = no prefilter, always try */
    size_t npfx;
};

struct cg_normalizer {
    struct nz_base *v;
    size_t n;
    size_t cap;
};

/* ---- prefilter ---------------------------------------------------------------------- */

static void nz_free_prefixes(struct nz_base *b)
{
    for (size_t i = 0; i < b->npfx; i++)
        free(b->pfx[i]);
    free(b->pfx);
    b->pfx = NULL;
    b->npfx = 0;
}

/* The literal a rule line starts with, cut at the first '%' (a field, or "%%"), backslash
 * (an escape) or whitespace (which liblognorm may trim): a shorter prefix is still a
 * correct filter. Returns its length; 0 when the rule starts with a field. */
static size_t nz_rule_prefix(const char *line, const char **start)
{
    const char *colon = strchr(line + 5, ':'); /* after "rule=" and the tags */
    if (!colon)
        return 0;
    *start = colon + 1;
    return strcspn(colon + 1, "%\\ \t\r\n");
}

static int nz_add_prefix(struct nz_base *b, const char *p, size_t n, size_t *cap)
{
    if (b->npfx == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        char **v = realloc(b->pfx, nc * sizeof(*v));
        if (!v)
            return CG_ENOMEM;
        b->pfx = v;
        *cap = nc;
    }
    if ((b->pfx[b->npfx] = strndup(p, n)) == NULL)
        return CG_ENOMEM;
    b->npfx++;
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

/* Reads the rule starts of a loaded file. Anything this scan does not fully understand
 * (a non-empty prefix=, include=, a rule that starts with a field, an overlong line, a file
 * that changed since it was checked before loading) turns the filter off for the file: the
 * filter may only ever be too wide, never too narrow. */
static void nz_scan_prefixes(struct nz_base *b, const struct stat *loaded)
{
    FILE *f = fopen(b->path, "r");
    struct stat st;
    char line[4096];
    size_t cap = 0;
    bool ok = f != NULL && fstat(fileno(f), &st) == 0 && nz_same_file(&st, loaded);
    while (ok && fgets(line, sizeof(line), f)) {
        const char *start = NULL;
        size_t n = 0;
        if (!strchr(line, '\n') && !feof(f))
            ok = false; /* longer than the buffer */
        else if (strncmp(line, "rule=", 5) == 0)
            ok = (n = nz_rule_prefix(line, &start)) != 0 &&
                 nz_add_prefix(b, start, n, &cap) == CG_OK;
        else if (strncmp(line, "prefix=", 7) == 0)
            ok = nz_blank(line + 7); /* "prefix=" alone resets the prefix */
        else if (strncmp(line, "include=", 8) == 0 || strncmp(line, "extendprefix=", 13) == 0)
            ok = false;
    }
    if (f)
        fclose(f);
    if (!ok || b->npfx == 0)
        nz_free_prefixes(b);
}

static bool nz_may_match(const struct nz_base *b, struct cg_str text)
{
    if (!b->pfx)
        return true;
    for (size_t i = 0; i < b->npfx; i++) {
        if (cg_str_has_prefix(text, b->pfx[i]))
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
        nz_free_prefixes(&nz->v[i]);
    }
    free(nz->v);
    free(nz);
}

size_t cg_normalizer_nrulebases(const struct cg_normalizer *nz)
{
    return nz ? nz->n : 0;
}

/* ---- loading ------------------------------------------------------------------------ */

struct nz_load {
    const char *path;
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

/* liblognorm writes "rulebase file PATH[LINE]: MESSAGE" during a load. It reports no
 * column, so the column is 1. */
static void nz_put_lnerr(struct nz_load *ld, const char *msg, size_t len)
{
    static const char pfx[] = "rulebase file ";
    size_t plen = strlen(ld->path), i = sizeof(pfx) - 1 + plen + 1;
    long line = 0;
    const char *text = msg;
    if (len > i && memcmp(msg, pfx, sizeof(pfx) - 1) == 0 &&
        memcmp(msg + sizeof(pfx) - 1, ld->path, plen) == 0 && msg[i - 1] == '[') {
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

/* Checks that path is a readable liblognorm v2 rulebase: without "version=2" as its very
 * first line, liblognorm would silently use its v1 engine. *st identifies the file. */
static int nz_check_file(const char *path, struct cg_buf *err, struct stat *st)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        if (err)
            cg_buf_printf(err, "%s: cannot open rulebase: %s\n", path, strerror(e));
        return e == ENOENT ? CG_ENOENT : CG_EIO;
    }
    char first[16] = {0};
    int e = fstat(fileno(f), st) == 0 ? 0 : errno;
    bool ok = !e && fgets(first, sizeof(first), f) != NULL;
    if (!e && ferror(f))
        e = errno;
    fclose(f);
    if (e) {
        if (err)
            cg_buf_printf(err, "%s: cannot read rulebase: %s\n", path, strerror(e));
        return CG_EIO;
    }
    if (!ok || (strcmp(first, "version=2\n") != 0 && strcmp(first, "version=2") != 0)) {
        if (err)
            cg_buf_printf(err,
                          "%s:1:1: not a liblognorm v2 rulebase: the first line must "
                          "be \"version=2\"\n",
                          path);
        return CG_EPARSE;
    }
    return CG_OK;
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

/* Runs ln_loadSamples with the error callback pointed at ld. */
static int nz_ln_load(ln_ctx ctx, struct nz_load *ld)
{
    ln_setErrMsgCB(ctx, nz_errmsg_cb, ld);
    ln_setDebugCB(ctx, NULL, ld); /* 2.0.6 passes this cookie; NULL cb keeps debug off */
    int rc = ln_loadSamples(ctx, ld->path);
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

int cg_normalizer_load(struct cg_normalizer *nz, const char *path, struct cg_buf *err)
{
    struct stat st;
    int rc = nz_check_file(path, err, &st);
    if (rc != CG_OK)
        return rc;
    if (nz_reserve(nz) != CG_OK)
        return CG_ENOMEM;
    char *copy = strdup(path);
    ln_ctx ctx = copy ? ln_initCtx() : NULL;
    if (!ctx) {
        free(copy);
        return CG_ENOMEM;
    }
    struct nz_load ld = {path, err, 0};
    rc = nz_ln_load(ctx, &ld);
    if (rc != CG_OK) {
        ln_exitCtx(ctx);
        free(copy);
        return rc;
    }
    struct nz_base *b = &nz->v[nz->n++];
    b->ctx = ctx;
    b->path = copy;
    b->pfx = NULL;
    b->npfx = 0;
    nz_scan_prefixes(b, &st);
    return CG_OK;
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

static int nz_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
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
        int d = base == 16 ? nz_hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
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

/* ---- mapping ------------------------------------------------------------------------ */

struct nz_directive {
    const char *target; /* key prefix, in the JSON (valid until json_object_put) */
    size_t tlen;
    struct fjson_object *val;
    bool fmt; /* _fmt (template) or _from (list) */
};

struct nz_map {
    struct cg_event *ev;
    struct nz_directive dir[NZ_DIRECTIVES_MAX];
    size_t ndir;
    size_t last;      /* index in ev->fields of the last pair added, SIZE_MAX if none */
    size_t unlabeled; /* unlabelled pieces seen */
};

static struct cg_str *nz_header_slot(struct cg_event *ev, const char *k, size_t n)
{
    if (n == 6 && memcmp(k, "vendor", 6) == 0)
        return &ev->vendor;
    if (n == 7 && memcmp(k, "product", 7) == 0)
        return &ev->product;
    if (n == 15 && memcmp(k, "product_version", 15) == 0)
        return &ev->product_version;
    if (n == 8 && memcmp(k, "event_id", 8) == 0)
        return &ev->event_id;
    if (n == 4 && memcmp(k, "name", 4) == 0)
        return &ev->name;
    if (n == 8 && memcmp(k, "severity", 8) == 0)
        return &ev->severity;
    return NULL;
}

static bool nz_has_suffix(const char *k, size_t n, const char *sfx)
{
    size_t m = strlen(sfx);
    return n > m && memcmp(k + n - m, sfx, m) == 0;
}

/* Adds key (copied) = val (already in the arena); records it as the last pair. */
static int nz_add(struct nz_map *m, const char *key, size_t klen, struct cg_str val)
{
    struct cg_fields *f = &m->ev->fields;
    char *k = cg_arena_dup(&m->ev->arena, key, klen);
    if (!k)
        return CG_ENOMEM;
    size_t before = f->n;
    if (cg_fields_add(f, cg_str_make(k, klen), val) != CG_OK)
        return CG_ENOMEM;
    m->last = f->n > before ? before : SIZE_MAX;
    return CG_OK;
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

/* Member of a pair-list element if it has the given type, else NULL. */
static struct fjson_object *nz_member(struct fjson_object *el, const char *name,
                                      enum fjson_type type)
{
    struct fjson_object *v = NULL;
    if (!fjson_object_object_get_ex(el, name, &v) || !v || fjson_object_get_type(v) != type)
        return NULL;
    return v;
}

static size_t nz_snake_json(struct fjson_object *name, char *buf, size_t cap)
{
    const char *s = fjson_object_get_string(name);
    return s ? nz_snake(s, (size_t)fjson_object_get_string_len(name), buf, cap) : 0;
}

/* A label from the data must not take the place of the rule's "subject" field: such a
 * pair is stored as "subject_". key has room for NZ_KEY_MAX bytes. */
static size_t nz_unreserve(char *key, size_t klen)
{
    if (klen == 7 && memcmp(key, "subject", 7) == 0)
        key[klen++] = '_';
    return klen;
}

static int nz_pair_value(struct nz_map *m, struct fjson_object *name, struct fjson_object *val,
                         bool xml)
{
    char key[NZ_KEY_MAX];
    size_t klen = nz_unreserve(key, nz_snake_json(name, key, sizeof(key)));
    struct cg_str v;
    m->last = SIZE_MAX;
    if (!klen)
        return CG_OK;
    if (!nz_scalar(&m->ev->arena, val, xml, &v))
        return CG_ENOMEM;
    return nz_add(m, key, klen, v);
}

/* {"name": "SoftwareInfo", "attrs": [{"name": "ProductName", "value": ...}]} ->
 * software_info.product_name */
static int nz_pair_attrs(struct nz_map *m, struct fjson_object *name, struct fjson_object *attrs,
                         bool xml)
{
    char key[NZ_KEY_MAX];
    size_t klen = nz_snake_json(name, key, sizeof(key) - 1);
    size_t n = (size_t)fjson_object_array_length(attrs);
    int rc = CG_OK;
    for (size_t i = 0; klen && i < n && rc == CG_OK; i++) {
        struct fjson_object *el = fjson_object_array_get_idx(attrs, (int)i);
        struct fjson_object *an = el ? nz_member(el, "name", fjson_type_string) : NULL;
        struct fjson_object *av = el ? nz_member(el, "value", fjson_type_string) : NULL;
        size_t alen = an ? nz_snake_json(an, key + klen + 1, sizeof(key) - klen - 1) : 0;
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

/* A piece that began with a space: the comma before it was part of the previous value. */
static int nz_pair_cont(struct nz_map *m, struct fjson_object *cont, bool xml)
{
    struct cg_str c;
    if (!nz_scalar(&m->ev->arena, cont, xml, &c))
        return CG_ENOMEM;
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

static int nz_pair_unlabeled(struct nz_map *m, struct fjson_object *val, bool xml)
{
    struct cg_str v;
    if (!nz_scalar(&m->ev->arena, val, xml, &v))
        return CG_ENOMEM;
    m->last = SIZE_MAX;
    if (v.n == 0)
        return CG_OK; /* an empty column */
    if (nz_is_bare_label(v)) {
        char key[NZ_KEY_MAX];
        size_t klen = nz_unreserve(key, nz_snake(v.p, v.n - 1, key, sizeof(key)));
        return klen ? nz_add(m, key, klen, cg_str_make(v.p, 0)) : CG_OK;
    }
    char key[32];
    int len = snprintf(key, sizeof(key), "unlabeled.%zu", m->unlabeled++);
    return nz_add(m, key, (size_t)len, v);
}

/* Members other than name/value/cont/attrs are fields named by the rule (e.g. the
 * unlabelled SEPM columns the rule reads after "Occurrences: N"). */
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
    int rc = CG_OK;
    if (cont) {
        rc = nz_pair_cont(m, cont, xml); /* needs m->last */
    } else if (!name) {
        m->last = SIZE_MAX;
        if (value)
            rc = nz_pair_unlabeled(m, value, xml);
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

/* Stores a "<target>_from" / "<target>_fmt" directive; false if key is none. */
static bool nz_directive(struct nz_map *m, const char *key, size_t klen, struct fjson_object *v)
{
    bool fmt = nz_has_suffix(key, klen, "_fmt");
    if (!fmt && !nz_has_suffix(key, klen, "_from"))
        return false;
    if (fjson_object_get_type(v) == fjson_type_string && m->ndir < NZ_DIRECTIVES_MAX) {
        struct nz_directive *d = &m->dir[m->ndir++];
        d->target = key;
        d->tlen = klen - (fmt ? 4 : 5);
        d->val = v;
        d->fmt = fmt;
    }
    return true;
}

static bool nz_is_pair_list(const char *key, size_t klen)
{
    return (klen == 2 && memcmp(key, "kv", 2) == 0) || (klen > 3 && memcmp(key, "kv_", 3) == 0);
}

static int nz_top(struct nz_map *m, const char *key, struct fjson_object *v)
{
    size_t klen = strlen(key);
    if (strcmp(key, "event.tags") == 0 || strcmp(key, "originalmsg") == 0 ||
        strcmp(key, "unparsed-data") == 0 || nz_directive(m, key, klen, v))
        return CG_OK;
    struct cg_str *hdr = nz_header_slot(m->ev, key, klen);
    if (hdr) {
        enum fjson_type t = fjson_object_get_type(v);
        if (t == fjson_type_object || t == fjson_type_array || t == fjson_type_null)
            return CG_OK;
        return nz_scalar(&m->ev->arena, v, false, hdr) ? CG_OK : CG_ENOMEM;
    }
    bool xml = nz_has_suffix(key, klen, "_xml");
    if (nz_is_pair_list(key, klen) && fjson_object_get_type(v) == fjson_type_array)
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
        size_t j = i;
        while (j < n && list[j] != ',')
            j++;
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

/* Expands "${key}" references of a template; o == NULL only measures. Returns false when
 * a referenced field is absent. "$" not followed by "{...}" is literal. */
static bool nz_expand(struct cg_fields *f, const char *t, size_t n, char *o, size_t *len)
{
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        const char *close = (t[i] == '$' && i + 1 < n && t[i + 1] == '{')
                                ? memchr(t + i + 2, '}', n - i - 2)
                                : NULL;
        if (!close) {
            if (o)
                o[j] = t[i];
            j++;
            i++;
            continue;
        }
        const struct cg_str *v =
            cg_fields_get(f, cg_str_make(t + i + 2, (size_t)(close - (t + i + 2))));
        if (!v)
            return false;
        if (o && v->n)
            memcpy(o + j, v->p, v->n);
        j += v->n;
        i = (size_t)(close - t) + 1;
    }
    *len = j;
    return true;
}

static int nz_fmt(struct nz_map *m, const char *t, size_t n, struct cg_str *out, bool *ok)
{
    size_t len = 0;
    *ok = nz_expand(&m->ev->fields, t, n, NULL, &len);
    if (!*ok)
        return CG_OK;
    char *o = cg_arena_alloc(&m->ev->arena, len ? len : 1);
    if (!o)
        return CG_ENOMEM;
    nz_expand(&m->ev->fields, t, n, o, &len);
    *out = cg_str_make(o, len);
    return CG_OK;
}

/* Sets a header value or adds a field, unless the rule already set it. */
static int nz_set_target(struct nz_map *m, const char *target, size_t tlen, struct cg_str val)
{
    struct cg_str *hdr = nz_header_slot(m->ev, target, tlen);
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
            const char *s = fjson_object_get_string(d->val);
            size_t n = (size_t)fjson_object_get_string_len(d->val);
            struct cg_str val;
            bool ok = false;
            if (d->fmt && nz_fmt(m, s, n, &val, &ok) != CG_OK)
                return CG_ENOMEM;
            if (!d->fmt)
                ok = nz_from(&m->ev->fields, s, n, &val);
            if (ok && nz_set_target(m, d->target, d->tlen, val) != CG_OK)
                return CG_ENOMEM;
        }
    }
    return CG_OK;
}

/* Maps one liblognorm result into ev. On CG_ENOMEM the event is left as it was. */
static int nz_map(struct cg_event *ev, struct fjson_object *json)
{
    struct nz_map m = {.ev = ev, .ndir = 0, .last = SIZE_MAX, .unlabeled = 0};
    struct cg_str hdr[6] = {ev->vendor,   ev->product, ev->product_version,
                            ev->event_id, ev->name,    ev->severity};
    struct cg_fields saved = ev->fields;
    struct fjson_object_iterator *its = NULL;
    size_t n = 0;
    int rc = nz_members(&ev->arena, json, &its, &n);
    for (size_t i = 0; i < n && rc == CG_OK; i++)
        rc =
            nz_top(&m, fjson_object_iter_peek_name(&its[i]), fjson_object_iter_peek_value(&its[i]));
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

/* The text a rulebase sees, NUL-terminated in the arena (liblognorm parsers may look one
 * byte past the end): "TAG: MSG" as sent (3164), "APP-NAME: MSG" (5424), the line. */
static bool nz_input_text(struct cg_event *ev, struct cg_str *out)
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
    char *o = cg_arena_alloc(&ev->arena, n + 1);
    if (!o)
        return false;
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

static void nz_try_rulebases(struct cg_normalizer *nz, struct cg_event *ev)
{
    struct cg_str text;
    if (!nz_input_text(ev, &text))
        return;
    for (size_t i = 0; i < nz->n; i++) {
        if (!nz_may_match(&nz->v[i], text))
            continue;
        struct fjson_object *json = NULL;
        int rc = ln_normalize(nz->v[i].ctx, text.p, text.n, &json);
        bool matched = rc == 0 && json && fjson_object_get_type(json) == fjson_type_object &&
                       !fjson_object_object_get_ex(json, "unparsed-data", NULL);
        if (matched)
            nz_map(ev, json); /* out of memory leaves the event raw */
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
