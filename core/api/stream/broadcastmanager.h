// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"

#include <QObject>

namespace barkeep {

class SubscriptionRegistry;

// The seed's BroadcastManager: takes each bar an upstream produced, encodes it once and hands
// it to every subscriber of its series (the subscription id is the only per-client part).
// Fan-out between instances over Redis Pub/Sub would publish and receive here; it is not
// built yet (see the API section of ARCHITECTURE.md). API thread only.
class BroadcastManager : public QObject
{
    Q_OBJECT

public:
    explicit BroadcastManager(SubscriptionRegistry *registry, QObject *parent = nullptr)
        : QObject(parent), m_registry(registry)
    {}

    void broadcast(const barkeep::SeriesKey &series, const barkeep::Bar &bar, bool final);

    // `{"type":"bar","id":<id>` + tail: the shared tail of a bar message.
    static QByteArray barTail(const Bar &bar, bool final);
    static QByteArray barMessage(const QString &id, const QByteArray &tail);

private:
    SubscriptionRegistry *m_registry;
};

} // namespace barkeep
