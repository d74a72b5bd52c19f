// SPDX-License-Identifier: GPL-3.0-or-later
#include "binanceexchange.h"
#include "binancefake.h"
#include "cryptotest.h"
#include "scriptedserver.h"
#include "zipreader.h"
#include "zipwriter.h"

#include <QDateTime>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {
// A trimmed copy of a real exchangeInfo answer.
const QByteArray kExchangeInfo = R"({"timezone":"UTC","serverTime":1704067200000,
"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}],
"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC",
"baseAssetPrecision":8,"quoteAsset":"USDT","quotePrecision":8,"quoteAssetPrecision":8,
"orderTypes":["LIMIT","MARKET"],"icebergAllowed":true,"ocoAllowed":true,
"isSpotTradingAllowed":true,"isMarginTradingAllowed":true,"filters":[],"permissions":[],
"permissionSets":[["SPOT","MARGIN"]]},{"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH",
"baseAssetPrecision":8,"quoteAsset":"BTC","quotePrecision":8,"quoteAssetPrecision":8,
"orderTypes":["LIMIT"],"filters":[],"permissions":[]}]})";

constexpr qint64 kJan2024 = 1704067200000; // 2024-01-01T00:00:00Z

QByteArray row(qint64 t, double close = 42000.5)
{
    return "[" + QByteArray::number(t)
           + ",\"42000.00000000\",\"42100.10000000\",\"41900.00000000\",\""
           + QByteArray::number(close, 'f', 8) + "\",\"12.50000000\","
           + QByteArray::number(t + 59999)
           + ",\"525000.00000000\",308,\"6.00000000\",\"252000.00000000\",\"0\"]";
}

QByteArray page(qint64 from, int count)
{
    QByteArray body = "[";
    for (int i = 0; i < count; ++i)
        body += (i ? "," : "") + row(from + i * 60000);
    return body + "]";
}

qint64 monthStart(int y, int m)
{
    return QDateTime(QDate(y, m, 1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}
} // namespace

class TestBinanceExchange : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<BinanceExchange> plugin(const QUrl &url)
    {
        return std::make_unique<BinanceExchange>(test::settingsFor(QStringLiteral("binance"), url),
                                                 std::make_shared<ProviderContext>());
    }

private slots:
    void parseKlines_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("rows");
        QTest::addColumn<QString>("fragment"); // empty: parses
        QTest::newRow("docs sample")
            << QByteArray(R"([[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100",
"148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]])")
            << 1 << QString();
        QTest::newRow("empty") << QByteArray("[]") << 0 << QString();
        QTest::newRow("microseconds") << QByteArray(R"([[1735689600000000,"1","2","0.5","1.5","3",
1735689659999999,"0",1,"0","0","0"]])")
                                      << 1 << QString();
        QTest::newRow("truncated")
            << QByteArray("[[1499040000000,\"0.0163") << 0 << QStringLiteral("[[1499040000000");
        QTest::newRow("price not a number") << QByteArray(
            R"([[1499040000000,"abc","1","1","1","1",1499040059999,"0",1,"0","0","0"]])")
                                            << 0 << QStringLiteral("\"abc\"");
        QTest::newRow("short row") << QByteArray(R"([[1499040000000,"1","1"]])") << 0
                                   << QStringLiteral("[1499040000000,\"1\",\"1\"]");
        QTest::newRow("error object with 200")
            << QByteArray(R"({"code":-1000,"msg":"x"})") << 0 << QStringLiteral("-1000");
        QTest::newRow("unordered")
            << QByteArray("[" + row(kJan2024 + 60000) + "," + row(kJan2024) + "]") << 0
            << QString::number(kJan2024);
    }
    void parseKlines()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, rows);
        QFETCH(QString, fragment);
        const Result<Bars> bars = BinanceExchange::parseKlines(body);
        if (fragment.isEmpty()) {
            QVERIFY2(bars.has_value(), qPrintable(bars ? QString() : bars.error().toString()));
            QCOMPARE(int(bars->size()), rows);
            if (rows == 1)
                QVERIFY(bars->front().t == 1499040000000 || bars->front().t == 1735689600000);
        } else {
            QVERIFY(!bars);
            QCOMPARE(bars.error().kind(), Error::Kind::BadResponse);
            QVERIFY2(bars.error().detail().contains(fragment), qPrintable(bars.error().detail()));
        }
    }
    void parseKlinesValues()
    {
        const Result<Bars> bars = BinanceExchange::parseKlines(R"([[1499040000000,"0.01634790",
"0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,
"1756.87402397","28.46694368","0"]])");
        QVERIFY(bars);
        QCOMPARE(bars->front(),
                 (Bar{1499040000000, 0.0163479, 0.8, 0.015758, 0.015771, 148976.11427815}));
    }

    void errors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::addColumn<int>("kind");
        QTest::addColumn<qint64>("retryMs");
        const QByteArray tooMuch
            = R"({"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."})";
        QTest::newRow("429") << 429 << tooMuch << QByteArray("7") << int(Error::Kind::RateLimited)
                             << qint64(7000);
        QTest::newRow("418 ban")
            << 418
            << QByteArray(
                   R"({"code":-1003,"msg":"Way too much request weight used; IP banned until 1704067320000. Please use WebSocket Streams for live updates to avoid bans."})")
            << QByteArray("120") << int(Error::Kind::Banned) << qint64(120000);
        QTest::newRow("403 WAF") << 403 << QByteArray("<html><body>403 Forbidden</body></html>")
                                 << QByteArray() << int(Error::Kind::Auth) << qint64(-1);
        QTest::newRow("401")
            << 401
            << QByteArray(
                   R"({"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."})")
            << QByteArray() << int(Error::Kind::Auth) << qint64(-1);
        QTest::newRow("500") << 500 << QByteArray("") << QByteArray() << int(Error::Kind::Upstream)
                             << qint64(-1);
        QTest::newRow("503")
            << 503
            << QByteArray(
                   R"({"code":-1008,"msg":"Server is currently overloaded with other requests. Please try again in a few minutes."})")
            << QByteArray() << int(Error::Kind::Upstream) << qint64(-1);
        QTest::newRow("-1121 unknown symbol")
            << 400 << QByteArray(R"({"code":-1121,"msg":"Invalid symbol."})") << QByteArray()
            << int(Error::Kind::BadInput) << qint64(-1);
        QTest::newRow("-1120 bad interval")
            << 400 << QByteArray(R"({"code":-1120,"msg":"Invalid interval."})") << QByteArray()
            << int(Error::Kind::Unsupported) << qint64(-1);
        QTest::newRow("-1100 illegal chars")
            << 400
            << QByteArray(
                   R"({"code":-1100,"msg":"Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."})")
            << QByteArray() << int(Error::Kind::BadInput) << qint64(-1);
        QTest::newRow("200 truncated")
            << 200 << QByteArray("[[1704067200000,\"42000.0") << QByteArray()
            << int(Error::Kind::BadResponse) << qint64(-1);
        QTest::newRow("200 html") << 200 << QByteArray("<html>maintenance</html>") << QByteArray()
                                  << int(Error::Kind::BadResponse) << qint64(-1);
    }
    void errors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, retryAfter);
        QFETCH(int, kind);
        QFETCH(qint64, retryMs);
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/api/v3/exchangeInfo"), 200, kExchangeInfo);
        QList<QPair<QByteArray, QByteArray>> headers{{"X-MBX-USED-WEIGHT-1M", "6002"}};
        if (!retryAfter.isEmpty())
            headers.append({"Retry-After", retryAfter});
        server.enqueue(status, body, headers);
        auto p = plugin(server.url());
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000});
        });
        QVERIFY(!r);
        QCOMPARE(Error::kindName(r.error().kind()), Error::kindName(Error::Kind(kind)));
        QCOMPARE(r.error().retryAfterMs(), retryMs);
        if (status == 200)
            QVERIFY2(!r.error().detail().isEmpty(), "the offending fragment is reported");
    }

    void networkError()
    {
        quint16 port = 0;
        {
            ScriptedServer closed;
            port = closed.listen();
        }
        auto p = plugin(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        const Result<QList<SymbolInfo>> r = offThread([&] { return p->symbols(); });
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::Network);
    }

    void pageEdges()
    {
        // Page 1: exactly 1000 rows → a second request from last + 1m; page 2 repeats page 1's
        // last row (an overlap) and ends short → done. No bar lost, none twice.
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/api/v3/exchangeInfo"), 200, kExchangeInfo);
        server.enqueue(200, page(kJan2024, 1000));
        server.enqueue(200, page(kJan2024 + 999 * 60000, 300));
        auto p = plugin(server.url());
        const qint64 until = kJan2024 + 1500 * 60000;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTCUSDT"), QStringLiteral("1m"), kJan2024, until});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->requests, 2);
        QCOMPARE(int(r->bars.size()), 1299);
        for (std::size_t i = 0; i < r->bars.size(); ++i)
            QCOMPARE(r->bars[i].t, kJan2024 + qint64(i) * 60000);
        QCOMPARE(r->covered, (TimeRange{kJan2024, until}));
        const QList<QUrl> log = server.requestLog();
        QCOMPARE(log.size(), 3);
        const QUrlQuery first(log[1]), second(log[2]);
        QCOMPARE(first.queryItemValue(QStringLiteral("symbol")), QStringLiteral("BTCUSDT"));
        QCOMPARE(first.queryItemValue(QStringLiteral("limit")), QStringLiteral("1000"));
        QCOMPARE(first.queryItemValue(QStringLiteral("startTime")), QString::number(kJan2024));
        QCOMPARE(first.queryItemValue(QStringLiteral("endTime")), QString::number(until - 1));
        QCOMPARE(second.queryItemValue(QStringLiteral("startTime")),
                 QString::number(kJan2024 + 1000 * 60000));
    }

    void formingBarDropped()
    {
        BinanceFake fake(3);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = now / 60000 * 60000 - 30 * 60000;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USDT"), QStringLiteral("1m"), since, now + 3600000});
        });
        QVERIFY(r);
        QVERIFY(r->covered.to <= QDateTime::currentMSecsSinceEpoch() / 60000 * 60000);
        QVERIFY(r->covered.to >= since + 30 * 60000);
        QCOMPARE(r->bars, fake.groundTruth(QStringLiteral("BTCUSDT"), r->covered));
    }

    void symbolsAndBadInput()
    {
        BinanceFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<QList<SymbolInfo>> syms = offThread([&] { return p->symbols(); });
        QVERIFY(syms);
        QVERIFY(syms->contains(SymbolInfo{QStringLiteral("BTC/USDT"), QStringLiteral("BTC"),
                                          QStringLiteral("USDT"), QStringLiteral("BTCUSDT")}));
        // Loaded once: a second call and a fetch do not ask again.
        QVERIFY(offThread([&] { return p->symbols(); }));
        const Result<BarBatch> unknown = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("NOPE/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 60000});
        });
        QCOMPARE(unknown.error().kind(), Error::Kind::BadInput);
        const Result<BarBatch> tf = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USDT"), QStringLiteral("7m"), kJan2024, kJan2024 + 60000});
        });
        QCOMPARE(tf.error().kind(), Error::Kind::Unsupported);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/exchangeInfo")), 1);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 0);
    }

    void singleFlightMarkets()
    {
        BinanceFake fake;
        fake.faults().latencyMs = 100;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QList<QFuture<bool>> calls;
        for (int i = 0; i < 4; ++i)
            calls << QtConcurrent::run([&] { return bool(p->symbols()); });
        for (QFuture<bool> &f : calls) {
            QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 20000);
            QVERIFY(f.result());
        }
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/exchangeInfo")), 1);
    }

    void monthEqualsGroundTruth_data()
    {
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<int>("requests");
        QTest::newRow("1m") << QStringLiteral("1m") << 43;  // 41760 bars (~1 % absent) / 1000
        QTest::newRow("15m") << QStringLiteral("15m") << 3; // 2784 / 1000
        QTest::newRow("1d") << QStringLiteral("1d") << 1;
    }
    void monthEqualsGroundTruth()
    {
        QFETCH(QString, timeframe);
        QFETCH(int, requests);
        BinanceFake fake(11);
        FaultPlan plan = fake.faults();
        plan.outages = {{monthStart(2024, 2) + 5 * 86400000LL,
                         monthStart(2024, 2) + 5 * 86400000LL + 3 * 3600000}};
        fake.setFaults(plan);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const TimeRange feb{monthStart(2024, 2), monthStart(2024, 3)};
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC/USDT"), timeframe, feb.from, feb.to});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), feb, timeframe);
        QVERIFY(truth.size() > 20);
        QCOMPARE(r->bars.size(), truth.size());
        QVERIFY(r->bars == truth);
        QCOMPARE(r->covered, feb);
        QVERIFY2(qAbs(r->requests - requests) <= 1, qPrintable(QString::number(r->requests)));
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), r->requests);
        // Total, not the current minute's: a slow run (sanitizers) may cross a minute boundary.
        QVERIFY(fake.totalWeight() >= 2 * r->requests);
    }

    void rateLimitThenBan()
    {
        BinanceFake fake;
        fake.faults().weightPerMinute = 30; // exchangeInfo 20 + five klines of weight 2
        fake.faults().ignored429sBeforeBan = 2;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QList<Error::Kind> kinds;
        qint64 retry429 = -1, retry418 = -1;
        offThread([&] {
            // Keep going after 429s, as a careless client would, until the ban (bounded).
            for (int i = 0; i < 40 && !kinds.contains(Error::Kind::Banned); ++i) {
                Result<BarBatch> r = p->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1h"),
                                                   kJan2024, kJan2024 + 3600000});
                kinds << (r ? Error::Kind::Internal : r.error().kind());
                if (!r && r.error().kind() == Error::Kind::RateLimited && retry429 < 0)
                    retry429 = r.error().retryAfterMs();
                if (!r && r.error().kind() == Error::Kind::Banned)
                    retry418 = r.error().retryAfterMs();
            }
            return 0;
        });
        // Five pass, then 429 (weight 32 > 30); two ignored 429s later: 418 and banned. (A
        // minute boundary inside the burst only delays this by another five requests.)
        const qsizetype first429 = kinds.indexOf(Error::Kind::RateLimited);
        QVERIFY2(first429 >= 5, qPrintable(QString::number(first429)));
        QVERIFY(kinds.mid(0, 5).count(Error::Kind::Internal) == 5);
        QVERIFY(kinds.contains(Error::Kind::Banned));
        QVERIFY(retry429 > 0 && retry429 <= 60000);
        QCOMPARE(retry418, 120000);
        QVERIFY(fake.isBanned());
        // Banned: every request is refused until the ban ends, with the wait left.
        const Result<BarBatch> again = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USDT"), QStringLiteral("1h"), kJan2024, kJan2024 + 3600000});
        });
        QCOMPARE(again.error().kind(), Error::Kind::Banned);
        QVERIFY(again.error().retryAfterMs() > 100000);
    }

    void injectedFaults_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<int>("kind");
        QTest::newRow("5xx") << QStringLiteral("5xx") << int(Error::Kind::Upstream);
        QTest::newRow("malformed") << QStringLiteral("malformed") << int(Error::Kind::BadResponse);
        QTest::newRow("truncated") << QStringLiteral("truncated") << int(Error::Kind::BadResponse);
    }
    void injectedFaults()
    {
        QFETCH(QString, fault);
        QFETCH(int, kind);
        BinanceFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QVERIFY(offThread([&] { return p->symbols(); }));
        if (fault == QLatin1String("5xx"))
            fake.faults().serverErrorRate = 1;
        else if (fault == QLatin1String("malformed"))
            fake.faults().malformedRate = 1;
        else
            fake.faults().truncatedRate = 1;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars(
                {QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000});
        });
        QVERIFY(!r);
        QCOMPARE(Error::kindName(r.error().kind()), Error::kindName(Error::Kind(kind)));
        if (kind == int(Error::Kind::BadResponse))
            QVERIFY(!r.error().detail().isEmpty());
    }

    void latency()
    {
        BinanceFake fake;
        fake.faults().latencyMs = 150;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QElapsedTimer timer;
        timer.start();
        QVERIFY(offThread([&] { return p->symbols(); }));
        QVERIFY(timer.elapsed() >= 150);
    }

    void archiveMonth_data()
    {
        QTest::addColumn<int>("year");
        QTest::addColumn<int>("month");
        QTest::newRow("2024-02 (ms)") << 2024 << 2;
        QTest::newRow("2025-01 (µs)") << 2025 << 1;
    }
    void archiveMonth()
    {
        QFETCH(int, year);
        QFETCH(int, month);
        BinanceFake fake(5);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<BarBatch> r = offThread(
            [&] { return p->fetchArchiveMonth(QStringLiteral("BTC/USDT"), year, month); });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const TimeRange range{monthStart(year, month),
                              month == 12 ? monthStart(year + 1, 1) : monthStart(year, month + 1)};
        QCOMPARE(r->covered, range);
        QVERIFY(r->bars == fake.groundTruth(QStringLiteral("BTCUSDT"), range));
        QVERIFY(r->bars.size() > 40000);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 0);
    }

    void archiveChecksumMismatch()
    {
        BinanceFake fake;
        fake.faults().badChecksums.insert(QStringLiteral("BTCUSDT-1m-2024-03.zip"));
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<BarBatch> r
            = offThread([&] { return p->fetchArchiveMonth(QStringLiteral("BTCUSDT"), 2024, 3); });
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::BadResponse);
        QVERIFY(r.error().message().contains(QStringLiteral("checksum")));
    }

    void archiveMissingMonth()
    {
        BinanceFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const QDate thisMonth = QDate::currentDate();
        const Result<BarBatch> r = offThread([&] {
            return p->fetchArchiveMonth(QStringLiteral("BTCUSDT"), thisMonth.year(),
                                        thisMonth.month());
        });
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::NotFound); // the caller falls back to REST
        const Result<BarBatch> before
            = offThread([&] { return p->fetchArchiveMonth(QStringLiteral("SOLUSDT"), 2019, 1); });
        QCOMPARE(before.error().kind(), Error::Kind::NotFound);
    }

    void archiveCsv_data()
    {
        QTest::addColumn<QByteArray>("csv");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("badLine"); // 0: parses
        QTest::newRow("ms") << QByteArray("1704067200000,1,2,0.5,1.5,10,1704067259999,15,3,5,7,0\n"
                                          "1704067260000,1.5,2,1,1,1,1704067319999,1,1,0,0,0\n")
                            << 2 << 0;
        QTest::newRow("µs") << QByteArray(
            "1735689600000000,1,2,0.5,1.5,10,1735689659999999,15,3,5,7,0\r\n")
                            << 1 << 0;
        QTest::newRow("header") << QByteArray(
            "open_time,open,high,low,close,volume,close_time,"
            "quote_volume,count,taker_buy_volume,"
            "taker_buy_quote_volume,ignore\n"
            "1704067200000,1,2,0.5,1.5,10,1704067259999,15,3,5,7,0\n")
                                << 1 << 0;
        QTest::newRow("bad row") << QByteArray(
            "1704067200000,1,2,0.5,1.5,10,1704067259999,15,3,5,7,0\n"
            "1704067260000,x,2,1,1,1,1704067319999,1,1,0,0,0\n")
                                 << 0 << 2;
        QTest::newRow("short row") << QByteArray("1704067200000,1,2\n") << 0 << 1;
    }
    void archiveCsv()
    {
        QFETCH(QByteArray, csv);
        QFETCH(int, rows);
        QFETCH(int, badLine);
        const Result<Bars> bars = BinanceExchange::parseArchiveCsv(csv);
        if (badLine == 0) {
            QVERIFY2(bars, qPrintable(bars ? QString() : bars.error().toString()));
            QCOMPARE(int(bars->size()), rows);
            QVERIFY(bars->front().t == 1704067200000 || bars->front().t == 1735689600000);
        } else {
            QVERIFY(!bars);
            QVERIFY(bars.error().message().contains(QStringLiteral("line %1").arg(badLine)));
            QVERIFY(!bars.error().detail().isEmpty());
        }
    }

    void zipReader()
    {
        const QByteArray csv
            = QByteArray("1704067200000,1,2,0.5,1.5,10,1704067259999,15,3,5,7,0\n").repeated(500);
        const QByteArray zip = ZipWriter::singleFile(QStringLiteral("X-1m-2024-01.csv"), csv);
        const Result<QByteArray> out = ZipReader::extractFirst(zip, QStringLiteral(".csv"));
        QVERIFY(out);
        QCOMPARE(*out, csv);
        QByteArray corrupt = zip;
        corrupt[60] = char(corrupt[60] ^ 0x55); // inside the deflate data
        const Result<QByteArray> bad = ZipReader::extractFirst(corrupt);
        QVERIFY(!bad);
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
        const Result<QByteArray> notZip = ZipReader::extractFirst("not a zip");
        QVERIFY(!notZip);
        QCOMPARE(notZip.error().kind(), Error::Kind::BadResponse);

        // A zip made by Info-ZIP, as a second opinion on the reader.
        const QString zipTool = QStandardPaths::findExecutable(QStringLiteral("zip"));
        if (zipTool.isEmpty())
            QSKIP("the zip tool is not installed; in-memory zips were checked");
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("a.csv")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(csv);
        f.close();
        QProcess proc;
        proc.setWorkingDirectory(dir.path());
        proc.start(zipTool,
                   {QStringLiteral("-q"), QStringLiteral("a.zip"), QStringLiteral("a.csv")});
        QVERIFY(proc.waitForFinished(30000));
        QFile z(dir.filePath(QStringLiteral("a.zip")));
        QVERIFY(z.open(QIODevice::ReadOnly));
        const Result<QByteArray> fromTool
            = ZipReader::extractFirst(z.readAll(), QStringLiteral(".csv"));
        QVERIFY2(fromTool, qPrintable(fromTool ? QString() : fromTool.error().toString()));
        QCOMPARE(*fromTool, csv);
    }
};

QTEST_MAIN(TestBinanceExchange)
#include "tst_binanceexchange.moc"
