// SPDX-License-Identifier: GPL-3.0-or-later
// If ccxt reads the Bybit, OKX and Binance USD-M fakes right, they speak their exchanges:
// ccxt's fetchOHLCV (npm, run by node through ccxt_fetch.js) returns each fake's ground truth,
// spot and perpetual, and our plugins read the same bars.
#include "binanceusdmexchange.h"
#include "binanceusdmfake.h"
#include "bybitexchange.h"
#include "bybitfake.h"
#include "cryptotest.h"
#include "okxexchange.h"
#include "okxfake.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

class TestCcxtDerivatives : public QObject
{
    Q_OBJECT

    QString m_node;
    QProcessEnvironment m_env;

private slots:
    void initTestCase()
    {
        m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
        if (m_node.isEmpty())
            QSKIP("node is not installed: the ccxt conformance check needs node and npm ccxt");
        if (!QFile::exists(QStringLiteral(BARKEEP_CCXT_FETCH_SCRIPT)))
            QSKIP("ccxt_fetch.js is missing");
        QString nodePath = qEnvironmentVariable("BK_TEST_CCXT_NODE_PATH");
        if (nodePath.isEmpty())
            nodePath = QStringLiteral(BARKEEP_CCXT_NODE_PATH);
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert(QStringLiteral("NODE_PATH"), nodePath);
        QProcess probe;
        probe.setProcessEnvironment(m_env);
        probe.start(m_node, {QStringLiteral("-e"), QStringLiteral("require('ccxt')")});
        if (!probe.waitForFinished(60000) || probe.exitCode() != 0)
            QSKIP(qPrintable(QStringLiteral("npm ccxt not found in %1: run `npm install` in "
                                            "tests/benchmarks/ccxt to enable this check")
                                 .arg(nodePath)));
    }

    void fetchOhlcv_data()
    {
        QTest::addColumn<QString>("exchange"); // ccxt's id and Barkeep's provider
        QTest::addColumn<QString>("market");
        QTest::addColumn<QString>("symbol");
        QTest::addColumn<QString>("truthKey");
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<qint64>("since");
        QTest::addColumn<qint64>("until");
        QTest::addColumn<int>("perRequest");
        const qint64 jan2024 = 1704067200000;
        QTest::newRow("bybit linear 1m, 1 day")
            << QStringLiteral("bybit") << QStringLiteral("perpetual") << QStringLiteral("BTC/USDT:USDT")
            << BybitFake::truthKey(QStringLiteral("linear"), QStringLiteral("BTCUSDT")) << QStringLiteral("1m")
            << jan2024 << jan2024 + 86400000LL << 1000;
        QTest::newRow("bybit spot 1h, 40 days")
            << QStringLiteral("bybit") << QStringLiteral("crypto") << QStringLiteral("ETH/USDT")
            << QStringLiteral("ETHUSDT") << QStringLiteral("1h") << jan2024 << jan2024 + 40 * 86400000LL << 1000;
        QTest::newRow("okx swap 1m, 1 day")
            << QStringLiteral("okx") << QStringLiteral("perpetual") << QStringLiteral("BTC/USDT:USDT")
            << QStringLiteral("BTC-USDT-SWAP") << QStringLiteral("1m") << jan2024 << jan2024 + 86400000LL << 300;
        QTest::newRow("binanceusdm 1m, 1 day")
            << QStringLiteral("binanceusdm") << QStringLiteral("perpetual") << QStringLiteral("ETH/USDT:USDT")
            << BinanceUsdmFake::truthKey(QStringLiteral("ETHUSDT")) << QStringLiteral("1m") << jan2024
            << jan2024 + 86400000LL << 1000;
    }
    void fetchOhlcv()
    {
        QFETCH(QString, exchange);
        QFETCH(QString, market);
        QFETCH(QString, symbol);
        QFETCH(QString, truthKey);
        QFETCH(QString, timeframe);
        QFETCH(qint64, since);
        QFETCH(qint64, until);
        QFETCH(int, perRequest);
        std::unique_ptr<FakeServer> fake;
        if (exchange == QLatin1String("bybit"))
            fake = std::make_unique<BybitFake>(17);
        else if (exchange == QLatin1String("okx"))
            fake = std::make_unique<OkxFake>(17);
        else
            fake = std::make_unique<BinanceUsdmFake>(17);
        QVERIFY(fake->listen());

        QProcess node;
        node.setProcessEnvironment(m_env);
        QSignalSpy finished(&node, &QProcess::finished);
        node.start(m_node, {QStringLiteral(BARKEEP_CCXT_FETCH_SCRIPT), exchange, fake->url().toString(), symbol,
                            timeframe, QString::number(since), QString::number(until), QString::number(perRequest)});
        // The fake answers on this thread's event loop while node runs.
        QVERIFY(finished.wait(120000));
        QVERIFY2(node.exitCode() == 0, node.readAllStandardError().constData());
        const QJsonArray rows = QJsonDocument::fromJson(node.readAllStandardOutput()).array();

        const Bars truth = fake->groundTruth(truthKey, {since, until}, timeframe);
        QVERIFY(!truth.empty());
        QCOMPARE(rows.size(), qsizetype(truth.size()));
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QJsonArray r = rows[i].toArray();
            const Bar b{qint64(r[0].toDouble()), r[1].toDouble(), r[2].toDouble(),
                        r[3].toDouble(),         r[4].toDouble(), r[5].toDouble()};
            if (!(b == truth[size_t(i)]))
                QFAIL(qPrintable(QStringLiteral("row %1 differs: ccxt %2")
                                     .arg(i)
                                     .arg(QString::fromUtf8(QJsonDocument(r).toJson(QJsonDocument::Compact)))));
        }

        // Our plugin reads the same bars.
        ProviderSettings s = test::settingsFor(exchange, fake->url());
        s.market = market;
        std::unique_ptr<CryptoExchange> plugin;
        if (exchange == QLatin1String("bybit"))
            plugin = std::make_unique<BybitExchange>(s, std::make_shared<ProviderContext>());
        else if (exchange == QLatin1String("okx"))
            plugin = std::make_unique<OkxExchange>(s, std::make_shared<ProviderContext>());
        else
            plugin = std::make_unique<BinanceUsdmExchange>(s, std::make_shared<ProviderContext>());
        const Result<BarBatch> ours = offThread([&] { return plugin->fetchBars({symbol, timeframe, since, until}); });
        QVERIFY2(ours, qPrintable(ours ? QString() : ours.error().toString()));
        QVERIFY(ours->bars == truth);
    }
};

QTEST_MAIN(TestCcxtDerivatives)
#include "tst_ccxtderivatives.moc"
