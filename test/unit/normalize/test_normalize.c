/* test_normalize.c - rulebase loading, the shipped vendor rulebases, the JSON mapping
 * (pair lists, directives, flattening, XML entities) and subject resolution. Events are
 * built by hand so these tests do not depend on the syslog/CEF decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cefguard/normalize.h"

#include "vendortest.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define RULES_DIR CG_SOURCE_DIR "/rules/lognorm"

static struct cg_normalizer *g_nz; /* the shipped rulebases */
static struct cg_normalizer *g_xf; /* epo.rulebase without its epo_require: the splitter alone */

/* liblognorm 2.0.6 leaks the tag list of a rule it rejects while loading (a one-time cost
 * of a broken rulebase, exercised by test_load_syntax_error). That path only is not
 * reported: a leak while normalizing (e.g. a user-defined type that fails) still is. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:ln_sampLoad\n";
}

/* liblognorm has no frame pointers: without the slow unwinder the leak stacks stop in
 * libfastjson and the suppression above cannot see ln_sampLoad. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

static char g_tmpdir[64];

static char *write_file(const char *name, const char *content)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", g_tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

/* A normalizer with one rulebase written from content; asserts that it loads. */
static struct cg_normalizer *load_string(const char *name, const char *content)
{
    struct cg_normalizer *nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_normalizer_load(nz, write_file(name, content), &err);
    if (rc != CG_OK)
        fail_msg("%s did not load: %s", name, cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return nz;
}

/* epo.rulebase with its "_require" line commented out (line numbers kept): the tests of the
 * "_xmlflat" splitter through liblognorm use documents that are not ePO events. */
static struct cg_normalizer *load_epo_flat(void)
{
    static char text[16384];
    FILE *f = fopen(RULES_DIR "/epo.rulebase", "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    char *req = strstr(text, "annotate=epo:+epo_require=");
    if (!n || n == sizeof(text) - 1 || !req)
        return NULL;
    req[0] = '#';
    return load_string("epo-flat.rulebase", text);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_tmpdir, sizeof(g_tmpdir), "/tmp/cg_normalize_XXXXXX");
    if (!mkdtemp(g_tmpdir))
        return -1;
    g_nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = cg_normalizer_load_dir(g_nz, RULES_DIR, &err);
    if (rc != CG_OK)
        fprintf(stderr, "shipped rulebases: %s\n", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return rc == CG_OK && (g_xf = load_epo_flat()) != NULL ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_teardown(void **state)
{
    (void)state;
    cg_normalizer_free(g_nz);
    cg_normalizer_free(g_xf);
    /* Depth-first removal of the scratch directory, without a shell. */
    return nftw(g_tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* ---- the shipped vendor rulebases: one table ---------------------------------------- */

#define SEP14_VIRUS                                                                                \
    "SymantecServer: Virus found,IP Address: 10.20.30.41,Computer name: FIN-WS-0412,"              \
    "Intensive Protection Level: 0,Certificate issuer: ,Certificate signer: ,"                     \
    "Certificate thumbprint: ,Signing timestamp: 0,Certificate serial number: ,"                   \
    "Source: Auto-Protect scan,Risk name: Trojan.Gen.NPE.2,Occurrences: 1,"                        \
    "C:\\Users\\k.sato\\Downloads\\eicarcom2.zip,,Actual action: Left alone,"                      \
    "Requested action: Left alone,Secondary action: Left alone,"                                   \
    "Event time: 2024-05-14 00:21:36,Inserted: 2024-05-14 00:36:45,"                               \
    "End: 2024-05-14 00:21:37,Last update time: 2024-05-14 00:36:45,Domain: Default,"              \
    "Group: My Company\\Finance,Server: SEPM14-01,User: k.sato,Source computer: ,"                 \
    "Source IP: ,Disposition: Bad,Download site: ,Web domain: ,Downloaded by: chrome.exe,"         \
    "Prevalence: This file has been seen by tens of thousands of Symantec users.,"                 \
    "Confidence: This file is untrustworthy.,URL Tracking Status: Off,,"                           \
    "First Seen: Symantec has known about this file for more than 1 year.,Sensitivity: ,"          \
    "Not on the permitted application list,Application hash: "                                     \
    "E1105070BA828007508566E28A2B8D4C65D192E9EAF3B7868382B7CAE747B397,Hash type: SHA2,"            \
    "Company name: Adobe Systems, Incorporated,Application name: eicarcom2.zip,"                   \
    "Application version: ,Application type: 127,File size (bytes): 308,"                          \
    "Category set: Malware,Category type: Virus,Location: Default"

#define SEP12_RISK                                                                                 \
    "Security risk found,IP Address: 192.168.5.23,Computer name: HR-LT-077,"                       \
    "Source: Auto-Protect scan,Risk name: WS.Reputation.1,Occurrences: 1,"                         \
    "e:\\removablemediaaccessutility.exe,,Actual action: All actions failed,"                      \
    "Requested action: Process terminate pending restart,Secondary action: Left alone,"            \
    "Event time: 2019-09-03 08:12:25,Inserted: 2019-09-03 08:14:03,End: 2019-09-03 08:12:25,"      \
    "Domain: SEPMDomain,Group: My Company\\HR,Server: SEPM12,User: y.tanaka,"                      \
    "Source computer: ,Source IP: ,Disposition: Bad,File size (bytes): 4193981,"                   \
    "Category set: Malware,Category type: Insight Network Threat,"                                 \
    "Intensive Protection Level: 0,Certificate issuer: Symantec Corporation,"                      \
    "Certificate serial number: AB2D17E62E571F288ACB5666FD3C5230"

#define SEP_SONAR                                                                                  \
    "SymantecServer: Potential risk found,Computer name: DEV-PC-19,Detection type: Heuristic,"     \
    "First Seen: Symantec has known about this file approximately 2 days.,"                        \
    "Application name: Propsim,Application type: 127,Application version: 3.0.6.0,"                \
    "Hash type: SHA-256,Application hash: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822C,"       \
    "Company name: Dummy Technologies,File size (bytes): 343040,Sensitivity: 2,"                   \
    "Detection score: 3,COH Engine Version: 8.1.1.1,Detection Submissions No,"                     \
    "Permitted application reason: MDS,Disposition: Bad,Download site: ,Web domain: ,"             \
    "Downloaded by: c:/programdata/tools/host126,Prevalence: Unknown,"                             \
    "Confidence: There is not enough information about this file to recommend it.,"                \
    "URL Tracking Status: Off,Risk Level: High,Detection Source: N/A,Source: Heuristic Scan,"      \
    "Risk name: ,Occurrences: 1,f:\\user\\workspace\\release\\Host214,'',"                         \
    "Actual action: Left alone,Requested action: Left alone,Secondary action: Left alone,"         \
    "Event time: 2018-02-16 08:01:33,Inserted: 2018-02-16 08:02:52,End: 2018-02-16 08:01:33,"      \
    "Domain: Default,Group: My Company\\Dev,Server: SEPMServer,User: dev01,"                       \
    "Source computer: ,Source IP:"

#define EPO_1027                                                                                   \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><EPOEvent><MachineInfo>"                            \
    "<MachineName>epo-agent-07</MachineName><AgentGUID>{890cc45c-7b89-11e8-1cd6-005056afc747}"     \
    "</AgentGUID><IPAddress>203.0.113.30</IPAddress><OSName>Windows Server 2016</OSName>"          \
    "<UserName>SYSTEM</UserName><TimeZoneBias>-540</TimeZoneBias>"                                 \
    "<RawMACAddress>005056afc747</RawMACAddress></MachineInfo>"                                    \
    "<SoftwareInfo ProductName=\"McAfee Endpoint Security\" ProductVersion=\"10.6.0\" "            \
    "ProductFamily=\"TVD\"><CommonFields><Analyzer>ENDP_AM_1060</Analyzer>"                        \
    "<AnalyzerName>McAfee Endpoint Security</AnalyzerName>"                                        \
    "<AnalyzerDetectionMethod>On-Access Scan</AnalyzerDetectionMethod>"                            \
    "<AnalyzerDATVersion></AnalyzerDATVersion></CommonFields><Event><EventID>1027</EventID>"       \
    "<Severity>3</Severity><GMTTime>2024-05-14T10:52:58</GMTTime><CommonFields>"                   \
    "<ThreatCategory>av.detect</ThreatCategory><ThreatEventID>1027</ThreatEventID>"                \
    "<ThreatSeverity>2</ThreatSeverity><ThreatName>Elspy.worm</ThreatName>"                        \
    "<ThreatType>virus</ThreatType><ThreatActionTaken>IDS_ALERT_ACT_TAK_DEL"                       \
    "</ThreatActionTaken><ThreatHandled>True</ThreatHandled>"                                      \
    "<TargetHostName>WS-042</TargetHostName><TargetUserName>CORP\\admin</TargetUserName>"          \
    "<TargetFileName>C:\\Program Files\\R&amp;D Tools\\x.exe</TargetFileName>"                     \
    "</CommonFields><CustomFields target=\"EPExtendedEventMT\">"                                   \
    "<BladeName>IDS_BLADE_NAME_SPB</BladeName></CustomFields></Event></SoftwareInfo>"              \
    "</EPOEvent>"

/* Element order differs (EventID after CommonFields), root spelled "EPOevent", and no
 * TargetHostName: subject falls back to MachineName. */
#define EPO_REORDERED                                                                              \
    "EPOEvents: <?xml version=\"1.0\" encoding=\"UTF-8\"?><EPOevent><MachineInfo>"                 \
    "<IPAddress>10.222.22.131</IPAddress><MachineName>DESKTOP-00001</MachineName>"                 \
    "</MachineInfo><SoftwareInfo ProductName=\"McAfee Endpoint Security\" "                        \
    "ProductVersion=\"10.7.0\" ProductFamily=\"TVD\"><Event><CommonFields>"                        \
    "<ThreatName>EICAR test file</ThreatName><ThreatType>test</ThreatType>"                        \
    "<TargetHostName></TargetHostName><ThreatHandled>True</ThreatHandled></CommonFields>"          \
    "<Severity>3</Severity><EventID>1278</EventID></Event></SoftwareInfo></EPOevent>"

#define EPO_UPDATE                                                                                 \
    "EPOEvents: <?xml version=\"1.0\" encoding=\"utf-8\"?><UpdateEvents><MachineInfo>"             \
    "<AgentGUID>{0011aacc-eeee-0000-0000-000011223311}</AgentGUID>"                                \
    "<MachineName>SALES-NB-03</MachineName><IPAddress>172.16.23.123</IPAddress>"                   \
    "<UserName></UserName></MachineInfo><McAfeeCommonUpdater ProductName=\"McAfee Agent\" "        \
    "ProductVersion=\"5.7.0\" ProductFamily=\"TVD\"><UpdateEvent><EventID>2402</EventID>"          \
    "<Severity>4</Severity><GMTTime>2024-05-14T01:00:00</GMTTime><ProductID>VSCANDAT1000"          \
    "</ProductID><Error>-2146894022</Error><Type>Update</Type></UpdateEvent>"                      \
    "</McAfeeCommonUpdater></UpdateEvents>"

#define OSCE_TEXT                                                                                  \
    "At 05/14/2024 09:12:33, OfficeScan found the following virus on computer "                    \
    "WORKGROUP\\PC-FIN-07: virus TROJ_GEN.R002C0DE424, location: "                                 \
    "C:\\Users\\tanaka\\Downloads\\invoice.exe. OfficeScan performed the following action "        \
    "on the infected computer: Quarantined."

static const struct vendor_case vendor_cases[] = {
    {.what = "SEP 14 Virus found (certificate columns after Computer name)",
     .kind = CG_SYSLOG_RFC3164,
     .host = "sepm14-01",
     .app = "SymantecServer",
     .text = SEP14_VIRUS,
     .format = CG_FMT_LOGNORM,
     .vendor = "Symantec",
     .product = "Endpoint Protection Manager",
     .event_id = "Virus found",
     .name = "Trojan.Gen.NPE.2",
     .severity = NULL,
     .subject = "FIN-WS-0412",
     .subject_key = "computer_name",
     .fields = {{"computer_name", "FIN-WS-0412"},
                {"ip_address", "10.20.30.41"},
                {"risk_name", "Trojan.Gen.NPE.2"},
                {"occurrences", "1"},
                {"file_path", "C:\\Users\\k.sato\\Downloads\\eicarcom2.zip"},
                {"description", ""},
                {"actual_action", "Left alone"},
                {"requested_action", "Left alone"},
                {"secondary_action", "Left alone"},
                {"user", "k.sato"},
                {"domain", "Default"},
                {"group", "My Company\\Finance"},
                {"company_name", "Adobe Systems, Incorporated"}, /* ", " continuation */
                {"unlabeled.0", "Not on the permitted application list"},
                {"file_size_bytes", "308"},
                {"intensive_protection_level", "0"}}},
    {.what = "SEP 12 Security risk found (RFC 3164 tag with [pid])",
     .kind = CG_SYSLOG_RFC3164,
     .host = "sepm12",
     .app = "SymantecServer",
     .text = "SymantecServer[2380]: " SEP12_RISK,
     .format = CG_FMT_LOGNORM,
     .vendor = "Symantec",
     .product = "Endpoint Protection Manager",
     .event_id = "Security risk found",
     .name = "WS.Reputation.1",
     .severity = NULL,
     .subject = "HR-LT-077",
     .subject_key = "computer_name",
     .fields = {{"computer_name", "HR-LT-077"},
                {"file_path", "e:\\removablemediaaccessutility.exe"},
                {"actual_action", "All actions failed"},
                {"requested_action", "Process terminate pending restart"},
                {"secondary_action", "Left alone"},
                {"source_computer", ""},
                {"category_type", "Insight Network Threat"},
                {"certificate_issuer", "Symantec Corporation"},
                {"last_update_time", NULL}}},
    {.what = "SEP Potential risk found: unlabelled column, empty risk name, bare label at the end",
     .kind = CG_SYSLOG_RFC3164,
     .host = "sepm",
     .app = "SymantecServer",
     .text = SEP_SONAR,
     .format = CG_FMT_LOGNORM,
     .vendor = "Symantec",
     .product = "Endpoint Protection Manager",
     .event_id = "Potential risk found",
     .name = NULL, /* Risk name is empty: name stays unset */
     .severity = NULL,
     .subject = "DEV-PC-19",
     .subject_key = "computer_name",
     .fields = {{"detection_submissions", "No"},
                {"permitted_application_reason", "MDS"},
                {"coh_engine_version", "8.1.1.1"},
                {"risk_name", ""},
                {"file_path", "f:\\user\\workspace\\release\\Host214"},
                {"description", "''"},
                {"source_ip", ""}, /* "Source IP:" with nothing after it */
                {"unlabeled.0", NULL}}},
    {.what = "SEP path with a comma (description empty)",
     .kind = CG_SYSLOG_NONE,
     .host = NULL,
     .app = NULL,
     .text = "SymantecServer: Virus found,IP Address: 10.0.0.5,Computer name: LAB-01,"
             "Source: Scheduled scan,Risk name: EICAR Test String,Occurrences: 1,"
             "D:\\share\\q1,q2\\eicar.com,,Actual action: Cleaned by deletion,"
             "Requested action: Cleaned,Secondary action: Quarantined",
     .format = CG_FMT_LOGNORM,
     .vendor = "Symantec",
     .product = "Endpoint Protection Manager",
     .event_id = "Virus found",
     .name = "EICAR Test String",
     .severity = NULL,
     .subject = "LAB-01",
     .subject_key = "computer_name",
     .fields = {{"file_path", "D:\\share\\q1,q2\\eicar.com"},
                {"description", ""},
                {"actual_action", "Cleaned by deletion"},
                {"secondary_action", "Quarantined"}}},
    {.what = "SEP path and a non-empty description",
     .kind = CG_SYSLOG_NONE,
     .host = NULL,
     .app = NULL,
     .text =
         "SymantecServer: Virus found,IP Address: 10.0.0.6,Computer name: LAB-02,"
         "Source: Manual scan,Risk name: W32.Downadup.B,Occurrences: 2,C:\\Windows\\Temp\\x.dll,"
         "Found in memory,Actual action: Quarantined,Requested action: Quarantined,"
         "Secondary action: Deleted",
     .format = CG_FMT_LOGNORM,
     .vendor = "Symantec",
     .product = "Endpoint Protection Manager",
     .event_id = "Virus found",
     .name = "W32.Downadup.B",
     .severity = NULL,
     .subject = "LAB-02",
     .subject_key = "computer_name",
     .fields = {{"occurrences", "2"},
                {"file_path", "C:\\Windows\\Temp\\x.dll"},
                {"description", "Found in memory"},
                {"actual_action", "Quarantined"}}},
    {.what = "SEPM packet log is not a risk line: its own log type (test_sepm.c has the rest)",
     .kind = CG_SYSLOG_RFC3164,
     .host = "sepm",
     .app = "SymantecServer",
     .text = "SymantecServer: host-rfc3164,Local Host IP: 216.160.83.61,Local Port: 80,TCP,Inbound,"
             "Occurrences: 4",
     .format = CG_FMT_LOGNORM,
     .vendor = "Symantec",
     .product = "Endpoint Protection Manager",
     .event_id = "Agent Packet Log",
     .name = NULL,
     .severity = NULL,
     .subject = "host-rfc3164",
     .subject_key = "computer_name",
     .fields = {{"occurrences", "4"}, {"computer_name", "host-rfc3164"}, {"risk_name", NULL}}},
    {.what = "ePO 1027 over RFC 5424 (APP-NAME: MSG)",
     .kind = CG_SYSLOG_RFC5424,
     .host = "epo-srv01",
     .app = "EPOEvents",
     .text = EPO_1027,
     .format = CG_FMT_LOGNORM,
     .vendor = "McAfee",
     .product = "ePolicy Orchestrator",
     .event_id = "1027",
     .name = "Elspy.worm",
     .severity = "3",
     .subject = "epo-agent-07", /* TargetHostName differs: ambiguous */
     .subject_key = "machine_name",
     .fields = {{"machine_name", "epo-agent-07"},
                {"ip_address", "203.0.113.30"},
                {"threat_type", "virus"},
                {"threat_action_taken", "IDS_ALERT_ACT_TAK_DEL"},
                {"threat_handled", "True"},
                {"target_host_name", "WS-042"},
                {"target_file_name", "C:\\Program Files\\R&D Tools\\x.exe"},
                {"target_user_name", "CORP\\admin"},
                {"software_info.product_name", "McAfee Endpoint Security"},
                {"custom_fields.target", "EPExtendedEventMT"},
                {"analyzer_dat_version", ""},
                {"time_zone_bias", "-540"},
                {"event_id", "1027"},
                {"subject", "epo-agent-07"}}},
    {.what = "ePO element order varies, empty TargetHostName: subject is MachineName",
     .kind = CG_SYSLOG_NONE,
     .host = NULL,
     .app = NULL,
     .text = EPO_REORDERED,
     .format = CG_FMT_LOGNORM,
     .vendor = "McAfee",
     .product = "ePolicy Orchestrator",
     .event_id = "1278",
     .name = "EICAR test file",
     .severity = "3",
     .subject = "DESKTOP-00001",
     .subject_key = "machine_name",
     .fields = {{"target_host_name", ""},
                {"software_info.product_version", "10.7.0"},
                {"subject", "DESKTOP-00001"}}},
    {.what = "ePO UpdateEvents 2402 (update failed)",
     .kind = CG_SYSLOG_RFC3164,
     .host = "epo-srv01",
     .app = "EPOEvents",
     .text = EPO_UPDATE,
     .format = CG_FMT_LOGNORM,
     .vendor = "McAfee",
     .product = "ePolicy Orchestrator",
     .event_id = "2402",
     .name = NULL,
     .severity = "4",
     .subject = "SALES-NB-03",
     .subject_key = "machine_name",
     .fields = {{"mc_afee_common_updater.product_name", "McAfee Agent"},
                {"product_id", "VSCANDAT1000"},
                {"error", "-2146894022"},
                {"user_name", ""}}},
    {.what = "OfficeScan notification, domain\\computer, no syslog header",
     .kind = CG_SYSLOG_NONE,
     .host = NULL,
     .app = NULL,
     .text = OSCE_TEXT,
     .format = CG_FMT_LOGNORM,
     .vendor = "Trend Micro",
     .product = "OfficeScan",
     .event_id = "Virus/Malware detection",
     .name = "TROJ_GEN.R002C0DE424",
     .severity = NULL,
     .subject = "PC-FIN-07",
     .subject_key = "computer_name",
     .fields = {{"detected_time", "05/14/2024 09:12:33"},
                {"domain", "WORKGROUP"},
                {"computer_name", "PC-FIN-07"},
                {"virus_name", "TROJ_GEN.R002C0DE424"},
                {"file_path", "C:\\Users\\tanaka\\Downloads\\invoice.exe"},
                {"action", "Quarantined"}}},
    {.what = "OfficeScan notification behind a tag, computer without domain",
     .kind = CG_SYSLOG_RFC3164,
     .host = "osce01",
     .app = "OfficeScan",
     .text =
         "OfficeScan: At 5/14/2024 9:12:33 AM, OfficeScan found the following virus on computer "
         "PC-FIN-08: virus Eicar_test_file, location: D:\\share\\eicar.com. OfficeScan performed "
         "the following action on the infected computer: Unable to clean or quarantine the file.",
     .format = CG_FMT_LOGNORM,
     .vendor = "Trend Micro",
     .product = "OfficeScan",
     .event_id = "Virus/Malware detection",
     .name = "Eicar_test_file",
     .severity = NULL,
     .subject = "PC-FIN-08",
     .subject_key = "computer_name",
     .fields = {{"detected_time", "5/14/2024 9:12:33 AM"},
                {"domain", NULL},
                {"computer_name", "PC-FIN-08"},
                {"action", "Unable to clean or quarantine the file"}}},
    {.what = "Fujitsu ROR quarantine started, no syslog header",
     .kind = CG_SYSLOG_NONE,
     .host = NULL,
     .app = NULL,
     .text = "FJSVrcx:INFO:21143:quarantine L-Server(submgr:192.168.10.5):started",
     .format = CG_FMT_LOGNORM,
     .vendor = "Fujitsu",
     .product = "ServerView Resource Orchestrator",
     .event_id = "21143",
     .name = NULL,
     .severity = "INFO",
     .subject = NULL,
     .subject_key = NULL,
     .fields = {{"message", "quarantine L-Server(submgr:192.168.10.5):started"},
                {"pkgname", "FJSVrcx"},
                {"server_name", "submgr"},
                {"server_address", "192.168.10.5"},
                {"status", "started"},
                {"operation", "quarantine"}}},
    {.what = "Fujitsu ROR operation on an L-Server named by its path",
     .kind = CG_SYSLOG_RFC3164,
     .host = "rormgr01",
     .app = "FJSVrcx",
     .text = "FJSVrcx:INFO:21143:restart L-Server(/tenant_a/vdi-031):started",
     .format = CG_FMT_LOGNORM,
     .vendor = "Fujitsu",
     .product = "ServerView Resource Orchestrator",
     .event_id = "21143",
     .name = NULL,
     .severity = "INFO",
     .subject = "rormgr01",
     .subject_key = "host",
     .fields = {{"message", "restart L-Server(/tenant_a/vdi-031):started"},
                {"pkgname", "FJSVrcx"},
                {"operation", "restart"},
                {"server_name", "/tenant_a/vdi-031"},
                {"server_address", NULL},
                {"status", "started"}}},
    {.what = "Fujitsu ROR Cloud Edition package FJSVctmg, ': ' separators, id not a number",
     .kind = CG_SYSLOG_RFC3164,
     .host = "rormgr01",
     .app = "FJSVctmg",
     .text = "FJSVctmg: ERROR: PCS00001: the request failed: timeout",
     .format = CG_FMT_LOGNORM,
     .vendor = "Fujitsu",
     .product = "ServerView Resource Orchestrator",
     .event_id = "PCS00001",
     .name = NULL,
     .severity = "ERROR",
     .subject = "rormgr01",
     .subject_key = "host",
     .fields = {{"message", "the request failed: timeout"}, {"pkgname", "FJSVctmg"}}},
    {.what = "Fujitsu ROR message with ':' in it, rsyslog file form (space after the tag)",
     .kind = CG_SYSLOG_RFC3164,
     .host = "rormgr01",
     .app = "FJSVrcx",
     .text = "FJSVrcx: ERROR:67999:failed to connect to 192.168.10.7:23461: timeout",
     .format = CG_FMT_LOGNORM,
     .vendor = "Fujitsu",
     .product = "ServerView Resource Orchestrator",
     .event_id = "67999",
     .name = NULL,
     .severity = "ERROR",
     .subject = "rormgr01",
     .subject_key = "host",
     .fields = {{"message", "failed to connect to 192.168.10.7:23461: timeout"},
                {"pkgname", "FJSVrcx"},
                {"server_name", NULL}}},
    {.what = "Fujitsu ROR SNMP trap forwarded",
     .kind = CG_SYSLOG_RFC3164,
     .host = "rormgr01",
     .app = "rcxmgr",
     .text = "rcxmgr: Send information of SNMP trap to remote manager [192.168.10.5]",
     .format = CG_FMT_LOGNORM,
     .vendor = "Fujitsu",
     .product = "ServerView Resource Orchestrator",
     .event_id = NULL,
     .name = "Send information of SNMP trap to remote manager",
     .severity = NULL,
     .subject = "rormgr01",
     .subject_key = "host",
     .fields = {{"remote_manager", "192.168.10.5"},
                {"message", "Send information of SNMP trap to remote manager [192.168.10.5]"}}},
    {.what = "an unrelated line stays raw",
     .kind = CG_SYSLOG_RFC3164,
     .host = "web01",
     .app = "sshd",
     .text = "sshd[811]: Accepted publickey for deploy from 10.1.2.3 port 52211 ssh2",
     .format = CG_FMT_RAW,
     .vendor = NULL,
     .product = NULL,
     .event_id = NULL,
     .name = NULL,
     .severity = NULL,
     .subject = "web01",
     .subject_key = "host",
     .fields = {{NULL, NULL}}},
};

static void test_vendor_cases(void **state)
{
    (void)state;
    vendor_check_all(g_nz, vendor_cases, CG_ARRAY_LEN(vendor_cases));
}

/* ---- loading ------------------------------------------------------------------------ */

static void test_load_shipped(void **state)
{
    (void)state;
    assert_int_equal(cg_normalizer_nrulebases(g_nz), 4);
    assert_int_equal(cg_normalizer_nrulebases(NULL), 0);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    struct cg_normalizer *nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_normalizer_load(nz, "/nonexistent/x.rulebase", &err), CG_ENOENT);
    assert_string_equal(cg_buf_cstr(&err),
                        "/nonexistent/x.rulebase: cannot open rulebase: No such file or "
                        "directory\n");
    assert_int_equal(cg_normalizer_nrulebases(nz), 0);
    cg_buf_clear(&err);
    assert_int_equal(cg_normalizer_load_dir(nz, "/nonexistent", &err), CG_ENOENT);
    assert_non_null(strstr(cg_buf_cstr(&err), "/nonexistent: cannot open rulebase directory"));
    cg_buf_fini(&err);
    cg_normalizer_free(nz);
}

static void test_load_syntax_error(void **state)
{
    (void)state;
    struct cg_normalizer *nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    char *path = write_file("bad.rulebase", "version=2\n"
                                            "rule=a:ok %x:word% line\n"
                                            "rule=b:foo %x:nosuchtype% bar\n");
    char want[512];
    snprintf(want, sizeof(want), "%s:3:1: invalid field type 'nosuchtype'\n", path);
    assert_int_equal(cg_normalizer_load(nz, path, &err), CG_EPARSE);
    assert_string_equal(cg_buf_cstr(&err), want);
    assert_int_equal(cg_normalizer_nrulebases(nz), 0);
    /* The same with annotate= lines, which liblognorm then reads from a string. */
    cg_buf_clear(&err);
    path = write_file("bad3.rulebase", "version=2\n"
                                       "annotate=a:+v=\"1\"\n"
                                       "rule=a:ok %x:word% line\n"
                                       "rule=b:foo %x:nosuchtype% bar\n");
    snprintf(want, sizeof(want), "%s:4:1: invalid field type 'nosuchtype'\n", path);
    assert_int_equal(cg_normalizer_load(nz, path, &err), CG_EPARSE);
    assert_string_equal(cg_buf_cstr(&err), want);
    /* A rule liblognorm only drops (ln_loadSamples returns 0) still fails the load. */
    cg_buf_clear(&err);
    path = write_file("bad2.rulebase", "version=2\nrule=x:abc %{\"type\":\"string-to\"}% x\n");
    assert_int_equal(cg_normalizer_load(nz, path, &err), CG_EPARSE);
    assert_non_null(strstr(cg_buf_cstr(&err), "bad2.rulebase:2:1: "));
    assert_non_null(strstr(cg_buf_cstr(&err), "extradata"));
    cg_buf_fini(&err);
    cg_normalizer_free(nz);
}

static void test_load_not_v2(void **state)
{
    (void)state;
    struct cg_normalizer *nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    char *path = write_file("v1.rulebase", "# comment first\nversion=2\nrule=:a %x:word%\n");
    assert_int_equal(cg_normalizer_load(nz, path, &err), CG_EPARSE);
    assert_non_null(strstr(cg_buf_cstr(&err), "v1.rulebase:1:1: not a liblognorm v2 rulebase"));
    cg_buf_fini(&err);
    cg_normalizer_free(nz);
}

/* load_dir: name order decides which file wins, other names are ignored, and rules of
 * different files that share a literal prefix all stay reachable (one context per file:
 * merged into one liblognorm 2.0.6 context, "foo %y:number% baz" would be lost). */
static void test_load_dir_order(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/rbdir", g_tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    char path[256];
    const char *files[][2] = {
        {"b.rulebase", "version=2\nrule=b:foo %y:number% baz\nannotate=b:+vendor=\"B\"\n"},
        {"a.rulebase", "version=2\nrule=a:foo %x:word% bar\nannotate=a:+vendor=\"A\"\n"
                       "rule=a:foo %x:word% baz\n"},
        {"c.rulebase.bak", "not a rulebase\n"},
        {".hidden.rulebase", "not a rulebase\n"},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(files[i][1], f);
        fclose(f);
    }
    struct cg_normalizer *nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_normalizer_load_dir(nz, dir, &err), CG_OK);
    assert_int_equal(cg_normalizer_nrulebases(nz), 2);
    struct cg_event ev;
    cg_event_init(&ev, 0);
    const char *lines[][3] = {
        {"foo abc bar", "A", "x"}, {"foo 12 baz", "A", "x"}, {"foo 12 bar", "A", "x"}};
    for (size_t i = 0; i < CG_ARRAY_LEN(lines); i++) {
        make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, lines[i][0]);
        cg_normalize(nz, &ev);
        cg_event_subject(&ev);
        expect_str("vendor", ev.vendor, lines[i][1]); /* a.rulebase is tried first */
        assert_non_null(cg_fields_getz(&ev.fields, lines[i][2]));
    }
    cg_normalizer_free(nz);
    /* Without a.rulebase's "baz" rule, b.rulebase's rule with the same prefix is reached. */
    nz = load_string("a2.rulebase", "version=2\nrule=a:foo %x:word% bar\n");
    snprintf(path, sizeof(path), "%s/b.rulebase", dir);
    assert_int_equal(cg_normalizer_load(nz, path, &err), CG_OK);
    assert_int_equal(cg_normalizer_nrulebases(nz), 2);
    make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, "foo 12 baz");
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    expect_str("vendor", ev.vendor, "B");
    expect_field(&ev, "y", "12");
    cg_event_fini(&ev);
    cg_buf_fini(&err);
    cg_normalizer_free(nz);
}

/* ---- mapping ------------------------------------------------------------------------ */

static void test_input_text(void **state)
{
    (void)state;
    struct cg_normalizer *nz =
        load_string("text.rulebase", "version=2\nrule=:APP: %m:rest%\nrule=:bare %m:rest%\n");
    struct cg_event ev;
    cg_event_init(&ev, 0);
    make_raw(&ev, CG_SYSLOG_RFC5424, "h", "APP", "hello world");
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    expect_field(&ev, "m", "hello world"); /* RFC 5424: "APP-NAME: MSG" */
    make_raw(&ev, CG_SYSLOG_RFC5424, "h", NULL, "bare msg");
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    expect_field(&ev, "m", "msg"); /* nil APP-NAME: MSG alone */
    make_raw(&ev, CG_SYSLOG_RFC5424, "h", "-", "bare dash");
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    expect_field(&ev, "m", "dash");
    /* Only raw events with reason no_decoder are tried. */
    make_raw(&ev, CG_SYSLOG_NONE, "h", NULL, "bare x");
    ev.reason = CG_REJ_CEF_TRUNCATED;
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    assert_int_equal(ev.format, CG_FMT_RAW);
    assert_int_equal(ev.fields.n, 0);
    /* nz == NULL: subject only. */
    make_raw(&ev, CG_SYSLOG_NONE, "h", NULL, "bare x");
    cg_normalize(NULL, &ev);
    cg_event_subject(&ev);
    assert_int_equal(ev.format, CG_FMT_RAW);
    expect_str("subject", ev.subject, "h");
    cg_event_fini(&ev);
    cg_normalizer_free(nz);
}

/* The prefilter (rules' leading literals) must never hide a match: prefix= lines, rules
 * that start with a field, and escapes in the leading literal turn it off or shorten it. */
static void test_prefilter(void **state)
{
    (void)state;
    static const struct {
        const char *rb;
        const char *line;
        bool match;
    } cases[] = {
        {"version=2\nrule=:foo %x:word%\n", "foo 1", true},
        {"version=2\nrule=:foo %x:word%\n", "fo 1", false},
        {"version=2\nprefix=%h:word% \nrule=:foo %x:word%\n", "host1 foo 1", true},
        {"version=2\nprefix=\nrule=:foo %x:word%\nrule=:%y:word% bar\n", "q bar", true},
        {"version=2\nrule=:a\\x3ab %x:word%\n", "a:b 1", true},
        {"version=2\nrule=:100%% %x:word%\n", "100% 1", true},
        {"version=2\nrule=t1,t2:x y %x:word%\n", "x y 1", true},
        /* A rule that starts with a field: a literal between fields must be in the line. */
        {"version=2\nrule=:%a:word% mid %b:word%\n", "1 mid 2", true},
        {"version=2\nrule=:%a:word% mid %b:word%\n", "1 mud 2", false},
        {"version=2\nrule=:%{\"type\":\"char-to\", \"extradata\":\"%\", \"name\":\"a\"}%%%"
         " x %b:word%\n",
         "1% x 2", true},
        {"version=2\nrule=:%a:number%\\x3a %b:word%\n", "1: 2", true},
        {"version=2\nrule=:%a:char-to{\"extradata\":\"]\"}%] [%b:word%\n", "a] [b", true},
        {"version=2\nrule=:%a:word% mid %b:word%\nrule=:%c:word% z\n", "q z", true},
    };
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct cg_normalizer *nz = load_string("pf.rulebase", cases[i].rb);
        make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, cases[i].line);
        cg_normalize(nz, &ev);
        cg_event_subject(&ev);
        if ((ev.format == CG_FMT_LOGNORM) != cases[i].match)
            fail_msg("prefilter case %zu: [%s] %s", i, cases[i].line,
                     cases[i].match ? "did not match" : "matched");
        cg_normalizer_free(nz);
    }
    cg_event_fini(&ev);
}

/* Flattening, JSON numbers, header keys, "_xml" values, _fmt/_from directives. */
static void test_mapping_generic(void **state)
{
    (void)state;
    struct cg_normalizer *nz = load_string(
        "map.rulebase",
        "version=2\n"
        "type=@pt:%x:number{\"format\":\"number\"}%/%y:word%\n"
        "rule=t:M %pos:@pt% %{\"type\":\"repeat\", \"name\":\"list\", \"parser\":"
        "{\"type\":\"number\", \"name\":\"n\"}, \"while\":{\"type\":\"literal\", "
        "\"text\":\",\"}}% %event_id:word% %note_xml:char-to{\"extradata\":\"|\"}%|%who:word%\n"
        "annotate=t:+vendor=\"V\"\n"
        "annotate=t:+name_fmt=\"${who} at ${pos.y}\"\n"
        "annotate=t:+subject_from=\"nope, who\"\n"
        "annotate=t:+missing_fmt=\"${nope}\"\n"
        "annotate=t:+product_from=\"nope\"\n");
    struct cg_event ev;
    cg_event_init(&ev, 0);
    make_raw(&ev, CG_SYSLOG_NONE, "relay", NULL, "M 7/up 1,2,3 E42 a&lt;b&amp;c&#x263A;&nbsp;|ann");
    cg_normalize(nz, &ev);
    cg_event_subject(&ev);
    assert_int_equal(ev.format, CG_FMT_LOGNORM);
    expect_field(&ev, "pos.x", "7"); /* a JSON number keeps its text */
    expect_field(&ev, "pos.y", "up");
    expect_field(&ev, "list.0.n", "1");
    expect_field(&ev, "list.2.n", "3");
    expect_str("event_id", ev.event_id, "E42");
    expect_field(&ev, "event_id", NULL);
    expect_field(&ev, "note", "a<b&c\xe2\x98\xba&nbsp;");
    expect_field(&ev, "note_xml", NULL);
    expect_str("vendor", ev.vendor, "V");
    expect_str("name", ev.name, "ann at up");
    expect_str("product", ev.product, NULL);
    expect_field(&ev, "missing", NULL);
    expect_field(&ev, "subject", "ann");
    expect_str("subject", ev.subject, "ann");
    expect_str("subject_key", ev.subject_key, "subject");
    /* Fields come out in the order of the text. */
    assert_int_equal(ev.fields.n, 8);
    expect_str("first key", ev.fields.v[0].key, "pos.x");
    expect_str("last key", ev.fields.v[7].key, "subject");
    cg_event_fini(&ev);
    cg_normalizer_free(nz);
}

/* XML entities in "*_xml" pair lists: predefined and character references decode; unknown
 * entities, illegal and malformed references stay verbatim; a DOCTYPE is never used. */
static void test_xml_entities(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        const char *want;
    } cases[] = {
        {"&amp;&lt;&gt;&quot;&apos;", "&<>\"'"},
        {"&#65;&#x42;&#233;&#x1F600;", "AB\xc3\xa9\xf0\x9f\x98\x80"},
        {"&#X43;", "&#X43;"}, /* XML allows only a lower-case x */
        {"&e;&nbsp;&amp", "&e;&nbsp;&amp"},
        {"&#0;&#xD800;&#x110000;&#xFFFE;&#;&#x;&#12a;",
         "&#0;&#xD800;&#x110000;&#xFFFE;&#;&#x;&#12a;"},
        {"&#999999999999;", "&#999999999999;"},
        {"a&&amp;b", "a&&b"},
        {"", ""},
    };
    struct cg_event ev;
    cg_event_init(&ev, 0);
    char line[512];
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        snprintf(line, sizeof(line),
                 "<?xml version=\"1.0\"?><EPOEvent><MachineName>m1</MachineName>"
                 "<TargetFileName>%s</TargetFileName></EPOEvent>",
                 cases[i].xml);
        make_raw(&ev, CG_SYSLOG_RFC5424, "epo", "EPOEvents", line);
        cg_normalize(g_nz, &ev);
        cg_event_subject(&ev);
        assert_int_equal(ev.format, CG_FMT_LOGNORM);
        expect_field(&ev, "target_file_name", cases[i].want);
    }
    make_raw(&ev, CG_SYSLOG_RFC5424, "epo", "EPOEvents",
             "<?xml version=\"1.0\"?><!DOCTYPE EPOEvent [<!ENTITY e \"EXPANDED\">]>"
             "<EPOEvent><MachineName>&e;</MachineName></EPOEvent>");
    cg_normalize(g_nz, &ev);
    cg_event_subject(&ev);
    assert_int_equal(ev.format, CG_FMT_RAW);
    cg_event_fini(&ev);
}

/* snake_case keys of pair lists, and the pair-list element kinds. */
static void test_pair_list_keys(void **state)
{
    (void)state;
    static const struct {
        const char *tag;
        const char *key;
    } cases[] = {
        {"IPAddress", "ip_address"},
        {"AnalyzerIPv4", "analyzer_ipv4"},
        {"TargetHostName", "target_host_name"},
        {"GMTTime", "gmt_time"},
        {"AnalyzerDATVersion", "analyzer_dat_version"},
        {"DAT_Version", "dat_version"},
        {"jtiFileHash", "jti_file_hash"},
        {"Win7Pro", "win7_pro"},
        {"SourceIPV4", "source_ipv4"},
        {"USBSerialNumber", "usb_serial_number"},
    };
    struct cg_event ev;
    cg_event_init(&ev, 0);
    char line[256];
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        snprintf(line, sizeof(line),
                 "EPOEvents: <EPOEvent><EventID>1</EventID><%s>v%zu</%s></EPOEvent>", cases[i].tag,
                 i, cases[i].tag);
        make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, line);
        cg_normalize(g_nz, &ev);
        cg_event_subject(&ev);
        char want[16];
        snprintf(want, sizeof(want), "v%zu", i);
        expect_field(&ev, cases[i].key, want);
    }
    /* A <Subject> element does not take the place of the rule's subject. */
    make_raw(&ev, CG_SYSLOG_NONE, "relay", NULL,
             "EPOEvents: <EPOEvent><Subject>Malware Detected</Subject>"
             "<MachineName>PC-7</MachineName></EPOEvent>");
    cg_normalize(g_nz, &ev);
    cg_event_subject(&ev);
    expect_field(&ev, "subject_", "Malware Detected");
    expect_field(&ev, "subject", "PC-7");
    expect_str("subject", ev.subject, "PC-7");
    /* SEPM labels. */
    make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL,
             "SymantecServer: Virus found,URL Tracking Status: On,File size (bytes): 9,"
             "MD-5: ab,COH Engine Version: 1, continued,  two spaces,Occurrences: 1,p,,"
             "Actual action: x,Requested action: y,Secondary action: z");
    cg_normalize(g_nz, &ev);
    cg_event_subject(&ev);
    expect_field(&ev, "url_tracking_status", "On");
    expect_field(&ev, "file_size_bytes", "9");
    expect_field(&ev, "md_5", "ab");
    expect_field(&ev, "coh_engine_version", "1, continued,  two spaces");
    cg_event_fini(&ev);
}

/* The field limit bounds a hostile line; the event is still normalized. */
static void test_field_limit(void **state)
{
    (void)state;
    struct cg_event ev;
    cg_event_init(&ev, 5);
    make_raw(&ev, CG_SYSLOG_NONE, "h", NULL, SEP14_VIRUS);
    cg_normalize(g_nz, &ev);
    cg_event_subject(&ev);
    assert_int_equal(ev.format, CG_FMT_LOGNORM);
    assert_int_equal(ev.fields.n, 5);
    assert_true(ev.fields.limit_dropped > 0);
    expect_str("event_id", ev.event_id, "Virus found");
    cg_event_fini(&ev);
}

/* ---- split directives: "_kvlist" and "_xmlflat" ------------------------------------- */

/* A whole-line event without a syslog header, from text of n bytes (NUL bytes allowed). */
static void make_raw_n(struct cg_event *ev, const char *text, size_t n)
{
    cg_event_reset(ev);
    ev->line = cg_str_make(text, n);
    ev->sl.kind = CG_SYSLOG_NONE;
    ev->sl.msg = ev->line;
    ev->sl.tagged_msg = ev->line;
    ev->format = CG_FMT_RAW;
    ev->reason = CG_REJ_NO_DECODER;
}

struct split_case {
    const char *text;          /* the whole line */
    bool raw;                  /* the rule does not match after all */
    size_t dup;                /* duplicate keys dropped */
    const char *name;          /* header name; NULL: unset */
    const char *fields[10][2]; /* every field, in order */
};

/* Every field of ev, in order, and nothing else. */
static void expect_fields_exact(const char *what, struct cg_event *ev, const char *const f[][2],
                                size_t max)
{
    size_t n = 0;
    while (n < max && f[n][0])
        n++;
    if (ev->fields.n != n)
        fail_msg("%s: %zu fields, want %zu", what, ev->fields.n, n);
    for (size_t i = 0; i < n; i++) {
        expect_str(what, ev->fields.v[i].key, f[i][0]);
        expect_str(f[i][0], ev->fields.v[i].val, f[i][1]);
    }
}

/* The normalizer for a line of the splitter tests: ePO documents go through g_xf. */
static struct cg_normalizer *split_nz(const char *line)
{
    return strncmp(line, "EPOEvents: ", 11) == 0 ? g_xf : g_nz;
}

/* Each case twice in a row, and the table twice: the labels the splitters remember per position
 * (from the line before, of another case or the same) never change the result. */
static void check_split_cases(struct cg_normalizer *nz, const char *prefix,
                              const struct split_case *c, size_t nc)
{
    struct cg_event ev;
    char line[512];
    cg_event_init(&ev, 0);
    for (size_t k = 0; k < 4 * nc; k++) {
        size_t i = (k / 2) % nc;
        int len = snprintf(line, sizeof(line), "%s%s", prefix, c[i].text);
        assert_true(len > 0 && (size_t)len < sizeof(line));
        make_raw_n(&ev, line, (size_t)len);
        cg_normalize(nz, &ev);
        if ((ev.format == CG_FMT_RAW) != c[i].raw)
            fail_msg("[%s]: format %s", line, cg_format_name(ev.format));
        assert_int_equal(ev.fields.dup_dropped, c[i].dup);
        expect_str("name", ev.name, c[i].name);
        expect_fields_exact(line, &ev, c[i].fields, CG_ARRAY_LEN(c[i].fields));
    }
    cg_event_fini(&ev);
}

/* SEPM's list through sepm.rulebase ("_kvlist"): each piece rule, commas in values,
 * duplicates, and liblognorm's quirk kept (a path cut at the end of the line is lost). */
static void test_kvlist(void **state)
{
    (void)state;
    static const struct split_case cases[] = {
        {"A: 1,B: 2", false, 0, NULL, {{"a", "1"}, {"b", "2"}}},
        {"Company name: Adobe Systems, Incorporated,X: y",
         false,
         0,
         NULL,
         {{"company_name", "Adobe Systems, Incorporated"}, {"x", "y"}}},
        {" lead,A: 1", false, 0, NULL, {{"unlabeled.0", "lead"}, {"a", "1"}}},
        {"Occurrences: 1,C:\\a.exe,,Actual action: Left alone",
         false,
         0,
         NULL,
         {{"occurrences", "1"},
          {"file_path", "C:\\a.exe"},
          {"description", ""},
          {"actual_action", "Left alone"}}},
        {"Occurrences: 1,D:\\q1,q2\\e.com,,Actual action: Cleaned",
         false,
         0,
         NULL,
         {{"occurrences", "1"},
          {"file_path", "D:\\q1,q2\\e.com"},
          {"description", ""},
          {"actual_action", "Cleaned"}}},
        {"Occurrences: 2,C:\\x.dll,Found in memory,Actual action: Q",
         false,
         0,
         NULL,
         {{"occurrences", "2"},
          {"file_path", "C:\\x.dll"},
          {"description", "Found in memory"},
          {"actual_action", "Q"}}},
        {"Occurrences: 1,,,Actual action: z",
         false,
         0,
         NULL,
         {{"occurrences", "1"}, {"file_path", ""}, {"description", ""}, {"actual_action", "z"}}},
        {"Occurrences: 5,C:\\cut", false, 0, NULL, {{"occurrences", "5"}}},
        {"Occurrences: x,A: 1", false, 0, NULL, {{"occurrences", "x"}, {"a", "1"}}},
        {"Occurrences: 3,p,d, more",
         false,
         0,
         NULL,
         {{"occurrences", "3"}, {"file_path", "p"}, {"description", "d, more"}}},
        {"Detection Submissions No,Risk Level: High",
         false,
         0,
         NULL,
         {{"detection_submissions", "No"}, {"risk_level", "High"}}},
        {"Source IP:", false, 0, NULL, {{"source_ip", ""}}},
        {"A: 1,,,B: 2", false, 0, NULL, {{"a", "1"}, {"b", "2"}}},
        {"Subject: s,subject: t,Computer name: PC",
         false,
         1,
         NULL,
         {{"subject_", "s"}, {"computer_name", "PC"}, {"subject", "PC"}}},
        {"A: 1,A: 2, x", false, 1, NULL, {{"a", "1"}, {"unlabeled.0", "x"}}},
        {"a:b,:x,Label: v",
         false,
         0,
         NULL,
         {{"unlabeled.0", "a:b"}, {"unlabeled.1", ":x"}, {"label", "v"}}},
        {"Application version: 3,0,6,0",
         false,
         0,
         NULL,
         {{"application_version", "3"},
          {"unlabeled.0", "0"},
          {"unlabeled.1", "6"},
          {"unlabeled.2", "0"}}},
        {"Not on the permitted application list,Risk name: R",
         false,
         0,
         "R",
         {{"unlabeled.0", "Not on the permitted application list"}, {"risk_name", "R"}}},
        {"URL Tracking Status: Off,,", false, 0, NULL, {{"url_tracking_status", "Off"}}},
        {"", false, 0, NULL, {{NULL, NULL}}},
    };
    check_split_cases(g_nz, "SymantecServer: Virus found,", cases, CG_ARRAY_LEN(cases));
}

/* The ePO document through epo.rulebase ("_xmlflat"): tag forms, attributes, the
 * declaration, what makes a document not split, and liblognorm's quirks kept. */
static void test_xmlflat(void **state)
{
    (void)state;
    static const struct split_case cases[] = {
        {"<A>1</A>", false, 0, NULL, {{"a", "1"}}},
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?><E><MachineName>m</MachineName>"
         "<IPAddress>1.2.3.4</IPAddress></E>",
         false,
         0,
         NULL,
         {{"machine_name", "m"}, {"ip_address", "1.2.3.4"}, {"subject", "m"}}},
        {"<E><SoftwareInfo ProductName=\"P\" ProductVersion=\"1\"><X>v</X></SoftwareInfo></E>",
         false,
         0,
         NULL,
         {{"software_info.product_name", "P"}, {"software_info.product_version", "1"}, {"x", "v"}}},
        {"<E><A b=\"c\">v</A></E>", false, 0, NULL, {{"a", "v"}, {"a.b", "c"}}},
        {"<E><A b=\"c\"/><B/></E>", false, 0, NULL, {{"a.b", "c"}}},
        {"<E><A b=\"x&amp;y\"/></E>", false, 0, NULL, {{"a.b", "x&y"}}},
        {"<E><A></A></E>", false, 0, NULL, {{"a", ""}}},
        {"<E><A>1</A><A>2</A></E>", false, 1, NULL, {{"a", "1"}}},
        {"<?xml version=\"1.0\"?><!DOCTYPE E><!-- c --><?pi x?><E><A>1</A></E>",
         false,
         0,
         NULL,
         {{"a", "1"}}},
        {"<E> <A>1</A></E>", false, 0, NULL, {{"a", "1"}}},
        {"<E><A>1</A></E> \t", false, 0, NULL, {{"a", "1"}}},
        {"<E><A>1</A><B>tru", false, 0, NULL, {{"a", "1"}}}, /* cut in a text */
        /* A DOCTYPE's internal subset leaves "]>" after a tag. */
        {"<?xml version=\"1.0\"?><!DOCTYPE E [<!ENTITY e \"v\">]><E><A>&e;</A></E>",
         true,
         0,
         NULL,
         {{NULL, NULL}}},
        {"<E><A>1</A></E>x", true, 0, NULL, {{NULL, NULL}}},
        {"<E><A>1</A><B", true, 0, NULL, {{NULL, NULL}}},      /* cut in a tag */
        {"<E><A>1</A><B>2</B", true, 0, NULL, {{NULL, NULL}}}, /* cut in a closing tag */
        {"hello", true, 0, NULL, {{NULL, NULL}}},
        /* liblognorm's furthest-point rule: "</>" ends the text of <E> after "</". */
        {"<E></><A>1</A></E>", true, 0, NULL, {{NULL, NULL}}},
        /* Whitespace between tags and rsyslog's escapes of CR, LF, TAB (pretty-printed). */
        {"<?xml version=\"1.0\"?> <E><A>1</A></E>", false, 0, NULL, {{"a", "1"}}},
        {"<?xml version=\"1.0\"?><A>1</A> <B>2</B>", false, 0, NULL, {{"a", "1"}, {"b", "2"}}},
        {"<?xml version=\"1.0\"?>#015#012<E>#015#012#011<A>1</A>#015#012#011<B>x#012y</B>"
         "#015#012</E>#015#012",
         false,
         0,
         NULL,
         {{"a", "1"}, {"b", "x\ny"}}},
        {"<E><A>1</A>#033<B>2</B></E>", true, 0, NULL, {{NULL, NULL}}},
    };
    check_split_cases(g_xf, "EPOEvents: ", cases, CG_ARRAY_LEN(cases));
}

/* NUL bytes: a separator directly followed by one does not separate (liblognorm 2.0.6
 * compares literals up to their terminating NUL); other NUL bytes are data. */
static void test_split_nul(void **state)
{
    (void)state;
#define NZT_BYTES(s) s, sizeof(s) - 1
    static const struct {
        const char *text;
        size_t n;
        bool raw;
        const char *key;
        const char *val;
        size_t vn;
    } cases[] = {
        {NZT_BYTES("SymantecServer: Virus found,A: 1,\0B: 2"), true, NULL, NZT_BYTES("")},
        {NZT_BYTES("SymantecServer: Virus found,A: \0b,C: d"), false, "unlabeled.0",
         NZT_BYTES("A: \0b")},
        {NZT_BYTES("SymantecServer: Virus found,A\0: b"), false, "a", NZT_BYTES("b")},
        {NZT_BYTES("EPOEvents: <E><A>x\0y</A></E>"), false, "a", NZT_BYTES("x\0y")},
        {NZT_BYTES("EPOEvents: <E><\0A>1</A></E>"), true, NULL, NZT_BYTES("")},
    };
#undef NZT_BYTES
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        make_raw_n(&ev, cases[i].text, cases[i].n);
        cg_normalize(split_nz(cases[i].text), &ev);
        if ((ev.format == CG_FMT_RAW) != cases[i].raw)
            fail_msg("NUL case %zu: format %s", i, cg_format_name(ev.format));
        if (!cases[i].key)
            continue;
        const struct cg_str *v = cg_fields_getz(&ev.fields, cases[i].key);
        if (!v)
            fail_msg("NUL case %zu: no field %s", i, cases[i].key);
        assert_int_equal(v->n, cases[i].vn);
        assert_memory_equal(v->p, cases[i].val, cases[i].vn);
    }
    cg_event_fini(&ev);
}

/* Templates: literal '$' and an unclosed "${" are text; a template with more references than
 * the measuring pass keeps (8) is expanded the same way; an absent field skips it. */
static void test_fmt_refs(void **state)
{
    (void)state;
    struct cg_normalizer *nz = load_string(
        "fmt.rulebase", "version=2\n"
                        "rule=t:F %w:word% %v:word%\n"
                        "annotate=t:+a_fmt=\"${w}$${v}$x${\"\n"
                        "annotate=t:+b_fmt=\"a${w}b${v}$c${w}${w}${w}${w}${w}${w}${w}${ z\"\n"
                        "annotate=t:+c_fmt=\"${w}${w}${w}${w}${w}${w}${w}${w}${w}${nope}\"\n"
                        "annotate=t:+d_fmt=\"\"\n");
    struct cg_event ev;
    cg_event_init(&ev, 0);
    make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, "F 1 2");
    cg_normalize(nz, &ev);
    static const char *const want[][2] = {
        {"w", "1"}, {"v", "2"}, {"a", "1$2$x${"}, {"b", "a1b2$c1111111${ z"}, {"d", ""}};
    expect_fields_exact("templates", &ev, want, CG_ARRAY_LEN(want));
    cg_event_fini(&ev);
    cg_normalizer_free(nz);
}

/* The labels and tags remembered per position from the line before (map.h, struct
 * nz_memo) where the rules read the same bytes differently: a remembered label that rule 1,
 * 2 or 3 of a list takes; a remembered opening or closing tag followed by other bytes; a
 * remembered leaf name that is now an opening tag; attributes. Each line is read twice in a
 * row, and the sequence forwards and backwards. */
static void test_split_memo(void **state)
{
    (void)state;
#define NZT_LINE(s) s, sizeof(s) - 1
    static const struct {
        const char *text;
        size_t n;
        bool raw;
        const char *fields[10][2];
    } seq[] = {
        {NZT_LINE("SymantecServer: Virus found,A: 1,Occurrences: x,B: 2"),
         false,
         {{"a", "1"}, {"occurrences", "x"}, {"b", "2"}}},
        {NZT_LINE("SymantecServer: Virus found,A: 1,Occurrences: 5,p,d,B: 2"),
         false,
         {{"a", "1"}, {"occurrences", "5"}, {"file_path", "p"}, {"description", "d"}, {"b", "2"}}},
        {NZT_LINE("SymantecServer: Virus found,A: 1, \0x: y"), false, {{"a", "1"}, {"x", "y"}}},
        {NZT_LINE("SymantecServer: Virus found,A: 1, x: y"), false, {{"a", "1, x: y"}}},
        {NZT_LINE("SymantecServer: Virus found,Detection Submissions \0X: y,C: 1"),
         false,
         {{"detection_submissions_x", "y"}, {"c", "1"}}},
        {NZT_LINE("SymantecServer: Virus found,Detection Submissions X: y,C: 1"),
         false,
         {{"detection_submissions", "X: y"}, {"c", "1"}}},
        {NZT_LINE("SymantecServer: Virus found,A: 1,\0B: 2"), true, {{NULL, NULL}}},
        {NZT_LINE("EPOEvents: <E><A>1</A><B>2</B></E>"), false, {{"a", "1"}, {"b", "2"}}},
        {NZT_LINE("EPOEvents: <E><A><B>2</B></A></E>"), false, {{"b", "2"}}},
        {NZT_LINE("EPOEvents: <E><A></A></E>"), false, {{"a", ""}}},
        {NZT_LINE("EPOEvents: <E><A>t<B>2</B></A></E>"), false, {{"b", "2"}}},
        {NZT_LINE("EPOEvents: <E><A><B>2</B></A>x</E>"), true, {{NULL, NULL}}},
        {NZT_LINE("EPOEvents: <E><A><B>2</B></A\0></E>"), false, {{"b", "2"}}},
        {NZT_LINE("EPOEvents: <E><A x=\"1\"><B>2</B></A></E>"), false, {{"a.x", "1"}, {"b", "2"}}},
        {NZT_LINE("EPOEvents: <E><A x=\"1\">v</A></E>"), false, {{"a", "v"}, {"a.x", "1"}}},
        {NZT_LINE("EPOEvents: <E><A x=\"1\"></B></E>"), false, {{"a", ""}, {"a.x", "1"}}},
        {NZT_LINE("EPOEvents: <E><A x=\"1\" y=\"2\"/></E>"), false, {{"a.x", "1"}, {"a.y", "2"}}},
        {NZT_LINE("EPOEvents: <E><A x=\"1\"y=\"2\"/></E>"), false, {{NULL, NULL}}},
        {NZT_LINE("EPOEvents: <E><A a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\" f=\"6\" "
                  "g=\"7\" h=\"8\" i=\"9\"/></E>"),
         false,
         {{"a.a", "1"},
          {"a.b", "2"},
          {"a.c", "3"},
          {"a.d", "4"},
          {"a.e", "5"},
          {"a.f", "6"},
          {"a.g", "7"},
          {"a.h", "8"},
          {"a.i", "9"}}},
    };
#undef NZT_LINE
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t k = 0; k < 4 * CG_ARRAY_LEN(seq); k++) {
        size_t j = (k / 2) % CG_ARRAY_LEN(seq);
        size_t i = k < 2 * CG_ARRAY_LEN(seq) ? j : CG_ARRAY_LEN(seq) - 1 - j;
        make_raw_n(&ev, seq[i].text, seq[i].n);
        cg_normalize(split_nz(seq[i].text), &ev);
        if ((ev.format == CG_FMT_RAW) != seq[i].raw)
            fail_msg("memo line %zu: format %s", i, cg_format_name(ev.format));
        expect_fields_exact(seq[i].text, &ev, seq[i].fields, CG_ARRAY_LEN(seq[i].fields));
    }
    cg_event_fini(&ev);
}

/* The directives are generic: any rule may use them, and the name before the suffix is
 * not a field. */
static void test_split_generic(void **state)
{
    (void)state;
    struct cg_normalizer *nz =
        load_string("split.rulebase", "version=2\n"
                                      "rule=k:K %x:word% %list_kvlist:rest%\n"
                                      "rule=d:D <%doc_xmlflat:rest%\n");
    struct cg_event ev;
    cg_event_init(&ev, 0);
    make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, "K 7 IP Address: 1.2.3.4,Name: n, m");
    cg_normalize(nz, &ev);
    static const char *const kv[][2] = {{"x", "7"}, {"ip_address", "1.2.3.4"}, {"name", "n, m"}};
    expect_fields_exact("kvlist", &ev, kv, CG_ARRAY_LEN(kv));
    make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, "D <R><TargetHostName>h</TargetHostName></R>");
    cg_normalize(nz, &ev);
    static const char *const xf[][2] = {{"target_host_name", "h"}};
    expect_fields_exact("xmlflat", &ev, xf, CG_ARRAY_LEN(xf));
    make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, "D <R><A>1</A></R> trailing");
    cg_normalize(nz, &ev);
    assert_int_equal(ev.format, CG_FMT_RAW); /* did not split: not matched, left raw */
    assert_int_equal(ev.fields.n, 0);
    cg_event_fini(&ev);
    cg_normalizer_free(nz);
}

/* "<name>_require": a rule matches only when one of the listed fields is present and not
 * empty; otherwise the next file is tried (here: none, so the line stays raw). The list is
 * checked on the parsed fields, the name is not a field, and both ways of applying the
 * annotations (cefguard's, and liblognorm's when one line is not of the simple form) agree. */
static void test_require(void **state)
{
    (void)state;
    static const char rb[] = "version=2\n"
                             "rule=q:Q %a:word% %b:word%\n"
                             "rule=r:R <%doc_xmlflat:rest%\n"
                             "annotate=q:+vendor=\"V\"\n"
                             "annotate=q:+q_require=\"c, b\"\n"
                             "annotate=r:+doc_require=\"machine_name,event_id\"\n";
    char fallback[sizeof(rb) + 64];
    snprintf(fallback, sizeof(fallback), "%sannotate=zz:+q=\"1\" +r=\"2\"\n", rb);
    struct cg_normalizer *nz[2] = {load_string("req.rulebase", rb),
                                   load_string("req2.rulebase", fallback)};
    static const struct {
        const char *line;
        bool raw;
        size_t nfields;
    } cases[] = {
        {"Q 1 2", false, 2},
        {"R <E><EventID>1027</EventID></E>", false, 1},
        {"R <E>#012 <X>1</X>#012 <MachineName>m</MachineName>#012</E>", false, 2},
        {"R <E><X>1</X><Y a=\"b\"/></E>", true, 0},                /* no listed element */
        {"R <E><MachineName></MachineName><X>1</X></E>", true, 0}, /* only an empty one */
        {"R <E></E>", true, 0},
    };
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
            make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, cases[i].line);
            cg_normalize(nz[k], &ev);
            if ((ev.format == CG_FMT_RAW) != cases[i].raw || ev.fields.n != cases[i].nfields)
                fail_msg("[%s] rulebase %zu: format %s, %zu fields", cases[i].line, k,
                         cg_format_name(ev.format), ev.fields.n);
            expect_field(&ev, "q_require", NULL);
            expect_field(&ev, "doc_require", NULL);
            if (cases[i].raw)
                expect_str("vendor", ev.vendor, NULL);
        }
    }
    cg_event_fini(&ev);
    cg_normalizer_free(nz[0]);
    cg_normalizer_free(nz[1]);
}

/* The shipped epo.rulebase: an ePO event, pretty-printed or escaped by rsyslog, decodes; a
 * document with none of the elements that make it an ePO event stays raw. */
static void test_epo_recognised(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        bool raw;
        const char *event_id, *subject;
    } cases[] = {
        {"EPOEvents: <?xml version=\"1.0\" encoding=\"UTF-8\"?>#015#012<EPOEvent>#015#012"
         "#011<MachineInfo>#015#012#011#011<MachineName>WS-01</MachineName>#015#012#011"
         "</MachineInfo>#015#012#011<SoftwareInfo ProductName=\"McAfee Endpoint Security\">"
         "#015#012#011#011<Event>#015#012#011#011#011<EventID>1027</EventID>#015#012#011#011"
         "</Event>#015#012#011</SoftwareInfo>#015#012</EPOEvent>",
         false, "1027", "WS-01"},
        {"EPOEvents: <?xml version=\"1.0\"?>\r\n<UpdateEvents>\r\n  <UpdateEvent>\r\n    "
         "<EventID>2402</EventID>\r\n  </UpdateEvent>\r\n</UpdateEvents>\r\n",
         false, "2402", NULL},
        {"EPOEvents: <?xml version=\"1.0\"?><Heartbeat><Status>OK</Status></Heartbeat>", true, NULL,
         NULL},
        {"EPOEvents: <EPOEvent><MachineInfo><MachineName></MachineName></MachineInfo></EPOEvent>",
         true, NULL, NULL},
        {"EPOEvents: <EPOEvent></EPOEvent>", true, NULL, NULL},
    };
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, cases[i].line);
        cg_normalize(g_nz, &ev);
        if ((ev.format == CG_FMT_RAW) != cases[i].raw)
            fail_msg("[%s]: format %s", cases[i].line, cg_format_name(ev.format));
        expect_str("event_id", ev.event_id, cases[i].event_id);
        expect_field(&ev, "subject", cases[i].subject);
        if (cases[i].raw)
            assert_int_equal(ev.fields.n, 0);
    }
    cg_event_fini(&ev);
}

/* ---- annotations ---------------------------------------------------------------------- */

/* annotate= lines are applied by annotate.c when they all have the simple form; the result
 * must be what liblognorm gives: tags last first, lines last first, a name that comes again
 * keeps its first place, one named like a parsed field takes that field's place. The same
 * file with one line liblognorm must apply itself gives the same events. */
static void test_annotations(void **state)
{
    (void)state;
    static const char rb[] = "version=2\n"
                             "rule=t,u:A %vendor:word% %b:word% %c:word%\n"
                             "annotate=t:+b=\"ann\"\n"
                             "annotate=u:+z=\"1\"\n"
                             "annotate=t:+y=\"2\"\n"
                             "annotate=u:+b=\"fromu\"\n"
                             "annotate=t:+y=\"3\"\n"
                             "annotate=u:+product=\"P\"\n"
                             "annotate=t:+product=\"Q\"\n"
                             "annotate=t:+note_xml=\"a&amp;b\"\n";
    char fallback[sizeof(rb) + 64];
    snprintf(fallback, sizeof(fallback), "%sannotate=zz:+q=\"1\" +r=\"2\"\n", rb);
    struct cg_normalizer *nz[2] = {load_string("ann.rulebase", rb),
                                   load_string("ann2.rulebase", fallback)};
    /* Land order: u's product, z (b takes the parsed b's place), then t's note_xml, y;
     * visited last landed first, then the parsed fields. */
    static const char *const want[][2] = {
        {"y", "2"}, {"note", "a&b"}, {"z", "1"}, {"b", "ann"}, {"c", "cc"}};
    struct cg_event ev;
    cg_event_init(&ev, 0);
    for (size_t i = 0; i < 2; i++) {
        make_raw(&ev, CG_SYSLOG_NONE, NULL, NULL, "A v bb cc");
        cg_normalize(nz[i], &ev);
        assert_int_equal(ev.format, CG_FMT_LOGNORM);
        expect_str("vendor", ev.vendor, "v");
        expect_str("product", ev.product, "Q");
        expect_fields_exact(i ? "liblognorm's annotations" : "native annotations", &ev, want,
                            CG_ARRAY_LEN(want));
        cg_normalizer_free(nz[i]);
    }
    cg_event_fini(&ev);
}

/* ---- subject ------------------------------------------------------------------------ */

/* Subject of a CEF event whose extension is still undecoded: cg_event_field decodes it. */
static void test_subject_lazy_cef(void **state)
{
    (void)state;
    struct cg_event ev;
    cg_event_init(&ev, 0);
    cg_event_reset(&ev);
    ev.format = CG_FMT_CEF;
    ev.reason = CG_REJ_NONE;
    ev.sl.host = CG_STR_LIT("dsm01");
    ev.product = CG_STR_LIT("Deep Security Agent");
    ev.body = CG_STR_LIT("cn1=42 cn1Label=Host ID dvchost=db-07 act=Quarantine");
    cg_normalize(g_nz, &ev);
    cg_event_subject(&ev);
    assert_true(ev.fields_done); /* the subject lookup decoded the extension */
    if (cg_fields_getz(&ev.fields, "dvchost")) {
        expect_str("subject", ev.subject, "db-07");
        expect_str("subject_key", ev.subject_key, "dvchost");
    } else { /* CEF decoder not built yet */
        expect_str("subject", ev.subject, "dsm01");
    }
    cg_event_fini(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_shipped),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_syntax_error),
        cmocka_unit_test(test_load_not_v2),
        cmocka_unit_test(test_load_dir_order),
        cmocka_unit_test(test_vendor_cases),
        cmocka_unit_test(test_input_text),
        cmocka_unit_test(test_prefilter),
        cmocka_unit_test(test_mapping_generic),
        cmocka_unit_test(test_fmt_refs),
        cmocka_unit_test(test_xml_entities),
        cmocka_unit_test(test_pair_list_keys),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_subject_lazy_cef),
        cmocka_unit_test(test_kvlist),
        cmocka_unit_test(test_xmlflat),
        cmocka_unit_test(test_require),
        cmocka_unit_test(test_epo_recognised),
        cmocka_unit_test(test_split_nul),
        cmocka_unit_test(test_split_generic),
        cmocka_unit_test(test_split_memo),
        cmocka_unit_test(test_annotations),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
