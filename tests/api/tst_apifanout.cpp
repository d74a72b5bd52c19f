// SPDX-License-Identifier: GPL-3.0-or-later
// Two headless instances on one Redis (cache.url=redis://…, a redis-server this test owns) and
// the fake Binance: a WebSocket client on B receives the bars of the upstream A holds; one
// upstream across both (barkeep_stream_upstreams and the lease key); kill -9 of the holder →
// the other takes the lease within its TTL and the client's final bars go on with no hole and
// no duplicate; Redis killed → each instance streams from its own upstream, one warning.
// The lease TTL comes from api.streamLeaseMs (3 s here); an out-of-range value stops start-up.
// The fake's minutes follow the wall clock, and about 1 % of them have no trades (no bar, so
// no final): the checks follow the fake's ground truth, and one such minute is forced.
#include "binancefake.h"
#include "faulttest.h"
#include "support/redisserver.h"
#include "support/testsupport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <csignal>
#include <cstdio>

using namespace barkeep;
using namespace barkeep::test;

namespace {
constexpr int kLeaseMs = 3000; // api.streamLeaseMs
const QByteArray kLeaseKey = "bk:lease:v1:{crypto/binance/BTC/USDT}:1m";
const QString kNative = QStringLiteral("BTCUSDT");

// The open time of the fake's first bar at or after `t`: a minute without trades has none.
qint64 firstBarFrom(const fakes::GroundTruth &truth, qint64 t)
{
    t = (t + kMinuteMs - 1) / kMinuteMs * kMinuteMs;
    for (int i = 0; i < 60 && !truth.minute(kNative, t); ++i)
        t += kMinuteMs;
    return t;
}

// How long to wait for the final of the bar at `t`: 80 s (a minute to close, 20 s to poll and
// deliver), or longer when that bar closes more than a minute from now (a no-trade minute
// before it).
int finalTimeout(qint64 t)
{
    return int(qMax<qint64>(80'000, t + kMinuteMs - QDateTime::currentMSecsSinceEpoch() + 20'000));
}

// A stream client of a headless instance: every message, in order.
struct StreamClient
{
    QWebSocket ws;
    QList<QJsonObject> messages;

    bool open(HeadlessInstance &bk)
    {
        QObject::connect(&ws, &QWebSocket::textMessageReceived, &ws, [this](const QString &m) {
            messages.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
        QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(bk.port())));
        req.setRawHeader("Authorization", "Bearer " + bk.token().toUtf8());
        QSignalSpy connected(&ws, &QWebSocket::connected);
        ws.open(req);
        return connected.wait(10000);
    }
    void subscribe()
    {
        const QJsonObject o{{QStringLiteral("op"), QStringLiteral("subscribe")}, {QStringLiteral("id"), QStringLiteral("s")},
                            {QStringLiteral("market"), QStringLiteral("crypto")},
                            {QStringLiteral("provider"), QStringLiteral("binance")},
                            {QStringLiteral("symbol"), QStringLiteral("BTC/USDT")},
                            {QStringLiteral("timeframe"), QStringLiteral("1m")}, {QStringLiteral("limit"), 5}};
        ws.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
    }
    bool hasSnapshot() const { return snapshotLast() != 0; }
    // The open time of the snapshot's last bar (0 before the snapshot).
    qint64 snapshotLast() const
    {
        for (const QJsonObject &m : messages)
            if (m.value(QStringLiteral("type")) == QLatin1String("snapshot")) {
                const QJsonArray bars = m.value(QStringLiteral("bars")).toArray();
                return bars.isEmpty() ? -1 : bars.last().toArray().at(0).toInteger();
            }
        return 0;
    }
    QList<qint64> finals() const
    {
        QList<qint64> t;
        for (const QJsonObject &m : messages)
            if (m.value(QStringLiteral("type")) == QLatin1String("bar") && m.value(QStringLiteral("final")).toBool())
                t << m.value(QStringLiteral("bar")).toArray().at(0).toInteger();
        return t;
    }
    qint64 lastFinal() const { return finals().isEmpty() ? 0 : finals().last(); }
    // Final bars for every bar of the ground truth, starting right after the snapshot: no
    // hole, no duplicate (a minute without trades has no bar and so no final).
    // `lateDuplicate`: an upstream started before this instance delivered any final resumes a
    // bucket early (a late duplicate of the snapshot's last bar rather than a hole).
    QString gapsOrRepeats(const fakes::GroundTruth &truth, bool lateDuplicate = false) const
    {
        qint64 prev = snapshotLast();
        for (qint64 t : finals()) {
            if (lateDuplicate && t == prev && t == snapshotLast())
                continue;
            if (t != firstBarFrom(truth, prev + kMinuteMs))
                return QStringLiteral("final %1 after %2 (next bar of the fake: %3)")
                    .arg(t)
                    .arg(prev)
                    .arg(firstBarFrom(truth, prev + kMinuteMs));
            prev = t;
        }
        return {};
    }
};

double upstreams(HeadlessInstance &bk) { return metric(bk, "barkeep_stream_upstreams"); }
} // namespace

class TestApiFanout : public QObject
{
    Q_OBJECT

    RedisServer m_redis;
    fakes::BinanceFake m_binance;

    QByteArray redis(const QByteArray &command) { return m_redis.command(command); }
    const fakes::GroundTruth &truth() const { return m_binance.truth(); }
    // The fake's first bar after `c`'s snapshot: its first final.
    qint64 firstFinal(const StreamClient &c) const { return firstBarFrom(truth(), c.snapshotLast() + kMinuteMs); }

    QStringList sets() const
    {
        return {QStringLiteral("cache.url=") + m_redis.url(),
                // The lease TTL through its config key (default 6000): half, for a quicker
                // takeover; checked below through the lease key's PTTL.
                QStringLiteral("api.streamLeaseMs=%1").arg(kLeaseMs),
                QStringLiteral("providers.binance.baseUrl=") + m_binance.url().toString(),
                // No live stream here (a closed port): the worker polls the fake.
                QStringLiteral("providers.binance.wsUrl=ws://127.0.0.1:%1").arg(freePort())};
    }

private slots:
    void initTestCase()
    {
        BK_REQUIRE_SERVER(RedisServer::binary(), "redis-server (BK_TEST_REDIS_SERVER)");
        QVERIFY(m_redis.start());
        // A minute without trades (as ~1 % of the fake's minutes are, wherever the clock
        // falls) while B's and the restarted A's clients receive finals: no final for it.
        fakes::FaultPlan plan = m_binance.faults();
        const qint64 quiet = (QDateTime::currentMSecsSinceEpoch() / kMinuteMs + 2) * kMinuteMs;
        plan.outages = {{quiet, quiet + kMinuteMs}};
        m_binance.setFaults(plan);
        QVERIFY(m_binance.listen() != 0);
    }

    void cleanupTestCase()
    {
        m_redis.kill();
    }

    // api.streamLeaseMs out of range: the instance refuses to start (exit 2) and says why.
    void badLeaseRefused()
    {
        QStringList bad = sets();
        bad << QStringLiteral("api.streamLeaseMs=100");
        HeadlessInstance i(bad);
        QVERIFY(!i.start());
        QVERIFY2(i.log().contains("api.streamLeaseMs: 100 is out of range (1000-600000)"), i.log().constData());
    }

    void twoInstancesOneUpstream()
    {
        HeadlessInstance a(sets()), b(sets());
        QVERIFY2(a.start(), a.log().constData());
        QVERIFY2(b.start(), b.log().constData());

        // A subscribes first and takes the lease; B's client is served from A's upstream.
        StreamClient onA, onB;
        QVERIFY(onA.open(a));
        onA.subscribe();
        QTRY_VERIFY_WITH_TIMEOUT(onA.hasSnapshot(), 20'000);
        QTRY_COMPARE_WITH_TIMEOUT(upstreams(a), 1.0, 10'000);
        QVERIFY(!redis("GET " + kLeaseKey).isEmpty());
        const QByteArray holderA = redis("GET " + kLeaseKey);
        const qint64 ttl = redis("PTTL " + kLeaseKey).mid(1).toLongLong(); // the configured TTL
        QVERIFY2(ttl > 0 && ttl <= kLeaseMs, qPrintable(QString::number(ttl)));
        QVERIFY(onB.open(b));
        onB.subscribe();
        QTRY_VERIFY_WITH_TIMEOUT(onB.hasSnapshot(), 20'000);
        QVERIFY(onB.snapshotLast() > 0);

        // The next closed minute reaches B through Pub/Sub while B runs no upstream.
        const qint64 firstOnB = firstFinal(onB);
        QTRY_VERIFY_WITH_TIMEOUT(onB.lastFinal() >= firstOnB, finalTimeout(firstOnB));
        QCOMPARE(upstreams(b), 0.0);
        QCOMPARE(upstreams(a), 1.0);
        QCOMPARE(redis("GET " + kLeaseKey), holderA);
        QVERIFY2(onB.gapsOrRepeats(truth()).isEmpty(), qPrintable(onB.gapsOrRepeats(truth())));
        QVERIFY2(onA.gapsOrRepeats(truth()).isEmpty(), qPrintable(onA.gapsOrRepeats(truth())));

        // kill -9 the holder: B takes the lease when A's key expires, and heals the window.
        const qint64 killedAt = QDateTime::currentMSecsSinceEpoch();
        a.kill9();
        QElapsedTimer took;
        took.start();
        QTRY_COMPARE_WITH_TIMEOUT(upstreams(b), 1.0, 3 * kLeaseMs);
        qInfo("B took over after %lld ms (lease %d ms)", took.elapsed(), kLeaseMs);
        // On the key's expiry, not later: the TTL plus one lease check (a third of it) at most,
        // plus scheduling slack for a loaded 2-core machine under ASan (measured 2.9-4.0 s).
        QVERIFY2(took.elapsed() <= kLeaseMs + kLeaseMs / 3 + 3000,
                 qPrintable(QStringLiteral("takeover after %1 ms").arg(took.elapsed())));
        const QByteArray holderB = redis("GET " + kLeaseKey);
        if (qEnvironmentVariableIsSet("BK_FANOUT_LOGS")) {
            QFile fa(qEnvironmentVariable("BK_FANOUT_LOGS") + QStringLiteral("/a.log")), fb(qEnvironmentVariable("BK_FANOUT_LOGS") + QStringLiteral("/b.log"));
            if (fa.open(QIODevice::WriteOnly)) fa.write(a.log());
            if (fb.open(QIODevice::WriteOnly)) fb.write(b.log());
        }
        QVERIFY2(!holderB.isEmpty() && holderB != holderA, QByteArray(holderB + "\n" + b.log().right(3000)).constData());
        const qint64 formingAtKill = firstBarFrom(truth(), killedAt / kMinuteMs * kMinuteMs);
        QTRY_VERIFY_WITH_TIMEOUT(onB.lastFinal() >= formingAtKill, finalTimeout(formingAtKill));
        QVERIFY2(onB.gapsOrRepeats(truth()).isEmpty(), qPrintable(onB.gapsOrRepeats(truth())));

        // A comes back and subscribes: B holds, so A runs none.
        QVERIFY2(a.start(), a.log().constData());
        StreamClient again;
        QVERIFY(again.open(a));
        again.subscribe();
        QTRY_VERIFY_WITH_TIMEOUT(again.hasSnapshot(), 20'000);
        QCOMPARE(upstreams(a), 0.0);

        // Redis killed: A falls back to its own upstream, with one warning; B keeps its own.
        m_redis.kill();
        QTRY_COMPARE_WITH_TIMEOUT(upstreams(a), 1.0, 10'000);
        QCOMPARE(upstreams(b), 1.0);
        const QByteArray warning = "streams from its own upstream until it is back";
        QTRY_COMPARE_WITH_TIMEOUT(a.log().count(warning), 1, 10'000);
        const qint64 firstAgain = firstFinal(again);
        QTRY_VERIFY_WITH_TIMEOUT(again.lastFinal() >= firstAgain, finalTimeout(firstAgain)); // served locally
        QCOMPARE(a.log().count(warning), 1); // reconnect attempts log no more
        QVERIFY2(again.gapsOrRepeats(truth(), true).isEmpty(), qPrintable(again.gapsOrRepeats(truth(), true)));

        // Redis back (empty): the leases are contended again, one upstream remains.
        QVERIFY(m_redis.start());
        QTRY_COMPARE_WITH_TIMEOUT(upstreams(a) + upstreams(b), 1.0, 4 * kLeaseMs);
        QVERIFY(!redis("GET " + kLeaseKey).isEmpty());
        QVERIFY(a.log().contains("reachable again"));

        // SIGTERM → exit 0 within 10 s; on failure the instance's last log lines say why.
        const auto stops = [](HeadlessInstance &i, const char *name) {
            if (i.terminate())
                return true;
            std::fprintf(stderr, "--- %s: last log lines ---\n%s\n", name, i.log().right(6000).constData());
            return false;
        };
        QVERIFY(stops(a, "A"));
        QVERIFY(stops(b, "B"));
        QVERIFY2(onB.gapsOrRepeats(truth()).isEmpty(), qPrintable(onB.gapsOrRepeats(truth())));
        QVERIFY2(again.gapsOrRepeats(truth(), true).isEmpty(), qPrintable(again.gapsOrRepeats(truth(), true)));
    }
};

QTEST_GUILESS_MAIN(TestApiFanout)
#include "tst_apifanout.moc"
