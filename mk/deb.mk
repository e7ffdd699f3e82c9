# The Debian package: `make deb` builds build/pqshim_<version>_<arch>.deb
# (scripts/deb.sh: dpkg-deb over a `make install` into build/deb/stage, built
# with Debian's hardening flags in build/deb/); `make test-package` (also part
# of `make test` as package-test) builds it, checks it with lintian, installs,
# uses and removes it (tests/package/run.sh).

.PHONY: deb package-test test-package

EXTRA_TESTS += package-test

deb:
	@scripts/deps.sh dpkg-dev
	@scripts/deb.sh

# lintian and man-db (man pqshim-stats) from scripts/deps.sh; the servers are the test's own
package-test test-package: all
	@scripts/deps.sh dpkg-dev lintian man-db
	@tests/package/run.sh
