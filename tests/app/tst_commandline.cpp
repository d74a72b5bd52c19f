// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"
#include "support/testsupport.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;

class TstCommandLine : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;

    struct Run
    {
        int exitCode;
        QString out;
        QString err;
    };

    Run run(const QStringList &args, const QStringList &extraEnv = {})
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys())
            if (k.startsWith(QStringLiteral("BARKEEP_")))
                env.remove(k);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        for (const QString &e : extraEnv)
            env.insert(e.section(QLatin1Char('='), 0, 0), e.section(QLatin1Char('='), 1));
        p.setProcessEnvironment(env);
        p.start(test::barkeepBinary(), args);
        if (!p.waitForFinished(30000)) {
            p.kill();
            return {-1, {}, QStringLiteral("timeout")};
        }
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private slots:
    void parsing()
    {
        CommandLineOptions o = parseCommandLine({QStringLiteral("barkeep"), QStringLiteral("--headless"),
                                                 QStringLiteral("--set"), QStringLiteral("a.b=1"),
                                                 QStringLiteral("--set"), QStringLiteral("c.d=2"),
                                                 QStringLiteral("--api-token"), QStringLiteral("T")});
        QVERIFY(o.problems.isEmpty());
        QVERIFY(o.headless);
        QCOMPARE(o.sets, (QStringList{QStringLiteral("a.b=1"), QStringLiteral("c.d=2")}));
        QCOMPARE(o.apiToken, QStringLiteral("T"));

        o = parseCommandLine({QStringLiteral("barkeep"), QStringLiteral("--bogus"), QStringLiteral("stray"),
                              QStringLiteral("--set"), QStringLiteral("novalue")});
        QCOMPARE(o.problems.size(), 3); // every problem, not just the first

        o = parseCommandLine({QStringLiteral("barkeep"), QStringLiteral("ohlcv"), QStringLiteral("--provider"), QStringLiteral("demo")});
        QCOMPARE(o.verb, QStringLiteral("ohlcv"));
        QCOMPARE(o.verbArgs, (QStringList{QStringLiteral("--provider"), QStringLiteral("demo")}));
        QVERIFY(o.headless);
    }

    void helpAndVersionExitZero()
    {
        Run r = run({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("barkeep ")));
        r = run({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char *opt : {"--headless", "--config", "--set", "--api-token"})
            QVERIFY2(r.out.contains(QLatin1String(opt)), opt);
    }

    // Usage and config problems exit 2 and list every problem on stderr.
    void problemsExitTwoListingAll()
    {
        Run r = run({QStringLiteral("--headless"), QStringLiteral("--set"), QStringLiteral("store.ulr=x"),
                     QStringLiteral("--set"), QStringLiteral("api.listen=127.0.0.1:99999")},
                    {QStringLiteral("BARKEEP_CACHE_URL=memcached://x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("did you mean 'store.url'")), qPrintable(r.err));
        QVERIFY(r.err.contains(QStringLiteral("bad port '99999'")));
        QVERIFY(r.err.contains(QStringLiteral("BARKEEP_CACHE_URL")));
        QVERIFY(r.err.contains(QStringLiteral("3 configuration problem(s)")));

        r = run({QStringLiteral("--headless"), QStringLiteral("--config"), m_home.filePath(QStringLiteral("nope.json"))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QStringLiteral("does not exist")));

        r = run({QStringLiteral("--no-such-option")});
        QCOMPARE(r.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TstCommandLine)
#include "tst_commandline.moc"
