-- bench/plan_heavy_block.sql: bench/plan_heavy.sql's SELECT inside a transaction block with
-- one write, to measure pooled mode's by-name execution inside blocks (PQSHIM_POOLED_IN_BLOCKS).
\set aid random(1, 100000 * :scale - 2)
\set bid (:aid - 1) / 100000 + 1
\set tid 10 * (:bid - 1) + random(1, 8)
\set lo random(-1000000, -500000)
\set hi random(500000, 1000000)
BEGIN;
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
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
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
END;
