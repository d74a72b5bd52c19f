// SPDX-License-Identifier: GPL-3.0-or-later
#include "application.h"
#include "demogenerator.h"
#include "headlessinstance.h"
#include "scriptedserver.h"
#include "support/testsupport.h"

#include "storage/store.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace barkeep;

namespace {
constexpr qint64 kJan2024 = 1704067200000LL;

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
};

Reply get(QNetworkAccessManager &nam, const QString &url, const QByteArray &token = {},
          const QByteArray &host = {})
{
    QNetworkRequest req{QUrl(url)};
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token);
    if (!host.isEmpty())
        req.setRawHeader("Host", host);
    QNetworkReply *reply = nam.get(req);
    QSignalSpy done(reply, &QNetworkReply::finished);
    done.wait(30000);
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    reply->deleteLater();
    return r;
}
} // namespace

class TstLifecycle : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;

private slots:
    // In-process: store → cache → plugins → services → API start, answer, stop in reverse.
    void inProcessStartAndStop()
    {
        QTemporaryDir dir;
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = {QStringLiteral("api.listen=127.0.0.1:0"), QStringLiteral("api.token=secret")};
        Config::LoadResult loaded = Config::load(s);
        QVERIFY(loaded.ok());
        Application app(loaded.config);
        VoidResult ok = app.start();
        QVERIFY2(ok, ok ? "" : qPrintable(ok.error().toString()));
        QVERIFY(app.apiPort() != 0);
        QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("barkeep.db"))));

        QNetworkAccessManager nam;
        const QString base = QStringLiteral("http://127.0.0.1:%1/api/v1").arg(app.apiPort());
        Reply health = get(nam, base + QStringLiteral("/health"));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));

        // A second instance in the same process (no singletons) on its own store.
        QTemporaryDir dir2;
        s.dataDir = dir2.path();
        Application second(Config::load(s).config);
        QVERIFY(second.start());
        QVERIFY(second.apiPort() != app.apiPort());
        second.stop();

        app.stop();
        QVERIFY(!app.isRunning());
        QVERIFY(!app.store());
    }

    // As a process, like a user runs it: health, /ohlcv equal to the demo's ground truth
    // through SQLite, token enforced, no X libraries, SIGTERM → exit 0 within 5 s.
    void headlessProcess()
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys())
            if (k.startsWith(QStringLiteral("BARKEEP_")))
                env.remove(k);
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        p.setProcessEnvironment(env);
        p.start(test::barkeepBinary(), {QStringLiteral("--headless"), QStringLiteral("--set"),
                                        QStringLiteral("api.listen=127.0.0.1:0"),
                                        QStringLiteral("--api-token"), QStringLiteral("tok123")});
        QVERIFY(p.waitForStarted());
        QByteArray err;
        int port = 0;
        const QRegularExpression re(QStringLiteral("API listening on http://127.0.0.1:(\\d+)"));
        QElapsedTimer t;
        t.start();
        while (port == 0 && t.elapsed() < 20000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            err += p.readAllStandardError();
            const auto m = re.match(QString::fromUtf8(err));
            if (m.hasMatch())
                port = m.captured(1).toInt();
        }
        QVERIFY2(port != 0, err.constData());
        // Headless logs are JSON lines.
        const QByteArray firstLine = err.left(err.indexOf('\n'));
        QByteArray jsonLine = err.mid(err.indexOf("{\""));
        jsonLine.truncate(jsonLine.indexOf('\n'));
        QVERIFY2(QJsonDocument::fromJson(jsonLine).object().contains(QStringLiteral("category")), firstLine.constData());

        QFile maps(QStringLiteral("/proc/%1/maps").arg(p.processId()));
        QVERIFY(maps.open(QIODevice::ReadOnly));
        const QByteArray mapped = maps.readAll();
        QVERIFY2(!mapped.contains("libX11") && !mapped.contains("libxcb"), "headless loads no X libraries");

        QNetworkAccessManager nam;
        const QString base = QStringLiteral("http://127.0.0.1:%1/api/v1").arg(port);
        QCOMPARE(get(nam, base + QStringLiteral("/health")).status, 200);

        const QString ohlcv = base + QStringLiteral("/ohlcv?market=crypto&provider=demo&symbol=BTC/USDT"
                                                   "&timeframe=1m&since=%1&until=%2")
                                         .arg(kJan2024).arg(kJan2024 + 3 * kHourMs);
        QCOMPARE(get(nam, ohlcv).status, 401);
        QCOMPARE(get(nam, ohlcv, "wrong").status, 401);
        QCOMPARE(get(nam, ohlcv, "tok123", "evil.example:80").status, 400);
        Reply r = get(nam, ohlcv, "tok123");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("symbol")).toString(), QStringLiteral("BTC/USDT"));
        const QJsonArray bars = r.json.value(QStringLiteral("bars")).toArray();
        const Bars truth = demo::DemoGenerator().bars(QStringLiteral("BTC/USDT"),
                                                      {kJan2024, kJan2024 + 3 * kHourMs});
        QCOMPARE(bars.size(), qsizetype(truth.size()));
        for (qsizetype i = 0; i < bars.size(); ++i) {
            const QJsonArray b = bars[i].toArray();
            QCOMPARE(b[0].toInteger(), truth[size_t(i)].t);
            QCOMPARE(b[4].toDouble(), truth[size_t(i)].c);
        }
        // Second read comes from the store or the cache: the same bars (its `sources` say
        // where they came from, so the bodies differ there).
        const Reply again = get(nam, ohlcv, "tok123");
        QCOMPARE(again.json.value(QStringLiteral("bars")), r.json.value(QStringLiteral("bars")));
        QVERIFY(!again.json.value(QStringLiteral("sources")).toArray().isEmpty());

        Reply bad = get(nam, base + QStringLiteral("/ohlcv?market=crypto&provider=demo&symbol=BTC/USDT&since=10&until=5"), "tok123");
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("bad_input"));

        QElapsedTimer stopTimer;
        stopTimer.start();
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(5000));
        QVERIFY(stopTimer.elapsed() < 5000);
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
    }

    // BARKEEP_API_TOKEN sets the token; --api-token wins over it. Either way no token file is
    // made (the file is only for a token nobody gave).
    void tokenFromEnvironmentAndCommandLine()
    {
        auto tokenFiles = [](const test::HeadlessInstance &bk) {
            QStringList found;
            QDirIterator it(bk.configDir(), {QStringLiteral("api-token")}, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext())
                found << it.next();
            return found;
        };
        const QString markets = QStringLiteral("/api/v1/markets");
        {
            test::HeadlessInstance bk({}, QString());
            bk.setEnv(QStringLiteral("BARKEEP_API_TOKEN"), QStringLiteral("env-token-1"));
            QVERIFY2(bk.start(), bk.log().constData());
            QCOMPARE(bk.get(markets, "env-token-1").status, 200);
            QCOMPARE(bk.get(markets, "env-token-2").status, 401);
            QCOMPARE(bk.get(markets, {}).status, 401);
            QCOMPARE(tokenFiles(bk), QStringList());
            QVERIFY(!bk.log().contains("env-token-1"));
            QVERIFY2(bk.terminate(), bk.log().right(2000).constData());
        }
        {
            test::HeadlessInstance bk({}, QStringLiteral("cli-token-2"));
            bk.setEnv(QStringLiteral("BARKEEP_API_TOKEN"), QStringLiteral("env-token-1"));
            QVERIFY2(bk.start(), bk.log().constData());
            QCOMPARE(bk.get(markets, "cli-token-2").status, 200);
            QCOMPARE(bk.get(markets, "env-token-1").status, 401);
            QCOMPARE(tokenFiles(bk), QStringList());
            QVERIFY(!bk.log().contains("cli-token-2"));
            QVERIFY2(bk.terminate(), bk.log().right(2000).constData());
        }
    }

    // /metrics of the whole application (the API's families, the backfill's and the provider
    // pacers' appended): the families issue 7 names are there, and each family and each series
    // appears once, as Prometheus requires (a second TYPE line fails the whole scrape).
    void metricsExposition()
    {
        test::HeadlessInstance bk({}, QStringLiteral("metrics-token"));
        QVERIFY2(bk.start(), bk.log().constData());
        const QString series = QStringLiteral("market=crypto&provider=demo&symbol=BTC/USDT");
        QCOMPARE(bk.get(QStringLiteral("/api/v1/ohlcv?%1&since=%2&until=%3").arg(series).arg(kJan2024).arg(kJan2024 + kHourMs)).status, 200);
        QCOMPARE(bk.get(QStringLiteral("/api/v1/ohlcv?%1&since=x").arg(series)).status, 400);
        QVERIFY(bk.startBackfill(QStringLiteral("demo"), QStringLiteral("BTC/USDT"), kJan2024, kJan2024 + kHourMs) > 0);
        const auto m = bk.get(QStringLiteral("/metrics"));
        QCOMPARE(m.status, 200);
        QVERIFY2(bk.terminate(), bk.log().right(2000).constData());

        QHash<QByteArray, int> types;
        QSet<QByteArray> seriesSeen;
        for (const QByteArray &line : m.body.split('\n')) {
            if (line.startsWith("# TYPE ")) {
                const QByteArray name = line.mid(7, line.indexOf(' ', 7) - 7);
                QVERIFY2(++types[name] == 1, qPrintable(QStringLiteral("family %1 declared twice").arg(QString::fromLatin1(name))));
                continue;
            }
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            const QByteArray id = line.left(line.lastIndexOf(' '));
            QVERIFY2(!seriesSeen.contains(id), qPrintable(QStringLiteral("series %1 twice").arg(QString::fromLatin1(id))));
            seriesSeen.insert(id);
            QByteArray name = id.left(id.indexOf('{') < 0 ? id.size() : id.indexOf('{'));
            for (const char *suffix : {"_bucket", "_sum", "_count"})
                if (!types.contains(name) && name.endsWith(suffix))
                    name.chop(qsizetype(qstrlen(suffix)));
            QVERIFY2(types.contains(name), qPrintable(QStringLiteral("sample %1 before its TYPE").arg(QString::fromLatin1(line))));
        }
        // Issue 7 item 6: requests by route and status, latency histogram, provider
        // requests/weight/429s, backfill queue and bars written, cache hits/misses, WebSocket
        // clients and messages.
        for (const char *family : {"barkeep_api_requests_total", "barkeep_api_request_duration_seconds",
                                   "barkeep_provider_requests_total", "barkeep_provider_weight_total",
                                   "barkeep_provider_rate_limited_total", "barkeep_backfill_jobs",
                                   "barkeep_backfill_bars_written_total", "barkeep_cache_hits_total",
                                   "barkeep_cache_misses_total", "barkeep_ws_clients", "barkeep_ws_messages_sent_total"})
            QVERIFY2(types.contains(family), family);
        QCOMPARE(types.value("barkeep_api_request_duration_seconds"), 1);
        QVERIFY(m.body.contains("barkeep_api_requests_total{route=\"/api/v1/ohlcv\",status=\"400\"} 1"));
        QVERIFY(m.body.contains("barkeep_backfill_jobs{provider=\"demo\""));
    }

    // The api.* limits and allow-lists reach the server of the real application: an extra Host
    // name (api.allowedHosts) and the request size (api.maxRequestBytes).
    void apiConfigKeysApply()
    {
        test::HeadlessInstance bk({QStringLiteral("api.allowedHosts=box.lan"), QStringLiteral("api.maxRequestBytes=2048")},
                                  QStringLiteral("config-token"));
        QVERIFY2(bk.start(), bk.log().constData());
        const QString markets = QStringLiteral("/api/v1/markets");
        QCOMPARE(bk.get(markets, "config-token", 30000, {{"Host", "box.lan:8765"}}).status, 200);
        QCOMPARE(bk.get(markets, "config-token", 30000, {{"Host", "other.lan:8765"}}).status, 400);
        QTcpSocket raw;
        QByteArray answer;
        connect(&raw, &QTcpSocket::readyRead, &raw, [&] { answer += raw.readAll(); });
        raw.connectToHost(QHostAddress::LocalHost, quint16(bk.port()));
        QTRY_COMPARE(raw.state(), QAbstractSocket::ConnectedState);
        const QByteArray body(4096, 'x');
        raw.write("POST /api/v1/backfills HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer config-token\r\n"
                  "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QTRY_VERIFY2(answer.contains("payload_too_large"), answer.constData());
        QVERIFY(answer.startsWith("HTTP/1.1 413"));
        QVERIFY(answer.contains("2048"));
        QVERIFY2(bk.terminate(), bk.log().right(2000).constData());
    }

    // The provider pacer rows of /metrics count what the provider answered: a 429 from a
    // (scripted) Binance shows as barkeep_provider_rate_limited_total{provider="binance"}.
    void providerMetricsCountRateLimits()
    {
        fakes::ScriptedServer binance;
        QVERIFY(binance.listen() != 0);
        binance.enqueue(429, R"({"code":-1003,"msg":"Too many requests; current limit is 6000 request weight per 1 MINUTE."})",
                        {{"Retry-After", "1"}});
        test::HeadlessInstance bk({QStringLiteral("providers.binance.baseUrl=") + binance.url().toString()},
                                  QStringLiteral("metrics-token"));
        QVERIFY2(bk.start(), bk.log().constData());
        // The 429 reaches the script as a 429 that says when to come back.
        const auto bars = bk.get(QStringLiteral("/api/v1/ohlcv?market=crypto&provider=binance&symbol=BTC/USDT&since=%1&until=%2")
                                     .arg(kJan2024).arg(kJan2024 + kHourMs));
        QCOMPARE(bars.status, 429);
        QCOMPARE(bars.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("rate_limited"));
        QCOMPARE(binance.totalRequests(), 1);
        const auto m = bk.get(QStringLiteral("/metrics"));
        QCOMPARE(m.status, 200);
        QVERIFY2(bk.terminate(), bk.log().right(2000).constData());
        QVERIFY2(m.body.contains("\nbarkeep_provider_rate_limited_total{provider=\"binance\"} 1\n"), m.body.constData());
        static const QRegularExpression requests(QStringLiteral("\nbarkeep_provider_requests_total\\{provider=\"binance\"\\} (\\d+)\n"));
        const QRegularExpressionMatch got = requests.match(QString::fromUtf8(m.body));
        QVERIFY2(got.hasMatch(), m.body.constData());
        QCOMPARE(got.captured(1).toInt(), binance.totalRequests());
    }

    void tokenFileIsPrivate()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cfg/api-token"));
        Result<QByteArray> t1 = Application::loadOrCreateToken(path);
        QVERIFY(t1);
        QCOMPARE(t1->size(), 64);
        QCOMPARE(QFileInfo(path).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther
                                                  | QFileDevice::WriteGroup | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        QCOMPARE(*Application::loadOrCreateToken(path), *t1); // stable across starts
    }
};

QTEST_GUILESS_MAIN(TstLifecycle)
#include "tst_lifecycle.moc"
