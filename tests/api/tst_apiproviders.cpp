// SPDX-License-Identifier: GPL-3.0-or-later
// GET /api/v1/providers says whether each provider can be used (issue 21, item 3): enabled
// (providers.<id>.enabled), configured (the credentials it needs are present) and, when not
// usable, the reason naming the key to set; never the credentials themselves.
#include "support/apidispatchermain.h"
#include "apifixture.h"

#include <QJsonArray>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

class TstApiProviders : public QObject
{
    Q_OBJECT

    QNetworkAccessManager nam;

    static QJsonObject provider(const Reply &r, const QString &market, const QString &id)
    {
        for (const QJsonValue &v : r.json.value(QStringLiteral("providers")).toArray())
            if (v[QStringLiteral("market")] == market && v[QStringLiteral("id")] == id)
                return v.toObject();
        return {};
    }

private slots:
    void enabledAndConfigured()
    {
        ApiFixture f(ApiFixture::Setup{[](Config &c) {
            c.set(QStringLiteral("providers.binance.enabled"), false);
            c.set(QStringLiteral("providers.alpaca.apiKey"), QString());
        }, {}, false});
        QVERIFY(f.ok());
        const Reply r = get(nam, f.url(QStringLiteral("/api/v1/providers")));
        QCOMPARE(r.status, 200);

        const QJsonObject demo = provider(r, QStringLiteral("crypto"), QStringLiteral("demo"));
        QCOMPARE(demo.value(QStringLiteral("enabled")).toBool(), true);
        QCOMPARE(demo.value(QStringLiteral("configured")).toBool(), true);
        QCOMPARE(demo.value(QStringLiteral("usable")).toBool(), true);
        QVERIFY(demo.value(QStringLiteral("reason")).isNull());

        const QJsonObject binance = provider(r, QStringLiteral("crypto"), QStringLiteral("binance"));
        QVERIFY(!binance.isEmpty());
        QCOMPARE(binance.value(QStringLiteral("enabled")).toBool(), false);
        QCOMPARE(binance.value(QStringLiteral("configured")).toBool(), true);
        QCOMPARE(binance.value(QStringLiteral("usable")).toBool(), false);
        QVERIFY(binance.value(QStringLiteral("reason")).toString().contains(QStringLiteral("providers.binance.enabled")));

        const QJsonObject stocks = provider(r, QStringLiteral("stocks"), QStringLiteral("alpaca"));
        QVERIFY(!stocks.isEmpty());
        QCOMPARE(stocks.value(QStringLiteral("enabled")).toBool(), true);
        QCOMPARE(stocks.value(QStringLiteral("configured")).toBool(), false);
        QCOMPARE(stocks.value(QStringLiteral("usable")).toBool(), false);
        QVERIFY(stocks.value(QStringLiteral("reason")).toString().contains(QStringLiteral("providers.alpaca.apiKey")));
        // Alpaca's crypto data needs no key.
        QCOMPARE(provider(r, QStringLiteral("crypto"), QStringLiteral("alpaca")).value(QStringLiteral("usable")).toBool(), true);
    }

    void configuredWithKey()
    {
        ApiFixture f(ApiFixture::Setup{[](Config &c) {
            c.set(QStringLiteral("providers.alpaca.apiKey"), QStringLiteral("AKSECRETKEYID"));
            c.set(QStringLiteral("providers.alpaca.apiSecret"), QStringLiteral("s3cr3t"));
        }, {}, false});
        QVERIFY(f.ok());
        const Reply r = get(nam, f.url(QStringLiteral("/api/v1/providers")));
        const QJsonObject stocks = provider(r, QStringLiteral("stocks"), QStringLiteral("alpaca"));
        QCOMPARE(stocks.value(QStringLiteral("configured")).toBool(), true);
        QCOMPARE(stocks.value(QStringLiteral("usable")).toBool(), true);
        QVERIFY(!r.body.contains("AKSECRETKEYID"));
        QVERIFY(!r.body.contains("s3cr3t"));
    }
};

BK_TEST_MAIN_ON_API_DISPATCHER(TstApiProviders)
#include "tst_apiproviders.moc"
