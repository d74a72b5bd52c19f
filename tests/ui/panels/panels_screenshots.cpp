// SPDX-License-Identifier: GPL-3.0-or-later
// Makes the screenshots in docs/screenshots (not a test). Builds the main window on the
// offline demo provider with a few weeks of history (and holes) in a temporary SQLite store,
// starts a backfill, and grabs the chart window, the gap map and the backfill panel with
// QWidget::grab(). Run under Xvfb on the xcb platform so fonts and styles are the real ones:
//   Xvfb :99 -screen 0 1600x1000x24 &
//   DISPLAY=:99 XDG_CONFIG_HOME=$(mktemp -d) panels_screenshots -platform xcb docs/screenshots
#include "backfill/backfilljobmodel.h"
#include "backfill/backfillpanel.h"
#include "chart/chartview.h"
#include "gapmap/gapmapview.h"
#include "mainwindow.h"
#include "panelsfixture.h"
#include "services/dataorchestrator.h"
#include "storage/store.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <cstdio>

using namespace barkeep;

namespace {

bool save(QWidget *w, const QString &path)
{
    const QImage img = w->grab().toImage().convertToFormat(QImage::Format_RGB888);
    const bool ok = img.save(path, "PNG", 9);
    std::printf("%s %s (%dx%d)\n", ok ? "wrote" : "FAILED", qPrintable(path), img.width(),
                img.height());
    return ok;
}

void settle(int ms)
{
    QTest::qWait(ms);
}

} // namespace

int main(int argc, char **argv)
{
    QApplication qapp(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("barkeep-screenshots"));
    const QString outDir = qapp.arguments().value(1, QStringLiteral("."));
    QDir().mkpath(outDir);

    test::PanelsFixture fx;
    if (!fx.start()) {
        std::fprintf(stderr, "cannot start the services\n");
        return 1;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch() / kMinuteMs * kMinuteMs;
    const qint64 day0 = now / kDayMs * kDayMs;
    DataOrchestrator *orch = fx.app->orchestrator();
    // Some history with holes: BTC 40 days whole; ETH with two holes; SOL only recent; DOGE
    // a few scattered days.
    const SeriesKey btc = test::PanelsFixture::demo(QStringLiteral("BTC/USDT"));
    const SeriesKey eth = test::PanelsFixture::demo(QStringLiteral("ETH/USDT"));
    const SeriesKey sol = test::PanelsFixture::demo(QStringLiteral("SOL/USDT"));
    const SeriesKey doge = test::PanelsFixture::demo(QStringLiteral("DOGE/USDT"));
    (void)orch->ensureFetched(btc, {day0 - 40 * kDayMs, now});
    (void)orch->ensureFetched(eth, {day0 - 40 * kDayMs, day0 - 27 * kDayMs});
    (void)orch->ensureFetched(eth, {day0 - 22 * kDayMs, day0 - 9 * kDayMs});
    (void)orch->ensureFetched(eth, {day0 - 6 * kDayMs, now});
    (void)orch->ensureFetched(sol, {day0 - 12 * kDayMs, now});
    for (int d : {38, 31, 30, 17, 4})
        (void)orch->ensureFetched(doge, {day0 - d * kDayMs, day0 - d * kDayMs + 14 * kHourMs});

    // Start from the default layout (QSettings lives in the test-mode location here).
    QSettings().clear();
    ui::AppServices services;
    services.registry = fx.app->registry();
    services.market = fx.app->market();
    services.orchestrator = fx.app->orchestrator();
    services.store = fx.app->store();
    services.cache = fx.app->cache();
    services.backfill = fx.backfill.get();
    services.config = fx.app->config();
    services.apiPort = 8765;
    ui::MainWindow window(services);
    window.resize(1500, 940);
    window.selectSeries(btc.withTimeframe(QStringLiteral("1h")));
    QSignalSpy loaded(&window, &ui::MainWindow::barsLoaded);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return 2;
    window.resizeDocks({window.gapMapDock(), window.backfillDock()}, {820, 680}, Qt::Horizontal);
    if (loaded.isEmpty() && !loaded.wait(60000))
        return 3;
    ui::GapMapView *gap = window.gapMap();
    gap->reloadSeries();
    (void)QTest::qWaitFor([&] { return gap->series().size() == 4; }, 20000);
    gap->setView({day0 - 45 * kDayMs, now + 2 * kDayMs});
    settle(1500);

    // Two finished jobs from "earlier", then one for the older ETH hole and a big one for
    // DOGE that is still running when the pictures are taken.
    auto waitDone = [&](qint64 id) {
        (void)QTest::qWaitFor([&] { return fx.backfill->job(id)->state == JobState::Done; },
                              60000);
    };
    if (auto id = fx.backfill->submit(sol, {day0 - 16 * kDayMs, day0 - 12 * kDayMs}))
        waitDone(*id);
    // Select the newer ETH hole in the gap map as a user would (drag), then Backfill.
    const ui::GapMapGeometry &g = gap->geometry();
    const int ethRow = int(gap->series().indexOf(eth));
    const int y = int(g.rowTop(ethRow) + g.rowHeight() / 2);
    QTest::mousePress(gap, Qt::LeftButton, {},
                      QPoint(int(g.xForTime(double(day0 - 9 * kDayMs))) + 1, y));
    QTest::mouseMove(gap, QPoint(int(g.xForTime(double(day0 - 6 * kDayMs))) - 1, y));
    QTest::mouseRelease(gap, Qt::LeftButton, {},
                        QPoint(int(g.xForTime(double(day0 - 6 * kDayMs))) - 1, y));
    gap->backfillSelection();
    (void)fx.backfill->submit(doge, {day0 - 2500 * kDayMs, now});
    // Select the older ETH hole so the picture shows a selection.
    QTest::mousePress(gap, Qt::LeftButton, {},
                      QPoint(int(g.xForTime(double(day0 - 27 * kDayMs))) + 1, y));
    QTest::mouseMove(gap, QPoint(int(g.xForTime(double(day0 - 22 * kDayMs))) - 1, y));
    QTest::mouseRelease(gap, Qt::LeftButton, {},
                        QPoint(int(g.xForTime(double(day0 - 22 * kDayMs))) - 1, y));
    (void)QTest::qWaitFor(
        [&] {
            for (const BackfillJobInfo &j : fx.backfill->jobs())
                if (j.series == doge && j.progress > 0.15)
                    return true;
            return false;
        },
        60000);
    settle(600);

    // The live worker's forming bar (drawn hollow at the right edge).
    ui::ChartView *chart = window.chart();
    (void)QTest::qWaitFor([&] { return chart->formingTime().has_value(); }, 20000);
    // Crosshair over the chart for the readout.
    const QRectF plot = chart->plotRect();
    QTest::mouseMove(chart, QPoint(int(plot.left() + plot.width() * 0.62),
                                   int(plot.top() + plot.height() * 0.35)));
    settle(300);

    bool ok = save(&window, outDir + QStringLiteral("/chart.png"));
    ok = save(window.gapMapDock(), outDir + QStringLiteral("/gapmap.png")) && ok;
    // The job table wants more width than its dock has next to the gap map.
    window.backfillDock()->setFloating(true);
    window.backfillDock()->resize(1120, 230);
    settle(500);
    ok = save(window.backfillDock()->widget(), outDir + QStringLiteral("/backfill.png")) && ok;
    window.healthDock()->show();
    settle(3500);
    ok = save(window.healthDock(), outDir + QStringLiteral("/health.png")) && ok;
    for (const BackfillJobInfo &j : fx.backfill->jobs())
        if (j.state == JobState::Running || j.state == JobState::Queued)
            (void)fx.backfill->cancel(j.id);
    window.close();
    fx.stop();
    return ok ? 0 : 4;
}
