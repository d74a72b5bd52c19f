// SPDX-License-Identifier: GPL-3.0-or-later
// Redis killed under a headless instance (cache.url=redis://…, a redis-server this test
// owns): reads keep answering from the store, correct and without hanging; when Redis comes
// back (empty, as after a crash without persistence) the cache is used and filled again.
#include "demogenerator.h"
#include "faulttest.h"
#include "support/redisserver.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>


using namespace barkeep;
using namespace barkeep::test;

namespace {
const QString kSymbol = QStringLiteral("BTC/USDT");
constexpr qint64 kHour = 3600000;
} // namespace

class TestFaultRedis : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    RedisServer m_redis;

    qint64 dbSize() { return m_redis.dbSize(); }

private slots:
    void initTestCase()
    {
        BK_REQUIRE_SERVER(RedisServer::binary(), "redis-server (BK_TEST_REDIS_SERVER)");
        QVERIFY(m_redis.start());
    }

    void cleanupTestCase()
    {
        m_redis.kill();
    }

    void killedAndBack()
    {
        QRandomGenerator rng = faultRandom();
        HeadlessInstance bk({QStringLiteral("cache.url=") + m_redis.url(),
                             QStringLiteral("store.url=sqlite://") + m_dir.filePath(QStringLiteral("bk.db"))});
        QVERIFY2(bk.start(), bk.log().constData());
        const demo::DemoGenerator demo;
        const qint64 t0 = utc(2024, 1, 1);
        const TimeRange first{t0, t0 + 3 * kHour};
        QVERIFY(ohlcv(bk, QStringLiteral("demo"), kSymbol, first) == demo.bars(kSymbol, first));
        QTRY_VERIFY_WITH_TIMEOUT(dbSize() > 0, 10'000); // the read was cached
        QVERIFY(ohlcv(bk, QStringLiteral("demo"), kSymbol, first) == demo.bars(kSymbol, first));

        const int outages = 3;
        for (int k = 0; k < outages; ++k) {
            const double errorsBefore = metric(bk, "barkeep_cache_errors_total");
            m_redis.kill();
            // Degraded: every read still right, from the store, and quick.
            const TimeRange fresh{t0 + (k + 1) * 24 * kHour, t0 + (k + 1) * 24 * kHour + qint64(rng.bounded(1, 6)) * kHour};
            for (const TimeRange &r : {first, fresh, first}) {
                QElapsedTimer t;
                t.start();
                int status = 0;
                const Bars got = ohlcv(bk, QStringLiteral("demo"), kSymbol, r, &status);
                QCOMPARE(status, 200);
                QVERIFY(got == demo.bars(kSymbol, r));
                QVERIFY2(t.elapsed() < 5000, qPrintable(QStringLiteral("%1 ms with Redis down").arg(t.elapsed())));
            }
            QVERIFY(metric(bk, "barkeep_cache_errors_total") > errorsBefore);
            // /health says so, with the reason (still 200: the instance serves); /metrics too.
            const HeadlessInstance::Reply health = bk.get(QStringLiteral("/api/v1/health"));
            QCOMPARE(health.status, 200);
            QCOMPARE(health.json.value(QStringLiteral("status")).toString(), QStringLiteral("degraded"));
            QVERIFY2(health.json.value(QStringLiteral("problems")).toArray().first().toString().startsWith(QStringLiteral("cache:")),
                     health.body.constData());
            QCOMPARE(metric(bk, "barkeep_up"), 0.0);

            // Back, empty: after the reconnect delay the cache fills and serves again.
            QVERIFY(m_redis.start());
            QCOMPARE(dbSize(), 0);
            QTRY_VERIFY_WITH_TIMEOUT((ohlcv(bk, QStringLiteral("demo"), kSymbol, fresh) == demo.bars(kSymbol, fresh))
                                         && dbSize() > 0,
                                     20'000);
            QTRY_COMPARE_WITH_TIMEOUT(bk.get(QStringLiteral("/api/v1/health")).json.value(QStringLiteral("status")).toString(),
                                      QStringLiteral("ok"), 20'000);
            QCOMPARE(metric(bk, "barkeep_up"), 1.0);
            QVERIFY(metric(bk, "barkeep_cache_probe_seconds") >= 0);
            const double hits = metric(bk, "barkeep_cache_hits_total");
            QTRY_VERIFY_WITH_TIMEOUT((ohlcv(bk, QStringLiteral("demo"), kSymbol, fresh) == demo.bars(kSymbol, fresh))
                                         && metric(bk, "barkeep_cache_hits_total") > hits,
                                     10'000);
        }
        qInfo("Redis killed %d times", outages);
        QVERIFY(bk.terminate());
        QVERIFY(!bk.log().contains("Segmentation"));
    }
};

QTEST_GUILESS_MAIN(TestFaultRedis)
#include "tst_faultredis.moc"
