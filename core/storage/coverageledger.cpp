// SPDX-License-Identifier: GPL-3.0-or-later
#include "coverageledger.h"

#include <algorithm>
#include <limits>

namespace barkeep {

namespace {

// Appends `iv` to the sorted, non-overlapping `out`, merging it into the last interval when
// they touch and share the state.
void appendMerged(CoverageIntervals &out, const CoverageInterval &iv)
{
    if (iv.range.isEmpty())
        return;
    if (!out.empty() && out.back().state == iv.state && out.back().range.to >= iv.range.from) {
        out.back().range.to = std::max(out.back().range.to, iv.range.to);
        return;
    }
    out.push_back(iv);
}

TimeRanges spans(const CoverageIntervals &intervals)
{
    TimeRanges r;
    r.reserve(intervals.size());
    for (const auto &iv : intervals)
        r.push_back(iv.range);
    return CoverageLedger::normalized(std::move(r));
}

} // namespace

CoverageLedger::CoverageLedger(CoverageIntervals intervals)
    : m_intervals(normalized(std::move(intervals)))
{}

void CoverageLedger::record(TimeRange fetched, const Bars &bars, const Timeframe &timeframe)
{
    overlay(fromFetch(fetched, bars, timeframe));
}

void CoverageLedger::overlay(const CoverageIntervals &fresh)
{
    if (fresh.empty())
        return;
    const TimeRanges freshSpans = spans(fresh);
    CoverageIntervals kept;
    kept.reserve(m_intervals.size() + fresh.size());
    // Existing intervals minus the freshly fetched spans, then the fresh ones on top.
    for (const auto &iv : m_intervals) {
        for (const TimeRange &part : subtract({iv.range}, freshSpans))
            kept.push_back({part, iv.state});
    }
    kept.insert(kept.end(), fresh.begin(), fresh.end());
    std::sort(kept.begin(), kept.end(), [](const CoverageInterval &a, const CoverageInterval &b) {
        return a.range.from < b.range.from;
    });
    CoverageIntervals out;
    out.reserve(kept.size());
    for (const auto &iv : kept)
        appendMerged(out, iv);
    m_intervals = std::move(out);
}

CoverageIntervals CoverageLedger::clipped(TimeRange range) const
{
    CoverageIntervals out;
    auto it = std::lower_bound(m_intervals.begin(), m_intervals.end(), range.from,
                               [](const CoverageInterval &iv, qint64 t) { return iv.range.to <= t; });
    for (; it != m_intervals.end() && it->range.from < range.to; ++it) {
        const TimeRange r{std::max(it->range.from, range.from), std::min(it->range.to, range.to)};
        if (!r.isEmpty())
            out.push_back({r, it->state});
    }
    return out;
}

TimeRanges CoverageLedger::gaps(TimeRange range) const
{
    if (range.isEmpty())
        return {};
    return subtract({range}, spans(clipped(range)));
}

TimeRanges CoverageLedger::gaps(TimeRange range, const TimeRanges &sessions) const
{
    if (range.isEmpty())
        return {};
    const TimeRanges expected = intersect({range}, normalized(sessions));
    return subtract(expected, spans(clipped(range)));
}

CoverageIntervals CoverageLedger::fromFetch(TimeRange fetched, const Bars &bars,
                                            const Timeframe &timeframe)
{
    CoverageIntervals out;
    if (fetched.isEmpty())
        return out;
    // Spans of the bars, merged; bars are normally ascending but tolerate any order.
    TimeRanges barSpans;
    barSpans.reserve(bars.size() / 8 + 1);
    bool sorted = true;
    qint64 prev = std::numeric_limits<qint64>::min();
    // Plain N-minute buckets end at the next multiple of N minutes: computed here instead of
    // two calls per bar (this runs for every bar of every write).
    const qint64 len = timeframe.isValid() && !timeframe.isMonthly() && !timeframe.isWeekly()
        ? qint64(timeframe.minuteCount()) * kMinuteMs
        : 0;
    const auto bucketEnd = [&](qint64 t) {
        if (len > 0) {
            const qint64 r = t % len;
            return t - (r < 0 ? r + len : r) + len;
        }
        return timeframe.isValid() ? timeframe.bucketEnd(timeframe.bucketStart(t)) : t + kMinuteMs;
    };
    for (const Bar &b : bars) {
        if (b.t < prev)
            sorted = false;
        prev = b.t;
        const qint64 end = bucketEnd(b.t);
        const TimeRange r{std::max(b.t, fetched.from), std::min(std::max(end, b.t + 1), fetched.to)};
        if (r.isEmpty())
            continue;
        if (sorted && !barSpans.empty() && barSpans.back().to >= r.from)
            barSpans.back().to = std::max(barSpans.back().to, r.to);
        else
            barSpans.push_back(r);
    }
    if (!sorted)
        barSpans = normalized(std::move(barSpans));
    qint64 cursor = fetched.from;
    for (const TimeRange &r : barSpans) {
        if (r.from > cursor)
            out.push_back({{cursor, r.from}, CoverageState::Empty});
        out.push_back({r, CoverageState::Bars});
        cursor = r.to;
    }
    if (cursor < fetched.to)
        out.push_back({{cursor, fetched.to}, CoverageState::Empty});
    return out;
}

TimeRanges CoverageLedger::normalized(TimeRanges ranges)
{
    std::sort(ranges.begin(), ranges.end(),
              [](const TimeRange &a, const TimeRange &b) { return a.from < b.from; });
    TimeRanges out;
    out.reserve(ranges.size());
    for (const TimeRange &r : ranges) {
        if (r.isEmpty())
            continue;
        if (!out.empty() && out.back().to >= r.from)
            out.back().to = std::max(out.back().to, r.to);
        else
            out.push_back(r);
    }
    return out;
}

CoverageIntervals CoverageLedger::normalized(CoverageIntervals intervals)
{
    // Later intervals win: overlay them one by one onto a growing normalized ledger. Inputs
    // are almost always already normalized, so check that first.
    bool clean = true;
    for (size_t i = 0; i < intervals.size() && clean; ++i) {
        if (intervals[i].range.isEmpty())
            clean = false;
        else if (i > 0) {
            const auto &a = intervals[i - 1];
            const auto &b = intervals[i];
            if (a.range.to > b.range.from || (a.range.to == b.range.from && a.state == b.state))
                clean = false;
        }
    }
    if (clean)
        return intervals;
    CoverageLedger ledger;
    for (const auto &iv : intervals) {
        if (!iv.range.isEmpty())
            ledger.overlay({iv});
    }
    return ledger.m_intervals;
}

TimeRanges CoverageLedger::subtract(const TimeRanges &a, const TimeRanges &b)
{
    TimeRanges out;
    size_t j = 0;
    for (const TimeRange &r : a) {
        qint64 cursor = r.from;
        while (j < b.size() && b[j].to <= cursor)
            ++j;
        size_t k = j;
        while (k < b.size() && b[k].from < r.to) {
            if (b[k].from > cursor)
                out.push_back({cursor, b[k].from});
            cursor = std::max(cursor, b[k].to);
            if (b[k].to > r.to)
                break;
            ++k;
        }
        if (cursor < r.to)
            out.push_back({cursor, r.to});
    }
    return out;
}

TimeRanges CoverageLedger::intersect(const TimeRanges &a, const TimeRanges &b)
{
    TimeRanges out;
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const TimeRange r{std::max(a[i].from, b[j].from), std::min(a[i].to, b[j].to)};
        if (!r.isEmpty())
            out.push_back(r);
        if (a[i].to < b[j].to)
            ++i;
        else
            ++j;
    }
    return out;
}

} // namespace barkeep
