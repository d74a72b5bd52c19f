// SPDX-License-Identifier: GPL-3.0-or-later
#include "plugin/pluginregistry.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace barkeep;

class TstPluginRegistry : public QObject
{
    Q_OBJECT

private slots:
    // Markets and providers come from JSON metadata: no plugin is instantiated to list them.
    void listsWithoutInstantiating()
    {
        PluginRegistry registry;
        registry.discover();
        QVERIFY(registry.problems().isEmpty());
        QVERIFY(registry.markets().contains(QStringLiteral("crypto")));
        const auto demo = registry.provider(QStringLiteral("crypto"), QStringLiteral("demo"));
        QVERIFY(demo);
        QCOMPARE(demo->name, QStringLiteral("Demo (offline)"));
        QVERIFY(!demo->requiresCredentials);
        QVERIFY(registry.providerIds().contains(QStringLiteral("demo")));
        QCOMPARE(registry.instantiatedCount(), 0);

        Result<MarketPluginFactory *> f = registry.factoryFor(QStringLiteral("demo"));
        QVERIFY(f);
        QCOMPARE(registry.instantiatedCount(), 1);
        QCOMPARE(registry.factoryFor(QStringLiteral("nope")).error().kind(), Error::Kind::NotFound);
    }

    void rejectsOtherApiVersions()
    {
        QJsonObject meta{{QStringLiteral("id"), QStringLiteral("x")},
                         {QStringLiteral("apiVersion"), 99},
                         {QStringLiteral("markets"), QJsonArray{QStringLiteral("crypto")}}};
        Result<PluginMetadata> m = PluginMetadata::fromJson(meta);
        QVERIFY(m);
        QCOMPARE(m->apiVersion, 99);
        QVERIFY(m->apiVersion != kMarketPluginApiVersion);
        QVERIFY(!PluginMetadata::fromJson(QJsonObject{}));
    }

    void emptyDynamicDirIsFine()
    {
        PluginRegistry registry;
        registry.discover(QStringLiteral("/nonexistent-dir"));
        QVERIFY(!registry.providers().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstPluginRegistry)
#include "tst_pluginregistry.moc"
