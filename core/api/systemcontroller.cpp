// SPDX-License-Identifier: GPL-3.0-or-later
#include "systemcontroller.h"

#include "apicontext.h"
#include "backfillcontrol.h"
#include "cache/barcache.h"
#include "api/openapidocument_p.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/barstore.h"
#include "util/whenfinished.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QMap>
#include <QtConcurrent>

namespace barkeep {

QByteArray SystemController::openApiDocument()
{
    return QByteArray::fromRawData(kOpenApiJson, qsizetype(sizeof kOpenApiJson - 1));
}

SystemController::Probe SystemController::probe(const ApiContext &ctx)
{
    // A series no one stores: the store answers from its index, the cache misses; what is
    // measured is the round trip and whether the backend answered at all.
    static const SeriesKey kProbe{QStringLiteral("-"), QStringLiteral("-"), QStringLiteral("-"), QStringLiteral("1m")};
    Probe p;
    if (BarStore *store = ctx.services.store) {
        const Result<TimeRange> r = store->extent(kProbe);
        if (!r && r.error().kind() != Error::Kind::NotFound)
            p.problems << QStringLiteral("store: %1").arg(r.error().message());
    }
    if (BarCache *cache = ctx.services.cache) {
        // The cache turns its failures into misses (barcache.h): its error counter tells.
        const qint64 errorsBefore = cache->counters().errors.load();
        QElapsedTimer timer;
        timer.start();
        (void)cache->get(kProbe, {0, kMinuteMs});
        p.cacheSeconds = double(timer.nsecsElapsed()) / 1e9;
        if (cache->counters().errors.load() > errorsBefore)
            p.problems << QStringLiteral("cache: %1 cannot be reached").arg(cache->describe());
    }
    return p;
}

QByteArray SystemController::metricsText(const ApiContext &ctx, const Probe *probe)
{
    QByteArray out = ctx.metrics.render();
    auto line = [&out](const char *name, const char *type, const char *help, qint64 v) {
        ApiMetrics::appendHelp(out, name, type, help);
        out += name;
        out += ' ';
        out += QByteArray::number(v);
        out += '\n';
    };
    line("barkeep_api_response_cache_hits_total", "counter",
         "/ohlcv answers served from the encoded-response cache.", ctx.responses.hits());
    line("barkeep_api_response_cache_misses_total", "counter",
         "Cacheable /ohlcv questions (closed bars only) not in the encoded-response cache.",
         ctx.responses.misses());
    if (BarCache *cache = ctx.services.cache) {
        const CacheCounters &c = cache->counters();
        line("barkeep_cache_hits_total", "counter", "Bar cache hits.", c.hits.load());
        line("barkeep_cache_misses_total", "counter", "Bar cache misses.", c.misses.load());
        line("barkeep_cache_errors_total", "counter", "Bar cache backend errors.", c.errors.load());
        line("barkeep_cache_operations_total", "counter", "Bar cache operations.", c.operations.load());
    }
    if (DataOrchestrator *o = ctx.services.orchestrator)
        line("barkeep_orchestrator_provider_fetches_total", "counter",
             "Fetches the orchestrator sent to providers for missing history.", o->providerFetches());
    if (ctx.services.backfill) {
        // Per provider: jobs by state, bars written, and the requests/weight the jobs used.
        struct PerProvider
        {
            QMap<QString, qint64> states;
            qint64 bars = 0, requests = 0, weight = 0;
        };
        QMap<QString, PerProvider> by;
        for (const BackfillJobInfo &j : ctx.services.backfill->jobs()) {
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
    if (MarketService *market = ctx.services.market) {
        ApiMetrics::appendHelp(out, "barkeep_plugin_instances", "gauge",
                               "Provider plugin instances alive (made on first use, dropped when idle).");
        out += "barkeep_plugin_instances " + QByteArray::number(market->instanceCount()) + '\n';
    }
    if (probe && probe->cacheSeconds >= 0) {
        ApiMetrics::appendHelp(out, "barkeep_cache_probe_seconds", "gauge",
                               "How long one cache read took, made for this scrape.");
        out += "barkeep_cache_probe_seconds " + QByteArray::number(probe->cacheSeconds, 'g', 6) + '\n';
        ApiMetrics::appendHelp(out, "barkeep_up", "gauge",
                               "1 when the store and the cache answer (/api/v1/health says ok), else 0.");
        out += "barkeep_up " + QByteArray(probe->problems.isEmpty() ? "1" : "0") + '\n';
    }
    if (ctx.services.extraMetrics)
        out += ctx.services.extraMetrics();
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
                 const bool details = ApiAccess::presentsToken(req);
                 if (details)
                     if (auto e = ctx.access.check(req, true))
                         return r.sendError(*e);
                 // The store and cache are asked on the pool: an unreachable one may take its
                 // connect timeout to say so, and this thread serves everyone.
                 whenFinished(QtConcurrent::run(&ctx.pool, [&ctx] { return probe(ctx); }), ctx.receiver,
                              [&ctx, r, details](const Probe &p) {
                     const QString status = p.problems.isEmpty() ? QStringLiteral("ok") : QStringLiteral("degraded");
                     if (!details)
                         return r.sendJson({{QStringLiteral("status"), status}});
                     QJsonObject o{{QStringLiteral("status"), status},
                                   {QStringLiteral("version"), QStringLiteral(BARKEEP_VERSION)},
                                   {QStringLiteral("apiVersion"), LocalApiServer::kApiVersion},
                                   {QStringLiteral("store"), ctx.services.store ? ctx.services.store->describe() : QString()},
                                   {QStringLiteral("cache"), ctx.services.cache ? ctx.services.cache->describe()
                                                                                : QStringLiteral("none")}};
                     if (!p.problems.isEmpty())
                         o.insert(QStringLiteral("problems"), QJsonArray::fromStringList(p.problems));
                     r.sendJson(o);
                 });
             });

    addRoute(server, ctx, QStringLiteral("/metrics"), Method::Get, true,
             [&ctx](const QHttpServerRequest &, const PendingResponse &r) {
                 // On the pool: the cache probe may wait on Redis.
                 whenFinished(QtConcurrent::run(&ctx.pool, [&ctx] {
                     const Probe p = probe(ctx);
                     return metricsText(ctx, &p);
                 }), ctx.receiver, [r](const QByteArray &text) {
                     r.send(200, text, "text/plain; version=0.0.4; charset=utf-8");
                 });
             });

    addRoute(server, ctx, QStringLiteral("/api/v1/openapi.json"), Method::Get, true,
             [](const QHttpServerRequest &, const PendingResponse &r) {
                 r.send(200, openApiDocument());
             });
}

} // namespace barkeep
