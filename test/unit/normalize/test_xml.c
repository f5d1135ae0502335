/* test_xml.c - XML text on its own (src/normalize/xml.h): the entity decoder, and the
 * "_xmlflat" splitter from document bytes (after the first '<') to fields, documents that
 * split and documents that do not side by side. test_normalize.c runs the same grammar
 * through epo.rulebase and liblognorm (test_xmlflat, test_split_nul, test_split_memo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "normalize/xml.h"

#include "splittest.h"

#include <stdio.h>

static void test_xml_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *out;
        size_t on;
    } cases[] = {
        {SV(""), SV("")},
        {SV("plain"), SV("plain")},
        {SV("&amp;&lt;&gt;&quot;&apos;"), SV("&<>\"'")},
        {SV("a&amp;b&amp"), SV("a&b&amp")}, /* no ';': kept */
        {SV("&#65;&#x41;&#x6a;&#x6A;"), SV("AAjj")},
        {SV("&#X41;"), SV("&#X41;")},                         /* XML allows only a lower-case x */
        {SV("&#00000065;&#000000065;"), SV("A&#000000065;")}, /* at most 8 digits */
        {SV("&#9;&#10;&#13;&#32;"), SV("\t\n\r ")},
        {SV("&#xe9;&#x20AC;&#x10FFFF;"), SV("\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf")},
        /* not XML characters: kept */
        {SV("&#0;&#8;&#xD800;&#xFFFE;&#x110000;"), SV("&#0;&#8;&#xD800;&#xFFFE;&#x110000;")},
        {SV("&#;&#x;&#12a;&&#"), SV("&#;&#x;&#12a;&&#")},
        {SV("&nbsp;&e;&AMP;"), SV("&nbsp;&e;&AMP;")}, /* never expanded */
        {SV("x\0&lt;\0"), SV("x\0<\0")},
    };
    struct cg_arena a;
    cg_arena_init(&a);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        char *in = copy_exact(cases[i].in, cases[i].n);
        struct cg_str out;
        assert_true(cg_nz_xml_decode(&a, in, cases[i].n, &out));
        split_expect_str(cases[i].in, out, cases[i].out, cases[i].on);
        free(in);
    }
    cg_arena_fini(&a);
}

static void test_xml_cases(void **state)
{
    (void)state;
    static const struct split_case cases[] = {
        {SV("A>1</A>"), CG_OK, 0, {{"a", SV("1")}}},
        {SV("?xml version=\"1.0\" encoding=\"UTF-8\"?><E><MachineName>m</MachineName>"
            "<IPAddress>1.2.3.4</IPAddress></E>"),
         CG_OK,
         0,
         {{"machine_name", SV("m")}, {"ip_address", SV("1.2.3.4")}}},
        {SV("E><SoftwareInfo ProductName=\"P\" ProductVersion=\"1\"><X>v</X></SoftwareInfo></E>"),
         CG_OK,
         0,
         {{"software_info.product_name", SV("P")},
          {"software_info.product_version", SV("1")},
          {"x", SV("v")}}},
        {SV("E><A b=\"c\">v</A></E>"), CG_OK, 0, {{"a", SV("v")}, {"a.b", SV("c")}}},
        {SV("E><A b=\"c\"/><B/></E>"), CG_OK, 0, {{"a.b", SV("c")}}},
        {SV("E><A x=\"1\"y=\"2\"/></E>"), CG_OK, 0, {{NULL}}}, /* no space: form 3 */
        {SV("E><A a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\" f=\"6\" g=\"7\" h=\"8\" i=\"9\"/></E>"),
         CG_OK,
         0,
         {{"a.a", SV("1")},
          {"a.b", SV("2")},
          {"a.c", SV("3")},
          {"a.d", SV("4")},
          {"a.e", SV("5")},
          {"a.f", SV("6")},
          {"a.g", SV("7")},
          {"a.h", SV("8")},
          {"a.i", SV("9")}}},
        {SV("E><A x=\"1\"></B></E>"), CG_OK, 0, {{"a", SV("")}, {"a.x", SV("1")}}},
        {SV("E><A b=\"x&amp;y\">&lt;b&gt; &#x41;&#66; &nbsp;</A></E>"),
         CG_OK,
         0,
         {{"a", SV("<b> AB &nbsp;")}, {"a.b", SV("x&y")}}},
        {SV("E><A></A></E>"), CG_OK, 0, {{"a", SV("")}}},
        {SV("E><A>1</A><A>2</A></E>"), CG_OK, 1, {{"a", SV("1")}}},
        {SV("E><Subject>s</Subject><Pre>y</Pre></E>"), CG_OK, 1, {{"subject_", SV("s")}}},
        {SV("?xml version=\"1.0\"?><!DOCTYPE E><!-- c --><?pi x?><E><A>1</A></E>"),
         CG_OK,
         0,
         {{"a", SV("1")}}},
        {SV("E> <A>1</A></E>"), CG_OK, 0, {{"a", SV("1")}}},
        {SV("E><A>1</A></E> \t\r\n"), CG_OK, 0, {{"a", SV("1")}}},
        {SV("E><A>1</A><B>tru"), CG_OK, 0, {{"a", SV("1")}}}, /* cut in a text */
        {SV("E>"), CG_OK, 0, {{NULL}}},
        {SV(""), NZ_NOMATCH, 0, {{NULL}}},
        {SV("hello"), NZ_NOMATCH, 0, {{NULL}}},
        {SV("E><A>1</A></E>x"), NZ_NOMATCH, 0, {{NULL}}},
        {SV("E><A>1</A><B"), NZ_NOMATCH, 0, {{NULL}}},      /* cut in a tag */
        {SV("E><A>1</A><B>2</B"), NZ_NOMATCH, 0, {{NULL}}}, /* cut in a closing tag */
        {SV("E><A x=\"1"), NZ_NOMATCH, 0, {{NULL}}},        /* cut in an attribute */
        /* a DOCTYPE's internal subset leaves "]>" after a tag */
        {SV("?xml version=\"1.0\"?><!DOCTYPE E [<!ENTITY e \"v\">]><E><A>&e;</A></E>"),
         NZ_NOMATCH,
         0,
         {{NULL}}},
        /* liblognorm's furthest point: "</>" ends the text of <E> after "</" */
        {SV("E></><A>1</A></E>"), NZ_NOMATCH, 0, {{NULL}}},
        /* whitespace between tags, also after the declaration and after a closing tag */
        {SV("?xml version=\"1.0\"?> <E><A>1</A></E>"), CG_OK, 0, {{"a", SV("1")}}},
        {SV("?xml version=\"1.0\"?><A>1</A> <B>2</B>"), CG_OK, 0, {{"a", SV("1")}, {"b", SV("2")}}},
        /* pretty-printed, LF / CRLF / tabs, as ePO's syslog relays forward it */
        {SV("?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EPOEvent>\n  <MachineInfo>\n    "
            "<MachineName>WS-01</MachineName>\n    <IPAddress>10.0.0.5</IPAddress>\n  "
            "</MachineInfo>\n  <SoftwareInfo ProductName=\"P\">\n\t<Event><EventID>1027</EventID>"
            "</Event>\n  </SoftwareInfo>\n</EPOEvent>\n"),
         CG_OK,
         0,
         {{"machine_name", SV("WS-01")},
          {"ip_address", SV("10.0.0.5")},
          {"software_info.product_name", SV("P")},
          {"event_id", SV("1027")}}},
        {SV("?xml version=\"1.0\"?>\r\n<E>\r\n <A>1</A>\r\n <B>2</B>\r\n</E>\r\n"),
         CG_OK,
         0,
         {{"a", SV("1")}, {"b", SV("2")}}},
        /* rsyslog's escapes of CR, LF, TAB ("#015" "#012" "#011") between tags are whitespace;
         * in a text they are decoded; any other "#NNN" stays as written */
        {SV("?xml version=\"1.0\"?>#015#012<E>#015#012#011<A>1</A>#012#011<B c=\"x#012y\">"
            "line1#015#012line2</B>#012</E>#015#012"),
         CG_OK,
         0,
         {{"a", SV("1")}, {"b", SV("line1\r\nline2")}, {"b.c", SV("x\ny")}}},
        {SV("E><A>tab#011, #033[31m, #000, #01, #0123, #13, ##012</A></E>"),
         CG_OK,
         0,
         {{"a", SV("tab\t, #033[31m, #000, #01, \n3, #13, #\n")}}},
        {SV("E><A>1</A>#033<B>2</B></E>"), NZ_NOMATCH, 0, {{NULL}}}, /* ESC is no whitespace */
        {SV("E><A>1</A>#01"), NZ_NOMATCH, 0, {{NULL}}},
        {SV("E><A>1</A> x <B>2</B></E>"), NZ_NOMATCH, 0, {{NULL}}}, /* text between is no space */
        {SV("E><A>1</A>\v\f <B>2</B></E>#012 \t"), CG_OK, 0, {{"a", SV("1")}, {"b", SV("2")}}},
        /* NUL bytes: data in a text; after a '<' or a '/' the tag reads differently */
        {SV("E><A>x\0y</A></E>"), CG_OK, 0, {{"a", SV("x\0y")}}},
        {SV("E><\0A>1</A></E>"), NZ_NOMATCH, 0, {{NULL}}},
        {SV("E><A><B>2</B></A\0></E>"), CG_OK, 0, {{"b", SV("2")}}},
        {SV("E><\xe3\x83\x9e>\xe7\xb5\x8c</\xe3\x83\x9e><Caf\xc3\xa9 N=\"\xc3\xa9\"/></E>"),
         CG_OK,
         0,
         {{"\xe3\x83\x9e", SV("\xe7\xb5\x8c")}, {"caf\xc3\xa9.n", SV("\xc3\xa9")}}},
    };
    split_table(cg_nz_xml_flatten, cases, CG_ARRAY_LEN(cases), false);
}

/* Tag names at and past the key bound, and nesting far deeper than any document. */
static void test_xml_long_and_deep(void **state)
{
    (void)state;
    enum { DEPTH = 5000 };
    size_t cap = 8 * DEPTH + 4 * NZ_KEY_MAX + 64, n = 0;
    char *in = malloc(cap), want[NZ_KEY_MAX];
    assert_non_null(in);
    n += (size_t)snprintf(in + n, cap - n, "E>");
    for (size_t len = NZ_KEY_MAX; len <= NZ_KEY_MAX + 1; len++) {
        in[n++] = '<';
        memset(in + n, 'N', len), n += len;
        n += (size_t)snprintf(in + n, cap - n, ">%zu</x>", len);
    }
    for (size_t i = 0; i < DEPTH; i++)
        memcpy(in + n, "<a>", 3), n += 3;
    n += (size_t)snprintf(in + n, cap - n, "<b>v</b>");
    for (size_t i = 0; i < DEPTH; i++)
        memcpy(in + n, "</a>", 4), n += 4;
    n += (size_t)snprintf(in + n, cap - n, "</E>");
    struct cg_event ev;
    split_event(&ev, 0);
    assert_int_equal(split_into(&ev, cg_nz_xml_flatten, in, n, NULL), CG_OK);
    memset(want, 'n', sizeof(want));
    assert_int_equal(ev.fields.n, 3);
    split_expect_str("256", ev.fields.v[1].key, want, NZ_KEY_MAX);
    split_expect_str("b", ev.fields.v[2].key, "b", 1);
    split_expect_str("b", ev.fields.v[2].val, "v", 1);
    cg_event_fini(&ev);
    free(in);
}

/* The field bound, and a document that does not split after the bound was reached: the
 * counts are taken back with the fields. */
static void test_xml_bound(void **state)
{
    (void)state;
    static const char ok[] = "E><A>1</A><B c=\"2\">3</B><D>4</D></E>",
                      bad[] = "E><A>1</A><B>2</B>x";
    struct cg_event ev;
    split_event(&ev, 3);
    assert_int_equal(split_into(&ev, cg_nz_xml_flatten, ok, sizeof(ok) - 1, NULL), CG_OK);
    assert_int_equal(ev.fields.n, 3);
    split_expect_str("b", ev.fields.v[2].val, "3", 1);
    assert_int_equal(ev.fields.limit_dropped, 2); /* b.c, d */
    cg_event_fini(&ev);
    split_event(&ev, 2);
    assert_int_equal(split_into(&ev, cg_nz_xml_flatten, bad, sizeof(bad) - 1, NULL), NZ_NOMATCH);
    assert_int_equal(ev.fields.n, 1);
    assert_int_equal(ev.fields.limit_dropped, 0);
    cg_event_fini(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_decode),
        cmocka_unit_test(test_xml_cases),
        cmocka_unit_test(test_xml_long_and_deep),
        cmocka_unit_test(test_xml_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
