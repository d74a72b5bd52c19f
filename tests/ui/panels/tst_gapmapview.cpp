// SPDX-License-Identifier: GPL-3.0-or-later
// The gap map against a real SQLite store and the demo provider: it shows a never-fetched
// hole, a drag over it plus "Backfill" starts a job, and the hole turns to `bars` as the
// chunks land.
#include "gapmap/gapmapview.h"
#include "panelsfixture.h"
#include "services/dataorchestrator.h"
#include "storage/store.h"

#include <QAction>
#include <QApplication>
#include <QHelpEvent>
#include <QImage>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>

using namespace barkeep;
using namespace barkeep::ui;

namespace {
// 2024-03-05 00:00 UTC: a day without a simulated outage in the hours used here.
constexpr qint64 kT0 = 1709596800000;

GapState stateAt(const GapMapView &view, int row, qint64 t)
{
    const GapSegments segs = view.segments(row);
    const GapSegment *s = GapMapGeometry::segmentAt(segs, t);
    return s ? s->state : GapState::None;
}

QRgb pixelAt(GapMapView &view, qint64 t, int row)
{
    const QImage img = view.grab().toImage();
    const double dpr = img.devicePixelRatio();
    const int x = int(view.geometry().xForTime(double(t)));
    const int y = int(view.geometry().rowTop(row) + view.geometry().rowHeight() / 2);
    return img.pixel(int(x * dpr), int(y * dpr));
}
} // namespace

class TstGapMapView : public QObject
{
    Q_OBJECT

private slots:
    void dragOverHoleAndBackfill()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        const SeriesKey key = test::PanelsFixture::demo();
        // Fetched: 00:00-04:00 and 08:00-12:00; never fetched: 04:00-08:00.
        QVERIFY(fx.app->orchestrator()->ensureFetched(key, {kT0, kT0 + 4 * kHourMs}));
        QVERIFY(
            fx.app->orchestrator()->ensureFetched(key, {kT0 + 8 * kHourMs, kT0 + 12 * kHourMs}));

        GapMapView view(fx.app->store());
        view.setBackfillManager(fx.backfill.get());
        QSignalSpy loaded(&view, &GapMapView::coverageLoaded);
        view.resize(1000, 160);
        view.setSeries({key});
        view.setView({kT0, kT0 + 12 * kHourMs});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_VERIFY_WITH_TIMEOUT(stateAt(view, 0, kT0 + 6 * kHourMs) != GapState::None, 20000);

        QCOMPARE(stateAt(view, 0, kT0 + 1 * kHourMs), GapState::Bars);
        QCOMPARE(stateAt(view, 0, kT0 + 6 * kHourMs), GapState::Missing);
        QCOMPARE(stateAt(view, 0, kT0 + 10 * kHourMs), GapState::Bars);
        QCOMPARE(pixelAt(view, kT0 + 6 * kHourMs, 0),
                 GapMapView::colorFor(GapState::Missing).rgb());
        QCOMPARE(pixelAt(view, kT0 + 2 * kHourMs, 0), GapMapView::colorFor(GapState::Bars).rgb());

        // Drag over the hole (a little inside its edges), in row 0.
        const GapMapGeometry &g = view.geometry();
        const int y = int(g.rowTop(0) + g.rowHeight() / 2);
        const QPoint from(int(g.xForTime(double(kT0 + 4 * kHourMs + 10 * kMinuteMs))), y);
        const QPoint to(int(g.xForTime(double(kT0 + 8 * kHourMs - 10 * kMinuteMs))), y);
        QSignalSpy selection(&view, &GapMapView::selectionChanged);
        QTest::mousePress(&view, Qt::LeftButton, {}, from);
        QTest::mouseMove(&view, to);
        QTest::mouseRelease(&view, Qt::LeftButton, {}, to);
        QCOMPARE(selection.size(), 1);
        QCOMPARE(view.selection().size(), size_t(1));
        const TimeRange selected = view.selection().front().range;
        QVERIFY(selected.from >= kT0 + 4 * kHourMs
                && selected.from < kT0 + 4 * kHourMs + 20 * kMinuteMs);
        QVERIFY(selected.to <= kT0 + 8 * kHourMs
                && selected.to > kT0 + 8 * kHourMs - 20 * kMinuteMs);
        QVERIFY(view.backfillAction()->isEnabled());

        QSignalSpy submitted(&view, &GapMapView::backfillSubmitted);
        view.backfillAction()->trigger();
        QVERIFY(submitted.wait(20000));
        const QList<qint64> ids = submitted.first().at(0).value<QList<qint64>>();
        QCOMPARE(ids.size(), 1);
        QVERIFY2(submitted.first().at(1).toString().isEmpty(),
                 qPrintable(submitted.first().at(1).toString()));
        QVERIFY(fx.backfill->job(ids.first()).has_value());

        // The map fills in as the chunks land (chunkStored → coverage reload).
        const qint64 mid = (selected.from + selected.to) / 2;
        QTRY_COMPARE_WITH_TIMEOUT(stateAt(view, 0, mid), GapState::Bars, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(pixelAt(view, mid, 0), GapMapView::colorFor(GapState::Bars).rgb(),
                                  10000);
        QTRY_COMPARE_WITH_TIMEOUT(fx.backfill->job(ids.first())->state, JobState::Done,
                                  60000);
        // Only what was selected was fetched: the edges of the hole stay missing.
        QCOMPARE(stateAt(view, 0, kT0 + 4 * kHourMs + 2 * kMinuteMs), GapState::Missing);
    }

    void rowsComeFromTheStoreAndDoubleClickOpensTheChart()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        const SeriesKey btc = test::PanelsFixture::demo();
        const SeriesKey eth = test::PanelsFixture::demo(QStringLiteral("ETH/USDT"));
        QVERIFY(fx.app->orchestrator()->ensureFetched(btc, {kT0, kT0 + kHourMs}));
        QVERIFY(fx.app->orchestrator()->ensureFetched(eth, {kT0, kT0 + 2 * kHourMs}));

        GapMapView view(fx.app->store());
        view.resize(900, 200);
        view.setView({kT0 - kHourMs, kT0 + 3 * kHourMs});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.reloadSeries();
        QTRY_COMPARE_WITH_TIMEOUT(view.series().size(), 2, 20000);
        QCOMPARE(view.series().at(0), btc);
        QCOMPARE(view.series().at(1), eth);
        QTRY_COMPARE_WITH_TIMEOUT(stateAt(view, 1, kT0 + 90 * kMinuteMs), GapState::Bars, 20000);
        QCOMPARE(stateAt(view, 0, kT0 + 90 * kMinuteMs), GapState::Missing);

        QSignalSpy open(&view, &GapMapView::openChartRequested);
        const GapMapGeometry &g = view.geometry();
        const QPoint p(int(g.xForTime(double(kT0 + 30 * kMinuteMs))), int(g.rowTop(1) + 5));
        QTest::mouseDClick(&view, Qt::LeftButton, {}, p);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().at(0).value<SeriesKey>(), eth);
        QVERIFY(qAbs(open.first().at(1).toLongLong() - (kT0 + 30 * kMinuteMs))
                < 2 * g.msPerPixel());

        // The tooltip names the state and the exact range.
        QHelpEvent help(QEvent::ToolTip, p, view.mapToGlobal(p));
        QApplication::sendEvent(&view, &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().contains(QStringLiteral("2024-03-05 00:00 – 2024-03-05 02:00")),
                 qPrintable(QToolTip::text()));
        QVERIFY(QToolTip::text().contains(QStringLiteral("120")));
    }

    // Issue 17: a row is a (series, timeframe). A daily series stored beside the 1m one gets
    // its own row, labelled and counted in days, and a drag on it asks for daily candles.
    void dailyRowIsItsOwnSeries()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        const SeriesKey minute = test::PanelsFixture::demo();
        const SeriesKey daily = minute.withTimeframe(QStringLiteral("1d"));
        QVERIFY(fx.app->orchestrator()->ensureFetched(minute, {kT0, kT0 + kHourMs}));
        Bars days;
        for (int d = 0; d < 3; ++d)
            days.push_back(Bar{kT0 + d * kDayMs, 100, 110, 90, 105, 1000});
        const Result<WriteReport> written = fx.app->store()->writeBars(daily, days, {kT0, kT0 + 3 * kDayMs});
        QVERIFY2(written, written ? "" : qPrintable(written.error().userMessage()));
        QCOMPARE(written->written, qint64(3));
        const Result<QList<SeriesKey>> stored = fx.app->store()->listSeries();
        QVERIFY(stored);
        QVERIFY2(stored->contains(daily), qPrintable(QString::number(stored->size())));
        QVERIFY2(stored->contains(minute), qPrintable(QString::number(stored->size())));

        GapMapView view(fx.app->store());
        view.setBackfillManager(fx.backfill.get());
        view.resize(900, 200);
        view.setView({kT0 - kDayMs, kT0 + 5 * kDayMs});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.reloadSeries();
        QTRY_VERIFY_WITH_TIMEOUT(view.series().contains(daily), 20000);
        const int row = int(view.series().indexOf(daily));
        QVERIFY(row >= 0);
        QTRY_COMPARE_WITH_TIMEOUT(stateAt(view, row, kT0 + kDayMs + kHourMs), GapState::Bars, 20000);
        QCOMPARE(stateAt(view, row, kT0 + 4 * kDayMs), GapState::Missing);

        // The tooltip names the timeframe and counts daily bars, not minutes.
        const GapMapGeometry &g = view.geometry();
        const QPoint p(int(g.xForTime(double(kT0 + kDayMs + 12 * kHourMs))), int(g.rowTop(row) + 5));
        QHelpEvent help(QEvent::ToolTip, p, view.mapToGlobal(p));
        QApplication::sendEvent(&view, &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().contains(QStringLiteral("· 1d")), qPrintable(QToolTip::text()));
        QVERIFY2(QToolTip::text().contains(QStringLiteral("(3 bars)")), qPrintable(QToolTip::text()));

        // A drag on the daily row names the daily timeframe in its job (the demo provider
        // serves 1m only, so the job is refused with that reason: the timeframe reached it).
        view.setSelection({RowRange{row, {kT0 + 3 * kDayMs, kT0 + 5 * kDayMs}}});
        QSignalSpy submitted(&view, &GapMapView::backfillSubmitted);
        view.backfillAction()->trigger();
        QVERIFY(submitted.wait(20000));
        const QString error = submitted.first().at(1).toString();
        QVERIFY2(error.contains(QStringLiteral("1d")), qPrintable(error));
    }

    void wheelZoomsAroundCursor()
    {
        GapMapView view(nullptr);
        view.resize(1000, 120);
        view.setView({kT0, kT0 + 30 * kDayMs});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const GapMapGeometry &g = view.geometry();
        const double x = g.left() + 300;
        const double before = g.timeForX(x);
        QWheelEvent in(QPointF(x, 40), view.mapToGlobal(QPointF(x, 40)), {}, QPoint(0, 120),
                       Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        for (int i = 0; i < 30; ++i)
            QApplication::sendEvent(&view, &in);
        QVERIFY(qAbs(g.timeForX(x) - before) < g.msPerPixel());
        // Zoomed in to the two-hour floor.
        QVERIFY(qAbs(view.view().length() - 2 * kHourMs) <= 1);
    }
};

QTEST_MAIN(TstGapMapView)
#include "tst_gapmapview.moc"
