// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/series.h"
#include "pgwire.h"

namespace barkeep::pg {

// $1..$3: the series' market, provider and symbol (claims are per symbol, whatever the
// timeframe; bar series add the timeframe with barSeriesParams()).
inline Params seriesParams(const SeriesKey &s)
{
    Params p;
    p.text(s.market).text(s.provider).text(s.symbol);
    return p;
}

// $1..$4: market, provider, symbol and timeframe: one bar series.
inline Params barSeriesParams(const SeriesKey &s)
{
    Params p;
    p.text(s.market).text(s.provider).text(s.symbol).text(s.timeframe);
    return p;
}

// The series as one text: a key of the client's series-id cache and of the claim lock.
inline QString seriesText(const SeriesKey &s)
{
    return s.market + QChar(0x1f) + s.provider + QChar(0x1f) + s.symbol;
}

} // namespace barkeep::pg
