#!/usr/bin/env bash
# The wrapper scripts/pqshim, from the build tree: options, dry runs,
# LD_PRELOAD handling, errors, exit codes, signals, exec, setuid warnings,
# --version, --help and `pqshim env`.  No server needed.
# Single quotes around $ are on purpose here: the conditions given to
# `check ... eval` are evaluated after the capture they test, and the sh -c
# scripts expand in the inner shell (a directive before the first command
# applies to the whole file).
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$tmp"

# Two harmless libraries to stand for whatever LD_PRELOAD already holds.
for n in a b; do
    printf 'void pqshim_test_%s(void) {}\n' "$n" |
        "${CC:-cc}" -shared -fPIC -x c -o "$tmp/lib$n.so" -
done
a=$tmp/liba.so
b=$tmp/libb.so

# ---- dry runs ----

capture "$pqshim" -n true
check_eq "dry run: plain" "LD_PRELOAD=$lib true" "$out"

capture "$pqshim" --dry-run --mode unnamed --log debug --log-file shim.log --stats \
    --stats-file 'stats-%p.json' printf '%s\n' 'a b' "it's" ''
check_eq "dry run: every option, relative files made absolute, arguments quoted" \
    "LD_PRELOAD=$lib PQSHIM_MODE=unnamed PQSHIM_LOG=debug PQSHIM_LOG_FILE=$tmp/shim.log PQSHIM_STATS=1 PQSHIM_STATS_FILE=$tmp/stats-%p.json printf '%s\\n' 'a b' 'it'\\''s' ''" \
    "$out"

capture "$pqshim" --mode=OFF --log=Info --log-file=/var/log/x.log --stats-file=/s.json -n -- true
check_eq "dry run: --opt=value forms, values lower-cased, --" \
    "LD_PRELOAD=$lib PQSHIM_MODE=off PQSHIM_LOG=info PQSHIM_LOG_FILE=/var/log/x.log PQSHIM_STATS_FILE=/s.json true" \
    "$out"

capture "$pqshim" --mode dedupe --unnamed -n true
check_eq "dry run: --unnamed, the last mode wins" "LD_PRELOAD=$lib PQSHIM_MODE=unnamed true" "$out"

capture "$pqshim" -n 'a=b' c
check_eq "dry run: a command word with = stays a command" "LD_PRELOAD=$lib 'a=b' c" "$out"

capture "$pqshim" -n doctor 'host=db password=x'
check_eq "dry run: doctor" "LD_PRELOAD=$lib $doctor 'host=db password=x'" "$out"

# ---- the variables really reach the program ----

show='printf "%s|%s|%s|%s|%s|%s\n" "$LD_PRELOAD" "$PQSHIM_MODE" "$PQSHIM_LOG" "$PQSHIM_LOG_FILE" "$PQSHIM_STATS" "$PQSHIM_STATS_FILE"'
capture "$pqshim" --unnamed --log info --log-file l.log --stats --stats-file s.json sh -c "$show"
check_eq "run: the environment the program gets" \
    "$lib|unnamed|info|$tmp/l.log|1|$tmp/s.json" "$out"

capture "$pqshim" -- env
check_has "run: pqshim -- env runs env(1)" "$out" "LD_PRELOAD=$lib"

# ---- LD_PRELOAD: ours first, exactly once, the others kept ----

capture env LD_PRELOAD="$a:$b" "$pqshim" -n true
check_eq "LD_PRELOAD: colon-separated entries kept after ours" "LD_PRELOAD=$lib:$a:$b true" "$out"

capture env LD_PRELOAD="$a $b" "$pqshim" -n true
check_eq "LD_PRELOAD: space-separated entries kept after ours" "LD_PRELOAD='$lib $a $b' true" "$out"

capture env LD_PRELOAD="$a $b" "$pqshim" sh -c 'printf "%s\n" "$LD_PRELOAD"'
check_eq "LD_PRELOAD: what the program gets" "$lib $a $b" "$out"

capture env LD_PRELOAD="$lib:$a" "$pqshim" -n true
check_eq "LD_PRELOAD: already first, left as it is" "LD_PRELOAD=$lib:$a true" "$out"

capture env LD_PRELOAD="$a:$lib:$b:$lib" "$pqshim" -n true
check_eq "LD_PRELOAD: present elsewhere, moved first, once" "LD_PRELOAD=$lib:$a:$b true" "$out"

ln -s "$lib" "$tmp/link.so"
capture env LD_PRELOAD="$tmp/link.so" "$pqshim" -n true
check_eq "LD_PRELOAD: the same file by another path is not added again" \
    "LD_PRELOAD=$tmp/link.so true" "$out"

capture env LD_PRELOAD="$a" "$pqshim" "$pqshim" -n true
check_eq "LD_PRELOAD: nested pqshim pqshim -n" "LD_PRELOAD=$lib:$a true" "$out"

capture env LD_PRELOAD="$a" "$pqshim" "$pqshim" sh -c 'printf "%s\n" "$LD_PRELOAD"'
check_eq "LD_PRELOAD: nested run, ours once" "$lib:$a" "$out"

# ---- the library ----

capture env PQSHIM_LIBRARY="$tmp/nope.so" "$pqshim" true
check "missing library (PQSHIM_LIBRARY): exit 127 naming the path" \
    eval '((rc == 127)) && [[ $err == *"$tmp/nope.so"* && -z $out ]]'

capture env PQSHIM_LIBRARY="$tmp/nope.so" "$pqshim" -n true
check "missing library: a dry run fails too" eval '((rc == 127)) && [[ $err == *"$tmp/nope.so"* ]]'

# A build tree without build/libpqshim.so, run from a directory that holds
# one: the wrapper must not take ./libpqshim.so.
mkdir -p "$tmp/tree/scripts" "$tmp/tree/shim"
cp "$pqshim" "$tmp/tree/scripts/pqshim"
: >"$tmp/tree/Makefile"
cp "$lib" "$tmp/tree/libpqshim.so"
capture env -C "$tmp/tree" scripts/pqshim -n true
check "missing library (build tree): exit 127 naming build/libpqshim.so, never ./" \
    eval '((rc == 127)) && [[ $err == *"$tmp/tree/build/libpqshim.so"* ]]'

mkdir "$tmp/tree/build"
cp "$lib" "$tmp/tree/build/libpqshim.so"
capture env -C "$tmp/tree" scripts/pqshim doctor
check "missing doctor (build tree): exit 127 naming build/pqshim-doctor" \
    eval '((rc == 127)) && [[ $err == *"$tmp/tree/build/pqshim-doctor"*"make in "* ]]'

cp "$lib" "$tmp/copy.so"
capture env PQSHIM_LIBRARY=copy.so "$pqshim" -n true
check_eq "PQSHIM_LIBRARY: a relative path is made absolute" "LD_PRELOAD=$tmp/copy.so true" "$out"

cp "$lib" "$tmp/with space.so"
capture env PQSHIM_LIBRARY="$tmp/with space.so" "$pqshim" -n true
check "library path with a space: refused (exit 125)" \
    eval '((rc == 125)) && [[ $err == *"space or a colon"* ]]'

# ---- exit codes, signals, exec ----

capture "$pqshim" sh -c 'exit 7'
check_eq "exit code passes through" 7 "$rc"

capture "$pqshim" true
check_eq "exit code 0" 0 "$rc"

# in an inner bash: the shell that sees a child killed by a signal says so on stderr
capture bash -c '"$@"; echo "status $?"' _ "$pqshim" sh -c 'kill -TERM $$'
check_eq "a signal passes through (143 = 128 + SIGTERM)" "status 143" "$out"

capture bash -c 'echo $$; exec "$0" sh -c "echo \$\$"' "$pqshim"
first=${out%%$'\n'*}
check_eq "exec: the program keeps the wrapper's pid" "$first"$'\n'"$first" "$out"

capture "$pqshim" pqshim-no-such-command
check "command not found: exit 127" eval '((rc == 127)) && [[ $err == *"pqshim-no-such-command"* ]]'

: >"$tmp/not-executable"
capture "$pqshim" "$tmp/not-executable"
check_eq "command not executable: exit 126" 126 "$rc"

# ---- usage errors: 125 ----

for args in "" "--bogus true" "--mode fast true" "--log loud true" "--mode" "--lib /x true" \
    "--log-file" "env extra"; do
    read -r -a argv <<<"$args"
    capture "$pqshim" ${argv[@]+"${argv[@]}"}
    check "usage error: pqshim $args -> 125" eval '((rc == 125)) && [[ -n $err && -z $out ]]'
done

# ---- setuid / setgid ----

cp /bin/true "$tmp/suid-true"
chmod u+s "$tmp/suid-true"
capture "$pqshim" -n "$tmp/suid-true"
check "setuid target: warning, and the dry run still printed" \
    eval '((rc == 0)) && [[ $err == *"$tmp/suid-true is setuid"*"ignores LD_PRELOAD"* && $out == "LD_PRELOAD=$lib $tmp/suid-true" ]]'

cp /bin/true "$tmp/sgid-true"
chmod g+s "$tmp/sgid-true"
capture env PATH="$tmp:$PATH" "$pqshim" -n sgid-true
check "setgid target found through PATH: warning names the file" \
    eval '[[ $err == *"$tmp/sgid-true is setgid"* ]]'

capture "$pqshim" -n true
check_eq "ordinary target: no warning" "" "$err"

# ---- --version, --help ----

want="pqshim $(head -n 1 "$root/VERSION")"
capture "$pqshim" --version
check_eq "--version (from VERSION)" "$want" "$out"
capture "$pqshim" -V
check_eq "-V" "$want" "$out"

capture "$pqshim" --help
missing=()
for word in "Usage: pqshim" --mode --unnamed --log --log-file --stats --stats-file --dry-run \
    --help --version "env [--lib PATH]" "doctor [CONNINFO]"; do
    [[ $out == *"$word"* ]] || missing+=("$word")
done
check "--help: exit 0, names every option and command" \
    eval '((rc == 0 && ${#missing[@]} == 0))'

# ---- pqshim env ----

capture "$pqshim" env
check_eq "env: no options" "export LD_PRELOAD=$lib

ENV LD_PRELOAD=$lib" "$out"

capture "$pqshim" --unnamed env --log info --stats --stats-file '/var/lib/app/stats %p.json' \
    --log-file rel.log --lib /usr/local/lib/pqshim/libpqshim.so
check_eq "env: every option, --lib, quoting for sh and Dockerfile" \
    "export LD_PRELOAD=/usr/local/lib/pqshim/libpqshim.so
export PQSHIM_MODE=unnamed
export PQSHIM_LOG=info
export PQSHIM_LOG_FILE=rel.log
export PQSHIM_STATS=1
export PQSHIM_STATS_FILE='/var/lib/app/stats %p.json'

ENV LD_PRELOAD=/usr/local/lib/pqshim/libpqshim.so
ENV PQSHIM_MODE=unnamed
ENV PQSHIM_LOG=info
ENV PQSHIM_LOG_FILE=rel.log
ENV PQSHIM_STATS=1
ENV PQSHIM_STATS_FILE=\"/var/lib/app/stats %p.json\"" "$out"

capture "$pqshim" env --lib relative/libpqshim.so
check_eq "env: --lib must be absolute (125)" 125 "$rc"

capture env PQSHIM_LIBRARY=/opt/pqshim/libpqshim.so "$pqshim" env --mode off
check_eq "env: PQSHIM_LIBRARY is the default path" "export LD_PRELOAD=/opt/pqshim/libpqshim.so
export PQSHIM_MODE=off

ENV LD_PRELOAD=/opt/pqshim/libpqshim.so
ENV PQSHIM_MODE=off" "$out"

# the export half works in a shell
capture bash -c 'eval "$("$0" env --unnamed | sed "/^\$/q")"; printf "%s %s\n" "$LD_PRELOAD" "$PQSHIM_MODE"' "$pqshim"
check_eq "env: the export lines evaluate in a shell" "$lib unnamed" "$out"
