/*
 * config_testutil.h - what test_config.c and test_config_set.c share (include after
 * cmocka.h): an option table and types made up for the tests - a top level with one option
 * of each kind (SIZE, DURATION, FLAG, STRING, LISTEN, two PATHS sharing a list, one of
 * another command, a HELP), an input type `fake` (and `fake2`, the same options under
 * another name) and a sink type `fsink`, each with a conf struct beginning with
 * `const char *name`; the ops are empty, the configuration never calls them - a
 * configuration over them, and every stored value dumped as text through the tables.
 */
#ifndef CEFGUARD_CONFIG_TESTUTIL_H
#define CEFGUARD_CONFIG_TESTUTIL_H

#include "cefguard/config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tables ---------------------------------------------------------------------------- */

struct top {
    size_t max_line;
    int64_t lateness;
    bool verbose;
    const char *state_dir;
    const char *http;
    struct cg_opt_paths rules; /* rules (tag 1) and rulebase (tag 2) */
    unsigned replay_only;
};

#define TOP(m) offsetof(struct top, m)
/* clang-format off */
static const struct cg_opt top_v[] = {
    {.name = "help", .short_name = 'h', .type = CG_OPT_HELP, .commands = 3, .help = "show help"},
    {.name = "max-line", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "4096",
     .min = 64, .max = 1048576, .commands = 1, .offset = TOP(max_line), .help = "longest line"},
    {.name = "lateness", .type = CG_OPT_DURATION, .arg = "TIME", .def = "5m", .min = 0,
     .max = 86400000000, .reloadable = true, .commands = 1, .offset = TOP(lateness),
     .help = "how late an event may be"},
    {.name = "verbose", .short_name = 'v', .type = CG_OPT_FLAG, .commands = 3,
     .offset = TOP(verbose), .help = "say more"},
    {.name = "state-dir", .type = CG_OPT_STRING, .arg = "DIR", .def = "./state", .commands = 1,
     .offset = TOP(state_dir), .help = "where the state is kept"},
    {.name = "http-listen", .type = CG_OPT_LISTEN, .arg = "ADDR", .def_text = "off",
     .commands = 1, .offset = TOP(http), .help = "metrics"},
    {.name = "rules", .short_name = 'r', .type = CG_OPT_PATHS, .arg = "PATH", .def_text = "none",
     .commands = 3, .offset = TOP(rules), .tag = 1, .help = "rule files"},
    {.name = "rulebase", .type = CG_OPT_PATHS, .arg = "FILE", .def_text = "none", .commands = 1,
     .offset = TOP(rules), .tag = 2, .help = "rulebases"},
    {.name = "only-replay", .type = CG_OPT_UINT, .arg = "N", .def = "0", .min = 0, .max = 9,
     .commands = 2, .offset = TOP(replay_only), .help = "an option of the other command"},
};
/* clang-format on */
static const char *const top_cmds[] = {"run", "replay"};
static const struct cg_opt_table top_table = {top_v, CG_ARRAY_LEN(top_v), top_cmds, 2};

struct fin_conf {
    const char *name;
    const char *listen;
    size_t max_message;
    bool tls;
    struct cg_opt_paths allow;
    int64_t idle;
};

#define FIN(m) offsetof(struct fin_conf, m)
/* clang-format off */
static const struct cg_opt fin_v[] = {
    {.name = "listen", .type = CG_OPT_LISTEN, .arg = "ADDR", .def = "127.0.0.1:5514",
     .commands = 1, .offset = FIN(listen), .help = "where to listen"},
    {.name = "max-message", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes", .def = "2048",
     .min = 64, .max = 65536, .commands = 1, .offset = FIN(max_message), .help = "longest"},
    {.name = "tls", .type = CG_OPT_FLAG, .commands = 1, .offset = FIN(tls), .help = "use TLS"},
    {.name = "allow", .type = CG_OPT_PATHS, .arg = "NET", .def_text = "anyone", .commands = 1,
     .offset = FIN(allow), .help = "who may send"},
    {.name = "idle", .type = CG_OPT_DURATION, .arg = "TIME", .def = "1m", .min = 1000,
     .max = 86400000000, .commands = 1, .offset = FIN(idle), .help = "idle timeout"},
};
/* clang-format on */
static const char *const fin_cmds[] = {"fake"};
static const struct cg_opt_table fin_table = {fin_v, CG_ARRAY_LEN(fin_v), fin_cmds, 1};

struct fsink_conf {
    const char *name;
    const char *path;
    const char *peer;
    int64_t every;
};

#define FSK(m) offsetof(struct fsink_conf, m)
/* clang-format off */
static const struct cg_opt fsink_v[] = {
    {.name = "path", .type = CG_OPT_STRING, .arg = "FILE", .def = "-", .commands = 1,
     .offset = FSK(path), .help = "where alerts go"},
    {.name = "peer", .type = CG_OPT_ENDPOINT, .arg = "HOST:PORT", .def_text = "none",
     .commands = 1, .offset = FSK(peer), .help = "a collector"},
    {.name = "every", .type = CG_OPT_DURATION, .arg = "TIME", .def = "1s", .min = 0,
     .max = 3600000000, .commands = 1, .offset = FSK(every), .help = "flush interval"},
};
/* clang-format on */
static const char *const fsink_cmds[] = {"fsink"};
static const struct cg_opt_table fsink_table = {fsink_v, CG_ARRAY_LEN(fsink_v), fsink_cmds, 1};

static const struct cg_source_ops fin_ops = {.name = "fake"};
static const struct cg_sink_ops fsink_ops = {.name = "fsink"};

/* What a `fake` counts (the reference only: nothing here makes an instance). */
struct fin_stats {
    uint64_t received;
};
static const struct cg_counter fin_counter_v[] = {
    {"received", CG_COUNTER_TOTAL, offsetof(struct fin_stats, received), "messages read", NULL, 0,
     0},
};
static const struct cg_counter_table fin_counters = {fin_counter_v, 1};

/* fsink's check beyond its table: the path "bad" is refused (the message's first line is
 * the one that counts). */
static inline int fsink_check(const void *conf, struct cg_buf *err)
{
    const struct fsink_conf *c = conf;
    if (!c->path || strcmp(c->path, "bad") != 0)
        return CG_OK;
    cg_buf_puts(err, "cannot write to 'bad'\nnor say more");
    return CG_EINVAL;
}

static const struct cg_config_type types[] = {
    {"fake", &fin_ops, NULL, &fin_table, sizeof(struct fin_conf), &fin_counters, NULL},
    {"fake2", &fin_ops, NULL, &fin_table, sizeof(struct fin_conf), NULL, NULL},
    {"fsink", NULL, &fsink_ops, &fsink_table, sizeof(struct fsink_conf), NULL, fsink_check},
};

/* ---- a configuration under test ------------------------------------------------------------ */

struct fix {
    struct top top;
    struct cg_config c;
    struct cg_buf err;
};

static inline void fix_init(struct fix *f)
{
    memset(f, 0, sizeof(*f));
    cg_buf_init(&f->err);
    assert_int_equal(cg_opt_defaults(&top_table, &f->top, &f->err), CG_OK);
    cg_config_init(&f->c, &top_table, 1, &f->top, types, CG_ARRAY_LEN(types));
}

static inline void fix_fini(struct fix *f)
{
    cg_opt_fini(&top_table, &f->top); /* first: it may point into the configuration */
    cg_config_fini(&f->c);
    cg_buf_fini(&f->err);
}

static inline int fix_read(struct fix *f, const char *yaml)
{
    return cg_config_read(&f->c, NULL, "t.yml", yaml, &f->err);
}

/* ---- every stored value, as text ----------------------------------------------------------- */

static inline void dump_value(struct cg_buf *b, const struct cg_opt *o, const void *conf)
{
    const char *p = (const char *)conf + o->offset;
    switch (o->type) {
    case CG_OPT_FLAG: cg_buf_puts(b, *(const bool *)p ? "true" : "false"); break;
    case CG_OPT_UINT: cg_buf_printf(b, "%u", *(const unsigned *)p); break;
    case CG_OPT_SIZE: cg_buf_printf(b, "%zu", *(const size_t *)p); break;
    case CG_OPT_DURATION: cg_buf_printf(b, "%" PRId64 "us", *(const int64_t *)p); break;
    case CG_OPT_PATHS: {
        const struct cg_opt_paths *l = (const void *)p;
        cg_buf_putc(b, '[');
        for (size_t i = 0; i < l->n; i++)
            cg_buf_printf(b, "%s%s/%u", i ? "," : "", l->v[i].path, l->v[i].tag);
        cg_buf_putc(b, ']');
        break;
    }
    default: {
        const char *s = *(const char *const *)p;
        cg_buf_printf(b, s ? "'%s'" : "null", s);
        break;
    }
    }
}

/* The options of table t in command mask cmd, "name=value" separated by spaces. An option
 * sharing its list with an earlier one is shown once. */
static inline void dump_conf(struct cg_buf *b, const struct cg_opt_table *t, unsigned cmd,
                             const void *conf)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct cg_opt *o = &t->v[i];
        bool shown = false;
        for (size_t k = 0; k < i; k++)
            shown |= t->v[k].type == CG_OPT_PATHS && t->v[k].offset == o->offset;
        if (!(o->commands & cmd) || o->type == CG_OPT_HELP || shown)
            continue;
        cg_buf_printf(b, " %s=", o->name);
        dump_value(b, o, conf);
    }
}

static inline void dump_items(struct cg_buf *b, const char *what, const struct cg_config_items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct cg_config_item *it = &l->v[i];
        cg_buf_printf(b, "\n%s.%s %s@%u:%u", what, it->name, it->type ? it->type->name : "-",
                      it->line, it->col);
        if (!it->type)
            continue;
        /* the conf begins with the item's name, set by the configuration */
        assert_ptr_equal(*(const char *const *)it->conf, it->name);
        dump_conf(b, it->type->options, ~0u, it->conf);
    }
}

/* "top: ..." then one line per input and sink; static buffer. */
static const char *dump(struct fix *f)
{
    static char text[4096];
    struct cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "top:");
    dump_conf(&b, &top_table, 1, &f->top);
    dump_items(&b, "inputs", &f->c.inputs);
    dump_items(&b, "sinks", &f->c.sinks);
    snprintf(text, sizeof(text), "%s", cg_buf_cstr(&b));
    cg_buf_fini(&b);
    return text;
}

#define TOP_DEFAULTS                                                                               \
    "top: max-line=4096 lateness=300000000us verbose=false state-dir='./state' "                   \
    "http-listen=null rules=[]"
#define FIN_DEFAULTS " listen='127.0.0.1:5514' max-message=2048 tls=false allow=[] idle=60000000us"
#define FSINK_DEFAULTS " path='-' peer=null every=1000000us"

/* The ends of the option parser's messages. */
#define EXP_SIZE "expected a whole number from 64 to 1048576 bytes"
#define EXP_DUR "expected a duration such as 0, 500ms, 90s, 15m, 2h or 1d from 0 to 1d"
#define EXP_EP "expected HOST:PORT (127.0.0.1:5514, [::1]:5514, *:5514): "

#endif
