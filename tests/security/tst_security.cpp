// SPDX-License-Identifier: GPL-3.0-or-later
// The local API's access rules, checked from outside against a real headless process:
// every route listed in docs/openapi.json refuses a missing and a wrong token (only
// /api/v1/health is open), a foreign Host header (DNS rebinding) is refused everywhere, the
// WebSocket refuses a foreign Origin, the generated token file is 0600, and a whole run that
// uses a keyed provider never writes the keys to its output or to any file it owns.
#include "headlessinstance.h"

#include "alpacafake.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

using namespace barkeep;
using namespace barkeep::test;

namespace {
constexpr char kToken[] = "sec-token-7f3a9c";
constexpr char kFakeKey[] = "BKFAKEKEY123";
constexpr char kFakeSecret[] = "BKFAKESECRET456";
constexpr qint64 kJan2024 = 1704067200000LL;

// Routes that answer without a token (the spec marks them with an empty `security`).
bool isPublic(const QJsonObject &operation, const QJsonObject &spec)
{
    if (operation.contains(QStringLiteral("security")))
        return operation.value(QStringLiteral("security")).toArray().isEmpty();
    return spec.value(QStringLiteral("security")).toArray().isEmpty();
}

// A path of the spec with its parameters filled in.
QString concrete(QString path)
{
    path.replace(QStringLiteral("{id}"), QStringLiteral("1"));
    return path;
}
} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT

    std::unique_ptr<HeadlessInstance> m_bk;
    QJsonObject m_spec;

    static QJsonObject loadSpec()
    {
        QFile f(QStringLiteral(BARKEEP_SOURCE_DIR "/docs/openapi.json"));
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(f.readAll()).object();
    }

    bool connectWebSocket(QWebSocket &ws, const QString &query, const QByteArray &origin)
    {
        QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream%2").arg(m_bk->port()).arg(query)));
        if (!origin.isEmpty())
            req.setRawHeader("Origin", origin);
        QSignalSpy connected(&ws, &QWebSocket::connected);
        QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
        ws.open(req);
        for (int i = 0; i < 100 && connected.isEmpty() && disconnected.isEmpty(); ++i)
            connected.wait(100);
        return !connected.isEmpty() && ws.state() == QAbstractSocket::ConnectedState;
    }

private slots:
    void initTestCase()
    {
        m_spec = loadSpec();
        QVERIFY2(!m_spec.value(QStringLiteral("paths")).toObject().isEmpty(), "docs/openapi.json not found");
        m_bk = std::make_unique<HeadlessInstance>(QStringList{}, QString::fromLatin1(kToken));
        QVERIFY2(m_bk->start(), m_bk->log().constData());
    }

    void cleanupTestCase()
    {
        if (m_bk)
            QVERIFY(m_bk->terminate());
    }

    void everyRoute_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("open");
        const QJsonObject paths = m_spec.value(QStringLiteral("paths")).toObject();
        for (auto p = paths.begin(); p != paths.end(); ++p) {
            const QJsonObject ops = p.value().toObject();
            for (auto o = ops.begin(); o != ops.end(); ++o) {
                if (o.key() == QLatin1String("parameters"))
                    continue;
                const QByteArray method = o.key().toUpper().toLatin1();
                QTest::addRow("%s %s", method.constData(), qPrintable(p.key()))
                    << method << concrete(p.key()) << isPublic(o.value().toObject(), m_spec);
            }
        }
    }

    void everyRoute()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(bool, open);
        const QByteArray body = method == "POST" ? QByteArrayLiteral("{}") : QByteArray();
        const HeadlessInstance::Reply none = m_bk->send(method, path, body, {});
        const HeadlessInstance::Reply wrong = m_bk->send(method, path, body, "wrong-token");
        const HeadlessInstance::Reply prefix = m_bk->send(method, path, body, QByteArray(kToken).chopped(1));
        if (open) {
            QVERIFY2(none.status != 401 && none.status != 0, none.body.constData());
        } else {
            QVERIFY2(none.status == 401, qPrintable(QStringLiteral("%1 without token: %2").arg(none.status).arg(QString::fromUtf8(none.body))));
            QVERIFY2(wrong.status == 401, qPrintable(QStringLiteral("%1 with a wrong token: %2").arg(wrong.status).arg(QString::fromUtf8(wrong.body))));
            QVERIFY2(prefix.status == 401, "a prefix of the token was accepted");
            // The error names no token.
            QVERIFY(!wrong.body.contains(kToken));
            QCOMPARE(none.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                     QStringLiteral("unauthorized"));
        }
        // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
        for (const QByteArray host : {QByteArrayLiteral("evil.example"), QByteArrayLiteral("evil.example:8765"),
                                      QByteArrayLiteral("127.0.0.1.evil.example"),
                                      QByteArrayLiteral("localhost.evil.example:1")}) {
            const HeadlessInstance::Reply foreign =
                m_bk->send(method, path, body, kToken, 30000, {{"Host", host}});
            QVERIFY2(foreign.status == 400 || foreign.status == 403 || foreign.status == 421,
                     qPrintable(QStringLiteral("Host '%1' → %2").arg(QString::fromLatin1(host)).arg(foreign.status)));
        }
    }

    void tokenOnlyInTheRightPlaces()
    {
        // The right token works through the header; a wrong one in the query string (the
        // WebSocket's way) is refused like a wrong header.
        QCOMPARE(m_bk->get(QStringLiteral("/api/v1/markets")).status, 200);
        const auto viaQuery = m_bk->get(QStringLiteral("/api/v1/markets?token=wrong"), {});
        QCOMPARE(viaQuery.status, 401);
    }

    void webSocketOrigin()
    {
        const QString withToken = QStringLiteral("?token=") + QLatin1String(kToken);
        {
            QWebSocket ws;
            QVERIFY2(connectWebSocket(ws, withToken, {}), "a script (no Origin) must connect");
            ws.close();
        }
        {
            QWebSocket ws;
            const QByteArray self = QStringLiteral("http://127.0.0.1:%1").arg(m_bk->port()).toLatin1();
            QVERIFY2(connectWebSocket(ws, withToken, self), "the API's own origin must connect");
            ws.close();
        }
        for (const QByteArray origin : {QByteArrayLiteral("http://evil.example"), QByteArrayLiteral("null"),
                                        QByteArrayLiteral("http://127.0.0.1.evil.example"),
                                        QByteArrayLiteral("https://localhost.evil.example:8765")}) {
            QWebSocket ws;
            QVERIFY2(!connectWebSocket(ws, withToken, origin), origin.constData());
        }
        {
            QWebSocket ws;
            QVERIFY2(!connectWebSocket(ws, QStringLiteral("?token=wrong"), {}), "wrong token on the WebSocket");
        }
        {
            QWebSocket ws;
            QVERIFY2(!connectWebSocket(ws, {}, {}), "no token on the WebSocket");
        }
    }

    void tokenFileIsPrivate()
    {
        HeadlessInstance own({}, QString());
        QVERIFY2(own.start(), own.log().constData());
        QString tokenFile;
        QDirIterator it(own.configDir(), {QStringLiteral("api-token")}, QDir::Files, QDirIterator::Subdirectories);
        if (it.hasNext())
            tokenFile = it.next();
        QVERIFY2(!tokenFile.isEmpty(), "no api-token file in the config dir");
        const QFileDevice::Permissions perms = QFileInfo(tokenFile).permissions();
        QCOMPARE(perms & ~(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser
                           | QFileDevice::WriteUser),
                 QFileDevice::Permissions());
        QFile f(tokenFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray token = f.readAll().trimmed();
        QVERIFY(token.size() >= 32);
        own.setToken(QString::fromLatin1(token));
        QCOMPARE(own.get(QStringLiteral("/api/v1/markets")).status, 200);
        // Never printed: a log is often pasted into bug reports.
        QVERIFY(!own.log().contains(token));
        QVERIFY2(own.terminate(), own.log().right(4000).constData());
        // The directory is not open to others either.
        const QFileDevice::Permissions dirPerms = QFileInfo(QFileInfo(tokenFile).path()).permissions();
        QVERIFY(!(dirPerms & QFileDevice::WriteOther));
    }

    void credentialsNeverLogged()
    {
        fakes::AlpacaFake fake(7);
        fake.setCredentials(QString::fromLatin1(kFakeKey), QString::fromLatin1(kFakeSecret));
        QVERIFY(fake.listen());
        const QString url = fake.url().toString();
        HeadlessInstance bk({QStringLiteral("providers.alpaca.apiKey=") + QLatin1String(kFakeKey),
                             QStringLiteral("providers.alpaca.apiSecret=") + QLatin1String(kFakeSecret),
                             QStringLiteral("providers.alpaca.baseUrl=") + url,
                             QStringLiteral("providers.alpaca.tradingUrl=") + url},
                            QString::fromLatin1(kToken));
        // Everything Barkeep logs, debug included.
        bk.setEnv(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("barkeep.*.debug=true"));
        QVERIFY2(bk.start(), bk.log().constData());

        const QString day = QStringLiteral("since=%1&until=%2").arg(kJan2024 + 24 * 3600000LL + 14 * 3600000LL + 1800000LL)
                                .arg(kJan2024 + 24 * 3600000LL + 17 * 3600000LL);
        QCOMPARE(bk.get(QStringLiteral("/api/v1/providers?market=stocks")).status, 200);
        const auto symbols = bk.get(QStringLiteral("/api/v1/symbols?market=stocks&provider=alpaca"));
        QVERIFY2(symbols.status == 200, symbols.body.constData());
        const auto bars = bk.get(QStringLiteral("/api/v1/ohlcv?market=stocks&provider=alpaca&symbol=AAPL&timeframe=1m&") + day);
        QVERIFY2(bars.status == 200, bars.body.constData());
        QVERIFY(!bars.json.value(QStringLiteral("bars")).toArray().isEmpty());
        QCOMPARE(bk.get(QStringLiteral("/api/v1/coverage?market=stocks&provider=alpaca&symbol=AAPL&") + day).status, 200);
        QCOMPARE(bk.get(QStringLiteral("/api/v1/ohlcv?market=crypto&provider=alpaca&symbol=BTC/USD&timeframe=1h&") + day).status, 200);
        // Error paths log the most: a refused key and a server error.
        fake.failNext(1, 403);
        const auto refused = bk.get(QStringLiteral("/api/v1/ohlcv?market=stocks&provider=alpaca&symbol=MSFT&timeframe=1m&") + day);
        QVERIFY(refused.status >= 400);
        fake.failNext(1, 500);
        bk.get(QStringLiteral("/api/v1/ohlcv?market=stocks&provider=alpaca&symbol=TSLA&timeframe=5m&") + day);
        const qint64 id = bk.startBackfill(QStringLiteral("alpaca"), QStringLiteral("AAPL"), kJan2024 + 24 * 3600000LL,
                                           kJan2024 + 5 * 24 * 3600000LL, QStringLiteral("stocks"));
        QVERIFY2(id > 0, bk.log().constData());
        QTRY_COMPARE_WITH_TIMEOUT(bk.job(id).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 60'000);
        const auto metrics = bk.get(QStringLiteral("/metrics"));
        QCOMPARE(metrics.status, 200);
        QVERIFY(fake.requestCount() > 3);
        QVERIFY(bk.terminate());

        // Nothing the API answered, nothing logged, no file written holds a key.
        for (const QByteArray secret : {QByteArray(kFakeKey), QByteArray(kFakeSecret)}) {
            QVERIFY2(!bk.log().contains(secret), secret.constData());
            for (const auto *r : {&symbols, &bars, &refused, &metrics})
                QVERIFY2(!r->body.contains(secret), secret.constData());
        }
        int scanned = 0;
        QDirIterator it(bk.home(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly))
                continue;
            const QByteArray content = f.readAll();
            ++scanned;
            qInfo("scanned %s (%lld bytes)", qPrintable(QDir(bk.home()).relativeFilePath(path)), qlonglong(content.size()));
            QVERIFY2(!content.contains(kFakeKey) && !content.contains(kFakeSecret), qPrintable(path));
        }
        QVERIFY(scanned > 0); // at least the store and the token
        qInfo("scanned %lld bytes of output and %d files", qlonglong(bk.log().size()), scanned);
    }
};

QTEST_GUILESS_MAIN(TestSecurity)
#include "tst_security.moc"
