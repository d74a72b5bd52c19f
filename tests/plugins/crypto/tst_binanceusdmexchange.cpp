// SPDX-License-Identifier: GPL-3.0-or-later
#include "binanceexchange.h"
#include "binanceusdmexchange.h"
#include "binanceusdmfake.h"
#include "binancestreamfake.h"
#include "cryptotest.h"
#include "recordedanswers.h"
#include "scriptedserver.h"
#include "services/requestpacer.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {
constexpr qint64 kJan2024 = 1704067200000;

const QByteArray kExchangeInfo
    = "{\"timezone\":\"UTC\",\"serverTime\":1712738600000,\"rateLimits\":[{\"rateLimitType\":"
      "\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":2400}],\"symbols\":["
      "{\"symbol\":\"BTCUSDT\",\"pair\":\"BTCUSDT\",\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\","
      "\"baseAsset\":\"BTC\",\"quoteAsset\":\"USDT\",\"marginAsset\":\"USDT\"}]}";

ProviderSettings settings(const QUrl &url)
{
    ProviderSettings s = test::settingsFor(QStringLiteral("binanceusdm"), url);
    s.market = QStringLiteral("perpetual");
    return s;
}

qint64 monthStart(int y, int m)
{
    return QDateTime(QDate(y, m, 1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}
} // namespace

class TestBinanceUsdmExchange : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<BinanceUsdmExchange> plugin(const QUrl &url, std::shared_ptr<ProviderContext> context = {})
    {
        return std::make_unique<BinanceUsdmExchange>(settings(url),
                                                     context ? context : std::make_shared<ProviderContext>());
    }

private slots:
    void recordedPerpetualAnswers()
    {
        const std::optional<QJsonArray> cases = test::recordedCases(QStringLiteral("binance"));
        if (!cases)
            QFAIL("no recorded answers in BARKEEP_CCXT_FIXTURES_DIR (tests/fixtures/ccxt-ohlcv)");
        int perpetuals = 0;
        for (const QJsonValue &cv : *cases) {
            const QJsonObject c = cv.toObject();
            const QJsonObject match = c.value(QStringLiteral("request_match")).toObject();
            if (match.value(QStringLiteral("path")).toString() != QLatin1String("/fapi/v1/klines"))
                continue; // spot and inverse cases belong to other plugins
            ++perpetuals;
            const Bars expected = test::recordedBars(c);
            const QJsonArray input = c.value(QStringLiteral("input")).toArray();
            QCOMPARE(input[0].toString(), QStringLiteral("BTC/USDT:USDT"));
            ScriptedServer server;
            QVERIFY(server.listen());
            server.setFixed(QStringLiteral("/fapi/v1/exchangeInfo"), 200, kExchangeInfo);
            server.enqueue(200, test::recordedBody(c));
            auto p = plugin(server.url());
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({input[0].toString(), input[1].toString(), expected.front().t,
                                     expected.back().t + 60000});
            });
            QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
            QVERIFY(r->bars == expected);
            const QUrlQuery q(server.requestLog().last());
            QCOMPARE(server.requestLog().last().path(), QStringLiteral("/fapi/v1/klines"));
            QCOMPARE(q.queryItemValue(QStringLiteral("symbol")),
                     match.value(QStringLiteral("query")).toObject().value(QStringLiteral("symbol")).toString());
            QCOMPARE(q.queryItemValue(QStringLiteral("interval")), input[1].toString());
        }
        QCOMPARE(perpetuals, 1);
    }

    void weights()
    {
        QCOMPARE(BinanceUsdmExchange::klinesWeight(99), 1);
        QCOMPARE(BinanceUsdmExchange::klinesWeight(100), 2);
        QCOMPARE(BinanceUsdmExchange::klinesWeight(500), 5);
        QCOMPARE(BinanceUsdmExchange::klinesWeight(1000), 5);
        QCOMPARE(BinanceUsdmExchange::klinesWeight(1500), 10);
    }

    void perpetualsOnly()
    {
        BinanceUsdmFake fake(3);
        QVERIFY(fake.listen());
        RequestPacer::Limits limits;
        limits.provider = QStringLiteral("binanceusdm");
        limits.weightPerWindow = 2400;
        RequestPacer pacer(limits);
        auto context = std::make_shared<ProviderContext>();
        context->http.setGate(&pacer);
        auto p = plugin(fake.url(), context);
        const Result<QList<SymbolInfo>> s = offThread([&] { return p->symbols(); });
        QVERIFY(s);
        QStringList names;
        for (const SymbolInfo &i : *s)
            names << i.symbol;
        // The quarterly BTCUSDT_250328 is not a perpetual.
        QCOMPARE(names, (QStringList{QStringLiteral("BTC/USDT:USDT"), QStringLiteral("ETH/USDT:USDT"),
                                     QStringLiteral("SOL/USDT:USDT"), QStringLiteral("BTC/USDC:USDC")}));
        // The announced REQUEST_WEIGHT replaced the metadata's guess.
        bool announced = false;
        for (const LimitUsage &u : pacer.stats().limits)
            announced = announced || (u.limit.limit == 2400 && u.limit.source == RateLimit::Source::Announced);
        QVERIFY(announced);
        // The spot name is not a perpetual.
        QCOMPARE(offThread([&] { return p->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 60000}); })
                     .error().kind(), Error::Kind::BadInput);
    }

    void pagingAndWeight()
    {
        BinanceUsdmFake fake(5);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 since = kJan2024 + 30'000;
        const qint64 until = kJan2024 + 2500 * 60'000LL;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTCUSDT"), QStringLiteral("1m"), since, until});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const Bars truth = fake.groundTruth(BinanceUsdmFake::truthKey(QStringLiteral("BTCUSDT")), {since, until});
        QVERIFY(r->bars == truth);
        QCOMPARE(r->requests, 3);
        QCOMPARE(r->covered, (TimeRange{since, until}));
        // exchangeInfo (1) and three pages of limit 1000 (5 each).
        QCOMPARE(fake.usedWeight(), 1 + 3 * 5);
        QCOMPARE(QUrlQuery(fake.requestLog().last()).queryItemValue(QStringLiteral("limit")), QStringLiteral("1000"));
    }

    void nativeTimeframesAndFormingCandle()
    {
        BinanceUsdmFake fake(8);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const QString &name : p->timeframes()) {
            const Timeframe tf = *Timeframe::parse(name);
            const qint64 span = tf.isMonthly() ? 3 * 365 * 86400000LL : 30 * tf.durationMs();
            const TimeRange range{tf.bucketStart(now - span), now + span};
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({QStringLiteral("ETH/USDT:USDT"), name, range.from, range.to});
            });
            QVERIFY2(r, qPrintable(name + QLatin1Char(' ') + (r ? QString() : r.error().toString())));
            // Up to the forming bucket, which the fake sent and the plugin left out.
            QVERIFY2(r->covered.to <= tf.bucketStart(QDateTime::currentMSecsSinceEpoch()), qPrintable(name));
            QVERIFY2(r->covered.to >= tf.bucketStart(now), qPrintable(name));
            const Bars truth = fake.groundTruth(BinanceUsdmFake::truthKey(QStringLiteral("ETHUSDT")), r->covered, name);
            QVERIFY2(!truth.empty() && r->bars == truth, qPrintable(name));
        }
    }

    void throttleThenBan()
    {
        BinanceUsdmFake fake(2);
        fake.weightPerMinute = 12; // two pages' worth
        fake.ignored429sBeforeBan = 1;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<BarBatch> first = offThread([&] {
            return p->fetchBars({QStringLiteral("BTCUSDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 5000 * 60'000LL});
        });
        QVERIFY(!first);
        QCOMPARE(first.error().kind(), Error::Kind::RateLimited);
        QVERIFY(first.error().message().contains(QStringLiteral("Binance USD-M")));
        QVERIFY(first.error().retryAfterMs() > 0);
        // Ignoring the 429: a 418 ban.
        // (A minute turning between the two starts the fake's count afresh: ask again.)
        Result<BarBatch> second = Error(Error::Kind::Internal, QString());
        for (int i = 0; i < 6 && (second || second.error().kind() != Error::Kind::Banned); ++i)
            second = offThread([&] {
                return p->fetchBars({QStringLiteral("BTCUSDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3000 * 60'000LL});
            });
        QVERIFY(!second);
        QCOMPARE(second.error().kind(), Error::Kind::Banned);
        QVERIFY(second.error().retryAfterMs() >= 1000);
        QVERIFY(fake.bannedCount() >= 1);
    }

    void faults()
    {
        BinanceUsdmFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QVERIFY(offThread([&] { return p->symbols(); }));
        const BarRequest req{QStringLiteral("BTCUSDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000};
        fake.faults().serverErrorRate = 1;
        QCOMPARE(offThread([&] { return p->fetchBars(req); }).error().kind(), Error::Kind::Upstream);
        fake.faults().serverErrorRate = 0;
        fake.faults().malformedRate = 1;
        const Result<BarBatch> bad = offThread([&] { return p->fetchBars(req); });
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
    }

    void stream()
    {
        BinanceUsdmFake rest(11);
        BinanceStreamFake ws(&rest);
        QVERIFY(rest.listen() && ws.listen());
        ProviderSettings s = settings(rest.url());
        s.wsUrl = ws.url().toString();
        BinanceUsdmExchange ex(s, std::make_shared<ProviderContext>());
        QVERIFY(offThread([&] { return bool(ex.symbols()); }));
        QVERIFY(!ex.openStream(QStringLiteral("BTC/USDT"), QStringLiteral("1m"))); // spot name
        std::unique_ptr<BarStream> stream = ex.openStream(QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1m"));
        QVERIFY(stream);
        QSignalSpy bars(stream.get(), &BarStream::barReceived);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(ws.subscribedClients(), 1);
        const qint64 minute = kJan2024 + 12 * 3600000LL;
        QVERIFY(ws.pushBar(QStringLiteral("btcusdt"), minute, false));
        QVERIFY(ws.pushBar(QStringLiteral("btcusdt"), minute, true));
        QTRY_COMPARE(bars.size(), 2);
        QCOMPARE(bars[0][1].toBool(), false);
        QCOMPARE(bars[1][1].toBool(), true);
        QCOMPARE(bars[1][0].value<Bar>().t, minute);
        ws.dropAll();
        QTRY_COMPARE(lost.size(), 1);
    }

    void archiveMonths_data()
    {
        QTest::addColumn<int>("year");
        QTest::addColumn<int>("month");
        QTest::newRow("2022-03, no header row") << 2022 << 3;
        QTest::newRow("2024-02, header row") << 2024 << 2;
    }
    void archiveMonths()
    {
        QFETCH(int, year);
        QFETCH(int, month);
        BinanceUsdmFake fake(9);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<BarBatch> r = offThread([&] { return p->fetchArchiveMonth(QStringLiteral("BTC/USDT:USDT"), year, month); });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const TimeRange range{monthStart(year, month), monthStart(month == 12 ? year + 1 : year, month % 12 + 1)};
        QCOMPARE(r->covered, range);
        QVERIFY(r->bars == fake.groundTruth(BinanceUsdmFake::truthKey(QStringLiteral("BTCUSDT")), range));
        QVERIFY(fake.requestCount(QStringLiteral("/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-%1-%2.zip")
                                      .arg(year).arg(month, 2, 10, QLatin1Char('0'))) == 1);
        // A bad checksum is refused, a missing month says to use REST.
        fake.faults().badChecksums.insert(QStringLiteral("BTCUSDT-1m-%1-%2.zip").arg(year).arg(month, 2, 10, QLatin1Char('0')));
        QCOMPARE(offThread([&] { return p->fetchArchiveMonth(QStringLiteral("BTCUSDT"), year, month); }).error().kind(),
                 Error::Kind::BadResponse);
        QCOMPARE(offThread([&] { return p->fetchArchiveMonth(QStringLiteral("BTCUSDT"), 2018, 1); }).error().kind(),
                 Error::Kind::NotFound);
    }
};

QTEST_MAIN(TestBinanceUsdmExchange)
#include "tst_binanceusdmexchange.moc"
