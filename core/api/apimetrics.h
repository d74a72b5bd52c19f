// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include <array>
#include <atomic>

namespace barkeep {

// Counters of the local API for /metrics (Prometheus text format): requests by route and
// status, a latency histogram per route, and the WebSocket stream's clients and messages.
// Thread-safe: requests finish on the API thread, counters are read by any thread.
class BARKEEPCORE_EXPORT ApiMetrics
{
public:
    // Upper bounds of the latency buckets, in seconds (le="..."), then +Inf.
    static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

    void recordRequest(const QString &route, int status, qint64 latencyUs);

    std::atomic<qint64> wsClients{0};
    // Of those, the clients whose frames go straight to their socket (StreamClient's direct
    // path); fewer than wsClients means the transport lookup failed for some and they are on
    // the slower QWebSocket path.
    std::atomic<qint64> wsDirectClients{0};
    std::atomic<qint64> wsConnectionsTotal{0};
    std::atomic<qint64> wsMessagesSent{0};
    std::atomic<qint64> wsMessagesReceived{0};
    std::atomic<qint64> wsMessagesDropped{0}; // forming updates dropped for slow clients
    std::atomic<qint64> wsSlowDisconnects{0};
    std::atomic<qint64> wsSubscriptions{0};
    std::atomic<qint64> streamUpstreams{0};
    std::atomic<qint64> streamPollErrors{0};
    std::atomic<qint64> connectionsRejected{0}; // per-client connection limit
    std::atomic<qint64> connectionsTimedOut{0}; // idle or slow
    std::atomic<qint64> requestsTooLarge{0};
    std::atomic<qint64> connectionsEvicted{0}; // idle keep-alive closed for a new connection
    std::atomic<qint64> connectionsOpen{0};    // counted by ConnectionGuard, WebSockets included
    std::atomic<qint64> upgradesRefused{0};    // WebSocket upgrades outside the stream route

    // The API's own series, in exposition format.
    QByteArray render() const;

    // Helpers for other sections of /metrics.
    static void appendHelp(QByteArray &out, const char *name, const char *type, const char *help);
    static QByteArray escapeLabel(const QString &value);

private:
    struct RouteStats
    {
        QHash<int, qint64> byStatus;
        std::array<qint64, kBuckets.size() + 1> buckets{};
        double sumSeconds = 0;
        qint64 count = 0;
    };
    mutable QMutex m_mutex;
    QHash<QString, RouteStats> m_routes;
};

} // namespace barkeep
