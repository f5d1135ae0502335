#!/bin/sh
# A stand-in for `cefguard omprog` behind rsyslog's omprog with confirmMessages="on": "OK"
# once ready, then one "OK" per line read, each line appended to OUT first (so a line is in
# OUT before rsyslog counts it delivered: at-least-once, like cefguard's durable-then-OK).
#
# usage: omprog_standin.sh OUT
#   Each instance appends its pid to OUT.pids (tests kill it mid-stream and count restarts).
#   While OUT.slow exists, it sleeps 10 ms per message (so a burst piles up in rsyslog's
#   queue). Exits 0 on EOF (omprog closed the pipe).
out=$1
echo $$ >>"$out.pids"
exec 3>>"$out"
echo OK
while IFS= read -r line; do
    printf '%s\n' "$line" >&3
    [ -e "$out.slow" ] && sleep 0.01
    echo OK
done
exit 0
