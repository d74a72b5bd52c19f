// SPDX-License-Identifier: GPL-3.0-or-later
// Two Barkeep processes on one store: two BackfillManagers, each with its own store instance
// (its own connections, like two processes), on one SQLite file and on one PostgreSQL
// database, run overlapping jobs against the Binance fake. The store's fetch claims must
// keep every chunk to one process: both jobs finish with the ground truth and the fake sees
// exactly the requests one job over the union needs.
#include "backfilltest.h"

#include "support/pgtestdb.h"
#include "support/testsupport.h"

#include <QCoreApplication>
#include <QProcess>
#include <QSysInfo>
#include <QTest>

#include <optional>

using namespace barkeep;
using namespace barkeep::test;

namespace {
const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};

QString stateOf(BackfillManager *m, qint64 id)
{
    const auto j = m->job(id);
    return j ? QString(jobStateName(j->state)) : QStringLiteral("missing");
}

} // namespace

class TestBackfillClaims : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
    }
    void initTestCase() { qRegisterMetaType<BackfillJobInfo>(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        ++m_counter;
        if (backend == QLatin1String("sqlite")) {
            m_url = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("t%1.db").arg(m_counter));
            return;
        }
        const QString admin = postgresUrl();
        BK_REQUIRE_SERVER(admin, "PostgreSQL");
        m_pgDb.emplace(admin, QStringLiteral("bk_tst_backfillclaims"));
        QVERIFY2(m_pgDb->isValid(), qPrintable(m_pgDb->lastError()));
        m_url = m_pgDb->url();
    }
    void cleanup()
    {
        m_pgDb.reset();
    }

    // The jobs overlap by 7 chunks, on Binance's 1000-minute chunk grid, so one job over the
    // union is exactly 20 requests; without the claims both processes fetch the overlap.
    void overlappingJobsInTwoProcesses()
    {
        fakes::BinanceFake fake(23);
        fake.faults().latencyMs = 20;
        QVERIFY(fake.listen());
        // Two "processes": each its own store instance (own connections), plugins, market
        // service (own pacer) and manager.
        BackfillEnv one, two;
        one.storeUrl = two.storeUrl = m_url;
        QVERIFY(one.open(fake.url()));
        QVERIFY(two.open(fake.url()));
        constexpr qint64 kChunk = 1000 * kMinuteMs;
        const qint64 t0 = (utc(2024, 8, 1) / kChunk + 1) * kChunk;
        const TimeRange a{t0, t0 + 12 * kChunk};
        const TimeRange b{t0 + 5 * kChunk, t0 + 20 * kChunk};
        const TimeRange both{a.from, b.to};
        BackfillOptions options;
        options.useArchive = false;
        QVERIFY(one.manager->start());
        QVERIFY(two.manager->start());
        Result<qint64> ida = one.manager->submit(kBtc, a, 0, options);
        Result<qint64> idb = two.manager->submit(kBtc, b, 0, options);
        QVERIFY(ida && idb);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(one.manager.get(), *ida), QStringLiteral("done"), 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(two.manager.get(), *idb), QStringLiteral("done"), 60'000);

        const std::vector<TimeRange> asked = klinesAsked(fake);
        for (size_t i = 1; i < asked.size(); ++i)
            QVERIFY2(asked[i - 1].to <= asked[i].from,
                     qPrintable(QStringLiteral("minutes %1..%2 fetched twice")
                                    .arg((asked[i].from - t0) / kMinuteMs)
                                    .arg((asked[i - 1].to - t0) / kMinuteMs)));
        QCOMPARE(asked.size(), size_t(20));

        for (BarStore *store : {one.store.get(), two.store.get()}) {
            Result<TimeRanges> gaps = store->gaps(kBtc, both);
            QVERIFY(gaps);
            QVERIFY(gaps->empty());
            Result<Bars> bars = store->readBars(kBtc, both);
            QVERIFY(bars);
            const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), both);
            QCOMPARE(bars->size(), truth.size());
            QVERIFY(*bars == truth);
        }
        // Every claim was released: a newcomer gets the whole union at once.
        Result<TimeRanges> free = one.store->claim(kBtc, both, QStringLiteral("newcomer"), 60'000,
                                                   QDateTime::currentMSecsSinceEpoch());
        QVERIFY(free);
        QCOMPARE(free->size(), size_t(1));
        QCOMPARE(free->front(), both);
    }

    // A process that died holding a claim (kill -9: never released) delays the range only
    // until the claim expires; then the other process fetches it.
    void deadOwnersClaimExpires()
    {
        fakes::BinanceFake fake(29);
        QVERIFY(fake.listen());
        BackfillEnv survivor;
        survivor.storeUrl = m_url;
        QVERIFY(survivor.open(fake.url()));
        constexpr qint64 kChunk = 1000 * kMinuteMs;
        const qint64 t0 = (utc(2024, 9, 1) / kChunk + 1) * kChunk;
        const TimeRange range{t0, t0 + 3 * kChunk};
        // Held for long enough that the job surely meets it (a loaded ASan run may take
        // seconds to start); it is made to expire below, once the job has been deferred.
        const QString deadOwner = QStringLiteral("dead:1:x"); // another host: never reaped
        Result<TimeRanges> held = survivor.store->claim(kBtc, {t0 + kChunk, t0 + 2 * kChunk}, deadOwner,
                                                        600'000, QDateTime::currentMSecsSinceEpoch());
        QVERIFY(held && held->size() == 1);
        BackfillOptions options;
        options.useArchive = false;
        QVERIFY(survivor.manager->start());
        Result<qint64> id = survivor.manager->submit(kBtc, range, 0, options);
        QVERIFY(id);
        // The two free chunks are fetched; the job keeps running while the claim holds.
        QTRY_VERIFY_WITH_TIMEOUT(survivor.manager->job(*id)->error.contains(QLatin1String("another process")),
                                 20'000);
        QCOMPARE(stateOf(survivor.manager.get(), *id), QStringLiteral("running"));
        // Still deferred while the claim holds (re-planned every claimRetryMs, 100 ms here).
        QTest::qWait(500);
        QCOMPARE(stateOf(survivor.manager.get(), *id), QStringLiteral("running"));
        // The dead owner's claim expires (as its TTL would run out): the job takes it over.
        QVERIFY(survivor.store->renewClaims(deadOwner, 1, QDateTime::currentMSecsSinceEpoch()));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(survivor.manager.get(), *id), QStringLiteral("done"), 30'000);
        QVERIFY(survivor.store->gaps(kBtc, range)->empty());
        int klines = 0;
        for (const QUrl &u : fake.requestLog())
            klines += klinesRange(u) ? 1 : 0;
        QCOMPARE(klines, 3);
        Result<Bars> bars = survivor.store->readBars(kBtc, range);
        QVERIFY(bars);
        QVERIFY(*bars == fake.groundTruth(QStringLiteral("BTCUSDT"), range));
    }

    // A process of this host that was killed -9 with claims held: its pid is gone, so a rerun
    // drops its claims at once instead of waiting for their TTL.
    void deadProcessOnThisHostIsReaped()
    {
        QProcess gone;
        gone.start(QStringLiteral("true"), {});
        QVERIFY(gone.waitForStarted());
        const qint64 pid = gone.processId();
        QVERIFY(gone.waitForFinished());
        fakes::BinanceFake fake(31);
        QVERIFY(fake.listen());
        BackfillEnv rerun;
        rerun.storeUrl = m_url;
        QVERIFY(rerun.open(fake.url()));
        constexpr qint64 kChunk = 1000 * kMinuteMs;
        const qint64 t0 = (utc(2024, 10, 1) / kChunk + 1) * kChunk;
        const TimeRange range{t0, t0 + 3 * kChunk};
        const QString deadOwner = QStringLiteral("%1:%2:feedfacecafe").arg(QSysInfo::machineHostName()).arg(pid);
        Result<TimeRanges> held = rerun.store->claim(kBtc, range, deadOwner, 600'000,
                                                     QDateTime::currentMSecsSinceEpoch());
        QVERIFY(held && held->size() == 1);
        BackfillOptions options;
        options.useArchive = false;
        QVERIFY(rerun.manager->start());
        Result<qint64> id = rerun.manager->submit(kBtc, range, 0, options);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(rerun.manager.get(), *id), QStringLiteral("done"), 20'000);
        QVERIFY(rerun.store->gaps(kBtc, range)->empty());
        QVERIFY(!rerun.store->claimOwners()->contains(deadOwner));
    }

private:
    QTemporaryDir m_dir;
    QString m_url;
    std::optional<test::PgTestDatabase> m_pgDb; // a database of its own per PostgreSQL case
    int m_counter = 0;
};

QTEST_GUILESS_MAIN(TestBackfillClaims)
#include "tst_backfillclaims.moc"
