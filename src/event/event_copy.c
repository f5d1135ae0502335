/*
 * event_copy.c - deep copies of events and their binary form (see event.h).
 *
 * Serialized form (all integers little-endian, fixed width), version 1:
 *   u8 version, u8 format, u8 reason, u8 syslog kind, u32 flags,
 *   i64 time.sec, i32 usec, i16 off_min, u8 frac_digits, u8 time flags,
 *   i16 pri, i16 version5424,
 *   14 strings (line, fmt_version, vendor, product, product_version, event_id,
 *   name, severity, subject, subject_key, host, app, procid, msgid) + msg,
 *   u32 nsd, nsd x (id, name, value), u32 nfields, nfields x (key, val).
 *   Strings as in binio.h.
 */
#include "cefguard/binio.h"
#include "cefguard/event.h"
#include "cefguard/vec.h"

#include <stdlib.h>

#define SER_VERSION 2 /* 2: the subject status byte */

/* The string views of an event, in serialization order. */
static const size_t str_offsets[] = {
    offsetof(struct cg_event, line),
    offsetof(struct cg_event, fmt_version),
    offsetof(struct cg_event, vendor),
    offsetof(struct cg_event, product),
    offsetof(struct cg_event, product_version),
    offsetof(struct cg_event, event_id),
    offsetof(struct cg_event, name),
    offsetof(struct cg_event, severity),
    offsetof(struct cg_event, subject),
    offsetof(struct cg_event, subject_key),
    offsetof(struct cg_event, sl.host),
    offsetof(struct cg_event, sl.app),
    offsetof(struct cg_event, sl.procid),
    offsetof(struct cg_event, sl.msgid),
    offsetof(struct cg_event, sl.msg),
};

static struct cg_str *str_slot(struct cg_event *ev, int i)
{
    if (i >= (int)CG_ARRAY_LEN(str_offsets))
        return NULL;
    return (struct cg_str *)(void *)((char *)ev + str_offsets[i]);
}

static int dup_str(struct cg_arena *a, struct cg_str *s)
{
    if (!s->p)
        return CG_OK;
    char *d = cg_arena_dup(a, s->p, s->n);
    if (!d)
        return CG_ENOMEM;
    s->p = d;
    return CG_OK;
}

/* Views that lie inside the source line are re-pointed into the copied line
 * (one copy of the bytes); anything else is copied into the arena. Inline: a copy
 * re-points some twenty views. */
static inline int copy_view(struct cg_arena *a, struct cg_str *s, struct cg_str old_line,
                            struct cg_str new_line)
{
    if (!s->p)
        return CG_OK;
    if (old_line.p && s->p >= old_line.p && s->p + s->n <= old_line.p + old_line.n) {
        s->p = new_line.p + (s->p - old_line.p);
        return CG_OK;
    }
    return dup_str(a, s);
}

/* Copies the decoded fields: views into the line are re-pointed, the rest copied; the
 * source list is already duplicate-free and bounded, so entries are taken as they are. */
static int copy_fields(struct cg_event *ev, const struct cg_event *src)
{
    if (!src->fields.n)
        return CG_OK;
    /* Sized once to the count, not grown: the copy's list never grows, and held copies
     * are kept small. */
    if (cg_vec_reserve_exact(&ev->fields, src->fields.n) != CG_OK)
        return CG_ENOMEM;
    int rc = CG_OK;
    for (size_t i = 0; rc == CG_OK && i < src->fields.n; i++) {
        struct cg_field f = src->fields.v[i];
        rc = copy_view(&ev->arena, &f.key, src->line, ev->line);
        if (rc == CG_OK)
            rc = copy_view(&ev->arena, &f.val, src->line, ev->line);
        ev->fields.v[ev->fields.n++] = f;
    }
    ev->fields.dup_dropped = src->fields.dup_dropped;
    ev->fields.limit_dropped = src->fields.limit_dropped;
    return rc;
}

static int copy_sd(struct cg_event *ev, const struct cg_event *src)
{
    if (!src->sl.nsd)
        return CG_OK;
    struct cg_arena *a = &ev->arena;
    ev->sl.sd = cg_arena_alloc(a, src->sl.nsd * sizeof(*ev->sl.sd));
    if (!ev->sl.sd)
        return CG_ENOMEM;
    int rc = CG_OK;
    for (size_t i = 0; i < src->sl.nsd; i++) {
        ev->sl.sd[i] = src->sl.sd[i];
        rc |= copy_view(a, &ev->sl.sd[i].id, src->line, ev->line) |
              copy_view(a, &ev->sl.sd[i].name, src->line, ev->line) |
              copy_view(a, &ev->sl.sd[i].value, src->line, ev->line);
    }
    ev->sl.nsd = src->sl.nsd;
    return rc;
}

/* A CEF/LEEF event is copied with its extension undecoded (see clone_fill); one built
 * by hand, with fields but no extension, is copied with its fields. */
static bool copy_is_lazy(const struct cg_event *src)
{
    return (src->format == CG_FMT_CEF || src->format == CG_FMT_LEEF) &&
           (!src->fields_done || src->body.p);
}

/* Fills ev (freshly initialised or reset) with a copy of src. A CEF/LEEF event is
 * copied undecoded, even when src's fields are decoded: its fields are exactly the
 * decoded extension (nothing else adds to them), so the copy decodes them again from
 * its own line if it is ever read. Most held events - removals waiting for a join that
 * never comes, the last heartbeat of a silence rule - never are. */
static int clone_fill(struct cg_event *ev, struct cg_event *src)
{
    bool lazy = copy_is_lazy(src);
    if (!lazy && cg_event_fields(src) != CG_OK)
        return CG_ENOMEM;
    struct cg_arena *a = &ev->arena;
    ev->format = src->format;
    ev->reason = src->reason;
    ev->time = src->time;
    ev->flags = src->flags;
    ev->sl = src->sl;
    ev->sl.sd = NULL;
    ev->sl.nsd = 0;
    ev->sl.tagged_msg = CG_STR_NULL; /* not kept: only the normalizer reads it */
    ev->leef_delim = src->leef_delim;
    ev->fields_done = !lazy;
    ev->subject_done = src->subject_done;
    ev->subject_status = src->subject_status;
    ev->risk_done = src->risk_done; /* a function of the copied header and fields */
    ev->risk_class = src->risk_class;
    ev->risk_outcome = src->risk_outcome;
    ev->line = src->line;
    int rc = dup_str(a, &ev->line);
    for (size_t i = 1; i < CG_ARRAY_LEN(str_offsets); i++) {
        struct cg_str *d = (struct cg_str *)(void *)((char *)ev + str_offsets[i]);
        *d = *(const struct cg_str *)(const void *)((const char *)src + str_offsets[i]);
        rc |= copy_view(a, d, src->line, ev->line);
    }
    ev->body = src->body;
    if (rc == CG_OK && lazy)
        rc = copy_view(a, &ev->body, src->line, ev->line);
    else
        ev->body = CG_STR_NULL;
    if (rc == CG_OK)
        rc = copy_sd(ev, src);
    if (rc == CG_OK && !lazy)
        rc = copy_fields(ev, src);
    return rc;
}

/* Freed heap events are kept for reuse, per size class (1, 2, 4, 8, 16 KiB), per thread:
 * a held event lives for a window (an hour, say) while others come and go, and malloc's
 * general bins and their consolidation cost more than a list push and pop. At most
 * POOL_MAX blocks per class are kept (under 8 MiB per thread). */
#define POOL_CLASSES 5
#define POOL_MIN 1024
/* Under AddressSanitizer nothing is kept, so a use after free still shows. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_MAX 0
#endif
#endif
#ifndef POOL_MAX
#define POOL_MAX 256
#endif

static const unsigned pool_max = POOL_MAX;

struct pool_block {
    struct pool_block *next;
};

static _Thread_local struct {
    struct pool_block *head;
    unsigned n;
} pool[POOL_CLASSES];

/* The class whose blocks hold n bytes, or -1 (too large to pool). */
static int pool_class(size_t n)
{
    size_t c = POOL_MIN;
    for (int i = 0; i < POOL_CLASSES; i++, c <<= 1)
        if (n <= c)
            return i;
    return -1;
}

struct cg_event *cg_event_new(size_t max_fields, size_t arena_bytes)
{
    size_t head = (sizeof(struct cg_event) + 15) & ~(size_t)15;
    if (arena_bytes > SIZE_MAX / 2)
        return NULL;
    size_t total = head + cg_arena_block_size(arena_bytes);
    int cls = pool_class(total);
    char *mem;
    if (cls >= 0) {
        total = (size_t)POOL_MIN << cls; /* the arena gets the whole block */
        mem = (char *)pool[cls].head;
        if (mem) {
            pool[cls].head = pool[cls].head->next;
            pool[cls].n--;
        } else {
            mem = malloc(total);
        }
    } else {
        mem = malloc(total);
    }
    if (!mem)
        return NULL;
    struct cg_event *ev = (struct cg_event *)(void *)mem;
    cg_event_init(ev, max_fields);
    cg_arena_init_with(&ev->arena, mem + head, total - head);
    ev->refs = 1;
    ev->pool_class = (uint8_t)(cls + 1);
    return ev;
}

/* Arena bytes a view of src needs in a copy: none when it lies in the line. */
static size_t view_size(const struct cg_event *src, struct cg_str v)
{
    if (!v.p || (src->line.p && v.p >= src->line.p && v.p + v.n <= src->line.p + src->line.n))
        return 0;
    return (v.n + 7) & ~(size_t)7;
}

/* A copy's arena starts with room for exactly what clone_fill puts there - the line,
 * the views outside it, the SD - and a little more (a read copy decodes its fields
 * into the arena): smaller copies, more of them in the allocator's fast sizes. */
static struct cg_event *copy_alloc(const struct cg_event *src)
{
    if (src->line.n > SIZE_MAX / 4 || src->sl.nsd > SIZE_MAX / 64)
        return NULL;
    size_t need = ((src->line.n + 7) & ~(size_t)7) + 64;
    for (size_t i = 1; i < CG_ARRAY_LEN(str_offsets); i++)
        need += view_size(
            src, *(const struct cg_str *)(const void *)((const char *)src + str_offsets[i]));
    need += view_size(src, src->body);
    need += src->sl.nsd * sizeof(*src->sl.sd);
    for (size_t i = 0; i < src->sl.nsd; i++)
        need += view_size(src, src->sl.sd[i].id) + view_size(src, src->sl.sd[i].name) +
                view_size(src, src->sl.sd[i].value);
    bool lazy = copy_is_lazy(src);
    for (size_t i = 0; !lazy && i < src->fields.n; i++)
        need += view_size(src, src->fields.v[i].key) + view_size(src, src->fields.v[i].val);
    return cg_event_new(src->fields.max, need);
}

struct cg_event *cg_event_clone(struct cg_event *src)
{
    if (src->refs) { /* already a copy: share it */
        src->refs++;
        return src;
    }
    struct cg_event *ev = copy_alloc(src);
    if (!ev)
        return NULL;
    if (clone_fill(ev, src) != CG_OK) {
        cg_event_free(ev);
        return NULL;
    }
    return ev;
}

struct cg_event *cg_event_reclone(struct cg_event *old, struct cg_event *src)
{
    if (old == src)
        return old;
    if (!old || old->refs > 1 || src->refs) {
        cg_event_free(old);
        return cg_event_clone(src);
    }
    cg_event_reset(old);
    if (clone_fill(old, src) != CG_OK) {
        cg_event_free(old);
        return NULL;
    }
    return old;
}

size_t cg_event_mem(const struct cg_event *ev)
{
    size_t head = (sizeof(struct cg_event) + 15) & ~(size_t)15;
    return head + cg_arena_mem(&ev->arena) + ev->fields.cap * sizeof(*ev->fields.v);
}

void cg_event_free(struct cg_event *ev)
{
    if (!ev)
        return;
    if (ev->refs > 1) {
        ev->refs--;
        return;
    }
    cg_event_fini(ev);
    int cls = (int)ev->pool_class - 1;
    if (cls >= 0 && cls < POOL_CLASSES && pool[cls].n < pool_max) {
        struct pool_block *b = (struct pool_block *)(void *)ev;
        b->next = pool[cls].head;
        pool[cls].head = b;
        pool[cls].n++;
        return;
    }
    free(ev);
}

void cg_event_pool_drain(void)
{
    for (int i = 0; i < POOL_CLASSES; i++) {
        while (pool[i].head) {
            struct pool_block *b = pool[i].head;
            pool[i].head = b->next;
            free(b);
        }
        pool[i].n = 0;
    }
}

int cg_event_serialize(struct cg_event *ev, struct cg_buf *b)
{
    if (cg_event_fields(ev) != CG_OK)
        return CG_ENOMEM;
    cg_event_subject(ev);
    unsigned char hdr[5] = {SER_VERSION, (unsigned char)ev->format, (unsigned char)ev->reason,
                            (unsigned char)ev->sl.kind, (unsigned char)ev->subject_status};
    int rc = cg_buf_put(b, hdr, 5) | cg_bin_put_u32(b, ev->flags);
    rc |= cg_bin_put_u64(b, (uint64_t)ev->time.sec) | cg_bin_put_u32(b, (uint32_t)ev->time.usec);
    rc |= cg_bin_put_u32(b, (uint32_t)(uint16_t)ev->time.off_min |
                                (uint32_t)ev->time.frac_digits << 16 |
                                (uint32_t)ev->time.flags << 24);
    rc |= cg_bin_put_u32(b, (uint32_t)(uint16_t)(int16_t)ev->sl.pri |
                                (uint32_t)(uint16_t)(int16_t)ev->sl.version << 16);
    for (int i = 0; str_slot(ev, i); i++)
        rc |= cg_bin_put_str(b, *str_slot(ev, i));
    rc |= cg_bin_put_u32(b, (uint32_t)ev->sl.nsd);
    for (size_t i = 0; i < ev->sl.nsd; i++)
        rc |= cg_bin_put_str(b, ev->sl.sd[i].id) | cg_bin_put_str(b, ev->sl.sd[i].name) |
              cg_bin_put_str(b, ev->sl.sd[i].value);
    rc |= cg_bin_put_u32(b, (uint32_t)ev->fields.n);
    for (size_t i = 0; i < ev->fields.n; i++)
        rc |= cg_bin_put_str(b, ev->fields.v[i].key) | cg_bin_put_str(b, ev->fields.v[i].val);
    return rc ? CG_ENOMEM : CG_OK;
}

struct cg_event *cg_event_deserialize(const char **p, const char *end)
{
    struct cg_bin_reader r = {*p, end, false};
    if (end - r.p < 5 || (unsigned char)r.p[0] != SER_VERSION ||
        (unsigned char)r.p[1] >= CG_FMT_MAX || (unsigned char)r.p[2] >= CG_REJ_MAX ||
        (unsigned char)r.p[3] > CG_SYSLOG_RFC5424 || (unsigned char)r.p[4] >= CG_SUBJ_MAX)
        return NULL;
    struct cg_event *ev = cg_event_new(0, 1024); /* the arena grows for a long one */
    if (!ev)
        return NULL;
    ev->format = (enum cg_format)(unsigned char)r.p[1];
    ev->reason = (enum cg_reject)(unsigned char)r.p[2];
    ev->sl.kind = (enum cg_syslog_kind)(unsigned char)r.p[3];
    ev->subject_status = (enum cg_subject_status)(unsigned char)r.p[4];
    r.p += 5;
    ev->flags = cg_bin_u32(&r);
    uint64_t sec = cg_bin_u32(&r);
    sec |= (uint64_t)cg_bin_u32(&r) << 32;
    ev->time.sec = (int64_t)sec;
    ev->time.usec = (int32_t)cg_bin_u32(&r);
    uint32_t t = cg_bin_u32(&r);
    ev->time.off_min = (int16_t)(uint16_t)t;
    ev->time.frac_digits = (uint8_t)(t >> 16);
    ev->time.flags = (uint8_t)(t >> 24);
    uint32_t pv = cg_bin_u32(&r);
    ev->sl.pri = (int16_t)(uint16_t)pv;
    ev->sl.version = (int16_t)(uint16_t)(pv >> 16);
    ev->sl.facility = ev->sl.pri >= 0 ? ev->sl.pri / 8 : -1;
    ev->sl.severity = ev->sl.pri >= 0 ? ev->sl.pri % 8 : -1;
    for (int i = 0; str_slot(ev, i); i++)
        *str_slot(ev, i) = cg_bin_str_dup(&r, &ev->arena);
    uint32_t nsd = cg_bin_u32(&r);
    if (!r.bad && nsd > 0 && nsd <= (size_t)(end - r.p) / 12) {
        ev->sl.sd = cg_arena_alloc(&ev->arena, nsd * sizeof(*ev->sl.sd));
        r.bad |= !ev->sl.sd;
        for (uint32_t i = 0; !r.bad && i < nsd; i++) {
            ev->sl.sd[i].id = cg_bin_str_dup(&r, &ev->arena);
            ev->sl.sd[i].name = cg_bin_str_dup(&r, &ev->arena);
            ev->sl.sd[i].value = cg_bin_str_dup(&r, &ev->arena);
        }
        ev->sl.nsd = nsd;
    } else if (nsd) {
        r.bad = true;
    }
    uint32_t nf = cg_bin_u32(&r);
    for (uint32_t i = 0; !r.bad && i < nf; i++) {
        struct cg_str k = cg_bin_str_dup(&r, &ev->arena), v = cg_bin_str_dup(&r, &ev->arena);
        if (!r.bad && cg_fields_add(&ev->fields, k, v) != CG_OK)
            r.bad = true;
    }
    ev->fields_done = true;
    ev->subject_done = true;
    if (r.bad) {
        cg_event_free(ev);
        return NULL;
    }
    *p = r.p;
    return ev;
}
