/*
 * binio.h - little-endian binary writing and bounds-checked reading, for state
 * snapshots. A reader never reads past its end: a short or corrupt input sets
 * r->bad and every later read returns zero / an unset string.
 */
#ifndef CEFGUARD_BINIO_H
#define CEFGUARD_BINIO_H

#include "cefguard/arena.h"
#include "cefguard/buf.h"
#include "cefguard/common.h"

#define CG_BIN_UNSET 0xffffffffu /* string length marking an unset string */

int cg_bin_put_u8(struct cg_buf *b, uint8_t v);
int cg_bin_put_u32(struct cg_buf *b, uint32_t v);
int cg_bin_put_u64(struct cg_buf *b, uint64_t v);
/* u32 length (CG_BIN_UNSET for an unset string) then the bytes. */
int cg_bin_put_str(struct cg_buf *b, struct cg_str s);

struct cg_bin_reader {
    const char *p;
    const char *end;
    bool bad;
};

uint8_t cg_bin_u8(struct cg_bin_reader *r);
uint32_t cg_bin_u32(struct cg_bin_reader *r);
uint64_t cg_bin_u64(struct cg_bin_reader *r);
/* A view into the input (no copy); unset on CG_BIN_UNSET or error. */
struct cg_str cg_bin_str(struct cg_bin_reader *r);
/* Like cg_bin_str, copied into the arena (or a NUL-terminated malloc copy when a is NULL). */
struct cg_str cg_bin_str_dup(struct cg_bin_reader *r, struct cg_arena *a);

#endif
