/*
 * alert_id.c - an alert's stable id (engine.h, cg_alert_id): SHA-256 over an unambiguous
 * encoding of what made the alert, cut to 128 bits.
 *
 * The encoding (version 1). Every item is typed by its place and carries its length, so no
 * two different alerts encode to the same bytes ("ab"+"c" is not "a"+"bc"):
 *
 *   "cefguard-alert-id/1"           domain and version: a new encoding changes every id
 *   str rule id, u8 kind
 *   u64 nkey, then nkey strs        the key values, in the rule's key order
 *   u64 time_us, u64 count
 *   u64 nevents, then an event each
 *   u8 joined?, then the event
 *
 *   event: u8 format, str line, u64 stamp seconds, u32 microseconds, u16 offset minutes,
 *          u8 stamp flags; an internal event (an alert fed back: no line) adds its name
 *          (the rule), event_id (the kind) and subject
 *   str:   u64 length then the bytes, or u64 all ones for an unset string
 *
 * Integers are little-endian. Small items go through a staging buffer and the lines
 * straight to the digest, so an id costs the hashing (about 7 SHA-256 blocks for an alert
 * with one event and no join) and a few digest calls.
 */
#include "alert_id.h"

#include <openssl/evp.h>
#include <stdlib.h>

#define ID_DOMAIN "cefguard-alert-id/1"
#define ID_UNSET UINT64_MAX

/* A line's worth: most alerts pass their small items in one or two digest calls. */
#define STAGE_BYTES 256

struct cg_alert_hasher {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
    bool bad; /* a digest call failed: the id is not made */
    size_t n;
    unsigned char stage[STAGE_BYTES];
};

struct cg_alert_hasher *cg_alert_hasher_new(void)
{
    struct cg_alert_hasher *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    h->ctx = EVP_MD_CTX_new();
    if (!h->md || !h->ctx) {
        cg_alert_hasher_free(h);
        return NULL;
    }
    return h;
}

void cg_alert_hasher_free(struct cg_alert_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    free(h);
}

static void h_flush(struct cg_alert_hasher *h)
{
    if (h->n && EVP_DigestUpdate(h->ctx, h->stage, h->n) != 1)
        h->bad = true;
    h->n = 0;
}

static void h_raw(struct cg_alert_hasher *h, const void *p, size_t n)
{
    if (n <= sizeof(h->stage) - h->n) {
        memcpy(h->stage + h->n, p, n);
        h->n += n;
        return;
    }
    h_flush(h);
    if (n < sizeof(h->stage) / 2) {
        memcpy(h->stage, p, n);
        h->n = n;
    } else if (EVP_DigestUpdate(h->ctx, p, n) != 1) {
        h->bad = true;
    }
}

/* width bytes of v, little-endian */
static void h_uint(struct cg_alert_hasher *h, uint64_t v, unsigned width)
{
    unsigned char b[8];
    for (unsigned i = 0; i < width; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    h_raw(h, b, width);
}

static void h_str(struct cg_alert_hasher *h, struct cg_str s)
{
    if (!s.p) {
        h_uint(h, ID_UNSET, 8);
        return;
    }
    h_uint(h, s.n, 8);
    if (s.n)
        h_raw(h, s.p, s.n);
}

static void h_z(struct cg_alert_hasher *h, const char *z)
{
    h_str(h, z ? cg_str_make(z, strlen(z)) : CG_STR_NULL);
}

/* What of an event the id depends on: its bytes and stamp, as read from the line. */
static void h_event(struct cg_alert_hasher *h, const struct cg_event *ev)
{
    h_uint(h, (uint64_t)ev->format, 1);
    h_str(h, ev->line);
    h_uint(h, (uint64_t)ev->time.sec, 8);
    h_uint(h, (uint32_t)ev->time.usec, 4);
    h_uint(h, (uint16_t)ev->time.off_min, 2);
    h_uint(h, ev->time.flags, 1);
    if (ev->format == CG_FMT_INTERNAL) { /* no line: the alert it stands for */
        h_str(h, ev->name);
        h_str(h, ev->event_id);
        h_str(h, ev->subject);
    }
}

static void h_alert(struct cg_alert_hasher *h, const struct cg_alert *a)
{
    h_raw(h, ID_DOMAIN, sizeof(ID_DOMAIN) - 1);
    h_z(h, a->rule ? a->rule->id : NULL);
    h_uint(h, (uint64_t)a->kind, 1);
    h_uint(h, a->nkey, 8);
    for (size_t i = 0; i < a->nkey; i++)
        h_str(h, a->key[i]);
    h_uint(h, (uint64_t)a->time_us, 8);
    h_uint(h, a->count, 8);
    h_uint(h, a->nevents, 8);
    for (size_t i = 0; i < a->nevents; i++)
        h_event(h, a->events[i]);
    h_uint(h, a->joined != NULL, 1);
    if (a->joined)
        h_event(h, a->joined);
}

int cg_alert_hasher_id(struct cg_alert_hasher *h, const struct cg_alert *a, uint8_t out[16])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    h->bad = EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1;
    h->n = 0;
    if (!h->bad) {
        h_alert(h, a);
        h_flush(h);
    }
    if (h->bad || EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen < 16) {
        memset(out, 0, 16);
        return CG_ENOMEM;
    }
    memcpy(out, md, 16);
    return CG_OK;
}

int cg_alert_id(const struct cg_alert *a, uint8_t out[16])
{
    struct cg_alert_hasher *h = cg_alert_hasher_new();
    if (!h) {
        memset(out, 0, 16);
        return CG_ENOMEM;
    }
    int rc = cg_alert_hasher_id(h, a, out);
    cg_alert_hasher_free(h);
    return rc;
}

void cg_alert_id_hex(const uint8_t id[16], char out[CG_ALERT_ID_HEX])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 16; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 15];
    }
    out[32] = '\0';
}
