// SPDX-License-Identifier: GPL-3.0-or-later
#include "dataorchestrator.h"

#include "log/logging.h"
#include "model/timeframe.h"

#include <QDateTime>

namespace barkeep {

DataOrchestrator::DataOrchestrator(BarStore *store, BarCache *cache, MarketService *market,
                                   QObject *parent)
    : QObject(parent), m_cache(cache), m_aggregates(store), m_db(store), m_plugins(market),
      m_market(market)
{
    qRegisterMetaType<SeriesKey>();
    qRegisterMetaType<TimeRange>();
}

std::shared_ptr<QMutex> DataOrchestrator::seriesLock(const SeriesKey &series)
{
    QMutexLocker lock(&m_locksMutex);
    auto &m = m_locks[series];
    if (!m)
        m = std::make_shared<QMutex>();
    return m;
}

Result<qint64> DataOrchestrator::ensureFetched(const SeriesKey &series1m, TimeRange range,
                                               const std::atomic<bool> *cancel)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch() / kMinuteMs * kMinuteMs;
    const auto info = m_market->registry()->provider(series1m.market, series1m.provider);
    if (!info)
        return Error(Error::Kind::NotFound, QStringLiteral("unknown provider '%1' in market '%2'")
                                                .arg(series1m.provider, series1m.market));
    range.from = std::max(range.from, info->earliestMs);
    range.to = std::min(range.to, now);
    if (range.isEmpty())
        return qint64(0);

    // Coalescing: one fetcher per series at a time; whoever comes second re-reads the gaps
    // after the first is done and finds them filled.
    std::shared_ptr<QMutex> lock = seriesLock(series1m);
    QMutexLocker locker(lock.get());
    Result<TimeRanges> gaps = m_db.gaps(series1m, range);
    if (!gaps)
        return gaps.error();
    qint64 written = 0;
    for (const TimeRange &gap : *gaps) {
        VoidResult ok = m_plugins.fetch(series1m, gap, [&](const BarBatch &batch) -> VoidResult {
            ++m_providerFetches;
            if (batch.covered.isEmpty())
                return {};
            Result<WriteReport> report = m_db.write(series1m, batch.bars, batch.covered);
            if (!report)
                return report.error();
            m_cache.invalidate(series1m, batch.covered);
            written += report->written;
            emit barsStored(series1m, batch.covered, report->written);
            return {};
        }, cancel);
        if (!ok)
            return ok.error();
    }
    return written;
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
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Only ranges wholly in the past are cached: their answer can no longer grow.
    const bool cacheable = range.to <= now - kMinuteMs;
    if (cacheable) {
        if (std::optional<Bars> hit = m_cache.get(series, range)) {
            if (limit > 0 && qint64(hit->size()) > limit)
                hit->resize(size_t(limit));
            return *std::move(hit);
        }
    }
    const SeriesKey series1m = series.withTimeframe(QStringLiteral("1m"));
    const TimeRange wanted{tf->bucketStart(range.from),
                           range.to > range.from ? tf->bucketEnd(tf->bucketStart(range.to - 1)) : range.to};
    if (Result<qint64> fetched = ensureFetched(series1m, wanted); !fetched)
        return fetched.error();

    Result<Bars> result = tf->minuteCount() == 1 ? m_db.read(series1m, range, cacheable ? 0 : limit)
                                                : m_aggregates.read(series, range, now);
    if (!result)
        return result.error();
    Bars bars = *std::move(result);
    if (tf->minuteCount() != 1)
        std::erase_if(bars, [&](const Bar &b) { return b.t < range.from || b.t >= range.to; });
    if (cacheable)
        m_cache.put(series, range, bars);
    if (limit > 0 && qint64(bars.size()) > limit)
        bars.resize(size_t(limit));
    return bars;
}

} // namespace barkeep
