// SPDX-License-Identifier: GPL-3.0-or-later
#include "services/subscriptionworker.h"
#include "application.h"
#include "chart/chartview.h"
#include "demogenerator.h"
#include "gapmap/gapmapview.h"
#include "livebarfeed.h"
#include "mainwindow.h"
#include "plugin/pluginregistry.h"
#include "storage/store.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QImage>
#include <QLineEdit>
#include <QPointer>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QStandardItemModel>
#include <QTest>
#include <QThread>
#include <QTimeZone>

#include <atomic>

using namespace barkeep;
using namespace Qt::StringLiterals;

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

// Shows `w` (at `size` when valid) and waits for its symbols and its first bars, which
// `loaded` (a spy on barsLoaded made before) then holds.
bool showAndLoad(ui::MainWindow &w, QSignalSpy &loaded, QSize size = {})
{
    QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
    if (size.isValid())
        w.resize(size);
    w.show();
    return waitForSymbols(symbols) && (!loaded.isEmpty() || loaded.wait(30000));
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

    // Providers that cannot be used (disabled, missing credentials) are listed greyed out with
    // the reason as a tooltip, instead of missing without a word (issue 21).
    void unusableProvidersGreyedOut()
    {
        QTemporaryDir dir;
        QStandardPaths::setTestModeEnabled(true);
        ConfigSources s;
        s.dataDir = dir.path();
        s.sets = {QStringLiteral("api.enabled=false"), QStringLiteral("providers.binance.enabled=false")};
        Application app(Config::load(s).config);
        QVERIFY(app.start());
        ui::AppServices services{app.registry(), app.market(), app.orchestrator(), app.store(), 0, {}};
        services.config = app.config();
        ui::MainWindow window(services);
        QComboBox *providers = nullptr;
        for (QComboBox *c : window.findChildren<QComboBox *>())
            if (c->findData(QStringList{QStringLiteral("crypto"), QStringLiteral("demo")}) >= 0)
                providers = c;
        QVERIFY(providers);
        auto *model = qobject_cast<QStandardItemModel *>(providers->model());
        QVERIFY(model);
        const int binance = providers->findData(QStringList{QStringLiteral("crypto"), QStringLiteral("binance")});
        QVERIFY(binance >= 0);
        QVERIFY(!model->item(binance)->isEnabled());
        QVERIFY(providers->itemData(binance, Qt::ToolTipRole).toString().contains(QStringLiteral("providers.binance.enabled")));
        const int demo = providers->findData(QStringList{QStringLiteral("crypto"), QStringLiteral("demo")});
        QVERIFY(model->item(demo)->isEnabled());
        QCOMPARE(providers->currentIndex(), demo);
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
            // Issue 17: the readout knows where each bar came from (the demo serves 1m only:
            // its 1m bars are its own candles, anything coarser is a rollup of them).
            const Bars &shown = window.chart()->bars();
            const QString source = window.chart()->sourceAt(shown.front().t);
            const QString expected = window.currentSeries().timeframe == QLatin1String("1m")
                ? QStringLiteral("native:1m") : QStringLiteral("rollup:1m");
            QVERIFY2(source == expected || source == QLatin1String("cache"), qPrintable(source));
            QCOMPARE(window.chart()->sourceAt(shown.back().t + 1000 * kDayMs), QString());

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

    // The series on screen has a live SubscriptionWorker on the window's live thread (not the
    // GUI thread): its forming bar becomes the chart's last candle (drawn as forming) through
    // queued signals and keeps updating as minutes close; the closed bucket turns final;
    // switching the series stops the old worker and starts one for the new series; closing the
    // window stops it.
    void liveFormingBar()
    {
        RunningApp app;
        QVERIFY(app.start());
        ui::AppServices services = app.services();
        services.livePollMs = 100;
        // A clock the test moves (read on the live thread): ten minutes into an hour three
        // hours ago, so every minute the test closes is history the demo has.
        // Not in one of the demo's simulated outages (whole hours): the next hour forms too.
        const demo::DemoGenerator demoData;
        qint64 hour = (QDateTime::currentMSecsSinceEpoch() / kHourMs - 3) * kHourMs;
        while (demoData.isOutage(hour) || demoData.isOutage(hour + kHourMs))
            hour -= kHourMs;
        std::atomic<qint64> fakeNow{hour + 10 * kMinuteMs + 30'000};
        services.clock = [&fakeNow] { return fakeNow.load(); };
        ui::MainWindow w(services);
        QSignalSpy symbols(&w, &ui::MainWindow::symbolsLoaded);
        QSignalSpy applied(&w, &ui::MainWindow::liveBarApplied);
        w.resize(1000, 700);
        w.show();
        QVERIFY(waitForSymbols(symbols));
        // 1h on the demo: the forming hour is built from the minutes closed so far (the demo
        // serves no forming minute).
        const SeriesKey btc{QStringLiteral("crypto"), QStringLiteral("demo"),
                            QStringLiteral("BTC/USDT"), QStringLiteral("1h")};
        QVERIFY(w.selectSeries(btc));
        QTRY_VERIFY_WITH_TIMEOUT(w.liveWorker() && w.liveWorker()->series() == btc, 30000);
        // Off the GUI thread, on the feed's own thread.
        QVERIFY(w.liveWorker()->thread() != QThread::currentThread());
        QVERIFY(w.liveWorker()->thread() != qApp->thread());
        QCOMPARE(w.liveWorker()->thread(), w.liveFeed()->workerThread());
        QVERIFY(w.liveFeed()->workerThread()->isRunning());

        const auto lastApplied = [&applied](bool final) -> std::optional<Bar> {
            for (qsizetype i = applied.size() - 1; i >= 0; --i)
                if (applied.at(i).at(1).toBool() == final)
                    return applied.at(i).at(0).value<Bar>();
            return std::nullopt;
        };
        // The chart's candle at t (the load already holds the hours after the fake now).
        const auto chartBar = [&w](qint64 t) -> std::optional<Bar> {
            const Bars &bars = w.chart()->bars();
            const auto it = std::find_if(bars.cbegin(), bars.cend(),
                                         [t](const Bar &b) { return b.t == t; });
            return it == bars.cend() ? std::nullopt : std::optional<Bar>(*it);
        };
        QTRY_VERIFY_WITH_TIMEOUT(lastApplied(false).has_value(), 30000);
        const Bar forming = *lastApplied(false);
        QCOMPARE(forming.t, hour);
        QCOMPARE(w.chart()->formingTime(), std::optional<qint64>(hour));
        QCOMPARE(chartBar(hour), std::optional<Bar>(forming));

        // Another minute closes: the same forming candle grows (the volume sums the minutes).
        fakeNow += kMinuteMs;
        QTRY_VERIFY_WITH_TIMEOUT(lastApplied(false) && lastApplied(false)->v > forming.v, 30000);
        const Bar grown = *lastApplied(false);
        QCOMPARE(grown.t, hour);
        QCOMPARE(grown.o, forming.o);
        QVERIFY(grown.h >= forming.h && grown.l <= forming.l);
        QCOMPARE(chartBar(hour), std::optional<Bar>(grown));
        QCOMPARE(w.chart()->formingTime(), std::optional<qint64>(hour));

        // The hour closes: it arrives final, and the next hour forms.
        fakeNow = hour + kHourMs + kMinuteMs + 30'000;
        QTRY_VERIFY_WITH_TIMEOUT(lastApplied(true) && lastApplied(true)->t == hour, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(w.chart()->formingTime(),
                                  std::optional<qint64>(hour + kHourMs), 30000);
        QCOMPARE(chartBar(hour), lastApplied(true));

        // Another series: the old worker is gone (its timer with it), a new one watches ETH.
        QPointer<SubscriptionWorker> old = w.liveWorker();
        SeriesKey ethKey = btc;
        ethKey.symbol = QStringLiteral("ETH/USDT");
        QVERIFY(w.selectSeries(ethKey));
        QTRY_VERIFY_WITH_TIMEOUT(old.isNull(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(w.liveWorker() && w.liveWorker()->series() == ethKey, 30000);
        QVERIFY(!w.chart()->formingTime() || chartBar(*w.chart()->formingTime()));
        QCOMPARE(w.liveWorker()->thread(), w.liveFeed()->workerThread());

        QPointer<SubscriptionWorker> current = w.liveWorker();
        w.close();
        QVERIFY(current.isNull());
        QVERIFY(!w.liveWorker());
        QVERIFY(!w.liveFeed()->workerThread()->isRunning());
    }

    // The "exchange" time zone is the market's clock from the plugin metadata: UTC for crypto
    // venues, New York for Alpaca's stocks; the box names the zone it uses.
    void exchangeTimeZone()
    {
        RunningApp app;
        QVERIFY(app.start());
        const PluginRegistry *registry = app.app->registry();
        using ui::MainWindow;
        QCOMPARE(MainWindow::exchangeTimeZone(registry, u"crypto"_s, u"demo"_s), QTimeZone::utc());
        QCOMPARE(MainWindow::exchangeTimeZone(registry, u"crypto"_s, u"nope"_s), QTimeZone::utc());
        QCOMPARE(MainWindow::exchangeTimeZone(nullptr, u"stocks"_s, u"alpaca"_s), QTimeZone::utc());
        if (registry->provider(u"stocks"_s, u"alpaca"_s)) {
            QCOMPARE(MainWindow::exchangeTimeZone(registry, u"stocks"_s, u"alpaca"_s).id(),
                     QByteArray("America/New_York"));
            QCOMPARE(MainWindow::exchangeTimeZone(registry, u"crypto"_s, u"alpaca"_s),
                     QTimeZone::utc());
        }

        MainWindow w(app.services());
        QSignalSpy symbols(&w, &MainWindow::symbolsLoaded);
        w.show();
        QVERIFY(waitForSymbols(symbols));
        QCOMPARE(w.currentSeries().provider, u"demo"_s);
        QComboBox *zones = w.timeZoneBox();
        const int exchange = zones->findData(QByteArray("exchange"));
        QVERIFY(exchange >= 0);
        QCOMPARE(zones->itemText(exchange), u"Exchange (UTC)"_s);
        zones->setCurrentIndex(zones->findData(QByteArray()));
        QCOMPARE(w.chart()->timeZone(), QTimeZone::systemTimeZone());
        zones->setCurrentIndex(exchange);
        QCOMPARE(w.chart()->timeZone(), QTimeZone::utc());
        zones->setCurrentIndex(0); // the next tests start in UTC
        QCOMPARE(w.chart()->timeZone(), QTimeZone::utc());
        w.close();
    }

    // Issue 17: a daily chart served from stored daily candles is not shaded as never fetched
    // although no minute of those days was ever fetched (the shading is what neither the
    // chart's own series nor its 1m series covers), and its readout says native:1d.
    void nativeDailyChartIsCovered()
    {
        RunningApp app;
        QVERIFY(app.start());
        const qint64 today = QDateTime::currentMSecsSinceEpoch() / kDayMs * kDayMs;
        const SeriesKey daily{u"crypto"_s, u"demo"_s, u"BTC/USDT"_s, u"1d"_s};
        Bars days;
        const qint64 first = today - 200 * kDayMs;
        for (qint64 t = first; t < today; t += kDayMs)
            days.push_back(Bar{t, 100, 110, 90, 105, 1000});
        QVERIFY(app.app->store()->writeBars(daily, days, {first, today}));

        ui::MainWindow w(app.services());
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        QVERIFY(showAndLoad(w, loaded));
        loaded.clear();
        QSignalSpy shaded(w.chart(), &ui::ChartView::uncoveredRangesChanged);
        QVERIFY(w.selectSeries(daily));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(w.currentSeries().timeframe, u"1d"_s);
        QCOMPARE(w.chart()->sourceAt(today - 10 * kDayMs), u"native:1d"_s);
        // The shading is computed after the load: wait for it, then no stored day is shaded.
        QVERIFY(!shaded.isEmpty() || shaded.wait(10000));
        for (const TimeRange &r : w.chart()->uncoveredRanges())
            QVERIFY2(r.to <= first || r.from >= today,
                     qPrintable(u"shaded %1 – %2"_s.arg(r.from).arg(r.to)));
        w.close();
    }

    // The timeframe box takes any N-minute timeframe and refuses what Timeframe::parse refuses.
    void customTimeframe()
    {
        RunningApp app;
        QVERIFY(app.start());
        ui::MainWindow w(app.services());
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        QVERIFY(showAndLoad(w, loaded));
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
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        QVERIFY(showAndLoad(w, loaded, QSize(1000, 700)));
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
        QSignalSpy loaded(&w, &ui::MainWindow::barsLoaded);
        QVERIFY(showAndLoad(w, loaded, QSize(1000, 700)));
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
