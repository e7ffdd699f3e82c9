#!/usr/bin/env bash
# The Debian package, as an operator meets it (make test-package; part of
# make test): `make deb` builds it; its files, control fields, stripped and
# hardened binaries and lintian are checked; it is installed with dpkg into
# a `dpkg --root` area (any user) and, when run as root on a machine without
# pqshim installed, into the machine itself; each installed copy runs psql
# through a real PgBouncer in transaction mode (the failure without the shim,
# none with it), its doctor and `pqshim stats`; then it is purged and must
# leave no file behind.  PQSHIM_TEST_SYSTEM_INSTALL=0 keeps it off the
# machine itself.
# Prints ok/FAIL per check and "package: N passed, M failed".
# conditions in single quotes are evaluated by check, after the capture
# (and the variables they read look unused to shellcheck)
# shellcheck disable=SC2016,SC2034
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../tool/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tool/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/servers.sh
source "$root/tests/lib/servers.sh"

# set before servers_init, which chains onto it: a package this test put on
# the machine never stays there, whatever happens
installed_here=0
trap '((installed_here == 0)) || dpkg --purge pqshim >/dev/null 2>&1 || true; rm -rf -- "$tmp"' EXIT

version=$(head -n 1 "$root/VERSION")
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
libdir=/usr/lib/$ma/pqshim

# --- build -------------------------------------------------------------------
capture env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" deb
deb=${out##*$'\n'}
check "make deb builds build/pqshim_${version}_$arch.deb" \
    eval '((rc == 0)) && [[ $deb == "$root/build/pqshim_${version}_$arch.deb" && -f $deb ]]'
if [[ ! -f $deb ]]; then
    printf '%s\n' "$out" "$err" | tail -n 20 | sed 's/^/     /'
    echo "package: $npass passed, $nfail failed"
    exit 1
fi

# --- what is in it -----------------------------------------------------------
want=$(
    LC_ALL=C sort <<EOF
usr/bin/pqshim
usr/bin/pqshim-doctor
usr/bin/pqshim-stats
${libdir#/}/libpqshim.so
usr/share/doc/pqshim/README.md.gz
usr/share/doc/pqshim/SECURITY.md.gz
usr/share/doc/pqshim/changelog.gz
usr/share/doc/pqshim/copyright
usr/share/man/man1/pqshim-doctor.1.gz -> pqshim.1.gz
usr/share/man/man1/pqshim-stats.1.gz -> pqshim.1.gz
usr/share/man/man1/pqshim.1.gz
usr/share/pqshim/VERSION
EOF
)
got=$(dpkg-deb -c "$deb" | grep -v '^d' | sed -E 's|^([^ ]+ +){5}\./||' | LC_ALL=C sort)
check_eq "the package's files: library under the multiarch folder, tools in /usr/bin" "$want" "$got"
capture dpkg-deb -c "$deb"
check "every file is root's, folders and programs 0755, the rest 0644" \
    eval '[[ -z $(awk '\''$2 != "root/root" || $1 !~ /^(drwxr-xr-x|-rwxr-xr-x|-rw-r--r--|lrwxrwxrwx)$/'\'' <<<"$out") ]]'

field() { dpkg-deb -f "$deb" "$1"; }
check_eq "control: Package, Version, Architecture" "pqshim $version $arch" \
    "$(field Package) $(field Version) $(field Architecture)"
depends=$(field Depends)
check "control: Depends from dpkg-shlibdeps (libc6 and libpq5, with versions)" \
    eval '[[ $depends =~ ^libc6\ \(\>=\ [0-9.]+\),\ libpq5\ \(\>=\ [0-9.~]+\)$ ]]'

x=$tmp/x
dpkg-deb -x "$deb" "$x"
elves=("$x$libdir/libpqshim.so" "$x/usr/bin/pqshim-doctor" "$x/usr/bin/pqshim-stats")
unstripped=() soft=()
for f in "${elves[@]}"; do
    if ! readelf -S -W "$f" >"$tmp/sections" 2>&1; then
        unstripped+=("${f#"$x"}: not readable as ELF")
        continue
    fi
    grep -qE ' \.(symtab|debug_[a-z]+|comment) ' "$tmp/sections" && unstripped+=("${f#"$x"}")
    # Whole outputs in variables: `producer | grep -q` under pipefail fails
    # at random when grep exits first and the producer gets SIGPIPE (141).
    dyn=$(readelf -d -W "$f") seg=$(readelf -l -W "$f")
    grep -qE '\(FLAGS(_1)?\).*\bNOW\b' <<<"$dyn" || soft+=("${f#"$x"}: no BIND_NOW")
    grep -q GNU_RELRO <<<"$seg" || soft+=("${f#"$x"}: no RELRO")
    grep -qE 'GNU_STACK.*RWE' <<<"$seg" && soft+=("${f#"$x"}: executable stack")
done
check_eq "binaries stripped (no .symtab, .debug_*, .comment)" "" "${unstripped[*]}"
check_eq "binaries hardened (RELRO, BIND_NOW, no executable stack)" "" "${soft[*]}"
capture readelf --dyn-syms -W "$x$libdir/libpqshim.so"
check "the library is built with Debian's fortify and stack protector flags" \
    eval '[[ $out == *__stack_chk_fail* ]] && [[ $(grep -v __stack_chk <<<"$out") =~ __[a-z]+_chk@ ]]'
capture "$root/scripts/check-exports.sh" "$x$libdir/libpqshim.so"
check "the packaged library: only libpq's functions exported, no libpq DT_NEEDED" eval '((rc == 0))'
capture bash -c "zcat '$x/usr/share/doc/pqshim/README.md.gz' | cmp - '$root/README.md'"
check "README.md is the documentation, compressed" eval '((rc == 0))'
capture bash -c "zcat '$x/usr/share/doc/pqshim/changelog.gz' | head -n 1"
check_eq "changelog: Debian's format, this version" "pqshim ($version) unstable; urgency=medium" "$out"

capture lintian --fail-on error,warning --display-info --pedantic "$deb"
printf '%s\n' "${out:-(no tags at all)}" | sed 's/^/  lintian | /'
check "lintian: no error, no warning (info and pedantic tags shown above)" \
    eval '((rc == 0)) && ! grep -qE "^[EW]: " <<<"$out"'

# --- installed and used ------------------------------------------------------
servers_init
servers_start_pg >/dev/null
servers_start_pgbouncer tx transaction 1 >/dev/null
dsn="$PQT_BOUNCER_TX_DSN connect_timeout=10"

# psql writes SQL PREPARE as Qt's driver does; behind one shared server
# connection the second PREPARE of the session is a 42P05 without the shim
sql='PREPARE q AS SELECT 41 + 1 AS answer;
PREPARE q AS SELECT 41 + 1 AS answer;
EXECUTE q;
SELECT pg_sleep(1.1);
EXECUTE q;'
capture timeout 60 psql -X -At -v ON_ERROR_STOP=1 "$dsn" <<<"$sql"
check "without the shim: psql's second PREPARE fails behind PgBouncer (42P05)" \
    eval '((rc != 0)) && [[ $err == *"prepared statement \"q\" already exists"* ]]'

# use R: the copy installed under R (/ or a dpkg --root area) as an operator
# would use it: the wrapper, the LD_PRELOAD line, the doctor, the statistics
uses=0
use() {
    local r=$1 what=$2 bin=$1/usr/bin stats=$tmp/stats-$((++uses))
    mkdir -p "$stats"
    capture "$bin/pqshim" --version
    check_eq "$what: pqshim --version" "pqshim $version" "$out"
    capture "$bin/pqshim" -n true
    check_eq "$what: pqshim preloads the packaged library" "LD_PRELOAD=$r$libdir/libpqshim.so true" "$out"

    capture env PQSHIM_LOG=info PQSHIM_STATS_INTERVAL=1 timeout 60 \
        "$bin/pqshim" --stats-dir "$stats" -- psql -X -At -v ON_ERROR_STOP=1 "$dsn" \
        <<<"$sql"$'\n'"\\! $bin/pqshim stats --json $stats"$'\nDEALLOCATE q;'
    check "$what: pqshim -- psql through PgBouncer: every PREPARE succeeds, right answers" \
        eval '((rc == 0)) && [[ $out == $'\''PREPARE\nPREPARE\n42\n\n42\n'\''* && $out == *DEALLOCATE ]]'
    check_has "$what: the shim says it found the pooler and runs pooled mode" "$err" \
        "a pooler that shares server connections (the probe); pooled mode (configured: auto)"
    check "$what: pqshim stats, while psql runs: its live file counts the rewritten SQL" \
        eval '[[ $out =~ \"state\":\ \"live\" && $out =~ \"target\":\ \"127.0.0.1:$PQT_BOUNCER_TX_PORT/postgres\" && $out =~ \"sql_rewritten\":\ [1-9] ]]'
    capture find "$stats" -type f
    check_eq "$what: psql's statistics file is gone after it exits" "" "$out"

    if [[ $r == / || -z $r ]]; then
        # Debian's loader expands $LIB to lib/<multiarch>: one line for images
        # of several architectures
        capture env LD_PRELOAD='/usr/$LIB/pqshim/libpqshim.so' PQSHIM_LOG=info timeout 60 \
            psql -X -At -v ON_ERROR_STOP=1 "$dsn" <<<"$sql"
        check "$what: LD_PRELOAD='/usr/\$LIB/pqshim/libpqshim.so' psql: every PREPARE succeeds" \
            eval '((rc == 0)) && [[ $err == *"pooled mode (configured: auto)"* ]]'
    fi

    capture timeout 60 "$bin/pqshim" doctor "$dsn"
    check "$what: pqshim doctor behind PgBouncer: the packaged shim, the pooler seen (exit 1)" \
        eval '((rc == 1)) && [[ $out == *"preloaded ($r$libdir/libpqshim.so)"* &&
            $out == *"pooling:          detected"* ]]'
    capture "$bin/pqshim-doctor" --help
    check "$what: pqshim-doctor runs from /usr/bin" eval '((rc == 0)) && [[ $out == Usage:* ]]'
}

# every file the package holds, for the checks after a purge
files=$(awk '{ sub(/ -> .*/, ""); print "/" $0 }' <<<"$got")
gone() { # R: none of the package's files left under R
    local f left=()
    while read -r f; do
        [[ -e $1$f || -L $1$f ]] && left+=("$f")
    done <<<"$files"
    printf '%s' "${left[*]}"
}

area=$tmp/area
mkdir -p "$area/var/lib/dpkg/info" "$area/var/lib/dpkg/updates" "$area/var/lib/dpkg/triggers"
touch "$area/var/lib/dpkg/status" "$area/var/lib/dpkg/available"
adpkg() { dpkg --root="$area" --force-not-root --log=/dev/null "$@"; }
capture adpkg --force-depends -i "$deb"
check "dpkg --root area: the package installs" eval '((rc == 0))'
use "$area" "dpkg --root area"
capture adpkg --purge pqshim
check "dpkg --root area: the package purges" eval '((rc == 0))'
capture find "$area" ! -type d ! -path "$area/var/lib/dpkg/*"
check_eq "dpkg --root area: no file left" "" "$out"

if ((EUID != 0)); then
    echo "note: not root: the package was installed into a dpkg --root area only"
elif [[ ${PQSHIM_TEST_SYSTEM_INSTALL:-1} == 0 ]]; then
    echo "note: PQSHIM_TEST_SYSTEM_INSTALL=0: the package was installed into a dpkg --root area only"
elif [[ $(dpkg-query -W -f='${Status}' pqshim 2>/dev/null) == *' installed' ]]; then
    echo "note: pqshim is installed on this machine already: left alone, only the dpkg --root area tested"
else
    installed_here=1
    capture dpkg -i "$deb"
    check "this machine: dpkg -i installs the package" eval '((rc == 0))'
    capture dpkg -L pqshim
    check_has "this machine: dpkg -L lists the library" "$out" "$libdir/libpqshim.so"
    use "" "this machine"
    if [[ -f /usr/share/man/man1/pqshim.1.gz ]]; then
        capture env MANWIDTH=80 man pqshim-stats
        check "this machine: man pqshim-stats shows the page, without warnings" \
            eval '((rc == 0)) && [[ -z $err && $out == *"LIVE STATISTICS"* ]]'
    else
        echo "note: dpkg here leaves out /usr/share/man (a slim image's path-exclude): man not checked"
    fi
    capture dpkg --purge pqshim
    check "this machine: dpkg --purge removes the package" eval '((rc == 0))'
    ((rc != 0)) || installed_here=0
    check_eq "this machine: none of its files left" "" "$(gone "")"
    capture dpkg-query -W -f='${Status}' pqshim
    check "this machine: dpkg keeps nothing of it (not even config-files)" \
        eval '[[ $out == "" || $out == *" not-installed" ]]'
fi

servers_stop
echo "package: $npass passed, $nfail failed"
((nfail == 0))
