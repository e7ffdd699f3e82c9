#!/usr/bin/env bash
# Builds the versions of the test matrix from ../shared/vendor (or $PQSHIM_VENDOR)
# into a cache outside the checkout, once per machine: later runs find them
# there and return at once.
#
#   scripts/matrix-build.sh [pg18|pg17|pgbouncer125 ...]    (default: all three)
#   scripts/matrix-build.sh --cache                         (prints the cache folder only)
#
# Cache: $PQSHIM_MATRIX_CACHE, else /var/cache/pqshim-matrix as root, else
# ${XDG_CACHE_HOME:-~/.cache}/pqshim-matrix. Prints the cache directory last.
#   pg18          PostgreSQL 18.4: server, libpq, psql, pgbench, pg_stat_statements
#   pg17          PostgreSQL 17.10's libpq only (Debian 13's libpq major)
#   pgbouncer125  PgBouncer 1.25.2
# A component counts as built when its stamp file holds the tarball's SHA-256
# and this script's build recipe version; anything else rebuilds it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vendor=${PQSHIM_VENDOR:-$root/../shared/vendor}
if [[ -n ${PQSHIM_MATRIX_CACHE:-} ]]; then
	cache=$PQSHIM_MATRIX_CACHE
elif ((EUID == 0)); then
	cache=/var/cache/pqshim-matrix
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/pqshim-matrix
fi
RECIPE=1 # bump when a recipe below changes
if [[ ${1:-} == --cache ]]; then
	printf '%s\n' "$cache"
	exit 0
fi
jobs=$(nproc 2>/dev/null || echo 2)
# Run from make (make test-matrix), MAKELEVEL is 1 or more in the environment,
# and PostgreSQL's top-level make then takes itself for a sub-make and skips
# its generated headers (utils/errcodes.h: the build fails). These builds are
# their own, not part of ours.
unset MAKELEVEL MAKEFLAGS MFLAGS
say() { printf 'matrix-build: %s\n' "$*" >&2; }

[[ -f $vendor/SHA256SUMS ]] || { say "no $vendor/SHA256SUMS (set PQSHIM_VENDOR)"; exit 2; }
(cd "$vendor" && sha256sum -c --quiet SHA256SUMS) || { say "vendored tarballs do not match SHA256SUMS"; exit 2; }
"$root/scripts/deps.sh" bison flex libevent-dev libssl-dev autoconf automake libtool pkg-config >&2
mkdir -p "$cache"

sum_of() { awk -v f="$1" '$2 == f { print $1 }' "$vendor/SHA256SUMS"; }

# built NAME TARBALL: true when the stamp matches
built() { [[ -f $cache/$1/.pqshim-built && $(cat "$cache/$1/.pqshim-built") == "$(sum_of "$2") recipe $RECIPE" ]]; }
stamp() { printf '%s recipe %s\n' "$(sum_of "$2")" "$RECIPE" >"$cache/$1/.pqshim-built"; }

# unpack TARBALL -> the source folder, fresh, under $cache/src
unpack() {
	local top
	mkdir -p "$cache/src"
	top=$(tar tJf "$vendor/$1" | sed -n '1s,/.*,,p')
	rm -rf "${cache:?}/src/$top"
	tar xJf "$vendor/$1" -C "$cache/src"
	printf '%s\n' "$cache/src/$top"
}

pg_configure() { # prefix
	# the vendored sources leave the documentation out; psql's \h table is made from it
	mkdir -p doc/src/sgml/ref
	./configure --prefix="$1" --without-icu --without-readline --without-zlib --without-llvm \
		--disable-nls >configure.log 2>&1 || { tail -n 30 configure.log >&2; return 1; }
}

build_pg18() {
	local t0=$SECONDS src
	built pg18 postgresql-18.4.tar.xz && return 0
	say "building PostgreSQL 18.4 (server, libpq, psql, pgbench) into $cache/pg18 (about 4 minutes)"
	src=$(unpack postgresql-18.4.tar.xz)
	rm -rf "${cache:?}/pg18"
	(
		cd "$src"
		pg_configure "$cache/pg18"
		make -s -j"$jobs" >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
		make -s install >install.log 2>&1 || { tail -n 40 install.log >&2; exit 1; }
		make -s -C contrib/pg_stat_statements install >>install.log 2>&1 || { tail -n 20 install.log >&2; exit 1; }
	)
	rm -rf "$src"
	stamp pg18 postgresql-18.4.tar.xz
	say "PostgreSQL 18.4 built in $((SECONDS - t0)) s"
}

build_pg17() {
	local t0=$SECONDS src
	built pg17 postgresql-17.10.tar.xz && return 0
	say "building PostgreSQL 17.10's libpq into $cache/pg17"
	src=$(unpack postgresql-17.10.tar.xz)
	rm -rf "${cache:?}/pg17"
	(
		cd "$src"
		pg_configure "$cache/pg17"
		make -s -j"$jobs" -C src/interfaces/libpq >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
		make -s -C src/interfaces/libpq install >install.log 2>&1 || { tail -n 40 install.log >&2; exit 1; }
		make -s -C src/include install >>install.log 2>&1 || { tail -n 20 install.log >&2; exit 1; }
	)
	rm -rf "$src"
	stamp pg17 postgresql-17.10.tar.xz
	say "libpq 17.10 built in $((SECONDS - t0)) s"
}

build_pgbouncer125() {
	local t0=$SECONDS src
	built pgbouncer125 pgbouncer-1.25.2.tar.xz && return 0
	say "building PgBouncer 1.25.2 into $cache/pgbouncer125"
	src=$(unpack pgbouncer-1.25.2.tar.xz)
	rm -rf "${cache:?}/pgbouncer125"
	(
		cd "$src"
		./autogen.sh >autogen.log 2>&1 || { tail -n 30 autogen.log >&2; exit 1; }
		./configure --prefix="$cache/pgbouncer125" --without-cares --without-pam --without-ldap \
			--without-systemd >configure.log 2>&1 || { tail -n 30 configure.log >&2; exit 1; }
		make -s -j"$jobs" pgbouncer >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
		mkdir -p "$cache/pgbouncer125/bin"
		install -m 0755 pgbouncer "$cache/pgbouncer125/bin/pgbouncer"
	)
	rm -rf "$src"
	stamp pgbouncer125 pgbouncer-1.25.2.tar.xz
	say "PgBouncer 1.25.2 built in $((SECONDS - t0)) s"
}

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(pg18 pg17 pgbouncer125)
for w in "${want[@]}"; do
	case $w in
	pg18) build_pg18 ;;
	pg17) build_pg17 ;;
	pgbouncer125) build_pgbouncer125 ;;
	*) say "unknown component $w"; exit 2 ;;
	esac
done
printf '%s\n' "$cache"
