// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <vector>

namespace barkeep {

class BarStore;
struct ProviderInfo;

// How a backfill cuts its work: what of a range is still to fetch (from the coverage ledger)
// and the chunks to fetch it in. Pure functions apart from the store read, so the chunking
// is tested without a network.
class BARKEEPCORE_EXPORT BackfillPlanner
{
public:
    struct Piece
    {
        TimeRange range;
        bool archive = false; // one whole UTC month from the provider's bulk archive
        friend bool operator==(const Piece &, const Piece &) = default;
    };

    // The never-fetched buckets of series.timeframe in `range` (plus the `empty` ones when
    // recheckEmpty), up to the last closed bucket before `nowMs`, ascending and merged.
    static Result<TimeRanges> todo(BarStore *store, const SeriesKey &series, TimeRange range,
                                   bool recheckEmpty, qint64 nowMs);
    // Chunks of at most `chunkMinutes` minutes; with `archive`, every whole UTC month that
    // ended before the current month began becomes one archive piece.
    static std::vector<Piece> split(const TimeRanges &ranges, int chunkMinutes, bool archive,
                                    qint64 nowMs);
    // `range` widened to whole buckets of `timeframe` (1m: whole minutes).
    static Result<TimeRange> alignRange(const QString &timeframe, TimeRange range);
    // Whether the provider can answer a job of `series` (its timeframe) over `range` at all:
    // the timeframe must be one it lists (or 1m), and a provider that keeps only its most
    // recent rows (Kraken: 720 per timeframe) cannot reach further back than that, so such a
    // job fails at once with the reason instead of "succeeding" with nothing.
    static VoidResult checkReach(const ProviderInfo &provider, const SeriesKey &series,
                                 TimeRange range, qint64 nowMs);
    // Minutes per chunk: one provider page of bars of `timeframe`.
    static int chunkMinutes(const ProviderInfo &provider, const QString &timeframe);
    // The UTC month [start, end) holding t.
    static TimeRange monthOf(qint64 t);
};

} // namespace barkeep
