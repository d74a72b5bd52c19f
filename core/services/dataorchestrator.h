// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "datasources/aggregatesource.h"
#include "datasources/cachesource.h"
#include "datasources/dbsource.h"
#include "datasources/pluginsource.h"

#include <QHash>
#include <QMutex>
#include <QObject>

namespace barkeep {

// The seed's DataOrchestrator: bars for (series, range) through CacheSource → AggregateSource
// (rollups) → DbSource → PluginSource for what is missing only. New 1m bars are saved to the
// store (with their coverage) before they are served. Identical concurrent requests for a
// series are coalesced: the second waits for the first's fetch and then finds the range
// covered. bars() blocks; call it on a worker thread, never the GUI thread.
class BARKEEPCORE_EXPORT DataOrchestrator : public QObject
{
    Q_OBJECT

public:
    DataOrchestrator(BarStore *store, BarCache *cache, MarketService *market,
                     QObject *parent = nullptr);

    // Bars of series.timeframe with range.from <= t < range.to, ascending, at most `limit`
    // (0 = all). Fetches missing 1m history from the provider first.
    Result<Bars> bars(const SeriesKey &series, TimeRange range, qint64 limit = 0);
    // Makes sure every 1m minute of `range` (up to now) was fetched; returns bars written.
    Result<qint64> ensureFetched(const SeriesKey &series, TimeRange range,
                                 const std::atomic<bool> *cancel = nullptr);

    // Stores closed 1m bars that arrived some other way than a fetch (a provider stream's final
    // bars) with `covered` as fetched, like history: the live period never shows as a hole.
    Result<qint64> storeClosed(const SeriesKey &series1m, const Bars &bars, TimeRange covered);

    qint64 providerFetches() const { return m_providerFetches.load(); }

signals:
    // New bars of a 1m series were stored (queued to any thread that listens).
    void barsStored(const barkeep::SeriesKey &series, barkeep::TimeRange covered, qint64 written);

private:
    std::shared_ptr<QMutex> seriesLock(const SeriesKey &series);

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
