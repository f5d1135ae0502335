/*
 * rulebase.c - the normalizer's life (see normalize.h): rulebase files loaded into
 * liblognorm contexts, each scanned first for its prefilter (prefilter.c) and its
 * annotations (annotate.c).
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
 */
#include "normalize_int.h"

#include "cefguard/log.h"
#include "cefguard/vec.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define NZ_ERRMSG_MAX 400 /* bytes of one liblognorm message copied to err */

static bool nz_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* What the scan of a rulebase file found. */
struct nz_scan_res {
    bool filter;   /* every rule has a condition (nz_need) */
    bool native;   /* annotate= lines can be applied here (cg_nz_annotate_line) */
    size_t annots; /* annotate= lines */
};

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
            r->native = r->native && cg_nz_annotate_line(b, p, len, &acap);
        }
        if (len >= sizeof(line)) {
            r->filter = false; /* longer than the buffer */
        } else {
            memcpy(line, p, len);
            line[len] = '\0';
            r->filter = r->filter && cg_nz_prefilter_line(b, line, &ncap);
        }
        p += len + 1;
    }
    if (!r->filter || b->nneed == 0)
        cg_nz_prefilter_free(b);
    if (!r->native || r->annots == 0 || !cg_nz_annotate_group(b))
        cg_nz_annotate_free(b);
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
        cg_nz_prefilter_free(&nz->v[i]);
        cg_nz_annotate_free(&nz->v[i]);
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
    const char *name;   /* path escaped, for messages (file names are untrusted bytes) */
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
        cg_buf_printf(ld->err, "%s:%ld:1: ", ld->name, line);
    else
        cg_buf_printf(ld->err, "%s: ", ld->name);
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
    if (err) {
        cg_log_put_name(err, path);
        cg_buf_printf(err, ": cannot %s rulebase: %s\n", what, strerror(e));
    }
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
        if (cg_vec_reserve_ptr(&buf, &cap, 1, len + 16384) != CG_OK) {
            e = ENOMEM;
            break;
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
    if (err) {
        cg_log_put_name(err, path);
        cg_buf_puts(err, ":1:1: not a liblognorm v2 rulebase: the first line must be "
                         "\"version=2\"\n");
    }
    return CG_EPARSE;
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
            cg_buf_printf(ld->err, "%s: rulebase did not load (liblognorm error %d)\n", ld->name,
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
        cg_nz_prefilter_free(b);
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
    struct cg_buf name;
    cg_buf_init(&name);
    if (cg_log_put_name(&name, path) != CG_OK) {
        cg_buf_fini(&name);
        return CG_ENOMEM;
    }
    struct nz_load ld = {path, cg_buf_cstr(&name), native ? "--NO-FILE--" : path, err, 0};
    int rc = nz_ln_load(b->ctx, &ld, text, n, native);
    cg_buf_fini(&name);
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
        (rc = cg_vec_reserve(nz, nz->n + 1)) == CG_OK) {
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
            cg_nz_prefilter_free(b);
            cg_nz_annotate_free(b);
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
        if (cg_vec_reserve_ptr(&v, &cap, sizeof(*v), n + 1) != CG_OK ||
            (v[n] = strdup(de->d_name)) == NULL)
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
        if (err) {
            cg_log_put_name(err, dir);
            cg_buf_printf(err, ": cannot open rulebase directory: %s\n", strerror(e));
        }
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
