// SPDX-License-Identifier: GPL-3.0-or-later
#include "application.h"
#include "demogenerator.h"
#include "support/testsupport.h"

#include "storage/barstore.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
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
        // Second read comes from the store: same answer.
        QCOMPARE(get(nam, ohlcv, "tok123").body, r.body);

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
