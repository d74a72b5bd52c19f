// SPDX-License-Identifier: GPL-3.0-or-later
#include "coinbaseexchange.h"
#include "coinbasefake.h"
#include "cryptotest.h"
#include "scriptedserver.h"

#include <QDateTime>
#include <QTest>
#include <QTimeZone>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {
// A trimmed copy of a real /products answer.
const QByteArray kProducts
    = "[{\"id\":\"BTC-USD\",\"base_currency\":\"BTC\",\"quote_currency\":\"USD\","
      "\"quote_increment\":\"0.01\",\"base_increment\":\"0.00000001\",\"display_name\":\"BTC/USD\","
      "\"min_market_funds\":\"1\",\"margin_enabled\":false,\"post_only\":false,\"limit_only\":"
      "false,"
      "\"cancel_only\":false,\"status\":\"online\",\"status_message\":\"\",\"trading_disabled\":"
      "false,"
      "\"fx_stablecoin\":false,\"auction_mode\":false},"
      "{\"id\":\"BTCAUCTION-USD\",\"base_currency\":\"BTCAUCTION\",\"quote_currency\":\"USD\","
      "\"status\":\"online\"}]";

constexpr qint64 kJan2024 = 1704067200000;

// Rows newest first, [time, low, high, open, close, volume], numbers; `missing` skipped.
QByteArray candles(qint64 fromMs, int count, int missing = -1)
{
    QByteArray body = "[";
    bool first = true;
    for (int i = count - 1; i >= 0; --i) {
        if (i == missing)
            continue;
        body += (first ? "[" : ",[") + QByteArray::number((fromMs / 1000) + i * 60)
                + ",41900.5,42100,42000.01,42050.25,3.14159265]";
        first = false;
    }
    return body + "]";
}

qint64 monthStart(int y, int m)
{
    return QDateTime(QDate(y, m, 1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}
} // namespace

class TestCoinbaseExchange : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CoinbaseExchange> plugin(const QUrl &url)
    {
        return std::make_unique<CoinbaseExchange>(
            test::settingsFor(QStringLiteral("coinbase"), url),
            std::make_shared<ProviderContext>());
    }

private slots:
    void parseCandles_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("rows");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("ccxt sample")
            << QByteArray("[[1591514160,0.02507,0.02507,0.02507,0.02507,0.02816506]"
                          ",[1591514100,0.02507,0.02507,0.02507,0.02507,1.5]]")
            << 2 << QString();
        QTest::newRow("empty") << QByteArray("[]") << 0 << QString();
        QTest::newRow("string value")
            << QByteArray("[[1591514160,\"x\",1,1,1,1]]") << 0 << QStringLiteral("\"x\"");
        QTest::newRow("short") << QByteArray("[[1591514160,1,1]]") << 0
                               << QStringLiteral("[1591514160,1,1]");
        QTest::newRow("message object")
            << QByteArray("{\"message\":\"NotFound\"}") << 0 << QStringLiteral("NotFound");
        QTest::newRow("truncated")
            << QByteArray("[[1591514160,0.02507,0.0") << 0 << QStringLiteral("[[1591514160");
    }
    void parseCandles()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, rows);
        QFETCH(QString, fragment);
        const Result<Bars> bars = CoinbaseExchange::parseCandles(body);
        if (fragment.isEmpty()) {
            QVERIFY(bars);
            QCOMPARE(int(bars->size()), rows);
            if (rows == 2) {
                // Oldest first after parsing; low/high/open/close in Coinbase's column order.
                QCOMPARE(bars->front().t, 1591514100000);
                QCOMPARE(bars->back(),
                         (Bar{1591514160000, 0.02507, 0.02507, 0.02507, 0.02507, 0.02816506}));
            }
        } else {
            QVERIFY(!bars);
            QCOMPARE(bars.error().kind(), Error::Kind::BadResponse);
            QVERIFY2(bars.error().detail().contains(fragment), qPrintable(bars.error().detail()));
        }
    }
    void columnOrder()
    {
        const Result<Bars> bars = CoinbaseExchange::parseCandles("[[1704067200,1,4,2,3,5]]");
        QVERIFY(bars);
        QCOMPARE(bars->front(), (Bar{kJan2024, 2, 4, 1, 3, 5}));
    }

    void errors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::newRow("429") << 429 << QByteArray("{\"message\":\"Public rate limit exceeded\"}")
                             << int(Error::Kind::RateLimited);
        QTest::newRow("400 >300")
            << 400
            << QByteArray("{\"message\":\"granularity too small for the requested time range. "
                          "Count of aggregations requested exceeds 300\"}")
            << int(Error::Kind::BadInput);
        QTest::newRow("404 product")
            << 404 << QByteArray("{\"message\":\"NotFound\"}") << int(Error::Kind::BadInput);
        QTest::newRow("401") << 401 << QByteArray("{\"message\":\"Unauthorized.\"}")
                             << int(Error::Kind::Auth);
        QTest::newRow("403") << 403 << QByteArray("{\"message\":\"Forbidden\"}")
                             << int(Error::Kind::Auth);
        QTest::newRow("500") << 500 << QByteArray("{\"message\":\"Internal server error\"}")
                             << int(Error::Kind::Upstream);
        QTest::newRow("200 html") << 200 << QByteArray("<html>cloudflare</html>")
                                  << int(Error::Kind::BadResponse);
    }
    void errors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/products"), 200, kProducts);
        server.enqueue(status, body);
        auto p = plugin(server.url());
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USD"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000});
        });
        QVERIFY(!r);
        QCOMPARE(Error::kindName(r.error().kind()), Error::kindName(Error::Kind(kind)));
        if (kind == int(Error::Kind::RateLimited))
            QVERIFY(r.error().retryAfterMs() > 0);
        if (status == 200)
            QVERIFY(!r.error().detail().isEmpty());
    }

    void windowsAndEdges()
    {
        // 400 minutes: two windows of 299 and 101 buckets; the first answer includes the
        // bucket at `end` (inclusive reading), which must not appear twice; one bucket absent.
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/products"), 200, kProducts);
        server.enqueue(200, candles(kJan2024, 300, 17));
        server.enqueue(200, candles(kJan2024 + 299 * 60000, 101));
        auto p = plugin(server.url());
        const qint64 until = kJan2024 + 400 * 60000;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC-USD"), QStringLiteral("1m"), kJan2024, until});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->requests, 2);
        QCOMPARE(int(r->bars.size()), 399);
        for (std::size_t i = 1; i < r->bars.size(); ++i)
            QVERIFY(r->bars[i].t > r->bars[i - 1].t);
        QVERIFY(std::none_of(r->bars.begin(), r->bars.end(),
                             [](const Bar &b) { return b.t == kJan2024 + 17 * 60000; }));
        QCOMPARE(r->covered, (TimeRange{kJan2024, until}));
        const QList<QUrl> log = server.requestLog();
        QCOMPARE(log.size(), 3);
        const QUrlQuery w1(log[1]), w2(log[2]);
        QCOMPARE(log[1].path(), QStringLiteral("/products/BTC-USD/candles"));
        QCOMPARE(w1.queryItemValue(QStringLiteral("granularity")), QStringLiteral("60"));
        QCOMPARE(w1.queryItemValue(QStringLiteral("start"), QUrl::FullyDecoded),
                 QStringLiteral("2024-01-01T00:00:00Z"));
        QCOMPARE(w1.queryItemValue(QStringLiteral("end"), QUrl::FullyDecoded),
                 QStringLiteral("2024-01-01T04:59:00Z"));
        QCOMPARE(w2.queryItemValue(QStringLiteral("start"), QUrl::FullyDecoded),
                 QStringLiteral("2024-01-01T04:59:00Z"));
    }

    void unsupported()
    {
        CoinbaseFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        for (const QString &tf :
             {QStringLiteral("3m"), QStringLiteral("4h"), QStringLiteral("1w")}) {
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({QStringLiteral("BTC/USD"), tf, kJan2024, kJan2024 + 86400000});
            });
            QCOMPARE(r.error().kind(), Error::Kind::Unsupported);
        }
        const Result<BarBatch> sym = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("DOGE/XYZ"), QStringLiteral("1m"), kJan2024, kJan2024 + 60000});
        });
        QCOMPARE(sym.error().kind(), Error::Kind::BadInput);
        QCOMPARE(fake.requestCount(QStringLiteral("/products")), 1);
    }

    void monthEqualsGroundTruth()
    {
        CoinbaseFake fake(21);
        fake.faults().requestsPerSecond = 0; // pacing is the host's RequestGate's job
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const TimeRange month{monthStart(2024, 4), monthStart(2024, 5)};
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("ETH/USD"), QStringLiteral("1m"), month.from, month.to});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const Bars truth = fake.groundTruth(QStringLiteral("ETH-USD"), month);
        QVERIFY(truth.size() > 42000);
        QCOMPARE(r->bars.size(), truth.size());
        QVERIFY(r->bars == truth);
        QCOMPARE(r->covered, month);
        QCOMPARE(r->requests, int((43200 + 298) / 299));
        QCOMPARE(fake.requestCount(QStringLiteral("/products/ETH-USD/candles")), r->requests);
    }

    void hourlyAndFormingBar()
    {
        CoinbaseFake fake(4);
        fake.faults().requestsPerSecond = 0;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = now / 3600000 * 3600000 - 500 * 3600000LL;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USD"), QStringLiteral("1h"), since, now + 7200000});
        });
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(r);
        // Up to the hour forming when the plugin last asked; an hour may have turned during
        // the fetch, and then either hour is right.
        if (now / 3600000 == after / 3600000)
            QCOMPARE(r->covered.to, after / 3600000 * 3600000);
        else
            QVERIFY(r->covered.to == now / 3600000 * 3600000 || r->covered.to == after / 3600000 * 3600000);
        QVERIFY(r->bars
                == fake.groundTruth(QStringLiteral("BTC-USD"), r->covered, QStringLiteral("1h")));
        QCOMPARE(r->requests, 2);
    }

    void rateLimited()
    {
        CoinbaseFake fake; // 10 requests/s, burst 15
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC/USD"), QStringLiteral("1m"),
                                 monthStart(2024, 1), monthStart(2024, 2)});
        });
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::RateLimited);
        QVERIFY(fake.totalRequests() >= 15);
    }

    void injectedFaults()
    {
        CoinbaseFake fake;
        fake.faults().requestsPerSecond = 0;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QVERIFY(offThread([&] { return p->symbols(); }));
        fake.faults().serverErrorRate = 1;
        const BarRequest req{QStringLiteral("BTC/USD"), QStringLiteral("1m"), kJan2024,
                             kJan2024 + 3600000};
        QCOMPARE(offThread([&] { return p->fetchBars(req); }).error().kind(),
                 Error::Kind::Upstream);
        fake.faults().serverErrorRate = 0;
        fake.faults().truncatedRate = 1;
        const Result<BarBatch> bad = offThread([&] { return p->fetchBars(req); });
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
        QVERIFY(!bad.error().detail().isEmpty());
    }
};

QTEST_MAIN(TestCoinbaseExchange)
#include "tst_coinbaseexchange.moc"
