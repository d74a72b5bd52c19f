// SPDX-License-Identifier: GPL-3.0-or-later
// The WebSocket stream /api/v1/stream: upgrade checks (token, Origin), subscribe → snapshot →
// bar messages (final and forming), one upstream per series, catch-up without holes,
// unsubscribe and errors. The stream's clock is the fixture's, moved by the test, over the
// offline demo provider.
#include "apifixture.h"
#include "api/apimetrics.h"
#include "api/stream/streamqueue.h"
#include "demogenerator.h"
#include "model/timeframe.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

using namespace barkeep;
using namespace barkeep::test;

namespace {
// A test client collecting every message.
struct Client
{
    explicit Client(const QString &origin = {}) : ws(origin)
    {
        QObject::connect(&ws, &QWebSocket::textMessageReceived, &ws, [this](const QString &m) {
            messages.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
    }
    bool open(const ApiFixture &f, Auth auth = Auth::Bearer)
    {
        QUrl url(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(f.port()));
        if (auth == Auth::QueryToken)
            url.setQuery(QStringLiteral("token=") + QLatin1String(kToken));
        QNetworkRequest req(url);
        if (auth == Auth::Bearer)
            req.setRawHeader("Authorization", QByteArray("Bearer ") + kToken);
        else if (auth == Auth::Wrong)
            req.setRawHeader("Authorization", "Bearer wrong");
        QSignalSpy connected(&ws, &QWebSocket::connected);
        QSignalSpy closed(&ws, &QWebSocket::disconnected);
        ws.open(req);
        for (int i = 0; i < 100 && connected.isEmpty() && closed.isEmpty(); ++i)
            connected.wait(100);
        return !connected.isEmpty();
    }
    void send(const QJsonObject &o) { ws.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson())); }
    void subscribe(const QString &id, const QString &tf, int limit = 100)
    {
        send({{QStringLiteral("op"), QStringLiteral("subscribe")}, {QStringLiteral("id"), id},
              {QStringLiteral("market"), QStringLiteral("crypto")}, {QStringLiteral("provider"), QStringLiteral("demo")},
              {QStringLiteral("symbol"), QStringLiteral("BTC/USDT")}, {QStringLiteral("timeframe"), tf},
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
    QWebSocket ws;
    QList<QJsonObject> messages;
};

QList<QJsonObject> finalsOf(const Client &c)
{
    QList<QJsonObject> out;
    for (const QJsonObject &m : c.ofType(QStringLiteral("bar")))
        if (m.value(QStringLiteral("final")).toBool())
            out << m;
    return out;
}

Bar barOf(const QJsonObject &m)
{
    const QJsonArray a = m.value(QStringLiteral("bar")).toArray();
    return {a[0].toInteger(), a[1].toDouble(), a[2].toDouble(), a[3].toDouble(), a[4].toDouble(), a[5].toDouble()};
}
} // namespace

class TstApiStream : public QObject
{
    Q_OBJECT

private slots:
    void upgradeNeedsTokenAndOrigin()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        QVERIFY(!Client().open(f, Auth::None));
        QVERIFY(!Client().open(f, Auth::Wrong));
        QVERIFY(!Client(QStringLiteral("https://evil.example")).open(f));
        QVERIFY(Client(QStringLiteral("http://localhost:3000")).open(f));
        QVERIFY(Client().open(f, Auth::QueryToken));
        QNetworkAccessManager nam;
        const Reply r = request(nam, "GET", f.url(QStringLiteral("/metrics")));
        QVERIFY(r.body.contains("barkeep_ws_connections_total 2"));
    }

    void snapshotThenFinalBars()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        const qint64 t0 = kJan2024 + 12 * kHourMs;
        f.clock = t0 + 30'000; // 12:00:30: the 12:00 minute is forming
        Client c;
        QVERIFY(c.open(f));
        c.subscribe(QStringLiteral("a"), QStringLiteral("1m"), 10);
        QTRY_COMPARE(c.ofType(QStringLiteral("snapshot")).size(), 1);
        const QJsonObject snap = c.ofType(QStringLiteral("snapshot")).first();
        QCOMPARE(snap.value(QStringLiteral("id")).toString(), QStringLiteral("a"));
        const QJsonArray bars = snap.value(QStringLiteral("bars")).toArray();
        const demo::DemoGenerator demo;
        const Bars truth = demo.bars(QStringLiteral("BTC/USDT"), {t0 - 10 * kMinuteMs, t0});
        QCOMPARE(bars.size(), qsizetype(truth.size()));
        QCOMPARE(bars.last().toArray()[0].toInteger(), t0 - kMinuteMs);
        // Nothing closed since; the demo serves the minute at the (moved) clock, so a forming
        // update of 12:00 may come, never a final one.
        auto finals = [&c] {
            QList<QJsonObject> out;
            for (const QJsonObject &m : c.ofType(QStringLiteral("bar")))
                if (m.value(QStringLiteral("final")).toBool())
                    out << m;
            return out;
        };
        QVERIFY(finals().isEmpty());
        for (const QJsonObject &m : c.ofType(QStringLiteral("bar")))
            QCOMPARE(barOf(m).t, t0);

        f.clock = t0 + 3 * kMinuteMs + 1000; // three minutes later, at once
        QTRY_COMPARE(finals().size(), 3);
        for (int i = 0; i < 3; ++i) {
            const Bar b = barOf(finals()[i]);
            QCOMPARE(b, *demo.barAt(QStringLiteral("BTC/USDT"), t0 + i * kMinuteMs)); // in order, no hole
        }
    }

    void formingBarsOfLargerTimeframes()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        const qint64 t0 = kJan2024 + 12 * kHourMs; // a 5m bucket start
        f.clock = t0 + 2 * kMinuteMs + 5000;       // two minutes of it closed
        Client c;
        QVERIFY(c.open(f));
        c.subscribe(QStringLiteral("five"), QStringLiteral("5m"), 3);
        QTRY_COMPARE(c.ofType(QStringLiteral("snapshot")).size(), 1);
        QTRY_VERIFY(!c.ofType(QStringLiteral("bar")).isEmpty());
        QJsonObject forming = c.ofType(QStringLiteral("bar")).last();
        QVERIFY(!forming.value(QStringLiteral("final")).toBool());
        const demo::DemoGenerator demo;
        // Two closed minutes plus the forming third (the demo serves it at the moved clock).
        const Bars two = demo.bars(QStringLiteral("BTC/USDT"), {t0, t0 + 3 * kMinuteMs});
        QCOMPARE(barOf(forming).t, t0);
        QCOMPARE(barOf(forming).o, two.front().o);
        QCOMPARE(barOf(forming).c, two.back().c);

        f.clock = t0 + 5 * kMinuteMs + 5000; // the bucket closed
        auto finals = [&c] {
            QList<QJsonObject> out;
            for (const QJsonObject &m : c.ofType(QStringLiteral("bar")))
                if (m.value(QStringLiteral("final")).toBool())
                    out << m;
            return out;
        };
        QTRY_COMPARE(finals().size(), 1);
        const Bars five = demo.bars(QStringLiteral("BTC/USDT"), {t0, t0 + 5 * kMinuteMs});
        const Bar fin = barOf(finals().first());
        QCOMPARE(fin.t, t0);
        QCOMPARE(fin.c, five.back().c);
        double v = 0;
        for (const Bar &b : five)
            v += b.v;
        QCOMPARE(fin.v, v);
    }

    void oneUpstreamPerSeries()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        f.clock = kJan2024 + 6 * kHourMs + 10'000;
        Client a, b;
        QVERIFY(a.open(f));
        QVERIFY(b.open(f));
        a.subscribe(QStringLiteral("x"), QStringLiteral("1m"), 5);
        b.subscribe(QStringLiteral("y"), QStringLiteral("1m"), 5);
        QTRY_COMPARE(a.ofType(QStringLiteral("snapshot")).size(), 1);
        QTRY_COMPARE(b.ofType(QStringLiteral("snapshot")).size(), 1);
        QCOMPARE(f.server()->metrics().streamUpstreams.load(), 1);
        QCOMPARE(f.server()->metrics().wsSubscriptions.load(), 2);
        f.clock = kJan2024 + 6 * kHourMs + kMinuteMs + 10'000;
        QTRY_COMPARE(finalsOf(a).size(), 1);
        QTRY_COMPARE(finalsOf(b).size(), 1);
        QCOMPARE(barOf(finalsOf(a).first()), barOf(finalsOf(b).first()));

        a.send({{QStringLiteral("op"), QStringLiteral("unsubscribe")}, {QStringLiteral("id"), QStringLiteral("x")}});
        QTRY_COMPARE(a.ofType(QStringLiteral("unsubscribed"), QStringLiteral("x")).size(), 1);
        QCOMPARE(f.server()->metrics().streamUpstreams.load(), 1); // b still watches
        b.ws.close();
        QTRY_COMPARE(f.server()->metrics().streamUpstreams.load(), 0);
        QTRY_COMPARE(f.server()->metrics().wsClients.load(), 1);
        QCOMPARE(f.server()->metrics().wsSubscriptions.load(), 0);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QString>("code");
        QTest::newRow("not json") << QByteArray("hello") << QStringLiteral("bad_input");
        QTest::newRow("unknown op") << QByteArray(R"({"op":"dance","id":"1"})") << QStringLiteral("bad_input");
        QTest::newRow("no id") << QByteArray(R"({"op":"subscribe","market":"crypto"})") << QStringLiteral("bad_input");
        QTest::newRow("unknown provider") << QByteArray(R"({"op":"subscribe","id":"1","market":"crypto","provider":"x","symbol":"BTC/USDT"})") << QStringLiteral("bad_input");
        QTest::newRow("bad timeframe") << QByteArray(R"({"op":"subscribe","id":"1","market":"crypto","provider":"demo","symbol":"BTC/USDT","timeframe":"9q"})") << QStringLiteral("bad_input");
        QTest::newRow("unknown symbol") << QByteArray(R"({"op":"subscribe","id":"1","market":"crypto","provider":"demo","symbol":"NOPE/X"})") << QStringLiteral("bad_input");
        QTest::newRow("bad limit") << QByteArray(R"({"op":"subscribe","id":"1","market":"crypto","provider":"demo","symbol":"BTC/USDT","limit":-3})") << QStringLiteral("bad_input");
        QTest::newRow("unsubscribe unknown") << QByteArray(R"({"op":"unsubscribe","id":"zz"})") << QStringLiteral("not_found");
    }
    void errors()
    {
        QFETCH(QByteArray, message);
        QFETCH(QString, code);
        ApiFixture f;
        QVERIFY(f.ok());
        Client c;
        QVERIFY(c.open(f));
        c.ws.sendTextMessage(QString::fromUtf8(message));
        QTRY_COMPARE(c.ofType(QStringLiteral("error")).size(), 1);
        const QJsonObject e = c.ofType(QStringLiteral("error")).first();
        QCOMPARE(e.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(), code);
        QVERIFY(!e.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(c.ofType(QStringLiteral("snapshot")).isEmpty());
        QTRY_COMPARE(f.server()->metrics().streamUpstreams.load(), 0);
    }

    void duplicateSubscriptionId()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        f.clock = kJan2024 + 10'000;
        Client c;
        QVERIFY(c.open(f));
        c.subscribe(QStringLiteral("d"), QStringLiteral("1m"), 1);
        c.subscribe(QStringLiteral("d"), QStringLiteral("1m"), 1);
        QTRY_COMPARE(c.ofType(QStringLiteral("error"), QStringLiteral("d")).size(), 1);
        QTRY_COMPARE(c.ofType(QStringLiteral("snapshot"), QStringLiteral("d")).size(), 1);
        c.send({{QStringLiteral("op"), QStringLiteral("ping")}});
        QTRY_COMPARE(c.ofType(QStringLiteral("pong")).size(), 1);
    }

    // The slow-client policy: forming updates coalesce and drop, finals never; overflow.
    void slowClientQueue()
    {
        StreamQueue q(3, 5);
        QCOMPARE(q.push("f1", QStringLiteral("a"), true), StreamQueue::Push::Queued);
        QCOMPARE(q.push("f2", QStringLiteral("a"), true), StreamQueue::Push::Replaced);
        QCOMPARE(q.size(), 1);
        QCOMPARE(q.push("F1", QStringLiteral("a"), false), StreamQueue::Push::Queued);
        QCOMPARE(q.push("f3", QStringLiteral("a"), true), StreamQueue::Push::Queued); // not before F1
        QCOMPARE(q.push("g1", QStringLiteral("b"), true), StreamQueue::Push::Dropped); // soft limit
        QCOMPARE(q.push("F2", QStringLiteral("a"), false), StreamQueue::Push::Queued);
        QCOMPARE(q.push("F3", QStringLiteral("b"), false), StreamQueue::Push::Queued);
        QCOMPARE(q.push("F4", QStringLiteral("b"), false), StreamQueue::Push::Overflow); // hard limit
        QCOMPARE(q.pop(), QByteArray("f2"));
        QCOMPARE(q.pop(), QByteArray("F1"));
        QCOMPARE(q.pop(), QByteArray("f3"));
        q.removeSubscription(QStringLiteral("a"));
        QCOMPARE(q.size(), 1);
        QCOMPARE(q.pop(), QByteArray("F3"));
    }
};

QTEST_GUILESS_MAIN(TstApiStream)
#include "tst_apistream.moc"
