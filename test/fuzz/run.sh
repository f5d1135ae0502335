#!/usr/bin/env bash
# Bounded libFuzzer run of every test/fuzz/fuzz_*.c target.
#
# usage: test/fuzz/run.sh [SECONDS_PER_TARGET]      (default 60)
#
# Builds with clang, -DCG_FUZZ=ON -DCG_SANITIZE=ON (libFuzzer + ASan + UBSan) in its own build
# directory ($CG_FUZZ_BUILD, default build-fuzz/ in the source tree), then runs each target on a
# COPY of its seed corpus (test/fuzz/corpus/NAME/ is never written), with
#   -max_len=65536 -timeout=10 -rss_limit_mb=2048 -max_total_time=SECONDS.
# fuzz_line loads the shipped rulebases (rules/lognorm/*.rulebase) when there are any.
# Prints one summary line per target and exits non-zero if any target found a crash, leak,
# timeout or out-of-memory. Findings are kept under the work directory it prints; copy a
# reproducer to test/fuzz/corpus/NAME/crash-<what> so fuzz-smoke replays it from then on.
set -uo pipefail

secs=${1:-60}
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
    echo "usage: $0 [SECONDS_PER_TARGET]" >&2
    exit 2
fi

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${CG_FUZZ_BUILD:-$src/build-fuzz}
jobs=${JOBS:-2}

command -v clang >/dev/null || { echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cefguard-fuzz.XXXXXX")
keep=0
cleanup() { [ "$keep" -eq 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# No -Werror here: clang may warn where gcc does not, and that is the normal build's business.
echo "== fuzz: building in $build (clang, libFuzzer, ASan+UBSan)"
if ! CC=clang cmake -S "$src" -B "$build" -DCG_FUZZ=ON -DCG_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cmake.log" 2>&1; then
    cat "$work/cmake.log" >&2
    echo "fuzz: cmake failed" >&2
    exit 2
fi
targets=()
for f in "$src"/test/fuzz/fuzz_*.c; do
    targets+=("$(basename "$f" .c)")
done
if ! cmake --build "$build" -j "$jobs" --target "${targets[@]}" -- --no-print-directory \
        >"$work/build.log" 2>&1; then
    grep -E 'error' "$work/build.log" | head -40 >&2
    cp "$work/build.log" "$build/fuzz-build.log" 2>/dev/null
    echo "fuzz: build failed (full log: $build/fuzz-build.log)" >&2
    exit 2
fi

rulebases=""
if compgen -G "$src/rules/lognorm/*.rulebase" >/dev/null; then
    rulebases=$src/rules/lognorm
fi

# detect_leaks: libFuzzer checks each new input for leaks; halt_on_error: UBSan findings count.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

fail=0
summary=()
for t in "${targets[@]}"; do
    name=${t#fuzz_}
    bin=$build/test/fuzz/$t
    mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
    if [ -d "$src/test/fuzz/corpus/$name" ]; then
        cp -R "$src/test/fuzz/corpus/$name/." "$work/$name/corpus/"
    fi
    seeds=$(find "$work/$name/corpus" -type f | wc -l)
    env=()
    if [ "$t" = fuzz_line ] && [ -n "$rulebases" ]; then
        # liblognorm's own leak: see lsan.supp
        env=(CEFGUARD_FUZZ_RULEBASES="$rulebases"
             LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$src/test/fuzz/lsan.supp")
    fi
    echo "== fuzz: $t for ${secs}s ($seeds seeds${env:+, rulebases $rulebases})"
    env "${env[@]}" "$bin" "$work/$name/corpus" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -max_total_time="$secs" \
        -print_final_stats=1 -artifact_prefix="$work/$name/artifacts/" \
        >"$work/$name/log" 2>&1
    rc=$?
    log=$work/$name/log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE '(DONE|pulse|REDUCE|NEW|INITED) +cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 |
          sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+)/cov=\1 ft=\2/')
    corp=$(find "$work/$name/corpus" -type f | wc -l)
    findings=$(find "$work/$name/artifacts" -type f | wc -l)
    line=$(printf '%-12s %-4s execs=%s exec/s=%s %s corpus=%s->%s' "$t" OK "${execs:-?}" \
        "${rate:-?}" "${cov:-cov=?}" "$seeds" "$corp")
    if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
        fail=1
        keep=1
        kind=$(grep -oE 'CHECK\(.*\) failed|runtime error: .*|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [^(]*' \
            "$log" | head -1)
        echo "---- $t (exit $rc): last lines of $log" >&2
        tail -40 "$log" >&2
        line="${line/ OK  / FAIL} -- ${kind:-exit $rc}; artifacts in $work/$name/artifacts"
    fi
    summary+=("$line")
done

echo "== fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
if [ "$fail" -ne 0 ]; then
    echo "fuzz: findings kept in $work; copy a reproducer to test/fuzz/corpus/NAME/crash-<what>" >&2
    exit 1
fi
echo "fuzz: all targets clean"
