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

std::optional<Bar> BroadcastManager::formingBar(const SeriesKey &series) const
{
    const auto it = m_state.constFind(series);
    return it == m_state.cend() ? std::nullopt : it->forming;
}

std::optional<qint64> BroadcastManager::lastFinal(const SeriesKey &series) const
{
    const auto it = m_state.constFind(series);
    if (it == m_state.cend() || it->lastFinal == std::numeric_limits<qint64>::min())
        return std::nullopt;
    return it->lastFinal;
}

void BroadcastManager::broadcast(const SeriesKey &series, const Bar &bar, bool final)
{
    SeriesState &state = m_state[series];
    if (bar.t <= state.lastFinal)
        return; // already delivered as final (see the class comment)
    if (final) {
        state.lastFinal = bar.t;
        state.forming.reset();
    } else {
        state.forming = bar;
    }
    const QByteArray tail = barTail(bar, final);
    for (const auto &[client, id] : m_registry->subscribers(series))
        client->sendBar(id, barMessage(id, tail), bar.t, final);
}

} // namespace barkeep
