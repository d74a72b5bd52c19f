// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/series.h"
#include "services/marketservice.h"

namespace barkeep {

// The seed's PluginSource: the last link of the chain, asking the provider for what the
// store does not have, in chunks of at most the provider's page size.
class PluginSource
{
public:
    explicit PluginSource(MarketService *market) : m_market(market) {}
    // Calls `sink` for each fetched chunk (so each is stored as it lands).
    VoidResult fetch(const SeriesKey &series, TimeRange range,
                     const std::function<VoidResult(const BarBatch &)> &sink,
                     const std::atomic<bool> *cancel = nullptr) const;

private:
    MarketService *m_market;
};

} // namespace barkeep
