/* test_syslog.c - syslog header decoder: table of lines -> exact decoded fields,
 * year inference over streams, zones, and hostile input (run it under ASan). */
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "cefguard/arena.h"
#include "cefguard/syslog.h"

#include <stdio.h>
#include <stdlib.h>

/* An expected byte string; p == NULL means "unset". S() keeps embedded NULs. */
struct xs {
    const char *p;
    size_t n;
};
/* clang-format off */
#define S(x) {(x), sizeof(x) - 1}
/* clang-format on */

#define NOW_2025_06_15 1749988800 /* 2025-06-15T12:00:00Z: default "now" of the table */
#define TS CG_TIME_SET
#define TY CG_TIME_YEAR_GUESS
#define TZG CG_TIME_ZONE_GUESS
#define T3164 (TS | TY | TZG) /* an undated 3164 stamp in the configured zone */
#define K_NONE CG_SYSLOG_NONE
#define K_3164 CG_SYSLOG_RFC3164
#define K_5424 CG_SYSLOG_RFC5424

#define A10 "aaaaaaaaaa"
#define A48 A10 A10 A10 A10 "aaaaaaaa"
#define A49 A48 "a"

struct dcase {
    const char *name;
    struct xs in;
    const char *tz; /* opts: NULL = UTC */
    enum cg_year_mode mode;
    int year;
    int64_t now; /* 0 = NOW_2025_06_15 */
    int kind, pri, version;
    const char *time; /* cg_time_format output, NULL = no usable stamp */
    int tflags;
    struct xs host, app, procid, msgid, msg, tagged;
    const char *sd; /* "id name=value;" per param ("id;" for an SD-ID alone), NULL = none */
    bool bom;
};

static const struct dcase cases[] = {
    /* ---- RFC 3164 shapes ---- */
    {"file form (rsyslog traditional)",
     S("Apr 20 03:20:54 kaga CEF: 0|Trend Micro|Deep Security Manager|12.0.383|2205|Update|6|"
       "src=192.168.100.120"),
     .kind = K_3164, .pri = -1, .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("kaga"),
     .app = S("CEF"),
     .msg = S("0|Trend Micro|Deep Security Manager|12.0.383|2205|Update|6|src=192.168.100.120"),
     .tagged = S("CEF: 0|Trend Micro|Deep Security Manager|12.0.383|2205|Update|6|"
                 "src=192.168.100.120")},
    {"wire form", S("<134>Apr 20 03:20:54 kaga CEF:0|Trend Micro|DSM|1|2|n|3|x=y"), .kind = K_3164,
     .pri = 134, .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("kaga"),
     .app = S("CEF"), .msg = S("0|Trend Micro|DSM|1|2|n|3|x=y"),
     .tagged = S("CEF:0|Trend Micro|DSM|1|2|n|3|x=y")},
    {"wire form without host", S("<134>Apr 20 03:20:54 CEF:0|a|b|c|d|e|f|"), .kind = K_3164,
     .pri = 134, .time = "2025-04-20T03:20:54Z", .tflags = T3164, .app = S("CEF"),
     .msg = S("0|a|b|c|d|e|f|"), .tagged = S("CEF:0|a|b|c|d|e|f|")},
    {"LEEF file form", S("Apr 20 03:20:54 kaga LEEF: 2.0|Trend Micro|Deep Security Agent|x"),
     .kind = K_3164, .pri = -1, .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("kaga"),
     .app = S("LEEF"), .msg = S("2.0|Trend Micro|Deep Security Agent|x"),
     .tagged = S("LEEF: 2.0|Trend Micro|Deep Security Agent|x")},
    {"space-padded day", S("<13>Apr  5 01:02:03 host app: hi"), .kind = K_3164, .pri = 13,
     .time = "2025-04-05T01:02:03Z", .tflags = T3164, .host = S("host"), .app = S("app"),
     .msg = S("hi"), .tagged = S("app: hi")},
    {"zero-padded day", S("Apr 05 01:02:03 host app: hi"), .kind = K_3164, .pri = -1,
     .time = "2025-04-05T01:02:03Z", .tflags = T3164, .host = S("host"), .app = S("app"),
     .msg = S("hi"), .tagged = S("app: hi")},
    {"unpadded day", S("Apr 5 01:02:03 host app: hi"), .kind = K_3164, .pri = -1,
     .time = "2025-04-05T01:02:03Z", .tflags = T3164, .host = S("host"), .app = S("app"),
     .msg = S("hi"), .tagged = S("app: hi")},
    {"TAG[PID]", S("<38>Jan 10 10:00:00 web01 sshd[4242]: Accepted password"), .kind = K_3164,
     .pri = 38, .time = "2025-01-10T10:00:00Z", .tflags = T3164, .host = S("web01"),
     .app = S("sshd"), .procid = S("4242"), .msg = S("Accepted password"),
     .tagged = S("sshd[4242]: Accepted password")},
    {"tag ended by space (rsyslog)", S("Apr 20 03:20:54 host just text"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("host"), .app = S("just"),
     .msg = S("text"), .tagged = S("just text")},
    {"Fujitsu ROR message",
     S("Apr 20 03:20:54 mgr FJSVrcx:INFO:21143:quarantine L-Server(submgr:192.168.1.10):started"),
     .kind = K_3164, .pri = -1, .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("mgr"),
     .app = S("FJSVrcx"), .msg = S("INFO:21143:quarantine L-Server(submgr:192.168.1.10):started"),
     .tagged = S("FJSVrcx:INFO:21143:quarantine L-Server(submgr:192.168.1.10):started")},
    {"tag of 48 bytes", S("Apr 20 03:20:54 host " A48 ": x"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("host"), .app = S(A48),
     .msg = S("x"), .tagged = S(A48 ": x")},
    {"tag of 49 bytes is no tag", S("Apr 20 03:20:54 host " A49 ": x"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("host"), .msg = S(A49 ": x"),
     .tagged = S(A49 ": x")},
    {"no hostname (local form)", S("<13>Apr 20 03:20:54 sshd[1]: hi"), .kind = K_3164, .pri = 13,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .app = S("sshd"), .procid = S("1"),
     .msg = S("hi"), .tagged = S("sshd[1]: hi")},
    {"IPv4 host", S("<30>Apr 20 03:20:54 192.168.1.10 named[99]: query"), .kind = K_3164, .pri = 30,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("192.168.1.10"), .app = S("named"),
     .procid = S("99"), .msg = S("query"), .tagged = S("named[99]: query")},
    {"IPv6 host", S("Apr 20 03:20:54 2001:db8::1 app: m"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("2001:db8::1"), .app = S("app"),
     .msg = S("m"), .tagged = S("app: m")},
    {"host ending in '-' is a tag", S("Apr 20 03:20:54 host- a: b"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .app = S("host-"), .msg = S("a: b"),
     .tagged = S("host- a: b")},
    {"stamp only", S("<13>Apr 20 03:20:54"), .kind = K_3164, .pri = 13,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .msg = S(""), .tagged = S("")},
    {"stamp and trailing space", S("Apr 20 03:20:54 "), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .msg = S(""), .tagged = S("")},
    {"stamp and host only", S("Apr 20 03:20:54 kaga"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("kaga"), .msg = S(""),
     .tagged = S("")},
    {"extra spaces", S("Apr 20 03:20:54   kaga  app:  two"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("kaga"), .msg = S(" app:  two"),
     .tagged = S(" app:  two")},
    {"one space after the colon only", S("Apr 20 03:20:54 kaga app:  two"), .kind = K_3164,
     .pri = -1, .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("kaga"), .app = S("app"),
     .msg = S(" two"), .tagged = S("app:  two")},
    {"empty tag", S("Apr 20 03:20:54 h :msg"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .msg = S(":msg"),
     .tagged = S(":msg")},
    {"unclosed [pid", S("Apr 20 03:20:54 h foo[12 bar"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("foo"),
     .msg = S("[12 bar"), .tagged = S("foo[12 bar")},
    {"empty [] pid", S("Apr 20 03:20:54 h foo[]: bar"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("foo"),
     .msg = S("bar"), .tagged = S("foo[]: bar")},
    {"Cisco fraction and colon", S("<189>Apr 20 03:20:54.123: %LINK-3-UPDOWN: Interface up"),
     .kind = K_3164, .pri = 189, .time = "2025-04-20T03:20:54.123Z", .tflags = T3164,
     .app = S("%LINK-3-UPDOWN"), .msg = S("Interface up"),
     .tagged = S("%LINK-3-UPDOWN: Interface up")},
    {"second 60", S("Apr 20 23:59:60 h a: m"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T23:59:59Z", .tflags = T3164, .host = S("h"), .app = S("a"), .msg = S("m"),
     .tagged = S("a: m")},
    {"NUL inside MSG", S("<13>Apr 20 03:20:54 h a: x\0y"), .kind = K_3164, .pri = 13,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("a"),
     .msg = S("x\0y"), .tagged = S("a: x\0y")},
    {"NUL as the tag", S("Apr 20 03:20:54 h \0: m"), .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("\0"), .msg = S("m"),
     .tagged = S("\0: m")},
    /* ---- year in the stamp, RFC 3339 in 3164 position ---- */
    {"Apex Central year form",
     S("<133>Jul 24 2019 12:47:36 apex CEF:0|Trend Micro|Apex Central|2019|AV:File "
       "cleaned|Eicar|3|dhost=pc1"),
     .kind = K_3164, .pri = 133, .time = "2019-07-24T12:47:36Z", .tflags = TS | TZG,
     .host = S("apex"), .app = S("CEF"),
     .msg = S("0|Trend Micro|Apex Central|2019|AV:File cleaned|Eicar|3|dhost=pc1"),
     .tagged = S("CEF:0|Trend Micro|Apex Central|2019|AV:File cleaned|Eicar|3|dhost=pc1")},
    {"RFC 3339 after PRI", S("<13>2024-01-02T03:04:05.123+09:00 host tag: msg"), .kind = K_3164,
     .pri = 13, .time = "2024-01-02T03:04:05.123+09:00", .tflags = TS, .host = S("host"),
     .app = S("tag"), .msg = S("msg"), .tagged = S("tag: msg")},
    {"rsyslog high-precision file form",
     S("2024-01-02T03:04:05.123456+09:00 kaga CEF: 0|Trend Micro|DSM|1|710|Events|3|src=1"),
     .kind = K_3164, .pri = -1, .time = "2024-01-02T03:04:05.123456+09:00", .tflags = TS,
     .host = S("kaga"), .app = S("CEF"), .msg = S("0|Trend Micro|DSM|1|710|Events|3|src=1"),
     .tagged = S("CEF: 0|Trend Micro|DSM|1|710|Events|3|src=1")},
    {"RFC 3339 without zone is no stamp", S("2024-01-02T03:04:05 host a: b"), .kind = K_NONE,
     .pri = -1, .msg = S("2024-01-02T03:04:05 host a: b"),
     .tagged = S("2024-01-02T03:04:05 host a: b")},
    {"RFC 3339 glued to text", S("2024-01-02T03:04:05Zx host"), .kind = K_NONE, .pri = -1,
     .msg = S("2024-01-02T03:04:05Zx host"), .tagged = S("2024-01-02T03:04:05Zx host")},
    /* ---- PRI ---- */
    {"PRI without stamp", S("<134>CEF:0|Trend Micro|x"), .kind = K_3164, .pri = 134,
     .msg = S("CEF:0|Trend Micro|x"), .tagged = S("CEF:0|Trend Micro|x")},
    {"PRI only", S("<13>"), .kind = K_3164, .pri = 13, .msg = S(""), .tagged = S("")},
    {"PRI 0", S("<0>Apr 20 03:20:54 h a: m"), .kind = K_3164, .pri = 0,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("a"), .msg = S("m"),
     .tagged = S("a: m")},
    {"PRI 191", S("<191>x"), .kind = K_3164, .pri = 191, .msg = S("x"), .tagged = S("x")},
    {"PRI 192", S("<192>Apr 20 03:20:54 h a: m"), .kind = K_NONE, .pri = -1,
     .msg = S("<192>Apr 20 03:20:54 h a: m"), .tagged = S("<192>Apr 20 03:20:54 h a: m")},
    {"PRI leading zero", S("<01>x"), .kind = K_NONE, .pri = -1, .msg = S("<01>x"),
     .tagged = S("<01>x")},
    {"PRI 00", S("<00>x"), .kind = K_NONE, .pri = -1, .msg = S("<00>x"), .tagged = S("<00>x")},
    {"PRI with letter", S("<1a>x"), .kind = K_NONE, .pri = -1, .msg = S("<1a>x"),
     .tagged = S("<1a>x")},
    {"PRI empty", S("<>x"), .kind = K_NONE, .pri = -1, .msg = S("<>x"), .tagged = S("<>x")},
    {"PRI 4 digits", S("<1234>x"), .kind = K_NONE, .pri = -1, .msg = S("<1234>x"),
     .tagged = S("<1234>x")},
    {"PRI unclosed", S("<134"), .kind = K_NONE, .pri = -1, .msg = S("<134"), .tagged = S("<134")},
    {"PRI with NUL", S("<1\0>x"), .kind = K_NONE, .pri = -1, .msg = S("<1\0>x"),
     .tagged = S("<1\0>x")},
    /* ---- no header, bad dates ---- */
    {"no header", S("hello world"), .kind = K_NONE, .pri = -1, .msg = S("hello world"),
     .tagged = S("hello world")},
    {"empty line", S(""), .kind = K_NONE, .pri = -1, .msg = S(""), .tagged = S("")},
    {"Feb 30", S("Feb 30 01:02:03 host a: m"), .kind = K_NONE, .pri = -1,
     .msg = S("Feb 30 01:02:03 host a: m"), .tagged = S("Feb 30 01:02:03 host a: m")},
    {"Apr 31 after PRI", S("<13>Apr 31 01:02:03 host a: m"), .kind = K_3164, .pri = 13,
     .msg = S("Apr 31 01:02:03 host a: m"), .tagged = S("Apr 31 01:02:03 host a: m")},
    {"day 0", S("Apr 00 01:02:03 h a: m"), .kind = K_NONE, .pri = -1,
     .msg = S("Apr 00 01:02:03 h a: m"), .tagged = S("Apr 00 01:02:03 h a: m")},
    {"hour 24", S("<13>Apr 20 24:00:00 h a: m"), .kind = K_3164, .pri = 13,
     .msg = S("Apr 20 24:00:00 h a: m"), .tagged = S("Apr 20 24:00:00 h a: m")},
    {"minute 60", S("Apr 20 03:60:00 h"), .kind = K_NONE, .pri = -1, .msg = S("Apr 20 03:60:00 h"),
     .tagged = S("Apr 20 03:60:00 h")},
    {"second 61", S("Apr 20 03:00:61 h"), .kind = K_NONE, .pri = -1, .msg = S("Apr 20 03:00:61 h"),
     .tagged = S("Apr 20 03:00:61 h")},
    {"month in capitals", S("APR 20 03:20:54 h a: m"), .kind = K_NONE, .pri = -1,
     .msg = S("APR 20 03:20:54 h a: m"), .tagged = S("APR 20 03:20:54 h a: m")},
    {"stamp glued to text", S("Apr 20 03:20:54x h"), .kind = K_NONE, .pri = -1,
     .msg = S("Apr 20 03:20:54x h"), .tagged = S("Apr 20 03:20:54x h")},
    {"Feb 29 2023 (year given)", S("Feb 29 2023 01:02:03 h a: m"), .kind = K_NONE, .pri = -1,
     .msg = S("Feb 29 2023 01:02:03 h a: m"), .tagged = S("Feb 29 2023 01:02:03 h a: m")},
    /* ---- year inference ---- */
    {"Feb 29 -> nearest leap year", S("Feb 29 12:00:00 h a: m"), .kind = K_3164, .pri = -1,
     .time = "2024-02-29T12:00:00Z", .tflags = T3164, .host = S("h"), .app = S("a"), .msg = S("m"),
     .tagged = S("a: m")},
    {"Feb 29 without a usable year", S("Feb 29 12:00:00 h a: m"), .now = 1803081600, .kind = K_3164,
     .pri = -1, .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"CLOCK: Dec 31 just after New Year", S("Dec 31 23:59:59 h a: m"), .now = 1735689630,
     .kind = K_3164, .pri = -1, .time = "2024-12-31T23:59:59Z", .tflags = T3164, .host = S("h"),
     .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"CLOCK: Jan 3 seen on Dec 30 (clock behind)", S("Jan  3 00:00:00 h a: m"), .now = 1735560000,
     .kind = K_3164, .pri = -1, .time = "2025-01-03T00:00:00Z", .tflags = T3164, .host = S("h"),
     .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"CLOCK: Jan 3 seen on Dec 20 is old", S("Jan  3 00:00:00 h a: m"), .now = 1734652800,
     .kind = K_3164, .pri = -1, .time = "2024-01-03T00:00:00Z", .tflags = T3164, .host = S("h"),
     .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"CLOCK ignores --year", S("Apr 20 03:20:54 h a: m"), .year = 2019, .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("a"), .msg = S("m"),
     .tagged = S("a: m")},
    {"STREAM --year 2019", S("Apr 20 03:20:54 h a: m"), .mode = CG_YEAR_STREAM, .year = 2019,
     .kind = K_3164, .pri = -1, .time = "2019-04-20T03:20:54Z", .tflags = T3164, .host = S("h"),
     .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"STREAM --year 2019, Feb 29", S("Feb 29 03:20:54 h a: m"), .mode = CG_YEAR_STREAM,
     .year = 2019, .kind = K_3164, .pri = -1, .host = S("h"), .app = S("a"), .msg = S("m"),
     .tagged = S("a: m")},
    /* ---- zones ---- */
    {"zone +09:00", S("Apr 20 03:20:54 h a: m"), .tz = "+09:00", .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54+09:00", .tflags = T3164, .host = S("h"), .app = S("a"),
     .msg = S("m"), .tagged = S("a: m")},
    {"zone -0500", S("Apr 20 03:20:54 h a: m"), .tz = "-0500", .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54-05:00", .tflags = T3164, .host = S("h"), .app = S("a"),
     .msg = S("m"), .tagged = S("a: m")},
    {"zone GMT", S("Apr 20 03:20:54 h a: m"), .tz = "GMT", .kind = K_3164, .pri = -1,
     .time = "2025-04-20T03:20:54Z", .tflags = T3164, .host = S("h"), .app = S("a"), .msg = S("m"),
     .tagged = S("a: m")},
    {"zone Asia/Tokyo", S("Apr 20 03:20:54 kaga CEF: 0|x"), .tz = "Asia/Tokyo", .kind = K_3164,
     .pri = -1, .time = "2025-04-20T03:20:54+09:00", .tflags = T3164, .host = S("kaga"),
     .app = S("CEF"), .msg = S("0|x"), .tagged = S("CEF: 0|x")},
    {"zone America/New_York, winter", S("Jan 15 12:00:00 h a: m"), .tz = "America/New_York",
     .kind = K_3164, .pri = -1, .time = "2025-01-15T12:00:00-05:00", .tflags = T3164,
     .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"zone America/New_York, DST", S("Jul 15 12:00:00 h a: m"), .tz = "America/New_York",
     .kind = K_3164, .pri = -1, .time = "2024-07-15T12:00:00-04:00", .tflags = T3164,
     .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"New York gap: 02:30 uses the offset before", S("Mar 09 2025 02:30:00 h a: m"),
     .tz = "America/New_York", .kind = K_3164, .pri = -1, .time = "2025-03-09T02:30:00-05:00",
     .tflags = TS | TZG, .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"New York overlap: 01:30 is the first one", S("Nov 02 2025 01:30:00 h a: m"),
     .tz = "America/New_York", .kind = K_3164, .pri = -1, .time = "2025-11-02T01:30:00-04:00",
     .tflags = TS | TZG, .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"New York after fall-back", S("Nov 02 2025 02:30:00 h a: m"), .tz = "America/New_York",
     .kind = K_3164, .pri = -1, .time = "2025-11-02T02:30:00-05:00", .tflags = TS | TZG,
     .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    {"zone does not touch an explicit offset", S("<13>2024-01-02T03:04:05Z h a: m"),
     .tz = "Asia/Tokyo", .kind = K_3164, .pri = 13, .time = "2024-01-02T03:04:05Z", .tflags = TS,
     .host = S("h"), .app = S("a"), .msg = S("m"), .tagged = S("a: m")},
    /* ---- RFC 5424 (section 6.5 examples 1-4 first) ---- */
    {"RFC 5424 example 1",
     S("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
       "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8"),
     .kind = K_5424, .pri = 34, .version = 1, .time = "2003-10-11T22:14:15.003Z", .tflags = TS,
     .host = S("mymachine.example.com"), .app = S("su"), .msgid = S("ID47"),
     .msg = S("'su root' failed for lonvick on /dev/pts/8"), .bom = true},
    {"RFC 5424 example 2",
     S("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make "
       "the do-nuts."),
     .kind = K_5424, .pri = 165, .version = 1, .time = "2003-08-24T05:14:15.000003-07:00",
     .tflags = TS, .host = S("192.0.2.1"), .app = S("myproc"), .procid = S("8710"),
     .msg = S("%% It's time to make the do-nuts.")},
    {"RFC 5424 example 3",
     S("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
       "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF"
       "An application event log entry..."),
     .kind = K_5424, .pri = 165, .version = 1, .time = "2003-10-11T22:14:15.003Z", .tflags = TS,
     .host = S("mymachine.example.com"), .app = S("evntslog"), .msgid = S("ID47"),
     .msg = S("An application event log entry..."),
     .sd = "exampleSDID@32473 iut=3;exampleSDID@32473 eventSource=Application;"
           "exampleSDID@32473 eventID=1011;",
     .bom = true},
    {"RFC 5424 example 4",
     S("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
       "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 "
       "class=\"high\"]"),
     .kind = K_5424, .pri = 165, .version = 1, .time = "2003-10-11T22:14:15.003Z", .tflags = TS,
     .host = S("mymachine.example.com"), .app = S("evntslog"), .msgid = S("ID47"), .msg = S(""),
     .sd = "exampleSDID@32473 iut=3;exampleSDID@32473 eventSource=Application;"
           "exampleSDID@32473 eventID=1011;examplePriority@32473 class=high;"},
    {"RFC 5424 all nil", S("<13>1 - - - - - -"), .kind = K_5424, .pri = 13, .version = 1,
     .msg = S("")},
    {"RFC 5424 nil, with MSG", S("<13>1 - - - - - - CEF:0|a|b"), .kind = K_5424, .pri = 13,
     .version = 1, .msg = S("CEF:0|a|b")},
    {"RFC 5424 SD escapes",
     S("<13>1 - h a - - [id@1 a=\"x\\\"y\" b=\"c\\\\d\" c=\"e\\]f\" d=\"g\\nh\" e=\"\"] m"),
     .kind = K_5424, .pri = 13, .version = 1, .host = S("h"), .app = S("a"), .msg = S("m"),
     .sd = "id@1 a=x\"y;id@1 b=c\\d;id@1 c=e]f;id@1 d=g\\nh;id@1 e=;"},
    {"RFC 5424 SD-ID without params", S("<13>1 - h a - - [origin][meta x=\"1\"] m"), .kind = K_5424,
     .pri = 13, .version = 1, .host = S("h"), .app = S("a"), .msg = S("m"),
     .sd = "origin;meta x=1;"},
    {"RFC 5424 ePO",
     S("<29>1 2024-05-01T10:00:00.0Z epo01 EPOEvents - EventFwd [agentInfo@3401 tenantId=\"1\" "
       "bpsId=\"1\" tenantNodePath=\"1\\2\"] \xEF\xBB\xBF<?xml version=\"1.0\"?><EPOEvent/>"),
     .kind = K_5424, .pri = 29, .version = 1, .time = "2024-05-01T10:00:00.0Z", .tflags = TS,
     .host = S("epo01"), .app = S("EPOEvents"), .msgid = S("EventFwd"),
     .msg = S("<?xml version=\"1.0\"?><EPOEvent/>"), .bom = true,
     .sd = "agentInfo@3401 tenantId=1;agentInfo@3401 bpsId=1;"
           "agentInfo@3401 tenantNodePath=1\\2;"},
    {"RFC 5424 9 fraction digits", S("<13>1 2024-01-02T03:04:05.123456789Z h a - - - m"),
     .kind = K_5424, .pri = 13, .version = 1, .time = "2024-01-02T03:04:05.123456Z", .tflags = TS,
     .host = S("h"), .app = S("a"), .msg = S("m")},
    {"RFC 5424 version 12", S("<13>12 - h a p m - x"), .kind = K_5424, .pri = 13, .version = 12,
     .host = S("h"), .app = S("a"), .procid = S("p"), .msgid = S("m"), .msg = S("x")},
    {"RFC 5424 APP of 48", S("<13>1 - h " A48 " - - - x"), .kind = K_5424, .pri = 13, .version = 1,
     .host = S("h"), .app = S(A48), .msg = S("x")},
    {"RFC 5424 malformed SD", S("<13>1 2024-01-02T03:04:05Z h a p m [bad id=noquote] msg"),
     .kind = K_5424, .pri = 13, .version = 1, .time = "2024-01-02T03:04:05Z", .tflags = TS,
     .host = S("h"), .app = S("a"), .procid = S("p"), .msgid = S("m"),
     .msg = S("[bad id=noquote] msg")},
    {"RFC 5424 SD glued to MSG", S("<13>1 - h a p m [x@1 k=\"v\"]trailing"), .kind = K_5424,
     .pri = 13, .version = 1, .host = S("h"), .app = S("a"), .procid = S("p"), .msgid = S("m"),
     .msg = S("[x@1 k=\"v\"]trailing")},
    {"RFC 5424 unterminated SD value", S("<13>1 - h a p m [x@1 k=\"v\\\"]"), .kind = K_5424,
     .pri = 13, .version = 1, .host = S("h"), .app = S("a"), .procid = S("p"), .msgid = S("m"),
     .msg = S("[x@1 k=\"v\\\"]")},
    {"RFC 5424 SD-ID of 33 bytes", S("<13>1 - h a p m [" A10 A10 A10 "abc] x"), .kind = K_5424,
     .pri = 13, .version = 1, .host = S("h"), .app = S("a"), .procid = S("p"), .msgid = S("m"),
     .msg = S("[" A10 A10 A10 "abc] x")},
    {"RFC 5424 nothing after MSGID", S("<13>1 - h a p m "), .kind = K_5424, .pri = 13, .version = 1,
     .host = S("h"), .app = S("a"), .procid = S("p"), .msgid = S("m"), .msg = S("")},
    {"RFC 5424 APP of 49 -> PRI-only", S("<13>1 2024-01-02T03:04:05Z h " A49 " p m - msg"),
     .kind = K_3164, .pri = 13, .msg = S("1 2024-01-02T03:04:05Z h " A49 " p m - msg"),
     .tagged = S("1 2024-01-02T03:04:05Z h " A49 " p m - msg")},
    {"RFC 5424 bad stamp -> PRI-only", S("<13>1 2024-13-02T03:04:05Z h a p m - msg"),
     .kind = K_3164, .pri = 13, .msg = S("1 2024-13-02T03:04:05Z h a p m - msg"),
     .tagged = S("1 2024-13-02T03:04:05Z h a p m - msg")},
    {"RFC 5424 no SD -> PRI-only", S("<13>1 - h a p m"), .kind = K_3164, .pri = 13,
     .msg = S("1 - h a p m"), .tagged = S("1 - h a p m")},
    {"RFC 5424 NUL in HOSTNAME -> PRI-only", S("<13>1 - h\0 a - - - m"), .kind = K_3164, .pri = 13,
     .msg = S("1 - h\0 a - - - m"), .tagged = S("1 - h\0 a - - - m")},
    {"RFC 5424 version 0 -> PRI-only", S("<13>0 - h a - - - m"), .kind = K_3164, .pri = 13,
     .msg = S("0 - h a - - - m"), .tagged = S("0 - h a - - - m")},
};

/* ---- helpers ---- */

static void check_str(const char *cname, const char *field, struct cg_str got, struct xs exp)
{
    if (!exp.p) {
        if (got.p)
            fail_msg("%s: %s: expected unset, got \"%.*s\"", cname, field, (int)got.n, got.p);
        return;
    }
    if (!got.p)
        fail_msg("%s: %s: expected \"%.*s\", got unset", cname, field, (int)exp.n, exp.p);
    if (got.n != exp.n || (exp.n && memcmp(got.p, exp.p, exp.n) != 0))
        fail_msg("%s: %s: expected \"%.*s\" (%zu), got \"%.*s\" (%zu)", cname, field, (int)exp.n,
                 exp.p, exp.n, (int)got.n, got.p, got.n);
}

/* Serialises out->sd as in struct dcase. */
static void sd_string(const struct cg_syslog *out, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < out->nsd && k < cap; i++) {
        const struct cg_sd_param *sp = &out->sd[i];
        if (sp->name.p)
            k += (size_t)snprintf(buf + k, cap - k, "%.*s %.*s=%.*s;", (int)sp->id.n, sp->id.p,
                                  (int)sp->name.n, sp->name.p, (int)sp->value.n, sp->value.p);
        else
            k += (size_t)snprintf(buf + k, cap - k, "%.*s;", (int)sp->id.n, sp->id.p);
    }
}

static void check_time(const char *cname, const struct cg_time *t, const char *exp, int flags)
{
    char buf[64];
    size_t n = cg_time_format(t, buf, sizeof(buf));
    if (!exp) {
        if (t->flags != 0)
            fail_msg("%s: time: expected none, got \"%s\" flags %d", cname, n ? buf : "", t->flags);
        return;
    }
    if (n == 0 || strcmp(buf, exp) != 0)
        fail_msg("%s: time: expected \"%s\", got \"%s\"", cname, exp, n ? buf : "(none)");
    if (t->flags != flags)
        fail_msg("%s: time flags: expected %d, got %d", cname, flags, t->flags);
}

static void init_ctx(struct cg_syslog_ctx *c, const char *tz, enum cg_year_mode mode, int year,
                     int64_t now)
{
    struct cg_syslog_opts o = {tz, mode, year, now ? now : NOW_2025_06_15, 0, 0};
    assert_int_equal(cg_syslog_ctx_init(c, &o), CG_OK);
}

static void check_case(const struct dcase *tc, const struct cg_syslog *out)
{
    const char *cn = tc->name;
    if ((int)out->kind != tc->kind)
        fail_msg("%s: kind: expected %d, got %d", cn, tc->kind, out->kind);
    if (out->pri != tc->pri || out->facility != (tc->pri < 0 ? -1 : tc->pri / 8) ||
        out->severity != (tc->pri < 0 ? -1 : tc->pri % 8))
        fail_msg("%s: pri: expected %d, got %d/%d/%d", cn, tc->pri, out->pri, out->facility,
                 out->severity);
    if (out->version != tc->version)
        fail_msg("%s: version: expected %d, got %d", cn, tc->version, out->version);
    check_time(cn, &out->time, tc->time, tc->tflags);
    check_str(cn, "host", out->host, tc->host);
    check_str(cn, "app", out->app, tc->app);
    check_str(cn, "procid", out->procid, tc->procid);
    check_str(cn, "msgid", out->msgid, tc->msgid);
    check_str(cn, "msg", out->msg, tc->msg);
    check_str(cn, "tagged_msg", out->tagged_msg, tc->tagged);
    char sd[1024];
    sd_string(out, sd, sizeof(sd));
    if (strcmp(sd, tc->sd ? tc->sd : "") != 0 || (!tc->sd && out->sd))
        fail_msg("%s: sd: expected \"%s\", got \"%s\"", cn, tc->sd ? tc->sd : "", sd);
    if (out->bom != tc->bom)
        fail_msg("%s: bom: expected %d", cn, tc->bom);
}

static void test_table(void **state)
{
    (void)state;
    struct cg_arena a;
    cg_arena_init(&a);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        const struct dcase *tc = &cases[i];
        struct cg_syslog_ctx c;
        struct cg_syslog out;
        init_ctx(&c, tc->tz, tc->mode, tc->year, tc->now);
        /* An exact-size heap copy, so ASan sees any read past n. */
        char *line = malloc(tc->in.n ? tc->in.n : 1);
        assert_non_null(line);
        memcpy(line, tc->in.p, tc->in.n);
        cg_syslog_decode(&c, line, tc->in.n, &out, &a);
        check_case(tc, &out);
        free(line);
        cg_arena_reset(&a);
    }
    cg_arena_fini(&a);
    printf("syslog decode table: %zu cases\n", CG_ARRAY_LEN(cases));
}

/* ---- streams: year inference across lines ---- */

struct scase {
    const char *name;
    enum cg_year_mode mode;
    int year;
    int64_t now;
    const char *lines[4];
    const char *times[4]; /* expected cg_time_format, "" = no stamp */
};

static const struct scase streams[] = {
    {"STREAM: roll forward at New Year, late line stays",
     CG_YEAR_STREAM,
     0,
     0,
     {"Dec 31 23:59:59 h a: m", "Jan  1 00:00:01 h a: m", "Dec 31 23:59:58 h a: late",
      "Jan  1 00:00:05 h a: m"},
     {"2024-12-31T23:59:59Z", "2025-01-01T00:00:01Z", "2024-12-31T23:59:58Z",
      "2025-01-01T00:00:05Z"}},
    {"STREAM --year 2019 rolls to 2020",
     CG_YEAR_STREAM,
     2019,
     0,
     {"Dec 31 23:59:59 h a: m", "Jan  1 00:00:01 h a: m", "Mar  1 00:00:00 h a: m"},
     {"2019-12-31T23:59:59Z", "2020-01-01T00:00:01Z", "2020-03-01T00:00:00Z"}},
    {"STREAM --year used once",
     CG_YEAR_STREAM,
     2019,
     0,
     {"Jun  1 00:00:00 h a: m", "Jun  2 00:00:00 h a: m", "Jun  1 12:00:00 h a: m"},
     {"2019-06-01T00:00:00Z", "2019-06-02T00:00:00Z", "2019-06-01T12:00:00Z"}},
    {"STREAM: RFC 5424 stamp is the reference",
     CG_YEAR_STREAM,
     0,
     0,
     {"<13>1 2020-12-31T23:00:00Z h a - - - m", "Jan  1 00:00:01 h a: m",
      "<13>2016-07-01T00:00:00+09:00 h a: m", "Jun 30 23:00:00 h a: m"},
     {"2020-12-31T23:00:00Z", "2021-01-01T00:00:01Z", "2016-07-01T00:00:00+09:00",
      "2016-06-30T23:00:00Z"}},
    {"STREAM: Apex year form is the reference",
     CG_YEAR_STREAM,
     0,
     0,
     {"<133>Jul 24 2019 12:47:36 apex CEF:0|x", "Jul 25 00:00:00 h a: m", "Feb 29 00:00:00 h a: m"},
     {"2019-07-24T12:47:36Z", "2019-07-25T00:00:00Z", "2020-02-29T00:00:00Z"}},
    {"STREAM: a bad line does not move the reference",
     CG_YEAR_STREAM,
     2019,
     0,
     {"Dec 31 23:59:59 h a: m", "<13>garbage", "Jan  1 00:00:01 h a: m"},
     {"2019-12-31T23:59:59Z", "", "2020-01-01T00:00:01Z"}},
    {"STREAM: Feb 29 with no leap year next to the reference",
     CG_YEAR_STREAM,
     0,
     0,
     {"<13>1 2022-06-01T00:00:00Z h a - - - m", "Feb 29 00:00:00 h a: m", "Mar  1 00:00:00 h a: m"},
     {"2022-06-01T00:00:00Z", "", "2022-03-01T00:00:00Z"}},
    {"CLOCK: references are ignored",
     CG_YEAR_CLOCK,
     0,
     0,
     {"<13>1 2010-12-31T23:00:00Z h a - - - m", "Jan  1 00:00:01 h a: m"},
     {"2010-12-31T23:00:00Z", "2025-01-01T00:00:01Z"}},
};

static void test_streams(void **state)
{
    (void)state;
    struct cg_arena a;
    cg_arena_init(&a);
    for (size_t i = 0; i < CG_ARRAY_LEN(streams); i++) {
        const struct scase *sc = &streams[i];
        struct cg_syslog_ctx c;
        init_ctx(&c, NULL, sc->mode, sc->year, sc->now);
        for (size_t k = 0; k < 4 && sc->lines[k]; k++) {
            struct cg_syslog out;
            char buf[64] = "";
            cg_syslog_decode(&c, sc->lines[k], strlen(sc->lines[k]), &out, &a);
            cg_time_format(&out.time, buf, sizeof(buf));
            if (strcmp(buf, sc->times[k]) != 0)
                fail_msg("%s: line %zu: expected \"%s\", got \"%s\"", sc->name, k, sc->times[k],
                         buf);
        }
        cg_arena_reset(&a);
    }
    cg_arena_fini(&a);
}

static void test_note_time(void **state)
{
    (void)state;
    struct cg_syslog_ctx c;
    struct cg_syslog out;
    char buf[64];
    init_ctx(&c, "+09:00", CG_YEAR_STREAM, 0, 0);
    struct cg_time t = {1275350400, 0, 0, 0, CG_TIME_SET}; /* 2010-06-01T00:00:00Z */
    cg_syslog_ctx_note_time(&c, &t);
    struct cg_time unset = {0};
    cg_syslog_ctx_note_time(&c, &unset); /* ignored: not a usable stamp */
    cg_syslog_decode(&c, "Jun  2 10:00:00 h a: m", 22, &out, NULL);
    assert_int_not_equal(cg_time_format(&out.time, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "2010-06-02T10:00:00+09:00");
    assert_int_equal(out.time.flags, T3164);
    assert_int_equal(out.time.sec, 1275350400 + 86400 + 3600);
    /* Out of the 0000..9999 range: ignored, the reference stays. */
    struct cg_time far = {INT64_MAX / 2, 0, 0, 0, CG_TIME_SET};
    cg_syslog_ctx_note_time(&c, &far);
    cg_syslog_decode(&c, "Jun  3 10:00:00 h a: m", 22, &out, NULL);
    cg_time_format(&out.time, buf, sizeof(buf));
    assert_string_equal(buf, "2010-06-03T10:00:00+09:00");
}

/* ---- context options ---- */

static void test_ctx_init(void **state)
{
    (void)state;
    static const char *good[] = {"UTC",    "utc",    "Z",   "GMT",        "+09:00",
                                 "+0900",  "-05:00", "+09", "Asia/Tokyo", "America/New_York",
                                 "Etc/UTC"};
    static const char *bad[] = {
        "",       "Mars/Olympus", "../etc/passwd", "/etc/localtime", "Asia/../Asia/Tokyo",
        "+25:00", "+9",           "+09:60",        "+09:0",          "zone.tab",
        "Asia",   "Asia/Tokyo\n", "Asia/Tokyo "};
    struct cg_syslog_ctx c;
    for (size_t i = 0; i < CG_ARRAY_LEN(good); i++) {
        struct cg_syslog_opts o = {.timezone = good[i]};
        if (cg_syslog_ctx_init(&c, &o) != CG_OK)
            fail_msg("zone \"%s\" rejected", good[i]);
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        struct cg_syslog_opts o = {.timezone = bad[i]};
        if (cg_syslog_ctx_init(&c, &o) != CG_EINVAL)
            fail_msg("zone \"%s\" accepted", bad[i]);
    }
    assert_int_equal(cg_syslog_ctx_init(&c, NULL), CG_OK);
    struct cg_syslog_opts o = {.year_mode = CG_YEAR_STREAM, .year = -1};
    assert_int_equal(cg_syslog_ctx_init(&c, &o), CG_EINVAL);
    struct cg_syslog_opts o2 = {.year = 10000, .year_mode = CG_YEAR_STREAM};
    assert_int_equal(cg_syslog_ctx_init(&c, &o2), CG_EINVAL);
    struct cg_syslog_opts o3 = {.now = INT64_MAX};
    assert_int_equal(cg_syslog_ctx_init(&c, &o3), CG_EINVAL);
}

/* Two contexts in different zones interleaved: each must get its own offsets even
 * though TZ is process-wide. */
static void test_two_zones(void **state)
{
    (void)state;
    struct cg_syslog_ctx tokyo, ny;
    struct cg_syslog out;
    char buf[64];
    init_ctx(&tokyo, "Asia/Tokyo", CG_YEAR_CLOCK, 0, 0);
    init_ctx(&ny, "America/New_York", CG_YEAR_CLOCK, 0, 0);
    for (int round = 0; round < 3; round++) {
        const char *l1 = round == 2 ? "Jan  1 05:00:00 h a: m" : "Jan  1 04:00:00 h a: m";
        cg_syslog_decode(&tokyo, l1, strlen(l1), &out, NULL);
        cg_time_format(&out.time, buf, sizeof(buf));
        assert_string_equal(buf + 19, "+09:00");
        cg_syslog_decode(&ny, l1, strlen(l1), &out, NULL);
        cg_time_format(&out.time, buf, sizeof(buf));
        assert_string_equal(buf + 19, "-05:00");
    }
}

/* ---- stamp caches ---- */

/* Consecutive lines share their date and minute, so the context keeps the last
 * "Mmm dd hh:mm", the last RFC 3339 "YYYY-MM-DDThh:mm" and the year the last
 * undated date resolved to. The same lines through a context whose caches are
 * emptied before every line (the uncached paths) must give identical results. */
static void clear_caches(struct cg_syslog_ctx *c)
{
    c->yc_mon = 0;
    c->mc_mon = 0;
    c->tcache.valid = false;
}

static void same_str(const char *what, size_t line, struct cg_str a, struct cg_str b)
{
    if (a.p != b.p || a.n != b.n)
        fail_msg("line %zu: %s differs with and without the caches", line, what);
}

static void same_decode(size_t line, const struct cg_syslog *a, const struct cg_syslog *b)
{
    if (a->kind != b->kind || a->pri != b->pri || a->version != b->version || a->bom != b->bom ||
        a->nsd != b->nsd)
        fail_msg("line %zu: header differs with and without the caches", line);
    if (a->time.sec != b->time.sec || a->time.usec != b->time.usec ||
        a->time.off_min != b->time.off_min || a->time.frac_digits != b->time.frac_digits ||
        a->time.flags != b->time.flags)
        fail_msg("line %zu: time differs with and without the caches: %lld/%d vs %lld/%d", line,
                 (long long)a->time.sec, a->time.flags, (long long)b->time.sec, b->time.flags);
    same_str("host", line, a->host, b->host);
    same_str("app", line, a->app, b->app);
    same_str("procid", line, a->procid, b->procid);
    same_str("msgid", line, a->msgid, b->msgid);
    same_str("msg", line, a->msg, b->msg);
    same_str("tagged_msg", line, a->tagged_msg, b->tagged_msg);
}

struct ccase {
    const char *name;
    const char *tz;
    enum cg_year_mode mode;
    int year;
    int64_t now; /* 0 = NOW_2025_06_15 */
    const char *lines[10];
    const char *times[10]; /* expected cg_time_format, "" = no stamp */
};

static const struct ccase ccases[] = {
    {"STREAM: same minute, then a new date at New Year",
     NULL,
     CG_YEAR_STREAM,
     0,
     0,
     {"Dec 31 23:59:58 h a: m", "Dec 31 23:59:59 h a: m", "Jan  1 00:00:00 h a: m",
      "Jan  1 00:00:01 h a: m", "Dec 31 23:59:59 h a: late", "Jan  1 00:00:02 h a: m",
      "<13>Jan 01 00:00:03 h a: m", "Jan  1 00:00:04.5: h a: m"},
     {"2024-12-31T23:59:58Z", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z",
      "2025-01-01T00:00:01Z", "2024-12-31T23:59:59Z", "2025-01-01T00:00:02Z",
      "2025-01-01T00:00:03Z", "2025-01-01T00:00:04.5Z"}},
    {"STREAM: the year of a date is not reused far from the reference",
     NULL,
     CG_YEAR_STREAM,
     0,
     0,
     {"Apr 20 03:20:54 h a: m", "<13>1 2019-04-20T03:20:00Z h a - - - m", "Apr 20 03:20:55 h a: m",
      "Apr 20 03:20:56 h a: m", "Apr 20 2030 03:20:57 h a: m", "Apr 20 03:20:58 h a: m"},
     {"2025-04-20T03:20:54Z", "2019-04-20T03:20:00Z", "2019-04-20T03:20:55Z",
      "2019-04-20T03:20:56Z", "2030-04-20T03:20:57Z", "2030-04-20T03:20:58Z"}},
    {"STREAM: half a year from the reference",
     NULL,
     CG_YEAR_STREAM,
     0,
     0,
     {"Jan  1 00:00:00 h a: m", "Jul  1 00:00:00 h a: m", "Jan  1 00:00:00 h a: m",
      "Jul  2 00:00:00 h a: m", "Jan  1 00:00:01 h a: m", "Jan  1 00:00:01 h a: m"},
     {"2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z", "2025-01-01T00:00:00Z",
      "2025-07-02T00:00:00Z", "2025-01-01T00:00:01Z", "2025-01-01T00:00:01Z"}},
    {"STREAM: a cached year that is no longer the nearest",
     NULL,
     CG_YEAR_STREAM,
     0,
     0,
     {"Jan  1 00:00:00 h a: m", "<13>1 2025-07-03T00:00:00Z h a - - - m", "Jan  1 00:00:00 h a: m",
      "Jan  1 00:00:01 h a: m", "<13>1 2025-06-30T00:00:00Z h a - - - m", "Jan  1 00:00:02 h a: m"},
     {"2025-01-01T00:00:00Z", "2025-07-03T00:00:00Z", "2026-01-01T00:00:00Z",
      "2026-01-01T00:00:01Z", "2025-06-30T00:00:00Z", "2025-01-01T00:00:02Z"}},
    {"STREAM: Feb 29 is never cached",
     NULL,
     CG_YEAR_STREAM,
     2024,
     0,
     {"Feb 29 12:00:00 h a: m", "Feb 29 12:00:01 h a: m", "Mar  1 00:00:00 h a: m",
      "<13>1 2025-03-01T00:00:00Z h a - - - m", "Feb 29 12:00:02 h a: m", "Feb 28 12:00:02 h a: m"},
     {"2024-02-29T12:00:00Z", "2024-02-29T12:00:01Z", "2024-03-01T00:00:00Z",
      "2025-03-01T00:00:00Z", "2024-02-29T12:00:02Z", "2024-02-28T12:00:02Z"}},
    {"CLOCK: the cached year ends at now + 7 days",
     NULL,
     CG_YEAR_CLOCK,
     0,
     1766880000, /* 2025-12-28T00:00:00Z */
     {"Jan  3 00:00:00 h a: m", "Jan  3 12:00:00 h a: m", "Jan  4 00:00:01 h a: m",
      "Jan  4 00:00:00 h a: m", "Jan  4 00:00:01 h a: m", "Dec 27 00:00:00 h a: m"},
     {"2026-01-03T00:00:00Z", "2026-01-03T12:00:00Z", "2025-01-04T00:00:01Z",
      "2026-01-04T00:00:00Z", "2025-01-04T00:00:01Z", "2025-12-27T00:00:00Z"}},
    {"STREAM: spring forward in New York (gap: the offset before)",
     "America/New_York",
     CG_YEAR_STREAM,
     2025,
     0,
     {"Mar  9 01:59:59 h a: m", "Mar  9 02:30:00 h a: gap", "Mar  9 02:30:01 h a: gap",
      "Mar  9 03:00:00 h a: m", "Mar  9 03:00:01 h a: m", "Mar  9 01:59:58 h a: late"},
     {"2025-03-09T01:59:59-05:00", "2025-03-09T02:30:00-05:00", "2025-03-09T02:30:01-05:00",
      "2025-03-09T03:00:00-04:00", "2025-03-09T03:00:01-04:00", "2025-03-09T01:59:58-05:00"}},
    {"STREAM: fall back in New York (twice: the earlier)",
     "America/New_York",
     CG_YEAR_STREAM,
     2025,
     0,
     {"Nov  2 00:59:59 h a: m", "Nov  2 01:30:00 h a: twice", "Nov  2 01:30:01 h a: twice",
      "Nov  2 02:00:00 h a: m", "Nov  2 01:59:59 h a: m", "Nov  3 01:30:00 h a: m"},
     {"2025-11-02T00:59:59-04:00", "2025-11-02T01:30:00-04:00", "2025-11-02T01:30:01-04:00",
      "2025-11-02T02:00:00-05:00", "2025-11-02T01:59:59-04:00", "2025-11-03T01:30:00-05:00"}},
    {"RFC 3339 minute cache: the rest is still checked",
     "+09:00",
     CG_YEAR_STREAM,
     0,
     0,
     {"2025-04-20T03:20:54Z h a: m", "2025-04-20T03:20:55.5+09:00 h a: m",
      "2025-04-20T03:20:61Z h a: m", "2025-04-20T03:20:59 h a: m",
      "<13>1 2025-04-20T03:20:60.123456789Z h a - - - m", "2025-04-20t03:20:00z h a: m",
      "2025-02-29T00:00:00Z h a: m", "2024-02-29T00:00:00-0130 h a: m",
      "2024-02-29T00:00:01+23:59 h a: m", "Apr 20 03:21:00 h a: m"},
     {"2025-04-20T03:20:54Z", "2025-04-20T03:20:55.5+09:00", "", "", "2025-04-20T03:20:59.123456Z",
      "2025-04-20T03:20:00Z", "", "2024-02-29T00:00:00-01:30", "2024-02-29T00:00:01+23:59",
      "2024-04-20T03:21:00+09:00"}},
};

static void test_stamp_caches(void **state)
{
    (void)state;
    for (size_t i = 0; i < CG_ARRAY_LEN(ccases); i++) {
        const struct ccase *cc = &ccases[i];
        struct cg_syslog_ctx c, oracle;
        init_ctx(&c, cc->tz, cc->mode, cc->year, cc->now);
        init_ctx(&oracle, cc->tz, cc->mode, cc->year, cc->now);
        for (size_t k = 0; k < CG_ARRAY_LEN(cc->lines) && cc->lines[k]; k++) {
            size_t n = strlen(cc->lines[k]);
            char *line = malloc(n);
            assert_non_null(line);
            memcpy(line, cc->lines[k], n);
            struct cg_syslog out, want;
            char buf[64] = "";
            cg_syslog_decode(&c, line, n, &out, NULL);
            clear_caches(&oracle);
            cg_syslog_decode(&oracle, line, n, &want, NULL);
            cg_time_format(&out.time, buf, sizeof(buf));
            if (strcmp(buf, cc->times[k]) != 0)
                fail_msg("%s: line %zu: expected \"%s\", got \"%s\"", cc->name, k, cc->times[k],
                         buf);
            same_decode(k, &out, &want);
            free(line);
        }
    }
}

/* A long deterministic stream (steps of seconds to months, back and forth, over
 * several years, every stamp form) in several zones and both year modes. */
static void test_stamp_caches_random(void **state)
{
    (void)state;
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int64_t steps[] = {
        0,  1,     59,     61,          3600,         86399,       86400,       86401,
        -1, -3600, -86400, 150 * 86400, -151 * 86400, 183 * 86400, 366 * 86400, -200 * 86400};
    static const char *const zones[] = {NULL, "+09:00", "America/New_York", "Europe/London"};
    for (size_t z = 0; z < CG_ARRAY_LEN(zones) * 2; z++) {
        struct cg_syslog_ctx c, oracle;
        enum cg_year_mode mode = z % 2 ? CG_YEAR_CLOCK : CG_YEAR_STREAM;
        init_ctx(&c, zones[z / 2], mode, 0, 0);
        init_ctx(&oracle, zones[z / 2], mode, 0, 0);
        int64_t t = 1735600000; /* 2024-12-30 */
        uint64_t x = 0x2545F4914F6CDD1Du + z;
        for (size_t k = 0; k < 4000; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t += steps[x % CG_ARRAY_LEN(steps)];
            int64_t y;
            unsigned m, d;
            cg_time_civil_from_days(t / 86400, &y, &m, &d);
            int sod = (int)(t % 86400), sec = (x >> 8) % 50 == 0 ? 60 : sod % 60;
            char line[128];
            switch ((x >> 16) % 5) {
            case 0:
            case 1:
                snprintf(line, sizeof(line), "%s%s %2u %02d:%02d:%02d h a: m",
                         (x >> 24) % 2 ? "<13>" : "", mon[m - 1], d, sod / 3600, sod / 60 % 60,
                         sec);
                break;
            case 2:
                snprintf(line, sizeof(line), "%s 29 %02d:%02d:%02d h a: leap?", mon[1], sod / 3600,
                         sod / 60 % 60, sec);
                break;
            case 3:
                snprintf(line, sizeof(line), "%04lld-%02u-%02uT%02d:%02d:%02d%s h a: m",
                         (long long)y, m, d, sod / 3600, sod / 60 % 60, sec,
                         (x >> 24) % 2 ? ".25+05:30" : "Z");
                break;
            default:
                snprintf(line, sizeof(line), "<13>1 %04lld-%02u-%02uT%02d:%02d:%02dZ h a - - - m",
                         (long long)y, m, d, sod / 3600, sod / 60 % 60, sec);
                break;
            }
            struct cg_syslog out, want;
            cg_syslog_decode(&c, line, strlen(line), &out, NULL);
            clear_caches(&oracle);
            cg_syslog_decode(&oracle, line, strlen(line), &want, NULL);
            same_decode(k, &out, &want);
        }
    }
}

/* cg_time_format writes the fraction digit by digit: the same text as printf's
 * "%06d" cut to frac_digits, for every digit count and values at the edges (and a
 * hand-made struct out of range, which keeps the printf path). */
static void test_time_format_fraction(void **state)
{
    (void)state;
    static const int32_t usecs[] = {0,    1,       9,        10,        99,       100,    999,
                                    1000, 12345,   99999,    100000,    123456,   500000, 999999,
                                    -1,   1000000, 12345678, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < CG_ARRAY_LEN(usecs); i++) {
        for (uint8_t fd = 0; fd <= 9; fd++) {
            struct cg_time t = {1745119254, usecs[i], -330, fd, CG_TIME_SET};
            char got[64], frac[16], want[64];
            size_t n = cg_time_format(&t, got, sizeof(got));
            snprintf(frac, sizeof(frac), "%06d", (int)usecs[i]);
            frac[fd > 6 ? 6 : fd] = '\0';
            snprintf(want, sizeof(want), "2025-04-19T21:50:54%s%s-05:30", fd ? "." : "", frac);
            if (n != strlen(want) || strcmp(got, want) != 0)
                fail_msg("usec %d digits %u: got \"%s\", want \"%s\"", (int)usecs[i], fd, got,
                         want);
        }
    }
}

/* ---- hostile input ---- */

static bool within(struct cg_str s, const char *p, size_t n)
{
    return !s.p || (s.p >= p && s.p + s.n <= p + n);
}

static void check_invariants(const struct cg_syslog *o, const char *p, size_t n)
{
    assert_true(o->kind == K_NONE || o->kind == K_3164 || o->kind == K_5424);
    assert_true(o->pri >= -1 && o->pri <= 191);
    assert_true(within(o->host, p, n) && within(o->app, p, n) && within(o->procid, p, n));
    assert_true(within(o->msgid, p, n) && within(o->msg, p, n) && within(o->tagged_msg, p, n));
    assert_true(o->msg.p != NULL || n == 0);
    assert_true(o->host.n <= 255 && o->app.n <= 48 && o->procid.n <= 128 && o->msgid.n <= 32);
    assert_true(o->nsd <= 256);
    for (size_t i = 0; i < o->nsd; i++)
        assert_true(within(o->sd[i].id, p, n) && within(o->sd[i].name, p, n));
    if (o->time.flags) {
        char buf[64];
        assert_int_not_equal(cg_time_format(&o->time, buf, sizeof(buf)), 0);
    }
}

static void decode_copy(struct cg_syslog_ctx *c, const char *src, size_t n, struct cg_arena *a)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, src, n);
    struct cg_syslog out;
    cg_syslog_decode(c, p, n, &out, a);
    check_invariants(&out, p, n);
    free(p);
    cg_arena_reset(a);
}

static const char *const seeds[] = {
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
    "iut=\"3\" eventSource=\"App\\\"lication\" eventID=\"1011\"][examplePriority@32473 "
    "class=\"high\"] \xEF\xBB\xBF"
    "An application event log entry",
    "<134>Apr 20 03:20:54 kaga CEF:0|Trend Micro|Deep Security Manager|12.0|2205|Update|6|src=1",
    "<133>Jul 24 2019 12:47:36 apex sshd[4242]: Accepted password for root",
    "<13>2024-01-02T03:04:05.123456789+09:00 2001:db8::1 FJSVrcx:INFO:21143:quarantine x",
    "<189>Apr  5 03:20:54.123: %LINK-3-UPDOWN: Interface up",
    "<13>1 - h a p m [x@1 k=\"v\\]w\"][y] \xEF\xBB",
};

static void test_every_prefix(void **state)
{
    (void)state;
    struct cg_arena a;
    struct cg_syslog_ctx c;
    cg_arena_init(&a);
    init_ctx(&c, "America/New_York", CG_YEAR_STREAM, 0, 0);
    for (size_t s = 0; s < CG_ARRAY_LEN(seeds); s++) {
        size_t n = strlen(seeds[s]);
        for (size_t k = 0; k <= n; k++)
            decode_copy(&c, seeds[s], k, &a); /* prefixes */
        for (size_t k = 0; k < n; k++) {
            char *m = malloc(n);
            assert_non_null(m);
            memcpy(m, seeds[s], n);
            m[k] = '\0'; /* a NUL at every position */
            decode_copy(&c, m, n, &a);
            free(m);
        }
    }
    cg_arena_fini(&a);
}

/* Deterministic random mutations of the seeds (a poor man's fuzzer for ASan runs). */
static void test_mutations(void **state)
{
    (void)state;
    struct cg_arena a;
    struct cg_syslog_ctx c;
    cg_arena_init(&a);
    init_ctx(&c, NULL, CG_YEAR_STREAM, 0, 0);
    uint64_t x = 0x9E3779B97F4A7C15u;
    static const char pool[] = "<>[]\"\\= :-0123456789TZ.+|\xEF\xBB\xBF\0aJF";
    char buf[256];
    for (int iter = 0; iter < 20000; iter++) {
        const char *seed = seeds[iter % CG_ARRAY_LEN(seeds)];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int m = 0; m < 4; m++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[x % n] = pool[(x >> 20) % (sizeof(pool) - 1)];
        }
        decode_copy(&c, buf, (size_t)((x >> 40) % (n + 1)), &a);
    }
    cg_arena_fini(&a);
}

static char *build(const char *head, char fill, size_t count, const char *tail, size_t *len)
{
    size_t h = strlen(head), t = strlen(tail);
    char *p = malloc(h + count + t);
    assert_non_null(p);
    memcpy(p, head, h);
    memset(p + h, fill, count);
    memcpy(p + h + count, tail, t);
    *len = h + count + t;
    return p;
}

static void test_huge_lines(void **state)
{
    (void)state;
    struct cg_arena a;
    struct cg_syslog_ctx c;
    struct cg_syslog out;
    size_t n, mib = 1u << 20;
    cg_arena_init(&a);
    init_ctx(&c, NULL, CG_YEAR_CLOCK, 0, 0);

    char *p = build("<13>Apr 20 03:20:54 host app: ", 'x', mib, "", &n);
    cg_syslog_decode(&c, p, n, &out, &a);
    assert_int_equal(out.kind, K_3164);
    assert_int_equal(out.msg.n, mib);
    free(p);

    static const char *heads[] = {"<13>Apr 20 03:20:54 ",    "<13>1 - ", "<13>1 - h a p m [",
                                  "<13>1 - h a p m [x k=\"", "<",        ""};
    for (size_t i = 0; i < CG_ARRAY_LEN(heads); i++) {
        for (int f = 0; f < 3; f++) {
            p = build(heads[i], "a:["[f], mib, "", &n);
            cg_syslog_decode(&c, p, n, &out, &a);
            check_invariants(&out, p, n);
            free(p);
            cg_arena_reset(&a);
        }
    }
    cg_arena_fini(&a);
}

/* 100,000 SD params or elements: at most 256 recorded, the rest counted (they were
 * dropped uncounted), the line still decodes. */
static void test_many_sd_params(void **state)
{
    (void)state;
    struct cg_arena a;
    struct cg_syslog_ctx c;
    struct cg_syslog out;
    cg_arena_init(&a);
    init_ctx(&c, NULL, CG_YEAR_CLOCK, 0, 0);
    static const char *units[] = {" p=\"v\"", " p=\"v\\\\\"", "][a"};
    for (size_t u = 0; u < CG_ARRAY_LEN(units); u++) {
        size_t ul = strlen(units[u]), n = 0;
        char *p = malloc(32 + 100000 * ul);
        assert_non_null(p);
        n += (size_t)sprintf(p, "<13>1 - h a - - [a");
        for (int i = 0; i < 100000; i++, n += ul)
            memcpy(p + n, units[u], ul);
        memcpy(p + n, "] end", 5);
        n += 5;
        cg_syslog_decode(&c, p, n, &out, &a);
        assert_int_equal(out.kind, K_5424);
        assert_int_equal(out.nsd, 256);
        assert_int_equal(out.nsd_dropped, u == 2 ? 100001 - 256 : 100000 - 256);
        check_str(units[u], "msg", out.msg, (struct xs)S("end"));
        if (u == 1) /* unescaped copies live in the arena */
            assert_true(out.sd[255].value.n == 2 && out.sd[255].value.p[1] == '\\');
        free(p);
        cg_arena_reset(&a);
    }
    /* 257 params: one dropped; a malformed SD keeps no params and drops none (it is msg) */
    char line[257 * 8 + 64];
    size_t n = (size_t)sprintf(line, "<13>1 - h a - - [x@1");
    for (int i = 0; i < 257; i++)
        n += (size_t)sprintf(line + n, " k=\"%d\"", i % 10);
    n += (size_t)sprintf(line + n, "] m");
    cg_syslog_decode(&c, line, n, &out, &a);
    assert_int_equal(out.nsd, 256);
    assert_int_equal(out.nsd_dropped, 1);
    line[n - 3] = 'x'; /* the closing ']' */
    cg_syslog_decode(&c, line, n, &out, &a);
    assert_int_equal(out.nsd, 0);
    assert_int_equal(out.nsd_dropped, 0);
    cg_arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_note_time),
        cmocka_unit_test(test_ctx_init),
        cmocka_unit_test(test_two_zones),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_huge_lines),
        cmocka_unit_test(test_many_sd_params),
        cmocka_unit_test(test_stamp_caches),
        cmocka_unit_test(test_stamp_caches_random),
        cmocka_unit_test(test_time_format_fraction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
