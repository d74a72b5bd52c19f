// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 15, items 3 and 4, in-process: no API input names a file (the one symbol rule on every
// route and on the stream), the stream checks a symbol before any upstream starts for it, the
// csv provider serves only what was imported, a stream snapshot obeys the span limit of
// /ohlcv, and WebSocket frames and messages are capped. Backfill job caps: tst_apibackfillcaps.
#include "support/apidispatchermain.h"
#include "apifixture.h"
#include "api/apimetrics.h"
#include "api/apiparams.h"
#include "api/stream/streamclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

using namespace barkeep;
using namespace barkeep::test;

namespace {

QString errorMessage(const Reply &r)
{
    return r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}

QString enc(const QString &s)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(s));
}

// Path-like symbols as a hostile client would send them; none may reach a provider.
const QStringList &pathLikeSymbols()
{
    static const QStringList s{QStringLiteral("file:/dev/zero"), QStringLiteral("file:///etc/passwd"),
                               QStringLiteral("FILE:x.csv"), QStringLiteral("/etc/passwd"),
                               QStringLiteral("./a.csv"), QStringLiteral("../../secret"),
                               QStringLiteral("BTC/../x"), QStringLiteral("~/bars.csv"),
                               QStringLiteral("\\\\server\\share"), QStringLiteral("a\\b"),
                               QStringLiteral("http://evil.example/x"), QStringLiteral("c:/windows"),
                               QStringLiteral("a/b/c"), QString(QChar(0)) + QStringLiteral("x"),
                               QStringLiteral("a\x01z"), QString(65, QLatin1Char('A'))};
    return s;
}

// A TCP server that accepts and never answers: a provider that hangs.
struct BlackHole : QTcpServer
{
    BlackHole()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection())
                held << s;
        });
    }
    void dropAll()
    {
        for (QTcpSocket *s : held)
            s->abort();
        held.clear();
    }
    QList<QTcpSocket *> held;
};

struct WsClient
{
    WsClient()
    {
        QObject::connect(&ws, &QWebSocket::textMessageReceived, &ws, [this](const QString &m) {
            messages.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
    }
    bool open(quint16 port)
    {
        QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(port)));
        req.setRawHeader("Authorization", QByteArray("Bearer ") + kToken);
        QSignalSpy connected(&ws, &QWebSocket::connected);
        ws.open(req);
        return connected.wait(10000);
    }
    void send(const QJsonObject &o) { ws.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact))); }
    void subscribe(const QString &id, const QString &provider, const QString &symbol,
                   const QString &tf = QStringLiteral("1m"), int limit = 3)
    {
        send({{QStringLiteral("op"), QStringLiteral("subscribe")}, {QStringLiteral("id"), id},
              {QStringLiteral("market"), QStringLiteral("crypto")}, {QStringLiteral("provider"), provider},
              {QStringLiteral("symbol"), symbol}, {QStringLiteral("timeframe"), tf},
              {QStringLiteral("limit"), limit}});
    }
    QList<QJsonObject> ofType(const QString &type, const QString &id = {}) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &m : messages)
            if (m.value(QStringLiteral("type")).toString() == type
                && (id.isEmpty() || m.value(QStringLiteral("id")).toString() == id))
                out << m;
        return out;
    }
    QString errorText(const QString &id) const
    {
        const QList<QJsonObject> e = ofType(QStringLiteral("error"), id);
        return e.isEmpty() ? QString()
                           : e.first().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    }
    QWebSocket ws;
    QList<QJsonObject> messages;
};

} // namespace

class TstApiBounds : public QObject
{
    Q_OBJECT

    QNetworkAccessManager nam;

private slots:
    // The rule itself: path-like text is refused with a message that says why; instrument
    // symbols, the ccxt perpetual form included, pass.
    void symbolRule()
    {
        for (const QString &s : pathLikeSymbols()) {
            const VoidResult ok = checkSymbolText(s);
            QVERIFY2(!ok, qPrintable(s));
            QCOMPARE(ok.error().kind(), Error::Kind::BadInput);
        }
        QVERIFY(!pathLikeReason(QStringLiteral("file:/dev/zero")).isEmpty());
        QVERIFY(checkSymbolText(QStringLiteral("file:/dev/zero")).error().message().contains(QLatin1String("barkeep import")));
        for (const QString &s : {QStringLiteral("BTC/USDT"), QStringLiteral("BTC/USDT:USDT"), QStringLiteral("ETH-USD"),
                                 QStringLiteral("AAPL"), QStringLiteral("BRK.B"), QStringLiteral("XBT/EUR"),
                                 QStringLiteral("ES:FUT"), QString(64, QLatin1Char('A'))})
            QVERIFY2(checkSymbolText(s), qPrintable(s + QStringLiteral(": ") + (checkSymbolText(s) ? QString() : checkSymbolText(s).error().message())));
    }

    // Every route that takes a symbol answers 400 before any work; the stream answers an error
    // and starts no upstream.
    void pathLikeSymbolsRefusedEverywhere()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        WsClient c;
        QVERIFY(c.open(f.port()));
        int n = 0;
        for (const QString &symbol : pathLikeSymbols()) {
            for (const QString &provider : {QStringLiteral("demo"), QStringLiteral("csv")}) {
                const QString q = QStringLiteral("market=crypto&provider=%1&symbol=%2").arg(provider, enc(symbol));
                for (const QString &path : {QStringLiteral("/api/v1/ohlcv?"), QStringLiteral("/api/v1/coverage?")}) {
                    const Reply r = get(nam, f.url(path + q + QStringLiteral("&since=1704067200000&until=1704070800000")));
                    QVERIFY2(r.status == 400, qPrintable(path + symbol + QStringLiteral(" → ") + QString::number(r.status)));
                    QVERIFY2(errorMessage(r).contains(QLatin1String("'symbol'")), qPrintable(errorMessage(r)));
                }
                const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("market"), QStringLiteral("crypto")},
                                                                  {QStringLiteral("provider"), provider},
                                                                  {QStringLiteral("symbol"), symbol},
                                                                  {QStringLiteral("since"), kJan2024},
                                                                  {QStringLiteral("until"), kJan2024 + kHourMs}})
                                            .toJson(QJsonDocument::Compact);
                const Reply r = request(nam, "POST", f.url(QStringLiteral("/api/v1/backfills")), Auth::Bearer, body);
                QVERIFY2(r.status == 400, qPrintable(symbol + QStringLiteral(" POST → ") + QString::number(r.status)));
                const QString id = QStringLiteral("p%1").arg(n++);
                c.subscribe(id, provider, symbol);
                QTRY_VERIFY2(!c.errorText(id).isEmpty(), qPrintable(symbol));
                QVERIFY2(c.errorText(id).contains(QLatin1String("'symbol'")), qPrintable(c.errorText(id)));
            }
        }
        QVERIFY(f.backfill()->jobs().isEmpty());
        QCOMPARE(c.ofType(QStringLiteral("snapshot")).size(), 0);
        QCOMPARE(f.server()->metrics().streamUpstreams.load(), 0);
        QCOMPARE(f.server()->metrics().wsSubscriptions.load(), 0);
    }

    // The symbol check runs before the upstream: while a provider's symbol list does not come
    // (a hanging provider), no SubscriptionWorker exists for the series; when the check fails,
    // none ever did. Before issue 15 the worker started at once and polled the provider.
    void symbolCheckedBeforeUpstream()
    {
        BlackHole hole;
        QVERIFY(hole.listen(QHostAddress::LocalHost));
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(hole.serverPort());
        ApiFixture f(ApiFixture::Setup{[url](Config &c) {
                                           c.set(QStringLiteral("providers.binance.baseUrl"), url);
                                           c.set(QStringLiteral("providers.binance.wsUrl"),
                                                 QStringLiteral("ws://127.0.0.1:%1").arg(QUrl(url).port()));
                                       },
                                       {}, true});
        QVERIFY(f.ok());
        WsClient c;
        QVERIFY(c.open(f.port()));
        c.subscribe(QStringLiteral("b"), QStringLiteral("binance"), QStringLiteral("NOPE/USDT"));
        QTRY_VERIFY(!hole.held.isEmpty()); // the symbol list was asked for
        QTest::qWait(300);
        QCOMPARE(f.server()->metrics().streamUpstreams.load(), 0);
        QCOMPARE(f.server()->metrics().wsSubscriptions.load(), 0);
        // A second subscribe of the same id while the check runs is a conflict; an unsubscribe
        // ends it.
        c.subscribe(QStringLiteral("b"), QStringLiteral("binance"), QStringLiteral("NOPE/USDT"));
        QTRY_VERIFY(c.errorText(QStringLiteral("b")).contains(QLatin1String("exists")));
        hole.close(); // the list request fails (a retry is refused): the subscription is refused
        hole.dropAll();
        QTRY_COMPARE(c.ofType(QStringLiteral("error"), QStringLiteral("b")).size(), 2);
        QCOMPARE(f.server()->metrics().streamUpstreams.load(), 0);
        QCOMPARE(c.ofType(QStringLiteral("snapshot")).size(), 0);
    }

    // The csv provider reads no file: a stored (imported) series is served, an unknown symbol
    // is refused with a pointer to `barkeep import`, and a range it has not imported is a clear
    // error, not a read.
    void csvServesStoredOnly()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("csv"), QStringLiteral("MYCSV"), QStringLiteral("1m")};
        Bars bars;
        for (int i = 0; i < 60; ++i)
            bars.push_back({kJan2024 + i * kMinuteMs, 1, 2, 0.5, 1.5, 10});
        QVERIFY(f.store()->writeBars(key, bars, {kJan2024, kJan2024 + kHourMs}));

        Reply r = get(nam, f.url(QStringLiteral("/api/v1/ohlcv?market=crypto&provider=csv&symbol=MYCSV&since=%1&until=%2")
                                     .arg(kJan2024).arg(kJan2024 + kHourMs)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("bars")).toArray().size(), 60);

        r = get(nam, f.url(QStringLiteral("/api/v1/ohlcv?market=crypto&provider=csv&symbol=OTHER&since=%1&until=%2")
                               .arg(kJan2024).arg(kJan2024 + kHourMs)));
        QCOMPARE(r.status, 400);
        QVERIFY2(errorMessage(r).contains(QLatin1String("barkeep import")), qPrintable(errorMessage(r)));

        r = get(nam, f.url(QStringLiteral("/api/v1/ohlcv?market=crypto&provider=csv&symbol=MYCSV&since=%1&until=%2")
                               .arg(kJan2024).arg(kJan2024 + 2 * kHourMs)));
        QCOMPARE(r.status, 501);
        QVERIFY2(errorMessage(r).contains(QLatin1String("no remote source")), qPrintable(errorMessage(r)));

        WsClient c;
        QVERIFY(c.open(f.port()));
        c.subscribe(QStringLiteral("x"), QStringLiteral("csv"), QStringLiteral("OTHER"));
        QTRY_VERIFY(!c.errorText(QStringLiteral("x")).isEmpty());
        QVERIFY2(c.errorText(QStringLiteral("x")).contains(QLatin1String("barkeep import")), qPrintable(c.errorText(QStringLiteral("x"))));
        QCOMPARE(f.server()->metrics().streamUpstreams.load(), 0);
    }

    // A snapshot covers at most api.maxSpanDays of history, like /ohlcv, whatever the
    // timeframe and limit (before: limit × timeframe, 5000 weeks of 1m fetches).
    void snapshotObeysSpanLimit()
    {
        ApiFixture f([](ApiOptions &o) { o.maxSpanDays = 2; });
        QVERIFY(f.ok());
        f.clock = kJan2024 + 30 * kDayMs;
        WsClient c;
        QVERIFY(c.open(f.port()));
        c.subscribe(QStringLiteral("d"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"), QStringLiteral("1d"), 100);
        QTRY_VERIFY_WITH_TIMEOUT(!c.ofType(QStringLiteral("snapshot"), QStringLiteral("d")).isEmpty()
                                     || !c.ofType(QStringLiteral("error")).isEmpty(), 30000);
        QVERIFY2(c.ofType(QStringLiteral("error")).isEmpty(), qPrintable(c.errorText(QStringLiteral("d"))));
        const QJsonArray bars = c.ofType(QStringLiteral("snapshot"), QStringLiteral("d")).first().value(QStringLiteral("bars")).toArray();
        QVERIFY2(bars.size() >= 1 && bars.size() <= 2, qPrintable(QString::number(bars.size())));
        QVERIFY(bars.first().toArray().at(0).toInteger() >= kJan2024 + 28 * kDayMs);
    }

    // A frame or message over the cap closes the connection (1009); a normal subscribe on
    // another connection is unaffected.
    void frameAndMessageCapped()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        WsClient big;
        QVERIFY(big.open(f.port()));
        QSignalSpy closed(&big.ws, &QWebSocket::disconnected);
        big.ws.sendTextMessage(QString(int(StreamClient::kMaxIncomingBytes) + 1000, QLatin1Char('x')));
        QVERIFY(closed.wait(10000));
        QCOMPARE(big.ws.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);

        // Many frames of one message: the message cap (continuation frames of 16 KiB each).
        WsClient frag;
        frag.ws.setOutgoingFrameSize(16 * 1024);
        QVERIFY(frag.open(f.port()));
        QSignalSpy closed2(&frag.ws, &QWebSocket::disconnected);
        frag.ws.sendTextMessage(QString(int(StreamClient::kMaxIncomingBytes) * 2, QLatin1Char('y')));
        QVERIFY(closed2.wait(10000));
        QCOMPARE(frag.ws.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);

        WsClient ok;
        QVERIFY(ok.open(f.port()));
        ok.send({{QStringLiteral("op"), QStringLiteral("ping")}});
        QTRY_COMPARE(ok.ofType(QStringLiteral("pong")).size(), 1);
        QTRY_COMPARE(f.server()->metrics().wsClients.load(), 1);
    }

    // The subscription cap counts subscriptions whose check is still running.
    void subscriptionCapCountsPending()
    {
        ApiFixture f([](ApiOptions &o) { o.maxSubscriptionsPerClient = 3; });
        QVERIFY(f.ok());
        WsClient c;
        QVERIFY(c.open(f.port()));
        for (int i = 0; i < 5; ++i)
            c.subscribe(QStringLiteral("s%1").arg(i), QStringLiteral("demo"), QStringLiteral("BTC/USDT"));
        QTRY_COMPARE(c.ofType(QStringLiteral("snapshot")).size(), 3);
        QCOMPARE(c.ofType(QStringLiteral("error")).size(), 2);
        QVERIFY(c.errorText(QStringLiteral("s4")).contains(QLatin1String("at most 3")));
    }

};

BK_TEST_MAIN_ON_API_DISPATCHER(TstApiBounds)
#include "tst_apibounds.moc"
