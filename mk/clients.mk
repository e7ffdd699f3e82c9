# Real clients (pgbench, psql, ruby-pg, ActiveRecord 6.1, PHP 8.2 PDO pgsql,
# psycopg 3, psycopg2, Qt 5's QPSQL) against throwaway PostgreSQL 15 / PgBouncer 1.18, each
# run without the shim (it must fail with the error it is about) and with it
# (it must pass): `make clients-test` (about a minute).  `make test` runs it
# too.  Installs the Debian packages of the clients when they are missing.

CLIENTS_DEBS := ruby-pg ruby-activerecord php8.2-cli php8.2-pgsql python3-psycopg python3-psycopg2 \
		g++ pkg-config qtbase5-dev libqt5sql5-psql

.PHONY: clients-test clients-deps

EXTRA_TESTS += clients-test

clients-deps:
	@scripts/deps.sh $(CLIENTS_DEBS)

# the packages first, then the library
clients-test: clients-deps
	@$(MAKE) --no-print-directory all
	@tests/clients/run.sh
