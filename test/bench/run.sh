#!/usr/bin/env bash
# Throughput of `cefguard parse` against liblognorm's `lognormalizer` on the same lines.
#
# usage: test/bench/run.sh [-n LINES] [-s SEED] [-r RUNS] [-b BASELINE [-B RULES]]  (defaults: 1000000, 1, 3)
#        test/bench/run.sh -S [-n LINES] [-b BASELINE [-B RULES]]   (the state row alone; LINES default 5000000)
#
#  -S: instead of the rows below, the engine-state row: LINES lines each about a computer no
#     earlier line named, within 4 hours (gen_corpus -m new), through `cefguard replay` with the
#     shipped rules and default limits, once (it is long), under GNU time: max RSS, evictions
#     by max_keys and by the byte budget, the state's peak bytes, alerts; with -b the baseline
#     binary too, one after the other.
#
#  -b BASELINE: another cefguard binary (e.g. a Release build of the commit before a change);
#     it gets the rows "base parse" and "base replay", timed in the same interleaved rounds,
#     so before and after are measured side by side on the same machine state.
#  -B RULES: the rule directory the baseline replays with (default: this tree's rules/); give
#     the baseline's own shipped rules when this tree's use rule-language features it lacks.
#
#  1. builds cefguard Release in its own directory ($CG_BENCH_BUILD, default build-bench/);
#  2. generates LINES lines with test/bench/gen_corpus (cached in $CG_BENCH_CACHE, default
#     ${TMPDIR:-/tmp}/cefguard-bench, keyed by LINES, SEED and the generator's source);
#  3. times the rows in RUNS interleaved rounds (each round runs every row once; each row
#     keeps its best), after one untimed warm-up run, and prints lines/s and the ratio to
#     lognormalizer, then what each tool made of the lines.
#
# Rows (add one with another `row` call at the bottom):
#   cefguard parse        `cefguard parse FILE > /dev/null`: one JSON event per line, shipped
#                         rulebases loaded as by default
#   cefguard replay       `cefguard replay --year 2025 -r rules/ FILE > /dev/null`: the shipped
#                         rules on event time, alerts as JSON (lazy decoding: the extension of a
#                         line is decoded only when a rule wants it)
#   replay +10k rules     the same with 10,000 generated rules more (test/bench/gen_rules.sh):
#                         the rule index must keep rules that cannot match an event from costing
#   load +10k rules       the +10k run on no input: the one-time cost of loading the rules
#   lognormalizer         `lognormalizer -r cef.rulebase -e json < FILE > /dev/null`, with a v2
#                         rulebase that parses the syslog header of every CEF line of the corpus
#                         and hands "CEF:0|..." to liblognorm's cef parser
# Fairness: both read the same lines, the same count. liblognorm 2.0.6 rejects the rsyslog file
# form "host CEF: 0|" (vendor-formats.md, cef bug 5), so lognormalizer's copy of the corpus has
# that one space removed ("CEF: 0|" -> "CEF:0|", "LEEF: 2.0|" -> "LEEF:2.0|"); nothing else differs.
# Timing is bash + `date +%s.%N`; nothing beyond coreutils, sed and grep.
set -uo pipefail

lines="" seed=1 runs=3 baseline="" base_rules="" state=0
while getopts "n:s:r:b:B:Sh" opt; do
    case $opt in
    S) state=1 ;;
    n) lines=$OPTARG ;;
    s) seed=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) baseline=$OPTARG ;;
    B) base_rules=$OPTARG ;;
    *) sed -n '2,27p' "$0"; exit 2 ;;
    esac
done
[ -n "$lines" ] || { [ "$state" -eq 1 ] && lines=5000000 || lines=1000000; }
if [ -n "$baseline" ] && [ ! -x "$baseline" ]; then
    echo "bench: -b $baseline: not an executable" >&2
    exit 2
fi
for v in "$lines" "$seed" "$runs"; do
    [[ "$v" =~ ^[0-9]+$ ]] || { echo "bench: not a number: $v" >&2; exit 2; }
done
if [ "$lines" -eq 0 ] || [ "$runs" -eq 0 ]; then
    echo "bench: LINES and RUNS must be > 0" >&2
    exit 2
fi

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${CG_BENCH_BUILD:-$src/build-bench}
cache=${CG_BENCH_CACHE:-${TMPDIR:-/tmp}/cefguard-bench}
jobs=${JOBS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/cefguard-bench-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- build ----------------------------------------------------------------------------------
echo "== bench: building Release in $build" >&2
if ! cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 ||
    ! cmake --build "$build" -j "$jobs" --target gen_corpus -- --no-print-directory \
        >>"$work/cmake.log" 2>&1; then
    tail -30 "$work/cmake.log" >&2
    echo "bench: cannot build gen_corpus" >&2
    exit 2
fi
cg_ok=1
if ! cmake --build "$build" -j "$jobs" --target cefguard -- --no-print-directory \
        >"$work/build.log" 2>&1; then
    grep -E 'error' "$work/build.log" | head -20 >&2
    echo "bench: cefguard did not build; its row will say so" >&2
    cg_ok=0
fi
cefguard=$build/cefguard
gen=$build/test/bench/gen_corpus

# ---- corpus (cached) ------------------------------------------------------------------------
mkdir -p "$cache"
key=$(sha256sum "$src/test/bench/gen_corpus.c" | cut -c1-12)

# ---- the state row (-S): run once, under GNU time ---------------------------------------------
# state_run NAME BINARY: one replay of the new-computers corpus; prints the row.
state_run() {
    local name=$1 bin=$2 rules=${3:-$src/rules} t0 t1 rc
    t0=$(now)
    /usr/bin/time -f %M -o "$work/rss" "$bin" replay -q --stats --year 2025 -r "$rules" \
        "$new_corpus" >/dev/null 2>"$work/sstats"
    rc=$?
    t1=$(now)
    if [ "$rc" -ne 0 ]; then
        printf '%-20s failed (exit %s): %s\n' "$name" "$rc" "$(grep -v '^[a-z_.]* [0-9]*$' "$work/sstats" | tail -1)"
        return 1
    fi
    stat() { awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? "-" : v }' "$work/sstats"; }
    printf '%-20s %9.1f %12.1f %12s %12s %12s %12s\n' "$name" \
        "$(echo "$t0 $t1" | awk '{ print $2 - $1 }')" "$(awk '{ print $1 / 1024 }' "$work/rss")" \
        "$(stat engine.evictions)" "$(stat engine.evictions_budget)" \
        "$(stat engine.state_bytes_peak | awk '{ if ($1 == "-") print "-"; else printf "%.1f", $1 / 1048576 }')" \
        "$(stat engine.alerts)"
}
now() { date +%s.%N; }
if [ "$state" -eq 1 ]; then
    [ "$cg_ok" -eq 1 ] || exit 1
    [ -x /usr/bin/time ] || { echo "bench: -S needs GNU time (/usr/bin/time)" >&2; exit 2; }
    new_corpus=$cache/corpus-new-n$lines-s$seed-$key.log
    if [ ! -s "$new_corpus" ]; then
        echo "== bench: generating $lines lines about new computers (seed $seed) -> $new_corpus" >&2
        "$gen" -n "$lines" -s "$seed" -m new >"$new_corpus.tmp" || { echo "bench: gen_corpus failed" >&2; exit 2; }
        mv "$new_corpus.tmp" "$new_corpus"
    fi
    echo
    echo "cefguard state benchmark: $lines lines, each about a new computer, within 4 hours (gen_corpus -m new, seed $seed); shipped rules, default limits; one run each"
    printf '%-20s %9s %12s %12s %12s %12s %12s\n' "" "seconds" "max RSS MB" "evictions" "by budget" "peak MiB" "alerts"
    state_run "cefguard replay" "$cefguard" || exit 1
    [ -z "$baseline" ] || state_run "base replay" "$baseline" "${base_rules:-$src/rules}"
    exit 0
fi
corpus=$cache/corpus-n$lines-s$seed-$key.log
ln_corpus=$cache/corpus-n$lines-s$seed-$key.lognorm.log
if [ ! -s "$corpus" ]; then
    echo "== bench: generating $lines lines (seed $seed) -> $corpus" >&2
    if ! "$gen" -n "$lines" -s "$seed" >"$corpus.tmp"; then
        echo "bench: gen_corpus failed" >&2
        rm -f "$corpus.tmp"
        exit 2
    fi
    mv "$corpus.tmp" "$corpus"
fi
if [ ! -s "$ln_corpus" ]; then
    if ! sed -e 's/ CEF: 0|/ CEF:0|/' -e 's/ LEEF: 2\.0|/ LEEF:2.0|/' "$corpus" >"$ln_corpus.tmp"; then
        echo "bench: sed failed" >&2
        exit 2
    fi
    mv "$ln_corpus.tmp" "$ln_corpus"
fi
n_lines=$(wc -l <"$corpus")
[ "$n_lines" -eq "$(wc -l <"$ln_corpus")" ] || { echo "bench: corpus copies differ in length" >&2; exit 2; }
echo "== bench: corpus $corpus: $n_lines lines, $(wc -c <"$corpus") bytes" >&2

# One rule per syslog header form gen_corpus writes; each ends in liblognorm's cef parser.
rulebase=$work/cef.rulebase
cat >"$rulebase" <<'EOF'
version=2
rule=cef:<%pri:number%>%-:date-rfc3164% %host:word% %cef:cef%
rule=cef:%-:date-rfc3164% %host:word% %cef:cef%
rule=cef:<%pri:number%>1 %-:date-rfc5424% %host:word% %app:word% %-:word% %-:word% %-:word% %cef:cef%
rule=cef:<%pri:number%>%-:date-rfc5424% %host:word% %cef:cef%
rule=cef:%-:date-rfc5424% %host:word% %cef:cef%
EOF

# ---- measuring ------------------------------------------------------------------------------
names=() best=() notes=()

now() { date +%s.%N; }

# time_once OUT_ERR CMD... : runs CMD with stdout to /dev/null, prints elapsed seconds.
time_once() {
    local err=$1 t0 t1 rc
    shift
    t0=$(now)
    "$@" >/dev/null 2>"$err"
    rc=$?
    t1=$(now)
    [ "$rc" -eq 0 ] || return "$rc"
    echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

# Rows are timed in rounds: each round runs every row once, in order, RUNS rounds, and each
# row keeps its best time. Interleaving gives every row the same share of a machine whose
# speed drifts (a shared VM can vary by 30% over a minute), so the ratios stay fair.
row() { names+=("$1") best+=("") notes+=(""); }

# run_row NAME : the command of a row, stdout to the caller.
run_row() {
    case $1 in
    "cefguard parse") "${rss[@]}" "$cefguard" parse "$corpus" ;;
    lognormalizer) ln_run ;;
    "cefguard replay") "${rss[@]}" "$cefguard" replay -q --year 2025 -r "$src/rules" "$corpus" ;;
    "replay +10k rules")
        "${rss[@]}" "$cefguard" replay -q --year 2025 -r "$src/rules" -r "$work/gen10k.yml" "$corpus" ;;
    "load +10k rules") "${rss[@]}" "$cefguard" replay -q --year 2025 -r "$src/rules" -r "$work/gen10k.yml" /dev/null ;;
    "base parse") "${rss[@]}" "$baseline" parse "$corpus" ;;
    "base replay") "${rss[@]}" "$baseline" replay -q --year 2025 -r "${base_rules:-$src/rules}" "$corpus" ;;
    esac
}

time_rounds() {
    local t rc
    for ((r = 0; r < runs; r++)); do
        for i in "${!names[@]}"; do
            [ -n "${notes[$i]}" ] && continue
            t=$(time_once "$work/err" run_row "${names[$i]}")
            rc=$?
            if [ "$rc" -ne 0 ]; then
                best[$i]="" notes[$i]="failed (exit $rc): $(tail -1 "$work/err")"
                continue
            fi
            if [ -z "${best[$i]}" ] || awk -v a="$t" -v b="${best[$i]}" 'BEGIN { exit !(a < b) }'; then
                best[$i]=$t
            fi
        done
    done
}

# The memory pass: each row once more under GNU time (if installed), for its max RSS.
rss=() mem=()
mem_rounds() {
    [ -x /usr/bin/time ] || return 0
    for i in "${!names[@]}"; do
        [ -n "${notes[$i]}" ] && continue
        rss=(/usr/bin/time -f %M -o "$work/rss")
        run_row "${names[$i]}" >/dev/null 2>&1 && mem[$i]=$(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")
        rss=()
    done
}

ln_run() { "${rss[@]}" lognormalizer -r "$rulebase" -e json <"$ln_corpus"; }

# ---- warm-up runs that also say what each tool made of the lines -----------------------------
cg_stats=""
if [ "$cg_ok" -eq 1 ]; then
    if "$cefguard" parse --stats "$corpus" >/dev/null 2>"$work/stats"; then
        cg_stats=$(grep -E '^(lines|format\.[a-z]+|reject\.[a-z_]+) ' "$work/stats" | awk '$2 != 0')
    else
        echo "bench: cefguard parse failed:" >&2
        tail -5 "$work/stats" >&2
        cg_ok=0
    fi
fi
ln_ok=0
if command -v lognormalizer >/dev/null; then
    ln_ok=1
    ln_run | grep -c '"unparsed-data"' >"$work/ln_unparsed"
    ln_cef=$(grep -c 'CEF:0|' "$ln_corpus")
fi

# ---- the rows -------------------------------------------------------------------------------
if [ "$cg_ok" -eq 1 ]; then
    row "cefguard parse"
else
    names+=("cefguard parse") best+=("") notes+=("cefguard parse failed (see above)")
fi
if [ "$ln_ok" -eq 1 ]; then
    row "lognormalizer"
else
    names+=("lognormalizer") best+=("") notes+=("lognormalizer not installed (liblognorm-utils)")
fi
if [ "$cg_ok" -eq 1 ]; then
    bash "$src/test/bench/gen_rules.sh" 10000 >"$work/gen10k.yml"
    if "$cefguard" replay --stats --year 2025 -r "$src/rules" "$corpus" >/dev/null 2>"$work/rstats"; then
        cg_alerts=$(awk '$1 == "engine.alerts" { print $2 }' "$work/rstats")
    fi
    row "cefguard replay"
    row "replay +10k rules"
    row "load +10k rules" # the same on no input: what loading the rules costs, once
fi
if [ -n "$baseline" ]; then
    row "base parse"
    row "base replay"
fi
time_rounds
mem_rounds

# ---- report ---------------------------------------------------------------------------------
ln_rate=""
for i in "${!names[@]}"; do
    if [ "${names[$i]}" = lognormalizer ] && [ -n "${best[$i]}" ]; then
        ln_rate=$(awk -v n="$n_lines" -v t="${best[$i]}" 'BEGIN { printf "%.0f", n / t }')
    fi
done
echo
echo "cefguard benchmark: $n_lines lines ($(wc -c <"$corpus") bytes, seed $seed), best of $runs interleaved rounds, $(nproc) cores"
printf '%-20s %10s %14s %14s %12s\n' "" "seconds" "lines/s" "vs lognorm" "max RSS MB"
for i in "${!names[@]}"; do
    if [ -z "${best[$i]}" ]; then
        printf '%-20s %s\n' "${names[$i]}" "${notes[$i]}"
        continue
    fi
    if [ "${names[$i]}" = "load +10k rules" ]; then # no lines: seconds only
        printf '%-20s %10.3f %14s %14s %12s\n' "${names[$i]}" "${best[$i]}" "-" "-" "${mem[$i]:--}"
        continue
    fi
    rate=$(awk -v n="$n_lines" -v t="${best[$i]}" 'BEGIN { printf "%.0f", n / t }')
    ratio=$( [ -n "$ln_rate" ] && awk -v a="$rate" -v b="$ln_rate" 'BEGIN { printf "%.2fx", a / b }' || echo "-")
    printf '%-20s %10.3f %14s %14s %12s\n' "${names[$i]}" "${best[$i]}" "$rate" "$ratio" "${mem[$i]:--}"
done
echo
if [ -n "$cg_stats" ]; then
    echo "cefguard parse --stats (non-zero counters):"
    while IFS= read -r stat; do echo "  $stat"; done <<<"$cg_stats"
fi
if [ "$ln_ok" -eq 1 ]; then
    echo "lognormalizer: $(cat "$work/ln_unparsed") of $n_lines lines unparsed; the corpus has $ln_cef CEF lines"
fi
[ -n "${cg_alerts:-}" ] && echo "cefguard replay: $cg_alerts alerts from the shipped rules ($(ls "$src"/rules/*.yml | wc -l) files)"
r1="" r2="" r3=""
for i in "${!names[@]}"; do
    [ "${names[$i]}" = "cefguard replay" ] && r1=${best[$i]}
    [ "${names[$i]}" = "replay +10k rules" ] && r2=${best[$i]}
    [ "${names[$i]}" = "load +10k rules" ] && r3=${best[$i]}
done
if [ -n "$r1" ] && [ -n "$r2" ]; then
    awk -v a="$r1" -v b="$r2" 'BEGIN { printf "10,000 more rules cost %+.1f%% time (goal: within 20%%)\n", (b / a - 1) * 100 }'
fi
if [ -n "$r1" ] && [ -n "$r2" ] && [ -n "$r3" ]; then
    awk -v a="$r1" -v b="$r2" -v l="$r3" 'BEGIN { printf "  of which loading them: %.3f s; per line, without the loading: %+.1f%%\n", l, ((b - l) / a - 1) * 100 }'
fi
[ "$cg_ok" -eq 1 ] || exit 1
