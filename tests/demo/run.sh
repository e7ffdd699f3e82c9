#!/usr/bin/env bash
# make demo, checked: runs scripts/demo.sh (1 s per pooled run) and checks
# what it shows a new user against what it claims: the failures without the
# shim, none with it (only LD_PRELOAD set, and unnamed mode), right answers
# in each mode, the first log line naming the configured mode, and the one
# line for a Dockerfile and a systemd unit at the end.
# Prints ok/FAIL per case and "demo: N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/report.sh
source "$root/tests/lib/report.sh"

out=$(DEMO_SECONDS=1 "$root/scripts/demo.sh" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  | /'
report "make demo exits 0" "$( ((rc == 0)) || echo "exit $rc")"

# the re-prepare app: "=> N error(s)" per run, in the order demo.sh runs them
mapfile -t app < <(sed -n 's/^  => \([0-9]*\) error(s)$/\1/p' <<<"$out")
report "re-prepare app: errors without the shim, none with it (direct and pooled)" \
	"$([[ ${#app[@]} == 4 && ${app[0]} -gt 0 && ${app[1]} == 0 && ${app[2]} -gt 0 &&
		${app[3]} == 0 ]] || echo "error counts: ${app[*]}")"

row() { # LABEL TABLE-NUMBER -> the row's three numbers
	awk -v l="  $1" -v n="$2" 'index($0, "  errors ") { t++ } t == n && index($0, l) == 1 {
		$0 = substr($0, length(l) + 1); print $1, $2, $3; exit }' <<<"$out"
}
read -r e w t <<<"$(row "without the shim" 1)"
report "workers without the shim: errors or wrong values" \
	"$([[ -n $e ]] && ((e + w > 0)) || echo "row: '$e $w $t'")"
for label in "only LD_PRELOAD (the default: auto)" "prepared_statements=false (unnamed)"; do
	read -r e w t <<<"$(row "$label" 1)"
	report "workers, $label: no error, no wrong value, right answers" \
		"$([[ $e == 0 && $w == 0 && $t =~ ^[0-9]+$ ]] && ((t > 0)) || echo "row: '$e $w $t'")"
	read -r e f t <<<"$(row "$label" 2)"
	report "pgbench, $label: no error, no failed transaction" \
		"$([[ $e == 0 && $f == 0 && $t =~ ^[0-9]+$ ]] && ((t > 0)) || echo "row: '$e $f $t'")"
done

first_line() { # the shim's "active" lines, when one is not the expected one
	if ! grep -q 'info: active; auto mode (default), decided for each connection' <<<"$out" ||
		grep -q 'active; unnamed mode (default)' <<<"$out"; then
		grep 'active;' <<<"$out" || echo "no 'active' line"
	fi
}
report "the first log line names the configured mode (auto), not a working one" "$(first_line)"
report "auto mode says it found the pooler and runs pooled mode" \
	"$(grep -q 'a pooler that shares server connections (the probe); pooled mode (configured: auto)' \
		<<<"$out" || echo "no such line")"
report "it ends with the Dockerfile and systemd lines" \
	"$(grep -q '^  Dockerfile: *ENV LD_PRELOAD=/usr/lib/[a-z0-9_-]*/pqshim/libpqshim.so$' <<<"$out" &&
		grep -q '^  systemd unit: *Environment=LD_PRELOAD=/' <<<"$out" || echo "missing")"

report_summary demo
