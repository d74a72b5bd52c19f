// SPDX-License-Identifier: GPL-3.0-or-later
#include "rollup.h"

#include "coverageledger.h"

#include <algorithm>

namespace barkeep {

TimeRange Rollup::sourceRange(const Timeframe &timeframe, TimeRange range)
{
    if (range.isEmpty() || !timeframe.isValid())
        return {range.from, range.from};
    qint64 first = timeframe.bucketStart(range.from);
    if (first < range.from)
        first = timeframe.bucketEnd(first);
    if (first >= range.to)
        return {first, first};
    const qint64 end = timeframe.bucketEnd(timeframe.bucketStart(range.to - 1));
    return {first, end};
}

RollupBars Rollup::compute(const Bars &oneMinute, const Timeframe &timeframe, TimeRange range,
                           const TimeRanges &gaps, qint64 limit)
{
    RollupBars out;
    const TimeRange source = sourceRange(timeframe, range);
    if (source.isEmpty())
        return out;
    auto it = std::lower_bound(oneMinute.begin(), oneMinute.end(), source.from,
                               [](const Bar &b, qint64 t) { return b.t < t; });
    auto gap = gaps.begin();
    // Bucket boundaries only change when a bar crosses into the next bucket, so bucketStart
    // (which for months goes through QDate) runs once per bucket, not once per bar.
    while (it != oneMinute.end() && it->t < source.to) {
        const qint64 start = timeframe.bucketStart(it->t);
        const qint64 end = timeframe.bucketEnd(start);
        RollupBar rb;
        rb.bar = *it;
        rb.bar.t = start;
        for (++it; it != oneMinute.end() && it->t < end; ++it) {
            rb.bar.h = std::max(rb.bar.h, it->h);
            rb.bar.l = std::min(rb.bar.l, it->l);
            rb.bar.c = it->c;
            rb.bar.v += it->v;
        }
        while (gap != gaps.end() && gap->to <= start)
            ++gap;
        rb.complete = gap == gaps.end() || gap->from >= end;
        out.push_back(rb);
        if (limit > 0 && qint64(out.size()) >= limit)
            break;
    }
    return out;
}

RollupBars Rollup::compute(const Bars &oneMinute, const Timeframe &timeframe, TimeRange range,
                           const CoverageIntervals &coverage, qint64 limit)
{
    const CoverageLedger ledger(coverage);
    return compute(oneMinute, timeframe, range, ledger.gaps(sourceRange(timeframe, range)), limit);
}

} // namespace barkeep
