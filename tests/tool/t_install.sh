#!/usr/bin/env bash
# make install / make uninstall with DESTDIR and PREFIX: every file lands
# where it should, the installed wrapper finds the installed library and
# doctor by its own location (nothing of DESTDIR is baked in), the installed
# man page renders, and uninstall leaves no file behind.
# conditions in single quotes are evaluated by check, after the capture
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dest=$tmp/dest
# A make of its own, not a child of the make running the tests (no jobserver).
mk() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" "$@"
}

capture mk install DESTDIR="$dest" PREFIX=/usr
check "make install DESTDIR=... PREFIX=/usr" eval '((rc == 0))'

missing=()
for f in bin/pqshim bin/pqshim-doctor bin/pqshim-stats lib/pqshim/libpqshim.so \
    share/man/man1/pqshim.1 share/man/man1/pqshim-doctor.1 share/man/man1/pqshim-stats.1 \
    share/doc/pqshim/README.md share/doc/pqshim/SECURITY.md share/pqshim/VERSION; do
    [[ -f $dest/usr/$f ]] || missing+=("$f")
done
check_eq "installed files" "" "${missing[*]}"
check "bin/pqshim, pqshim-doctor and pqshim-stats are executable" \
    test -x "$dest/usr/bin/pqshim" -a -x "$dest/usr/bin/pqshim-doctor" -a -x "$dest/usr/bin/pqshim-stats"

capture "$dest/usr/bin/pqshim" --version
check_eq "installed pqshim --version" "pqshim $(head -n 1 "$root/VERSION")" "$out"

capture "$dest/usr/bin/pqshim" -n true
check_eq "installed pqshim -n true: the installed library" \
    "LD_PRELOAD=$dest/usr/lib/pqshim/libpqshim.so true" "$out"

ln -s "$dest/usr/bin/pqshim" "$tmp/pqshim-link"
capture "$tmp/pqshim-link" -n true
check_eq "through a symlink elsewhere: still the installed library" \
    "LD_PRELOAD=$dest/usr/lib/pqshim/libpqshim.so true" "$out"
rm "$tmp/pqshim-link"

capture "$dest/usr/bin/pqshim" -n doctor
check_eq "installed pqshim -n doctor: the installed doctor" \
    "LD_PRELOAD=$dest/usr/lib/pqshim/libpqshim.so $dest/usr/bin/pqshim-doctor" "$out"

port=$(free_port)
capture "$dest/usr/bin/pqshim" doctor "host=127.0.0.1 port=$port connect_timeout=5"
check "installed pqshim doctor runs (nothing listens: exit 2)" \
    eval '((rc == 2)) && [[ $err == *"cannot connect"* ]]'

capture grep -rlF -- "$dest" "$dest"
check_eq "DESTDIR appears in no installed file" "" "$out"

capture env MANWIDTH=80 man -l "$dest/usr/share/man/man1/pqshim.1"
check "man -l renders the installed page without warnings" \
    eval '((rc == 0)) && [[ -z $err && $out == *"pqshim doctor"* ]]'

capture mk uninstall DESTDIR="$dest" PREFIX=/usr
check "make uninstall DESTDIR=... PREFIX=/usr" eval '((rc == 0))'

capture find "$dest" ! -type d
check_eq "uninstall leaves no files" "" "$out"

# another LIBDIR under PREFIX (the Debian package's multiarch folder): the
# wrapper is told where at install time and still holds no DESTDIR
multi=$tmp/multi
capture mk install DESTDIR="$multi" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu/pqshim
check "make install LIBDIR=/usr/lib/<multiarch>/pqshim" eval '((rc == 0))'
capture "$multi/usr/bin/pqshim" -n true
check_eq "the installed wrapper preloads the library from that LIBDIR" \
    "LD_PRELOAD=$multi/usr/lib/x86_64-linux-gnu/pqshim/libpqshim.so true" "$out"
capture grep -rlF -- "$multi" "$multi"
check_eq "DESTDIR appears in no installed file (other LIBDIR)" "" "$out"
capture mk uninstall DESTDIR="$multi" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu/pqshim
capture find "$multi" ! -type d
check_eq "uninstall leaves no files (other LIBDIR)" "" "$out"

# a symlink where the wrapper goes (a developer linked the tree's script
# there): install replaces the link and never writes through it
linked=$tmp/linked
mkdir -p "$linked/usr/bin"
cp "$pqshim" "$tmp/pqshim-copy"
ln -s "$tmp/pqshim-copy" "$linked/usr/bin/pqshim"
capture mk install DESTDIR="$linked" PREFIX=/usr/
check "install over a symlinked wrapper leaves the link's target alone (PREFIX with a slash)" \
    eval '((rc == 0)) && cmp -s "$pqshim" "$tmp/pqshim-copy" && ! [[ -L $linked/usr/bin/pqshim ]]'

capture mk install DESTDIR="$tmp/outside" PREFIX=/usr LIBDIR=/opt/pqshim
check "make install refuses a LIBDIR outside PREFIX, saying why" \
    eval '((rc != 0)) && [[ $err == *"is not under PREFIX"* ]] && ! [[ -e $tmp/outside ]]'
