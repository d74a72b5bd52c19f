// SPDX-License-Identifier: GPL-3.0-or-later
// The stream's provider upstream end to end: a client subscribed to a Binance series over
// /api/v1/stream while the fake Binance pushes forming and final bars on its kline WebSocket.
// The fake drops the WebSocket mid-stream while minutes keep closing; the client must still
// get every final bar in order, once, equal to ground truth (the worker heals over REST), and
// the worker must reconnect. The stream's clock is the test's, moved with the pushed bars.
#include "api/apimetrics.h"
#include "api/localapiserver.h"
#include "apifixture.h"
#include "binancefake.h"
#include "alpacafake.h"
#include "alpacastreamfake.h"
#include "binancestreamfake.h"
#include "coinbasefake.h"
#include "cache/barcache.h"
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"

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
constexpr char kToken[] = "upstream-token";
constexpr qint64 kMinute0 = 1704067200000LL + 12 * kHourMs; // 2024-01-01 12:00 UTC

// An Application-like setup (the built-in plugins) with the config a test gives, on the
// test's clock.
struct Server : test::ApiFixture
{
    explicit Server(const std::function<void(Config &)> &configure)
        : ApiFixture(Setup{configure, [](ApiOptions &o) { o.token = kToken; }, false}),
          server(ApiFixture::server())
    {
        clock = kMinute0 + 5000;
    }
    LocalApiServer *server;
};

// The Binance fakes and a server pointed at them.
struct Setup
{
    Setup()
    {
        if (rest.listen() && ws.listen())
            api = std::make_unique<Server>([this](Config &c) {
                c.set(QStringLiteral("providers.binance.baseUrl"), rest.url().toString());
                c.set(QStringLiteral("providers.binance.wsUrl"), ws.url().toString());
            });
        server = api ? api->server : nullptr;
    }
    void setClock(qint64 t) { api->clock = t; }

    fakes::BinanceFake rest;
    fakes::BinanceStreamFake ws{&rest};
    std::unique_ptr<Server> api;
    LocalApiServer *server = nullptr;
};

struct Client : test::StreamTestClient
{
    bool open(quint16 port) { return StreamTestClient::open(port, kToken); }
    void subscribe(const QString &symbol, const QString &provider = QStringLiteral("binance"))
    {
        StreamTestClient::subscribe(provider, symbol);
    }
};

Bar barOf(const QJsonObject &m)
{
    return test::StreamTestClient::barOf(m);
}
} // namespace

class TstApiUpstream : public QObject
{
    Q_OBJECT

private slots:
    void reconnectHealsWithoutHoles()
    {
        Setup f;
        QVERIFY(f.server);
        const QString sym = QStringLiteral("btcusdt");
        auto truth = [&f](qint64 t) {
            return f.rest.groundTruth(QStringLiteral("BTCUSDT"), {t, t + kMinuteMs}).front();
        };
        Client c;
        QVERIFY(c.open(f.server->serverPort()));
        c.subscribe(QStringLiteral("BTC/USDT"));
        QTRY_COMPARE(c.count(QStringLiteral("snapshot")), 1);
        QTRY_COMPARE_WITH_TIMEOUT(f.ws.subscribedClients(), 1, 10'000); // the upstream is the stream

        // Minutes 0..2 over the stream: a forming update, then the final bar.
        qint64 m = kMinute0;
        int finals = 0;
        auto streamMinute = [&](bool expectForming) {
            f.setClock(m + 20'000);
            const std::optional<Bar> forming = f.ws.pushBar(sym, m, false);
            QVERIFY(forming);
            if (expectForming) {
                auto seen = [&c] {
                    QString out;
                    for (const QJsonObject &b : c.barMessages(false))
                        out += QString::fromUtf8(QJsonDocument(b).toJson(QJsonDocument::Compact)) + u' ';
                    return out;
                };
                QTRY_VERIFY2(!c.barMessages(false).isEmpty() && barOf(c.barMessages(false).last()) == *forming,
                             qPrintable(QStringLiteral("forming %1 %2 %3, got %4").arg(forming->t).arg(forming->c, 0, 'g', 17).arg(forming->v, 0, 'g', 17).arg(seen())));
            }
            // Within the REST grace after the minute's end: this final can only come from
            // the stream.
            f.setClock(m + kMinuteMs + 1000);
            QVERIFY(f.ws.pushBar(sym, m, true));
            ++finals;
            QTRY_COMPARE(c.barMessages(true).size(), finals);
            QCOMPARE(barOf(c.barMessages(true).last()), truth(m));
            m += kMinuteMs;
        };
        for (int i = 0; i < 3; ++i) {
            streamMinute(true);
            if (QTest::currentTestFailed())
                return;
        }
        const int restBefore = f.rest.requestCount(QStringLiteral("/api/v3/klines"));

        // The WebSocket drops; four minutes close while no frame reaches Barkeep.
        f.ws.setRefuseConnections(true);
        f.ws.dropAll();
        for (int i = 0; i < 4; ++i) {
            f.ws.pushBar(sym, m, true); // nobody hears these
            m += kMinuteMs;
        }
        f.setClock(m + 1000);
        // Let the worker back in; the next bar it hears is newer than its cursor.
        QTRY_VERIFY_WITH_TIMEOUT(f.ws.connectionCount() >= 2, 15'000); // it retried (refused)
        f.ws.setRefuseConnections(false);
        QTRY_COMPARE_WITH_TIMEOUT(f.ws.subscribedClients(), 1, 40'000);
        finals += 4;
        for (int i = 0; i < 3; ++i) {
            streamMinute(false);
            if (QTest::currentTestFailed())
                return;
        }
        QVERIFY(f.rest.requestCount(QStringLiteral("/api/v3/klines")) > restBefore); // healed over REST

        // Every final bar, in order, once, equal to ground truth.
        const QList<QJsonObject> got = c.barMessages(true);
        QCOMPARE(got.size(), 10);
        for (int i = 0; i < got.size(); ++i)
            QCOMPARE(barOf(got[i]), truth(kMinute0 + i * kMinuteMs));
        // No forming bar of a minute after its final one.
        qint64 lastFinal = -1;
        for (const QJsonObject &msg : c.messages) {
            if (msg.value(QStringLiteral("type")) != QStringLiteral("bar"))
                continue;
            const qint64 t = barOf(msg).t;
            if (msg.value(QStringLiteral("final")).toBool())
                lastFinal = t;
            else
                QVERIFY(t > lastFinal);
        }

        // Streamed finals are history too: all ten minutes are stored, equal to ground truth,
        // and covered (the minutes heard only over the stream included).
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT")};
        const TimeRange ten{kMinute0, kMinute0 + 10 * kMinuteMs};
        QTRY_VERIFY(f.api->store()->gaps(key, ten) && f.api->store()->gaps(key, ten)->empty());
        const Result<Bars> stored = f.api->store()->readBars(key, ten);
        QVERIFY(stored);
        QCOMPARE(stored->size(), size_t(10));
        for (size_t i = 0; i < stored->size(); ++i)
            QCOMPARE((*stored)[i], truth(kMinute0 + qint64(i) * kMinuteMs));
    }

    void holeInStreamIsFetchedFirst()
    {
        // A final bar two minutes past the cursor (a frame lost without a disconnect): the
        // minute in between is fetched over REST and sent before it.
        Setup f;
        QVERIFY(f.server);
        const QString sym = QStringLiteral("btcusdt");
        Client c;
        QVERIFY(c.open(f.server->serverPort()));
        c.subscribe(QStringLiteral("BTC/USDT"));
        QTRY_COMPARE(c.count(QStringLiteral("snapshot")), 1);
        QTRY_COMPARE_WITH_TIMEOUT(f.ws.subscribedClients(), 1, 10'000);
        f.setClock(kMinute0 + 2 * kMinuteMs + 1000);
        QVERIFY(f.ws.pushBar(sym, kMinute0 + kMinuteMs, true));
        QTRY_COMPARE(c.barMessages(true).size(), 2);
        QCOMPARE(barOf(c.barMessages(true)[0]).t, kMinute0);
        QCOMPARE(barOf(c.barMessages(true)[1]).t, kMinute0 + kMinuteMs);
        // The stream's duplicate of an already sent minute changes nothing.
        QVERIFY(f.ws.pushBar(sym, kMinute0, true));
        f.setClock(kMinute0 + 3 * kMinuteMs + 1000);
        QVERIFY(f.ws.pushBar(sym, kMinute0 + 2 * kMinuteMs, true));
        QTRY_COMPARE(c.barMessages(true).size(), 3);
        QCOMPARE(barOf(c.barMessages(true)[2]).t, kMinute0 + 2 * kMinuteMs);
    }

    // Coinbase has no stream upstream: the worker polls its REST candles (the fake's rate
    // limit, 10 requests/s, stays on). Minutes close on the test's clock; the client gets each
    // final once, in order, equal to the fake's truth, from one upstream.
    void coinbasePollsWithoutStream()
    {
        fakes::CoinbaseFake rest;
        QVERIFY(rest.listen());
        Server f([&rest](Config &c) { c.set(QStringLiteral("providers.coinbase.baseUrl"), rest.url().toString()); });
        QVERIFY(f.server);
        Client c;
        QVERIFY(c.open(f.server->serverPort()));
        c.subscribe(QStringLiteral("BTC/USD"), QStringLiteral("coinbase"));
        QTRY_COMPARE(c.count(QStringLiteral("snapshot")), 1);
        QCOMPARE(c.count(QStringLiteral("error")), 0);
        QCOMPARE(f.server->metrics().streamUpstreams.load(), 1);
        const Bars truth = rest.groundTruth(QStringLiteral("BTC-USD"), {kMinute0, kMinute0 + 3 * kMinuteMs});
        QVERIFY(!truth.empty() && truth.front().t == kMinute0);
        // The minute forming at the clock (12:00:05) comes as final:false first.
        QTRY_VERIFY(!c.barMessages(false).isEmpty());
        QCOMPARE(barOf(c.barMessages(false).first()).t, kMinute0);
        for (int i = 1; i <= 3; ++i) {
            f.clock = kMinute0 + i * kMinuteMs + 5000;
            const qsizetype closed = qsizetype(rest.groundTruth(QStringLiteral("BTC-USD"), {kMinute0, kMinute0 + i * kMinuteMs}).size());
            QTRY_COMPARE_WITH_TIMEOUT(c.barMessages(true).size(), closed, 20'000);
        }
        const QList<QJsonObject> got = c.barMessages(true);
        QCOMPARE(got.size(), qsizetype(truth.size()));
        for (int i = 0; i < got.size(); ++i)
            QCOMPARE(barOf(got[i]), truth[size_t(i)]);
        QCOMPARE(c.count(QStringLiteral("error")), 0);
    }

    // The provider goes down under a polled subscription and comes back: the client hears an
    // upstream error with its subscription id and the code, then "recovered", once each, and
    // bars flow again.
    void outageErrorThenRecovered()
    {
        fakes::CoinbaseFake rest;
        QVERIFY(rest.listen());
        Server f([&rest](Config &c) { c.set(QStringLiteral("providers.coinbase.baseUrl"), rest.url().toString()); });
        QVERIFY(f.server);
        Client c;
        QVERIFY(c.open(f.server->serverPort()));
        c.subscribe(QStringLiteral("BTC/USD"), QStringLiteral("coinbase"));
        QTRY_COMPARE(c.count(QStringLiteral("snapshot")), 1);
        QTRY_VERIFY(!c.barMessages(false).isEmpty());
        QCOMPARE(c.count(QStringLiteral("error")), 0);

        rest.faults().serverErrorRate = 1.0;
        QTRY_COMPARE_WITH_TIMEOUT(c.count(QStringLiteral("error")), 1, 10'000);
        QJsonObject error;
        for (const QJsonObject &m : c.messages)
            if (m.value(QStringLiteral("type")) == QStringLiteral("error"))
                error = m;
        QCOMPARE(error.value(QStringLiteral("id")).toString(), QStringLiteral("s"));
        QCOMPARE(error.value(QStringLiteral("upstream")).toBool(), true);
        QCOMPARE(error.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("upstream"));
        // Failing polls go on: still one error message, and no "recovered" yet.
        const int failedPolls = rest.totalRequests();
        QTRY_VERIFY(rest.totalRequests() >= failedPolls + 3);
        QCOMPARE(c.count(QStringLiteral("error")), 1);
        QCOMPARE(c.count(QStringLiteral("recovered")), 0);

        rest.faults().serverErrorRate = 0;
        QTRY_COMPARE_WITH_TIMEOUT(c.count(QStringLiteral("recovered")), 1, 10'000);
        QJsonObject recovered;
        for (const QJsonObject &m : c.messages)
            if (m.value(QStringLiteral("type")) == QStringLiteral("recovered"))
                recovered = m;
        QCOMPARE(recovered.value(QStringLiteral("id")).toString(), QStringLiteral("s"));
        // Minutes keep closing: finals arrive after the recovery.
        f.clock = kMinute0 + kMinuteMs + 5000;
        QTRY_COMPARE_WITH_TIMEOUT(c.barMessages(true).size(), 1, 10'000);
        QCOMPARE(c.count(QStringLiteral("error")), 1);
    }

    void alpacaBarsHealAfterDrop()
    {
        // Alpaca sends final "b" bars only; the same drop mid-stream must not leave a hole.
        fakes::AlpacaFake rest;
        QVERIFY(rest.listen());
        fakes::AlpacaStreamFake ws(&rest);
        QVERIFY(ws.listen());
        Server f([&](Config &c) {
            c.set(QStringLiteral("providers.alpaca.baseUrl"), rest.url().toString());
            c.set(QStringLiteral("providers.alpaca.tradingUrl"), rest.url().toString());
            c.set(QStringLiteral("providers.alpaca.wsUrl"), ws.url().toString());
            c.set(QStringLiteral("providers.alpaca.apiKey"), rest.keyId());
            c.set(QStringLiteral("providers.alpaca.apiSecret"), rest.secret());
        });
        QVERIFY(f.server);
        const QString sym = QStringLiteral("BTC/USD");
        auto truth = [&rest, &sym](qint64 t) { return rest.groundTruth(sym, {t, t + kMinuteMs}); };
        Client c;
        QVERIFY(c.open(f.server->serverPort()));
        c.subscribe(sym, QStringLiteral("alpaca"));
        QTRY_COMPARE(c.count(QStringLiteral("snapshot")), 1);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 1, 10'000);
        qint64 m = kMinute0;
        int finals = 0;
        auto streamMinute = [&] {
            f.clock = m + kMinuteMs + 1000; // within the grace: only the stream can send it
            ws.pushBar(sym, m, true);
            if (!truth(m).empty())
                ++finals;
            QTRY_COMPARE(c.barMessages(true).size(), finals);
            m += kMinuteMs;
        };
        for (int i = 0; i < 3; ++i)
            streamMinute();
        ws.setRefuseConnections(true);
        ws.dropAll();
        for (int i = 0; i < 3; ++i) {
            ws.pushBar(sym, m, true); // lost
            finals += truth(m).empty() ? 0 : 1;
            m += kMinuteMs;
        }
        f.clock = m + 1000;
        QTRY_VERIFY_WITH_TIMEOUT(ws.connectionCount() >= 2, 15'000);
        ws.setRefuseConnections(false);
        QTRY_COMPARE_WITH_TIMEOUT(ws.subscribedClients(), 1, 40'000);
        for (int i = 0; i < 2; ++i)
            streamMinute();
        Bars expected = rest.groundTruth(sym, {kMinute0, m});
        const QList<QJsonObject> got = c.barMessages(true);
        QCOMPARE(got.size(), qsizetype(expected.size()));
        for (int i = 0; i < got.size(); ++i)
            QCOMPARE(barOf(got[i]), expected[size_t(i)]);
    }
};

QTEST_GUILESS_MAIN(TstApiUpstream)
#include "tst_apiupstream.moc"
