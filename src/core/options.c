/* options.c - the declarative option table: values, checks, getopt, help (see options.h). */
#include "cefguard/options.h"
#include "cefguard/endpoint.h"
#include "cefguard/timeutil.h"

#include "cefguard/vec.h"

#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define HELP_COL 30       /* where the help text of an option starts */
#define HELP_WIDTH 99     /* the longest line (the source's 100 columns, less one) */
#define SHORT_VAL_MAX 256 /* getopt values below are short letters, from here table indexes */

static bool takes_value(enum cg_opt_type t)
{
    return t != CG_OPT_FLAG && t != CG_OPT_HELP;
}

static bool is_numeric(enum cg_opt_type t)
{
    return t == CG_OPT_UINT || t == CG_OPT_SIZE || t == CG_OPT_YEAR || t == CG_OPT_DURATION;
}

/* The largest value the type's storage holds. */
static uint64_t type_max(enum cg_opt_type t)
{
    switch (t) {
    case CG_OPT_UINT: return UINT_MAX;
    case CG_OPT_SIZE: return SIZE_MAX;
    case CG_OPT_YEAR: return INT_MAX;
    case CG_OPT_DURATION: return INT64_MAX;
    default: return 0;
    }
}

/* A flag's value where one is written (a configuration file, --set): YAML 1.2's core
 * booleans and the words a config file commonly uses. */
static bool parse_bool(const char *s, bool *on)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "on", "1"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "off", "0"};
    for (size_t i = 0; i < CG_ARRAY_LEN(yes); i++) {
        if (strcmp(s, yes[i]) == 0) {
            *on = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *on = false;
            return true;
        }
    }
    return false;
}

/* Decimal digits, nothing else, at most UINT64_MAX; *end is where the digits stop. */
static bool parse_digits(const char *s, uint64_t *v, const char **end)
{
    uint64_t x = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    *end = p;
    return p != s;
}

static bool parse_number(const struct cg_opt *o, const char *s, uint64_t *v)
{
    const char *end;
    if (o->type == CG_OPT_DURATION) {
        if (!cg_time_parse_duration(s, v))
            return false;
    } else if (!parse_digits(s, v, &end) || *end) {
        return false;
    }
    return *v >= o->min && *v <= o->max && *v <= type_max(o->type);
}

static int put_value(struct cg_buf *b, const struct cg_opt *o, uint64_t v)
{
    if (o->type == CG_OPT_DURATION) {
        char d[32];
        size_t n = cg_time_format_duration(v, d, sizeof(d));
        return cg_buf_put(b, d, n);
    }
    return cg_buf_printf(b, "%" PRIu64, v);
}

/* "min..max [unit]" (help), or "min to max [unit]" (messages). */
static int put_range(struct cg_buf *b, const struct cg_opt *o, const char *to)
{
    int rc = put_value(b, o, o->min);
    if (rc == CG_OK)
        rc = cg_buf_puts(b, to);
    if (rc == CG_OK)
        rc = put_value(b, o, o->max);
    if (rc == CG_OK && o->unit)
        rc = cg_buf_printf(b, " %s", o->unit);
    return rc;
}

/* What a value of o must look like: the end of a "bad value" message. */
static int put_expected(struct cg_buf *err, const struct cg_opt *o)
{
    const char *what = o->type == CG_OPT_YEAR ? "a year" : "a whole number";
    if (o->type == CG_OPT_DURATION)
        what = "a duration such as 0, 500ms, 90s, 15m, 2h or 1d";
    int rc = cg_buf_printf(err, "expected %s from ", what);
    return rc == CG_OK ? put_range(err, o, " to ") : rc;
}

/* v is in the entry's range, which cg_opt_check keeps within the type. */
static int store_number(const struct cg_opt *o, void *field, uint64_t v)
{
    switch (o->type) {
    case CG_OPT_UINT: *(unsigned *)field = (unsigned)v; break;
    case CG_OPT_SIZE: *(size_t *)field = (size_t)v; break;
    case CG_OPT_YEAR: *(int *)field = (int)v; break;
    default: *(int64_t *)field = (int64_t)v; break;
    }
    return CG_OK;
}

int cg_opt_set(const struct cg_opt *o, const char *text, void *conf, struct cg_buf *err)
{
    void *field = (char *)conf + o->offset;
    uint64_t v;
    if (!takes_value(o->type)) {
        if (o->type != CG_OPT_FLAG)
            return CG_OK;
        bool on = true; /* given without a value: present means true */
        if (text && !parse_bool(text, &on))
            return cg_buf_puts(err, "expected true or false") == CG_OK ? CG_EINVAL : CG_ENOMEM;
        *(bool *)field = on;
        return CG_OK;
    }
    if (!text)
        return cg_buf_puts(err, "expected a value") == CG_OK ? CG_EINVAL : CG_ENOMEM;
    if (is_numeric(o->type)) {
        if (!parse_number(o, text, &v))
            return put_expected(err, o) == CG_OK ? CG_EINVAL : CG_ENOMEM;
        return store_number(o, field, v);
    }
    if (o->type == CG_OPT_PATHS) {
        struct cg_opt_paths *l = field;
        if (cg_vec_reserve(l, l->n + 1) != CG_OK)
            return CG_ENOMEM;
        l->v[l->n++] = (struct cg_opt_path){text, o->tag};
        return CG_OK;
    }
    if (o->type == CG_OPT_LISTEN || o->type == CG_OPT_ENDPOINT) {
        struct cg_endpoint ep;
        int rc =
            cg_endpoint_parse(text, o->type == CG_OPT_ENDPOINT ? CG_ENDPOINT_NAMES : 0, &ep, err);
        if (rc != CG_OK)
            return rc;
    }
    *(const char **)field = text; /* STRING, TIMEZONE, LISTEN, ENDPOINT */
    return CG_OK;
}

int cg_opt_defaults(const struct cg_opt_table *t, void *conf, struct cg_buf *err)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_opt *o = &t->v[i];
        if (!o->def)
            continue;
        size_t mark = err->n;
        if (cg_buf_printf(err, "default '%s' of %s: ", o->def, o->name) != CG_OK)
            return CG_ENOMEM;
        int rc = cg_opt_set(o, o->def, conf, err);
        if (rc != CG_OK)
            return cg_buf_putc(err, '\n') == CG_OK ? rc : CG_ENOMEM;
        err->n = mark;
    }
    return CG_OK;
}

void cg_opt_fini(const struct cg_opt_table *t, void *conf)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].type != CG_OPT_PATHS)
            continue;
        struct cg_opt_paths *l = (void *)((char *)conf + t->v[i].offset);
        free(l->v); /* entries sharing the list: the second sees it empty */
        *l = (struct cg_opt_paths){0};
    }
}

/* ---- the table's own checks ------------------------------------------------------------ */

static const char *range_problem(const struct cg_opt *o)
{
    if (!is_numeric(o->type))
        return o->min || o->max ? "a range on a type without one" : NULL;
    if (o->min > o->max || o->max == 0 || o->max > type_max(o->type))
        return "a range that is empty or beyond the type";
    if (o->type == CG_OPT_DURATION && (o->min % 1000 || o->max % 1000))
        return "a duration range not in whole milliseconds";
    return NULL;
}

static const char *default_problem(const struct cg_opt *o)
{
    uint64_t v;
    if (!takes_value(o->type))
        return o->def || o->def_text ? "a default on an option without a value" : NULL;
    if (!o->def && !o->def_text)
        return "no default: give def, or def_text to say what happens without it";
    if (o->def && o->type == CG_OPT_PATHS)
        return "a def on a list, which starts empty: say its default with def_text";
    if (o->def && is_numeric(o->type) && !parse_number(o, o->def, &v))
        return "a default that does not parse or is out of range";
    return NULL;
}

static const char *entry_problem(const struct cg_opt_table *t, size_t i)
{
    const struct cg_opt *o = &t->v[i];
    if (!o->name || !*o->name || !o->help || !o->commands)
        return "name, help and commands are required";
    if (t->ncommands < sizeof(unsigned) * CHAR_BIT && (o->commands >> t->ncommands) != 0)
        return "belongs to a command the table does not name";
    if (o->short_name && !isalnum((unsigned char)o->short_name))
        return "a short name must be a letter or a digit";
    if (takes_value(o->type) != (o->arg != NULL))
        return "arg must name the value of an option that takes one, and only then";
    for (size_t j = 0; j < i; j++) {
        if (t->v[j].name && strcmp(t->v[j].name, o->name) == 0)
            return "name used twice";
        if (o->short_name && t->v[j].short_name == o->short_name)
            return "short letter used twice";
    }
    const char *p = range_problem(o);
    return p ? p : default_problem(o);
}

int cg_opt_check(const struct cg_opt_table *t, struct cg_buf *err)
{
    int rc = CG_OK;
    for (size_t i = 0; i < t->n; i++) {
        const char *p = entry_problem(t, i);
        if (!p)
            continue;
        const char *name = t->v[i].name ? t->v[i].name : "(unnamed)";
        if (cg_buf_printf(err, "option %s: %s\n", name, p) != CG_OK)
            return CG_ENOMEM;
        rc = CG_EINVAL;
    }
    return rc;
}

/* ---- getopt ------------------------------------------------------------------------------ */

struct cg_opt_getopt {
    struct option *longopts;     /* the entries of one command, then a zero entry */
    const struct cg_opt **entry; /* entry[k]: the table entry of longopts[k] */
    char *shortopts;
    size_t n;
};

static void getopt_fini(struct cg_opt_getopt *g)
{
    free(g->longopts);
    free(g->entry);
    free(g->shortopts);
}

static int getopt_build(struct cg_opt_getopt *g, const struct cg_opt_table *t, unsigned command)
{
    *g = (struct cg_opt_getopt){0};
    g->longopts = calloc(t->n + 1, sizeof(*g->longopts));
    g->entry = calloc(t->n + 1, sizeof(*g->entry));
    g->shortopts = calloc(2 * t->n + 2, 1);
    if (!g->longopts || !g->entry || !g->shortopts)
        return CG_ENOMEM;
    char *s = g->shortopts;
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_opt *o = &t->v[i];
        if (!(o->commands & command))
            continue;
        int has_arg = takes_value(o->type) ? required_argument : no_argument;
        int val = o->short_name ? (unsigned char)o->short_name : SHORT_VAL_MAX + (int)g->n;
        g->longopts[g->n] = (struct option){o->name, has_arg, NULL, val};
        g->entry[g->n++] = o;
        if (o->short_name) {
            *s++ = o->short_name;
            if (has_arg == required_argument)
                *s++ = ':';
        }
    }
    return CG_OK;
}

static const struct cg_opt *getopt_entry(const struct cg_opt_getopt *g, int c)
{
    if (c >= SHORT_VAL_MAX)
        return (size_t)(c - SHORT_VAL_MAX) < g->n ? g->entry[c - SHORT_VAL_MAX] : NULL;
    for (size_t k = 0; k < g->n; k++)
        if (g->entry[k]->short_name && (unsigned char)g->entry[k]->short_name == c)
            return g->entry[k];
    return NULL;
}

/* 'value' for a message: control bytes (and DEL) as '?'. */
static int put_printable(struct cg_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (cg_buf_putc(b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch) != CG_OK)
            return CG_ENOMEM;
    }
    return CG_OK;
}

static int bad_value(struct cg_buf *err, const struct cg_opt *o, const char *arg,
                     struct cg_buf *why)
{
    if (cg_buf_puts(err, "bad value '") != CG_OK || put_printable(err, arg) != CG_OK ||
        cg_buf_printf(err, "' for --%s: %s", o->name, cg_buf_cstr(why)) != CG_OK)
        return CG_ENOMEM;
    return CG_EINVAL;
}

int cg_opt_parse_argv(const struct cg_opt_table *t, unsigned command, int argc, char **argv,
                      void *conf, struct cg_opt_argv *res, struct cg_buf *err)
{
    struct cg_opt_getopt g;
    struct cg_buf why;
    cg_buf_init(&why);
    res->help = false;
    int rc = getopt_build(&g, t, command), c;
    optind = 0; /* glibc: start afresh, whatever an earlier parse left */
    while (rc == CG_OK && (c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        const struct cg_opt *o = getopt_entry(&g, c);
        if (!o) {
            rc = CG_ENOENT;
        } else if (o->type == CG_OPT_HELP) {
            res->help = true;
            break;
        } else if ((rc = cg_opt_set(o, optarg, conf, &why)) == CG_EINVAL) {
            rc = bad_value(err, o, optarg, &why);
        }
    }
    res->first = optind;
    cg_buf_fini(&why);
    getopt_fini(&g);
    return rc;
}

/* ---- help and reference ------------------------------------------------------------------ */

/* What help adds after the text: "(repeatable; default: the shipped rules)",
 * "(64..1073741824 bytes; default: 1048576)", "(default: UTC)"; nothing for flags. */
static int put_about_value(struct cg_buf *b, const struct cg_opt *o)
{
    if (!takes_value(o->type))
        return CG_OK;
    int rc = cg_buf_puts(b, " (");
    if (rc == CG_OK && o->type == CG_OPT_PATHS)
        rc = cg_buf_puts(b, "repeatable; ");
    if (rc == CG_OK && is_numeric(o->type)) {
        rc = put_range(b, o, "..");
        if (rc == CG_OK)
            rc = cg_buf_puts(b, "; ");
    }
    if (rc == CG_OK)
        rc = cg_buf_printf(b, "default: %s)", o->def_text ? o->def_text : o->def);
    return rc;
}

static int pad(struct cg_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cg_buf_putc(b, ' ') != CG_OK)
            return CG_ENOMEM;
    return CG_OK;
}

/* Appends text word by word from column col, wrapping at HELP_WIDTH to HELP_COL. */
static int put_wrapped(struct cg_buf *b, const char *text, size_t col)
{
    const char *p = text;
    int rc = CG_OK;
    while (rc == CG_OK && *p) {
        size_t w = strcspn(p, " ");
        if (col > HELP_COL && col + 1 + w > HELP_WIDTH) {
            rc = cg_buf_putc(b, '\n');
            if (rc == CG_OK)
                rc = pad(b, HELP_COL);
            col = HELP_COL;
        } else if (col > HELP_COL) {
            rc = cg_buf_putc(b, ' ');
            col++;
        }
        if (rc == CG_OK)
            rc = cg_buf_put(b, p, w);
        col += w;
        p += w;
        p += strspn(p, " ");
    }
    return rc == CG_OK ? cg_buf_putc(b, '\n') : rc;
}

static int help_entry(struct cg_buf *out, const struct cg_opt *o, struct cg_buf *text)
{
    size_t start = out->n;
    int rc = o->short_name ? cg_buf_printf(out, "  -%c, --%s", o->short_name, o->name)
                           : cg_buf_printf(out, "      --%s", o->name);
    if (rc == CG_OK && o->arg)
        rc = cg_buf_printf(out, " %s", o->arg);
    size_t col = out->n - start;
    if (rc == CG_OK && col + 2 > HELP_COL) {
        rc = cg_buf_putc(out, '\n');
        col = 0;
    }
    if (rc == CG_OK)
        rc = pad(out, HELP_COL - col);
    cg_buf_clear(text);
    if (rc == CG_OK)
        rc = cg_buf_puts(text, o->help);
    if (rc == CG_OK)
        rc = put_about_value(text, o);
    return rc == CG_OK ? put_wrapped(out, cg_buf_cstr(text), HELP_COL) : rc;
}

int cg_opt_help(const struct cg_opt_table *t, unsigned commands, struct cg_buf *out)
{
    struct cg_buf text;
    cg_buf_init(&text);
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < t->n; i++)
        if (t->v[i].commands & commands)
            rc = help_entry(out, &t->v[i], &text);
    cg_buf_fini(&text);
    return rc;
}

/* The value and default cells: "`BYTES`, 64..1073741824 bytes | `1048576`". */
static int md_value(struct cg_buf *b, const struct cg_opt *o)
{
    if (!takes_value(o->type))
        return cg_buf_puts(b, o->type == CG_OPT_FLAG ? " | | off" : " | |");
    int rc = cg_buf_printf(b, " | `%s`%s", o->arg, o->type == CG_OPT_PATHS ? ", repeatable" : "");
    if (rc == CG_OK && is_numeric(o->type)) {
        rc = cg_buf_puts(b, ", ");
        if (rc == CG_OK)
            rc = put_range(b, o, "..");
    }
    if (rc == CG_OK && o->def_text) {
        rc = cg_buf_puts(b, " | ");
        return rc == CG_OK ? cg_buf_put_md(b, o->def_text) : rc;
    }
    return rc == CG_OK ? cg_buf_printf(b, " | `%s`", o->def) : rc; /* a code span, as is */
}

static int md_commands(struct cg_buf *b, const struct cg_opt_table *t, unsigned mask)
{
    unsigned all = t->ncommands >= sizeof(unsigned) * CHAR_BIT ? ~0u : (1u << t->ncommands) - 1;
    if ((mask & all) == all)
        return cg_buf_puts(b, "all");
    const char *sep = "";
    for (size_t i = 0; i < t->ncommands; i++) {
        if (!(mask & (1u << i)))
            continue;
        if (cg_buf_printf(b, "%s%s", sep, t->commands[i]) != CG_OK)
            return CG_ENOMEM;
        sep = ", ";
    }
    return CG_OK;
}

/* keys: a configuration file's table (key, value, default, description). */
static int md_entry(struct cg_buf *b, const struct cg_opt_table *t, const struct cg_opt *o,
                    bool keys)
{
    int rc = cg_buf_puts(b, "| ");
    if (rc == CG_OK && o->short_name && !keys)
        rc = cg_buf_printf(b, "`-%c`, ", o->short_name);
    if (rc == CG_OK)
        rc = cg_buf_printf(b, keys ? "`%s`" : "`--%s`", o->name);
    if (rc == CG_OK)
        rc = md_value(b, o);
    if (rc == CG_OK && !keys)
        rc = cg_buf_printf(b, " | %s | ", o->reloadable ? "yes" : "no");
    if (rc == CG_OK && !keys)
        rc = md_commands(b, t, o->commands);
    if (rc == CG_OK)
        rc = cg_buf_puts(b, " | ");
    if (rc == CG_OK)
        rc = cg_buf_put_md(b, o->help);
    return rc == CG_OK ? cg_buf_puts(b, " |\n") : rc;
}

int cg_opt_markdown(const struct cg_opt_table *t, struct cg_buf *out)
{
    int rc = cg_buf_puts(out, "| option | value | default | reload | commands | description |\n"
                              "|---|---|---|---|---|---|\n");
    for (size_t i = 0; rc == CG_OK && i < t->n; i++)
        rc = md_entry(out, t, &t->v[i], false);
    return rc;
}

int cg_opt_markdown_keys(const struct cg_opt_table *t, struct cg_buf *out)
{
    int rc = cg_buf_puts(out, "| key | value | default | description |\n|---|---|---|---|\n");
    for (size_t i = 0; rc == CG_OK && i < t->n; i++)
        if (t->v[i].type != CG_OPT_HELP)
            rc = md_entry(out, t, &t->v[i], true);
    return rc;
}
