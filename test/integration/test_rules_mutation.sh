#!/usr/bin/env bash
# `cefguard test` must be able to fail: change one expected value of a shipped rule's
# test case, and one expected alert count, and check that the run reports FAIL and
# exits 1, while the untouched copy passes.
# usage: test_rules_mutation.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cp "$src"/rules/*.yml "$tmp/"
if ! "$bin" test -q -r "$tmp" > "$tmp/out" 2>&1; then
    echo "FAIL: the unmodified shipped rules do not pass"; cat "$tmp/out"; exit 1
fi
total=$(grep -c '^PASS' "$tmp/out")

# 1. a changed expected value: the first `key.fields.target: DSA-test` expectation
f="$tmp/deep-security-health.yml"
grep -q 'DSA-test' "$f" || { echo "FAIL: fixture changed: no DSA-test expectation"; exit 1; }
cp "$f" "$f.orig"
sed -i '0,/key.fields.target: DSA-test/s//key.fields.target: DSA-other/' "$f"
if "$bin" test -q -r "$tmp" > "$tmp/out1" 2>&1; then
    echo "FAIL: a changed expected value still passes"; fail=1
elif [ "$(grep -c '^FAIL' "$tmp/out1")" != 1 ] || ! grep -q 'is "DSA-test", expected "DSA-other"' "$tmp/out1"; then
    echo "FAIL: expected exactly one failing case naming the value:"; cat "$tmp/out1"; fail=1
fi
mv "$f.orig" "$f"

# 2. a case that expects no alert now expects one: the count no longer matches
f="$tmp/deep-security-antimalware.yml"
cp "$f" "$f.orig"
sed -i '0,/expect: \[\]/s//expect: [{rule: ds-am-risk-remains}]/' "$f"
if "$bin" test -q -r "$tmp" > "$tmp/out2" 2>&1; then
    echo "FAIL: an extra expected alert still passes"; fail=1
elif ! grep -q '0 alerts, expected 1' "$tmp/out2"; then
    echo "FAIL: no count mismatch reported:"; cat "$tmp/out2"; fail=1
fi
mv "$f.orig" "$f"
[ $fail -eq 0 ] && echo "rules-mutation: 3 passed, 0 failed ($total shipped cases)"
exit $fail
