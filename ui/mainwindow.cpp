// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"
#include "util/whenfinished.h"

#include "services/subscriptionworker.h"

#include "backfill/backfillpanel.h"
#include "chart/chartview.h"
#include "gapmap/gapmapview.h"
#include "health/healthpanel.h"
#include "livebarfeed.h"
#include "model/timeframe.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "storage/coverageledger.h"
#include "services/marketservice.h"
#include "settings/settingsdialog.h"
#include "storage/barstore.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QCompleter>
#include <QDateTime>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTimeZone>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace barkeep::ui {

namespace {
// A lazily loaded chunk holds at most this many bars: scrolling far back loads step by step
// instead of asking a provider for years of minutes at once.
constexpr qint64 kChunkBars = 5000;
constexpr qint64 kFocusBars = 150;
// Item data of the time zone box's exchange entry (the others hold a zone id; empty = local).
constexpr char kExchangeZone[] = "exchange";

QString providerLabel(const ProviderInfo &p)
{
    return QStringLiteral("%1 · %2").arg(p.name, p.market);
}
} // namespace

MainWindow::MainWindow(const AppServices &services, QWidget *parent)
    : QMainWindow(parent)
    , m_services(services)
    , m_loader(services.orchestrator, &m_pool)
{
    // Symbol lists, chart loads and gap queries may each wait on a provider.
    m_pool.setMaxThreadCount(4);
    m_live = std::make_unique<LiveBarFeed>();
    connect(m_live.get(), &LiveBarFeed::barReady, this, &MainWindow::onLiveBar);
    connect(m_live.get(), &LiveBarFeed::pollFailed, this,
            [this](const SeriesKey &key, const QString &message) {
                if (key == currentSeries())
                    setStatus(tr("Live update failed, retrying: %1").arg(message));
            });
    QGuiApplication::setApplicationDisplayName(tr("Barkeep"));
    setWindowTitle(tr("Barkeep"));
    setWindowIcon(QIcon(QStringLiteral(":/barkeep/icons/barkeep.svg")));
    resize(1400, 900);

    auto *bar = addToolBar(tr("Series"));
    bar->setObjectName(QStringLiteral("seriesToolBar"));
    bar->addWidget(new QLabel(tr("Provider ")));
    m_provider = new QComboBox;
    m_provider->setToolTip(tr("Market data provider"));
    bar->addWidget(m_provider);
    bar->addWidget(new QLabel(tr("  Symbol ")));
    m_symbol = new QComboBox;
    m_symbol->setEditable(true);
    m_symbol->setInsertPolicy(QComboBox::NoInsert);
    m_symbol->setMinimumContentsLength(12);
    m_symbol->lineEdit()->setPlaceholderText(tr("Search…"));
    m_symbol->setToolTip(tr("Type to search the provider's symbols (Ctrl+F)"));
    // Search anywhere in the name ("usdt" finds every USDT pair), not only the prefix.
    m_symbolCompleter = new QCompleter(m_symbol->model(), this);
    m_symbolCompleter->setCaseSensitivity(Qt::CaseInsensitive);
    m_symbolCompleter->setFilterMode(Qt::MatchContains);
    m_symbolCompleter->setCompletionMode(QCompleter::PopupCompletion);
    m_symbol->setCompleter(m_symbolCompleter);
    bar->addWidget(m_symbol);
    bar->addWidget(new QLabel(tr("  Timeframe ")));
    m_timeframe = new QComboBox;
    m_timeframe->setEditable(true);
    m_timeframe->setInsertPolicy(QComboBox::NoInsert);
    m_timeframe->addItems(Timeframe::standardNames());
    m_timeframe->setToolTip(tr("1m … 1M, or any number of minutes such as 7m or 90m (Ctrl+T)"));
    bar->addWidget(m_timeframe);
    bar->addWidget(new QLabel(tr("  Time zone ")));
    m_timeZone = new QComboBox;
    m_timeZone->addItem(tr("UTC"), QByteArray("UTC"));
    m_timeZone->addItem(tr("Local"), QByteArray());
    // The exchange's own clock: UTC for crypto venues, New York for US stocks (from the
    // provider's plugin metadata); its text names the zone (updateExchangeTimeZone()).
    m_timeZone->addItem(tr("Exchange"), QByteArray(kExchangeZone));
    m_timeZone->setToolTip(tr("The clock of the time axis: UTC, this computer's time zone, or "
                              "the time zone of the market the provider serves"));
    bar->addWidget(m_timeZone);

    m_chart = new ChartView;
    setCentralWidget(m_chart);
    m_status = new QLabel;
    statusBar()->addWidget(m_status, 1);
    if (services.apiPort)
        statusBar()->addPermanentWidget(
            new QLabel(tr("API: http://127.0.0.1:%1/api/v1/").arg(services.apiPort)));

    createDocks();
    createActions();
    bar->addSeparator();
    bar->addAction(m_logAction);

    QSettings settings;
    const QStringList provider = settings.value(QStringLiteral("series/provider")).toStringList();
    m_pendingSymbol = settings.value(QStringLiteral("series/symbol")).toString();
    const QString tf
        = settings.value(QStringLiteral("series/timeframe"), QStringLiteral("1h")).toString();
    if (m_timeframe->findText(tf) < 0 && Timeframe::parse(tf))
        m_timeframe->addItem(tf);
    m_timeframe->setCurrentIndex(std::max(0, m_timeframe->findText(tf)));
    m_timeZone->setCurrentIndex(
        std::clamp(settings.value(QStringLiteral("chart/timeZone"), 0).toInt(), 0, 2));
    m_logAction->setChecked(settings.value(QStringLiteral("chart/log"), false).toBool());
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());

    populateProviders();
    if (!provider.isEmpty()) {
        const int i = m_provider->findData(provider);
        if (i >= 0) {
            const QSignalBlocker block(m_provider);
            m_provider->setCurrentIndex(i);
        }
    }
    updateExchangeTimeZone();
    m_chart->setLogScale(m_logAction->isChecked());

    connect(m_provider, &QComboBox::currentIndexChanged, this, [this] {
        updateExchangeTimeZone();
        m_pendingSymbol = m_symbol->currentText();
        populateSymbols();
    });
    connect(m_symbol, &QComboBox::currentIndexChanged, this, &MainWindow::reload);
    connect(m_symbol->lineEdit(), &QLineEdit::editingFinished, this, [this] {
        // A typed symbol: pick the entry that matches it whatever the case.
        const int i = m_symbol->findText(m_symbol->currentText().trimmed(), Qt::MatchFixedString);
        if (i >= 0 && i != m_symbol->currentIndex())
            m_symbol->setCurrentIndex(i);
        else if (i < 0 && m_symbol->currentIndex() >= 0)
            setStatus(tr("%1 has no symbol \"%2\"")
                          .arg(m_provider->currentText(), m_symbol->currentText()));
    });
    connect(m_timeframe, &QComboBox::currentIndexChanged, this, &MainWindow::reload);
    connect(m_timeframe->lineEdit(), &QLineEdit::editingFinished, this,
            &MainWindow::applyTimeframeText);
    connect(m_timeZone, &QComboBox::currentIndexChanged, this, &MainWindow::applyTimeZone);
    connect(m_chart, &ChartView::visibleRangeChanged, this, &MainWindow::onVisibleRangeChanged);

    populateSymbols();
    if (m_gapMap)
        m_gapMap->reloadSeries();
}

MainWindow::~MainWindow()
{
    m_live->shutdown();
}

qint64 MainWindow::now() const
{
    return m_services.clock ? m_services.clock() : QDateTime::currentMSecsSinceEpoch();
}

SubscriptionWorker *MainWindow::liveWorker() const
{
    return m_live->worker();
}

void MainWindow::startLive(const SeriesKey &series)
{
    stopLive();
    if (m_services.livePollMs <= 0 || !m_services.orchestrator || !m_services.market
        || !Timeframe::parse(series.timeframe))
        return;
    // Fetches share the window's pool: its destructor waits for them.
    m_live->start(series, {m_services.orchestrator, m_services.market, &m_pool,
                           m_services.metrics, m_services.clock, m_services.livePollMs});
}

void MainWindow::onLiveBar(const SeriesKey &key, const Bar &bar, bool final)
{
    if (key != currentSeries() || key != m_live->series())
        return;
    // Only next to what the chart holds: a chart opened in the past does not get a lone candle
    // at now; scrolling there loads up to now and the next bar lands.
    if (m_loaded.isEmpty() || bar.t > m_loaded.to)
        return;
    m_chart->applyLiveBar(bar, final);
    m_loaded.to = std::max(m_loaded.to, bar.t + m_barMs);
    emit liveBarApplied(bar, final);
}

void MainWindow::stopLive()
{
    // The worker is deleted on the live thread (its timer and stream with it); bars it queued
    // before are dropped by the feed.
    m_live->stop();
}

void MainWindow::createDocks()
{
    setDockNestingEnabled(true);
    // Gap map: the view plus its actions in a small tool bar.
    m_gapMap = new GapMapView(m_services.store);
    m_gapMap->setBackfillManager(m_services.backfill);
    auto *gapPanel = new QWidget;
    auto *gapBar = new QToolBar;
    gapBar->setIconSize(QSize(16, 16));
    gapBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (QAction *a : m_gapMap->actions())
        gapBar->addAction(a);
    if (!m_services.backfill)
        m_gapMap->backfillAction()->setToolTip(tr("Backfill is not available in this session"));
    auto *gapLayout = new QVBoxLayout(gapPanel);
    gapLayout->setContentsMargins(0, 0, 0, 0);
    gapLayout->setSpacing(0);
    gapLayout->addWidget(gapBar);
    gapLayout->addWidget(m_gapMap, 1);
    m_gapDock = new QDockWidget(tr("Gap map"), this);
    m_gapDock->setObjectName(QStringLiteral("gapMapDock"));
    m_gapDock->setWidget(gapPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_gapDock);
    connect(m_gapMap, &GapMapView::openChartRequested, this, &MainWindow::openChartAt);
    connect(m_gapMap, &GapMapView::statusMessage, this, &MainWindow::setStatus);
    connect(m_gapMap, &GapMapView::backfillSubmitted, this, [this](const QList<qint64> &ids) {
        if (!ids.isEmpty() && m_backfillDock->isHidden())
            m_backfillDock->show();
    });

    m_backfillPanel = new BackfillPanel;
    m_backfillPanel->setManager(m_services.backfill);
    m_backfillDock = new QDockWidget(tr("Backfill jobs"), this);
    m_backfillDock->setObjectName(QStringLiteral("backfillDock"));
    m_backfillDock->setWidget(m_backfillPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_backfillDock);
    splitDockWidget(m_gapDock, m_backfillDock, Qt::Horizontal);
    connect(m_backfillPanel, &BackfillPanel::statusMessage, this, &MainWindow::setStatus);

    HealthPanel::Sources sources{m_services.registry, m_services.market, m_services.cache,
                                 m_services.orchestrator, m_services.backfill, m_services.store};
    m_health = new HealthPanel(sources);
    m_healthDock = new QDockWidget(tr("Data health"), this);
    m_healthDock->setObjectName(QStringLiteral("healthDock"));
    m_healthDock->setWidget(m_health);
    addDockWidget(Qt::RightDockWidgetArea, m_healthDock);
    m_healthDock->hide();
    resizeDocks({m_gapDock, m_backfillDock}, {900, 500}, Qt::Horizontal);
    resizeDocks({m_gapDock}, {260}, Qt::Vertical);
}

void MainWindow::createActions()
{
    auto *file = menuBar()->addMenu(tr("&File"));
    QAction *settings = file->addAction(QIcon::fromTheme(QStringLiteral("configure")),
                                        tr("&Settings…"), this, &MainWindow::showSettings);
    settings->setShortcuts({QKeySequence(tr("Ctrl+,")), QKeySequence::Preferences});
    file->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Reload"),
                    QKeySequence::Refresh, this, &MainWindow::reload);
    file->addSeparator();
    file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"),
                    QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    auto *view = menuBar()->addMenu(tr("&View"));
    QAction *find = view->addAction(tr("Find &symbol"), QKeySequence::Find, this, [this] {
        m_symbol->setFocus(Qt::ShortcutFocusReason);
        m_symbol->lineEdit()->selectAll();
    });
    find->setShortcutContext(Qt::WindowShortcut);
    view->addAction(tr("Choose &timeframe"), QKeySequence(tr("Ctrl+T")), this, [this] {
        m_timeframe->setFocus(Qt::ShortcutFocusReason);
        m_timeframe->lineEdit()->selectAll();
    });
    view->addAction(tr("&Fit all"), QKeySequence(tr("Ctrl+0")), this,
                    [this] { m_chart->fitAll(); });
    m_logAction = view->addAction(tr("&Log scale"));
    m_logAction->setCheckable(true);
    m_logAction->setShortcut(QKeySequence(tr("Ctrl+L")));
    connect(m_logAction, &QAction::toggled, m_chart, &ChartView::setLogScale);
    view->addSeparator();
    const QPair<QDockWidget *, QString> docks[]
        = {{m_gapDock, tr("Ctrl+1")}, {m_backfillDock, tr("Ctrl+2")}, {m_healthDock, tr("Ctrl+3")}};
    for (const auto &[dock, key] : docks) {
        QAction *toggle = dock->toggleViewAction();
        toggle->setShortcut(QKeySequence(key));
        view->addAction(toggle);
    }

    auto *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(QIcon(QStringLiteral(":/barkeep/icons/barkeep.svg")), tr("&About Barkeep"),
                    this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::populateProviders()
{
    const QSignalBlocker block(m_provider);
    m_provider->clear();
    if (!m_services.registry)
        return;
    auto *model = qobject_cast<QStandardItemModel *>(m_provider->model());
    for (const ProviderInfo &p : m_services.registry->providers()) {
        m_provider->addItem(providerLabel(p), QStringList{p.market, p.id});
        const int row = m_provider->count() - 1;
        if (!p.reachesFullHistory && !p.historyNote.isEmpty())
            m_provider->setItemData(row, p.historyNote, Qt::ToolTipRole);
        // Disabled or missing its credentials: listed, greyed out, with what to change.
        VoidResult usable;
        if (m_services.market)
            usable = m_services.market->usable(p);
        else if (!m_services.config.keys().isEmpty() && !m_services.config.providerEnabled(p.id))
            usable = Error(Error::Kind::Conflict, tr("provider '%1' is disabled").arg(p.id));
        if (!usable && model) {
            model->item(row)->setEnabled(false);
            m_provider->setItemData(row, tr("Not available: %1").arg(usable.error().message()), Qt::ToolTipRole);
        }
    }
    const int demo
        = m_provider->findData(QStringList{QStringLiteral("crypto"), QStringLiteral("demo")});
    if (demo >= 0)
        m_provider->setCurrentIndex(demo);
}

void MainWindow::populateSymbols()
{
    const QStringList mp = m_provider->currentData().toStringList();
    {
        const QSignalBlocker block(m_symbol);
        m_symbol->clear();
    }
    if (mp.size() != 2 || !m_services.market)
        return;
    const quint64 generation = ++m_symbolGeneration;
    setStatus(tr("Loading the symbols of %1 …").arg(m_provider->currentText()));
    MarketService *market = m_services.market;
    // Symbol lists of remote providers need the network: never on the GUI thread.
    runAsync(
        &m_pool, this,
        [market, mp] {
            Result<std::shared_ptr<MarketPlugin>> plugin = market->plugin(mp[0], mp[1]);
            if (!plugin)
                return Result<QList<SymbolInfo>>(plugin.error());
            return (*plugin)->symbols();
        },
        [this, generation](const Result<QList<SymbolInfo>> &symbols) {
            if (generation != m_symbolGeneration)
                return; // another provider was picked meanwhile
            if (!symbols) {
                setStatus(symbols.error().userMessage());
                return;
            }
            QStringList names;
            for (const SymbolInfo &s : *symbols)
                names << s.symbol;
            {
                const QSignalBlocker block(m_symbol);
                m_symbol->addItems(names);
                const int i = m_symbol->findText(m_pendingSymbol, Qt::MatchFixedString);
                m_symbol->setCurrentIndex(i >= 0 ? i : (names.isEmpty() ? -1 : 0));
            }
            m_pendingSymbol.clear();
            setStatus(tr("%n symbol(s)", nullptr, int(names.size())));
            emit symbolsLoaded();
            reload();
        });
}

QTimeZone MainWindow::exchangeTimeZone(const PluginRegistry *registry, const QString &market,
                                       const QString &provider)
{
    const std::optional<ProviderInfo> info
        = registry ? registry->provider(market, provider) : std::nullopt;
    const QTimeZone zone(info ? info->timeZone.toUtf8() : QByteArrayLiteral("UTC"));
    return zone.isValid() ? zone : QTimeZone::utc();
}

void MainWindow::updateExchangeTimeZone()
{
    const QStringList mp = m_provider->currentData().toStringList();
    const QTimeZone zone = exchangeTimeZone(m_services.registry, mp.value(0), mp.value(1));
    const int i = m_timeZone->findData(QByteArray(kExchangeZone));
    if (i >= 0)
        m_timeZone->setItemText(i, tr("Exchange (%1)").arg(QString::fromUtf8(zone.id())));
    applyTimeZone();
}

void MainWindow::applyTimeZone()
{
    const QByteArray id = m_timeZone->currentData().toByteArray();
    if (id == kExchangeZone) {
        const QStringList mp = m_provider->currentData().toStringList();
        m_chart->setTimeZone(exchangeTimeZone(m_services.registry, mp.value(0), mp.value(1)));
    } else {
        m_chart->setTimeZone(id.isEmpty() ? QTimeZone::systemTimeZone() : QTimeZone(id));
    }
}

void MainWindow::applyTimeframeText()
{
    const QString text = m_timeframe->currentText().trimmed();
    Result<Timeframe> tf = Timeframe::parse(text);
    if (!tf) {
        setStatus(tr("\"%1\" is not a timeframe: %2").arg(text, tf.error().userMessage()));
        m_timeframe->lineEdit()->setStyleSheet(QStringLiteral("color: #D55E00"));
        return;
    }
    m_timeframe->lineEdit()->setStyleSheet(QString());
    const QString name = tf->name();
    int i = m_timeframe->findText(name);
    if (i < 0) {
        m_timeframe->addItem(name);
        i = m_timeframe->count() - 1;
    }
    if (i != m_timeframe->currentIndex())
        m_timeframe->setCurrentIndex(i); // reloads
    else
        m_timeframe->setEditText(name);
}

SeriesKey MainWindow::currentSeries() const
{
    const QStringList mp = m_provider->currentData().toStringList();
    const int i = m_symbol->currentIndex();
    return SeriesKey{mp.value(0), mp.value(1), i >= 0 ? m_symbol->itemText(i) : QString(),
                     m_timeframe->itemText(m_timeframe->currentIndex())};
}

bool MainWindow::selectSeries(const SeriesKey &series)
{
    const int p = m_provider->findData(QStringList{series.market, series.provider});
    if (p < 0)
        return false;
    if (!series.timeframe.isEmpty()) {
        const QSignalBlocker block(m_timeframe);
        int t = m_timeframe->findText(series.timeframe);
        if (t < 0 && Timeframe::parse(series.timeframe)) {
            m_timeframe->addItem(series.timeframe);
            t = m_timeframe->count() - 1;
        }
        if (t >= 0)
            m_timeframe->setCurrentIndex(t);
    }
    if (p != m_provider->currentIndex()) {
        m_pendingSymbol = series.symbol;
        m_provider->setCurrentIndex(p); // loads the symbols, then the series
        return true;
    }
    const int s = m_symbol->findText(series.symbol, Qt::MatchFixedString);
    if (s >= 0 && s != m_symbol->currentIndex()) {
        m_symbol->setCurrentIndex(s); // reloads
        return true;
    }
    reload();
    return true;
}

void MainWindow::openChartAt(const SeriesKey &series, qint64 t)
{
    m_focusTime = t;
    SeriesKey key = series;
    // The gap map's rows are 1m; keep the chart's timeframe unless it cannot show a gap.
    key.timeframe = m_timeframe->currentText();
    selectSeries(key);
}

void MainWindow::reload()
{
    const SeriesKey key = currentSeries();
    if (key.symbol.isEmpty() || key.provider.isEmpty() || !m_services.orchestrator)
        return;
    Result<Timeframe> tf = Timeframe::parse(key.timeframe);
    if (!tf)
        return;
    const quint64 generation = ++m_loadGeneration;
    stopLive(); // the old series' worker stops with the switch
    m_loaded = {};
    m_rangeLoading = true;
    m_wantedRange.reset();
    m_barMs = tf->durationMs();
    m_chart->setTitle(tr("%1 · %2 · %3").arg(key.provider, key.symbol, key.timeframe));
    setStatus(tr("Loading %1 …").arg(key.symbol));
    const qint64 now = this->now();
    TimeRange range;
    const std::optional<qint64> focus = m_focusTime;
    m_focusTime.reset();
    if (focus) {
        range = {*focus - kFocusBars * 2 * m_barMs,
                 std::min(now + m_barMs, *focus + kFocusBars * 2 * m_barMs)};
    } else {
        // Enough history for a full screen of candles, capped to keep the first load quick.
        const qint64 span = std::clamp<qint64>(m_barMs * 600, 6 * kHourMs, 120 * kDayMs);
        range = {now - span, now + m_barMs};
    }
    range.from = tf->bucketStart(range.from);
    if (m_gapMap)
        m_gapMap->addSeries(key);
    const ChartLoader loader = m_loader;
    runAsync(
        &m_pool, this, [loader, key, range] { return loader.readSourced(key, range); },
        [this, generation, key, range, focus](Result<SourcedBars> loaded) {
            if (generation != m_loadGeneration)
                return; // a newer selection superseded this load
            m_rangeLoading = false;
            if (!loaded) {
                setStatus(loaded.error().userMessage());
                m_chart->setBars({}, m_barMs);
                return;
            }
            m_loaded = range;
            const int count = int(loaded->bars.size());
            const size_t replaced = m_chart->bars().size();
            m_chart->setBars(std::move(loaded->bars), m_barMs);
            m_chart->setSources(std::move(loaded->sources));
            // The old series' bars and pyramid were freed just now, the read's temporaries
            // before: after a large load give that heap back (on the pool).
            m_loader.releaseAfter(std::max(size_t(count), replaced));
            startLive(key);
            if (focus)
                m_chart->setVisibleRange(
                    {*focus - kFocusBars / 2 * m_barMs, *focus + kFocusBars / 2 * m_barMs});
            setStatus(tr("%n bar(s) of %1", nullptr, count).arg(key.symbol));
            refreshUncovered();
            emit barsLoaded(count);
            if (m_wantedRange) {
                const TimeRange wanted = *m_wantedRange;
                m_wantedRange.reset();
                onVisibleRangeChanged(wanted);
            }
        });
}

void MainWindow::onVisibleRangeChanged(TimeRange range)
{
    if (m_rangeLoading || m_loaded.isEmpty()) {
        m_wantedRange = range;
        return;
    }
    const qint64 now = this->now();
    const qint64 chunk = kChunkBars * std::max<qint64>(m_barMs, kMinuteMs);
    if (range.from < m_loaded.from) {
        loadRange({std::max(range.from, m_loaded.from - chunk), m_loaded.from});
    } else if (range.to > m_loaded.to && m_loaded.to < now) {
        loadRange({m_loaded.to, std::min({range.to, m_loaded.to + chunk, now + m_barMs})});
    }
}

void MainWindow::loadRange(TimeRange range)
{
    const SeriesKey key = currentSeries();
    Result<Timeframe> tf = Timeframe::parse(key.timeframe);
    if (range.isEmpty() || !tf)
        return;
    range.from = tf->bucketStart(range.from);
    m_rangeLoading = true;
    const quint64 generation = m_loadGeneration;
    setStatus(tr("Loading %1 – %2 …")
                  .arg(QDateTime::fromMSecsSinceEpoch(range.from, Qt::UTC)
                           .toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                       QDateTime::fromMSecsSinceEpoch(range.to, Qt::UTC)
                           .toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    const ChartLoader loader = m_loader;
    runAsync(
        &m_pool, this, [loader, key, range] { return loader.readSourced(key, range); },
        [this, generation, range](const Result<SourcedBars> &loaded) {
            if (generation != m_loadGeneration)
                return;
            m_rangeLoading = false;
            if (!loaded) {
                setStatus(loaded.error().userMessage());
                return; // m_loaded unchanged: scrolling there again retries
            }
            const Bars &bars = loaded->bars;
            m_chart->mergeBars(bars);
            m_chart->addSources(loaded->sources);
            // The merge rebuilt level 0 into a new vector and dropped the coarse levels.
            m_loader.releaseAfter(m_chart->bars().size());
            m_loaded = {std::min(m_loaded.from, range.from), std::max(m_loaded.to, range.to)};
            setStatus(tr("%n bar(s) loaded", nullptr, int(m_chart->bars().size())));
            refreshUncovered();
            emit rangeLoaded(range, int(bars.size()));
            const TimeRange visible = m_chart->visibleRange();
            if (m_wantedRange || visible.from < m_loaded.from) {
                m_wantedRange.reset();
                onVisibleRangeChanged(visible);
            }
        });
}

void MainWindow::refreshUncovered()
{
    if (!m_services.store || m_loaded.isEmpty())
        return;
    const SeriesKey key = currentSeries();
    const TimeRange loaded = m_loaded;
    const quint64 generation = ++m_uncoveredGeneration;
    const quint64 seriesGeneration = m_loadGeneration;
    BarStore *store = m_services.store;
    const qint64 now = this->now();
    // Never-fetched minutes (the provider had no history there, or a fetch failed) are
    // shaded on the chart instead of being drawn as if the market had been quiet.
    runAsync(
        &m_pool, this,
        [store, key, loaded, now]() -> Result<TimeRanges> {
            const TimeRange past{loaded.from, std::min(loaded.to, now - now % kMinuteMs)};
            Result<TimeRanges> minuteGaps = store->gaps(key.withTimeframe(QStringLiteral("1m")), past);
            if (!minuteGaps || key.timeframe == QLatin1String("1m"))
                return minuteGaps;
            // A chart of native candles (a daily chart of daily candles) is covered where its
            // own series is, even if no minute was ever fetched there: shade only what
            // neither covers.
            Result<TimeRanges> ownGaps = store->gaps(key, past);
            if (!ownGaps)
                return ownGaps;
            return CoverageLedger::intersect(*minuteGaps, *ownGaps);
        },
        [this, generation, seriesGeneration](const Result<TimeRanges> &gaps) {
            if (generation != m_uncoveredGeneration || seriesGeneration != m_loadGeneration
                || !gaps)
                return;
            m_chart->setUncoveredRanges(*gaps);
        });
}

void MainWindow::showSettings()
{
    SettingsDialog::Context ctx;
    ctx.config = m_services.config;
    ctx.registry = m_services.registry;
    ctx.configFile = m_services.configFile;
    ctx.tokenFile = m_services.tokenFile;
    ctx.token = m_services.apiToken;
    // The running server switches to the new token at once (ApiToken::regenerate), so the
    // next opening of the dialog must show that one.
    if (m_services.regenerateToken)
        ctx.regenerateToken = [this] {
            Result<QByteArray> token = m_services.regenerateToken();
            if (token)
                m_services.apiToken = *token;
            return token;
        };
    auto *dialog = new SettingsDialog(ctx, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::saved, this, [this](bool ok) {
        if (ok)
            setStatus(tr("Settings saved to %1; store, cache and API changes apply after a restart")
                          .arg(m_services.configFile));
    });
    dialog->open();
}

void MainWindow::showAbout()
{
    QMessageBox box(this);
    box.setWindowTitle(tr("About Barkeep"));
    box.setIconPixmap(QIcon(QStringLiteral(":/barkeep/icons/barkeep.svg")).pixmap(64, 64));
    box.setTextFormat(Qt::RichText);
    box.setText(
        tr("<h3>Barkeep %1</h3><p>OHLCV market data: fetch candles, keep them, find and fill "
           "the holes, chart them, serve them to scripts.</p>"
           "<p>License: GNU General Public License v3.0 or later (GPL-3.0-or-later).</p>"
           "<p>Built with Qt %2.</p>")
            .arg(QStringLiteral(BARKEEP_VERSION), QString::fromLatin1(qVersion())));
    box.exec();
}

void MainWindow::setStatus(const QString &text)
{
    m_status->setText(text);
}

void MainWindow::saveState()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), QMainWindow::saveState());
    settings.setValue(QStringLiteral("series/provider"), m_provider->currentData().toStringList());
    const SeriesKey key = currentSeries();
    if (!key.symbol.isEmpty())
        settings.setValue(QStringLiteral("series/symbol"), key.symbol);
    settings.setValue(QStringLiteral("series/timeframe"), key.timeframe);
    settings.setValue(QStringLiteral("chart/timeZone"), m_timeZone->currentIndex());
    settings.setValue(QStringLiteral("chart/log"), m_logAction->isChecked());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_live->shutdown(); // the worker is gone on return
    saveState();
    event->accept();
}

} // namespace barkeep::ui
