// SPDX-License-Identifier: GPL-3.0-or-later
#include "broadcastmanager.h"

#include "api/barjsonencoder.h"
#include "streamclient.h"
#include "subscriptionregistry.h"


namespace barkeep {

QByteArray BroadcastManager::barTail(const Bar &bar, bool final)
{
    QByteArray tail(",\"bar\":");
    BarJsonEncoder::appendBar(tail, bar);
    tail.append(final ? ",\"final\":true}" : ",\"final\":false}");
    return tail;
}

QByteArray BroadcastManager::barMessage(const QString &id, const QByteArray &tail)
{
    QByteArray m;
    m.reserve(24 + id.size() + tail.size());
    m.append("{\"type\":\"bar\",\"id\":");
    BarJsonEncoder::appendString(m, id);
    m.append(tail);
    return m;
}

void BroadcastManager::broadcast(const SeriesKey &series, const Bar &bar, bool final)
{
    const QByteArray tail = barTail(bar, final);
    for (const auto &[client, id] : m_registry->subscribers(series))
        client->sendBar(id, barMessage(id, tail), bar.t, final);
}

} // namespace barkeep
