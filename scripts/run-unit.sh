#!/usr/bin/env bash
# Runs each unit-test binary given; every one must pass.
set -u
failed=0
for t in "$@"; do
	echo "== ${t##*/}"
	"$t" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ] || { echo "unit: $failed test program(s) failed"; exit 1; }
