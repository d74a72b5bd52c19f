// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <QString>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace barkeep {

struct CacheCounters
{
    std::atomic<qint64> hits{0};
    std::atomic<qint64> misses{0};
    std::atomic<qint64> errors{0};
    std::atomic<qint64> latencyUsTotal{0};
    std::atomic<qint64> operations{0};
};

// The seed's Cache ABC (CacheManager): a cache of bar ranges in front of the store.
// A cached entry is the exact answer for (series, range); a miss returns std::nullopt.
// Failures never propagate as errors to readers: a broken cache behaves as a miss and
// the caller falls through to the store. Thread-safe.
class BARKEEPCORE_EXPORT BarCache
{
public:
    virtual ~BarCache();

    virtual QString describe() const = 0;
    virtual VoidResult open() = 0;
    virtual void close() = 0;

    // The seed's get_1m_bars / store_1m_bars and get_resampled / set_resampled in one:
    // the key is (series incl. timeframe, range).
    virtual std::optional<Bars> get(const SeriesKey &series, TimeRange range) = 0;
    virtual void put(const SeriesKey &series, TimeRange range, const Bars &bars) = 0;
    // Drops every entry of a series that overlaps `range` (after new bars are written).
    virtual void invalidate(const SeriesKey &series, TimeRange range) = 0;

    // Several ranges of one series at once (a chart scrolling over many pages): one round
    // trip where the backend allows it (Redis MGET / a pipelined SET). Results are in the
    // order of `ranges`. The defaults loop over get()/put().
    virtual std::vector<std::optional<Bars>> getMany(const SeriesKey &series,
                                                     const std::vector<TimeRange> &ranges);
    virtual void putMany(const SeriesKey &series, const std::vector<TimeRange> &ranges,
                         const std::vector<Bars> &bars);

    const CacheCounters &counters() const { return m_counters; }

protected:
    CacheCounters m_counters;
};

// Creates the cache for a cache.url (memory: | redis://host:port/db).
BARKEEPCORE_EXPORT Result<std::unique_ptr<BarCache>> createBarCache(const QString &url,
                                                                   qint64 memoryMaxBytes,
                                                                   int ttlSec);

} // namespace barkeep
