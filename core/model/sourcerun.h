// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QString>

#include <vector>

namespace barkeep {

// Where a run of served bars came from: "native:1d" (the provider's own candles of that
// timeframe, stored), "rollup:1m" (an exact rollup of a complete finer stored series),
// "cache" (a cached answer). `range` is the span of whole buckets the run covers.
struct SourceRun
{
    TimeRange range;
    QString source;
    friend bool operator==(const SourceRun &, const SourceRun &) = default;
};
using SourceRuns = std::vector<SourceRun>;

struct SourcedBars
{
    Bars bars;
    SourceRuns sources; // ascending, adjacent runs of one source merged
};

} // namespace barkeep
