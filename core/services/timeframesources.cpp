// SPDX-License-Identifier: GPL-3.0-or-later
#include "timeframesources.h"

#include "storage/coverageledger.h"

#include <algorithm>

namespace barkeep {

namespace {
constexpr int kDayMinutes = 24 * 60;
constexpr int kWeekMinutes = 7 * kDayMinutes;

// Sorts coarsest first: months above minutes, then by length.
bool coarser(const Timeframe &a, const Timeframe &b)
{
    if (a.isMonthly() != b.isMonthly())
        return a.isMonthly();
    return a.isMonthly() ? a.monthCount() > b.monthCount() : a.minuteCount() > b.minuteCount();
}
} // namespace

bool TimeframeSources::divides(const Timeframe &fine, const Timeframe &coarse)
{
    if (!fine.isValid() || !coarse.isValid() || fine == coarse)
        return false;
    if (coarse.isMonthly()) {
        if (fine.isMonthly())
            return coarse.monthCount() % fine.monthCount() == 0;
        // Months start at a UTC midnight: any timeframe that divides a day fits.
        return kDayMinutes % fine.minuteCount() == 0;
    }
    if (fine.isMonthly())
        return false;
    if (coarse.isWeekly()) {
        // Weeks start Monday 00:00 UTC, not at an epoch multiple of the week (a Thursday):
        // only timeframes that divide a day, or whole weeks, share its boundaries.
        if (fine.isWeekly())
            return coarse.minuteCount() % fine.minuteCount() == 0;
        return kDayMinutes % fine.minuteCount() == 0;
    }
    if (fine.isWeekly())
        return false;
    // Plain N-minute buckets are epoch multiples: M divides N exactly when M | N.
    return coarse.minuteCount() % fine.minuteCount() == 0;
}

std::vector<Timeframe> TimeframeSources::parseNative(const QStringList &names)
{
    std::vector<Timeframe> out;
    for (const QString &n : names)
        if (Result<Timeframe> tf = Timeframe::parse(n); tf && tf->isValid()
            && std::find(out.begin(), out.end(), *tf) == out.end())
            out.push_back(*tf);
    std::sort(out.begin(), out.end(), [](const Timeframe &a, const Timeframe &b) { return coarser(b, a); });
    return out;
}

std::vector<Timeframe> TimeframeSources::finerNative(const std::vector<Timeframe> &native,
                                                     const Timeframe &tf)
{
    std::vector<Timeframe> out;
    for (const Timeframe &f : native)
        if (divides(f, tf))
            out.push_back(f);
    std::sort(out.begin(), out.end(), coarser);
    return out;
}

Timeframe TimeframeSources::fetchTimeframe(const std::vector<Timeframe> &native, const Timeframe &tf)
{
    if (std::find(native.begin(), native.end(), tf) != native.end())
        return tf;
    const std::vector<Timeframe> finer = finerNative(native, tf);
    return finer.empty() ? Timeframe::minutes(1) : finer.front();
}

TimeRanges TimeframeSources::widenToBuckets(const TimeRanges &ranges, const Timeframe &tf)
{
    TimeRanges out;
    out.reserve(ranges.size());
    for (const TimeRange &r : ranges) {
        if (r.isEmpty())
            continue;
        out.push_back({tf.bucketStart(r.from), tf.bucketEnd(tf.bucketStart(r.to - 1))});
    }
    return CoverageLedger::normalized(std::move(out));
}

TimeRanges TimeframeSources::completeBuckets(TimeRange range, const TimeRanges &gaps, const Timeframe &tf)
{
    if (range.isEmpty())
        return {};
    return CoverageLedger::subtract(TimeRanges{range}, widenToBuckets(gaps, tf));
}

} // namespace barkeep
