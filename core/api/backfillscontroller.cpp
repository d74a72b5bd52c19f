// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillscontroller.h"

#include "apicontext.h"
#include "backfillcontrol.h"
#include "backfillrequest.h"
#include "util/whenfinished.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QtConcurrent>

#include <cmath>

namespace barkeep {

namespace {
Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }

Error unavailable()
{
    return Error(Error::Kind::Unavailable, QStringLiteral("the backfill service is not running"));
}

Result<qint64> pathId(const QString &text)
{
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    if (!ok || id <= 0)
        return badInput(QStringLiteral("a backfill id is a positive integer, got '%1'").arg(text.left(32)));
    return id;
}
} // namespace

VoidResult BackfillsController::admit(const QList<BackfillJobInfo> &jobs, const SeriesKey &series,
                                     const TimeRange &range)
{
    int active = 0, ofSeries = 0;
    for (const BackfillJobInfo &j : jobs) {
        if (isFinished(j.state))
            continue;
        ++active;
        if (j.series.market != series.market || j.series.provider != series.provider
            || j.series.symbol != series.symbol)
            continue;
        ++ofSeries;
        if (j.range.from <= range.from && range.to <= j.range.to)
            return Error(Error::Kind::Conflict,
                         QStringLiteral("backfill %1 of %2/%3/%4 is still %5 and covers this range: "
                                        "follow it with GET /api/v1/backfills/%1")
                             .arg(j.id)
                             .arg(series.market, series.provider, series.symbol, jobStateName(j.state)));
    }
    if (ofSeries >= kMaxActivePerSeries)
        return Error(Error::Kind::RateLimited,
                     QStringLiteral("%1 backfills of %2/%3/%4 are unfinished (at most %5 per series): "
                                    "wait for one to end or cancel one")
                         .arg(ofSeries)
                         .arg(series.market, series.provider, series.symbol)
                         .arg(kMaxActivePerSeries));
    if (active >= kMaxActive)
        return Error(Error::Kind::RateLimited,
                     QStringLiteral("%1 backfills are unfinished (at most %2): wait for one to end "
                                    "or cancel one")
                         .arg(active)
                         .arg(kMaxActive));
    return {};
}

QJsonObject BackfillsController::jobJson(const BackfillJobInfo &job)
{
    return {{QStringLiteral("id"), job.id},
            {QStringLiteral("market"), job.series.market},
            {QStringLiteral("provider"), job.series.provider},
            {QStringLiteral("symbol"), job.series.symbol},
            {QStringLiteral("since"), job.range.from},
            {QStringLiteral("until"), job.range.to},
            {QStringLiteral("state"), jobStateName(job.state)},
            {QStringLiteral("progress"), job.progress},
            {QStringLiteral("barsWritten"), job.barsWritten},
            {QStringLiteral("chunksDone"), job.chunksDone},
            {QStringLiteral("chunksTotal"), job.chunksTotal},
            {QStringLiteral("chunksFailed"), job.chunksFailed},
            {QStringLiteral("etaMs"), job.etaMs},
            {QStringLiteral("priority"), job.priority},
            {QStringLiteral("requests"), job.requests},
            {QStringLiteral("weightUsed"), job.weightUsed},
            {QStringLiteral("barsPerSecond"), job.barsPerSecond},
            // An unfinished job's message says why it waits (the provider's budget, a ban and
            // until when, a claim another process holds); a failed one's why it failed.
            {QStringLiteral("waiting"), job.error.isEmpty() || isFinished(job.state) ? QJsonValue()
                                                                                    : QJsonValue(job.error)},
            {QStringLiteral("error"), job.error.isEmpty() ? QJsonValue() : QJsonValue(job.error)}};
}

Result<BackfillsController::JobPatch> BackfillsController::parsePatch(const QByteArray &body)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &perr);
    if (!doc.isObject())
        return badInput(QStringLiteral("the body is a JSON object like {\"state\":\"paused\"} or {\"priority\":5}"));
    const QJsonObject o = doc.object();
    JobPatch patch;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == QLatin1String("state")) {
            const QString state = it.value().toString();
            if (state == QLatin1String("paused"))
                patch.paused = true;
            else if (state == QLatin1String("queued") || state == QLatin1String("running"))
                patch.paused = false; // resume: the scheduler decides when it runs
            else
                return badInput(QStringLiteral("'state' is \"paused\" (pause) or \"queued\" (resume)"));
        } else if (it.key() == QLatin1String("priority")) {
            const double p = it.value().toDouble(std::nan(""));
            if (!(std::abs(p) <= kMaxPriority && p == std::floor(p)))
                return badInput(QStringLiteral("'priority' is an integer between %1 and %2 (higher runs first)")
                                    .arg(-kMaxPriority).arg(kMaxPriority));
            patch.priority = int(p);
        } else {
            return badInput(QStringLiteral("unknown field '%1': a backfill takes 'state' and 'priority'")
                                .arg(it.key().left(32)));
        }
    }
    if (!patch.paused && !patch.priority)
        return badInput(QStringLiteral("nothing to change: give 'state' and/or 'priority'"));
    return patch;
}

void BackfillsController::registerRoutes(QHttpServer &server)
{
    using Method = QHttpServerRequest::Method;
    ApiContext &ctx = m_ctx;
    const QString collection = QStringLiteral("/api/v1/backfills");
    const QString item = QStringLiteral("/api/v1/backfills/{id}");

    addRoute(server, ctx, collection, Method::Post, true,
             [&ctx, mutex = &m_submitMutex](const QHttpServerRequest &req, const PendingResponse &r) {
                 if (!ctx.services.backfill)
                     return r.sendError(unavailable());
                 const Result<BackfillRequest> parsed = parseBackfillRequest(
                     req.body(), ctx.now(), ctx.options.maxRangeDays,
                     [&ctx](const QString &market, const QString &provider) {
                         return checkMarketProvider(*ctx.services.registry, market, provider);
                     });
                 if (!parsed)
                     return r.sendError(parsed.error());
                 const SeriesKey key = parsed->series;
                 const TimeRange range = parsed->range;
                 whenFinished(QtConcurrent::run(&ctx.pool, [&ctx, mutex, key, range]() -> Result<qint64> {
                     if (VoidResult ok = ctx.symbols.check(key.market, key.provider, key.symbol); !ok)
                         return ok.error();
                     QMutexLocker lock(mutex);
                     if (VoidResult ok = admit(ctx.services.backfill->jobs(), key, range); !ok)
                         return ok.error();
                     return ctx.services.backfill->submit(key, range);
                 }), ctx.receiver, [r](const Result<qint64> &id) {
                     if (!id)
                         return r.sendError(id.error());
                     r.sendJson({{QStringLiteral("id"), *id}, {QStringLiteral("state"), QStringLiteral("queued")}},
                                202);
                 });
             });

    addRoute(server, ctx, collection, Method::Get, true,
             [&ctx](const QHttpServerRequest &, const PendingResponse &r) {
                 if (!ctx.services.backfill)
                     return r.sendError(unavailable());
                 QJsonArray jobs;
                 for (const BackfillJobInfo &j : ctx.services.backfill->jobs())
                     jobs.append(jobJson(j));
                 r.sendJson({{QStringLiteral("backfills"), jobs}});
             });

    // The placeholder is a string so that a malformed id is a 400 that says so, not a 404.
    enum class Op { Get, Patch, Cancel };
    auto byId = [&ctx, item](Op op) {
        return [&ctx, item, op](const QString &idText, const QHttpServerRequest &req,
                                QHttpServerResponder &&responder) {
            PendingResponse r(std::move(responder), &ctx.metrics, item, req);
            if (auto e = ctx.access.check(req, true))
                return r.sendError(*e);
            if (!ctx.services.backfill)
                return r.sendError(unavailable());
            Result<qint64> id = pathId(idText);
            if (!id)
                return r.sendError(id.error());
            BackfillControl &control = *ctx.services.backfill;
            if (op == Op::Cancel) {
                if (VoidResult ok = control.cancel(*id); !ok)
                    return r.sendError(ok.error());
            } else if (op == Op::Patch) {
                const Result<JobPatch> patch = parsePatch(req.body());
                if (!patch)
                    return r.sendError(patch.error());
                if (!control.job(*id))
                    return r.sendError(Error(Error::Kind::NotFound, QStringLiteral("no backfill %1").arg(*id)));
                // Priority first: a job resumed with a new priority is scheduled by it.
                if (patch->priority)
                    if (VoidResult ok = control.setPriority(*id, *patch->priority); !ok)
                        return r.sendError(ok.error());
                if (patch->paused)
                    if (VoidResult ok = *patch->paused ? control.pause(*id) : control.resume(*id); !ok)
                        return r.sendError(ok.error());
            }
            const std::optional<BackfillJobInfo> job = ctx.services.backfill->job(*id);
            if (!job)
                return r.sendError(Error(Error::Kind::NotFound, QStringLiteral("no backfill %1").arg(*id)));
            r.sendJson(jobJson(*job));
        };
    };
    ctx.paths.append(QStringLiteral("/api/v1/backfills/"));
    server.route<HttpOnlyRule>(QStringLiteral("/api/v1/backfills/<arg>"), Method::Get, byId(Op::Get));
    server.route<HttpOnlyRule>(QStringLiteral("/api/v1/backfills/<arg>"), Method::Patch, byId(Op::Patch));
    server.route<HttpOnlyRule>(QStringLiteral("/api/v1/backfills/<arg>"), Method::Delete, byId(Op::Cancel));
}

} // namespace barkeep
