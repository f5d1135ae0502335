#!/usr/bin/env bash
# Item 9 of issue 8, each through the real binary: the bounds a hostile input or rule file
# hits are refused or counted, never silent, never slow, and nothing it carries reaches
# stderr raw.
#   - a rule file past 64 MiB is refused at the line where the limit falls (it was parsed
#     cut at the limit: `check` said ok);
#   - libyaml reader errors are reported at their line:column (they were all 1:1);
#   - a regex that hits the PCRE2 match limit is counted (engine.regex_limit), logged once
#     for its rule, and stopped early (it cost ~3 ms a line, silently);
#   - a 1 MiB line of 118,000 distinct keys decodes at --max-fields 1000000 (the duplicate
#     check took 4-16 s for it);
#   - file names with escape sequences and newlines are escaped in every message;
#   - the reject log's held-back count is printed at the end of input;
#   - RFC 5424 SD params past 256 are counted (drop.sd_params).
# usage: test_hostile_limits.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# raw control bytes other than the newline that ends each line
has_controls() { LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"; }

# ---- rule file size --------------------------------------------------------------------
{
    printf 'rules:\n  - id: first\n    match: {event_id: 1}\n'
    # 65-byte comment lines up to the limit, then a rule that does not parse
    head -c $((64 * 1024 * 1024 - 40)) /dev/zero | tr '\0' 'x' | fold -w 64 | sed 's/^/#/'
    printf '  - id: second\n    match: {event_id: [\n'
} > "$tmp/big.yml"
"$bin" check -r "$tmp/big.yml" > "$tmp/out" 2> "$tmp/err"
rc=$?
line=$(grep -c '' < <(head -c $((64 * 1024 * 1024 + 1)) "$tmp/big.yml"))
if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && grep -qx "$tmp/big.yml:$line:[0-9]*: the file goes on past the limit of 67108864 bytes (64 MiB) here" "$tmp/err"
then ok; else ko "64 MiB rule file (exit $rc): $(cat "$tmp/out" "$tmp/err")"; fi
rm -f "$tmp/big.yml"

# ---- reader error positions ----------------------------------------------------------------
printf 'rules:\n  - id: a\n    description: caf\351 ok\n    match: {event_id: 1}\n' > "$tmp/utf8.yml"
printf 'rules:\n  - id: a\n    match: {event_id: 1}\n    description: "x\001y"\n' > "$tmp/ctl.yml"
"$bin" check -r "$tmp/utf8.yml" -r "$tmp/ctl.yml" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] && [ "$(cat "$tmp/err")" = "$tmp/utf8.yml:3:21: invalid trailing UTF-8 octet
$tmp/ctl.yml:4:20: control characters are not allowed" ] && ok || ko "reader errors: $(cat "$tmp/err")"

# ---- regex match limit ----------------------------------------------------------------------
cat > "$tmp/rx.yml" <<'YAML'
rules:
  - id: rx-catastrophic
    match:
      fields.msg: {regex: '(a+)+$'}
YAML
for i in $(seq 200); do
    echo "Apr 20 03:20:54 kaga CEF: 0|Trend Micro|Deep Security Manager|12.0.383|2205|n|6|msg=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
done > "$tmp/rx.log"
timeout 10 "$bin" replay --stats --year 2025 -r "$tmp/rx.yml" "$tmp/rx.log" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ] && grep -qx "engine.regex_limit 200" "$tmp/err" && ok \
    || ko "regex limit (exit $rc): $(grep -v ' 0$' "$tmp/err")"
[ "$(grep -c '^cefguard: warning:' "$tmp/err")" -eq 1 ] &&
    grep -qx "cefguard: warning: rule 'rx-catastrophic': regex '(a+)+\$' stopped (match limit exceeded) on a value of 41 bytes: taken as no match, counted in engine.regex_limit; later ones of this rule are not logged" "$tmp/err" \
    && ok || ko "regex limit log: $(grep warning "$tmp/err")"

# ---- a 1 MiB line of distinct keys ------------------------------------------------------------
hdr="Apr 20 03:20:54 kaga CEF: 0|Trend Micro|Deep Security Manager|12.0.383|2205|n|6|"
awk -v h="$hdr" 'BEGIN { printf "%s", h; for (i = 0; i < 118000; i++) printf "%sk%x=v", i ? " " : "", i; print "" }' > "$tmp/wide.log"
awk 'BEGIN { printf "Apr 20 03:20:54 kaga LEEF:1.0|Trend Micro|Deep Security Agent|20.0|4000000|"
             for (i = 0; i < 118000; i++) printf "%sk%x=v", i ? "\t" : "", i % 100000; print "" }' >> "$tmp/wide.log"
timeout 10 "$bin" parse -q --stats --max-fields 1000000 --no-default-rulebases "$tmp/wide.log" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] && grep -qx "format.cef 1" "$tmp/err" &&
    grep -qx "format.leef 1" "$tmp/err" && grep -qx "drop.duplicate_keys 18000" "$tmp/err" &&
    [ "$(head -1 "$tmp/out" | grep -o '"k[0-9a-f]*":' | wc -l)" -eq 118000 ] && ok \
    || ko "wide lines (exit $rc): $(grep -v ' 0$' "$tmp/err")"

# ---- file names in messages --------------------------------------------------------------------
evil=$'in\e[31mred\nrejected x:1 (empty): y'
printf 'junk\n' > "$tmp/$evil.log"
printf 'rules:\n  - id: a\n    match: {event_id: 1}\n    bogus: 1\n' > "$tmp/$evil.yml"
printf 'not a rulebase\n' > "$tmp/$evil.rulebase"
shown='in\x1b[31mred\x0arejected x:1 (empty): y'
"$bin" parse --no-default-rulebases "$tmp/$evil.log" "$tmp/no$evil.log" > /dev/null 2> "$tmp/err"
[ "$(cat "$tmp/err")" = "cefguard: warning: rejected $tmp/$shown.log:1 (no_decoder): junk
cefguard: error: $tmp/no$shown.log: No such file or directory" ] && ok || ko "input names: $(cat -v "$tmp/err")"
"$bin" check -r "$tmp/$evil.yml" -r "$tmp/no$evil.yml" > /dev/null 2> "$tmp/err"
[ "$(cat "$tmp/err")" = "$tmp/$shown.yml:4:5: unknown key 'bogus' in rule 'a'
$tmp/no$shown.yml: No such file or directory" ] && ok || ko "rule file names: $(cat -v "$tmp/err")"
"$bin" parse --no-default-rulebases -R "$tmp/$evil.rulebase" < /dev/null > /dev/null 2> "$tmp/err"
[ "$(cat "$tmp/err")" = "$tmp/$shown.rulebase:1:1: not a liblognorm v2 rulebase: the first line must be \"version=2\"" ] \
    && ok || ko "rulebase names: $(cat -v "$tmp/err")"
"$bin" check "$evil" > /dev/null 2> "$tmp/err"
[ "$(cat "$tmp/err")" = "cefguard check: unexpected argument '$shown'" ] && ok || ko "arguments: $(cat -v "$tmp/err")"
printf 'rules:\n  - id: a\n    match: {"k\\e[2J": 1, "k\\e[2J": 2}\n' > "$tmp/dup.yml"
"$bin" check -r "$tmp/dup.yml" > /dev/null 2> "$tmp/err"
[ "$(cat "$tmp/err")" = "$tmp/dup.yml:3:26: duplicate key 'k\x1b[2J'" ] && ok || ko "quoted rule text: $(cat -v "$tmp/err")"
for f in "$tmp"/err; do has_controls "$f" && ko "raw control bytes on stderr: $(cat -v "$f")"; done

# ---- the reject log's summary at the end of input ----------------------------------------------
for i in $(seq 30); do echo "junk line $i"; done > "$tmp/junk.log"
"$bin" parse --no-default-rulebases "$tmp/junk.log" > /dev/null 2> "$tmp/err"
[ "$(grep -c 'rejected .*junk.log' "$tmp/err")" -eq 10 ] &&
    [ "$(tail -1 "$tmp/err")" = "cefguard: warning: rejected (no_decoder) [20 more not shown]" ] \
    && ok || ko "reject summary: $(tail -2 "$tmp/err")"
"$bin" parse -q --no-default-rulebases "$tmp/junk.log" > /dev/null 2> "$tmp/err"
[ ! -s "$tmp/err" ] && ok || ko "-q prints a summary: $(cat "$tmp/err")"

# ---- RFC 5424 SD params past 256 ---------------------------------------------------------------
awk 'BEGIN { printf "<14>1 2025-04-20T03:20:54Z kaga app - - [x@1"; for (i = 0; i < 300; i++) printf " p%d=\"v\"", i; print "] m" }' > "$tmp/sd.log"
"$bin" parse -q --stats --no-default-rulebases "$tmp/sd.log" > "$tmp/out" 2> "$tmp/err"
grep -qx "drop.sd_params 44" "$tmp/err" && [ "$(grep -o '"p[0-9]*":' "$tmp/out" | wc -l)" -eq 256 ] \
    && ok || ko "SD params: $(grep sd_params "$tmp/err")"

echo "hostile-limits: $pass passed, $fail failed"
[ $fail -eq 0 ]
