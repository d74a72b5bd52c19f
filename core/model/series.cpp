// SPDX-License-Identifier: GPL-3.0-or-later
#include "series.h"

namespace barkeep {

QString SeriesKey::toString() const
{
    return market + QLatin1Char('/') + provider + QLatin1Char('/') + symbol + QLatin1Char('/')
        + timeframe;
}

} // namespace barkeep
