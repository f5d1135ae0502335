/*
 * common.h - types shared by every cefguard module.
 *
 * Untrusted input is always bytes plus length (struct cg_str), never a
 * NUL-terminated assumption. A cg_str does not own its bytes: the comment of
 * whatever returns one says who does and for how long it stays valid.
 */
#ifndef CEFGUARD_COMMON_H
#define CEFGUARD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One error enum for fallible functions. A bad *event* is not an error: decoders
 * report it as an enum cg_reject (reject.h). */
enum cg_err {
    CG_OK = 0,
    CG_ENOMEM = -1, /* allocation failed */
    CG_EINVAL = -2, /* bad argument or configuration value */
    CG_EIO = -3,    /* read/write/open failed; errno is kept */
    CG_ENOENT = -4, /* file or item not found */
    CG_ELIMIT = -5, /* a configured bound was hit */
    CG_EPARSE = -6, /* a configuration / rule / rulebase file did not load */
    CG_EBUSY = -7,  /* held by another: a lock taken, a database locked; try again later */
};

const char *cg_err_str(enum cg_err e);

/* A view of bytes owned by someone else. p may be NULL only when n == 0. */
struct cg_str {
    const char *p;
    size_t n;
};

#define CG_STR_NULL ((struct cg_str){NULL, 0})
#define CG_STR_LIT(s) ((struct cg_str){(s), sizeof(s) - 1})

static inline struct cg_str cg_str_make(const char *p, size_t n)
{
    struct cg_str s = {p, n};
    return s;
}

static inline bool cg_str_is_set(struct cg_str s)
{
    return s.p != NULL;
}

static inline bool cg_str_eq(struct cg_str a, struct cg_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Compare with a C string literal / NUL-terminated constant. */
static inline bool cg_str_eqz(struct cg_str a, const char *z)
{
    size_t n = strlen(z);
    return a.n == n && (n == 0 || memcmp(a.p, z, n) == 0);
}

static inline bool cg_str_has_prefix(struct cg_str a, const char *z)
{
    size_t n = strlen(z);
    return a.n >= n && memcmp(a.p, z, n) == 0;
}

#define CG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define CG_LIKELY(x) __builtin_expect(!!(x), 1)
#define CG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CG_LIKELY(x) (x)
#define CG_UNLIKELY(x) (x)
#define CG_PRINTF(f, a)
#endif

#endif
