// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "healthhistory.h"
#include "providerbudgetrows.h"
#include "model/series.h"

#include <QThreadPool>
#include <QTimer>
#include <QWidget>

#include <atomic>
#include <memory>

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QListWidget;
class QTableWidget;
class QValueAxis;

namespace barkeep {
class BackfillManager;
class BarCache;
class BarStore;
class DataOrchestrator;
class MarketService;
class PluginRegistry;
} // namespace barkeep

namespace barkeep::ui {

// The data-health dock: requests/s, weight used in the last minute against the budget,
// 429/418 answers, bars written per second and the cache hit rate over the last minutes, in
// four small Qt Charts, and a table of each provider's limits in force (with their source)
// and its state (paused, banned until when). Counters are read once a second on a worker (pacer stats,
// BarCache::counters(), BackfillManager::jobs()) and turned into rates by HealthHistory.
class HealthPanel : public QWidget
{
    Q_OBJECT

public:
    struct Sources
    {
        PluginRegistry *registry = nullptr;
        MarketService *market = nullptr;
        BarCache *cache = nullptr;
        DataOrchestrator *orchestrator = nullptr;
        BackfillManager *backfill = nullptr;
        // For the data-health findings already stored when the panel opens; may be null.
        BarStore *store = nullptr;
    };

    explicit HealthPanel(const Sources &sources, QWidget *parent = nullptr);
    ~HealthPanel() override;

    void setBackfillManager(BackfillManager *backfill) { m_sources.backfill = backfill; }
    const HealthHistory &history() const { return m_history; }
    // The "Provider budgets" table: per provider and limit in force, its source, used,
    // remaining, in flight, 429s, bans and the state (when a ban or pause ends).
    QTableWidget *budgetTable() const { return m_budgets; }
    // Data-health findings (a provider's native candle that differs from the rollup of the
    // stored finer bars), newest first: the stored ones when the panel opened, then each new
    // one as the orchestrator records it.
    QListWidget *findingsList() const { return m_findings; }
    // Takes one sample now (also what the timer does every second).
    void sampleNow();

signals:
    void sampled();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    // Own workers: store and provider calls may block for seconds, and the destructor waits
    // for them so no task outlives the services it uses.
    QThreadPool m_pool;
    struct Plot
    {
        QChart *chart = nullptr;
        QChartView *view = nullptr;
        QValueAxis *x = nullptr;
        QValueAxis *y = nullptr;
    };
    Plot makePlot(const QString &title, const QString &unit);
    QLineSeries *addLine(Plot &plot, const QString &name, const QColor &color,
                         Qt::PenStyle style = Qt::SolidLine);
    void append(const HealthPoint &point);
    QTableWidget *makeBudgetTable();
    void showBudgets(const QList<ProviderBudgetRow> &rows);
    void loadStoredFindings();
    void addFinding(const SeriesKey &series, qint64 t, const QString &reason, bool newest);
    struct Sample
    {
        HealthSnapshot snapshot;
        QList<ProviderBudgetRow> budgets;
    };

    Sources m_sources;
    HealthHistory m_history;
    QTimer m_timer;
    bool m_sampling = false;
    std::shared_ptr<std::atomic<qint64>> m_fetchedBars; // on-demand fetches (orchestrator)
    Plot m_requests;
    Plot m_weight;
    Plot m_bars;
    Plot m_cache;
    QLineSeries *m_requestsLine = nullptr;
    QLineSeries *m_rateLimitedLine = nullptr;
    QLineSeries *m_weightLine = nullptr;
    QLineSeries *m_limitLine = nullptr;
    QLineSeries *m_barsLine = nullptr;
    QLineSeries *m_cacheLine = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_budgets = nullptr;
    QListWidget *m_findings = nullptr;
};

} // namespace barkeep::ui
