// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cache/barcache.h"

namespace barkeep {

// The seed's CacheSource: the first link of the orchestrator's chain. A missing cache (none
// configured) or a broken one behaves as a miss.
class CacheSource
{
public:
    explicit CacheSource(BarCache *cache) : m_cache(cache) {}
    std::optional<Bars> get(const SeriesKey &series, TimeRange range) const
    {
        return m_cache ? m_cache->get(series, range) : std::nullopt;
    }
    void put(const SeriesKey &series, TimeRange range, const Bars &bars) const
    {
        if (m_cache)
            m_cache->put(series, range, bars);
    }
    void invalidate(const SeriesKey &series, TimeRange range) const
    {
        if (m_cache)
            m_cache->invalidate(series, range);
    }

private:
    BarCache *m_cache;
};

} // namespace barkeep
