/*
 * test_cef.c - the native CEF decoder (cef.h), table-driven.
 *
 * Every table row is one cmocka test: a whole "CEF:..." text, the exact header
 * fields, the exact raw extension, and the exact ordered (key, value) list, or
 * the reject reason. Inputs are copied into heap buffers of exactly their
 * length, so a read past n is an ASan error in the sanitizer build.
 *
 * Sources of the lines: the ArcSight CEF Implementation Standard ("Character
 * encoding" examples, quoted identically in rev 25-27), the Deep Security
 * "Syslog message formats" page and shared/samples/deep-security-manager.log,
 * Apex Central 2019 "CEF ... logs" pages, and the decode_cef test messages of
 * elastic/beats (x-pack/filebeat/processors/decode_cef) with our own expected
 * results where our documented policy differs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cefguard/arena.h"
#include "cefguard/cef.h"
#include "cefguard/fields.h"

struct bytes {
    const char *p;
    size_t n;
};

/* clang-format off */
#define B(s) {(s), sizeof(s) - 1}
#define KV(k, v) {B(k), B(v)}
/* clang-format on */
#define HDR(v, ven, prod, pver, id, name, sev)                                                     \
    .hdr = {B(v), B(ven), B(prod), B(pver), B(id), B(name), B(sev)}
#define MAX_KV 32

struct kv {
    struct bytes k, v;
};

struct cef_case {
    const char *name;
    struct bytes line;    /* the whole "CEF:..." text; the decoder gets what follows "CEF:" */
    enum cg_reject rej;   /* expected reject reason */
    struct bytes hdr[7];  /* version, vendor, product, product version, event id, name, severity */
    struct bytes ext;     /* raw extension view */
    unsigned hflags;      /* CG_CEF_* from the header */
    unsigned xflags;      /* CG_CEF_* from the extension */
    struct kv kv[MAX_KV]; /* fields in order; the list ends at the first k.p == NULL */
    size_t max;           /* field bound; 0: CG_FIELDS_DEFAULT_MAX */
    size_t dups, limit;   /* expected dup_dropped / limit_dropped */
};

/* ---- the ArcSight CEF Implementation Standard's own examples ---------------- */

static const struct cef_case spec_cases[] = {
    {
        .name = "spec: pipe escaped in the header, plain in the extension",
        .line = B("CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 "
                  "act=blocked a | dst=1.1.1.1"),
        HDR("0", "security", "threatmanager", "1.0", "100", "detected a | in message", "10"),
        .ext = B("src=10.0.0.1 act=blocked a | dst=1.1.1.1"),
        .kv = {KV("src", "10.0.0.1"), KV("act", "blocked a |"), KV("dst", "1.1.1.1")},
    },
    {
        .name = "spec: backslash escaped in header and extension",
        .line = B("CEF:0|security|threatmanager|1.0|100|detected a \\\\ in packet|10|src=10.0.0.1 "
                  "act=blocked a \\\\ dst=1.1.1.1"),
        HDR("0", "security", "threatmanager", "1.0", "100", "detected a \\ in packet", "10"),
        .ext = B("src=10.0.0.1 act=blocked a \\\\ dst=1.1.1.1"),
        .kv = {KV("src", "10.0.0.1"), KV("act", "blocked a \\"), KV("dst", "1.1.1.1")},
    },
    {
        .name = "spec: equal sign plain in the header, escaped in the extension",
        .line = B("CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 "
                  "act=blocked a \\= dst=1.1.1.1"),
        HDR("0", "security", "threatmanager", "1.0", "100", "detected a = in message", "10"),
        .ext = B("src=10.0.0.1 act=blocked a \\= dst=1.1.1.1"),
        .kv = {KV("src", "10.0.0.1"), KV("act", "blocked a ="), KV("dst", "1.1.1.1")},
    },
    {
        .name = "spec: multi-line value with \\n",
        .line = B("CEF:0|security|threatmanager|1.0|100|Detected a threat. No action needed.|10|"
                  "src=10.0.0.1 msg=Detected a threat.\\n No action needed"),
        HDR("0", "security", "threatmanager", "1.0", "100", "Detected a threat. No action needed.",
            "10"),
        .ext = B("src=10.0.0.1 msg=Detected a threat.\\n No action needed"),
        .kv = {KV("src", "10.0.0.1"), KV("msg", "Detected a threat.\n No action needed")},
    },
    {
        .name = "spec: worm successfully stopped",
        .line = B("CEF:0|security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 "
                  "dst=2.1.2.2 spt=1232"),
        HDR("0", "security", "threatmanager", "1.0", "100", "worm successfully stopped", "10"),
        .ext = B("src=10.0.0.1 dst=2.1.2.2 spt=1232"),
        .kv = {KV("src", "10.0.0.1"), KV("dst", "2.1.2.2"), KV("spt", "1232")},
    },
    {
        .name = "spec: all spaces but the last before a key trail the prior value",
        .line = B("CEF:0|security|threatmanager|1.0|100|blocked|10|act=blocked   dst=1.2.3.4"),
        HDR("0", "security", "threatmanager", "1.0", "100", "blocked", "10"),
        .ext = B("act=blocked   dst=1.2.3.4"),
        .kv = {KV("act", "blocked  "), KV("dst", "1.2.3.4")},
    },
    {
        .name = "spec: trailing spaces of the final value are not preserved",
        .line = B("CEF:0|security|threatmanager|1.0|100|padded|10|spt=1232 msg=Trailing space in "
                  "non-final extensions is  preserved    src=10.0.0.192 "),
        HDR("0", "security", "threatmanager", "1.0", "100", "padded", "10"),
        .ext = B("spt=1232 msg=Trailing space in non-final extensions is  preserved    "
                 "src=10.0.0.192"),
        .kv = {KV("spt", "1232"),
               KV("msg", "Trailing space in non-final extensions is  preserved   "),
               KV("src", "10.0.0.192")},
    },
};

/* ---- Deep Security ------------------------------------------------------------ */

#define DS2205_EXT                                                                                 \
    "src=192.168.100.120 suser=System target=DSA-test msg=There was a failure performing an "      \
    "Anti-Malware Component Update. Check the Agent/Appliance Events for the cause. "              \
    "TrendMicroDsTenant=Primary TrendMicroDsTenantId=0"
#define DS710_EXT                                                                                  \
    "src=192.168.100.120 suser=System target=DSA-test msg=Description Omitted "                    \
    "TrendMicroDsTenant=Primary TrendMicroDsTenantId=0"
#define DS_AM_EXT                                                                                  \
    "cn1=1 cn1Label=Host ID dvchost=hostname cn2=205 cn2Label=Quarantine File Size "               \
    "cs6=ContainerImageName | ContainerName | ContainerID cs6Label=Container "                     \
    "filePath=C:\\\\Users\\\\trend\\\\Desktop\\\\eicar.exe act=Delete result=Delete msg=Realtime " \
    "TrendMicroDsMalwareTarget=N/A TrendMicroDsMalwareTargetType=N/A "                             \
    "TrendMicroDsFileMD5=44D88612FEA8A8F36DE82E1278ABB02F "                                        \
    "TrendMicroDsFileSHA1=3395856CE81F2B7382DEE72602F798B642F14140 "                               \
    "TrendMicroDsFileSHA256=275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F "     \
    "TrendMicroDsDetectionConfidence=95 "                                                          \
    "TrendMicroDsRelevantDetectionNames=Ransom_CERBER.BZC;Ransom_CERBER.C;Ransom_CRYPNISCA.SM"
#define DS_AM30_EXT                                                                                \
    "cn1=241 cn1Label=Host ID dvc=10.0.0.1 TrendMicroDsTags=FS TrendMicroDsTenant=Primary "        \
    "TrendMicroDsTenantId=0 filePath=C:\\\\Windows\\\\System32\\\\virus.exe act=Terminate "        \
    "msg=Realtime TrendMicroDsMalwareTarget=Multiple TrendMicroDsMalwareTargetType=File System"
#define DS_IPS_EXT                                                                                 \
    "cn1=318 cn1Label=Host ID dvchost=foo.bar.fr TrendMicroDsTenant=Primary "                      \
    "TrendMicroDsTenantId=0 dmac=22:22:22:22:22:22 smac=11:11:11:11:11:11 "                        \
    "TrendMicroDsFrameType=IP src=2.2.2.2 dst=1.1.1.1 in=0 cs3=DF 0 cs3Label=Fragmentation Bits "  \
    "proto=TCP spt=58407 dpt=443 cs2=ACK cs2Label=TCP Flags cnt=2 act=IDS:Reset cn3=0 "            \
    "cn3Label=DPI Packet Position cs5=0 cs5Label=DPI Stream Position  cs1=\"CVE-2022-30522\" "     \
    "cs1Label=DPI Note cs6=0 cs6Label=DPI Flags"
#define DS_FW_EXT                                                                                  \
    "cn1=1 cn1Label=Host ID dvc=hostname act=Log dmac=00:50:56:F5:7F:47 smac=00:0C:29:EB:35:DE "   \
    "TrendMicroDsFrameType=IP src=192.168.126.150 dst=72.14.204.147 out=1019 cs3=DF MF "           \
    "cs3Label=Fragmentation Bits proto=TCP spt=49617 dpt=80 cs2=0x00 ACK PSH cs2Label=TCP Flags "  \
    "cnt=1 TrendMicroDsPacketData=AFB..."
#define DS_IM_EXT                                                                                  \
    "cn1=1 cn1Label=Host ID dvchost=hostname act=updated filePath=c:\\windows\\message.dll "       \
    "suser=admin sproc=C:\\Windows\\System32\\notepad.exe msg=lastModified,sha1,size"
#define DS_LI_EXT                                                                                  \
    "cn1=1 cn1Label=Host ID dvchost=hostname cs1Label=LI Description cs1=Multiple Windows Logon "  \
    "Failures fname=Security src=127.0.0.1 duser=(no user) shost=WIN-RM6HM42G65V msg=WinEvtLog "   \
    "Security: AUDIT_FAILURE(4625): Microsoft-Windows-Security-Auditing: (no user): no domain: "   \
    "WIN-RM6HM42G65V: An account failed to log on. Subject: .."

static const struct cef_case ds_cases[] = {
    {
        .name = "DS 2205 pattern update failed (samples file, rsyslog file form 'CEF: 0|')",
        .line = B("CEF: 0|Trend Micro|Deep Security Manager|12.0.383|2205|Security Update: Pattern "
                  "Update on Agents/Appliances Failed|6|" DS2205_EXT),
        HDR("0", "Trend Micro", "Deep Security Manager", "12.0.383", "2205",
            "Security Update: Pattern Update on Agents/Appliances Failed", "6"),
        .ext = B(DS2205_EXT),
        .kv = {KV("src", "192.168.100.120"), KV("suser", "System"), KV("target", "DSA-test"),
               KV("msg", "There was a failure performing an Anti-Malware Component Update. Check "
                         "the Agent/Appliance Events for the cause."),
               KV("TrendMicroDsTenant", "Primary"), KV("TrendMicroDsTenantId", "0")},
    },
    {
        .name = "DS 710 events retrieved (samples file)",
        .line = B(
            "CEF: 0|Trend Micro|Deep Security Manager|12.0.383|710|Events Retrieved|3|" DS710_EXT),
        HDR("0", "Trend Micro", "Deep Security Manager", "12.0.383", "710", "Events Retrieved",
            "3"),
        .ext = B(DS710_EXT),
        .kv = {KV("src", "192.168.100.120"), KV("suser", "System"), KV("target", "DSA-test"),
               KV("msg", "Description Omitted"), KV("TrendMicroDsTenant", "Primary"),
               KV("TrendMicroDsTenantId", "0")},
    },
    {
        .name = "DS anti-malware 4000000 (doc sample): escaped filePath, cs6 Container pipes",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|<DSA "
                  "version>|4000000|Eicar_test_file|6|" DS_AM_EXT),
        HDR("0", "Trend Micro", "Deep Security Agent", "<DSA version>", "4000000",
            "Eicar_test_file", "6"),
        .ext = B(DS_AM_EXT),
        .kv = {KV("cn1", "1"), KV("cn1Label", "Host ID"), KV("dvchost", "hostname"),
               KV("cn2", "205"), KV("cn2Label", "Quarantine File Size"),
               KV("cs6", "ContainerImageName | ContainerName | ContainerID"),
               KV("cs6Label", "Container"), KV("filePath", "C:\\Users\\trend\\Desktop\\eicar.exe"),
               KV("act", "Delete"), KV("result", "Delete"), KV("msg", "Realtime"),
               KV("TrendMicroDsMalwareTarget", "N/A"), KV("TrendMicroDsMalwareTargetType", "N/A"),
               KV("TrendMicroDsFileMD5", "44D88612FEA8A8F36DE82E1278ABB02F"),
               KV("TrendMicroDsFileSHA1", "3395856CE81F2B7382DEE72602F798B642F14140"),
               KV("TrendMicroDsFileSHA256",
                  "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"),
               KV("TrendMicroDsDetectionConfidence", "95"),
               KV("TrendMicroDsRelevantDetectionNames",
                  "Ransom_CERBER.BZC;Ransom_CERBER.C;Ransom_CRYPNISCA.SM")},
    },
    {
        .name = "DS anti-malware 4000030 relayed (dvc, tags): C:\\\\Windows path, act=Terminate",
        .line = B("CEF:0|Trend Micro|Deep Security "
                  "Agent|20.0.877|4000030|HEU_AEGIS_CRYPT|6|" DS_AM30_EXT),
        HDR("0", "Trend Micro", "Deep Security Agent", "20.0.877", "4000030", "HEU_AEGIS_CRYPT",
            "6"),
        .ext = B(DS_AM30_EXT),
        .kv = {KV("cn1", "241"), KV("cn1Label", "Host ID"), KV("dvc", "10.0.0.1"),
               KV("TrendMicroDsTags", "FS"), KV("TrendMicroDsTenant", "Primary"),
               KV("TrendMicroDsTenantId", "0"), KV("filePath", "C:\\Windows\\System32\\virus.exe"),
               KV("act", "Terminate"), KV("msg", "Realtime"),
               KV("TrendMicroDsMalwareTarget", "Multiple"),
               KV("TrendMicroDsMalwareTargetType", "File System")},
    },
    {
        .name = "DS intrusion prevention: two spaces before a key, quotes are data",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|20.0.677|1011466|Apache HTTP Server "
                  "'mod_sed' Denial Of Service Vulnerability (CVE-2022-30522)|6|" DS_IPS_EXT),
        HDR("0", "Trend Micro", "Deep Security Agent", "20.0.677", "1011466",
            "Apache HTTP Server 'mod_sed' Denial Of Service Vulnerability (CVE-2022-30522)", "6"),
        .ext = B(DS_IPS_EXT),
        .kv = {KV("cn1", "318"),
               KV("cn1Label", "Host ID"),
               KV("dvchost", "foo.bar.fr"),
               KV("TrendMicroDsTenant", "Primary"),
               KV("TrendMicroDsTenantId", "0"),
               KV("dmac", "22:22:22:22:22:22"),
               KV("smac", "11:11:11:11:11:11"),
               KV("TrendMicroDsFrameType", "IP"),
               KV("src", "2.2.2.2"),
               KV("dst", "1.1.1.1"),
               KV("in", "0"),
               KV("cs3", "DF 0"),
               KV("cs3Label", "Fragmentation Bits"),
               KV("proto", "TCP"),
               KV("spt", "58407"),
               KV("dpt", "443"),
               KV("cs2", "ACK"),
               KV("cs2Label", "TCP Flags"),
               KV("cnt", "2"),
               KV("act", "IDS:Reset"),
               KV("cn3", "0"),
               KV("cn3Label", "DPI Packet Position"),
               KV("cs5", "0"),
               KV("cs5Label", "DPI Stream Position "),
               KV("cs1", "\"CVE-2022-30522\""),
               KV("cs1Label", "DPI Note"),
               KV("cs6", "0"),
               KV("cs6Label", "DPI Flags")},
    },
    {
        .name = "DS firewall event log (doc sample)",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|<DSA version>|20|Log for TCP Port "
                  "80|0|" DS_FW_EXT),
        HDR("0", "Trend Micro", "Deep Security Agent", "<DSA version>", "20", "Log for TCP Port 80",
            "0"),
        .ext = B(DS_FW_EXT),
        .kv = {KV("cn1", "1"), KV("cn1Label", "Host ID"), KV("dvc", "hostname"), KV("act", "Log"),
               KV("dmac", "00:50:56:F5:7F:47"), KV("smac", "00:0C:29:EB:35:DE"),
               KV("TrendMicroDsFrameType", "IP"), KV("src", "192.168.126.150"),
               KV("dst", "72.14.204.147"), KV("out", "1019"), KV("cs3", "DF MF"),
               KV("cs3Label", "Fragmentation Bits"), KV("proto", "TCP"), KV("spt", "49617"),
               KV("dpt", "80"), KV("cs2", "0x00 ACK PSH"), KV("cs2Label", "TCP Flags"),
               KV("cnt", "1"), KV("TrendMicroDsPacketData", "AFB...")},
    },
    {
        /* As printed on the doc page the paths are not escaped: the undefined
         * "\w" "\m" "\W" "\S" stay with a flag, and "\n" IS a newline - the
         * documented rule, which mangles an unescaped "\notepad". */
        .name = "DS integrity monitoring with unescaped Windows paths",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|<DSA version>|30|New Integrity Monitoring "
                  "Rule|6|" DS_IM_EXT),
        HDR("0", "Trend Micro", "Deep Security Agent", "<DSA version>", "30",
            "New Integrity Monitoring Rule", "6"),
        .ext = B(DS_IM_EXT),
        .xflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("cn1", "1"), KV("cn1Label", "Host ID"), KV("dvchost", "hostname"),
               KV("act", "updated"), KV("filePath", "c:\\windows\\message.dll"),
               KV("suser", "admin"), KV("sproc", "C:\\Windows\\System32\notepad.exe"),
               KV("msg", "lastModified,sha1,size")},
    },
    {
        .name = "DS log inspection: colons and parentheses in values",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|<DSA version>|3002795|Microsoft Windows "
                  "Events|8|" DS_LI_EXT),
        HDR("0", "Trend Micro", "Deep Security Agent", "<DSA version>", "3002795",
            "Microsoft Windows Events", "8"),
        .ext = B(DS_LI_EXT),
        .kv = {KV("cn1", "1"), KV("cn1Label", "Host ID"), KV("dvchost", "hostname"),
               KV("cs1Label", "LI Description"), KV("cs1", "Multiple Windows Logon Failures"),
               KV("fname", "Security"), KV("src", "127.0.0.1"), KV("duser", "(no user)"),
               KV("shost", "WIN-RM6HM42G65V"),
               KV("msg", "WinEvtLog Security: AUDIT_FAILURE(4625): "
                         "Microsoft-Windows-Security-Auditing: (no user): no domain: "
                         "WIN-RM6HM42G65V: An account failed to log on. Subject: ..")},
    },
    {
        .name = "DS 600 user signed in (Workload Security Manager), IPv6 in msg",
        .line =
            B("CEF:0|Trend Micro|Workload Security Manager|<Workload Security version>|600|User "
              "Signed In|3|src=10.52.116.160 suser=admin target=admin msg=User signed in from "
              "2001:db8::5"),
        HDR("0", "Trend Micro", "Workload Security Manager", "<Workload Security version>", "600",
            "User Signed In", "3"),
        .ext = B("src=10.52.116.160 suser=admin target=admin msg=User signed in from 2001:db8::5"),
        .kv = {KV("src", "10.52.116.160"), KV("suser", "admin"), KV("target", "admin"),
               KV("msg", "User signed in from 2001:db8::5")},
    },
    {
        .name = "DS application control: Unix path with //",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|10.2.229|6001200|AppControl detectOnly|6|"
                  "cn1=202 cn1Label=Host ID dvc=192.168.33.128 suser=root suid=0 act=detectOnly "
                  "filePath=/home/user1/Desktop/Directory1//heartbeatSync.sh fsize=20"),
        HDR("0", "Trend Micro", "Deep Security Agent", "10.2.229", "6001200",
            "AppControl detectOnly", "6"),
        .ext = B("cn1=202 cn1Label=Host ID dvc=192.168.33.128 suser=root suid=0 act=detectOnly "
                 "filePath=/home/user1/Desktop/Directory1//heartbeatSync.sh fsize=20"),
        .kv = {KV("cn1", "202"), KV("cn1Label", "Host ID"), KV("dvc", "192.168.33.128"),
               KV("suser", "root"), KV("suid", "0"), KV("act", "detectOnly"),
               KV("filePath", "/home/user1/Desktop/Directory1//heartbeatSync.sh"),
               KV("fsize", "20")},
    },
    {
        .name = "DS web reputation (doc sample)",
        .line =
            B("CEF:0|Trend Micro|Deep Security Agent|<DSA version>|5000000|WebReputation|5|cn1=1 "
              "cn1Label=Host ID dvchost=hostname request=example.com msg=Blocked By Admin"),
        HDR("0", "Trend Micro", "Deep Security Agent", "<DSA version>", "5000000", "WebReputation",
            "5"),
        .ext =
            B("cn1=1 cn1Label=Host ID dvchost=hostname request=example.com msg=Blocked By Admin"),
        .kv = {KV("cn1", "1"), KV("cn1Label", "Host ID"), KV("dvchost", "hostname"),
               KV("request", "example.com"), KV("msg", "Blocked By Admin")},
    },
    {
        .name = "DS 190 alert started: \\n-separated msg lines",
        .line = B("CEF:0|Trend Micro|Deep Security Manager|20.0.0|190|Alert Started|3|src=10.0.0.5 "
                  "suser=System target=web-app-01 (192.168.1.61) msg=Alert: Anti-Malware Engine "
                  "Offline\\nSubject: web-app-01\\nSeverity: Critical TrendMicroDsTenantId=0"),
        HDR("0", "Trend Micro", "Deep Security Manager", "20.0.0", "190", "Alert Started", "3"),
        .ext = B("src=10.0.0.5 suser=System target=web-app-01 (192.168.1.61) msg=Alert: "
                 "Anti-Malware Engine Offline\\nSubject: web-app-01\\nSeverity: Critical "
                 "TrendMicroDsTenantId=0"),
        .kv = {KV("src", "10.0.0.5"), KV("suser", "System"),
               KV("target", "web-app-01 (192.168.1.61)"),
               KV("msg",
                  "Alert: Anti-Malware Engine Offline\nSubject: web-app-01\nSeverity: Critical"),
               KV("TrendMicroDsTenantId", "0")},
    },
};

/* ---- Apex Central 2019 ---------------------------------------------------------- */

static const struct cef_case apex_cases[] = {
    {
        /* Doc sample (its PDF line wraps removed); "#015" is rsyslog's escaped CR. */
        .name = "Apex Central 700211 managed product logon, escaped domain backslash",
        .line =
            B("CEF:0|Trend Micro|Apex Central|2019|700211|Managed Product Logon/Logoff Events|3|"
              "deviceExternalId=11 shost=SMEX01 deviceFacility=ScanMail for Microsoft Exchange "
              "cs1Label=Product_Version cs1=14 cn1Label=Command_Status cn1=110 msg=A user with "
              "the Administrator role(s) has logged on. Detail Information "
              ":UserName:TEST2013\\\\administrator,IP address:10.204.166.127, EventType:Log "
              "in/out,SourceType:SMEX UI. #015"),
        HDR("0", "Trend Micro", "Apex Central", "2019", "700211",
            "Managed Product Logon/Logoff Events", "3"),
        .ext =
            B("deviceExternalId=11 shost=SMEX01 deviceFacility=ScanMail for Microsoft Exchange "
              "cs1Label=Product_Version cs1=14 cn1Label=Command_Status cn1=110 msg=A user with the "
              "Administrator role(s) has logged on. Detail Information "
              ":UserName:TEST2013\\\\administrator,IP address:10.204.166.127, EventType:Log "
              "in/out,SourceType:SMEX UI. #015"),
        .kv = {KV("deviceExternalId", "11"), KV("shost", "SMEX01"),
               KV("deviceFacility", "ScanMail for Microsoft Exchange"),
               KV("cs1Label", "Product_Version"), KV("cs1", "14"), KV("cn1Label", "Command_Status"),
               KV("cn1", "110"),
               KV("msg", "A user with the Administrator role(s) has logged on. Detail Information "
                         ":UserName:TEST2013\\administrator,IP address:10.204.166.127, "
                         "EventType:Log in/out,SourceType:SMEX UI. #015")},
    },
    {
        .name = "Apex Central 800102 engine update status",
        .line =
            B("CEF:0|Trend Micro|Apex Central|2019|800102|Engine Update Status|3|rt=Apr 20 2017 "
              "12:04:34 GMT+00:00 shost=shost1 cs2Label=Product/Endpoint_IP cs2=10.0.17.6 "
              "cn1Label=Connection_Status cn1=100 cn2Label=Engine cn2=4096 "
              "cs5Label=Engine_Version cs5=9.950.1006 deviceFacility=Apex One"),
        HDR("0", "Trend Micro", "Apex Central", "2019", "800102", "Engine Update Status", "3"),
        .ext = B("rt=Apr 20 2017 12:04:34 GMT+00:00 shost=shost1 cs2Label=Product/Endpoint_IP "
                 "cs2=10.0.17.6 cn1Label=Connection_Status cn1=100 cn2Label=Engine cn2=4096 "
                 "cs5Label=Engine_Version cs5=9.950.1006 deviceFacility=Apex One"),
        .kv = {KV("rt", "Apr 20 2017 12:04:34 GMT+00:00"), KV("shost", "shost1"),
               KV("cs2Label", "Product/Endpoint_IP"), KV("cs2", "10.0.17.6"),
               KV("cn1Label", "Connection_Status"), KV("cn1", "100"), KV("cn2Label", "Engine"),
               KV("cn2", "4096"), KV("cs5Label", "Engine_Version"), KV("cs5", "9.950.1006"),
               KV("deviceFacility", "Apex One")},
    },
    {
        /* Built from the keys of the "CEF Virus/Malware Logs" page. */
        .name = "Apex Central AV:File quarantined, path ending in a backslash",
        .line = B("CEF:0|Trend Micro|Apex Central|2019|AV:File quarantined|TROJ_GEN.R002C0PKJ19|3|"
                  "rt=Nov 15 2019 02:47:21 GMT+00:00 dvchost=ApexOneServer01 dhost=CLIENT-01 "
                  "dst=10.201.86.151 act=File quarantined cs1Label=Scan_Type cs1=Real-time Scan "
                  "fname=invoice.exe filePath=C:\\\\Users\\\\alice\\\\Downloads\\\\ "
                  "duser=CORP\\\\alice"),
        HDR("0", "Trend Micro", "Apex Central", "2019", "AV:File quarantined",
            "TROJ_GEN.R002C0PKJ19", "3"),
        .ext = B(
            "rt=Nov 15 2019 02:47:21 GMT+00:00 dvchost=ApexOneServer01 dhost=CLIENT-01 "
            "dst=10.201.86.151 act=File quarantined cs1Label=Scan_Type cs1=Real-time Scan "
            "fname=invoice.exe filePath=C:\\\\Users\\\\alice\\\\Downloads\\\\ duser=CORP\\\\alice"),
        .kv = {KV("rt", "Nov 15 2019 02:47:21 GMT+00:00"), KV("dvchost", "ApexOneServer01"),
               KV("dhost", "CLIENT-01"), KV("dst", "10.201.86.151"), KV("act", "File quarantined"),
               KV("cs1Label", "Scan_Type"), KV("cs1", "Real-time Scan"), KV("fname", "invoice.exe"),
               KV("filePath", "C:\\Users\\alice\\Downloads\\"), KV("duser", "CORP\\alice")},
    },
    {
        .name = "Apex Central Spyware Detected: IPv6 with zone, escaped paths",
        .line = B("CEF:0|Trend Micro|Apex Central|2019|Spyware Detected|Spyware Detected|3|cnt=10 "
                  "cs1Label=VirusName cs1=ADW_OPENCANDY cs5Label=ActionResult cs5=Reboot system "
                  "successfully fname=F:\\\\Malware\\\\psas\\\\rsrc2.bin dhost=ApexOneClient01 "
                  "c6a3Label=SLP_DestinationIP c6a3=fe80::38ca:cd15:443c:40bb%11"),
        HDR("0", "Trend Micro", "Apex Central", "2019", "Spyware Detected", "Spyware Detected",
            "3"),
        .ext =
            B("cnt=10 cs1Label=VirusName cs1=ADW_OPENCANDY cs5Label=ActionResult cs5=Reboot "
              "system successfully fname=F:\\\\Malware\\\\psas\\\\rsrc2.bin dhost=ApexOneClient01 "
              "c6a3Label=SLP_DestinationIP c6a3=fe80::38ca:cd15:443c:40bb%11"),
        .kv = {KV("cnt", "10"), KV("cs1Label", "VirusName"), KV("cs1", "ADW_OPENCANDY"),
               KV("cs5Label", "ActionResult"), KV("cs5", "Reboot system successfully"),
               KV("fname", "F:\\Malware\\psas\\rsrc2.bin"), KV("dhost", "ApexOneClient01"),
               KV("c6a3Label", "SLP_DestinationIP"), KV("c6a3", "fe80::38ca:cd15:443c:40bb%11")},
    },
    {
        .name = "Apex Central PML:File cleaned, URL value",
        .line = B("CEF:0|Trend Micro|Apex Central|2019|PML:File cleaned|virusa|3|rt=Feb 14 2017 "
                  "11:14:08 GMT+00:00 dvchost=Sample_Host cs3Label=Infection Source "
                  "cs3=http://10.0.0.1/ suser=TREND\\\\User"),
        HDR("0", "Trend Micro", "Apex Central", "2019", "PML:File cleaned", "virusa", "3"),
        .ext = B("rt=Feb 14 2017 11:14:08 GMT+00:00 dvchost=Sample_Host cs3Label=Infection Source "
                 "cs3=http://10.0.0.1/ suser=TREND\\\\User"),
        .kv = {KV("rt", "Feb 14 2017 11:14:08 GMT+00:00"), KV("dvchost", "Sample_Host"),
               KV("cs3Label", "Infection Source"), KV("cs3", "http://10.0.0.1/"),
               KV("suser", "TREND\\User")},
    },
};

/* ---- every rule of cef.h, one at a time ------------------------------------------ */

static const struct cef_case rule_cases[] = {
    {
        .name = "version 1",
        .line = B("CEF:1|V|P|1.0|100|N|5|a=b"),
        HDR("1", "V", "P", "1.0", "100", "N", "5"),
        .ext = B("a=b"),
        .kv = {KV("a", "b")},
    },
    {
        .name = "version 0.1 and 26 (digits.digits, digits)",
        .line = B("CEF:0.1|V|P|1.0|100|N|5|a=b"),
        HDR("0.1", "V", "P", "1.0", "100", "N", "5"),
        .ext = B("a=b"),
        .kv = {KV("a", "b")},
    },
    {
        .name = "version 26 as in beats' standard message",
        .line =
            B("CEF:26|security|threatmanager|1.0|100|trojan successfully stopped|10|"
              "src=10.0.0.192 dst=12.121.122.82 spt=1232 eventId=1 in=4294967296 out=4294967296"),
        HDR("26", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext =
            B("src=10.0.0.192 dst=12.121.122.82 spt=1232 eventId=1 in=4294967296 out=4294967296"),
        .kv = {KV("src", "10.0.0.192"), KV("dst", "12.121.122.82"), KV("spt", "1232"),
               KV("eventId", "1"), KV("in", "4294967296"), KV("out", "4294967296")},
    },
    {
        .name = "spaces before the version are skipped",
        .line = B("CEF:   0|V|P|1|100|N|5|a=b"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=b"),
        .kv = {KV("a", "b")},
    },
    {
        .name = "no '|' after the severity: accepted, empty extension",
        .line = B("CEF:0|V|P|1|100|N|Very-High"),
        HDR("0", "V", "P", "1", "100", "N", "Very-High"),
        .ext = B(""),
    },
    {
        .name = "severity ending the input loses its CR LF",
        .line = B("CEF:0|V|P|1|100|N|10\r\n"),
        HDR("0", "V", "P", "1", "100", "N", "10"),
        .ext = B(""),
    },
    {
        .name = "header only with trailing '|' (beats headerOnly)",
        .line = B("CEF:26|security|threatmanager|1.0|100|trojan successfully stopped|10|"),
        HDR("26", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B(""),
    },
    {
        .name = "extension of only whitespace",
        .line = B("CEF:0|V|P|1|100|N|Unknown| \t  \t\r\n"),
        HDR("0", "V", "P", "1", "100", "N", "Unknown"),
        .ext = B(""),
    },
    {
        .name = "all header fields empty, one empty value",
        .line = B("CEF:0|||||||a="),
        HDR("0", "", "", "", "", "", ""),
        .ext = B("a="),
        .kv = {KV("a", "")},
    },
    {
        .name = "empty vendor and product (beats emptyDeviceFields)",
        .line = B("CEF:0|||1.0|100|trojan successfully stopped|10|src=10.0.0.192 dst=12.121.122.82 "
                  "spt=1232"),
        HDR("0", "", "", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src=10.0.0.192 dst=12.121.122.82 spt=1232"),
        .kv = {KV("src", "10.0.0.192"), KV("dst", "12.121.122.82"), KV("spt", "1232")},
    },
    {
        .name = "'=' in the header is plain",
        .line = B("CEF:26|security|threat=manager|1.0|100|trojan successfully stopped|10|"
                  "src=10.0.0.192"),
        HDR("26", "security", "threat=manager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src=10.0.0.192"),
        .kv = {KV("src", "10.0.0.192")},
    },
    {
        .name = "header \\| and \\\\ unescaped; extension \\n \\r \\\\ \\= (beats escapedMessage)",
        .line = B("CEF:0|security\\\\compliance|threat\\|->manager|1.0|100|message contains "
                  "escapes|10|spt=1232 msg=Newlines in messages\\nare allowed.\\r\\nAnd so are "
                  "carriage feeds\\\\newlines\\\\\\=."),
        HDR("0", "security\\compliance", "threat|->manager", "1.0", "100",
            "message contains escapes", "10"),
        .ext = B("spt=1232 msg=Newlines in messages\\nare allowed.\\r\\nAnd so are carriage "
                 "feeds\\\\newlines\\\\\\=."),
        .kv = {KV("spt", "1232"), KV("msg", "Newlines in messages\nare allowed.\r\nAnd so are "
                                            "carriage feeds\\newlines\\=.")},
    },
    {
        .name = "undefined header escape kept and flagged",
        .line = B("CEF:0|V|P|1|100|bad \\n and \\= escape|5|a=1"),
        HDR("0", "V", "P", "1", "100", "bad \\n and \\= escape", "5"),
        .ext = B("a=1"),
        .hflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("a", "1")},
    },
    {
        .name = "escaped backslash right before the delimiter",
        .line = B("CEF:0|V|P\\\\|1|100|N|5|a=1"),
        HDR("0", "V", "P\\", "1", "100", "N", "5"),
        .ext = B("a=1"),
        .kv = {KV("a", "1")},
    },
    {
        .name = "lone backslash ending the input kept and flagged",
        .line = B("CEF:0|V|P|1|100|N|5\\"),
        HDR("0", "V", "P", "1", "100", "N", "5\\"),
        .ext = B(""),
        .hflags = CG_CEF_BAD_ESCAPE,
    },
    {
        .name = "escaped pipe after the severity: the severity runs to the end",
        .line = B("CEF:0|V|P|1|100|N|5\\|a=1"),
        HDR("0", "V", "P", "1", "100", "N", "5|a=1"),
        .ext = B(""),
    },
    {
        .name = "empty value in the middle (beats emptyExtensionValue)",
        .line = B("CEF:26|security|threatmanager|1.0|100|trojan successfully stopped|10|"
                  "src=10.0.0.192 dst= spt=1232"),
        HDR("26", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src=10.0.0.192 dst= spt=1232"),
        .kv = {KV("src", "10.0.0.192"), KV("dst", ""), KV("spt", "1232")},
    },
    {
        .name = "empty first and last values",
        .line = B("CEF:26|security|threat=manager|1.0|100|trojan successfully stopped|10|src= "
                  "dst=12.121.122.82 spt="),
        HDR("26", "security", "threat=manager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src= dst=12.121.122.82 spt="),
        .kv = {KV("src", ""), KV("dst", "12.121.122.82"), KV("spt", "")},
    },
    {
        .name = "a value of one space: two spaces, the last separates",
        .line = B("CEF:0|V|P|1|100|N|5|a=  b=1"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=  b=1"),
        .kv = {KV("a", " "), KV("b", "1")},
    },
    {
        .name = "spaces and tabs between the last '|' and the first key are skipped",
        .line = B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10| \t "
                  "src=10.0.0.192 dst=12.121.122.82 spt=1232"),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src=10.0.0.192 dst=12.121.122.82 spt=1232"),
        .kv = {KV("src", "10.0.0.192"), KV("dst", "12.121.122.82"), KV("spt", "1232")},
    },
    {
        .name = "trailing tab, space, CR, LF end the last value (beats crlfMessage)",
        .line = B("CEF:0|security|threatmanager|1.0|100|message is padded|10|spt=1232 msg=Trailing "
                  "space in final extensions is not preserved\t \r\n"),
        HDR("0", "security", "threatmanager", "1.0", "100", "message is padded", "10"),
        .ext = B("spt=1232 msg=Trailing space in final extensions is not preserved"),
        .kv = {KV("spt", "1232"), KV("msg", "Trailing space in final extensions is not preserved")},
    },
    {
        .name = "tab, CR, LF inside a value are data (beats tabMessage)",
        .line = B("CEF:0|security|threatmanager|1.0|100|message is padded|10|spt=1232 "
                  "msg=Tabs\tand\rcontrol\ncharacters are preserved\t src=127.0.0.1"),
        HDR("0", "security", "threatmanager", "1.0", "100", "message is padded", "10"),
        .ext = B("spt=1232 msg=Tabs\tand\rcontrol\ncharacters are preserved\t src=127.0.0.1"),
        .kv = {KV("spt", "1232"), KV("msg", "Tabs\tand\rcontrol\ncharacters are preserved\t"),
               KV("src", "127.0.0.1")},
    },
    {
        .name = "a tab does not separate pairs",
        .line =
            B("CEF:0|security|threatmanager|1.0|100|message has tabs|10|spt=1232 msg=Tab is not "
              "a separator\tsrc=127.0.0.1"),
        HDR("0", "security", "threatmanager", "1.0", "100", "message has tabs", "10"),
        .ext = B("spt=1232 msg=Tab is not a separator\tsrc=127.0.0.1"),
        .kv = {KV("spt", "1232"), KV("msg", "Tab is not a separator\tsrc=127.0.0.1")},
    },
    {
        .name = "pipes in the extension need no escape (beats pipeInMessage)",
        .line =
            B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|moo=this|has "
              "an pipe"),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("moo=this|has an pipe"),
        .kv = {KV("moo", "this|has an pipe")},
    },
    {
        .name = "\\| in the extension is undefined: kept and flagged",
        .line =
            B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|moo=this\\|has "
              "an escaped pipe"),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("moo=this\\|has an escaped pipe"),
        .xflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("moo", "this\\|has an escaped pipe")},
    },
    {
        .name = "unescaped '=' after spaces stays in the value (beats equalsInMessage)",
        .line =
            B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|moo=this =has "
              "= equals\\="),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("moo=this =has = equals\\="),
        .kv = {KV("moo", "this =has = equals=")},
    },
    {
        .name = "\\= and \\\\ in values (beats escapesInExtension)",
        .line = B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|msg=a+b\\=c "
                  "x=c\\\\d\\=z"),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("msg=a+b\\=c x=c\\\\d\\=z"),
        .kv = {KV("msg", "a+b=c"), KV("x", "c\\d=z")},
    },
    {
        .name = "malformed values are kept whole (beats malformedExtensionEscape)",
        .line = B("CEF:0|FooBar|Web Gateway|1.2.3.45.67|200|Success|2|rt=Sep 07 2018 14:50:39 "
                  "cat=Access Log dst=1.1.1.1 dhost=foo.example.com suser=redacted src=2.2.2.2 "
                  "requestMethod=POST request='https://foo.example.com/bar/bingo/1' "
                  "requestClientApplication='Foo-Bar/2018.1.7; =Email:user@example.com; "
                  "Guid:test=' cs1= cs1Label=Foo Bar"),
        HDR("0", "FooBar", "Web Gateway", "1.2.3.45.67", "200", "Success", "2"),
        .ext = B("rt=Sep 07 2018 14:50:39 cat=Access Log dst=1.1.1.1 dhost=foo.example.com "
                 "suser=redacted src=2.2.2.2 requestMethod=POST "
                 "request='https://foo.example.com/bar/bingo/1' "
                 "requestClientApplication='Foo-Bar/2018.1.7; =Email:user@example.com; "
                 "Guid:test=' cs1= cs1Label=Foo Bar"),
        .kv = {KV("rt", "Sep 07 2018 14:50:39"), KV("cat", "Access Log"), KV("dst", "1.1.1.1"),
               KV("dhost", "foo.example.com"), KV("suser", "redacted"), KV("src", "2.2.2.2"),
               KV("requestMethod", "POST"), KV("request", "'https://foo.example.com/bar/bingo/1'"),
               KV("requestClientApplication",
                  "'Foo-Bar/2018.1.7; =Email:user@example.com; Guid:test='"),
               KV("cs1", ""), KV("cs1Label", "Foo Bar")},
    },
    {
        .name = "'==' and '<=' in values (beats multipleMalformedExtensionValues)",
        .line = B("CEF:0|vendor|product|version|event_id|name|Very-High| msg=Hello World "
                  "error=Failed because id==old_id user=root angle=106.7<=180"),
        HDR("0", "vendor", "product", "version", "event_id", "name", "Very-High"),
        .ext = B("msg=Hello World error=Failed because id==old_id user=root angle=106.7<=180"),
        .kv = {KV("msg", "Hello World"), KV("error", "Failed because"), KV("id", "=old_id"),
               KV("user", "root"), KV("angle", "106.7<=180")},
    },
    {
        .name = "URL with query: '=' after a non-space stays in the value",
        .line = B("CEF:0|V|P|1|100|N|5|request=http://x.example/p?a=b&c=d&e= act=blocked"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("request=http://x.example/p?a=b&c=d&e= act=blocked"),
        .kv = {KV("request", "http://x.example/p?a=b&c=d&e="), KV("act", "blocked")},
    },
    {
        .name = "cs1=a=b=c",
        .line = B("CEF:0|V|P|1|100|N|5|cs1=a=b=c cs2=d"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("cs1=a=b=c cs2=d"),
        .kv = {KV("cs1", "a=b=c"), KV("cs2", "d")},
    },
    {
        .name = "key characters: . _ - [ ]",
        .line = B("CEF:0|V|P|1|100|N|5|ad.nn=1 _cefVer=0.1 my-key=v arr[0]=x"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("ad.nn=1 _cefVer=0.1 my-key=v arr[0]=x"),
        .kv = {KV("ad.nn", "1"), KV("_cefVer", "0.1"), KV("my-key", "v"), KV("arr[0]", "x")},
    },
    {
        /* logstash-codec-cef spec/codecs/cef_spec.rb "should keep ad.fields": an ArcSight
         * connector's Windows authentication event; logstash and elastic/beats (cef.rl
         * extension_key_chars) keep "ad.Error_,Code" whole. It used to swallow dst. */
        .name = "key characters: ',' (ad.Error_,Code), '.', '[ ]'",
        .line = B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|"
                  "src=10.0.0.192 additional.dotfieldName=new_value "
                  "ad.Authentification=MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 "
                  "ad.Error_,Code=3221225578 dst=12.121.122.82 ad.field[0]=field0 "
                  "ad.name[1]=new_name"),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src=10.0.0.192 additional.dotfieldName=new_value "
                 "ad.Authentification=MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 "
                 "ad.Error_,Code=3221225578 dst=12.121.122.82 ad.field[0]=field0 "
                 "ad.name[1]=new_name"),
        .kv = {KV("src", "10.0.0.192"), KV("additional.dotfieldName", "new_value"),
               KV("ad.Authentification", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"),
               KV("ad.Error_,Code", "3221225578"), KV("dst", "12.121.122.82"),
               KV("ad.field[0]", "field0"), KV("ad.name[1]", "new_name")},
    },
    {
        /* the same spec's "random values alongside additional fields": a value with runs of
         * spaces and escaped '=' before the comma key */
        .name = "a comma key after a value with spaces and \\=",
        .line = B("CEF:0|security|threatmanager|1.0|100|trojan successfully stopped|10|"
                  "src=10.0.0.192 cs4=401 random.user Admin 0 23041A10181C0000  "
                  "23041810181C0000  /CN\\=random.user/OU\\=User Login End-Entity  "
                  "/CN\\=TEST/OU\\=Login CA TEST 34 ad.Error_,Code=3221225578 dst=12.121.122.82"),
        HDR("0", "security", "threatmanager", "1.0", "100", "trojan successfully stopped", "10"),
        .ext = B("src=10.0.0.192 cs4=401 random.user Admin 0 23041A10181C0000  "
                 "23041810181C0000  /CN\\=random.user/OU\\=User Login End-Entity  "
                 "/CN\\=TEST/OU\\=Login CA TEST 34 ad.Error_,Code=3221225578 dst=12.121.122.82"),
        .kv = {KV("src", "10.0.0.192"),
               KV("cs4", "401 random.user Admin 0 23041A10181C0000  23041810181C0000  "
                         "/CN=random.user/OU=User Login End-Entity  /CN=TEST/OU=Login CA TEST 34"),
               KV("ad.Error_,Code", "3221225578"), KV("dst", "12.121.122.82")},
    },
    {
        .name = "commas inside a value are value text; a comma word before '=' is a key",
        .line = B("CEF:0|V|P|1|100|N|5|msg=lastModified,sha1,size cs1=a,b=c x,=1 ,y=2"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("msg=lastModified,sha1,size cs1=a,b=c x,=1 ,y=2"),
        .kv = {KV("msg", "lastModified,sha1,size"), KV("cs1", "a,b=c"), KV("x,", "1"),
               KV(",y", "2")},
    },
    {
        .name = "a word with a non-key character before '=' is value text",
        .line = B("CEF:0|V|P|1|100|N|5|a=b b:c=1 d/e=2 msg=see http://x/?a=b u@h=1 f=3"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=b b:c=1 d/e=2 msg=see http://x/?a=b u@h=1 f=3"),
        .kv = {KV("a", "b b:c=1 d/e=2"), KV("msg", "see http://x/?a=b u@h=1"), KV("f", "3")},
    },
    {
        .name = "\\= right after a word does not make it a key",
        .line = B("CEF:0|V|P|1|100|N|5|a=x y\\=z b=1"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=x y\\=z b=1"),
        .kv = {KV("a", "x y=z"), KV("b", "1")},
    },
    {
        .name = "text before the first key is dropped and flagged",
        .line = B("CEF:0|V|P|1|100|N|5|garbage here src=1"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("garbage here src=1"),
        .xflags = CG_CEF_EXT_JUNK,
        .kv = {KV("src", "1")},
    },
    {
        .name = "an extension without any key is junk",
        .line = B("CEF:0|V|P|1|100|N|5|just some text"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("just some text"),
        .xflags = CG_CEF_EXT_JUNK,
    },
    {
        .name = "'=' first is not a key",
        .line = B("CEF:0|V|P|1|100|N|5|=x a=b"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("=x a=b"),
        .xflags = CG_CEF_EXT_JUNK,
        .kv = {KV("a", "b")},
    },
    {
        .name = "an empty header field then '|' opening the extension: junk",
        .line = B("CEF:0|V|P|1|100|N|5||a=1"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("|a=1"),
        .xflags = CG_CEF_EXT_JUNK,
    },
    {
        .name = "duplicate keys: the first wins",
        .line = B("CEF:0|V|P|1|100|N|5|a=1 b=2 a=3"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=1 b=2 a=3"),
        .kv = {KV("a", "1"), KV("b", "2")},
        .dups = 1,
    },
    {
        .name = "field bound: the rest is counted",
        .line = B("CEF:0|V|P|1|100|N|5|a=1 b=2\\\\ c=3 d=4\\\\ e=5"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=1 b=2\\\\ c=3 d=4\\\\ e=5"),
        .kv = {KV("a", "1"), KV("b", "2\\"), KV("c", "3")},
        .max = 3,
        .limit = 2,
    },
    {
        .name = "quotes are data",
        .line = B("CEF:0|V|P|1|100|N|5|cs1=\"CVE-2022-30522\" msg='x y'"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("cs1=\"CVE-2022-30522\" msg='x y'"),
        .kv = {KV("cs1", "\"CVE-2022-30522\""), KV("msg", "'x y'")},
    },
    {
        .name = "UTF-8 is just bytes",
        .line = B("CEF:0|Ven\xc3\xa9|P|1|100|\xe6\x97\xa5\xe6\x9c\xac|5|suser=J\xc3\xb6rg "
                  "msg=\xc3\x84rger "
                  "\xc3\xbc"
                  "ber \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
        HDR("0", "Ven\xc3\xa9", "P", "1", "100", "\xe6\x97\xa5\xe6\x9c\xac", "5"),
        .ext = B("suser=J\xc3\xb6rg msg=\xc3\x84rger \xc3\xbc"
                 "ber \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
        .kv = {KV("suser", "J\xc3\xb6rg"), KV("msg", "\xc3\x84rger \xc3\xbc"
                                                     "ber \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e")},
    },
    {
        .name = "invalid UTF-8 is kept byte for byte",
        .line = B("CEF:0|V\xff|P|1|100|N|5|msg=\xff\xfe\x80 a=\xc3"),
        HDR("0", "V\xff", "P", "1", "100", "N", "5"),
        .ext = B("msg=\xff\xfe\x80 a=\xc3"),
        .kv = {KV("msg", "\xff\xfe\x80"), KV("a", "\xc3")},
    },
    {
        .name = "NUL bytes in header and values are data",
        .line = B("CEF:0|V\0X|P|1|100|N|5|msg=a\0b c=\0"),
        HDR("0", "V\0X", "P", "1", "100", "N", "5"),
        .ext = B("msg=a\0b c=\0"),
        .kv = {KV("msg", "a\0b"), KV("c", "\0")},
    },
    {
        .name = "undefined extension escapes \\/ \\t \\, kept and flagged",
        .line = B("CEF:0|V|P|1|100|N|5|request=http:\\/\\/x\\/a msg=a\\tb\\,c"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("request=http:\\/\\/x\\/a msg=a\\tb\\,c"),
        .xflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("request", "http:\\/\\/x\\/a"), KV("msg", "a\\tb\\,c")},
    },
    {
        .name = "lone trailing backslash of the last value kept and flagged",
        .line = B("CEF:0|V|P|1|100|N|5|a=1 b=x\\"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=1 b=x\\"),
        .xflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("a", "1"), KV("b", "x\\")},
    },
    {
        .name = "policy: a space after a backslash still separates",
        .line = B("CEF:0|V|P|1|100|N|5|cs1=C:\\dir\\ dst=1.2.3.4"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("cs1=C:\\dir\\ dst=1.2.3.4"),
        .xflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("cs1", "C:\\dir\\"), KV("dst", "1.2.3.4")},
    },
    {
        .name = "escaped backslash before the separating space",
        .line = B("CEF:0|V|P|1|100|N|5|a=x\\\\ b=1"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("a=x\\\\ b=1"),
        .kv = {KV("a", "x\\"), KV("b", "1")},
    },
    {
        .name = "\\r\\n escapes and a value ending in \\=",
        .line = B("CEF:0|V|P|1|100|N|5|msg=l1\\r\\nl2 k=v\\="),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("msg=l1\\r\\nl2 k=v\\="),
        .kv = {KV("msg", "l1\r\nl2"), KV("k", "v=")},
    },
};

/* ---- liblognorm 2.0.6 (Debian 12) bugs, vendor-formats.md items 1-8 --------------- */

static const struct cef_case lognorm_cases[] = {
    {
        .name = "lognorm#1: first key right after '|' keeps its first character",
        .line = B("CEF:0|Trend Micro|Deep Security Agent|20.0|4000000|Eicar|6|cn1=1 src=10.0.0.1"),
        HDR("0", "Trend Micro", "Deep Security Agent", "20.0", "4000000", "Eicar", "6"),
        .ext = B("cn1=1 src=10.0.0.1"),
        .kv = {KV("cn1", "1"), KV("src", "10.0.0.1")},
    },
    {
        .name = "lognorm#2: empty last value does not reject the line",
        .line = B("CEF:0|V|P|1|100|N|5|src=1.2.3.4 dpt="),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("src=1.2.3.4 dpt="),
        .kv = {KV("src", "1.2.3.4"), KV("dpt", "")},
    },
    {
        .name = "lognorm#3: \\/ \\, \\| escapes do not reject the line",
        .line = B("CEF:0|V|P|1|100|N|5|request=https:\\/\\/a msg=x\\,y\\|z src=1.2.3.4"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("request=https:\\/\\/a msg=x\\,y\\|z src=1.2.3.4"),
        .xflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("request", "https:\\/\\/a"), KV("msg", "x\\,y\\|z"), KV("src", "1.2.3.4")},
    },
    {
        .name = "lognorm#4: unescaped '=' in a URL and cs1=a=b=c",
        .line = B("CEF:0|V|P|1|100|N|5|request=http://h/?q=1&r=2 cs1=a=b=c"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("request=http://h/?q=1&r=2 cs1=a=b=c"),
        .kv = {KV("request", "http://h/?q=1&r=2"), KV("cs1", "a=b=c")},
    },
    {
        .name = "lognorm#5: CEF:1 is CEF",
        .line = B("CEF:1|V|P|1|100|N|5|src=1.2.3.4"),
        HDR("1", "V", "P", "1", "100", "N", "5"),
        .ext = B("src=1.2.3.4"),
        .kv = {KV("src", "1.2.3.4")},
    },
    {
        .name = "lognorm#5: the rsyslog file form 'CEF: 0|' is CEF",
        .line = B("CEF: 0|V|P|1|100|N|5|src=1.2.3.4"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("src=1.2.3.4"),
        .kv = {KV("src", "1.2.3.4")},
    },
    {
        .name = "lognorm#6: a key containing '-'",
        .line = B("CEF:0|V|P|1|100|N|5|x-forwarded-for=10.1.1.1 src=1.2.3.4"),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("x-forwarded-for=10.1.1.1 src=1.2.3.4"),
        .kv = {KV("x-forwarded-for", "10.1.1.1"), KV("src", "1.2.3.4")},
    },
    {
        .name = "lognorm#7: trailing whitespace is not part of the last value",
        .line = B("CEF:0|V|P|1|100|N|5|src=1.1.1.1 dst=2.2.2.2 "),
        HDR("0", "V", "P", "1", "100", "N", "5"),
        .ext = B("src=1.1.1.1 dst=2.2.2.2"),
        .kv = {KV("src", "1.1.1.1"), KV("dst", "2.2.2.2")},
    },
    {
        .name = "lognorm#8: other header escapes do not reject the line",
        .line = B("CEF:0|V\\/x|P|1|100|a \\| b \\\\ c \\t|5|src=1.2.3.4"),
        HDR("0", "V\\/x", "P", "1", "100", "a | b \\ c \\t", "5"),
        .ext = B("src=1.2.3.4"),
        .hflags = CG_CEF_BAD_ESCAPE,
        .kv = {KV("src", "1.2.3.4")},
    },
};

/* ---- rejects -------------------------------------------------------------------- */

static const struct cef_case reject_cases[] = {
    {.name = "reject: empty input", .line = B("CEF:"), .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: version not a number",
     .line = B("CEF:x|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: empty version",
     .line = B("CEF:|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: version '0.'",
     .line = B("CEF:0.|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: version '.1'",
     .line = B("CEF:.1|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: version '1.2.3'",
     .line = B("CEF:1.2.3|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: version '-1'",
     .line = B("CEF:-1|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject (policy): space after the version",
     .line = B("CEF:0 |V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject (policy): tab before the version",
     .line = B("CEF:\t0|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: escaped pipe in the version",
     .line = B("CEF:0\\|V|P|1|100|N|5|a=1"),
     .rej = CG_REJ_CEF_BAD_VERSION},
    {.name = "reject: only a version", .line = B("CEF:0"), .rej = CG_REJ_CEF_TRUNCATED},
    {.name = "reject: version and '|'", .line = B("CEF:1|"), .rej = CG_REJ_CEF_TRUNCATED},
    {.name = "reject: six fields", .line = B("CEF:0|V|P|1|100|N"), .rej = CG_REJ_CEF_TRUNCATED},
    {.name = "reject: an escaped pipe leaves six fields",
     .line = B("CEF:0|V|P|1|100|N\\|5"),
     .rej = CG_REJ_CEF_TRUNCATED},
    {.name = "reject: truncated header with key=value text (beats truncatedHeader)",
     .line = B("CEF:0|SentinelOne|Mgmt|activityID=1111111111111111111 activityType=3505 "
               "siteId=None siteName=None accountId=1222222222222222222 accountName=foo-bar mdr "
               "notificationScope=ACCOUNT"),
     .rej = CG_REJ_CEF_TRUNCATED},
    {.name = "reject: beats fuzz0 'a=\\\\ b|'",
     .line = B("CEF:0|a=\\\\ b|"),
     .rej = CG_REJ_CEF_TRUNCATED},
    {.name = "reject: beats fuzz1 '\\|a=|b='",
     .line = B("CEF:0|\\|a=|b="),
     .rej = CG_REJ_CEF_TRUNCATED},
};

/* ---- runner ----------------------------------------------------------------------- */

static void expect_str(const struct cef_case *c, const char *what, struct cg_str got,
                       struct bytes want)
{
    if (got.n == want.n && (want.n == 0 || (got.p && memcmp(got.p, want.p, want.n) == 0)))
        return;
    print_error("[%s] %s: got [%.*s] (%zu bytes), want [%.*s] (%zu bytes)\n", c->name, what,
                (int)got.n, got.p ? got.p : "", got.n, (int)want.n, want.p, want.n);
    fail();
}

/* Do two headers agree field by field (bytes, flags)? */
static void same_header(const struct cg_cef *x, const struct cg_cef *y)
{
    const struct cg_str *a[8] = {&x->version,  &x->vendor, &x->product,  &x->product_version,
                                 &x->event_id, &x->name,   &x->severity, &x->ext};
    const struct cg_str *b[8] = {&y->version,  &y->vendor, &y->product,  &y->product_version,
                                 &y->event_id, &y->name,   &y->severity, &y->ext};
    for (int i = 0; i < 8; i++)
        assert_true(cg_str_eq(*a[i], *b[i]) && (a[i]->p == NULL) == (b[i]->p == NULL));
    assert_int_equal(x->flags, y->flags);
}

/* The header cache (cef.h) must not change a result: a cold cache, then the same
 * cache on a second copy of the line (a hit when the start has no backslash),
 * whose views must point into that copy. */
static void same_as_cached(const char *buf, size_t n, const struct cg_cef *want,
                           enum cg_reject want_rej, struct cg_arena *a)
{
    struct cg_cef_cache cache;
    cg_cef_cache_init(&cache);
    struct cg_cef h;
    assert_int_equal(cg_cef_decode_header_cached(buf, n, &h, a, &cache), want_rej);
    same_header(&h, want);
    char *again = copy_exact(buf, n);
    bool has_bs = n > 0 && memchr(buf, '\\', n) != NULL;
    assert_int_equal(cg_cef_decode_header_cached(again, n, &h, a, &cache), want_rej);
    same_header(&h, want);
    if (!has_bs) {
        const struct cg_str *v[7] = {&h.version,  &h.vendor, &h.product, &h.product_version,
                                     &h.event_id, &h.name,   &h.severity};
        for (int i = 0; i < 7; i++)
            assert_true(!v[i]->p || inside(*v[i], again, n));
    }
    free(again);
}

static void run_case(void **state)
{
    const struct cef_case *c = *state;
    assert_true(c->line.n >= 4 && memcmp(c->line.p, "CEF:", 4) == 0);
    size_t n = c->line.n - 4;
    char *buf = copy_exact(c->line.p + 4, n);
    bool has_bs = n > 0 && memchr(buf, '\\', n) != NULL;
    struct cg_arena a;
    cg_arena_init(&a);

    struct cg_cef h;
    enum cg_reject r = cg_cef_decode_header(buf, n, &h, &a);
    if (r != c->rej)
        print_error("[%s] reject %s, want %s\n", c->name, cg_reject_name(r),
                    cg_reject_name(c->rej));
    assert_int_equal(r, c->rej);
    same_as_cached(buf, n, &h, r, &a);
    if (r != CG_REJ_NONE)
        goto out;

    const struct cg_str *got[7] = {&h.version,  &h.vendor, &h.product, &h.product_version,
                                   &h.event_id, &h.name,   &h.severity};
    static const char *const names[7] = {"version",  "vendor", "product", "product_version",
                                         "event_id", "name",   "severity"};
    for (int i = 0; i < 7; i++) {
        expect_str(c, names[i], *got[i], c->hdr[i]);
        if (!has_bs)
            assert_true(inside(*got[i], buf, n)); /* no escape: a view, no copy */
    }
    expect_str(c, "ext", h.ext, c->ext);
    assert_true(inside(h.ext, buf, n));
    assert_int_equal(h.flags, c->hflags);

    struct cg_fields f;
    cg_fields_init(&f, c->max);
    unsigned xflags = 0;
    assert_int_equal(cg_cef_decode_ext(h.ext, &f, &a, &xflags), CG_OK);
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
        assert_true(inside(f.v[i].key, buf, n));
        if (!has_bs)
            assert_true(inside(f.v[i].val, buf, n));
    }
    assert_int_equal(xflags, c->xflags);
    assert_int_equal(f.dup_dropped, c->dups);
    assert_int_equal(f.limit_dropped, c->limit);
    cg_fields_fini(&f);
out:
    cg_arena_fini(&a);
    free(buf);
}

/* ---- hostile input ------------------------------------------------------------------ */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Generous: catches quadratic behaviour (seconds to minutes), not a slow CI. */
#define HOSTILE_SECONDS 2.0

struct decoded {
    enum cg_reject rej;
    struct cg_cef h;
    struct cg_fields f;
    unsigned xflags;
    double seconds;
};

/* Decodes p/n (after "CEF:") from an exactly-sized copy; *buf keeps the copy
 * alive for the caller's checks. */
static void decode(const char *p, size_t n, size_t max, struct decoded *d, struct cg_arena *a,
                   char **buf)
{
    *buf = copy_exact(p, n);
    cg_fields_init(&d->f, max);
    d->xflags = 0;
    double t0 = now_sec();
    d->rej = cg_cef_decode_header(*buf, n, &d->h, a);
    if (d->rej == CG_REJ_NONE)
        assert_int_equal(cg_cef_decode_ext(d->h.ext, &d->f, a, &d->xflags), CG_OK);
    d->seconds = now_sec() - t0;
}

static void check_invariants(const struct decoded *d, const char *buf, size_t n)
{
    static const unsigned char key_ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_.-[]";
    assert_true(d->f.n <= d->f.max);
    for (size_t i = 0; i < d->f.n; i++) {
        struct cg_str k = d->f.v[i].key, v = d->f.v[i].val;
        assert_true(k.n > 0 && inside(k, buf, n));
        for (size_t j = 0; j < k.n; j++)
            assert_non_null(memchr(key_ok, k.p[j], sizeof(key_ok) - 1));
        assert_true(v.p != NULL && v.n <= n);
        for (size_t j = 0; j < i; j++)
            assert_false(cg_str_eq(d->f.v[j].key, k));
    }
}

static const struct bytes long_lines[] = {
    B(" 0|Trend Micro|Deep Security Manager|12.0.383|2205|Security Update: Pattern Update on "
      "Agents/Appliances Failed|6|" DS2205_EXT),
    B("0|Trend Micro|Deep Security Agent|<DSA version>|4000000|Eicar_test_file|6|" DS_AM_EXT),
    B("0|security\\\\compliance|threat\\|->manager|1.0|100|message contains escapes|10|spt=1232 "
      "msg=Newlines in messages\\nare allowed.\\r\\nAnd so are carriage feeds\\\\newlines\\\\\\=. "
      "a=\\ b=\\\\ c=x\\= d=  e= f=\\/ g=a=b h=\\"),
    B("0|V|P|1|100|N|5|  junk =x a=1   b=2\tc=3 d=\xff\0\x80 e=\\\\\\\\\\\\ f=\\n\\r\\= g=|h| "
      "\r\n"),
};

/* Every prefix of long lines, each in an exactly-sized buffer: a decode that
 * reads at or past n fails under ASan. */
static void every_prefix(void **state)
{
    (void)state;
    struct cg_arena a;
    cg_arena_init(&a);
    for (size_t l = 0; l < CG_ARRAY_LEN(long_lines); l++) {
        for (size_t n = 0; n <= long_lines[l].n; n++) {
            struct decoded d;
            char *buf;
            decode(long_lines[l].p, n, 0, &d, &a, &buf);
            assert_true(d.rej == CG_REJ_NONE || d.rej == CG_REJ_CEF_TRUNCATED ||
                        d.rej == CG_REJ_CEF_BAD_VERSION);
            check_invariants(&d, buf, n);
            /* The extension decoder alone, on the same prefix. */
            struct cg_fields f2;
            cg_fields_init(&f2, 4);
            unsigned fl = 0;
            assert_int_equal(cg_cef_decode_ext(cg_str_make(buf, n), &f2, &a, &fl), CG_OK);
            cg_fields_fini(&f2);
            cg_fields_fini(&d.f);
            free(buf);
            cg_arena_reset(&a);
        }
    }
    /* The DS line's header is complete from the prefix ending at its 7th '|'. */
    struct decoded d;
    char *buf;
    decode(long_lines[0].p, long_lines[0].n, 0, &d, &a, &buf);
    assert_int_equal(d.rej, CG_REJ_NONE);
    assert_int_equal(d.f.n, 6);
    cg_fields_fini(&d.f);
    free(buf);
    cg_arena_fini(&a);
}

/* Appends formatted text to a growing buffer. */
struct text {
    char *p;
    size_t n, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
}

/* Appends "k<k>=<pre><v><post> ". */
static void put_pair(struct text *t, unsigned long k, const char *pre, unsigned long v,
                     const char *post)
{
    char tmp[96];
    int len = snprintf(tmp, sizeof(tmp), "k%lu=%s%lu%s ", k, pre, v, post);
    assert_true(len > 0 && (size_t)len < sizeof(tmp));
    put(t, tmp, (size_t)len);
}

static void value_of_1_mib(void **state)
{
    (void)state;
    struct text t = {0};
    put(&t, "0|V|P|1|100|N|5|msg=", 20);
    for (size_t i = 0; i < (1u << 20); i++)
        put(&t, &"abcdefgh ij"[i % 11], 1);
    put(&t, " dst=1.2.3.4", 12);
    struct cg_arena a;
    cg_arena_init(&a);
    struct decoded d;
    char *buf;
    decode(t.p, t.n, 0, &d, &a, &buf);
    assert_int_equal(d.rej, CG_REJ_NONE);
    assert_int_equal(d.f.n, 2);
    assert_int_equal(d.f.v[0].val.n, 1u << 20);
    assert_memory_equal(d.f.v[0].val.p, buf + 20, 1u << 20);
    assert_true(cg_str_eqz(d.f.v[1].val, "1.2.3.4"));
    assert_true(d.seconds < HOSTILE_SECONDS);
    cg_fields_fini(&d.f);
    free(buf);
    cg_arena_fini(&a);
    free(t.p);
}

static void value_of_64_kib_with_backslashes(void **state)
{
    (void)state;
    /* 64 KiB of "\\\\" pairs, then "\\=" pairs, then a lone backslash: the value
     * is half as long, one byte per pair, plus the kept lone backslash. */
    struct text t = {0};
    put(&t, "0|V|P|1|100|N|5|a=", 18);
    for (size_t i = 0; i < 16384; i++)
        put(&t, "\\\\", 2);
    for (size_t i = 0; i < 16384; i++)
        put(&t, "\\=", 2);
    put(&t, "\\", 1);
    struct cg_arena a;
    cg_arena_init(&a);
    struct decoded d;
    char *buf;
    decode(t.p, t.n, 0, &d, &a, &buf);
    assert_int_equal(d.rej, CG_REJ_NONE);
    assert_int_equal(d.f.n, 1);
    struct cg_str v = d.f.v[0].val;
    assert_int_equal(v.n, 32769);
    for (size_t i = 0; i < 16384; i++)
        assert_int_equal(v.p[i], '\\');
    for (size_t i = 16384; i < 32768; i++)
        assert_int_equal(v.p[i], '=');
    assert_int_equal(v.p[32768], '\\');
    assert_int_equal(d.xflags, CG_CEF_BAD_ESCAPE);
    assert_true(d.seconds < HOSTILE_SECONDS);
    cg_fields_fini(&d.f);
    free(buf);

    /* 1 MiB of nothing but backslashes, in the header and in a value. */
    free(t.p);
    t = (struct text){0};
    put(&t, "0|V|P|1|100|", 12);
    for (size_t i = 0; i < (1u << 20); i++)
        put(&t, "\\", 1);
    put(&t, "|5|a=", 5);
    for (size_t i = 0; i < (1u << 20); i++)
        put(&t, "\\", 1);
    cg_arena_reset(&a);
    decode(t.p, t.n, 0, &d, &a, &buf);
    /* the header's even run of backslashes unescapes to half; the '|' after it
     * is a real delimiter */
    assert_int_equal(d.rej, CG_REJ_NONE);
    assert_int_equal(d.h.name.n, 1u << 19);
    assert_int_equal(d.f.n, 1);
    assert_int_equal(d.f.v[0].val.n, 1u << 19);
    assert_true(d.seconds < HOSTILE_SECONDS);
    cg_fields_fini(&d.f);
    free(buf);
    cg_arena_fini(&a);
    free(t.p);
}

static void hundred_thousand_keys(void **state)
{
    (void)state;
    struct text t = {0};
    put(&t, "0|V|P|1|100|N|5|", 16);
    for (unsigned long i = 0; i < 100000; i++)
        put_pair(&t, i, "v", i, "");
    struct cg_arena a;
    cg_arena_init(&a);
    struct decoded d;
    char *buf;
    decode(t.p, t.n, 0, &d, &a, &buf);
    assert_int_equal(d.rej, CG_REJ_NONE);
    assert_int_equal(d.f.n, CG_FIELDS_DEFAULT_MAX);
    assert_int_equal(d.f.limit_dropped, 100000 - CG_FIELDS_DEFAULT_MAX);
    assert_int_equal(d.f.dup_dropped, 0);
    assert_true(cg_str_eqz(d.f.v[0].key, "k0") && cg_str_eqz(d.f.v[0].val, "v0"));
    assert_true(cg_str_eqz(d.f.v[1023].key, "k1023") && cg_str_eqz(d.f.v[1023].val, "v1023"));
    assert_true(d.seconds < HOSTILE_SECONDS);
    cg_fields_fini(&d.f);
    free(buf);
    cg_arena_fini(&a);
    free(t.p);
}

/* A thousand distinct keys, then 200,000 repeats of them. A linear duplicate
 * search makes every repeat cost a thousand compares; the decoder must stay
 * within a small factor of a line of the same size whose keys are all
 * distinct (those past the bound cost nothing). Timing a ratio keeps the test
 * meaningful under sanitizers and on slow machines. The fields must equal
 * what plain cg_fields_add() calls give. */
static void many_duplicate_keys(void **state)
{
    (void)state;
    enum { DISTINCT = 1000, PAIRS = 201000 };
    struct text dup = {0}, uniq = {0};
    put(&dup, "0|V|P|1|100|N|5|", 16);
    put(&uniq, "0|V|P|1|100|N|5|", 16);
    for (unsigned long i = 0; i < PAIRS; i++) {
        put_pair(&dup, i < DISTINCT ? i : (i * 7919) % DISTINCT, "", i, "\\\\");
        put_pair(&uniq, i, "", i, "\\\\");
    }
    struct cg_arena a;
    cg_arena_init(&a);
    struct decoded d, u;
    char *dbuf, *ubuf;
    decode(uniq.p, uniq.n, 0, &u, &a, &ubuf);
    assert_int_equal(u.f.n, CG_FIELDS_DEFAULT_MAX);
    assert_int_equal(u.f.limit_dropped, PAIRS - CG_FIELDS_DEFAULT_MAX);
    cg_arena_reset(&a);
    decode(dup.p, dup.n, 0, &d, &a, &dbuf);
    assert_int_equal(d.rej, CG_REJ_NONE);
    assert_int_equal(d.f.n, DISTINCT);
    assert_int_equal(d.f.dup_dropped, PAIRS - DISTINCT);
    assert_int_equal(d.f.limit_dropped, 0);
    for (unsigned long i = 0; i < DISTINCT; i++) {
        char k[16], v[16];
        snprintf(k, sizeof(k), "k%lu", i);
        snprintf(v, sizeof(v), "%lu\\", i); /* first occurrence, unescaped */
        assert_true(cg_str_eqz(d.f.v[i].key, k));
        assert_true(cg_str_eqz(d.f.v[i].val, v));
    }
    if (getenv("CEF_TEST_VERBOSE") || d.seconds > 4 * u.seconds + 0.25)
        print_error("repeats took %.3f s, distinct keys %.3f s\n", d.seconds, u.seconds);
    assert_true(d.seconds <= 4 * u.seconds + 0.25);
    assert_true(d.seconds < HOSTILE_SECONDS);
    cg_fields_fini(&d.f);
    cg_fields_fini(&u.f);
    free(dbuf);
    free(ubuf);
    cg_arena_fini(&a);
    free(dup.p);
    free(uniq.p);
}

/* The duplicate set must also know keys the list held before the extension
 * was decoded, and agree with cg_fields_add() below and at the bound. */
static void duplicates_against_existing_fields(void **state)
{
    (void)state;
    struct text t = {0};
    for (unsigned long i = 0; i < 300; i++)
        put_pair(&t, i % 120, "", i, "");
    put(&t, "pre=late k5=late5", 17);
    char *buf = copy_exact(t.p, t.n);
    static const struct {
        size_t max, n, dups, limit;
        const char *last_key, *last_val;
    } runs[] = {
        /* 2 + k0..k119 except k5; repeats 120..299, k5, pre and k5 again */
        {1000, 121, 180 + 3, 0, "k119", "119"},
        /* full after k48 (pair 49); the 251 + 2 pairs after it are limit drops */
        {50, 50, 1, 253, "k48", "48"},
    };
    for (size_t r = 0; r < CG_ARRAY_LEN(runs); r++) {
        struct cg_arena a;
        cg_arena_init(&a);
        struct cg_fields f;
        cg_fields_init(&f, runs[r].max);
        assert_int_equal(cg_fields_add(&f, CG_STR_LIT("pre"), CG_STR_LIT("early")), CG_OK);
        assert_int_equal(cg_fields_add(&f, CG_STR_LIT("k5"), CG_STR_LIT("early5")), CG_OK);
        unsigned fl = 0;
        assert_int_equal(cg_cef_decode_ext(cg_str_make(buf, t.n), &f, &a, &fl), CG_OK);
        assert_int_equal(f.n, runs[r].n);
        assert_int_equal(f.dup_dropped, runs[r].dups);
        assert_int_equal(f.limit_dropped, runs[r].limit);
        assert_true(cg_str_eqz(f.v[0].val, "early"));
        assert_true(cg_str_eqz(f.v[1].val, "early5"));
        assert_true(cg_str_eqz(f.v[2].key, "k0") && cg_str_eqz(f.v[2].val, "0"));
        assert_true(cg_str_eqz(f.v[f.n - 1].key, runs[r].last_key));
        assert_true(cg_str_eqz(f.v[f.n - 1].val, runs[r].last_val));
        assert_int_equal(fl, 0);
        cg_fields_fini(&f);
        cg_arena_fini(&a);
    }
    free(buf);
    free(t.p);
}

/* Deterministic random lines over an alphabet rich in CEF's special bytes: no
 * crash, no read past n, keys valid and unique. */
static void random_bytes(void **state)
{
    (void)state;
    static const char alpha[] = " =\\|ab.-_[]09\t\r\n\0\xff\x80=  \\";
    uint32_t seed = 12345;
    struct cg_arena a;
    cg_arena_init(&a);
    for (int iter = 0; iter < 20000; iter++) {
        char tmp[200];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof(tmp);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            tmp[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
        }
        if (n > 2 && iter % 2) /* half of them with a plausible start */
            memcpy(tmp, "0|", 2);
        struct decoded d;
        char *buf;
        decode(tmp, n, 8, &d, &a, &buf);
        check_invariants(&d, buf, n);
        cg_fields_fini(&d.f);
        free(buf);
        cg_arena_reset(&a);
    }
    cg_arena_fini(&a);
}

/* Decoding into a reused list and arena gives the same result every time. */
static void reuse_across_events(void **state)
{
    (void)state;
    const char *line = long_lines[1].p;
    size_t n = long_lines[1].n;
    struct cg_arena a;
    cg_arena_init(&a);
    struct cg_fields f;
    cg_fields_init(&f, 0);
    for (int i = 0; i < 1000; i++) {
        struct cg_cef h;
        unsigned fl = 0;
        assert_int_equal(cg_cef_decode_header(line, n, &h, &a), CG_REJ_NONE);
        assert_int_equal(cg_cef_decode_ext(h.ext, &f, &a, &fl), CG_OK);
        assert_int_equal(f.n, 18);
        assert_true(cg_str_eqz(f.v[7].val, "C:\\Users\\trend\\Desktop\\eicar.exe"));
        cg_fields_clear(&f);
        cg_arena_reset(&a);
    }
    cg_fields_fini(&f);
    cg_arena_fini(&a);
}

/* The header cache across lines: each header through one cache must decode as
 * without it, with its views in its own buffer. The lines exercise: the same
 * start with different later fields, a start shorter or longer than the cached
 * one, a backslash in the start (never cached) or later, leading spaces, three
 * products alternating (two entries), a start over CG_CEF_CACHE_MAX, and lines
 * cut inside or right after the cached start. */
static void header_cache_sequences(void **state)
{
    (void)state;
    static const char long_product[] = "0|V|" /* a start longer than the cache */
                                       "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"
                                       "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP|1|2|n|3|a=b";
    static const char *const lines[] = {
        "0|Trend Micro|Deep Security Agent|20.0.877|21|Log for TCP Port 135|0|cn1=1 act=Log",
        "0|Trend Micro|Deep Security Agent|20.0.877|1001126|SMB|10|cn1=2",
        "0|Trend Micro|Deep Security Manager|20.0.877|710|Events Retrieved|3|src=1",
        "0|Trend Micro|Deep Security Agent|20.0.877|4000000|Eicar\\|x|6|a=\\=",
        "0|Trend Micro|Deep Security Agent|20.0.877|",
        "0|Trend Micro|Deep Security Agent|20.0.877",
        "0|Trend Micro|Deep Security Agent|20.0.8",
        "0|Trend Micro|Deep Security Agent|20.0.877|1|n|5",
        "0|Trend Micro|Deep Security Agent|20.0.877|1|n|5\r\n",
        " 0|Trend Micro|Deep Security Agent|20.0.877|1|n|5|a=b",
        "  0|Trend Micro|Deep Security Agent|20.0.877|1|n|5|a=b",
        "1|Trend Micro|Deep Security Agent|20.0.877|1|n|5|a=b",
        "0|Trend\\\\Micro|Deep Security Agent|20.0.877|1|n|5|a=b",
        "0|Trend\\\\Micro|Deep Security Agent|20.0.877|2|n|5|a=b",
        "0|Trend Micro|Apex One|2019|AV|n|5|a=b",
        "0|Trend Micro|Deep Security Manager|20.0.877|711|n|3|a=b",
        "0|Trend Micro|Deep Security Agent|20.0.877|1|n|5|a=b",
        "0|Trend Micro|Apex One|2019|AV|n|5|a=b",
        long_product,
        long_product,
        "0|V|P|1|2|n|3|a=b",
        "0|V|P|1|2|n|3|a=b",
        "0|V|P|1|",
        "0|V|P|1|2",
        "0|V|P|1",
        "0|V|P|1\\|2|n|3|4|a=b",
        "0|V|P|1|2|n|3|a=b",
        "x|V|P|1|2|n|3|a=b",
        "",
        "0|V|P|1|2|n|3|a=b",
    };
    struct cg_arena a;
    cg_arena_init(&a);
    struct cg_cef_cache cache;
    cg_cef_cache_init(&cache);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < CG_ARRAY_LEN(lines); i++) {
            size_t n = strlen(lines[i]);
            char *buf = copy_exact(lines[i], n);
            struct cg_cef want, got;
            enum cg_reject r = cg_cef_decode_header(buf, n, &want, &a);
            assert_int_equal(cg_cef_decode_header_cached(buf, n, &got, &a, &cache), r);
            same_header(&got, &want);
            if (!memchr(buf, '\\', n)) {
                const struct cg_str *v[8] = {&got.version,         &got.vendor,   &got.product,
                                             &got.product_version, &got.event_id, &got.name,
                                             &got.severity,        &got.ext};
                for (int k = 0; k < 8; k++)
                    assert_true(!v[k]->p || inside(*v[k], buf, n));
            }
            assert_true(cache.e[0].len <= CG_CEF_CACHE_MAX && cache.e[1].len <= CG_CEF_CACHE_MAX);
            free(buf);
            cg_arena_reset(&a);
        }
    }
    cg_arena_fini(&a);
}

/* Keys are checked 16 bytes at a time: a word of every length up to 40, at every
 * offset in the extension (so it lies within, across and at the end of blocks,
 * and in extensions under 16 bytes), with no bad byte or one at its start, middle
 * or end, is a key exactly when it is all key characters. */
static void key_check_blocks(void **state)
{
    (void)state;
    static const char bad[] = "/:@^`{~!#;?\"'\t|()*+<>&%$\x80\xff\x01";
    struct cg_arena a;
    cg_arena_init(&a);
    struct cg_fields f;
    cg_fields_init(&f, 0);
    char ext[128];
    for (size_t len = 1; len <= 40; len++) {
        for (size_t pad = 0; pad <= 20; pad++) {
            for (int where = -1; where < 3; where++) {
                char word[48];
                for (size_t j = 0; j < len; j++)
                    word[j] = "aZ09_.,-[]"[(j + pad) % 10];
                size_t at = where == 0 ? 0 : where == 1 ? len / 2 : len - 1;
                char b = bad[(len + pad) % (sizeof(bad) - 1)];
                if (where >= 0)
                    word[at] = b;
                /* "x=<pad> <word>=v": the word is a key or part of x's value */
                size_t n = 0;
                ext[n++] = 'x';
                ext[n++] = '=';
                memset(ext + n, 'y', pad);
                n += pad;
                ext[n++] = ' ';
                memcpy(ext + n, word, len);
                n += len;
                ext[n++] = '=';
                ext[n++] = 'v';
                char *buf = copy_exact(ext, n);
                unsigned fl = 0;
                assert_int_equal(cg_cef_decode_ext(cg_str_make(buf, n), &f, &a, &fl), CG_OK);
                bool key = where < 0;
                if (f.n != (key ? 2u : 1u))
                    fail_msg("len %zu pad %zu bad byte 0x%02x at %d: %zu fields", len, pad,
                             (unsigned char)b, where < 0 ? -1 : (int)at, f.n);
                assert_int_equal(f.v[0].val.n, key ? pad : n - 2);
                if (key) {
                    assert_true(f.v[1].key.n == len && memcmp(f.v[1].key.p, word, len) == 0);
                    assert_true(cg_str_eqz(f.v[1].val, "v"));
                }
                cg_fields_clear(&f);
                free(buf);
                cg_arena_reset(&a);
            }
        }
    }
    cg_fields_fini(&f);
    cg_arena_fini(&a);
}

/* ---- main ------------------------------------------------------------------------- */

struct table {
    const struct cef_case *v;
    size_t n;
};

int main(void)
{
    const struct table tables[] = {
        {spec_cases, CG_ARRAY_LEN(spec_cases)},       {ds_cases, CG_ARRAY_LEN(ds_cases)},
        {apex_cases, CG_ARRAY_LEN(apex_cases)},       {rule_cases, CG_ARRAY_LEN(rule_cases)},
        {lognorm_cases, CG_ARRAY_LEN(lognorm_cases)}, {reject_cases, CG_ARRAY_LEN(reject_cases)},
    };
    const struct CMUnitTest extra[] = {
        cmocka_unit_test(every_prefix),
        cmocka_unit_test(value_of_1_mib),
        cmocka_unit_test(value_of_64_kib_with_backslashes),
        cmocka_unit_test(hundred_thousand_keys),
        cmocka_unit_test(many_duplicate_keys),
        cmocka_unit_test(duplicates_against_existing_fields),
        cmocka_unit_test(random_bytes),
        cmocka_unit_test(reuse_across_events),
        cmocka_unit_test(header_cache_sequences),
        cmocka_unit_test(key_check_blocks),
    };
    size_t total = CG_ARRAY_LEN(extra);
    for (size_t t = 0; t < CG_ARRAY_LEN(tables); t++)
        total += tables[t].n;
    struct CMUnitTest *tests = calloc(total, sizeof(*tests));
    if (!tests)
        return 1;
    size_t k = 0;
    for (size_t t = 0; t < CG_ARRAY_LEN(tables); t++) {
        for (size_t i = 0; i < tables[t].n; i++) {
            tests[k].name = tables[t].v[i].name;
            tests[k].test_func = run_case;
            tests[k].initial_state = (void *)&tables[t].v[i];
            k++;
        }
    }
    for (size_t i = 0; i < CG_ARRAY_LEN(extra); i++)
        tests[k++] = extra[i];
    int rc = _cmocka_run_group_tests("cef", tests, total, NULL, NULL);
    free(tests);
    return rc;
}
