#!/usr/bin/env bash
# The shim on aarch64 (make test-arm64; issue 18's first steps): the library
# cross-built warning-free with -Werror, its exports and DT_NEEDED checked
# with the cross binutils, the dl tests built for arm64 and run under qemu
# against a real PostgreSQL: the dlopen/dlsym stubs of dl_tramp_aarch64.S
# leave another interposer, a RUNPATH plugin and a non-libpq DEEPBIND object
# alone, and reach libpq loaded privately with RTLD_DEEPBIND (which fails
# without the shim and with PQSHIM_HOOK_DLOPEN=0), the shim inert in a
# program without libpq.
# Prints ok/FAIL per check and "arm64: N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cc=${ARM64_CC:-aarch64-linux-gnu-gcc}
b=build/arm64
sysroot=/usr/aarch64-linux-gnu
libpq=/usr/lib/aarch64-linux-gnu/libpq.so.5
# shellcheck source=tests/lib/report.sh
source "$root/tests/lib/report.sh"
finish() {
	report_summary arm64
	exit
}

A=$root/$b/tests/integ
shim=$root/$b/libpqshim.so
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" B="$b" CC="$cc" \
	PG_LIBS="$libpq" "$b/libpqshim.so" "$b/tests/integ/libinterpose.so" "$b/tests/integ/libloader.so" \
	"$b/tests/integ/libdeep.so" "$b/tests/integ/dl_safety" "$b/tests/integ/ext_local.so" \
	"$b/tests/integ/rtld_main" 2>&1)
rc=$?
problem=
((rc == 0)) && ! grep -q 'warning:' <<<"$out" || problem=$(tail -n 20 <<<"$out")
report "cross-built with $cc, -Werror, no warning" "$problem"
((rc == 0)) || finish

machine=$(aarch64-linux-gnu-readelf -h "$shim" | sed -n 's/^ *Machine: *//p')
report "the library is an AArch64 ELF" "$([[ $machine == AArch64 ]] || echo "machine: $machine")"
stack=$(aarch64-linux-gnu-readelf -lW "$shim" | grep GNU_STACK)
report "no executable stack (the stubs' .note.GNU-stack)" "$([[ $stack == *' RW '* ]] || echo "$stack")"
out=$(NM=aarch64-linux-gnu-nm READELF=aarch64-linux-gnu-readelf NO_RUN=1 \
	"$root/scripts/check-exports.sh" "$shim" 2>&1)
report "exports: only libpq's functions and dlopen/dlsym, no DT_NEEDED on libpq" \
	"$([[ $out == *"exports: 1 passed, 0 failed"* ]] || echo "$out")"

# a throwaway PostgreSQL for the libpq client (native; the arm64 program
# reaches it over TCP under qemu)
# shellcheck source-path=SCRIPTDIR source=../lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init
servers_start_pg >/dev/null

# run an arm64 program under qemu with the test's environment: sets out, rc
q() {
	out=$(timeout 120 qemu-aarch64 -L "$sysroot" -E PQT_BIN_DIR="$A" -E PQT_DSN="$PQT_PG_DSN" "$@" 2>&1)
	rc=$?
}
succeeds() { ((rc == 0)) || printf 'exit %s\n%s\n' "$rc" "$out"; }
dup_fails() { ((rc != 0)) && [[ $out == *"already exists"* ]] || printf 'exit %s\n%s\n' "$rc" "$out"; }

q -E LD_PRELOAD="$A/libinterpose.so" "$A/dl_safety"
report "dl_safety without the shim (the test itself holds on arm64)" "$(succeeds)"
q -E LD_PRELOAD="$shim $A/libinterpose.so" "$A/dl_safety"
report "dl_safety with the shim: another interposer, RUNPATH, DEEPBIND left alone" "$(succeeds)"
q -E LD_PRELOAD="$shim" -E LD_DEBUG=files "$A/dl_safety"
problem=
grep -q 'file=[^ ]*libpqshim\.so' <<<"$out" || problem="no loader trace of the shim: $out"
grep 'file=[^ ]*libpq\.so' <<<"$out" && problem="libpq was loaded"
report "inert in a program without libpq: the shim loaded, libpq never" "$problem"

for how in plain deepbind; do
	q "$A/rtld_main" "$how"
	report "libpq loaded privately ($how), without the shim: the duplicate prepare fails" "$(dup_fails)"
	q -E LD_PRELOAD="$shim" "$A/rtld_main" "$how"
	report "libpq loaded privately ($how), with the shim: the re-prepare succeeds" "$(succeeds)"
done
q -E LD_PRELOAD="$shim" -E PQSHIM_HOOK_DLOPEN=0 "$A/rtld_main" deepbind
report "RTLD_DEEPBIND with PQSHIM_HOOK_DLOPEN=0: the shim no longer reaches it (the stub does)" \
	"$(dup_fails)"

servers_stop
finish
