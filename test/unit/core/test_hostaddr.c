/*
 * test_hostaddr.c - host names and addresses from log lines, and validated targets
 * (hostaddr.h). Table-driven: what every hostile value a log line can carry comes out as,
 * valid and invalid side by side. Values are copied into exactly-sized buffers, so a read
 * past a value is an ASan error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>

#include "cefguard/hostaddr.h"

#define NAME CG_HOSTADDR_NAME
#define V4 CG_HOSTADDR_IPV4
#define V6 CG_HOSTADDR_IPV6
#define NONE CG_HOSTADDR_NONE

static const struct {
    const char *v;
    size_t n; /* 0: strlen(v) */
    enum cg_hostaddr_kind want;
} cases[] = {
    /* real subjects of the shipped rules' tests and the vendor samples */
    {"web-01", 0, NAME},
    {"DSA-test", 0, NAME},
    {"FIN-WS-0412", 0, NAME},
    {"ApexOneClient01", 0, NAME},
    {"web-app-01.corp.example", 0, NAME},
    {"a", 0, NAME},
    {"x1", 0, NAME},
    {"1a", 0, NAME},
    {"xn--bcher-kva.example", 0, NAME}, /* IDN in punycode */
    {"10.1.2.3", 0, V4},
    {"0.0.0.0", 0, V4},
    {"255.255.255.255", 0, V4},
    {"fe80::1", 0, V6},
    {"2620:101:4003:7a0:fd4b:52ed:53bd:ae3d", 0, V6},
    {"::ffff:1.2.3.4", 0, V6}, /* IPv4-mapped: an address */
    {"::1", 0, V6},
    /* hostile or not a machine */
    {"web-15;touch /tmp/x", 0, NONE},
    {"web-15;reboot", 0, NONE},
    {"-oProxyCommand=x", 0, NONE},
    {"-web", 0, NONE},
    {"web-", 0, NONE},
    {"web.-x", 0, NONE},
    {"web-.x", 0, NONE},
    {"web\n01", 0, NONE}, /* a decoded CEF \n */
    {"web01\r", 0, NONE},
    {"web\t01", 0, NONE},
    {"web 01", 0, NONE},
    {"web01\0x", 7, NONE},
    {"10.1.2.3\0x", 10, NONE}, /* inet_pton would stop at the NUL */
    {"user@test.com", 0, NONE},
    {"N/A", 0, NONE},
    {"", 0, NONE},
    {"web_01", 0, NONE},
    {"web$(id)", 0, NONE},
    {"`id`", 0, NONE},
    {"web|nc", 0, NONE},
    {"../etc/passwd", 0, NONE},
    {"host.", 0, NONE}, /* no trailing dot */
    {".host", 0, NONE},
    {"a..b", 0, NONE},
    {"1.2.3.256", 0, NONE},
    {"1.2.3", 0, NONE},
    {"010.1.2.3", 0, NONE}, /* octal to inet_aton */
    {"1234", 0, NONE},      /* inet_aton: 0.0.4.210 */
    {"0x7f000001", 0, NONE},
    {"0x7f.1", 0, NONE},
    {"fe80::1%eth0", 0, NONE}, /* zone */
    {"fe80::1::2", 0, NONE},
    {"[::1]", 0, NONE},
    {"\xe3\x82\xb5\xe3\x83\xbc\xe3\x83\x90", 0, NONE}, /* UTF-8 */
    {"b\xc3\xbc"
     "cher.example",
     0, NONE},
    {"web01\xff", 0, NONE},
    /* the dotted-quad reader and the numeric-name rule */
    {"01.2.3.4", 0, NONE},
    {"1.2.3.04", 0, NONE},
    {"00.1.2.3", 0, NONE},
    {"256.1.1.1", 0, NONE},
    {"1.2.3.4.5", 0, NONE},
    {"1..2.3", 0, NONE},
    {"1.2.3.4.", 0, NONE},
    {".1.2.3.4", 0, NONE},
    {"1000.1.1.1", 0, NONE},
    {"0x7f.0x0.0.1", 0, NONE},
    {"0X7F.1", 0, NONE},
    {"0x", 0, NONE},
    {"100.200.30.4", 0, V4},
    {"web.0x1", 0, NAME},
    {"0xg1", 0, NAME},
    {"1e3", 0, NAME},
    {"12ab", 0, NAME},
};

static void test_hostaddr_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        size_t n = cases[i].n ? cases[i].n : strlen(cases[i].v);
        char *c = copy_exact(cases[i].v, n);
        enum cg_hostaddr_kind got = cg_hostaddr_check(cg_str_make(c, n));
        if (got != cases[i].want)
            fail_msg("case %zu '%s': got %s, want %s", i, cases[i].v, cg_hostaddr_kind_name(got),
                     cg_hostaddr_kind_name(cases[i].want));
        free(c);
    }
    assert_int_equal(cg_hostaddr_check(CG_STR_NULL), NONE);
}

/* Verdicts are remembered per value (hostaddr.c): asked again, and after a value of the
 * same length that differs in one byte (in each place: the word windows of short values,
 * the full comparison of long ones), every value keeps its own verdict. */
static void test_hostaddr_memo(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
            size_t n = cases[i].n ? cases[i].n : strlen(cases[i].v);
            char *c = copy_exact(cases[i].v, n);
            for (size_t j = 0; j < n; j++) {
                char keep = c[j];
                c[j] = ' '; /* in no name or address */
                assert_int_equal(cg_hostaddr_check(cg_str_make(c, n)), NONE);
                c[j] = keep;
                if (cg_hostaddr_check(cg_str_make(c, n)) != cases[i].want)
                    fail_msg("case %zu '%s' after a variant at %zu", i, cases[i].v, j);
            }
            free(c);
        }
    }
}

/* The check agrees with the C library: what inet_pton(AF_INET) reads is IPv4 and nothing
 * else is; nothing inet_aton reads is a host name (a resolver would make it an address).
 * Over the table and every string of up to 4 bytes of an alphabet that makes numbers. */
static void check_against_libc(const char *z, size_t n)
{
    struct in_addr a;
    enum cg_hostaddr_kind k = cg_hostaddr_check(cg_str_make(z, n));
    bool pton = memchr(z, '\0', n) == NULL && inet_pton(AF_INET, z, &a) == 1;
    if (pton != (k == V4))
        fail_msg("'%s': %s, inet_pton says %d", z, cg_hostaddr_kind_name(k), pton);
    if (k == NAME && inet_aton(z, &a))
        fail_msg("'%s': a host name that inet_aton reads as an address", z);
}

static void test_hostaddr_libc(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++)
        if (!cases[i].n)
            check_against_libc(cases[i].v, strlen(cases[i].v));
    static const char alpha[] = "019.xa-";
    const size_t na = sizeof(alpha) - 1;
    char z[8];
    for (size_t len = 1; len <= 4; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= na;
        for (size_t m = 0; m < total; m++) {
            size_t x = m;
            for (size_t i = 0; i < len; i++, x /= na)
                z[i] = alpha[x % na];
            z[len] = '\0';
            check_against_libc(z, len);
        }
    }
    check_against_libc("255.255.255.255", 15);
    check_against_libc("255.255.255.256", 15);
}

/* RFC 1123: labels of at most 63 bytes, names of at most 253. */
static void test_hostaddr_lengths(void **state)
{
    (void)state;
    char buf[300];
    memset(buf, 'a', sizeof(buf));
    assert_int_equal(cg_hostaddr_check(cg_str_make(buf, 63)), NAME);
    assert_int_equal(cg_hostaddr_check(cg_str_make(buf, 64)), NONE);
    /* 253 = 3 labels of 63 + 1 of 61 and 3 dots */
    for (size_t i = 63; i < 253; i += 64)
        buf[i] = '.';
    assert_int_equal(cg_hostaddr_check(cg_str_make(buf, 253)), NAME);
    buf[253] = 'a';
    assert_int_equal(cg_hostaddr_check(cg_str_make(buf, 254)), NONE);
    assert_int_equal(cg_hostaddr_check(cg_str_make(buf, 300)), NONE);
}

static void test_hostaddr_same(void **state)
{
    (void)state;
    assert_true(cg_hostaddr_same(CG_STR_LIT("WS-042"), CG_STR_LIT("ws-042")));
    assert_true(cg_hostaddr_same(CG_STR_LIT("ws-042"), CG_STR_LIT("WS-042.corp.example")));
    assert_true(cg_hostaddr_same(CG_STR_LIT("ws-042.corp.example"), CG_STR_LIT("ws-042")));
    assert_true(cg_hostaddr_same(CG_STR_LIT("10.1.2.3"), CG_STR_LIT("10.1.2.3")));
    assert_false(cg_hostaddr_same(CG_STR_LIT("ws-042"), CG_STR_LIT("ws-0420")));
    assert_false(cg_hostaddr_same(CG_STR_LIT("ws-042"), CG_STR_LIT("ws-042x.corp")));
    assert_false(cg_hostaddr_same(CG_STR_LIT("epo-agent-07"), CG_STR_LIT("WS-042")));
    assert_false(cg_hostaddr_same(CG_STR_LIT("10.1.2"), CG_STR_LIT("10.1.2.3")));
    assert_false(cg_hostaddr_same(CG_STR_LIT("N/A"), CG_STR_LIT("N/A"))); /* not machines */
}

/* Only cg_target_make makes a target, and cg_target_value checks it again. */
static void test_target(void **state)
{
    (void)state;
    struct cg_target t;
    struct cg_str v;
    assert_int_equal(cg_target_make(&t, CG_STR_LIT("web-01")), CG_OK);
    assert_true(cg_target_value(&t, &v));
    assert_true(cg_str_eqz(v, "web-01"));
    assert_int_equal(cg_target_kind(&t), NAME);
    assert_int_equal(cg_target_make(&t, CG_STR_LIT("web-15;touch /tmp/x")), CG_EINVAL);
    assert_false(cg_target_value(&t, &v));
    assert_int_equal(cg_target_kind(&t), NONE);
    struct cg_target zero = {0};
    assert_false(cg_target_value(&zero, &v));
    /* made by hand, bypassing the constructor: still no machine */
    struct cg_target forged = {CG_STR_LIT("-oProxyCommand=x"), CG_HOSTADDR_NAME};
    assert_false(cg_target_value(&forged, &v));
    struct cg_target lying = {CG_STR_LIT("web-01"), CG_HOSTADDR_IPV4};
    assert_false(cg_target_value(&lying, &v));
    assert_false(cg_target_value(NULL, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostaddr_check),   cmocka_unit_test(test_hostaddr_libc),
        cmocka_unit_test(test_hostaddr_lengths), cmocka_unit_test(test_hostaddr_same),
        cmocka_unit_test(test_target),           cmocka_unit_test(test_hostaddr_memo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
