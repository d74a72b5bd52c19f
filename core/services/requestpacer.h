// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "net/httpclient.h"
#include "plugin/marketplugin.h"

#include <QByteArrayView>
#include <QHash>
#include <QMutex>
#include <QString>
#include <QWaitCondition>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

class QThread;

namespace barkeep {

class SharedBudget;

// The RequestGate of one provider. It holds every limit the provider enforces at once (each
// with its kind, interval, figure and where the figure came from) and lets a request leave
// only when it fits all of them:
// - each limit is a sliding window of what was sent (a request counts from the moment it
//   leaves, so the requests in flight and those answered together never exceed the budget,
//   target × limit); a sliding window also bounds every fixed window the provider may count
//   in, whatever the clock skew;
// - the plugin's metadata is only the first guess: the provider's announcement
//   (announce(): Binance exchangeInfo.rateLimits) replaces it, and the usage headers correct
//   it: X-MBX-USED-WEIGHT-<n><unit> for every interval it names, X-Ratelimit-Limit/Remaining/
//   Reset (Alpaca). What the provider counted beyond what we sent (another process on this
//   IP) counts against the budget until the provider's window ends;
// - a "too many" (429, or throttled() for a provider that says it in a 200 body) stops every
//   request until Retry-After (a doubling backoff when none is given) and tightens the pace:
//   a weight limit to what the provider accepted (its usage header), a request limit by a
//   fifth; a 418 (ban) makes acquire() refuse every request until the ban ends, with a reason
//   a job can show ("banned by binance until 14:03:07").
// Without a shared budget (SharedBudget, Redis) each instance paces alone; the usage headers
// then are the only view of what other instances on this IP spent.
// Waits are on a QWaitCondition with a deadline, checking the cancel flag; never a sleep.
class BARKEEPCORE_EXPORT RequestPacer : public RequestGate
{
public:
    // The first guess, from the plugin's metadata (ProviderInfo) or a test.
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
        // How long announced limits are trusted before limitsStale() asks for them again.
        qint64 refreshMs = 600'000;
    };

    explicit RequestPacer(Limits limits);
    ~RequestPacer() override;

    static Limits limitsFor(const ProviderInfo &info);
    // The metadata guesses of `l` as limits (source Metadata).
    static QList<RateLimit> seedLimits(const Limits &l);
    // A MarketService::GateFactory making one pacer per provider; with `shared`, every pacer
    // also counts in the budget shared with the other instances on this Redis.
    static std::function<std::unique_ptr<RequestGate>(const ProviderInfo &)>
    factory(std::shared_ptr<SharedBudget> shared = {});
    // Counts in `shared` too (one budget per IP across instances); nullptr = pace alone.
    void setSharedBudget(std::shared_ptr<SharedBudget> shared);

    VoidResult acquire(int weight, const std::atomic<bool> *cancel) override;
    void observe(const HttpResponse &response) override;
    void announce(const QList<RateLimit> &limits) override;
    void throttled(qint64 retryAfterMs, const QString &why) override;
    bool limitsStale() const override;
    GateState state() const override;
    GateStats stats() const override;
    bool waitUntilClear(const std::atomic<bool> *cancel, qint64 maxMs = -1) override;

    // state().text: "banned by binance until 14:03:07" while banned, "rate limited by binance
    // until ..." during a pause, empty otherwise.
    QString blockedReason() const;
    const Limits &limits() const { return m_limits; }
    // The limits in force, tightest first within each kind.
    QList<RateLimit> limitsInForce() const;

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
    struct Sent
    {
        qint64 t;
        int weight;
    };
    // One limit in force and what was sent inside its interval.
    struct Window
    {
        RateLimit limit;
        std::deque<Sent> sent;
        qint64 sum = 0;            // units (weight or requests) in `sent`
        qint64 external = 0;       // counted by the provider, not sent by us
        qint64 externalUntil = 0;  // when the provider's window holding `external` ends
        int units(int weight) const { return limit.kind == RateLimit::Kind::Weight ? weight : 1; }
    };

    qint64 now() const;
    void expireLocked(qint64 t);
    int budgetOf(const Window &w) const;
    qint64 usedLocked(const Window &w, qint64 t) const;
    qint64 nextAllowedLocked(int weight, qint64 t) const;
    QString blockedReasonLocked(qint64 t) const;
    Window *windowLocked(RateLimit::Kind kind, qint64 intervalMs);
    Window &addWindowLocked(const RateLimit &limit, qint64 t);
    void correctLocked(Window &w, qint64 serverUsed, qint64 serverWindowStart, qint64 serverWindowEnd);
    void pauseLocked(qint64 t, qint64 retryAfterMs);
    void tightenLocked(const QString &why);

    Limits m_limits;
    std::function<qint64()> m_clock;
    mutable QMutex m_mutex;
    QWaitCondition m_changed;
    std::vector<Window> m_windows;
    qint64 m_lastIssueMs = 0;     // request spacing for per-second limits
    qint64 m_bannedUntil = 0;
    qint64 m_pausedUntil = 0;
    qint64 m_backoffMs = 0;       // the next backoff when a "too many" names no wait
    qint64 m_announcedAt = 0;     // when the provider last stated its limits
    bool m_stale = false;         // a header or an error contradicted the announced limits
    QHash<QThread *, qint64> m_inFlight; // thread → when its request went out
    GateStats m_stats;
    std::shared_ptr<SharedBudget> m_shared;
    qint64 m_sharedUntil = 0; // the shared budget refused until this window end
};

} // namespace barkeep
