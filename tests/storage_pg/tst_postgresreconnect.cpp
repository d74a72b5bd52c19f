// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/pgtestdb.h"
#include "storage/postgresbarstore.h"
#include "support/testsupport.h"

#include <QProcess>
#include <QTest>

#include <atomic>
#include <thread>

using namespace barkeep;

namespace {

const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};
constexpr qint64 kT0 = 1'704'067'200'000; // 2024-01-01 00:00 UTC

Bars makeDay(qint64 day)
{
    Bars bars;
    for (int i = 0; i < 1440; ++i) {
        const double p = 100 + double(day) + i * 0.01;
        bars.push_back(Bar{kT0 + day * kDayMs + i * kMinuteMs, p, p + 1, p - 1, p, 1});
    }
    return bars;
}

TimeRange dayRange(qint64 day)
{
    return {kT0 + day * kDayMs, kT0 + (day + 1) * kDayMs};
}

// "$BK_TEST_PG_CTL restart -m fast -w": every session of the server is terminated.
bool restartServer(QString *output)
{
    QStringList cmd = QProcess::splitCommand(qEnvironmentVariable("BK_TEST_PG_CTL"));
    cmd << QStringLiteral("restart") << QStringLiteral("-m") << QStringLiteral("fast")
        << QStringLiteral("-w");
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(cmd.takeFirst(), cmd);
    if (!p.waitForFinished(120000))
        return false;
    *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

} // namespace

class TestPostgresReconnect : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        BK_REQUIRE_SERVER(qEnvironmentVariable("BK_TEST_PG_CTL"), "pg_ctl (BK_TEST_PG_CTL)");
    }

    // An idle connection killed by a restart: the next call reconnects and answers.
    void idleConnectionSurvivesRestart()
    {
        test::PgTestDatabase db(test::postgresUrl(), QStringLiteral("bk_reconnect"));
        QVERIFY2(db.isValid(), qPrintable(db.lastError()));
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        QVERIFY(store.writeBars(kBtc, makeDay(0), dayRange(0)));
        QCOMPARE(store.reconnectCount(), 0);

        QString out;
        QVERIFY2(restartServer(&out), qPrintable(out));

        const auto back = store.readBars(kBtc, dayRange(0));
        QVERIFY2(back, qPrintable(back ? QString() : back.error().toString()));
        QCOMPARE(*back, makeDay(0));
        QVERIFY(store.reconnectCount() >= 1);
        // Writes go on too (the staging table is recreated on the new session).
        const auto w = store.writeBars(kBtc, makeDay(1), dayRange(1));
        QVERIFY2(w, qPrintable(w ? QString() : w.error().toString()));
        QCOMPARE(store.readBars(kBtc, {kT0, kT0 + 2 * kDayMs})->size(), size_t(2880));
    }

    // A writer thread keeps writing while the server restarts under it: no write is lost
    // or doubled, the ledger matches the bars, and the writer never sees an error.
    void writerKeepsGoingThroughRestart()
    {
        test::PgTestDatabase db(test::postgresUrl(), QStringLiteral("bk_reconnect"));
        QVERIFY2(db.isValid(), qPrintable(db.lastError()));
        PostgresBarStore store(db.url());
        QVERIFY(store.open());

        std::atomic<int> written{0};
        std::atomic<int> failures{0};
        std::atomic<bool> restarted{false};
        std::atomic<int> writtenAfterRestart{0};
        QString lastError;
        std::thread writer([&] {
            for (qint64 day = 0; day < 400; ++day) {
                const auto r = store.writeBars(kBtc, makeDay(day), dayRange(day));
                if (!r) {
                    ++failures;
                    lastError = r.error().toString();
                    continue;
                }
                ++written;
                if (restarted && ++writtenAfterRestart >= 20)
                    break;
            }
        });
        QTRY_VERIFY_WITH_TIMEOUT(written.load() >= 5, 30000);
        QString out;
        const bool ok = restartServer(&out);
        restarted = true;
        writer.join();
        QVERIFY2(ok, qPrintable(out));
        QVERIFY2(failures.load() == 0, qPrintable(lastError));
        QVERIFY(writtenAfterRestart.load() >= 20);
        QVERIFY(store.reconnectCount() >= 1);

        const int days = written.load();
        const TimeRange all{kT0, kT0 + days * kDayMs};
        const auto back = store.readBars(kBtc, all);
        QVERIFY(back);
        QCOMPARE(qint64(back->size()), qint64(days) * 1440);
        for (qint64 d = 0; d < days; d += 37)
            QVERIFY(std::equal(back->begin() + d * 1440, back->begin() + (d + 1) * 1440,
                               makeDay(d).begin()));
        const auto cov = store.coverage(kBtc, {kT0 - kDayMs, kT0 + 500 * kDayMs});
        QVERIFY(cov);
        QCOMPARE(cov->size(), size_t(1));
        QCOMPARE(cov->front().range, all);
    }
};

QTEST_GUILESS_MAIN(TestPostgresReconnect)
#include "tst_postgresreconnect.moc"
