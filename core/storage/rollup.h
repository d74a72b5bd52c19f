// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/timeframe.h"
#include "storage/barstore.h"

namespace barkeep {

// Exact rollup of 1m bars to any Timeframe (the seed's continuous aggregates): open first,
// high max, low min, close last, volume sum, buckets aligned in UTC as Timeframe::bucketStart
// says (minute multiples to the epoch, weeks from Monday 00:00, calendar months). Pure
// computation shared by every BarStore.
class BARKEEPCORE_EXPORT Rollup
{
public:
    // The buckets served for `range` are those whose start lies in [range.from, range.to);
    // this is the span of 1m bars (and coverage) they need.
    static TimeRange sourceRange(const Timeframe &timeframe, TimeRange range);

    // `oneMinute` ascending. A bucket with no bar is omitted; a bucket that overlaps any of
    // `gaps` (never-fetched ranges, normalized) is marked incomplete. At most `limit` buckets
    // when limit > 0, earliest first.
    static RollupBars compute(const Bars &oneMinute, const Timeframe &timeframe, TimeRange range,
                              const TimeRanges &gaps, qint64 limit = 0);
    // Same, with completeness from the ledger: a bucket is complete when every minute of it
    // is covered (Bars or Empty).
    static RollupBars compute(const Bars &oneMinute, const Timeframe &timeframe, TimeRange range,
                              const CoverageIntervals &coverage, qint64 limit = 0);
};

} // namespace barkeep
