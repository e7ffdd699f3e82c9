#!/usr/bin/env bash
# Runs each unit-test binary given (each prints "<suite>: N passed, N failed")
# and sums them: "unit: N passed, N failed". Every one must pass.
# PQT_EMULATOR runs them under an emulator (make test-arm64: qemu-aarch64).
set -u
passed=0 failed=0
emu=()
[[ -z ${PQT_EMULATOR:-} ]] || read -r -a emu <<<"$PQT_EMULATOR"
for t in "$@"; do
	out=$("${emu[@]}" "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
	if [[ -z $line ]]; then
		echo "FAIL ${t##*/}: no summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	read -r p f < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	((rc == 0 || f > 0)) || { echo "FAIL ${t##*/}: exit $rc"; failed=$((failed + 1)); }
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
