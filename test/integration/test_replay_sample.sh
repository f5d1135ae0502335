#!/usr/bin/env bash
# Replaying the Deep Security Manager sample (a 2205 and its 710, no 2204) with the shipped
# rules: the 2205 is only recorded (ds-pattern-update-failed is output: chain, never
# emitted), and exactly one ds-pattern-update-not-recovered alert for DSA-test fires at the
# end of the 30-minute grace period, carrying the 710 detail in its summary; the alert
# lines equal the golden file (that alert and the manager-silence check that the end of
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
rec='^{"time":"[^"]*","rule":"ds-pattern-update-failed"'
n=$(grep -c "$rec" "$tmp/alerts")
[ "$n" = 0 ] || { echo "FAIL: $n ds-pattern-update-failed alerts emitted, want 0 (a record)"; fail=1; }
esc='^{"time":"2025-04-20T03:50:54Z","rule":"ds-pattern-update-not-recovered"'
n=$(grep -c "$esc" "$tmp/alerts")
[ "$n" = 1 ] || { echo "FAIL: $n ds-pattern-update-not-recovered alerts at 03:50:54, want 1"; fail=1; }
grep "$esc" "$tmp/alerts" | grep -q '"key":{"fields.key.fields.target":"DSA-test"}' \
    || { echo "FAIL: the alert is not keyed on DSA-test"; fail=1; }
grep "$esc" "$tmp/alerts" | grep -q '"summary":"[^"]*Agent events: Description Omitted"' \
    || { echo "FAIL: the alert does not carry the 710 detail"; fail=1; }
cmp -s "$tmp/alerts" "$src/test/data/samples/deep-security-manager.alerts.json" \
    || { echo "FAIL: alerts differ from the golden file"; diff "$src/test/data/samples/deep-security-manager.alerts.json" "$tmp/alerts" | head; fail=1; }
[ $fail -eq 0 ] && echo "replay-sample: 5 passed, 0 failed"
exit $fail
