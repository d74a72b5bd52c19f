// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/config.h"

#include <QFile>

#include <algorithm>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;

class TstConfig : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeFile(const QByteArray &json)
    {
        const QString path = m_dir.filePath(QStringLiteral("config-%1.json").arg(++m_files));
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(json);
        return path;
    }
    int m_files = 0;

    ConfigSources sources(const QByteArray &file = {}, const QStringList &env = {},
                          const QStringList &sets = {})
    {
        ConfigSources s;
        s.dataDir = m_dir.path();
        if (!file.isNull())
            s.filePath = writeFile(file);
        for (const QString &e : env)
            s.environment.insert(e.section(QLatin1Char('='), 0, 0), e.section(QLatin1Char('='), 1));
        s.sets = sets;
        return s;
    }

private slots:
    void defaults()
    {
        const Config c = Config::load(sources()).config;
        QCOMPARE(c.storeUrl(), QStringLiteral("sqlite://") + m_dir.path() + QStringLiteral("/barkeep.db"));
        QCOMPARE(c.cacheUrl(), QStringLiteral("memory:"));
        QCOMPARE(c.apiHost(), QStringLiteral("127.0.0.1"));
        QCOMPARE(c.apiPort(), quint16(8765));
        QCOMPARE(c.origin(QStringLiteral("cache.url")), QStringLiteral("default"));
        QVERIFY(c.providerEnabled(QStringLiteral("binance")));
    }

    // Precedence: default < file < environment < --set (later wins).
    void precedence_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QStringList>("sets");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("origin");
        const QStringList none;
        QTest::newRow("default") << QByteArray() << none << none << "127.0.0.1:8765" << "default";
        QTest::newRow("file nested") << QByteArray(R"({"api":{"listen":"127.0.0.1:1111"}})") << none << none
                                     << "127.0.0.1:1111" << "file";
        QTest::newRow("file dotted") << QByteArray(R"({"api.listen":"127.0.0.1:1112"})") << none << none
                                     << "127.0.0.1:1112" << "file";
        QTest::newRow("env over file") << QByteArray(R"({"api":{"listen":"127.0.0.1:1111"}})")
                                       << QStringList{QStringLiteral("BARKEEP_API_LISTEN=127.0.0.1:2222")} << none
                                       << "127.0.0.1:2222" << "env";
        QTest::newRow("set over env") << QByteArray(R"({"api":{"listen":"127.0.0.1:1111"}})")
                                      << QStringList{QStringLiteral("BARKEEP_API_LISTEN=127.0.0.1:2222")}
                                      << QStringList{QStringLiteral("api.listen=127.0.0.1:3333")}
                                      << "127.0.0.1:3333" << "--set";
        QTest::newRow("env case-insensitive") << QByteArray() << QStringList{QStringLiteral("BARKEEP_Api_Listen=127.0.0.1:4444")}
                                              << none << "127.0.0.1:4444" << "env";
    }
    void precedence()
    {
        QFETCH(QByteArray, file);
        QFETCH(QStringList, env);
        QFETCH(QStringList, sets);
        QFETCH(QString, expected);
        QFETCH(QString, origin);
        const Config::LoadResult r = Config::load(sources(file, env, sets));
        QVERIFY2(r.ok(), qPrintable(r.problems.join(QLatin1Char('\n'))));
        QCOMPARE(r.config.string(QStringLiteral("api.listen")), expected);
        QCOMPARE(r.config.origin(QStringLiteral("api.listen")), origin);
    }

    void providerKeysFromEnvironment()
    {
        const Config::LoadResult r = Config::load(sources(
            {}, {QStringLiteral("BARKEEP_PROVIDERS_BINANCE_BASEURL=http://127.0.0.1:9000"),
                 QStringLiteral("BARKEEP_STORE_URL=postgresql://u@127.0.0.1:5432/db")}));
        QVERIFY2(r.ok(), qPrintable(r.problems.join(QLatin1Char('\n'))));
        QCOMPARE(r.config.providerValue(QStringLiteral("binance"), QStringLiteral("baseUrl")),
                 QStringLiteral("http://127.0.0.1:9000"));
        QCOMPARE(r.config.storeUrl(), QStringLiteral("postgresql://u@127.0.0.1:5432/db"));
    }

    // Each bad value gives one problem naming the key and what is wrong.
    void validation_data()
    {
        QTest::addColumn<QStringList>("sets");
        QTest::addColumn<QString>("expectedFragment");
        QTest::newRow("unknown key + suggestion") << QStringList{QStringLiteral("store.ulr=x")} << "did you mean 'store.url'";
        QTest::newRow("bad port") << QStringList{QStringLiteral("api.listen=127.0.0.1:99999")} << "bad port";
        QTest::newRow("bad host") << QStringList{QStringLiteral("api.listen=nohost:80")} << "not an IP address";
        QTest::newRow("bad store url") << QStringList{QStringLiteral("store.url=mysql://x")} << "sqlite:///path";
        QTest::newRow("bad cache url") << QStringList{QStringLiteral("cache.url=redis://")} << "memory: or redis://";
        QTest::newRow("bad redis db") << QStringList{QStringLiteral("cache.url=redis://127.0.0.1:6379/x")} << "must be a number";
        QTest::newRow("bad base url") << QStringList{QStringLiteral("providers.binance.baseUrl=ftp://x")} << "http(s) URL";
        QTest::newRow("bad bool") << QStringList{QStringLiteral("providers.binance.testnet=maybe")} << "not true or false";
        QTest::newRow("bad int") << QStringList{QStringLiteral("plugins.idleTimeoutSec=ten")} << "not an integer";
        QTest::newRow("int range") << QStringList{QStringLiteral("plugins.idleTimeoutSec=0")} << "out of range";
        QTest::newRow("enum") << QStringList{QStringLiteral("log.format=xml")} << "not one of";
        QTest::newRow("unknown provider") << QStringList{QStringLiteral("providers.bitnance.baseUrl=http://x")} << "did you mean 'providers.binance.baseUrl'";
        QTest::newRow("no equals") << QStringList{QStringLiteral("store.url")} << "expected key=value";
        QTest::newRow("missing dir") << QStringList{QStringLiteral("plugins.path=/does/not/exist")} << "not a readable directory";
        QTest::newRow("stream poll range") << QStringList{QStringLiteral("api.streamPollMs=10")} << "out of range";
        QTest::newRow("snapshot range") << QStringList{QStringLiteral("api.snapshotBars=-1")} << "out of range";
        QTest::newRow("span range") << QStringList{QStringLiteral("api.maxSpanDays=0")} << "out of range";
        QTest::newRow("subscriptions range") << QStringList{QStringLiteral("api.maxSubscriptionsPerClient=0")} << "out of range";
        QTest::newRow("default above max") << QStringList{QStringLiteral("api.maxBarsPerAnswer=100"), QStringLiteral("api.defaultBars=200")} << "above api.maxBarsPerAnswer";
        QTest::newRow("snapshot above max") << QStringList{QStringLiteral("api.snapshotBars=6000")} << "above api.maxBarsPerAnswer";
    }
    void validation()
    {
        QFETCH(QStringList, sets);
        QFETCH(QString, expectedFragment);
        const Config::LoadResult r = Config::load(sources({}, {}, sets));
        QCOMPARE(r.problems.size(), 1);
        QVERIFY2(r.problems.first().contains(expectedFragment), qPrintable(r.problems.first()));
    }

    // The stream and /ohlcv knobs (issue 21) are keys with the former fixed values as defaults.
    void apiKnobs()
    {
        const Config c = Config::load(sources({}, {}, {QStringLiteral("api.streamPollMs=250"),
                                                     QStringLiteral("api.maxSubscriptionsPerClient=3")})).config;
        QCOMPARE(c.apiStreamPollMs(), 250);
        QCOMPARE(c.apiMaxSubscriptionsPerClient(), 3);
        QCOMPARE(c.apiSnapshotBars(), 100);
        QCOMPARE(c.apiMaxBarsPerAnswer(), 5000);
        QCOMPARE(c.apiDefaultBars(), 1000);
        QCOMPARE(c.apiMaxSpanDays(), 366);
    }

    // One typed accessor per key (issue 20): each reads its key, every key of the table (but
    // the per-provider ones) has one, and a Config that holds no value reads the table's
    // default, so no caller repeats a default.
    void typedAccessors()
    {
        const Config loaded = Config::load(sources()).config;
        const Config empty;
        for (const Config *cp : {&loaded, &empty}) {
            const Config &c = *cp;
            const QList<std::pair<const char *, QVariant>> accessors{
            {"store.url", QVariant::fromValue(c.storeUrl())},
            {"cache.url", QVariant::fromValue(c.cacheUrl())},
            {"cache.memoryMaxBytes", QVariant::fromValue(c.cacheMemoryMaxBytes())},
            {"cache.ttlSec", QVariant::fromValue(c.cacheTtlSec())},
            {"api.enabled", QVariant::fromValue(c.apiEnabled())},
            {"api.listen", QVariant::fromValue(c.apiListen())},
            {"api.token", QVariant::fromValue(c.apiToken())},
            {"api.allowedHosts", QVariant::fromValue(c.apiAllowedHosts())},
            {"api.allowedOrigins", QVariant::fromValue(c.apiAllowedOrigins())},
            {"api.maxConnectionsPerClient", QVariant::fromValue(c.apiMaxConnectionsPerClient())},
            {"api.maxRequestBytes", QVariant::fromValue(c.apiMaxRequestBytes())},
            {"api.idleTimeoutSec", QVariant::fromValue(c.apiIdleTimeoutSec())},
            {"api.streamLeaseMs", QVariant::fromValue(c.apiStreamLeaseMs())},
            {"api.streamRedisTimeoutMs", QVariant::fromValue(c.apiStreamRedisTimeoutMs())},
            {"api.maxBarsPerAnswer", QVariant::fromValue(c.apiMaxBarsPerAnswer())},
            {"api.defaultBars", QVariant::fromValue(c.apiDefaultBars())},
            {"api.maxSpanDays", QVariant::fromValue(c.apiMaxSpanDays())},
            {"api.streamPollMs", QVariant::fromValue(c.apiStreamPollMs())},
            {"api.snapshotBars", QVariant::fromValue(c.apiSnapshotBars())},
            {"api.maxSubscriptionsPerClient", QVariant::fromValue(c.apiMaxSubscriptionsPerClient())},
            {"log.rules", QVariant::fromValue(c.logRules())},
            {"log.format", QVariant::fromValue(c.logFormat())},
            {"log.file", QVariant::fromValue(c.logFile())},
            {"log.fileMaxBytes", QVariant::fromValue(c.logFileMaxBytes())},
            {"log.fileKeep", QVariant::fromValue(c.logFileKeep())},
            {"plugins.idleTimeoutSec", QVariant::fromValue(c.pluginsIdleTimeoutSec())},
            {"plugins.path", QVariant::fromValue(c.pluginsPath())},
            {"backfill.maxConcurrentJobs", QVariant::fromValue(c.backfillMaxConcurrentJobs())},
            {"backfill.recheckEmpty", QVariant::fromValue(c.backfillRecheckEmpty())},
            {"backfill.useArchive", QVariant::fromValue(c.backfillUseArchive())},
            };
            QStringList keys = Config::knownKeys({QStringLiteral("p")});
            keys.erase(std::remove_if(keys.begin(), keys.end(),
                                      [](const QString &k) { return k.startsWith(QLatin1String("providers.")); }),
                       keys.end());
            QCOMPARE(accessors.size(), keys.size());
            for (const auto &[key, value] : accessors) {
                QVERIFY2(keys.contains(QLatin1String(key)), key);
                if (cp == &empty && qstrcmp(key, "store.url") == 0)
                    continue; // the one default made at load time (the data directory)
                const QVariant expected = loaded.value(QString::fromLatin1(key));
                if (value.typeId() == QMetaType::LongLong)
                    QCOMPARE(value.toLongLong(), expected.toLongLong());
                else if (value.typeId() == QMetaType::Bool)
                    QCOMPARE(value.toBool(), expected.toBool());
                else
                    QCOMPARE(value.toString(), expected.toString());
            }
        }
        QCOMPARE(Config().backfillMaxConcurrentJobs(), 2);
        QCOMPARE(Config().apiEnabled(), true);
    }

    // The "all problems listed" promise: file, environment and --set problems together.
    void allProblemsListed()
    {
        const Config::LoadResult r = Config::load(sources(
            R"({"api": {"listen": 8765, "tokn": "x"}, "cache": {"url": "memcached://x"}, "plugins": {"idleTimeoutSec": "300"}})",
            {QStringLiteral("BARKEEP_STORE_URLL=x")},
            {QStringLiteral("api.listen=1.2.3.4:70000"), QStringLiteral("log.format=loud")}));
        QVERIFY(!r.ok());
        const QString all = r.problems.join(QLatin1Char('\n'));
        QVERIFY2(r.problems.size() == 7, qPrintable(all));
        QVERIFY(all.contains(QStringLiteral("api.listen: wrong type")));
        QVERIFY(all.contains(QStringLiteral("api.tokn: unknown key (did you mean 'api.token'?)")));
        QVERIFY(all.contains(QStringLiteral("cache.url")));
        QVERIFY(all.contains(QStringLiteral("plugins.idleTimeoutSec: wrong type: expected an integer")));
        QVERIFY(all.contains(QStringLiteral("BARKEEP_STORE_URLL")));
        QVERIFY(all.contains(QStringLiteral("bad port '70000'")));
        QVERIFY(all.contains(QStringLiteral("log.format")));
    }

    // Found by fuzz_config (tests/fuzz/corpus/fuzz_config/huge_key_huge_int): a number beyond
    // qint64 was converted before any check (undefined), and the "did you mean" edit distances
    // made a file of huge or many unknown keys take minutes to load.
    void hostileFileValues()
    {
        Config::LoadResult r = Config::load(sources(R"({"api": {"maxRequestBytes": 1e300, "idleTimeoutSec": -1e19}})"));
        QString all = r.problems.join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("api.maxRequestBytes: wrong type: expected an integer")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("api.idleTimeoutSec: wrong type: expected an integer")), qPrintable(all));

        QByteArray many = "{";
        for (int i = 0; i < 3000; ++i)
            many += "\"k" + QByteArray::number(i) + ".unknownsetting\": 1, ";
        many += "\"" + QByteArray(500000, 'a') + "\": 1, \"api\": {\"tokn\": \"x\"}}";
        QElapsedTimer timer;
        timer.start();
        r = Config::load(sources(many));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(r.problems.size(), 3002);
        all = r.problems.join(QLatin1Char('\n'));
        QVERIFY(all.contains(QStringLiteral("unknown key")));
    }

    void unreadableOrBrokenFile()
    {
        ConfigSources s = sources();
        s.filePath = m_dir.filePath(QStringLiteral("missing.json"));
        s.fileRequired = true;
        Config::LoadResult r = Config::load(s);
        QCOMPARE(r.problems.size(), 1);
        QVERIFY(r.problems.first().contains(QStringLiteral("does not exist")));

        s.fileRequired = false; // the default location may be absent
        QVERIFY(Config::load(s).ok());

        r = Config::load(sources("{\n \"store\": {\n   \"url\": \n}"));
        QCOMPARE(r.problems.size(), 1);
        QVERIFY2(r.problems.first().contains(QStringLiteral("line 4")), qPrintable(r.problems.first()));

        // A path that exists but cannot be read as a file, for every user root included (CI
        // runs as root, who reads any regular file regardless of its mode): a directory.
        s.filePath = m_dir.path();
        r = Config::load(s);
        QCOMPARE(r.problems.size(), 1);
        QVERIFY2(r.problems.first().contains(QStringLiteral("cannot be read")), qPrintable(r.problems.first()));
        QVERIFY2(r.problems.first().contains(m_dir.path()), qPrintable(r.problems.first()));

        // A file without read permission: only meaningful for a user the mode applies to.
        const QString unreadable = writeFile("{}");
        QFile::setPermissions(unreadable, QFileDevice::WriteOwner);
        s.filePath = unreadable;
        if (QFile(unreadable).open(QIODevice::ReadOnly)) {
            qInfo("running as a user who can read any file (root): mode 0200 case not applicable");
        } else {
            r = Config::load(s);
            QCOMPARE(r.problems.size(), 1);
            QVERIFY(r.problems.first().contains(QStringLiteral("cannot be read")));
        }
    }

    void knownKeysCoverDesign()
    {
        const QStringList keys = Config::knownKeys();
        for (const char *k : {"store.url", "cache.url", "api.listen", "api.token",
                              "providers.binance.baseUrl", "providers.binance.wsUrl",
                              "providers.alpaca.apiKey", "providers.alpaca.apiSecret",
                              "providers.kraken.testnet", "providers.coinbase.enabled",
                              "providers.alpaca.tradingUrl"})
            QVERIFY2(keys.contains(QLatin1String(k)), k);
    }
};

QTEST_GUILESS_MAIN(TstConfig)
#include "tst_config.moc"
