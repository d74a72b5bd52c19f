// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/timeframe.h"
#include "storage/barstore.h"

namespace barkeep {

// Interval algebra of the coverage ledger, shared by every BarStore: which ranges of a series
// were fetched (state Bars or Empty) and which were never fetched (gaps). A value type with
// no I/O; a store loads the intervals touching a write, records the fetch here and writes the
// result back. Always normalized: sorted, non-overlapping, adjacent intervals of the same
// state merged, no empty intervals.
class BARKEEPCORE_EXPORT CoverageLedger
{
public:
    CoverageLedger() = default;
    explicit CoverageLedger(CoverageIntervals intervals);

    const CoverageIntervals &intervals() const { return m_intervals; }
    bool isEmpty() const { return m_intervals.empty(); }

    // Records a fetch of `fetched` that returned `bars` (ascending, inside `fetched`): the span
    // [t, end of t's bar) of each bar becomes Bars, the rest of `fetched` Empty. A new fetch
    // overrides whatever the ledger said inside `fetched`; outside it nothing changes.
    void record(TimeRange fetched, const Bars &bars,
                const Timeframe &timeframe = Timeframe::minutes(1));
    // Overrides the ledger with `fresh` (non-overlapping) in the ranges `fresh` spans.
    void overlay(const CoverageIntervals &fresh);

    // The intervals inside `range`, cut at its ends.
    CoverageIntervals clipped(TimeRange range) const;
    // Never-fetched ranges inside `range`.
    TimeRanges gaps(TimeRange range) const;
    // Never-fetched ranges inside `range` that are also inside `sessions` (the minutes a
    // session calendar expects trading in); minutes outside a session are never gaps.
    TimeRanges gaps(TimeRange range, const TimeRanges &sessions) const;

    // The intervals one fetch produces (see record()).
    static CoverageIntervals fromFetch(TimeRange fetched, const Bars &bars,
                                       const Timeframe &timeframe = Timeframe::minutes(1));
    // Sorts and merges overlapping or adjacent ranges.
    static TimeRanges normalized(TimeRanges ranges);
    // Sorts and merges adjacent same-state intervals; later intervals win where they overlap.
    static CoverageIntervals normalized(CoverageIntervals intervals);
    // a minus b; both normalized.
    static TimeRanges subtract(const TimeRanges &a, const TimeRanges &b);
    // a intersected with b; both normalized.
    static TimeRanges intersect(const TimeRanges &a, const TimeRanges &b);

private:
    CoverageIntervals m_intervals;
};

} // namespace barkeep
