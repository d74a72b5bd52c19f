// SPDX-License-Identifier: GPL-3.0-or-later
#include "healthpanel.h"
#include "providerbudgetrows.h"
#include "util/whenfinished.h"

#include "cache/barcache.h"
#include "plugin/pluginregistry.h"
#include "services/backfillmanager.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "services/requestpacer.h"
#include "storage/barstore.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

#include <algorithm>

namespace barkeep::ui {

namespace {
constexpr double kWindowSec = 300; // the x axis: the last five minutes
}

HealthPanel::HealthPanel(const Sources &sources, QWidget *parent)
    : QWidget(parent)
    , m_sources(sources)
    , m_fetchedBars(std::make_shared<std::atomic<qint64>>(0))
{
    auto *grid = new QGridLayout;
    grid->setSpacing(2);
    m_requests = makePlot(tr("Requests"), tr("per s / per min"));
    m_weight = makePlot(tr("Request weight, last minute"), tr("weight"));
    m_bars = makePlot(tr("Bars written"), tr("bars/s"));
    m_cache = makePlot(tr("Cache hit rate"), tr("%"));
    m_cache.y->setRange(0, 100);

    // Okabe–Ito colours, as in the gap map.
    m_requestsLine = addLine(m_requests, tr("requests/s"), QColor(0x00, 0x72, 0xB2));
    m_rateLimitedLine = addLine(m_requests, tr("429/418 per min"), QColor(0xD5, 0x5E, 0x00));
    m_weightLine = addLine(m_weight, tr("used"), QColor(0x00, 0x72, 0xB2));
    m_limitLine = addLine(m_weight, tr("limit"), QColor(0xD5, 0x5E, 0x00), Qt::DashLine);
    m_barsLine = addLine(m_bars, tr("bars/s"), QColor(0x00, 0x9E, 0x73));
    m_cacheLine = addLine(m_cache, tr("hits"), QColor(0xCC, 0x79, 0xA7));

    grid->addWidget(m_requests.view, 0, 0);
    grid->addWidget(m_weight.view, 0, 1);
    grid->addWidget(m_bars.view, 1, 0);
    grid->addWidget(m_cache.view, 1, 1);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_summary);
    layout->addLayout(grid, 1);
    m_budgets = makeBudgetTable();
    layout->addWidget(m_budgets);
    m_findings = new QListWidget(this);
    m_findings->setObjectName(QStringLiteral("dataHealthFindings"));
    m_findings->setToolTip(tr("Data-health findings: where a provider's own candle differs from "
                              "the rollup of the stored finer bars. The provider's candle is "
                              "served; the rollup is kept beside it for inspection."));
    m_findings->setMaximumHeight(m_findings->fontMetrics().height() * 6);
    m_findings->setWordWrap(true);
    layout->addWidget(new QLabel(tr("Data-health findings")));
    layout->addWidget(m_findings);
    loadStoredFindings();

    if (m_sources.orchestrator) {
        auto counter = m_fetchedBars;
        // Direct connection: the count is an atomic, so no queued hop is needed.
        connect(
            m_sources.orchestrator, &DataOrchestrator::barsStored, this,
            [counter](const SeriesKey &, TimeRange, qint64 written) { *counter += written; },
            Qt::DirectConnection);
        // Queued: recorded on a fetching thread, shown on this one.
        connect(m_sources.orchestrator, &DataOrchestrator::findingRecorded, this,
                [this](const SeriesKey &series, const Bar &bar, const QString &reason) {
                    addFinding(series, bar.t, reason, true);
                });
    }
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &HealthPanel::sampleNow);
    sampleNow();
}

HealthPanel::~HealthPanel() = default;

HealthPanel::Plot HealthPanel::makePlot(const QString &title, const QString &unit)
{
    Plot p;
    p.chart = new QChart;
    p.chart->setTitle(title);
    p.chart->setAnimationOptions(QChart::NoAnimation);
    p.chart->legend()->setAlignment(Qt::AlignBottom);
    p.chart->setMargins(QMargins(2, 2, 2, 2));
    p.chart->setBackgroundRoundness(0);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p.chart->setTitleFont(small);
    p.chart->legend()->setFont(small);
    p.x = new QValueAxis;
    p.x->setRange(-kWindowSec, 0);
    p.x->setLabelFormat(QStringLiteral("%ds"));
    p.x->setTickCount(4);
    p.x->setLabelsFont(small);
    p.y = new QValueAxis;
    p.y->setRange(0, 1);
    p.y->setLabelFormat(QStringLiteral("%.4g"));
    p.y->setTitleText(unit);
    p.y->setTitleFont(small);
    p.y->setLabelsFont(small);
    p.chart->addAxis(p.x, Qt::AlignBottom);
    p.chart->addAxis(p.y, Qt::AlignLeft);
    p.view = new QChartView(p.chart);
    p.view->setRenderHint(QPainter::Antialiasing);
    p.view->setMinimumSize(220, 150);
    return p;
}

QLineSeries *HealthPanel::addLine(Plot &plot, const QString &name, const QColor &color,
                                  Qt::PenStyle style)
{
    auto *line = new QLineSeries;
    line->setName(name);
    QPen pen(color, 2);
    pen.setStyle(style);
    line->setPen(pen);
    plot.chart->addSeries(line);
    line->attachAxis(plot.x);
    line->attachAxis(plot.y);
    return line;
}

void HealthPanel::showEvent(QShowEvent *event)
{
    m_timer.start();
    QWidget::showEvent(event);
}

void HealthPanel::hideEvent(QHideEvent *event)
{
    // Keep sampling while hidden so the history is there when the dock opens again; the
    // cost is one small read per second.
    QWidget::hideEvent(event);
}

void HealthPanel::sampleNow()
{
    if (!m_timer.isActive())
        m_timer.start();
    if (m_sampling)
        return; // the previous read has not come back yet
    m_sampling = true;
    const Sources s = m_sources;
    auto fetched = m_fetchedBars;
    runAsync(
        &m_pool, this,
        [s, fetched] {
            Sample sample;
            HealthSnapshot &snap = sample.snapshot;
            snap.tMs = QDateTime::currentMSecsSinceEpoch();
            if (s.market && s.registry) {
                for (const QString &id : s.registry->providerIds()) {
                    RequestGate *gate = s.market->gate(id);
                    if (!gate)
                        continue;
                    const GateStats st = gate->stats();
                    sample.budgets += providerBudgetRows(id, st, gate->state(), snap.tMs);
                    snap.requests += st.requests;
                    snap.weightUsed += st.weightUsed;
                    snap.rateLimited += st.rateLimited;
                    snap.banned += st.banned;
                    for (const LimitUsage &u : st.limits)
                        if (u.limit.kind == RateLimit::Kind::Weight && u.limit.intervalMs == 60'000)
                            snap.weightLimit += u.limit.limit;
                }
            }
            if (s.cache) {
                snap.cacheHits = s.cache->counters().hits.load();
                snap.cacheMisses = s.cache->counters().misses.load();
            }
            snap.barsWritten = fetched->load();
            if (s.backfill) {
                for (const BackfillJobInfo &j : s.backfill->jobs())
                    snap.barsWritten += j.barsWritten;
            }
            return sample;
        },
        [this](const Sample &sample) {
            m_sampling = false;
            showBudgets(sample.budgets);
            append(m_history.add(sample.snapshot));
        });
}

QTableWidget *HealthPanel::makeBudgetTable()
{
    auto *table = new QTableWidget(0, 9, this);
    table->setObjectName(QStringLiteral("providerBudgets"));
    table->setHorizontalHeaderLabels({tr("Provider"), tr("Limit in force"), tr("Source"),
                                      tr("Used"), tr("Remaining"), tr("In flight"),
                                      tr("429s"), tr("Bans"), tr("State")});
    table->setToolTip(tr("Each provider's limits as the provider announced them (announced, "
                         "header), as learned from a \"too many\" answer (learned), or the "
                         "plugin's first guess before the provider has spoken (metadata)."));
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setMaximumHeight(table->fontMetrics().height() * 9);
    return table;
}

void HealthPanel::showBudgets(const QList<ProviderBudgetRow> &rows)
{
    m_budgets->setRowCount(int(rows.size()));
    const QColor warning(0xD5, 0x5E, 0x00);
    for (int r = 0; r < rows.size(); ++r) {
        const ProviderBudgetRow &row = rows[r];
        const QStringList cells{row.provider, row.limit,    row.source,  row.used, row.remaining,
                                row.inFlight, row.tooMany, row.bans, row.state};
        for (int c = 0; c < cells.size(); ++c) {
            QTableWidgetItem *item = m_budgets->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_budgets->setItem(r, c, item);
            }
            item->setText(cells[c]);
            item->setForeground(row.blocked && c == cells.size() - 1 ? QBrush(warning) : QBrush());
        }
    }
}

void HealthPanel::loadStoredFindings()
{
    if (!m_sources.store)
        return;
    BarStore *store = m_sources.store;
    struct Finding
    {
        SeriesKey series;
        qint64 t;
        QString reason;
        qint64 at;
    };
    // Once, when the panel opens: every series' quarantine, on the panel's own worker. Only
    // recorded findings are listed here, not bars that failed validation on the way in.
    runAsync(
        &m_pool, this,
        [store] {
            std::vector<Finding> found;
            const Result<QList<SeriesKey>> series = store->listSeries();
            if (!series)
                return found;
            for (const SeriesKey &s : *series) {
                const Result<std::vector<QuarantinedBar>> q = store->quarantine(s);
                if (!q)
                    continue;
                for (const QuarantinedBar &b : *q)
                    if (b.reason.contains(QLatin1String("differs from the rollup"))
                        || b.reason.contains(QLatin1String("roll up to one")))
                        found.push_back({s, b.bar.t, b.reason, b.quarantinedAtMs});
            }
            std::sort(found.begin(), found.end(),
                      [](const Finding &a, const Finding &b) { return a.at > b.at; });
            if (found.size() > 200)
                found.resize(200);
            return found;
        },
        [this](const std::vector<Finding> &found) {
            for (const Finding &f : found)
                addFinding(f.series, f.t, f.reason, false);
        });
}

void HealthPanel::addFinding(const SeriesKey &series, qint64 t, const QString &reason, bool newest)
{
    const QString when = QDateTime::fromMSecsSinceEpoch(t, Qt::UTC).toString(
        QStringLiteral("yyyy-MM-dd HH:mm"));
    const QString text = QStringLiteral("%1 · %2 · %3 %4 UTC: %5")
                             .arg(series.symbol, series.provider, series.timeframe, when, reason);
    if (newest)
        m_findings->insertItem(0, text);
    else
        m_findings->addItem(text);
    while (m_findings->count() > 200)
        delete m_findings->takeItem(m_findings->count() - 1);
}

void HealthPanel::append(const HealthPoint &point)
{
    QList<QPointF> req, limited, weight, limit, bars, cache;
    double maxReq = 1, maxWeight = 1, maxBars = 1;
    const auto &points = m_history.points();
    for (const HealthPoint &p : points) {
        const double x = (p.tMs - point.tMs) / 1000.0;
        req.append({x, p.requestsPerSecond});
        limited.append({x, p.rateLimitedPerMinute});
        weight.append({x, p.weightLastMinute});
        if (p.weightLimit > 0)
            limit.append({x, p.weightLimit});
        bars.append({x, p.barsPerSecond});
        if (p.cacheHitRate >= 0)
            cache.append({x, p.cacheHitRate});
        maxReq = std::max({maxReq, p.requestsPerSecond, p.rateLimitedPerMinute});
        maxWeight = std::max({maxWeight, p.weightLastMinute, p.weightLimit});
        maxBars = std::max(maxBars, p.barsPerSecond);
    }
    // replace() swaps the whole list in one go: one repaint instead of one per point.
    m_requestsLine->replace(req);
    m_rateLimitedLine->replace(limited);
    m_weightLine->replace(weight);
    m_limitLine->replace(limit);
    m_barsLine->replace(bars);
    m_cacheLine->replace(cache);
    m_requests.y->setRange(0, maxReq * 1.15);
    m_requests.y->applyNiceNumbers();
    m_weight.y->setRange(0, maxWeight * 1.15);
    m_weight.y->applyNiceNumbers();
    m_bars.y->setRange(0, maxBars * 1.15);
    m_bars.y->applyNiceNumbers();

    const QLocale l;
    QString text
        = tr("Now: %1 requests/s · weight %2 of %3 in the last minute · %4 rate-limit answers in "
             "the "
             "last minute · %5 bars/s · cache hit rate %6")
              .arg(l.toString(point.requestsPerSecond, 'f', 1))
              .arg(l.toString(point.weightLastMinute, 'f', 0))
              .arg(point.weightLimit > 0 ? l.toString(point.weightLimit, 'f', 0) : tr("no limit"))
              .arg(l.toString(point.rateLimitedPerMinute, 'f', 0))
              .arg(l.toString(point.barsPerSecond, 'f', 0))
              .arg(point.cacheHitRate >= 0 ? tr("%1 %").arg(l.toString(point.cacheHitRate, 'f', 0))
                                           : tr("n/a"));
    m_summary->setText(text);
    emit sampled();
}

} // namespace barkeep::ui
