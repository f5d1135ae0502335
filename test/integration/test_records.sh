#!/usr/bin/env bash
# Records (`output: chain`) through the real binary: `check` refuses a record no loaded rule
# chains on (exit 1, the message names the file, line and rule); with its chained rule it
# loads; `replay` emits only the chained rule's alert and `--stats` counts the record in
# engine.recorded, not engine.alerts; a `test` case can assert that a record is not emitted
# (expect: [] passes, expecting the record fails).
# usage: test_records.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
l2205='<134>Apr 21 10:00:00 dsm01 CEF:0|Trend Micro|Deep Security Manager|20.0.877|2205|Security Update: Pattern Update on Agents/Appliances Failed|6|src=10.20.0.5 suser=System target=db-02 msg=There was a failure performing an Anti-Malware Component Update. Check the Agent/Appliance Events for the cause. TrendMicroDsTenant=Primary TrendMicroDsTenantId=0'
l2204='<134>Apr 21 10:02:00 dsm01 CEF:0|Trend Micro|Deep Security Manager|20.0.877|2204|Security Update: Pattern Update on Agents/Appliances Successful|3|src=10.20.0.5 suser=System target=db-02 msg=Anti-Malware Component Update succeeded TrendMicroDsTenant=Primary TrendMicroDsTenantId=0'
record='rules:
  - id: rec
    match: {product: Deep Security Manager, event_id: 2205}
    key: [fields.target]
    output: chain
'
chained='  - id: stuck
    match: {format: internal, vendor: cefguard, event_id: alert, name: rec}
    key: [fields.key.fields.target]
    holddown: {cancel: {event_id: 2204}, key: [fields.target], for: 30m}
'

printf '%s' "$record" > "$tmp/alone.yml"
"$bin" check --no-default-rulebases -r "$tmp/alone.yml" > "$tmp/out" 2> "$tmp/err"
rc=$?
want="$tmp/alone.yml:2: rule 'rec' has 'output: chain' but no loaded rule chains on its alerts, so its records would reach nobody (match them with format: internal, vendor: cefguard, name: rec)"
[ $rc -eq 1 ] && [ "$(cat "$tmp/err")" = "$want" ] && ok || ko "check of a lone record (exit $rc): $(cat "$tmp/err")"

printf '%s%s' "$record" "$chained" > "$tmp/both.yml"
"$bin" check --no-default-rulebases -r "$tmp/both.yml" > "$tmp/out" 2> "$tmp/err" \
    && grep -q '^ok: 2 rules' "$tmp/out" && ok || ko "check with the chained rule: $(cat "$tmp/err")"

printf '%s\n' "$l2205" > "$tmp/fail.log"
"$bin" replay -q --stats --year 2025 --no-default-rulebases -r "$tmp/both.yml" "$tmp/fail.log" > "$tmp/alerts" 2> "$tmp/stats"
[ "$(wc -l < "$tmp/alerts")" -eq 1 ] && grep -q '^{"time":"2025-04-21T10:30:00Z","rule":"stuck"' "$tmp/alerts" \
    && ok || ko "replay: $(cut -c1-120 "$tmp/alerts")"
# internal_events 2: the record, and stuck's own alert (stuck is filed under event_id
# "alert" in the rule index, so every alert of kind alert is offered to it)
grep -qx 'engine.recorded 1' "$tmp/stats" && grep -qx 'engine.alerts 1' "$tmp/stats" \
    && grep -qx 'engine.internal_events 2' "$tmp/stats" && ok || ko "stats: $(grep engine "$tmp/stats" | head -6)"
printf '%s\n%s\n' "$l2205" "$l2204" > "$tmp/retry.log"
"$bin" replay -q --stats --year 2025 --no-default-rulebases -r "$tmp/both.yml" "$tmp/retry.log" > "$tmp/alerts" 2> "$tmp/stats"
[ ! -s "$tmp/alerts" ] && grep -qx 'engine.recorded 1' "$tmp/stats" && grep -qx 'engine.alerts 0' "$tmp/stats" \
    && ok || ko "replay with the retry: $(cut -c1-120 "$tmp/alerts")"

# test cases: a record never appears among a case's alerts
{ printf '%s%s' "$record" "$chained"
  printf 'tests:\n  - name: the retry\n    input: |\n      %s\n      %s\n    expect: []\n' "$l2205" "$l2204"
} > "$tmp/pass.yml"
"$bin" test --no-default-rulebases -r "$tmp/pass.yml" > "$tmp/out" 2>&1 \
    && grep -qx '1 passed, 0 failed' "$tmp/out" && ok || ko "test expect []: $(cat "$tmp/out")"
{ printf '%s%s' "$record" "$chained"
  printf 'tests:\n  - name: the record is not an alert\n    input: |\n      %s\n      %s\n    expect:\n      - {rule: rec}\n' "$l2205" "$l2204"
} > "$tmp/fail.yml"
"$bin" test --no-default-rulebases -r "$tmp/fail.yml" > "$tmp/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -qx '0 passed, 1 failed' "$tmp/out" && grep -q '0 alerts, expected 1' "$tmp/out" \
    && ok || ko "test expecting the record (exit $rc): $(cat "$tmp/out")"

echo "records: $pass passed, $fail failed"
[ $fail -eq 0 ]
