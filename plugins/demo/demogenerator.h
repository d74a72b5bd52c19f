// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace barkeep::demo {

// Deterministic synthetic market: any minute of any symbol can be computed on its own, so a
// fetch of any range gives the same bars whatever was asked before. Prices follow a
// multi-scale random walk (value noise summed over octaves from 2 minutes to 2 years, with
// amplitude growing as the square root of the period, like a random walk's spread); volume is
// log-normal and grows with the move. Deliberate holes make the gap map show real behaviour:
// exchange outages of 1-3 hours on some days (all symbols empty) and no-trade minutes for
// the illiquid symbol.
class DemoGenerator
{
public:
    explicit DemoGenerator(quint64 seed = 42);

    static QStringList symbols();
    static qint64 earliestMs(); // 2019-01-01T00:00Z

    // The bar of the minute starting at t (aligned), or nothing (outage, no trade, unknown).
    std::optional<Bar> barAt(const QString &symbol, qint64 t) const;
    Bars bars(const QString &symbol, TimeRange range) const;
    // Whether the minute falls into a simulated exchange outage.
    bool isOutage(qint64 t) const;

private:
    struct SymbolModel
    {
        double basePrice;
        double minuteVolatility;
        double baseVolume;
        double noTradeRate;
        double tick;
        quint64 salt;
    };
    std::optional<SymbolModel> model(const QString &symbol) const;
    double logPrice(const SymbolModel &m, qint64 minute) const;
    double uniform(quint64 a, quint64 b, quint64 c) const; // [0,1)

    quint64 m_seed;
};

} // namespace barkeep::demo
