#!/usr/bin/env bash
# Replaying the Deep Security Manager sample with the shipped rules gives exactly one
# 2205 alert for DSA-test carrying the 710 detail, and exactly the golden alert lines
# (the 2205 alert, the 30-minute escalation and the manager-silence check that the end of
# input resolves). Uses ../shared/samples when present (it must equal the bundled copy).
# usage: test_replay_sample.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1 src=$2
sample=$src/test/data/samples/deep-security-manager.log
if [ -f "$src/../shared/samples/deep-security-manager.log" ]; then
    cmp -s "$src/../shared/samples/deep-security-manager.log" "$sample" \
        || { echo "FAIL: bundled sample differs from shared/samples"; exit 1; }
    sample=$src/../shared/samples/deep-security-manager.log
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" replay -q --year 2025 -r "$src/rules" "$sample" > "$tmp/alerts" || { echo "FAIL: replay exited $?"; exit 1; }
fail=0
n=$(grep -c '^{"time":"[^"]*","rule":"ds-pattern-update-failed"' "$tmp/alerts")
[ "$n" = 1 ] || { echo "FAIL: $n ds-pattern-update-failed alerts, want 1"; fail=1; }
grep '^{"time":"[^"]*","rule":"ds-pattern-update-failed"' "$tmp/alerts" | grep -q '"key":{"fields.target":"DSA-test"}' \
    || { echo "FAIL: the 2205 alert is not keyed on DSA-test"; fail=1; }
grep '^{"time":"[^"]*","rule":"ds-pattern-update-failed"' "$tmp/alerts" | grep -q '"joined":{[^}]*"event_id":"710"' \
    || { echo "FAIL: the 2205 alert does not carry the 710"; fail=1; }
cmp -s "$tmp/alerts" "$src/test/data/samples/deep-security-manager.alerts.json" \
    || { echo "FAIL: alerts differ from the golden file"; diff "$src/test/data/samples/deep-security-manager.alerts.json" "$tmp/alerts" | head; fail=1; }
[ $fail -eq 0 ] && echo "replay-sample: 4 passed, 0 failed"
exit $fail
