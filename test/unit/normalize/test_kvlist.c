/* test_kvlist.c - the "_kvlist" splitter on its own (src/normalize/kvlist.h): list bytes in,
 * fields out, valid and invalid lists side by side with every field they give. Every value
 * must be a view into the list. test_normalize.c runs the same grammar through sepm.rulebase
 * and liblognorm (test_kvlist, test_split_nul, test_split_memo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "normalize/kvlist.h"

#include "splittest.h"

#include <stdio.h>

static void test_kvlist_cases(void **state)
{
    (void)state;
    static const struct split_case cases[] = {
        {SV(""), CG_OK, 0, {{NULL}}},
        {SV("A: 1,B: 2"), CG_OK, 0, {{"a", SV("1")}, {"b", SV("2")}}},
        {SV("A: 1,B: 2,"), CG_OK, 0, {{"a", SV("1")}, {"b", SV("2")}}},
        {SV("URL Tracking Status: Off,,"), CG_OK, 0, {{"url_tracking_status", SV("Off")}}},
        /* a ',' directly followed by a NUL byte does not separate: the list does not split */
        {SV("A: 1,\0B: 2"), NZ_NOMATCH, 0, {{NULL}}},
        {SV("A: \0b,C: d"), CG_OK, 0, {{"unlabeled.0", SV("A: \0b")}, {"c", SV("d")}}},
        {SV("A\0: b"), CG_OK, 0, {{"a", SV("b")}}},
        /* rule 4: continuations, of a pair, of a bare label, and with nothing to continue */
        {SV("Company name: Adobe Systems, Incorporated,X: y"),
         CG_OK,
         0,
         {{"company_name", SV("Adobe Systems, Incorporated")}, {"x", SV("y")}}},
        {SV("Label:, x, y"), CG_OK, 0, {{"label", SV(", x, y")}}},
        {SV(" lead,A: 1"), CG_OK, 0, {{"unlabeled.0", SV("lead")}, {"a", SV("1")}}},
        {SV("A: 1, \0x: y"), CG_OK, 0, {{"a", SV("1")}, {"x", SV("y")}}},
        {SV("A: 1, x: y"), CG_OK, 0, {{"a", SV("1, x: y")}}},
        {SV("A: 1,A: 2, x"), CG_OK, 1, {{"a", SV("1")}, {"unlabeled.0", SV("x")}}},
        /* rule 1 */
        {SV("Occurrences: 1,C:\\a.exe,,Actual action: Left alone"),
         CG_OK,
         0,
         {{"occurrences", SV("1")},
          {"file_path", SV("C:\\a.exe")},
          {"description", SV("")},
          {"actual_action", SV("Left alone")}}},
        {SV("Occurrences: 1,D:\\q1,q2\\e.com,,Actual action: Cleaned"),
         CG_OK,
         0,
         {{"occurrences", SV("1")},
          {"file_path", SV("D:\\q1,q2\\e.com")},
          {"description", SV("")},
          {"actual_action", SV("Cleaned")}}},
        {SV("Occurrences: 2,C:\\x.dll,Found in memory,Actual action: Q"),
         CG_OK,
         0,
         {{"occurrences", SV("2")},
          {"file_path", SV("C:\\x.dll")},
          {"description", SV("Found in memory")},
          {"actual_action", SV("Q")}}},
        {SV("Occurrences: 1,,,Actual action: z"),
         CG_OK,
         0,
         {{"occurrences", SV("1")},
          {"file_path", SV("")},
          {"description", SV("")},
          {"actual_action", SV("z")}}},
        {SV("Occurrences: 3,p,d, more"),
         CG_OK,
         0,
         {{"occurrences", SV("3")}, {"file_path", SV("p")}, {"description", SV("d, more")}}},
        {SV("Occurrences: 5,C:\\cut"), CG_OK, 0, {{"occurrences", SV("5")}}}, /* path lost */
        {SV("Occurrences: x,A: 1"), CG_OK, 0, {{"occurrences", SV("x")}, {"a", SV("1")}}},
        {SV("A: 1,Occurrences: x,B: 2"),
         CG_OK,
         0,
         {{"a", SV("1")}, {"occurrences", SV("x")}, {"b", SV("2")}}},
        /* rules 1 and 2: SEP 14.3 (labelled columns), a labelled piece after Occurrences, localised
         */
        {SV("Occurrences: 1,File path: C:\\a,b.exe,Description: ,Actual action: Left alone"),
         CG_OK,
         0,
         {{"occurrences", SV("1")},
          {"file_path", SV("C:\\a,b.exe")},
          {"description", SV("")},
          {"actual_action", SV("Left alone")}}},
        {SV("File path: C:\\a,b.exe"),
         CG_OK,
         0,
         {{"file_path", SV("C:\\a")}, {"unlabeled.0", SV("b.exe")}}},
        {SV("Occurrences: 4,Application: C:/x.exe,Rule: r"),
         CG_OK,
         0,
         {{"occurrences", SV("4")}, {"application", SV("C:/x.exe")}, {"rule", SV("r")}}},
        {SV("件数: 1,C:\\請求書,5月.doc,,実際の処理: 隔離"),
         CG_OK,
         0,
         {{"occurrences", SV("1")},
          {"file_path", SV("C:\\請求書,5月.doc")},
          {"description", SV("")},
          {"actual_action", SV("隔離")}}},
        {SV("出现次数: 2,p,d,实际的操作: x"),
         CG_OK,
         0,
         {{"occurrences", SV("2")},
          {"file_path", SV("p")},
          {"description", SV("d")},
          {"actual_action", SV("x")}}},
        {SV("件数: x,IP アドレス: 1,コンピュータ名: PC,未知のラベル: v"),
         CG_OK,
         0,
         {{"occurrences", SV("x")},
          {"ip_address", SV("1")},
          {"computer_name", SV("PC")},
          {"未知のラベル", SV("v")}}},
        {SV("IP アドレス: 1,IP Address: 2"), CG_OK, 1, {{"ip_address", SV("1")}}},
        /* rule 3 */
        {SV("Detection Submissions No,Risk Level: High"),
         CG_OK,
         0,
         {{"detection_submissions", SV("No")}, {"risk_level", SV("High")}}},
        {SV("Detection Submissions X: y,C: 1"),
         CG_OK,
         0,
         {{"detection_submissions", SV("X: y")}, {"c", SV("1")}}},
        {SV("Detection Submissions \0X: y,C: 1"),
         CG_OK,
         0,
         {{"detection_submissions_x", SV("y")}, {"c", SV("1")}}},
        /* rules 5 and 6: keys */
        {SV("Source IP:"), CG_OK, 0, {{"source_ip", SV("")}}},
        {SV("Subject: s,subject: t,Computer name: PC"),
         CG_OK,
         1,
         {{"subject_", SV("s")}, {"computer_name", SV("PC")}}},
        {SV("a:b,:x,Label: v"),
         CG_OK,
         0,
         {{"unlabeled.0", SV("a:b")}, {"unlabeled.1", SV(":x")}, {"label", SV("v")}}},
        {SV("Application version: 3,0,6,0"),
         CG_OK,
         0,
         {{"application_version", SV("3")},
          {"unlabeled.0", SV("0")},
          {"unlabeled.1", SV("6")},
          {"unlabeled.2", SV("0")}}},
        {SV("IPAddress: 1,TargetHostName: h,AnalyzerIPv4: 2,File size (bytes): 3"),
         CG_OK,
         0,
         {{"ip_address", SV("1")},
          {"target_host_name", SV("h")},
          {"analyzer_ipv4", SV("2")},
          {"file_size_bytes", SV("3")}}},
        {SV("Caf\xc3\xa9 Name: y,\xe7\xb5\x8c\xe7\x90\x86: x"),
         CG_OK,
         0,
         {{"caf\xc3\xa9_name", SV("y")}, {"\xe7\xb5\x8c\xe7\x90\x86", SV("x")}}},
        {SV("Pre: y,A: 1"), CG_OK, 1, {{"a", SV("1")}}}, /* "pre" is taken */
    };
    split_table(cg_nz_kvlist_split, cases, CG_ARRAY_LEN(cases), true);
}

/* Labels at and past the key bound: a key of up to NZ_KEY_MAX bytes, a label whose key would
 * be longer gives no field. */
static void test_kvlist_long_labels(void **state)
{
    (void)state;
    char in[1024], want[NZ_KEY_MAX];
    size_t n = 0;
    for (size_t len = NZ_KEY_MAX - 1; len <= NZ_KEY_MAX + 1; len++) {
        memset(in + n, 'L', len);
        n += len;
        n += (size_t)snprintf(in + n, sizeof(in) - n, ": %zu,", len);
    }
    struct cg_event ev;
    split_event(&ev, 0);
    assert_int_equal(split_into(&ev, cg_nz_kvlist_split, in, n - 1, NULL), CG_OK);
    memset(want, 'l', sizeof(want));
    assert_int_equal(ev.fields.n, 3);
    split_expect_str("255", ev.fields.v[1].key, want, NZ_KEY_MAX - 1);
    split_expect_str("256", ev.fields.v[2].key, want, NZ_KEY_MAX);
    split_expect_str("value", ev.fields.v[2].val, "256", 3);
    cg_event_fini(&ev);
}

/* The field bound: the fields past it are counted, and a continuation of a dropped field is
 * not added to the field before it. */
static void test_kvlist_bound(void **state)
{
    (void)state;
    static const char in[] = "A: 1,B: 2,C: 3, x,D: 4";
    struct cg_event ev;
    split_event(&ev, 3);
    assert_int_equal(split_into(&ev, cg_nz_kvlist_split, in, sizeof(in) - 1, NULL), CG_OK);
    assert_int_equal(ev.fields.n, 3);
    split_expect_str("b", ev.fields.v[2].val, "2", 1);
    assert_int_equal(ev.fields.limit_dropped, 3); /* c, unlabeled.0, d */
    cg_event_fini(&ev);
}

/* A long run of continuations widens one view into the list: no copy per piece (which took
 * memory quadratic in the line: 880 MB for a 60 KB line). */
static void test_kvlist_cont_view(void **state)
{
    (void)state;
    enum { PIECES = 20000 };
    size_t n = 4 + 2 * PIECES;
    char *in = malloc(n);
    assert_non_null(in);
    memcpy(in, "A: 1", 4);
    for (size_t i = 0; i < PIECES; i++)
        memcpy(in + 4 + 2 * i, ", ", 2);
    struct cg_event ev;
    split_event(&ev, 0);
    assert_int_equal(split_into(&ev, cg_nz_kvlist_split, in, n, NULL), CG_OK);
    assert_int_equal(ev.fields.n, 2);
    assert_ptr_equal(ev.fields.v[1].val.p, in + 3);
    assert_int_equal(ev.fields.v[1].val.n, n - 3);
    cg_event_fini(&ev);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kvlist_cases),
        cmocka_unit_test(test_kvlist_long_labels),
        cmocka_unit_test(test_kvlist_bound),
        cmocka_unit_test(test_kvlist_cont_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
