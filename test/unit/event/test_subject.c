/*
 * test_subject.c - the machine an event is about (subject.c): real line shapes of every
 * vendor row, through the decoder and the shipped rulebases, with hostile values beside
 * them. Each case: line -> subject, subject_key, subject_status, exactly. The sources of
 * the lines are in test/data/README.md (section "subject").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>

#include "cefguard/decode.h"
#include "cefguard/normalize.h"

#define RULES_DIR CG_SOURCE_DIR "/rules/lognorm"

/* Deep Security: the shipped rules' test lines (Deep Security syslog documentation). */
#define DSA "<134>Apr 20 10:15:02 dsm01 CEF:0|Trend Micro|Deep Security Agent|20.0.877|4000000|"
#define DSA_AM "TROJ_GEN.R002C0PDK25|6|cn1=12 cn1Label=Host ID "
#define DSA_TAIL "filePath=C:\\\\Temp\\\\a.exe act=Clean result=Clean Failed msg=Realtime"
#define DSM "Apr 20 03:20:54 kaga CEF: 0|Trend Micro|Deep Security Manager|12.0.383|"
#define DSM_2205                                                                                   \
    "2205|Security Update: Pattern Update on Agents/Appliances Failed|6|src=192.168.100.120 "      \
    "suser=System "
/* Apex Central (Apex Central online help, "Syslog Content Mapping - CEF" samples). */
#define APEX_AV                                                                                    \
    "<129>Jul 24 2019 12:47:36 apexcentral CEF:0|Trend Micro|Apex Central|2019|AV:File "           \
    "cleaned|Eicar_test_1|3|deviceExternalId=5 rt=Jul 24 2019 03:47:36 GMT+00:00 cnt=1 "
#define APEX_AV_TAIL                                                                               \
    "act=File cleaned cs1Label=Scan_Type cs1=Real-time Scan fname=eicar.com "                      \
    "filePath=C:\\\\Users\\\\jdoe\\\\Downloads\\\\ dvchost=apexone-srv"
#define APEX_CNC                                                                                   \
    "<129>Oct 11 2017 06:34:09 apexcentral CEF:0|Trend Micro|Apex Central|2019|CnC:Block|CnC "     \
    "Callback|3|deviceExternalId=12 rt=Oct 11 2017 06:34:09 GMT+00:00 cat=1756 "                   \
    "deviceFacility=Apex One cs2Label=EI_ProductVersion cs2=11.0 "
#define APEX_CNC_TAIL                                                                              \
    "cs3Label=SLF_DomainName cs3=DOMAIN act=Block cn1Label=SLF_CCCA_RiskLevel cn1=1 "              \
    "dst=10.201.86.195 deviceNtDomain=APEXTMCM dntdom=OSCEDomain1 dvchost=localhost "              \
    "TMCMLogDetectedHost=ApexOneClient01 TMCMLogDetectedIP=10.201.86.187"
#define APEX_800101                                                                                \
    "<129>Nov 02 2017 12:46:44 apexcentral CEF:0|Trend Micro|Apex Central|2019|800101|Pattern "    \
    "Update Status|3|rt=Nov 02 2017 12:46:44 GMT+00:00 shost=shost1 cs1Label=Operating_System "    \
    "cs1=Windows 7  cs2Label=Product/Endpoint_IP cs2=10.0.7.20 cs3Label=Update_Agent cs3=0 "       \
    "cs4Label=Domain cs4=Default cn1Label=Connection_Status cn1=100 cn2Label=Pattern/Rule "        \
    "cn2=2048 cs5Label=Pattern/Rule_Version cs5=1548 cn3Label=Pattern/Rule_Status cn3=1 "          \
    "cs6Label=AUComponent_Type cs6=2 deviceFacility=Apex One deviceNtDomain=APEXTMCM "             \
    "dntdom=OSCEDomain1"
/* SEPM (elastic/integrations symantec_endpoint fixture shape, the shipped rules' test). */
#define SEPM "Apr 21 02:10:00 sepm01 SymantecServer: Virus found,IP Address: 10.1.2.39,"
#define SEPM_TAIL                                                                                  \
    ",Source: Auto-Protect scan,Risk name: Trojan.Gen.2,Occurrences: 1,C:\\Temp\\y.exe,,Actual "   \
    "action: Left alone,Requested action: Cleaned,Secondary action: Left alone,Event time: "       \
    "2025-04-21 02:09:59,Domain: Default,Group: My Company\\Servers,Server: sepm01,User: SYSTEM"
/* ePO (elastic/integrations trellix_epo_on_prem shape, the shipped rules' test). */
#define EPO                                                                                        \
    "<29>1 2025-04-20T07:00:02.000Z epo01 EPOEvents - EventFwd [agentInfo@3401 tenantId=\"1\"] "   \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><EPOEvent><MachineInfo><MachineName>APP-03"         \
    "</MachineName><IPAddress>10.1.3.3</IPAddress></MachineInfo><SoftwareInfo "                    \
    "ProductName=\"McAfee Endpoint Security\" ProductVersion=\"10.7.0\" ProductFamily=\"TVD\">"    \
    "<Event><EventID>1026</EventID><Severity>4</Severity><CommonFields><ThreatName>EICAR test "    \
    "file</ThreatName><ThreatType>test</ThreatType><ThreatHandled>false</ThreatHandled>"
#define EPO_TAIL                                                                                   \
    "<TargetFileName>C:\\Temp\\eicar.com</TargetFileName></CommonFields></Event></SoftwareInfo>"   \
    "</EPOEvent>"
/* OfficeScan (OfficeScan online help, standard notification; the shipped rules' test). */
#define OSCE                                                                                       \
    "Apr 20 05:00:00 osce01 OfficeScan: At 4/20/2025 4:59:58 AM, OfficeScan found the following "  \
    "virus on computer WORKGROUP\\FS-01: virus TROJ_GEN.R002C0DDL25, location: "                   \
    "C:\\Users\\Public\\invoice.exe. OfficeScan performed the following action on the infected "   \
    "computer: Unable to clean or quarantine the file."

static const struct {
    const char *what, *line;
    const char *subject, *key, *status; /* subject NULL: unset */
} cases[] = {
    {"DS agent, relayed, dvchost", DSA DSA_AM "dvchost=web-01 " DSA_TAIL, "web-01", "dvchost",
     "ok"},
    {"DS agent, IPv4 agent: dvc",
     "Apr 20 10:30:00 10.1.5.21 CEF: 0|Trend Micro|Deep Security Agent|12.0.0.967|4000001|"
     "HKTL_PWDUMP|6|cn1=31 cn1Label=Host ID dvc=10.1.5.21 filePath=/srv/share/tools/pwdump.exe "
     "act=Pass msg=Scheduled",
     "10.1.5.21", "dvc", "ok"},
    {"DS agent, LEEF, dvc",
     "Apr 20 03:38:00 dsm LEEF: 2.0|Trend Micro|Deep Security Agent|20.0.877|4000000|"
     "cat=Anti-Malware\tname=HEU_AEGIS_CRYPT\tsev=6\tcn1=241\tcn1Label=Host ID\t"
     "dvc=10.201.114.164\tact=Terminate\tmsg=Realtime",
     "10.201.114.164", "dvc", "ok"},
    {"DS agent relayed without dvchost/dvc: never the manager", DSA DSA_AM DSA_TAIL, "dsm01",
     "host", "fallback"},
    {"DS agent, empty dvchost and dvc", DSA DSA_AM "dvchost= dvc= " DSA_TAIL, "dsm01", "host",
     "fallback"},
    {"DS agent, hostile dvchost", DSA DSA_AM "dvchost=web-15;touch /tmp/x " DSA_TAIL,
     "web-15;touch /tmp/x", "dvchost", "invalid"},
    {"DS agent, option-like dvchost, valid dvc",
     DSA DSA_AM "dvchost=-oProxyCommand=x dvc=10.1.2.3 " DSA_TAIL, "10.1.2.3", "dvc", "ok"},
    {"DS agent, decoded \\n in dvchost", DSA DSA_AM "dvchost=web-15\\nx " DSA_TAIL, "web-15\nx",
     "dvchost", "invalid"},
    {"DS agent, mail address and N/A", DSA DSA_AM "dvchost=user@test.com dvc=N/A " DSA_TAIL,
     "user@test.com", "dvchost", "invalid"},
    {"DS agent, IPv6 dvchost", DSA DSA_AM "dvchost=fe80::38ca:cd15:443c:40bb " DSA_TAIL,
     "fe80::38ca:cd15:443c:40bb", "dvchost", "ok"},
    {"DSM 2205: target", DSM DSM_2205 "target=DSA-test msg=There was a failure", "DSA-test",
     "target", "ok"},
    {"DSM: target with its address", DSM DSM_2205 "target=web-app-01 (192.168.1.61) msg=x",
     "web-app-01", "target", "ok"},
    {"DSM: target whose name is no host name: the address",
     DSM DSM_2205 "target=web app 01 (192.168.1.61) msg=x", "192.168.1.61", "target", "ok"},
    {"DSM: target with neither", DSM DSM_2205 "target=Policy: Base Policy msg=x",
     "Policy: Base Policy", "target", "invalid"},
    {"DSM 600 User Signed In: the target is a user, the event is about the manager",
     DSM "600|User Signed In|3|src=10.52.116.160 suser=admin target=admin msg=User signed in "
         "from fe80:0:0:0:2d02:9870:beaa:fd41",
     "kaga", "host", "fallback"},
    {"DSM without target", DSM DSM_2205 "msg=x", "kaga", "host", "fallback"},
    {"DSM 190 Alert Started, target=System: the manager itself",
     "<134>Apr 20 03:27:00 kaga CEF:0|Trend Micro|Deep Security Manager|12.0.383|190|Alert "
     "Started|6|src=10.0.0.5 suser=System target=System msg=Alert: Anti-Malware Protection "
     "Offline\\nSubject: Anti-Malware Protection Offline\\nSeverity: Warning",
     "kaga", "host", "fallback"},
    {"Workload Security Manager: target",
     "Apr 20 03:20:54 c1ws CEF:0|Trend Micro|Workload Security Manager|20.0|2205|x|6|"
     "target=ip-10-0-0-5.ec2.internal",
     "ip-10-0-0-5.ec2.internal", "target", "ok"},
    {"Apex AV: dhost", APEX_AV "dhost=ACME-PC01 duser=ACME\\\\jdoe dst=10.1.128.14 " APEX_AV_TAIL,
     "ACME-PC01", "dhost", "ok"},
    {"Apex AV: dhost a mail address, dst",
     APEX_AV "dhost=user@test.com dst=10.1.128.14 " APEX_AV_TAIL, "10.1.128.14", "dst", "ok"},
    {"Apex AV: dhost a mail address only, never dvchost",
     APEX_AV "dhost=user@test.com " APEX_AV_TAIL, "user@test.com", "dhost", "invalid"},
    {"Apex AV: no endpoint: never dvchost (the Apex One server)", APEX_AV APEX_AV_TAIL,
     "apexcentral", "host", "fallback"},
    {"Apex C&C: shost, never dst (the C&C server)",
     APEX_CNC "shost=ApexOneClient01 src=10.201.86.187 " APEX_CNC_TAIL, "ApexOneClient01", "shost",
     "ok"},
    {"Apex C&C without shost: src", APEX_CNC "src=10.201.86.187 " APEX_CNC_TAIL, "10.201.86.187",
     "src", "ok"},
    {"Apex C&C with neither: never dst", APEX_CNC APEX_CNC_TAIL, "apexcentral", "host", "fallback"},
    {"Apex NCIE (no shost in this log type): src, never dst or dvchost",
     "<129>Oct 11 2017 06:34:06 apexcentral CEF:0|Trend Micro|Apex Central|2019|NCIE:Pass|"
     "Suspicious Connection|3|deviceExternalId=1 rt=Oct 11 2017 06:34:06 GMT+00:00 cat=1756 "
     "deviceFacility=Apex One deviceProcessName=C:\\\\Windows\\\\system32\\\\svchost-1.exe "
     "act=Pass src=10.201.86.152 dst=10.69.81.64 spt=54594 dpt=80 deviceDirection=None "
     "cn1Label=SLF_PatternType cn1=2 cs2Label=NCIE_ThreatName "
     "cs2=Malicious_identified_CnC_querying_on_UDP_detected reason=F deviceNtDomain=APEXTMCM "
     "dntdom=OSCEDomain1 dvchost=shost1 TMCMLogDetectedHost=shost1",
     "10.201.86.152", "src", "ok"},
    {"Apex 800101 pattern status: shost", APEX_800101, "shost1", "shost", "ok"},
    {"Apex 800102 engine status without shost: not cs2",
     "<129>Nov 02 2017 12:46:44 apexcentral CEF:0|Trend Micro|Apex Central|2019|800102|Engine "
     "Update Status|3|cs2Label=Product/Endpoint_IP cs2=10.0.7.20 dhost=x",
     "apexcentral", "host", "fallback"},
    {"Apex spyware/grayware (another log type): dhost",
     "<129>Oct 06 2017 08:39:46 apexcentral CEF:0|Trend Micro|Apex Central|2019|Spyware "
     "Detected|Spyware Detected|3|deviceExternalId=3 rt=Oct 06 2017 08:39:46 GMT+00:00 cnt=1 "
     "dhost=ApexOneClient01 cn1Label=PatternType cn1=1073741840 cs1Label=VirusName "
     "cs1=ADW_OPENCANDY cs5Label=ActionResult cs5=Reboot system successfully cat=1727 "
     "dvchost=ApexOneClient01 dst=50.8.1.1 deviceFacility=Apex One",
     "ApexOneClient01", "dhost", "ok"},
    {"Apex spyware/grayware without dhost: dst, never dvchost",
     "<129>Oct 06 2017 08:39:46 apexcentral CEF:0|Trend Micro|Apex Central|2019|Spyware "
     "Detected|Spyware Detected|3|cnt=1 cs1Label=VirusName cs1=ADW_OPENCANDY "
     "dvchost=apexone-srv dst=50.8.1.1",
     "50.8.1.1", "dst", "ok"},
    {"SEPM: Computer name", SEPM "Computer name: db-09" SEPM_TAIL, "db-09", "computer_name", "ok"},
    {"SEPM: hostile Computer name, IP Address", SEPM "Computer name: db-09;reboot" SEPM_TAIL,
     "10.1.2.39", "ip_address", "ok"},
    {"ePO: MachineName, TargetHostName the same machine",
     EPO "<TargetHostName>app-03</TargetHostName>" EPO_TAIL, "APP-03", "machine_name", "ok"},
    {"ePO: no TargetHostName", EPO EPO_TAIL, "APP-03", "machine_name", "ok"},
    {"ePO: TargetHostName another machine: ambiguous",
     EPO "<TargetHostName>WS-042</TargetHostName>" EPO_TAIL, "APP-03", "machine_name", "ambiguous"},
    {"ePO: TargetHostName N/A is no machine", EPO "<TargetHostName>N/A</TargetHostName>" EPO_TAIL,
     "APP-03", "machine_name", "ok"},
    {"OfficeScan: computer", OSCE, "FS-01", "computer_name", "ok"},
    {"Fujitsu ROR (no machine field): the sender",
     "Apr 20 09:00:00 rormgr01 FJSVrcx: INFO: 21143: quarantine "
     "L-Server(submgr:192.168.1.10):started",
     "rormgr01", "host", "fallback"},
    {"raw line", "Apr 20 09:00:00 web01 sshd[42]: Accepted publickey", "web01", "host", "fallback"},
    {"raw line without a host", "", NULL, NULL, "missing"},
};

static struct cg_normalizer *g_nz;

static int setup(void **state)
{
    (void)state;
    g_nz = cg_normalizer_new();
    struct cg_buf err;
    cg_buf_init(&err);
    int rc = g_nz ? cg_normalizer_load_dir(g_nz, RULES_DIR, &err) : CG_ENOMEM;
    if (rc != CG_OK)
        fprintf(stderr, "shipped rulebases: %s\n", cg_buf_cstr(&err));
    cg_buf_fini(&err);
    return rc == CG_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cg_normalizer_free(g_nz);
    return 0;
}

static unsigned g_failed;

static void expect(size_t i, const char *what, struct cg_str got, const char *want)
{
    if (want ? cg_str_eqz(got, want) : !got.p)
        return;
    print_error("case %zu (%s): %s [%.*s], want [%s]\n", i, cases[i].what, what, (int)got.n,
                got.p ? got.p : "(unset)", want ? want : "(unset)");
    g_failed++;
}

/* A decoder for files of 2025 and an empty event. */
static void start(struct cg_decoder *d, struct cg_event *ev)
{
    struct cg_syslog_opts o = {.year_mode = CG_YEAR_STREAM, .year = 2025};
    assert_int_equal(cg_decoder_init(d, &o), CG_OK);
    cg_event_init(ev, 0);
}

static void test_subject_table(void **state)
{
    (void)state;
    struct cg_decoder d;
    struct cg_event ev;
    start(&d, &ev);
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].line);
        char *buf = copy_exact(cases[i].line, n);
        cg_event_reset(&ev);
        cg_decode_line(&d, buf, n, &ev);
        cg_normalize(g_nz, &ev);
        cg_event_subject(&ev);
        expect(i, "subject", ev.subject, cases[i].subject);
        expect(i, "subject_key", ev.subject_key, cases[i].key);
        const char *st = cg_subject_status_name(ev.subject_status);
        expect(i, "subject_status", cg_str_make(st, strlen(st)), cases[i].status);
        free(buf);
    }
    cg_event_fini(&ev);
    cg_decoder_fini(&d);
    assert_int_equal(g_failed, 0);
}

/* Lazy: nothing is decoded before the subject is asked for, and once resolved it stays. */
static void test_subject_lazy(void **state)
{
    (void)state;
    struct cg_decoder d;
    struct cg_event ev;
    start(&d, &ev);
    const char *line = DSA DSA_AM "dvchost=web-01 " DSA_TAIL;
    cg_decode_line(&d, line, strlen(line), &ev);
    assert_false(ev.fields_done);
    assert_false(ev.subject_done);
    cg_event_subject(&ev);
    assert_true(ev.fields_done);
    const char *p = ev.subject.p;
    cg_event_subject(&ev);
    assert_ptr_equal(ev.subject.p, p);
    assert_int_equal(ev.subject_status, CG_SUBJ_OK);
    cg_event_fini(&ev);
    cg_decoder_fini(&d);
}

static void test_subject_status_names(void **state)
{
    (void)state;
    static const char *const want[] = {"ok", "fallback", "missing", "invalid", "ambiguous"};
    for (int i = 0; i < CG_SUBJ_MAX; i++)
        assert_string_equal(cg_subject_status_name((enum cg_subject_status)i), want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_table),
        cmocka_unit_test(test_subject_lazy),
        cmocka_unit_test(test_subject_status_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
