// SPDX-License-Identifier: GPL-3.0-or-later
#include "localapiserver.h"

#include "apicontext.h"
#include "backfillscontroller.h"
#include "barscontroller.h"
#include "connectionguard.h"
#include "log/logging.h"
#include "marketscontroller.h"
#include "services/dataorchestrator.h"
#include "stream/subscriptionservice.h"
#include "services/subscriptionworker.h"
#include "systemcontroller.h"
#include "util/threadaffinity.h"

#include <QHash>
#include <QHttpServerRouterRule>
#include <QPointer>
#include <QTcpSocket>
#include <QWebSocket>

namespace barkeep {

namespace {

const QString kStreamPath = QStringLiteral("/api/v1/stream");

// Qt 6.4 has no WebSocket upgrade verifier: an upgrade goes to the WebSocket server exactly
// when a route matches it. This rule matches the stream path only for requests that pass
// the Host, token and Origin checks, so a refused client never gets the upgrade (it gets
// the missing handler's error answer instead).
class StreamRule : public QHttpServerRouterRule
{
public:
    StreamRule(const QString &path, QHttpServerRequest::Methods methods, const ApiContext *ctx,
               RouterHandler handler)
        : QHttpServerRouterRule(path, methods, std::move(handler)), m_ctx(ctx)
    {}

protected:
    bool matches(const QHttpServerRequest &request, QRegularExpressionMatch *match) const override
    {
        if (!QHttpServerRouterRule::matches(request, match))
            return false;
        return !m_ctx->access.check(request, true) && !m_ctx->access.checkOrigin(request);
    }

private:
    const ApiContext *m_ctx;
};

} // namespace

class LocalApiServer::Private
{
public:
    Private(LocalApiServer *q, const ApiServices &services, const ApiOptions &options)
        : ctx(services, options), markets(ctx), bars(ctx), backfills(ctx), system(ctx)
    {
        ctx.receiver = q;
        ctx.pool.setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
        ctx.pool.setObjectName(QStringLiteral("api-workers"));
        server = std::make_unique<QHttpServer>();
        stream = std::make_unique<SubscriptionService>(ctx);
    }

    ApiContext ctx;
    MarketsController markets;
    BarsController bars;
    BackfillsController backfills;
    SystemController system;
    std::unique_ptr<QHttpServer> server;
    std::unique_ptr<SubscriptionService> stream;
    // Sockets whose upgrade matched the stream route, by peer port, until their QWebSocket
    // arrives: QWebSocket does not expose the QTcpSocket it wraps, and StreamClient writes
    // its frames to that socket directly (streamclient.h says why).
    QHash<quint16, QPointer<QTcpSocket>> upgrading;

    QTcpSocket *takeTransport(const QWebSocket &ws)
    {
        const QPointer<QTcpSocket> tcp = upgrading.take(ws.peerPort());
        if (!tcp || tcp->peerAddress() != ws.peerAddress() || tcp->peerPort() != ws.peerPort())
            return nullptr;
        return tcp;
    }
};

LocalApiServer::LocalApiServer(const ApiServices &services, const ApiOptions &options,
                               QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(this, services, options))
{
    QHttpServer &s = *d->server;
    ApiContext &ctx = d->ctx;
    d->system.registerRoutes(s);
    d->markets.registerRoutes(s);
    d->bars.registerRoutes(s);
    d->backfills.registerRoutes(s);

    // The WebSocket stream: the handler writes nothing for an upgrade (writing a response
    // would break the handshake); a plain GET is told to upgrade.
    ctx.paths.append(kStreamPath);
    s.route<StreamRule>(kStreamPath, QHttpServerRequest::Method::Get, &ctx,
                        [this, &ctx](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                            if (HttpOnlyRule::isWebSocketUpgrade(req)) {
                                QTcpSocket *socket = responder.socket();
                                ConnectionGuard::markWebSocket(socket);
                                // Upgrades that never complete leave null entries behind.
                                if (d->upgrading.size() > 256) {
                                    for (auto it = d->upgrading.begin(); it != d->upgrading.end();)
                                        it = it->isNull() ? d->upgrading.erase(it) : std::next(it);
                                }
                                d->upgrading.insert(socket->peerPort(), socket);
                                return;
                            }
                            PendingResponse(std::move(responder), &ctx.metrics, kStreamPath)
                                .sendError(426, QStringLiteral("upgrade_required"),
                                           QStringLiteral("/api/v1/stream is a WebSocket endpoint"));
                        });
    // A regenerated token revokes the old one at once: streams opened with it are closed (the
    // handler runs on the regenerating thread, the close on this one).
    QPointer<LocalApiServer> self(this);
    ctx.access.setTokenReplacedHandler([self] {
        QMetaObject::invokeMethod(self, [self] {
            if (self)
                self->d->stream->closeAllClients(QStringLiteral("the API token was regenerated"));
        }, Qt::QueuedConnection);
    });
    // Stored bars make cached /ohlcv answers of that series stale at once. Direct: the
    // cache is thread-safe and a queued call would leave a window for stale hits.
    if (services.orchestrator)
        connect(services.orchestrator, &DataOrchestrator::barsStored, this,
                [&ctx](const SeriesKey &series) {
                    ctx.responses.invalidateSeries(
                        ResponseCache::seriesId(series.market, series.provider, series.symbol));
                }, Qt::DirectConnection);
    connect(&s, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (d->server->hasPendingWebSocketConnections()) {
            std::unique_ptr<QWebSocket> ws = d->server->nextPendingWebSocketConnection();
            QTcpSocket *transport = d->takeTransport(*ws);
            // Only sockets the stream rule accepted are registered; anything else reached the
            // upgrade by a route that should not match upgrades (HttpOnlyRule): never serve it.
            if (!transport) {
                ++d->ctx.metrics.upgradesRefused;
                qCWarning(lcApi).noquote() << "closing a WebSocket that did not come through"
                                           << kStreamPath << "from" << ws->peerAddress().toString();
                ws->abort();
                continue;
            }
            if (d->ctx.options.streamQtWriteBaseline)
                transport = nullptr;
            d->stream->addClient(std::move(ws), transport);
        }
    });

    s.setMissingHandler([&ctx](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
        const QString path = req.url().path();
        const bool stream = path == kStreamPath;
        const bool upgrade = HttpOnlyRule::isWebSocketUpgrade(req);
        if (upgrade)
            ++ctx.metrics.upgradesRefused;
        PendingResponse r(std::move(responder), &ctx.metrics,
                          stream ? kStreamPath : QStringLiteral("unmatched"), req);
        if (auto e = ctx.access.check(req, stream))
            return r.sendError(*e);
        if (stream) {
            if (auto e = ctx.access.checkOrigin(req))
                return r.sendError(*e);
        }
        // Qt closes the connection after this answer: an upgrade request never reaches a route.
        if (upgrade && !stream)
            return r.sendError(400, QStringLiteral("websocket_not_offered"),
                               QStringLiteral("%1 is not a WebSocket endpoint; the stream is %2")
                                   .arg(path.left(100), kStreamPath));
        const bool known = ctx.paths.contains(path)
            || (path.startsWith(QLatin1String("/api/v1/backfills/")) && path.count(QLatin1Char('/')) == 4);
        if (known)
            return r.sendError(405, QStringLiteral("method_not_allowed"),
                               QStringLiteral("%1 does not accept this method (see /api/v1/openapi.json)")
                                   .arg(path.left(100)));
        r.sendError(Error(Error::Kind::NotFound,
                          QStringLiteral("no route %1 (see /api/v1/openapi.json)").arg(path.left(100))));
    });
}

LocalApiServer::~LocalApiServer()
{
    d->ctx.access.setTokenReplacedHandler({});
    if (d->ctx.services.orchestrator)
        disconnect(d->ctx.services.orchestrator, nullptr, this, nullptr);
    d->stream.reset();
    d->ctx.pool.waitForDone();
    d->server.reset();
}

const ApiMetrics &LocalApiServer::metrics() const
{
    return d->ctx.metrics;
}

bool LocalApiServer::injectUpstreamBar(const SeriesKey &series, const Bar &bar, bool final)
{
    BARKEEP_ASSERT_THREAD(this);
    SubscriptionWorker *worker = d->stream->worker(series);
    if (!worker)
        return false;
    // The worker's own signal, so the bar takes the path of an upstream bar to the letter.
    emit worker->barReady(series, bar, final);
    return true;
}

VoidResult LocalApiServer::listen()
{
    const ApiOptions &o = d->ctx.options;
    ConnectionLimits limits;
    limits.maxConnectionsPerClient = o.maxConnectionsPerClient;
    limits.maxRequestBytes = o.maxRequestBytes;
    limits.idleTimeoutMs = o.idleTimeoutSec * 1000;
    auto *tcp = new ConnectionGuard(limits, &d->ctx.metrics);
    if (!tcp->listen(o.address, o.port)) {
        const QString why = tcp->errorString();
        delete tcp;
        return Error(Error::Kind::Unavailable,
                     QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(o.address.toString())
                         .arg(o.port)
                         .arg(why));
    }
    m_port = tcp->serverPort();
    d->server->bind(tcp);
    if (!o.address.isLoopback())
        qCWarning(lcApi).noquote()
            << "*** WARNING *** The API listens on" << o.address.toString()
            << "which is NOT loopback: anyone who can reach this address and has the token"
               " can read data and start backfills. Keep api.listen on 127.0.0.1 unless you"
               " put TLS and a firewall in front of it.";
    qCInfo(lcApi).noquote() << QStringLiteral("API listening on http://%1:%2/api/v1/")
                                   .arg(o.address.toString())
                                   .arg(m_port);
    return {};
}

} // namespace barkeep
