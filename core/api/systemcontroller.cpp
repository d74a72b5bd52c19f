// SPDX-License-Identifier: GPL-3.0-or-later
#include "systemcontroller.h"

#include "apicontext.h"
#include "backfillcontrol.h"
#include "cache/barcache.h"
#include "api/openapidocument_p.h"
#include "services/dataorchestrator.h"
#include "storage/barstore.h"

#include <QMap>

namespace barkeep {

QByteArray SystemController::openApiDocument()
{
    return QByteArray::fromRawData(kOpenApiJson, qsizetype(sizeof kOpenApiJson - 1));
}

QByteArray SystemController::metricsText() const
{
    QByteArray out = m_ctx.metrics.render();
    auto line = [&out](const char *name, const char *type, const char *help, qint64 v) {
        ApiMetrics::appendHelp(out, name, type, help);
        out += name;
        out += ' ';
        out += QByteArray::number(v);
        out += '\n';
    };
    line("barkeep_api_response_cache_hits_total", "counter",
         "/ohlcv answers served from the encoded-response cache.", m_ctx.responses.hits());
    line("barkeep_api_response_cache_misses_total", "counter",
         "Cacheable /ohlcv questions (closed bars only) not in the encoded-response cache.",
         m_ctx.responses.misses());
    if (BarCache *cache = m_ctx.services.cache) {
        const CacheCounters &c = cache->counters();
        line("barkeep_cache_hits_total", "counter", "Bar cache hits.", c.hits.load());
        line("barkeep_cache_misses_total", "counter", "Bar cache misses.", c.misses.load());
        line("barkeep_cache_errors_total", "counter", "Bar cache backend errors.", c.errors.load());
        line("barkeep_cache_operations_total", "counter", "Bar cache operations.", c.operations.load());
    }
    if (DataOrchestrator *o = m_ctx.services.orchestrator)
        line("barkeep_orchestrator_provider_fetches_total", "counter",
             "Fetches the orchestrator sent to providers for missing history.", o->providerFetches());
    if (m_ctx.services.backfill) {
        // Per provider: jobs by state, bars written, and the requests/weight the jobs used.
        struct PerProvider
        {
            QMap<QString, qint64> states;
            qint64 bars = 0, requests = 0, weight = 0;
        };
        QMap<QString, PerProvider> by;
        for (const BackfillJobInfo &j : m_ctx.services.backfill->jobs()) {
            PerProvider &p = by[j.series.provider];
            ++p.states[jobStateName(j.state)];
            p.bars += j.barsWritten;
            p.requests += j.requests;
            p.weight += j.weightUsed;
        }
        ApiMetrics::appendHelp(out, "barkeep_backfill_jobs", "gauge", "Backfill jobs by provider and state.");
        for (auto it = by.cbegin(); it != by.cend(); ++it)
            for (auto s = it->states.cbegin(); s != it->states.cend(); ++s)
                out += "barkeep_backfill_jobs{provider=\"" + ApiMetrics::escapeLabel(it.key())
                    + "\",state=\"" + ApiMetrics::escapeLabel(s.key()) + "\"} "
                    + QByteArray::number(s.value()) + '\n';
        auto perProvider = [&](const char *name, const char *help, qint64 PerProvider::*field) {
            ApiMetrics::appendHelp(out, name, "counter", help);
            for (auto it = by.cbegin(); it != by.cend(); ++it)
                out += QByteArray(name) + "{provider=\"" + ApiMetrics::escapeLabel(it.key()) + "\"} "
                    + QByteArray::number((*it).*field) + '\n';
        };
        perProvider("barkeep_backfill_bars_written_total", "Bars written by backfill jobs.", &PerProvider::bars);
        // Not barkeep_provider_*: the application's pacer families (all requests of a provider)
        // have those names, and one family twice in an exposition is refused by Prometheus.
        perProvider("barkeep_backfill_requests_total", "Provider requests made by backfill jobs.",
                    &PerProvider::requests);
        perProvider("barkeep_backfill_weight_used_total", "Provider rate-limit weight used by backfill jobs.",
                    &PerProvider::weight);
    }
    if (m_ctx.services.extraMetrics)
        out += m_ctx.services.extraMetrics();
    return out;
}

void SystemController::registerRoutes(QHttpServer &server)
{
    using Method = QHttpServerRequest::Method;
    ApiContext &ctx = m_ctx;

    // Open to anyone who can reach the port (probes, service managers), so without the token
    // it says only that the server is up: the store and cache descriptions name paths, hosts
    // and users, and versions help an attacker pick an exploit. A presented token must be the
    // right one (a wrong token is a 401, not a quiet downgrade a client would not notice).
    addRoute(server, ctx, QStringLiteral("/api/v1/health"), Method::Get, false,
             [&ctx](const QHttpServerRequest &req, const PendingResponse &r) {
                 if (!ApiAccess::presentsToken(req))
                     return r.sendJson({{QStringLiteral("status"), QStringLiteral("ok")}});
                 if (auto e = ctx.access.check(req, true))
                     return r.sendError(*e);
                 r.sendJson({{QStringLiteral("status"), QStringLiteral("ok")},
                             {QStringLiteral("version"), QStringLiteral(BARKEEP_VERSION)},
                             {QStringLiteral("apiVersion"), LocalApiServer::kApiVersion},
                             {QStringLiteral("store"), ctx.services.store ? ctx.services.store->describe() : QString()},
                             {QStringLiteral("cache"), ctx.services.cache ? ctx.services.cache->describe()
                                                                          : QStringLiteral("none")}});
             });

    addRoute(server, ctx, QStringLiteral("/metrics"), Method::Get, true,
             [this](const QHttpServerRequest &, const PendingResponse &r) {
                 r.send(200, metricsText(), "text/plain; version=0.0.4; charset=utf-8");
             });

    addRoute(server, ctx, QStringLiteral("/api/v1/openapi.json"), Method::Get, true,
             [](const QHttpServerRequest &, const PendingResponse &r) {
                 r.send(200, openApiDocument());
             });
}

} // namespace barkeep
