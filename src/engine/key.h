/*
 * key.h - the key of an event under a rule's key spec (private to src/engine/).
 *
 * A key is the values of the key paths, encoded so that two keys are equal exactly when
 * their values are: each value as "<len>:" and its bytes, a missing value as "-". The
 * encoding is injective for any bytes, so it can index the rule's key table as it is.
 */
#ifndef CEFGUARD_ENGINE_KEY_H
#define CEFGUARD_ENGINE_KEY_H

#include "cefguard/buf.h"
#include "cefguard/rules.h"

/* The key of ev under ks into out (cleared first). Reads only ks and ev (paths may
 * decode ev's fields on first use). CG_ENOMEM when out cannot grow. */
int cg_key_build(const struct cg_keyspec *ks, struct cg_event *ev, struct cg_buf *out);

/* Splits an encoded key of nvals values into views into k (NULL view: a missing value). */
void cg_key_decode(const char *k, size_t n, struct cg_str *vals, size_t nvals);

#endif
