#!/usr/bin/env bash
# The shim on aarch64 (make test-arm64, issue 18), against the native
# PostgreSQL 15 and PgBouncer 1.18, every arm64 program under qemu-user:
#   - the library cross-built warning-free with -Werror, an AArch64 ELF with
#     no executable stack, its exports and DT_NEEDED checked with the cross
#     binutils;
#   - the unit tests (Check from check:arm64);
#   - the dl tests: the dlopen/dlsym stubs of dl_tramp_aarch64.S leave another
#     interposer, a RUNPATH plugin and a non-libpq DEEPBIND object alone, and
#     reach libpq loaded privately (plain and RTLD_DEEPBIND, PHP's way), which
#     fails without the shim and with PQSHIM_HOOK_DLOPEN=0; inert without libpq;
#   - every integration case of pqtest, without and with the shim, as on x86-64;
#   - a real client that needs the dlsym hook: psycopg 3 (ctypes dlopen +
#     dlsym(handle)) on Debian's arm64 python, the client suite's psycopg 3
#     cases, and the same client losing the fix with PQSHIM_HOOK_DLSYM=0.
# qemu runs without -L: the programs' loader and libc are dpkg multiarch's
# (libc6:arm64 in /lib/aarch64-linux-gnu); with qemu 7.2's -L every forked
# Check test child spins.
# Prints ok/FAIL per check and "arm64: N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cc=${ARM64_CC:-aarch64-linux-gnu-gcc}
b=build/arm64
multiarch=/usr/lib/aarch64-linux-gnu
export PQT_EMULATOR=qemu-aarch64
# shellcheck source=tests/lib/report.sh
source "$root/tests/lib/report.sh"
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
# shellcheck source=tests/lib/cases.sh
source "$root/tests/lib/cases.sh"
finish() {
	servers_stop
	report_summary arm64
	exit
}
start=$SECONDS

A=$root/$b/tests/integ
shim=$root/$b/libpqshim.so
units=()
for t in "$root"/tests/unit/test_*.c; do
	t=${t##*/}
	units+=("$b/tests/unit/${t%.c}")
done
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" B="$b" CC="$cc" \
	AR=aarch64-linux-gnu-ar PG_LIBS="$multiarch/libpq.so.5" \
	CHECK_LIBS="-L$multiarch -lcheck_pic -pthread -lrt -lm -lsubunit" \
	"$b/libpqshim.so" "$b/tests/integ/libinterpose.so" "$b/tests/integ/libloader.so" \
	"$b/tests/integ/libdeep.so" "$b/tests/integ/dl_safety" "$b/tests/integ/ext_local.so" \
	"$b/tests/integ/rtld_main" "$b/tests/integ/pqtest" "${units[@]}" 2>&1)
rc=$?
problem=
((rc == 0)) && ! grep -q 'warning:' <<<"$out" || problem=$(tail -n 20 <<<"$out")
report "cross-built with $cc, -Werror, no warning: the shim, ${#units[@]} unit tests, pqtest, the dl tests" \
	"$problem"
((rc == 0)) || finish

machine=$(aarch64-linux-gnu-readelf -h "$shim" | sed -n 's/^ *Machine: *//p')
report "the library is an AArch64 ELF" "$([[ $machine == AArch64 ]] || echo "machine: $machine")"
stack=$(aarch64-linux-gnu-readelf -lW "$shim" | grep GNU_STACK)
report "no executable stack (the stubs' .note.GNU-stack)" "$([[ $stack == *' RW '* ]] || echo "$stack")"
out=$(NM=aarch64-linux-gnu-nm READELF=aarch64-linux-gnu-readelf NO_RUN=1 \
	"$root/scripts/check-exports.sh" "$shim" 2>&1)
report "exports: only libpq's functions and dlopen/dlsym, no DT_NEEDED on libpq" \
	"$([[ $out == *"exports: 1 passed, 0 failed"* ]] || echo "$out")"

out=$(cd "$root" && scripts/run-unit.sh "${units[@]}" 2>&1)
report_suite unit $? "$out"

# the servers of the integration cases (the arm64 programs reach them over
# TCP and unix sockets under qemu)
cases_start_servers >/dev/null
export PQT_BIN_DIR=$A

# run an arm64 program under qemu: sets out, rc
q() {
	out=$(timeout 120 "$PQT_EMULATOR" "$@" 2>&1)
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

echo "integration cases (pqtest under qemu, without and with the shim):"
cases_run "$A/pqtest" "$shim" "$PQT_TMPDIR/case.log"

# Debian's arm64 python: its libraries through multiarch (libpython3.X-stdlib:arm64,
# co-installable), the interpreter itself (python3.X-minimal:arm64, not
# co-installable with the native one) unpacked into build/arm64/sysroot.
py=$(readlink -f /usr/bin/python3)
py=${py##*/}
python=$root/$b/sysroot/usr/bin/$py
problem=
if [[ ! -x $python ]]; then
	out=$("$root/scripts/deps.sh" "lib$py-stdlib:arm64" 2>&1) || problem=$out
	version=$(dpkg-query -W -f='${Version}' "lib$py-minimal:arm64" 2>&1) || problem+=$version
	if [[ -z $problem ]]; then
		mkdir -p "$root/$b/debs"
		out=$(cd "$root/$b/debs" && apt-get download "$py-minimal:arm64=$version" 2>&1 &&
			dpkg -x "$py"-minimal_*_arm64.deb "$root/$b/sysroot" 2>&1) || problem=$out
	fi
fi
q "$python" -c 'import platform, psycopg; print(platform.machine(), psycopg.pq.__impl__)'
[[ -n $problem || $out == 'aarch64 python' ]] || problem="exit $rc: $out"
report "arm64 $py with psycopg 3's ctypes libpq (the dlsym(handle) path)" "$problem"

q -E LD_PRELOAD="$shim" -E PQSHIM_HOOK_DLSYM=0 "$python" "$root/tests/clients/psycopg3.py" dedupe
problem=
((rc == 1)) && [[ $out == *'DuplicatePreparedStatement (42P05)'* ]] || problem="exit $rc: $out"
report "psycopg 3 with PQSHIM_HOOK_DLSYM=0: the shim no longer reaches it (the stub does)" "$problem"
servers_stop

out=$(PQSHIM_SO=$shim PQT_PYTHON=$python PQT_CLIENTS_ONLY='^psycopg3_' "$root/tests/clients/run.sh" 2>&1)
report_suite clients $? "$(grep -v '^servers: ' <<<"$out")"

echo "arm64: took $((SECONDS - start))s"
finish
