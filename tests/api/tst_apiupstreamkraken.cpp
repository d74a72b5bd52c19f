// SPDX-License-Identifier: GPL-3.0-or-later
// Kraken's WS v2 ohlc stream as the upstream of /api/v1/stream, end to end through
// SubscriptionWorker (tst_apiupstream does Binance and Alpaca the same way). Kraken candles
// have no closed flag: KrakenStream sends the newest candle as forming and the previous one as
// final once a later candle arrives. A client subscribes and gets forming and final bars; the
// fake drops the WebSocket while minutes close (and its REST answers 500, so polling cannot
// fill them in); the worker reconnects and the missed window is fetched over REST before the
// next final from the stream, so the client sees every final bar once, in order, equal to
// ground truth (no hole).
//
// The Kraken REST fake serves the 720 most recent minutes of the wall clock only (as Kraken
// does), so the stream's clock here starts an hour before now and moves with the pushed bars.
#include "api/localapiserver.h"
#include "services/subscriptionworker.h"
#include "apifixture.h"
#include "cache/barcache.h"
#include "config/config.h"
#include "krakenfake.h"
#include "krakenstreamfake.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <atomic>

using namespace barkeep;

namespace {
constexpr char kToken[] = "kraken-token";
const QString kSymbol = QStringLiteral("BTC/USD");   // WS v2 and unified name
const QString kPair = QStringLiteral("XXBTZUSD");    // the REST fake's ground-truth key

// An Application-like setup pointed at the Kraken fakes, on the test's clock.
struct Server : test::ApiFixture
{
    Server(const fakes::KrakenFake &rest, const fakes::KrakenStreamFake &ws, qint64 start)
        : ApiFixture(Setup{[&](Config &config) {
                               config.set(QStringLiteral("providers.kraken.baseUrl"), rest.url().toString());
                               config.set(QStringLiteral("providers.kraken.wsUrl"), ws.url().toString());
                           },
                           [](ApiOptions &o) { o.token = kToken; }, false}),
          server(ApiFixture::server())
    {
        clock = start;
    }
    LocalApiServer *server;
};

struct Client : test::StreamTestClient
{
    bool open(quint16 port) { return StreamTestClient::open(port, kToken); }
    void subscribe() { StreamTestClient::subscribe(QStringLiteral("kraken"), kSymbol, QStringLiteral("k")); }
    // The open time of the snapshot's last bar; 0 before the snapshot, -1 when it was empty.
    qint64 snapshotLast() const
    {
        for (const QJsonObject &m : messages)
            if (m.value(QStringLiteral("type")) == QLatin1String("snapshot")) {
                const QJsonArray b = m.value(QStringLiteral("bars")).toArray();
                return b.isEmpty() ? -1 : b.last().toArray().at(0).toInteger();
            }
        return 0;
    }
};
} // namespace

class TstApiUpstreamKraken : public QObject
{
    Q_OBJECT

private slots:
    void krakenOhlcHealsAfterDrop()
    {
        const qint64 minute0 = (QDateTime::currentMSecsSinceEpoch() / kMinuteMs - 60) * kMinuteMs;
        fakes::KrakenFake rest;
        // The public throttle (1/s, burst 5) is tst_krakenexchange's business; here it would
        // only slow the heals down.
        fakes::FaultPlan plan = rest.faults();
        plan.requestsPerSecond = 1000;
        plan.burst = 1000;
        // Minute 2 has no trades, so Kraken sends nothing for it: minute 1 is not closed by a
        // later candle and must be closed over REST once the grace has passed. (The ground
        // truth also has about 1 % no-trade minutes of its own, wherever the clock falls.)
        plan.outages = {{minute0 + 2 * kMinuteMs, minute0 + 3 * kMinuteMs}};
        rest.setFaults(plan);
        QVERIFY(rest.listen());
        fakes::KrakenStreamFake ws(&rest);
        QVERIFY(ws.listen());
        Server f(rest, ws, minute0 + 5000);
        QVERIFY(f.server);
        auto truth = [&rest](qint64 from, qint64 to) { return rest.groundTruth(kPair, {from, to}); };

        Client c;
        QVERIFY(c.open(f.server->serverPort()));
        c.subscribe();
        QTRY_VERIFY_WITH_TIMEOUT(c.snapshotLast() != 0, 10'000);
        QVERIFY(c.snapshotLast() > 0 && c.snapshotLast() < minute0);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 1, 10'000); // the upstream is the stream
        QVERIFY(ws.received().first().contains(R"("channel":"ohlc")"));
        QVERIFY(ws.received().first().contains(R"("symbol":["BTC/USD"])"));

        // Minute m: a forming candle, then the full one (still forming: no closed flag), then
        // minute m+1's first candle (within the REST grace) closes m.
        qint64 m = minute0;
        auto finalsUpTo = [&](qint64 end) { return qsizetype(truth(minute0, end).size()); };
        auto streamMinute = [&](bool expectForming) {
            f.clock = m + 20'000;
            const std::optional<Bar> partial = ws.pushBar(kSymbol, m, false, 0.3);
            if (expectForming && partial)
                QTRY_VERIFY(!c.bars(false).isEmpty() && c.bars(false).last() == *partial);
            const std::optional<Bar> full = ws.pushBar(kSymbol, m, true);
            if (expectForming && full)
                QTRY_VERIFY(!c.bars(false).isEmpty() && c.bars(false).last() == *full);
            f.clock = m + kMinuteMs + 1000;
            if (!ws.pushBar(kSymbol, m + kMinuteMs, false, 0.3)) {
                // No trade in the next minute: no candle closes m. As the real clock would,
                // move past the grace so that the worker's poll closes it over REST.
                f.clock = m + kMinuteMs + SubscriptionWorker::kStreamGraceMs + 1000;
            }
            m += kMinuteMs;
            QTRY_COMPARE_WITH_TIMEOUT(c.bars(true).size(), finalsUpTo(m), 30'000);
            if (full)
                QCOMPARE(c.bars(true).last(), *full);
        };
        for (int i = 0; i < 3; ++i) {
            streamMinute(true);
            if (QTest::currentTestFailed())
                return;
        }
        QVERIFY(!c.bars(true).isEmpty());
        const int restBefore = rest.requestCount(QStringLiteral("/0/public/OHLC"));
        const qsizetype finalsBefore = c.bars(true).size();

        // The WebSocket drops; four minutes close while no frame reaches Barkeep. REST answers
        // 500 meanwhile, so the worker's polling cannot fill them in either: the window must be
        // healed once the stream is back, before its next final bar goes out.
        plan.serverErrorRate = 1.0;
        rest.setFaults(plan);
        ws.setRefuseConnections(true);
        ws.dropAll();
        for (int i = 0; i < 4; ++i) {
            ws.pushBar(kSymbol, m, true); // nobody hears these
            m += kMinuteMs;
        }
        f.clock = m + 1000;
        QTRY_VERIFY_WITH_TIMEOUT(ws.connectionCount() >= 2, 15'000); // it retried (refused)
        QCOMPARE(c.bars(true).size(), finalsBefore); // nothing from the dead stream nor REST
        plan.serverErrorRate = 0;
        rest.setFaults(plan);
        ws.setRefuseConnections(false);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 1, 40'000);
        for (int i = 0; i < 3; ++i) {
            streamMinute(false);
            if (QTest::currentTestFailed())
                return;
        }
        QVERIFY(rest.requestCount(QStringLiteral("/0/public/OHLC")) > restBefore); // healed over REST

        // Every final bar, in order, once, equal to ground truth; no forming bar of a minute
        // after its final one.
        const Bars expected = truth(minute0, m);
        const QList<Bar> got = c.bars(true);
        QCOMPARE(got.size(), qsizetype(expected.size()));
        for (int i = 0; i < got.size(); ++i)
            QCOMPARE(got[i], expected[size_t(i)]);
        qint64 lastFinal = -1;
        for (const QJsonObject &msg : c.messages) {
            if (msg.value(QStringLiteral("type")) != QLatin1String("bar"))
                continue;
            const qint64 t = Client::barOf(msg).t;
            if (msg.value(QStringLiteral("final")).toBool())
                lastFinal = t;
            else
                QVERIFY2(t > lastFinal, qPrintable(QStringLiteral("forming %1 after final %2").arg(t).arg(lastFinal)));
        }
    }
};

QTEST_GUILESS_MAIN(TstApiUpstreamKraken)
#include "tst_apiupstreamkraken.moc"
