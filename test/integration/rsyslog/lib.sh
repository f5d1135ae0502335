# A real rsyslogd for a test, sourced after test/integration/lib.sh (it uses cg_tmpdir's
# CG_TMP, cg_start/cg_stop and cg_fail). Each instance lives in $CG_TMP/rsyslog-NAME/: its
# configuration (rsyslog.conf), work directory (work/: queue files), pid file, port files and
# internal log (internal.log: rsyslogd's own messages, omprog's reports; shown by cg_fail).
# Nothing of the system's rsyslog is touched: no /etc, no /var, no /dev/log (imuxsock and
# imklog are not loaded), loopback ports only (TCP port 0 with listenPortFileName; imudp of
# 8.2302 cannot report its port, so it gets a port cg_sender --free-port found, and the
# start waits until /proc/net/udp shows rsyslogd bound it).
#
#   cg_rsyslog_new r
#   cg_rsyslog_listen r tcp in            # imtcp on 127.0.0.1:0 into ruleset "in"
#   cg_rsyslog_listen r udp in
#   cg_rsyslog_file_output r in "$CG_TMP/out.log"
#   cg_rsyslog_start r
#   "$CG_SENDER" --tcp 127.0.0.1:"$(cg_rsyslog_port r tcp)" -n 1000
#   cg_wait_for 10 cg_lines_ge "$CG_TMP/out.log" 1000
#   cg_rsyslog_stop r
#
# Functions:
#   cg_rsyslog_available        0 when rsyslogd and its modules are installed ("SKIP" reason
#                               on stderr otherwise)
#   cg_rsyslog_new NAME         a new instance: directory and the head of its configuration
#   cg_rsyslog_conf NAME        appends stdin to its configuration (RainerScript)
#   cg_rsyslog_listen NAME tcp|ptcp|udp RULESET [PARAM...]
#                               an input on 127.0.0.1 (module loaded once), extra input() params
#   cg_rsyslog_file_output NAME RULESET FILE
#                               ruleset RULESET writes each message as the sender wrote it
#                               (%rawmsg% and LF) to FILE
#   cg_rsyslog_start NAME [DEADLINE_S]
#                               validates (rsyslogd -N1), starts (-n -f CONF -i PIDFILE) and
#                               waits until every listener is bound (default 10 s)
#   cg_rsyslog_port NAME KIND   the port of its tcp, ptcp or udp listener
#   cg_rsyslog_dir NAME         its directory
#   cg_rsyslog_stop NAME [DEADLINE_S]
#                               SIGTERM, waits (default 10 s), SIGKILL; shows its stderr and
#                               internal log when it did not exit 0; returns the exit status
#   cg_lines_ge FILE N          true when FILE has at least N lines (for cg_wait_for)

CG_RSYSLOGD=${CG_RSYSLOGD:-/usr/sbin/rsyslogd}
CG_RSYSLOG_MODDIR=${CG_RSYSLOG_MODDIR:-/usr/lib/x86_64-linux-gnu/rsyslog}
declare -gA CG_RS_DIR=() CG_RS_MOD=()

cg_rsyslog_available() {
    local m
    [ -x "$CG_RSYSLOGD" ] || { echo "SKIP: no $CG_RSYSLOGD (Debian package rsyslog)" >&2; return 1; }
    for m in imtcp imudp omprog; do
        [ -e "$CG_RSYSLOG_MODDIR/$m.so" ] ||
            { echo "SKIP: no rsyslog module $m in $CG_RSYSLOG_MODDIR" >&2; return 1; }
    done
}

cg_rsyslog_dir() { echo "${CG_RS_DIR[$1]}"; }

cg_rsyslog_new() {
    local name=$1 dir=$CG_TMP/rsyslog-$1
    [ -z "${CG_RS_DIR[$name]:-}" ] || cg_fail "cg_rsyslog_new: '$name' exists"
    mkdir -p "$dir/work" || cg_fail "cg_rsyslog_new: mkdir $dir"
    CG_RS_DIR[$name]=$dir
    CG_SHOW+=("$dir/internal.log")
    cat >"$dir/rsyslog.conf" <<EOF
# rsyslogd for a cefguard test (test/integration/rsyslog/lib.sh)
global(workDirectory="$dir/work")
# rsyslogd's own messages: the default ruleset, which no input feeds
action(type="omfile" file="$dir/internal.log")
EOF
}

cg_rsyslog_conf() { cat >>"${CG_RS_DIR[$1]}/rsyslog.conf"; }

cg_rsyslog_listen() {
    local name=$1 kind=$2 ruleset=$3 dir=${CG_RS_DIR[$1]} port
    shift 3
    [ -n "$dir" ] || cg_fail "cg_rsyslog_listen: no instance '$name'"
    case $kind in
    tcp | ptcp)
        _cg_rsyslog_module "$name" "im$kind"
        echo "input(type=\"im$kind\" address=\"127.0.0.1\" port=\"0\"" \
            "listenPortFileName=\"$dir/$kind.port\" ruleset=\"$ruleset\" $*)" |
            cg_rsyslog_conf "$name"
        ;;
    udp)
        _cg_rsyslog_module "$name" imudp
        port=$("$CG_SENDER" --free-port udp) || cg_fail "cg_rsyslog_listen: no free UDP port"
        echo "$port" >"$dir/udp.want"
        echo "input(type=\"imudp\" address=\"127.0.0.1\" port=\"$port\" ruleset=\"$ruleset\" $*)" |
            cg_rsyslog_conf "$name"
        ;;
    *) cg_fail "cg_rsyslog_listen: kind '$kind' (tcp, ptcp or udp)" ;;
    esac
}

_cg_rsyslog_module() {
    [ -n "${CG_RS_MOD[$1:$2]:-}" ] && return 0
    CG_RS_MOD[$1:$2]=1
    echo "module(load=\"$2\")" | cg_rsyslog_conf "$1"
}

cg_rsyslog_file_output() {
    local name=$1 ruleset=$2 file=$3
    cg_rsyslog_conf "$name" <<EOF
template(name="${ruleset}_raw" type="string" string="%rawmsg%\\n")
ruleset(name="$ruleset") {
    action(type="omfile" file="$file" template="${ruleset}_raw")
}
EOF
}

# true when rsyslogd has bound 127.0.0.1:PORT/udp
_cg_udp_bound() {
    local hex
    hex=$(printf '0100007F:%04X' "$1")
    grep -q " $hex " /proc/net/udp
}

_cg_rsyslog_ready() {
    local name=$1 dir=${CG_RS_DIR[$1]} k
    cg_alive "rsyslog-$name" || cg_fail "rsyslogd '$name' exited during start-up"
    for k in tcp ptcp; do
        grep -q "im$k\"" "$dir/rsyslog.conf" || continue
        [ -s "$dir/$k.port" ] || return 1
    done
    if [ -s "$dir/udp.want" ]; then
        _cg_udp_bound "$(cat "$dir/udp.want")" || return 1
        cp "$dir/udp.want" "$dir/udp.port"
    fi
}

cg_rsyslog_start() {
    local name=$1 deadline=${2:-10} dir=${CG_RS_DIR[$1]}
    [ -n "$dir" ] || cg_fail "cg_rsyslog_start: no instance '$name'"
    rm -f "$dir/tcp.port" "$dir/ptcp.port" "$dir/udp.port"
    "$CG_RSYSLOGD" -N1 -f "$dir/rsyslog.conf" >"$dir/validate.out" 2>&1 ||
        cg_fail "rsyslogd -N1 refused $dir/rsyslog.conf: $(cat "$dir/validate.out")"
    cg_start "rsyslog-$name" "$CG_RSYSLOGD" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid"
    cg_wait_for "$deadline" _cg_rsyslog_ready "$name"
}

cg_rsyslog_port() {
    local f=${CG_RS_DIR[$1]}/$2.port
    [ -s "$f" ] || cg_fail "cg_rsyslog_port: rsyslogd '$1' has no $2 listener"
    tr -dc '0-9' <"$f"
}

cg_rsyslog_stop() {
    local name=$1 rc dir=${CG_RS_DIR[$1]}
    cg_stop "rsyslog-$name" TERM "${2:-10}"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "rsyslogd '$name' exited with status $rc" >&2
        tail -n 20 "$CG_TMP/rsyslog-$name.err" "$dir/internal.log" 2>/dev/null | cat -v >&2
    fi
    return "$rc"
}

cg_lines_ge() { [ -e "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# cg_rsyslog_dropin NAME PROGRAM [SED_EXPR...]: instance NAME runs the shipped drop-in
# (packaging/rsyslog/cefguard.conf) adjusted for a test: omprog runs PROGRAM (a command line;
# omprog splits it at spaces) instead of /usr/bin/cefguard, its output goes to the instance's
# omprog.log, the UDP and TCP inputs listen on 127.0.0.1 (UDP on a free port, TCP on port 0
# with a port file). Extra sed expressions adjust more (e.g. a shorter resumeInterval). Fails
# when an expected line of the drop-in is not there, so an edit of it cannot go unnoticed.
cg_rsyslog_dropin() {
    local name=$1 program=$2 dir=${CG_RS_DIR[$1]} src=$CG_SRC/packaging/rsyslog/cefguard.conf
    local port e args=()
    shift 2
    [ -n "$dir" ] || cg_fail "cg_rsyslog_dropin: no instance '$name'"
    for e in 'binary="/usr/bin/cefguard omprog -c /etc/cefguard/cefguard.yml"' \
        'output="/var/log/cefguard-omprog.log"' 'module(load="imudp")' 'module(load="imtcp")' \
        'input(type="imudp" port="514" ruleset="cefguard")' \
        'input(type="imtcp" port="514" ruleset="cefguard")'; do
        grep -qF "$e" "$src" || cg_fail "cg_rsyslog_dropin: '$e' is not in $src"
    done
    port=$("$CG_SENDER" --free-port udp) || cg_fail "cg_rsyslog_dropin: no free UDP port"
    echo "$port" >"$dir/udp.want"
    CG_RS_MOD[$name:imudp]=1 CG_RS_MOD[$name:imtcp]=1
    for e in "$@"; do args+=(-e "$e"); done
    sed -e "s|binary=\"/usr/bin/cefguard omprog -c /etc/cefguard/cefguard.yml\"|binary=\"$program\"|" \
        -e "s|output=\"/var/log/cefguard-omprog.log\"|output=\"$dir/omprog.log\"|" \
        -e "s|input(type=\"imudp\" port=\"514\"|input(type=\"imudp\" address=\"127.0.0.1\" port=\"$port\"|" \
        -e "s|input(type=\"imtcp\" port=\"514\"|input(type=\"imtcp\" address=\"127.0.0.1\" port=\"0\" listenPortFileName=\"$dir/tcp.port\"|" \
        "${args[@]}" "$src" | cg_rsyslog_conf "$name"
    CG_SHOW+=("$dir/omprog.log")
}
