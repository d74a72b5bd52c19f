// SPDX-License-Identifier: GPL-3.0-or-later
// Work a hostile client can cause, checked against a real `barkeep --headless` from outside
// (issue 15, items 3-5). On bf8576b:
// - `{"op":"subscribe","provider":"csv","symbol":"file:/dev/zero"}` answered "unknown symbol"
//   after its upstream had started reading /dev/zero (hundreds of MB, 100 % CPU), and SIGTERM
//   then hung; a FIFO blocked a pool thread forever;
// - a snapshot of 5000 monthly bars asked for centuries of 1m history;
// - `barkeep import /dev/zero` never ended.
// Here every path-like symbol is refused on every route of docs/openapi.json that takes one and
// on the stream, with no upstream started; a snapshot obeys the span limit of /ohlcv; an
// oversized WebSocket frame or message ends that connection only; the import verb refuses
// devices, FIFOs and endless lines at once; and SIGTERM ends the process within 5 s while
// provider requests hang, streams run and a slow client holds a half-sent request.
#include "headlessinstance.h"
#include "support/rawsocketclient.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace barkeep;
using namespace barkeep::test;

namespace {
constexpr char kToken[] = "hostilework-token-91c2";

QByteArray authHeader()
{
    return QByteArrayLiteral("Authorization: Bearer ") + kToken + "\r\n";
}

// A masked client frame of any size (RFC 6455 §5.2); `announced` overrides the length field
// (a header that promises more than is sent).
QByteArray clientFrame(int opcode, bool fin, QByteArrayView payload, quint64 announced = 0)
{
    const quint64 len = announced ? announced : quint64(payload.size());
    QByteArray f;
    f.append(char((fin ? 0x80 : 0) | opcode));
    if (len < 126) {
        f.append(char(0x80 | len));
    } else if (len < 65536) {
        f.append(char(0x80 | 126));
        f.append(char(len >> 8));
        f.append(char(len));
    } else {
        f.append(char(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char(len >> (8 * i)));
    }
    const char mask[4] = {0x21, 0x43, 0x65, 0x07};
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

// A raw stream client: upgrade with the token, JSON commands out, JSON messages in.
struct RawStream
{
    int fd = -1;
    QByteArray in;
    bool closed = false;
    bool upgraded = false; // frames follow; before, `in` holds the HTTP answer
    int closeCode = 0;
    QList<QJsonObject> messages;

    ~RawStream()
    {
        if (fd >= 0)
            ::close(fd);
    }
    bool open(quint16 port)
    {
        fd = connectLoopback(port);
        if (fd < 0 || !sendAll(fd, upgradeRequest(port, "/api/v1/stream", authHeader())))
            return false;
        while (!in.contains("\r\n\r\n"))
            if (!readSome(10000))
                return false;
        const qsizetype end = in.indexOf("\r\n\r\n") + 4;
        const bool ok = in.startsWith("HTTP/1.1 101");
        in.remove(0, end);
        upgraded = ok;
        parse();
        return ok;
    }
    bool send(const QJsonObject &o)
    {
        return sendAll(fd, clientFrame(1, true, QJsonDocument(o).toJson(QJsonDocument::Compact)));
    }
    bool readSome(int timeoutMs)
    {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0)
            return false;
        char buf[65536];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            closed = true;
            return false;
        }
        in.append(buf, n);
        if (upgraded)
            parse();
        return true;
    }
    void parse()
    {
        FrameHeader h;
        while (parseFrameHeader(in.constData(), size_t(in.size()), &h) && in.size() >= qsizetype(h.size + h.length)) {
            const QByteArray payload = in.mid(qsizetype(h.size), qsizetype(h.length));
            in.remove(0, qsizetype(h.size + h.length));
            if (h.opcode == 1)
                messages << QJsonDocument::fromJson(payload).object();
            else if (h.opcode == 8) {
                closed = true;
                closeCode = payload.size() >= 2 ? (uchar(payload[0]) << 8) | uchar(payload[1]) : 1005;
            }
        }
    }
    // The first message of `type` (any type when empty) for subscription `id`.
    QJsonObject waitFor(const QString &id, int timeoutMs, const QString &type = {})
    {
        QElapsedTimer t;
        t.start();
        for (;;) {
            for (const QJsonObject &m : messages)
                if (m.value(QStringLiteral("id")).toString() == id
                    && (type.isEmpty() || m.value(QStringLiteral("type")).toString() == type))
                    return m;
            if (closed || t.elapsed() > timeoutMs)
                return {};
            readSome(100);
        }
    }
    bool waitClosed(int timeoutMs)
    {
        QElapsedTimer t;
        t.start();
        while (!closed && t.elapsed() < timeoutMs)
            readSome(100);
        return closed;
    }
};

QJsonObject subscribe(const QString &id, const QString &provider, const QString &symbol,
                      const QString &tf = QStringLiteral("1m"), int limit = 3)
{
    return {{QStringLiteral("op"), QStringLiteral("subscribe")}, {QStringLiteral("id"), id},
            {QStringLiteral("market"), QStringLiteral("crypto")}, {QStringLiteral("provider"), provider},
            {QStringLiteral("symbol"), symbol}, {QStringLiteral("timeframe"), tf},
            {QStringLiteral("limit"), limit}};
}

QString errorText(const QJsonObject &m)
{
    return m.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}

qint64 metricValue(const QByteArray &metrics, const QByteArray &name)
{
    for (const QByteArray &line : metrics.split('\n'))
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).trimmed().toLongLong();
    return -1;
}

// Resident memory of a process in KiB.
qint64 rssKiB(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

// A provider that accepts connections and never answers: a listening socket nobody accepts
// on (the kernel completes the handshakes), so it needs no event loop here.
struct BlackHole
{
    int fd = -1;
    quint16 port = 0;
    BlackHole()
    {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr *>(&a), len) != 0 || ::listen(fd, 256) != 0
            || ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0)
            return;
        port = ntohs(a.sin_port);
    }
    ~BlackHole() { ::close(fd); }
};

const QStringList &pathLikeSymbols()
{
    static const QStringList s{QStringLiteral("file:/dev/zero"), QStringLiteral("file:///etc/passwd"),
                               QStringLiteral("/etc/passwd"), QStringLiteral("./bars.csv"),
                               QStringLiteral("../../etc/shadow"), QStringLiteral("~/bars.csv"),
                               QStringLiteral("\\\\host\\share"), QStringLiteral("http://evil.example/"),
                               QStringLiteral("c:/x"), QStringLiteral("a/b/c"),
                               QString(QChar(0)) + QStringLiteral("x"), QStringLiteral("a\x07z"),
                               QString(300, QLatin1Char('A'))};
    return s;
}
} // namespace

class TestHostileWork : public QObject
{
    Q_OBJECT

    std::unique_ptr<HeadlessInstance> m_bk;
    BlackHole m_hole;
    QJsonObject m_spec;
    QTemporaryDir m_tmp;

    quint16 port() const { return quint16(m_bk->port()); }
    qint64 upstreams() { return metricValue(m_bk->get(QStringLiteral("/metrics")).body, "barkeep_stream_upstreams"); }

    // `barkeep import ...` in the instance's environment; exit code, output, time taken.
    struct Run
    {
        int exitCode = -1;
        bool finished = false;
        QByteArray output;
        qint64 ms = 0;
    };
    Run importVerb(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys()) // BARKEEP_* are configuration (ctest sets one)
            if (k.startsWith(QLatin1String("BARKEEP_")))
                env.remove(k);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_tmp.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_tmp.filePath(QStringLiteral("data")));
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        QElapsedTimer t;
        t.start();
        p.start(barkeepBinary(), QStringList{QStringLiteral("import"), QStringLiteral("--market"), QStringLiteral("crypto"),
                                             QStringLiteral("--symbol"), QStringLiteral("X")} + args);
        Run r;
        r.finished = p.waitForFinished(10000);
        r.ms = t.elapsed();
        if (!r.finished) {
            p.kill();
            p.waitForFinished();
        }
        r.exitCode = p.exitCode();
        r.output = p.readAll();
        return r;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_hole.port != 0);
        QFile f(QStringLiteral(BARKEEP_SOURCE_DIR "/docs/openapi.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_spec = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(!m_spec.value(QStringLiteral("paths")).toObject().isEmpty());
        const QString hole = QStringLiteral("127.0.0.1:%1").arg(m_hole.port);
        m_bk = std::make_unique<HeadlessInstance>(
            QStringList{QStringLiteral("providers.binance.baseUrl=http://") + hole,
                        QStringLiteral("providers.binance.wsUrl=ws://") + hole,
                        QStringLiteral("providers.binance.archiveUrl=http://") + hole},
            QString::fromLatin1(kToken));
        QVERIFY2(m_bk->start(), m_bk->log().constData());
    }

    // Item 3: every route of the spec that takes a symbol, and POST /backfills, answer 400
    // for every path-like symbol; so does the stream, and no upstream starts.
    void pathLikeSymbolsOnEveryRoute()
    {
        QStringList routes;
        const QJsonObject paths = m_spec.value(QStringLiteral("paths")).toObject();
        for (auto it = paths.begin(); it != paths.end(); ++it) {
            const QJsonObject get = it.value().toObject().value(QStringLiteral("get")).toObject();
            for (const QJsonValue &p : get.value(QStringLiteral("parameters")).toArray())
                if (p.toObject().value(QStringLiteral("name")).toString() == QLatin1String("symbol"))
                    routes << it.key();
        }
        QVERIFY2(routes.size() >= 2, qPrintable(routes.join(u' ')));
        RawStream stream;
        QVERIFY(stream.open(port()));
        int n = 0;
        for (const QString &symbol : pathLikeSymbols()) {
            for (const QString &provider : {QStringLiteral("csv"), QStringLiteral("demo"), QStringLiteral("binance")}) {
                for (const QString &route : routes) {
                    const QString target = QStringLiteral("%1?market=crypto&provider=%2&symbol=%3&since=1704067200000&until=1704070800000")
                                               .arg(route, provider, QString::fromLatin1(QUrl::toPercentEncoding(symbol)));
                    const auto r = m_bk->get(target);
                    QVERIFY2(r.status == 400, qPrintable(QStringLiteral("%1 → %2 %3").arg(target).arg(r.status).arg(QString::fromUtf8(r.body))));
                    QVERIFY2(r.body.contains("'symbol'"), r.body.constData());
                }
                const auto post = m_bk->post(QStringLiteral("/api/v1/backfills"),
                                             {{QStringLiteral("market"), QStringLiteral("crypto")},
                                              {QStringLiteral("provider"), provider},
                                              {QStringLiteral("symbol"), symbol},
                                              {QStringLiteral("since"), 1704067200000LL},
                                              {QStringLiteral("until"), 1704070800000LL}});
                QVERIFY2(post.status == 400, qPrintable(QStringLiteral("POST %1 → %2").arg(symbol).arg(post.status)));
                const QString id = QStringLiteral("p%1").arg(n++);
                QVERIFY(stream.send(subscribe(id, provider, symbol)));
                const QJsonObject answer = stream.waitFor(id, 10000);
                QCOMPARE(answer.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
                QVERIFY2(errorText(answer).contains(QLatin1String("'symbol'")), qPrintable(errorText(answer)));
            }
        }
        QCOMPARE(upstreams(), 0);
        const auto jobs = m_bk->get(QStringLiteral("/api/v1/backfills"));
        QCOMPARE(jobs.json.value(QStringLiteral("backfills")).toArray().size(), 0);
    }

    // Item 3: file: symbols at the csv provider read nothing (no memory growth, no busy
    // thread), a FIFO blocks nothing, and an unknown csv symbol points at `barkeep import`.
    void fileSymbolsReadNothing()
    {
        const QString fifo = m_tmp.filePath(QStringLiteral("bars.fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        const qint64 before = rssKiB(m_bk->pid());
        RawStream stream;
        QVERIFY(stream.open(port()));
        for (const QString &symbol : QStringList{QStringLiteral("file:/dev/zero"), QStringLiteral("file:") + fifo,
                                      QStringLiteral("file://") + fifo, QStringLiteral("NOTIMPORTED")}) {
            QVERIFY(stream.send(subscribe(symbol.right(10), QStringLiteral("csv"), symbol)));
            const QJsonObject answer = stream.waitFor(symbol.right(10), 10000);
            QCOMPARE(answer.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
            if (symbol == QLatin1String("NOTIMPORTED"))
                QVERIFY2(errorText(answer).contains(QLatin1String("barkeep import")), qPrintable(errorText(answer)));
        }
        QTest::qWait(3000);
        const qint64 after = rssKiB(m_bk->pid());
        QVERIFY2(after - before < 50 * 1024, qPrintable(QStringLiteral("RSS %1 → %2 KiB").arg(before).arg(after)));
        QCOMPARE(upstreams(), 0);
        QElapsedTimer t;
        t.start();
        QCOMPARE(m_bk->get(QStringLiteral("/api/v1/health")).status, 200);
        QVERIFY(t.elapsed() < 2000);
    }

    // Item 4: a snapshot of 5000 monthly or weekly bars covers at most api.maxSpanDays (366)
    // of history, like /ohlcv; it comes within seconds instead of centuries of 1m fetches.
    void unboundedSnapshotIsBounded()
    {
        RawStream stream;
        QVERIFY(stream.open(port()));
        QElapsedTimer t;
        t.start();
        QVERIFY(stream.send(subscribe(QStringLiteral("M"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"), QStringLiteral("1M"), 5000)));
        QVERIFY(stream.send(subscribe(QStringLiteral("W"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"), QStringLiteral("1w"), 5000)));
        for (const auto &[id, most] : {std::pair{QStringLiteral("M"), 13}, std::pair{QStringLiteral("W"), 54}}) {
            const QJsonObject snap = stream.waitFor(id, 60000);
            QVERIFY2(snap.value(QStringLiteral("type")).toString() == QLatin1String("snapshot"),
                     qPrintable(QString::fromUtf8(QJsonDocument(snap).toJson(QJsonDocument::Compact)).left(300)));
            const qsizetype bars = snap.value(QStringLiteral("bars")).toArray().size();
            QVERIFY2(bars > 0 && bars <= most, qPrintable(QStringLiteral("%1: %2 bars").arg(id).arg(bars)));
        }
        qInfo("two 5000-bar snapshot requests answered in %lld ms", t.elapsed());
    }

    // Item 4: a frame that announces 1 GiB, and a message of many small frames past the cap,
    // close that connection (1009) without the server buffering them; others carry on.
    void oversizedFramesAndMessages()
    {
        const qint64 before = rssKiB(m_bk->pid());
        {
            RawStream s;
            QVERIFY(s.open(port()));
            QVERIFY(sendAll(s.fd, clientFrame(1, true, QByteArray(4096, 'a'), quint64(1) << 30)));
            QVERIFY(s.waitClosed(10000));
            QVERIFY2(s.closeCode == 1009 || s.closeCode == 0, qPrintable(QString::number(s.closeCode)));
        }
        {
            RawStream s;
            QVERIFY(s.open(port()));
            bool sent = sendAll(s.fd, clientFrame(1, false, QByteArray(16384, 'b')));
            for (int i = 0; i < 64 && sent && !s.closed; ++i) {
                sent = sendAll(s.fd, clientFrame(0, false, QByteArray(16384, 'b')));
                s.readSome(0);
            }
            QVERIFY(s.waitClosed(10000));
            QVERIFY2(s.closeCode == 1009 || s.closeCode == 0, qPrintable(QString::number(s.closeCode)));
        }
        const qint64 after = rssKiB(m_bk->pid());
        QVERIFY2(after - before < 50 * 1024, qPrintable(QStringLiteral("RSS %1 → %2 KiB").arg(before).arg(after)));
        RawStream ok;
        QVERIFY(ok.open(port()));
        QVERIFY(ok.send({{QStringLiteral("op"), QStringLiteral("ping")}}));
        QElapsedTimer t;
        t.start();
        while (ok.messages.isEmpty() && t.elapsed() < 5000)
            ok.readSome(100);
        QCOMPARE(ok.messages.value(0).value(QStringLiteral("type")).toString(), QStringLiteral("pong"));
    }

    // Item 3: the import verb refuses a device, a FIFO (with no writer: it must not block) and
    // a file of one endless line at once, each with a message that says what it is.
    void importRefusesWhatIsNoFile()
    {
        const QString fifo = m_tmp.filePath(QStringLiteral("import.fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        const QString longLine = m_tmp.filePath(QStringLiteral("long.csv"));
        {
            QFile f(longLine);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(8 << 20, '7'));
        }
        const QString bad = m_tmp.filePath(QStringLiteral("bad.csv"));
        {
            QFile f(bad);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("time,open,high,low,close\n");
            for (int i = 0; i < 5000; ++i)
                f.write("nope,1,1,1,1\n");
        }
        const struct { QString path; const char *says; } cases[] = {
            {QStringLiteral("/dev/zero"), "device"},
            {fifo, "FIFO"},
            {m_tmp.path(), "directory"},
            {longLine, "longer than 4096 bytes"},
            {bad, "1000 bad rows"},
        };
        for (const auto &c : cases) {
            const Run r = importVerb({c.path});
            QVERIFY2(r.finished, qPrintable(c.path + QStringLiteral(": still running after 10 s")));
            QVERIFY2(r.exitCode != 0, r.output.constData());
            QVERIFY2(r.output.contains(c.says), r.output.constData());
            QVERIFY2(r.ms < 8000, qPrintable(QString::number(r.ms)));
        }
    }

    // Item 5: SIGTERM while provider requests hang (a provider that never answers), a stream
    // and its upstream run, csv subscriptions were tried on /dev/zero, and a client holds a
    // half-sent request: the process is gone within 5 s, cleanly.
    void sigtermUnderLoad()
    {
        QList<int> fds;
        const auto openRaw = [&](const QByteArray &request) {
            const int fd = connectLoopback(port());
            if (fd >= 0) {
                sendAll(fd, request);
                fds << fd;
            }
        };
        // Streams: the demo upstream running, binance and csv subscriptions tried.
        RawStream a, b;
        QVERIFY(a.open(port()));
        QVERIFY(b.open(port()));
        QVERIFY(a.send(subscribe(QStringLiteral("d"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"))));
        // First, while the API's workers are free: hanging provider requests occupy them.
        QVERIFY(!a.waitFor(QStringLiteral("d"), 30000, QStringLiteral("snapshot")).isEmpty());
        QVERIFY(a.send(subscribe(QStringLiteral("b"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"))));
        QVERIFY(b.send(subscribe(QStringLiteral("z"), QStringLiteral("csv"), QStringLiteral("file:/dev/zero"))));
        const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port()) + "\r\n";
        // Requests that wait on the provider that never answers: the symbol list.
        for (int i = 0; i < 6; ++i)
            openRaw("GET /api/v1/ohlcv?market=crypto&provider=binance&symbol=BTC/USDT&since=1704067200000&until=1704070800000 HTTP/1.1\r\n"
                    + host + authHeader() + "\r\n");
        openRaw("GET /api/v1/symbols?market=crypto&provider=binance HTTP/1.1\r\n" + host + authHeader() + "\r\n");
        const QByteArray body = R"({"market":"crypto","provider":"binance","symbol":"BTC/USDT","since":1704067200000,"until":1706745600000})";
        openRaw("POST /api/v1/backfills HTTP/1.1\r\n" + host + authHeader() + "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        // A half-sent request (slowloris).
        openRaw("GET /api/v1/ohlcv?market=crypto HTTP/1.1\r\n" + host);
        QTest::qWait(1000); // the provider requests are in flight

        QElapsedTimer t;
        t.start();
        const bool clean = m_bk->terminate();
        const qint64 ms = t.elapsed();
        qInfo("SIGTERM under load: exited after %lld ms (%s)", ms, clean ? "exit 0" : "not clean");
        for (int fd : fds)
            ::close(fd);
        QVERIFY(!m_bk->isRunning());
        QVERIFY2(ms < 5000, qPrintable(QStringLiteral("%1 ms; log tail:\n%2").arg(ms).arg(QString::fromUtf8(m_bk->log().right(3000)))));
        QVERIFY2(clean, m_bk->log().right(3000).constData());
    }

    void cleanupTestCase()
    {
        if (m_bk && m_bk->isRunning())
            m_bk->kill9();
    }
};

QTEST_GUILESS_MAIN(TestHostileWork)
#include "tst_hostilework.moc"
