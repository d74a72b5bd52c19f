// SPDX-License-Identifier: GPL-3.0-or-later
#include "subscriptionservice.h"

#include "api/apicontext.h"
#include "api/barjsonencoder.h"
#include "util/whenfinished.h"
#include "log/logging.h"
#include "plugin/pluginregistry.h"
#include "redisfanout.h"
#include "services/dataorchestrator.h"
#include "streamclient.h"
#include "streammessage.h"
#include "services/subscriptionworker.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QWebSocket>
#include <QtConcurrent>

namespace barkeep {

namespace {
Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }
} // namespace

SubscriptionService::SubscriptionService(ApiContext &ctx, QObject *parent)
    : QObject(parent), m_ctx(ctx), m_broadcast(&m_registry, ctx.options.streamSendThreads, &ctx.metrics)
{
    if (m_ctx.options.fanoutUrl.isEmpty())
        return;
    const Result<RedisEndpoint> endpoint = RedisEndpoint::parse(m_ctx.options.fanoutUrl);
    if (!endpoint) {
        qCWarning(lcStream).noquote() << QStringLiteral("no stream fan-out (%1): single instance")
                                             .arg(endpoint.error().message());
        return;
    }
    m_fanout = new RedisFanout(*endpoint, RedisFanout::fromApiOptions(m_ctx.options), this);
    connect(m_fanout, &RedisFanout::upstreamWanted, this, &SubscriptionService::startWorker);
    connect(m_fanout, &RedisFanout::upstreamUnwanted, this, [this](const SeriesKey &series) {
        delete m_workers.take(series);
    });
    connect(m_fanout, &RedisFanout::remoteBar, &m_broadcast, &BroadcastManager::broadcast);
    m_fanout->start();
}

SubscriptionService::~SubscriptionService()
{
    delete m_fanout; // releases the leases this instance holds
    m_fanout = nullptr;
    qDeleteAll(m_workers);
    const QList<StreamClient *> clients = m_clients;
    m_clients.clear();
    for (StreamClient *c : clients) {
        c->disconnect(this);
        delete c;
    }
    // Clients already removed but whose deleteLater() has not run yet: they count themselves
    // out of the metrics owned by the API context, which goes right after this service, so
    // they must go now (ASan found the late delete writing to freed metrics at shutdown).
    for (const QPointer<StreamClient> &c : std::as_const(m_retired))
        delete c.data();
}

void SubscriptionService::addClient(std::unique_ptr<QWebSocket> socket, QTcpSocket *transport)
{
    auto *client = new StreamClient(std::move(socket), transport, this, &m_ctx.metrics,
                                    m_ctx.options.streamQueueLimit, m_ctx.options.streamDisconnectLimit);
    m_clients.append(client);
    connect(client, &StreamClient::gone, this, &SubscriptionService::removeClient, Qt::QueuedConnection);
}

void SubscriptionService::closeAllClients(const QString &reason)
{
    const QList<StreamClient *> clients = m_clients; // closing may remove them as we go
    for (StreamClient *c : clients)
        c->closeForPolicy(reason);
}

void SubscriptionService::removeClient(StreamClient *client)
{
    if (!m_clients.removeOne(client))
        return;
    for (auto it = m_pending.begin(); it != m_pending.end();)
        it = it.key().first == client ? m_pending.erase(it) : std::next(it);
    const int before = m_registry.size();
    stopUpstreams(m_registry.removeClient(client));
    m_ctx.metrics.wsSubscriptions -= before - m_registry.size();
    m_retired.removeIf([](const QPointer<StreamClient> &c) { return c.isNull(); });
    m_retired.append(client);
    client->deleteLater();
}

void SubscriptionService::stopUpstreams(const QList<SeriesKey> &series)
{
    for (const SeriesKey &s : series) {
        delete m_workers.take(s);
        if (m_fanout)
            m_fanout->unwatch(s);
        m_broadcast.forget(s);
    }
}

void SubscriptionService::startWorker(const SeriesKey &series, bool takeover)
{
    if (m_workers.contains(series))
        return;
    auto *worker = new SubscriptionWorker(series, m_ctx.services.orchestrator, m_ctx.services.market,
                                          &m_ctx.pool, &m_ctx.metrics,
                                          [ctx = &m_ctx] { return ctx->now(); },
                                          m_ctx.options.streamPollMs);
    // Taking over another instance's upstream: resume at the last final bar delivered here (or
    // one bucket back when none was), so no final bar is lost; the one delivered already comes
    // again and BroadcastManager drops it.
    if (const std::optional<qint64> last = m_broadcast.lastFinal(series))
        worker->setResumeFrom(*last);
    else if (takeover)
        if (const Result<Timeframe> tf = Timeframe::parse(series.timeframe))
            worker->setResumeFrom(tf->bucketStart(m_ctx.now()) - 1);
    connect(worker, &SubscriptionWorker::barReady, this, &SubscriptionService::localBar);
    connect(worker, &SubscriptionWorker::upstreamFailed, this,
            [this](const SeriesKey &s, const Error &error) { upstreamHealth(s, &error); });
    connect(worker, &SubscriptionWorker::upstreamRecovered, this,
            [this](const SeriesKey &s) { upstreamHealth(s, nullptr); });
    m_workers.insert(series, worker);
    worker->start();
}

void SubscriptionService::localBar(const SeriesKey &series, const Bar &bar, bool final)
{
    m_broadcast.broadcast(series, bar, final);
    if (m_fanout)
        m_fanout->publish(series, bar, final);
}

QJsonObject SubscriptionService::upstreamMessage(const QString &id, const Error *error)
{
    if (!error)
        return {{QStringLiteral("type"), QStringLiteral("recovered")}, {QStringLiteral("id"), id}};
    QJsonObject detail{{QStringLiteral("code"), error->code()}, {QStringLiteral("message"), error->message()}};
    if (error->retryAfterMs() >= 0)
        detail.insert(QStringLiteral("retryAfterMs"), error->retryAfterMs());
    // "upstream": the subscription stays; the worker keeps retrying and says "recovered".
    return {{QStringLiteral("type"), QStringLiteral("error")}, {QStringLiteral("id"), id},
            {QStringLiteral("upstream"), true}, {QStringLiteral("error"), detail}};
}

void SubscriptionService::upstreamHealth(const SeriesKey &series, const Error *error)
{
    for (const SubscriptionRegistry::Subscriber &s : m_registry.subscribers(series)) {
        // A subscription whose snapshot is still on its way hears of the failure after it
        // (activate()): an error before the snapshot would read as a refused subscribe.
        if (!s.client->isSnapshotPending(s.id))
            s.client->sendControl(upstreamMessage(s.id, error), s.id);
    }
}

void SubscriptionService::handleMessage(StreamClient *client, const QJsonObject &message)
{
    // Parsing and the checks that need no registry: core/api/stream/streammessage.h (fuzzed).
    const Result<StreamCommand> command = StreamMessage::parse(message, m_ctx.options.maxBarsPerAnswer);
    if (!command)
        return client->sendError(StreamMessage::idOf(message), command.error());
    if (command->op == StreamCommand::Op::Ping)
        return client->sendControl({{QStringLiteral("type"), QStringLiteral("pong")}});
    if (command->op == StreamCommand::Op::Unsubscribe)
        return unsubscribe(client, command->id);
    subscribe(client, *command);
}

int SubscriptionService::pendingCount(StreamClient *client) const
{
    int n = 0;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        n += it.key().first == client;
    return n;
}

void SubscriptionService::subscribe(StreamClient *client, const StreamCommand &command)
{
    const QString &id = command.id;
    if (m_registry.contains(client, id) || m_pending.contains({client, id}))
        return client->sendError(id, Error(Error::Kind::Conflict,
                                           QStringLiteral("subscription '%1' exists; unsubscribe first").arg(id)));
    if (m_registry.subscriptionCount(client) + pendingCount(client) >= m_ctx.options.maxSubscriptionsPerClient)
        return client->sendError(id, badInput(QStringLiteral("at most %1 subscriptions per connection")
                                                  .arg(m_ctx.options.maxSubscriptionsPerClient)));
    const SeriesKey key = command.series;
    if (VoidResult ok = checkMarketProvider(*m_ctx.services.registry, key.market, key.provider); !ok)
        return client->sendError(id, ok.error());
    Result<Timeframe> tf = Timeframe::parse(key.timeframe);
    if (!tf)
        return client->sendError(id, badInput(tf.error().message()));
    const qint64 limit = command.limit.value_or(m_ctx.options.snapshotBars);

    // The symbol is checked before anything runs for it: an unknown one never starts an
    // upstream (a worker polls its provider every few seconds for as long as it lives).
    const quint64 ticket = ++m_nextTicket;
    m_pending.insert({client, id}, ticket);
    QPointer<StreamClient> guarded(client);
    whenFinished(QtConcurrent::run(&m_ctx.pool, [ctx = &m_ctx, key]() -> VoidResult {
        return ctx->symbols.check(key.market, key.provider, key.symbol);
    }), this, [this, guarded, client, id, key, limit, ticket](const VoidResult &ok) {
        const auto it = m_pending.constFind({client, id});
        if (it == m_pending.cend() || *it != ticket)
            return; // unsubscribed or gone meanwhile
        m_pending.erase(it);
        if (!guarded)
            return;
        if (!ok)
            return guarded->sendError(id, ok.error());
        activate(guarded, id, key, limit);
    });
}

void SubscriptionService::activate(StreamClient *client, const QString &id, const SeriesKey &key,
                                   qint64 limit)
{
    const Timeframe tf = *Timeframe::parse(key.timeframe);
    if (m_registry.add(client, id, key)) {
        if (m_fanout)
            m_fanout->watch(key); // runs our upstream, or receives the holder's bars
        else
            startWorker(key, false);
    }
    ++m_ctx.metrics.wsSubscriptions;
    client->beginSnapshot(id);

    // Recent closed buckets only: the one in progress comes from the upstream as final:false.
    // The same bounds as /ohlcv: at most `limit` bars (≤ api.maxBarsPerAnswer) and never more
    // than api.maxSpanDays of history, whatever the timeframe.
    const qint64 end = tf.bucketStart(m_ctx.now());
    const qint64 span = std::min(limit * tf.durationMs() * (tf.isMonthly() ? 2 : 1),
                                 qint64(m_ctx.options.maxSpanDays) * kDayMs);
    const qint64 from = std::max<qint64>(0, end - span);
    QPointer<StreamClient> guarded(client);
    whenFinished(QtConcurrent::run(&m_ctx.pool, [ctx = &m_ctx, key, from, end, limit]() -> Result<Bars> {
        if (limit == 0 || from >= end)
            return Bars{};
        Result<Bars> bars = ctx->services.orchestrator->bars(key, {from, end}, 0);
        if (bars && qint64(bars->size()) > limit)
            bars->erase(bars->begin(), bars->end() - limit);
        return bars;
    }), this, [this, guarded, id, key](const Result<Bars> &bars) {
        if (!guarded || !m_registry.seriesOf(guarded, id) || !(*m_registry.seriesOf(guarded, id) == key))
            return; // gone or unsubscribed meanwhile
        if (!bars) {
            guarded->sendError(id, bars.error());
            return unsubscribe(guarded, id);
        }
        QByteArray snap("{\"type\":\"snapshot\",\"id\":");
        BarJsonEncoder::appendString(snap, id);
        snap += ",\"market\":";
        BarJsonEncoder::appendString(snap, key.market);
        snap += ",\"provider\":";
        BarJsonEncoder::appendString(snap, key.provider);
        snap += ",\"symbol\":";
        BarJsonEncoder::appendString(snap, key.symbol);
        snap += ",\"timeframe\":";
        BarJsonEncoder::appendString(snap, key.timeframe);
        snap += ",\"bars\":";
        BarJsonEncoder::appendBars(snap, *bars);
        snap += '}';
        const qint64 lastT = bars->empty() ? -1 : bars->back().t;
        guarded->finishSnapshot(id, snap, lastT);
        if (const SubscriptionWorker *w = m_workers.value(key); w && w->failure())
            guarded->sendControl(upstreamMessage(id, &*w->failure()), id);
        // A client joining a running upstream gets the bucket in progress right away.
        if (auto forming = m_broadcast.formingBar(key); forming && forming->t > lastT)
            guarded->sendBar(id, BroadcastManager::barMessage(id, BroadcastManager::barTail(*forming, false)),
                             forming->t, false);
    });
}

void SubscriptionService::unsubscribe(StreamClient *client, const QString &id)
{
    if (m_pending.remove({client, id})) { // its symbol check is still running
        client->sendControl({{QStringLiteral("type"), QStringLiteral("unsubscribed")}, {QStringLiteral("id"), id}}, id);
        return;
    }
    if (!m_registry.contains(client, id))
        return client->sendError(id, Error(Error::Kind::NotFound, QStringLiteral("no subscription '%1'").arg(id)));
    client->forget(id);
    if (auto emptied = m_registry.remove(client, id))
        stopUpstreams({*emptied});
    --m_ctx.metrics.wsSubscriptions;
    client->sendControl({{QStringLiteral("type"), QStringLiteral("unsubscribed")}, {QStringLiteral("id"), id}}, id);
}

} // namespace barkeep
