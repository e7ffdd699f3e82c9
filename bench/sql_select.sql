-- bench/sql_select.sql: select-only through SQL-level statements, the way Qt's QPSQL
-- driver writes them (bench/sql_level.sh): PREPARE once per connection (pgbench keeps a
-- client's variables across its transactions; run with -D prepared=0), EXECUTE with a
-- literal argument in every transaction. Needs -s SCALE for :scale.
\if :prepared = 0
PREPARE pqb_select AS SELECT abalance FROM pgbench_accounts WHERE aid = $1::int;
\set prepared 1
\endif
\set aid random(1, 100000 * :scale)
EXECUTE pqb_select(:aid);
