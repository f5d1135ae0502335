#!/usr/bin/env bash
# Golden tests: every test/golden/NAME.log is run through `cefguard parse` and the
# output compared byte for byte with NAME.json (stderr --stats with NAME.stats).
# Fixed options make the output independent of the machine's clock and zone:
#   --year 2025 --timezone UTC --no-default-rulebases --rulebase-dir RULES
# plus NAME.args (one option per line) when present.
# UPDATE=1 rewrites the expected files instead (review the diff before committing).
set -u
bin=$1 dir=$2 rules=$3
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for log in "$dir"/*.log; do
    name=$(basename "$log" .log)
    args=(--year 2025 --timezone UTC --no-default-rulebases --rulebase-dir "$rules" --stats -q)
    if [ -f "$dir/$name.args" ]; then
        while IFS= read -r a; do [ -n "$a" ] && args+=("$a"); done < "$dir/$name.args"
    fi
    "$bin" parse "${args[@]}" "$log" > "$tmp/out.json" 2> "$tmp/out.stats"
    rc=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/out.json" "$dir/$name.json"
        cp "$tmp/out.stats" "$dir/$name.stats"
        echo "updated $name"
        continue
    fi
    if [ $rc -ne 0 ]; then
        echo "FAIL $name: cefguard parse exited $rc"; cat "$tmp/out.stats"; fail=$((fail+1)); continue
    fi
    in_lines=$(awk 'END{print NR}' "$log")
    out_lines=$(awk 'END{print NR}' "$tmp/out.json")
    if [ "$in_lines" != "$out_lines" ]; then
        echo "FAIL $name: $in_lines lines in, $out_lines events out"; fail=$((fail+1)); continue
    fi
    if ! cmp -s "$tmp/out.json" "$dir/$name.json"; then
        echo "FAIL $name: output differs from $name.json"
        diff <(tr ',' '\n' < "$dir/$name.json") <(tr ',' '\n' < "$tmp/out.json") | head -20
        fail=$((fail+1)); continue
    fi
    if ! cmp -s "$tmp/out.stats" "$dir/$name.stats"; then
        echo "FAIL $name: --stats differ from $name.stats"
        diff "$dir/$name.stats" "$tmp/out.stats" | head -20
        fail=$((fail+1)); continue
    fi
    pass=$((pass+1))
done
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
