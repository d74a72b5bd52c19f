// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillplanner.h"

#include "storage/barstore.h"

#include <QDateTime>
#include <QTimeZone>

#include <algorithm>

namespace barkeep {

namespace {
qint64 utcMs(QDate d)
{
    return QDateTime(d, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}

TimeRanges merged(TimeRanges in)
{
    std::sort(in.begin(), in.end(), [](TimeRange a, TimeRange b) { return a.from < b.from; });
    TimeRanges out;
    for (TimeRange r : in) {
        if (r.isEmpty())
            continue;
        if (!out.empty() && r.from <= out.back().to)
            out.back().to = std::max(out.back().to, r.to);
        else
            out.push_back(r);
    }
    return out;
}
} // namespace

TimeRange BackfillPlanner::monthOf(qint64 t)
{
    const QDate d = QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc()).date();
    const QDate first(d.year(), d.month(), 1);
    return {utcMs(first), utcMs(first.addMonths(1))};
}

Result<TimeRanges> BackfillPlanner::todo(BarStore *store, const SeriesKey &series, TimeRange range,
                                         bool recheckEmpty, qint64 nowMs)
{
    // The minute holding `now` is still forming: it is never a gap yet.
    range.to = std::min(range.to, nowMs / kMinuteMs * kMinuteMs);
    if (range.isEmpty())
        return TimeRanges{};
    Result<TimeRanges> gaps = store->gaps(series, range);
    if (!gaps)
        return gaps.error();
    TimeRanges out = *gaps;
    if (recheckEmpty) {
        Result<CoverageIntervals> cov = store->coverage(series, range);
        if (!cov)
            return cov.error();
        for (const CoverageInterval &c : *cov)
            if (c.state == CoverageState::Empty)
                out.push_back(c.range);
    }
    return merged(std::move(out));
}

std::vector<BackfillPlanner::Piece> BackfillPlanner::split(const TimeRanges &ranges, int chunkMinutes,
                                                           bool archive, qint64 nowMs)
{
    const qint64 step = qint64(std::max(1, chunkMinutes)) * kMinuteMs;
    // Archives exist only for months that are over.
    const qint64 archiveLimit = monthOf(nowMs).from;
    std::vector<Piece> out;
    auto rest = [&](qint64 from, qint64 to) {
        for (qint64 t = from; t < to; t += step)
            out.push_back({{t, std::min(to, t + step)}, false});
    };
    for (const TimeRange &r : ranges) {
        qint64 t = r.from;
        if (archive) {
            for (;;) {
                TimeRange m = monthOf(t);
                if (m.from < t) // t is inside a month: the next whole one starts at m.to
                    m = monthOf(m.to);
                if (m.to > r.to || m.to > archiveLimit)
                    break;
                rest(t, m.from);
                out.push_back({m, true});
                t = m.to;
            }
        }
        rest(t, r.to);
    }
    return out;
}

} // namespace barkeep
