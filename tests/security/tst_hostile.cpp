// SPDX-License-Identifier: GPL-3.0-or-later
// The local API attacked from outside, the way a careless or hostile local process would:
// raw sockets against a real `barkeep --headless`, no Qt client in between. Each check here
// failed on bf8576b:
// - a WebSocket upgrade on any route (with or without token) got the route's answer and then
//   "101 Switching Protocols", and the socket streamed bars;
// - about 64 stream connect/close cycles locked every route behind 429 until a restart;
// - an oversize request could meet a reset instead of its 413.
#include "headlessinstance.h"
#include "support/rawsocketclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

using namespace barkeep;
using namespace barkeep::test;

namespace {
constexpr char kToken[] = "hostile-token-5b1e";
constexpr int kPerClient = 8;

// Reads until the server closes the connection or `timeoutMs` passes without data. `reset`
// is set when the connection ended with an error (RST) rather than an orderly close.
QByteArray readUntilClosed(int fd, int timeoutMs, bool *closed = nullptr, bool *reset = nullptr)
{
    QByteArray all;
    if (closed)
        *closed = false;
    if (reset)
        *reset = false;
    char buf[65536];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0)
            return all;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            all.append(buf, n);
            continue;
        }
        if (closed)
            *closed = true;
        if (n < 0 && reset)
            *reset = errno == ECONNRESET;
        return all;
    }
}

// Reads until `marker` is in what arrived (or the timeout / a close).
QByteArray readUntil(int fd, QByteArrayView marker, int timeoutMs)
{
    QByteArray all;
    char buf[16384];
    while (!all.contains(marker)) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0)
            break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        all.append(buf, n);
    }
    return all;
}

QByteArray authHeader()
{
    return QByteArrayLiteral("Authorization: Bearer ") + kToken + "\r\n";
}

QByteArray plainRequest(quint16 port, const QByteArray &target, bool keepAlive = true)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n"
        + authHeader() + (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
}

int statusOf(const QByteArray &answer)
{
    static const QRegularExpression re(QStringLiteral("^HTTP/1\\.1 (\\d{3}) "));
    const auto m = re.match(QString::fromLatin1(answer.left(64)));
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

// A whole request on a new connection; the status (0: no answer).
int requestOnce(quint16 port, const QByteArray &target)
{
    const int fd = connectLoopback(port);
    if (fd < 0)
        return 0;
    sendAll(fd, plainRequest(port, target, false));
    const QByteArray answer = readUntilClosed(fd, 10000);
    ::close(fd);
    return statusOf(answer);
}

// Closes with RST instead of FIN (SO_LINGER 0): the rudest way a client can go.
void closeAbruptly(int fd)
{
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

qint64 metricValue(const QByteArray &metrics, const QByteArray &name)
{
    for (const QByteArray &line : metrics.split('\n'))
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).trimmed().toLongLong();
    return -1;
}
} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

    std::unique_ptr<HeadlessInstance> m_bk;
    QJsonObject m_spec;

    quint16 port() const { return quint16(m_bk->port()); }

    // The open connections the server counts, once the one asking is no longer counted
    // twice: /metrics is read on a fresh connection, so "1" means none left over.
    qint64 openConnections()
    {
        const auto r = m_bk->get(QStringLiteral("/metrics"));
        return metricValue(r.body, "barkeep_api_connections");
    }

private slots:
    void initTestCase()
    {
        QFile f(QStringLiteral(BARKEEP_SOURCE_DIR "/docs/openapi.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_spec = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(!m_spec.value(QStringLiteral("paths")).toObject().isEmpty());
        m_bk = std::make_unique<HeadlessInstance>(
            QStringList{QStringLiteral("api.maxConnectionsPerClient=%1").arg(kPerClient)},
            QString::fromLatin1(kToken));
        QVERIFY2(m_bk->start(), m_bk->log().constData());
    }

    void cleanupTestCase()
    {
        if (m_bk)
            QVERIFY2(m_bk->terminate(), m_bk->log().right(4000).constData());
    }

    // Item 1: an upgrade is honoured on the stream route only, with the token, and never
    // after another answer. Every other upgrade gets one HTTP answer and a closed connection.
    void upgradeOnlyOnTheStream_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<bool>("expectUpgrade");
        const QJsonObject paths = m_spec.value(QStringLiteral("paths")).toObject();
        for (auto p = paths.begin(); p != paths.end(); ++p) {
            QString path = p.key();
            path.replace(QStringLiteral("{id}"), QStringLiteral("1"));
            const QJsonObject ops = p.value().toObject();
            for (auto o = ops.begin(); o != ops.end(); ++o) {
                if (o.key() == QLatin1String("parameters"))
                    continue;
                const QByteArray method = o.key().toUpper().toLatin1();
                const bool stream = path == QLatin1String("/api/v1/stream");
                QTest::addRow("%s %s no token", method.constData(), qPrintable(path))
                    << method << path.toLatin1() << QByteArray() << false;
                QTest::addRow("%s %s token", method.constData(), qPrintable(path))
                    << method << path.toLatin1() << authHeader() << (stream && method == "GET");
                QTest::addRow("%s %s query token", method.constData(), qPrintable(path))
                    << method << (path + QStringLiteral("?token=") + QLatin1String(kToken)).toLatin1()
                    << QByteArray() << (stream && method == "GET");
            }
        }
        QTest::addRow("unknown route") << QByteArray("GET") << QByteArray("/api/v1/nothing")
                                       << authHeader() << false;
        QTest::addRow("stream foreign origin")
            << QByteArray("GET") << QByteArray("/api/v1/stream") << authHeader() + "Origin: http://evil.example\r\n"
            << false;
        QTest::addRow("stream wrong token") << QByteArray("GET") << QByteArray("/api/v1/stream")
                                            << QByteArray("Authorization: Bearer nope\r\n") << false;
    }

    void upgradeOnlyOnTheStream()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, headers);
        QFETCH(bool, expectUpgrade);
        const int fd = connectLoopback(port());
        QVERIFY(fd >= 0);
        QByteArray request = upgradeRequest(port(), target, headers);
        request.replace(0, 3, method); // "GET" → the route's method
        if (method == "POST" || method == "PATCH" || method == "PUT")
            request.replace("\r\n\r\n", "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        QVERIFY(sendAll(fd, request));
        if (expectUpgrade) {
            const QByteArray head = readUntil(fd, "\r\n\r\n", 10000);
            QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
            ::close(fd);
            return;
        }
        bool closed = false;
        const QByteArray answer = readUntilClosed(fd, 10000, &closed);
        ::close(fd);
        QVERIFY2(!answer.contains("101 Switching Protocols"), answer.constData());
        QVERIFY2(closed, "the server kept the refused upgrade's connection open");
        const int status = statusOf(answer);
        QVERIFY2(status >= 400 && status < 500, answer.constData());
        QCOMPARE(answer.count("HTTP/1.1 "), 1); // one answer, nothing after it
    }

    // Item 2: hundreds of stream connect/close cycles, every way a socket can end, and the
    // API still answers; the server's count of open connections returns to where it was.
    void reconnectStorm()
    {
        const qint64 before = openConnections();
        QVERIFY(before >= 1);
        const QByteArray upgrade = upgradeRequest(port(), "/api/v1/stream", authHeader());
        const QByteArray subscribe = maskedTextFrame(
            R"({"op":"subscribe","provider":"demo","symbol":"BTC/USDT","timeframe":"1m","market":"crypto"})");
        int upgraded = 0;
        for (int i = 0; i < 320; ++i) {
            const int fd = connectLoopback(port());
            QVERIFY(fd >= 0);
            QVERIFY(sendAll(fd, upgrade));
            switch (i % 4) {
            case 0: { // clean: upgrade, subscribe, FIN
                const QByteArray head = readUntil(fd, "\r\n\r\n", 10000);
                QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
                ++upgraded;
                sendAll(fd, subscribe);
                ::close(fd);
                break;
            }
            case 1: { // upgrade, then RST
                const QByteArray head = readUntil(fd, "\r\n\r\n", 10000);
                QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
                ++upgraded;
                closeAbruptly(fd);
                break;
            }
            case 2: // gone before the handshake answer
                ::close(fd);
                break;
            case 3: { // half-close: the server must notice EOF and let go
                const QByteArray head = readUntil(fd, "\r\n\r\n", 10000);
                QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
                ++upgraded;
                ::shutdown(fd, SHUT_WR);
                readUntilClosed(fd, 5000);
                ::close(fd);
                break;
            }
            }
        }
        QCOMPARE(upgraded, 240);
        // Every route answers again at once, /health included.
        for (int i = 0; i < 3 * kPerClient; ++i)
            QCOMPARE(requestOnce(port(), "/api/v1/health"), 200);
        QCOMPARE(requestOnce(port(), "/api/v1/markets"), 200);
        QTRY_COMPARE_WITH_TIMEOUT(openConnections(), before, 10000);
        QVERIFY(m_bk->isRunning());
    }

    // Item 2: on loopback one client cannot lock out others by hoarding idle keep-alive
    // connections: at the limit, the longest-idle one makes room.
    void idleConnectionsMakeRoom()
    {
        std::vector<int> idle;
        for (int i = 0; i < kPerClient + 4; ++i) {
            const int fd = connectLoopback(port());
            QVERIFY(fd >= 0);
            QVERIFY(sendAll(fd, plainRequest(port(), "/api/v1/health")));
            const QByteArray answer = readUntil(fd, "}", 10000);
            QVERIFY2(statusOf(answer) == 200, answer.constData());
            idle.push_back(fd); // keep-alive: stays open, idle
        }
        QCOMPARE(requestOnce(port(), "/api/v1/markets"), 200);
        for (int fd : idle)
            ::close(fd);
        // Busy connections (open WebSockets) are not taken away: over the limit they get 429.
        std::vector<int> streams;
        for (int i = 0; i < kPerClient; ++i) {
            const int fd = connectLoopback(port());
            QVERIFY(sendAll(fd, upgradeRequest(port(), "/api/v1/stream", authHeader())));
            const QByteArray head = readUntil(fd, "\r\n\r\n", 10000);
            QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
            streams.push_back(fd);
        }
        QTRY_COMPARE_WITH_TIMEOUT(requestOnce(port(), "/api/v1/health"), 429, 10000);
        for (int fd : streams)
            ::close(fd);
        QTRY_COMPARE_WITH_TIMEOUT(requestOnce(port(), "/api/v1/health"), 200, 10000);
    }

    // Item 7: an oversize request gets its 413 before the connection closes, even while the
    // client is still sending (no reset that would throw the answer away).
    void oversizeGetsItsAnswer()
    {
        for (int round = 0; round < 5; ++round) {
            const int fd = connectLoopback(port());
            QVERIFY(fd >= 0);
            const QByteArray head = "POST /api/v1/backfills HTTP/1.1\r\nHost: 127.0.0.1:"
                + QByteArray::number(port()) + "\r\n" + authHeader()
                + "Content-Type: application/json\r\nContent-Length: 4000000\r\n\r\n";
            QVERIFY(sendAll(fd, head));
            const QByteArray chunk(64 * 1024, 'x');
            // Keep sending well past the limit, as an uploading client does.
            for (int i = 0; i < 16; ++i)
                if (!sendAll(fd, chunk))
                    break;
            bool closed = false, reset = false;
            const QByteArray answer = readUntilClosed(fd, 10000, &closed, &reset);
            ::close(fd);
            QVERIFY2(statusOf(answer) == 413,
                     qPrintable(QStringLiteral("round %1: %2 (reset: %3)")
                                    .arg(round).arg(QString::fromLatin1(answer.left(200))).arg(reset)));
            QVERIFY(answer.contains("payload_too_large"));
        }
        QCOMPARE(requestOnce(port(), "/api/v1/health"), 200);
    }

    // The process ends cleanly after all of the above.
    void terminatesAfterTheAttacks()
    {
        // A few connections left half-open on purpose.
        std::vector<int> left;
        for (int i = 0; i < 3; ++i) {
            const int fd = connectLoopback(port());
            sendAll(fd, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // never finished
            left.push_back(fd);
        }
        QVERIFY2(m_bk->terminate(), m_bk->log().right(4000).constData());
        for (int fd : left)
            ::close(fd);
        m_bk.reset();
    }
};

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
