// SPDX-License-Identifier: GPL-3.0-or-later
// ccxt reads every crypto fake (issue 18 item 5): ccxt's fetchOHLCV (run by node, npm ccxt)
// over the Coinbase Exchange and Kraken fakes returns the fakes' ground truth, native
// timeframes included. Binance has its own, longer check (tst_ccxtbinance). Rows are
// data-driven: another fake is one more row (exchange id, fake, symbol).
#include "coinbasefake.h"
#include "krakenfake.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace barkeep;
using namespace barkeep::fakes;

class TestCcxtFakes : public QObject
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
        QTest::addColumn<QString>("exchange");  // ccxt's id
        QTest::addColumn<QString>("symbol");    // unified
        QTest::addColumn<QString>("native");    // the fake's name of it
        QTest::addColumn<QString>("timeframe");
        QTest::addColumn<qint64>("span");       // ms back from now
        QTest::addColumn<int>("perRequest");    // rows a request may hold (0: one request)
        // Each row starts node and loads ccxt (about 4 s): few rows, each telling.
        const qint64 day = kDayMs;
        QTest::newRow("coinbaseexchange 1m, 12 h")
            << "coinbaseexchange" << "BTC/USD" << "BTC-USD" << "1m" << 12 * kHourMs << 300;
        QTest::newRow("coinbaseexchange 1d, 400 days")
            << "coinbaseexchange" << "ETH/USD" << "ETH-USD" << "1d" << 400 * day << 300;
        QTest::newRow("kraken 1d") << "kraken" << "BTC/USD" << "XXBTZUSD" << "1d" << 600 * day << 0;
    }
    void fetchOhlcv()
    {
        QFETCH(QString, exchange);
        QFETCH(QString, symbol);
        QFETCH(QString, native);
        QFETCH(QString, timeframe);
        QFETCH(qint64, span);
        QFETCH(int, perRequest);
        std::unique_ptr<FakeServer> fake;
        if (exchange == u"kraken")
            fake = std::make_unique<KrakenFake>(23);
        else
            fake = std::make_unique<CoinbaseFake>(23);
        fake->faults().requestsPerSecond = 0; // ccxt runs without its throttle here
        QVERIFY(fake->listen());
        const Timeframe tf = *Timeframe::parse(timeframe);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 since = tf.bucketStart(now - span);
        const qint64 until = tf.bucketStart(now); // closed candles only

        QProcess node;
        node.setProcessEnvironment(m_env);
        QSignalSpy finished(&node, &QProcess::finished);
        QStringList args{QStringLiteral(BARKEEP_CCXT_FETCH_SCRIPT), exchange, fake->url().toString(),
                         symbol, timeframe, QString::number(since), QString::number(until)};
        if (perRequest > 0)
            args << QString::number(perRequest);
        node.start(m_node, args);
        // The fake answers on this thread's event loop while node runs.
        QVERIFY(finished.wait(60000));
        const QByteArray err = node.readAllStandardError();
        QVERIFY2(node.exitCode() == 0, err.constData());
        QJsonArray rows;
        for (const QJsonValue &row : QJsonDocument::fromJson(node.readAllStandardOutput()).array()) {
            // Kraken lists intervals without trades (count 0, volume 0, flat at the last
            // price); the truth, as every exchange's bars, has no bar there.
            if (exchange == u"kraken" && row.toArray()[5].toDouble() == 0)
                continue;
            rows.append(row);
        }
        // A candle that closed while node ran is in ccxt's answer but after `until`.
        const Bars truth = fake->groundTruth(native, {since, until}, timeframe);
        QVERIFY(truth.size() > 5);
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
    }
};

QTEST_MAIN(TestCcxtFakes)
#include "tst_ccxtfakes.moc"
