// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "net/httpclient.h"

#include <QString>

#include <memory>
#include <mutex>
#include <vector>

struct redisContext;

namespace barkeep {

// One budget per IP across Barkeep instances: providers count per IP, so instances sharing a
// Redis (cache.url) count each provider's windows there. Every RequestPacer asks reserve()
// before a request leaves; Redis checks and adds the request to every window at once (one
// Lua script, atomic across instances). Windows are fixed, aligned to the epoch as Binance
// counts them:
//
//   bk:budget:v1:<provider>:<weight|requests>:<intervalMs>:<window index>   STRING  units spent
//
// each with a TTL of two intervals. Without Redis, or while it does not answer, each instance
// paces alone (reserve() says "not refused"): the gate's local windows still hold, and the
// provider's usage headers are the only view of the others.
class BARKEEPCORE_EXPORT SharedBudget
{
public:
    struct Window
    {
        RateLimit limit;
        int budget = 0; // what all instances together allow themselves
    };

    explicit SharedBudget(QString redisUrl);
    ~SharedBudget();
    SharedBudget(const SharedBudget &) = delete;
    SharedBudget &operator=(const SharedBudget &) = delete;

    // Adds `weight` (or one request) to every window at `nowMs` if none goes over its budget.
    // Returns -1 when reserved (or Redis is unavailable), else the index in `windows` of a
    // window that is full: the caller waits for its end (windowEnd()).
    int reserve(const QString &provider, const std::vector<Window> &windows, int weight, qint64 nowMs);
    static qint64 windowEnd(const RateLimit &limit, qint64 nowMs)
    {
        return (nowMs / limit.intervalMs + 1) * limit.intervalMs;
    }
    bool isAvailable() const;

private:
    bool connectLocked();

    QString m_url;
    mutable std::mutex m_mutex;
    redisContext *m_context = nullptr;
    qint64 m_retryAtMs = 0; // after a failure, no reconnect before this
    bool m_warned = false;
};

} // namespace barkeep
