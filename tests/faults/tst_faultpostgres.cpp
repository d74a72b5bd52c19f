// SPDX-License-Identifier: GPL-3.0-or-later
// PostgreSQL restarted (pg_ctl restart -m fast: every connection is cut) while a headless
// instance backfills into it: the store reconnects and the job goes on to the end, with the
// store equal to the Binance fake's ground truth.
#include "binancefake.h"
#include "faulttest.h"
#include "support/testsupport.h"

#include <QCoreApplication>
#include <QTest>
#include <QUrl>

using namespace barkeep;
using namespace barkeep::test;

class TestFaultPostgres : public QObject
{
    Q_OBJECT

    QString m_dbUrl;
    QString m_dbName;

    static QString psql(const QString &serverUrl, const QString &sql)
    {
        return QStringLiteral("psql -X -q -v ON_ERROR_STOP=1 '%1' -c \"%2\"").arg(serverUrl, sql);
    }

private slots:
    void initTestCase()
    {
        BK_REQUIRE_SERVER(postgresUrl(), "PostgreSQL");
        BK_REQUIRE_SERVER(qEnvironmentVariable("BK_TEST_PG_CTL"), "pg_ctl (BK_TEST_PG_CTL)");
        m_dbName = QStringLiteral("bk_faultpg_%1").arg(QCoreApplication::applicationPid());
        QByteArray out;
        QVERIFY2(runShell(psql(postgresUrl(), QStringLiteral("CREATE DATABASE ") + m_dbName), &out) == 0, out.constData());
        QUrl u(postgresUrl());
        u.setPath(QLatin1Char('/') + m_dbName);
        m_dbUrl = u.toString();
    }

    void cleanupTestCase()
    {
        if (!m_dbName.isEmpty())
            runShell(psql(postgresUrl(), QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_dbName)));
    }

    void restartMidBackfill()
    {
        QRandomGenerator rng = faultRandom();
        fakes::BinanceFake fake(51);
        fake.faults().latencyMs = 400;
        QVERIFY(fake.listen());
        HeadlessInstance bk({QStringLiteral("store.url=") + m_dbUrl,
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                             QStringLiteral("backfill.useArchive=false")});
        QVERIFY2(bk.start(), bk.log().constData());
        const TimeRange range{utc(2023, 9, 4), utc(2023, 11, 27)}; // 120960 min: 121 chunks
        const qint64 id = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY2(id > 0, bk.log().constData());
        auto store = openStore(m_dbUrl);
        QVERIFY(store);

        const QString restart = qEnvironmentVariable("BK_TEST_PG_CTL") + QStringLiteral(" restart -m fast -w");
        int restarts = 0;
        const int planned = 4;
        for (int k = 0; k < planned; ++k) {
            const qint64 before = coveredMinutes(store.get(), kBinanceBtc, range);
            QTRY_VERIFY_WITH_TIMEOUT(coveredMinutes(store.get(), kBinanceBtc, range) > before
                                         || bk.job(id).value(QStringLiteral("state")).toString() == QLatin1String("done"),
                                     60'000);
            if (bk.job(id).value(QStringLiteral("state")).toString() == QLatin1String("done"))
                break;
            QTest::qWait(int(rng.bounded(20, 600))); // the fault's random moment
            QByteArray out;
            QVERIFY2(runShell(restart, &out) == 0, out.constData());
            ++restarts;
            // Our own connection was cut too: reopen it.
            store = openStore(m_dbUrl);
            QVERIFY(store);
        }
        qInfo("PostgreSQL restarted %d times mid-backfill", restarts);
        QVERIFY2(restarts >= planned - 1, "the job ended before the faults were injected");
        QTRY_COMPARE_WITH_TIMEOUT(bk.job(id).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 180'000);
        QCOMPARE(bk.get(QStringLiteral("/api/v1/health")).status, 200);
        QVERIFY(bk.terminate());

        store = openStore(m_dbUrl);
        QVERIFY(store);
        Result<Bars> bars = store->readBars(kBinanceBtc, range);
        QVERIFY(bars);
        const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), range);
        QCOMPARE(bars->size(), truth.size());
        QVERIFY(*bars == truth);
        QVERIFY(store->gaps(kBinanceBtc, range)->empty());
    }
};

QTEST_GUILESS_MAIN(TestFaultPostgres)
#include "tst_faultpostgres.moc"
