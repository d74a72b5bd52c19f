// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/coverageledger.h"
#include "storage/rollup.h"

#include <QDateTime>
#include <QMap>
#include <QRandomGenerator>
#include <QTest>
#include <QTimeZone>

#include <cmath>

using namespace barkeep;

Q_DECLARE_METATYPE(barkeep::TimeRange)

namespace {

qint64 utc(int y, int mo, int d, int h = 0, int mi = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi), QTimeZone::utc()).toMSecsSinceEpoch();
}

// The straightforward reference: bucket each bar by its calendar fields through QDateTime
// (no shared code with Timeframe::bucketStart), fold per bucket, and decide completeness by
// walking every minute of the bucket against a per-minute coverage set.
struct RefBucket
{
    Bar bar;
    bool any = false;
};

qint64 refBucketStart(const QString &tf, qint64 t)
{
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc());
    if (tf == QLatin1String("1M"))
        return QDateTime(QDate(dt.date().year(), dt.date().month(), 1), QTime(0, 0),
                         QTimeZone::utc()).toMSecsSinceEpoch();
    if (tf == QLatin1String("3M")) {
        const int m0 = (dt.date().month() - 1) / 3 * 3 + 1;
        return QDateTime(QDate(dt.date().year(), m0, 1), QTime(0, 0), QTimeZone::utc())
            .toMSecsSinceEpoch();
    }
    if (tf == QLatin1String("1w")) {
        const QDate monday = dt.date().addDays(1 - dt.date().dayOfWeek());
        return QDateTime(monday, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    }
    if (tf == QLatin1String("1d"))
        return QDateTime(dt.date(), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    const int n = Timeframe::parse(tf)->minuteCount();
    const qint64 minute = t / kMinuteMs;
    return (minute - minute % n) * kMinuteMs;
}

qint64 refBucketEnd(const QString &tf, qint64 start)
{
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(start, QTimeZone::utc());
    if (tf == QLatin1String("1M"))
        return dt.addMonths(1).toMSecsSinceEpoch();
    if (tf == QLatin1String("3M"))
        return dt.addMonths(3).toMSecsSinceEpoch();
    if (tf == QLatin1String("1w"))
        return dt.addDays(7).toMSecsSinceEpoch();
    if (tf == QLatin1String("1d"))
        return dt.addDays(1).toMSecsSinceEpoch();
    return start + Timeframe::parse(tf)->minuteCount() * kMinuteMs;
}

} // namespace

class TstRollup : public QObject
{
    Q_OBJECT
private slots:
    void againstReference_data();
    void againstReference();
    void sourceRange_data();
    void sourceRange();
    void bucketAlignment_data();
    void bucketAlignment();
    void limit();
};

void TstRollup::againstReference_data()
{
    QTest::addColumn<QString>("tf");
    QTest::addColumn<qint64>("from");
    QTest::addColumn<int>("days");
    // Starts on purpose off any bucket boundary (mid-week, mid-month, odd minute).
    const qint64 start = utc(2023, 12, 27, 13, 7);
    for (const char *tf : {"1m", "3m", "5m", "7m", "15m", "1h", "4h", "1d", "3d", "1w", "1M", "3M"})
        QTest::newRow(tf) << QString::fromLatin1(tf) << start << 70;
}

void TstRollup::againstReference()
{
    QFETCH(QString, tf);
    QFETCH(qint64, from);
    QFETCH(int, days);
    const Timeframe timeframe = *Timeframe::parse(tf);
    QRandomGenerator rng(0xbeef ^ qHash(tf));
    const qint64 minutes = qint64(days) * 1440;

    // Random 1m data with holes: never-fetched stretches, fetched-but-empty stretches, and
    // fetched minutes that simply have no trade.
    Bars bars;
    CoverageLedger ledger;
    std::vector<char> covered(minutes, 0);
    qint64 m = 0;
    double price = 100;
    while (m < minutes) {
        const qint64 len = 1 + rng.bounded(3000);
        const int kind = rng.bounded(10); // 0: gap, 1: empty fetch, else: bars
        const qint64 end = std::min(minutes, m + len);
        if (kind != 0) {
            Bars chunk;
            for (qint64 i = m; i < end; ++i) {
                covered[i] = 1;
                if (kind == 1 || rng.bounded(20) == 0)
                    continue;
                const double o = price;
                price = std::max(1.0, price + (rng.generateDouble() - 0.5));
                const double c = price;
                const double h = std::max(o, c) + rng.generateDouble();
                const double l = std::min(o, c) - rng.generateDouble();
                chunk.push_back({from + i * kMinuteMs, o, h, l, c, rng.generateDouble() * 5});
            }
            ledger.record({from + m * kMinuteMs, from + end * kMinuteMs}, chunk);
            bars.insert(bars.end(), chunk.begin(), chunk.end());
        }
        m = end;
    }

    // Query a range cut inside the data on both ends.
    const TimeRange range{from + 2 * kDayMs + 11 * kMinuteMs, from + (days - 3) * kDayMs};
    const RollupBars got = Rollup::compute(bars, timeframe, range, ledger.intervals());

    QMap<qint64, RefBucket> ref;
    for (const Bar &b : bars) {
        const qint64 s = refBucketStart(tf, b.t);
        if (s < range.from || s >= range.to)
            continue;
        RefBucket &rb = ref[s];
        if (!rb.any) {
            rb.bar = b;
            rb.bar.t = s;
            rb.any = true;
        } else {
            rb.bar.h = std::max(rb.bar.h, b.h);
            rb.bar.l = std::min(rb.bar.l, b.l);
            rb.bar.c = b.c;
            rb.bar.v += b.v;
        }
    }
    QCOMPARE(qsizetype(got.size()), ref.size());
    int incomplete = 0;
    auto it = ref.cbegin();
    for (const RollupBar &g : got) {
        QCOMPARE(g.bar.t, it.key());
        QCOMPARE(g.bar.o, it->bar.o);
        QCOMPARE(g.bar.h, it->bar.h);
        QCOMPARE(g.bar.l, it->bar.l);
        QCOMPARE(g.bar.c, it->bar.c);
        QVERIFY(std::abs(g.bar.v - it->bar.v) <= 1e-9 * std::max(1.0, it->bar.v));
        bool complete = true;
        for (qint64 t = it.key(); t < refBucketEnd(tf, it.key()) && complete; t += kMinuteMs) {
            const qint64 i = (t - from) / kMinuteMs;
            complete = t >= from && i < minutes && covered[i];
        }
        QCOMPARE(g.complete, complete);
        incomplete += complete ? 0 : 1;
        ++it;
    }
    // The data must exercise both cases for the larger timeframes to mean anything.
    if (timeframe.isMonthly() || timeframe.minuteCount() >= 1440)
        QVERIFY(incomplete > 0);
}

void TstRollup::sourceRange_data()
{
    QTest::addColumn<QString>("tf");
    QTest::addColumn<TimeRange>("range");
    QTest::addColumn<TimeRange>("expected");
    QTest::newRow("aligned 5m") << QStringLiteral("5m") << TimeRange{0, 10 * kMinuteMs}
                                << TimeRange{0, 10 * kMinuteMs};
    QTest::newRow("unaligned 5m") << QStringLiteral("5m")
                                  << TimeRange{kMinuteMs, 11 * kMinuteMs}
                                  << TimeRange{5 * kMinuteMs, 15 * kMinuteMs};
    QTest::newRow("1w from Wednesday")
        << QStringLiteral("1w") << TimeRange{utc(2024, 1, 3), utc(2024, 1, 10)}
        << TimeRange{utc(2024, 1, 8), utc(2024, 1, 15)};
    QTest::newRow("1M mid-month") << QStringLiteral("1M")
                                  << TimeRange{utc(2024, 1, 15), utc(2024, 3, 2)}
                                  << TimeRange{utc(2024, 2, 1), utc(2024, 4, 1)};
    QTest::newRow("no bucket start inside") << QStringLiteral("1d")
                                            << TimeRange{utc(2024, 1, 1, 1), utc(2024, 1, 1, 5)}
                                            << TimeRange{utc(2024, 1, 2), utc(2024, 1, 2)};
}

void TstRollup::sourceRange()
{
    QFETCH(QString, tf);
    QFETCH(TimeRange, range);
    QFETCH(TimeRange, expected);
    const TimeRange got = Rollup::sourceRange(*Timeframe::parse(tf), range);
    QCOMPARE(got.from, expected.from);
    QCOMPARE(got.isEmpty(), expected.isEmpty());
    if (!expected.isEmpty())
        QCOMPARE(got.to, expected.to);
}

void TstRollup::bucketAlignment_data()
{
    QTest::addColumn<QString>("tf");
    QTest::addColumn<qint64>("t");
    QTest::addColumn<qint64>("start");
    // 2024-01-03 is a Wednesday; its week starts Monday 2024-01-01.
    QTest::newRow("1w Wednesday") << QStringLiteral("1w") << utc(2024, 1, 3, 12) << utc(2024, 1, 1);
    QTest::newRow("1w Sunday night") << QStringLiteral("1w") << utc(2024, 1, 7, 23, 59)
                                     << utc(2024, 1, 1);
    QTest::newRow("1w Monday") << QStringLiteral("1w") << utc(2024, 1, 8) << utc(2024, 1, 8);
    QTest::newRow("1M leap day") << QStringLiteral("1M") << utc(2024, 2, 29, 23, 59)
                                 << utc(2024, 2, 1);
    QTest::newRow("4h") << QStringLiteral("4h") << utc(2024, 1, 3, 7, 30) << utc(2024, 1, 3, 4);
    QTest::newRow("7m epoch aligned") << QStringLiteral("7m") << qint64(20 * kMinuteMs)
                                      << qint64(14 * kMinuteMs);
}

void TstRollup::bucketAlignment()
{
    QFETCH(QString, tf);
    QFETCH(qint64, t);
    QFETCH(qint64, start);
    const Bars bars{{t, 1, 2, 0.5, 1.5, 3}};
    const RollupBars got = Rollup::compute(bars, *Timeframe::parse(tf), {start, start + 1},
                                           TimeRanges{});
    QCOMPARE(got.size(), size_t(1));
    QCOMPARE(got.front().bar.t, start);
    QVERIFY(got.front().complete);
}

void TstRollup::limit()
{
    Bars bars;
    for (int i = 0; i < 100; ++i)
        bars.push_back({i * kMinuteMs, 1, 1, 1, 1, 1});
    const RollupBars got = Rollup::compute(bars, Timeframe::minutes(5), {0, 100 * kMinuteMs},
                                           TimeRanges{}, 3);
    QCOMPARE(got.size(), size_t(3));
    QCOMPARE(got.back().bar.t, 10 * kMinuteMs);
    QCOMPARE(got.back().bar.v, 5.0);
}

QTEST_GUILESS_MAIN(TstRollup)
#include "tst_rollup.moc"
