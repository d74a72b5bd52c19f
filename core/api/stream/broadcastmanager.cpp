// SPDX-License-Identifier: GPL-3.0-or-later
#include "broadcastmanager.h"

#include "api/apimetrics.h"
#include "api/barjsonencoder.h"
#include "streamclient.h"
#include "subscriptionregistry.h"


namespace barkeep {

namespace {
// Below this many subscribers the hand-off to the helper threads costs more than it saves.
constexpr qsizetype kParallelMinimum = 64;
} // namespace

BroadcastManager::BroadcastManager(SubscriptionRegistry *registry, int sendThreads,
                                   ApiMetrics *metrics, QObject *parent)
    : QObject(parent), m_registry(registry), m_metrics(metrics)
{
    if (sendThreads > 1)
        m_sender = std::make_unique<StreamSender>(sendThreads);
}

BroadcastManager::~BroadcastManager() = default;

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
    // One encoding per bar; each client adds only its subscription id, written with the
    // shared tail in one sendmsg() (StreamClient::sendBarTail), no message copy per client.
    const QList<SubscriptionRegistry::Subscriber> subscribers = m_registry->subscribers(series);
    if (!m_sender || subscribers.size() < kParallelMinimum) {
        for (const auto &s : subscribers)
            s.client->sendBarTail(s.id, s.idJson, tail, bar.t, final);
        return;
    }
    // Prepare every frame that can go straight out, send them in parallel, then (in order,
    // on this thread) hand leftovers and the clients that could not take a direct write to
    // the general path. Clients that had no job (held snapshot, slow reader) come after the
    // others: each client's own order is kept, and across clients there is none to keep.
    m_jobs.resize(size_t(subscribers.size()));
    std::vector<qsizetype> direct, other;
    direct.reserve(size_t(subscribers.size()));
    for (qsizetype i = 0; i < subscribers.size(); ++i) {
        const auto &s = subscribers[i];
        if (s.client->prepareDirect(s.id, s.idJson, tail, m_jobs[direct.size()]))
            direct.push_back(i);
        else
            other.push_back(i);
    }
    m_jobs.resize(direct.size()); // no reallocation: each job's iovec points into itself
    m_sender->run(m_jobs);
    // Jobs the kernel took whole are done: only the others touch their client again (after
    // the sends the clients are out of the cache, and this pass would cost a miss each).
    qint64 whole = 0;
    for (size_t k = 0; k < direct.size(); ++k) {
        if (m_jobs[k].sent == m_jobs[k].total) {
            ++whole;
            continue;
        }
        const auto &s = subscribers[direct[k]];
        s.client->finishDirect(m_jobs[k], s.id, tail, bar.t, final);
    }
    if (m_metrics)
        m_metrics->wsMessagesSent += whole;
    for (qsizetype i : other)
        subscribers[i].client->sendBarTail(subscribers[i].id, subscribers[i].idJson, tail, bar.t, final);
}

} // namespace barkeep
