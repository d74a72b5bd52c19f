// SPDX-License-Identifier: GPL-3.0-or-later
// Runs examples/python/barkeep_example.py and examples/node/barkeep_example.mjs against a
// headless barkeep process, as a user would. Skips a language whose interpreter is absent.
// The stream's snapshot is the demo's last five minutes of the wall clock, which hold fewer
// bars in the demo's outages (1-3 hours on about one day in 23): the expected count comes
// from the demo's data for the minutes the run spans.
#include "demogenerator.h"
#include "support/testsupport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class TstExamples : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;
    QProcess m_server;
    int m_port = 0;

    QProcessEnvironment cleanEnv() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys())
            if (k.startsWith(QStringLiteral("BARKEEP_")))
                env.remove(k);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        return env;
    }

    // Runs one example; `interpreterArgs` go before the script. The stream part must run (not
    // print "stream: skipped") and show its snapshot.
    void runExample(const QString &interpreter, const QString &script, const QStringList &interpreterArgs = {})
    {
        QProcess p;
        QProcessEnvironment env = cleanEnv();
        env.insert(QStringLiteral("BARKEEP_URL"), QStringLiteral("http://127.0.0.1:%1").arg(m_port));
        env.insert(QStringLiteral("BARKEEP_API_TOKEN"), QStringLiteral("example-token"));
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        const qint64 started = QDateTime::currentMSecsSinceEpoch();
        p.start(interpreter, interpreterArgs
                                 + QStringList{QStringLiteral(BARKEEP_SOURCE_DIR "/examples/") + script,
                                               QStringLiteral("--stream-seconds"), QStringLiteral("1")});
        QVERIFY(p.waitForStarted());
        QVERIFY(p.waitForFinished(180000));
        const qint64 finished = QDateTime::currentMSecsSinceEpoch();
        const QString out = QString::fromUtf8(p.readAll());
        qInfo().noquote() << out;
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(out.contains(QStringLiteral("providers:")) && out.contains(QStringLiteral("crypto/demo")));
        QVERIFY(out.contains(QStringLiteral("bars: 1200 ")));
        QVERIFY(out.contains(QStringLiteral("backfill:")));
        QVERIFY2(!out.contains(QStringLiteral("stream: skipped")), "the example's stream part did not run");
        {
            // limit 5: the closed minutes of the five before the one forming at the subscribe.
            constexpr qint64 kMinute = barkeep::kMinuteMs;
            QList<int> expected;
            const barkeep::demo::DemoGenerator demo;
            for (qint64 m = started / kMinute * kMinute; m <= finished; m += kMinute)
                expected << int(demo.bars(QStringLiteral("BTC/USDT"), {m - 5 * kMinute, m}).size());
            static const QRegularExpression snapshot(QStringLiteral("snapshot: (\\d+) bars"));
            const QRegularExpressionMatch got = snapshot.match(out);
            QVERIFY(got.hasMatch());
            QVERIFY2(expected.contains(got.captured(1).toInt()),
                     qPrintable(QStringLiteral("%1 bars, expected one of %2")
                                    .arg(got.captured(1))
                                    .arg(QDebug::toString(expected))));
        }
    }

private slots:
    void initTestCase()
    {
        m_server.setProcessEnvironment(cleanEnv());
        m_server.start(barkeep::test::barkeepBinary(),
                       {QStringLiteral("--headless"), QStringLiteral("--set"), QStringLiteral("api.listen=127.0.0.1:0"),
                        QStringLiteral("--api-token"), QStringLiteral("example-token")});
        QVERIFY(m_server.waitForStarted());
        const QRegularExpression re(QStringLiteral("API listening on http://127.0.0.1:(\\d+)"));
        QByteArray err;
        QElapsedTimer t;
        t.start();
        while (m_port == 0 && t.elapsed() < 30000 && m_server.state() == QProcess::Running) {
            m_server.waitForReadyRead(200);
            err += m_server.readAllStandardError();
            if (const auto m = re.match(QString::fromUtf8(err)); m.hasMatch())
                m_port = m.captured(1).toInt();
        }
        QVERIFY2(m_port != 0, err.constData());
    }

    void cleanupTestCase()
    {
        m_server.terminate();
        m_server.waitForFinished(10000);
    }

    void python()
    {
        const QString py = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (py.isEmpty())
            QSKIP("python3 is not installed");
        runExample(py, QStringLiteral("python/barkeep_example.py"));
    }

    void node()
    {
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        if (node.isEmpty())
            QSKIP("node is not installed");
        // Node 20 has WebSocket behind a flag (built in from 22): use the flag where it is
        // accepted, so the stream part runs here too instead of printing "skipped".
        QStringList flags;
        QProcess probe;
        probe.start(node, {QStringLiteral("--experimental-websocket"), QStringLiteral("-e"),
                           QStringLiteral("process.exit(typeof WebSocket === 'function' ? 0 : 1)")});
        if (probe.waitForFinished(30000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0)
            flags << QStringLiteral("--experimental-websocket");
        else
            QSKIP("this node has no WebSocket client, not even behind --experimental-websocket");
        runExample(node, QStringLiteral("node/barkeep_example.mjs"), flags);
    }
};

QTEST_GUILESS_MAIN(TstExamples)
#include "tst_examples.moc"
