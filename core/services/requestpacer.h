// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "net/httpclient.h"
#include "plugin/marketplugin.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QMutex>
#include <QString>
#include <QWaitCondition>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>

class QThread;

namespace barkeep {

// Counters of one provider's pacer, for /metrics and the UI.
struct PacerStats
{
    qint64 requests = 0;
    qint64 weightUsed = 0;
    qint64 rateLimited = 0; // 429s seen
    qint64 banned = 0;      // 418s seen
    qint64 waits = 0;       // acquire() calls that had to wait for budget
    int inFlight = 0;
    int budget = 0;         // the weight (or request) budget per window now in force
    qint64 bannedUntilMs = 0;
    qint64 pausedUntilMs = 0; // after a 429: nothing goes out before this
};

// The seed's `_api_semaphore`, done properly: the RequestGate of one provider. It bounds the
// requests in flight and keeps a rate budget seeded from the provider's documented limits
// (weight per minute, or requests per second) so that it stays just under the limit:
// - a sliding window of the weight sent in the last `windowMs`, never above target × budget
//   (a sliding window also bounds every fixed window the server may count in, whatever the
//   clock skew);
// - the server's own count (X-MBX-USED-WEIGHT-1M) corrects it: weight the server saw that we
//   did not send (another process on this IP) is added to the window;
// - a 429 stops everything until Retry-After and lowers the budget to what the server
//   accepted; a 418 (ban) makes acquire() refuse every request until the ban ends, with a
//   reason a job can show ("banned by binance until 14:03:07").
// Waits are on a QWaitCondition with a deadline, checking the cancel flag; never a sleep.
class BARKEEPCORE_EXPORT RequestPacer : public RequestGate
{
public:
    struct Limits
    {
        QString provider;         // for messages
        int weightPerWindow = 0;  // 0 = no weight budget
        qint64 windowMs = 60'000; // Binance: one minute
        double requestsPerSecond = 0; // 0 = none
        int maxConcurrency = 4;   // 0 = unlimited
        double target = 0.95;     // fraction of the budget we allow ourselves
        // A wait for budget or a 429 longer than this makes acquire() fail with RateLimited
        // instead of blocking (interactive callers); the backfill retries on it.
        qint64 maxBlockMs = 120'000;
        QByteArray usedWeightHeader = "x-mbx-used-weight-1m"; // lower case
    };

    explicit RequestPacer(Limits limits);
    ~RequestPacer() override;

    static Limits limitsFor(const ProviderInfo &info);
    // A MarketService::GateFactory making one pacer per provider.
    static std::function<std::unique_ptr<RequestGate>(const ProviderInfo &)> factory();

    VoidResult acquire(int weight, const std::atomic<bool> *cancel) override;
    void observe(const HttpResponse &response) override;

    // Blocks until a ban or a 429 pause is over (or cancel is set, or `max` passes). Returns
    // false when cancelled or timed out.
    bool waitUntilClear(const std::atomic<bool> *cancel, QDeadlineTimer max = QDeadlineTimer::Forever);
    // "banned by binance until 14:03:07 UTC" while banned, "rate limited by binance until ..."
    // during a 429 pause, empty otherwise.
    QString blockedReason() const;
    PacerStats stats() const;
    const Limits &limits() const { return m_limits; }

    // Requests and weight sent by the calling thread since the last call (the backfill
    // charges them to the chunk that ran on this thread).
    struct ThreadUsage
    {
        qint64 requests = 0;
        qint64 weight = 0;
    };
    static ThreadUsage takeThreadUsage();

    // Test hook: the clock (ms since the epoch) the budget math uses.
    void setClock(std::function<qint64()> clock);

private:
    qint64 now() const;
    void expireLocked(qint64 t);
    int slidingWeightLocked() const;
    int budgetLocked() const;
    qint64 nextAllowedLocked(int weight, qint64 t) const;
    QString blockedReasonLocked(qint64 t) const;

    struct Sent
    {
        qint64 t;
        int weight;
    };

    Limits m_limits;
    std::function<qint64()> m_clock;
    mutable QMutex m_mutex;
    QWaitCondition m_changed;
    std::deque<Sent> m_sent;      // weight sent inside the sliding window
    qint64 m_external = 0;        // server-counted weight we did not send, this fixed window
    qint64 m_externalWindow = -1; // the fixed window m_external belongs to
    int m_learnedBudget = 0;      // lowered after a 429; 0 = the seeded one
    qint64 m_lastIssueMs = 0;     // requests-per-second spacing
    qint64 m_bannedUntil = 0;
    qint64 m_pausedUntil = 0;
    QHash<QThread *, qint64> m_inFlight; // thread → when its request went out
    PacerStats m_stats;
};

} // namespace barkeep
