/*
 * test_leef.c - the native LEEF decoder (leef.h), table-driven.
 *
 * Each row is one cmocka test: a whole "LEEF:..." text, the exact header fields,
 * delimiter and raw attributes, and the exact ordered (key, value) list, or the
 * reject reason. Inputs live in exactly-sized heap buffers (ASan catches a read
 * past n).
 *
 * Sources: IBM QRadar "LEEF event components" (the header and delimiter
 * examples: LEEF:1.0|Microsoft|MSExchange|..., LEEF:2.0|Lancope|StealthWatch|...|^|,
 * hex delimiters "0x"/"x" + 1-4 hex digits) and the Deep Security "Syslog message
 * formats" page (LEEF 2.0 without a delimiter field, tab-separated, usrName).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "cefguard/arena.h"
#include "cefguard/fields.h"
#include "cefguard/leef.h"

struct bytes {
    const char *p;
    size_t n;
};

/* clang-format off */
#define B(s) {(s), sizeof(s) - 1}
#define KV(k, v) {B(k), B(v)}
/* clang-format on */
#define HDR(v, ven, prod, pver, id) .hdr = {B(v), B(ven), B(prod), B(pver), B(id)}
#define MAX_KV 24

struct kv {
    struct bytes k, v;
};

struct leef_case {
    const char *name;
    struct bytes line; /* the whole "LEEF:..." text */
    enum cg_reject rej;
    struct bytes hdr[5]; /* version, vendor, product, product version, event id */
    char delim;
    struct bytes attrs;
    unsigned flags;
    struct kv kv[MAX_KV];
    size_t dups;
};

#define DS_AM_ATTRS                                                                                \
    "cat=Anti-Malware\tname=HEU_AEGIS_CRYPT\tdesc=HEU_AEGIS_CRYPT\tsev=6\tcn1=241\tcn1Label=Host " \
    "ID\tdvc=10.0.0.1\tTrendMicroDsTags=FS\tTrendMicroDsTenant=Primary\tTrendMicroDsTenantId=0\t"  \
    "filePath=C:\\\\Windows\\\\System32\\\\virus.exe\tact=Terminate\tmsg=Realtime\t"               \
    "TrendMicroDsMalwareTarget=Multiple\tTrendMicroDsMalwareTargetType=File System"
#define DS_SYS_ATTRS                                                                               \
    "cat=System\tname=Alert Ended\tdesc=Alert: CPU Warning Threshold Exceeded\\nSubject: "         \
    "10.201.114.164\\nSeverity: Warning\tsev=3\tsrc=10.201.114.164\tusrName=System\tmsg=Alert: "   \
    "CPU Warning Threshold Exceeded\\nSubject: 10.201.114.164\\nSeverity: "                        \
    "Warning\tTrendMicroDsTenant=Primary"

static const struct leef_case cases[] = {
    {
        .name = "IBM guide: LEEF 1.0, tab-separated attributes",
        .line = B("LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\t"
                  "sev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black"),
        HDR("1.0", "Microsoft", "MSExchange", "4.0 SP1", "15345"),
        .delim = '\t',
        .attrs = B("src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\t"
                   "usrName=joe.black"),
        .kv = {KV("src", "192.0.2.0"), KV("dst", "172.50.123.1"), KV("sev", "5"),
               KV("cat", "anomaly"), KV("srcPort", "81"), KV("dstPort", "21"),
               KV("usrName", "joe.black")},
    },
    {
        .name = "IBM guide: LEEF 2.0 with '^' delimiter",
        .line = B("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort="
                  "81^dstPort=21"),
        HDR("2.0", "Lancope", "StealthWatch", "1.0", "41"),
        .delim = '^',
        .attrs = B("src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21"),
        .kv = {KV("src", "10.0.1.8"), KV("dst", "10.0.0.5"), KV("sev", "5"), KV("srcPort", "81"),
               KV("dstPort", "21")},
    },
    {
        .name = "hex delimiter 0x5E",
        .line = B("LEEF:2.0|Lancope|StealthWatch|1.0|41|0x5E|src=10.0.1.8^dst=10.0.0.5"),
        HDR("2.0", "Lancope", "StealthWatch", "1.0", "41"),
        .delim = '^',
        .attrs = B("src=10.0.1.8^dst=10.0.0.5"),
        .kv = {KV("src", "10.0.1.8"), KV("dst", "10.0.0.5")},
    },
    {
        .name = "hex delimiter x5e (no 0, lower case)",
        .line = B("LEEF:2.0|Lancope|StealthWatch|1.0|41|x5e|src=10.0.1.8^dst=10.0.0.5"),
        HDR("2.0", "Lancope", "StealthWatch", "1.0", "41"),
        .delim = '^',
        .attrs = B("src=10.0.1.8^dst=10.0.0.5"),
        .kv = {KV("src", "10.0.1.8"), KV("dst", "10.0.0.5")},
    },
    {
        .name = "hex delimiter 0x09 is a tab; 4 hex digits allowed",
        .line = B("LEEF:2.0|V|P|1|E|0x0009|a=1\tb=2"),
        HDR("2.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("a=1\tb=2"),
        .kv = {KV("a", "1"), KV("b", "2")},
    },
    {
        .name = "hex delimiter x20: space-separated attributes",
        .line = B("LEEF:2.0|VendorX|ProductY|1.0|EventZ|x20|src=10.0.0.1 dst=10.0.0.2"),
        HDR("2.0", "VendorX", "ProductY", "1.0", "EventZ"),
        .delim = ' ',
        .attrs = B("src=10.0.0.1 dst=10.0.0.2"),
        .kv = {KV("src", "10.0.0.1"), KV("dst", "10.0.0.2")},
    },
    {
        .name = "hex delimiter 0x7C: '|' between attributes",
        .line = B("LEEF:2.0|V|P|1|E|0x7C|a=1|b=2"),
        HDR("2.0", "V", "P", "1", "E"),
        .delim = '|',
        .attrs = B("a=1|b=2"),
        .kv = {KV("a", "1"), KV("b", "2")},
    },
    {
        .name = "DS anti-malware LEEF 2.0: no delimiter field, tabs, no escapes",
        .line = B("LEEF:2.0|Trend Micro|Deep Security Agent|<DSA version>|4000030|" DS_AM_ATTRS),
        HDR("2.0", "Trend Micro", "Deep Security Agent", "<DSA version>", "4000030"),
        .delim = '\t',
        .attrs = B(DS_AM_ATTRS),
        .kv = {KV("cat", "Anti-Malware"), KV("name", "HEU_AEGIS_CRYPT"),
               KV("desc", "HEU_AEGIS_CRYPT"), KV("sev", "6"), KV("cn1", "241"),
               KV("cn1Label", "Host ID"), KV("dvc", "10.0.0.1"), KV("TrendMicroDsTags", "FS"),
               KV("TrendMicroDsTenant", "Primary"), KV("TrendMicroDsTenantId", "0"),
               KV("filePath", "C:\\\\Windows\\\\System32\\\\virus.exe"), KV("act", "Terminate"),
               KV("msg", "Realtime"), KV("TrendMicroDsMalwareTarget", "Multiple"),
               KV("TrendMicroDsMalwareTargetType", "File System")},
    },
    {
        .name = "DS system event 192 LEEF 2.0: usrName, literal \\n kept",
        .line = B("LEEF:2.0|Trend Micro|Deep Security Manager|<DSM version>|192|" DS_SYS_ATTRS),
        HDR("2.0", "Trend Micro", "Deep Security Manager", "<DSM version>", "192"),
        .delim = '\t',
        .attrs = B(DS_SYS_ATTRS),
        .kv = {KV("cat", "System"), KV("name", "Alert Ended"),
               KV("desc", "Alert: CPU Warning Threshold Exceeded\\nSubject: "
                          "10.201.114.164\\nSeverity: Warning"),
               KV("sev", "3"), KV("src", "10.201.114.164"), KV("usrName", "System"),
               KV("msg", "Alert: CPU Warning Threshold Exceeded\\nSubject: "
                         "10.201.114.164\\nSeverity: Warning"),
               KV("TrendMicroDsTenant", "Primary")},
    },
    {
        .name = "DS LEEF in the rsyslog file form 'LEEF: 2.0|', with '^'",
        .line = B("LEEF: 2.0|Trend Micro|Deep Security Agent|20.0.877|4000000|^|cat=Anti-Malware^"
                  "name=Eicar_test_file^act=Quarantine^usrName=System"),
        HDR("2.0", "Trend Micro", "Deep Security Agent", "20.0.877", "4000000"),
        .delim = '^',
        .attrs = B("cat=Anti-Malware^name=Eicar_test_file^act=Quarantine^usrName=System"),
        .kv = {KV("cat", "Anti-Malware"), KV("name", "Eicar_test_file"), KV("act", "Quarantine"),
               KV("usrName", "System")},
    },
    {
        .name = "LEEF 2.0 attributes holding '|' (DS Container) are not a delimiter field",
        .line = B("LEEF:2.0|Trend Micro|Deep Security Agent|20.0|4000000|cs6=Image | Name | "
                  "ID\tcs6Label=Container"),
        HDR("2.0", "Trend Micro", "Deep Security Agent", "20.0", "4000000"),
        .delim = '\t',
        .attrs = B("cs6=Image | Name | ID\tcs6Label=Container"),
        .kv = {KV("cs6", "Image | Name | ID"), KV("cs6Label", "Container")},
    },
    {
        .name = "LEEF 1.0 with spaces, not tabs: the delimiter is the delimiter",
        .line = B("LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1  dst=2.10.20.20  "
                  "spt=1200"),
        HDR("1.0", "Microsoft", "MSExchange", "2016", "15345"),
        .delim = '\t',
        .attrs = B("src=10.50.1.1  dst=2.10.20.20  spt=1200"),
        .kv = {KV("src", "10.50.1.1  dst=2.10.20.20  spt=1200")},
    },
    {
        .name = "LEEF 1.0 never has a delimiter field",
        .line = B("LEEF:1.0|V|P|1|E|^|a=1\tb=2"),
        HDR("1.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("^|a=1\tb=2"),
        .kv = {KV("^|a", "1"), KV("b", "2")},
    },
    {
        .name = "IBM guide header only, empty attributes",
        .line = B("LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|"),
        HDR("1.0", "Microsoft", "MSExchange", "4.0 SP1", "15345"),
        .delim = '\t',
        .attrs = B(""),
    },
    {
        .name = "LEEF 2.0 delimiter field with nothing after it",
        .line = B("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|"),
        HDR("2.0", "Lancope", "StealthWatch", "1.0", "41"),
        .delim = '^',
        .attrs = B(""),
    },
    {
        .name = "empty delimiter field '||' means tab",
        .line = B("LEEF:2.0|V|P|1|E||a=1\tb=2"),
        HDR("2.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("a=1\tb=2"),
        .kv = {KV("a", "1"), KV("b", "2")},
    },
    {
        .name = "version '2' (no minor) carries the delimiter field",
        .line = B("LEEF:2|V|P|1|E|;|a=1;b=2"),
        HDR("2", "V", "P", "1", "E"),
        .delim = ';',
        .attrs = B("a=1;b=2"),
        .kv = {KV("a", "1"), KV("b", "2")},
    },
    {
        .name = "version '10.0': major 10 >= 2 carries the delimiter field",
        .line = B("LEEF:10.0|V|P|1|E|x7E|a=1~b=2"),
        HDR("10.0", "V", "P", "1", "E"),
        .delim = '~',
        .attrs = B("a=1~b=2"),
        .kv = {KV("a", "1"), KV("b", "2")},
    },
    {
        .name = "attribute without '=' dropped and flagged; empty ones skipped",
        .line = B("LEEF:1.0|V|P|1|E|src=1\tjunk\t\t \tdst=2\t"),
        HDR("1.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("src=1\tjunk\t\t \tdst=2\t"),
        .flags = CG_LEEF_JUNK,
        .kv = {KV("src", "1"), KV("dst", "2")},
    },
    {
        .name = "'=value' has no key: junk",
        .line = B("LEEF:1.0|V|P|1|E|=v\t  =w\ta=1"),
        HDR("1.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("=v\t  =w\ta=1"),
        .flags = CG_LEEF_JUNK,
        .kv = {KV("a", "1")},
    },
    {
        .name = "keys trimmed, values kept as they are (spaces, '=')",
        .line = B("LEEF:2.0|V|P|1|E|^| src =1^url=http://x/?a=b c ^ k= v "),
        HDR("2.0", "V", "P", "1", "E"),
        .delim = '^',
        .attrs = B(" src =1^url=http://x/?a=b c ^ k= v "),
        .kv = {KV("src", "1"), KV("url", "http://x/?a=b c "), KV("k", " v ")},
    },
    {
        .name = "duplicates: the first wins; trailing CR LF dropped",
        .line = B("LEEF:1.0|V|P|1|E|a=1\tb=2\ta=3\r\n"),
        HDR("1.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("a=1\tb=2\ta=3"),
        .kv = {KV("a", "1"), KV("b", "2")},
        .dups = 1,
    },
    {
        .name = "NUL and invalid UTF-8 bytes are data",
        .line = B("LEEF:1.0|V\xff|P|1|E|a=\0x\tb=\xc3\x28"),
        HDR("1.0", "V\xff", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("a=\0x\tb=\xc3\x28"),
        .kv = {KV("a", "\0x"), KV("b", "\xc3\x28")},
    },
    {
        .name = "a 7-byte segment before '|' is not a delimiter field",
        .line = B("LEEF:2.0|V|P|1|E|0x00009|a=1"),
        HDR("2.0", "V", "P", "1", "E"),
        .delim = '\t',
        .attrs = B("0x00009|a=1"),
        .kv = {KV("0x00009|a", "1")},
    },
    /* rejects */
    {.name = "reject: empty", .line = B("LEEF:"), .rej = CG_REJ_LEEF_BAD_VERSION},
    {.name = "reject: version not a number",
     .line = B("LEEF:abc|V|P|1|E|a=1"),
     .rej = CG_REJ_LEEF_BAD_VERSION},
    {.name = "reject: version '1.'",
     .line = B("LEEF:1.|V|P|1|E|a=1"),
     .rej = CG_REJ_LEEF_BAD_VERSION},
    {.name = "reject: empty version",
     .line = B("LEEF:|V|P|1|E|a=1"),
     .rej = CG_REJ_LEEF_BAD_VERSION},
    {.name = "reject: only a version", .line = B("LEEF:1.0"), .rej = CG_REJ_LEEF_TRUNCATED},
    {.name = "reject: four header fields",
     .line = B("LEEF:1.0|V|P|1"),
     .rej = CG_REJ_LEEF_TRUNCATED},
    {.name = "reject: no '|' after the event ID",
     .line = B("LEEF:2.0|V|P|1|E\r\n"),
     .rej = CG_REJ_LEEF_TRUNCATED},
    {.name = "reject: delimiter 0xZZ",
     .line = B("LEEF:2.0|V|P|1|E|0xZZ|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter NUL byte",
     .line = B("LEEF:2.0|V|P|1|E|\0|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter 0x0",
     .line = B("LEEF:2.0|V|P|1|E|0x0|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter '='",
     .line = B("LEEF:2.0|V|P|1|E|=|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter 0x100 (not one byte)",
     .line = B("LEEF:2.0|V|P|1|E|0x100|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter 0xA6 (not ASCII)",
     .line = B("LEEF:2.0|V|P|1|E|xA6|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter byte 0xFF",
     .line = B("LEEF:2.0|V|P|1|E|\xff|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter word 'tab'",
     .line = B("LEEF:2.0|V|P|1|E|tab|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
    {.name = "reject: delimiter '0x' without digits",
     .line = B("LEEF:2.0|V|P|1|E|0x|a=1"),
     .rej = CG_REJ_LEEF_BAD_DELIM},
};

static void expect_str(const struct leef_case *c, const char *what, struct cg_str got,
                       struct bytes want)
{
    if (got.n == want.n && (want.n == 0 || (got.p && memcmp(got.p, want.p, want.n) == 0)))
        return;
    print_error("[%s] %s: got [%.*s] (%zu bytes), want [%.*s] (%zu bytes)\n", c->name, what,
                (int)got.n, got.p ? got.p : "", got.n, (int)want.n, want.p, want.n);
    fail();
}

static void run_case(void **state)
{
    const struct leef_case *c = *state;
    assert_true(c->line.n >= 5 && memcmp(c->line.p, "LEEF:", 5) == 0);
    size_t n = c->line.n - 5;
    char *buf = copy_exact(c->line.p + 5, n);
    struct cg_arena a;
    cg_arena_init(&a);
    struct cg_leef h;
    enum cg_reject r = cg_leef_decode_header(buf, n, &h, &a);
    if (r != c->rej)
        print_error("[%s] reject %s, want %s\n", c->name, cg_reject_name(r),
                    cg_reject_name(c->rej));
    assert_int_equal(r, c->rej);
    if (r != CG_REJ_NONE)
        goto out;

    const struct cg_str *got[5] = {&h.version, &h.vendor, &h.product, &h.product_version,
                                   &h.event_id};
    static const char *const names[5] = {"version", "vendor", "product", "product_version",
                                         "event_id"};
    for (int i = 0; i < 5; i++) {
        expect_str(c, names[i], *got[i], c->hdr[i]);
        assert_true(inside(*got[i], buf, n)); /* LEEF has no escapes: always views */
    }
    assert_int_equal(h.delim, c->delim);
    expect_str(c, "attrs", h.attrs, c->attrs);
    assert_true(inside(h.attrs, buf, n));

    struct cg_fields f;
    cg_fields_init(&f, 0);
    unsigned flags = 0;
    assert_int_equal(cg_leef_decode_attrs(h.attrs, h.delim, &f, &a, &flags), CG_OK);
    size_t want_n = 0;
    while (want_n < MAX_KV && c->kv[want_n].k.p)
        want_n++;
    if (f.n != want_n) {
        print_error("[%s] %zu fields, want %zu:\n", c->name, f.n, want_n);
        for (size_t i = 0; i < f.n; i++)
            print_error("  [%.*s]=[%.*s]\n", (int)f.v[i].key.n, f.v[i].key.p, (int)f.v[i].val.n,
                        f.v[i].val.p);
    }
    assert_int_equal(f.n, want_n);
    for (size_t i = 0; i < f.n; i++) {
        expect_str(c, "key", f.v[i].key, c->kv[i].k);
        expect_str(c, "value", f.v[i].val, c->kv[i].v);
        assert_true(inside(f.v[i].key, buf, n) && inside(f.v[i].val, buf, n));
    }
    assert_int_equal(flags, c->flags);
    assert_int_equal(f.dup_dropped, c->dups);
    cg_fields_fini(&f);
out:
    cg_arena_fini(&a);
    free(buf);
}

/* Every prefix of long lines from exactly-sized buffers: no read past n, and
 * only the documented outcomes. */
static void every_prefix(void **state)
{
    (void)state;
    static const struct bytes lines[] = {
        B("2.0|Trend Micro|Deep Security Agent|<DSA version>|4000030|" DS_AM_ATTRS),
        B(" 2.0|Lancope|StealthWatch|1.0|41|0x5E|src=10.0.1.8^dst=10.0.0.5^^ =x^junk\r\n"),
        B("1.0|V\0|P|1|E|a=\0\t\tb\t=c\td=e|f\r"),
    };
    struct cg_arena a;
    cg_arena_init(&a);
    for (size_t l = 0; l < CG_ARRAY_LEN(lines); l++) {
        for (size_t n = 0; n <= lines[l].n; n++) {
            char *buf = copy_exact(lines[l].p, n);
            struct cg_leef h;
            enum cg_reject r = cg_leef_decode_header(buf, n, &h, &a);
            assert_true(r == CG_REJ_NONE || r == CG_REJ_LEEF_BAD_VERSION ||
                        r == CG_REJ_LEEF_TRUNCATED || r == CG_REJ_LEEF_BAD_DELIM);
            struct cg_fields f;
            cg_fields_init(&f, 8);
            unsigned flags = 0;
            if (r == CG_REJ_NONE) {
                assert_true(inside(h.attrs, buf, n));
                assert_int_equal(cg_leef_decode_attrs(h.attrs, h.delim, &f, &a, &flags), CG_OK);
                for (size_t i = 0; i < f.n; i++)
                    assert_true(f.v[i].key.n > 0 && inside(f.v[i].key, buf, n) &&
                                inside(f.v[i].val, buf, n));
            }
            cg_fields_clear(&f);
            assert_int_equal(cg_leef_decode_attrs(cg_str_make(buf, n), '|', &f, &a, &flags), CG_OK);
            cg_fields_fini(&f);
            free(buf);
        }
    }
    cg_arena_fini(&a);
}

/* 100,000 attributes: bounded list, linear time. */
static void many_attributes(void **state)
{
    (void)state;
    size_t cap = 100000 * 16, n = 0;
    char *p = malloc(cap);
    assert_non_null(p);
    for (unsigned long i = 0; i < 100000; i++)
        n += (size_t)snprintf(p + n, cap - n, "k%lu=v%lu\t", i, i);
    struct cg_arena a;
    cg_arena_init(&a);
    struct cg_fields f;
    cg_fields_init(&f, 0);
    unsigned flags = 0;
    assert_int_equal(cg_leef_decode_attrs(cg_str_make(p, n), '\t', &f, &a, &flags), CG_OK);
    assert_int_equal(f.n, CG_FIELDS_DEFAULT_MAX);
    assert_int_equal(f.limit_dropped, 100000 - CG_FIELDS_DEFAULT_MAX);
    assert_true(cg_str_eqz(f.v[1023].key, "k1023") && cg_str_eqz(f.v[1023].val, "v1023"));
    assert_int_equal(flags, 0);
    cg_fields_fini(&f);
    cg_arena_fini(&a);
    free(p);
}

/* Repeated keys (the first wins), with attributes already in the list (they win
 * too), past the point where the duplicate filter is full: the same list as
 * adding each attribute with cg_fields_add. */
static void duplicates_like_fields_add(void **state)
{
    (void)state;
    size_t cap = 3000 * 24, n = 0;
    char *p = malloc(cap);
    assert_non_null(p);
    for (unsigned long i = 0; i < 3000; i++)
        n += (size_t)snprintf(p + n, cap - n, " k%lu =v%lu\t", (i * 7919) % 400, i);
    struct cg_arena a;
    cg_arena_init(&a);
    struct cg_fields f, ref;
    cg_fields_init(&f, 300);
    cg_fields_init(&ref, 300);
    assert_int_equal(cg_fields_add(&f, CG_STR_LIT("k7"), CG_STR_LIT("early")), CG_OK);
    assert_int_equal(cg_fields_add(&ref, CG_STR_LIT("k7"), CG_STR_LIT("early")), CG_OK);
    unsigned flags = 0;
    assert_int_equal(cg_leef_decode_attrs(cg_str_make(p, n), '\t', &f, &a, &flags), CG_OK);
    for (size_t i = 0; i < n;) {
        const char *tab = memchr(p + i, '\t', n - i), *eq = memchr(p + i, '=', n - i);
        size_t e = (size_t)(tab - p);
        struct cg_str k = cg_str_make(p + i + 1, (size_t)(eq - p) - i - 2); /* " kN " */
        struct cg_str v = cg_str_make(eq + 1, (size_t)(tab - eq) - 1);
        assert_int_equal(cg_fields_add(&ref, k, v), CG_OK);
        i = e + 1;
    }
    assert_int_equal(f.n, ref.n);
    assert_int_equal(f.n, 300);
    assert_int_equal(f.dup_dropped, ref.dup_dropped);
    assert_int_equal(f.limit_dropped, ref.limit_dropped);
    for (size_t i = 0; i < f.n; i++) {
        assert_true(cg_str_eq(f.v[i].key, ref.v[i].key));
        assert_true(cg_str_eq(f.v[i].val, ref.v[i].val));
    }
    assert_true(cg_str_eqz(*cg_fields_getz(&f, "k7"), "early"));
    assert_int_equal(flags, 0);
    cg_fields_fini(&f);
    cg_fields_fini(&ref);
    cg_arena_fini(&a);
    free(p);
}

int main(void)
{
    const struct CMUnitTest extra[] = {
        cmocka_unit_test(every_prefix),
        cmocka_unit_test(many_attributes),
        cmocka_unit_test(duplicates_like_fields_add),
    };
    size_t total = CG_ARRAY_LEN(cases) + CG_ARRAY_LEN(extra);
    struct CMUnitTest *tests = calloc(total, sizeof(*tests));
    if (!tests)
        return 1;
    size_t k = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        tests[k].name = cases[i].name;
        tests[k].test_func = run_case;
        tests[k].initial_state = (void *)&cases[i];
        k++;
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(extra); i++)
        tests[k++] = extra[i];
    int rc = _cmocka_run_group_tests("leef", tests, total, NULL, NULL);
    free(tests);
    return rc;
}
