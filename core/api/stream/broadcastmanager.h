// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"
#include "streamsender.h"

#include <QHash>
#include <QObject>

#include <limits>
#include <memory>
#include <optional>

namespace barkeep {

class ApiMetrics;
class SubscriptionRegistry;

// The seed's BroadcastManager: takes each bar of a series, encodes it once and hands it to
// every subscriber of its series (the subscription id is the only per-client part). Bars come
// from this instance's upstream or, with several instances on one Redis, from the one that
// holds the series' upstream (RedisFanout). A bar at or before the last final bar delivered
// is dropped: a takeover resumes a bucket early (a late duplicate rather than a hole) and for
// a moment two holders may publish; the clients see each final bar once, in order.
// API thread only.
class BroadcastManager : public QObject
{
    Q_OBJECT

public:
    // `sendThreads` > 1: a broadcast to many clients spreads its send() calls over that many
    // threads (StreamSender; ApiOptions::streamSendThreads says when that pays).
    // `metrics` (may be null) counts the messages of the parallel path in one addition per
    // broadcast; the clients count their own otherwise.
    explicit BroadcastManager(SubscriptionRegistry *registry, int sendThreads = 1,
                              ApiMetrics *metrics = nullptr, QObject *parent = nullptr);
    ~BroadcastManager() override;

    void broadcast(const barkeep::SeriesKey &series, const barkeep::Bar &bar, bool final);
    // The last forming bar delivered (a new subscriber gets it after its snapshot).
    std::optional<Bar> formingBar(const SeriesKey &series) const;
    // The open time of the last final bar delivered.
    std::optional<qint64> lastFinal(const SeriesKey &series) const;
    // The series lost its last subscriber.
    void forget(const SeriesKey &series) { m_state.remove(series); }

    // `{"type":"bar","id":<id>` + tail: the shared tail of a bar message.
    static QByteArray barTail(const Bar &bar, bool final);
    static QByteArray barMessage(const QString &id, const QByteArray &tail);

private:
    struct SeriesState
    {
        qint64 lastFinal = std::numeric_limits<qint64>::min();
        std::optional<Bar> forming;
    };

    SubscriptionRegistry *m_registry;
    ApiMetrics *m_metrics;
    QHash<SeriesKey, SeriesState> m_state;
    std::unique_ptr<StreamSender> m_sender; // null: every send on the API thread
    std::vector<StreamSender::Job> m_jobs;  // reused from broadcast to broadcast
};

} // namespace barkeep
