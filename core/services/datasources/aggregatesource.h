// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "storage/barstore.h"

namespace barkeep {

// The seed's AggregateSource (TimescaleDB continuous aggregates): bars of larger timeframes
// rolled up from stored 1m bars by the store.
class AggregateSource
{
public:
    explicit AggregateSource(BarStore *store) : m_store(store) {}
    // Complete buckets, plus the bucket still forming at `nowMs` (its missing minutes are in
    // the future, not gaps). Incomplete past buckets are not served as if whole.
    Result<Bars> read(const SeriesKey &series, TimeRange range, qint64 nowMs) const;

private:
    BarStore *m_store;
};

} // namespace barkeep
