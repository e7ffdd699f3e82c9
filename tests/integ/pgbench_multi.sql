-- Three statements, no transaction block: behind a transaction pooler each
-- one may run on a different server connection than the one it was prepared on.
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT bbalance FROM pgbench_branches WHERE bid = :bid;
SELECT tbalance FROM pgbench_tellers WHERE tid = :tid;
