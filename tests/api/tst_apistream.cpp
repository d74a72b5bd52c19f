// SPDX-License-Identifier: GPL-3.0-or-later
// The WebSocket stream /api/v1/stream: upgrade checks (token, Origin), subscribe → snapshot →
// bar messages (final and forming), one upstream per series, catch-up without holes,
// unsubscribe and errors. The stream's clock is the fixture's, moved by the test, over the
// offline demo provider.
#include "support/apidispatchermain.h"
#include "apifixture.h"
#include "api/apimetrics.h"
#include "api/stream/streamqueue.h"
#include "demogenerator.h"
#include "model/timeframe.h"
#include "support/rawsocketclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QElapsedTimer>
#include <QTest>
#include <QWebSocket>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <vector>

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

// `count` clients, each open and subscribed to the demo's 1m series with a one-bar snapshot
// under the id `idOf(i)`; fewer when one cannot connect.
std::vector<std::unique_ptr<Client>> subscribedClients(const ApiFixture &f, int count,
                                                       const std::function<QString(int)> &idOf)
{
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < count; ++i) {
        auto c = std::make_unique<Client>();
        if (!c->open(f))
            break;
        c->subscribe(idOf(i), QStringLiteral("1m"), 1);
        clients.push_back(std::move(c));
    }
    return clients;
}

// The series subscribedClients() subscribe to; bars are injected into it.
const SeriesKey kDemo1m{QStringLiteral("crypto"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"),
                        QStringLiteral("1m")};

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

// A raw RFC 6455 client that subscribes and then does not read (a slow reader): a small
// receive buffer so the server's socket backs up quickly. Reads everything at the end.
struct RawClient
{
    int fd = -1;
    ~RawClient()
    {
        if (fd >= 0)
            ::close(fd);
    }
    bool open(quint16 port, const QByteArray &subscribe)
    {
        fd = connectLoopback(port, 4096);
        if (fd < 0)
            return false;
        const QByteArray hello = upgradeRequest(port, "/api/v1/stream",
                                                "Authorization: Bearer " + QByteArray(kToken) + "\r\n");
        if (::send(fd, hello.constData(), size_t(hello.size()), MSG_NOSIGNAL) != hello.size())
            return false;
        // Byte by byte, so no frame after the answer is swallowed; the server runs on this
        // thread, so its events keep flowing meanwhile.
        QByteArray answer;
        char c;
        QElapsedTimer clock;
        clock.start();
        while (!answer.endsWith("\r\n\r\n")) {
            const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
            if (n == 1)
                answer.append(c);
            else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || clock.elapsed() > 10000)
                return false;
            else
                QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        }
        if (!answer.startsWith("HTTP/1.1 101"))
            return false;
        const QByteArray frame = maskedTextFrame(subscribe);
        return ::send(fd, frame.constData(), size_t(frame.size()), MSG_NOSIGNAL) == frame.size();
    }
    // Every frame until the server closes: text payloads, and the close frame's code.
    QList<QByteArray> readAll(int *closeCode)
    {
        // The server runs on this thread: keep its events flowing while reading.
        QByteArray in;
        char buf[65536];
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 30000) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                break;
            if (n > 0)
                in.append(buf, n);
            else
                QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        }
        QList<QByteArray> out;
        qsizetype pos = 0;
        FrameHeader h;
        while (parseFrameHeader(in.constData() + pos, size_t(in.size() - pos), &h)) {
            const qsizetype head = qsizetype(h.size);
            if (quint64(in.size() - pos - head) < h.length)
                break; // cut off: must not happen before a close frame
            const QByteArray payload = in.mid(pos + head, qsizetype(h.length));
            if (h.opcode == 0x8) {
                *closeCode = (uchar(payload[0]) << 8) | uchar(payload[1]);
                return out;
            }
            if (h.first != 0x81)
                return out << QByteArray("bad frame header");
            out << payload;
            pos += head + qsizetype(h.length);
        }
        return out;
    }
};
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
        // Its frames go straight to its socket: LocalApiServer found the upgraded transport
        // (if a Qt change broke that lookup, clients would silently take the slow path).
        QCOMPARE(f.server()->metrics().wsClients.load(), 1);
        QCOMPARE(f.server()->metrics().wsDirectClients.load(), 1);
        const QJsonArray bars = snap.value(QStringLiteral("bars")).toArray();
        const demo::DemoGenerator demo;
        const Bars truth = demo.bars(QStringLiteral("BTC/USDT"), {t0 - 10 * kMinuteMs, t0});
        QCOMPARE(bars.size(), qsizetype(truth.size()));
        QCOMPARE(bars.last().toArray()[0].toInteger(), t0 - kMinuteMs);
        // Nothing closed since; the demo serves the minute at the (moved) clock, so a forming
        // update of 12:00 may come, never a final one.
        QVERIFY(finalsOf(c).isEmpty());
        for (const QJsonObject &m : c.ofType(QStringLiteral("bar")))
            QCOMPARE(barOf(m).t, t0);

        f.clock = t0 + 3 * kMinuteMs + 1000; // three minutes later, at once
        QTRY_COMPARE(finalsOf(c).size(), 3);
        for (int i = 0; i < 3; ++i) {
            const Bar b = barOf(finalsOf(c)[i]);
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
        QTRY_COMPARE(finalsOf(c).size(), 1);
        const Bars five = demo.bars(QStringLiteral("BTC/USDT"), {t0, t0 + 5 * kMinuteMs});
        const Bar fin = barOf(finalsOf(c).first());
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

    // Many subscribers with the sends spread over threads (StreamSender): every client gets
    // every final bar once and in order, a client with two subscriptions on the series gets
    // both (two frames to one socket in one broadcast), and clients that leave are cleaned up
    // while the others keep receiving.
    void parallelSendsKeepOrder()
    {
        ApiFixture f([](ApiOptions &o) {
            o.streamSendThreads = 2;
            o.maxConnectionsPerClient = 200;
        });
        QVERIFY(f.ok());
        f.clock = kJan2024 + 6 * kHourMs + 10'000;
        constexpr int kClients = 80; // over the parallel threshold (64), also after ten leave
        const std::vector<std::unique_ptr<Client>> clients
            = subscribedClients(f, kClients, [](int i) { return QStringLiteral("c%1").arg(i); });
        QCOMPARE(int(clients.size()), kClients);
        clients[0]->subscribe(QStringLiteral("second"), QStringLiteral("1m"), 1);
        QTRY_COMPARE(f.server()->metrics().wsSubscriptions.load(), kClients + 1);
        for (const auto &c : clients)
            QTRY_VERIFY(!c->ofType(QStringLiteral("snapshot")).isEmpty());
        QTRY_COMPARE(clients[0]->ofType(QStringLiteral("snapshot")).size(), 2);

        const qint64 first = 4102444800000LL; // 2100: after any bar of the demo upstream
        auto inject = [&](int from, int count) {
            for (int i = from; i < from + count; ++i)
                QVERIFY(f.server()->injectUpstreamBar(kDemo1m, {first + qint64(i) * kMinuteMs, 1, 2, 0.5, 1.5, 1}, true));
        };
        auto finalsOfId = [](const Client &c, const QString &id) {
            QList<qint64> out;
            for (const QJsonObject &m : c.ofType(QStringLiteral("bar"), id))
                if (m.value(QStringLiteral("final")).toBool() && barOf(m).t >= 4102444800000LL)
                    out << barOf(m).t;
            return out;
        };
        QList<qint64> expected;
        for (int i = 0; i < 30; ++i)
            expected << first + qint64(i) * kMinuteMs;
        const qint64 sentBefore = f.server()->metrics().wsMessagesSent.load();
        inject(0, 30);
        for (int i = 0; i < kClients; ++i)
            QTRY_COMPARE(finalsOfId(*clients[size_t(i)], QStringLiteral("c%1").arg(i)), expected);
        QTRY_COMPARE(finalsOfId(*clients[0], QStringLiteral("second")), expected);
        // The parallel path counts what the kernel took whole in one addition per broadcast:
        // every message is counted (the demo upstream's own bars may add a few, never fewer).
        const qint64 sent = f.server()->metrics().wsMessagesSent.load() - sentBefore;
        QVERIFY2(sent >= (kClients + 1) * 30 && sent < (kClients + 1) * 35, qPrintable(QString::number(sent)));

        // Ten leave (still over the threshold); the rest get the next bars, the ten are gone.
        for (int i = kClients - 10; i < kClients; ++i)
            clients[size_t(i)]->ws.close();
        QTRY_COMPARE(f.server()->metrics().wsClients.load(), kClients - 10);
        QCOMPARE(f.server()->metrics().wsSubscriptions.load(), kClients - 10 + 1);
        for (int i = 30; i < 40; ++i)
            expected << first + qint64(i) * kMinuteMs;
        inject(30, 10);
        for (int i = 0; i < kClients - 10; ++i)
            QTRY_COMPARE(finalsOfId(*clients[size_t(i)], QStringLiteral("c%1").arg(i)), expected);
        QTRY_COMPARE(finalsOfId(*clients[0], QStringLiteral("second")), expected);
    }

    // A reader that stops reading is disconnected past the queue limit (finals are never
    // dropped: what it got until then is every final in order, then the close frame), while
    // a client that keeps up gets every final bar in order, and the slow one is cleaned up.
    // Many injected bars also make the server's direct writes to the slow socket partial,
    // which the frame check of what it did receive covers.
    void slowReaderDisconnectedOthersUnaffected_data()
    {
        QTest::addColumn<int>("goodClients");
        QTest::newRow("sends on the API thread") << 1;
        QTest::newRow("parallel sends (over 64 subscribers)") << 70; // StreamSender, partial sends
    }
    void slowReaderDisconnectedOthersUnaffected()
    {
        QFETCH(int, goodClients);
        ApiFixture f([](ApiOptions &o) {
            o.streamQueueLimit = 4;
            o.streamDisconnectLimit = 16;
            o.streamSendThreads = 2;
            o.maxConnectionsPerClient = 200;
        });
        QVERIFY(f.ok());
        f.clock = kJan2024 + 6 * kHourMs + 10'000;
        const std::vector<std::unique_ptr<Client>> good
            = subscribedClients(f, goodClients, [](int) { return QStringLiteral("g"); });
        QCOMPARE(int(good.size()), goodClients);
        RawClient slow;
        QVERIFY(slow.open(f.port(), R"({"op":"subscribe","id":"s","market":"crypto","provider":"demo",)"
                                    R"("symbol":"BTC/USDT","timeframe":"1m","limit":1})"));
        for (const auto &c : good)
            QTRY_COMPARE(c->ofType(QStringLiteral("snapshot")).size(), 1);
        QTRY_COMPARE(f.server()->metrics().wsSubscriptions.load(), goodClients + 1);
        const qint64 first = 4102444800000LL; // 2100: after any bar of the demo upstream
        int sent = 0;
        while (f.server()->metrics().wsSlowDisconnects.load() == 0 && sent < 300'000) {
            for (int i = 0; i < 100; ++i, ++sent) {
                const qint64 t = first + qint64(sent) * kMinuteMs;
                QVERIFY(f.server()->injectUpstreamBar(kDemo1m, {t, 1, 2, 0.5, 1.5, double(sent)}, true));
            }
            QCoreApplication::processEvents(); // the good clients read
        }
        QCOMPARE(f.server()->metrics().wsSlowDisconnects.load(), 1);
        for (const auto &c : good) {
            QTRY_COMPARE_WITH_TIMEOUT(finalsOf(*c).size(), qsizetype(sent), 30000);
            const QList<QJsonObject> finals = finalsOf(*c);
            for (int i = 0; i < sent; ++i)
                QCOMPARE(barOf(finals[i]).t, first + qint64(i) * kMinuteMs);
        }
        // The close frame waits behind what the server had buffered for it: read it all.
        int closeCode = 0;
        const QList<QByteArray> got = slow.readAll(&closeCode);
        QTRY_COMPARE(f.server()->metrics().wsClients.load(), goodClients);
        QCOMPARE(f.server()->metrics().wsSubscriptions.load(), goodClients);
        QCOMPARE(closeCode, 1008); // policy violation: too slow
        qint64 expect = first;
        int bars = 0;
        for (const QByteArray &m : got) {
            const QJsonObject o = QJsonDocument::fromJson(m).object();
            QVERIFY2(!o.isEmpty(), m.left(80).constData());
            if (o.value(QStringLiteral("type")).toString() != QStringLiteral("bar") || barOf(o).t < first)
                continue;
            QCOMPARE(barOf(o).t, expect); // in order, no hole
            expect += kMinuteMs;
            ++bars;
        }
        QVERIFY(bars > 0);
        QVERIFY(bars < sent);
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

BK_TEST_MAIN_ON_API_DISPATCHER(TstApiStream)
#include "tst_apistream.moc"
