// SPDX-License-Identifier: GPL-3.0-or-later
// A provider answering garbage, truncated, huge or very slow responses to a headless
// instance's backfill (POST /api/v1/backfills, Binance fake): the job ends `failed` with an
// error that says what was wrong, and nothing from those answers is stored (no bars, no
// coverage); once the provider behaves, the same backfill completes with the ground truth.
// A slow answer (past the 30 s request timeout) is retried and never stored half. A trickled
// answer (one byte at a time, which restarts Qt's transfer timeout on every byte) fails at
// HttpClient's total request deadline with a timeout error, long before the trickle ends.
// Shutdown aborts a request still waiting on a slow provider instead of waiting it out.
#include "binanceexchange.h"
#include "binancefake.h"
#include "faulttest.h"
#include "headlessinstance.h"
#include "net/httpclient.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QHttpServerRequest>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <QtConcurrent>

#include <memory>

using namespace barkeep;
using namespace barkeep::test;

namespace {
enum class Hostile { None, Garbage, Truncated, Huge, Html, Slow };

// The Binance fake with answers its FaultPlan cannot make: a klines body of many MB, an
// HTML error page with status 200, and a fault limited to the first requests.
class HostileBinance : public fakes::BinanceFake
{
public:
    using BinanceFake::BinanceFake;
    Hostile mode = Hostile::None;
    int slowLeft = 1; // Slow: how many klines answers come late
    int hostileRequests = 0;

protected:
    Reply answer(const QHttpServerRequest &request) override
    {
        // Only klines answers turn hostile (the symbol list stays good, so the fault hits
        // the bars path); the FaultPlan knobs are read after answer() for this request.
        const bool klines = request.url().path() == QLatin1String("/api/v3/klines");
        m_faults.malformedRate = klines && mode == Hostile::Garbage ? 1.0 : 0.0;
        m_faults.truncatedRate = klines && mode == Hostile::Truncated ? 1.0 : 0.0;
        m_faults.latencyMs = klines && mode == Hostile::Slow && slowLeft-- > 0 ? 31'000 : 0;
        if (!klines || mode == Hostile::None)
            return BinanceFake::answer(request);
        ++hostileRequests;
        switch (mode) {
        case Hostile::Huge: {
            // 24 MB: a klines array whose rows all share one open time (never valid), so a
            // parser that accepted it would store nonsense.
            const QByteArray row = "[1704067200000,\"1.0\",\"2.0\",\"0.5\",\"1.5\",\"10.0\",1704067259999,\"15\",3,\"5\",\"7\",\"0\"],";
            QByteArray body;
            body.reserve(24 << 20);
            body += '[';
            while (body.size() < (24 << 20))
                body += row;
            body.chop(1);
            body += ']';
            return json(200, body);
        }
        case Hostile::Html: {
            Reply r = json(200, "<html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>");
            r.contentType = "text/html";
            return r;
        }
        default:
            return BinanceFake::answer(request);
        }
    }
};
// A slowloris provider: a proxy in front of the Binance fake that sends the fake's klines
// answer one byte every 10 ms (status line and headers at once, Content-Length of the whole
// body), so the client always sees fresh data and its transfer timeout never fires; other
// answers (exchangeInfo) go through at once. Runs on the test thread, asynchronously.
class TrickleProxy : public QTcpServer
{
public:
    explicit TrickleProxy(QUrl upstream) : m_upstream(std::move(upstream))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection())
                serve(s);
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(serverPort())); }

    qint64 klinesBodySize = 0;  // size of the trickled body
    qint64 klinesBytesSent = 0; // how much of it went out before the client hung up
    bool klinesClientGone = false;

private:
    void serve(QTcpSocket *socket)
    {
        auto *buffer = new QByteArray;
        connect(socket, &QObject::destroyed, socket, [buffer] { delete buffer; });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            *buffer += socket->readAll();
            if (!buffer->contains("\r\n\r\n"))
                return;
            const QByteArray target = buffer->left(buffer->indexOf("\r\n")).split(' ').value(1);
            buffer->clear();
            QUrl url = m_upstream;
            const QUrl t = QUrl::fromEncoded(target);
            url.setPath(t.path());
            url.setQuery(t.query());
            QNetworkReply *r = m_nam.get(QNetworkRequest(url));
            QPointer<QTcpSocket> guarded(socket);
            connect(r, &QNetworkReply::finished, this, [this, r, guarded, klines = t.path().endsWith(u"/klines")] {
                r->deleteLater();
                if (!guarded)
                    return;
                const QByteArray body = r->readAll();
                const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                guarded->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n"
                               "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n");
                if (!klines)
                    return void(guarded->write(body));
                klinesBodySize = body.size();
                auto *timer = new QTimer(guarded);
                auto sent = std::make_shared<qint64>(0);
                connect(guarded, &QTcpSocket::disconnected, this, [this] { klinesClientGone = true; });
                connect(timer, &QTimer::timeout, guarded, [this, guarded, timer, body, sent] {
                    if (*sent >= body.size())
                        return timer->stop();
                    guarded->write(body.mid(*sent, 1));
                    klinesBytesSent = ++*sent;
                });
                timer->start(10);
            });
        });
    }

    QUrl m_upstream;
    QNetworkAccessManager m_nam;
};

// A blocking call on a pool thread while this thread's loop keeps the fake and proxy answering.
template<typename F> auto offThread(F &&fn) -> decltype(fn())
{
    using R = decltype(fn());
    QFutureWatcher<R> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(QtConcurrent::run(std::forward<F>(fn)));
    if (!watcher.isFinished())
        finished.wait(300'000);
    watcher.waitForFinished();
    return watcher.result();
}
} // namespace

class TestFaultProvider : public QObject
{
    Q_OBJECT

private slots:
    void hostileAnswers_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("errorHint");
        QTest::newRow("garbage JSON") << int(Hostile::Garbage) << QStringLiteral("JSON");
        QTest::newRow("truncated body") << int(Hostile::Truncated) << QStringLiteral("JSON");
        QTest::newRow("huge body") << int(Hostile::Huge) << QStringLiteral("row");
        QTest::newRow("HTML with 200") << int(Hostile::Html) << QStringLiteral("JSON");
    }

    void hostileAnswers()
    {
        QFETCH(int, mode);
        QFETCH(QString, errorHint);
        HostileBinance fake(41);
        fake.mode = Hostile(mode);
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        const QString storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bk.db"));
        HeadlessInstance bk({QStringLiteral("store.url=") + storeUrl,
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                             QStringLiteral("backfill.useArchive=false")});
        QVERIFY2(bk.start(), bk.log().constData());
        const TimeRange range{utc(2023, 8, 1), utc(2023, 8, 2)}; // 1440 min: 2 chunks
        const qint64 id = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY2(id > 0, bk.log().constData());
        QTRY_VERIFY_WITH_TIMEOUT(QStringList({QStringLiteral("failed"), QStringLiteral("done")})
                                     .contains(bk.job(id).value(QStringLiteral("state")).toString()),
                                 120'000);
        const QJsonObject job = bk.job(id);
        QCOMPARE(job.value(QStringLiteral("state")).toString(), QStringLiteral("failed"));
        const QString error = job.value(QStringLiteral("error")).toString();
        qInfo("job error: %s", qPrintable(error));
        QVERIFY2(!error.isEmpty(), "a failed job says why");
        QVERIFY2(error.contains(errorHint, Qt::CaseInsensitive) || error.contains(QStringLiteral("Binance")),
                 qPrintable(error));
        QVERIFY(fake.requestCount(QStringLiteral("/api/v3/klines")) >= 2); // retried, then gave up
        QVERIFY(bk.get(QStringLiteral("/api/v1/health")).status == 200);  // the instance lives on

        // Nothing stored from the bad answers: no bars and no coverage claimed.
        {
            auto store = openStore(storeUrl);
            QVERIFY(store);
            QVERIFY(store->readBars(kBinanceBtc, range)->empty());
            QCOMPARE(coveredMinutes(store.get(), kBinanceBtc, range), 0);
        }

        // The provider recovers: the same backfill now completes with the exchange's bars.
        fake.mode = Hostile::None;
        const qint64 again = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY(again > 0);
        QTRY_COMPARE_WITH_TIMEOUT(bk.job(again).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 60'000);
        QVERIFY(bk.terminate());
        auto store = openStore(storeUrl);
        QVERIFY(store);
        QVERIFY(*store->readBars(kBinanceBtc, range) == fake.groundTruth(QStringLiteral("BTCUSDT"), range));
    }

    // Past HttpClient's 30 s transfer timeout: the request is abandoned and retried, and the
    // late answer never reaches the store twice or half.
    void slowAnswerIsRetried()
    {
        HostileBinance fake(43);
        fake.mode = Hostile::Slow;
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        const QString storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bk.db"));
        HeadlessInstance bk({QStringLiteral("store.url=") + storeUrl,
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                             QStringLiteral("backfill.useArchive=false")});
        QVERIFY2(bk.start(), bk.log().constData());
        const TimeRange range{utc(2023, 9, 1), utc(2023, 9, 1, 12)}; // 720 min: 1 chunk
        const qint64 id = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY2(id > 0, bk.log().constData());
        // The first klines answer comes after the client's timeout; the retry is answered.
        QTRY_COMPARE_WITH_TIMEOUT(bk.job(id).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 120'000);
        QVERIFY(fake.requestCount(QStringLiteral("/api/v3/klines")) >= 2);
        QVERIFY(bk.terminate());
        auto store = openStore(storeUrl);
        QVERIFY(store);
        QVERIFY(*store->readBars(kBinanceBtc, range) == fake.groundTruth(QStringLiteral("BTCUSDT"), range));
    }

    // A stream client of the real binary hears when its subscription's provider fails and
    // when it works again: "error" with the subscription id, the code and upstream:true, then
    // "recovered", while the subscription stays. No provider stream (the wsUrl refuses), so
    // the upstream polls, every 200 ms here (api.streamPollMs).
    void streamClientHearsOutage()
    {
        fakes::BinanceFake fake(45);
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        HeadlessInstance bk({QStringLiteral("store.url=sqlite://") + dir.filePath(QStringLiteral("bk.db")),
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.wsUrl=ws://127.0.0.1:1"),
                             QStringLiteral("api.streamPollMs=200")});
        QVERIFY2(bk.start(), bk.log().constData());
        QWebSocket ws;
        QList<QJsonObject> messages;
        QObject::connect(&ws, &QWebSocket::textMessageReceived, [&messages](const QString &text) {
            messages << QJsonDocument::fromJson(text.toUtf8()).object();
        });
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2").arg(bk.port()).arg(bk.token())));
        QTRY_COMPARE_WITH_TIMEOUT(ws.state(), QAbstractSocket::ConnectedState, 10'000);
        ws.sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{
            {QStringLiteral("op"), QStringLiteral("subscribe")}, {QStringLiteral("id"), QStringLiteral("live")},
            {QStringLiteral("market"), QStringLiteral("crypto")}, {QStringLiteral("provider"), QStringLiteral("binance")},
            {QStringLiteral("symbol"), QStringLiteral("BTC/USDT")}, {QStringLiteral("timeframe"), QStringLiteral("1m")},
            {QStringLiteral("limit"), 3}}).toJson(QJsonDocument::Compact)));
        auto find = [&messages](const QString &type) {
            for (const QJsonObject &m : messages)
                if (m.value(QStringLiteral("type")).toString() == type)
                    return m;
            return QJsonObject();
        };
        auto count = [&messages](const QString &type) {
            return std::count_if(messages.cbegin(), messages.cend(), [&type](const QJsonObject &m) {
                return m.value(QStringLiteral("type")).toString() == type;
            });
        };
        QTRY_VERIFY2_WITH_TIMEOUT(!find(QStringLiteral("snapshot")).isEmpty(), bk.log().right(2000).constData(), 20'000);
        QCOMPARE(count(QStringLiteral("error")), 0);

        fake.faults().serverErrorRate = 1.0; // the exchange answers 5xx to everything
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("error")), 1, 20'000);
        const QJsonObject error = find(QStringLiteral("error"));
        QCOMPARE(error.value(QStringLiteral("id")).toString(), QStringLiteral("live"));
        QCOMPARE(error.value(QStringLiteral("upstream")).toBool(), true);
        QCOMPARE(error.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("upstream"));
        QCOMPARE(count(QStringLiteral("recovered")), 0);

        fake.faults().serverErrorRate = 0;
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("recovered")), 1, 30'000);
        QCOMPARE(find(QStringLiteral("recovered")).value(QStringLiteral("id")).toString(), QStringLiteral("live"));
        QCOMPARE(count(QStringLiteral("error")), 1);
        QCOMPARE(count(QStringLiteral("unsubscribed")), 0);
        ws.close();
        QVERIFY2(bk.terminate(), bk.log().right(6000).constData());
    }

    // Stopping does not wait out a slow provider: an /ohlcv call is waiting on a klines answer
    // that comes after 31 s; SIGTERM must still end the instance with exit code 0 within
    // HeadlessInstance::terminate()'s 10 s (MarketService::abortRequests cuts the request).
    void shutdownDoesNotWaitForSlowProvider()
    {
        HostileBinance fake(44);
        fake.mode = Hostile::Slow;
        fake.slowLeft = 100;
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        HeadlessInstance bk({QStringLiteral("store.url=sqlite://") + dir.filePath(QStringLiteral("bk.db")),
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString()});
        QVERIFY2(bk.start(), bk.log().constData());
        const TimeRange range{utc(2023, 11, 1), utc(2023, 11, 1, 6)};
        QNetworkAccessManager nam;
        QNetworkRequest req(QUrl(bk.baseUrl()
                                 + QStringLiteral("/api/v1/ohlcv?market=crypto&provider=binance&symbol=BTC/USDT&timeframe=1m&since=%1&until=%2")
                                       .arg(range.from)
                                       .arg(range.to)));
        req.setRawHeader("Authorization", "Bearer " + bk.token().toUtf8());
        std::unique_ptr<QNetworkReply> reply(nam.get(req));
        QTRY_VERIFY_WITH_TIMEOUT(fake.requestCount(QStringLiteral("/api/v3/klines")) >= 1, 20'000);
        QElapsedTimer t;
        t.start();
        QVERIFY2(bk.terminate(), bk.log().right(3000).constData());
        qInfo("stopped %lld ms after SIGTERM with a klines answer pending", t.elapsed());
        QVERIFY2(bk.log().contains("aborting provider requests"), bk.log().right(3000).constData());
    }

    // One byte every 10 ms keeps Qt's transfer timeout (30 s of silence) from ever firing: the
    // ~100 KB klines answer would take over 15 minutes. The request deadline ends it: the
    // provider call fails with a timeout error that says so, and no bar comes back (the
    // backfill stores only what a successful fetch returns; hostileAnswers shows a failed
    // fetch stores nothing). Per call (HttpRequest::deadlineMs) and per client default.
    void trickledAnswerHitsDeadline()
    {
        fakes::BinanceFake fake(47);
        QVERIFY(fake.listen());
        TrickleProxy proxy(fake.url());
        QVERIFY(proxy.listen(QHostAddress::LocalHost));
        const TimeRange range{utc(2023, 10, 1), utc(2023, 10, 1, 12)}; // 720 bars, one page

        // The plugin, as a backfill runs it, with a 3 s default deadline on its client.
        ProviderSettings settings;
        settings.provider = QStringLiteral("binance");
        settings.market = QStringLiteral("crypto");
        settings.baseUrl = proxy.url().toString();
        settings.archiveUrl = proxy.url().toString();
        auto context = std::make_shared<ProviderContext>();
        QCOMPARE(context->http.defaultDeadlineMs(), HttpClient::kDefaultDeadlineMs);
        context->http.setDefaultDeadlineMs(3000);
        crypto::BinanceExchange plugin(settings, context);
        QElapsedTimer t;
        t.start();
        const Result<BarBatch> batch = offThread([&] {
            return plugin.fetchBars({QStringLiteral("BTC/USDT"), QStringLiteral("1m"), range.from, range.to});
        });
        const qint64 elapsed = t.elapsed();
        QVERIFY2(!batch, "a trickled answer must not produce bars");
        qInfo("after %lld ms: %s (%lld of %lld bytes trickled)", elapsed, qPrintable(batch.error().message()),
              proxy.klinesBytesSent, proxy.klinesBodySize);
        QCOMPARE(batch.error().kind(), Error::Kind::Network);
        QVERIFY2(batch.error().message().contains(QStringLiteral("deadline")), qPrintable(batch.error().message()));
        QVERIFY2(elapsed < 20'000, "the deadline, not the trickle, ends the request");
        QVERIFY(proxy.klinesBodySize > 50'000);
        QVERIFY2(proxy.klinesBytesSent > 0 && proxy.klinesBytesSent < proxy.klinesBodySize / 10,
                 "aborted early in the trickle");
        QTRY_VERIFY(proxy.klinesClientGone); // the connection is closed, not left hanging

        // Per call: HttpRequest::deadlineMs overrides the client's default.
        HttpClient client;
        HttpRequest request;
        request.url = proxy.url();
        request.url.setPath(QStringLiteral("/api/v3/klines"));
        request.url.setQuery(QStringLiteral("symbol=BTCUSDT&interval=1m&startTime=%1&endTime=%2&limit=1000")
                                 .arg(range.from)
                                 .arg(range.to - 1));
        request.deadlineMs = 1500;
        t.restart();
        const Result<HttpResponse> response = offThread([&] { return client.get(request); });
        QVERIFY2(!response, "no half body is returned as an answer");
        QVERIFY2(response.error().message().contains(QStringLiteral("1500 ms request deadline")),
                 qPrintable(response.error().message()));
        QVERIFY(t.elapsed() < 15'000);
    }
};

QTEST_GUILESS_MAIN(TestFaultProvider)
#include "tst_faultprovider.moc"
