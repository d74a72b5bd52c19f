// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "model/timeframe.h"
#include "util/result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
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

// A persisted backfill job (issue "BackfillManager"); the store keeps them so jobs survive
// restarts and kill -9.
struct StoredJob
{
    qint64 id = 0;
    SeriesKey series;
    TimeRange range;
    QString state;    // queued|running|paused|done|failed|cancelled
    int priority = 0;
    QString error;
    qint64 barsWritten = 0;
    qint64 createdMs = 0;
    qint64 updatedMs = 0;
    QByteArray extra; // JSON: options and counters the manager wants to keep
};

// Where bars live (the seed's DbSource): SQLite by default, PostgreSQL when shared.
// Implementations are thread-safe: each thread uses its own connection, opened on first use
// in that thread (database connections belong to the thread that opened them).
class BARKEEPCORE_EXPORT BarStore
{
public:
    virtual ~BarStore();

    // "sqlite:///home/u/.local/share/barkeep/barkeep.db" (no passwords).
    virtual QString describe() const = 0;
    // Opens (creating or migrating the schema) and checks it is usable.
    virtual VoidResult open() = 0;
    virtual void close() = 0;

    // Writes 1m bars of `series` (timeframe "1m") and records `covered` as fetched, in one
    // transaction: minutes of `covered` with a bar become `bars`, the others `empty`.
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

    // Every stored series (1m), for the gap map.
    virtual Result<QList<SeriesKey>> listSeries() = 0;
    // First and last bar time of a series, or an empty range.
    virtual Result<TimeRange> extent(const SeriesKey &series) = 0;

    virtual Result<std::vector<QuarantinedBar>> quarantine(const SeriesKey &series) = 0;

    // Backfill jobs.
    virtual Result<qint64> insertJob(const StoredJob &job) = 0;
    virtual VoidResult updateJob(const StoredJob &job) = 0;
    virtual Result<std::vector<StoredJob>> jobs() = 0;

    // Fetch claims (leases), so that several processes sharing this store (two headless
    // servers, the GUI and a `barkeep backfill` run) never fetch the same minutes. In one
    // transaction, serialized per series across processes: drops expired claims, returns the
    // parts of `range` (ascending) not held by another owner's unexpired claim, and records
    // them as held by `owner` until nowMs + ttlMs. An owner's own claims never block it. A
    // claimer killed -9 blocks nobody for longer than its TTL.
    virtual Result<TimeRanges> claim(const SeriesKey &series, TimeRange range,
                                     const QString &owner, qint64 ttlMs, qint64 nowMs) = 0;
    // Drops the claims of `owner` lying inside `range` (what claim() granted for it).
    virtual VoidResult release(const SeriesKey &series, TimeRange range, const QString &owner) = 0;
    // Moves the expiry of every claim of `owner` to nowMs + ttlMs (a fetch outliving the
    // TTL, e.g. waiting out a ban); returns how many claims it holds.
    virtual Result<qint64> renewClaims(const QString &owner, qint64 ttlMs, qint64 nowMs) = 0;
    // The owners holding claims (expired or not), so a caller that can tell an owner is dead
    // (its process is gone) can drop its claims at once with releaseAll() instead of waiting
    // for them to expire.
    virtual Result<QStringList> claimOwners() = 0;
    virtual VoidResult releaseAll(const QString &owner) = 0;

protected:
    SessionCalendar sessionCalendar() const;
    // The parts of `range` outside every range of `held` (claim()'s answer), ascending.
    static TimeRanges unheldParts(TimeRange range, std::vector<TimeRange> held);
    // The readRollup() answer from what a backend read in one snapshot: `oneMinute` and the
    // ledger `coverage` of Rollup::sourceRange(timeframe, range). A bucket is incomplete
    // where the ledger, with the session calendar applied, leaves a gap.
    RollupBars rollupFrom(const SeriesKey &series, const Timeframe &timeframe, TimeRange range,
                          const Bars &oneMinute, CoverageIntervals coverage, qint64 limit) const;

private:
    mutable std::mutex m_calendarMutex;
    SessionCalendar m_calendar;
};

// Creates the store for a store.url (sqlite:///path | postgresql://...).
BARKEEPCORE_EXPORT Result<std::unique_ptr<BarStore>> createBarStore(const QString &url);

} // namespace barkeep
