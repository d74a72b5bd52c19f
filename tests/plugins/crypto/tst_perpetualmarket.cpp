// SPDX-License-Identifier: GPL-3.0-or-later
// Perpetuals as a market: the crypto plugin's metadata lists Bybit and OKX under both
// "crypto" (spot) and "perpetual", Binance USD-M under "perpetual" only, the spot exchanges
// under "crypto" only; the host makes one instance per (provider, market), and the two
// instances of one provider list and fetch different series.
#include "bybitfake.h"
#include "cryptotest.h"
#include "okxfake.h"
#include "plugin/pluginregistry.h"
#include "services/marketservice.h"

#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {
QStringList ids(const QList<ProviderInfo> &providers)
{
    QStringList out;
    for (const ProviderInfo &p : providers)
        out << p.id;
    out.sort();
    return out;
}

QStringList names(const QList<SymbolInfo> &symbols)
{
    QStringList out;
    for (const SymbolInfo &s : symbols)
        out << s.symbol;
    return out;
}
} // namespace

class TestPerpetualMarket : public QObject
{
    Q_OBJECT

private slots:
    void metadata()
    {
        PluginRegistry registry;
        registry.discover();
        QVERIFY2(registry.problems().isEmpty(), qPrintable(registry.problems().join(u'\n')));
        QVERIFY(registry.markets().contains(QStringLiteral("perpetual")));
        QVERIFY(registry.markets().contains(QStringLiteral("crypto")));
        QCOMPARE(ids(registry.providers(QStringLiteral("perpetual"))),
                 (QStringList{QStringLiteral("binanceusdm"), QStringLiteral("bybit"), QStringLiteral("okx")}));
        const QStringList spot = ids(registry.providers(QStringLiteral("crypto")));
        for (const char *id : {"binance", "coinbase", "kraken", "bybit", "okx"})
            QVERIFY2(spot.contains(QString::fromLatin1(id)), id);
        QVERIFY(!spot.contains(QStringLiteral("binanceusdm")));
        const ProviderInfo usdm = *registry.provider(QStringLiteral("perpetual"), QStringLiteral("binanceusdm"));
        QCOMPARE(usdm.weightPerMinute, 2400);
        QCOMPARE(usdm.klinesWeight, 5);
        QVERIFY(usdm.archive && usdm.testnet);
        const ProviderInfo bybit = *registry.provider(QStringLiteral("perpetual"), QStringLiteral("bybit"));
        QCOMPARE(bybit.requestsPerSecond, 120.0);
        QVERIFY(!bybit.timeframes.contains(QStringLiteral("8h")));
        const ProviderInfo okx = *registry.provider(QStringLiteral("crypto"), QStringLiteral("okx"));
        QCOMPARE(okx.maxBarsPerRequest, 300);
        QCOMPARE(okx.requestsPerSecond, 10.0);
        QCOMPARE(registry.instantiatedCount(), 0);
    }

    void oneInstancePerMarket()
    {
        BybitFake bybit(3);
        OkxFake okx(4);
        QVERIFY(bybit.listen() && okx.listen());
        QTemporaryDir dir;
        Config config = Config::defaults(dir.path());
        config.set(QStringLiteral("providers.bybit.baseUrl"), bybit.url().toString());
        config.set(QStringLiteral("providers.okx.baseUrl"), okx.url().toString());
        PluginRegistry registry;
        registry.discover();
        MarketService service(&registry, config);
        for (const char *provider : {"bybit", "okx"}) {
            const QString p = QString::fromLatin1(provider);
            auto spot = service.plugin(QStringLiteral("crypto"), p);
            auto perp = service.plugin(QStringLiteral("perpetual"), p);
            QVERIFY(spot && perp);
            QVERIFY(spot->get() != perp->get());
            const Result<QList<SymbolInfo>> s = offThread([&] { return (*spot)->symbols(); });
            const Result<QList<SymbolInfo>> q = offThread([&] { return (*perp)->symbols(); });
            QVERIFY(s && q);
            QVERIFY(names(*s).contains(QStringLiteral("BTC/USDT")));
            QVERIFY(!names(*s).contains(QStringLiteral("BTC/USDT:USDT")));
            QVERIFY(names(*q).contains(QStringLiteral("BTC/USDT:USDT")));
            QVERIFY(!names(*q).contains(QStringLiteral("BTC/USDT")));
        }
        QCOMPARE(service.instanceCount(), 4);
        // Binance USD-M is no spot exchange.
        QCOMPARE(service.plugin(QStringLiteral("crypto"), QStringLiteral("binanceusdm")).error().kind(),
                 Error::Kind::NotFound);
        // Its settings are known keys of the configuration.
        QVERIFY(Config::knownKeys().contains(QStringLiteral("providers.binanceusdm.baseUrl")));
        QVERIFY(Config::knownKeys().contains(QStringLiteral("providers.okx.testnet")));
    }
};

QTEST_MAIN(TestPerpetualMarket)
#include "tst_perpetualmarket.moc"
