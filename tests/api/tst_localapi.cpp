// SPDX-License-Identifier: GPL-3.0-or-later
// Contract tests of the local REST API (design.md "Local API (v1)"): every route, every error,
// security and limits, and a query-string fuzz proving user input never yields a 5xx.
#include "support/apidispatchermain.h"
#include "apifixture.h"
#include "api/apiaccess.h"
#include "api/apimetrics.h"
#include "demogenerator.h"

#include <QDateTime>
#include <QFile>
#include <QRegularExpression>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QSet>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

namespace {
const QString kSeries = QStringLiteral("market=crypto&provider=demo&symbol=BTC/USDT");

QString errorCode(const Reply &r)
{
    return r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}
QString errorMessage(const Reply &r)
{
    return r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}
} // namespace

class TstLocalApi : public QObject
{
    Q_OBJECT

    std::unique_ptr<ApiFixture> f;
    QNetworkAccessManager nam;

private slots:
    void initTestCase()
    {
        f = std::make_unique<ApiFixture>();
        QVERIFY2(f->ok(), qPrintable(f->error()));
    }
    void cleanupTestCase() { f.reset(); }

    // Without a token only "up" (tst_apisecrets has the rest); the details with it.
    void health()
    {
        Reply r = get(nam, f->url(QStringLiteral("/api/v1/health")), Auth::None);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json, (QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}));
        r = get(nam, f->url(QStringLiteral("/api/v1/health")), Auth::Bearer);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY(r.json.contains(QStringLiteral("version")));
        QVERIFY(r.json.value(QStringLiteral("store")).toString().contains(QStringLiteral("sqlite")));
        QVERIFY(r.json.contains(QStringLiteral("cache")));
    }

    void marketsAndProviders()
    {
        Reply r = get(nam, f->url(QStringLiteral("/api/v1/markets")));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.value(QStringLiteral("markets")).toArray().contains(
            QJsonObject{{QStringLiteral("market"), QStringLiteral("crypto")}, {QStringLiteral("plugin"), QStringLiteral("demo")}}));
        r = get(nam, f->url(QStringLiteral("/api/v1/providers?market=crypto")));
        QCOMPARE(r.status, 200);
        bool demo = false;
        for (const QJsonValue &p : r.json.value(QStringLiteral("providers")).toArray()) {
            const QJsonObject o = p.toObject();
            for (const char *k : {"id", "market", "name", "requiresCredentials", "testnet"})
                QVERIFY2(o.contains(QLatin1String(k)), k);
            QVERIFY(!o.contains(QStringLiteral("apiKey")) && !o.contains(QStringLiteral("apiSecret")));
            demo |= o.value(QStringLiteral("id")).toString() == QLatin1String("demo");
        }
        QVERIFY(demo);
        r = get(nam, f->url(QStringLiteral("/api/v1/providers?market=moon")));
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), QStringLiteral("bad_input"));
        QVERIFY(errorMessage(r).contains(QStringLiteral("crypto")));
    }

    void symbols_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("ok") << QStringLiteral("market=crypto&provider=demo") << 200 << QString();
        QTest::newRow("no market") << QStringLiteral("provider=demo") << 400 << QStringLiteral("market");
        QTest::newRow("no provider") << QStringLiteral("market=crypto") << 400 << QStringLiteral("provider");
        QTest::newRow("unknown market") << QStringLiteral("market=moon&provider=demo") << 400 << QStringLiteral("moon");
        QTest::newRow("unknown provider") << QStringLiteral("market=crypto&provider=nope") << 400 << QStringLiteral("nope");
    }
    void symbols()
    {
        QFETCH(QString, query);
        QFETCH(int, status);
        QFETCH(QString, mentions);
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/symbols?") + query));
        QCOMPARE(r.status, status);
        if (status == 200) {
            const QJsonArray s = r.json.value(QStringLiteral("symbols")).toArray();
            QVERIFY(!s.isEmpty());
            QVERIFY(s.contains(QJsonObject{{QStringLiteral("symbol"), QStringLiteral("BTC/USDT")},
                                           {QStringLiteral("base"), QStringLiteral("BTC")},
                                           {QStringLiteral("quote"), QStringLiteral("USDT")},
                                           {QStringLiteral("native"), QStringLiteral("BTCUSDT")}}));
        } else {
            QCOMPARE(errorCode(r), QStringLiteral("bad_input"));
            QVERIFY2(errorMessage(r).contains(mentions), qPrintable(errorMessage(r)));
        }
    }

    void ohlcvMatchesTheProvider()
    {
        const TimeRange range{kJan2024, kJan2024 + 3 * kHourMs};
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&timeframe=1m&since=%2&until=%3")
                                            .arg(kSeries).arg(range.from).arg(range.to)));
        QCOMPARE(r.status, 200);
        for (const char *k : {"market", "provider", "symbol", "timeframe"})
            QVERIFY2(r.json.contains(QLatin1String(k)), k);
        QVERIFY(!r.json.contains(QStringLiteral("next")));
        const QJsonArray bars = r.json.value(QStringLiteral("bars")).toArray();
        const Bars truth = demo::DemoGenerator().bars(QStringLiteral("BTC/USDT"), range);
        QCOMPARE(bars.size(), qsizetype(truth.size()));
        for (qsizetype i = 0; i < bars.size(); ++i) {
            const QJsonArray b = bars[i].toArray();
            const Bar &t = truth[size_t(i)];
            QCOMPARE(b.size(), 6);
            QCOMPARE(b[0].toInteger(), t.t);
            QCOMPARE(b[1].toDouble(), t.o); // shortest round-trip doubles parse back exactly
            QCOMPARE(b[2].toDouble(), t.h);
            QCOMPARE(b[3].toDouble(), t.l);
            QCOMPARE(b[4].toDouble(), t.c);
            QCOMPARE(b[5].toDouble(), t.v);
        }
    }

    void ohlcvPagesWithNext()
    {
        const qint64 until = kJan2024 + 2 * kHourMs;
        QList<qint64> times;
        qint64 since = kJan2024;
        int pages = 0;
        while (since >= 0 && pages < 10) {
            const Reply r = get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3&limit=50")
                                                .arg(kSeries).arg(since).arg(until)));
            QCOMPARE(r.status, 200);
            const QJsonArray bars = r.json.value(QStringLiteral("bars")).toArray();
            QVERIFY(bars.size() <= 50);
            for (const QJsonValue &b : bars)
                times << b.toArray()[0].toInteger();
            since = r.json.contains(QStringLiteral("next")) ? r.json.value(QStringLiteral("next")).toInteger() : -1;
            if (since >= 0)
                QCOMPARE(since, times.last() + 1);
            ++pages;
        }
        QCOMPARE(pages, 3);
        QCOMPARE(times.size(), 120);
        for (int i = 1; i < times.size(); ++i)
            QCOMPARE(times[i] - times[i - 1], kMinuteMs);
    }

    void ohlcvCsvAndTimeframes()
    {
        Reply r = get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3&format=csv&limit=10")
                                      .arg(kSeries).arg(kJan2024).arg(kJan2024 + kHourMs)));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("text/csv"));
        const QList<QByteArray> lines = r.body.trimmed().split('\n');
        QCOMPARE(lines.size(), 11);
        QCOMPARE(lines[0], QByteArray("t,open,high,low,close,volume"));
        QVERIFY(lines[1].startsWith(QByteArray(QByteArray::number(kJan2024) + ",")));
        QCOMPARE(r.header("X-Next-Since"), QByteArray::number(kJan2024 + 9 * kMinuteMs + 1));

        r = get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3&timeframe=15m")
                                .arg(kSeries).arg(kJan2024).arg(kJan2024 + 2 * kHourMs)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("timeframe")).toString(), QStringLiteral("15m"));
        const QJsonArray bars = r.json.value(QStringLiteral("bars")).toArray();
        QCOMPARE(bars.size(), 8);
        for (const QJsonValue &b : bars)
            QCOMPARE(b.toArray()[0].toInteger() % (15 * kMinuteMs), 0);
    }

    void ohlcvErrors_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("mentions");
        const QString s = kSeries;
        QTest::newRow("no market") << QStringLiteral("provider=demo&symbol=BTC/USDT") << QStringLiteral("market");
        QTest::newRow("no symbol") << QStringLiteral("market=crypto&provider=demo") << QStringLiteral("symbol");
        QTest::newRow("unknown market") << QStringLiteral("market=x&provider=demo&symbol=BTC/USDT") << QStringLiteral("market");
        QTest::newRow("unknown provider") << QStringLiteral("market=crypto&provider=x&symbol=BTC/USDT") << QStringLiteral("provider");
        QTest::newRow("unknown symbol") << QStringLiteral("market=crypto&provider=demo&symbol=NOPE/USD") << QStringLiteral("symbol");
        QTest::newRow("bad timeframe") << s + QStringLiteral("&timeframe=7x") << QStringLiteral("timeframe");
        QTest::newRow("zero timeframe") << s + QStringLiteral("&timeframe=0m") << QStringLiteral("timeframe");
        QTest::newRow("since >= until") << s + QStringLiteral("&since=20&until=10") << QStringLiteral("since");
        QTest::newRow("since == until") << s + QStringLiteral("&since=10&until=10") << QStringLiteral("since");
        QTest::newRow("since not a number") << s + QStringLiteral("&since=yesterday") << QStringLiteral("since");
        QTest::newRow("negative until") << s + QStringLiteral("&until=-5") << QStringLiteral("until");
        QTest::newRow("huge since") << s + QStringLiteral("&since=99999999999999999999") << QStringLiteral("since");
        QTest::newRow("limit 0") << s + QStringLiteral("&limit=0") << QStringLiteral("limit");
        QTest::newRow("limit too big") << s + QStringLiteral("&limit=5001") << QStringLiteral("5000");
        QTest::newRow("limit float") << s + QStringLiteral("&limit=1.5") << QStringLiteral("limit");
        QTest::newRow("limit negative") << s + QStringLiteral("&limit=-10") << QStringLiteral("limit");
        QTest::newRow("limit text") << s + QStringLiteral("&limit=ten") << QStringLiteral("limit");
        QTest::newRow("until past the maximum") << s + QStringLiteral("&until=9223372036854775807") << QStringLiteral("until");
        QTest::newRow("format") << s + QStringLiteral("&format=xml") << QStringLiteral("format");
    }
    void ohlcvErrors()
    {
        QFETCH(QString, query);
        QFETCH(QString, mentions);
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/ohlcv?") + query));
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), QStringLiteral("bad_input"));
        QVERIFY2(errorMessage(r).contains(mentions), qPrintable(errorMessage(r)));
        QCOMPARE(r.json.keys(), QStringList{QStringLiteral("error")});
    }

    void coverage()
    {
        const TimeRange range{kJan2024 + kDayMs, kJan2024 + kDayMs + kHourMs};
        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3")
                                     .arg(kSeries).arg(range.from).arg(range.to))).status, 200);
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/coverage?%1&since=%2&until=%3")
                                            .arg(kSeries).arg(range.from - kHourMs).arg(range.to + kHourMs)));
        QCOMPARE(r.status, 200);
        const QJsonArray bars = r.json.value(QStringLiteral("bars")).toArray();
        QVERIFY(!bars.isEmpty());
        qint64 covered = 0;
        for (const QJsonValue &b : bars)
            covered += b.toArray()[1].toInteger() - b.toArray()[0].toInteger();
        for (const QJsonValue &b : r.json.value(QStringLiteral("empty")).toArray())
            covered += b.toArray()[1].toInteger() - b.toArray()[0].toInteger();
        QCOMPARE(covered, kHourMs);
        const QJsonArray gaps = r.json.value(QStringLiteral("gaps")).toArray();
        QCOMPARE(gaps.size(), 2);
        QCOMPARE(gaps[0].toArray()[0].toInteger(), range.from - kHourMs);
        QCOMPARE(gaps[1].toArray()[1].toInteger(), range.to + kHourMs);
    }

    void coverageErrors_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("since >= until") << kSeries + QStringLiteral("&since=5&until=5") << QStringLiteral("since");
        QTest::newRow("too large") << kSeries + QStringLiteral("&since=0&until=1704067200000") << QStringLiteral("shorter");
        QTest::newRow("unknown symbol") << QStringLiteral("market=crypto&provider=demo&symbol=ZZZ/USD") << QStringLiteral("symbol");
        QTest::newRow("bad until") << kSeries + QStringLiteral("&until=soon") << QStringLiteral("until");
        QTest::newRow("negative since") << kSeries + QStringLiteral("&since=-1") << QStringLiteral("since");
        QTest::newRow("no symbol") << QStringLiteral("market=crypto&provider=demo") << QStringLiteral("symbol");
        QTest::newRow("unknown market") << QStringLiteral("market=moon&provider=demo&symbol=BTC/USDT") << QStringLiteral("moon");
        QTest::newRow("unknown provider") << QStringLiteral("market=crypto&provider=zz&symbol=BTC/USDT") << QStringLiteral("zz");
    }
    void coverageErrors()
    {
        QFETCH(QString, query);
        QFETCH(QString, mentions);
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/coverage?") + query));
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), QStringLiteral("bad_input"));
        QVERIFY2(errorMessage(r).contains(mentions), qPrintable(errorMessage(r)));
        QCOMPARE(r.json.keys(), QStringList{QStringLiteral("error")});
    }

    void backfills()
    {
        const QByteArray body = QStringLiteral(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":%1,"until":%2})")
                                    .arg(kJan2024).arg(kJan2024 + kDayMs).toUtf8();
        Reply r = request(nam, "POST", f->url(QStringLiteral("/api/v1/backfills")), Auth::Bearer, body);
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json.value(QStringLiteral("state")).toString(), QStringLiteral("queued"));
        const qint64 id = r.json.value(QStringLiteral("id")).toInteger();
        QVERIFY(id > 0);

        BackfillJobInfo j = *f->backfill()->job(id);
        QCOMPARE(j.series.symbol, QStringLiteral("BTC/USDT"));
        QCOMPARE(j.range, (TimeRange{kJan2024, kJan2024 + kDayMs}));
        j.state = JobState::Running;
        j.progress = 0.5;
        j.barsWritten = 720;
        f->backfill()->setJob(j);

        r = get(nam, f->url(QStringLiteral("/api/v1/backfills/%1").arg(id)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("id")).toInteger(), id);
        QCOMPARE(r.json.value(QStringLiteral("state")).toString(), QStringLiteral("running"));
        QCOMPARE(r.json.value(QStringLiteral("progress")).toDouble(), 0.5);
        QCOMPARE(r.json.value(QStringLiteral("barsWritten")).toInteger(), 720);
        QVERIFY(r.json.contains(QStringLiteral("error")) && r.json.value(QStringLiteral("error")).isNull());

        r = get(nam, f->url(QStringLiteral("/api/v1/backfills")));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("backfills")).toArray().size(), 1);

        r = request(nam, "DELETE", f->url(QStringLiteral("/api/v1/backfills/%1").arg(id)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("state")).toString(), QStringLiteral("cancelled"));

        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/backfills/999"))).status, 404);
        QCOMPARE(request(nam, "DELETE", f->url(QStringLiteral("/api/v1/backfills/999"))).status, 404);
        r = get(nam, f->url(QStringLiteral("/api/v1/backfills/abc")));
        QCOMPARE(r.status, 400);
        QVERIFY(errorMessage(r).contains(QStringLiteral("positive integer")));
    }

    void backfillErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not json") << QByteArray("{oops") << QStringLiteral("JSON object");
        QTest::newRow("array") << QByteArray("[1,2]") << QStringLiteral("JSON object");
        QTest::newRow("no market") << QByteArray(R"({"provider":"demo","symbol":"BTC/USDT","since":1})") << QStringLiteral("market");
        QTest::newRow("unknown provider") << QByteArray(R"({"market":"crypto","provider":"zz","symbol":"BTC/USDT","since":1})") << QStringLiteral("provider");
        QTest::newRow("unknown symbol") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"QQQ/USD","since":1,"until":5})") << QStringLiteral("symbol");
        QTest::newRow("no since") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT"})") << QStringLiteral("since");
        QTest::newRow("since text") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":"x"})") << QStringLiteral("since");
        QTest::newRow("since float") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":1.5})") << QStringLiteral("since");
        QTest::newRow("since >= until") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":9,"until":9})") << QStringLiteral("before");
        QTest::newRow("too long") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":0,"until":1704067200000})") << QStringLiteral("split");
        QTest::newRow("unknown market") << QByteArray(R"({"market":"moon","provider":"demo","symbol":"BTC/USDT","since":1})") << QStringLiteral("moon");
        QTest::newRow("negative since") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":-5,"until":9})") << QStringLiteral("since");
        QTest::newRow("until text") << QByteArray(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":1,"until":"later"})") << QStringLiteral("until");
    }
    void backfillErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, mentions);
        const Reply r = request(nam, "POST", f->url(QStringLiteral("/api/v1/backfills")), Auth::Bearer, body);
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), QStringLiteral("bad_input"));
        QVERIFY2(errorMessage(r).contains(mentions), qPrintable(errorMessage(r)));
        QCOMPARE(r.json.keys(), QStringList{QStringLiteral("error")});
    }

    void backfillsWithoutService()
    {
        ApiFixture g({}, false);
        QVERIFY(g.ok());
        const Reply r = get(nam, g.url(QStringLiteral("/api/v1/backfills")));
        QCOMPARE(r.status, 503);
        QCOMPARE(errorCode(r), QStringLiteral("unavailable"));
    }

    void metrics()
    {
        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3")
                                     .arg(kSeries).arg(kJan2024).arg(kJan2024 + kHourMs))).status, 200);
        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/ohlcv?since=x"))).status, 400);
        const Reply r = get(nam, f->url(QStringLiteral("/metrics")));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("text/plain"));
        for (const char *needle :
             {"barkeep_api_requests_total{route=\"/api/v1/ohlcv\",status=\"200\"}",
              "barkeep_api_requests_total{route=\"/api/v1/ohlcv\",status=\"400\"}",
              "barkeep_api_request_duration_seconds_bucket{route=\"/api/v1/ohlcv\",le=\"+Inf\"}",
              "barkeep_api_request_duration_seconds_count{route=\"/api/v1/ohlcv\"}",
              "barkeep_cache_hits_total", "barkeep_cache_misses_total", "barkeep_ws_clients", "barkeep_ws_direct_clients",
              "barkeep_ws_messages_sent_total", "barkeep_backfill_jobs", "barkeep_backfill_bars_written_total",
              "barkeep_backfill_requests_total", "barkeep_backfill_weight_used_total"})
            QVERIFY2(r.body.contains(needle), needle);
        QCOMPARE(get(nam, f->url(QStringLiteral("/metrics")), Auth::None).status, 401);
    }

    // Repeated /ohlcv questions are answered from ResponseCache; a store write through the
    // orchestrator, the TTL, and the forming bucket all keep stale answers out.
    void ohlcvResponseCache()
    {
        auto hits = [this] {
            const Reply m = get(nam, f->url(QStringLiteral("/metrics")));
            const QByteArray key = "\nbarkeep_api_response_cache_hits_total ";
            const qsizetype at = m.body.indexOf(key);
            return at < 0 ? qint64(-1) : m.body.mid(at + key.size(), m.body.indexOf('\n', at + key.size()) - at - key.size()).toLongLong();
        };
        const QString a = f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3")
                                     .arg(kSeries).arg(kJan2024 + 10 * kHourMs).arg(kJan2024 + 11 * kHourMs));
        const Reply first = get(nam, a);
        QCOMPARE(first.status, 200);
        // The first answer fetched and stored the bars: that store write invalidated the
        // series while it was read, so only the next answer is kept. It has the same bars;
        // its `sources` says they came from the orchestrator's cache this time.
        const Reply again = get(nam, a);
        QCOMPARE(again.json.value(QStringLiteral("bars")), first.json.value(QStringLiteral("bars")));
        QCOMPARE(again.json.value(QStringLiteral("sources")).toArray().at(0).toObject().value(QStringLiteral("source")).toString(),
                 QStringLiteral("cache"));
        const qint64 h0 = hits();
        QVERIFY(h0 >= 0);
        const Reply second = get(nam, a);
        QCOMPARE(second.status, 200);
        QCOMPARE(second.body, again.body);
        QCOMPARE(second.header("Content-Type"), first.header("Content-Type"));
        QCOMPARE(hits(), h0 + 1);
        // CSV is another answer, cached apart.
        const Reply csv = get(nam, a + QStringLiteral("&format=csv"));
        QVERIFY(csv.header("Content-Type").startsWith("text/csv"));
        QCOMPARE(get(nam, a + QStringLiteral("&format=csv")).body, csv.body);
        QCOMPARE(hits(), h0 + 2);

        // New bars of the series stored (a range never fetched): every answer of it is stale.
        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3")
                                     .arg(kSeries).arg(kJan2024 + 250 * kDayMs).arg(kJan2024 + 250 * kDayMs + kHourMs))).status,
                 200);
        const qint64 h1 = hits();
        QCOMPARE(get(nam, a).body, again.body);
        QCOMPARE(hits(), h1); // a miss
        QCOMPARE(get(nam, a).body, again.body);
        QCOMPARE(hits(), h1 + 1);

        // Past the TTL an entry is not used, whoever wrote (or not) in between.
        f->clock = QDateTime::currentMSecsSinceEpoch() + 60'000;
        QCOMPARE(get(nam, a).body, again.body);
        QCOMPARE(hits(), h1 + 1);
        f->clock = 0;

        // An answer reaching the forming bucket is never cached.
        const QString recent = f->url(QStringLiteral("/api/v1/ohlcv?%1&limit=5").arg(kSeries));
        QCOMPARE(get(nam, recent).status, 200);
        const qint64 h2 = hits();
        QCOMPARE(get(nam, recent).status, 200);
        QCOMPARE(hits(), h2);
    }

    void openApi()
    {
        const Reply r = get(nam, f->url(QStringLiteral("/api/v1/openapi.json")));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("openapi")).toString(), QStringLiteral("3.1.0"));
        const QJsonObject paths = r.json.value(QStringLiteral("paths")).toObject();
        for (const char *p : {"/api/v1/health", "/api/v1/markets", "/api/v1/providers", "/api/v1/symbols",
                              "/api/v1/ohlcv", "/api/v1/coverage", "/api/v1/backfills",
                              "/api/v1/backfills/{id}", "/metrics", "/api/v1/stream", "/api/v1/openapi.json"})
            QVERIFY2(paths.contains(QLatin1String(p)), p);
        QJsonObject limit;
        for (const QJsonValue &p : paths.value(QStringLiteral("/api/v1/ohlcv")).toObject()
                                       .value(QStringLiteral("get")).toObject()
                                       .value(QStringLiteral("parameters")).toArray())
            if (p.toObject().value(QStringLiteral("name")).toString() == QLatin1String("limit"))
                limit = p.toObject().value(QStringLiteral("schema")).toObject();
        const ApiOptions defaults;
        QCOMPARE(limit.value(QStringLiteral("default")).toInt(), defaults.defaultBars);
        QCOMPARE(limit.value(QStringLiteral("maximum")).toInt(), defaults.maxBarsPerAnswer);
        // The document served is the one kept in the repo, byte for byte: it is compiled in,
        // so an edit of docs/openapi.json must reach the binary (api.cmake's configure
        // dependency), never leave a stale copy behind.
        QFile repo(QStringLiteral(BARKEEP_SOURCE_DIR "/docs/openapi.json"));
        QVERIFY(repo.open(QIODevice::ReadOnly));
        QVERIFY2(r.body == repo.readAll(), "the served /api/v1/openapi.json differs from docs/openapi.json");
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
    }

    // A range longer than maxSpanDays is never answered at once, nor refused: the answer stops
    // at the span and `next` (JSON) / X-Next-Since (CSV) is where the next page starts.
    void ohlcvPagesLongRanges()
    {
        ApiFixture g([](ApiOptions &o) { o.maxSpanDays = 1; });
        QVERIFY(g.ok());
        const qint64 until = kJan2024 + 3 * kDayMs;
        for (const bool csv : {false, true}) {
            QList<qint64> times;
            qint64 since = kJan2024;
            int pages = 0;
            while (since >= 0 && pages < 10) {
                const Reply r = get(nam, g.url(QStringLiteral("/api/v1/ohlcv?%1&timeframe=1h&since=%2&until=%3&limit=5000%4")
                                                   .arg(kSeries).arg(since).arg(until)
                                                   .arg(csv ? QStringLiteral("&format=csv") : QString())));
                QCOMPARE(r.status, 200);
                qint64 next = -1;
                if (csv) {
                    const QList<QByteArray> lines = r.body.trimmed().split('\n');
                    QCOMPARE(lines[0], QByteArray("t,open,high,low,close,volume"));
                    for (qsizetype i = 1; i < lines.size(); ++i)
                        times << lines[i].left(lines[i].indexOf(',')).toLongLong();
                    if (!r.header("X-Next-Since").isEmpty())
                        next = r.header("X-Next-Since").toLongLong();
                } else {
                    for (const QJsonValue &b : r.json.value(QStringLiteral("bars")).toArray())
                        times << b.toArray()[0].toInteger();
                    if (r.json.contains(QStringLiteral("next")))
                        next = r.json.value(QStringLiteral("next")).toInteger();
                }
                ++pages;
                if (next >= 0)
                    QCOMPARE(next, since + kDayMs); // one day a page, then the next day
                since = next;
            }
            QCOMPARE(pages, 3);
            QCOMPARE(times.size(), 72);
            QCOMPARE(times.first(), kJan2024);
            for (int i = 1; i < times.size(); ++i)
                QCOMPARE(times[i] - times[i - 1], kHourMs);
        }
    }

    // Cancelling a finished job is refused with 409 and says why; the job stays done.
    void backfillCancelDoneConflicts()
    {
        const QByteArray body = QStringLiteral(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":%1,"until":%2})")
                                    .arg(kJan2024).arg(kJan2024 + kHourMs).toUtf8();
        Reply r = request(nam, "POST", f->url(QStringLiteral("/api/v1/backfills")), Auth::Bearer, body);
        QCOMPARE(r.status, 202);
        const qint64 id = r.json.value(QStringLiteral("id")).toInteger();
        BackfillJobInfo j = *f->backfill()->job(id);
        j.state = JobState::Done;
        f->backfill()->setJob(j);
        r = request(nam, "DELETE", f->url(QStringLiteral("/api/v1/backfills/%1").arg(id)));
        QCOMPARE(r.status, 409);
        QCOMPARE(errorCode(r), QStringLiteral("conflict"));
        QVERIFY2(errorMessage(r).contains(QStringLiteral("done")), qPrintable(errorMessage(r)));
        QCOMPARE(get(nam, f->url(QStringLiteral("/api/v1/backfills/%1").arg(id))).json.value(QStringLiteral("state")).toString(),
                 QStringLiteral("done"));
        r = request(nam, "DELETE", f->url(QStringLiteral("/api/v1/backfills/0")));
        QCOMPARE(r.status, 400);
        QCOMPARE(errorCode(r), QStringLiteral("bad_input"));
    }

    // Every path and method docs/openapi.json documents is served: with the token, none is
    // answered "no route" (404) or 405.
    void everyDocumentedRouteIsServed()
    {
        QFile repo(QStringLiteral(BARKEEP_SOURCE_DIR "/docs/openapi.json"));
        QVERIFY(repo.open(QIODevice::ReadOnly));
        const QJsonObject paths = QJsonDocument::fromJson(repo.readAll()).object().value(QStringLiteral("paths")).toObject();
        QVERIFY(!paths.isEmpty());
        int operations = 0;
        QSet<QString> operationIds;
        for (auto p = paths.begin(); p != paths.end(); ++p) {
            const QJsonObject ops = p.value().toObject();
            for (auto o = ops.begin(); o != ops.end(); ++o) {
                if (o.key() == QLatin1String("parameters"))
                    continue;
                // What client generators need (the npm lint, tst_openapilint, checks more): an
                // operationId, unique, and the operation's 4xx answers.
                const QJsonObject op = o.value().toObject();
                const QString operationId = op.value(QStringLiteral("operationId")).toString();
                QVERIFY2(!operationId.isEmpty(), qPrintable(o.key() + u' ' + p.key()));
                QVERIFY2(!operationIds.contains(operationId), qPrintable(operationId));
                operationIds << operationId;
                const QStringList statuses = op.value(QStringLiteral("responses")).toObject().keys();
                QVERIFY2(std::any_of(statuses.cbegin(), statuses.cend(),
                                     [](const QString &s) { return s.startsWith(u'4'); }),
                         qPrintable(operationId));
                QString path = p.key();
                path.replace(QStringLiteral("{id}"), QStringLiteral("987654"));
                const QByteArray method = o.key().toUpper().toLatin1();
                const Reply r = request(nam, method, f->url(path), Auth::Bearer, method == "POST" ? QByteArray("{}") : QByteArray());
                const QString what = QStringLiteral("%1 %2 -> %3 %4").arg(QString::fromLatin1(method), path).arg(r.status)
                                         .arg(QString::fromUtf8(r.body.left(200)));
                QVERIFY2(r.status != 0 && r.status != 405 && r.status < 500, qPrintable(what));
                QVERIFY2(!(r.status == 404 && errorMessage(r).startsWith(QStringLiteral("no route"))), qPrintable(what));
                ++operations;
            }
        }
        QVERIFY(operations >= 12);
    }

    void notFoundAndMethods()
    {
        Reply r = get(nam, f->url(QStringLiteral("/api/v1/nothing")));
        QCOMPARE(r.status, 404);
        QCOMPARE(errorCode(r), QStringLiteral("not_found"));
        r = request(nam, "POST", f->url(QStringLiteral("/api/v1/ohlcv")), Auth::Bearer, "{}");
        QCOMPARE(r.status, 405);
        QCOMPARE(errorCode(r), QStringLiteral("method_not_allowed"));
        r = get(nam, f->url(QStringLiteral("/api/v1/stream")));
        QCOMPARE(r.status, 426);
    }

    // Security: the token is needed on every route but /health.
    void tokenRequired_data()
    {
        QTest::addColumn<QString>("path");
        for (const char *p : {"/api/v1/markets", "/api/v1/providers", "/api/v1/symbols?market=crypto&provider=demo",
                              "/api/v1/ohlcv?market=crypto&provider=demo&symbol=BTC/USDT", "/api/v1/coverage",
                              "/api/v1/backfills", "/api/v1/backfills/1", "/metrics", "/api/v1/openapi.json"})
            QTest::newRow(p) << QString::fromLatin1(p);
    }
    void tokenRequired()
    {
        QFETCH(QString, path);
        Reply r = get(nam, f->url(path), Auth::None);
        QCOMPARE(r.status, 401);
        QCOMPARE(errorCode(r), QStringLiteral("unauthorized"));
        QVERIFY(r.header("WWW-Authenticate").startsWith("Bearer"));
        QCOMPARE(get(nam, f->url(path), Auth::Wrong).status, 401);
        // ?token= is for the WebSocket URL only.
        const Reply query = get(nam, f->url(path), Auth::QueryToken);
        QCOMPARE(query.status, 401);
        QVERIFY2(errorMessage(query).contains(QStringLiteral("Authorization: Bearer")), qPrintable(errorMessage(query)));
        QVERIFY(get(nam, f->url(path), Auth::Bearer).status != 401);
    }

    void tokensCompareInConstantTime()
    {
        QVERIFY(ApiAccess::tokensEqual("abc", "abc"));
        QVERIFY(!ApiAccess::tokensEqual("abc", "abd"));
        QVERIFY(!ApiAccess::tokensEqual("abc", "abcd"));
        QVERIFY(!ApiAccess::tokensEqual("", ""));
    }

    void foreignHost()
    {
        const Reply r = request(nam, "GET", f->url(QStringLiteral("/api/v1/markets")), Auth::Bearer, {},
                                {{"Host", "evil.example:8765"}});
        QCOMPARE(r.status, 400);
        QVERIFY(errorMessage(r).contains(QStringLiteral("Host")));
        QCOMPARE(request(nam, "GET", f->url(QStringLiteral("/api/v1/health")), Auth::None, {},
                         {{"Host", "evil.example"}}).status, 400);
        QCOMPARE(request(nam, "GET", f->url(QStringLiteral("/api/v1/health")), Auth::None, {},
                         {{"Host", "localhost:1"}}).status, 200);
        ApiFixture g([](ApiOptions &o) { o.allowedHosts = {QStringLiteral("box.lan")}; });
        QCOMPARE(request(nam, "GET", g.url(QStringLiteral("/api/v1/health")), Auth::None, {},
                         {{"Host", "box.lan:8765"}}).status, 200);
    }

    void origins_data()
    {
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("absent") << QByteArray() << true;
        QTest::newRow("localhost") << QByteArray("http://localhost:3000") << true;
        QTest::newRow("loopback v4") << QByteArray("http://127.0.0.1:8765") << true;
        QTest::newRow("loopback v6") << QByteArray("http://[::1]:8765") << true;
        QTest::newRow("configured") << QByteArray("https://dash.example") << true;
        QTest::newRow("foreign") << QByteArray("https://evil.example") << false;
        QTest::newRow("null") << QByteArray("null") << false;
        QTest::newRow("file") << QByteArray("file://") << false;
        QTest::newRow("lookalike") << QByteArray("http://localhost.evil.example") << false;
    }
    void origins()
    {
        QFETCH(QByteArray, origin);
        QFETCH(bool, allowed);
        QCOMPARE(ApiAccess::originAllowed(origin, {}, {QStringLiteral("https://dash.example")}), allowed);
    }

    void oversizeRequest()
    {
        ApiFixture g([](ApiOptions &o) { o.maxRequestBytes = 4096; });
        QVERIFY(g.ok());
        const QByteArray big(20000, 'x');
        const QByteArray raw = "POST /api/v1/backfills HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + QByteArray(kToken) + "\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(big.size()) + "\r\n\r\n" + big;
        const QByteArray answer = rawRequest(g.port(), raw);
        QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.left(200).constData());
        QVERIFY(answer.contains("payload_too_large"));
        // A normal request on a new connection still works.
        QCOMPARE(get(nam, g.url(QStringLiteral("/api/v1/health")), Auth::None).status, 200);
    }

    void tooManyHeaders()
    {
        QByteArray raw = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (int i = 0; i < 70; ++i)
            raw += "X-Filler-" + QByteArray::number(i) + ": 1\r\n";
        raw += "\r\n";
        const QByteArray answer = rawRequest(f->port(), raw);
        QVERIFY2(answer.startsWith("HTTP/1.1 400"), answer.left(200).constData());
        QVERIFY2(answer.contains("too many request headers"), answer.constData());
    }

    void connectionsPerClient()
    {
        ApiFixture g([](ApiOptions &o) { o.maxConnectionsPerClient = 2; });
        QVERIFY(g.ok());
        // Idle connections make room: the longest-idle one is closed for the new one.
        {
            QTcpSocket idle1, idle2;
            idle1.connectToHost(QHostAddress::LocalHost, g.port());
            idle2.connectToHost(QHostAddress::LocalHost, g.port());
            QTRY_COMPARE(idle1.state(), QAbstractSocket::ConnectedState);
            QTRY_COMPARE(idle2.state(), QAbstractSocket::ConnectedState);
            QTest::qWait(50);
            const QByteArray answer =
                rawRequest(g.port(), "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 2000);
            QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
            QTRY_COMPARE(idle1.state(), QAbstractSocket::UnconnectedState);
            QVERIFY(g.server()->metrics().connectionsEvicted.load() >= 1);
        }
        // Busy ones (a request under way) do not: the next connection is refused.
        QTcpSocket a, b;
        a.connectToHost(QHostAddress::LocalHost, g.port());
        b.connectToHost(QHostAddress::LocalHost, g.port());
        QTRY_COMPARE(a.state(), QAbstractSocket::ConnectedState);
        QTRY_COMPARE(b.state(), QAbstractSocket::ConnectedState);
        a.write("GET /api/v1/health HTTP/1.1\r\n");
        b.write("GET /api/v1/health HTTP/1.1\r\n");
        QVERIFY(a.waitForBytesWritten(1000) && b.waitForBytesWritten(1000));
        QTest::qWait(300); // the server reads them (on its thread) and counts them busy
        QByteArray third;
        for (int i = 0; i < 50 && !third.startsWith("HTTP/1.1 429"); ++i)
            third = rawRequest(g.port(), "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 2000);
        QVERIFY2(third.startsWith("HTTP/1.1 429"), third.constData());
        QVERIFY(third.contains("too_many_connections"));
        a.abort();
        b.abort();
        QTRY_VERIFY(rawRequest(g.port(), "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 2000)
                        .startsWith("HTTP/1.1 200"));
    }

    // A limit of one: the idle connection's entry is the client's last one, and evicting it
    // must not leave the guard holding anything of it (a dangling reference before).
    void singleSlotMakesRoom()
    {
        ApiFixture g([](ApiOptions &o) { o.maxConnectionsPerClient = 1; });
        QVERIFY(g.ok());
        QTcpSocket idle;
        idle.connectToHost(QHostAddress::LocalHost, g.port());
        QTRY_COMPARE(idle.state(), QAbstractSocket::ConnectedState);
        QTest::qWait(50);
        for (int i = 0; i < 3; ++i) {
            const QByteArray answer =
                rawRequest(g.port(), "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 2000);
            QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        }
        QTRY_COMPARE(idle.state(), QAbstractSocket::UnconnectedState);
    }

    void slowAndIdleConnectionsClose()
    {
        ApiFixture g([](ApiOptions &o) { o.idleTimeoutSec = 1; });
        QVERIFY(g.ok());
        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, g.port());
        QTRY_COMPARE(slow.state(), QAbstractSocket::ConnectedState);
        slow.write("GET /api/v1/health HTTP/1.1\r\nHo"); // never finishes its request
        QTRY_COMPARE_WITH_TIMEOUT(slow.state(), QAbstractSocket::UnconnectedState, 5000);
        QVERIFY(g.server()->metrics().connectionsTimedOut.load() >= 1);
    }

    // A keep-alive connection left idle after its answer is closed too (the timer restarts on
    // every answer), while a WebSocket on the same server is never closed for being quiet.
    void idleKeepAliveClosesWebSocketStays()
    {
        ApiFixture g([](ApiOptions &o) { o.idleTimeoutSec = 1; });
        QVERIFY(g.ok());
        StreamTestClient ws;
        QVERIFY(ws.open(g.port()));
        const qint64 timedOut = g.server()->metrics().connectionsTimedOut.load();
        QTcpSocket idle;
        QByteArray answer;
        connect(&idle, &QTcpSocket::readyRead, &idle, [&] { answer += idle.readAll(); });
        idle.connectToHost(QHostAddress::LocalHost, g.port());
        QTRY_COMPARE(idle.state(), QAbstractSocket::ConnectedState);
        idle.write("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
        QTRY_VERIFY(answer.contains("\"status\":\"ok\""));
        QVERIFY(answer.startsWith("HTTP/1.1 200"));
        // Now say nothing: the server closes it (well before the 10 s here).
        QTRY_COMPARE_WITH_TIMEOUT(idle.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(g.server()->metrics().connectionsTimedOut.load(), timedOut + 1);
        // The WebSocket, older than the closed connection and as quiet, is still open and served.
        QCOMPARE(ws.ws.state(), QAbstractSocket::ConnectedState);
        ws.ws.sendTextMessage(QStringLiteral(R"({"op":"unsubscribe","id":"never"})"));
        QTRY_COMPARE(ws.count(QStringLiteral("error")), 1);
        QCOMPARE(ws.ws.state(), QAbstractSocket::ConnectedState);
    }

    // The idle timeout is for a client that sends nothing, not for a server that is still
    // working on its answer: a request whose answer takes longer than the timeout is answered.
    void slowAnswerIsNotIdle()
    {
        ApiFixture g([](ApiOptions &o) { o.idleTimeoutSec = 1; });
        QVERIFY(g.ok());
        g.backfill()->submitDelayMs = 2500; // 2.5 idle timeouts
        const QByteArray body = QStringLiteral(R"({"market":"crypto","provider":"demo","symbol":"BTC/USDT","since":%1,"until":%2})")
                                    .arg(kJan2024).arg(kJan2024 + kHourMs).toUtf8();
        const Reply r = request(nam, "POST", g.url(QStringLiteral("/api/v1/backfills")), Auth::Bearer, body);
        QVERIFY2(r.status == 202, qPrintable(QStringLiteral("%1 %2").arg(r.status).arg(QString::fromUtf8(r.body))));
        QCOMPARE(g.server()->metrics().connectionsTimedOut.load(), 0);
    }

    // Loopback by default and quiet about it; any other address is warned about loudly.
    void nonLoopbackBindWarns()
    {
        {
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("WARNING.*0\\.0\\.0\\.0.*NOT loopback")));
            ApiFixture open([](ApiOptions &o) { o.address = QHostAddress::AnyIPv4; });
            QVERIFY2(open.ok(), qPrintable(open.error()));
        }
        QTest::failOnWarning(QRegularExpression(QStringLiteral("NOT loopback")));
        ApiFixture quiet;
        QVERIFY(quiet.ok());
    }

    // Random query strings over every GET route: answers are 2xx/4xx, never 5xx.
    void fuzzQueryStrings()
    {
        ApiFixture g([](ApiOptions &o) { o.maxSpanDays = 2; });
        QVERIFY(g.ok());
        const QStringList keys{QStringLiteral("market"), QStringLiteral("provider"), QStringLiteral("symbol"),
                               QStringLiteral("timeframe"), QStringLiteral("since"), QStringLiteral("until"),
                               QStringLiteral("limit"), QStringLiteral("format"), QStringLiteral("token"),
                               QStringLiteral("x"), QString()};
        const QStringList values{QStringLiteral("crypto"), QStringLiteral("stocks"), QStringLiteral("demo"),
                                 QStringLiteral("BTC/USDT"), QStringLiteral("ETH/USDT"), QStringLiteral("1m"),
                                 QStringLiteral("5m"), QStringLiteral("1w"), QStringLiteral("1M"),
                                 QStringLiteral("100000m"), QStringLiteral("13M"), QStringLiteral("-1"),
                                 QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("1704067200000"),
                                 QStringLiteral("1704070800000"), QStringLiteral("253402300800000"),
                                 QStringLiteral("9223372036854775807"), QStringLiteral("1e9"),
                                 QStringLiteral("%00"), QStringLiteral("%ff%fe"), QStringLiteral("csv"),
                                 QStringLiteral("json"), QStringLiteral("5000"), QStringLiteral("0x10"),
                                 QStringLiteral("%E2%82%AC"), QString(256, QLatin1Char('A')), QString(),
                                 QStringLiteral("&&=="), QStringLiteral("'\";<script>")};
        const QStringList paths{QStringLiteral("/api/v1/ohlcv"), QStringLiteral("/api/v1/coverage"),
                                QStringLiteral("/api/v1/symbols"), QStringLiteral("/api/v1/providers"),
                                QStringLiteral("/api/v1/markets"), QStringLiteral("/api/v1/backfills/"),
                                QStringLiteral("/api/v1/health")};
        QRandomGenerator rng(20240101);
        int answered = 0;
        for (int i = 0; i < 400; ++i) {
            QString path = paths[int(rng.bounded(paths.size()))];
            if (path.endsWith(QLatin1Char('/')))
                path += values[int(rng.bounded(values.size()))].left(30);
            QStringList parts;
            // Mostly well-formed series with one or two odd parameters, sometimes noise.
            if (rng.bounded(3) != 0)
                parts << QStringLiteral("market=crypto&provider=demo&symbol=BTC/USDT");
            const int n = int(rng.bounded(5));
            for (int k = 0; k < n; ++k)
                parts << keys[int(rng.bounded(keys.size()))] + QLatin1Char('=')
                        + values[int(rng.bounded(values.size()))];
            const QString url = g.url(path) + QLatin1Char('?') + parts.join(QLatin1Char('&'));
            const Reply r = get(nam, url);
            QVERIFY2(r.status >= 200 && r.status < 500, qPrintable(QStringLiteral("%1 -> %2 %3")
                                                                       .arg(url).arg(r.status)
                                                                       .arg(QString::fromUtf8(r.body.left(300)))));
            if (r.status >= 400)
                QVERIFY2(!errorCode(r).isEmpty() && !errorMessage(r).isEmpty(), qPrintable(url));
            ++answered;
        }
        QCOMPARE(answered, 400);
    }
};

BK_TEST_MAIN_ON_API_DISPATCHER(TstLocalApi)
#include "tst_localapi.moc"
