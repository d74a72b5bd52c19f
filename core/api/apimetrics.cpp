// SPDX-License-Identifier: GPL-3.0-or-later
#include "apimetrics.h"

#include <QMutexLocker>

#include <algorithm>

namespace barkeep {

void ApiMetrics::recordRequest(const QString &route, int status, qint64 latencyUs)
{
    const double seconds = double(latencyUs) / 1e6;
    const auto bucket = size_t(std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds)
                               - kBuckets.begin());
    QMutexLocker lock(&m_mutex);
    RouteStats &s = m_routes[route];
    ++s.byStatus[status];
    ++s.buckets[bucket];
    s.sumSeconds += seconds;
    ++s.count;
}

void ApiMetrics::appendHelp(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

QByteArray ApiMetrics::escapeLabel(const QString &value)
{
    QByteArray v = value.toUtf8();
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return v;
}

QByteArray ApiMetrics::render() const
{
    QByteArray out;
    QHash<QString, RouteStats> routes;
    {
        QMutexLocker lock(&m_mutex);
        routes = m_routes;
    }
    QStringList names = routes.keys();
    names.sort();

    appendHelp(out, "barkeep_api_requests_total", "counter", "HTTP requests answered, by route and status.");
    for (const QString &r : names) {
        const RouteStats &s = routes[r];
        QList<int> statuses = s.byStatus.keys();
        std::sort(statuses.begin(), statuses.end());
        for (int st : statuses)
            out += "barkeep_api_requests_total{route=\"" + escapeLabel(r) + "\",status=\""
                + QByteArray::number(st) + "\"} " + QByteArray::number(s.byStatus[st]) + '\n';
    }
    appendHelp(out, "barkeep_api_request_duration_seconds", "histogram",
               "Time from request to answer, by route.");
    for (const QString &r : names) {
        const RouteStats &s = routes[r];
        const QByteArray label = "route=\"" + escapeLabel(r) + '"';
        qint64 cumulative = 0;
        for (size_t i = 0; i <= kBuckets.size(); ++i) {
            cumulative += s.buckets[i];
            const QByteArray le = i < kBuckets.size() ? QByteArray::number(kBuckets[i]) : QByteArray("+Inf");
            out += "barkeep_api_request_duration_seconds_bucket{" + label + ",le=\"" + le + "\"} "
                + QByteArray::number(cumulative) + '\n';
        }
        out += "barkeep_api_request_duration_seconds_sum{" + label + "} "
            + QByteArray::number(s.sumSeconds, 'g', 9) + '\n';
        out += "barkeep_api_request_duration_seconds_count{" + label + "} "
            + QByteArray::number(s.count) + '\n';
    }

    auto gauge = [&out](const char *name, const char *type, const char *help, qint64 v) {
        appendHelp(out, name, type, help);
        out += name;
        out += ' ';
        out += QByteArray::number(v);
        out += '\n';
    };
    gauge("barkeep_api_connections_rejected_total", "counter",
          "Connections refused by the per-client connection limit.", connectionsRejected.load());
    gauge("barkeep_api_connections_timed_out_total", "counter",
          "Connections closed as idle or too slow to send a request.", connectionsTimedOut.load());
    gauge("barkeep_api_requests_too_large_total", "counter",
          "Requests refused for exceeding the size or header limits.", requestsTooLarge.load());
    gauge("barkeep_api_connections_evicted_total", "counter",
          "Idle keep-alive connections closed to make room for a new one of the same client.",
          connectionsEvicted.load());
    gauge("barkeep_api_connections", "gauge",
          "Open API connections (HTTP and WebSocket).", connectionsOpen.load());
    gauge("barkeep_api_upgrades_refused_total", "counter",
          "WebSocket upgrade requests refused (not the stream route, or its checks failed).",
          upgradesRefused.load());
    gauge("barkeep_ws_clients", "gauge", "Connected WebSocket clients.", wsClients.load());
    gauge("barkeep_ws_direct_clients", "gauge",
          "Connected WebSocket clients whose frames are written straight to their socket.",
          wsDirectClients.load());
    gauge("barkeep_ws_connections_total", "counter", "WebSocket connections accepted.",
          wsConnectionsTotal.load());
    gauge("barkeep_ws_messages_sent_total", "counter", "WebSocket messages sent.", wsMessagesSent.load());
    gauge("barkeep_ws_messages_received_total", "counter", "WebSocket messages received.",
          wsMessagesReceived.load());
    gauge("barkeep_ws_messages_dropped_total", "counter",
          "Forming-bar updates dropped for slow clients (final bars are never dropped).",
          wsMessagesDropped.load());
    gauge("barkeep_ws_slow_disconnects_total", "counter",
          "Clients disconnected because their queue passed the limit.", wsSlowDisconnects.load());
    gauge("barkeep_ws_subscriptions", "gauge", "Active stream subscriptions.", wsSubscriptions.load());
    gauge("barkeep_stream_upstreams", "gauge", "Series with a live upstream (one per series).",
          streamUpstreams.load());
    gauge("barkeep_stream_poll_errors_total", "counter", "Failed upstream polls (retried).",
          streamPollErrors.load());
    return out;
}

} // namespace barkeep
