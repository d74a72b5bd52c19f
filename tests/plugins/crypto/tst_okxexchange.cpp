// SPDX-License-Identifier: GPL-3.0-or-later
#include "cryptotest.h"
#include "okxexchange.h"
#include "okxfake.h"
#include "okxstream.h"
#include "okxstreamfake.h"
#include "recordedanswers.h"
#include "scriptedserver.h"
#include "services/requestpacer.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {
constexpr qint64 kJan2024 = 1704067200000;

const QByteArray kSpotInstruments
    = "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"baseCcy\":\"BTC\",\"instId\":\"BTC-USDT\","
      "\"instType\":\"SPOT\",\"quoteCcy\":\"USDT\",\"settleCcy\":\"\",\"state\":\"live\"}]}";

QByteArray candles(const QByteArray &rows)
{
    return "{\"code\":\"0\",\"msg\":\"\",\"data\":" + rows + "}";
}

ProviderSettings settings(const QUrl &url, const QString &market)
{
    ProviderSettings s = test::settingsFor(QStringLiteral("okx"), url);
    s.market = market;
    return s;
}
} // namespace

class TestOkxExchange : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<OkxExchange> plugin(const QUrl &url, const QString &market = QStringLiteral("crypto"),
                                        std::shared_ptr<ProviderContext> context = {})
    {
        return std::make_unique<OkxExchange>(settings(url, market),
                                             context ? context : std::make_shared<ProviderContext>());
    }

private slots:
    void recordedAnswers()
    {
        const std::optional<QJsonArray> cases = test::recordedCases(QStringLiteral("okx"));
        if (!cases)
            QFAIL("no recorded answers in BARKEEP_CCXT_FIXTURES_DIR (tests/fixtures/ccxt-ohlcv)");
        QVERIFY(!cases->isEmpty());
        for (const QJsonValue &cv : *cases) {
            const QJsonObject c = cv.toObject();
            const Bars expected = test::recordedBars(c);
            const QJsonArray input = c.value(QStringLiteral("input")).toArray();
            const bool swap = input[0].toString().contains(QLatin1Char(':'));
            const Result<Bars> parsed = OkxExchange::parseCandles(test::recordedBody(c), swap);
            QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().toString()));
            QVERIFY(*parsed == expected);

            ScriptedServer server;
            QVERIFY(server.listen());
            server.setFixed(QStringLiteral("/api/v5/public/instruments"), 200, kSpotInstruments);
            server.enqueue(200, test::recordedBody(c));
            auto p = plugin(server.url());
            const qint64 since = qint64(input[2].toDouble());
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({input[0].toString(), input[1].toString(), since, expected.back().t + 3600000});
            });
            QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
            QVERIFY(r->bars == expected);
            QCOMPARE(r->requests, 1);
            const QUrlQuery q(server.requestLog().last());
            const QJsonObject match = c.value(QStringLiteral("request_match")).toObject()
                                          .value(QStringLiteral("query")).toObject();
            QCOMPARE(q.queryItemValue(QStringLiteral("instId")), match.value(QStringLiteral("instId")).toString());
            QCOMPARE(q.queryItemValue(QStringLiteral("bar")), match.value(QStringLiteral("bar")).toString());
            // ccxt's window too: before = since - 1 (rows newer than it).
            QCOMPARE(q.queryItemValue(QStringLiteral("before")).toLongLong(), expected.front().t - 1);
            // Two years old: the history endpoint (the recent one holds 1,440 bars).
            QCOMPARE(server.requestLog().last().path(), QStringLiteral("/api/v5/market/history-candles"));
        }
    }

    void parseCandles_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("swap");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("kind");
        const int ok = -1;
        const QByteArray forming
            = "[[\"1704067260000\",\"2\",\"3\",\"1\",\"2.5\",\"100\",\"1\",\"250\",\"0\"],"
              "[\"1704067200000\",\"1\",\"2\",\"0.5\",\"1.5\",\"200\",\"2\",\"300\",\"1\"]]";
        QTest::newRow("forming dropped") << candles(forming) << false << 1 << ok;
        QTest::newRow("unordered")
            << candles("[[\"1704067200000\",\"1\",\"2\",\"0.5\",\"1.5\",\"200\",\"2\",\"300\",\"1\"],"
                       "[\"1704067260000\",\"2\",\"3\",\"1\",\"2.5\",\"100\",\"1\",\"250\",\"1\"]]")
            << false << 0 << int(Error::Kind::BadResponse);
        QTest::newRow("no confirm")
            << candles("[[\"1704067200000\",\"1\",\"2\",\"0.5\",\"1.5\",\"200\",\"2\",\"300\"]]")
            << false << 0 << int(Error::Kind::BadResponse);
        QTest::newRow("number row")
            << candles("[[1704067200000,\"x\",\"2\",\"0.5\",\"1.5\",\"200\",\"2\",\"300\",\"1\"]]")
            << false << 0 << int(Error::Kind::BadResponse);
        QTest::newRow("50011 in a 200")
            << QByteArray("{\"code\":\"50011\",\"msg\":\"Rate limit reached. Please refer to API documentation "
                          "and throttle requests accordingly.\",\"data\":[]}")
            << false << 0 << int(Error::Kind::RateLimited);
        QTest::newRow("51001") << QByteArray("{\"code\":\"51001\",\"msg\":\"Instrument ID doesn't exist.\",\"data\":[]}")
                               << false << 0 << int(Error::Kind::BadInput);
        QTest::newRow("truncated") << QByteArray("{\"code\":\"0\",\"msg\":\"\",\"data\":[[\"17040")
                                   << false << 0 << int(Error::Kind::BadResponse);
    }
    void parseCandles()
    {
        QFETCH(QByteArray, body);
        QFETCH(bool, swap);
        QFETCH(int, rows);
        QFETCH(int, kind);
        const Result<Bars> bars = OkxExchange::parseCandles(body, swap);
        if (kind < 0) {
            QVERIFY(bars);
            QCOMPARE(int(bars->size()), rows);
            QCOMPARE(bars->front(), (Bar{kJan2024, 1, 2, 0.5, 1.5, 200}));
            // A swap's volume is volCcy (base currency), not the contract count.
            QCOMPARE(OkxExchange::parseCandles(body, true)->front().v, 2.0);
            return;
        }
        QVERIFY(!bars);
        QCOMPARE(Error::kindName(bars.error().kind()), Error::kindName(Error::Kind(kind)));
        QVERIFY(!bars.error().detail().isEmpty());
    }

    void bars()
    {
        QCOMPARE(OkxExchange::barOf(QStringLiteral("1h")), QStringLiteral("1H"));
        QCOMPARE(OkxExchange::barOf(QStringLiteral("1m")), QStringLiteral("1m"));
        QCOMPARE(OkxExchange::barOf(QStringLiteral("1M")), QStringLiteral("1Mutc"));
        QCOMPARE(OkxExchange::barOf(QStringLiteral("1d")), QStringLiteral("1Dutc"));
        QCOMPARE(OkxExchange::barOf(QStringLiteral("6h")), QStringLiteral("6Hutc"));
        QVERIFY(OkxExchange::barOf(QStringLiteral("8h")).isEmpty());
    }

    void spotAndSwapNeverMix()
    {
        OkxFake fake(3);
        QVERIFY(fake.listen());
        auto spot = plugin(fake.url());
        auto swap = plugin(fake.url(), QStringLiteral("perpetual"));
        const Result<QList<SymbolInfo>> s = offThread([&] { return spot->symbols(); });
        const Result<QList<SymbolInfo>> w = offThread([&] { return swap->symbols(); });
        QVERIFY(s && w);
        QStringList names;
        for (const SymbolInfo &i : *w)
            names << i.symbol + QLatin1Char('=') + i.native;
        QCOMPARE(names, (QStringList{QStringLiteral("BTC/USDT:USDT=BTC-USDT-SWAP"),
                                     QStringLiteral("ETH/USDT:USDT=ETH-USDT-SWAP"),
                                     QStringLiteral("BTC/USD:BTC=BTC-USD-SWAP")}));
        QCOMPARE(s->first().symbol, QStringLiteral("BTC/USDT"));
        const TimeRange day{kJan2024, kJan2024 + 86400000};
        const Result<BarBatch> a = offThread([&] {
            return spot->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1h"), day.from, day.to});
        });
        const Result<BarBatch> b = offThread([&] {
            return swap->fetchBars({QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1h"), day.from, day.to});
        });
        QVERIFY(a && b);
        QVERIFY(a->bars == fake.groundTruth(QStringLiteral("BTC-USDT"), day, QStringLiteral("1h")));
        QVERIFY(b->bars == fake.groundTruth(QStringLiteral("BTC-USDT-SWAP"), day, QStringLiteral("1h")));
        QVERIFY(!(a->bars == b->bars));
        QCOMPARE(offThread([&] { return spot->fetchBars({QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1h"), day.from, day.to}); })
                     .error().kind(), Error::Kind::BadInput);
    }

    void pagingBothWays()
    {
        // 700 minutes from an unaligned start: windows of 300 forward; the history endpoint
        // capped at 100 rows (its older maximum) is continued backward inside each window.
        OkxFake fake(5);
        fake.historyMaxLimit = 100;
        fake.historyLimit = 0;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url(), QStringLiteral("perpetual"));
        const qint64 since = kJan2024 + 20'000;
        const qint64 until = kJan2024 + 700 * 60'000LL + 5'000;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("ETH/USDT:USDT"), QStringLiteral("1m"), since, until});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const Bars truth = fake.groundTruth(QStringLiteral("ETH-USDT-SWAP"), {since, until});
        QVERIFY(truth.size() > 650);
        QCOMPARE(r->bars.size(), truth.size());
        QVERIFY(r->bars == truth);
        QCOMPARE(r->covered, (TimeRange{since, until}));
        QVERIFY2(r->requests >= 7 && r->requests <= 10, qPrintable(QString::number(r->requests)));
        const QUrlQuery first(fake.requestLog()[1]);
        QCOMPARE(first.queryItemValue(QStringLiteral("before")), QString::number(kJan2024 + 60'000 - 1));
        QCOMPARE(first.queryItemValue(QStringLiteral("after")), QString::number(kJan2024 + 301 * 60'000LL));
        QCOMPARE(first.queryItemValue(QStringLiteral("limit")), QStringLiteral("300"));
        const QUrlQuery second(fake.requestLog()[2]); // backward inside the first window
        QCOMPARE(second.queryItemValue(QStringLiteral("before")), first.queryItemValue(QStringLiteral("before")));
        QVERIFY(second.queryItemValue(QStringLiteral("after")).toLongLong() < kJan2024 + 301 * 60'000LL);
    }

    void recentAndFormingCandle()
    {
        // The last 100 minutes come from /market/candles (the recent one), its forming row
        // (confirm "0") is not a bar.
        OkxFake fake(4);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = now / 60000 * 60000 - 100 * 60000LL;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("SOL/USDT"), QStringLiteral("1m"), since, now + 600000});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(r->covered.to == now / 60000 * 60000 || r->covered.to == after / 60000 * 60000);
        QVERIFY(r->bars == fake.groundTruth(QStringLiteral("SOL-USDT"), r->covered));
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v5/market/candles")), r->requests);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v5/market/history-candles")), 0);
    }

    void nativeTimeframes()
    {
        OkxFake fake(8);
        fake.historyLimit = 0;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const QString &name : p->timeframes()) {
            const Timeframe tf = *Timeframe::parse(name);
            const qint64 span = tf.isMonthly() ? 3 * 365 * 86400000LL : 30 * tf.durationMs();
            const TimeRange range{tf.bucketStart(now - 2 * span), tf.bucketStart(now - span)};
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({QStringLiteral("BTC/USDT"), name, range.from, range.to});
            });
            QVERIFY2(r, qPrintable(name + QLatin1Char(' ') + (r ? QString() : r.error().toString())));
            const Bars truth = fake.groundTruth(QStringLiteral("BTC-USDT"), range, name);
            QVERIFY2(!truth.empty() && r->bars == truth, qPrintable(name));
            QCOMPARE(QUrlQuery(fake.requestLog().last()).queryItemValue(QStringLiteral("bar")), OkxExchange::barOf(name));
        }
    }

    void throttledInItsOwnWords()
    {
        // 50011 as HTTP 429 and in a 200: both pause the whole provider.
        for (const bool in200 : {false, true}) {
            OkxFake fake(2);
            fake.historyLimit = 2;
            fake.throttleIn200 = in200;
            QVERIFY(fake.listen());
            RequestPacer::Limits limits;
            limits.provider = QStringLiteral("okx");
            limits.requestsPerSecond = 100; // above the fake's limit, so it answers 50011
            RequestPacer pacer(limits);
            auto context = std::make_shared<ProviderContext>();
            context->http.setGate(&pacer);
            auto p = plugin(fake.url(), QStringLiteral("crypto"), context);
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 5 * 300 * 60'000LL});
            });
            QVERIFY(!r);
            QCOMPARE(r.error().kind(), Error::Kind::RateLimited);
            QVERIFY(r.error().message().contains(QStringLiteral("50011")));
            QVERIFY(r.error().retryAfterMs() > 0);
            QCOMPARE(fake.throttledCount(), 1);
            QVERIFY(pacer.stats().rateLimited >= 1);
            QVERIFY(pacer.state().blocked());
        }
    }

    void stream()
    {
        OkxFake rest(12);
        OkxStreamFake ws(&rest);
        QVERIFY(rest.listen() && ws.listen());
        ProviderSettings s = settings(rest.url(), QStringLiteral("crypto"));
        s.wsUrl = ws.url().toString();
        OkxExchange ex(s, std::make_shared<ProviderContext>());
        QVERIFY(offThread([&] { return bool(ex.symbols()); }));
        std::unique_ptr<BarStream> stream = ex.openStream(QStringLiteral("BTC/USDT"), QStringLiteral("1m"));
        QVERIFY(stream);
        QCOMPARE(static_cast<OkxStream *>(stream.get())->url().path(), QStringLiteral("/ws/v5/business"));
        static_cast<OkxStream *>(stream.get())->setAppPingInterval(50);
        QSignalSpy bars(stream.get(), &BarStream::barReceived);
        QSignalSpy connected(stream.get(), &BarStream::connected);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(connected.size(), 1);
        // OKX's rule: the text "ping" before 30 s of silence, answered "pong".
        QTRY_VERIFY(ws.pingsReceived() >= 2);
        QCOMPARE(lost.size(), 0);
        const qint64 minute = kJan2024 + 12 * 3600000LL;
        QVERIFY(ws.pushBar(QStringLiteral("BTC-USDT"), minute, false));
        QVERIFY(ws.pushBar(QStringLiteral("BTC-USDT"), minute, true));
        QTRY_COMPARE(bars.size(), 2);
        QCOMPARE(bars[0][1].toBool(), false);
        QCOMPARE(bars[1][0].value<Bar>(), rest.groundTruth(QStringLiteral("BTC-USDT"), {minute, minute + 60000}).front());
        QCOMPARE(bars[1][1].toBool(), true);
        ws.dropAll();
        QTRY_COMPARE(lost.size(), 1);
        // A channel OKX does not know: the error event is a lost connection with its words.
        std::unique_ptr<BarStream> hourly = ex.openStream(QStringLiteral("BTC/USDT"), QStringLiteral("1h"));
        QSignalSpy refused(hourly.get(), &BarStream::disconnected);
        hourly->open();
        QTRY_COMPARE(refused.size(), 1);
        QVERIFY2(refused[0][0].toString().contains(QStringLiteral("60012")), qPrintable(refused[0][0].toString()));
    }

    void outagesAndMalformed()
    {
        OkxFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QVERIFY(offThread([&] { return p->symbols(); }));
        const BarRequest req{QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000};
        fake.faults().serverErrorRate = 1;
        const Result<BarBatch> down = offThread([&] { return p->fetchBars(req); });
        QCOMPARE(down.error().kind(), Error::Kind::Upstream);
        QVERIFY(down.error().message().contains(QStringLiteral("50001")));
        fake.faults().serverErrorRate = 0;
        fake.faults().truncatedRate = 1;
        const Result<BarBatch> bad = offThread([&] { return p->fetchBars(req); });
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
        QVERIFY(!bad.error().detail().isEmpty());
        fake.faults().truncatedRate = 0;
        const Result<BarBatch> unknown = offThread([&] {
            return p->fetchBars({QStringLiteral("DOGE/XYZ"), QStringLiteral("1m"), kJan2024, kJan2024 + 60000});
        });
        QCOMPARE(unknown.error().kind(), Error::Kind::BadInput);
    }
};

QTEST_MAIN(TestOkxExchange)
#include "tst_okxexchange.moc"
