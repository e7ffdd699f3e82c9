# shellcheck shell=bash disable=SC2034 # (variables are for the files that source this)
# tests/tool/lib.sh - helpers for the tests of the pqshim tool (sourced).
#
# Each test file prints one line per check, "ok   NAME" or "FAIL NAME" plus
# indented details; tests/tool/run.sh counts them.  After sourcing:
#   root pqshim lib doctor   paths in the build tree
#   tmp                      a private temp dir, removed at exit
#   capture CMD...           runs CMD; sets out, err (without the final
#                            newline, as $(...) would) and rc
#   check NAME COND...       ok when the [[ ]]-style test command COND... succeeds
#   check_eq NAME WANT GOT   exact comparison, shows both on failure
#   check_has NAME TEXT NEEDLE
#   check_lacks NAME TEXT NEEDLE

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pqshim=$root/scripts/pqshim
lib=$root/build/libpqshim.so
doctor=$root/build/pqshim-doctor

# The caller's settings must not leak into what the tests expect.
unset LD_PRELOAD PQSHIM_LIBRARY PQSHIM_MODE PQSHIM_PREPARED_STATEMENTS prepared_statements \
    PQSHIM_LOG PQSHIM_LOG_FILE PQSHIM_STATS PQSHIM_STATS_FILE PQSHIM_STATS_DIR PQSHIM_STATS_INTERVAL \
    PQSHIM_HOOK_DLOPEN PQSHIM_HOOK_DLSYM

tmp=$(mktemp -d /tmp/pqshim-tooltest.XXXXXXXX)
# Set before servers_init (tests/lib/servers.sh chains onto it).
trap 'rm -rf -- "$tmp"' EXIT

npass=0 nfail=0 # counted for files that end with their own summary line

ok() {
    npass=$((npass + 1))
    printf 'ok   %s\n' "$1"
}

# fail NAME [DETAIL...]
fail() {
    nfail=$((nfail + 1))
    printf 'FAIL %s\n' "$1"
    shift
    if (($#)); then
        printf '%s\n' "$@" | sed 's/^/     /'
    fi
}

capture() {
    rc=0
    "$@" >"$tmp/.out" 2>"$tmp/.err" || rc=$?
    out=$(cat "$tmp/.out")
    err=$(cat "$tmp/.err")
}

# What capture saw, for failure details.
seen() {
    printf 'exit status: %s\nstdout:\n%s\nstderr:\n%s\n' "$rc" "$out" "$err"
}

check() {
    local name=$1
    shift
    if "$@"; then
        ok "$name"
    else
        fail "$name" "$(seen)"
    fi
}

check_eq() {
    if [[ $2 == "$3" ]]; then
        ok "$1"
    else
        fail "$1" "expected:" "$2" "got:" "$3"
    fi
}

check_has() {
    if [[ $2 == *"$3"* ]]; then
        ok "$1"
    else
        fail "$1" "expected to find: $3" "in:" "$2"
    fi
}

check_lacks() {
    if [[ $2 != *"$3"* ]]; then
        ok "$1"
    else
        fail "$1" "expected not to find: $3" "in:" "$2"
    fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    local port i
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
        # shellcheck disable=SC2016 # $1 expands in the inner bash
        if ! timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    return 1
}
