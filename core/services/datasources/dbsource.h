// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "storage/barstore.h"

namespace barkeep {

// The seed's DbSource: 1m bars and the coverage ledger in the store. Writes go through here
// (orchestrator and backfill), reads of 1m too.
class DbSource
{
public:
    explicit DbSource(BarStore *store) : m_store(store) {}
    BarStore *store() const { return m_store; }
    Result<Bars> read(const SeriesKey &series, TimeRange range, qint64 limit) const
    {
        return m_store->readBars(series, range, limit);
    }
    Result<TimeRanges> gaps(const SeriesKey &series, TimeRange range) const
    {
        return m_store->gaps(series, range);
    }
    Result<WriteReport> write(const SeriesKey &series, const Bars &bars, TimeRange covered) const
    {
        return m_store->writeBars(series, bars, covered);
    }

private:
    BarStore *m_store;
};

} // namespace barkeep
