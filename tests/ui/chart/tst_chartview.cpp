// SPDX-License-Identifier: GPL-3.0-or-later
#include "chart/chartview.h"
#include "chart/lodpyramid.h"
#include "chart/priceaxis.h"
#include "chart/timeaxis.h"

#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QWheelEvent>

#include <atomic>
#include <map>

using namespace barkeep;
using namespace barkeep::ui;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(barkeep::ui::TimeAxis::Unit)

namespace {

constexpr qint64 kT0 = 1'700'000'040'000; // 2023-11-14 22:14 UTC, minute aligned

// A random walk of n bars of dur ms starting at t0; with gapChance, a bar is skipped.
Bars randomBars(qsizetype n, qint64 dur, quint32 seed, double gapChance = 0, qint64 t0 = kT0)
{
    QRandomGenerator rng(seed);
    Bars bars;
    bars.reserve(size_t(n));
    double price = 100;
    qint64 t = t0;
    while (qsizetype(bars.size()) < n) {
        if (gapChance > 0 && rng.generateDouble() < gapChance) {
            t += dur * (1 + rng.bounded(20));
            continue;
        }
        const double o = price;
        const double c = std::max(1.0, o + (rng.generateDouble() - 0.5) * 2);
        const double h = std::max(o, c) + rng.generateDouble();
        const double l = std::max(0.5, std::min(o, c) - rng.generateDouble());
        bars.push_back(Bar{t, o, h, l, c, 1 + rng.generateDouble() * 100});
        price = c;
        t += dur;
    }
    return bars;
}

// The obvious merge: every bar of one bucket, left to right.
Bars naiveLevel(const Bars &bars, qint64 bucketMs)
{
    std::map<qint64, Bar> buckets;
    for (const Bar &b : bars) {
        qint64 start = b.t / bucketMs * bucketMs;
        if (b.t % bucketMs != 0 && b.t < 0)
            start -= bucketMs;
        auto it = buckets.find(start);
        if (it == buckets.end()) {
            Bar m = b;
            m.t = start;
            buckets.emplace(start, m);
        } else {
            Bar &m = it->second;
            m.h = std::max(m.h, b.h);
            m.l = std::min(m.l, b.l);
            m.c = b.c;
            m.v += b.v;
        }
    }
    Bars out;
    for (const auto &[t, b] : buckets)
        out.push_back(b);
    return out;
}

void compareLevels(const Bars &actual, const Bars &expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
        QCOMPARE(actual[i].t, expected[i].t);
        QCOMPARE(actual[i].o, expected[i].o);
        QCOMPARE(actual[i].h, expected[i].h);
        QCOMPARE(actual[i].l, expected[i].l);
        QCOMPARE(actual[i].c, expected[i].c);
        // Summation order differs (pairwise vs left to right): equal up to rounding.
        QVERIFY2(qAbs(actual[i].v - expected[i].v) <= 1e-9 * qMax(1.0, expected[i].v),
                 qPrintable(QStringLiteral("volume %1 vs %2").arg(actual[i].v).arg(expected[i].v)));
    }
}

QImage render(ChartView &view, qreal dpr = 1)
{
    QImage img(view.size() * dpr, QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(dpr);
    img.fill(Qt::magenta);
    view.render(&img);
    return img;
}

qsizetype countColor(const QImage &img, const QColor &color, const QRect &area)
{
    const QRgb want = color.rgba();
    qsizetype n = 0;
    for (int y = area.top(); y <= area.bottom(); ++y)
        for (int x = area.left(); x <= area.right(); ++x)
            n += img.pixel(x, y) == want;
    return n;
}

void sendWheel(QWidget *w, QPointF pos, int delta)
{
    QWheelEvent ev(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton,
                   Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &ev);
}

void sendMouseMove(QWidget *w, QPointF pos)
{
    QMouseEvent ev(QEvent::MouseMove, pos, w->mapToGlobal(pos), Qt::NoButton, Qt::NoButton,
                   Qt::NoModifier);
    QApplication::sendEvent(w, &ev);
}

void sendKey(QWidget *w, int key)
{
    QKeyEvent ev(QEvent::KeyPress, key, Qt::NoModifier);
    QApplication::sendEvent(w, &ev);
}

} // namespace

// Stands in for the live SubscriptionWorker: emits bars on its own thread.
class LiveBarSource : public QObject
{
    Q_OBJECT

signals:
    void barReady(const barkeep::Bar &bar, bool final);
};

class TestChartView : public QObject
{
    Q_OBJECT

private slots:
    void timePixelRoundTrip_data();
    void timePixelRoundTrip();
    void wheelZoomKeepsTimeUnderCursor_data();
    void wheelZoomKeepsTimeUnderCursor();
    void crosshairReadoutIsBarUnderCursor_data();
    void crosshairReadoutIsBarUnderCursor();
    void lodMergeIsExact_data();
    void lodMergeIsExact();
    void lodUpdateLastMatchesRebuild();
    void lodStaysSmallForSparseData();
    void lodLevelKeepsCandlesAtLeastTwoPixels();
    void paintsMillionBars();
    void paintIsSharpOnHiDpi();
    void shadesUncoveredRanges();
    void priceTicks_data();
    void priceTicks();
    void niceStep_data();
    void niceStep();
    void logScaleMapsDecadesEvenly();
    void timeStepFollowsZoom_data();
    void timeStepFollowsZoom();
    void timeLabels_data();
    void timeLabels();
    void setBarsFitsLastBars();
    void updateLastBarReplacesOrAppends();
    void formingBarChangesLastCandle();
    void finalBarAppends();
    void crosshairReadsFormingBar();
    void liveBarsFromAnotherThread();
    void pyramidIsBuiltLazily();
    void mergeBarsKeepsView();
    void keyboardPanAndZoom();
    void dragPans();
};

// ---- mapping ------------------------------------------------------------------------------

void TestChartView::timePixelRoundTrip_data()
{
    QTest::addColumn<qint64>("span");
    QTest::addColumn<qint64>("offset");
    QTest::newRow("2h, start") << 2 * kHourMs << qint64(0);
    QTest::newRow("2h, odd ms") << 2 * kHourMs << qint64(3'600'001);
    QTest::newRow("3d, middle") << 3 * kDayMs << 36 * kHourMs + 12'345;
    QTest::newRow("1y, late") << 365 * kDayMs << 300 * kDayMs + 7;
}

void TestChartView::timePixelRoundTrip()
{
    QFETCH(qint64, span);
    QFETCH(qint64, offset);
    ChartView view;
    view.resize(1200, 700);
    view.setBars(randomBars(20'000, kMinuteMs, 1, 0, kT0 - 400 * kDayMs), kMinuteMs);
    view.setVisibleRange({kT0 - 400 * kDayMs, kT0 - 400 * kDayMs + span});
    const TimeRange vr = view.visibleRange();
    QCOMPARE(vr.length(), span);
    QCOMPARE(view.xForTime(vr.from), view.plotRect().left());
    QVERIFY(qAbs(view.xForTime(vr.to) - view.plotRect().right()) < 1e-6);
    const qint64 t = vr.from + offset;
    QCOMPARE(view.timeForX(view.xForTime(t)), t);
    for (double x : {0.0, 1.5, 333.25, view.plotRect().right()}) {
        const double back = view.xForTime(view.timeForX(x));
        QVERIFY2(qAbs(back - x) <= 1.0 / double(span) * 1200 + 1e-6,
                 qPrintable(QStringLiteral("x %1 -> %2").arg(x).arg(back)));
    }
}

void TestChartView::wheelZoomKeepsTimeUnderCursor_data()
{
    QTest::addColumn<double>("share");
    QTest::addColumn<int>("delta");
    QTest::newRow("in at left third") << 0.33 << 120;
    QTest::newRow("out at left third") << 0.33 << -120;
    QTest::newRow("in x4 near right") << 0.9 << 480;
    QTest::newRow("out x3 near left") << 0.05 << -360;
    QTest::newRow("in at centre") << 0.5 << 240;
}

void TestChartView::wheelZoomKeepsTimeUnderCursor()
{
    QFETCH(double, share);
    QFETCH(int, delta);
    ChartView view;
    view.resize(1000, 600);
    view.setBars(randomBars(100'000, kMinuteMs, 2), kMinuteMs);
    view.setVisibleRange({kT0 + 40'000 * kMinuteMs, kT0 + 42'000 * kMinuteMs});
    const QPointF pos(view.plotRect().left() + share * view.plotRect().width(), 300);
    const qint64 before = view.timeForX(pos.x());
    const qint64 spanBefore = view.visibleRange().length();
    QSignalSpy rangeSpy(&view, &ChartView::visibleRangeChanged);
    sendWheel(&view, pos, delta);
    const qint64 spanAfter = view.visibleRange().length();
    QVERIFY(delta > 0 ? spanAfter < spanBefore : spanAfter > spanBefore);
    QVERIFY2(qAbs(view.timeForX(pos.x()) - before) <= 1,
             qPrintable(QStringLiteral("%1 vs %2").arg(view.timeForX(pos.x())).arg(before)));
    QVERIFY(rangeSpy.wait());
    QCOMPARE(rangeSpy.last().at(0).value<TimeRange>(), view.visibleRange());
}

void TestChartView::crosshairReadoutIsBarUnderCursor_data()
{
    QTest::addColumn<double>("share");
    for (double s : {0.01, 0.2, 0.37, 0.5, 0.73, 0.99})
        QTest::newRow(qPrintable(QString::number(s))) << s;
}

void TestChartView::crosshairReadoutIsBarUnderCursor()
{
    QFETCH(double, share);
    ChartView view;
    view.resize(900, 500);
    // Gaps: some positions fall into holes, where the readout must be empty.
    const Bars bars = randomBars(5'000, 5 * kMinuteMs, 3, 0.2);
    view.setBars(bars, 5 * kMinuteMs);
    view.setVisibleRange({bars[1000].t, bars[1120].t});
    QSignalSpy spy(&view, &ChartView::crosshairMoved);
    const QPointF pos(view.plotRect().left() + share * view.plotRect().width(),
                      view.pricePaneRect().center().y());
    sendMouseMove(&view, pos);

    const qint64 t = view.timeForX(pos.x());
    std::optional<Bar> expected;
    for (const Bar &b : bars)
        if (b.t <= t && t < b.t + 5 * kMinuteMs)
            expected = b;
    QCOMPARE(view.barAt(pos.x()), expected);
    if (expected) {
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().at(0).value<std::optional<Bar>>(), expected);
        // The candle is drawn where the readout says.
        QVERIFY(view.xForTime(expected->t) <= pos.x());
        QVERIFY(view.xForTime(expected->t + 5 * kMinuteMs) > pos.x());
    } else {
        QCOMPARE(spy.count(), 0); // the readout was empty and stays empty
    }
    // Leaving clears the readout.
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(&view, &leave);
    if (expected) {
        QCOMPARE(spy.count(), 2);
        QVERIFY(!spy.last().at(0).value<std::optional<Bar>>());
    }
}

// ---- LOD ----------------------------------------------------------------------------------

void TestChartView::lodMergeIsExact_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<qint64>("duration");
    QTest::addColumn<double>("gaps");
    QTest::addColumn<quint32>("seed");
    QTest::newRow("dense 1m") << 10'000 << kMinuteMs << 0.0 << 11u;
    QTest::newRow("gappy 1m") << 10'000 << kMinuteMs << 0.3 << 12u;
    QTest::newRow("gappy 15m odd count") << 7'777 << 15 * kMinuteMs << 0.1 << 13u;
    QTest::newRow("daily") << 3'000 << kDayMs << 0.05 << 14u;
    QTest::newRow("one bar") << 1 << kMinuteMs << 0.0 << 15u;
}

void TestChartView::lodMergeIsExact()
{
    QFETCH(int, count);
    QFETCH(qint64, duration);
    QFETCH(double, gaps);
    QFETCH(quint32, seed);
    const Bars bars = randomBars(count, duration, seed, gaps);
    LodPyramid lod;
    lod.build(bars, duration);
    QVERIFY(lod.bars() == bars);
    QCOMPARE(lod.level(lod.levelCount() - 1).size(), size_t(1));
    for (int k = 1; k < lod.levelCount(); ++k) {
        compareLevels(lod.level(k), naiveLevel(bars, lod.bucketMs(k)));
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("level %1").arg(k)));
    }
}

void TestChartView::lodUpdateLastMatchesRebuild()
{
    Bars bars = randomBars(1'000, kMinuteMs, 21, 0.2);
    LodPyramid lod;
    lod.build(bars, kMinuteMs);
    QRandomGenerator rng(22);
    for (int i = 0; i < 500; ++i) {
        Bar b = bars.back();
        const bool append = rng.bounded(3) == 0;
        if (append)
            b.t += kMinuteMs * (1 + rng.bounded(5));
        b.c = 50 + rng.generateDouble() * 100;
        b.h = std::max(b.h, b.c) + 1;
        b.l = std::min(b.l, b.c) - 1;
        b.v += 1;
        lod.updateLast(b);
        if (append)
            bars.push_back(b);
        else
            bars.back() = b;
    }
    LodPyramid fresh;
    fresh.build(bars, kMinuteMs);
    QCOMPARE(lod.levelCount(), fresh.levelCount());
    for (int k = 0; k < lod.levelCount(); ++k) {
        compareLevels(lod.level(k), fresh.level(k));
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("level %1").arg(k)));
    }
}

void TestChartView::lodStaysSmallForSparseData()
{
    // One 1m bar every ~17 hours: the first ten levels would each hold every bar.
    Bars bars = randomBars(50'000, kMinuteMs, 23);
    for (size_t i = 0; i < bars.size(); ++i)
        bars[i].t = kT0 + qint64(i) * 1000 * kMinuteMs;
    LodPyramid lod;
    lod.build(bars, kMinuteMs);
    QVERIFY2(lod.entryCount() < 2.5 * double(bars.size()),
             qPrintable(QString::number(lod.entryCount())));
    QCOMPARE(lod.level(lod.levelCount() - 1).size(), size_t(1));
    for (int k = 1; k < lod.levelCount(); ++k) {
        QVERIFY(lod.shift(k) > lod.shift(k - 1));
        compareLevels(lod.level(k), naiveLevel(bars, lod.bucketMs(k)));
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("level %1").arg(k)));
    }
    // Dense data keeps every level.
    LodPyramid dense;
    dense.build(randomBars(50'000, kMinuteMs, 24), kMinuteMs);
    for (int k = 0; k < dense.levelCount(); ++k)
        QCOMPARE(dense.shift(k), k);
}

void TestChartView::lodLevelKeepsCandlesAtLeastTwoPixels()
{
    ChartView view;
    view.resize(1600, 900);
    view.setBars(randomBars(200'000, kMinuteMs, 31), kMinuteMs);
    for (int step = 0; step < 12; ++step) {
        view.fitAll();
        for (int i = 0; i < step; ++i)
            view.zoomAt(0.4, 800);
        const int k = view.currentLevel();
        const TimeRange vr = view.visibleRange();
        const double candlePx
            = double(view.levels().bucketMs(k)) * view.plotRect().width() / double(vr.length());
        QVERIFY2(candlePx >= 2.0, qPrintable(QString::number(candlePx)));
        // ... and it is the finest such level.
        if (k > 0)
            QVERIFY(double(view.levels().bucketMs(k - 1)) * view.plotRect().width()
                        / double(vr.length())
                    < 2.0);
        const auto [i0, i1] = view.levels().indexRange(k, vr.from, vr.to);
        QVERIFY(i1 - i0 <= qsizetype(view.plotRect().width() / 2) + 2);
    }
}

// ---- painting -----------------------------------------------------------------------------

void TestChartView::paintsMillionBars()
{
    ChartView view;
    view.resize(1600, 900);
    view.setTitle(QStringLiteral("demo · BTC/USDT · 1m"));
    view.setBars(randomBars(1'000'000, kMinuteMs, 41), kMinuteMs);
    view.fitAll();
    QVERIFY(view.currentLevel() > 0);
    const QImage img = render(view);
    QCOMPARE(countColor(img, Qt::magenta, img.rect()), 0); // every pixel painted
    const QRect price = view.pricePaneRect().toAlignedRect();
    const auto style = view.candleStyle();
    const qsizetype up = countColor(img, style.up, price);
    const qsizetype down = countColor(img, style.down, price);
    // ~770 candles across 1530 px: both colours are well represented in the price pane.
    QVERIFY2(up > 2000 && down > 2000, qPrintable(QStringLiteral("%1 %2").arg(up).arg(down)));
    // Candles span the width: the left and right tenths both hold candle pixels.
    const QRect left(price.left(), price.top(), price.width() / 10, price.height());
    const QRect right(price.right() - price.width() / 10, price.top(), price.width() / 10,
                      price.height());
    QVERIFY(countColor(img, style.up, left) + countColor(img, style.down, left) > 100);
    QVERIFY(countColor(img, style.up, right) + countColor(img, style.down, right) > 100);
}

void TestChartView::paintIsSharpOnHiDpi()
{
    ChartView view;
    view.resize(800, 500);
    view.setBars(randomBars(2'000, kMinuteMs, 51), kMinuteMs);
    const auto style = view.candleStyle();
    const QImage one = render(view, 1);
    const QImage two = render(view, 2);
    const qsizetype n1
        = countColor(one, style.up, one.rect()) + countColor(one, style.down, one.rect());
    const qsizetype n2
        = countColor(two, style.up, two.rect()) + countColor(two, style.down, two.rect());
    // Device-pixel aligned drawing: at 2x every candle pixel becomes ~4 exact-colour pixels
    // (antialiased edges would blend instead).
    QVERIFY2(n1 > 1000, qPrintable(QString::number(n1)));
    QVERIFY2(n2 > 3 * n1, qPrintable(QStringLiteral("%1 %2").arg(n1).arg(n2)));
}

void TestChartView::shadesUncoveredRanges()
{
    // Two holes of equal size: one never fetched (shaded), one fetched but empty (blank).
    Bars bars = randomBars(3'000, kMinuteMs, 61);
    const qint64 holeA = bars[800].t, holeAEnd = bars[1000].t;
    const qint64 holeB = bars[1800].t, holeBEnd = bars[2000].t;
    std::erase_if(bars, [&](const Bar &b) {
        return (b.t >= holeA && b.t < holeAEnd) || (b.t >= holeB && b.t < holeBEnd);
    });
    ChartView view;
    view.resize(1200, 600);
    view.setBars(bars, kMinuteMs);
    view.fitAll();
    view.setUncoveredRanges({{holeA, holeAEnd}});
    const QImage img = render(view);
    const QColor base = view.palette().color(QPalette::Base);
    const QRectF pane = view.pricePaneRect();
    auto blankShare = [&](qint64 from, qint64 to) {
        const int x0 = int(view.xForTime(from)) + 3, x1 = int(view.xForTime(to)) - 3;
        // Upper quarter of the pane: away from the centred "not fetched" label.
        const QRect area(x0, int(pane.top()) + 4, x1 - x0, int(pane.height() / 4));
        return double(countColor(img, base, area)) / double(area.width() * area.height());
    };
    const double a = blankShare(holeA, holeAEnd);
    const double b = blankShare(holeB, holeBEnd);
    QVERIFY2(a < 0.05, qPrintable(QString::number(a)));
    QVERIFY2(b > 0.9, qPrintable(QString::number(b)));
    // Time stays continuous: the hole keeps its width on screen.
    QVERIFY(qAbs((view.xForTime(holeAEnd) - view.xForTime(holeA))
                 - (view.xForTime(holeBEnd) - view.xForTime(holeB)))
            < 1e-6);
}

// ---- axes ---------------------------------------------------------------------------------

void TestChartView::priceTicks_data()
{
    QTest::addColumn<double>("min");
    QTest::addColumn<double>("max");
    QTest::addColumn<double>("height");
    QTest::addColumn<bool>("log");
    QTest::addColumn<QStringList>("labels");
    QTest::newRow("0..100 by 10") << 0.0 << 100.0 << 500.0 << false
                                  << QStringList{u"0"_s,  u"10"_s, u"20"_s, u"30"_s,
                                                 u"40"_s, u"50"_s, u"60"_s, u"70"_s,
                                                 u"80"_s, u"90"_s, u"100"_s};
    QTest::newRow("btc by 500") << 27345.0 << 29234.0 << 300.0 << false
                                << QStringList{u"27500"_s, u"28000"_s, u"28500"_s, u"29000"_s};
    QTest::newRow("small by 0.0002") << 0.00123 << 0.00191 << 150.0 << false
                                     << QStringList{u"0.0014"_s, u"0.0016"_s, u"0.0018"_s};
    QTest::newRow("negative by 2")
        << -5.5 << 3.0 << 200.0 << false << QStringList{u"-4"_s, u"-2"_s, u"0"_s, u"2"_s};
    QTest::newRow("log 1-2-5") << 1.0 << 1000.0 << 600.0 << true
                               << QStringList{u"1"_s,  u"2"_s,   u"5"_s,   u"10"_s,  u"20"_s,
                                              u"50"_s, u"100"_s, u"200"_s, u"500"_s, u"1000"_s};
    QTest::newRow("log decades") << 0.5 << 2e5 << 300.0 << true
                                 << QStringList{u"1"_s,    u"10"_s,    u"100"_s,
                                                u"1000"_s, u"10000"_s, u"100000"_s};
    QTest::newRow("log every 2nd decade")
        << 1.0 << 1e8 << 200.0 << true
        << QStringList{u"1"_s, u"100"_s, u"10000"_s, u"1000000"_s, u"100000000"_s};
    QTest::newRow("log under a decade is linear")
        << 100.0 << 400.0 << 300.0 << true << QStringList{u"100"_s, u"200"_s, u"300"_s, u"400"_s};
}

void TestChartView::priceTicks()
{
    QFETCH(double, min);
    QFETCH(double, max);
    QFETCH(double, height);
    QFETCH(bool, log);
    QFETCH(QStringList, labels);
    QLocale::setDefault(QLocale::c());
    PriceAxis axis;
    axis.setRange(min, max);
    axis.setPixelSpan(0, height);
    axis.setLogScale(log);
    QStringList got;
    double lastY = 1e9;
    for (const PriceAxis::Tick &t : axis.ticks(40)) {
        got << QString(t.label).remove(u',');
        const double y = axis.yForPrice(t.value);
        QVERIFY(y >= -1e-9 && y <= height + 1e-9);
        QVERIFY(lastY - y >= 40 - 1e-9); // at least the requested spacing
        lastY = y;
    }
    QCOMPARE(got, labels);
}

void TestChartView::niceStep_data()
{
    QTest::addColumn<double>("raw");
    QTest::addColumn<double>("step");
    QTest::addColumn<int>("decimals");
    QTest::newRow("1") << 1.0 << 1.0 << 0;
    QTest::newRow("1.01") << 1.01 << 2.0 << 0;
    QTest::newRow("3") << 3.0 << 5.0 << 0;
    QTest::newRow("7") << 7.0 << 10.0 << 0;
    QTest::newRow("0.02") << 0.02 << 0.02 << 2;
    QTest::newRow("0.00003") << 0.00003 << 0.00005 << 5;
    QTest::newRow("260") << 260.0 << 500.0 << 0;
    QTest::newRow("1.9e6") << 1.9e6 << 2e6 << 0;
}

void TestChartView::niceStep()
{
    QFETCH(double, raw);
    QFETCH(double, step);
    QFETCH(int, decimals);
    QCOMPARE(PriceAxis::niceStep(raw), step);
    QCOMPARE(PriceAxis::decimalsForStep(step), decimals);
}

void TestChartView::logScaleMapsDecadesEvenly()
{
    PriceAxis axis;
    axis.setRange(1, 1000);
    axis.setPixelSpan(0, 300);
    axis.setLogScale(true);
    QCOMPARE(axis.yForPrice(1000), 0.0);
    QCOMPARE(axis.yForPrice(1), 300.0);
    QVERIFY(qAbs(axis.yForPrice(10) - 200) < 1e-9);
    QVERIFY(qAbs(axis.yForPrice(100) - 100) < 1e-9);
    QVERIFY(qAbs(axis.priceForY(150) - std::sqrt(1000.0)) < 1e-9);
}

void TestChartView::timeStepFollowsZoom_data()
{
    QTest::addColumn<qint64>("span");
    QTest::addColumn<TimeAxis::Unit>("unit");
    QTest::addColumn<int>("count");
    // Over 1600 px with labels >= 80 px apart.
    QTest::newRow("30 min") << 30 * kMinuteMs << TimeAxis::Unit::Minute << 2;
    QTest::newRow("2 h") << 2 * kHourMs << TimeAxis::Unit::Minute << 10;
    QTest::newRow("3 d") << 3 * kDayMs << TimeAxis::Unit::Hour << 6;
    QTest::newRow("60 d") << 60 * kDayMs << TimeAxis::Unit::Day << 5;
    QTest::newRow("2 y") << 730 * kDayMs << TimeAxis::Unit::Month << 2;
    QTest::newRow("30 y") << 30 * 365 * kDayMs << TimeAxis::Unit::Year << 2;
}

void TestChartView::timeStepFollowsZoom()
{
    QFETCH(qint64, span);
    QFETCH(TimeAxis::Unit, unit);
    QFETCH(int, count);
    const TimeAxis::Step step = TimeAxis::stepFor(double(span) / 1600, 80);
    QCOMPARE(step.unit, unit);
    QCOMPARE(step.count, count);
}

void TestChartView::timeLabels_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<TimeAxis::Unit>("unit");
    QTest::addColumn<int>("count");
    QTest::addColumn<QStringList>("labels");
    QTest::addColumn<QString>("firstTick"); // in UTC
    QTest::newRow("hours over midnight, UTC")
        << u"2024-03-10T22:30:00Z"_s << u"2024-03-11T02:00:00Z"_s << QByteArray("UTC")
        << TimeAxis::Unit::Hour << 1
        << QStringList{u"23:00"_s, u"*11 Mar"_s, u"01:00"_s, u"02:00"_s}
        << u"2024-03-10T23:00:00Z"_s;
    QTest::newRow("hours in New York")
        << u"2024-07-01T02:30:00Z"_s << u"2024-07-01T05:00:00Z"_s << QByteArray("America/New_York")
        << TimeAxis::Unit::Hour << 1 << QStringList{u"23:00"_s, u"*1 Jul"_s, u"01:00"_s}
        << u"2024-07-01T03:00:00Z"_s;
    QTest::newRow("minutes") << u"2024-01-02T10:07:00Z"_s << u"2024-01-02T10:40:00Z"_s
                             << QByteArray("UTC") << TimeAxis::Unit::Minute << 15
                             << QStringList{u"10:15"_s, u"10:30"_s} << u"2024-01-02T10:15:00Z"_s;
    QTest::newRow("days across months")
        << u"2024-01-25T00:00:00Z"_s << u"2024-03-07T00:00:00Z"_s << QByteArray("UTC")
        << TimeAxis::Unit::Day << 5
        << QStringList{u"26 Jan"_s, u"*Feb"_s,   u"6 Feb"_s, u"11 Feb"_s, u"16 Feb"_s,
                       u"21 Feb"_s, u"26 Feb"_s, u"*Mar"_s,  u"6 Mar"_s}
        << u"2024-01-26T00:00:00Z"_s;
    QTest::newRow("months over new year")
        << u"2023-09-15T00:00:00Z"_s << u"2024-05-01T00:00:00Z"_s << QByteArray("UTC")
        << TimeAxis::Unit::Month << 3 << QStringList{u"Oct"_s, u"*2024"_s, u"Apr"_s}
        << u"2023-10-01T00:00:00Z"_s;
    QTest::newRow("days in Tokyo")
        << u"2024-05-01T00:00:00Z"_s << u"2024-05-03T00:00:00Z"_s << QByteArray("Asia/Tokyo")
        << TimeAxis::Unit::Day << 1 << QStringList{u"2 May"_s, u"3 May"_s}
        << u"2024-05-01T15:00:00Z"_s;
    QTest::newRow("years") << u"1999-06-01T00:00:00Z"_s << u"2011-01-01T00:00:00Z"_s
                           << QByteArray("UTC") << TimeAxis::Unit::Year << 5
                           << QStringList{u"*2000"_s, u"*2005"_s, u"*2010"_s}
                           << u"2000-01-01T00:00:00Z"_s;
}

void TestChartView::timeLabels()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QByteArray, zone);
    QFETCH(TimeAxis::Unit, unit);
    QFETCH(int, count);
    QFETCH(QStringList, labels);
    QFETCH(QString, firstTick);
    TimeAxis axis;
    axis.setLocale(QLocale::c());
    axis.setTimeZone(QTimeZone(zone));
    const auto ticks = axis.ticks(QDateTime::fromString(from, Qt::ISODate).toMSecsSinceEpoch(),
                                  QDateTime::fromString(to, Qt::ISODate).toMSecsSinceEpoch(),
                                  TimeAxis::Step{unit, count});
    QStringList got;
    for (const auto &t : ticks)
        got << (t.major ? u"*"_s : QString()) + t.label;
    QCOMPARE(got, labels);
    QCOMPARE(ticks.first().t, QDateTime::fromString(firstTick, Qt::ISODate).toMSecsSinceEpoch());
}

// ---- data updates and navigation ----------------------------------------------------------

void TestChartView::setBarsFitsLastBars()
{
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(5'000, kMinuteMs, 71);
    view.setBars(bars, kMinuteMs);
    const TimeRange vr = view.visibleRange();
    // About the last 200 bars, the last one fully visible.
    QVERIFY(vr.contains(bars[bars.size() - 200].t));
    QVERIFY(!vr.contains(bars[bars.size() - 240].t));
    QVERIFY(vr.to >= bars.back().t + kMinuteMs);
}

void TestChartView::updateLastBarReplacesOrAppends()
{
    ChartView view;
    view.resize(1000, 600);
    Bars bars = randomBars(500, kMinuteMs, 81);
    view.setBars(bars, kMinuteMs);
    Bar forming = bars.back();
    forming.c += 5;
    forming.h = std::max(forming.h, forming.c);
    view.updateLastBar(forming);
    QCOMPARE(view.bars().size(), bars.size());
    QCOMPARE(view.bars().back(), forming);
    QCOMPARE(view.barAt(view.xForTime(forming.t) + 0.1), forming);

    const TimeRange before = view.visibleRange();
    Bar next{forming.t + kMinuteMs, forming.c, forming.c + 1, forming.c - 1, forming.c, 3};
    // Fill the right margin so the next bar falls off the edge: the view must follow it.
    while (next.t + kMinuteMs <= before.to) {
        view.updateLastBar(next);
        next.t += kMinuteMs;
    }
    view.updateLastBar(next);
    QCOMPARE(view.bars().back(), next);
    QVERIFY(view.visibleRange().to >= next.t + kMinuteMs);
    QCOMPARE(view.visibleRange().length(), before.length());
    // The pyramid followed: the coarsest level still covers the new bar.
    const Bars &top = view.levels().level(view.levels().levelCount() - 1);
    QCOMPARE(top.back().c, next.c);
}

namespace {
// The colour at the middle of a candle's body, in the rendered image.
QColor bodyCentre(ChartView &view, const QImage &img, const Bar &b, qint64 dur)
{
    const int x = int(std::lround((view.xForTime(b.t) + view.xForTime(b.t + dur)) / 2));
    // Scan the price pane at x for the body's vertical extent (its colour), take its middle.
    const CandleRenderer::Style style = view.candleStyle();
    const QColor colour = b.c >= b.o ? style.up : style.down;
    int top = -1, bottom = -1;
    for (int y = int(view.pricePaneRect().top()); y < int(view.pricePaneRect().bottom()); ++y) {
        if (img.pixelColor(x, y) == colour) {
            if (top < 0)
                top = y;
            bottom = y;
        }
    }
    if (top < 0)
        return {};
    // Off the wick: a quarter of the body's width to the left.
    const double w = view.xForTime(b.t + dur) - view.xForTime(b.t);
    return img.pixelColor(int(std::lround(x - w / 4)), (top + bottom) / 2);
}
} // namespace

void TestChartView::formingBarChangesLastCandle()
{
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(100, kMinuteMs, 7);
    view.setBars(bars, kMinuteMs);
    const Bar last = bars.back();
    // A tall forming bar: the body is many pixels high whatever the scale.
    Bar forming{last.t + kMinuteMs, last.c, last.c + 6, last.c - 1, last.c + 5, 40};
    view.applyLiveBar(forming, false);
    QCOMPARE(view.bars().size(), bars.size() + 1);
    QCOMPARE(view.bars().back(), forming);
    QCOMPARE(view.formingTime(), forming.t);

    QImage before(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&before);
    // Drawn hollow: the inside of its body is the background, a closed bar's is filled.
    QCOMPARE(bodyCentre(view, before, forming, kMinuteMs), view.palette().color(QPalette::Base));
    Bar closedUp = bars[bars.size() - 2];
    for (qsizetype i = qsizetype(bars.size()) - 1; i > 0; --i)
        if (bars[size_t(i)].c - bars[size_t(i)].o > 0.5) {
            closedUp = bars[size_t(i)];
            break;
        }
    QCOMPARE(bodyCentre(view, before, closedUp, kMinuteMs), view.candleStyle().up);

    // The same bucket again with new values: the last candle changes, nothing is appended.
    Bar update = forming;
    update.c = forming.c - 3;
    update.l = std::min(forming.l, update.c);
    update.v = 55;
    view.applyLiveBar(update, false);
    QCOMPARE(view.bars().size(), bars.size() + 1);
    QCOMPARE(view.bars().back(), update);
    QImage after(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&after);
    QVERIFY(after != before);
    // The coarse levels (built when the user zooms out) hold the forming values too.
    QCOMPARE(view.levels().level(view.levels().levelCount() - 1).back().c, update.c);
}

void TestChartView::finalBarAppends()
{
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(300, 5 * kMinuteMs, 11);
    view.setBars(bars, 5 * kMinuteMs);
    const qint64 t = bars.back().t + 5 * kMinuteMs;
    view.applyLiveBar(Bar{t, 100, 101, 99, 100.5, 7}, false);
    QCOMPARE(view.formingTime(), t);
    // The bucket closes: its final values replace the forming ones, and it is no longer forming.
    const Bar closed{t, 100, 102, 98.5, 101.5, 9};
    view.applyLiveBar(closed, true);
    QCOMPARE(view.bars().size(), bars.size() + 1);
    QCOMPARE(view.bars().back(), closed);
    QVERIFY(!view.formingTime());
    // A final bar of a new bucket (e.g. the worker healed a missed one) appends.
    const Bar next{t + 5 * kMinuteMs, 101.5, 103, 101, 102, 4};
    view.applyLiveBar(next, true);
    QCOMPARE(view.bars().size(), bars.size() + 2);
    QCOMPARE(view.bars().back(), next);
    // The view followed the live end.
    QVERIFY(view.visibleRange().to >= next.t + 5 * kMinuteMs);
    // setBars (another series) forgets the forming bar.
    view.applyLiveBar(Bar{next.t + 5 * kMinuteMs, 102, 102, 102, 102, 1}, false);
    QVERIFY(view.formingTime());
    view.setBars(bars, 5 * kMinuteMs);
    QVERIFY(!view.formingTime());
}

void TestChartView::crosshairReadsFormingBar()
{
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(200, kMinuteMs, 21);
    view.setBars(bars, kMinuteMs);
    Bar forming{bars.back().t + kMinuteMs, 100, 104, 99, 103, 12};
    view.applyLiveBar(forming, false);
    QSignalSpy spy(&view, &ChartView::crosshairMoved);
    const QPointF pos((view.xForTime(forming.t) + view.xForTime(forming.t + kMinuteMs)) / 2,
                      view.pricePaneRect().center().y());
    sendMouseMove(&view, pos);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.last().at(0).value<std::optional<Bar>>(), forming);
    // A new tick under the resting cursor: the readout follows it.
    forming.c = 101;
    forming.v = 15;
    view.applyLiveBar(forming, false);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.last().at(0).value<std::optional<Bar>>(), forming);
}

// The window's live worker runs on its own thread: its bars arrive as queued signals and the
// forming candle updates, then closes, exactly as when applyLiveBar() is called directly.
void TestChartView::liveBarsFromAnotherThread()
{
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(100, kMinuteMs, 31);
    view.setBars(bars, kMinuteMs);
    QVERIFY(ChartView().bars().empty()); // a fresh view has no bars (MainWindow asks it)
    QThread thread;
    thread.start();
    LiveBarSource source;
    source.moveToThread(&thread);
    connect(&source, &LiveBarSource::barReady, &view, &ChartView::applyLiveBar);
    std::atomic<QThread *> emittedOn = nullptr;
    const auto emitOnSource = [&](const Bar &bar, bool final) {
        QMetaObject::invokeMethod(&source, [&source, &emittedOn, bar, final] {
            emittedOn = QThread::currentThread();
            emit source.barReady(bar, final);
        });
    };
    const qint64 t = bars.back().t + kMinuteMs;
    const Bar forming{t, 100, 101, 99, 100.5, 3};
    emitOnSource(forming, false);
    QTRY_COMPARE(view.formingTime(), std::optional<qint64>(t));
    QCOMPARE(emittedOn.load(), &thread);
    QVERIFY(emittedOn.load() != view.thread());
    QCOMPARE(view.bars().back(), forming);
    // Ticks of the same minute replace the forming candle; nothing is appended.
    const Bar grown{t, 100, 102.5, 98, 102, 8};
    emitOnSource(grown, false);
    QTRY_COMPARE(view.bars().back(), grown);
    QCOMPARE(view.bars().size(), bars.size() + 1);
    QCOMPARE(view.formingTime(), std::optional<qint64>(t));
    // The minute closes.
    const Bar closed{t, 100, 102.5, 98, 101.5, 9};
    emitOnSource(closed, true);
    QTRY_VERIFY(!view.formingTime());
    QCOMPARE(view.bars().back(), closed);
    QCOMPARE(view.bars().size(), bars.size() + 1);
    thread.quit();
    QVERIFY(thread.wait(10000));
}

void TestChartView::pyramidIsBuiltLazily()
{
    // The first frame of the latest bars needs level 0 only: the coarse levels wait for a zoom
    // out, and a merge drops them until then.
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(50'000, kMinuteMs, 5);
    view.setBars(bars, kMinuteMs);
    QImage img(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&img);
    QVERIFY(!view.levels().coarseBuilt());
    QCOMPARE(view.currentLevel(), 0);
    view.fitAll();
    QVERIFY(view.currentLevel() > 0);
    QVERIFY(view.levels().coarseBuilt());
    view.mergeBars(Bars{bars.front()});
    QVERIFY(!view.levels().coarseBuilt());
    LodPyramid fresh;
    fresh.build(bars, kMinuteMs);
    QCOMPARE(view.levels().levelCount(), fresh.levelCount());
    for (int k = 1; k < fresh.levelCount(); ++k)
        compareLevels(view.levels().level(k), fresh.level(k));
}

void TestChartView::mergeBarsKeepsView()
{
    // Lazy loading: the recent part first, then an older chunk (overlapping by 100 bars, with
    // changed values there) arrives while the user looks at the boundary.
    const Bars all = randomBars(20'000, kMinuteMs, 95);
    ChartView view;
    view.resize(1000, 600);
    view.setBars(Bars(all.begin() + 10'000, all.end()), kMinuteMs);
    const TimeRange range{all[9'900].t, all[10'300].t};
    view.setVisibleRange(range);
    QCOMPARE(view.visibleRange(), range);
    Bars older(all.begin(), all.begin() + 10'100);
    older.back().c += 1;
    view.mergeBars(older);
    QCOMPARE(view.visibleRange(), range);
    QCOMPARE(view.bars().size(), all.size());
    QCOMPARE(view.bars()[10'099], older.back()); // the new chunk wins where they overlap
    QCOMPARE(view.bars().front(), all.front());
    QCOMPARE(view.barAt(view.xForTime(all[9'950].t) + 0.01), all[9'950]);
    LodPyramid fresh;
    fresh.build(view.bars(), kMinuteMs);
    QCOMPARE(view.levels().levelCount(), fresh.levelCount());
    compareLevels(view.levels().level(fresh.levelCount() - 1), fresh.level(fresh.levelCount() - 1));
}

void TestChartView::keyboardPanAndZoom()
{
    ChartView view;
    view.resize(1000, 600);
    const Bars bars = randomBars(50'000, kMinuteMs, 91);
    view.setBars(bars, kMinuteMs);
    QSignalSpy spy(&view, &ChartView::visibleRangeChanged);
    const TimeRange start = view.visibleRange();

    sendKey(&view, Qt::Key_Left);
    QVERIFY(view.visibleRange().from < start.from);
    QCOMPARE(view.visibleRange().length(), start.length());
    sendKey(&view, Qt::Key_PageUp);
    const TimeRange paged = view.visibleRange();
    QVERIFY(start.from - paged.from > start.length() * 9 / 10);
    sendKey(&view, Qt::Key_PageDown);
    QVERIFY(view.visibleRange().from > paged.from);

    sendKey(&view, Qt::Key_Home);
    QVERIFY(view.visibleRange().contains(bars.front().t));
    sendKey(&view, Qt::Key_End);
    QVERIFY(view.visibleRange().contains(bars.back().t));

    const qint64 span = view.visibleRange().length();
    sendKey(&view, Qt::Key_Plus);
    QVERIFY(view.visibleRange().length() < span);
    sendKey(&view, Qt::Key_Minus);
    sendKey(&view, Qt::Key_Minus);
    QVERIFY(view.visibleRange().length() > span);

    // Coalesced: one signal for the burst, carrying the final range.
    QVERIFY(spy.wait());
    QCOMPARE(spy.last().at(0).value<TimeRange>(), view.visibleRange());
    QVERIFY(spy.count() <= 2);

    // Panning far past the data keeps some of it in view.
    for (int i = 0; i < 200; ++i)
        sendKey(&view, Qt::Key_PageDown);
    QVERIFY(view.visibleRange().from < bars.back().t + kMinuteMs);
}

void TestChartView::dragPans()
{
    ChartView view;
    view.resize(1000, 600);
    view.setBars(randomBars(50'000, kMinuteMs, 101), kMinuteMs);
    const double y = view.pricePaneRect().center().y();
    const qint64 grabbed = view.timeForX(600);
    QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(600, int(y)));
    sendMouseMove(&view, QPointF(450, y));
    QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(450, int(y)));
    // The grabbed time moved with the mouse.
    QVERIFY(qAbs(view.timeForX(450) - grabbed) <= 1);
}

QTEST_MAIN(TestChartView)
#include "tst_chartview.moc"
