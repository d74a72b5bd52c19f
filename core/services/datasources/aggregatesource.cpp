// SPDX-License-Identifier: GPL-3.0-or-later
#include "aggregatesource.h"

#include "model/timeframe.h"

namespace barkeep {

Result<Bars> AggregateSource::read(const SeriesKey &series, TimeRange range, qint64 nowMs) const
{
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    Result<RollupBars> rolled = m_store->readRollup(series, range);
    if (!rolled)
        return rolled.error();
    Bars out;
    out.reserve(rolled->size());
    for (const RollupBar &r : *rolled)
        if (r.complete || tf->bucketEnd(r.bar.t) > nowMs)
            out.push_back(r.bar);
    return out;
}

} // namespace barkeep
