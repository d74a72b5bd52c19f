// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"
#include "support/testsupport.h"

#include <QFile>
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

    // Global options are taken out of the verb's arguments wherever they stand (issue 23).
    void globalOptionsAfterTheVerb()
    {
        const QString b = QStringLiteral("barkeep");
        CommandLineOptions o = parseCommandLine(
            {b, QStringLiteral("backfill"), QStringLiteral("--provider"), QStringLiteral("binance"),
             QStringLiteral("--set"), QStringLiteral("providers.binance.baseUrl=http://127.0.0.1:9"),
             QStringLiteral("--symbol"), QStringLiteral("BTC/USDT"), QStringLiteral("-v"),
             QStringLiteral("--config=/tmp/c.json"), QStringLiteral("--api-token-file"), QStringLiteral("/tmp/t")});
        QVERIFY2(o.problems.isEmpty(), qPrintable(o.problems.join(QLatin1Char('\n'))));
        QCOMPARE(o.verb, QStringLiteral("backfill"));
        QCOMPARE(o.verbArgs, (QStringList{QStringLiteral("--provider"), QStringLiteral("binance"),
                                          QStringLiteral("--symbol"), QStringLiteral("BTC/USDT")}));
        QCOMPARE(o.sets, QStringList{QStringLiteral("providers.binance.baseUrl=http://127.0.0.1:9")});
        QVERIFY(o.verbose);
        QCOMPARE(o.configFile, QStringLiteral("/tmp/c.json"));
        QCOMPARE(o.apiTokenFile, QStringLiteral("/tmp/t"));
        QVERIFY(!o.verbHelp);

        // Before and after mix; "--" ends the taking out.
        o = parseCommandLine({b, QStringLiteral("--set"), QStringLiteral("a.b=1"), QStringLiteral("import"),
                              QStringLiteral("--set"), QStringLiteral("c.d=2"), QStringLiteral("--"),
                              QStringLiteral("--set")});
        QCOMPARE(o.sets, (QStringList{QStringLiteral("a.b=1"), QStringLiteral("c.d=2")}));
        QCOMPARE(o.verbArgs, (QStringList{QStringLiteral("--"), QStringLiteral("--set")}));

        // --help after the verb is the verb's.
        o = parseCommandLine({b, QStringLiteral("import"), QStringLiteral("--help")});
        QVERIFY(o.verbHelp);
        QVERIFY(!o.showHelp);
        QCOMPARE(o.verbArgs, QStringList{QStringLiteral("--help")});

        o = parseCommandLine({b, QStringLiteral("--api-token"), QStringLiteral("a"), QStringLiteral("--api-token-file"),
                              QStringLiteral("/tmp/t")});
        QCOMPARE(o.problems.size(), 1);
    }

    // The real binary: --set after the verb reaches the configuration (it said "Unknown option
    // 'set'" before), both for a bad key (exit 2 naming it) and a store path that gets used.
    void globalOptionsAfterTheVerbRealBinary()
    {
        const QStringList range{QStringLiteral("--provider"), QStringLiteral("demo"), QStringLiteral("--symbol"),
                                QStringLiteral("BTC/USDT"), QStringLiteral("--since"), QStringLiteral("2024-01-01"),
                                QStringLiteral("--until"), QStringLiteral("2024-01-01T00:10")};
        Run r = run(QStringList{QStringLiteral("ohlcv")} + range
                    + QStringList{QStringLiteral("--set"), QStringLiteral("store.ulr=x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("did you mean 'store.url'")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("Unknown option")));

        const QString db = m_home.filePath(QStringLiteral("after-the-verb.db"));
        r = run(QStringList{QStringLiteral("ohlcv")} + range
                + QStringList{QStringLiteral("--set"), QStringLiteral("store.url=sqlite://") + db, QStringLiteral("-v")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count(QLatin1Char('\n')), 11); // header + 10 bars
        QVERIFY2(QFile::exists(db), "the store named after the verb was not used");
    }

    void helpAndVersionExitZero()
    {
        Run r = run({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("barkeep ")));
        r = run({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char *opt : {"--headless", "--config", "--set", "--api-token", "--api-token-file", "--verbose",
                                "BARKEEP_API_TOKEN_FILE", "BARKEEP_URL", "BARKEEP_PLUGIN_PATH", "Exit status", "130"})
            QVERIFY2(r.out.contains(QLatin1String(opt)), opt);
        QVERIFY(r.out.startsWith(QStringLiteral("Usage: barkeep ")));
        r = run({QStringLiteral("--help-all")}); // Qt's variant: help too, never a start
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith(QStringLiteral("Usage: barkeep ")));
    }

    // Every verb answers --help (and -h) with exit 0, its own options, the global options and
    // the exit codes, even when the configuration is broken (help starts nothing).
    void everyVerbAnswersHelp_data()
    {
        QTest::addColumn<QString>("verb");
        QTest::addColumn<QString>("option");
        QTest::addRow("backfill") << QStringLiteral("backfill") << QStringLiteral("--no-archive");
        QTest::addRow("ohlcv") << QStringLiteral("ohlcv") << QStringLiteral("--timeframe");
        QTest::addRow("export") << QStringLiteral("export") << QStringLiteral("--out");
        QTest::addRow("import") << QStringLiteral("import") << QStringLiteral("--skip-bad");
    }
    void everyVerbAnswersHelp()
    {
        QFETCH(QString, verb);
        QFETCH(QString, option);
        for (const QString &help : {QStringLiteral("--help"), QStringLiteral("-h"), QStringLiteral("--help-all")}) {
            const Run r = run({verb, help}, {QStringLiteral("BARKEEP_CACHE_URL=memcached://x")});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.startsWith(QStringLiteral("Usage: barkeep ") + verb), qPrintable(r.out.left(200)));
            for (const QString &want : {option, QStringLiteral("--set"), QStringLiteral("--api-token-file"),
                                        QStringLiteral("Exit status"), QStringLiteral("BARKEEP_")})
                QVERIFY2(r.out.contains(want), qPrintable(want));
            QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
        }
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
