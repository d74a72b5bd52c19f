// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "apiaccess.h"
#include "apimetrics.h"
#include "apiparams.h"
#include "localapiserver.h"
#include "pendingresponse.h"
#include "responsecache.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerRouterRule>
#include <QThreadPool>

namespace barkeep {

// What every controller shares. Owned by LocalApiServer; lives on the API thread.
struct ApiContext
{
    ApiContext(const ApiServices &s, const ApiOptions &o)
        : services(s), options(o),
          access(o.token, o.allowedHosts, o.allowedOrigins, o.maxHeaders),
          symbols(s.market, s.store),
          responses(o.responseCacheBytes, o.qjsonBaseline ? 0 : o.responseCacheTtlMs)
    {}

    qint64 now() const
    {
        return options.clock ? options.clock() : QDateTime::currentMSecsSinceEpoch();
    }

    ApiServices services;
    ApiOptions options;
    ApiAccess access;
    ApiMetrics metrics;
    SymbolCheck symbols;
    ResponseCache responses; // encoded /ohlcv answers (thread-safe)
    QThreadPool pool;
    QObject *receiver = nullptr; // continuations run on the API thread through it
    QStringList paths;           // every registered path (405 vs 404 in the missing handler)
};

// The rule of every plain HTTP route. Qt 6.4 upgrades a request to a WebSocket whenever it
// carries "Upgrade: websocket" and *any* rule matches it (after running that rule's handler),
// so a plain route must not match an upgrade request: it falls to the missing handler, which
// answers with an error and closes. Only StreamRule (localapiserver.cpp) matches upgrades.
class HttpOnlyRule : public QHttpServerRouterRule
{
public:
    using QHttpServerRouterRule::QHttpServerRouterRule;

    // The test QAbstractHttpServer applies before it upgrades.
    static bool isWebSocketUpgrade(const QHttpServerRequest &request)
    {
        return request.value("Upgrade").compare("websocket", Qt::CaseInsensitive) == 0;
    }

protected:
    bool matches(const QHttpServerRequest &request, QRegularExpressionMatch *match) const override
    {
        return !isWebSocketUpgrade(request) && QHttpServerRouterRule::matches(request, match);
    }
};

// Registers a route whose handler gets the request and a PendingResponse after the Host
// (and, with needToken, the token) check passed.
template <class Handler>
void addRoute(QHttpServer &server, ApiContext &ctx, const QString &path,
              QHttpServerRequest::Method method, bool needToken, Handler handler)
{
    if (!ctx.paths.contains(path))
        ctx.paths.append(path);
    server.route<HttpOnlyRule>(path, method,
                 [&ctx, path, needToken, handler](const QHttpServerRequest &req,
                                                  QHttpServerResponder &&responder) {
                     PendingResponse r(std::move(responder), &ctx.metrics, path, req);
                     if (auto e = ctx.access.check(req, needToken))
                         return r.sendError(*e);
                     handler(req, r);
                 });
}

} // namespace barkeep
