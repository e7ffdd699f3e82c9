# shellcheck shell=bash
# tests/lib/servers.sh - throwaway PostgreSQL and PgBouncer servers for pqshim
# tests (Debian's PostgreSQL 15 and PgBouncer 1.18 by default; the version
# matrix points PQT_PG_BIN and PQT_PGBOUNCER at its own builds).  Source it (safe under `set -euo pipefail`), then:
#
#   servers_init                               # temp dir + traps + server user
#   servers_start_pg                           # PostgreSQL, trust auth
#   servers_start_pgbouncer NAME MODE POOL_SIZE [KEY=VALUE...]
#   servers_stop                               # idempotent; also run by traps
#
# Exports after servers_init:
#   PQT_TMPDIR PQT_SERVER_USER
# Exports after servers_start_pg:
#   PQT_PGDATA PQT_PG_PORT PQT_SOCKDIR PQT_PG_DSN PQT_PG_LOG
#   PGHOST PGPORT PGUSER PGDATABASE           (plain `psql` just works)
# Exports after servers_start_pgbouncer NAME ... (NAME upper-cased, e.g. TX1):
#   PQT_BOUNCER_<NAME>_PORT PQT_BOUNCER_<NAME>_DSN
#   PQT_BOUNCER_<NAME>_ADMIN_DSN (dbname=pgbouncer admin console)
#   PQT_BOUNCER_<NAME>_LOG
#
# Everything the servers run or read lives in the temp dir (never in the repo,
# which the unprivileged server user may not be able to read).  As root the
# servers run as the system user "pqshimtest" (created on demand; override with
# PQT_SERVER_USER), otherwise as the current user.
#
# Environment knobs: PQT_KEEP=1 keeps the temp dir after servers_stop;
# PQT_PG_BIN (default /usr/lib/postgresql/15/bin); PQT_PGBOUNCER (default
# /usr/sbin/pgbouncer); PQT_PGB_MPS: PgBouncer's max_prepared_statements,
# always written for PgBouncer 1.21 and later (default 200, its own default
# since 1.24); 1.18-1.20 do not know the setting.
# Exports after servers_start_pgbouncer, besides the per-instance ones:
#   PQT_PGBOUNCER_VERSION (e.g. 1.25.2)
#   PQT_BOUNCER_TRACKS=1 when it tracks prepared statements itself (1.21+, mps > 0), else 0
#
# Traps: servers_init installs EXIT/INT/TERM traps that call servers_stop and
# then any trap that was set before.  Set your own traps *before* servers_init
# (they are chained), or call servers_stop from yours.  Call the start
# functions in the main shell, not in $(...) subshells, or the exports are lost.

: "${PQT_PG_BIN:=/usr/lib/postgresql/15/bin}"
: "${PQT_PGBOUNCER:=/usr/sbin/pgbouncer}"

_PQT_DIR=${_PQT_DIR:-}
_PQT_USER=${_PQT_USER:-}
_PQT_PREV_EXIT=${_PQT_PREV_EXIT:-}
_PQT_PREV_INT=${_PQT_PREV_INT:-}
_PQT_PREV_TERM=${_PQT_PREV_TERM:-}
[[ -v _PQT_BOUNCERS ]] || _PQT_BOUNCERS=()

_PQT_ERRFD=${_PQT_ERRFD:-2}

# Messages go to the stderr servers_init saw (a dup kept in fd $_PQT_ERRFD), so
# traps firing while a command's stderr is redirected to a log still print.
_pqt_log() { printf 'servers: %s\n' "$*" >&"$_PQT_ERRFD"; }

# Print the last lines of a log file to stderr (verbose failure output).
# Remembers what was shown so the exit-time dump does not repeat it.
declare -gA _PQT_SHOWN 2>/dev/null || true
_pqt_tail() {
    local file=$1 n=${2:-40}
    if [[ -s $file ]]; then
        _pqt_log "---- last $n lines of $file ----"
        tail -n "$n" -- "$file" >&"$_PQT_ERRFD" || true
        _pqt_log "----"
        _PQT_SHOWN[$file]=$(stat -c %s -- "$file" 2>/dev/null || true)
    fi
}

# Command string of the currently installed trap for signal $1 ('' if none).
_pqt_trap_cmd() {
    local spec
    spec=$(trap -p "$1")
    [[ -n $spec ]] || return 0
    eval "set -- $spec"    # -> trap -- 'cmd' SIG
    printf '%s' "$3"
}

# Run a command as the server user, from inside the temp dir, with a clean
# libpq environment and C locale (so logs are greppable English).
_pqt_as_server() {
    local -a envcmd=(env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER
        -u PGDATABASE -u PGDATA -u PGSERVICE -u PGOPTIONS LC_ALL=C LANG=C)
    (
        cd "$_PQT_DIR" || exit 1
        # Daemons must not inherit our fds (e.g. a CI log pipe, or the saved
        # stderr): a reader would wait for EOF until the servers exit.
        local fd
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec $fd>&-"
            fi
        done
        if [[ $_PQT_USER == "$(id -un)" ]]; then
            exec "${envcmd[@]}" "$@"
        elif command -v runuser >/dev/null 2>&1; then
            exec runuser -u "$_PQT_USER" -- "${envcmd[@]}" "$@"
        else
            exec setpriv --reuid="$_PQT_USER" --regid="$(id -g "$_PQT_USER")" \
                --init-groups -- "${envcmd[@]}" "$@"
        fi
    )
}

# Hand a file written by us to the server user.
_pqt_give() {
    chmod "$1" "$2"
    if [[ $_PQT_USER != "$(id -un)" ]]; then
        chown "$_PQT_USER:" "$2"
    fi
}

# Is anything accepting TCP connections on 127.0.0.1:$1 ?
_pqt_port_busy() {
    # shellcheck disable=SC2016 # $1 expands in the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Print a random TCP port in 20000..32767 (below Linux's ephemeral range,
# away from 5432/6432) that nothing listens on right now.  Callers still
# retry if the server then fails to bind (race with other processes).
_pqt_free_port() {
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
        if ! _pqt_port_busy "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    _pqt_log "could not find a free TCP port"
    return 1
}

# Is pid $1 running?  Zombies count as gone: servers are daemons reparented to
# PID 1, which in containers may be slow (or fail) to reap them.
_pqt_alive() {
    local stat
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# Wait up to $2 tenths of a second for pid $1 to exit.
_pqt_wait_gone() {
    local pid=$1 i
    for ((i = 0; i < $2; i++)); do
        _pqt_alive "$pid" || return 0
        sleep 0.1
    done
    ! _pqt_alive "$pid"
}

# PIDs of postgres/pgbouncer processes whose command line mentions our temp
# dir (i.e. servers this library started).  Last-resort safety net.
_pqt_leftover_pids() {
    local d pid comm cmdline
    [[ -n $_PQT_DIR ]] || return 0
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [[ $pid != "$$" ]] || continue
        read -r comm 2>/dev/null <"$d/comm" || continue
        case $comm in
            postgres | pgbouncer) ;;
            *) continue ;;
        esac
        cmdline=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
        if [[ $cmdline == *"$_PQT_DIR/"* ]]; then
            printf '%s\n' "$pid"
        fi
    done
}

_pqt_ret() { return "$1"; }

_pqt_on_exit() {
    local rc=$?
    set +e # the shell is exiting anyway; never abort the cleanup half-way
    if ((rc != 0)) && [[ -n $_PQT_DIR ]]; then
        _pqt_log "test exited with status $rc; stopping servers"
        _pqt_dump_logs
    fi
    servers_stop
    if [[ -n $_PQT_PREV_EXIT ]]; then
        _pqt_ret "$rc" # let the chained trap see the original $?
        eval "$_PQT_PREV_EXIT"
    fi
    return "$rc"
}

_pqt_on_signal() {
    local sig=$1 code=$2 prev
    trap '' INT TERM # do not get interrupted while cleaning up
    set +e
    _pqt_log "caught SIG$sig, stopping servers"
    servers_stop
    if [[ $sig == INT ]]; then prev=$_PQT_PREV_INT; else prev=$_PQT_PREV_TERM; fi
    if [[ -n $prev ]]; then
        eval "$prev"
    fi
    exit "$code"
}

_pqt_dump_logs() {
    local f
    for f in "$_PQT_DIR"/postgresql.log "$_PQT_DIR"/bouncer-*/pgbouncer.log; do
        [[ -e $f ]] || continue
        [[ ${_PQT_SHOWN[$f]:-} == "$(stat -c %s -- "$f" 2>/dev/null)" ]] && continue
        _pqt_tail "$f" 20
    done
    return 0
}

# Start time (clock ticks since boot) of pid $1: with the pid it identifies a
# process unambiguously, even after pid reuse.
_pqt_proc_start() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    local -a f
    read -r -a f <<<"$stat"
    printf '%s\n' "${f[19]}"
}

# Stop servers and remove temp dirs left behind by runs that died without
# running their traps (SIGKILL, OOM, `timeout -s KILL`).  A dir is stale when
# the shell recorded in its owner.pid is gone.  PQT_KEEP dirs have no
# owner.pid and are left alone.
_pqt_reap_stale() {
    local d pid start owner
    for d in /tmp/pqshim-test.*; do
        [[ -d $d && -f $d/owner.pid ]] || continue
        read -r pid start <"$d/owner.pid" 2>/dev/null || continue
        [[ $pid =~ ^[0-9]+$ ]] || continue
        if [[ $(_pqt_proc_start "$pid" || true) == "$start" ]]; then
            continue # its test run is still going
        fi
        owner=$(stat -c %U "$d" 2>/dev/null) || continue
        if ((EUID != 0)) && [[ $owner != "$(id -un)" ]]; then
            continue
        fi
        _pqt_log "reaping servers of dead test run (pid $pid) in $d"
        _pqt_reap_dir "$d" "$owner"
    done
    return 0
}

# Stop the servers of another (stale) temp dir $1 whose servers run as $2,
# shadowing our own state with locals.
_pqt_reap_dir() {
    local _PQT_DIR=$1 _PQT_USER=$2 PQT_KEEP=0
    _pqt_stop_dir
}

# servers_init: create the temp dir, install traps, pick the server user.
servers_init() {
    if [[ -n $_PQT_DIR && -d $_PQT_DIR ]]; then
        return 0
    fi

    if ((EUID == 0)); then
        _PQT_USER=${PQT_SERVER_USER:-pqshimtest}
        if ! id -u "$_PQT_USER" >/dev/null 2>&1; then
            # Tolerate a concurrent harness creating it at the same time.
            useradd --system --no-create-home --shell /usr/sbin/nologin \
                "$_PQT_USER" 2>/dev/null || id -u "$_PQT_USER" >/dev/null || {
                _pqt_log "cannot create user $_PQT_USER"
                return 1
            }
        fi
    else
        _PQT_USER=$(id -un)
    fi

    _pqt_reap_stale

    # Fixed /tmp prefix: unix socket paths must stay short (<108 bytes).
    _PQT_DIR=$(mktemp -d /tmp/pqshim-test.XXXXXXXX)
    chmod 0755 "$_PQT_DIR"
    printf '%s %s\n' "$$" "$(_pqt_proc_start "$$")" >"$_PQT_DIR/owner.pid"
    if [[ $_PQT_USER != "$(id -un)" ]]; then
        chown "$_PQT_USER:" "$_PQT_DIR"
    fi
    export PQT_TMPDIR=$_PQT_DIR PQT_SERVER_USER=$_PQT_USER
    if ((_PQT_ERRFD == 2)); then
        exec {_PQT_ERRFD}>&2
    fi

    # Chain onto whatever traps exist (but never onto our own handlers).
    local prev
    prev=$(_pqt_trap_cmd EXIT)
    [[ $prev == _pqt_on_exit ]] || _PQT_PREV_EXIT=$prev
    prev=$(_pqt_trap_cmd INT)
    [[ $prev == "_pqt_on_signal INT 130" ]] || _PQT_PREV_INT=$prev
    prev=$(_pqt_trap_cmd TERM)
    [[ $prev == "_pqt_on_signal TERM 143" ]] || _PQT_PREV_TERM=$prev
    trap _pqt_on_exit EXIT
    trap '_pqt_on_signal INT 130' INT
    trap '_pqt_on_signal TERM 143' TERM
}

# servers_start_pg: initdb + start a PostgreSQL server ($PQT_PG_BIN) in the temp dir.
servers_start_pg() {
    local bin=$PQT_PG_BIN data log port attempt
    if [[ -z $_PQT_DIR ]]; then
        servers_init || return 1
    fi
    data=$_PQT_DIR/pgdata
    log=$_PQT_DIR/postgresql.log
    if [[ -e $data/postmaster.pid ]]; then
        _pqt_log "PostgreSQL already running in $data"
        return 1
    fi
    if [[ ! -x $bin/initdb ]]; then
        _pqt_log "$bin/initdb not found (run scripts/deps.sh)"
        return 1
    fi

    if ! _pqt_as_server "$bin/initdb" -D "$data" -U postgres --auth=trust \
        -E UTF8 --locale=C --no-sync >"$_PQT_DIR/initdb.log" 2>&1; then
        _pqt_log "initdb failed"
        _pqt_tail "$_PQT_DIR/initdb.log"
        return 1
    fi

    cat >>"$data/postgresql.conf" <<EOF

# ---- pqshim test harness ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$_PQT_DIR'
unix_socket_permissions = 0777
max_connections = 100
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 256MB
max_prepared_transactions = 10
log_line_prefix = '%m [%p] %q%u@%d '
include 'pqshim_port.conf'
EOF

    for ((attempt = 1; attempt <= 5; attempt++)); do
        port=$(_pqt_free_port) || return 1
        printf 'port = %s\n' "$port" >"$data/pqshim_port.conf"
        _pqt_give 0644 "$data/pqshim_port.conf"
        if _pqt_as_server "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -s \
            >"$_PQT_DIR/pg_ctl.log" 2>&1; then
            break
        fi
        # pg_ctl may have given up while a postmaster is still starting.
        _pqt_stop_pg
        if grep -qE 'could not (bind|create any TCP/IP)|Address already in use' \
            "$log" 2>/dev/null && ((attempt < 5)); then
            _pqt_log "port $port busy, retrying with another port"
            : >"$log"
            continue
        fi
        _pqt_log "PostgreSQL failed to start (port $port)"
        _pqt_tail "$_PQT_DIR/pg_ctl.log"
        _pqt_tail "$log"
        return 1
    done

    export PQT_PGDATA=$data PQT_PG_PORT=$port PQT_SOCKDIR=$_PQT_DIR
    export PQT_PG_LOG=$log
    export PQT_PG_DSN="host=$_PQT_DIR port=$port user=postgres dbname=postgres"
    unset PGHOSTADDR PGSERVICE
    export PGHOST=$_PQT_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
    export PQT_PG_VERSION
    PQT_PG_VERSION=$("$bin/postgres" --version 2>/dev/null | awk '{ print $NF; exit }')
    _pqt_log "PostgreSQL ${PQT_PG_VERSION:-?} ($bin) on 127.0.0.1:$port and $_PQT_DIR (data $data)"
}

# Stop our PostgreSQL if its data dir has a postmaster.pid.
_pqt_stop_pg() {
    local data=$_PQT_DIR/pgdata pid
    [[ -f $data/postmaster.pid ]] || return 0
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    _pqt_as_server "$PQT_PG_BIN/pg_ctl" stop -D "$data" -m immediate -w -t 20 -s \
        >/dev/null 2>&1 || true
    # pg_ctl returns once postmaster.pid is gone, a moment before the exit.
    if [[ $pid =~ ^[0-9]+$ ]] && ! _pqt_wait_gone "$pid" 50; then
        _pqt_log "postmaster $pid did not stop, killing it"
        kill -QUIT "$pid" 2>/dev/null || true
        _pqt_wait_gone "$pid" 50 || true
        # postmaster is a session/group leader (pg_ctl setsid()s it).
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        _pqt_wait_gone "$pid" 50 || true
    fi
    return 0
}

# servers_start_pgbouncer NAME MODE POOL_SIZE [KEY=VALUE...]
#   MODE: session | transaction | statement.  Extra KEY=VALUE pairs are
#   appended to the [pgbouncer] section (e.g. query_wait_timeout=5).
servers_start_pgbouncer() {
    if (($# < 3)); then
        _pqt_log "usage: servers_start_pgbouncer NAME MODE POOL_SIZE [KEY=VALUE...]"
        return 1
    fi
    local name=$1 mode=$2 pool=$3
    shift 3
    local uname dir ini pidfile log port attempt pid i kv ready
    if [[ ! $name =~ ^[A-Za-z0-9_]+$ ]]; then
        _pqt_log "bad pgbouncer instance name '$name' (use [A-Za-z0-9_])"
        return 1
    fi
    case $mode in
        session | transaction | statement) ;;
        *)
            _pqt_log "bad pool mode '$mode'"
            return 1
            ;;
    esac
    if [[ ! $pool =~ ^[0-9]+$ ]]; then
        _pqt_log "bad pool size '$pool'"
        return 1
    fi
    if [[ -z ${PQT_PG_PORT:-} || -z $_PQT_DIR ]]; then
        _pqt_log "servers_start_pgbouncer: call servers_start_pg first"
        return 1
    fi
    if [[ ! -x $PQT_PGBOUNCER ]]; then
        _pqt_log "$PQT_PGBOUNCER not found (run scripts/deps.sh)"
        return 1
    fi
    uname=${name^^}
    _pqt_pgbouncer_version
    dir=$_PQT_DIR/bouncer-$name
    if [[ -e $dir ]]; then
        _pqt_log "pgbouncer '$name' already started"
        return 1
    fi
    mkdir "$dir"
    _pqt_give 0755 "$dir"
    _PQT_BOUNCERS+=("$name")
    ini=$dir/pgbouncer.ini
    pidfile=$dir/pgbouncer.pid
    log=$dir/pgbouncer.log

    printf '"postgres" ""\n' >"$dir/userlist.txt"
    _pqt_give 0600 "$dir/userlist.txt"

    for ((attempt = 1; attempt <= 5; attempt++)); do
        port=$(_pqt_free_port) || return 1
        {
            printf '[databases]\n'
            printf 'postgres = host=%s port=%s dbname=postgres user=postgres\n' \
                "$_PQT_DIR" "$PQT_PG_PORT"
            printf '* = host=%s port=%s\n' "$_PQT_DIR" "$PQT_PG_PORT"
            printf '\n[pgbouncer]\n'
            printf 'listen_addr = 127.0.0.1\n'
            printf 'listen_port = %s\n' "$port"
            printf 'unix_socket_dir = %s\n' "$dir"
            printf 'auth_type = trust\n'
            printf 'auth_file = %s\n' "$dir/userlist.txt"
            printf 'admin_users = postgres\n'
            printf 'stats_users = postgres\n'
            printf 'pool_mode = %s\n' "$mode"
            printf 'default_pool_size = %s\n' "$pool"
            printf 'min_pool_size = 0\n'
            printf 'reserve_pool_size = 0\n'
            printf 'max_client_conn = 200\n'
            printf 'server_reset_query =\n'
            printf 'server_login_retry = 1\n'
            printf 'ignore_startup_parameters = extra_float_digits,options\n'
            if [[ -n $_PQT_MPS_LINE ]]; then
                printf '%s\n' "$_PQT_MPS_LINE"
            fi
            printf 'logfile = %s\n' "$log"
            printf 'pidfile = %s\n' "$pidfile"
            printf 'syslog = 0\n'
            for kv in "$@"; do
                printf '%s\n' "$kv"
            done
        } >"$ini"
        _pqt_give 0644 "$ini"
        rm -f "$pidfile"
        : >"$log"
        _pqt_give 0644 "$log"

        if ! _pqt_as_server "$PQT_PGBOUNCER" -d "$ini" >"$dir/start.log" 2>&1; then
            _pqt_log "pgbouncer '$name' failed to start"
            _pqt_tail "$dir/start.log"
            _pqt_tail "$log"
            return 1
        fi

        # -d forks before binding; wait for readiness or for the daemon to die.
        ready=0
        pid=
        for ((i = 0; i < 100; i++)); do
            [[ -n $pid ]] || pid=$(cat "$pidfile" 2>/dev/null || true)
            if [[ -n $pid ]] && ! _pqt_alive "$pid"; then
                break
            fi
            # PgBouncer 1.18 only WARNs when the TCP bind fails and keeps
            # running on the unix socket alone; treat that as "port busy".
            if grep -q 'cannot listen on' "$log" 2>/dev/null; then
                break
            fi
            # Unix socket first (proves it's ours), then the TCP port.
            if [[ -n $pid ]] &&
                psql -X -Aqt -v ON_ERROR_STOP=1 \
                    -d "host=$dir port=$port user=postgres dbname=pgbouncer connect_timeout=2" \
                    -c 'SHOW VERSION' >/dev/null 2>&1 &&
                psql -X -Aqt -v ON_ERROR_STOP=1 \
                    -d "host=127.0.0.1 port=$port user=postgres dbname=pgbouncer connect_timeout=2" \
                    -c 'SHOW VERSION' >/dev/null 2>&1; then
                ready=1
                break
            fi
            sleep 0.1
        done
        if ((ready)); then
            break
        fi
        _pqt_stop_bouncer "$name"
        if grep -qE 'cannot listen on|Address already in use' "$log" 2>/dev/null &&
            ((attempt < 5)); then
            _pqt_log "port $port busy for pgbouncer '$name', retrying"
            continue
        fi
        _pqt_log "pgbouncer '$name' did not become ready on port $port"
        _pqt_tail "$log"
        return 1
    done

    export "PQT_BOUNCER_${uname}_PORT=$port"
    export "PQT_BOUNCER_${uname}_DSN=host=127.0.0.1 port=$port user=postgres dbname=postgres"
    export "PQT_BOUNCER_${uname}_ADMIN_DSN=host=127.0.0.1 port=$port user=postgres dbname=pgbouncer"
    export "PQT_BOUNCER_${uname}_LOG=$log"
    _pqt_log "PgBouncer $PQT_PGBOUNCER_VERSION '$name' ($mode, pool $pool${_PQT_MPS_LINE:+, $_PQT_MPS_LINE}) on 127.0.0.1:$port"
}

# The PgBouncer binary's version, whether it knows max_prepared_statements
# (1.21+), and the line that sets it explicitly.
_pqt_pgbouncer_version() {
    local v major minor
    v=$("$PQT_PGBOUNCER" --version 2>/dev/null | awk '/PgBouncer/ { print $2; exit }')
    export PQT_PGBOUNCER_VERSION=${v:-unknown}
    major=${v%%.*}
    minor=${v#*.}
    minor=${minor%%.*}
    _PQT_MPS_LINE=
    export PQT_BOUNCER_TRACKS=0
    if [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] && ((major > 1 || minor >= 21)); then
        _PQT_MPS_LINE="max_prepared_statements = ${PQT_PGB_MPS:-200}"
        if ((${PQT_PGB_MPS:-200} > 0)); then
            PQT_BOUNCER_TRACKS=1
        fi
    fi
}

# Stop pgbouncer instance $1 (SIGTERM = immediate shutdown, then SIGKILL).
_pqt_stop_bouncer() {
    local dir=$_PQT_DIR/bouncer-$1 pid
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && _pqt_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! _pqt_wait_gone "$pid" 50; then
            _pqt_log "pgbouncer '$1' ($pid) ignored SIGTERM, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            _pqt_wait_gone "$pid" 50 || true
        fi
    fi
    rm -f "$dir/pgbouncer.pid"
    return 0
}

# Stop every server that lives in $_PQT_DIR, then remove it (or keep it when
# PQT_KEEP=1).  Bouncer instance names are taken from its bouncer-* subdirs.
_pqt_stop_dir() {
    local b pid left
    for b in "$_PQT_DIR"/bouncer-*; do
        [[ -d $b ]] && _pqt_stop_bouncer "${b##*/bouncer-}"
    done
    _pqt_stop_pg

    # Safety net: anything of ours still around (e.g. interrupted mid-start)?
    left=$(_pqt_leftover_pids || true)
    if [[ -n $left ]]; then
        _pqt_log "killing leftover server processes: $(echo "$left" | tr '\n' ' ')"
        for pid in $left; do
            kill -KILL -- "-$pid" 2>/dev/null || true
            kill -KILL "$pid" 2>/dev/null || true
        done
        for pid in $left; do
            _pqt_wait_gone "$pid" 50 || _pqt_log "process $pid survived SIGKILL"
        done
    fi

    if [[ ${PQT_KEEP:-0} == 1 ]]; then
        rm -f "$_PQT_DIR/owner.pid" # nothing left to reap; keep it for good
        _pqt_log "PQT_KEEP=1: keeping $_PQT_DIR"
    else
        rm -rf -- "$_PQT_DIR" || true
    fi
    return 0
}

# servers_stop: stop everything started here and remove the temp dir
# (kept, and its path printed, when PQT_KEEP=1).  Idempotent; never fails.
servers_stop() {
    local name
    [[ -n $_PQT_DIR ]] || return 0
    _pqt_stop_dir

    for name in ${_PQT_BOUNCERS[@]+"${_PQT_BOUNCERS[@]}"}; do
        name=${name^^}
        unset "PQT_BOUNCER_${name}_PORT" "PQT_BOUNCER_${name}_DSN" \
            "PQT_BOUNCER_${name}_ADMIN_DSN" "PQT_BOUNCER_${name}_LOG"
    done
    _PQT_BOUNCERS=()
    if [[ ${PGHOST:-} == "$_PQT_DIR" ]]; then
        unset PGHOST PGPORT
    fi
    _PQT_DIR=
    unset PQT_TMPDIR PQT_PGDATA PQT_PG_PORT PQT_SOCKDIR PQT_PG_DSN PQT_PG_LOG
    return 0
}
