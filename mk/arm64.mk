# aarch64 (make test-arm64, tests/arm64/run.sh): installs the cross compiler,
# qemu and arm64 libpq through dpkg multiarch, cross-builds the shim and the
# dl tests into build/arm64/ and runs them under qemu. A start on issue 18:
# the unit and integration suites and PHP/psycopg on arm64 are not here yet.

.PHONY: test-arm64

ARM64_DEPS := gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-user \
	libc6:arm64 libpq5:arm64

test-arm64:
	@scripts/deps.sh $(ARM64_DEPS)
	@tests/arm64/run.sh
