/*
 * alert_id.h - the engine's reusable hasher for alert ids (engine.h, cg_alert_id). Not a
 * public interface: the engine keeps one, made at its first alert, so that an id costs the
 * hashing and not OpenSSL's algorithm lookup and a context allocation each time.
 */
#ifndef CEFGUARD_ALERT_ID_H
#define CEFGUARD_ALERT_ID_H

#include "cefguard/engine.h"

struct cg_alert_hasher;

/* NULL when out of memory (or when libcrypto has no SHA-256, which it always has). */
struct cg_alert_hasher *cg_alert_hasher_new(void);
/* NULL is a no-op. */
void cg_alert_hasher_free(struct cg_alert_hasher *h);

/* Computes a's id into out, as cg_alert_id does. CG_OK, or CG_ENOMEM when libcrypto
 * fails (out is then zeroed). */
int cg_alert_hasher_id(struct cg_alert_hasher *h, const struct cg_alert *a, uint8_t out[16]);

#endif
