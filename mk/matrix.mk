# The version matrix (tests/README.md): `make test-matrix` builds PostgreSQL
# 18.4, libpq 17.10 and PgBouncer 1.25.2 once into a cache outside the
# checkout (scripts/matrix-build.sh) and runs the integration, matrix, client
# and fault suites in four combinations (scripts/test-matrix.sh; about 6
# minutes plus 2.5 for a first build). MATRIX=1,3 runs some of them.

MATRIX_CACHE := $(shell scripts/matrix-build.sh --cache)
MATRIX_B     := $(B)/tests/matrix

.PHONY: test-matrix matrix-bins matrix-cases

# built against PostgreSQL 18's headers; the combination's libpq is loaded at run time
$(MATRIX_B)/pqtest17: tests/matrix/cases_libpq17.c tests/integ/util.c tests/integ/trio.c \
		tests/integ/trio.h tests/integ/pqtest.h mk/matrix.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) -I$(MATRIX_CACHE)/pg18/include $(ALL_CFLAGS) -Itests/integ -o $@ \
		tests/matrix/cases_libpq17.c tests/integ/util.c tests/integ/trio.c \
		-L$(MATRIX_CACHE)/pg18/lib -lpq

matrix-bins:
	@scripts/matrix-build.sh >/dev/null
	@$(MAKE) --no-print-directory $(MATRIX_B)/pqtest17

matrix-cases: all matrix-bins
	@CASE='$(CASE)' tests/matrix/run.sh

test-matrix: deps
	@$(MAKE) --no-print-directory all
	@V=$(V) scripts/test-matrix.sh
