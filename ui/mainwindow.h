// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chart/chartloader.h"
#include "config/config.h"
#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <QMainWindow>
#include <QPointer>
#include <QThreadPool>
#include <QTimeZone>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QCompleter;
class QDockWidget;
class QLabel;

namespace barkeep {
class PluginRegistry;
class MarketService;
class DataOrchestrator;
class BarStore;
class BarCache;
class BackfillManager;
class ApiMetrics;
class SubscriptionWorker;
} // namespace barkeep

namespace barkeep::ui {

class ChartView;
class GapMapView;
class BackfillPanel;
class HealthPanel;
class LiveBarFeed;

// The services the window uses; owned by the Application (filled by GuiLauncher).
struct AppServices
{
    PluginRegistry *registry = nullptr;
    MarketService *market = nullptr;
    DataOrchestrator *orchestrator = nullptr;
    BarStore *store = nullptr;
    quint16 apiPort = 0;
    QByteArray apiToken;
    // Optional: panels that need them are disabled or show less without.
    BarCache *cache = nullptr;
    BackfillManager *backfill = nullptr;
    Config config;      // what is in force (the settings dialog starts from it)
    QString configFile; // where the settings dialog writes
    QString tokenFile;  // the API token file; empty when api.token is set
    std::function<Result<QByteArray>()> regenerateToken;
    // The live forming bar: a SubscriptionWorker for the series on screen polls (or streams)
    // every livePollMs, on the window's live thread (LiveBarFeed); 0 turns it off. Tests move
    // the clock (null = the system clock); it is called on that thread.
    int livePollMs = 3000;
    std::function<qint64()> clock;
    ApiMetrics *metrics = nullptr; // optional; the worker counts its upstream in it
};

// The main window: a provider/symbol/timeframe picker over the chart, with docks for the gap
// map, the backfill jobs and the data health. Data loads through the orchestrator on worker
// threads (QtConcurrent + QFuture::then back to this window); generation counters drop
// answers to selections that were replaced meanwhile. The GUI thread only draws and reacts.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const AppServices &services, QWidget *parent = nullptr);
    ~MainWindow() override;

    ChartView *chart() const { return m_chart; }
    GapMapView *gapMap() const { return m_gapMap; }
    BackfillPanel *backfillPanel() const { return m_backfillPanel; }
    HealthPanel *healthPanel() const { return m_health; }
    QDockWidget *gapMapDock() const { return m_gapDock; }
    QDockWidget *backfillDock() const { return m_backfillDock; }
    QDockWidget *healthDock() const { return m_healthDock; }
    QComboBox *symbolBox() const { return m_symbol; }
    QComboBox *timeframeBox() const { return m_timeframe; }
    // UTC, Local, and the exchange's zone (its text names the zone).
    QComboBox *timeZoneBox() const { return m_timeZone; }

    // The clock a provider's market keeps (ProviderInfo::timeZone from the plugin metadata);
    // UTC when the registry does not know the provider or the zone.
    static QTimeZone exchangeTimeZone(const PluginRegistry *registry, const QString &market,
                                      const QString &provider);

    SeriesKey currentSeries() const;
    // Selects a series (provider, symbol, timeframe); loads it. False if the provider is unknown.
    bool selectSeries(const SeriesKey &series);
    // Loads the current series around now (or around a pending focus time).
    void reload();
    // Opens the chart of `series` with t in the middle of the view.
    void openChartAt(const SeriesKey &series, qint64 t);
    // Saves window state and the current series (also done on close).
    void saveState();
    // The subscription feeding the chart's forming bar (null while loading or when off). It
    // lives on liveFeed()'s thread, not the GUI thread.
    SubscriptionWorker *liveWorker() const;
    LiveBarFeed *liveFeed() const { return m_live.get(); }

signals:
    void barsLoaded(int count);
    // A lazily loaded chunk was merged into the chart.
    void rangeLoaded(barkeep::TimeRange range, int count);
    void symbolsLoaded();
    // A live bar of the series on screen reached the chart.
    void liveBarApplied(barkeep::Bar bar, bool final);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    // Own workers: store and provider calls may block for seconds, and the destructor waits
    // for them so no task outlives the services it uses.
    QThreadPool m_pool;
    void createActions();
    void createDocks();
    void populateProviders();
    void populateSymbols();
    void applyTimeframeText();
    // The exchange entry follows the provider shown; applies the chosen zone to the chart.
    void updateExchangeTimeZone();
    void applyTimeZone();
    void onVisibleRangeChanged(TimeRange range);
    void loadRange(TimeRange range);
    void refreshUncovered();
    void startLive(const SeriesKey &series);
    void stopLive();
    void onLiveBar(const SeriesKey &key, const Bar &bar, bool final);
    qint64 now() const;
    void showAbout();
    void showSettings();
    void setStatus(const QString &text);

    AppServices m_services;
    ChartLoader m_loader; // reads on m_pool, hands the freed heap back after large loads
    QComboBox *m_provider = nullptr;
    QComboBox *m_symbol = nullptr;
    QCompleter *m_symbolCompleter = nullptr;
    QComboBox *m_timeframe = nullptr;
    QComboBox *m_timeZone = nullptr;
    ChartView *m_chart = nullptr;
    GapMapView *m_gapMap = nullptr;
    BackfillPanel *m_backfillPanel = nullptr;
    HealthPanel *m_health = nullptr;
    QDockWidget *m_gapDock = nullptr;
    QDockWidget *m_backfillDock = nullptr;
    QDockWidget *m_healthDock = nullptr;
    QLabel *m_status = nullptr;
    QAction *m_logAction = nullptr;
    QString m_pendingSymbol;           // restored or requested before the symbol list arrived
    std::optional<qint64> m_focusTime; // open the chart around this time once loaded
    quint64 m_loadGeneration = 0;      // bumps when the series changes
    quint64 m_symbolGeneration = 0;
    quint64 m_uncoveredGeneration = 0;
    TimeRange m_loaded; // what the chart holds for the current series
    bool m_rangeLoading = false;
    std::optional<TimeRange> m_wantedRange; // a visible range seen while a load ran
    qint64 m_barMs = 0;
    // Declared after m_pool: destroyed first (its thread joined, the worker deleted there),
    // while the pool still waits for the worker's fetches.
    std::unique_ptr<LiveBarFeed> m_live;
};

} // namespace barkeep::ui
