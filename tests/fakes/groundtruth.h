// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/timeframe.h"

#include <QHash>
#include <QString>

#include <optional>

namespace barkeep::fakes {

// Deterministic market data from a seed, random access by minute: the fakes serve it and the
// tests compare against it. A minute's close is a smooth path plus hashed noise, its open
// the previous close; about 1 % of minutes have no trades (no bar), as do minutes before the
// symbol's listing and inside outage ranges. Prices carry a fixed number of decimals per
// symbol and volumes four, so their decimal text parses back to the same double.
class GroundTruth
{
public:
    explicit GroundTruth(quint64 seed = 1);

    void setOutages(const TimeRanges &outages) { m_outages = outages; }
    void setListing(const QString &symbol, qint64 ms) { m_listing.insert(symbol, ms); }
    qint64 listing(const QString &symbol) const;
    int decimals(const QString &symbol) const;

    // The price before any trade of minute t (the previous minute's close).
    double priceAt(const QString &symbol, qint64 minuteStart) const;
    std::optional<Bar> minute(const QString &symbol, qint64 minuteStart) const;
    // The bar of the bucket starting at `bucketStart`, built from minutes before `now`; the
    // bucket holding `now` comes out partial (the still-forming bar). nullopt: no trades.
    std::optional<Bar> bucket(const QString &symbol, const Timeframe &tf, qint64 bucketStart,
                              qint64 now) const;
    // Every closed bar whose open time lies in [range.from, range.to).
    Bars bars(const QString &symbol, TimeRange range, const Timeframe &tf,
              qint64 now = std::numeric_limits<qint64>::max()) const;
    // The candle a provider serves for a native timeframe: the rollup of the minutes (as
    // bucket()), except the daily candle of divergentDay(), whose volume and high also count
    // trades its minute bars leave out (auction prints, some trade conditions), so that a
    // native daily candle and the rollup of the 1m bars differ there, and only there.
    std::optional<Bar> nativeBucket(const QString &symbol, const Timeframe &tf,
                                    qint64 bucketStart, qint64 now) const;
    // Every closed native candle whose open time lies in [range.from, range.to).
    Bars nativeBars(const QString &symbol, TimeRange range, const Timeframe &tf,
                    qint64 now = std::numeric_limits<qint64>::max()) const;
    // The UTC day (its 00:00 in ms) whose native 1d candle differs from the 1m rollup: by
    // default the day three days before this truth was made (inside every provider's reach,
    // Kraken's 720 days too); the same day for every symbol.
    qint64 divergentDay() const { return m_divergentDay; }
    void setDivergentDay(qint64 dayStartMs) { m_divergentDay = dayStartMs; }
    // What divergentDay()'s native candle makes of the rollup `b`.
    static Bar diverged(Bar b, int decimals);

    // A deterministic number in [0, 1) for (symbol, t, salt): trade counts, fault draws.
    double unit(const QString &symbol, qint64 t, quint64 salt) const;

    static double round(double v, int decimals);

private:
    double closeAt(const QString &symbol, qint64 minuteIndex) const;
    bool inOutage(qint64 t) const;

    quint64 m_seed;
    TimeRanges m_outages;
    QHash<QString, qint64> m_listing;
    qint64 m_divergentDay = 0;
};

} // namespace barkeep::fakes
