// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/stream/subscriptionworker.h"
#include "application.h"
#include "chart/chartview.h"
#include "gapmap/gapmapview.h"
#include "mainwindow.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QImage>
#include <QLineEdit>
#include <QPointer>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace barkeep;

namespace {
struct RunningApp
{
    QTemporaryDir dir;
    std::unique_ptr<Application> app;

    bool start()
    {
        QStandardPaths::setTestModeEnabled(true);
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = {QStringLiteral("api.enabled=false")};
        app = std::make_unique<Application>(Config::load(s).config);
        return bool(app->start());
    }
    ui::AppServices services() const
    {
        ui::AppServices services{
            app->registry(), app->market(), app->orchestrator(), app->store(), 0, {}};
        services.cache = app->cache();
        services.config = app->config();
        return services;
    }
};

bool waitForSymbols(QSignalSpy &spy)
{
    return !spy.isEmpty() || spy.wait(30000);
}
} // namespace

class TstMainWindow : public QObject
{
    Q_OBJECT

    QTemporaryDir m_settingsDir;

private slots:
    void initTestCase()
    {
        // Window state goes to a throw-away QSettings location.
        QVERIFY(m_settingsDir.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("barkeep-tests"));
    }

    // The window opens (offscreen) and the chart paints demo bars fetched into SQLite.
    void opensAndPaintsDemoBars()
    {
        QTemporaryDir dir;
        QStandardPaths::setTestModeEnabled(true);
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = {QStringLiteral("api.enabled=false")};
        Application app(Config::load(s).config);
        QVERIFY(app.start());

        ui::AppServices services{
            app.registry(), app.market(), app.orchestrator(), app.store(), 0, {}};
        {
            ui::MainWindow window(services);
            QSignalSpy loaded(&window, &ui::MainWindow::barsLoaded);
            window.resize(1000, 700);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            if (loaded.isEmpty())
                QVERIFY(loaded.wait(30000));
            QVERIFY(loaded.last().at(0).toInt() > 50);
            QCOMPARE(window.currentSeries().provider, QStringLiteral("demo"));

            const QImage img = window.chart()->grab().toImage();
            QVERIFY(!img.isNull());
            // Count distinct colours: an empty chart has background + axis only; candles add the
            // rising and falling colours.
            QSet<QRgb> colours;
            for (int y = 0; y < img.height(); y += 2)
                for (int x = 0; x < img.width(); x += 2)
                    colours.insert(img.pixel(x, y));
            QVERIFY2(colours.size() > 4, "the chart paints candles");
        } // the window (and its workers) goes before the services it uses
        app.stop();
    }

    // Closing saves the window state and the series; the next window restores both.
    void restoresStateAndLastSeries()
    {
        RunningApp app;
        QVERIFY(app.start());
        const SeriesKey eth{QStringLiteral("crypto"), QStringLiteral("demo"),
                            QStringLiteral("ETH/USDT"), QStringLiteral("15m")};
        {
            ui::MainWindow w(app.services());
            QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
            QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QVERIFY(waitForSymbols(symbols));
            QVERIFY(w.selectSeries(eth));
            QTRY_COMPARE_WITH_TIMEOUT(w.currentSeries(), eth, 10000);
            QTRY_VERIFY_WITH_TIMEOUT(
                !loaded.isEmpty() && w.chart()->barDurationMs() == 15 * kMinuteMs, 30000);
            w.gapMapDock()->hide();
            w.healthDock()->show();
            w.close();
        }
        ui::MainWindow w2(app.services());
        QSignalSpy symbols(&w2, &ui::MainWindow::symbolsLoaded);
        QSignalSpy loaded(&w2, &ui::MainWindow::barsLoaded);
        w2.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w2));
        QVERIFY(waitForSymbols(symbols));
        QCOMPARE(w2.currentSeries(), eth);
        QVERIFY(w2.gapMapDock()->isHidden());
        QVERIFY(!w2.healthDock()->isHidden());
        QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 30000);
        // Put the docks back for the other tests.
        w2.gapMapDock()->show();
        w2.healthDock()->hide();
        w2.close();
    }

    // The series on screen has a live SubscriptionWorker: its forming bar becomes the chart's last
    // candle (drawn as forming); switching the series stops the old worker and starts one for
    // the new series; closing the window stops it.
    void liveFormingBar()
    {
        RunningApp app;
        QVERIFY(app.start());
        ui::AppServices services = app.services();
        services.livePollMs = 100;
        ui::MainWindow w(services);
        QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
        w.resize(1000, 700);
        w.show();
        QVERIFY(waitForSymbols(symbols));
        // 1h on the demo: the forming hour is built from the minutes closed so far (the demo
        // serves no forming minute), so it exists from the first minute of the hour on.
        const SeriesKey btc{QStringLiteral("crypto"), QStringLiteral("demo"),
                            QStringLiteral("BTC/USDT"), QStringLiteral("1h")};
        QVERIFY(w.selectSeries(btc));
        QTRY_VERIFY_WITH_TIMEOUT(w.liveWorker() && w.liveWorker()->series() == btc, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(w.liveWorker()->formingBar().has_value(), 90000);
        const Bar forming = *w.liveWorker()->formingBar();
        QTRY_COMPARE_WITH_TIMEOUT(w.chart()->formingTime(), std::optional<qint64>(forming.t),
                                  10000);
        QCOMPARE(forming.t, QDateTime::currentMSecsSinceEpoch() / kHourMs * kHourMs);
        const Bar last = w.chart()->bars().back();
        QCOMPARE(last.t, forming.t);
        QCOMPARE(last.o, forming.o);
        QVERIFY(last.h >= forming.h && last.l <= forming.l); // later polls only widen it

        // Another series: the old worker is gone (its timer with it), a new one watches ETH.
        QPointer<SubscriptionWorker> old = w.liveWorker();
        const SeriesKey eth = btc.withTimeframe(QStringLiteral("1h"));
        SeriesKey ethKey = eth;
        ethKey.symbol = QStringLiteral("ETH/USDT");
        QVERIFY(w.selectSeries(ethKey));
        QTRY_VERIFY_WITH_TIMEOUT(old.isNull(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(w.liveWorker() && w.liveWorker()->series() == ethKey, 30000);
        QVERIFY(!w.chart()->formingTime() || w.chart()->bars().back().t == *w.chart()->formingTime());

        QPointer<SubscriptionWorker> current = w.liveWorker();
        w.close();
        QVERIFY(current.isNull());
        QVERIFY(!w.liveWorker());
    }

    // The timeframe box takes any N-minute timeframe and refuses what Timeframe::parse refuses.
    void customTimeframe()
    {
        RunningApp app;
        QVERIFY(app.start());
        ui::MainWindow w(app.services());
        QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        w.show();
        QVERIFY(waitForSymbols(symbols));
        QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 30000);
        QLineEdit *edit = w.timeframeBox()->lineEdit();
        edit->setText(QStringLiteral("7m"));
        emit edit->editingFinished();
        QCOMPARE(w.currentSeries().timeframe, QStringLiteral("7m"));
        QTRY_COMPARE_WITH_TIMEOUT(w.chart()->barDurationMs(), 7 * kMinuteMs, 30000);
        edit->setText(QStringLiteral("banana"));
        emit edit->editingFinished();
        QCOMPARE(w.currentSeries().timeframe, QStringLiteral("7m"));
        edit->setText(QStringLiteral("90m"));
        emit edit->editingFinished();
        QCOMPARE(w.currentSeries().timeframe, QStringLiteral("90m"));
        QTRY_COMPARE_WITH_TIMEOUT(w.chart()->barDurationMs(), 90 * kMinuteMs, 30000);
    }

    // Scrolling back past what is loaded fetches that range through the orchestrator.
    void lazyLoadsTheVisibleRange()
    {
        RunningApp app;
        QVERIFY(app.start());
        ui::MainWindow w(app.services());
        QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        w.resize(1000, 700);
        w.show();
        QVERIFY(waitForSymbols(symbols));
        QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 30000);
        const qint64 first = w.chart()->bars().front().t;
        const size_t before = w.chart()->bars().size();
        QSignalSpy range(&w, &ui::MainWindow::rangeLoaded);
        const qint64 span = w.chart()->visibleRange().length();
        w.chart()->setVisibleRange({first - span, first});
        QVERIFY(range.wait(30000));
        const TimeRange r = range.first().at(0).value<TimeRange>();
        QVERIFY(r.to <= first + w.chart()->barDurationMs());
        QVERIFY(r.from < first);
        QVERIFY(w.chart()->bars().size() > before);
        QVERIFY(w.chart()->bars().front().t < first);
    }

    // The gap map's double-click opens the chart at that time.
    void opensTheChartAtATime()
    {
        RunningApp app;
        QVERIFY(app.start());
        ui::MainWindow w(app.services());
        QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        w.resize(1000, 700);
        w.show();
        QVERIFY(waitForSymbols(symbols));
        QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 30000);
        const int before = int(loaded.size());
        const qint64 t = 1709596800000 + 5 * kHourMs; // 2024-03-05 05:00
        const SeriesKey sol{QStringLiteral("crypto"), QStringLiteral("demo"),
                            QStringLiteral("SOL/USDT"), QStringLiteral("1m")};
        emit w.gapMap()->openChartRequested(sol, t);
        QTRY_VERIFY_WITH_TIMEOUT(
            loaded.size() > before && w.currentSeries().symbol == QLatin1String("SOL/USDT"), 30000);
        QCOMPARE(w.currentSeries().symbol, QStringLiteral("SOL/USDT"));
        QVERIFY(w.chart()->visibleRange().contains(t));
        QVERIFY(w.gapMap()->series().contains(sol));
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
