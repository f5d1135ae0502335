/*
 * lognorm.c - cg_normalize (see normalize.h): the rulebases tried on a line, and the JSON
 * liblognorm gives for a match walked into the event through map.h. The subject is
 * resolved lazily by the event model (event.c). liblognorm's JSON objects never leave this
 * file.
 *
 * Speed (liblognorm is the recogniser; the costly parts are done here and in the files of
 * map.h, with the same output): a prefilter skips files whose rules cannot match a line
 * (prefilter.c); annotate= lines are applied without liblognorm building JSON strings for
 * them (annotate.c); long lists are read by a rule as one value and split by the "_kvlist" /
 * "_xmlflat" directives (kvlist.h, xml.h) instead of a liblognorm "repeat" over a
 * user-defined type (tens of microseconds per line, and leaks). Fields are added with a
 * filter of the list's key hashes (cg_fields_add_filtered) so that most adds skip the
 * duplicate scan.
 *
 * liblognorm builds objects back to front, so members are visited in reverse: fields then
 * come out in the order of the text.
 */
#include "normalize_int.h"

#include "xml.h"

#include <stdio.h>
#include <stdlib.h>

#define NZ_DEPTH_MAX 8 /* nesting levels flattened; deeper values are dropped */

/* ---- values ---------------------------------------------------------------------------- */

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
        return cg_nz_xml_decode(a, s, n, out);
    char *d = cg_arena_dup(a, s, n);
    if (!d && n)
        return false;
    *out = cg_str_make(d ? d : "", n);
    return true;
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
            rc = cg_nz_map_add(m, key, klen, val);
        else if (t != fjson_type_null && t != fjson_type_object && t != fjson_type_array)
            rc = CG_ENOMEM;
    }
    return rc;
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
    size_t klen = label.p ? cg_nz_map_pair_key(m, label.p, label.n) : 0;
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
    size_t klen = tag.p ? cg_nz_snake(tag.p, tag.n, key, sizeof(key) - 1) : 0;
    size_t n = (size_t)fjson_object_array_length(attrs);
    int rc = CG_OK;
    for (size_t i = 0; klen && i < n && rc == CG_OK; i++) {
        struct fjson_object *el = fjson_object_array_get_idx(attrs, (int)i);
        struct fjson_object *an = el ? nz_member(el, "name", fjson_type_string) : NULL;
        struct fjson_object *av = el ? nz_member(el, "value", fjson_type_string) : NULL;
        struct cg_str a = an ? nz_json_str(an) : CG_STR_NULL;
        size_t alen = a.p ? cg_nz_snake(a.p, a.n, key + klen + 1, sizeof(key) - klen - 1) : 0;
        struct cg_str v;
        if (!alen || !av)
            continue;
        key[klen] = '.';
        if (!nz_scalar(&m->ev->arena, av, xml, &v))
            return CG_ENOMEM;
        rc = cg_nz_map_add(m, key, klen + 1 + alen, v);
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
        rc = cg_nz_map_cont(m, v); /* needs m->last */
    } else if (!name) {
        m->last = SIZE_MAX;
        if (value && !nz_scalar(&m->ev->arena, value, xml, &v))
            return CG_ENOMEM;
        if (value)
            rc = cg_nz_map_unlabeled(m, v);
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

/* ---- top-level keys --------------------------------------------------------------------- */

static bool nz_is_pair_list(const char *key, size_t klen)
{
    return (klen == 2 && memcmp(key, "kv", 2) == 0) || (klen > 3 && memcmp(key, "kv_", 3) == 0);
}

/* A top-level member key (klen bytes, NUL-terminated) = v. */
static int nz_top(struct nz_map *m, const char *key, size_t klen, struct fjson_object *v)
{
    enum fjson_type t = fjson_object_get_type(v);
    if (t == fjson_type_string)
        return cg_nz_map_top(m, key, nz_key_role(key, klen), nz_json_str(v));
    if (nz_is_dropped(key, klen) || nz_has_suffix(key, klen, "_fmt") ||
        nz_has_suffix(key, klen, "_from") || nz_has_suffix(key, klen, "_require"))
        return CG_OK; /* a directive that is not a string: ignored */
    struct cg_str *hdr = cg_nz_map_header(m->ev, key, klen);
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

/* ---- members and annotations ------------------------------------------------------------ */

/* The annotations of one tag of "event.tags" (a JSON string; NULL: none). */
static const struct nz_tagann *nz_annotate_tag(const struct nz_base *b, struct fjson_object *t)
{
    const char *tag = fjson_object_get_string(t);
    /* liblognorm's tags are names from the rulebase text: no NUL byte inside */
    return tag ? nz_annotate_find(b, tag, strlen(tag)) : NULL;
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
        if ((g = nz_annotate_tag(b, fjson_object_array_get_idx(tags, 0))))
            *out = g->v, *nout = g->n, *lens = g->lens;
        return CG_OK;
    }
    struct nz_av *av = cg_arena_alloc(a, b->nann * sizeof(*av));
    size_t n = 0;
    if (!av)
        return CG_ENOMEM;
    for (int i = nt - 1; i >= 0; i--) { /* liblognorm: the last tag first */
        g = nz_annotate_tag(b, fjson_object_array_get_idx(tags, i));
        n = cg_nz_annotate_merge(av, n, g, lens);
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
            rc = cg_nz_map_top(m, av[j].name, av[j].role, av[j].value);
    }
    for (size_t i = 0; i < n && rc == CG_OK; i++) {
        const struct nz_mem *e = &mem[i];
        rc = e->av ? cg_nz_map_top(m, e->key, e->av->role, e->av->value)
                   : nz_top(m, e->key, e->klen, e->v);
    }
    return rc;
}

/* Maps one liblognorm result into ev. On CG_ENOMEM, and on NZ_NOMATCH (a value did not
 * split: the rule does not match after all), the event is left as it was. */
static int nz_map(struct cg_event *ev, struct nz_snake_cache *snake, const struct nz_base *b,
                  struct fjson_object *json)
{
    struct nz_map m;
    nz_map_init(&m, ev, snake);
    struct cg_str hdr[6] = {ev->vendor,   ev->product, ev->product_version,
                            ev->event_id, ev->name,    ev->severity};
    struct cg_fields saved = ev->fields;
    int rc = nz_map_members(&m, b, json);
    if (rc == CG_OK)
        rc = cg_nz_map_directives(&m);
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
        if (!nz_prefilter_match(&nz->v[i], text))
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
