#!/usr/bin/env bash
# The service's state and operations: a restart keeps an open hold-down window and fires it
# exactly once; SIGHUP with a broken rule file keeps the old rules (and says why), a good one
# takes effect and keeps the state of the unchanged rules; a second instance on the same state
# directory is refused; the bundled configuration is packaging/cefguard.yml and check -c
# reports configuration errors at file:line:column.
#
# usage: test_service_state.sh CEFGUARD SOURCE_DIR
set -uo pipefail
. "$2/test/integration/lib.sh"
cg_init "$@"
cg_tmpdir
T=$CG_TMP S=$T/state
mkdir -p "$T/rules"

# ---- the bundled configuration and check -c ---------------------------------------------------
"$CG_BIN" help config | cmp -s - "$CG_SRC/packaging/cefguard.yml" ||
    cg_fail "cefguard help config differs from packaging/cefguard.yml"
"$CG_BIN" check -c "$CG_SRC/packaging/cefguard.yml" >/dev/null || cg_fail "check -c packaging/cefguard.yml"
printf 'inputs:\n  u: {type: udp, listen: "127.0.0.1:99999"}\n  x: {type: nope}\nmax-lin: 3\n' >"$T/bad.yml"
out=$("$CG_BIN" check -c "$T/bad.yml" 2>&1) && cg_fail "check -c accepted a bad file"
want="$T/bad.yml:2:26: listen: bad value '127.0.0.1:99999': expected HOST:PORT (127.0.0.1:5514, [::1]:5514, *:5514): the port is a number from 0 to 65535
$T/bad.yml:3:13: unknown input type 'nope' (one of: tcp tls udp stdin)
$T/bad.yml:4:1: unknown setting 'max-lin'"
[ "$out" = "$want" ] || cg_fail "check -c said:
$out
expected:
$want"

# ---- a hold-down window survives a restart and fires once -------------------------------------
cat >"$T/rules/hold.yml" <<'EOR'
rules:
  - id: test-offline
    description: offline and not back within 2 s
    severity: medium
    match: {vendor: Trend Micro, event_id: 730}
    key: [fields.target]
    holddown:
      cancel: {vendor: Trend Micro, event_id: 731}
      key: [fields.target]
      for: 2s
    summary: "{fields.target} offline"
  - id: test-count
    description: three malware lines of a computer
    severity: high
    match: {vendor: Trend Micro, event_id: 4000000}
    key: [fields.dvchost]
    threshold: {count: 3, window: 1h}
    summary: "three on {fields.dvchost}"
EOR
# a second instance, B, receives what A forwards (CEF over UDP): its events are A's alerts
cat >"$T/b.yml" <<EOC
state-dir: $T/state-b
inputs:
  udp: {type: udp, listen: "127.0.0.1:0"}
  tcp: {type: tcp, listen: "127.0.0.1:0"}
sinks:
  events: {type: jsonl, path: $T/b-events.json, events-only: true}
EOC
cg_start b "$CG_BIN" run -c "$T/b.yml"
bport=$(cg_port "$T/state-b" udp)
cat >"$T/run.yml" <<EOC
state-dir: $S
flush-interval: 50ms
rules: [$T/rules]
http-listen: "127.0.0.1:0"
inputs:
  udp: {type: udp, listen: "127.0.0.1:0"}
sinks:
  alerts: {type: jsonl, path: $T/alerts.json}
  siem: {type: forward, target: "127.0.0.1:$bport", transport: udp, format: cef}
EOC
cg_start svc "$CG_BIN" run -c "$T/run.yml"
port=$(cg_port "$S" udp)
send() { # CEF header fields after the product; now as the stamp
    printf '<134>1 %s dsm01 dsm - - - CEF:0|Trend Micro|Deep Security Manager|20.0|%s\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1" >/dev/udp/127.0.0.1/"$port"
}
send '730|Offline|6|target=web07'
send '4000000|Mal|6|dvchost=pc1'
send '4000000|Mal|6|dvchost=pc1'
cg_wait_stat "$S" lines -eq 3 10
cg_wait_stat "$S" rule.test-offline.keys -eq 1 5

# a second instance on the same directory is refused, naming the holder
out=$("$CG_BIN" run -c "$T/run.yml" --set inputs.udp=off 2>&1) && cg_fail "a second instance ran"
grep -q "is in use by another cefguard (pid $(cg_pid svc))" <<<"$out" || cg_fail "second instance: $out"

cg_stop svc TERM 10 || cg_fail "stop"
[ ! -s "$T/alerts.json" ] || cg_fail "an alert before the window ended: $(cat "$T/alerts.json")"
cg_start svc2 "$CG_BIN" run -c "$T/run.yml"
port=$(cg_port "$S" udp)
cg_wait_stat "$S" rule.test-offline.alerts -eq 1 10
cg_poll 1 false # nothing more comes
[ "$(grep -c '"rule":"test-offline"' "$T/alerts.json")" -eq 1 ] || cg_fail "hold-down alerts: $(cat "$T/alerts.json")"

# ---- the Prometheus listener and the forwarded alert ------------------------------------------
hport=$(cg_stat "$S" service.http_port)
[ "${hport:-0}" -gt 0 ] || cg_fail "no metrics port"
exec 3<>"/dev/tcp/127.0.0.1/$hport" || cg_fail "connect to the metrics port"
printf 'GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n' >&3
metrics=$(cat <&3)
exec 3>&-
grep -q '^HTTP/1.[01] 200' <<<"$metrics" || cg_fail "metrics: $(head -3 <<<"$metrics")"
grep -qx 'cefguard_rule_alerts_total{rule="test-offline"} 1' <<<"${metrics//$'\r'/}" ||
    cg_fail "metrics lack the rule's alert: $(grep rule_alerts <<<"$metrics")"
grep -q '^cefguard_input_received_total{input="udp"} ' <<<"$metrics" || cg_fail "metrics lack the input"
grep -q '^# TYPE cefguard_lines_total counter' <<<"$metrics" || cg_fail "metrics lack the TYPE lines"
cg_wait_stat "$T/state-b" lines -ge 1 10
grep -q '"vendor":"cefguard".*"event_id":"test-offline".*"name":"web07 offline"' "$T/b-events.json" ||
    cg_fail "B did not get A's alert as CEF: $(cat "$T/b-events.json")"

# ---- reload: a broken rule file keeps the old rules; a good one keeps unchanged state ----------
cp "$T/rules/hold.yml" "$T/hold.good"
printf 'rules:\n  - id: broken\n    match: {vendor: [\n' >"$T/rules/zz-broken.yml"
kill -HUP "$(cg_pid svc2)"
cg_wait_stat "$S" service.reload_failures -eq 1 10
grep -q "zz-broken.yml:" "$T/svc2.err" || cg_fail "the reload's error does not name the file: $(tail -5 "$T/svc2.err")"
send '4000000|Mal|6|dvchost=pc1' # the third: the old rules still count, with the old state
cg_wait_stat "$S" rule.test-count.alerts -eq 1 10
rm "$T/rules/zz-broken.yml"
# a changed rule (test-offline) loses its state, the unchanged one (test-count) keeps it
sed -i 's/for: 2s/for: 3s/' "$T/rules/hold.yml"
send '4000000|Mal|6|dvchost=pc2'
send '4000000|Mal|6|dvchost=pc2'
cg_wait_stat "$S" rule.test-count.keys -eq 2 10
out=$("$CG_BIN" reload -c "$T/run.yml") || cg_fail "cefguard reload: $out"
[ "$out" = "reloaded: 2 rules, 2 sinks" ] || cg_fail "reload said: $out"
[ "$(cg_stat "$S" service.reloads)" -eq 1 ] || cg_fail "service.reloads"
send '4000000|Mal|6|dvchost=pc2' # the third for pc2, two of them before the reload
cg_wait_stat "$S" rule.test-count.alerts -eq 1 10 # counters are per engine: the new one
[ "$(grep -c '"summary":"three on pc2"' "$T/alerts.json")" -eq 1 ] || cg_fail "pc2's count did not survive the reload"
cg_stop svc2 TERM 10 || cg_fail "stop after the reload"

# ---- a stop sends what a forwarder still holds (drain-timeout) --------------------------------
btcp=$(cg_port "$T/state-b" tcp)
before=$(cg_stat "$T/state-b" lines)
seq 1 3000 | awk '{ printf "<134>Dec  3 18:40:00 h CEF:0|Trend Micro|Deep Security Agent|20|4000000|M|6|dvchost=x msgnum=%d\n", $1 }' |
    "$CG_BIN" run --set state-dir="$T/state-c" --set inputs.udp=off --set inputs.tcp=off \
        --set inputs.in.type=stdin --set sinks.stdout=off --set rules="$CG_SRC/test/data/service/every-malware.yml" \
        --set sinks.f.type=forward --set sinks.f.target=127.0.0.1:"$btcp" --set sinks.f.transport=tcp \
        2>"$T/c.err" || cg_fail "the stdin instance: $(cat "$T/c.err")"
grep -q "stopped: 3000 lines processed, 3000 alerts" "$T/c.err" || cg_fail "stdin instance: $(cat "$T/c.err")"
cg_wait_stat "$T/state-b" lines -ge $((before + 3000)) 10
echo "ok"
