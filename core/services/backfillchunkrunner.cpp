// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillchunkrunner.h"

#include "cache/barcache.h"
#include "log/logging.h"
#include "marketservice.h"
#include "requestpacer.h"
#include "storage/barstore.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimeZone>

#include <algorithm>

namespace barkeep {

ChunkOutcome BackfillChunkRunner::run(const Job &job, const BackfillChunk &chunk,
                                      const BackfillTuning &tuning, const Hooks &hooks) const
{
    using Outcome = ChunkOutcome::Result;
    ChunkOutcome out;
    const auto done = [&out](Outcome result) {
        out.result = result;
        return out;
    };
    const SeriesKey &series = job.series;
    Result<std::shared_ptr<MarketPlugin>> plugin = m_market->plugin(series.market, series.provider);
    if (!plugin) {
        out.reason = plugin.error().message();
        return done(Outcome::Failed);
    }
    RequestGate *gate = m_market->gate(series.provider);
    Result<ChunkClaim> claimed = hooks.claim();
    if (!claimed) {
        if (claimed.error().kind() == Error::Kind::Cancelled)
            return done(Outcome::Aborted);
        out.reason = claimed.error().message();
        return done(Outcome::Failed);
    }
    out.deferred = claimed->deferred;
    const TimeRange range = claimed->fetch;
    if (range.isEmpty())
        return done(claimed->deferred ? Outcome::Deferred : Outcome::Skipped);
    // After the commit (or the failure): the store's claim, then this process' registry.
    struct Release
    {
        const Hooks &hooks;
        TimeRange held;
        ~Release() { hooks.release(held); }
    } releaseOnExit{hooks, claimed->held};

    int attempts = 0;
    int rateWaits = 0;
    for (;;) {
        if (job.abort->load())
            return done(Outcome::Aborted);
        RequestPacer::takeThreadUsage();
        Result<BarBatch> batch = [&] {
            if (chunk.archive) {
                const QDate d = QDateTime::fromMSecsSinceEpoch(range.from, QTimeZone::utc()).date();
                return (*plugin)->fetchArchiveMonth(series.symbol, d.year(), d.month());
            }
            BarRequest req;
            req.symbol = series.symbol;
            req.timeframe = series.timeframe;
            req.since = range.from;
            req.until = range.to;
            req.cancel = job.abort;
            return (*plugin)->fetchBars(req);
        }();
        const RequestPacer::ThreadUsage usage = RequestPacer::takeThreadUsage();
        if (usage.requests > 0)
            hooks.addUsage(usage.requests, usage.weight);
        else if (batch) // a plugin without HTTP (demo): its own count
            hooks.addUsage(batch->requests, qint64(batch->requests) * std::max(1, job.provider.klinesWeight));

        if (batch) {
            if (!batch->covered.isEmpty()) {
                // Never record more than we claimed (the archive answers for its month,
                // which is what it claimed).
                TimeRange covered{std::max(batch->covered.from, range.from),
                                  std::min(batch->covered.to, range.to)};
                Bars bars;
                bars.reserve(batch->bars.size());
                for (const Bar &b : batch->bars)
                    if (covered.contains(b.t))
                        bars.push_back(b);
                Result<WriteReport> w = m_store->writeBars(series, bars, covered);
                if (!w) {
                    out.reason = w.error().message();
                    if (++attempts >= tuning.maxAttempts)
                        return done(Outcome::Failed);
                    continue;
                }
                if (m_cache)
                    m_cache->invalidate(series, covered);
                out.stored = covered;
                out.written = w->written;
            }
            hooks.setWaitReason({});
            return done(Outcome::Stored);
        }

        const Error &e = batch.error();
        out.reason = e.message();
        switch (e.kind()) {
        case Error::Kind::Cancelled:
            return done(Outcome::Aborted);
        case Error::Kind::Banned:
        case Error::Kind::RateLimited: {
            if (++rateWaits > tuning.maxRateLimitWaits)
                return done(Outcome::Failed);
            const GateState blocked = gate ? gate->state() : GateState{};
            const QString why = blocked.blocked() ? blocked.text
                : e.kind() == Error::Kind::Banned
                ? QStringLiteral("banned by %1").arg(series.provider)
                : QStringLiteral("rate limited by %1").arg(series.provider);
            hooks.setWaitReason(why);
            qCInfo(lcBackfill).noquote() << "job" << job.id << "waits:" << why;
            if (gate)
                gate->waitUntilClear(job.abort);
            else if (!hooks.pauseFor(e.retryAfterMs() > 0 ? e.retryAfterMs() : 1000))
                return done(Outcome::Aborted);
            hooks.setWaitReason({});
            continue;
        }
        case Error::Kind::NotFound:
        case Error::Kind::Unsupported:
            if (chunk.archive)
                return done(Outcome::Replaced); // no archive for this month: REST instead
            return done(Outcome::Failed);
        case Error::Kind::Network:
        case Error::Kind::Upstream:
        case Error::Kind::BadResponse:
        case Error::Kind::Unavailable:
        case Error::Kind::Storage: {
            ++attempts;
            // A broken or unreachable archive file: REST instead, after one more try.
            if (chunk.archive && attempts >= 2)
                return done(Outcome::Replaced);
            if (attempts >= tuning.maxAttempts)
                return done(Outcome::Failed);
            const qint64 base = std::min<qint64>(qint64(tuning.backoffBaseMs) << std::min(attempts - 1, 20),
                                                 tuning.backoffMaxMs);
            const qint64 jitter = base > 1 ? QRandomGenerator::global()->bounded(base / 2 + 1) : 0;
            qCDebug(lcBackfill).noquote() << "job" << job.id << "retry" << attempts << "in"
                                          << base + jitter << "ms:" << e.message();
            if (!hooks.pauseFor(base + jitter))
                return done(Outcome::Aborted);
            continue;
        }
        default:
            return done(Outcome::Failed);
        }
    }
}

} // namespace barkeep
