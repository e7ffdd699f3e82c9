#!/usr/bin/env bash
# make test's runner: runs each suite given (a make target), keeps its whole
# output in build/test-logs/<target>.log, and shows of each only its
# failures and its summary line ("suite: N passed, N failed"); then the
# grand total. V=1 shows every suite's whole output as it runs.
# Exit status 1 when any suite failed or gave no summary.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
logs=${PQT_LOG_DIR:-$root/build/test-logs}
mkdir -p "$logs"
total_pass=0 total_fail=0 start=$SECONDS
summary_re='^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$'

for target in "$@"; do
	log=$logs/$target.log
	t0=$SECONDS
	if [[ ${V:-0} == 1 ]]; then
		make --no-print-directory -C "$root" "$target" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		make --no-print-directory -C "$root" "$target" >"$log" 2>&1
		rc=$?
	fi
	line=$(grep -E "$summary_re" "$log" | tail -n 1)
	if [[ -z $line ]]; then
		echo "FAIL $target: no summary line (exit $rc); last lines of $log:"
		tail -n 15 "$log" | sed 's/^/     /'
		total_fail=$((total_fail + 1))
		continue
	fi
	read -r p f < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$line")
	if ((rc != 0 && f == 0)); then
		echo "FAIL $target: exit $rc although it reports no failure; last lines of $log:"
		tail -n 15 "$log" | sed 's/^/     /'
		f=1
	fi
	# a failure's own lines: FAIL and what is indented under it
	[[ ${V:-0} == 1 ]] || awk '/^FAIL/ { on = 1; print; next } on && /^ / { print; next } { on = 0 }' "$log" | head -n 60
	printf '%-52s (%ds)\n' "$line" $((SECONDS - t0))
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "test: whole outputs in ${logs#"$root/"}/; $((SECONDS - start)) s in all"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
