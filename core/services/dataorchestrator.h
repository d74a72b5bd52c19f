// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/sourcerun.h"
#include "datasources/aggregatesource.h"
#include "datasources/cachesource.h"
#include "datasources/dbsource.h"
#include "datasources/pluginsource.h"

#include <QHash>
#include <QMutex>
#include <QObject>

namespace barkeep {


// The seed's DataOrchestrator: bars for (series, range) from the cheapest exact source, per
// sub-range: the cache; the stored series of the timeframe asked for; an exact rollup of a
// complete finer stored series (1m, or a native timeframe that divides it); else a fetch of
// the provider's native timeframe (or of the coarsest native one that divides it, rolled up).
// 1m is fetched only when 1m is asked for, the provider has nothing coarser, or for the
// still-forming bucket. New bars are saved to the store (with their coverage) before they
// are served. Identical concurrent requests for a series are coalesced: the second waits for
// the first's fetch and then finds the range covered. bars() blocks; call it on a worker
// thread, never the GUI thread.
class BARKEEPCORE_EXPORT DataOrchestrator : public QObject
{
    Q_OBJECT

public:
    DataOrchestrator(BarStore *store, BarCache *cache, MarketService *market,
                     QObject *parent = nullptr);

    // Bars of series.timeframe with range.from <= t < range.to, ascending, at most `limit`
    // (0 = all). Fetches what no stored source answers from the provider first.
    Result<Bars> bars(const SeriesKey &series, TimeRange range, qint64 limit = 0);
    // The same with the source of each contiguous run of buckets.
    Result<SourcedBars> sourcedBars(const SeriesKey &series, TimeRange range, qint64 limit = 0);
    // Makes sure every bucket of series.timeframe (a native timeframe of the provider, or 1m)
    // in `range` (up to now) was fetched; returns bars written. A native candle that differs
    // from the rollup of complete stored 1m bars is kept and recorded as a data-health
    // finding (BarStore::recordFinding).
    Result<qint64> ensureFetched(const SeriesKey &series, TimeRange range,
                                 const std::atomic<bool> *cancel = nullptr);

    // Stores closed 1m bars that arrived some other way than a fetch (a provider stream's final
    // bars) with `covered` as fetched, like history: the live period never shows as a hole.
    Result<qint64> storeClosed(const SeriesKey &series1m, const Bars &bars, TimeRange covered);

    qint64 providerFetches() const { return m_providerFetches.load(); }

signals:
    // New bars of a 1m series were stored (queued to any thread that listens).
    void barsStored(const barkeep::SeriesKey &series, barkeep::TimeRange covered, qint64 written);
    // A data-health finding was recorded (a native candle differs from the rollup of stored
    // finer bars): `bar` is the value not served, `reason` says why. From the fetching thread.
    void findingRecorded(const barkeep::SeriesKey &series, const barkeep::Bar &bar,
                         const QString &reason);

private:
    struct Piece
    {
        TimeRange range;
        Timeframe source;  // the stored series the buckets come from
        bool fetch = false; // still to be fetched from the provider
    };
    std::shared_ptr<QMutex> seriesLock(const SeriesKey &series);
    // The closed buckets of `closed` (bucket-aligned), split by source.
    Result<std::vector<Piece>> plan(const SeriesKey &series, const Timeframe &tf, TimeRange closed,
                                    const ProviderInfo &info);
    // Complete buckets of `tf` in `range` rolled up from the stored series of `fine`.
    Result<Bars> readRollup(const SeriesKey &series, const Timeframe &tf, const Timeframe &fine,
                            TimeRange range);
    // Compares freshly stored native candles with the rollup of complete stored 1m bars.
    void checkAgainstMinutes(const SeriesKey &series, const Timeframe &tf, const Bars &native,
                             TimeRange covered);

    CacheSource m_cache;
    AggregateSource m_aggregates;
    DbSource m_db;
    PluginSource m_plugins;
    MarketService *m_market;
    QMutex m_locksMutex;
    QHash<SeriesKey, std::shared_ptr<QMutex>> m_locks;
    std::atomic<qint64> m_providerFetches{0};
};

} // namespace barkeep
