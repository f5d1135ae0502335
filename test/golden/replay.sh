#!/usr/bin/env bash
# Golden replays: every test/golden/replay/NAME.log is run through `cefguard replay` with the
# shipped rules and rulebases, and the alerts compared byte for byte with NAME.alerts.json
# (stderr --stats with NAME.stats). Fixed options make the output independent of the
# machine's clock and zone:
#   --year 2025 --timezone UTC -r SRC/rules --no-default-rulebases --rulebase-dir SRC/rules/lognorm
# plus NAME.args (one option per line; a -r there replaces the shipped rules) when present.
# UPDATE=1 rewrites the expected files instead (review the diff before committing).
set -u
bin=$(realpath "$1") src=$(realpath "$2")
dir=$src/test/golden/replay
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for log in "$dir"/*.log; do
    name=$(basename "$log" .log)
    args=(--year 2025 --timezone UTC --no-default-rulebases --rulebase-dir "$src/rules/lognorm"
          --stats -q)
    rules=(-r "$src/rules")
    if [ -f "$dir/$name.args" ]; then
        while IFS= read -r a; do
            [ -z "$a" ] && continue
            case $a in -r|--rules) rules=() ;; esac
            args+=("$a")
        done < "$dir/$name.args"
    fi
    # Relative paths in NAME.args are relative to the replay folder.
    (cd "$dir" && "$bin" replay "${rules[@]}" "${args[@]}" "$log") > "$tmp/out.json" 2> "$tmp/out.stats"
    rc=$?
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/out.json" "$dir/$name.alerts.json"
        cp "$tmp/out.stats" "$dir/$name.stats"
        echo "updated $name"
        continue
    fi
    if [ $rc -ne 0 ]; then
        echo "FAIL $name: cefguard replay exited $rc"; cat "$tmp/out.stats"; fail=$((fail+1)); continue
    fi
    if ! cmp -s "$tmp/out.json" "$dir/$name.alerts.json"; then
        echo "FAIL $name: alerts differ from $name.alerts.json"
        diff "$dir/$name.alerts.json" "$tmp/out.json" | head -20
        fail=$((fail+1)); continue
    fi
    if ! cmp -s "$tmp/out.stats" "$dir/$name.stats"; then
        echo "FAIL $name: --stats differ from $name.stats"
        diff "$dir/$name.stats" "$tmp/out.stats" | head -20
        fail=$((fail+1)); continue
    fi
    pass=$((pass+1))
done
echo "golden replays: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
