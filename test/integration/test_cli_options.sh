#!/usr/bin/env bash
# The command line as the option table makes it: bad values refused with a message that
# names the option and the accepted range (exit status 2, nothing on stdout), unknown
# options answered with getopt's complaint and the usage, each command's --help, the help
# topics, and --stats printing exactly the counters `cefguard help counters` lists.
# usage: test_cli_options.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# refused WANT_STDERR ARGS...: exit 2, no stdout, exactly WANT_STDERR on stderr
refused() {
    local want=$1; shift
    "$bin" "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$(cat "$tmp/err")" = "$want" ]; then ok
    else ko "$* (exit $rc): $(cat "$tmp/err")"; fi
}
refused "cefguard parse: bad value '12' for --year: expected a year from 1970 to 9999" parse --year 12
refused "cefguard parse: bad value '2025x' for --year: expected a year from 1970 to 9999" parse --year=2025x
refused "cefguard replay: bad value '63' for --max-line: expected a whole number from 64 to 1073741824 bytes" replay --max-line 63
refused "cefguard check: bad value '-1' for --max-fields: expected a whole number from 1 to 1000000" check --max-fields -1
refused "cefguard test: bad value '99999999999999999999' for --max-fields: expected a whole number from 1 to 1000000" test --max-fields 99999999999999999999
refused "cefguard replay: bad value '1y' for --lateness: expected a duration such as 0, 500ms, 90s, 15m, 2h or 1d from 0 to 366d" replay --lateness 1y
refused "cefguard replay: bad value '367d' for --lateness: expected a duration such as 0, 500ms, 90s, 15m, 2h or 1d from 0 to 366d" replay --lateness 367d
refused "cefguard check: unexpected argument 'extra'" check extra
refused "cefguard parse: --timezone: unknown zone 'Mars/Olympus'" parse --no-default-rulebases --timezone Mars/Olympus

# unknown ones: getopt's complaint, then the usage, on stderr
"$bin" parse --bogus < /dev/null > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$(head -2 "$tmp/err")" = "parse: unrecognized option '--bogus'
usage: cefguard parse [options] [FILE...]" ]; then ok; else ko "parse --bogus (exit $rc)"; fi
"$bin" parse --events < /dev/null > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "^usage: cefguard parse" "$tmp/err" && ok || ko "parse --events is replay's"

# --help: exit 0, the usage line, and every option `help options` lists for the command
"$bin" help options > "$tmp/all" || ko "help options exited $?"
for cmd in parse replay check test; do
    "$bin" $cmd --help > "$tmp/help" 2> "$tmp/err"
    rc=$?
    case $cmd in parse|replay) files=" [FILE...]" ;; *) files="" ;; esac
    if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(head -1 "$tmp/help")" = "usage: cefguard $cmd [options]$files" ]; then ok
    else ko "$cmd --help (exit $rc)"; fi
    cmp -s "$tmp/help" <("$bin" help $cmd) && ok || ko "help $cmd differs from $cmd --help"
    grep -o -e '--[a-z-]*' "$tmp/help" | sort -u > "$tmp/listed"
    [ "$(wc -l < "$tmp/listed")" -ge 10 ] && ok || ko "$cmd --help lists $(wc -l < "$tmp/listed") options"
    while read -r opt; do
        grep -q -e "$opt" "$tmp/all" || ko "$cmd --help has $opt, help options does not"
    done < "$tmp/listed"
done

# help topics
"$bin" help nope > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && [ "$(head -1 "$tmp/err")" = "cefguard help: unknown topic 'nope'" ] && ok || ko "help nope"
"$bin" help options --html > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && [ "$(head -1 "$tmp/err")" = "cefguard help: unexpected argument '--html'" ] && ok || ko "help options --html"
"$bin" help > "$tmp/out" && grep -q "^  help " "$tmp/out" && ok || ko "help"

# --stats prints the counters help counters lists, in its order (up to the service's, which
# `cefguard stats` prints)
"$bin" help counters | awk '/^`cefguard stats`/ { exit } NF >= 2 && $1 ~ /^[a-z0-9_.]+$/ { print $1 }' > "$tmp/names"
printf 'Apr 20 03:20:54 kaga CEF: 0|Trend Micro|Deep Security Manager|1|2205|n|6|target=x\n' > "$tmp/in.log"
"$bin" replay -q --stats --year 2025 -r "$src/rules" "$tmp/in.log" > /dev/null 2> "$tmp/stats"
awk '{ print $1 }' "$tmp/stats" > "$tmp/printed"
cmp -s "$tmp/names" "$tmp/printed" && ok || { ko "replay --stats names differ from help counters"; diff "$tmp/names" "$tmp/printed" | head; }
[ "$(wc -l < "$tmp/printed")" -eq 47 ] && ok || ko "replay --stats printed $(wc -l < "$tmp/printed") counters, want 47"
grep -qx "lines 1" "$tmp/stats" && grep -qx "format.cef 1" "$tmp/stats" && grep -qx "engine.events 1" "$tmp/stats" \
    && ok || ko "replay --stats values: $(head -3 "$tmp/stats")"
"$bin" parse -q --stats --no-default-rulebases "$tmp/in.log" > /dev/null 2> "$tmp/stats"
awk '{ print $1 }' "$tmp/stats" | cmp -s - <(head -23 "$tmp/names") && ok || ko "parse --stats names"
[ "$(wc -l < "$tmp/stats")" -eq 23 ] && ok || ko "parse --stats printed $(wc -l < "$tmp/stats") counters, want 23"

echo "cli-options: $pass passed, $fail failed"
[ $fail -eq 0 ]
