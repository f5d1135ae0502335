/* test_key.c - the key of an event (src/engine/key.h): exact encodings of present,
 * missing and empty values, values that look like the encoding, and decoding back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/engine/key.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_PATHS 4

static const struct key_case {
    const char *name;
    const char *paths[MAX_PATHS]; /* key paths as a rule writes them */
    const char *fields;           /* "k=v" separated by spaces ("k=" : empty value) */
    const char *want;             /* the encoded key */
} cases[] = {
    {"no key paths", {NULL}, "user=alice", ""},
    {"one field", {"fields.user"}, "user=alice", "5:alice"},
    {"a missing value", {"fields.user"}, "host=h1", "-"},
    {"an empty value is present", {"fields.user"}, "user=", "0:"},
    {"present then missing", {"fields.user", "fields.host"}, "user=alice", "5:alice-"},
    {"missing then present", {"fields.user", "fields.host"}, "host=h1", "-2:h1"},
    {"a value that looks like the encoding", {"fields.a", "fields.b"}, "a=1:x- b=-", "4:1:x-1:-"},
    {"values split differently differ (1)", {"fields.a", "fields.b"}, "a=ab b=c", "2:ab1:c"},
    {"values split differently differ (2)", {"fields.a", "fields.b"}, "a=a b=bc", "1:a2:bc"},
    {"header paths",
     {"event_id", "vendor", "fields.n"},
     "n=0123456789",
     "4:40006:Vendor10:0123456789"},
};

/* An event with event_id 4000, vendor "Vendor" and the fields of spec. */
static void make_event(struct cg_event *ev, const char *spec, char *copy)
{
    cg_event_init(ev, 0);
    ev->format = CG_FMT_CEF;
    ev->vendor = CG_STR_LIT("Vendor");
    ev->event_id = CG_STR_LIT("4000");
    ev->fields_done = true;
    strcpy(copy, spec);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        assert_int_equal(cg_fields_add(&ev->fields, cg_str_make(tok, (size_t)(eq - tok)),
                                       cg_str_make(eq + 1, strlen(eq + 1))),
                         CG_OK);
    }
}

static void test_key_table(void **state)
{
    (void)state;
    struct cg_buf out, err;
    cg_buf_init(&out);
    cg_buf_init(&err);
    assert_int_equal(cg_buf_puts(&out, "stale"), CG_OK); /* built keys start from empty */
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const struct key_case *c = &cases[k];
        struct cg_path paths[MAX_PATHS];
        struct cg_keyspec ks = {paths, 0};
        for (; ks.n < MAX_PATHS && c->paths[ks.n]; ks.n++)
            assert_int_equal(cg_path_parse(c->paths[ks.n], &paths[ks.n], &err), CG_OK);
        char copy[128];
        struct cg_event ev;
        make_event(&ev, c->fields, copy);
        assert_int_equal(cg_key_build(&ks, &ev, &out), CG_OK);
        if (out.n != strlen(c->want) || memcmp(out.p ? out.p : "", c->want, out.n) != 0)
            fail_msg("%s: key \"%.*s\", want \"%s\"", c->name, (int)out.n, out.p ? out.p : "",
                     c->want);
        /* Decoding gives back each value: what the path reads, or NULL when missing. */
        struct cg_str vals[MAX_PATHS];
        cg_key_decode(out.p, out.n, vals, ks.n);
        for (size_t i = 0; i < ks.n; i++) {
            struct cg_str v;
            struct cg_path_scratch sc;
            bool present = cg_path_get(&paths[i], &ev, &v, &sc);
            if (present != (vals[i].p != NULL) || (present && !cg_str_eq(v, vals[i])))
                fail_msg("%s: value %zu decoded as \"%.*s\"", c->name, i, (int)vals[i].n,
                         vals[i].p ? vals[i].p : "(null)");
        }
        cg_event_fini(&ev);
        for (size_t i = 0; i < ks.n; i++)
            cg_path_fini(&paths[i]);
    }
    cg_buf_fini(&out);
    cg_buf_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
