// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QHash>
#include <QMetaType>
#include <QString>

namespace barkeep {

// A series is (market, provider, symbol, timeframe): the key of everything stored.
struct BARKEEPCORE_EXPORT SeriesKey
{
    QString market;   // "crypto" | "stocks"
    QString provider; // "binance", "demo", ...
    QString symbol;   // "BTC/USDT", "AAPL"
    QString timeframe = QStringLiteral("1m");

    friend bool operator==(const SeriesKey &, const SeriesKey &) = default;
    SeriesKey withTimeframe(const QString &tf) const
    {
        SeriesKey k = *this;
        k.timeframe = tf;
        return k;
    }
    // "crypto/binance/BTC/USDT/1m": for logs, cache keys and job titles.
    QString toString() const;
};

inline size_t qHash(const SeriesKey &k, size_t seed = 0)
{
    return qHashMulti(seed, k.market, k.provider, k.symbol, k.timeframe);
}

} // namespace barkeep

Q_DECLARE_METATYPE(barkeep::SeriesKey)
