// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"

#include <QMainWindow>

class QComboBox;
class QLabel;

namespace barkeep {
class PluginRegistry;
class MarketService;
class DataOrchestrator;
class BarStore;
} // namespace barkeep

namespace barkeep::ui {

class ChartView;

// The services the window uses; owned by the Application.
struct AppServices
{
    PluginRegistry *registry = nullptr;
    MarketService *market = nullptr;
    DataOrchestrator *orchestrator = nullptr;
    BarStore *store = nullptr;
    quint16 apiPort = 0;
    QByteArray apiToken;
};

// The main window: a provider/symbol/timeframe picker over the chart. Data loads through the
// orchestrator on a worker thread; the GUI thread only draws and reacts.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const AppServices &services, QWidget *parent = nullptr);
    ~MainWindow() override;

    ChartView *chart() const { return m_chart; }
    SeriesKey currentSeries() const;
    // Loads the current series for the last `days` days; emits barsLoaded when shown.
    void reload();

signals:
    void barsLoaded(int count);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void populateProviders();
    void populateSymbols();
    void showAbout();

    AppServices m_services;
    QComboBox *m_provider = nullptr;
    QComboBox *m_symbol = nullptr;
    QComboBox *m_timeframe = nullptr;
    ChartView *m_chart = nullptr;
    QLabel *m_status = nullptr;
    quint64 m_loadGeneration = 0;
};

} // namespace barkeep::ui
