// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/timeframe.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace barkeep {

// Which timeframes can stand in for another one exactly, and the bucket arithmetic the
// orchestrator's source choice needs. Pure functions, shared by the orchestrator, the backfill
// and their tests.
class BARKEEPCORE_EXPORT TimeframeSources
{
public:
    // True when every bucket of `coarse` is a whole number of `fine` buckets, aligned the same
    // way, and `fine` is strictly finer: 1h -> 4h, 1d -> 1w (weeks start Monday, a day
    // boundary), 1d -> 1M, 1M -> 3M. Not 1d -> 3d's rivals such as 2d -> 1w.
    static bool divides(const Timeframe &fine, const Timeframe &coarse);

    // The provider's native timeframes (names as ProviderInfo.timeframes lists them) that are
    // valid, finest first.
    static std::vector<Timeframe> parseNative(const QStringList &names);
    // The native timeframes that divide `tf`, coarsest first (the cheapest to roll up from).
    static std::vector<Timeframe> finerNative(const std::vector<Timeframe> &native, const Timeframe &tf);
    // What to fetch from the provider for `tf`: `tf` itself when native, else the coarsest
    // native timeframe that divides it, else 1m (what every provider has). 1m only when
    // nothing coarser fits.
    static Timeframe fetchTimeframe(const std::vector<Timeframe> &native, const Timeframe &tf);

    // `ranges` widened to whole buckets of `tf` (normalized).
    static TimeRanges widenToBuckets(const TimeRanges &ranges, const Timeframe &tf);
    // The whole buckets of `tf` inside `range` (bucket-aligned) that no range of `gaps` touches.
    static TimeRanges completeBuckets(TimeRange range, const TimeRanges &gaps, const Timeframe &tf);
};

} // namespace barkeep
