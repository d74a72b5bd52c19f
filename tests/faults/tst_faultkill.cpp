// SPDX-License-Identifier: GPL-3.0-or-later
// kill -9 of a headless instance at random moments of an API backfill (POST /api/v1/backfills)
// against the Binance fake, several times; every restart resumes the persisted job, which
// finishes with the store equal to the fake's ground truth: no bar lost, none duplicated,
// no coverage claimed for a range without its bars.
#include "binancefake.h"
#include "faulttest.h"
#include "headlessinstance.h"

#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

class TestFaultKill : public QObject
{
    Q_OBJECT

private slots:
    void killDashNineDuringBackfill_data()
    {
        QTest::addColumn<int>("kills");
        QTest::addColumn<int>("latencyMs");
        QTest::addColumn<int>("days");
        // Slow answers put kills mid-request; fast ones mid-write (most time is spent storing).
        // The fast run gets twice the history so that it outlasts its kills (120 days ended
        // after two of four once the pacer let the whole budget be in flight).
        QTest::newRow("5 kills, slow provider") << 5 << 500 << 120;
        QTest::newRow("4 kills, fast provider") << 4 << 150 << 240;
    }

    void killDashNineDuringBackfill()
    {
        QFETCH(int, kills);
        QFETCH(int, latencyMs);
        QFETCH(int, days);
        QRandomGenerator rng = faultRandom();
        fakes::BinanceFake fake(31);
        fake.faults().latencyMs = latencyMs;
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        const QString storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bk.db"));
        HeadlessInstance run({QStringLiteral("store.url=") + storeUrl,
                              QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                              QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                              QStringLiteral("backfill.useArchive=false")});
        QVERIFY2(run.start(), run.log().constData());

        const TimeRange range{utc(2023, 1, 2), utc(2023, 1, 2) + days * kDayMs}; // 1000-minute chunks
        const qint64 id = run.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                                            range.from, range.to);
        QVERIFY2(id > 0, run.log().constData());

        auto store = openStore(storeUrl);
        QVERIFY(store);
        int injected = 0;
        for (int k = 0; k < kills; ++k) {
            // A random moment once the job is under way (the injected fault's timing, not a
            // wait for a result).
            const qint64 before = coveredMinutes(store.get(), kBinanceBtc, range);
            QTRY_VERIFY_WITH_TIMEOUT(coveredMinutes(store.get(), kBinanceBtc, range) > before
                                         || run.job(id).value(QStringLiteral("state")).toString()
                                                == QLatin1String("done"),
                                     60'000);
            if (run.job(id).value(QStringLiteral("state")).toString() == QLatin1String("done"))
                break;
            QTest::qWait(int(rng.bounded(20, 700)));
            run.kill9();
            ++injected;
            QVERIFY2(run.start(), run.log().constData());
        }
        qInfo("kill -9 injected %d times", injected);
        QVERIFY2(injected >= kills - 1, "the job ended before the faults were injected");
        QTRY_COMPARE_WITH_TIMEOUT(run.job(id).value(QStringLiteral("state")).toString(),
                                  QStringLiteral("done"), 180'000);
        QVERIFY(run.terminate());

        // What the user sees equals the exchange's history.
        Result<Bars> bars = store->readBars(kBinanceBtc, range);
        QVERIFY(bars);
        const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), range);
        QCOMPARE(bars->size(), truth.size());
        QVERIFY(*bars == truth);
        QVERIFY(store->gaps(kBinanceBtc, range)->empty());
        Result<std::vector<StoredJob>> jobs = store->jobs();
        QVERIFY(jobs);
        QCOMPARE(jobs->size(), size_t(1));
        QCOMPARE(jobs->front().state, JobState::Done);
    }
};

QTEST_GUILESS_MAIN(TestFaultKill)
#include "tst_faultkill.moc"
