// SPDX-License-Identifier: GPL-3.0-or-later
// kill -9 in the middle of large writes must leave the SQLite store consistent: no bars
// without coverage, no coverage without bars, and a clean PRAGMA integrity_check.
#include "storage/sqlitebarstore.h"

#include <sqlite3.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;

class TstSqliteCrash : public QObject
{
    Q_OBJECT
private slots:
    void killDuringWrites();
};

void TstSqliteCrash::killDuringWrites()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("crash.db"));
    QRandomGenerator rng(QRandomGenerator::global()->generate());
    int totalCommits = 0;
    for (int round = 0; round < 6; ++round) {
        QProcess writer;
        writer.start(QStringLiteral(BK_CRASH_WRITER),
                     {path, QString::number(rng.bounded(1000000))});
        QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));
        // Let it commit a few batches, then kill it at a random moment of the next ones
        // (the writer spends nearly all its time inside a write transaction).
        const int commits = 1 + rng.bounded(4);
        int seen = 0;
        while (seen < commits) {
            if (!writer.canReadLine())
                QVERIFY2(writer.waitForReadyRead(30000),
                         qPrintable(QString::fromLocal8Bit(writer.readAllStandardError())));
            while (writer.canReadLine()) {
                if (writer.readLine().startsWith("committed"))
                    ++seen;
            }
        }
        QElapsedTimer jitter; // not a synchronisation sleep: it randomises the kill moment
        jitter.start();
        const qint64 spinUs = rng.bounded(30000);
        while (jitter.nsecsElapsed() / 1000 < spinUs) {
        }
        writer.kill(); // SIGKILL
        QVERIFY(writer.waitForFinished(10000));
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
        totalCommits += seen;
    }
    QVERIFY(totalCommits >= 6);

    {
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(path).constData(), &db), SQLITE_OK);
        sqlite3_stmt *st = nullptr;
        QCOMPARE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
        QCOMPARE(sqlite3_step(st), SQLITE_ROW);
        const QByteArray verdict(reinterpret_cast<const char *>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
        sqlite3_close(db);
        QCOMPARE(verdict, QByteArray("ok"));
    }

    SqliteBarStore store(path);
    QVERIFY(store.open());
    auto series = store.listSeries();
    QVERIFY(series);
    QVERIFY(!series->isEmpty());
    const TimeRange all{0, 4'000'000'000'000};
    qint64 totalBars = 0;
    for (const SeriesKey &s : *series) {
        auto bars = store.readBars(s, all);
        auto cov = store.coverage(s, all);
        QVERIFY(bars && cov);
        // Every bar lies in a `bars` interval ...
        size_t j = 0;
        for (const Bar &b : *bars) {
            while (j < cov->size() && (*cov)[j].range.to <= b.t)
                ++j;
            QVERIFY2(j < cov->size() && (*cov)[j].range.contains(b.t)
                         && (*cov)[j].state == CoverageState::Bars,
                     qPrintable(QStringLiteral("bar at %1 of %2 without coverage")
                                    .arg(b.t)
                                    .arg(s.toString())));
        }
        // ... and every minute of a `bars` interval has its bar (bars are unique per minute,
        // so equal counts mean a one-to-one match).
        qint64 barMinutes = 0;
        for (const CoverageInterval &iv : *cov) {
            if (iv.state == CoverageState::Bars)
                barMinutes += iv.range.length() / kMinuteMs;
        }
        QCOMPARE(barMinutes, qint64(bars->size()));
        totalBars += qint64(bars->size());
    }
    QVERIFY(totalBars > 0);
}

QTEST_GUILESS_MAIN(TstSqliteCrash)
#include "tst_sqlitecrash.moc"
