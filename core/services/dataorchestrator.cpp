// SPDX-License-Identifier: GPL-3.0-or-later
#include "dataorchestrator.h"

#include "log/logging.h"
#include "model/timeframe.h"
#include "storage/coverageledger.h"
#include "storage/rollup.h"
#include "timeframesources.h"

#include <algorithm>
#include <cmath>

#include <QDateTime>

namespace barkeep {

DataOrchestrator::DataOrchestrator(BarStore *store, BarCache *cache, MarketService *market,
                                   QObject *parent)
    : QObject(parent), m_cache(cache), m_aggregates(store), m_db(store), m_plugins(market),
      m_market(market)
{
    qRegisterMetaType<SeriesKey>();
    qRegisterMetaType<TimeRange>();
    qRegisterMetaType<Bar>();
}

std::shared_ptr<QMutex> DataOrchestrator::seriesLock(const SeriesKey &series)
{
    QMutexLocker lock(&m_locksMutex);
    auto &m = m_locks[series];
    if (!m)
        m = std::make_shared<QMutex>();
    return m;
}

Result<qint64> DataOrchestrator::ensureFetched(const SeriesKey &series, TimeRange range,
                                               const std::atomic<bool> *cancel)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch() / kMinuteMs * kMinuteMs;
    const auto info = m_market->registry()->provider(series.market, series.provider);
    if (!info)
        return Error(Error::Kind::NotFound, QStringLiteral("unknown provider '%1' in market '%2'")
                                                .arg(series.provider, series.market));
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    range.from = std::max(range.from, info->earliestMs);
    range.to = std::min(range.to, now);
    if (range.isEmpty())
        return qint64(0);
    const bool native = tf->minuteCount() != 1;

    // Coalescing: one fetcher per series at a time; whoever comes second re-reads the gaps
    // after the first is done and finds them filled.
    std::shared_ptr<QMutex> lock = seriesLock(series);
    QMutexLocker locker(lock.get());
    Result<TimeRanges> gaps = m_db.gaps(series, range);
    if (!gaps)
        return gaps.error();
    qint64 written = 0;
    for (const TimeRange &gap : *gaps) {
        VoidResult ok = m_plugins.fetch(series, gap, [&](const BarBatch &batch) -> VoidResult {
            ++m_providerFetches;
            if (batch.covered.isEmpty())
                return {};
            Result<WriteReport> report = m_db.write(series, batch.bars, batch.covered);
            if (!report)
                return report.error();
            m_cache.invalidate(series, batch.covered);
            written += report->written;
            if (native)
                checkAgainstMinutes(series, *tf, batch.bars, batch.covered);
            emit barsStored(series, batch.covered, report->written);
            return {};
        }, cancel);
        if (!ok)
            return ok.error();
    }
    return written;
}

void DataOrchestrator::checkAgainstMinutes(const SeriesKey &series, const Timeframe &tf,
                                           const Bars &native, TimeRange covered)
{
    const SeriesKey series1m = series.withTimeframe(QStringLiteral("1m"));
    const TimeRange buckets = Rollup::sourceRange(tf, covered);
    Result<TimeRanges> gaps = m_db.gaps(series1m, buckets);
    if (!gaps || (gaps->size() == 1 && gaps->front() == buckets))
        return; // no complete minute bucket to compare with (the common case)
    for (const TimeRange &whole : TimeframeSources::completeBuckets(buckets, *gaps, tf)) {
        Result<Bars> minutes = m_db.read(series1m, whole, 0);
        if (!minutes)
            return;
        const RollupBars rolled = Rollup::compute(*minutes, tf, whole, TimeRanges{});
        auto nat = std::lower_bound(native.begin(), native.end(), whole.from,
                                    [](const Bar &b, qint64 t) { return b.t < t; });
        for (const RollupBar &r : rolled) {
            while (nat != native.end() && nat->t < r.bar.t)
                ++nat;
            const Bar *n = nat != native.end() && nat->t == r.bar.t ? &*nat : nullptr;
            const auto volumeDiffers = [](double a, double b) {
                return std::abs(a - b) > 1e-9 * std::max(std::abs(a), std::abs(b)) + 1e-12;
            };
            QString reason;
            if (!n)
                reason = QStringLiteral("the provider has no %1 candle where the 1m bars roll up to one")
                             .arg(tf.name());
            else if (n->o != r.bar.o || n->h != r.bar.h || n->l != r.bar.l || n->c != r.bar.c
                     || volumeDiffers(n->v, r.bar.v))
                reason = QStringLiteral("the native %1 candle (o %2 h %3 l %4 c %5 v %6) differs from "
                                        "the rollup of stored 1m bars (this bar); the native one is served")
                             .arg(tf.name())
                             .arg(QString::number(n->o, 'g', QLocale::FloatingPointShortest), QString::number(n->h, 'g', QLocale::FloatingPointShortest), QString::number(n->l, 'g', QLocale::FloatingPointShortest))
                             .arg(QString::number(n->c, 'g', QLocale::FloatingPointShortest), QString::number(n->v, 'g', QLocale::FloatingPointShortest));
            if (reason.isEmpty())
                continue;
            qCWarning(lcOrchestrator).noquote() << series.toString() << r.bar.t << reason;
            if (VoidResult ok = m_db.store()->recordFinding(series, r.bar, reason); !ok)
                qCWarning(lcOrchestrator).noquote() << "cannot record the finding:" << ok.error().message();
            emit findingRecorded(series, r.bar, reason);
        }
    }
}

Result<qint64> DataOrchestrator::storeClosed(const SeriesKey &series1m, const Bars &bars,
                                             TimeRange covered)
{
    std::shared_ptr<QMutex> lock = seriesLock(series1m);
    QMutexLocker locker(lock.get());
    Result<WriteReport> report = m_db.write(series1m, bars, covered);
    if (!report)
        return report.error();
    m_cache.invalidate(series1m, covered);
    emit barsStored(series1m, covered, report->written);
    return report->written;
}

Result<Bars> DataOrchestrator::bars(const SeriesKey &series, TimeRange range, qint64 limit)
{
    Result<SourcedBars> r = sourcedBars(series, range, limit);
    if (!r)
        return r.error();
    return std::move(r->bars);
}

Result<std::vector<DataOrchestrator::Piece>>
DataOrchestrator::plan(const SeriesKey &series, const Timeframe &tf, TimeRange closed,
                       const ProviderInfo &info)
{
    std::vector<Piece> pieces;
    TimeRanges todo{closed};
    // 1. The stored series of the timeframe asked for.
    Result<TimeRanges> own = m_db.gaps(series, closed);
    if (!own)
        return own.error();
    for (const TimeRange &r : TimeframeSources::completeBuckets(closed, *own, tf))
        pieces.push_back({r, tf, false});
    todo = TimeframeSources::widenToBuckets(*own, tf);
    todo = CoverageLedger::intersect(todo, TimeRanges{closed});

    const std::vector<Timeframe> native = TimeframeSources::parseNative(info.timeframes);
    const bool tfNative = std::find(native.begin(), native.end(), tf) != native.end();
    // 2. Exact rollups of complete finer stored series, coarsest first (fewest bars to read).
    // Stocks: a native daily candle counts trades the minutes leave out, so when the provider
    // has the timeframe, its own candle is fetched rather than rolled up from minutes.
    if (!(tfNative && series.market == QLatin1String("stocks"))) {
        std::vector<Timeframe> finer = TimeframeSources::finerNative(native, tf);
        if (std::find(finer.begin(), finer.end(), Timeframe::minutes(1)) == finer.end())
            finer.push_back(Timeframe::minutes(1));
        for (const Timeframe &f : finer) {
            if (todo.empty())
                break;
            TimeRanges rest;
            for (const TimeRange &r : todo) {
                Result<TimeRanges> g = m_db.gaps(series.withTimeframe(f.name()), r);
                if (!g)
                    return g.error();
                const TimeRanges whole = TimeframeSources::completeBuckets(r, *g, tf);
                for (const TimeRange &w : whole)
                    pieces.push_back({w, f, false});
                const TimeRanges left = CoverageLedger::subtract(TimeRanges{r}, whole);
                rest.insert(rest.end(), left.begin(), left.end());
            }
            todo = std::move(rest);
        }
    }
    // 3. The provider: its own candles of this timeframe, or of the coarsest that divides it.
    const Timeframe fetchTf = TimeframeSources::fetchTimeframe(native, tf);
    for (const TimeRange &r : todo)
        pieces.push_back({r, fetchTf, true});
    std::sort(pieces.begin(), pieces.end(),
              [](const Piece &a, const Piece &b) { return a.range.from < b.range.from; });
    return pieces;
}

Result<Bars> DataOrchestrator::readRollup(const SeriesKey &series, const Timeframe &tf,
                                          const Timeframe &fine, TimeRange range)
{
    const SeriesKey fineSeries = series.withTimeframe(fine.name());
    // The ledger before the bars: a write landing in between can only make a bucket look
    // incomplete (not served this time), never complete without its bars.
    Result<TimeRanges> gaps = m_db.gaps(fineSeries, range);
    if (!gaps)
        return gaps.error();
    Result<Bars> fineBars = m_db.read(fineSeries, range, 0);
    if (!fineBars)
        return fineBars.error();
    const RollupBars rolled = Rollup::compute(*fineBars, tf, range, *gaps);
    Bars out;
    out.reserve(rolled.size());
    for (const RollupBar &r : rolled)
        if (r.complete)
            out.push_back(r.bar);
    return out;
}

Result<SourcedBars> DataOrchestrator::sourcedBars(const SeriesKey &series, TimeRange range, qint64 limit)
{
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    SourcedBars out;
    // Only ranges wholly in the past are cached: their answer can no longer grow.
    const bool cacheable = range.to <= now - kMinuteMs;
    if (cacheable) {
        if (std::optional<Bars> hit = m_cache.get(series, range)) {
            if (limit > 0 && qint64(hit->size()) > limit)
                hit->resize(size_t(limit));
            out.bars = *std::move(hit);
            out.sources.push_back({range, QStringLiteral("cache")});
            return out;
        }
    }
    const auto info = m_market->registry()->provider(series.market, series.provider);
    if (!info)
        return Error(Error::Kind::NotFound, QStringLiteral("unknown provider '%1' in market '%2'")
                                                .arg(series.provider, series.market));
    const SeriesKey series1m = series.withTimeframe(QStringLiteral("1m"));
    auto addRun = [&](TimeRange r, const QString &source) {
        if (!out.sources.empty() && out.sources.back().source == source
            && out.sources.back().range.to == r.from)
            out.sources.back().range.to = r.to;
        else
            out.sources.push_back({r, source});
    };

    if (tf->minuteCount() == 1) {
        if (Result<qint64> fetched = ensureFetched(series1m, range); !fetched)
            return fetched.error();
        Result<Bars> read = m_db.read(series1m, range, cacheable ? 0 : limit);
        if (!read)
            return read.error();
        out.bars = *std::move(read);
        addRun(range, QStringLiteral("native:1m"));
    } else {
        const TimeRange wanted{tf->bucketStart(range.from),
                               range.to > range.from ? tf->bucketEnd(tf->bucketStart(range.to - 1)) : range.to};
        const qint64 forming = tf->bucketStart(now);
        const TimeRange closed{wanted.from, std::min(wanted.to, forming)};
        if (!closed.isEmpty()) {
            Result<std::vector<Piece>> pieces = plan(series, *tf, closed, *info);
            if (!pieces)
                return pieces.error();
            for (const Piece &p : *pieces) {
                const SeriesKey source = series.withTimeframe(p.source.name());
                if (p.fetch) {
                    if (Result<qint64> fetched = ensureFetched(source, p.range); !fetched)
                        return fetched.error();
                }
                Result<Bars> read = p.source == *tf ? m_db.read(series, p.range, 0)
                                                    : readRollup(series, *tf, p.source, p.range);
                if (!read)
                    return read.error();
                out.bars.insert(out.bars.end(), read->begin(), read->end());
                addRun(p.range, (p.source == *tf ? QStringLiteral("native:") : QStringLiteral("rollup:"))
                                    + p.source.name());
            }
        }
        if (wanted.to > forming) {
            // The forming bucket: providers never hand out a candle that is still open, so it
            // is rolled up from the minutes so far (incomplete, flagged as such by the rollup).
            const TimeRange formingRange{std::max(forming, wanted.from), wanted.to};
            if (Result<qint64> fetched = ensureFetched(series1m, formingRange); !fetched)
                return fetched.error();
            Result<Bars> read = m_aggregates.read(series, formingRange, now);
            if (!read)
                return read.error();
            out.bars.insert(out.bars.end(), read->begin(), read->end());
            addRun(formingRange, QStringLiteral("rollup:1m"));
        }
        std::erase_if(out.bars, [&](const Bar &b) { return b.t < range.from || b.t >= range.to; });
    }
    if (cacheable)
        m_cache.put(series, range, out.bars);
    if (limit > 0 && qint64(out.bars.size()) > limit) {
        out.bars.resize(size_t(limit));
        // Runs past the last bar kept are not part of the answer.
        const qint64 end = tf->bucketEnd(tf->bucketStart(out.bars.back().t));
        std::erase_if(out.sources, [&](const SourceRun &s) { return s.range.from >= end; });
        if (!out.sources.empty())
            out.sources.back().range.to = std::min(out.sources.back().range.to, end);
    }
    return out;
}

} // namespace barkeep
