// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/series.h"

#include <QHash>
#include <QList>
#include <QByteArray>
#include <QString>

namespace barkeep {

class StreamClient;

// The seed's SubscriptionRegistry: which client subscribed to which series under which id.
// Tells the service when a series gets its first subscriber (start an upstream) and loses its
// last (stop it). API thread only.
class SubscriptionRegistry
{
public:
    struct Subscriber
    {
        StreamClient *client;
        QString id;
        // `id` as a JSON string, encoded once at subscription for the broadcast's hot path.
        QByteArray idJson;
        bool operator==(const Subscriber &o) const { return client == o.client && id == o.id; }
    };

    // Returns true when `series` had no subscriber before.
    bool add(StreamClient *client, const QString &id, const SeriesKey &series);
    // Returns the series the subscription was on when it was the series' last one.
    std::optional<SeriesKey> remove(StreamClient *client, const QString &id);
    // Removes every subscription of a client; returns the series left without subscribers.
    QList<SeriesKey> removeClient(StreamClient *client);

    bool contains(StreamClient *client, const QString &id) const;
    std::optional<SeriesKey> seriesOf(StreamClient *client, const QString &id) const;
    QList<Subscriber> subscribers(const SeriesKey &series) const { return m_bySeries.value(series); }
    int subscriptionCount(StreamClient *client) const;
    int size() const { return m_size; }
    int seriesCount() const { return int(m_bySeries.size()); }

private:
    QHash<SeriesKey, QList<Subscriber>> m_bySeries;
    QHash<StreamClient *, QHash<QString, SeriesKey>> m_byClient;
    int m_size = 0;
};

} // namespace barkeep
