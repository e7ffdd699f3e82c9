#!/usr/bin/env bash
# make test-matrix: the integration, client, fault and doctor suites again, on the
# versions users run in 2026 (built once by scripts/matrix-build.sh into a
# cache outside the checkout):
#
#   1  libpq 18, PostgreSQL 18, PgBouncer 1.25.2, max_prepared_statements = 200
#   2  libpq 17, PostgreSQL 18, PgBouncer 1.25.2, max_prepared_statements = 0
#   3  libpq 18, PostgreSQL 18, PgBouncer 1.18 (Debian's)
#   4  libpq 17, PostgreSQL 15 (Debian's), PgBouncer 1.25.2, max_prepared_statements = 200
#
# The test programs load the combination's libpq (LD_LIBRARY_PATH); with
# libpq 18, psql and pgbench are 18's too. MATRIX=1,3 runs some of them.
# Each suite's output: build/test-logs/matrix-<n>/. Ends with the grand total.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=$("$root/scripts/matrix-build.sh" | tail -n 1) || exit 1
deb_pg=/usr/lib/postgresql/15/bin
deb_bouncer=/usr/sbin/pgbouncer
combos=(
	"1|libpq 18, PostgreSQL 18, PgBouncer 1.25.2 (max_prepared_statements = 200)|pg18|$cache/pg18/bin|$cache/pgbouncer125/bin/pgbouncer|200"
	"2|libpq 17, PostgreSQL 18, PgBouncer 1.25.2 (max_prepared_statements = 0)|pg17|$cache/pg18/bin|$cache/pgbouncer125/bin/pgbouncer|0"
	"3|libpq 18, PostgreSQL 18, PgBouncer 1.18|pg18|$cache/pg18/bin|$deb_bouncer|"
	"4|libpq 17, PostgreSQL 15, PgBouncer 1.25.2 (max_prepared_statements = 200)|pg17|$deb_pg|$cache/pgbouncer125/bin/pgbouncer|200"
)
suites=(integ matrix-cases clients-test faults-test doctor-test)
total_pass=0 total_fail=0 start=$SECONDS
make --no-print-directory -C "$root" all matrix-bins >/dev/null || exit 1
for c in "${combos[@]}"; do
	IFS='|' read -r n label libpq pgbin bouncer mps <<<"$c"
	[[ -z ${MATRIX:-} || ",$MATRIX," == *",$n,"* ]] || continue
	echo "== matrix $n: $label"
	path=$PATH
	[[ $libpq == pg18 ]] && path=$cache/pg18/bin:$PATH # psql and pgbench 18
	out=$(env PQT_PG_BIN="$pgbin" PQT_PGBOUNCER="$bouncer" PQT_PGB_MPS="$mps" \
		LD_LIBRARY_PATH="$cache/$libpq/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" PATH="$path" \
		PQT_MATRIX="$n" PQT_MATRIX_LIBPQ="$cache/$libpq" PQT_LOG_DIR="$root/build/test-logs/matrix-$n" \
		"$root/scripts/run-tests.sh" "${suites[@]}" 2>&1 | tee -a /dev/stderr | tail -n 1) # -a: a log file on stderr is appended to, not truncated
	read -r p _ f _ <<<"$out"
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-1}))
done 2>&1
echo "test-matrix: $((SECONDS - start)) s in all (the builds cached in $cache)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
