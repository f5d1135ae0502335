/*
 * test_log.c - what reaches stderr (log.h): untrusted names and text made printable, the
 * rate limit of rejected lines, and the count it held back, reported at the end of input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "cefguard/log.h"

/* A file name with a terminal escape, a newline that would forge a log line, a
 * backslash and a byte that is no UTF-8. */
#define EVIL_NAME "in\x1b[31mred\nrejected x:1 (empty): \\\xe9.log"
#define EVIL_SHOWN "in\\x1b[31mred\\x0arejected x:1 (empty): \\\\\\xe9.log"

static void test_put_name_and_text(void **state)
{
    (void)state;
    struct cg_buf b;
    cg_buf_init(&b);
    assert_int_equal(cg_log_put_name(&b, EVIL_NAME), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), EVIL_SHOWN);
    cg_buf_clear(&b);
    /* text: control bytes (C0, DEL) only; UTF-8 and backslashes stay */
    static const char text[] = "caf\xc3\xa9 \\d \x07\x7f\x1b[2J\r\n\x00z";
    assert_int_equal(cg_log_put_text(&b, text, sizeof(text) - 1), CG_OK);
    assert_string_equal(cg_buf_cstr(&b), "caf\xc3\xa9 \\d \\x07\\x7f\\x1b[2J\\x0d\\x0a\\x00z");
    cg_buf_fini(&b);
}

static void log_evil(void *arg)
{
    (void)arg;
    cg_log(CG_LOG_WARN, "%s: %s", "rule 'x'", "a\nb\x1b[0m\\x");
}

/* cg_log escapes control bytes of every message, whatever its caller passed. */
static void test_log_escapes_controls(void **state)
{
    (void)state;
    char out[512];
    capture_stderr(log_evil, NULL, out, sizeof(out));
    assert_string_equal(out, "cefguard: warning: rule 'x': a\\x0ab\\x1b[0m\\x\n");
}

static void reject_many(void *arg)
{
    struct cg_log_rejects *rl = arg;
    for (uint64_t i = 1; i <= 5; i++)
        cg_log_reject(rl, EVIL_NAME, i, CG_REJ_NO_DECODER, CG_STR_LIT("junk\x1b"));
    cg_log_reject(rl, "<stdin>", 9, CG_REJ_EMPTY, CG_STR_LIT(""));
}

static void flush(void *arg)
{
    cg_log_rejects_flush(arg);
}

/* Two reports get through a burst of 2; the three held back used to be reported only
 * with a later report, so at the end of input they were never shown. */
static void test_rejects_flushed_at_end(void **state)
{
    (void)state;
    struct cg_log_rejects rl;
    cg_log_rejects_init(&rl, 2, 3600);
    char out[2048];
    capture_stderr(reject_many, &rl, out, sizeof(out));
    assert_string_equal(out,
                        "cefguard: warning: rejected " EVIL_SHOWN ":1 (no_decoder): junk\\x1b\n"
                        "cefguard: warning: rejected " EVIL_SHOWN ":2 (no_decoder): junk\\x1b\n"
                        "cefguard: warning: rejected <stdin>:9 (empty): \n");
    capture_stderr(flush, &rl, out, sizeof(out));
    assert_string_equal(out, "cefguard: warning: rejected (no_decoder) [3 more not shown]\n");
    capture_stderr(flush, &rl, out, sizeof(out)); /* reported once */
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_name_and_text),
        cmocka_unit_test(test_log_escapes_controls),
        cmocka_unit_test(test_rejects_flushed_at_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
