#!/usr/bin/env bash
# Set-up, build and run for a fresh Debian 12 machine (run as root, or with sudo).
#
#   bash packaging/dev.sh demo   install what is missing, build, run cefguard on the bundled samples:
#                                `parse` (normalized events) and `replay` with the shipped rules (alerts)
#   bash packaging/dev.sh test   install what is missing, check formatting, build, run the whole
#                                test suite: unit, golden, integration and fuzz-smoke tests (ctest), the same
#                                suite under ASan+UBSan, and a bounded libFuzzer run of every target
#   bash packaging/dev.sh build  install what is missing and build only
#
# Environment: FUZZ_SECONDS (default 30) per fuzz target in `test`; JOBS (default: nproc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
jobs=${JOBS:-$(nproc)}

# Debian 12 packages: build tools, the chosen libraries, and the real peers the tests drive
# (lognormalizer for the comparison test and the benchmark, rsyslog, kcat, clang for libFuzzer,
# GNU time and valgrind for the benchmark's memory column and instruction counts).
pkgs=(build-essential cmake pkg-config git ca-certificates tzdata
      liblognorm-dev liblognorm-utils libestr-dev libfastjson-dev libpcre2-dev libyaml-dev
      libsqlite3-dev libevent-dev librdkafka-dev libcmocka-dev
      clang libclang-rt-14-dev clang-format rsyslog kcat time valgrind)

install_deps() {
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake args...]
    local dir=$1; shift
    cmake -S "$here" -B "$dir" -DCG_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$jobs" -- --no-print-directory >/dev/null
}

samples() {
    # shared/samples when it is beside the checkout; test/data/samples bundles a copy of it
    # and lines of every supported vendor.
    if [ -d "$here/../shared/samples" ]; then
        printf '%s\n' "$here"/../shared/samples/*.log
        printf '%s\n' "$here"/test/data/samples/mixed-vendors.log
    else
        printf '%s\n' "$here"/test/data/samples/*.log
    fi
}

cmd=${1:-}
case "$cmd" in
demo)
    install_deps
    build build
    mapfile -t files < <(samples)
    # The samples carry no year (RFC 3164): --year makes the output the same every day.
    echo "== cefguard parse --year 2025 ${files[*]#$here/}" >&2
    ./build/cefguard parse --year 2025 --stats "${files[@]}"
    echo "== cefguard replay --year 2025 (shipped rules in rules/) ${files[*]#$here/}" >&2
    ./build/cefguard replay --year 2025 --stats "${files[@]}"
    ;;
test)
    install_deps
    echo "== clang-format (.clang-format)"
    find src include test -name '*.[ch]' -print0 | xargs -0 clang-format --dry-run --Werror
    echo "== build (RelWithDebInfo, -Werror)"
    build build
    (cd build && ctest --output-on-failure -j "$jobs")
    echo "== build (ASan + UBSan, -Werror)"
    build build-asan -DCG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs")
    echo "== libFuzzer, ${FUZZ_SECONDS:-30}s per target"
    bash test/fuzz/run.sh "${FUZZ_SECONDS:-30}"
    ;;
build)
    install_deps
    build build
    ;;
*)
    sed -n '2,12p' "${BASH_SOURCE[0]}"
    exit 2
    ;;
esac
