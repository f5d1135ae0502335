#!/usr/bin/env bash
# Confirms the liblognorm 2.0.6 `cef` parser bugs (shared/vendor-formats.md, items 1-8) on the
# installed lognormalizer, and that cefguard's native decoder gets the same lines right.
# If a future liblognorm fixes a bug, the "lognormalizer" half of that case fails: then revisit
# whether the native decoder is still needed.
# usage: test_lognorm_compare.sh CEFGUARD_BIN SOURCE_DIR
set -u
bin=$1
command -v lognormalizer >/dev/null || { echo "lognormalizer not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'version=2\nrule=:%%f:cef%%\n' > "$tmp/cef.rulebase"
pass=0 fail=0

# case NAME LINE LOGNORMALIZER_SUBSTRING CEFGUARD_FIELDS_JSON
case_() {
    local name=$1 line=$2 ln_want=$3 cg_want=$4 ln_out cg_out
    ln_out=$(printf '%s\n' "$line" | lognormalizer -r "$tmp/cef.rulebase" -e json)
    cg_out=$(printf '%s\n' "$line" | "$bin" parse -q --no-default-rulebases)
    if [[ "$ln_out" != *"$ln_want"* ]]; then
        echo "FAIL $name: lognormalizer no longer shows the bug; got: $ln_out"; fail=$((fail+1)); return
    fi
    if [[ "$cg_out" != *"$cg_want"* ]]; then
        echo "FAIL $name: cefguard: want $cg_want"; echo "  got: $cg_out"; fail=$((fail+1)); return
    fi
    echo "ok   $name"; pass=$((pass+1))
}
H='CEF:0|Trend Micro|Deep Security Agent|12.0|4000000|Eicar_test_file|6|'

case_ "1 first key loses a char" "${H}cn1=1 cn1Label=Host ID dvchost=web-01" \
    '"Extensions": { "n1": "1"' \
    '"fields":{"cn1":"1","cn1Label":"Host ID","dvchost":"web-01"}'
case_ "2 empty last value" "${H} cn1=1 dpt=" \
    '"unparsed-data"' '"fields":{"cn1":"1","dpt":""}'
case_ "3 undefined escape \\/" "${H}cn1=1 request=http://x/?a\\/b dst=1.2.3.4" \
    '"unparsed-data"' '"fields":{"cn1":"1","request":"http://x/?a\\/b","dst":"1.2.3.4"}'
case_ "3 undefined escape \\," "${H}cs1=a\\,b" \
    '"unparsed-data"' '"fields":{"cs1":"a\\,b"}'
case_ "4 unescaped = in URL" "${H}request=http://x/?a=b&c=d dst=1.2.3.4" \
    '"unparsed-data"' '"fields":{"request":"http://x/?a=b&c=d","dst":"1.2.3.4"}'
case_ "4 a=b=c" "${H} cs1=a=b=c" \
    '"cs1": "a", "b": "c"' '"fields":{"cs1":"a=b=c"}'
case_ "5 CEF:1" "CEF:1|Trend Micro|Deep Security Agent|12.0|4000000|Eicar|6|cn1=1" \
    '"unparsed-data"' '"format_version":"1"'
case_ "5 rsyslog file form CEF: 0|" "Apr 20 03:20:54 kaga CEF: 0|Trend Micro|DSM|12|710|Events Retrieved|3|src=1.2.3.4" \
    '"unparsed-data"' '"fields":{"src":"1.2.3.4"}'
case_ "6 key with -" "${H}cn1=1 my-key=v" \
    '"unparsed-data"' '"fields":{"cn1":"1","my-key":"v"}'
case_ "7 trailing whitespace" "${H} dst=2.2.2.2   " \
    '"dst": "2.2.2.2   "' '"fields":{"dst":"2.2.2.2"}'
case_ "8 header escape other than \\| \\" 'CEF:0|Trend\nMicro|DSA|12.0|4000000|Eicar|6|cn1=1' \
    '"unparsed-data"' '"vendor":"Trend\\nMicro"'
case_ "9 escaped pipe in header" 'CEF:0|Trend\|Micro|DSA|12.0|4000000|Eicar|6|cn1=1' \
    '"DeviceVendor": "Trend|Micro"' '"vendor":"Trend|Micro"'

echo "lognorm-compare: $pass passed, $fail failed"
[ $fail -eq 0 ]
