// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillplanner.h"

#include "model/timeframe.h"
#include "plugin/marketplugin.h"
#include "services/timeframesources.h"
#include "storage/barstore.h"

#include <QDateTime>
#include <QTimeZone>

#include <algorithm>
#include <limits>

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
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    // The bucket holding `now` is still forming: it is never a gap yet.
    range.to = std::min(range.to, tf->bucketStart(nowMs));
    if (range.isEmpty())
        return TimeRanges{};
    Result<TimeRanges> gaps = store->gaps(series, range);
    if (!gaps)
        return gaps.error();
    // Whole buckets: a native candle is fetched whole or not at all.
    TimeRanges out = TimeframeSources::widenToBuckets(*gaps, *tf);
    for (TimeRange &r : out)
        r = {std::max(r.from, range.from), std::min(r.to, range.to)};
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

Result<TimeRange> BackfillPlanner::alignRange(const QString &timeframe, TimeRange range)
{
    Result<Timeframe> tf = Timeframe::parse(timeframe);
    if (!tf)
        return tf.error();
    if (range.isEmpty())
        return range;
    return TimeRange{tf->bucketStart(range.from), tf->bucketEnd(tf->bucketStart(range.to - 1))};
}

VoidResult BackfillPlanner::checkReach(const ProviderInfo &provider, const SeriesKey &series,
                                       TimeRange range, qint64 nowMs)
{
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return Error(Error::Kind::BadInput, tf.error().message());
    const std::vector<Timeframe> native = TimeframeSources::parseNative(provider.timeframes);
    if (tf->minuteCount() != 1 && std::find(native.begin(), native.end(), *tf) == native.end())
        return Error(Error::Kind::BadInput,
                     QStringLiteral("%1 has no %2 candles (it has %3); backfill a timeframe it lists "
                                    "and the %2 bars are rolled up from it")
                         .arg(provider.name.isEmpty() ? provider.id : provider.name, tf->name(),
                              provider.timeframes.join(QStringLiteral(", "))));
    if (provider.reachesFullHistory)
        return {};
    const qint64 rows = std::max(1, provider.maxBarsPerRequest);
    const qint64 oldest = tf->bucketStart(nowMs) - rows * tf->durationMs();
    if (range.from >= oldest)
        return {};
    const auto when = [](qint64 t) {
        return QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc()).toString(Qt::ISODate);
    };
    return Error(Error::Kind::BadInput,
                 QStringLiteral("%1 serves only its %2 most recent %3 bars (back to %4); the job "
                                "starts at %5, out of reach%6")
                     .arg(provider.name.isEmpty() ? provider.id : provider.name)
                     .arg(rows)
                     .arg(tf->name(), when(oldest), when(range.from),
                          provider.historyNote.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(provider.historyNote)));
}

int BackfillPlanner::chunkMinutes(const ProviderInfo &provider, const QString &timeframe)
{
    const Result<Timeframe> tf = Timeframe::parse(timeframe);
    const qint64 barMinutes = tf ? std::max<qint64>(1, tf->durationMs() / kMinuteMs) : 1;
    return int(std::min<qint64>(std::max(1, provider.maxBarsPerRequest) * barMinutes,
                                std::numeric_limits<int>::max()));
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
