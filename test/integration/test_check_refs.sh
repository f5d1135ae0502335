#!/usr/bin/env bash
# `cefguard check` reports what a rule refers to that cannot resolve: a chained rule name
# that no loaded rule has (also across -r arguments: a name defined in another file is
# fine) and a response target that cannot name a machine, each at file:line:column, exit 1.
# usage: test_check_refs.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }

cat > "$tmp/chain.yml" <<'YML'
rules:
  - id: repeat-of-shipped
    match: {format: internal, vendor: cefguard, name: ds-am-risk-remains}
    summary: s
YML
"$bin" check -r "$src/rules" -r "$tmp/chain.yml" > "$tmp/out" 2>&1 && ok \
    || ko "a chained name of a rule in another -r file is refused: $(cat "$tmp/out")"

cat > "$tmp/typo.yml" <<'YML'
rules:
  - id: repeat-typo
    match: {format: internal, vendor: cefguard, name: ds-am-risk-remain}
    summary: s
  - id: bad-target
    match: {product: Deep Security Agent}
    summary: s
    response: {action: quarantine, target: syslog.pri}
YML
"$bin" check -r "$src/rules" -r "$tmp/typo.yml" > "$tmp/out" 2>&1
[ $? -eq 1 ] && ok || ko "check with a typo exited $?, want 1"
want1="$tmp/typo.yml:8:44: 'target' path 'syslog.pri' in 'response' of rule 'bad-target' cannot name a machine: expected subject, host, fields.<key> or syslog.sd.<SD-ID>.<param>"
grep -qxF "$want1" "$tmp/out" && ok || ko "no target error: $(cat "$tmp/out")"
# the target error makes the set unusable; without it the chained name is checked
sed -i '5,8d' "$tmp/typo.yml"
"$bin" check -r "$src/rules" -r "$tmp/typo.yml" > "$tmp/out" 2>&1
[ $? -eq 1 ] && ok || ko "check with a chained-name typo exited $?, want 1"
want2="$tmp/typo.yml:3:55: rule 'repeat-typo' matches the alerts of rule 'ds-am-risk-remain', and no rule 'ds-am-risk-remain' is loaded"
grep -qxF "$want2" "$tmp/out" && ok || ko "no chained-name error: $(cat "$tmp/out")"
"$bin" replay -q -r "$src/rules" -r "$tmp/typo.yml" /dev/null > /dev/null 2>&1
[ $? -eq 2 ] && ok || ko "replay with a chained-name typo exited $?, want 2"

echo "check-refs: $pass passed, $fail failed"
[ $fail -eq 0 ]
