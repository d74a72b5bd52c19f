// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/timeframe.h"

#include <QDateTime>
#include <QTest>
#include <QTimeZone>

using namespace barkeep;

static qint64 utc(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toMSecsSinceEpoch();
}

class TstTimeframe : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<qint64>("durationMs");
        QTest::newRow("1m") << "1m" << true << "1m" << qint64(60'000);
        QTest::newRow("7m") << "7m" << true << "7m" << qint64(7 * 60'000);
        QTest::newRow("60m is 1h") << "60m" << true << "1h" << qint64(3'600'000);
        QTest::newRow("4h") << "4h" << true << "4h" << qint64(4 * 3'600'000);
        QTest::newRow("1d") << "1d" << true << "1d" << qint64(86'400'000);
        QTest::newRow("3d") << "3d" << true << "3d" << qint64(3 * 86'400'000LL);
        QTest::newRow("1w") << "1w" << true << "1w" << qint64(7 * 86'400'000LL);
        QTest::newRow("1M") << "1M" << true << "1M" << qint64(30 * 86'400'000LL);
        QTest::newRow("zero") << "0m" << false << "" << qint64(0);
        QTest::newRow("negative") << "-5m" << false << "" << qint64(0);
        QTest::newRow("unit") << "5x" << false << "" << qint64(0);
        QTest::newRow("empty") << "" << false << "" << qint64(0);
        QTest::newRow("garbage") << "abc" << false << "" << qint64(0);
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, canonical);
        QFETCH(qint64, durationMs);
        Result<Timeframe> tf = Timeframe::parse(text);
        QCOMPARE(bool(tf), valid);
        if (!valid) {
            QCOMPARE(tf.error().kind(), Error::Kind::BadInput);
            return;
        }
        QCOMPARE(tf->name(), canonical);
        QCOMPARE(tf->durationMs(), durationMs);
    }

    void buckets_data()
    {
        QTest::addColumn<QString>("tf");
        QTest::addColumn<qint64>("t");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        QTest::newRow("1h") << "1h" << utc("2024-03-05T10:59:00Z") << utc("2024-03-05T10:00:00Z") << utc("2024-03-05T11:00:00Z");
        QTest::newRow("15m") << "15m" << utc("2024-03-05T10:44:00Z") << utc("2024-03-05T10:30:00Z") << utc("2024-03-05T10:45:00Z");
        // Weeks start on Monday, 00:00 UTC (2024-03-04 is a Monday).
        QTest::newRow("1w sunday") << "1w" << utc("2024-03-10T23:59:00Z") << utc("2024-03-04T00:00:00Z") << utc("2024-03-11T00:00:00Z");
        QTest::newRow("1w monday") << "1w" << utc("2024-03-11T00:00:00Z") << utc("2024-03-11T00:00:00Z") << utc("2024-03-18T00:00:00Z");
        QTest::newRow("1M feb leap") << "1M" << utc("2024-02-29T12:00:00Z") << utc("2024-02-01T00:00:00Z") << utc("2024-03-01T00:00:00Z");
        QTest::newRow("1M dec") << "1M" << utc("2023-12-31T23:59:00Z") << utc("2023-12-01T00:00:00Z") << utc("2024-01-01T00:00:00Z");
        QTest::newRow("1d before epoch") << "1d" << utc("1969-12-31T12:00:00Z") << utc("1969-12-31T00:00:00Z") << utc("1970-01-01T00:00:00Z");
    }
    void buckets()
    {
        QFETCH(QString, tf);
        QFETCH(qint64, t);
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        const Timeframe f = *Timeframe::parse(tf);
        QCOMPARE(f.bucketStart(t), start);
        QCOMPARE(f.bucketEnd(start), end);
        QVERIFY(f.isAligned(start));
    }
};

QTEST_GUILESS_MAIN(TstTimeframe)
#include "tst_timeframe.moc"
