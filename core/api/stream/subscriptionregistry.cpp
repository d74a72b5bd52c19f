// SPDX-License-Identifier: GPL-3.0-or-later
#include "subscriptionregistry.h"

#include "api/barjsonencoder.h"

namespace barkeep {

bool SubscriptionRegistry::add(StreamClient *client, const QString &id, const SeriesKey &series)
{
    QList<Subscriber> &subs = m_bySeries[series];
    const bool first = subs.isEmpty();
    QByteArray idJson;
    BarJsonEncoder::appendString(idJson, id);
    subs.append({client, id, idJson});
    m_byClient[client].insert(id, series);
    ++m_size;
    return first;
}

std::optional<SeriesKey> SubscriptionRegistry::remove(StreamClient *client, const QString &id)
{
    auto c = m_byClient.find(client);
    if (c == m_byClient.end() || !c->contains(id))
        return std::nullopt;
    const SeriesKey series = c->take(id);
    if (c->isEmpty())
        m_byClient.erase(c);
    --m_size;
    auto s = m_bySeries.find(series);
    s->removeOne(Subscriber{client, id, {}});
    if (!s->isEmpty())
        return std::nullopt;
    m_bySeries.erase(s);
    return series;
}

QList<SeriesKey> SubscriptionRegistry::removeClient(StreamClient *client)
{
    QList<SeriesKey> emptied;
    const QStringList ids = m_byClient.value(client).keys();
    for (const QString &id : ids)
        if (auto s = remove(client, id))
            emptied.append(*s);
    return emptied;
}

bool SubscriptionRegistry::contains(StreamClient *client, const QString &id) const
{
    return m_byClient.value(client).contains(id);
}

std::optional<SeriesKey> SubscriptionRegistry::seriesOf(StreamClient *client, const QString &id) const
{
    const auto c = m_byClient.constFind(client);
    if (c == m_byClient.cend() || !c->contains(id))
        return std::nullopt;
    return c->value(id);
}

int SubscriptionRegistry::subscriptionCount(StreamClient *client) const
{
    return int(m_byClient.value(client).size());
}

} // namespace barkeep
