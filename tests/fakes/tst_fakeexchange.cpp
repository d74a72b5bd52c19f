// SPDX-License-Identifier: GPL-3.0-or-later
// The fakes on their own: the by-hand executable, determinism, and the wire rules the
// plugins rely on being enforced (limits, 300 buckets, 720 rows, archive names).
#include "binancefake.h"
#include "coinbasefake.h"
#include "krakenfake.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace barkeep;
using namespace barkeep::fakes;

namespace {
struct Got
{
    int status = 0;
    QByteArray body;
    QByteArray weight;
    QByteArray retryAfter;
};

// GET on this thread, running the event loop so an in-process fake can answer.
Got get(const QUrl &url)
{
    static QNetworkAccessManager nam;
    QNetworkReply *reply = nam.get(QNetworkRequest(url));
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(30000);
    Got g{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll(),
          reply->rawHeader("X-MBX-USED-WEIGHT-1M"), reply->rawHeader("Retry-After")};
    reply->deleteLater();
    return g;
}
} // namespace

class TestFakeExchange : public QObject
{
    Q_OBJECT

private slots:
    void executablePrintsUrl_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("path");
        QTest::newRow("binance") << QStringLiteral("binance") << QStringLiteral("/api/v3/ping");
        QTest::newRow("coinbase") << QStringLiteral("coinbase") << QStringLiteral("/products");
        QTest::newRow("kraken") << QStringLiteral("kraken")
                                << QStringLiteral("/0/public/AssetPairs");
    }
    void executablePrintsUrl()
    {
        QFETCH(QString, provider);
        QFETCH(QString, path);
        QProcess proc;
        proc.start(QStringLiteral(BARKEEP_FAKE_EXCHANGE),
                   {QStringLiteral("--provider"), provider, QStringLiteral("--port"),
                    QStringLiteral("0"), QStringLiteral("--latency-ms"), QStringLiteral("5"),
                    QStringLiteral("--seed"), QStringLiteral("3")});
        QVERIFY(proc.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(proc.canReadLine(), 20000);
        const QUrl url(QString::fromUtf8(proc.readLine().trimmed()));
        QVERIFY(url.isValid());
        QCOMPARE(url.host(), QStringLiteral("127.0.0.1"));
        QVERIFY(url.port() > 0);
        const Got g = get(QUrl(url.toString() + path));
        QCOMPARE(g.status, 200);
        QVERIFY(!QJsonDocument::fromJson(g.body).isNull());
        proc.kill();
        proc.waitForFinished();
    }

    void deterministic()
    {
        BinanceFake a(42), b(42), c(43);
        const TimeRange day{1704067200000, 1704153600000};
        const Bars ba = a.groundTruth(QStringLiteral("BTCUSDT"), day);
        QCOMPARE(ba, b.groundTruth(QStringLiteral("BTCUSDT"), day));
        QVERIFY(!(ba == c.groundTruth(QStringLiteral("BTCUSDT"), day)));
        QVERIFY(ba.size() > 1380 && ba.size() < 1440); // ~1 % minutes without trades
        for (std::size_t i = 0; i < ba.size(); ++i) {
            QVERIFY(ba[i].l <= std::min(ba[i].o, ba[i].c) && ba[i].h >= std::max(ba[i].o, ba[i].c));
            QVERIFY(ba[i].v > 0);
        }
        // Larger timeframes are rollups of the minutes.
        const Bars hours = a.groundTruth(QStringLiteral("BTCUSDT"), day, QStringLiteral("1h"));
        QCOMPARE(hours.size(), std::size_t(24));
        QCOMPARE(hours.front().o, ba.front().o);
    }

    void binanceRules()
    {
        BinanceFake fake;
        QVERIFY(fake.listen());
        const QString base = fake.url().toString();
        Got g = get(QUrl(
            base
            + QStringLiteral(
                "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=1704067200000&limit=1001")));
        QCOMPARE(g.status, 400);
        g = get(QUrl(base + QStringLiteral("/api/v3/klines?symbol=BTCUSDT&interval=2m")));
        QCOMPARE(QJsonDocument::fromJson(g.body).object().value(QStringLiteral("code")).toInt(),
                 -1120);
        g = get(QUrl(
            base
            + QStringLiteral("/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=1704067200000")));
        QCOMPARE(g.status, 200);
        QCOMPARE(QJsonDocument::fromJson(g.body).array().size(), 500); // the default limit
        // Every klines call costs 2, refused ones too (6 in all unless a minute just began).
        QCOMPARE(g.weight, QByteArray::number(fake.usedWeight()));
        QVERIFY(fake.usedWeight() % 2 == 0 && fake.usedWeight() >= 2);
        const QJsonArray row = QJsonDocument::fromJson(g.body).array().first().toArray();
        QCOMPARE(row.size(), 12);
        QVERIFY(row[1].isString() && row[0].isDouble());
        QCOMPARE(qint64(row[6].toDouble()), qint64(row[0].toDouble()) + 59999);
        g = get(QUrl(
            base + QStringLiteral("/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-13.zip")));
        QCOMPARE(g.status, 404);
        QVERIFY(g.body.contains("NoSuchKey"));
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 3);
    }

    void coinbaseRules()
    {
        CoinbaseFake fake;
        QVERIFY(fake.listen());
        const QString base = fake.url().toString() + QStringLiteral("/products/BTC-USD/candles");
        Got g
            = get(QUrl(base
                       + QStringLiteral(
                           "?granularity=60&start=2024-01-01T00:00:00Z&end=2024-01-01T05:00:00Z")));
        QCOMPARE(g.status, 400); // 301 buckets
        QVERIFY(g.body.contains("exceeds 300"));
        g = get(QUrl(base
                     + QStringLiteral(
                         "?granularity=60&start=2024-01-01T00:00:00Z&end=2024-01-01T04:59:00Z")));
        QCOMPARE(g.status, 200);
        const QJsonArray rows = QJsonDocument::fromJson(g.body).array();
        QVERIFY(rows.size() > 290 && rows.size() <= 300);
        QVERIFY(rows.first().toArray()[0].toDouble()
                > rows.last().toArray()[0].toDouble()); // newest first
        QVERIFY(rows.first().toArray()[1].isDouble());  // numbers, not strings
        g = get(QUrl(base + QStringLiteral("?granularity=120")));
        QCOMPARE(g.status, 400);
        g = get(QUrl(fake.url().toString()
                     + QStringLiteral("/products/NOPE-USD/candles?granularity=60")));
        QCOMPARE(g.status, 404);
    }

    void krakenRules()
    {
        KrakenFake fake;
        fake.faults().requestsPerSecond = 0;
        QVERIFY(fake.listen());
        const QString base = fake.url().toString() + QStringLiteral("/0/public/OHLC");
        Got g = get(QUrl(base + QStringLiteral("?pair=XBTUSD&interval=1&since=0")));
        QCOMPARE(g.status, 200);
        const QJsonObject result
            = QJsonDocument::fromJson(g.body).object().value(QStringLiteral("result")).toObject();
        QCOMPARE(result.value(QStringLiteral("XXBTZUSD")).toArray().size(),
                 720); // keyed by pair name
        const QJsonArray rows = result.value(QStringLiteral("XXBTZUSD")).toArray();
        QCOMPARE(qint64(result.value(QStringLiteral("last")).toDouble()),
                 qint64(rows.at(718).toArray().at(0).toDouble()));
        g = get(QUrl(base + QStringLiteral("?pair=NOPE")));
        QCOMPARE(g.status, 200);
        QVERIFY(g.body.contains("EQuery:Unknown asset pair"));
        fake.faults().requestsPerSecond = 1;
        fake.faults().burst = 1;
        get(QUrl(base + QStringLiteral("?pair=XETHZUSD")));
        g = get(QUrl(base + QStringLiteral("?pair=XETHZUSD")));
        QCOMPARE(g.status, 200);
        QVERIFY(g.body.contains("EGeneral:Too many requests"));
    }
};

QTEST_MAIN(TestFakeExchange)
#include "tst_fakeexchange.moc"
