# Helpers for integration tests, sourced (bash): processes, waits with deadlines, stats,
# certificates. The model is rsyslog's tests/diag.sh: every wait is a polled condition with a
# deadline, never a blind sleep; everything a test starts is stopped when it exits.
#
#   . "$2/test/integration/lib.sh"
#   cg_init "$@"                  # $1 = cefguard binary, $2 = source dir
#   cg_tmpdir                     # sets CG_TMP; removed (and every process stopped) at exit
#   cg_start svc "$CG_BIN" run --set state-dir="$CG_TMP/state" --set inputs.udp.listen=127.0.0.1:0
#   port=$(cg_port "$CG_TMP/state" udp)
#   "$CG_SENDER" --udp 127.0.0.1:"$port" -n 1000
#   cg_wait_stat "$CG_TMP/state" lines -ge 1000 10
#
# Variables set by cg_init: CG_BIN, CG_SRC, CG_TOOLS (the build's test/tools/), CG_SENDER,
# CG_SEQCHECK. By cg_tmpdir: CG_TMP. CG_KEEP=1 in the environment keeps CG_TMP after the test.
#
# Processes: cg_start NAME CMD... runs CMD in the background with stdin from /dev/null, stdout
# to $CG_TMP/NAME.out, stderr to $CG_TMP/NAME.err; cg_start_pipe NAME CMD... the same with
# stdin from a pipe the test writes with `cg_write NAME TEXT` (or `>&"${CG_FD[NAME]}"`) and
# closes with cg_close NAME. cg_pid NAME, cg_alive NAME, cg_stop NAME [SIGNAL [DEADLINE_S]]
# (signal, wait up to the deadline, then SIGKILL; returns the exit status), cg_wait_exit NAME
# DEADLINE_S (returns the exit status). At exit every process still running gets SIGTERM, then
# SIGKILL after 5 s.
#
# Failing: cg_fail MSG prints "FAIL: MSG", the tails of every started process's stderr and of
# the files in CG_SHOW (an array: add logs a failure should show), and exits 1.

CG_SHOW=()     # extra files shown by cg_fail
declare -gA CG_PID=() CG_FD=() CG_RC=()

# cg_init BIN SRC: the binaries under test, as absolute paths (rsyslogd runs programs from /).
# The tools are built beside cefguard, in $(dirname BIN)/test/tools/.
cg_init() {
    CG_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    CG_SRC=$(cd "${2:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
    CG_TOOLS=$(cd "$(dirname "$CG_BIN")" && pwd)/test/tools
    CG_SENDER=$CG_TOOLS/cg_sender
    CG_SEQCHECK=$CG_TOOLS/cg_seqcheck
    [ -x "$CG_SENDER" ] && [ -x "$CG_SEQCHECK" ] ||
        { echo "FAIL: the test tools are not built in $CG_TOOLS" >&2; exit 1; }
}

# cg_fail MSG: the test fails here.
cg_fail() {
    echo "FAIL: $*" >&2
    local name f
    for name in "${!CG_PID[@]}"; do
        f=$CG_TMP/$name.err
        if [ -s "$f" ]; then
            echo "---- stderr of $name (last 20 lines):" >&2
            tail -n 20 "$f" | cat -v >&2
        fi
    done
    for f in "${CG_SHOW[@]}"; do
        if [ -s "$f" ]; then
            echo "---- $f (last 20 lines):" >&2
            tail -n 20 "$f" | cat -v >&2
        fi
    done
    exit 1
}

# The EXIT trap: every process started, then the directory.
cg_cleanup() {
    local rc=$? name pid fd end
    # a child forked for cg_start that got a signal before its exec runs the traps too
    [ "$BASHPID" = "$CG_MAIN_PID" ] || exit $rc
    for name in "${!CG_FD[@]}"; do
        fd=${CG_FD[$name]}
        exec {fd}>&-
    done 2>/dev/null
    for name in "${!CG_PID[@]}"; do
        kill -TERM "${CG_PID[$name]}" 2>/dev/null
    done
    end=$((SECONDS + 5))
    for name in "${!CG_PID[@]}"; do
        pid=${CG_PID[$name]}
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -n "${CG_TMP:-}" ] && [ -d "$CG_TMP" ]; then
        if [ "${CG_KEEP:-0}" = 1 ]; then
            echo "kept $CG_TMP" >&2
        else
            rm -rf "$CG_TMP"
        fi
    fi
    exit $rc
}

# cg_tmpdir: a fresh directory in CG_TMP (not in a subshell: `x=$(cg_tmpdir)` would lose the
# trap), removed at exit with every process started.
cg_tmpdir() {
    [ "$BASH_SUBSHELL" -eq 0 ] || { echo "FAIL: cg_tmpdir in a subshell" >&2; exit 1; }
    CG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cg-test.XXXXXX") || { echo "FAIL: mktemp" >&2; exit 1; }
    CG_MAIN_PID=$BASHPID
    trap cg_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# cg_start NAME CMD...: CMD in the background; stdout/stderr in $CG_TMP/NAME.out/.err.
cg_start() {
    local name=$1
    shift
    [ -z "${CG_PID[$name]:-}" ] || cg_fail "cg_start: '$name' already started"
    (
        trap - EXIT INT TERM
        exec "$@"
    ) </dev/null >"$CG_TMP/$name.out" 2>"$CG_TMP/$name.err" &
    CG_PID[$name]=$!
    echo "$!" >"$CG_TMP/$name.pid"
}

# cg_start_pipe NAME CMD...: as cg_start, stdin from a pipe kept open in CG_FD[NAME].
cg_start_pipe() {
    local name=$1 fifo=$CG_TMP/$1.in fd
    shift
    [ -z "${CG_PID[$name]:-}" ] || cg_fail "cg_start_pipe: '$name' already started"
    mkfifo "$fifo" || cg_fail "mkfifo $fifo"
    (
        trap - EXIT INT TERM
        exec "$@"
    ) <"$fifo" >"$CG_TMP/$name.out" 2>"$CG_TMP/$name.err" &
    CG_PID[$name]=$!
    echo "$!" >"$CG_TMP/$name.pid"
    exec {fd}>"$fifo"
    CG_FD[$name]=$fd
}

# cg_write NAME TEXT...: one line each to NAME's pipe.
cg_write() {
    local name=$1
    shift
    printf '%s\n' "$@" >&"${CG_FD[$name]}"
}

# cg_close NAME: EOF on NAME's stdin.
cg_close() {
    local fd=${CG_FD[$1]:-}
    [ -n "$fd" ] || return 0
    exec {fd}>&-
    unset "CG_FD[$1]"
}

cg_pid() { echo "${CG_PID[$1]}"; }
cg_alive() { [ -n "${CG_PID[$1]:-}" ] && kill -0 "${CG_PID[$1]}" 2>/dev/null; }

# cg_wait_exit NAME DEADLINE_S: waits for NAME to end; its exit status (fails at the deadline).
cg_wait_exit() {
    local name=$1 pid=${CG_PID[$1]} rc end
    end=$(($(date +%s%N) + ${2:-10} * 1000000000))
    while kill -0 "$pid" 2>/dev/null; do
        [ "$(date +%s%N)" -lt "$end" ] || cg_fail "$name (pid $pid) still running after ${2:-10} s"
        sleep 0.05
    done
    wait "$pid"
    rc=$?
    unset "CG_PID[$name]"
    CG_RC[$name]=$rc
    return $rc
}

# cg_stop NAME [SIGNAL [DEADLINE_S]]: SIGNAL (default TERM), then waits DEADLINE_S (default
# 10) and sends SIGKILL if it is still there; returns the exit status (137 after the KILL).
cg_stop() {
    local name=$1 sig=${2:-TERM} deadline=${3:-10} pid=${CG_PID[$1]:-} end rc
    [ -n "$pid" ] || return "${CG_RC[$name]:-0}"
    kill -"$sig" "$pid" 2>/dev/null
    end=$(($(date +%s%N) + deadline * 1000000000))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s%N)" -lt "$end" ]; do sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "cg_stop: $name (pid $pid) still running after SIG$sig and $deadline s: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid"
    rc=$?
    unset "CG_PID[$name]"
    CG_RC[$name]=$rc
    return $rc
}

# cg_poll DEADLINE_S CMD...: runs CMD every 50 ms until it succeeds (0) or the deadline
# passes (1). DEADLINE_S may be fractional.
cg_poll() {
    local end
    end=$(awk -v d="$1" -v n="$(date +%s%N)" 'BEGIN { printf "%.0f", n + d * 1e9 }')
    shift
    while ! "$@"; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

# cg_wait_for DEADLINE_S CMD...: cg_poll, failing the test at the deadline.
cg_wait_for() {
    local d=$1
    shift
    cg_poll "$d" "$@" || cg_fail "not true after $d s: $*"
}

# cg_tcp_listening PORT: true when something listens on 127.0.0.1:PORT (or any address).
cg_tcp_listening() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6
}

# cg_stat STATE_DIR NAME: the value of counter NAME from `cefguard stats` of the instance on
# STATE_DIR (nothing and status 1 when it does not answer or has no such counter).
cg_stat() {
    local out
    out=$("$CG_BIN" stats --set state-dir="$1" 2>/dev/null) || return 1
    awk -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }' <<<"$out"
}

# cg_wait_stat STATE_DIR NAME OP VALUE DEADLINE_S: waits until counter NAME OP VALUE holds;
# OP is one of -eq -ne -lt -le -gt -ge (or == != < <= > >=). Fails with the last value.
cg_wait_stat() {
    local dir=$1 name=$2 op=$3 want=$4 deadline=$5 v end
    case $op in
    ==) op=-eq ;; !=) op=-ne ;; '<') op=-lt ;; '<=') op=-le ;; '>') op=-gt ;; '>=') op=-ge ;;
    -eq | -ne | -lt | -le | -gt | -ge) ;;
    *) cg_fail "cg_wait_stat: unknown operator '$op'" ;;
    esac
    end=$(awk -v d="$deadline" -v n="$(date +%s%N)" 'BEGIN { printf "%.0f", n + d * 1e9 }')
    while :; do
        v=$(cg_stat "$dir" "$name")
        [ -n "$v" ] && [ "$v" "$op" "$want" ] && return 0
        [ "$(date +%s%N)" -lt "$end" ] ||
            cg_fail "$name ${v:-(no answer)}, expected $op $want within $deadline s"
        sleep 0.05
    done
}

# cg_port STATE_DIR INPUT: the port input INPUT bound (waits up to 10 s for the instance).
cg_port() {
    cg_wait_stat "$1" "input.$2.port" -gt 0 10
    cg_stat "$1" "input.$2.port"
}

# cg_make_certs DIR: test certificates, EC P-256 (fast), valid 2 days, PEM:
#   ca.pem ca.key            the CA
#   server.pem server.key    CN=localhost, SAN DNS:localhost IP:127.0.0.1 IP:::1, from ca
#   client.pem client.key    CN=cg-client, clientAuth, from ca
#   ca2.pem ca2.key          another CA
#   client2.pem client2.key  CN=cg-client2, clientAuth, from ca2 (a server trusting ca refuses it)
cg_make_certs() {
    local d=$1 name
    mkdir -p "$d" || cg_fail "cg_make_certs: mkdir $d"
    cat >"$d/ext.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
    for name in ca ca2; do
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
            -subj "/CN=cefguard test $name" -keyout "$d/$name.key" -out "$d/$name.pem" \
            -config "$d/ext.cnf" -extensions ca 2>"$d/openssl.err" ||
            cg_fail "cg_make_certs: $name: $(cat "$d/openssl.err")"
    done
    _cg_leaf "$d" server ca /CN=localhost server
    _cg_leaf "$d" client ca /CN=cg-client client
    _cg_leaf "$d" client2 ca2 /CN=cg-client2 client
    rm -f "$d/ext.cnf" "$d/openssl.err" "$d"/*.csr "$d"/*.srl
}

_cg_leaf() { # DIR NAME CA SUBJECT EXTENSIONS
    local d=$1
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$4" \
        -keyout "$d/$2.key" -out "$d/$2.csr" -config "$d/ext.cnf" 2>"$d/openssl.err" &&
        openssl x509 -req -in "$d/$2.csr" -CA "$d/$3.pem" -CAkey "$d/$3.key" -CAcreateserial \
            -days 2 -extfile "$d/ext.cnf" -extensions "$5" -out "$d/$2.pem" 2>"$d/openssl.err" ||
        cg_fail "cg_make_certs: $2: $(cat "$d/openssl.err")"
}
