// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/barvalidator.h"

#include <QRandomGenerator>
#include <QTest>

#include <limits>

using namespace barkeep;

class TstBarValidator : public QObject
{
    Q_OBJECT
private slots:
    void check_data();
    void check();
    void filterKeepsOrder();
    void filterAgreesWithCheck();
};

void TstBarValidator::check_data()
{
    QTest::addColumn<Bar>("bar");
    QTest::addColumn<QString>("tf");
    QTest::addColumn<QString>("reason"); // a substring, empty = good
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const qint64 t = 1'700'000'040'000; // a whole minute
    QTest::newRow("good") << Bar{t, 10, 12, 9, 11, 5} << QStringLiteral("1m") << QString();
    QTest::newRow("flat zero volume") << Bar{t, 10, 10, 10, 10, 0} << QStringLiteral("1m")
                                      << QString();
    QTest::newRow("high below open") << Bar{t, 10, 9.5, 9, 9.2, 5} << QStringLiteral("1m")
                                     << QStringLiteral("high below");
    QTest::newRow("high below close") << Bar{t, 10, 10.5, 9, 11, 5} << QStringLiteral("1m")
                                      << QStringLiteral("high below");
    QTest::newRow("low above close") << Bar{t, 10, 12, 9.5, 9, 5} << QStringLiteral("1m")
                                     << QStringLiteral("low above");
    QTest::newRow("negative volume") << Bar{t, 10, 12, 9, 11, -1} << QStringLiteral("1m")
                                     << QStringLiteral("negative volume");
    QTest::newRow("nan close") << Bar{t, 10, 12, 9, nan, 5} << QStringLiteral("1m")
                               << QStringLiteral("not finite");
    QTest::newRow("nan high") << Bar{t, 10, nan, 9, 11, 5} << QStringLiteral("1m")
                              << QStringLiteral("not finite");
    QTest::newRow("inf volume") << Bar{t, 10, 12, 9, 11, inf} << QStringLiteral("1m")
                                << QStringLiteral("not finite");
    QTest::newRow("unaligned 1m") << Bar{t + 1000, 10, 12, 9, 11, 5} << QStringLiteral("1m")
                                  << QStringLiteral("not aligned to 1m");
    QTest::newRow("unaligned 5m") << Bar{t, 10, 12, 9, 11, 5} << QStringLiteral("5m")
                                  << QStringLiteral("not aligned to 5m");
    QTest::newRow("aligned 1h") << Bar{3600'000 * 5, 10, 12, 9, 11, 5} << QStringLiteral("1h")
                                << QString();
}

void TstBarValidator::check()
{
    QFETCH(Bar, bar);
    QFETCH(QString, tf);
    QFETCH(QString, reason);
    const QString got = BarValidator::check(bar, *Timeframe::parse(tf));
    if (reason.isEmpty())
        QVERIFY2(got.isEmpty(), qPrintable(got));
    else
        QVERIFY2(got.contains(reason), qPrintable(got));
}

void TstBarValidator::filterKeepsOrder()
{
    Bars bars{{0, 1, 2, 0, 1, 1},      {60'000, 1, 0.5, 0, 1, 1}, {120'000, 1, 2, 0, 1, 1},
              {180'000, 1, 2, 0, 1, -2}, {240'000, 1, 2, 0, 1, 1}};
    const auto rejected = BarValidator::filter(bars, Timeframe::minutes(1));
    QCOMPARE(bars.size(), size_t(3));
    QCOMPARE(bars[0].t, 0);
    QCOMPARE(bars[1].t, 120'000);
    QCOMPARE(bars[2].t, 240'000);
    QCOMPARE(rejected.size(), size_t(2));
    QCOMPARE(rejected[0].bar.t, 60'000);
    QVERIFY(rejected[0].reason.contains(QLatin1String("high below")));
    QCOMPARE(rejected[1].bar.t, 180'000);
    QVERIFY(rejected[1].reason.contains(QLatin1String("negative volume")));
}

// filter() has its own fast path; it must keep exactly the bars check() finds good, for every
// kind of timeframe (plain minutes, weeks, months) and negative times.
void TstBarValidator::filterAgreesWithCheck()
{
    QRandomGenerator rng(3);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const char *name : {"1m", "5m", "1h", "1d", "1w", "1M"}) {
        const Timeframe tf = *Timeframe::parse(QLatin1String(name));
        Bars bars;
        for (int i = 0; i < 2000; ++i) {
            const qint64 t = (qint64(rng.bounded(4000)) - 2000) * 15 * kMinuteMs
                + (rng.bounded(10) == 0 ? rng.bounded(60'000) : 0);
            double o = 10 + rng.bounded(5), c = 10 + rng.bounded(5);
            double h = std::max(o, c) + rng.bounded(3) - 0.5, l = std::min(o, c) - rng.bounded(3) + 0.5;
            double v = rng.bounded(20) == 0 ? -1 : rng.bounded(100);
            if (rng.bounded(50) == 0)
                c = nan;
            bars.push_back({t, o, h, l, c, v});
        }
        Bars expected;
        for (const Bar &b : bars) {
            if (BarValidator::check(b, tf).isEmpty())
                expected.push_back(b);
        }
        const auto rejected = BarValidator::filter(bars, tf);
        QCOMPARE(bars.size(), expected.size());
        QCOMPARE(rejected.size(), 2000 - expected.size());
        for (size_t i = 0; i < bars.size(); ++i)
            QCOMPARE(bars[i].t, expected[i].t);
        for (const auto &r : rejected)
            QVERIFY(!r.reason.isEmpty());
    }
}

QTEST_GUILESS_MAIN(TstBarValidator)
#include "tst_barvalidator.moc"
