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

    // The market's clock (the chart's "exchange" time zone): UTC unless the metadata names
    // one; an unknown zone id is refused with the provider named.
    void timeZoneFromMetadata()
    {
        const auto meta = [](const QJsonObject &provider) {
            return QJsonObject{{QStringLiteral("id"), QStringLiteral("x")},
                               {QStringLiteral("apiVersion"), kMarketPluginApiVersion},
                               {QStringLiteral("markets"), QJsonArray{QStringLiteral("stocks")}},
                               {QStringLiteral("providers"), QJsonArray{provider}}};
        };
        Result<PluginMetadata> plain = PluginMetadata::fromJson(
            meta(QJsonObject{{QStringLiteral("id"), QStringLiteral("p")}}));
        QVERIFY(plain);
        QCOMPARE(plain->providers.size(), 1);
        QCOMPARE(plain->providers.first().timeZone, QStringLiteral("UTC"));

        Result<PluginMetadata> ny = PluginMetadata::fromJson(
            meta(QJsonObject{{QStringLiteral("id"), QStringLiteral("p")},
                             {QStringLiteral("timeZone"), QStringLiteral("America/New_York")}}));
        QVERIFY(ny);
        QCOMPARE(ny->providers.first().timeZone, QStringLiteral("America/New_York"));

        for (const QJsonValue &bad : {QJsonValue(QStringLiteral("Mars/Olympus")), QJsonValue(5),
                                     QJsonValue(QString())}) {
            Result<PluginMetadata> m = PluginMetadata::fromJson(
                meta(QJsonObject{{QStringLiteral("id"), QStringLiteral("p")},
                                 {QStringLiteral("timeZone"), bad}}));
            QVERIFY2(!m, qPrintable(bad.toVariant().toString()));
            QCOMPARE(m.error().kind(), Error::Kind::BadInput);
            QVERIFY2(m.error().message().contains(QStringLiteral("timeZone")),
                     qPrintable(m.error().message()));
        }

        // The shipped plugins: crypto venues keep UTC, Alpaca's stocks New York time.
        PluginRegistry registry;
        registry.discover();
        const auto zoneOf = [&](const char *market, const char *provider) {
            const auto p = registry.provider(QString::fromLatin1(market), QString::fromLatin1(provider));
            return p ? p->timeZone : QStringLiteral("(missing)");
        };
        QCOMPARE(zoneOf("crypto", "demo"), QStringLiteral("UTC"));
        if (registry.provider(QStringLiteral("crypto"), QStringLiteral("binance")))
            QCOMPARE(zoneOf("crypto", "binance"), QStringLiteral("UTC"));
        if (registry.provider(QStringLiteral("stocks"), QStringLiteral("alpaca"))) {
            QCOMPARE(zoneOf("stocks", "alpaca"), QStringLiteral("America/New_York"));
            QCOMPARE(zoneOf("crypto", "alpaca"), QStringLiteral("UTC"));
        }
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
