// SPDX-License-Identifier: GPL-3.0-or-later
// A Redis that stops answering without closing its connections (SIGSTOP of redis-server), under
// two in-process API servers sharing it for the stream's fan-out (RedisFanout), with the fake
// Binance kline stream as upstream and the test's clock. hiredis alone never notices such a
// stall; RedisFanout's watchdog (a PING every streamRedisPingMs, set small here) must: the
// lease holder A keeps serving its clients during the stall, the watcher B starts its own
// upstream and heals the window it missed over REST; after SIGCONT both rejoin the fan-out and
// one upstream remains. Every client sees every final bar once, in order, equal to ground
// truth. Also: the api.streamLeaseMs and api.streamRedisTimeoutMs config keys (range,
// did-you-mean, a good value).
#include "api/apimetrics.h"
#include "api/localapiserver.h"
#include "apifixture.h"
#include "binancefake.h"
#include "binancestreamfake.h"
#include "cache/barcache.h"
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"
#include "support/redisserver.h"
#include "support/testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <atomic>

using namespace barkeep;
using namespace barkeep::test;

namespace {
constexpr qint64 kMinute0 = 1704067200000LL + 12 * kHourMs; // 2024-01-01 12:00 UTC
constexpr int kTimeoutMs = 500; // the watchdog's deadline here (default 4000)
const QByteArray kLeaseKey = "bk:lease:v1:{crypto/binance/BTC/USDT}:1m";

// Warnings of RedisFanout, counted across both servers (one per outage and instance).
std::atomic<int> g_unreachable{0};
std::atomic<int> g_reachableAgain{0};
QtMessageHandler g_previous = nullptr;
void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (message.contains(QLatin1String("streams from its own upstream until it is back")))
        ++g_unreachable;
    if (message.contains(QLatin1String("reachable again: stream fan-out resumes")))
        ++g_reachableAgain;
    if (g_previous)
        g_previous(type, context, message);
}

// One instance as Application builds it, on this thread, fanning out over `redisUrl`.
struct Server : ApiFixture
{
    Server(const fakes::BinanceFake &rest, const fakes::BinanceStreamFake &ws, const QString &redisUrl,
           std::atomic<qint64> *clock)
        : ApiFixture(Setup{[&](Config &config) {
                               config.set(QStringLiteral("providers.binance.baseUrl"), rest.url().toString());
                               config.set(QStringLiteral("providers.binance.wsUrl"), ws.url().toString());
                           },
                           [&](ApiOptions &options) {
                               options.token = kToken;
                               options.clock = [clock] { return clock->load(); };
                               options.fanoutUrl = redisUrl;
                               options.streamLeaseMs = 1500;
                               options.streamRedisPingMs = 100;
                               options.streamRedisTimeoutMs = kTimeoutMs;
                               options.streamRedisReconnectMinMs = 50;
                               options.streamRedisReconnectMaxMs = 300;
                           },
                           false}),
          server(ApiFixture::server())
    {
    }
    qint64 upstreams() const { return server->metrics().streamUpstreams.load(); }
    LocalApiServer *server;
};

struct Client : StreamTestClient
{
    bool open(const Server &s) { return StreamTestClient::open(s.server->serverPort()); }
    void subscribe() { StreamTestClient::subscribe(QStringLiteral("binance"), QStringLiteral("BTC/USDT")); }
    bool hasSnapshot() const { return count(QStringLiteral("snapshot")) > 0; }
    QList<Bar> finals() const { return bars(true); }
};
} // namespace

class TstApiFanoutStall : public QObject
{
    Q_OBJECT

    static Config::LoadResult load(const QTemporaryDir &dir, const QStringList &sets)
    {
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = sets;
        return Config::load(s);
    }

private slots:
    void initTestCase() { g_previous = qInstallMessageHandler(countingHandler); }
    void cleanupTestCase() { qInstallMessageHandler(g_previous); }

    void leaseConfigKey()
    {
        QTemporaryDir dir;
        QCOMPARE(load(dir, {}).config.integer(QStringLiteral("api.streamLeaseMs")), 6000);
        const Config::LoadResult good = load(dir, {QStringLiteral("api.streamLeaseMs=2500")});
        QVERIFY(good.ok());
        QCOMPARE(good.config.integer(QStringLiteral("api.streamLeaseMs")), 2500);
        // The watchdog's deadline (RedisFanout: PINGs every quarter of it), default 4000.
        QCOMPARE(load(dir, {}).config.integer(QStringLiteral("api.streamRedisTimeoutMs")), 4000);
        QCOMPARE(load(dir, {QStringLiteral("api.streamRedisTimeoutMs=1000")})
                     .config.integer(QStringLiteral("api.streamRedisTimeoutMs")), 1000);
        const struct
        {
            const char *set;
            const char *problem;
        } bad[] = {
            {"api.streamLeaseMs=999", "api.streamLeaseMs: 999 is out of range (1000-600000)"},
            {"api.streamLeaseMs=600001", "out of range (1000-600000)"},
            {"api.streamLeaseMs=6s", "'6s' is not an integer"},
            {"api.streamLeasMs=6000", "unknown key (did you mean 'api.streamLeaseMs'?)"},
            {"api.streamRedisTimeoutMs=199", "api.streamRedisTimeoutMs: 199 is out of range (200-600000)"},
            {"api.streamRedisTimeoutMs=4s", "'4s' is not an integer"},
        };
        for (const auto &b : bad) {
            const Config::LoadResult r = load(dir, {QString::fromLatin1(b.set)});
            QVERIFY2(r.problems.size() == 1 && r.problems.first().contains(QLatin1String(b.problem)),
                     qPrintable(QString::fromLatin1(b.set) + QStringLiteral(" → ") + r.problems.join(QLatin1Char('|'))));
        }
    }

    void stalledRedis()
    {
        BK_REQUIRE_SERVER(RedisServer::binary(), "redis-server (BK_TEST_REDIS_SERVER)");
        RedisServer redis;
        QVERIFY(redis.start());
        fakes::BinanceFake rest;
        QVERIFY(rest.listen());
        fakes::BinanceStreamFake ws(&rest);
        QVERIFY(ws.listen());
        std::atomic<qint64> clock{kMinute0 + 5000};
        Server a(rest, ws, redis.url(), &clock), b(rest, ws, redis.url(), &clock);
        QVERIFY(a.server && b.server);
        const QString sym = QStringLiteral("btcusdt");
        auto truth = [&rest](qint64 t) { return rest.groundTruth(QStringLiteral("BTCUSDT"), {t, t + kMinuteMs}).front(); };

        // A subscribes first and takes the lease; B's client is served through Redis.
        Client onA, onB;
        QVERIFY(onA.open(a));
        onA.subscribe();
        QTRY_VERIFY_WITH_TIMEOUT(onA.hasSnapshot(), 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(!redis.command("GET " + kLeaseKey).isEmpty(), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 1, 10'000);
        QVERIFY(onB.open(b));
        onB.subscribe();
        QTRY_VERIFY_WITH_TIMEOUT(onB.hasSnapshot(), 10'000);
        QCOMPARE(a.upstreams(), 1);
        QCOMPARE(b.upstreams(), 0);

        // Pushes minute m as a forming then a final bar from the stream (within the REST grace,
        // so only the stream can send it); both clients must get the final.
        qint64 m = kMinute0;
        int finals = 0;
        auto streamMinute = [&](int waitMs) {
            clock = m + 20'000;
            ws.pushBar(sym, m, false);
            clock = m + kMinuteMs + 1000;
            QVERIFY(ws.pushBar(sym, m, true));
            ++finals;
            QTRY_COMPARE_WITH_TIMEOUT(onA.finals().size(), finals, waitMs);
            QTRY_COMPARE_WITH_TIMEOUT(onB.finals().size(), finals, waitMs);
            m += kMinuteMs;
        };
        streamMinute(5000);
        QCOMPARE(b.upstreams(), 0); // B got it through Redis
        QCOMPARE(ws.subscribedClients(), 1);

        // SIGSTOP: the connections stay open, nothing answers. A's clients keep getting bars at
        // once; B notices within its deadline and runs its own upstream.
        QElapsedTimer stalled;
        stalled.start();
        redis.pause();
        clock = m + 20'000;
        ws.pushBar(sym, m, false);
        clock = m + kMinuteMs + 1000;
        QVERIFY(ws.pushBar(sym, m, true)); // lost for B: A publishes into the stalled Redis
        ++finals;
        QTRY_COMPARE_WITH_TIMEOUT(onA.finals().size(), finals, 2000);
        m += kMinuteMs;
        QTRY_COMPARE_WITH_TIMEOUT(b.upstreams(), 1, 10 * kTimeoutMs);
        qInfo("B runs its own upstream %lld ms after SIGSTOP (deadline %d ms)", stalled.elapsed(), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 2, 10'000);
        QCOMPARE(a.upstreams(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(int(g_unreachable), 2, 10 * kTimeoutMs); // A's and B's, once each
        // B heals the missed minute over REST before the next final; A serves on, alone.
        streamMinute(10'000);
        streamMinute(10'000);
        QTest::qWait(3 * kTimeoutMs); // reconnect attempts meanwhile, each timing out
        QCOMPARE(int(g_unreachable), 2); // ... without another warning
        QCOMPARE(a.upstreams() + b.upstreams(), 2);

        // SIGCONT: both reconnect (backoff ≤ 300 ms), contend again, one upstream remains and the
        // other instance's client is served through Redis again.
        redis.resume();
        QTRY_COMPARE_WITH_TIMEOUT(int(g_reachableAgain), 2, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(a.upstreams() + b.upstreams(), 1, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 1, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(!redis.command("GET " + kLeaseKey).isEmpty(), 5000);
        streamMinute(10'000);
        streamMinute(10'000);

        // Every final bar on both sides: once, in order, equal to ground truth.
        for (const Client *c : {&onA, &onB}) {
            const QList<Bar> got = c->finals();
            QCOMPARE(got.size(), finals);
            for (int i = 0; i < got.size(); ++i)
                QCOMPARE(got[i], truth(kMinute0 + i * kMinuteMs));
        }
    }
};

QTEST_GUILESS_MAIN(TstApiFanoutStall)
#include "tst_apifanoutstall.moc"
