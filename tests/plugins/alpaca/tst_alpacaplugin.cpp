// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacaplugin.h"
#include "alpacawire.h"
#include "fakes/alpacafake.h"
#include "log/logging.h"
#include "plugin/pluginregistry.h"

#include <QDateTime>
#include <QEventLoop>
#include <QLoggingCategory>
#include <QMutex>
#include <QTest>
#include <QThread>
#include <QTimeZone>
#include <QTimer>

#include <optional>

using namespace barkeep;
using barkeep::fakes::AlpacaFake;

Q_DECLARE_METATYPE(barkeep::Error::Kind)

namespace {

qint64 utc(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODate).toMSecsSinceEpoch();
}

// HttpClient blocks in a local event loop, and the fake answers on this (the main) thread:
// run the plugin on a worker and keep this thread's loop spinning until it is done.
template <typename F>
auto onWorker(F &&f)
{
    using R = decltype(f());
    std::optional<R> result;
    QThread *thread = QThread::create([&] { result.emplace(f()); });
    QEventLoop loop;
    QObject::connect(thread, &QThread::finished, &loop, &QEventLoop::quit);
    thread->start();
    loop.exec();
    thread->wait();
    delete thread;
    return std::move(*result);
}

// Every log line of the process, for the "credentials are never logged" checks.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;
void captureMessages(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(QString::fromLatin1(ctx.category ? ctx.category : "") + QLatin1Char(' ')
                     + msg);
    }
    if (g_previousHandler && type != QtDebugMsg)
        g_previousHandler(type, ctx, msg);
}

} // namespace

class TestAlpacaPlugin : public QObject
{
    Q_OBJECT

private:
    AlpacaFake *m_fake = nullptr;

    ProviderSettings settings(const QString &market = QStringLiteral("stocks")) const
    {
        ProviderSettings s;
        s.provider = QStringLiteral("alpaca");
        s.market = market;
        s.baseUrl = m_fake->url().toString();
        s.tradingUrl = m_fake->url().toString();
        s.apiKey = m_fake->keyId();
        s.apiSecret = m_fake->secret();
        return s;
    }
    std::unique_ptr<AlpacaPlugin> plugin(const ProviderSettings &s) const
    {
        return std::make_unique<AlpacaPlugin>(s, std::make_shared<ProviderContext>());
    }
    Result<BarBatch> fetch(AlpacaPlugin &p, const QString &symbol, qint64 since, qint64 until,
                           const QString &tf = QStringLiteral("1m"))
    {
        BarRequest r;
        r.symbol = symbol;
        r.timeframe = tf;
        r.since = since;
        r.until = until;
        return onWorker([&] { return p.fetchBars(r); });
    }

private slots:
    void initTestCase()
    {
        g_previousHandler = qInstallMessageHandler(captureMessages);
        QLoggingCategory::setFilterRules(QStringLiteral("barkeep.*.debug=true"));
    }
    void init()
    {
        m_fake = new AlpacaFake(7, this);
        QVERIFY(m_fake->listen() != 0);
    }
    void cleanup()
    {
        delete m_fake;
        m_fake = nullptr;
    }

    // --- metadata --------------------------------------------------------------------------

    void registryListsAlpacaWithoutInstantiating()
    {
        PluginRegistry registry;
        registry.discover();
        QVERIFY2(registry.problems().isEmpty(), qPrintable(registry.problems().join(u'\n')));
        const std::optional<ProviderInfo> stocks =
            registry.provider(QStringLiteral("stocks"), QStringLiteral("alpaca"));
        const std::optional<ProviderInfo> crypto =
            registry.provider(QStringLiteral("crypto"), QStringLiteral("alpaca"));
        QVERIFY(stocks && crypto);
        QVERIFY(stocks->requiresCredentials); // stock bars need keys
        QVERIFY(!crypto->requiresCredentials); // v1beta3 crypto bars do not
        QCOMPARE(stocks->maxBarsPerRequest, 10000);
        QVERIFY(stocks->requestsPerSecond > 3 && stocks->requestsPerSecond < 3.5);
        QVERIFY(stocks->timeframes.contains(QStringLiteral("1m")));
        QCOMPARE(registry.instantiatedCount(), 0);

        Result<MarketPluginFactory *> factory = registry.factoryFor(QStringLiteral("alpaca"));
        QVERIFY(factory);
        ProviderSettings s = settings(QStringLiteral("crypto"));
        std::unique_ptr<MarketPlugin> instance =
            (*factory)->create(s, std::make_shared<ProviderContext>());
        QVERIFY(instance);
        QCOMPARE(instance->providerId(), QStringLiteral("alpaca"));
        QVERIFY(onWorker([&] {
            return instance->fetchBars(BarRequest{QStringLiteral("BTC/USD"), QStringLiteral("1m"),
                                                  utc("2024-03-07T10:00:00Z"),
                                                  utc("2024-03-07T10:05:00Z"), nullptr});
        }));
    }

    // --- wire format, table-driven over real-shaped bodies ---------------------------------

    void parseTime_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected"); // -1 = invalid
        QTest::newRow("Z") << "2024-01-02T14:30:00Z" << utc("2024-01-02T14:30:00Z");
        QTest::newRow("nanoseconds") << "2021-02-22T19:15:00.123456789Z"
                                     << utc("2021-02-22T19:15:00Z") + 123;
        QTest::newRow("offset") << "2024-01-02T09:30:00-05:00" << utc("2024-01-02T14:30:00Z");
        QTest::newRow("daily bar winter") << "2024-01-02T05:00:00Z" << utc("2024-01-02T05:00:00Z");
        QTest::newRow("date only") << "2024-01-02" << utc("2024-01-02T00:00:00Z");
        QTest::newRow("no zone") << "2024-01-02T14:30:00" << qint64(-1);
        QTest::newRow("garbage") << "yesterday" << qint64(-1);
        QTest::newRow("bad month") << "2024-13-02T14:30:00Z" << qint64(-1);
        QTest::newRow("trailing") << "2024-01-02T14:30:00Zx" << qint64(-1);
    }
    void parseTime()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const std::optional<qint64> t = alpaca::parseTime(text);
        if (expected < 0)
            QVERIFY(!t);
        else
            QCOMPARE(t.value_or(-1), expected);
    }

    void timeframeParam_data()
    {
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<QString>("expected"); // empty = Unsupported
        QTest::newRow("1m") << "1m" << "1Min";
        QTest::newRow("15m") << "15m" << "15Min";
        QTest::newRow("1h") << "1h" << "1Hour";
        QTest::newRow("4h") << "4h" << "4Hour";
        QTest::newRow("1d") << "1d" << "1Day";
        QTest::newRow("1w") << "1w" << "1Week";
        QTest::newRow("1M") << "1M" << "1Month";
        QTest::newRow("6M") << "6M" << "6Month";
        QTest::newRow("5M") << "5M" << "";
        QTest::newRow("3d") << "3d" << "";
        QTest::newRow("90m") << "90m" << "";
    }
    void timeframeParam()
    {
        QFETCH(QString, timeframe);
        QFETCH(QString, expected);
        const Result<QString> p = alpaca::timeframeParam(Timeframe::parse(timeframe).value());
        if (expected.isEmpty()) {
            QVERIFY(!p);
            QCOMPARE(p.error().kind(), Error::Kind::Unsupported);
        } else {
            QCOMPARE(p.value(), expected);
        }
    }

    void parseBarsPage_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("symbol");
        QTest::addColumn<int>("count");     // -1 = error
        QTest::addColumn<QString>("token"); // or, for errors, a fragment the detail must hold
        QTest::addColumn<qint64>("firstT");

        const QByteArray single = R"({"bars":[{"t":"2024-01-03T14:30:00Z","o":184.22,"h":184.5,"l":184.1,"c":184.35,"v":131204,"n":1544,"vw":184.31},{"t":"2024-01-03T14:31:00Z","o":184.35,"h":184.4,"l":184.0,"c":184.05,"v":70119,"n":902,"vw":184.2}],"symbol":"AAPL","next_page_token":"QUFQTHxNfDIwMjQtMDEtMDNUMTQ6MzI6MDAuMDAwMDAwMDAwWg=="})";
        QTest::newRow("single page") << single << "AAPL" << 2
                                     << "QUFQTHxNfDIwMjQtMDEtMDNUMTQ6MzI6MDAuMDAwMDAwMDAwWg=="
                                     << utc("2024-01-03T14:30:00Z");
        QTest::newRow("single empty null")
            << QByteArray(R"({"bars":null,"symbol":"AAPL","next_page_token":null})") << "AAPL" << 0
            << "" << qint64(0);
        QTest::newRow("single empty array")
            << QByteArray(R"({"bars":[],"symbol":"AAPL","next_page_token":null})") << "AAPL" << 0
            << "" << qint64(0);
        const QByteArray crypto = R"({"bars":{"BTC/USD":[{"t":"2024-01-03T00:00:00Z","o":42835.1,"h":42850,"l":42801.2,"c":42810.65,"v":0.412371,"n":18,"vw":42823.9}]},"next_page_token":null})";
        QTest::newRow("crypto multi") << crypto << "BTC/USD" << 1 << "" << utc("2024-01-03T00:00:00Z");
        QTest::newRow("multi other symbol only")
            << QByteArray(R"({"bars":{"AAPL":[{"t":"2024-01-03T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]},"next_page_token":"eA=="})")
            << "MSFT" << 0 << "eA==" << qint64(0);
        QTest::newRow("not json") << QByteArray("<html>502 Bad Gateway</html>") << "AAPL" << -1
                                  << "<html>" << qint64(0);
        QTest::newRow("truncated") << single.left(single.size() / 2) << "AAPL" << -1 << "184.5"
                                   << qint64(0);
        QTest::newRow("price string")
            << QByteArray(R"({"bars":[{"t":"2024-01-03T14:30:00Z","o":"184.22","h":1,"l":1,"c":1,"v":1}],"next_page_token":null})")
            << "AAPL" << -1 << R"("o":"184.22")" << qint64(0);
        QTest::newRow("missing volume")
            << QByteArray(R"({"bars":[{"t":"2024-01-03T14:30:00Z","o":1,"h":1,"l":1,"c":1}],"next_page_token":null})")
            << "AAPL" << -1 << R"("t":"2024-01-03T14:30:00Z")" << qint64(0);
        QTest::newRow("bad time")
            << QByteArray(R"({"bars":[{"t":"yesterday","o":1,"h":1,"l":1,"c":1,"v":1}],"next_page_token":null})")
            << "AAPL" << -1 << "yesterday" << qint64(0);
        QTest::newRow("bars is a string")
            << QByteArray(R"({"bars":"none","next_page_token":null})") << "AAPL" << -1 << "none"
            << qint64(0);
        QTest::newRow("token is a number")
            << QByteArray(R"({"bars":[],"next_page_token":42})") << "AAPL" << -1 << "42"
            << qint64(0);
    }
    void parseBarsPage()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, symbol);
        QFETCH(int, count);
        QFETCH(QString, token);
        QFETCH(qint64, firstT);
        const Result<alpaca::BarsPage> page = alpaca::parseBarsPage(body, symbol);
        if (count < 0) {
            QVERIFY(!page);
            QCOMPARE(page.error().kind(), Error::Kind::BadResponse);
            QVERIFY2(page.error().detail().contains(token), qPrintable(page.error().detail()));
            return;
        }
        QVERIFY2(page, page ? "" : qPrintable(page.error().toString()));
        QCOMPARE(int(page->bars.size()), count);
        QCOMPARE(page->nextPageToken, token);
        if (count > 0)
            QCOMPARE(page->bars.front().t, firstT);
    }

    void parseBarValues()
    {
        const QByteArray body = R"({"bars":[{"t":"2024-01-03T14:30:00Z","o":184.22,"h":184.5,"l":184.1,"c":184.35,"v":131204,"n":1544,"vw":184.31}],"symbol":"AAPL","next_page_token":null})";
        const Result<alpaca::BarsPage> page = alpaca::parseBarsPage(body, QStringLiteral("AAPL"));
        QVERIFY(page);
        QCOMPARE(page->bars.front(),
                 (Bar{utc("2024-01-03T14:30:00Z"), 184.22, 184.5, 184.1, 184.35, 131204}));
    }

    void errorFromResponse_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::addColumn<QByteArray>("reset"); // X-Ratelimit-Reset, epoch s
        QTest::addColumn<Error::Kind>("kind");
        QTest::addColumn<qint64>("wait");
        const qint64 nowS = 1'700'000'000;
        QTest::newRow("403") << 403 << QByteArray(R"({"message":"forbidden."})") << QByteArray()
                             << QByteArray() << Error::Kind::Auth << qint64(-1);
        QTest::newRow("401") << 401 << QByteArray(R"({"message":"unauthorized."})") << QByteArray()
                             << QByteArray() << Error::Kind::Auth << qint64(-1);
        QTest::newRow("sip subscription")
            << 403 << QByteArray(R"({"message":"subscription does not permit querying recent SIP data"})")
            << QByteArray() << QByteArray() << Error::Kind::Auth << qint64(-1);
        QTest::newRow("429 retry-after") << 429 << QByteArray(R"({"message":"too many requests."})")
                                         << QByteArray("7") << QByteArray() << Error::Kind::RateLimited
                                         << qint64(7000);
        QTest::newRow("429 reset") << 429 << QByteArray(R"({"message":"too many requests."})")
                                   << QByteArray() << QByteArray::number(nowS + 12)
                                   << Error::Kind::RateLimited << qint64(12000);
        QTest::newRow("429 bare") << 429 << QByteArray() << QByteArray() << QByteArray()
                                  << Error::Kind::RateLimited << qint64(-1);
        QTest::newRow("422") << 422 << QByteArray(R"({"code":42210000,"message":"invalid timeframe"})")
                             << QByteArray() << QByteArray() << Error::Kind::BadInput << qint64(-1);
        QTest::newRow("404") << 404 << QByteArray(R"({"message":"endpoint not found"})") << QByteArray()
                             << QByteArray() << Error::Kind::NotFound << qint64(-1);
        QTest::newRow("500") << 500 << QByteArray(R"({"message":"internal server error"})")
                             << QByteArray() << QByteArray() << Error::Kind::Upstream << qint64(-1);
        QTest::newRow("503 html") << 503 << QByteArray("<html>down</html>") << QByteArray()
                                  << QByteArray() << Error::Kind::Upstream << qint64(-1);
    }
    void errorFromResponse()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, retryAfter);
        QFETCH(QByteArray, reset);
        QFETCH(Error::Kind, kind);
        QFETCH(qint64, wait);
        HttpResponse r;
        r.status = status;
        r.body = body;
        if (!retryAfter.isEmpty())
            r.headers.append({"retry-after", retryAfter});
        if (!reset.isEmpty())
            r.headers.append({"x-ratelimit-reset", reset});
        const Error e = alpaca::errorFromResponse(r, 1'700'000'000'000);
        QCOMPARE(e.kind(), kind);
        QCOMPARE(e.retryAfterMs(), wait);
        QVERIFY(e.message().contains(QString::number(status)));
    }

    void sessionRanges_data()
    {
        QTest::addColumn<QByteArray>("calendar");
        QTest::addColumn<bool>("extended");
        QTest::addColumn<qint64>("from");
        QTest::addColumn<qint64>("to");
        const QByteArray winter = R"([{"date":"2024-03-08","open":"09:30","close":"16:00","session_open":"0400","session_close":"2000","settlement_date":"2024-03-12"}])";
        const QByteArray summer = R"([{"date":"2024-03-11","open":"09:30","close":"16:00","session_open":"0400","session_close":"2000","settlement_date":"2024-03-13"}])";
        const QByteArray early = R"([{"date":"2024-11-29","open":"09:30","close":"13:00","session_open":"0400","session_close":"1700","settlement_date":"2024-12-03"}])";
        QTest::newRow("EST before DST") << winter << false << utc("2024-03-08T14:30:00Z")
                                        << utc("2024-03-08T21:00:00Z");
        QTest::newRow("EDT after DST") << summer << false << utc("2024-03-11T13:30:00Z")
                                       << utc("2024-03-11T20:00:00Z");
        QTest::newRow("early close") << early << false << utc("2024-11-29T14:30:00Z")
                                     << utc("2024-11-29T18:00:00Z");
        QTest::newRow("extended EDT") << summer << true << utc("2024-03-11T08:00:00Z")
                                      << utc("2024-03-12T00:00:00Z");
        QTest::newRow("extended early close") << early << true << utc("2024-11-29T09:00:00Z")
                                              << utc("2024-11-29T22:00:00Z");
    }
    void sessionRanges()
    {
        QFETCH(QByteArray, calendar);
        QFETCH(bool, extended);
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        const Result<QList<alpaca::CalendarDay>> days = alpaca::parseCalendar(calendar);
        QVERIFY(days);
        const TimeRange all{utc("2024-01-01T00:00:00Z"), utc("2025-01-01T00:00:00Z")};
        const TimeRanges r = alpaca::sessionRanges(*days, all, extended);
        QCOMPARE(r.size(), size_t(1));
        QCOMPARE(r.front().from, from);
        QCOMPARE(r.front().to, to);
        // Clipped to the asked range.
        const TimeRanges clipped = alpaca::sessionRanges(*days, TimeRange{from + 60'000, to}, extended);
        QCOMPARE(clipped.front().from, from + 60'000);
    }

    void parseCalendarMalformed()
    {
        const Result<QList<alpaca::CalendarDay>> bad =
            alpaca::parseCalendar(R"([{"date":"2024-11-29","open":"9h30","close":"13:00"}])");
        QVERIFY(!bad);
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
        QVERIFY(bad.error().detail().contains(QLatin1String("9h30")));
    }

    // --- against the fake ------------------------------------------------------------------

    void monthOfStockMinutes()
    {
        auto p = plugin(settings());
        p->setPageLimit(1000); // several pages per day range: exercise next_page_token
        const TimeRange month{utc("2024-11-01T00:00:00Z"), utc("2024-12-01T00:00:00Z")};
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("AAPL"), month.from, month.to);
        QVERIFY2(batch, batch ? "" : qPrintable(batch.error().toString()));
        const Bars truth = m_fake->groundTruth(QStringLiteral("AAPL"), month);
        QVERIFY(truth.size() > 7000); // ~20 sessions of 390 minutes, minus no-trade minutes
        QCOMPARE(batch->bars.size(), truth.size());
        QVERIFY(batch->bars == truth);
        QCOMPARE(batch->covered, month);
        const int pages = int((truth.size() + 999) / 1000);
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v2/stocks/AAPL/bars")), pages);
        QCOMPARE(batch->requests, pages + 1); // + the asset list, loaded once
        // No bar outside the sessions; no bar on Thanksgiving; the early close holds.
        for (const Bar &b : batch->bars) {
            const QDateTime ny = QDateTime::fromMSecsSinceEpoch(b.t, QTimeZone("America/New_York"));
            QVERIFY(ny.time() >= QTime(9, 30));
            QVERIFY(ny.time() < (ny.date() == QDate(2024, 11, 29) ? QTime(13, 0) : QTime(16, 0)));
            QVERIFY(ny.date() != QDate(2024, 11, 28));
        }
    }

    void monthOfCryptoMinutesWithoutKeys()
    {
        ProviderSettings s = settings(QStringLiteral("crypto"));
        s.apiKey.clear();
        s.apiSecret.clear();
        auto p = plugin(s);
        const TimeRange month{utc("2024-02-01T00:00:00Z"), utc("2024-03-01T00:00:00Z")};
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("BTC/USD"), month.from, month.to);
        QVERIFY2(batch, batch ? "" : qPrintable(batch.error().toString()));
        const Bars truth = m_fake->groundTruth(QStringLiteral("BTC/USD"), month);
        QCOMPARE(truth.size(), size_t(29 * 24 * 60));
        QVERIFY(batch->bars == truth);
        QCOMPARE(batch->requests, 5); // 41,760 bars at 10,000 per page
        QCOMPARE(QUrlQuery(m_fake->requestLog().first())
                     .queryItemValue(QStringLiteral("symbols"), QUrl::FullyDecoded),
                 QStringLiteral("BTC/USD"));
    }

    void pageEdges_data()
    {
        QTest::addColumn<QString>("symbol");
        QTest::addColumn<int>("limit");
        QTest::addColumn<int>("serverCap");
        QTest::newRow("limit 1") << "MSFT" << 1 << 10000;
        QTest::newRow("limit 7") << "MSFT" << 7 << 10000;
        QTest::newRow("limit 389") << "MSFT" << 389 << 10000;
        QTest::newRow("limit 390") << "MSFT" << 390 << 10000;
        QTest::newRow("short pages") << "MSFT" << 10000 << 97;
        QTest::newRow("crypto limit 60") << "ETH/USD" << 60 << 10000;
        QTest::newRow("crypto short pages") << "ETH/USD" << 1000 << 59;
    }
    void pageEdges()
    {
        QFETCH(QString, symbol);
        QFETCH(int, limit);
        QFETCH(int, serverCap);
        m_fake->setMaxPageSize(serverCap);
        auto p = plugin(settings());
        p->setPageLimit(limit);
        // Two sessions, from mid-morning to mid-morning: edges fall everywhere.
        const TimeRange range{utc("2024-03-07T16:07:00Z"), utc("2024-03-08T15:33:00Z")};
        const Result<BarBatch> batch = fetch(*p, symbol, range.from, range.to);
        QVERIFY2(batch, batch ? "" : qPrintable(batch.error().toString()));
        const Bars truth = m_fake->groundTruth(symbol, range);
        QVERIFY(!truth.empty());
        QVERIFY(batch->bars == truth);
    }

    void rangeIsHalfOpen_data()
    {
        QTest::addColumn<QString>("symbol");
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<qint64>("since");
        QTest::addColumn<qint64>("until");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("last");
        QTest::newRow("aligned") << "ETH/USD" << "1m" << utc("2024-03-07T10:00:00Z")
                                 << utc("2024-03-07T11:00:00Z") << utc("2024-03-07T10:00:00Z")
                                 << utc("2024-03-07T10:59:00Z");
        QTest::newRow("since mid-minute") << "ETH/USD" << "1m" << utc("2024-03-07T10:00:30Z")
                                          << utc("2024-03-07T11:00:00Z")
                                          << utc("2024-03-07T10:01:00Z")
                                          << utc("2024-03-07T10:59:00Z");
        QTest::newRow("until mid-minute") << "ETH/USD" << "1m" << utc("2024-03-07T10:00:00Z")
                                          << utc("2024-03-07T10:59:30Z")
                                          << utc("2024-03-07T10:00:00Z")
                                          << utc("2024-03-07T10:59:00Z");
        QTest::newRow("hours") << "ETH/USD" << "1h" << utc("2024-03-07T10:00:00Z")
                               << utc("2024-03-07T14:00:00Z") << utc("2024-03-07T10:00:00Z")
                               << utc("2024-03-07T13:00:00Z");
        // Day bars come stamped at midnight New York time and start at midnight UTC of the
        // same date in Barkeep, as every daily series does.
        QTest::newRow("stock days") << "SPY" << "1d" << utc("2024-03-04T00:00:00Z")
                                    << utc("2024-03-09T00:00:00Z") << utc("2024-03-04T00:00:00Z")
                                    << utc("2024-03-08T00:00:00Z");
    }
    void rangeIsHalfOpen()
    {
        QFETCH(QString, symbol);
        QFETCH(QString, timeframe);
        QFETCH(qint64, since);
        QFETCH(qint64, until);
        QFETCH(qint64, first);
        QFETCH(qint64, last);
        auto p = plugin(settings());
        const Result<BarBatch> batch = fetch(*p, symbol, since, until, timeframe);
        QVERIFY2(batch, batch ? "" : qPrintable(batch.error().toString()));
        QVERIFY(!batch->bars.empty());
        QCOMPARE(batch->bars.front().t, first);
        QCOMPARE(batch->bars.back().t, last);
        QCOMPARE(batch->covered, (TimeRange{since, until}));
    }

    // Native day, week and month bars: one day bar per session (holidays absent, early
    // closes included), re-based from New York midnight onto the UTC date, values as Alpaca
    // sent them (the divergent day's bar is Alpaca's, not the rollup of its minutes).
    void nativeSessionBars()
    {
        m_fake->setDivergentDay(QDate(2024, 11, 27));
        auto p = plugin(settings());
        const TimeRange range{utc("2024-11-25T00:00:00Z"), utc("2024-12-02T00:00:00Z")};
        const Result<BarBatch> days = fetch(*p, QStringLiteral("SPY"), range.from, range.to,
                                            QStringLiteral("1d"));
        QVERIFY2(days, days ? "" : qPrintable(days.error().toString()));
        const Bars wire = m_fake->nativeTruth(QStringLiteral("SPY"), range, QStringLiteral("1Day"));
        QCOMPARE(days->bars.size(), std::size_t(4)); // 25, 26, 27, 29 (28: Thanksgiving)
        QCOMPARE(wire.size(), days->bars.size());
        const qint64 expected[] = {utc("2024-11-25T00:00:00Z"), utc("2024-11-26T00:00:00Z"),
                                   utc("2024-11-27T00:00:00Z"), utc("2024-11-29T00:00:00Z")};
        for (std::size_t i = 0; i < wire.size(); ++i) {
            QCOMPARE(days->bars[i].t, expected[i]);
            Bar sent = wire[i];
            sent.t = expected[i];
            QCOMPARE(days->bars[i], sent);
        }
        // The early close's bar holds 09:30-13:00 only.
        const Bars friday = m_fake->groundTruth(QStringLiteral("SPY"),
                                                {utc("2024-11-29T14:30:00Z"), utc("2024-11-30T00:00:00Z")});
        QVERIFY(friday.back().t < utc("2024-11-29T18:00:00Z"));
        QCOMPARE(days->bars[3].c, friday.back().c);
        // Divergent day: Alpaca's day bar counts more than its minutes.
        const Bars wednesday = m_fake->groundTruth(QStringLiteral("SPY"),
                                                   {utc("2024-11-27T14:30:00Z"), utc("2024-11-28T00:00:00Z")});
        double minuteVolume = 0;
        for (const Bar &m : wednesday)
            minuteVolume += m.v;
        QVERIFY(days->bars[2].v > minuteVolume);

        const Result<BarBatch> weeks = fetch(*p, QStringLiteral("SPY"), utc("2024-10-28T00:00:00Z"),
                                             utc("2024-12-02T00:00:00Z"), QStringLiteral("1w"));
        QVERIFY2(weeks, weeks ? "" : qPrintable(weeks.error().toString()));
        QCOMPARE(weeks->bars.size(), std::size_t(5));
        for (const Bar &b : weeks->bars)
            QCOMPARE(QDateTime::fromMSecsSinceEpoch(b.t, QTimeZone::utc()).time(), QTime(0, 0));
        QCOMPARE(weeks->bars.front().t, utc("2024-10-28T00:00:00Z")); // a Monday
        const Result<BarBatch> months = fetch(*p, QStringLiteral("SPY"), utc("2024-01-01T00:00:00Z"),
                                              utc("2025-01-01T00:00:00Z"), QStringLiteral("1M"));
        QVERIFY2(months, months ? "" : qPrintable(months.error().toString()));
        QCOMPARE(months->bars.size(), std::size_t(12));
        QCOMPARE(months->bars[1].t, utc("2024-02-01T00:00:00Z"));
    }

    void mislabeledIntervalRefused_data()
    {
        QTest::addColumn<QString>("asked");
        QTest::addColumn<QString>("served");
        QTest::newRow("1m asked, hours served") << "1m" << "1Hour";
        QTest::newRow("1d asked, hours served") << "1d" << "1Hour";
        QTest::newRow("1h asked, minutes served") << "1h" << "1Min";
        QTest::newRow("1d asked, weeks served") << "1d" << "1Week";
    }
    void mislabeledIntervalRefused()
    {
        QFETCH(QString, asked);
        QFETCH(QString, served);
        m_fake->setMislabeledTimeframe(served);
        auto p = plugin(settings());
        const TimeRange range{utc("2024-01-02T00:00:00Z"), utc("2024-06-01T00:00:00Z")};
        const qint64 until = asked == u"1m" ? utc("2024-01-10T00:00:00Z") : range.to;
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("SPY"), range.from, until, asked);
        QVERIFY2(!batch, "the mislabeled answer was taken");
        QCOMPARE(batch.error().kind(), Error::Kind::BadResponse);
        QVERIFY2(batch.error().message().contains(u"not stored"), qPrintable(batch.error().toString()));
    }

    void aggregatedBarsMatchMinutes()
    {
        // The fake's 5Min bars are built from its minutes; ours must be the same buckets.
        auto p = plugin(settings());
        const TimeRange range{utc("2024-03-07T10:00:00Z"), utc("2024-03-07T12:00:00Z")};
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("SOL/USD"), range.from, range.to,
                                             QStringLiteral("5m"));
        QVERIFY(batch);
        QCOMPARE(batch->bars.size(), size_t(24));
        const Bars minutes = m_fake->groundTruth(QStringLiteral("SOL/USD"),
                                                 {range.from, range.from + 5 * kMinuteMs});
        QCOMPARE(batch->bars.front().o, minutes.front().o);
        QCOMPARE(batch->bars.front().c, minutes.back().c);
    }

    void formingBarIsNeverCovered()
    {
        auto p = plugin(settings());
        const qint64 now = utc("2024-03-07T10:30:20Z");
        p->setClock([now] { return now; });
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("BTC/USD"),
                                             utc("2024-03-07T10:00:00Z"), utc("2024-03-07T11:00:00Z"));
        QVERIFY(batch);
        QCOMPARE(batch->covered.to, utc("2024-03-07T10:30:00Z"));
        QCOMPARE(batch->bars.size(), size_t(30));
        QCOMPARE(batch->bars.back().t, utc("2024-03-07T10:29:00Z"));
        // Entirely in the future: nothing asked, nothing covered.
        const int before = m_fake->requestCount();
        const Result<BarBatch> future = fetch(*p, QStringLiteral("BTC/USD"),
                                              utc("2024-03-07T10:31:00Z"), utc("2024-03-07T11:00:00Z"));
        QVERIFY(future);
        QVERIFY(future->covered.isEmpty());
        QCOMPARE(m_fake->requestCount(), before);
    }

    void stockMinutesWithoutTradesHaveNoBar()
    {
        auto p = plugin(settings());
        const TimeRange day{utc("2024-03-07T14:30:00Z"), utc("2024-03-07T21:00:00Z")};
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("TSLA"), day.from, day.to);
        QVERIFY(batch);
        QVERIFY(batch->bars.size() < 390); // the fake leaves ~1 in 40 minutes without trades
        QVERIFY(batch->bars.size() > 330);
        QVERIFY(batch->bars == m_fake->groundTruth(QStringLiteral("TSLA"), day));
        QCOMPARE(batch->covered, day); // yet the whole session is covered
    }

    void feedAndHeadersAreSent_data()
    {
        QTest::addColumn<QString>("feed");
        QTest::newRow("sip") << "sip";
        QTest::newRow("iex") << "iex";
        QTest::newRow("none") << "";
    }
    void feedAndHeadersAreSent()
    {
        QFETCH(QString, feed);
        ProviderSettings s = settings();
        s.feed = feed;
        auto p = plugin(s);
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("AAPL"), utc("2024-03-07T15:00:00Z"),
                                             utc("2024-03-07T15:10:00Z"));
        QVERIFY(batch); // the fake answers 403 unless both APCA headers are right
        const QUrl last = m_fake->requestLog().last();
        QCOMPARE(last.path(), QStringLiteral("/v2/stocks/AAPL/bars"));
        const QUrlQuery q(last);
        QCOMPARE(q.queryItemValue(QStringLiteral("feed")), feed);
        QCOMPARE(q.queryItemValue(QStringLiteral("timeframe")), QStringLiteral("1Min"));
        QCOMPARE(q.queryItemValue(QStringLiteral("start")), QStringLiteral("2024-03-07T15:00:00Z"));
        // end is inclusive at Alpaca: one second before our exclusive until
        QCOMPARE(q.queryItemValue(QStringLiteral("end")), QStringLiteral("2024-03-07T15:09:59Z"));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("symbol");
        QTest::addColumn<Error::Kind>("kind");
        QTest::newRow("wrong keys") << "wrongkeys" << "AAPL" << Error::Kind::Auth;
        QTest::newRow("wrong keys crypto") << "wrongkeys" << "BTC/USD" << Error::Kind::Auth;
        QTest::newRow("no keys stocks") << "nokeys" << "AAPL" << Error::Kind::Auth;
        QTest::newRow("429 retry-after") << "429" << "BTC/USD" << Error::Kind::RateLimited;
        QTest::newRow("429 reset only") << "429reset" << "BTC/USD" << Error::Kind::RateLimited;
        QTest::newRow("500") << "500" << "BTC/USD" << Error::Kind::Upstream;
        QTest::newRow("503") << "503" << "AAPL" << Error::Kind::Upstream;
        QTest::newRow("truncated") << "truncated" << "AAPL" << Error::Kind::BadResponse;
        QTest::newRow("html") << "html" << "BTC/USD" << Error::Kind::BadResponse;
        QTest::newRow("bad bar") << "badbar" << "AAPL" << Error::Kind::BadResponse;
        QTest::newRow("bad time") << "badtime" << "BTC/USD" << Error::Kind::BadResponse;
        QTest::newRow("refused") << "refused" << "BTC/USD" << Error::Kind::Network;
        QTest::newRow("bad timeframe") << "3d" << "BTC/USD" << Error::Kind::Unsupported;
        QTest::newRow("bad symbol") << "" << "aapl" << Error::Kind::BadInput;
        QTest::newRow("unknown stock") << "" << "ZZZZ" << Error::Kind::NotFound;
        QTest::newRow("unknown crypto") << "" << "XYZ/USD" << Error::Kind::NotFound;
        QTest::newRow("cancelled") << "cancel" << "BTC/USD" << Error::Kind::Cancelled;
    }
    void errors()
    {
        QFETCH(QString, fault);
        QFETCH(QString, symbol);
        QFETCH(Error::Kind, kind);
        ProviderSettings s = settings();
        QString timeframe = QStringLiteral("1m");
        std::atomic<bool> cancel{false};
        if (fault == QLatin1String("wrongkeys")) {
            s.apiKey = QStringLiteral("PKWRONGKEY123");
            s.apiSecret = QStringLiteral("wrong-secret-456");
        } else if (fault == QLatin1String("nokeys")) {
            s.apiKey.clear();
            s.apiSecret.clear();
        } else if (fault == QLatin1String("429")) {
            m_fake->setRateLimitPerMinute(1);
        } else if (fault == QLatin1String("429reset")) {
            m_fake->setRateLimitPerMinute(1);
            m_fake->setRetryAfterHeader(false);
        } else if (fault == QLatin1String("500")) {
            m_fake->failNext(2, 500);
        } else if (fault == QLatin1String("503")) {
            m_fake->failNext(100, 503);
        } else if (fault == QLatin1String("truncated")) {
            m_fake->setMalformed(AlpacaFake::Malformed::Truncated);
        } else if (fault == QLatin1String("html")) {
            m_fake->setMalformed(AlpacaFake::Malformed::NotJson);
        } else if (fault == QLatin1String("badbar")) {
            m_fake->setMalformed(AlpacaFake::Malformed::BadBar);
        } else if (fault == QLatin1String("badtime")) {
            m_fake->setMalformed(AlpacaFake::Malformed::BadTime);
        } else if (fault == QLatin1String("refused")) {
            AlpacaFake closed;
            const quint16 port = closed.listen();
            s.baseUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        } else if (fault == QLatin1String("3d")) {
            timeframe = QStringLiteral("3d");
        } else if (fault == QLatin1String("cancel")) {
            cancel = true;
        }
        auto p = plugin(s);
        if (fault.startsWith(QLatin1String("429"))) // spend the minute's only request
            (void)fetch(*p, QStringLiteral("BTC/USD"), utc("2024-03-07T10:00:00Z"),
                        utc("2024-03-07T10:01:00Z"));
        BarRequest r;
        r.symbol = symbol;
        r.timeframe = timeframe;
        r.since = utc("2024-03-07T15:00:00Z");
        r.until = utc("2024-03-07T16:00:00Z");
        r.cancel = &cancel;
        const Result<BarBatch> batch = onWorker([&] { return p->fetchBars(r); });
        QVERIFY(!batch);
        QCOMPARE(batch.error().kind(), kind);
        if (kind == Error::Kind::RateLimited) {
            QVERIFY(batch.error().retryAfterMs() >= 0);
            QVERIFY(batch.error().retryAfterMs() <= 61'000);
        }
        if (kind == Error::Kind::BadResponse)
            QVERIFY(!batch.error().detail().isEmpty());
        if (fault == QLatin1String("nokeys"))
            QCOMPARE(m_fake->requestCount(), 0); // refused before any request
        for (const QString &secret : {s.apiKey, s.apiSecret}) {
            if (secret.isEmpty())
                continue;
            QVERIFY(!batch.error().message().contains(secret));
            QVERIFY(!batch.error().detail().contains(secret));
        }
    }

    void recoversAfterTransientErrors()
    {
        m_fake->failNext(2, 502); // the asset list, then the bars
        auto p = plugin(settings());
        const TimeRange r{utc("2024-03-07T15:00:00Z"), utc("2024-03-07T16:00:00Z")};
        QVERIFY(!fetch(*p, QStringLiteral("AAPL"), r.from, r.to));
        const Result<BarBatch> again = fetch(*p, QStringLiteral("AAPL"), r.from, r.to);
        QVERIFY(again);
        QVERIFY(again->bars == m_fake->groundTruth(QStringLiteral("AAPL"), r));
    }

    void latencyIsAnsweredAsynchronously()
    {
        m_fake->setLatency(30);
        auto p = plugin(settings());
        p->setPageLimit(100);
        const TimeRange r{utc("2024-03-07T15:00:00Z"), utc("2024-03-07T20:00:00Z")};
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("SPY"), r.from, r.to);
        QVERIFY(batch);
        QVERIFY(batch->bars == m_fake->groundTruth(QStringLiteral("SPY"), r));
        QVERIFY(batch->requests >= 3);
    }

    void outageLeavesCoveredHole()
    {
        const TimeRange outage{utc("2024-03-07T10:10:00Z"), utc("2024-03-07T10:20:00Z")};
        m_fake->addOutage(outage);
        auto p = plugin(settings());
        const TimeRange r{utc("2024-03-07T10:00:00Z"), utc("2024-03-07T10:30:00Z")};
        const Result<BarBatch> batch = fetch(*p, QStringLiteral("BTC/USD"), r.from, r.to);
        QVERIFY(batch);
        QCOMPARE(batch->bars.size(), size_t(20));
        QVERIFY(batch->bars == m_fake->groundTruth(QStringLiteral("BTC/USD"), r));
    }

    void sessionsFromCalendar()
    {
        auto p = plugin(settings());
        // Thanksgiving week 2024 and the DST change on 2024-11-03.
        const TimeRange range{utc("2024-11-01T00:00:00Z"), utc("2024-12-03T00:00:00Z")};
        const Result<TimeRanges> s =
            onWorker([&] { return p->sessions(QStringLiteral("AAPL"), range); });
        QVERIFY2(s, s ? "" : qPrintable(s.error().toString()));
        // November 2024: 21 weekdays − Thanksgiving = 20 sessions, plus Dec 2.
        QCOMPARE(s->size(), size_t(21));
        QCOMPARE(s->front(), (TimeRange{utc("2024-11-01T13:30:00Z"), utc("2024-11-01T20:00:00Z")}));
        QCOMPARE(s->at(1), (TimeRange{utc("2024-11-04T14:30:00Z"), utc("2024-11-04T21:00:00Z")}));
        bool sawEarlyClose = false;
        for (const TimeRange &r : *s) {
            QVERIFY(!TimeRange({utc("2024-11-28T00:00:00Z"), utc("2024-11-29T00:00:00Z")}).contains(r.from));
            if (r.from == utc("2024-11-29T14:30:00Z")) {
                QCOMPARE(r.to, utc("2024-11-29T18:00:00Z"));
                sawEarlyClose = true;
            }
        }
        QVERIFY(sawEarlyClose);
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v2/calendar")), 1);
        // Cached: the same and any inner range cost no further request.
        QVERIFY(onWorker([&] { return p->sessions(QStringLiteral("AAPL"), range); }));
        const TimeRange inner{utc("2024-11-29T15:00:00Z"), utc("2024-11-29T16:00:00Z")};
        const Result<TimeRanges> clipped =
            onWorker([&] { return p->sessions(QStringLiteral("MSFT"), inner); });
        QVERIFY(clipped);
        QCOMPARE(clipped->size(), size_t(1));
        QCOMPARE(clipped->front(), inner);
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v2/calendar")), 1);
        // Extended hours use session_open/session_close.
        p->setExtendedHours(true);
        const Result<TimeRanges> ext = onWorker([&] {
            return p->sessions(QStringLiteral("AAPL"), {utc("2024-11-29T00:00:00Z"),
                                                        utc("2024-11-30T06:00:00Z")});
        });
        QVERIFY(ext);
        QCOMPARE(ext->front(), (TimeRange{utc("2024-11-29T09:00:00Z"), utc("2024-11-30T01:00:00Z")}));
    }

    void sessionsForCryptoAreTheRange()
    {
        auto p = plugin(settings(QStringLiteral("crypto")));
        const TimeRange range{utc("2024-11-28T00:00:00Z"), utc("2024-11-29T00:00:00Z")};
        const Result<TimeRanges> s = p->sessions(QStringLiteral("BTC/USD"), range);
        QVERIFY(s);
        QCOMPARE(*s, TimeRanges{range});
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void sessionsNeedKeys()
    {
        ProviderSettings s = settings();
        s.apiSecret = QStringLiteral("not-the-secret");
        auto p = plugin(s);
        const Result<TimeRanges> r = onWorker([&] {
            return p->sessions(QStringLiteral("AAPL"), {utc("2024-11-01T00:00:00Z"),
                                                        utc("2024-11-02T00:00:00Z")});
        });
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::Auth);
    }

    void symbolsOfBothMarkets()
    {
        auto stocks = plugin(settings());
        const Result<QList<SymbolInfo>> s = onWorker([&] { return stocks->symbols(); });
        QVERIFY(s);
        QStringList names;
        for (const SymbolInfo &i : *s)
            names << i.symbol;
        QCOMPARE(names, AlpacaFake::stockSymbols());
        QVERIFY(onWorker([&] { return stocks->symbols(); }));
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v2/assets")), 1); // loaded once

        ProviderSettings cs = settings(QStringLiteral("crypto"));
        cs.apiKey.clear();
        cs.apiSecret.clear();
        auto crypto = plugin(cs);
        const Result<QList<SymbolInfo>> c = crypto->symbols();
        QVERIFY(c);
        QVERIFY(std::any_of(c->cbegin(), c->cend(), [](const SymbolInfo &i) {
            return i.symbol == QLatin1String("BTC/USD") && i.base == QLatin1String("BTC")
                && i.quote == QLatin1String("USD");
        }));
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v2/assets")), 1);
    }

    void credentialsNeverInLogsOrErrors()
    {
        // A key equal to text of the fake's 403 body proves that echoed text is scrubbed.
        const QStringList keys{QStringLiteral("forbidden."), QStringLiteral("PKSECRETKEYID42")};
        for (const QString &key : keys) {
            {
                QMutexLocker lock(&g_logMutex);
                g_log.clear();
            }
            ProviderSettings s = settings();
            s.apiKey = key;
            s.apiSecret = QStringLiteral("sEcReT-vAlUe-99");
            auto p = plugin(s);
            const TimeRange r{utc("2024-03-07T15:00:00Z"), utc("2024-03-07T16:00:00Z")};
            const Result<BarBatch> denied = fetch(*p, QStringLiteral("AAPL"), r.from, r.to);
            QVERIFY(!denied);
            QCOMPARE(denied.error().kind(), Error::Kind::Auth);
            const Result<TimeRanges> sessions =
                onWorker([&] { return p->sessions(QStringLiteral("AAPL"), r); });
            QVERIFY(!sessions);
            // And a successful run with the right secret but logging on.
            ProviderSettings good = settings();
            auto ok = plugin(good);
            m_fake->failNext(2, 500);
            QVERIFY(!fetch(*ok, QStringLiteral("AAPL"), r.from, r.to));
            QVERIFY(fetch(*ok, QStringLiteral("AAPL"), r.from, r.to));

            QMutexLocker lock(&g_logMutex);
            QVERIFY(!g_log.isEmpty()); // the debug lines did run
            for (const QString &line : std::as_const(g_log)) {
                for (const QString &secret : {key, s.apiSecret, good.apiKey, good.apiSecret})
                    QVERIFY2(!line.contains(secret), qPrintable(line));
            }
            for (const Error &e : {denied.error(), sessions.error()}) {
                for (const QString &secret : {key, s.apiSecret}) {
                    QVERIFY2(!e.message().contains(secret), qPrintable(e.message()));
                    QVERIFY2(!e.detail().contains(secret), qPrintable(e.detail()));
                    QVERIFY(!e.toString().contains(secret));
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestAlpacaPlugin)
#include "tst_alpacaplugin.moc"
