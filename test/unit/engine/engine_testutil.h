/*
 * engine_testutil.h - helpers shared by the engine's unit tests (include after cmocka.h).
 */
#ifndef CEFGUARD_ENGINE_TESTUTIL_H
#define CEFGUARD_ENGINE_TESTUTIL_H

#include "cefguard/rules.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A rule set loaded from yaml (written to a temp file); fails the test on a load error. */
static inline struct cg_ruleset *load_rules(const char *yaml)
{
    char path[] = "/tmp/cg_test_rulesXXXXXX.yml";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    struct cg_ruleset *rs = malloc(sizeof(*rs));
    cg_ruleset_init(rs);
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_ruleset_load(rs, path, &err);
    unlink(path);
    if (rc != CG_OK)
        fail_msg("rules: %s", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return rs;
}

static inline void free_rules(struct cg_ruleset *rs)
{
    cg_ruleset_fini(rs);
    free(rs);
}

#endif
