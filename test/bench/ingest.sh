#!/usr/bin/env bash
# Ingest on loopback: messages per second at zero loss, side by side in one run, for
#   rsyslogd -> file    rsyslogd (imudp / imtcp) writing each message to a file (omfile), the
#                       yardstick: the same stream as cefguard gets
#   cefguard run        `cefguard run` (its udp / tcp input) with all the shipped rules and
#                       rulebases, alerts to /dev/null
#   omprog stand-in     rsyslogd (imtcp) -> the shipped drop-in's omprog action -> the omprog
#                       stand-in of the tests (a shell loop: the protocol's own cost)
#   omprog cefguard     the same with `cefguard omprog` as the program
# Not a test (timing has no place in the suite). Rows whose program cannot run say so and are
# skipped: `cefguard run --help` / `cefguard omprog --help` failing skips the cefguard rows.
#
# usage: test/bench/ingest.sh [-n MESSAGES] [-N OMPROG_MESSAGES] [-s SIZE] [-k STEPS] [CEFGUARD]
#   CEFGUARD    the binary to measure; its build must have the test tools (test/tools/);
#               default: a Release build in $CG_BENCH_BUILD (default build-bench/)
#   -n          messages per TCP trial and per unpaced UDP trial (default 200000)
#   -N          messages through omprog (default 20000: the stand-in does ~2,000/s)
#   -s          pad each message to SIZE bytes (default: cg_sender's message, ~140 bytes)
#   -k          bisection steps of the UDP search (default 6)
#
# What "at zero loss" means here:
#   TCP and omprog: the sender is not paced (TCP pushes back, nothing is lost by design);
#     the rate is MESSAGES / (the time from the first message sent to the last one counted
#     by the receiver), so a receiver that buffers does not look faster than it processes.
#   UDP: one unpaced trial first; if nothing was lost that is the rate. Otherwise a bisection
#     between 0 and the unpaced sender's rate: each trial sends at a fixed rate (cg_sender
#     --rate) for about 2 s (at least 20,000 messages) and counts what arrived; the row gives
#     the highest rate that lost nothing, and the loss of the unpaced trial.
#   Counted: rsyslogd, the lines in its file; cefguard run, the `lines` counter of `cefguard
#   stats`; cefguard omprog, the lines of an events-only jsonl sink (one per message processed,
#   with the shipped rules); the stand-in, the lines it wrote. A trial ends when the count reaches what was sent or has
#   not moved for 1 s.
set -uo pipefail

n=200000 n_omprog=20000 size=0 steps=6
while getopts "n:N:s:k:h" opt; do
    case $opt in
    n) n=$OPTARG ;;
    N) n_omprog=$OPTARG ;;
    s) size=$OPTARG ;;
    k) steps=$OPTARG ;;
    *) sed -n '2,33p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
for v in "$n" "$n_omprog" "$size" "$steps"; do
    [[ "$v" =~ ^[0-9]+$ ]] || { echo "ingest: not a number: $v" >&2; exit 2; }
done
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cefguard=${1:-}
if [ -z "$cefguard" ]; then
    build=${CG_BENCH_BUILD:-$src/build-bench}
    echo "== ingest: building Release in $build" >&2
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
        cmake --build "$build" -j "${JOBS:-2}" --target cefguard cg_sender cg_seqcheck \
            -- --no-print-directory >/dev/null ||
        { echo "ingest: the build failed" >&2; exit 2; }
    cefguard=$build/cefguard
fi
. "$src/test/integration/lib.sh"
. "$src/test/integration/rsyslog/lib.sh"
cg_init "$cefguard" "$src"
cg_tmpdir
T=$CG_TMP
sender_args=()
[ "$size" -gt 0 ] && sender_args+=(--size "$size")

now() { date +%s.%N; }

# ---- counting ------------------------------------------------------------------------------
count_file() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
count_stat() { cg_stat "$1" lines || echo 0; }

# settle WANT COUNT_CMD...: waits until the count reaches WANT or has not moved for 1 s
# (at most 300 s); prints "COUNT SECONDS_WHEN_LAST_MOVED" (the epoch time of its last change).
settle() {
    local want=$1 c last=-1 t_last t_still
    shift
    t_last=$(now) t_still=$t_last
    local end=$((SECONDS + 300))
    while [ $SECONDS -lt $end ]; do
        c=$("$@")
        if [ "$c" != "$last" ]; then
            last=$c t_last=$(now) t_still=$t_last
        fi
        [ "$c" -ge "$want" ] && break
        awk -v a="$t_still" -v b="$(now)" 'BEGIN { exit !(b - a >= 1) }' && break
        sleep 0.05
    done
    echo "$last $t_last"
}

# trial PROTO PORT RATE COUNT MESSAGES COUNT_CMD...: sends COUNT messages (RATE 0: unpaced),
# waits for them; prints "RECEIVED SECONDS SENDER_SECONDS" (SECONDS: first sent to last
# counted).
trial() {
    local proto=$1 port=$2 rate=$3 count=$4 before t0 got t_last rate_args=() sent_s
    shift 4
    [ "$rate" -gt 0 ] && rate_args=(--rate "$rate")
    before=$("$@")
    t0=$(now)
    "$CG_SENDER" --"$proto" 127.0.0.1:"$port" -n "$count" --start 0 "${rate_args[@]}" \
        "${sender_args[@]}" 2>"$T/sender.err" || { echo "0 0 0"; return 1; }
    sent_s=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' "$T/sender.err")
    read -r got t_last < <(settle $((before + count)) "$@")
    echo "$((got - before)) $(awk -v a="$t0" -v b="$t_last" 'BEGIN { printf "%.3f", b - a }') ${sent_s:-0}"
}

rows=() notes=()
row() { rows+=("$(printf '%-18s %-5s %14s %s' "$1" "$2" "$3" "$4")"); }

# measure_tcp NAME PORT N COUNT_CMD...: one unpaced trial.
measure_tcp() {
    local name=$1 port=$2 count=$3 got secs sent
    shift 3
    read -r got secs sent < <(trial tcp "$port" 0 "$count" "$@")
    if [ "$got" -ne "$count" ]; then
        row "$name" tcp - "received $got of $count (a TCP loss: look at the receiver)"
    else
        row "$name" tcp "$(awk -v n="$count" -v t="$secs" 'BEGIN { printf "%.0f", n / t }')" \
            "$count in $secs s (the sender wrote them in $sent s)"
    fi
}

# measure_udp NAME PORT COUNT_CMD...: the unpaced trial, then the bisection.
measure_udp() {
    local name=$1 port=$2 got secs sent hi lo=0 mid m i lost_note
    shift 2
    read -r got secs sent < <(trial udp "$port" 0 "$n" "$@")
    if [ "$got" -eq "$n" ]; then
        row "$name" udp "$(awk -v n="$n" -v t="$secs" 'BEGIN { printf "%.0f", n / t }')" \
            "unpaced: $n of $n in $secs s"
        return
    fi
    lost_note="unpaced: lost $((n - got)) of $n at $(awk -v n="$n" -v t="$sent" 'BEGIN { printf "%.0f", n / t }')/s"
    hi=$(awk -v n="$n" -v t="$sent" 'BEGIN { printf "%.0f", n / t }')
    for ((i = 0; i < steps; i++)); do
        mid=$(((lo + hi) / 2))
        [ "$mid" -gt 0 ] || break
        m=$((mid * 2)) # about 2 s of messages
        [ "$m" -ge 20000 ] || m=20000
        [ "$m" -le "$n" ] || m=$n
        read -r got secs sent < <(trial udp "$port" "$mid" "$m" "$@")
        echo "   $name udp: $mid/s: $got of $m" >&2
        if [ "$got" -eq "$m" ]; then lo=$mid; else hi=$mid; fi
    done
    if [ "$lo" -eq 0 ]; then
        row "$name" udp - "loss at every rate tried; $lost_note"
    else
        row "$name" udp "$lo" "highest lossless of $steps paced trials (next: $hi/s lost); $lost_note"
    fi
}

# ---- rsyslogd -> file ------------------------------------------------------------------------
if cg_rsyslog_available; then
    echo "== ingest: rsyslogd -> file" >&2
    cg_rsyslog_new file
    cg_rsyslog_listen file udp in
    cg_rsyslog_listen file tcp in
    cg_rsyslog_file_output file in "$T/rsyslog.log"
    cg_rsyslog_start file
    measure_udp "rsyslogd -> file" "$(cg_rsyslog_port file udp)" count_file "$T/rsyslog.log"
    measure_tcp "rsyslogd -> file" "$(cg_rsyslog_port file tcp)" "$n" count_file "$T/rsyslog.log"
    cg_rsyslog_stop file
    rm -f "$T/rsyslog.log"
else
    row "rsyslogd -> file" - - "skipped: rsyslogd is not installed"
fi

# ---- cefguard run ----------------------------------------------------------------------------
if "$CG_BIN" run --help >/dev/null 2>&1; then
    echo "== ingest: cefguard run" >&2
    state=$T/cg-state
    cg_start cefguard "$CG_BIN" run --set state-dir="$state" \
        --set inputs.udp.listen=127.0.0.1:0 --set inputs.tcp.listen=127.0.0.1:0 \
        --set sinks.stdout.path=/dev/null
    if cg_poll 15 cg_stat "$state" input.tcp.port >/dev/null && cg_poll 5 cg_stat "$state" input.udp.port >/dev/null; then
        uport=$(cg_stat "$state" input.udp.port) tport=$(cg_stat "$state" input.tcp.port)
        measure_udp "cefguard run" "$uport" count_stat "$state"
        measure_tcp "cefguard run" "$tport" "$n" count_stat "$state"
        cg_stat "$state" engine.alerts >"$T/alerts" && notes+=("cefguard run: $(cat "$T/alerts") alerts")
        cg_stop cefguard TERM 30 || notes+=("cefguard run: exit status $? on SIGTERM")
    else
        row "cefguard run" - - "failed to start: $(tail -n 1 "$T/cefguard.err" | cut -c1-120)"
        cg_stop cefguard TERM 5
    fi
else
    row "cefguard run" - - "skipped: \`$CG_BIN run --help\` failed (no run command in this build)"
fi

# ---- rsyslogd -> omprog ------------------------------------------------------------------------
if cg_rsyslog_available; then
    echo "== ingest: rsyslogd -> omprog stand-in" >&2
    cg_rsyslog_new om
    cg_rsyslog_dropin om "$src/test/integration/rsyslog/omprog_standin.sh $T/standin.log"
    cg_rsyslog_start om
    measure_tcp "omprog stand-in" "$(cg_rsyslog_port om tcp)" "$n_omprog" count_file "$T/standin.log"
    cg_rsyslog_stop om
    if "$CG_BIN" omprog --help >/dev/null 2>&1; then
        echo "== ingest: rsyslogd -> omprog cefguard" >&2
        # every processed message is one line of the events-only sink: what is counted
        cat >"$T/omprog.yml" <<EOC
state-dir: $T/om-state
rules: [$src/rules]
sinks:
  alerts: {type: jsonl, path: /dev/null}
  events: {type: jsonl, path: $T/om-events.json, events-only: true}
EOC
        if "$CG_BIN" check -c "$T/omprog.yml" >"$T/check.out" 2>&1; then
            cg_rsyslog_new omcg
            cg_rsyslog_dropin omcg "$CG_BIN omprog -c $T/omprog.yml"
            cg_rsyslog_start omcg
            measure_tcp "omprog cefguard" "$(cg_rsyslog_port omcg tcp)" "$n_omprog" \
                count_file "$T/om-events.json"
            cg_rsyslog_stop omcg
        else
            row "omprog cefguard" tcp - "skipped: check -c refused $T/omprog.yml: $(head -n 1 "$T/check.out")"
        fi
    else
        row "omprog cefguard" tcp - "skipped: \`$CG_BIN omprog --help\` failed"
    fi
else
    row "omprog" - - "skipped: rsyslogd is not installed"
fi

# ---- report ----------------------------------------------------------------------------------
echo
msg_bytes=$("$CG_SENDER" --stdout -q "${sender_args[@]}" | wc -c)
echo "ingest benchmark: loopback, $(nproc) cores, messages of $((msg_bytes - 1)) bytes + LF, one connection or socket"
printf '%-18s %-5s %14s %s\n' "" "proto" "msgs/s" "how"
printf '%s\n' "${rows[@]}"
[ ${#notes[@]} -eq 0 ] || printf '%s\n' "${notes[@]}"
