// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broadcastmanager.h"
#include "subscriptionregistry.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <memory>

class QTcpSocket;
class QWebSocket;

namespace barkeep {

struct ApiContext;
class StreamClient;
class SubscriptionWorker;
class RedisFanout;
class Error;
struct StreamCommand;

// The seed's SubscriptionService: the WebSocket stream's subscriptions. subscribe → checks the
// message, then the symbol against the provider's list (or the store, for a provider that
// lists none) on the worker pool, and only then registers, starts the series' upstream if it
// is the first subscriber, sends a snapshot of recent closed bars (fetched on the worker pool,
// within the span and bar limits of /ohlcv) and from then on the upstream's bars;
// unsubscribe and disconnect stop the upstream with its last subscriber. With several
// instances on one Redis (options.fanoutUrl) a RedisFanout decides whether this instance runs
// the series' upstream (it holds the lease) or receives its bars from the one that does.
// API thread only.
class SubscriptionService : public QObject
{
    Q_OBJECT

public:
    explicit SubscriptionService(ApiContext &ctx, QObject *parent = nullptr);
    ~SubscriptionService() override;

    // `transport`: the QTcpSocket the WebSocket was upgraded from, if known (StreamClient).
    void addClient(std::unique_ptr<QWebSocket> socket, QTcpSocket *transport = nullptr);
    void handleMessage(StreamClient *client, const QJsonObject &message);

    int clientCount() const { return int(m_clients.size()); }
    // Closes every client (1008 with `reason`): they were admitted with a token now revoked.
    void closeAllClients(const QString &reason);
    int upstreamCount() const { return int(m_workers.size()); }
    SubscriptionWorker *worker(const SeriesKey &series) const { return m_workers.value(series); }

private:
    void subscribe(StreamClient *client, const StreamCommand &command);
    // The symbol passed its check: register, start the upstream, fetch the snapshot.
    void activate(StreamClient *client, const QString &id, const SeriesKey &key, qint64 limit);
    int pendingCount(StreamClient *client) const;
    void unsubscribe(StreamClient *client, const QString &id);
    void removeClient(StreamClient *client);
    void stopUpstreams(const QList<SeriesKey> &series);
    void startWorker(const SeriesKey &series, bool takeover);
    void localBar(const SeriesKey &series, const Bar &bar, bool final);
    // Tells the series' subscribers that its upstream fails (`error`) or works again (null).
    void upstreamHealth(const SeriesKey &series, const Error *error);
    static QJsonObject upstreamMessage(const QString &id, const Error *error);

    ApiContext &m_ctx;
    SubscriptionRegistry m_registry;
    BroadcastManager m_broadcast;
    QHash<SeriesKey, SubscriptionWorker *> m_workers;
    QList<StreamClient *> m_clients;
    QList<QPointer<StreamClient>> m_retired; // removed, deleteLater() pending
    // Subscriptions whose symbol check is running, by client and id, with a ticket so that a
    // check that outlived an unsubscribe (and a new subscribe of the same id) is ignored.
    QHash<QPair<StreamClient *, QString>, quint64> m_pending;
    quint64 m_nextTicket = 0;
    RedisFanout *m_fanout = nullptr; // null: single instance
};

} // namespace barkeep
