-- bench/plan_heavy.sql: a pgbench script whose one SELECT costs more to parse and
-- plan than to run (bench/run.sh, section "Behind a transaction pooler").
-- Three tables, equality on keys (an IN list on the accounts key, the branch), a
-- range on the tellers key and range conditions on the balances; index lookups
-- and one-page tables, 9 rows (fewer when the accounts cross a branch boundary).
-- A named statement gets a generic plan after five executions (the generic
-- estimate is as cheap as the custom one), so it skips parse and plan; the
-- unnamed statement parses and plans every time. Needs -s SCALE for :scale.
\set aid random(1, 100000 * :scale - 2)
\set bid (:aid - 1) / 100000 + 1
\set tid 10 * (:bid - 1) + random(1, 8)
\set lo random(-1000000, -500000)
\set hi random(500000, 1000000)
SELECT a.aid, a.abalance, t.tid, t.tbalance, b.bbalance
  FROM pgbench_accounts a
  JOIN pgbench_branches b ON b.bid = a.bid
  JOIN pgbench_tellers t ON t.bid = b.bid
 WHERE a.aid IN (:aid, :aid + 1, :aid + 2)
   AND b.bid = :bid
   AND t.tid BETWEEN :tid AND :tid + 2
   AND a.abalance BETWEEN :lo AND :hi
   AND t.tbalance BETWEEN :lo * 100 AND :hi * 100
   AND b.bbalance BETWEEN :lo * 1000 AND :hi * 1000
 ORDER BY a.aid, t.tid;
