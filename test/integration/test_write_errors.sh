#!/usr/bin/env bash
# Output that cannot be written is an error the operator is told of, once, whatever the
# size: parse and replay --events to /dev/full exit 1 with exactly one
# "cefguard: error: write error: No space left on device" line on stderr - for output that
# fits the sink's buffer (it fails at the final flush) and for output far beyond it (it
# fails while lines are still coming, at the first 1 MiB write), one file or several.
# usage: test_write_errors.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1 src=$2
[ -w /dev/full ] || { echo "FAIL: no /dev/full on this machine"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
small=$src/test/data/samples/deep-security-manager.log
for i in $(seq 4000); do cat "$small"; done >"$tmp/big.log" # ~3 MB of JSON out
pass=0 fail=0
check() { # NAME ARGS...: the command to /dev/full
    local name=$1 rc n
    shift
    "$bin" "$@" >/dev/full 2>"$tmp/err"
    rc=$?
    n=$(grep -c '^cefguard: error: write error: No space left on device$' "$tmp/err")
    if [ "$rc" -eq 1 ] && [ "$n" -eq 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name: exit $rc, $n write error lines:"
        head -5 "$tmp/err"
    fi
}
check "parse, small" parse -q --year 2025 "$small"
check "parse, big" parse -q --year 2025 "$tmp/big.log"
check "parse, big, three files" parse -q --year 2025 "$tmp/big.log" "$small" "$tmp/big.log"
check "replay --events, small" replay -q --year 2025 --events -r "$src/rules" "$small"
check "replay --events, big" replay -q --year 2025 --events -r "$src/rules" "$tmp/big.log"
# And to a full pipe nothing else changes: the same command to a file succeeds.
if "$bin" parse -q --year 2025 "$tmp/big.log" >"$tmp/out" 2>"$tmp/err" &&
    [ "$(wc -l <"$tmp/out")" -eq "$(wc -l <"$tmp/big.log")" ] && [ ! -s "$tmp/err" ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: parse to a file: $(wc -l <"$tmp/out") lines, stderr: $(head -2 "$tmp/err")"
fi
echo "write-errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
