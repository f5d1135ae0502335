#!/usr/bin/env bash
# The test tools judged against each other, against openssl s_server and against a real
# rsyslogd, so that the delivery tests built on them can be trusted:
#   - cg_sender --stdout into cg_seqcheck: exact counts; the checker's failures (gaps, more
#     than 20 ranges, duplicates, out of range, lines without a number, --strict) each fail
#     with the exact report; the template, --size and --octet give the exact bytes;
#   - TCP (LF and octet-counted, 4 connections) and UDP into rsyslogd (imtcp, imudp) writing a
#     file: every message arrives once (this also proves test/integration/rsyslog/lib.sh);
#   - TLS into openssl s_server with the certificates of cg_make_certs: delivered with the
#     right client certificate, refused with the other CA's client certificate or with the
#     wrong CA for the server; the attacks' exact bytes (huge-line, bogus-octet, slow);
#   - idle connections: held until the peer closes them (rsyslogd stopped), --expect-close
#     fails when it does not;
#   - the shipped drop-in (packaging/rsyslog/cefguard.conf), path-adjusted: rsyslogd -N1
#     accepts it; N numbered messages pass through omprog to a stand-in program, exactly once;
#     the stand-in killed with kill -9 mid-stream is restarted and every message arrives at
#     least once; a backlog is still one program; messages queued when rsyslogd stops survive
#     its restart (the drop-in's disk queue).
# usage: test_tools.sh CEFGUARD_BIN SOURCE_DIR
set -u
src=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/test/integration/lib.sh"
. "$src/test/integration/rsyslog/lib.sh"
cg_init "$1" "$src"
src=$CG_SRC
cg_tmpdir
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
T=$CG_TMP

# expect NAME RC_WANT OUT_WANT CMD...: CMD's exit status and stdout, exactly.
expect() {
    local name=$1 rc_want=$2 want=$3 out rc
    shift 3
    out=$("$@" 2>"$T/expect.err")
    rc=$?
    if [ "$rc" -eq "$rc_want" ] && [ "$out" = "$want" ]; then ok; else
        ko "$name: exit $rc (want $rc_want), output:"$'\n'"$out"$'\n'"want:"$'\n'"$want"$'\n'"$(cat "$T/expect.err")"
    fi
}

# ---- sender to checker on stdout -------------------------------------------------------------
"$CG_SENDER" --stdout -n 20000 -q >"$T/s.log"
expect "stdout 20000" 0 "20000 of 20000 present, 0 duplicates, 0 out of range, 0 lines without a number" \
    "$CG_SEQCHECK" -n 20000 "$T/s.log"
expect "stdin" 0 "" "$CG_SEQCHECK" -q -n 20000 <"$T/s.log"
[ "$(wc -l <"$T/s.log")" -eq 20000 ] && ok || ko "20000 lines: $(wc -l <"$T/s.log")"
"$CG_SENDER" --stdout -n 5 --start 7 -q | "$CG_SEQCHECK" -q --start 7 -n 5 && ok || ko "--start"

# a gap, a duplicate and lines without a number
{ head -n 100 "$T/s.log"; sed -n '151,200p' "$T/s.log"; sed -n '50p' "$T/s.log"; echo "no number"; echo "msgnum=x"; } >"$T/gap.log"
expect "gap" 1 "missing: 100-149 (50)
missing: 200-19999 (19800)
duplicate: 49 (2 times)
150 of 20000 present, 1 duplicates, 0 out of range, 2 lines without a number" \
    "$CG_SEQCHECK" -n 20000 "$T/gap.log"
expect "gap, dups-ok" 1 "missing: 100-149 (50)
missing: 200-19999 (19800)
150 of 20000 present, 1 duplicates, 0 out of range, 2 lines without a number" \
    "$CG_SEQCHECK" -n 20000 --dups-ok "$T/gap.log"
{ head -n 150 "$T/s.log"; sed -n '100,150p' "$T/s.log"; } >"$T/dup.log"
expect "dups-ok passes" 0 "150 of 150 present, 51 duplicates, 0 out of range, 0 lines without a number" \
    "$CG_SEQCHECK" -n 150 --dups-ok "$T/dup.log"
"$CG_SEQCHECK" -n 150 "$T/dup.log" >"$T/dup.out"
[ $? -eq 1 ] && [ "$(grep -c '^duplicate: ' "$T/dup.out")" -eq 20 ] && ok || ko "dups: $(cat "$T/dup.out")"
expect "out of range" 1 "out of range: 50 lines, the first 100 (expected 0-99)
100 of 100 present, 0 duplicates, 50 out of range, 0 lines without a number" \
    "$CG_SEQCHECK" -n 100 <(head -n 150 "$T/s.log")
expect "strict" 1 "2 of 2 present, 0 duplicates, 0 out of range, 1 lines without a number" \
    "$CG_SEQCHECK" -n 2 --strict <(printf 'msgnum:0\nx\nmsgnum=00000001\n')
expect "tcpflood form" 0 "" "$CG_SEQCHECK" -q -n 2 <(printf 'a msgnum:00000000:\nb msgnum:1\n')
awk 'NR % 2' "$T/s.log" >"$T/odd.log" # every other number: 10000 ranges
"$CG_SEQCHECK" -n 20000 "$T/odd.log" >"$T/odd.out"
[ $? -eq 1 ] && [ "$(grep -c '^missing: ' "$T/odd.out")" -eq 21 ] &&
    grep -qx 'missing: and 9980 more ranges' "$T/odd.out" && ok || ko "ranges: $(tail -3 "$T/odd.out")"
expect "empty input" 1 "missing: 0-2 (3)
0 of 3 present, 0 duplicates, 0 out of range, 0 lines without a number" "$CG_SEQCHECK" -n 3 /dev/null
expect "no file" 2 "" "$CG_SEQCHECK" -n 3 "$T/none"

# exact bytes: template, --size, --octet
expect "template" 0 "a00000003 c0 100% b
a00000004 c0 100% b" "$CG_SENDER" --stdout -q -n 2 --start 3 --template 'a%n c%c 100%% b'
expect "size" 0 "x00000000 pad=xxxxxx" "$CG_SENDER" --stdout -q --size 20 --template 'x%n'
expect "octet" 0 "9 x000000009 x00000001" "$CG_SENDER" --stdout -q -n 2 --octet --template 'x%n'
line=$("$CG_SENDER" --stdout -q)
[[ $line =~ ^\<134\>[A-Z][a-z][a-z]\ [\ 1-3][0-9]\ [0-2][0-9]:[0-5][0-9]:[0-6][0-9]\ host0\ CEF:0\|Trend\ Micro\|Deep\ Security\ Agent\|20.0\|1000\|Test\|3\|msgnum=00000000\  ]] &&
    ok || ko "default message: $line"
"$CG_SENDER" --stdout -q --size 300 -n 3 | awk 'length($0) != 300 { exit 1 }' && ok || ko "--size 300"
expect "usage" 2 "" "$CG_SENDER" -n 1
expect "bad number" 2 "" "$CG_SENDER" --stdout -n 1x

# ---- rsyslogd: imtcp (LF and octet-counted, 4 connections) and imudp into a file ------------
if cg_rsyslog_available; then
    cg_rsyslog_new r
    cg_rsyslog_listen r tcp in
    cg_rsyslog_listen r udp in
    cg_rsyslog_file_output r in "$T/rs.log"
    cg_rsyslog_start r
    tport=$(cg_rsyslog_port r tcp) uport=$(cg_rsyslog_port r udp)
    "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n 10000 --connections 4 -q && ok || ko "tcp send"
    "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n 10000 --start 10000 --octet --connections 3 -q &&
        ok || ko "octet send"
    # UDP is lossy by nature: paced, so that a loaded machine does not drop
    "$CG_SENDER" --udp 127.0.0.1:"$uport" -n 2000 --start 20000 --rate 4000 --connections 2 -q &&
        ok || ko "udp send"
    cg_poll 20 cg_lines_ge "$T/rs.log" 22000
    expect "rsyslog tcp+udp" 0 "22000 of 22000 present, 0 duplicates, 0 out of range, 0 lines without a number" \
        "$CG_SEQCHECK" -n 22000 "$T/rs.log"
    # each connection is one sender host: host0..host3 for LF, host0..host2 for octet-counted
    [ "$(grep -c ' host3 CEF' "$T/rs.log")" -eq 2500 ] && ok || ko "round robin: $(grep -c ' host3 CEF' "$T/rs.log")"

    # idle connections: held until the peer closes them
    cg_start idle "$CG_SENDER" --tcp 127.0.0.1:"$tport" --attack idle:50 --hold 30 --expect-close
    cg_wait_for 10 grep -q 'idle: 50 connections open' "$T/idle.err"
    "$CG_SENDER" --tcp 127.0.0.1:"$tport" --attack idle:3 --hold 1 --expect-close 2>"$T/idle2.err"
    [ $? -eq 1 ] && grep -q 'expected the peer to close 3 connections, 3 still open' "$T/idle2.err" &&
        ok || ko "idle without close: $(cat "$T/idle2.err")"
    cg_rsyslog_stop r && ok || ko "rsyslogd stop"
    cg_wait_exit idle 10 && grep -q '50 of 50 connections closed by the peer' "$T/idle.err" &&
        ok || ko "idle closed: $(cat "$T/idle.err")"
fi

# ---- TLS into openssl s_server -------------------------------------------------------------
cg_make_certs "$T/certs"
C=$T/certs
# s_server NAME [ARGS]: one connection, its bytes to NAME.out; its port in $port
s_server() {
    local name=$1
    shift
    port=$("$CG_SENDER" --free-port tcp)
    cg_start_pipe "$name" openssl s_server -quiet -naccept 1 -accept 127.0.0.1:"$port" \
        -verify_return_error -cert "$C/server.pem" -key "$C/server.key" "$@"
    cg_wait_for 10 cg_tcp_listening "$port"
}
s_server tls1 -Verify 1 -CAfile "$C/ca.pem"
"$CG_SENDER" --tls 127.0.0.1:"$port" -n 3000 --ca "$C/ca.pem" --cert "$C/client.pem" \
    --key "$C/client.key" -q && ok || ko "tls send"
cg_wait_exit tls1 10
expect "tls" 0 "3000 of 3000 present, 0 duplicates, 0 out of range, 0 lines without a number" \
    "$CG_SEQCHECK" -n 3000 "$T/tls1.out"
s_server tls2 -Verify 1 -CAfile "$C/ca.pem"
"$CG_SENDER" --tls 127.0.0.1:"$port" -n 3000 --octet --ca "$C/ca.pem" --cert "$C/client2.pem" \
    --key "$C/client2.key" -q 2>"$T/tls2.send.err"
[ $? -eq 1 ] && ok || ko "tls with the other CA's client certificate was not refused: $(cat "$T/tls2.send.err")"
cg_stop tls2 TERM 5
s_server tls3
"$CG_SENDER" --tls localhost:"$port" -n 1 --ca "$C/ca2.pem" -q 2>"$T/tls3.send.err"
[ $? -eq 1 ] && grep -q "TLS handshake" "$T/tls3.send.err" && ok || ko "wrong server CA: $(cat "$T/tls3.send.err")"
# the attacks' exact bytes, over TLS (no client certificate asked)
s_server huge
"$CG_SENDER" --tls 127.0.0.1:"$port" --attack huge-line:300000 --hold 1 2>"$T/huge.send.err" &&
    grep -q 'attack: 300000 bytes written' "$T/huge.send.err" && ok || ko "huge: $(cat "$T/huge.send.err")"
cg_wait_exit huge 10
[ "$(wc -c <"$T/huge.out")" -eq 300000 ] && [ "$(wc -l <"$T/huge.out")" -eq 1 ] &&
    head -c 5 "$T/huge.out" | grep -qx '<134>' && ok || ko "huge line: $(wc -c <"$T/huge.out") bytes"
s_server bogus
"$CG_SENDER" --tls 127.0.0.1:"$port" --attack 'bogus-octet:99999999999 \x01x' --hold 1 -q ||
    ko "bogus send"
cg_wait_exit bogus 10
[ "$(od -An -c "$T/bogus.out" | tr -s ' ')" = " 9 9 9 9 9 9 9 9 9 9 9 001 x" ] && ok ||
    ko "bogus bytes: $(od -An -c "$T/bogus.out")"
s_server slow
"$CG_SENDER" --tls 127.0.0.1:"$port" --attack slow --hold 1 --expect-close 2>"$T/slow.err"
[ $? -eq 1 ] && grep -q '1 still open' "$T/slow.err" && ok || ko "slow: $(cat "$T/slow.err")"
cg_wait_exit slow 10
[ "$(wc -c <"$T/slow.out")" -eq 44 ] && grep -q '^123 <134>' "$T/slow.out" && ok ||
    ko "slow bytes: $(cat -v "$T/slow.out")"

# ---- the shipped drop-in: rsyslogd -> omprog -> stand-in ----------------------------------------
if cg_rsyslog_available; then
    standin=$src/test/integration/rsyslog/omprog_standin.sh
    cg_rsyslog_new d
    cg_rsyslog_dropin d "$standin $T/omprog.log" 's|action.resumeInterval="5"|action.resumeInterval="1"|'
    "$CG_RSYSLOGD" -N1 -f "$(cg_rsyslog_dir d)/rsyslog.conf" >"$T/n1.out" 2>&1 && ok ||
        ko "rsyslogd -N1 refuses the drop-in: $(cat "$T/n1.out")"
    cg_rsyslog_start d
    tport=$(cg_rsyslog_port d tcp) uport=$(cg_rsyslog_port d udp)
    "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n 4000 --connections 2 -q || ko "omprog tcp send"
    "$CG_SENDER" --udp 127.0.0.1:"$uport" -n 1000 --start 4000 --rate 2000 -q || ko "omprog udp send"
    # a LEEF 1.0 line keeps its TABs (the drop-in's parser.escapeControlCharacterTab="off")
    "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n 1 --start 5000 -q \
        --template $'<134>%t host0 LEEF:1.0|Trend Micro|Deep Security Agent|20.0|4000000|cat=a\tmsgnum=%n'
    cg_wait_for 30 cg_lines_ge "$T/omprog.log" 5001
    expect "omprog exactly once" 0 "5001 of 5001 present, 0 duplicates, 0 out of range, 0 lines without a number" \
        "$CG_SEQCHECK" -n 5001 "$T/omprog.log"
    [ "$(grep -c $'\tmsgnum=00005000$' "$T/omprog.log")" -eq 1 ] && ok || ko "LEEF tab: $(tail -1 "$T/omprog.log" | cat -A)"
    [ "$(wc -l <"$T/omprog.log.pids")" -eq 1 ] && ok || ko "one instance: $(cat "$T/omprog.log.pids")"

    # kill -9 of the program mid-stream: omprog restarts it, nothing is lost
    : >"$T/omprog.log"
    cg_start flood "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n 10000 --start 10000 --rate 5000
    cg_wait_for 30 cg_lines_ge "$T/omprog.log" 3000
    kill -KILL "$(tail -n 1 "$T/omprog.log.pids")"
    cg_wait_exit flood 30 || ko "flood send"
    cg_wait_for 60 cg_lines_ge "$T/omprog.log" 10000
    cg_poll 1 false # anything still in flight
    "$CG_SEQCHECK" --start 10000 -n 10000 --dups-ok "$T/omprog.log" >"$T/kill.out"
    [ $? -eq 0 ] && ok || ko "kill -9: $(cat "$T/kill.out")"
    [ "$(wc -l <"$T/omprog.log.pids")" -eq 2 ] && ok || ko "restarted once: $(cat "$T/omprog.log.pids")"

    # rsyslogd stopped with messages queued: the disk-assisted queue keeps them for the restart
    : >"$T/omprog.log"
    touch "$T/omprog.log.slow"
    "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n 3000 --start 30000 -q || ko "queue send"
    cg_wait_for 10 cg_lines_ge "$T/omprog.log" 10
    # a backlog on the disk queue is still one program (a disk-assisted in-memory queue
    # started a second one for its disk part)
    [ "$(wc -l <"$T/omprog.log.pids")" -eq 2 ] && ok || ko "one instance under a backlog: $(cat "$T/omprog.log.pids")"
    cg_rsyslog_stop d 30 && ok || ko "rsyslogd stop with a queue"
    got=$(wc -l <"$T/omprog.log")
    [ "$got" -lt 3000 ] && ls "$(cg_rsyslog_dir d)"/work/cefguard.* >/dev/null 2>&1 && ok ||
        ko "no queue file after the stop ($got of 3000 delivered): $(ls "$(cg_rsyslog_dir d)/work")"
    rm -f "$T/omprog.log.slow"
    cg_start rsyslog-d2 "$CG_RSYSLOGD" -n -f "$(cg_rsyslog_dir d)/rsyslog.conf" -i "$(cg_rsyslog_dir d)/rsyslogd.pid"
    cg_wait_for 60 cg_lines_ge "$T/omprog.log" 3000
    "$CG_SEQCHECK" --start 30000 -n 3000 --dups-ok "$T/omprog.log" >"$T/queue.out"
    [ $? -eq 0 ] && ok || ko "after the restart: $(cat "$T/queue.out")"
    cg_stop rsyslog-d2 TERM 30 && ok || ko "rsyslogd stop after the restart"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
