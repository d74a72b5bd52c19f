// SPDX-License-Identifier: GPL-3.0-or-later
// The gap map's GUI-free arithmetic: time ↔ x, drag → ranges per row, segments → pixel runs,
// ledger answers → segments.
#include "gapmap/gapmapgeometry.h"

#include <QTest>

using namespace barkeep;
using namespace barkeep::ui;

Q_DECLARE_METATYPE(std::vector<barkeep::ui::RowRange>)
Q_DECLARE_METATYPE(barkeep::ui::GapSegments)
Q_DECLARE_METATYPE(barkeep::ui::PixelRuns)
Q_DECLARE_METATYPE(barkeep::CoverageIntervals)
Q_DECLARE_METATYPE(barkeep::TimeRanges)

namespace {
constexpr qint64 M = kMinuteMs;

// 1 px = 1 minute; the plot starts at x = 100; three rows of 20 px from y = 20.
GapMapGeometry minuteGeometry()
{
    GapMapGeometry g;
    g.setPlot(100, 1000, 20, 20);
    g.setView(0, 1000.0 * M);
    g.setRowCount(3);
    return g;
}
} // namespace

namespace QTest {
template<> char *toString(const std::vector<RowRange> &v)
{
    QByteArray s = "[";
    for (const RowRange &r : v)
        s += QByteArray::number(r.row) + ":" + QByteArray::number(r.range.from / M) + "-"
             + QByteArray::number(r.range.to / M) + "min ";
    s += "]";
    return qstrdup(s.constData());
}
template<> char *toString(const PixelRuns &v)
{
    QByteArray s = "[";
    for (const PixelRun &r : v)
        s += QByteArray::number(r.x0) + "-" + QByteArray::number(r.x1) + ":"
             + QByteArray::number(int(r.state)) + " ";
    s += "]";
    return qstrdup(s.constData());
}
template<> char *toString(const GapSegments &v)
{
    QByteArray s = "[";
    for (const GapSegment &r : v)
        s += QByteArray::number(r.range.from / M) + "-" + QByteArray::number(r.range.to / M) + ":"
             + QByteArray::number(int(r.state)) + " ";
    s += "]";
    return qstrdup(s.constData());
}
} // namespace QTest

class TstGapMapGeometry : public QObject
{
    Q_OBJECT

private slots:
    void mapping()
    {
        const GapMapGeometry g = minuteGeometry();
        QCOMPARE(g.xForTime(0), 100.0);
        QCOMPARE(g.xForTime(500.0 * M), 600.0);
        QCOMPARE(g.timeForX(600), 500.0 * M);
        QCOMPARE(g.msPerPixel(), double(M));
        QCOMPARE(g.rowAt(19.9), -1);
        QCOMPARE(g.rowAt(20), 0);
        QCOMPARE(g.rowAt(59.9), 1);
        QCOMPARE(g.rowAt(79.9), 2);
        QCOMPARE(g.rowAt(80), -1);
    }

    void zoomKeepsTimeUnderCursor_data()
    {
        QTest::addColumn<double>("factor");
        QTest::addColumn<double>("x");
        QTest::newRow("in at 25 %") << 0.5 << 350.0;
        QTest::newRow("out at the right edge") << 3.0 << 1100.0;
        QTest::newRow("in at the left edge") << 0.1 << 100.0;
    }
    void zoomKeepsTimeUnderCursor()
    {
        QFETCH(double, factor);
        QFETCH(double, x);
        GapMapGeometry g = minuteGeometry();
        const double before = g.timeForX(x);
        g.zoomAt(factor, x, 1, 1e15);
        QVERIFY(qAbs(g.timeForX(x) - before) < 1e-3);
        QCOMPARE(g.viewTo() - g.viewFrom(), 1000.0 * M * factor);
    }

    void zoomIsClamped()
    {
        GapMapGeometry g = minuteGeometry();
        g.zoomAt(1e-6, 600, 120.0 * M, 1e12);
        QCOMPARE(g.viewTo() - g.viewFrom(), 120.0 * M);
        g.zoomAt(1e9, 600, 120.0 * M, 5000.0 * M);
        QCOMPARE(g.viewTo() - g.viewFrom(), 5000.0 * M);
    }

    void selection_data()
    {
        QTest::addColumn<double>("x0");
        QTest::addColumn<double>("y0");
        QTest::addColumn<double>("x1");
        QTest::addColumn<double>("y1");
        QTest::addColumn<qint64>("now");
        QTest::addColumn<std::vector<RowRange>>("expected");
        const qint64 later = 100000 * M;
        QTest::newRow("one row") << 150.0 << 25.0 << 250.0 << 35.0 << later
                                 << std::vector<RowRange>{{0, {50 * M, 150 * M}}};
        QTest::newRow("three rows, dragged up and left")
            << 250.0 << 75.0 << 150.0 << 25.0 << later
            << std::vector<RowRange>{
                   {0, {50 * M, 150 * M}}, {1, {50 * M, 150 * M}}, {2, {50 * M, 150 * M}}};
        QTest::newRow("rows 1-2 only")
            << 150.0 << 41.0 << 250.0 << 61.0 << later
            << std::vector<RowRange>{{1, {50 * M, 150 * M}}, {2, {50 * M, 150 * M}}};
        QTest::newRow("fractional pixels round outward")
            << 150.5 << 45.0 << 160.2 << 45.0 << later
            << std::vector<RowRange>{{1, {50 * M, 61 * M}}};
        QTest::newRow("starts left of the plot")
            << 40.0 << 25.0 << 130.0 << 25.0 << later << std::vector<RowRange>{{0, {0, 30 * M}}};
        QTest::newRow("ends right of the plot") << 1050.0 << 25.0 << 1500.0 << 25.0 << later
                                                << std::vector<RowRange>{{0, {950 * M, 1000 * M}}};
        QTest::newRow("clipped to now (whole minutes)")
            << 150.0 << 25.0 << 250.0 << 25.0 << qint64(100 * M + 30'000)
            << std::vector<RowRange>{{0, {50 * M, 100 * M}}};
        QTest::newRow("entirely in the future")
            << 150.0 << 25.0 << 250.0 << 25.0 << qint64(40 * M) << std::vector<RowRange>{};
        QTest::newRow("above the rows")
            << 150.0 << 2.0 << 250.0 << 10.0 << later << std::vector<RowRange>{};
        QTest::newRow("below the rows")
            << 150.0 << 85.0 << 250.0 << 95.0 << later << std::vector<RowRange>{};
        QTest::newRow("from above into row 0") << 150.0 << 0.0 << 250.0 << 30.0 << later
                                               << std::vector<RowRange>{{0, {50 * M, 150 * M}}};
        QTest::newRow("from row 2 to below") << 150.0 << 70.0 << 250.0 << 300.0 << later
                                             << std::vector<RowRange>{{2, {50 * M, 150 * M}}};
    }
    void selection()
    {
        QFETCH(double, x0);
        QFETCH(double, y0);
        QFETCH(double, x1);
        QFETCH(double, y1);
        QFETCH(qint64, now);
        QFETCH(std::vector<RowRange>, expected);
        QCOMPARE(minuteGeometry().selection(x0, y0, x1, y1, now), expected);
    }

    void selectionAtAnotherZoom()
    {
        // 1 px = 1 hour, the view starts at 2024-01-01: a drag over 24 px is one day.
        GapMapGeometry g;
        g.setPlot(0, 480, 0, 10);
        g.setRowCount(1);
        const qint64 t0 = 1704067200000;
        g.setView(double(t0), double(t0) + 480.0 * kHourMs);
        const auto sel = g.selection(24, 5, 48, 5, t0 + 1000 * kDayMs);
        QCOMPARE(sel, (std::vector<RowRange>{{0, {t0 + kDayMs, t0 + 2 * kDayMs}}}));
    }

    void runs_data()
    {
        QTest::addColumn<double>("minutesPerPixel");
        QTest::addColumn<GapSegments>("segments");
        QTest::addColumn<PixelRuns>("expected");
        QTest::newRow("one pixel per minute") << 1.0
                                              << GapSegments{{{0, 10 * M}, GapState::Bars},
                                                             {{10 * M, 20 * M}, GapState::Missing},
                                                             {{20 * M, 30 * M}, GapState::Empty},
                                                             {{30 * M, 40 * M}, GapState::Closed}}
                                              << PixelRuns{{0, 10, GapState::Bars},
                                                           {10, 20, GapState::Missing},
                                                           {20, 30, GapState::Empty},
                                                           {30, 40, GapState::Closed}};
        QTest::newRow("a hole narrower than a pixel stays visible")
            << 10.0
            << GapSegments{{{0, 55 * M}, GapState::Bars},
                           {{55 * M, 56 * M}, GapState::Missing},
                           {{56 * M, 100 * M}, GapState::Bars}}
            << PixelRuns{
                   {0, 5, GapState::Bars}, {5, 6, GapState::Missing}, {6, 10, GapState::Bars}};
        QTest::newRow("empty beats bars, closed loses to both")
            << 10.0
            << GapSegments{{{0, 15 * M}, GapState::Closed},
                           {{15 * M, 25 * M}, GapState::Bars},
                           {{25 * M, 26 * M}, GapState::Empty},
                           {{26 * M, 40 * M}, GapState::Bars}}
            << PixelRuns{{0, 1, GapState::Closed},
                         {1, 2, GapState::Bars},
                         {2, 3, GapState::Empty},
                         {3, 4, GapState::Bars}};
        QTest::newRow("clipped to the plot, gaps in data leave background")
            << 1.0
            << GapSegments{{{-50 * M, 5 * M}, GapState::Bars},
                           {{10 * M, 12 * M}, GapState::Empty},
                           {{990 * M, 2000 * M}, GapState::Missing}}
            << PixelRuns{{0, 5, GapState::Bars},
                         {10, 12, GapState::Empty},
                         {990, 1000, GapState::Missing}};
    }
    void runs()
    {
        QFETCH(double, minutesPerPixel);
        QFETCH(GapSegments, segments);
        QFETCH(PixelRuns, expected);
        GapMapGeometry g;
        g.setPlot(100, 1000, 0, 20);
        g.setView(0, 1000 * minutesPerPixel * M);
        // Only compare up to the last expected pixel.
        PixelRuns got = g.runs(segments);
        QCOMPARE(got, expected);
    }

    void classify_data()
    {
        QTest::addColumn<CoverageIntervals>("coverage");
        QTest::addColumn<TimeRanges>("gaps");
        QTest::addColumn<qint64>("now");
        QTest::addColumn<GapSegments>("expected");
        QTest::newRow("all four states")
            << CoverageIntervals{{{10 * M, 20 * M}, CoverageState::Bars},
                                 {{20 * M, 30 * M}, CoverageState::Empty}}
            << TimeRanges{{30 * M, 40 * M}} << qint64(90 * M)
            << GapSegments{{{0, 10 * M}, GapState::Closed},
                           {{10 * M, 20 * M}, GapState::Bars},
                           {{20 * M, 30 * M}, GapState::Empty},
                           {{30 * M, 40 * M}, GapState::Missing},
                           {{40 * M, 90 * M}, GapState::Closed}};
        QTest::newRow("clipped to the window, neighbours merged")
            << CoverageIntervals{{{-10 * M, 50 * M}, CoverageState::Bars},
                                 {{50 * M, 60 * M}, CoverageState::Bars}}
            << TimeRanges{{60 * M, 500 * M}} << qint64(1000 * M)
            << GapSegments{{{0, 60 * M}, GapState::Bars}, {{60 * M, 100 * M}, GapState::Missing}};
        QTest::newRow("nothing known")
            << CoverageIntervals{} << TimeRanges{{0, 100 * M}} << qint64(1000 * M)
            << GapSegments{{{0, 100 * M}, GapState::Missing}};
    }
    void classify()
    {
        QFETCH(CoverageIntervals, coverage);
        QFETCH(TimeRanges, gaps);
        QFETCH(qint64, now);
        QFETCH(GapSegments, expected);
        QCOMPARE(GapMapGeometry::classify({0, 100 * M}, coverage, gaps, now), expected);
    }

    void countsAndLookup()
    {
        const GapSegments s{{{0, 10 * M}, GapState::Bars},
                            {{10 * M, 20 * M}, GapState::Missing},
                            {{20 * M, 30 * M}, GapState::Empty},
                            {{30 * M, 40 * M}, GapState::Closed}};
        const GapCounts c = GapMapGeometry::counts(s, {5 * M, 35 * M});
        QCOMPARE(c.barMinutes, 5);
        QCOMPARE(c.missingMinutes, 10);
        QCOMPARE(c.emptyMinutes, 10);
        QCOMPARE(c.closedMinutes, 5);
        QCOMPARE(GapMapGeometry::segmentAt(s, 15 * M)->state, GapState::Missing);
        QCOMPARE(GapMapGeometry::segmentAt(s, 10 * M)->state, GapState::Missing);
        QCOMPARE(GapMapGeometry::segmentAt(s, 10 * M - 1)->state, GapState::Bars);
        QVERIFY(!GapMapGeometry::segmentAt(s, 40 * M));
    }
};

QTEST_APPLESS_MAIN(TstGapMapGeometry)
#include "tst_gapmapgeometry.moc"
