-- bench/sql_plan_heavy.sql: bench/plan_heavy.sql's SELECT as a SQL-level statement
-- (bench/sql_level.sh): PREPARE once per connection (-D prepared=0), EXECUTE with
-- literal arguments in every transaction. Needs -s SCALE for :scale.
\if :prepared = 0
PREPARE pqb_plan AS SELECT a.aid, a.abalance, t.tid, t.tbalance, b.bbalance
  FROM pgbench_accounts a
  JOIN pgbench_branches b ON b.bid = a.bid
  JOIN pgbench_tellers t ON t.bid = b.bid
 WHERE a.aid IN ($1::int, $1::int + 1, $1::int + 2)
   AND b.bid = $2::int
   AND t.tid BETWEEN $3::int AND $3::int + 2
   AND a.abalance BETWEEN $4::int AND $5::int
   AND t.tbalance BETWEEN $4::int * 100 AND $5::int * 100
   AND b.bbalance BETWEEN $4::int * 1000 AND $5::int * 1000
 ORDER BY a.aid, t.tid;
\set prepared 1
\endif
\set aid random(1, 100000 * :scale - 2)
\set bid (:aid - 1) / 100000 + 1
\set tid 10 * (:bid - 1) + random(1, 8)
\set lo random(-1000000, -500000)
\set hi random(500000, 1000000)
EXECUTE pqb_plan(:aid, :bid, :tid, :lo, :hi);
