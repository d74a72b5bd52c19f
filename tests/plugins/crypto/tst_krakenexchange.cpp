// SPDX-License-Identifier: GPL-3.0-or-later
#include "cryptotest.h"
#include "krakenexchange.h"
#include "krakenfake.h"
#include "scriptedserver.h"

#include <QDateTime>
#include <QTest>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {
// A trimmed copy of a real /0/public/AssetPairs answer.
const QByteArray kAssetPairs
    = "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"altname\":\"XBTUSD\",\"wsname\":\"XBT/USD\","
      "\"aclass_base\":\"currency\",\"base\":\"XXBT\",\"aclass_quote\":\"currency\",\"quote\":"
      "\"ZUSD\","
      "\"lot\":\"unit\",\"cost_decimals\":5,\"pair_decimals\":1,\"lot_decimals\":8,\"lot_"
      "multiplier\":1,"
      "\"fees\":[[0,0.4]],\"fee_volume_currency\":\"ZUSD\",\"ordermin\":\"0.0001\",\"costmin\":\"0."
      "5\","
      "\"tick_size\":\"0.1\",\"status\":\"online\"},\"XDGUSD\":{\"altname\":\"XDGUSD\",\"wsname\":"
      "\"XDG/USD\",\"base\":\"XXDG\",\"quote\":\"ZUSD\"},\"XETHZEUR\":{\"altname\":\"ETHEUR\","
      "\"base\":\"XETH\",\"quote\":\"ZEUR\"}}}";

// Rows as the docs show them: [time, o, h, l, c, vwap, volume, count], last = forming.
QByteArray ohlc(qint64 fromS, int rows, int zeroRow = -1, const char *key = "XXBTZUSD")
{
    QByteArray body = QByteArray("{\"error\":[],\"result\":{\"") + key + "\":[";
    for (int i = 0; i < rows; ++i) {
        const bool zero = i == zeroRow;
        body += (i ? ",[" : "[") + QByteArray::number(fromS + i * 60)
                + (zero ? ",\"42000.0\",\"42000.0\",\"42000.0\",\"42000.0\",\"42000.0\",\"0."
                          "00000000\",0]"
                        : ",\"42000.0\",\"42010.5\",\"41990.1\",\"42005.2\",\"42001.3\",\"1."
                          "25000000\",17]");
    }
    return body + "],\"last\":" + QByteArray::number(fromS + (rows - 2) * 60) + "}}";
}
} // namespace

class TestKrakenExchange : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<KrakenExchange> plugin(const QUrl &url)
    {
        return std::make_unique<KrakenExchange>(test::settingsFor(QStringLiteral("kraken"), url),
                                                std::make_shared<ProviderContext>());
    }

private slots:
    void symbols()
    {
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/0/public/AssetPairs"), 200, kAssetPairs);
        auto p = plugin(server.url());
        const Result<QList<SymbolInfo>> s = offThread([&] { return p->symbols(); });
        QVERIFY(s);
        QVERIFY(s->contains(SymbolInfo{QStringLiteral("BTC/USD"), QStringLiteral("BTC"),
                                       QStringLiteral("USD"), QStringLiteral("XXBTZUSD")}));
        QVERIFY(s->contains(SymbolInfo{QStringLiteral("DOGE/USD"), QStringLiteral("DOGE"),
                                       QStringLiteral("USD"), QStringLiteral("XDGUSD")}));
        QVERIFY(s->contains(SymbolInfo{QStringLiteral("ETH/EUR"), QStringLiteral("ETH"),
                                       QStringLiteral("EUR"), QStringLiteral("XETHZEUR")}));
        // Kraken's own names resolve too.
        for (const QString &name : {QStringLiteral("XBTUSD"), QStringLiteral("XBT/USD"),
                                    QStringLiteral("btc/usd"), QStringLiteral("XXBTZUSD")}) {
            const Result<SymbolInfo> r = offThread([&] { return p->resolve(name); });
            QVERIFY2(r, qPrintable(name));
            QCOMPARE(r->native, QStringLiteral("XXBTZUSD"));
        }
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("kind"); // -1: parses
        QTest::addColumn<QString>("fragment");
        QTest::newRow("docs shape") << ohlc(1688671200, 3) << 3 << -1 << QString();
        QTest::newRow("key differs from the asked name")
            << ohlc(1688671200, 2, -1, "XBTUSD") << 2 << -1 << QString();
        QTest::newRow("too many requests (HTTP 200)")
            << QByteArray("{\"error\":[\"EGeneral:Too many requests\"]}") << 0
            << int(Error::Kind::RateLimited) << QString();
        QTest::newRow("unknown pair") << QByteArray("{\"error\":[\"EQuery:Unknown asset pair\"]}")
                                      << 0 << int(Error::Kind::BadInput) << QString();
        QTest::newRow("invalid arguments")
            << QByteArray("{\"error\":[\"EGeneral:Invalid arguments\"]}") << 0
            << int(Error::Kind::BadInput) << QString();
        QTest::newRow("unavailable") << QByteArray("{\"error\":[\"EService:Unavailable\"]}") << 0
                                     << int(Error::Kind::Upstream) << QString();
        QTest::newRow("lockout") << QByteArray("{\"error\":[\"EGeneral:Temporary lockout\"]}") << 0
                                 << int(Error::Kind::Banned) << QString();
        QTest::newRow("bad row") << QByteArray(
            "{\"error\":[],\"result\":{\"XXBTZUSD\":[[1688671200,"
            "\"x\",\"1\",\"1\",\"1\",\"1\",\"1\",1]],\"last\":0}}")
                                 << 0 << int(Error::Kind::BadResponse) << QStringLiteral("\"x\"");
        QTest::newRow("time as string")
            << QByteArray("{\"error\":[],\"result\":{\"XXBTZUSD\":[[\"1688671200\","
                          "\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",1]],\"last\":0}}")
            << 0 << int(Error::Kind::BadResponse) << QStringLiteral("1688671200");
        QTest::newRow("truncated") << ohlc(1688671200, 3).left(60) << 0
                                   << int(Error::Kind::BadResponse) << QStringLiteral("XXBTZUSD");
    }
    void parse()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, rows);
        QFETCH(int, kind);
        QFETCH(QString, fragment);
        const Result<KrakenExchange::OhlcPage> page
            = KrakenExchange::parseOhlc(body, QStringLiteral("XXBTZUSD"));
        if (kind < 0) {
            QVERIFY(page);
            QCOMPARE(int(page->rows.size()), rows);
            QCOMPARE(page->rows.front(),
                     (Bar{1688671200000, 42000.0, 42010.5, 41990.1, 42005.2, 1.25}));
            QCOMPARE(page->last, 1688671200 + (rows - 2) * 60);
        } else {
            QVERIFY(!page);
            QCOMPARE(Error::kindName(page.error().kind()), Error::kindName(Error::Kind(kind)));
            QVERIFY2(page.error().detail().contains(fragment), qPrintable(page.error().detail()));
        }
    }

    void formingAndZeroRows()
    {
        // 720 rows ending with the forming one; row 5 had no trades.
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/0/public/AssetPairs"), 200, kAssetPairs);
        const qint64 forming = QDateTime::currentMSecsSinceEpoch() / 60000 * 60000;
        const qint64 first = forming - 719 * 60000;
        server.enqueue(200, ohlc(first / 1000, 720, 5));
        auto p = plugin(server.url());
        const qint64 since = first - 5 * 3600000; // older than Kraken keeps
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USD"), QStringLiteral("1m"), since, forming + 3600000});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->requests, 1); // never loops for older history
        QCOMPARE(r->covered, (TimeRange{first, forming}));
        QCOMPARE(int(r->bars.size()), 718); // 720 − forming − the zero-trade row
        QCOMPARE(r->bars.back().t, forming - 60000);
        const QUrlQuery q(server.requestLog().last());
        QCOMPARE(q.queryItemValue(QStringLiteral("pair")), QStringLiteral("XXBTZUSD"));
        QCOMPARE(q.queryItemValue(QStringLiteral("interval")), QStringLiteral("1"));
        QCOMPARE(q.queryItemValue(QStringLiteral("since")), QString::number(since / 1000 - 1));
    }

    void rangeBeyondReach()
    {
        KrakenFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 jan2024 = 1704067200000;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USD"), QStringLiteral("1m"), jan2024, jan2024 + 86400000});
        });
        QVERIFY(r);
        QVERIFY(r->bars.empty());
        QVERIFY(r->covered.isEmpty()); // nothing of that day is reachable
        QCOMPARE(fake.requestCount(QStringLiteral("/0/public/OHLC")), 1);
    }

    void fetchEqualsGroundTruth_data()
    {
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<qint64>("stepMs");
        QTest::newRow("1m") << QStringLiteral("1m") << qint64(60000);
        QTest::newRow("15m") << QStringLiteral("15m") << qint64(900000);
        QTest::newRow("1h") << QStringLiteral("1h") << qint64(3600000);
    }
    void fetchEqualsGroundTruth()
    {
        QFETCH(QString, timeframe);
        QFETCH(qint64, stepMs);
        KrakenFake fake(9);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = now - 800 * stepMs; // more than Kraken keeps
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("XBTUSD"), timeframe, since, now + stepMs});
        });
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        // 720 rows minus the forming one. The plugin reads its clock before the request and
        // the fake when it answers: when a bucket closes in between, the fake's 720 rows start
        // one bucket later while the plugin still ends at the bucket forming before, one less.
        if (now / stepMs == after / stepMs)
            QCOMPARE(r->covered.length(), 719 * stepMs);
        else
            QVERIFY(r->covered.length() == 719 * stepMs || r->covered.length() == 718 * stepMs);
        const Bars truth = fake.groundTruth(QStringLiteral("XXBTZUSD"), r->covered, timeframe);
        QVERIFY(truth.size() > 690);
        QCOMPARE(r->bars.size(), truth.size());
        QVERIFY(r->bars == truth);
    }

    void throttled()
    {
        KrakenFake fake; // 1/s per pair, burst 5
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QList<Error::Kind> kinds;
        offThread([&] {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            for (int i = 0; i < 8; ++i) {
                const Result<BarBatch> r = p->fetchBars(
                    {QStringLiteral("ETH/USD"), QStringLiteral("1h"), now - 86400000, now});
                kinds << (r ? Error::Kind::Internal : r.error().kind());
            }
            return 0;
        });
        QVERIFY(kinds.count(Error::Kind::Internal) >= 5);
        QVERIFY(kinds.contains(Error::Kind::RateLimited));
    }

    void errorsAndFaults()
    {
        KrakenFake fake;
        fake.faults().requestsPerSecond = 0;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const BarRequest req{QStringLiteral("BTC/USD"), QStringLiteral("1m"), now - 3600000, now};
        const auto fails = [&](const BarRequest &r, Error::Kind kind, const char *what) {
            const Result<BarBatch> got = offThread([&] { return p->fetchBars(r); });
            QVERIFY2(!got, what);
            QCOMPARE(got.error().kind(), kind);
        };
        fails({QStringLiteral("NOPE/USD"), QStringLiteral("1m"), 0, now}, Error::Kind::BadInput,
              "unknown symbol");
        if (QTest::currentTestFailed())
            return;
        fails({QStringLiteral("BTC/USD"), QStringLiteral("2h"), 0, now}, Error::Kind::Unsupported,
              "unsupported timeframe");
        if (QTest::currentTestFailed())
            return;
        fake.faults().serverErrorRate = 1;
        fails(req, Error::Kind::Upstream, "5xx");
        if (QTest::currentTestFailed())
            return;
        fake.faults().serverErrorRate = 0;
        fake.faults().malformedRate = 1;
        const Result<BarBatch> bad = offThread([&] { return p->fetchBars(req); });
        QVERIFY2(!bad, "malformed");
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
        QVERIFY(!bad.error().detail().isEmpty());
    }
};

QTEST_MAIN(TestKrakenExchange)
#include "tst_krakenexchange.moc"
