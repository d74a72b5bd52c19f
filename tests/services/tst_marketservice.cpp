// SPDX-License-Identifier: GPL-3.0-or-later
// MarketService (the seed's): instances cached by (plugin, provider, credential hash,
// testnet), created once under concurrency, retired when idle, credentials never logged.
#include "services/marketservice.h"

#include <QDateTime>
#include <QMutex>
#include <QTest>
#include <QtConcurrent>

using namespace barkeep;

namespace {
QMutex g_logMutex;
QStringList g_log;
void captureLog(QtMsgType, const QMessageLogContext &, const QString &message)
{
    QMutexLocker lock(&g_logMutex);
    g_log << message;
}

Config configWith(const QStringList &sets)
{
    ConfigSources s;
    s.dataDir = QStringLiteral("/tmp");
    s.sets = sets;
    Config::LoadResult r = Config::load(s);
    return r.config;
}
} // namespace

class TstMarketService : public QObject
{
    Q_OBJECT

    PluginRegistry m_registry;

private slots:
    void initTestCase() { m_registry.discover(); }

    void cachesOneInstancePerKey()
    {
        MarketService market(&m_registry, configWith({}));
        Result<std::shared_ptr<MarketPlugin>> a = market.plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
        Result<std::shared_ptr<MarketPlugin>> b = market.plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
        QVERIFY(a && b);
        QCOMPARE(a->get(), b->get());
        QCOMPARE(market.instanceCount(), 1);

        // Other credentials are another instance (the seed keys by the API key's hash).
        market.setCredentials(QStringLiteral("demo"), QStringLiteral("k"), QStringLiteral("s"));
        Result<std::shared_ptr<MarketPlugin>> c = market.plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
        QVERIFY(c);
        QVERIFY(c->get() != a->get());
        QCOMPARE(market.instanceCount(), 2);
    }

    void errorsForUnknownOrDisabled()
    {
        MarketService market(&m_registry, configWith({QStringLiteral("providers.demo.enabled=false")}));
        QCOMPARE(market.plugin(QStringLiteral("crypto"), QStringLiteral("nope")).error().kind(), Error::Kind::NotFound);
        QCOMPARE(market.plugin(QStringLiteral("stocks"), QStringLiteral("demo")).error().kind(), Error::Kind::NotFound);
        QCOMPARE(market.plugin(QStringLiteral("crypto"), QStringLiteral("demo")).error().kind(), Error::Kind::Conflict);
    }

    // Many threads asking at once get one instance (single-flight creation).
    void singleFlightCreation()
    {
        MarketService market(&m_registry, configWith({}));
        QList<QFuture<MarketPlugin *>> futures;
        for (int i = 0; i < 16; ++i)
            futures << QtConcurrent::run([&market] {
                Result<std::shared_ptr<MarketPlugin>> p = market.plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
                return p ? p->get() : nullptr;
            });
        MarketPlugin *first = nullptr;
        for (auto &f : futures) {
            MarketPlugin *p = f.result();
            QVERIFY(p);
            if (!first)
                first = p;
            QCOMPARE(p, first);
        }
        QCOMPARE(market.instanceCount(), 1);
    }

    void idleInstancesAreRetired()
    {
        MarketService market(&m_registry, configWith({QStringLiteral("plugins.idleTimeoutSec=60")}));
        std::weak_ptr<MarketPlugin> weak;
        {
            Result<std::shared_ptr<MarketPlugin>> p = market.plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
            QVERIFY(p);
            weak = *p;
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        market.sweepIdle(now + 30'000); // not idle long enough
        QCOMPARE(market.instanceCount(), 1);
        QVERIFY(!weak.expired());
        market.sweepIdle(now + 61'000);
        QCOMPARE(market.instanceCount(), 0);
        QVERIFY(weak.expired()); // closed and destroyed
        // A later use creates a fresh one.
        QVERIFY(market.plugin(QStringLiteral("crypto"), QStringLiteral("demo")));
        QCOMPARE(market.instanceCount(), 1);
    }

    // An instance in use survives the sweep until its user lets go.
    void inUseInstanceOutlivesSweep()
    {
        MarketService market(&m_registry, configWith({QStringLiteral("plugins.idleTimeoutSec=1")}));
        Result<std::shared_ptr<MarketPlugin>> p = market.plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
        QVERIFY(p);
        market.sweepIdle(QDateTime::currentMSecsSinceEpoch() + 5'000);
        QCOMPARE(market.instanceCount(), 0);
        QVERIFY((*p)->symbols()); // still usable by whoever holds it
    }

    void credentialsNeverLogged()
    {
        const QString key = QStringLiteral("BKKEY-9f3a1c");
        const QString secret = QStringLiteral("BKSECRET-77e0d2");
        g_log.clear();
        QtMessageHandler old = qInstallMessageHandler(captureLog);
        {
            MarketService market(&m_registry, configWith({QStringLiteral("providers.demo.apiKey=") + key,
                                                          QStringLiteral("providers.demo.apiSecret=") + secret}));
            QVERIFY(market.plugin(QStringLiteral("crypto"), QStringLiteral("demo")));
            QCOMPARE(market.settingsFor(QStringLiteral("crypto"), QStringLiteral("demo")).apiKey, key);
            market.sweepIdle(QDateTime::currentMSecsSinceEpoch() + 3'600'000);
        }
        qInstallMessageHandler(old);
        QVERIFY(!g_log.isEmpty()); // creation and retirement are logged...
        for (const QString &line : std::as_const(g_log)) // ...without the credentials
            QVERIFY2(!line.contains(key) && !line.contains(secret), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TstMarketService)
#include "tst_marketservice.moc"
