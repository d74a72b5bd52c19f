// SPDX-License-Identifier: GPL-3.0-or-later
#include "barscontroller.h"

#include "apicontext.h"
#include "barjsonencoder.h"
#include "model/timeframe.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "storage/barstore.h"
#include "util/whenfinished.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtConcurrent>

namespace barkeep {

namespace {
Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }

void sendOhlcv(const PendingResponse &r, const ResponseCache::Entry &e)
{
    PendingResponse::Headers h;
    if (e.next >= 0 && e.contentType.startsWith("text/csv"))
        h.append(qMakePair(QByteArrayLiteral("X-Next-Since"), QByteArray::number(e.next)));
    if (!e.sources.isEmpty())
        h.append(qMakePair(QByteArrayLiteral("X-Bar-Sources"), e.sources));
    r.send(200, e.body, e.contentType, h);
}

} // namespace

QByteArray BarsController::sourcesHeader(const SourceRuns &sources)
{
    QByteArray out;
    for (const SourceRun &s : sources) {
        if (!out.isEmpty())
            out += ',';
        out += s.source.toLatin1() + ' ' + QByteArray::number(s.range.from) + ' '
            + QByteArray::number(s.range.to);
    }
    return out;
}

QByteArray BarsController::ohlcvJson(const SeriesKey &key, const Bars &bars, qint64 next, bool qjson,
                                     const SourceRuns &sources)
{
    if (qjson) {
        QJsonArray arr;
        for (const Bar &b : bars)
            arr.append(QJsonArray{b.t, b.o, b.h, b.l, b.c, b.v});
        QJsonObject o{{QStringLiteral("market"), key.market},
                      {QStringLiteral("provider"), key.provider},
                      {QStringLiteral("symbol"), key.symbol},
                      {QStringLiteral("timeframe"), key.timeframe},
                      {QStringLiteral("bars"), arr}};
        if (next >= 0)
            o.insert(QStringLiteral("next"), next);
        if (!sources.empty()) {
            QJsonArray runs;
            for (const SourceRun &s : sources)
                runs.append(QJsonObject{{QStringLiteral("from"), s.range.from},
                                        {QStringLiteral("to"), s.range.to},
                                        {QStringLiteral("source"), s.source}});
            o.insert(QStringLiteral("sources"), runs);
        }
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }
    QByteArray body;
    body.reserve(qsizetype(bars.size()) * 72 + 256);
    body.append("{\"market\":");
    BarJsonEncoder::appendString(body, key.market);
    body.append(",\"provider\":");
    BarJsonEncoder::appendString(body, key.provider);
    body.append(",\"symbol\":");
    BarJsonEncoder::appendString(body, key.symbol);
    body.append(",\"timeframe\":");
    BarJsonEncoder::appendString(body, key.timeframe);
    body.append(",\"bars\":");
    BarJsonEncoder::appendBars(body, bars);
    if (next >= 0) {
        body.append(",\"next\":");
        BarJsonEncoder::appendInt(body, next);
    }
    if (!sources.empty()) {
        body.append(",\"sources\":[");
        for (size_t i = 0; i < sources.size(); ++i) {
            body.append(i ? ",{\"from\":" : "{\"from\":");
            BarJsonEncoder::appendInt(body, sources[i].range.from);
            body.append(",\"to\":");
            BarJsonEncoder::appendInt(body, sources[i].range.to);
            body.append(",\"source\":");
            BarJsonEncoder::appendString(body, sources[i].source);
            body.append('}');
        }
        body.append(']');
    }
    body.append('}');
    return body;
}

void BarsController::registerRoutes(QHttpServer &server)
{
    using Method = QHttpServerRequest::Method;
    ApiContext &ctx = m_ctx;

    addRoute(server, ctx, QStringLiteral("/api/v1/ohlcv"), Method::Get, true,
             [&ctx](const QHttpServerRequest &req, const PendingResponse &r) {
                 const ApiQuery q(req);
                 Result<SeriesKey> key = q.series(*ctx.services.registry, {.symbol = true, .timeframe = true});
                 if (!key)
                     return r.sendError(key.error());
                 const Timeframe tf = *Timeframe::parse(key->timeframe);
                 const qint64 dur = tf.durationMs();
                 Result<qint64> limit = q.integer(QStringLiteral("limit"), ctx.options.defaultBars, 1,
                                                  ctx.options.maxBarsPerAnswer);
                 if (!limit)
                     return r.sendError(limit.error());
                 const qint64 now = ctx.now();
                 Result<qint64> until = q.integer(QStringLiteral("until"),
                                                  std::min(kApiMaxTime, tf.bucketStart(now) + dur),
                                                  0, kApiMaxTime);
                 if (!until)
                     return r.sendError(until.error());
                 Result<qint64> since = q.integer(QStringLiteral("since"),
                                                  std::max<qint64>(0, *until - *limit * dur), 0,
                                                  kApiMaxTime);
                 if (!since)
                     return r.sendError(since.error());
                 if (*since >= *until)
                     return r.sendError(badInput(QStringLiteral("'since' (%1) must be before 'until' (%2)")
                                                     .arg(*since).arg(*until)));
                 const QString format = q.optional(QStringLiteral("format"));
                 if (!format.isEmpty() && format != QLatin1String("json") && format != QLatin1String("csv"))
                     return r.sendError(badInput(QStringLiteral("'format' must be json or csv, got '%1'")
                                                     .arg(format.left(16))));
                 // Never fetch further than `limit` bars can reach, nor more than maxSpanDays
                 // of history in one answer; `next` tells the script where to continue.
                 const qint64 reach = std::min(*limit * dur * (tf.isMonthly() ? 2 : 1),
                                               qint64(ctx.options.maxSpanDays) * kDayMs);
                 const TimeRange range{*since, std::min(*until, *since + std::max(reach, dur))};
                 const bool csv = format == QLatin1String("csv");
                 // The normalized question: the same resolved numbers give the same answer.
                 // Only answers made of closed bars are kept; one reaching the forming bucket
                 // changes without a store write.
                 const bool cacheable = range.to <= tf.bucketStart(now);
                 QByteArray cacheKey;
                 if (cacheable) {
                     cacheKey = (csv ? "csv|" : "json|") + key->market.toUtf8() + '|'
                         + key->provider.toUtf8() + '|' + key->symbol.toUtf8() + '|'
                         + key->timeframe.toLatin1() + '|' + QByteArray::number(range.from) + '|'
                         + QByteArray::number(range.to) + '|' + QByteArray::number(*until) + '|'
                         + QByteArray::number(*limit);
                     ResponseCache::Entry hit;
                     if (ctx.responses.find(cacheKey, now, &hit))
                         return sendOhlcv(r, hit);
                 }
                 const quint64 generation = ctx.responses.generation();
                 // Reading and encoding both run on the pool: the API thread only parses,
                 // checks and writes, so encoding a miss never stalls the other connections.
                 whenFinished(QtConcurrent::run(&ctx.pool, [&ctx, key = *key, range, until = *until, limit = *limit,
                                               csv, cacheable, cacheKey, generation,
                                               now]() -> Result<ResponseCache::Entry> {
                     if (VoidResult ok = ctx.symbols.check(key.market, key.provider, key.symbol); !ok)
                         return ok.error();
                     Result<SourcedBars> sourced = ctx.services.orchestrator->sourcedBars(key, range, limit);
                     if (!sourced)
                         return sourced.error();
                     const Bars *bars = &sourced->bars;
                     ResponseCache::Entry e;
                     if (qint64(bars->size()) >= limit && !bars->empty())
                         e.next = bars->back().t + 1;
                     else if (range.to < until)
                         e.next = range.to;
                     if (csv) {
                         e.body = BarJsonEncoder::csv(*bars);
                         e.contentType = QByteArrayLiteral("text/csv; charset=utf-8");
                         e.sources = sourcesHeader(sourced->sources);
                     } else {
                         e.body = ohlcvJson(key, *bars, e.next, ctx.options.qjsonBaseline, sourced->sources);
                         e.contentType = QByteArrayLiteral("application/json");
                     }
                     e.body.squeeze(); // the encoder reserved for the worst case
                     if (cacheable)
                         ctx.responses.insert(cacheKey,
                                              ResponseCache::seriesId(key.market, key.provider, key.symbol),
                                              e, now, generation);
                     return e;
                 }), ctx.receiver, [r](const Result<ResponseCache::Entry> &e) {
                     if (!e)
                         return r.sendError(e.error());
                     sendOhlcv(r, *e);
                 });
             });

    addRoute(server, ctx, QStringLiteral("/api/v1/coverage"), Method::Get, true,
             [&ctx](const QHttpServerRequest &req, const PendingResponse &r) {
                 const ApiQuery q(req);
                 // The ledger of one timeframe's series (1m unless asked): each native
                 // timeframe has its own.
                 Result<SeriesKey> key = q.series(*ctx.services.registry, {.symbol = true, .timeframe = true});
                 if (!key)
                     return r.sendError(key.error());
                 const auto info = ctx.services.registry->provider(key->market, key->provider);
                 const qint64 now = ctx.now() / kMinuteMs * kMinuteMs;
                 Result<qint64> until = q.integer(QStringLiteral("until"), now, 0, kApiMaxTime);
                 if (!until)
                     return r.sendError(until.error());
                 const qint64 maxRange = qint64(ctx.options.maxRangeDays) * kDayMs;
                 Result<qint64> since = q.integer(QStringLiteral("since"),
                                                  std::max(info->earliestMs, *until - maxRange), 0,
                                                  kApiMaxTime);
                 if (!since)
                     return r.sendError(since.error());
                 if (*since >= *until)
                     return r.sendError(badInput(QStringLiteral("'since' (%1) must be before 'until' (%2)")
                                                     .arg(*since).arg(*until)));
                 if (*until - *since > maxRange)
                     return r.sendError(badInput(QStringLiteral("the range spans %1 days, more than %2: "
                                                                "ask for a shorter 'since'..'until'")
                                                     .arg((*until - *since) / kDayMs)
                                                     .arg(ctx.options.maxRangeDays)));
                 const TimeRange range{*since, *until};
                 whenFinished(QtConcurrent::run(&ctx.pool, [&ctx, key = *key, range]() -> Result<QJsonObject> {
                     if (VoidResult ok = ctx.symbols.check(key.market, key.provider, key.symbol); !ok)
                         return ok.error();
                     Result<CoverageIntervals> cov = ctx.services.store->coverage(key, range);
                     if (!cov)
                         return cov.error();
                     Result<TimeRanges> gaps = ctx.services.store->gaps(key, range);
                     if (!gaps)
                         return gaps.error();
                     Result<std::vector<QuarantinedBar>> quarantined = ctx.services.store->quarantine(key);
                     if (!quarantined)
                         return quarantined.error();
                     QJsonArray bars, empty, holes, findings;
                     auto pair = [](TimeRange t) { return QJsonArray{t.from, t.to}; };
                     for (const CoverageInterval &c : *cov)
                         (c.state == CoverageState::Bars ? bars : empty).append(pair(c.range));
                     for (const TimeRange &g : *gaps)
                         holes.append(pair(g));
                     // Data health: bars validation rejected and native candles that disagree
                     // with the rollup of stored finer bars, inside the range asked about.
                     for (const QuarantinedBar &f : *quarantined) {
                         if (!range.contains(f.bar.t))
                             continue;
                         findings.append(QJsonObject{
                             {QStringLiteral("t"), f.bar.t},
                             {QStringLiteral("bar"), QJsonArray{f.bar.t, f.bar.o, f.bar.h, f.bar.l, f.bar.c, f.bar.v}},
                             {QStringLiteral("reason"), f.reason},
                             {QStringLiteral("at"), f.quarantinedAtMs}});
                         if (findings.size() >= 1000)
                             break;
                     }
                     return QJsonObject{{QStringLiteral("market"), key.market},
                                        {QStringLiteral("provider"), key.provider},
                                        {QStringLiteral("symbol"), key.symbol},
                                        {QStringLiteral("timeframe"), key.timeframe},
                                        {QStringLiteral("since"), range.from},
                                        {QStringLiteral("until"), range.to},
                                        {QStringLiteral("bars"), bars},
                                        {QStringLiteral("empty"), empty},
                                        {QStringLiteral("gaps"), holes},
                                        {QStringLiteral("findings"), findings}};
                 }), ctx.receiver, [r](const Result<QJsonObject> &o) {
                     if (!o)
                         return r.sendError(o.error());
                     r.sendJson(*o);
                 });
             });
}

} // namespace barkeep
