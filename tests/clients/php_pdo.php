<?php
// PHP 8.2 PDO pgsql (Debian's php8.2-pgsql) against PostgreSQL and PgBouncer.
//
//   php php_pdo.php unnamed   # through PgBouncer transaction mode: run with PQSHIM_MODE=unnamed
//   php php_pdo.php dedupe    # straight to PostgreSQL, SQL PREPARE twice: dedupe mode (default)
//
// PDO::ATTR_EMULATE_PREPARES is false (pdo_pgsql's default): a statement is
// prepared with PQprepare at its first execute as "pdo_stmt_%08x" (a counter
// per connection, so every process uses the same names), executed with
// PQexecPrepared, and destroyed with PQexec("DEALLOCATE pdo_stmt_...").
// pdo_pgsql is loaded by PHP with dlopen(RTLD_DEEPBIND).
//
// Exit 0: "PASS: ..."; exit 1: "FAILURE: <class> (<SQLSTATE>): <message>".

final class CheckFailed extends Exception {}

$checks = 0;

function check(bool $cond, string $what): void
{
    global $checks;
    if (!$cond) {
        throw new CheckFailed($what);
    }
    $checks++;
}

function fail_with(Throwable $e): never
{
    $state = $e instanceof PDOException ? (string)$e->getCode() : '-';
    $first = strtok(trim($e->getMessage()), "\n");
    echo "FAILURE: ", get_class($e), " ($state): $first\n";
    exit(1);
}

function connect(string $port_var): PDO
{
    $host = $port_var === 'PG' ? getenv('PGHOST') : '127.0.0.1';
    $port = getenv($port_var === 'PG' ? 'PQT_PG_PORT' : $port_var);
    $pdo = new PDO("pgsql:host=$host;port=$port;dbname=postgres;user=postgres", null, null,
        [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    check($pdo->getAttribute(PDO::ATTR_EMULATE_PREPARES) === false, 'server-side prepares are on');
    return $pdo;
}

// Two connections through a pool-size-1 PgBouncer, statements created,
// used and destroyed in lockstep: both get pdo_stmt_00000001, ... with
// different texts.  Each must only ever see its own constant.
function pair(): void
{
    $a = connect('PQT_BOUNCER_TX1_PORT');
    $b = connect('PQT_BOUNCER_TX1_PORT');
    for ($round = 0; $round < 10; $round++) {
        $sa = $a->prepare("SELECT 1000 + ?::int AS v, 'a'::text AS who");
        $sb = $b->prepare("SELECT 2000 + ?::int AS v, 'b'::text AS who");
        for ($i = 0; $i < 4; $i++) {
            $sa->execute([$i]);
            $ra = $sa->fetch(PDO::FETCH_NUM);
            $sb->execute([$i]);
            $rb = $sb->fetch(PDO::FETCH_NUM);
            check($ra == [1000 + $i, 'a'], "round $round: connection a got " . json_encode($ra) . ", wanted [" . (1000 + $i) . ",\"a\"] (another client's row)");
            check($rb == [2000 + $i, 'b'], "round $round: connection b got " . json_encode($rb) . ", wanted [" . (2000 + $i) . ",\"b\"] (another client's row)");
        }
        // destroying sends DEALLOCATE pdo_stmt_...; the next prepare gets a new name
        $sa = null;
        if ($round % 2) {
            $sb = null;
        }
    }
}

// One of several PHP processes in parallel through a pool-size-2 PgBouncer.
function worker(int $k): void
{
    $pdo = connect('PQT_BOUNCER_TX_PORT');
    $st = null;
    for ($i = 0; $i < 60; $i++) {
        if ($st === null || $i % 5 === 0) {
            $st = null; // DEALLOCATE
            $st = $pdo->prepare("SELECT $k * 100000 + ?::int AS v, ?::text AS tag");
        }
        $st->execute([$i, "w$k"]);
        $row = $st->fetch(PDO::FETCH_NUM);
        check($row == [$k * 100000 + $i, "w$k"], "process $k got " . json_encode($row) . ", wanted [" . ($k * 100000 + $i) . ",\"w$k\"] (another client's row)");
        // a second statement alive at the same time
        $q = $pdo->prepare('SELECT count(*) FROM generate_series(1, ?::int)');
        $q->execute([$k + $i]);
        check((int)$q->fetchColumn() === $k + $i, "process $k: count of generate_series");
        $q = null;
    }
}

function parallel(int $n): void
{
    global $checks;
    $procs = [];
    for ($k = 1; $k <= $n; $k++) {
        $p = proc_open([PHP_BINARY, __FILE__, 'worker', (string)$k], [1 => ['pipe', 'w']], $pipes);
        if (!is_resource($p)) {
            throw new RuntimeException("cannot start worker $k");
        }
        $procs[$k] = [$p, $pipes[1]];
    }
    $failure = null;
    foreach ($procs as $k => [$p, $out]) {
        $text = stream_get_contents($out);
        fclose($out);
        $rc = proc_close($p);
        if ($rc === 0 && preg_match('/^WORKER-PASS (\d+)/m', $text, $m)) {
            $checks += (int)$m[1];
        } elseif ($failure === null) {
            $failure = preg_match('/^FAILURE: (.*)$/m', $text, $m) ? $m[1] : "worker $k exited $rc: " . trim($text);
        }
    }
    if ($failure !== null) {
        echo "FAILURE: $failure\n";
        exit(1);
    }
}

// Straight to PostgreSQL: the app PREPAREs in SQL twice (42P05 without the
// shim), re-prepares with another text, while PDO's own prepared statements
// come and go.
function dedupe(): void
{
    $pdo = connect('PG');
    $pdo->exec('PREPARE q(int) AS SELECT 10 + $1 AS v');
    check((int)$pdo->query('EXECUTE q(1)')->fetchColumn() === 11, 'EXECUTE q(1)');
    $pdo->exec('PREPARE q(int) AS SELECT 10 + $1 AS v');
    check((int)$pdo->query('EXECUTE q(2)')->fetchColumn() === 12, 'EXECUTE q(2) after the identical re-PREPARE');
    $st = $pdo->prepare('SELECT ?::int * 3');
    $st->execute([5]);
    check((int)$st->fetchColumn() === 15, 'a PDO statement meanwhile');
    $st = null;
    $pdo->exec('PREPARE q(int) AS SELECT 20 + $1 AS v');
    // PDO::query() prepares its text too: PQprepare("pdo_stmt_...", "EXECUTE q(3)")
    $got = $pdo->query('EXECUTE q(3)')->fetchColumn();
    check((int)$got === 23, "PDO::query('EXECUTE q(3)') after PREPARE q with another text returned $got, wanted 23");
    $pdo->beginTransaction();
    $pdo->exec('PREPARE q(int) AS SELECT 20 + $1 AS v');
    check((int)$pdo->query('EXECUTE q(4)')->fetchColumn() === 24, 'identical re-PREPARE inside a transaction');
    $pdo->commit();
    // the same through PDO's emulated prepares: the text goes out with PQexec
    $pdo->setAttribute(PDO::ATTR_EMULATE_PREPARES, true);
    $got = $pdo->query('EXECUTE q(5)')->fetchColumn();
    check((int)$got === 25, "EXECUTE q(5) with emulated prepares returned $got, wanted 25");
    $pdo->setAttribute(PDO::ATTR_EMULATE_PREPARES, false);
    $pdo->exec('DEALLOCATE q');
    try {
        $pdo->query('EXECUTE q(6)');
        check(false, 'EXECUTE after DEALLOCATE succeeded');
    } catch (PDOException $e) {
        check($e->getCode() === '26000', 'EXECUTE after DEALLOCATE: 26000, got ' . $e->getCode());
    }
}

try {
    switch ($argv[1] ?? '') {
        case 'unnamed':
            pair();
            parallel(4);
            break;
        case 'worker':
            worker((int)$argv[2]);
            echo "WORKER-PASS $checks\n";
            exit(0);
        case 'dedupe':
            dedupe();
            break;
        default:
            fwrite(STDERR, "usage: php_pdo.php unnamed|dedupe\n");
            exit(2);
    }
} catch (Throwable $e) {
    fail_with($e);
}
echo "PASS: PHP ", PHP_VERSION, " PDO pgsql, $checks checks\n";
