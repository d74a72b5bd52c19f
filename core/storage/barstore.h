// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "model/timeframe.h"
#include "util/result.h"

#include <QList>
#include <QString>

#include <functional>
#include <mutex>
#include <vector>

namespace barkeep {

// What the coverage ledger says about a fetched range.
enum class CoverageState {
    Bars,  // fetched, bars stored
    Empty, // fetched, the provider had nothing (outage, no trades, market closed)
};

struct CoverageInterval
{
    TimeRange range;
    CoverageState state = CoverageState::Bars;
    friend bool operator==(const CoverageInterval &, const CoverageInterval &) = default;
};
using CoverageIntervals = std::vector<CoverageInterval>;

// A bar of a larger timeframe rolled up from 1m bars. `complete` is false when some 1m
// inside the bucket were never fetched (a gap); such a bucket is not served as if whole.
struct RollupBar
{
    Bar bar;
    bool complete = true;
    friend bool operator==(const RollupBar &, const RollupBar &) = default;
};
using RollupBars = std::vector<RollupBar>;

struct WriteReport
{
    qint64 written = 0;     // bars inserted or updated
    qint64 quarantined = 0; // bars rejected by validation (kept in the quarantine table)
};

struct QuarantinedBar
{
    SeriesKey series;
    Bar bar;
    QString reason; // "high below max(open, close)", "negative volume", "not aligned", ...
    qint64 quarantinedAtMs = 0;
};

// Which minutes of a series are expected to have trading (stock sessions). The store asks it
// when computing gaps so that minutes outside the session are never reported as gaps.
// Crypto series have none (always open). Supplied by the Alpaca plugin's calendar.
using SessionCalendar = std::function<TimeRanges(const SeriesKey &, TimeRange)>;

// Bars, their coverage ledger and the quarantine: what readers of bars (the chart, the gap
// map, the API) and the backfill's writer see of the store. Implementations are thread-safe:
// each thread uses its own connection, opened on first use in that thread (database
// connections belong to the thread that opened them). Store (store.h) adds jobs, claims and
// the lifecycle.
class BARKEEPCORE_EXPORT BarStore
{
public:
    virtual ~BarStore();

    // "sqlite:///home/u/.local/share/barkeep/barkeep.db" (no passwords).
    virtual QString describe() const = 0;

    // Writes bars of `series` (any timeframe: 1m, or a provider's native candles, each its own
    // series with its own ledger) and records `covered` as fetched, in one transaction: the
    // span of each bar becomes `bars`, the rest of `covered` `empty`.
    // Upsert keyed by (series, t): writing the same or overlapping ranges again never
    // duplicates or loses a bar. Bars failing validation go to quarantine with a reason.
    // Bars outside `covered` are rejected as BadInput (the ledger must stay truthful).
    virtual Result<WriteReport> writeBars(const SeriesKey &series, const Bars &bars,
                                          TimeRange covered) = 0;
    // Bars with since <= t < until, ascending; at most `limit` when limit > 0.
    virtual Result<Bars> readBars(const SeriesKey &series, TimeRange range, qint64 limit = 0) = 0;
    // Rollup of the stored 1m bars to `series.timeframe` (any whole multiple of 1m, or 1M),
    // buckets aligned in UTC (weeks start Monday), with completeness per bucket.
    virtual Result<RollupBars> readRollup(const SeriesKey &series, TimeRange range,
                                          qint64 limit = 0) = 0;

    // The ledger: merged intervals inside `range`, ascending.
    virtual Result<CoverageIntervals> coverage(const SeriesKey &series, TimeRange range) = 0;
    // Never-fetched ranges inside `range`, minus minutes outside the session calendar
    // (computed from coverage() and the calendar, the same way for every backend).
    virtual Result<TimeRanges> gaps(const SeriesKey &series, TimeRange range);
    void setSessionCalendar(SessionCalendar calendar);

    // Every stored series of every timeframe, for the gap map.
    virtual Result<QList<SeriesKey>> listSeries() = 0;
    // First and last bar time of a series, or an empty range.
    virtual Result<TimeRange> extent(const SeriesKey &series) = 0;

    // The quarantine of `series` (its timeframe included): bars validation rejected, and
    // data-health findings recorded with recordFinding().
    virtual Result<std::vector<QuarantinedBar>> quarantine(const SeriesKey &series) = 0;
    // Records a data-health finding next to the quarantined bars: `bar` is the value that was
    // not served (the rollup of finer bars that disagrees with a native candle), `reason` says
    // why. Nothing served or covered changes.
    virtual VoidResult recordFinding(const SeriesKey &series, const Bar &bar, const QString &reason) = 0;

protected:
    SessionCalendar sessionCalendar() const;
    // The readRollup() answer from what a backend read in one snapshot: `oneMinute` and the
    // ledger `coverage` of Rollup::sourceRange(timeframe, range). A bucket is incomplete
    // where the ledger, with the session calendar applied, leaves a gap.
    RollupBars rollupFrom(const SeriesKey &series, const Timeframe &timeframe, TimeRange range,
                          const Bars &oneMinute, CoverageIntervals coverage, qint64 limit) const;

private:
    mutable std::mutex m_calendarMutex;
    SessionCalendar m_calendar;
};

} // namespace barkeep
