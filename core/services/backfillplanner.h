// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <vector>

namespace barkeep {

class BarStore;

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

    // The never-fetched minutes of `range` (plus the `empty` ones when recheckEmpty), up to
    // the last closed minute before `nowMs`, ascending and merged.
    static Result<TimeRanges> todo(BarStore *store, const SeriesKey &series, TimeRange range,
                                   bool recheckEmpty, qint64 nowMs);
    // Chunks of at most `chunkMinutes` minutes; with `archive`, every whole UTC month that
    // ended before the current month began becomes one archive piece.
    static std::vector<Piece> split(const TimeRanges &ranges, int chunkMinutes, bool archive,
                                    qint64 nowMs);
    // The UTC month [start, end) holding t.
    static TimeRange monthOf(qint64 t);
};

} // namespace barkeep
