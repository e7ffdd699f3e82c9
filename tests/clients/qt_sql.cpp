// Qt 5's PostgreSQL driver (QPSQL, Debian's libqt5sql5-psql) behind a transaction pooler.
//
//     qt_sql DSN-ENV PROCESSES ROUNDS
//
// QPSQL prepares in SQL text: QSqlQuery::prepare sends PREPARE qpsqlpstmt_<n> AS ...
// with one counter per process (so every process uses the same names), exec sends
// EXECUTE qpsqlpstmt_<n> (<values as literals>), and a query object that goes
// sends DEALLOCATE. PROCESSES processes at once, each on its own connection to the
// connection string in the environment variable DSN-ENV (key=value, as libpq's),
// ROUNDS rounds of: a new query object with a text of its own (the process's number
// in it), 20 executions with bound values, every value checked, one of them in a
// transaction (QSqlDatabase::transaction), the object destroyed.
//
// Exit 0: "PASS: ..."; exit 1: "FAILURE: <SQLSTATE> <message>" or
// "FAILURE: another client's statement: ..." (the first failure of any process).
#include <QtCore/QCoreApplication>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

static std::string failure;

static bool fail(const std::string &what, const QSqlError &e)
{
	failure = e.nativeErrorCode().toStdString() + " " + what + ": " +
		  e.databaseText().simplified().toStdString();
	return false;
}

// The database from a libpq connection string's host, port, dbname and user.
static void configure(QSqlDatabase &db, const char *dsn)
{
	const QStringList parts = QString::fromUtf8(dsn).split(' ', Qt::SkipEmptyParts);

	for (const QString &kv : parts) {
		const QString k = kv.section('=', 0, 0), v = kv.section('=', 1);

		if (k == "host")
			db.setHostName(v);
		else if (k == "port")
			db.setPort(v.toInt());
		else if (k == "dbname")
			db.setDatabaseName(v);
		else if (k == "user")
			db.setUserName(v);
	}
}

static bool one_process(int me, const char *dsn, int rounds, int *checks)
{
	QSqlDatabase db = QSqlDatabase::addDatabase("QPSQL");

	configure(db, dsn);
	if (!db.open())
		return fail("connect", db.lastError());
	if (!db.driver()->hasFeature(QSqlDriver::PreparedQueries)) {
		failure = "- the driver does not prepare";
		return false;
	}
	for (int r = 0; r < rounds; r++) {
		QSqlQuery q(db);
		const int base = 1000 * me + 100 * r;

		if (!q.prepare(QString("SELECT ?::int + %1 AS v").arg(base)))
			return fail("prepare", q.lastError());
		for (int k = 0; k < 20; k++) {
			const bool in_tx = k == 10;

			if (in_tx && !db.transaction())
				return fail("begin", db.lastError());
			q.bindValue(0, k);
			if (!q.exec())
				return fail("exec", q.lastError());
			if (!q.next()) {
				failure = "- no row";
				return false;
			}
			if (q.value(0).toInt() != base + k) {
				failure = "another client's statement: process " + std::to_string(me) +
					  " round " + std::to_string(r) + " got " +
					  std::to_string(q.value(0).toInt()) + ", not " +
					  std::to_string(base + k);
				return false;
			}
			if (in_tx && !db.commit())
				return fail("commit", db.lastError());
			(*checks)++;
		}
	}
	db.close();
	return true;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 4, rounds = argc > 3 ? atoi(argv[3]) : 5;
	const char *dsn = argc > 1 ? getenv(argv[1]) : nullptr;
	int fds[64][2], failed = 0, total = 0;
	pid_t pids[64];

	if (!dsn || n < 1 || n > 64 || rounds < 1) {
		fprintf(stderr, "usage: qt_sql DSN-ENV PROCESSES ROUNDS\n");
		return 2;
	}
	fflush(nullptr);
	for (int i = 0; i < n; i++) {
		if (pipe(fds[i]) != 0 || (pids[i] = fork()) < 0) {
			perror("fork");
			return 2;
		}
		if (pids[i] == 0) {
			QCoreApplication app(argc, argv);
			int checks = 0;
			bool ok = one_process(i, dsn, rounds, &checks);
			std::string line = ok ? std::to_string(checks) : failure;

			close(fds[i][0]);
			if (write(fds[i][1], line.c_str(), line.size()) < 0)
				_exit(3);
			_exit(ok ? 0 : 1);
		}
		close(fds[i][1]);
	}
	for (int i = 0; i < n; i++) {
		char buf[1024] = "";
		ssize_t got = read(fds[i][0], buf, sizeof(buf) - 1);
		int status = 0;

		buf[got > 0 ? got : 0] = '\0';
		close(fds[i][0]);
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			total += atoi(buf);
		} else if (!failed++) {
			printf("FAILURE: %s (process %d)\n", buf[0] ? buf : "- no answer", i);
		}
	}
	if (failed)
		return 1;
	printf("PASS: %d processes, %d values checked\n", n, total);
	return 0;
}
