# aarch64 (make test-arm64, tests/arm64/run.sh): installs the cross compiler,
# qemu and the arm64 libraries the tests need through dpkg multiarch (libpq,
# Check; the suite adds Debian's arm64 python), cross-builds the shim, the
# unit tests, pqtest and the dl tests into build/arm64/ and runs them under
# qemu against the native servers, then psycopg 3 on the arm64 python.

.PHONY: test-arm64

ARM64_DEPS := gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-user \
	libc6:arm64 libpq5:arm64 check:arm64 libsubunit-dev:arm64 python3-psycopg

test-arm64: deps
	@scripts/deps.sh $(ARM64_DEPS)
	@tests/arm64/run.sh
