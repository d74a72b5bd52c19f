// SPDX-License-Identifier: GPL-3.0-or-later
// If ccxt reads the Binance fake right, the fake speaks Binance: ccxt's fetchOHLCV (run by
// node) must return the fake's ground truth, and the same bars as our plugin.
#include "binanceexchange.h"
#include "binancefake.h"
#include "cryptotest.h"

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

class TestCcxtBinance : public QObject
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
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<qint64>("since");
        QTest::addColumn<qint64>("until");
        QTest::addColumn<QString>("mode");
        const qint64 jan2024 = 1704067200000;
        QTest::newRow("1m, 3 days, sequential")
            << QStringLiteral("1m") << jan2024 << jan2024 + 3 * 86400000LL << QStringLiteral("seq");
        QTest::newRow("1m, 2 days, ccxt paginate")
            << QStringLiteral("1m") << jan2024 + 7 * 86400000LL << jan2024 + 9 * 86400000LL
            << QStringLiteral("paginate");
        QTest::newRow("1h, 60 days") << QStringLiteral("1h") << jan2024 << jan2024 + 60 * 86400000LL
                                     << QStringLiteral("seq");
        QTest::newRow("1d, 2025 (µs archive era)")
            << QStringLiteral("1d") << qint64(1735689600000)
            << qint64(1735689600000) + 90 * 86400000LL << QStringLiteral("seq");
    }
    void fetchOhlcv()
    {
        QFETCH(QString, timeframe);
        QFETCH(qint64, since);
        QFETCH(qint64, until);
        QFETCH(QString, mode);
        BinanceFake fake(17);
        QVERIFY(fake.listen());

        QProcess node;
        node.setProcessEnvironment(m_env);
        QSignalSpy finished(&node, &QProcess::finished);
        node.start(m_node, {QStringLiteral(BARKEEP_CCXT_SCRIPT), fake.url().toString(),
                            QStringLiteral("BTC/USDT"), timeframe, QString::number(since),
                            QString::number(until), mode});
        // The fake answers on this thread's event loop while node runs.
        QVERIFY(finished.wait(120000));
        const QByteArray err = node.readAllStandardError();
        QVERIFY2(node.exitCode() == 0, err.constData());
        qInfo("%s", err.trimmed().constData());
        const QJsonArray rows = QJsonDocument::fromJson(node.readAllStandardOutput()).array();

        const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), {since, until}, timeframe);
        QVERIFY(!truth.empty());
        QCOMPARE(rows.size(), qsizetype(truth.size()));
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QJsonArray r = rows[i].toArray();
            const Bar b{qint64(r[0].toDouble()), r[1].toDouble(), r[2].toDouble(),
                        r[3].toDouble(),         r[4].toDouble(), r[5].toDouble()};
            if (!(b == truth[size_t(i)]))
                QFAIL(qPrintable(
                    QStringLiteral("row %1 differs: ccxt %2")
                        .arg(i)
                        .arg(QString::fromUtf8(QJsonDocument(r).toJson(QJsonDocument::Compact)))));
        }

        // Our plugin reads the same bars.
        BinanceExchange plugin(test::settingsFor(QStringLiteral("binance"), fake.url()),
                               std::make_shared<ProviderContext>());
        const Result<BarBatch> ours = offThread([&] {
            return plugin.fetchBars({QStringLiteral("BTC/USDT"), timeframe, since, until});
        });
        QVERIFY(ours);
        QVERIFY(ours->bars == truth);
    }
};

QTEST_MAIN(TestCcxtBinance)
#include "tst_ccxtbinance.moc"
