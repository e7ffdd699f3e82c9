# shellcheck shell=bash
# tests/lib/preload.sh - the command line that runs a program with or without
# the shim preloaded (sourced). Natively that is `env LD_PRELOAD=...`; with
# PQT_EMULATOR set (make test-arm64: "qemu-aarch64 -L /usr/aarch64-linux-gnu")
# the program runs under that emulator, and LD_PRELOAD goes to the emulated
# program's loader through -E, never to the emulator's own; the rest of the
# environment reaches the program as it is.
#
#   preload_argv SHIM PROGRAM ARGS...   sets the array PRELOAD_ARGV to the
#                                       command; SHIM empty: nothing preloaded
# shellcheck disable=SC2034 # PRELOAD_ARGV is the result, read by the caller
preload_argv() {
	local shim=$1 emu=()
	shift
	[[ -z ${PQT_EMULATOR:-} ]] || read -r -a emu <<<"$PQT_EMULATOR"
	if ((${#emu[@]} == 0)) && [[ -n $shim ]]; then
		PRELOAD_ARGV=(env LD_PRELOAD="$shim" "$@")
	elif ((${#emu[@]} == 0)); then
		PRELOAD_ARGV=(env -u LD_PRELOAD "$@")
	elif [[ -n $shim ]]; then
		PRELOAD_ARGV=(env -u LD_PRELOAD "${emu[@]}" -E LD_PRELOAD="$shim" "$@")
	else
		PRELOAD_ARGV=(env -u LD_PRELOAD "${emu[@]}" "$@")
	fi
}
