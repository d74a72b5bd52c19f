// SPDX-License-Identifier: GPL-3.0-or-later
#include "bybitexchange.h"
#include "bybitfake.h"
#include "bybitstream.h"
#include "bybitstreamfake.h"
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

// A trimmed instruments-info answer for category=linear (one perpetual, one dated future).
const QByteArray kLinearInstruments
    = "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\",\"list\":["
      "{\"symbol\":\"BTCUSDT\",\"contractType\":\"LinearPerpetual\",\"status\":\"Trading\","
      "\"baseCoin\":\"BTC\",\"quoteCoin\":\"USDT\",\"settleCoin\":\"USDT\",\"launchTime\":\"1585526400000\"},"
      "{\"symbol\":\"BTC-27DEC24\",\"contractType\":\"LinearFutures\",\"status\":\"Trading\","
      "\"baseCoin\":\"BTC\",\"quoteCoin\":\"USDT\",\"settleCoin\":\"USDT\"}],"
      "\"nextPageCursor\":\"\"},\"retExtInfo\":{},\"time\":1706803708087}";

QByteArray klineBody(const QByteArray &list)
{
    return "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"symbol\":\"BTCUSDT\",\"category\":\"linear\","
           "\"list\":" + list + "},\"retExtInfo\":{},\"time\":1706803708087}";
}

ProviderSettings settings(const QUrl &url, const QString &market)
{
    ProviderSettings s = test::settingsFor(QStringLiteral("bybit"), url);
    s.market = market;
    return s;
}

qint64 monthStart(int y, int m)
{
    return QDateTime(QDate(y, m, 1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}
} // namespace

class TestBybitExchange : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<BybitExchange> plugin(const QUrl &url, const QString &market = QStringLiteral("crypto"),
                                          std::shared_ptr<ProviderContext> context = {})
    {
        return std::make_unique<BybitExchange>(settings(url, market),
                                               context ? context : std::make_shared<ProviderContext>());
    }

private slots:
    void recordedAnswers()
    {
        const std::optional<QJsonArray> cases = test::recordedCases(QStringLiteral("bybit"));
        if (!cases)
            QFAIL("no recorded answers in BARKEEP_CCXT_FIXTURES_DIR (tests/fixtures/ccxt-ohlcv)");
        QVERIFY(!cases->isEmpty());
        for (const QJsonValue &cv : *cases) {
            const QJsonObject c = cv.toObject();
            const Bars expected = test::recordedBars(c);
            // The parser alone.
            const Result<Bars> parsed = BybitExchange::parseKlines(test::recordedBody(c));
            QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().toString()));
            QVERIFY(*parsed == expected);

            // The whole fetch for the recorded input, answered with the recorded body.
            const QJsonArray input = c.value(QStringLiteral("input")).toArray();
            const QString symbol = input[0].toString();
            const bool perpetual = symbol.contains(QLatin1Char(':'));
            ScriptedServer server;
            QVERIFY(server.listen());
            server.setFixed(QStringLiteral("/v5/market/instruments-info"), 200, kLinearInstruments);
            server.enqueue(200, test::recordedBody(c));
            auto p = plugin(server.url(), perpetual ? QStringLiteral("perpetual") : QStringLiteral("crypto"));
            const qint64 since = qint64(input[2].toDouble());
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({symbol, input[1].toString(), since, expected.back().t + 3600000});
            });
            QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
            QVERIFY(r->bars == expected);
            const QUrlQuery q(server.requestLog().last());
            const QJsonObject match = c.value(QStringLiteral("request_match")).toObject()
                                          .value(QStringLiteral("query")).toObject();
            for (const char *key : {"category", "symbol", "interval"})
                QCOMPARE(q.queryItemValue(QString::fromLatin1(key)),
                         match.value(QString::fromLatin1(key)).toString());
            QCOMPARE(server.requestLog().last().path(), QStringLiteral("/v5/market/kline"));
        }
    }

    void parseKlines_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("fragment");
        const int ok = -1;
        QTest::newRow("newest first")
            << klineBody("[[\"1704067260000\",\"1\",\"2\",\"0.5\",\"1.5\",\"10\",\"15\"],"
                         "[\"1704067200000\",\"1\",\"2\",\"0.5\",\"1\",\"3\",\"4\"]]")
            << 2 << ok << QString();
        QTest::newRow("empty") << klineBody("[]") << 0 << ok << QString();
        QTest::newRow("oldest first (unordered)")
            << klineBody("[[\"1704067200000\",\"1\",\"2\",\"0.5\",\"1\",\"3\",\"4\"],"
                         "[\"1704067260000\",\"1\",\"2\",\"0.5\",\"1.5\",\"10\",\"15\"]]")
            << 0 << int(Error::Kind::BadResponse) << QStringLiteral("1704067260000");
        QTest::newRow("short row") << klineBody("[[\"1704067200000\",\"1\",\"2\"]]") << 0
                                   << int(Error::Kind::BadResponse) << QStringLiteral("[\"1704067200000\"");
        QTest::newRow("word for price")
            << klineBody("[[\"1704067200000\",\"x\",\"2\",\"0.5\",\"1\",\"3\",\"4\"]]") << 0
            << int(Error::Kind::BadResponse) << QStringLiteral("\"x\"");
        QTest::newRow("fractional time")
            << klineBody("[[\"1704067200000.5\",\"1\",\"2\",\"0.5\",\"1\",\"3\",\"4\"]]") << 0
            << int(Error::Kind::BadResponse) << QStringLiteral("1704067200000.5");
        QTest::newRow("no list") << QByteArray("{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{}}") << 0
                                 << int(Error::Kind::BadResponse) << QStringLiteral("retCode");
        QTest::newRow("truncated") << QByteArray("{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[[\"17")
                                   << 0 << int(Error::Kind::BadResponse) << QStringLiteral("retCode");
        QTest::newRow("10006 too many visits")
            << QByteArray("{\"retCode\":10006,\"retMsg\":\"Too many visits!\",\"result\":{},"
                          "\"retExtInfo\":{},\"time\":1706803708087}")
            << 0 << int(Error::Kind::RateLimited) << QStringLiteral("Too many visits");
        QTest::newRow("10001 unknown symbol (string retCode)")
            << QByteArray("{\"retCode\":\"10001\",\"retMsg\":\"Not supported symbols\",\"result\":{},"
                          "\"retExtInfo\":{},\"time\":\"1706803708087\"}")
            << 0 << int(Error::Kind::BadInput) << QStringLiteral("Not supported symbols");
        QTest::newRow("10016 server error")
            << QByteArray("{\"retCode\":10016,\"retMsg\":\"Internal system error.\",\"result\":{},"
                          "\"retExtInfo\":{},\"time\":1706803708087}")
            << 0 << int(Error::Kind::Upstream) << QStringLiteral("10016");
    }
    void parseKlines()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, rows);
        QFETCH(int, kind);
        QFETCH(QString, fragment);
        const Result<Bars> bars = BybitExchange::parseKlines(body);
        if (kind < 0) {
            QVERIFY2(bars, qPrintable(bars ? QString() : bars.error().toString()));
            QCOMPARE(int(bars->size()), rows);
            for (std::size_t i = 1; i < bars->size(); ++i)
                QVERIFY((*bars)[i].t > (*bars)[i - 1].t); // oldest first after parsing
            return;
        }
        QVERIFY(!bars);
        QCOMPARE(Error::kindName(bars.error().kind()), Error::kindName(Error::Kind(kind)));
        QVERIFY2(bars.error().detail().contains(fragment) || bars.error().message().contains(fragment),
                 qPrintable(bars.error().toString()));
    }

    void intervals()
    {
        QCOMPARE(BybitExchange::intervalOf(QStringLiteral("1m")), QStringLiteral("1"));
        QCOMPARE(BybitExchange::intervalOf(QStringLiteral("1h")), QStringLiteral("60"));
        QCOMPARE(BybitExchange::intervalOf(QStringLiteral("12h")), QStringLiteral("720"));
        QCOMPARE(BybitExchange::intervalOf(QStringLiteral("1d")), QStringLiteral("D"));
        QCOMPARE(BybitExchange::intervalOf(QStringLiteral("1w")), QStringLiteral("W"));
        QCOMPARE(BybitExchange::intervalOf(QStringLiteral("1M")), QStringLiteral("M"));
        QVERIFY(BybitExchange::intervalOf(QStringLiteral("8h")).isEmpty());
        QVERIFY(BybitExchange::intervalOf(QStringLiteral("3d")).isEmpty());
    }

    void spotAndPerpetualNeverMix()
    {
        BybitFake fake(3);
        fake.instrumentsPageSize = 2; // the linear list comes in three pages
        QVERIFY(fake.listen());
        auto spot = plugin(fake.url(), QStringLiteral("crypto"));
        auto perp = plugin(fake.url(), QStringLiteral("perpetual"));
        QCOMPARE(spot->category(), QStringLiteral("spot"));
        QCOMPARE(perp->category(), QStringLiteral("linear"));
        const Result<QList<SymbolInfo>> spotSymbols = offThread([&] { return spot->symbols(); });
        const Result<QList<SymbolInfo>> perpSymbols = offThread([&] { return perp->symbols(); });
        QVERIFY(spotSymbols && perpSymbols);
        QStringList s, p;
        for (const SymbolInfo &i : *spotSymbols)
            s << i.symbol;
        for (const SymbolInfo &i : *perpSymbols)
            p << i.symbol;
        QCOMPARE(s, (QStringList{QStringLiteral("BTC/USDT"), QStringLiteral("ETH/USDT"), QStringLiteral("SOL/USDT")}));
        // Perpetuals only (the dated BTC-27DEC24 is another series), across the cursor pages.
        QCOMPARE(p, (QStringList{QStringLiteral("BTC/USDT:USDT"), QStringLiteral("ETH/USDT:USDT"),
                                 QStringLiteral("SOL/USDT:USDT"), QStringLiteral("BTC/USDC:USDC")}));
        QCOMPARE(fake.requestCount(QStringLiteral("/v5/market/instruments-info")), 1 + 3);
        QCOMPARE(perpSymbols->at(0).native, QStringLiteral("BTCUSDT"));

        // The same native id, two series: each instance reads its own category.
        const TimeRange day{kJan2024, kJan2024 + 86400000};
        const Result<BarBatch> a = offThread([&] {
            return spot->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1h"), day.from, day.to});
        });
        const Result<BarBatch> b = offThread([&] {
            return perp->fetchBars({QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1h"), day.from, day.to});
        });
        QVERIFY(a && b);
        QVERIFY(a->bars == fake.groundTruth(BybitFake::truthKey(QStringLiteral("spot"), QStringLiteral("BTCUSDT")), day, QStringLiteral("1h")));
        QVERIFY(b->bars == fake.groundTruth(BybitFake::truthKey(QStringLiteral("linear"), QStringLiteral("BTCUSDT")), day, QStringLiteral("1h")));
        QVERIFY(!(a->bars == b->bars));
        // A perpetual's name means nothing to the spot instance, and the other way round.
        QCOMPARE(offThread([&] { return spot->fetchBars({QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1h"), day.from, day.to}); })
                     .error().kind(), Error::Kind::BadInput);
        QCOMPARE(offThread([&] { return perp->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1h"), day.from, day.to}); })
                     .error().kind(), Error::Kind::BadInput);
    }

    void pagingAcrossWindows()
    {
        // 2500 minutes from an unaligned start: three windows of at most 1000 buckets, each
        // answered newest first; bars equal to the truth, no edge twice.
        BybitFake fake(5);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url(), QStringLiteral("perpetual"));
        const qint64 since = kJan2024 + 30'000;
        const qint64 until = kJan2024 + 2500 * 60'000LL + 15'000;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("ETH/USDT:USDT"), QStringLiteral("1m"), since, until});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        const Bars truth = fake.groundTruth(BybitFake::truthKey(QStringLiteral("linear"), QStringLiteral("ETHUSDT")),
                                            {since, until});
        QVERIFY(truth.size() > 2400);
        QCOMPARE(r->bars.size(), truth.size());
        QVERIFY(r->bars == truth);
        QCOMPARE(r->covered, (TimeRange{since, until}));
        QCOMPARE(r->requests, 3);
        const QList<QUrl> log = fake.requestLog();
        const QUrlQuery w1(log[log.size() - 3]), w3(log.last());
        QCOMPARE(w1.queryItemValue(QStringLiteral("start")), QString::number(kJan2024 + 60'000));
        QCOMPARE(w1.queryItemValue(QStringLiteral("end")), QString::number(kJan2024 + 1001 * 60'000LL - 1));
        QCOMPARE(w1.queryItemValue(QStringLiteral("limit")), QStringLiteral("1000"));
        QCOMPARE(w3.queryItemValue(QStringLiteral("end")), QString::number(until - 1));
    }

    void nativeTimeframes()
    {
        BybitFake fake(8);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const QString &name : p->timeframes()) {
            const Timeframe tf = *Timeframe::parse(name);
            // About 30 buckets (three years of months) ending a while ago.
            const qint64 span = tf.isMonthly() ? 3 * 365 * 86400000LL : 30 * tf.durationMs();
            const TimeRange range{tf.bucketStart(now - 2 * span), tf.bucketStart(now - span)};
            const Result<BarBatch> r = offThread([&] {
                return p->fetchBars({QStringLiteral("BTC/USDT"), name, range.from, range.to});
            });
            QVERIFY2(r, qPrintable(name + QLatin1Char(' ') + (r ? QString() : r.error().toString())));
            const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), range, name);
            QVERIFY2(!truth.empty(), qPrintable(name));
            QVERIFY2(r->bars == truth, qPrintable(name));
            QCOMPARE(fake.requestLog().last().query().contains(QStringLiteral("interval=") + BybitExchange::intervalOf(name)), true);
        }
        const Result<BarBatch> bad = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("8h"), kJan2024, kJan2024 + 86400000});
        });
        QCOMPARE(bad.error().kind(), Error::Kind::Unsupported);
    }

    void formingCandle()
    {
        BybitFake fake(4);
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = now / 3600000 * 3600000 - 50 * 3600000LL;
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("SOL/USDT"), QStringLiteral("1h"), since, now + 7200000});
        });
        const qint64 after = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(r);
        // Bybit sent the forming hour (its newest row); it is not a bar yet.
        QVERIFY(r->covered.to == now / 3600000 * 3600000 || r->covered.to == after / 3600000 * 3600000);
        QVERIFY(r->bars.back().t < r->covered.to);
        QVERIFY(r->bars == fake.groundTruth(QStringLiteral("SOLUSDT"), r->covered, QStringLiteral("1h")));
    }

    void errors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::addColumn<qint64>("retryAtLeast");
        QTest::newRow("403 access too frequent") << 403 << QByteArray("access too frequent")
                                                 << int(Error::Kind::Banned) << qint64(600'000);
        QTest::newRow("429 system frequency protection")
            << 429 << QByteArray("{\"retCode\":10006,\"retMsg\":\"Too many visits!\"}")
            << int(Error::Kind::RateLimited) << qint64(1);
        QTest::newRow("200 retCode 10006")
            << 200 << QByteArray("{\"retCode\":10006,\"retMsg\":\"Too many visits!\",\"result\":{},\"retExtInfo\":{},\"time\":1}")
            << int(Error::Kind::RateLimited) << qint64(1);
        QTest::newRow("200 retCode 10001")
            << 200 << QByteArray("{\"retCode\":10001,\"retMsg\":\"params error\",\"result\":{},\"retExtInfo\":{},\"time\":1}")
            << int(Error::Kind::BadInput) << qint64(0);
        QTest::newRow("502 page") << 502 << QByteArray("<html>502 Bad Gateway</html>")
                                  << int(Error::Kind::Upstream) << qint64(0);
        QTest::newRow("200 html") << 200 << QByteArray("<html>cloudflare</html>")
                                  << int(Error::Kind::BadResponse) << qint64(0);
    }
    void errors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        QFETCH(qint64, retryAtLeast);
        ScriptedServer server;
        QVERIFY(server.listen());
        server.setFixed(QStringLiteral("/v5/market/instruments-info"), 200, kLinearInstruments);
        server.enqueue(status, body);
        RequestPacer::Limits limits;
        limits.provider = QStringLiteral("bybit");
        limits.requestsPerSecond = 120;
        RequestPacer pacer(limits);
        auto context = std::make_shared<ProviderContext>();
        context->http.setGate(&pacer);
        auto p = plugin(server.url(), QStringLiteral("perpetual"), context);
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000});
        });
        QVERIFY(!r);
        QCOMPARE(Error::kindName(r.error().kind()), Error::kindName(Error::Kind(kind)));
        if (retryAtLeast > 0)
            QVERIFY2(r.error().retryAfterMs() >= retryAtLeast, qPrintable(QString::number(r.error().retryAfterMs())));
        // A throttle or ban said in Bybit's words pauses the whole provider, not one request.
        const GateStats stats = pacer.stats();
        if (kind == int(Error::Kind::RateLimited) || kind == int(Error::Kind::Banned)) {
            QVERIFY(stats.rateLimited >= 1);
            QVERIFY(pacer.state().blocked());
        } else {
            QCOMPARE(stats.rateLimited, 0);
        }
    }

    void tooManyVisitsWithHeaders()
    {
        // The per-second limit: X-Bapi-Limit is learned by the gate, a 10006 waits for the
        // reset timestamp.
        BybitFake fake(2);
        fake.perSecondLimit = 3;
        QVERIFY(fake.listen());
        RequestPacer::Limits limits;
        limits.provider = QStringLiteral("bybit");
        limits.requestsPerSecond = 120;
        RequestPacer pacer(limits);
        auto context = std::make_shared<ProviderContext>();
        context->http.setGate(&pacer);
        auto p = plugin(fake.url(), QStringLiteral("crypto"), context);
        QVERIFY(offThread([&] { return p->symbols(); }));
        bool learned = false;
        for (const LimitUsage &u : pacer.stats().limits)
            learned = learned || (u.limit.intervalMs == 1000 && u.limit.limit == 3);
        QVERIFY(learned);
        // Paced at 3 per second, a 3-window fetch gets no 10006.
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 2500 * 60'000LL});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(fake.throttledCount(), 0);

        // Without the gate the fake says "Too many visits!" in its own words.
        auto bare = plugin(fake.url());
        Result<BarBatch> refused = Error(Error::Kind::Internal, QString());
        for (int i = 0; i < 8 && (refused || refused.error().kind() != Error::Kind::RateLimited); ++i)
            refused = offThread([&] {
                return bare->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1h"), kJan2024, kJan2024 + 3600000});
            });
        QCOMPARE(refused.error().kind(), Error::Kind::RateLimited);
        QVERIFY(refused.error().message().contains(QStringLiteral("Too many visits")));
        QVERIFY(refused.error().retryAfterMs() > 0 && refused.error().retryAfterMs() <= 1000);
        QVERIFY(fake.throttledCount() >= 1);
    }

    void ipBan()
    {
        BybitFake fake(6);
        fake.ipLimit = 4;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        const Result<BarBatch> r = offThread([&] {
            return p->fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1m"), monthStart(2024, 1), monthStart(2024, 2)});
        });
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::Banned);
        QVERIFY(r.error().retryAfterMs() >= 600'000);
        QCOMPARE(fake.bannedCount(), 1);
    }

    void stream()
    {
        BybitFake rest(12);
        BybitStreamFake ws(&rest);
        QVERIFY(rest.listen() && ws.listen());
        ProviderSettings s = settings(rest.url(), QStringLiteral("crypto"));
        s.wsUrl = ws.url().toString();
        BybitExchange ex(s, std::make_shared<ProviderContext>());
        QVERIFY(offThread([&] { return bool(ex.symbols()); }));
        QVERIFY(!ex.openStream(QStringLiteral("BTC/USDT:USDT"), QStringLiteral("1m"))); // not spot
        std::unique_ptr<BarStream> stream = ex.openStream(QStringLiteral("BTC/USDT"), QStringLiteral("1m"));
        QVERIFY(stream);
        QCOMPARE(static_cast<BybitStream *>(stream.get())->url().path(), QStringLiteral("/v5/public/spot"));
        static_cast<BybitStream *>(stream.get())->setAppPingInterval(50);
        QSignalSpy bars(stream.get(), &BarStream::barReceived);
        QSignalSpy connected(stream.get(), &BarStream::connected);
        QSignalSpy lost(stream.get(), &BarStream::disconnected);
        stream->open();
        QTRY_COMPARE(ws.subscribedClients(), 1);
        QTRY_COMPARE(connected.size(), 1);
        QVERIFY(ws.received().first().contains("\"args\":[\"kline.1.BTCUSDT\"]"));
        // Bybit's rule: the client pings ({"op":"ping"}), the server answers pong.
        QTRY_VERIFY(ws.pingsReceived() >= 2);
        const qint64 minute = kJan2024 + 12 * 3600000LL;
        const std::optional<Bar> forming = ws.pushBar(QStringLiteral("BTCUSDT"), minute, false);
        const std::optional<Bar> closed = ws.pushBar(QStringLiteral("BTCUSDT"), minute, true);
        QVERIFY(forming && closed);
        QTRY_COMPARE(bars.size(), 2);
        QCOMPARE(bars[0][1].toBool(), false);
        QCOMPARE(bars[1][0].value<Bar>(), rest.groundTruth(QStringLiteral("BTCUSDT"), {minute, minute + 60000}).front());
        QCOMPARE(bars[1][1].toBool(), true);
        // A dropped connection is reported; its owner reopens it.
        ws.dropAll();
        QTRY_COMPARE(lost.size(), 1);
        stream->open();
        QTRY_COMPARE(connected.size(), 2);
        QVERIFY(ws.pushBar(QStringLiteral("BTCUSDT"), minute + 60000, true));
        QTRY_COMPARE(bars.size(), 3);
    }

    void injectedFaults()
    {
        BybitFake fake;
        QVERIFY(fake.listen());
        auto p = plugin(fake.url());
        QVERIFY(offThread([&] { return p->symbols(); }));
        const BarRequest req{QStringLiteral("BTC/USDT"), QStringLiteral("1m"), kJan2024, kJan2024 + 3600000};
        fake.faults().serverErrorRate = 1;
        QCOMPARE(offThread([&] { return p->fetchBars(req); }).error().kind(), Error::Kind::Upstream);
        fake.htmlServerError = true;
        QCOMPARE(offThread([&] { return p->fetchBars(req); }).error().kind(), Error::Kind::Upstream);
        fake.faults().serverErrorRate = 0;
        fake.faults().malformedRate = 1;
        const Result<BarBatch> bad = offThread([&] { return p->fetchBars(req); });
        QCOMPARE(bad.error().kind(), Error::Kind::BadResponse);
        QVERIFY(!bad.error().detail().isEmpty());
        fake.faults().malformedRate = 0;
        fake.stringEnvelope = true; // retCode "0" and time as strings, as recorded once
        const Result<BarBatch> good = offThread([&] { return p->fetchBars(req); });
        QVERIFY(good);
        QVERIFY(good->bars == fake.groundTruth(QStringLiteral("BTCUSDT"), {req.since, req.until}));
    }
};

QTEST_MAIN(TestBybitExchange)
#include "tst_bybitexchange.moc"
