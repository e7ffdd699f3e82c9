#!/usr/bin/env bash
# The shim exports only the libpq functions it replaces (the version script),
# never depends on libpq itself, and leaves programs that do not use libpq alone.
# A library of another architecture: NM and READELF name its binutils, and
# NO_RUN=1 leaves out the preload into sh (tests/arm64 runs that under qemu).
set -euo pipefail
lib=${1:-build/libpqshim.so}
nm=${NM:-nm} readelf=${READELF:-readelf}
root=$(cd "$(dirname "$0")/.." && pwd)
problems=0

want=$(grep -oE '\b(PQ[A-Za-z]+|dlopen|dlsym)\b' "$root/shim/exports.map" | sort -u)
have=$("$nm" -D --defined-only "$lib" | awk '$2 ~ /^[TWDBRVi]$/ {print $3}' | sed 's/@.*//' | sort -u)
if [ "$want" != "$have" ]; then
	echo "exports differ from shim/exports.map:"
	diff <(echo "$want") <(echo "$have") || true
	problems=$((problems + 1))
fi
if grep -q 'NEEDED.*libpq' <<<"$("$readelf" -d "$lib")"; then
	echo "$lib has a DT_NEEDED on libpq"
	problems=$((problems + 1))
fi
case $lib in /*) ;; *) lib=$root/$lib ;; esac
inert=", inert in sh"
if [ "${NO_RUN:-0}" = 1 ]; then
	inert=""
else
	out=$(LD_PRELOAD=$lib sh -c 'echo ok' 2>&1 || true)
	if [ "$out" != ok ]; then
		echo "preloading into sh changed its output: $out"
		problems=$((problems + 1))
	fi
	if grep -q 'file=[^ ]*libpq\.so' <<<"$(LD_PRELOAD=$lib LD_DEBUG=files sh -c true 2>&1)"; then
		echo "preloading into sh loaded libpq"
		problems=$((problems + 1))
	fi
fi
n=$(echo "$have" | wc -l)
if [ "$problems" -eq 0 ]; then
	echo "exports: $n libpq functions, no libpq dependency$inert: ok"
	echo "exports: 1 passed, 0 failed"
else
	echo "exports: 0 passed, 1 failed"
	exit 1
fi
