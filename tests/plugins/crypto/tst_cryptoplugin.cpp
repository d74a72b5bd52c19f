// SPDX-License-Identifier: GPL-3.0-or-later
// The crypto plugin as the host sees it: a static Qt plugin whose JSON metadata lists the
// three exchanges, and a factory that makes one instance per exchange.
#include "cryptotest.h"

#include "plugin/pluginregistry.h"

#include <QPluginLoader>
#include <QTest>

using namespace barkeep;

class TestCryptoPlugin : public QObject
{
    Q_OBJECT

    static std::optional<QStaticPlugin> cryptoPlugin()
    {
        for (const QStaticPlugin &p : QPluginLoader::staticPlugins())
            if (p.metaData().value(QStringLiteral("IID")).toString()
                    == QLatin1String(BARKEEP_MARKETPLUGIN_IID)
                && p.metaData()
                           .value(QStringLiteral("MetaData"))
                           .toObject()
                           .value(QStringLiteral("id"))
                       == QLatin1String("crypto"))
                return p;
        return std::nullopt;
    }

private slots:
    void metadata()
    {
        QVERIFY2(cryptoPlugin(), "the static crypto plugin is linked in");
        // Read as the host reads it: from metadata, without instantiating the plugin.
        PluginRegistry registry;
        registry.discover();
        QVERIFY2(registry.problems().isEmpty(), qPrintable(registry.problems().join(u'\n')));
        const QList<ProviderInfo> providers = registry.providers(QStringLiteral("crypto"));
        QCOMPARE(registry.instantiatedCount(), 0);
        QStringList ids;
        for (const ProviderInfo &p : providers)
            ids << p.id;
        QVERIFY(ids.contains(QStringLiteral("binance")) && ids.contains(QStringLiteral("coinbase"))
                && ids.contains(QStringLiteral("kraken")));
        const ProviderInfo binance
            = *registry.provider(QStringLiteral("crypto"), QStringLiteral("binance"));
        QVERIFY(binance.archive && binance.testnet && binance.streaming
                && !binance.requiresCredentials);
        QCOMPARE(binance.maxBarsPerRequest, 1000);
        QCOMPARE(binance.weightPerMinute, 6000);
        QCOMPARE(binance.klinesWeight, 2);
        QCOMPARE(binance.maxConcurrency, 8);
        QVERIFY(binance.timeframes.contains(QStringLiteral("1M")));
        const ProviderInfo coinbase
            = *registry.provider(QStringLiteral("crypto"), QStringLiteral("coinbase"));
        QCOMPARE(coinbase.maxBarsPerRequest, 300);
        QCOMPARE(coinbase.requestsPerSecond, 10.0);
        QCOMPARE(coinbase.timeframes,
                 (QStringList{QStringLiteral("1m"), QStringLiteral("5m"), QStringLiteral("15m"),
                              QStringLiteral("1h"), QStringLiteral("6h"), QStringLiteral("1d")}));
        const ProviderInfo kraken
            = *registry.provider(QStringLiteral("crypto"), QStringLiteral("kraken"));
        QCOMPARE(kraken.maxBarsPerRequest, 720);
        QVERIFY(!kraken.reachesFullHistory);
        QVERIFY(kraken.historyNote.contains(QStringLiteral("720")));
        QCOMPARE(registry.instantiatedCount(), 0);
        QVERIFY(registry.factoryFor(QStringLiteral("kraken")));
        QCOMPARE(registry.instantiatedCount(), 1);
    }

    void factory_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::newRow("binance") << QStringLiteral("binance");
        QTest::newRow("coinbase") << QStringLiteral("coinbase");
        QTest::newRow("kraken") << QStringLiteral("kraken");
    }
    void factory()
    {
        QFETCH(QString, provider);
        const std::optional<QStaticPlugin> plugin = cryptoPlugin();
        QVERIFY(plugin);
        auto *factory = qobject_cast<MarketPluginFactory *>(plugin->instance());
        QVERIFY(factory);
        std::unique_ptr<MarketPlugin> instance = factory->create(
            test::settingsFor(provider, QUrl(QStringLiteral("http://127.0.0.1:9"))),
            std::make_shared<ProviderContext>());
        QVERIFY(instance);
        QCOMPARE(instance->providerId(), provider);
        QVERIFY(!factory->create(test::settingsFor(QStringLiteral("nope"), QUrl()),
                                 std::make_shared<ProviderContext>()));
    }
};

QTEST_MAIN(TestCryptoPlugin)
#include "tst_cryptoplugin.moc"
