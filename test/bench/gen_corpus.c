/*
 * gen_corpus.c - deterministic benchmark corpus: one day of a Deep Security
 * deployment as a syslog server writes it, mixed with other vendors and noise.
 *
 * usage: gen_corpus [-n LINES] [-s SEED] [-m new] > file  (defaults: 1000000 lines, seed 1)
 *
 * -m new: the state benchmark instead (test/bench/README.md "Engine state"): every line is
 * about a computer no earlier line named, within 4 hours, in the shapes the shipped rules
 * keep state for: Deep Security anti-malware events (silence, join), 2205 pattern update
 * failures (join, then a chained hold-down), 730 agent offline (hold-down) and 740 agent
 * errors (join, suppress), relayed by the three managers.
 *
 * The same LINES and SEED give the same bytes on every machine: the generator
 * has its own PRNG (splitmix64) and formats only integers (no locale, no
 * floating point, no rand()), and never draws two random values in one argument
 * list, whose evaluation order C leaves to the compiler. The mix, by line:
 *   55%  agent security events relayed by the manager (CEF, "Deep Security Agent",
 *        dvchost/dvc = the computer, TrendMicroDsTenant...): firewall 20/21, IPS
 *        1000000+, log inspection 3000000+, anti-malware 4000000-4000030,
 *        integrity 2000000+, web reputation 5000000+, application control 6000000+
 *   25%  manager system events (CEF, "Deep Security Manager": 2205, 710, 740, 600,
 *        190, 851, 2204, 273, 933, 482; src/suser/target/msg)
 *    5%  LEEF 2.0 Deep Security lines (tab-separated attributes)
 *   10%  other vendors, which no native decoder takes: SEPM "SymantecServer: Virus
 *        found,...", ePO RFC 5424 EPOEvents XML, FJSVrcx messages, OfficeScan text
 *    5%  syslog noise (sshd, cron, systemd) that nothing decodes
 * Syslog headers of CEF/LEEF lines vary: rsyslog file form "Apr 20 03:20:54 host
 * CEF: 0|", wire form "<134>Apr 20 03:20:54 host CEF:0|", RFC 3339 stamps with and
 * without PRI, and RFC 5424. Timestamps advance monotonically through 2025-04-20
 * (UTC). Computers come from a pool of 2000; values carry escapes (\= \\ \|) and
 * a few are empty. Average line length is about 370 bytes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096
#define NCOMPUTERS 2000
#define DAY_USEC 86400000000ULL
#define NEW_SPAN_USEC (4ULL * 3600 * 1000000) /* -m new: the lines span 4 hours */

/* ---- PRNG: splitmix64 (Steele, Lea, Flood 2014), enough for a corpus ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0; the modulo bias is irrelevant at these sizes. */
static unsigned rnd(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

#define PICK(a) ((a)[rnd((unsigned)(sizeof(a) / sizeof((a)[0])))])

/* Index drawn with the given weights (they need not add up to anything). A real feed is
 * mostly routine: failures, errors and risks that remain are the rare lines, as they
 * are on a working site, so the benchmark measures the pipeline and not an alert storm. */
static unsigned wpick(const unsigned *w, unsigned n)
{
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        total += w[i];
    unsigned r = rnd(total);
    for (unsigned i = 0; i < n; i++) {
        if (r < w[i])
            return i;
        r -= w[i];
    }
    return n - 1;
}
#define WPICK(w) wpick((w), (unsigned)(sizeof(w) / sizeof((w)[0])))

/* ---- line buffer ---------------------------------------------------------- */

struct line {
    char b[LINE_MAX_BYTES];
    size_t n;
};

static void ap(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ap(struct line *l, const char *fmt, ...)
{
    va_list ap_;
    va_start(ap_, fmt);
    int k = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap_);
    va_end(ap_);
    if (k > 0)
        l->n += (size_t)k < sizeof(l->b) - l->n ? (size_t)k : sizeof(l->b) - l->n - 1;
}

static void apc(struct line *l, char c)
{
    if (l->n + 1 < sizeof(l->b))
        l->b[l->n++] = c;
}

/* ---- shared state: clock, computers -------------------------------------- */

struct gen {
    uint64_t usec; /* time of day of the current line, monotonic */
    uint64_t step; /* mean step between lines */
};

/* -m new: the next computer never named before (index past the pool); 0: the pool. */
static unsigned fresh_next;

static const char *const managers[] = {"dsm01", "dsm02", "dsm03"};
static const char *const manager_ips[] = {"10.1.0.11", "10.1.0.12", "10.1.0.13"};

/* Computer i of the pool: a host name, or (one in eight) an IPv4 address that
 * Deep Security reports as dvc instead of dvchost. */
static void computer(unsigned i, char *out, size_t outsz, int *is_ip)
{
    static const char *const kinds[] = {"web-app",  "db", "WS",   "fs",    "app",
                                        "k8s-node", "dc", "exch", "build", "kiosk"};
    *is_ip = i % 8 == 7;
    if (*is_ip)
        snprintf(out, outsz, "10.%u.%u.%u", 20 + i / 4000, (i / 250) % 16, 1 + i % 250);
    else if (i % 7 == 0)
        snprintf(out, outsz, "%s-%04u.corp.example.com", kinds[i % 10], i);
    else
        snprintf(out, outsz, "%s-%04u", kinds[i % 10], i);
}

static void ip4(char *out, size_t outsz)
{
    /* One draw per declarator: the order is fixed (argument order is not). */
    unsigned a = 1 + rnd(223), b = rnd(256), c = rnd(256), d = 1 + rnd(254);
    snprintf(out, outsz, "%u.%u.%u.%u", a, b, c, d);
}

/* ---- syslog headers ------------------------------------------------------- */

enum hdr { HDR_FILE, HDR_WIRE, HDR_ISO_WIRE, HDR_ISO_FILE, HDR_5424 };

static enum hdr pick_header(void)
{
    unsigned r = rnd(100);
    return r < 35   ? HDR_FILE
           : r < 70 ? HDR_WIRE
           : r < 80 ? HDR_ISO_WIRE
           : r < 88 ? HDR_ISO_FILE
                    : HDR_5424;
}

static void stamp3164(struct line *l, const struct gen *g)
{
    unsigned s = (unsigned)(g->usec / 1000000);
    ap(l, "Apr 20 %02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
}

static void stamp3339(struct line *l, const struct gen *g, int digits)
{
    unsigned s = (unsigned)(g->usec / 1000000), us = (unsigned)(g->usec % 1000000);
    ap(l, "2025-04-20T%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
    if (digits == 3)
        ap(l, ".%03u", us / 1000);
    else if (digits == 6)
        ap(l, ".%06u", us);
    ap(l, "Z");
}

/* Writes the header up to and including "TAG:VER|" (file forms: "TAG: VER|"),
 * so that the caller continues with the vendor field. */
static void header(struct line *l, const struct gen *g, const char *host, int pri, const char *tag,
                   const char *ver)
{
    switch (pick_header()) {
    case HDR_FILE:
        stamp3164(l, g);
        ap(l, " %s %s: %s|", host, tag, ver);
        break;
    case HDR_WIRE:
        ap(l, "<%d>", pri);
        stamp3164(l, g);
        ap(l, " %s %s:%s|", host, tag, ver);
        break;
    case HDR_ISO_WIRE:
        ap(l, "<%d>", pri);
        stamp3339(l, g, 3);
        ap(l, " %s %s:%s|", host, tag, ver);
        break;
    case HDR_ISO_FILE:
        stamp3339(l, g, 6);
        ap(l, " %s %s: %s|", host, tag, ver);
        break;
    case HDR_5424:
        ap(l, "<%d>1 ", pri);
        stamp3339(l, g, 3);
        ap(l, " %s DeepSecurity - - - %s:%s|", host, tag, ver);
        break;
    }
}

static int pri_for(int cef_sev)
{
    /* facility local4 (20), as the Deep Security syslog how-to configures it */
    return 20 * 8 + (cef_sev >= 7 ? 3 : cef_sev >= 4 ? 4 : 6);
}

static void hex(struct line *l, unsigned nbytes)
{
    static const char digits[] = "0123456789ABCDEF";
    for (unsigned i = 0; i < nbytes; i++) {
        unsigned v = rnd(256);
        apc(l, digits[v >> 4]);
        apc(l, digits[v & 15]);
    }
}

static void base64(struct line *l, unsigned nchars)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (unsigned i = 0; i < nchars; i++)
        apc(l, alphabet[rnd(64)]);
    ap(l, "==");
}

/* A Windows path; CEF escapes its backslashes ("\\" on the wire), LEEF does not. */
static void win_path(struct line *l, int cef)
{
    static const char *const dirs[] = {"Users/jdoe/Downloads", "Users/Public/Documents",
                                       "Windows/Temp", "ProgramData/Update",
                                       "Users/svc_app/AppData/Local/Temp"};
    static const char *const files[] = {"invoice_0420.pdf.exe", "eicar.com", "setup.msi",
                                        "update.dll", "report.docm"};
    const char *sep = cef ? "\\\\" : "\\";
    ap(l, "C:%s", sep);
    for (const char *d = PICK(dirs); *d; d++) {
        if (*d == '/')
            ap(l, "%s", sep);
        else
            apc(l, *d);
    }
    ap(l, "%s%s", sep, PICK(files));
}

/* ---- agent security events (CEF, relayed by the manager) ------------------ */

struct agent {
    char who[64]; /* dvchost or dvc value */
    int is_ip;
    unsigned host_id;
};

static void agent_start(struct line *l, const struct gen *g, const struct agent *a, unsigned sig,
                        const char *name, int sev)
{
    header(l, g, PICK(managers), pri_for(sev), "CEF", "0");
    ap(l, "Trend Micro|Deep Security Agent|20.0.877|%u|%s|%d|cn1=%u cn1Label=Host ID %s=%s", sig,
       name, sev, a->host_id, a->is_ip ? "dvc" : "dvchost", a->who);
}

static void agent_end(struct line *l)
{
    if (rnd(10) == 0)
        ap(l, " TrendMicroDsTags=%s", rnd(2) ? "production,pci" : "staging");
    ap(l, " TrendMicroDsTenant=Primary TrendMicroDsTenantId=0");
}

static void packet_fields(struct line *l, const struct agent *a, int dpt)
{
    static const char *const flags[] = {"ACK PSH", "SYN", "ACK", "FIN ACK"};
    char src[16], dst[64];
    ip4(src, sizeof(src));
    if (a->is_ip)
        snprintf(dst, sizeof(dst), "%s", a->who);
    else
        ip4(dst, sizeof(dst));
    unsigned m1 = rnd(256), m2 = rnd(256), m3 = rnd(256), out = 40 + rnd(1460);
    ap(l, " dmac=00:50:56:%02X:%02X:%02X smac=00:0C:29:%02X:%02X:%02X", m1, m2, m3, m3, m2, m1);
    ap(l, " TrendMicroDsFrameType=IP src=%s dst=%s out=%u cs3=%s cs3Label=Fragmentation Bits", src,
       dst, out, rnd(4) ? "DF" : "DF MF");
    const char *proto = rnd(8) ? "TCP" : "UDP";
    unsigned spt = 1024 + rnd(64000), cnt = 1 + rnd(3);
    ap(l, " proto=%s spt=%u dpt=%d cs2=0x00 %s cs2Label=TCP Flags cnt=%u", proto, spt, dpt,
       PICK(flags), cnt);
}

static void ev_firewall(struct line *l, const struct gen *g, const struct agent *a)
{
    static const int ports[] = {22, 80, 135, 139, 443, 445, 3389, 8080};
    static const char *const reasons[] = {"Out Of Allowed Policy", "Invalid Flags",
                                          "Remote Domain Enforcement (Split Tunnel)"};
    int port = PICK(ports);
    unsigned sig = 20 + rnd(2);
    char name[64];
    if (sig == 20)
        snprintf(name, sizeof(name), "Log for TCP Port %d", port);
    else
        snprintf(name, sizeof(name), "%s", PICK(reasons));
    agent_start(l, g, a, sig, name, sig == 20 ? 0 : 5);
    ap(l, " act=%s", sig == 20 ? "Log" : "Deny");
    packet_fields(l, a, port);
    agent_end(l);
}

static void ev_ips(struct line *l, const struct gen *g, const struct agent *a)
{
    static const struct {
        unsigned sig;
        const char *name;
        int sev;
    } rules[] = {
        {1000552, "Generic SQL Injection Prevention", 8},
        {1000940, "Generic Cross Site Scripting(XSS) Prevention", 10},
        {1008610, "Block Administrative Share", 5},
        {1001126, "Microsoft Windows SMB Remote Code Execution Vulnerability (CVE-2017-0144)", 10},
        {1005434, "Restrict Executable File Uploads", 6},
        {1011242, "Identified Suspicious Command Injection Attack \\| Bash", 8},
    };
    static const char *const acts[] = {"Reset", "IDS:Reset", "Block", "Log"};
    unsigned r = rnd((unsigned)(sizeof(rules) / sizeof(rules[0])));
    agent_start(l, g, a, rules[r].sig, rules[r].name, rules[r].sev);
    packet_fields(l, a, rnd(2) ? 80 : 445);
    const char *act = PICK(acts);
    unsigned pos = rnd(1500), stream = rnd(65536), dflags = rnd(64);
    ap(l, " act=%s cn3=%u cn3Label=DPI Packet Position cs5=%u cs5Label=DPI Stream Position", act,
       pos, stream);
    ap(l, " cs6=%u cs6Label=DPI Flags", dflags);
    if (rnd(4) == 0) { /* only rules set to include packet data carry it */
        ap(l, " TrendMicroDsPacketData=");
        base64(l, 8 + rnd(40));
    }
    agent_end(l);
}

static void ev_loginspect(struct line *l, const struct gen *g, const struct agent *a)
{
    static const char *const users[] = {"(no user)", "Administrator", "svc_backup", "jdoe"};
    static const unsigned logons[] = {4625, 4624, 4740, 4648};
    const char *shost = a->is_ip ? "WIN-RM6HM42G65V" : a->who;
    unsigned logon = PICK(logons), sig = 3002795 + rnd(4) * 10;
    int sev = 3 + (int)rnd(6);
    const char *user = PICK(users);
    agent_start(l, g, a, sig, "Microsoft Windows Events", sev);
    ap(l, " cs1Label=LI Description cs1=%s fname=Security src=127.0.0.1 duser=%s shost=%s",
       logon == 4625 ? "Multiple Windows Logon Failures" : "Windows logon events", user, shost);
    ap(l, " msg=WinEvtLog Security: %s(%u): %s: CORP: %s: Logon Type\\=%u",
       logon == 4625 ? "AUDIT_FAILURE" : "AUDIT_SUCCESS", logon, user, shost, 2 + rnd(9));
    agent_end(l);
}

static void ev_antimalware(struct line *l, const struct gen *g, const struct agent *a)
{
    static const char *const names[] = {"Eicar_test_file",   "TROJ_GEN.R002C0WDU23",
                                        "Ransom_CERBER.BZC", "PUA.Win32.Toolbar.A",
                                        "Mal_Emotet-7",      "HEU_AEGIS_CRYPT"};
    static const struct {
        const char *act, *result;
    } acts[] = {{"Quarantine", "Quarantine"},     {"Delete", "Delete"}, {"Clean", "Clean"},
                {"Deny Access", "Access Denied"}, {"Pass", "Passed"},   {"Clean", "Clean Failed"}};
    static const char *const scans[] = {"Realtime", "Realtime", "Scheduled", "Manual"};
    static const unsigned sigs[] = {4000000, 4000001, 4000002, 4000003, 4000010,
                                    4000011, 4000012, 4000013, 4000020, 4000030};
    /* per mille: the product removes nearly everything it finds */
    static const unsigned act_w[] = {400, 300, 200, 40, 30, 30};
    unsigned sig = PICK(sigs), k = WPICK(act_w);
    const char *name = PICK(names);
    int bm = sig == 4000030; /* behaviour monitoring */
    agent_start(l, g, a, sig, bm ? "HEU_AEGIS_CRYPT" : name, 6);
    ap(l, " cn2=%u cn2Label=Quarantine File Size filePath=", 68 + rnd(400000));
    win_path(l, 1);
    ap(l, " act=%s result=%s", bm ? "Terminate" : acts[k].act, bm ? "Terminated" : acts[k].result);
    ap(l, " msg=%s TrendMicroDsMalwareTarget=%s TrendMicroDsMalwareTargetType=%s", PICK(scans),
       bm ? "Multiple" : "N/A", bm ? "File System" : "N/A");
    if (rnd(4) == 0) {
        ap(l, " TrendMicroDsFileSHA1=");
        hex(l, 20);
    }
    agent_end(l);
}

static void ev_integrity(struct line *l, const struct gen *g, const struct agent *a)
{
    static const char *const acts[] = {"updated", "created", "deleted"};
    static const char *const unix_files[] = {"passwd", "shadow", "ssh/sshd_config"};
    agent_start(l, g, a, 2002773 + rnd(20), "Microsoft Windows - System file modified", 6);
    ap(l, " act=%s filePath=", PICK(acts));
    int win = rnd(2) == 0;
    if (win)
        ap(l, "c:\\\\windows\\\\system32\\\\drivers\\\\etc\\\\hosts");
    else
        ap(l, "/etc/%s", PICK(unix_files));
    /* one in five has an empty suser: empty values are legal and real */
    ap(l, " suser=%s sproc=%s msg=lastModified,sha1,size", rnd(5) ? "admin" : "",
       win ? "C:\\\\Windows\\\\System32\\\\notepad.exe" : "/usr/bin/vim");
    agent_end(l);
}

static void ev_webrep(struct line *l, const struct gen *g, const struct agent *a)
{
    static const char *const hosts[] = {"malicious.example", "phish.example.net",
                                        "cdn.badsite.example", "login-update.example.org"};
    static const char *const paths[] = {"x/payload.js", "login.php", "dl/inv.zip"};
    static const char *const verdicts[] = {"Blocked By Admin", "Suspicious", "Dangerous",
                                           "Highly Suspicious"};
    unsigned sig = 5000000 + rnd(2);
    int sev = 5 + (int)rnd(2);
    agent_start(l, g, a, sig, "WebReputation", sev);
    const char *host = PICK(hosts), *path = PICK(paths);
    unsigned id = rnd(100000);
    ap(l, " request=http://%s/%s?id\\=%u&ref\\=mail msg=%s", host, path, id, PICK(verdicts));
    agent_end(l);
}

static void ev_appcontrol(struct line *l, const struct gen *g, const struct agent *a)
{
    int blocked = rnd(3) == 0;
    agent_start(l, g, a, blocked ? 6001100 : 6001200,
                blocked ? "AppControl blocked" : "AppControl detectOnly", 6);
    ap(l, " fileHash=");
    hex(l, 32);
    unsigned user = rnd(20), tool = rnd(100), size = 24 + rnd(100000);
    ap(l, " suid=0 suser=root act=%s filePath=/home/user%u/Desktop/tool%u fsize=%u",
       blocked ? "blocked" : "detectOnly", user, tool, size);
    ap(l, " aggregationType=0 repeatCount=%u cs1=notWhitelisted cs1Label=actionReason", 1 + rnd(3));
    agent_end(l);
}

static void line_agent(struct line *l, const struct gen *g)
{
    struct agent a;
    unsigned c = rnd(NCOMPUTERS);
    computer(c, a.who, sizeof(a.who), &a.is_ip);
    a.host_id = 1 + c;
    unsigned r = rnd(100);
    if (r < 30)
        ev_firewall(l, g, &a);
    else if (r < 45)
        ev_ips(l, g, &a);
    else if (r < 58)
        ev_loginspect(l, g, &a);
    else if (r < 70)
        ev_antimalware(l, g, &a);
    else if (r < 82)
        ev_integrity(l, g, &a);
    else if (r < 95)
        ev_webrep(l, g, &a);
    else
        ev_appcontrol(l, g, &a);
}

/* ---- manager system events (CEF) ------------------------------------------ */

static const struct sysev {
    unsigned id;
    const char *name;
    int sev;
    const char *msg; /* NULL: built by the caller */
} sysevs[] = {
    {2205, "Security Update: Pattern Update on Agents/Appliances Failed", 6,
     "There was a failure performing an Anti-Malware Component Update. Check the "
     "Agent/Appliance Events for the cause."},
    {2204, "Security Update: Pattern Update on Agents/Appliances Successful", 3,
     "Anti-Malware Component Update Successful"},
    {710, "Events Retrieved", 3, "Description Omitted"},
    {740, "Agent/Appliance Error", 8,
     "The Agent/Appliance reported one or more warnings or errors. Details are found in the "
     "Agent/Appliance events listed below."},
    {600, "User Signed In", 3, NULL},
    {190, "Alert Started", 3, NULL},
    {851, "Reconnaissance Detected: Network or Port Scan", 6,
     "The Agent/Appliance has detected a possible reconnaissance attempt (Network or Port Scan)."},
    {273, "Security Update: Security Update Check and Download Requested", 3,
     "Security Update Check and Download Requested"},
    {933, "Smart Protection Server Connected for Web Reputation", 3,
     "Smart Protection Server Connected for Web Reputation"},
    {482, "Integrity Monitoring Rule Updated", 3, "Description Omitted"},
};

static void system_detail(struct line *l, const struct sysev *e, const char *manager)
{
    static const char *const users[] = {"admin", "jdoe", "MasterAdmin"};
    char who[64];
    int is_ip;
    if (e->id == 600) {
        const char *user = PICK(users);
        unsigned a = rnd(256), b = rnd(256);
        ap(l, "%s target=%s msg=User signed in from 10.9.%u.%u", user, user, a, b);
    } else if (e->id == 190) {
        ap(l, "System msg=Alert: CPU Warning Threshold Exceeded\\nSubject: %s\\nSeverity: %s",
           manager, rnd(2) ? "Warning" : "Critical");
    } else if (e->id == 482) {
        ap(l,
           "System target=1011144 - Microsoft Windows - AutoRun registries modified "
           "(ATT&CK T1547.001) msg=%s",
           e->msg);
    } else {
        computer(rnd(NCOMPUTERS), who, sizeof(who), &is_ip);
        unsigned a = 20 + rnd(2), b = rnd(16), c = 1 + rnd(250);
        ap(l, "System target=%s (10.%u.%u.%u) msg=%s", who, a, b, c, e->msg);
    }
}

static void line_system(struct line *l, const struct gen *g)
{
    /* per mille, in sysevs order: update failures (2205) and agent errors (740) are rare */
    static const unsigned sys_w[] = {10, 150, 300, 10, 120, 30, 30, 150, 100, 100};
    const struct sysev *e = &sysevs[WPICK(sys_w)];
    unsigned m = rnd(3);
    header(l, g, managers[m], pri_for(e->sev), "CEF", "0");
    ap(l, "Trend Micro|Deep Security Manager|20.0.877|%u|%s|%d|src=%s suser=", e->id, e->name,
       e->sev, manager_ips[m]);
    system_detail(l, e, managers[m]);
    ap(l, " TrendMicroDsTenant=Primary TrendMicroDsTenantId=0");
}

/* ---- -m new: every line about a computer not seen before ------------------- */

/* A computer name no earlier line used (unique up to 10^8 lines). */
static void fresh_computer(char *out, size_t outsz)
{
    static const char *const kinds[] = {"WS", "web-app", "db", "fs", "app"};
    unsigned i = fresh_next++;
    snprintf(out, outsz, "%s-%08u", kinds[i % 5], i);
}

/* 40% anti-malware events of an agent, 60% manager system events about one (2205, 730
 * offline, 740 errors): what the shipped join, hold-down and silence rules keep per key. */
static void line_fresh(struct line *l, const struct gen *g)
{
    static const struct sysev offline = {730, "Agent/Appliance Offline", 6,
                                         "The Agent/Appliance is offline."};
    unsigned r = rnd(100);
    if (r < 40) {
        struct agent a = {.is_ip = 0, .host_id = fresh_next + 1};
        fresh_computer(a.who, sizeof(a.who));
        ev_antimalware(l, g, &a);
        return;
    }
    const struct sysev *e = r < 65 ? &sysevs[0] : r < 85 ? &offline : &sysevs[3];
    unsigned m = rnd(3), b = rnd(16), c = 1 + rnd(250);
    char who[64];
    fresh_computer(who, sizeof(who));
    header(l, g, managers[m], pri_for(e->sev), "CEF", "0");
    ap(l,
       "Trend Micro|Deep Security Manager|20.0.877|%u|%s|%d|src=%s suser=System target=%s "
       "(10.20.%u.%u) msg=%s TrendMicroDsTenant=Primary TrendMicroDsTenantId=0",
       e->id, e->name, e->sev, manager_ips[m], who, b, c, e->msg);
}

/* ---- LEEF 2.0 (Deep Security, tab-separated, no escapes) ------------------- */

static void line_leef(struct line *l, const struct gen *g)
{
    char who[64];
    int is_ip;
    unsigned c = rnd(NCOMPUTERS), m = rnd(3);
    computer(c, who, sizeof(who), &is_ip);
    header(l, g, managers[m], pri_for(6), "LEEF", "2.0");
    if (rnd(4) == 0) {
        unsigned a = rnd(256), b = rnd(256);
        ap(l,
           "Trend Micro|Deep Security Manager|20.0.877|600|cat=System\tname=User Signed In"
           "\tdesc=User Signed In\tsev=3\tsrc=%s\tusrName=admin\ttarget=admin\tmsg=User signed"
           " in from 10.9.%u.%u\tTrendMicroDsTenant=Primary\tTrendMicroDsTenantId=0",
           manager_ips[m], a, b);
        return;
    }
    ap(l,
       "Trend Micro|Deep Security Agent|20.0.877|4000000|cat=Anti-Malware"
       "\tname=Eicar_test_file\tdesc=Eicar_test_file\tsev=6\tcn1=%u\tcn1Label=Host ID\t%s=%s",
       1 + c, is_ip ? "dvc" : "dvchost", who);
    ap(l, "\tcn2=%u\tcn2Label=Quarantine File Size\tfilePath=", 68 + rnd(9999));
    win_path(l, 0);
    ap(l, "\tact=Quarantine\tresult=Quarantine\tmsg=Realtime\tTrendMicroDsTenant=Primary"
          "\tTrendMicroDsTenantId=0");
}

/* ---- other vendors: no native decoder; rulebases may take them ------------ */

static void line_sepm(struct line *l, const struct gen *g)
{
    static const char *const risks[] = {"EICAR Test String", "Trojan.Gen.2", "W97M.Downloader",
                                        "Backdoor.Cobalt"};
    static const char *const actions[] = {"Quarantined", "Cleaned by deletion", "Left alone",
                                          "All actions failed"};
    unsigned s = (unsigned)(g->usec / 1000000);
    char ts[32];
    snprintf(ts, sizeof(ts), "2025-04-20 %02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
    unsigned a = rnd(16), b = 1 + rnd(250), pc = rnd(NCOMPUTERS), user = rnd(50), file = rnd(1000);
    const char *source = rnd(3) ? "Real Time Scan" : "Scheduled Scan";
    const char *risk = PICK(risks);
    stamp3164(l, g);
    ap(l,
       " sepm01 SymantecServer: Virus found,IP Address: 10.30.%u.%u,Computer name: WS-%04u,"
       "Source: %s,Risk name: %s,Occurrences: 1,C:\\Users\\user%u\\Downloads\\file%u.exe,,",
       a, b, pc, source, risk, user, file);
    static const unsigned action_w[] = {50, 40, 5, 5}; /* percent */
    ap(l, "Actual action: %s,Requested action: Quarantined,Secondary action: Deleted,",
       actions[WPICK(action_w)]);
    ap(l,
       "Event time: %s,Inserted: %s,End: %s,Last update time: %s,Domain: Default,"
       "Group: My Company\\Workstations,Server: sepm01,User: user%u,Source computer: ,"
       "Source IP: ",
       ts, ts, ts, ts, user);
}

static void line_epo(struct line *l, const struct gen *g)
{
    static const struct {
        unsigned id;
        const char *action;
    } evs[] = {{1027, "IDS_ALERT_ACT_TAK_DEL"},
               {1026, "IDS_ALERT_ACT_TAK_DEN"},
               {1025, "IDS_ALERT_ACT_TAK_CLE"},
               {1024, "IDS_ALERT_ACT_TAK_NON"}};
    static const unsigned ev_w[] = {45, 5, 45, 5}; /* percent: deleted, denied, cleaned, none */
    unsigned k = WPICK(ev_w), c = rnd(NCOMPUTERS), a = rnd(16), b = 1 + rnd(250), f = rnd(1000);
    const char *threat = rnd(2) ? "EICAR test file" : "Generic.dx!abc";
    ap(l, "<29>1 ");
    stamp3339(l, g, 3);
    ap(l,
       " epo01 EPOEvents - EventFwd [agentInfo@3401 tenantId=\"1\" bpsId=\"1\" "
       "tenantGUID=\"{00000000-0000-0000-0000-000000000000}\" tenantNodePath=\"1\\\\2\"] "
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><EPOEvent><MachineInfo><MachineName>WS-%04u"
       "</MachineName><IPAddress>10.40.%u.%u</IPAddress></MachineInfo>",
       c, a, b);
    ap(l,
       "<SoftwareInfo ProductName=\"McAfee Endpoint Security\" ProductVersion=\"10.7.0\">"
       "<Event><EventID>%u</EventID><Severity>3</Severity><CommonFields><ThreatName>%s"
       "</ThreatName><ThreatType>trojan</ThreatType><ThreatActionTaken>%s</ThreatActionTaken>"
       "<TargetHostName>WS-%04u</TargetHostName><TargetFileName>C:\\Users\\a&amp;b\\x%u.exe"
       "</TargetFileName></CommonFields></Event></SoftwareInfo></EPOEvent>",
       evs[k].id, threat, evs[k].action, c, f);
}

static void line_fjsvrcx(struct line *l, const struct gen *g)
{
    unsigned c = rnd(NCOMPUTERS), r = rnd(4);
    stamp3164(l, g);
    if (r < 2)
        ap(l, " rormgr FJSVrcx:INFO:21143:quarantine L-Server(WS-%04u:10.30.%u.%u):started", c,
           c % 16, 1 + c % 250);
    else if (r == 2)
        ap(l, " rormgr FJSVrcx:INFO:21144:quarantine L-Server(WS-%04u:10.30.%u.%u):completed", c,
           c % 16, 1 + c % 250);
    else
        ap(l, " rormgr FJSVrcx:WARNING:41101:power status of L-Server(WS-%04u) is unknown", c);
}

static void line_officescan(struct line *l, const struct gen *g)
{
    static const char *const names[] = {"TROJ_GEN.R002C0WDU23", "Eicar_test_file"};
    unsigned s = (unsigned)(g->usec / 1000000);
    const char *name = PICK(names);
    unsigned pc = rnd(NCOMPUTERS), file = rnd(1000);
    stamp3164(l, g);
    ap(l,
       " osce01 OfficeScan: Virus/Malware: %s Computer: WS-%04u Domain: CORP\\Sales File: "
       "C:\\Temp\\inv%u.exe Date/Time: 4/20/2025 %u:%02u:%02u Result: %s",
       name, pc, file, s / 3600, s / 60 % 60, s % 60,
       rnd(2) ? "Virus successfully detected, cannot perform the Quarantine action"
              : "Quarantined");
}

static void line_vendor(struct line *l, const struct gen *g)
{
    unsigned r = rnd(10);
    if (r < 3)
        line_sepm(l, g);
    else if (r < 6)
        line_epo(l, g);
    else if (r < 8)
        line_fjsvrcx(l, g);
    else
        line_officescan(l, g);
}

/* ---- noise nothing decodes ------------------------------------------------- */

static void line_noise(struct line *l, const struct gen *g)
{
    static const char *const users[] = {"deploy", "root", "jdoe"};
    unsigned r = rnd(3), host = rnd(50), pid = 1000 + rnd(60000);
    stamp3164(l, g);
    if (r == 0) {
        const char *what = rnd(3) ? "Accepted publickey" : "Failed password";
        const char *user = PICK(users);
        unsigned a = rnd(256), b = rnd(256), port = 1024 + rnd(60000);
        ap(l, " bastion%02u sshd[%u]: %s for %s from 10.9.%u.%u port %u ssh2", host, pid, what,
           user, a, b, port);
    } else if (r == 1) {
        ap(l, " web%02u CRON[%u]: (root) CMD (run-parts /etc/cron.hourly)", host, pid);
    } else {
        ap(l, " app%02u systemd[1]: Started Session %u of User %s.", host, pid,
           rnd(2) ? "root" : "deploy");
    }
}

/* ---- main ------------------------------------------------------------------ */

static void gen_line(struct line *l, struct gen *g, int fresh)
{
    /* Monotonic clock: steps of 0..2x the mean keep the day's lines inside the day. */
    g->usec += rng_next() % (2 * g->step + 1);
    if (g->usec >= DAY_USEC)
        g->usec = DAY_USEC - 1;
    l->n = 0;
    if (fresh) {
        line_fresh(l, g);
        apc(l, '\n');
        return;
    }
    unsigned r = rnd(100);
    if (r < 55)
        line_agent(l, g);
    else if (r < 80)
        line_system(l, g);
    else if (r < 85)
        line_leef(l, g);
    else if (r < 95)
        line_vendor(l, g);
    else
        line_noise(l, g);
    apc(l, '\n');
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const char usage[] = "usage: gen_corpus [-n LINES] [-s SEED] [-m new] > file\n";
    uint64_t n = 1000000, seed = 1;
    int c, fresh = 0;
    while ((c = getopt(argc, argv, "n:s:m:h")) != -1) {
        if ((c == 'n' && parse_u64(optarg, &n) == 0) || (c == 's' && parse_u64(optarg, &seed) == 0))
            continue;
        if (c == 'm' && strcmp(optarg, "new") == 0) {
            fresh = 1;
            continue;
        }
        fprintf(stderr, "%s", usage);
        return c == 'h' ? 0 : 2;
    }
    if (optind < argc) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    rng_state = seed;
    uint64_t span = fresh ? NEW_SPAN_USEC : DAY_USEC;
    struct gen g = {0, n ? span / n : span};
    struct line l;
    for (uint64_t i = 0; i < n; i++) {
        gen_line(&l, &g, fresh);
        if (fwrite(l.b, 1, l.n, stdout) != l.n)
            return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
