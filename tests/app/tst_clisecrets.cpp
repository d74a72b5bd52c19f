// SPDX-License-Identifier: GPL-3.0-or-later
// Secrets on the command line and in the real binary's output (issue 15 item 6): the store
// and cache URLs' passwords never reach stderr or the log, the API token comes from a file or
// the environment instead of argv, /api/v1/health without a token says only "up", and a
// query token is refused off the stream URL.
#include "support/pgtestdb.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <csignal>

namespace {

constexpr char kPassword[] = "S3cretPw9";
const QString kPw = QLatin1String(kPassword);

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
};

} // namespace

class TstCliSecrets : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;
    QNetworkAccessManager m_nam;

    QProcessEnvironment env(const QStringList &extra = {}) const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const QString &k : e.keys())
            if (k.startsWith(QStringLiteral("BARKEEP_")))
                e.remove(k);
        e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        e.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        for (const QString &x : extra)
            e.insert(x.section(QLatin1Char('='), 0, 0), x.section(QLatin1Char('='), 1));
        return e;
    }

    struct Run
    {
        int exitCode = -1;
        QString err;
    };

    // Runs to the end; everything it wrote to stderr (logs included: JSON lines).
    Run run(const QStringList &args, const QStringList &extraEnv = {})
    {
        QProcess p;
        p.setProcessEnvironment(env(extraEnv));
        p.start(barkeep::test::barkeepBinary(), args);
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return {-1, QStringLiteral("timeout: ") + QString::fromUtf8(p.readAllStandardError())};
        }
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardError() + p.readAllStandardOutput())};
    }

    // A headless server started with `args`; its port from the start-up line (0 = it failed).
    struct Server
    {
        std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
        int port = 0;
        QByteArray out;
    };
    Server startServer(const QStringList &args, const QStringList &extraEnv = {})
    {
        Server s;
        s.process->setProcessEnvironment(env(extraEnv));
        s.process->setProcessChannelMode(QProcess::MergedChannels);
        s.process->start(barkeep::test::barkeepBinary(),
                         QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                                     QStringLiteral("api.listen=127.0.0.1:0"), QStringLiteral("--set"),
                                     QStringLiteral("log.format=json")}
                             + args);
        static const QRegularExpression api(QStringLiteral("API: http://127\\.0\\.0\\.1:(\\d+)/"));
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 30000 && s.process->state() != QProcess::NotRunning) {
            s.process->waitForReadyRead(100);
            s.out += s.process->readAll();
            if (const QRegularExpressionMatch m = api.match(QString::fromUtf8(s.out)); m.hasMatch()) {
                s.port = m.captured(1).toInt();
                break;
            }
        }
        return s;
    }
    // SIGTERM, then everything it wrote.
    QByteArray stop(Server &s)
    {
        ::kill(pid_t(s.process->processId()), SIGTERM);
        s.process->waitForFinished(15000);
        s.out += s.process->readAll();
        return s.out;
    }

    Reply get(int port, const QString &pathAndQuery, const QByteArray &token = {})
    {
        QNetworkRequest req{QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(pathAndQuery))};
        if (!token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + token);
        QNetworkReply *reply = m_nam.get(req);
        QSignalSpy done(reply, &QNetworkReply::finished);
        done.wait(30000);
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.json = QJsonDocument::fromJson(r.body).object();
        reply->deleteLater();
        return r;
    }

    QString writeFile(const QString &name, const QByteArray &content, QFileDevice::Permissions perms)
    {
        const QString path = m_home.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write(content);
        f.close();
        f.setPermissions(perms);
        return path;
    }

private slots:
    // Every way a configured URL reaches stderr before anything starts: a config problem
    // elsewhere, a malformed URL, an unknown scheme, a URL given as a stray argument, a bad
    // option next to a good URL, and a store or cache that cannot be reached.
    void passwordsNeverPrinted_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("environment");
        QTest::addColumn<int>("exitCode");
        const QString pg = QStringLiteral("postgresql://bk:%1@127.0.0.1:1/bars").arg(kPw);
        QTest::addRow("bad option") << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                                                   QStringLiteral("store.url=") + pg, QStringLiteral("--bogus")}
                                    << QStringList{} << 2;
        QTest::addRow("bad port") << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                                                 QStringLiteral("store.url=postgresql://bk:%1@db.local:99999/x").arg(kPw)}
                                  << QStringList{} << 2;
        QTest::addRow("unknown scheme") << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                                                       QStringLiteral("store.url=mysql://bk:%1@db.local/x").arg(kPw)}
                                        << QStringList{} << 2;
        QTest::addRow("stray argument") << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                                                       QStringLiteral("store.url="), pg}
                                        << QStringList{} << 2;
        QTest::addRow("environment, other problem")
            << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"), QStringLiteral("api.listen=x")}
            << QStringList{QStringLiteral("BARKEEP_STORE_URL=postgresql://bk:%1@db.local:0/x").arg(kPw)} << 2;
        QTest::addRow("bad redis") << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                                                  QStringLiteral("cache.url=redis://:%1@127.0.0.1:99999/0").arg(kPw)}
                                   << QStringList{} << 2;
        QTest::addRow("store unreachable")
            << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"), QStringLiteral("store.url=") + pg,
                           QStringLiteral("--set"), QStringLiteral("log.format=json"), QStringLiteral("-v")}
            << QStringList{} << 2;
        QTest::addRow("cache unreachable")
            << QStringList{QStringLiteral("--headless"), QStringLiteral("--set"),
                           QStringLiteral("cache.url=redis://:%1@127.0.0.1:1/0").arg(kPw), QStringLiteral("--set"),
                           QStringLiteral("log.format=json"), QStringLiteral("-v")}
            << QStringList{} << 2;
        QTest::addRow("verb, store unreachable")
            << QStringList{QStringLiteral("export"), QStringLiteral("--provider"), QStringLiteral("demo"),
                           QStringLiteral("--symbol"), QStringLiteral("X"), QStringLiteral("--since"), QStringLiteral("0"),
                           QStringLiteral("--until"), QStringLiteral("60000"), QStringLiteral("--out"),
                           m_home.filePath(QStringLiteral("x.csv")), QStringLiteral("--set"), QStringLiteral("store.url=") + pg}
            << QStringList{} << 2;
    }
    void passwordsNeverPrinted()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, environment);
        QFETCH(int, exitCode);
        const Run r = run(args, environment);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(!r.err.isEmpty(), "expected a message");
        QVERIFY2(!r.err.contains(kPw), qPrintable(r.err));
    }

    // With a PostgreSQL that trusts the test user the password is not checked, so a URL with
    // one starts for real: the start-up line, every log line and /health with the token show
    // the URL without it.
    void startedWithPasswordInUrl()
    {
        const QString server = barkeep::test::postgresUrl();
        if (server.isEmpty())
            QSKIP("BK_TEST_POSTGRES_URL not set");
        barkeep::test::PgTestDatabase db(server, QStringLiteral("bk_secrets"));
        QVERIFY2(db.isValid(), qPrintable(db.lastError()));
        QUrl url(db.url());
        if (!url.password().isEmpty())
            QSKIP("the test server's URL has a password of its own");
        if (url.userName().isEmpty())
            url.setUserName(qEnvironmentVariable("USER", QStringLiteral("postgres")));
        url.setPassword(kPw);
        Server s = startServer({QStringLiteral("--set"), QStringLiteral("store.url=") + url.toString(),
                                QStringLiteral("--api-token"), QStringLiteral("pg-secret-token"), QStringLiteral("-v")});
        if (s.port == 0 && s.out.contains("password authentication failed"))
            QSKIP("the test server checks passwords");
        QVERIFY2(s.port > 0, s.out.constData());
        const Reply health = get(s.port, QStringLiteral("/api/v1/health"), "pg-secret-token");
        QCOMPARE(health.status, 200);
        QVERIFY2(health.json.value(QStringLiteral("store")).toString().startsWith(QStringLiteral("postgresql://")),
                 health.body.constData());
        QVERIFY(!health.body.contains(kPassword));
        const QByteArray out = stop(s);
        QVERIFY2(out.contains("data: postgresql://"), out.constData());
        QVERIFY2(!out.contains(kPassword), out.constData());
    }

    // --api-token-file and BARKEEP_API_TOKEN_FILE: the server takes the file's token, which
    // never appears in its argv (/proc/PID/cmdline is what ps shows every user).
    void tokenFromFileOrEnvironment_data()
    {
        QTest::addColumn<bool>("viaEnvironment");
        QTest::addRow("--api-token-file") << false;
        QTest::addRow("BARKEEP_API_TOKEN_FILE") << true;
    }
    void tokenFromFileOrEnvironment()
    {
        QFETCH(bool, viaEnvironment);
        const QByteArray token = "file-token-" + QByteArray::number(viaEnvironment ? 1 : 2) + "-a81c";
        const QString file = writeFile(QStringLiteral("token-%1").arg(viaEnvironment), token + "\n",
                                       QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        Server s = viaEnvironment
            ? startServer({}, {QStringLiteral("BARKEEP_API_TOKEN_FILE=") + file})
            : startServer({QStringLiteral("--api-token-file"), file});
        QVERIFY2(s.port > 0, s.out.constData());
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(s.process->processId()));
        QVERIFY(cmdline.open(QIODevice::ReadOnly));
        QVERIFY(!cmdline.readAll().contains(token));
        QCOMPARE(get(s.port, QStringLiteral("/api/v1/markets"), token).status, 200);
        QCOMPARE(get(s.port, QStringLiteral("/api/v1/markets"), "something-else").status, 401);
        const QByteArray out = stop(s);
        QVERIFY2(!out.contains(token), out.constData());
        QVERIFY2(!out.contains("readable by other users"), out.constData());

        // The same through BARKEEP_API_TOKEN, the documented environment variable.
        Server e = startServer({}, {QStringLiteral("BARKEEP_API_TOKEN=env-token-77")});
        QVERIFY2(e.port > 0, e.out.constData());
        QCOMPARE(get(e.port, QStringLiteral("/api/v1/markets"), "env-token-77").status, 200);
        stop(e);
    }

    void tokenFileProblems()
    {
        // Missing: exit 2 naming the file, never a server with a token nobody knows.
        const QString missing = m_home.filePath(QStringLiteral("no-such-token"));
        Run r = run({QStringLiteral("--headless"), QStringLiteral("--api-token-file"), missing});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(missing), qPrintable(r.err));
        r = run({QStringLiteral("--headless")}, {QStringLiteral("BARKEEP_API_TOKEN_FILE=") + missing});
        QCOMPARE(r.exitCode, 2);
        const QString empty = writeFile(QStringLiteral("empty-token"), "\n", QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        r = run({QStringLiteral("--headless"), QStringLiteral("--api-token-file"), empty});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("empty")), qPrintable(r.err));
        // Two sources of one token in the environment.
        const QString good = writeFile(QStringLiteral("good-token"), "abc\n", QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        r = run({QStringLiteral("--headless")},
                {QStringLiteral("BARKEEP_API_TOKEN_FILE=") + good, QStringLiteral("BARKEEP_API_TOKEN=x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("not both")), qPrintable(r.err));
        // A world-readable file works, with a warning.
        const QString loose = writeFile(QStringLiteral("loose-token"), "loose-token-1\n",
                                        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther);
        Server s = startServer({QStringLiteral("--api-token-file"), loose});
        QVERIFY2(s.port > 0, s.out.constData());
        const QByteArray out = stop(s);
        QVERIFY2(out.contains("readable by other users"), out.constData());
        // BARKEEP_URL (for clients) does not upset the configuration.
        s = startServer({QStringLiteral("--api-token"), QStringLiteral("t")}, {QStringLiteral("BARKEEP_URL=http://127.0.0.1:1")});
        QVERIFY2(s.port > 0, s.out.constData());
        stop(s);
    }

    // /health without a token: only "up". With the token: the details. A query token off the
    // stream URL: 401 pointing at the Authorization header.
    void healthAndQueryTokenOnTheRealBinary()
    {
        Server s = startServer({QStringLiteral("--api-token"), QStringLiteral("health-token-1")});
        QVERIFY2(s.port > 0, s.out.constData());
        Reply r = get(s.port, QStringLiteral("/api/v1/health"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json, (QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}));
        QVERIFY(!r.body.contains("sqlite") && !r.body.contains(m_home.path().toUtf8()));
        r = get(s.port, QStringLiteral("/api/v1/health"), "health-token-1");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.value(QStringLiteral("store")).toString().startsWith(QStringLiteral("sqlite")));
        QVERIFY(r.json.contains(QStringLiteral("version")));
        QCOMPARE(get(s.port, QStringLiteral("/api/v1/health"), "wrong").status, 401);
        r = get(s.port, QStringLiteral("/api/v1/markets?token=health-token-1"));
        QCOMPARE(r.status, 401);
        QVERIFY2(r.body.contains("Authorization: Bearer"), r.body.constData());
        QCOMPARE(get(s.port, QStringLiteral("/api/v1/health?token=health-token-1")).status, 401);
        stop(s);
    }
};

QTEST_GUILESS_MAIN(TstCliSecrets)
#include "tst_clisecrets.moc"
