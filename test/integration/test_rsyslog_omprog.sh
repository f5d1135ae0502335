#!/usr/bin/env bash
# cefguard behind a real rsyslogd through the shipped drop-in (packaging/rsyslog/cefguard.conf,
# path-adjusted by cg_rsyslog_dropin): N numbered messages over TCP pass through omprog;
# cefguard is killed with kill -9 mid-stream; rsyslog restarts it; every message is processed
# at least once (the events sink), and every expected alert is present exactly once (one alert
# per message: test/data/service/every-malware.yml). Then a SIGHUP of rsyslogd reaches
# cefguard (a reload) and a stop of rsyslogd ends cefguard cleanly (EOF: state saved).
#
# usage: test_rsyslog_omprog.sh CEFGUARD SOURCE_DIR
set -uo pipefail
. "$2/test/integration/lib.sh"
. "$2/test/integration/rsyslog/lib.sh"
cg_init "$@"
cg_tmpdir
T=$CG_TMP
if ! cg_rsyslog_available; then
    echo "SKIP: no rsyslogd"
    exit 77
fi
N=${N:-20000}
KILL_AT=${KILL_AT:-8000}

cat >"$T/omprog.yml" <<EOC
state-dir: $T/state
rules: [$CG_SRC/test/data/service/every-malware.yml]
sinks:
  alerts: {type: jsonl, path: $T/alerts.json}
  events: {type: jsonl, path: $T/events.json, events-only: true}
EOC
"$CG_BIN" check -c "$T/omprog.yml" >/dev/null || cg_fail "check -c refuses the test configuration"
cg_rsyslog_new r
cg_rsyslog_dropin r "$CG_BIN omprog -c $T/omprog.yml" 's|action.resumeInterval="5"|action.resumeInterval="1"|'
cg_rsyslog_start r

tport=$(cg_rsyslog_port r tcp)
pid_of() { pgrep -f -- "omprog -c $T/omprog.yml" | head -1; }

cg_start flood "$CG_SENDER" --tcp 127.0.0.1:"$tport" -n "$N" --rate 4000 -q \
    --template '<134>%t host0 CEF:0|Trend Micro|Deep Security Agent|20.0|4000000|Mal_X|6|dvchost=web01 act=pass result=Pass msg=msgnum:%n msgnum=%n'
cg_wait_for 60 cg_lines_ge "$T/alerts.json" "$KILL_AT"
first=$(pid_of)
[ -n "$first" ] || cg_fail "no cefguard omprog process"
kill -KILL "$first"
echo "killed cefguard $first after $(wc -l <"$T/alerts.json") alerts"
cg_wait_exit flood 60 || cg_fail "the sender failed"
cg_wait_for 120 cg_lines_ge "$T/events.json" "$N"
cg_wait_for 60 cg_lines_ge "$T/alerts.json" "$N"
cg_poll 1 false # anything still in flight
second=$(pid_of)
[ -n "$second" ] && [ "$second" != "$first" ] || cg_fail "cefguard was not restarted ($first, $second)"

out=$("$CG_SEQCHECK" -n "$N" --dups-ok "$T/events.json") || cg_fail "messages lost: $out"
grep -q '"rule":' "$T/events.json" && cg_fail "alerts in the events file"
echo "events: $out"
out=$("$CG_SEQCHECK" -n "$N" "$T/alerts.json") || cg_fail "alerts not exactly once: $out"
echo "alerts: $out"
stats=$("$CG_BIN" stats -c "$T/omprog.yml") || cg_fail "stats of the restarted instance"
recovered=$(awk '$1 == "service.recovered_frames" { print $2 }' <<<"$stats")
[ "${recovered:-0}" -gt 0 ] || cg_fail "the restart processed no journal frame again: $recovered"
echo "recovered frames: $recovered"

# rsyslogd's SIGHUP reaches cefguard (hup.signal): a reload
kill -HUP "$(cat "$(cg_rsyslog_dir r)/rsyslogd.pid")"
cg_wait_for 10 bash -c "'$CG_BIN' stats -c '$T/omprog.yml' | grep -qx 'service.reloads 1'"
# rsyslogd's stop closes cefguard's stdin: it saves its state and exits
cg_rsyslog_stop r 30 || cg_fail "rsyslogd did not stop cleanly"
cg_poll 10 bash -c "! kill -0 $second 2>/dev/null" || cg_fail "cefguard $second still runs"
grep -q "every input has ended: stopping" "$(cg_rsyslog_dir r)/omprog.log" || cg_fail "no clean stop in the log"
echo "ok: $N messages through rsyslogd and omprog, cefguard killed at $KILL_AT, alerts exactly once"
