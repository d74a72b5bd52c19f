// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"
#include "model/timeframe.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

class QThreadPool;

namespace barkeep {

class DataOrchestrator;
class MarketService;
class ApiMetrics;

// The seed's SubscriptionWorker: the one upstream of a series, however many clients watch
// it. For now it polls (every streamPollMs): closed 1m bars through the orchestrator (so they
// are stored like any fetched history) and the still-forming minute from the provider when
// it offers one, then builds the series' timeframe buckets from them. A bucket whose end has
// passed is sent once as final:true; the bucket in progress as final:false when it changed.
//
// Healing: the cursor (the first bucket not yet sent as final) advances only after a
// successful poll, so after an upstream failure the next poll fetches the whole missed window
// and sends its final bars, in order, before any newer one — a client never sees a hole.
// Lives on the API thread; fetches run on the API worker pool, one at a time.
class SubscriptionWorker : public QObject
{
    Q_OBJECT

public:
    SubscriptionWorker(const SeriesKey &series, DataOrchestrator *orchestrator,
                       MarketService *market, QThreadPool *pool, ApiMetrics *metrics,
                       std::function<qint64()> clock, int pollMs, QObject *parent = nullptr);
    ~SubscriptionWorker() override;

    const SeriesKey &series() const { return m_series; }
    void start();
    // The last forming bar sent (a new subscriber gets it after its snapshot).
    std::optional<Bar> formingBar() const { return m_forming; }
    // Polls now instead of at the next tick (tests, and right after a subscription).
    void pollNow();

signals:
    void barReady(const barkeep::SeriesKey &series, const barkeep::Bar &bar, bool final);
    void pollFailed(const barkeep::SeriesKey &series, const QString &message);

private:
    struct PollResult;
    void handle(const PollResult &result);

    SeriesKey m_series;
    Timeframe m_tf;
    DataOrchestrator *m_orchestrator;
    MarketService *m_market;
    QThreadPool *m_pool;
    ApiMetrics *m_metrics;
    std::function<qint64()> m_clock;
    QTimer m_timer;
    qint64 m_cursor = 0; // start of the first bucket not yet sent as final
    std::optional<Bar> m_forming;
    bool m_busy = false;
    std::shared_ptr<bool> m_alive;
};

} // namespace barkeep
