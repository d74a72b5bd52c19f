// SPDX-License-Identifier: GPL-3.0-or-later
#include "marketscontroller.h"

#include "apicontext.h"
#include "plugin/pluginregistry.h"
#include "services/marketservice.h"
#include "util/whenfinished.h"

#include <QJsonArray>
#include <QtConcurrent>

namespace barkeep {

void MarketsController::registerRoutes(QHttpServer &server)
{
    using Method = QHttpServerRequest::Method;
    ApiContext &ctx = m_ctx;

    addRoute(server, ctx, QStringLiteral("/api/v1/markets"), Method::Get, true,
             [&ctx](const QHttpServerRequest &, const PendingResponse &r) {
                 QJsonArray markets;
                 for (const PluginMetadata &p : ctx.services.registry->plugins())
                     for (const QString &m : p.markets)
                         markets.append(QJsonObject{{QStringLiteral("market"), m},
                                                    {QStringLiteral("plugin"), p.id}});
                 r.sendJson({{QStringLiteral("markets"), markets}});
             });

    addRoute(server, ctx, QStringLiteral("/api/v1/providers"), Method::Get, true,
             [&ctx](const QHttpServerRequest &req, const PendingResponse &r) {
                 const QString market = ApiQuery(req).optional(QStringLiteral("market"));
                 const QStringList markets = ctx.services.registry->markets();
                 if (!market.isEmpty() && !markets.contains(market))
                     return r.sendError(Error(Error::Kind::BadInput,
                                              QStringLiteral("unknown market '%1' (known: %2)")
                                                  .arg(market.left(64), markets.join(QStringLiteral(", ")))));
                 QJsonArray providers;
                 // Metadata, and whether settings make it usable: never the settings themselves,
                 // so credentials cannot leak from here.
                 for (const ProviderInfo &p : ctx.services.registry->providers(market)) {
                     QJsonObject o{{QStringLiteral("id"), p.id},
                                   {QStringLiteral("market"), p.market},
                                   {QStringLiteral("name"), p.name},
                                   {QStringLiteral("requiresCredentials"), p.requiresCredentials},
                                   {QStringLiteral("testnet"), p.testnet},
                                   {QStringLiteral("timeframes"), QJsonArray::fromStringList(p.timeframes)},
                                   {QStringLiteral("maxBarsPerRequest"), p.maxBarsPerRequest},
                                   {QStringLiteral("earliest"), p.earliestMs},
                                   {QStringLiteral("streaming"), p.streaming},
                                   {QStringLiteral("reachesFullHistory"), p.reachesFullHistory}};
                     if (!p.historyNote.isEmpty())
                         o.insert(QStringLiteral("historyNote"), p.historyNote);
                     // Whether it can be used now; the reason (which key to set) when not. Says
                     // whether credentials are present, never what they are.
                     const MarketService *market = ctx.services.market;
                     const VoidResult ok = market ? market->usable(p) : VoidResult{};
                     o.insert(QStringLiteral("enabled"), !market || market->enabled(p));
                     o.insert(QStringLiteral("configured"), !market || market->configured(p));
                     o.insert(QStringLiteral("usable"), bool(ok));
                     o.insert(QStringLiteral("reason"), ok ? QJsonValue() : QJsonValue(ok.error().message()));
                     providers.append(o);
                 }
                 r.sendJson({{QStringLiteral("providers"), providers}});
             });

    addRoute(server, ctx, QStringLiteral("/api/v1/symbols"), Method::Get, true,
             [&ctx](const QHttpServerRequest &req, const PendingResponse &r) {
                 Result<SeriesKey> key = ApiQuery(req).series(*ctx.services.registry, {});
                 if (!key)
                     return r.sendError(key.error());
                 whenFinished(QtConcurrent::run(&ctx.pool, [&ctx, m = key->market, p = key->provider] {
                     Result<std::shared_ptr<MarketPlugin>> plugin = ctx.services.market->plugin(m, p);
                     if (!plugin)
                         return Result<QList<SymbolInfo>>(plugin.error());
                     return (*plugin)->symbols();
                 }), ctx.receiver, [r](const Result<QList<SymbolInfo>> &symbols) {
                     if (!symbols)
                         return r.sendError(symbols.error());
                     QJsonArray out;
                     for (const SymbolInfo &si : *symbols)
                         out.append(QJsonObject{{QStringLiteral("symbol"), si.symbol},
                                                {QStringLiteral("base"), si.base},
                                                {QStringLiteral("quote"), si.quote},
                                                {QStringLiteral("native"), si.native}});
                     r.sendJson({{QStringLiteral("symbols"), out}});
                 });
             });
}

} // namespace barkeep
