#!/usr/bin/env bash
# Smoke test of the benchmark corpus generator (test/bench/gen_corpus.c); times nothing, builds
# nothing. Checks that the corpus is deterministic (same seed, same bytes; another seed, other
# bytes), has the requested line count, an average line length of 250..450 bytes, roughly the
# documented mix, and monotonic timestamps.
# usage: test_bench_smoke.sh CEFGUARD_BIN SOURCE_DIR
set -u
gen=$(dirname "$1")/test/bench/gen_corpus
[ -x "$gen" ] || { echo "gen_corpus not found at $gen"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() { # check NAME CONDITION-EXIT-STATUS DETAIL
    if [ "$2" -eq 0 ]; then
        echo "ok   $1"
        pass=$((pass + 1))
    else
        echo "FAIL $1: $3"
        fail=$((fail + 1))
    fi
}

"$gen" -n 2000 -s 7 >"$tmp/a" && "$gen" -n 2000 -s 7 >"$tmp/b" && "$gen" -n 2000 -s 8 >"$tmp/c"
check "generator runs" $? "gen_corpus exited non-zero"

cmp -s "$tmp/a" "$tmp/b"
check "same seed, same bytes" $? "two runs with -s 7 differ"

! cmp -s "$tmp/a" "$tmp/c"
check "other seed, other bytes" $? "-s 7 and -s 8 give the same bytes"

n=$(wc -l <"$tmp/a")
[ "$n" -eq 2000 ] && [ "$(tail -c 1 "$tmp/a" | od -An -c | tr -d ' ')" = '\n' ]
check "2000 complete lines" $? "got $n lines"

avg=$(( $(wc -c <"$tmp/a") / 2000 ))
[ "$avg" -ge 250 ] && [ "$avg" -le 450 ]
check "average line length 250..450" $? "average is $avg bytes"

# The mix: about 80% CEF (agent 55% + manager 25%), 5% LEEF. Bounds are wide for 2000 lines.
cef=$(grep -c 'CEF: \?0|' "$tmp/a")
leef=$(grep -c 'LEEF: \?2\.0|' "$tmp/a")
[ "$cef" -ge 1500 ] && [ "$cef" -le 1700 ] && [ "$leef" -ge 50 ] && [ "$leef" -le 160 ]
check "mix: ~80% CEF, ~5% LEEF" $? "CEF $cef, LEEF $leef of 2000"

grep -q 'CEF: 0|' "$tmp/a" && grep -q '^<[0-9]*>Apr 20 ' "$tmp/a" && grep -q '^<[0-9]*>1 2025-' "$tmp/a" &&
    grep -q 'SymantecServer: Virus found' "$tmp/a" && grep -q 'EPOEvents' "$tmp/a" &&
    grep -q 'FJSVrcx:' "$tmp/a" && grep -q 'sshd\[' "$tmp/a"
check "header forms and vendors present" $? "a header form or vendor is missing"

# Times of day (first hh:mm:ss of each line) never go back.
grep -o '[0-2][0-9]:[0-5][0-9]:[0-5][0-9]' "$tmp/a" >/dev/null &&
    awk '{ if (match($0, /[0-2][0-9]:[0-5][0-9]:[0-5][0-9]/)) { t = substr($0, RSTART, 8);
           if (t < last) { print NR ": " t " after " last; bad = 1; exit } last = t } }
         END { exit bad }' "$tmp/a" >"$tmp/mono"
check "timestamps monotonic" $? "$(cat "$tmp/mono")"

"$gen" -n x >/dev/null 2>&1
[ $? -eq 2 ]
check "bad -n is a usage error" $? "exit status was not 2"

echo "bench-smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
