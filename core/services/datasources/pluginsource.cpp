// SPDX-License-Identifier: GPL-3.0-or-later
#include "pluginsource.h"

#include "model/timeframe.h"

namespace barkeep {

VoidResult PluginSource::fetch(const SeriesKey &series, TimeRange range,
                               const std::function<VoidResult(const BarBatch &)> &sink,
                               const std::atomic<bool> *cancel) const
{
    Result<std::shared_ptr<MarketPlugin>> plugin = m_market->plugin(series.market, series.provider);
    if (!plugin)
        return plugin.error();
    const auto info = m_market->registry()->provider(series.market, series.provider);
    Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    // One provider page per chunk, so each page is stored as it lands. One bar short of the
    // documented page: a plugin whose windows must stay strictly under the limit (Coinbase
    // asks 299 buckets, not knowing whether `end` is inclusive) would otherwise need a second
    // request of one bar for every chunk.
    const qint64 chunk = std::max<qint64>(1, (info ? info->maxBarsPerRequest : 1000) - 1) * tf->durationMs();
    for (qint64 from = range.from; from < range.to; from += chunk) {
        if (cancel && cancel->load())
            return Error(Error::Kind::Cancelled, QStringLiteral("fetch cancelled"));
        BarRequest req;
        req.symbol = series.symbol;
        req.timeframe = series.timeframe;
        req.since = from;
        req.until = std::min(range.to, from + chunk);
        req.cancel = cancel;
        Result<BarBatch> batch = (*plugin)->fetchBars(req);
        if (!batch)
            return batch.error();
        if (VoidResult ok = sink(*batch); !ok)
            return ok;
        if (batch->covered.to < req.until)
            break; // the provider cannot give more (forming bar, or history out of reach)
    }
    return {};
}

} // namespace barkeep
