// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "chart/chartview.h"
#include "model/timeframe.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>
#include <QtConcurrent>

namespace barkeep::ui {

MainWindow::MainWindow(const AppServices &services, QWidget *parent)
    : QMainWindow(parent), m_services(services)
{
    setWindowTitle(tr("Barkeep"));
    setWindowIcon(QIcon(QStringLiteral(":/barkeep/icons/barkeep.svg")));
    resize(1280, 800);

    auto *bar = addToolBar(tr("Series"));
    bar->setObjectName(QStringLiteral("seriesToolBar"));
    bar->addWidget(new QLabel(tr("Provider ")));
    m_provider = new QComboBox;
    bar->addWidget(m_provider);
    bar->addWidget(new QLabel(tr("  Symbol ")));
    m_symbol = new QComboBox;
    m_symbol->setEditable(true);
    m_symbol->setInsertPolicy(QComboBox::NoInsert);
    m_symbol->setMinimumContentsLength(12);
    bar->addWidget(m_symbol);
    bar->addWidget(new QLabel(tr("  Timeframe ")));
    m_timeframe = new QComboBox;
    m_timeframe->addItems(Timeframe::standardNames());
    bar->addWidget(m_timeframe);

    m_chart = new ChartView;
    setCentralWidget(m_chart);
    m_status = new QLabel;
    statusBar()->addWidget(m_status, 1);
    if (services.apiPort)
        statusBar()->addPermanentWidget(
            new QLabel(tr("API: http://127.0.0.1:%1/api/v1/").arg(services.apiPort)));

    auto *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Barkeep"), this, &MainWindow::showAbout);
    auto *file = menuBar()->addMenu(tr("&File"));
    menuBar()->insertMenu(help->menuAction(), file);
    file->addAction(tr("&Reload"), QKeySequence::Refresh, this, &MainWindow::reload);
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    populateProviders();
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    const int tf = m_timeframe->findText(settings.value(QStringLiteral("series/timeframe"), QStringLiteral("1h")).toString());
    m_timeframe->setCurrentIndex(std::max(0, tf));
    const int sym = m_symbol->findText(settings.value(QStringLiteral("series/symbol")).toString());
    if (sym >= 0)
        m_symbol->setCurrentIndex(sym);

    connect(m_provider, &QComboBox::currentIndexChanged, this, [this] {
        populateSymbols();
        reload();
    });
    connect(m_symbol, &QComboBox::currentIndexChanged, this, &MainWindow::reload);
    connect(m_timeframe, &QComboBox::currentIndexChanged, this, &MainWindow::reload);
    reload();
}

MainWindow::~MainWindow() = default;

void MainWindow::populateProviders()
{
    m_provider->clear();
    for (const ProviderInfo &p : m_services.registry->providers())
        m_provider->addItem(tr("%1 (%2)").arg(p.name, p.market), QStringList{p.market, p.id});
    const int demo = m_provider->findData(QStringList{QStringLiteral("crypto"), QStringLiteral("demo")});
    if (demo >= 0)
        m_provider->setCurrentIndex(demo);
    populateSymbols();
}

void MainWindow::populateSymbols()
{
    const QStringList mp = m_provider->currentData().toStringList();
    m_symbol->clear();
    if (mp.size() != 2)
        return;
    // Symbol lists of remote providers need the network: load them off the GUI thread.
    QPointer<MainWindow> self(this);
    MarketService *market = m_services.market;
    auto future = QtConcurrent::run([market, mp] {
        Result<std::shared_ptr<MarketPlugin>> plugin = market->plugin(mp[0], mp[1]);
        if (!plugin)
            return Result<QList<SymbolInfo>>(plugin.error());
        return (*plugin)->symbols();
    });
    // The demo answers instantly; waiting here keeps the first paint meaningful. Remote
    // providers fill the box when their answer arrives.
    if (mp[1] == QLatin1String("demo"))
        future.waitForFinished();
    future.then(this, [this, mp](const Result<QList<SymbolInfo>> &symbols) {
        if (m_provider->currentData().toStringList() != mp)
            return;
        if (!symbols) {
            m_status->setText(symbols.error().userMessage());
            return;
        }
        const QSignalBlocker block(m_symbol);
        for (const SymbolInfo &s : *symbols)
            m_symbol->addItem(s.symbol);
    });
    if (mp[1] == QLatin1String("demo"))
        QCoreApplication::sendPostedEvents(this);
}

SeriesKey MainWindow::currentSeries() const
{
    const QStringList mp = m_provider->currentData().toStringList();
    return SeriesKey{mp.value(0), mp.value(1), m_symbol->currentText(), m_timeframe->currentText()};
}

void MainWindow::reload()
{
    const SeriesKey key = currentSeries();
    if (key.symbol.isEmpty() || key.provider.isEmpty())
        return;
    Result<Timeframe> tf = Timeframe::parse(key.timeframe);
    if (!tf)
        return;
    const quint64 generation = ++m_loadGeneration;
    m_chart->setTitle(tr("%1 · %2 · %3").arg(key.provider, key.symbol, key.timeframe));
    m_status->setText(tr("Loading %1 …").arg(key.symbol));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Enough history for a full screen of candles, capped to keep the first load quick.
    const qint64 span = std::clamp<qint64>(tf->durationMs() * 600, 6 * kHourMs, 120 * kDayMs);
    const TimeRange range{now - span, now + tf->durationMs()};
    DataOrchestrator *orchestrator = m_services.orchestrator;
    QtConcurrent::run([orchestrator, key, range] { return orchestrator->bars(key, range); })
        .then(this, [this, generation, key, tf = *tf](const Result<Bars> &bars) {
            if (generation != m_loadGeneration)
                return; // a newer selection superseded this load
            if (!bars) {
                m_status->setText(bars.error().userMessage());
                return;
            }
            m_chart->setBars(*bars, tf.durationMs());
            m_status->setText(tr("%n bar(s) of %1", nullptr, int(bars->size())).arg(key.symbol));
            emit barsLoaded(int(bars->size()));
        });
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Barkeep"),
                       tr("<h3>Barkeep %1</h3><p>OHLCV market data: fetch candles, keep them, "
                          "find and fill the holes, chart them, serve them to scripts.</p>"
                          "<p>License: GNU GPL v3 or later.</p>")
                           .arg(QStringLiteral(BARKEEP_VERSION)));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("series/symbol"), m_symbol->currentText());
    settings.setValue(QStringLiteral("series/timeframe"), m_timeframe->currentText());
    event->accept();
}

} // namespace barkeep::ui
