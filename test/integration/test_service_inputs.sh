#!/usr/bin/env bash
# `cefguard run` on real sockets (127.0.0.1, port 0): numbered messages over UDP, TCP (LF
# and octet-counted framing) and TLS (both framings, client certificates verified) are each
# processed exactly once (the events sink, a sequence checker); a 10 MiB line, a bogus octet
# count, 500 idle connections and a half-open slow writer are each cut off, counted, while a
# parallel good sender loses nothing; a client certificate of another CA is refused; SIGTERM
# under load loses nothing that was received (the events are a gap-free prefix of what was
# sent, as many as the instance says it processed).
#
# usage: test_service_inputs.sh CEFGUARD SOURCE_DIR
set -uo pipefail
. "$2/test/integration/lib.sh"
cg_init "$@"
cg_tmpdir
T=$CG_TMP S=$T/state
N=${N:-5000}
cg_make_certs "$T/certs"
C=$T/certs

cat >"$T/run.yml" <<EOC
state-dir: $S
flush-interval: 50ms
inputs:
  udp: {type: udp, listen: "127.0.0.1:0", rcvbuf: 8388608}
  tcp: {type: tcp, listen: "127.0.0.1:0", idle-timeout: 2s, frame-timeout: 2s}
  tls: {type: tls, listen: "127.0.0.1:0", tls-cert: $C/server.pem, tls-key: $C/server.key,
        tls-ca: $C/ca.pem, verify-client: true, frame-timeout: 5s}
sinks:
  events: {type: jsonl, path: $T/events.json, events-only: true}
  alerts: {type: jsonl, path: $T/alerts.json}
EOC
"$CG_BIN" check -c "$T/run.yml" >/dev/null || cg_fail "check -c refuses the test configuration"
cg_start svc "$CG_BIN" run -c "$T/run.yml"
uport=$(cg_port "$S" udp) tport=$(cg_port "$S" tcp) lport=$(cg_port "$S" tls)
stat() { cg_stat "$S" "$1"; }
# the number where the events file shows it: the CEF msg field, "msgnum:N" in the JSON
M=(--template '<134>%t host%c CEF:0|Trend Micro|Deep Security Agent|20.0|1000|Test|3|msg=msgnum:%n')
# in_range START N FILE: the lines of FILE whose number is in [START, START+N)
in_range() {
    awk -v a="$1" -v b="$(($1 + $2))" 'match($0, /msgnum:[0-9]+/) {
        n = substr($0, RSTART + 7, RLENGTH - 7) + 0; if (n >= a && n < b) print }' "$3"
}

# ---- delivery: N per transport and framing, exactly once ----------------------------------
tls=(--tls 127.0.0.1:"$lport" --ca "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key")
"$CG_SENDER" "${M[@]}" --udp 127.0.0.1:"$uport" -n "$N" --start 0 --rate 20000 -q || cg_fail "udp send"
"$CG_SENDER" "${M[@]}" --tcp 127.0.0.1:"$tport" -n "$N" --start "$N" --connections 4 -q || cg_fail "tcp send"
"$CG_SENDER" "${M[@]}" --tcp 127.0.0.1:"$tport" -n "$N" --start $((2 * N)) --connections 4 --octet -q ||
    cg_fail "tcp octet-counted send"
"$CG_SENDER" "${M[@]}" "${tls[@]}" -n $((N / 2)) --start $((3 * N)) --connections 2 -q || cg_fail "tls send"
"$CG_SENDER" "${M[@]}" "${tls[@]}" -n $((N / 2)) --start $((3 * N + N / 2)) --connections 2 --octet -q ||
    cg_fail "tls octet-counted send"
total=$((4 * N))
cg_wait_stat "$S" lines -ge "$total" 30
cg_poll 1 false
[ "$(stat lines)" -eq "$total" ] || cg_fail "lines $(stat lines), expected exactly $total"
[ "$(stat input.udp.received)" -eq "$N" ] || cg_fail "udp received $(stat input.udp.received) of $N (kernel drops: $(stat input.udp.dropped.kernel))"
[ "$(stat input.tcp.received)" -eq $((2 * N)) ] || cg_fail "tcp received $(stat input.tcp.received)"
[ "$(stat input.tls.received)" -eq "$N" ] || cg_fail "tls received $(stat input.tls.received)"
cg_wait_for 10 bash -c "[ \$(wc -l <$T/events.json) -ge $total ]"
out=$("$CG_SEQCHECK" -n "$total" "$T/events.json") || cg_fail "delivery: $out"
echo "delivery: $out"

# ---- a client certificate of another CA is refused ------------------------------------------
before=$(stat input.tls.closed.tls_handshake)
"$CG_SENDER" --tls 127.0.0.1:"$lport" --ca "$C/ca.pem" --cert "$C/client2.pem" --key "$C/client2.key" \
    "${M[@]}" -n 10 --start 900000 -q 2>/dev/null && cg_fail "a client of another CA was let in"
cg_wait_stat "$S" input.tls.closed.tls_handshake -gt "$before" 10
grep -q 'msgnum:009000' "$T/events.json" && cg_fail "a refused client's message was processed"

# ---- limits: each bad peer cut off, a parallel good sender loses nothing ----------------------
G=$((10 * N))
cg_start good "$CG_SENDER" "${M[@]}" --tcp 127.0.0.1:"$tport" -n "$N" --start "$G" --rate 1000 -q
cg_start huge "$CG_SENDER" --tcp 127.0.0.1:"$tport" --attack huge-line:10485760 --hold 20 --expect-close
cg_start bogus "$CG_SENDER" --tcp 127.0.0.1:"$tport" --attack bogus-octet:"99999999999 x" --hold 20 --expect-close
cg_start slow "$CG_SENDER" --tcp 127.0.0.1:"$tport" --attack slow --hold 20 --expect-close
cg_start idle "$CG_SENDER" --tcp 127.0.0.1:"$tport" --attack idle:500 --hold 20 --expect-close
for p in huge bogus slow idle; do
    cg_wait_exit "$p" 30 || cg_fail "$p: not cut off (exit status $?)"
done
cg_wait_exit good 60 || cg_fail "the good sender failed"
[ "$(stat input.tcp.closed.too_long)" -ge 1 ] || cg_fail "closed.too_long $(stat input.tcp.closed.too_long)"
[ "$(stat input.tcp.closed.bad_octet_count)" -ge 1 ] || cg_fail "closed.bad_octet_count"
[ "$(stat input.tcp.closed.slow)" -ge 1 ] || cg_fail "closed.slow $(stat input.tcp.closed.slow)"
[ "$(stat input.tcp.closed.idle)" -ge 500 ] || cg_fail "closed.idle $(stat input.tcp.closed.idle), expected 500"
cg_wait_stat "$S" lines -ge $((total + N)) 30
out=$(in_range "$G" "$N" "$T/events.json" | "$CG_SEQCHECK" --start "$G" -n "$N") ||
    cg_fail "the good sender beside the attacks: $out"
echo "beside the attacks: $out"
alive=$(stat input.tcp.connections.open)
[ "$alive" -eq 0 ] || cg_fail "connections still open: $alive"

# ---- SIGTERM under load: what was received is processed --------------------------------------
H=$((20 * N))
cg_start load "$CG_SENDER" "${M[@]}" --tcp 127.0.0.1:"$tport" -n 1000000 --start "$H" -q
cg_wait_stat "$S" input.tcp.received -ge $((3 * N + 2000)) 30
cg_stop svc TERM 30 || cg_fail "cefguard did not stop cleanly on SIGTERM"
cg_stop load TERM 5 >/dev/null
done_lines=$(sed -n 's/.*stopped: \([0-9]*\) lines processed.*/\1/p' "$T/svc.err")
[ -n "$done_lines" ] || cg_fail "no 'stopped:' line in the log"
k=$((done_lines - total - N))
[ "$k" -gt 0 ] || cg_fail "nothing of the load was processed ($done_lines)"
[ "$(wc -l <"$T/events.json")" -eq "$done_lines" ] ||
    cg_fail "the events file has $(wc -l <"$T/events.json") lines, the instance processed $done_lines"
out=$(in_range "$H" 1000000 "$T/events.json" | "$CG_SEQCHECK" --start "$H" -n "$k") ||
    cg_fail "under SIGTERM: $out"
echo "SIGTERM under load: the first $k messages of the load processed, none after a gap: $out"
echo "ok"
