// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace barkeep::bench {

// `count` consecutive 1m bars from `from`, BTC/USDT-like: prices with 2 decimals, volumes
// with 5, as the exchange sends them (how well blocks pack depends on it). A fixed seed, so
// every run and every store benchmark writes the same bars.
inline Bars btcLikeMinutes(qint64 from, qint64 count)
{
    QRandomGenerator rng(2024);
    Bars out;
    out.reserve(size_t(count));
    double price = 42000;
    for (qint64 i = 0; i < count; ++i) {
        const double o = std::round(price * 100) / 100;
        price = std::max(1000.0, price + (rng.generateDouble() - 0.5) * 40);
        const double c = std::round(price * 100) / 100;
        const double h = std::round((std::max(o, c) + rng.generateDouble() * 15) * 100) / 100;
        const double l = std::round((std::min(o, c) - rng.generateDouble() * 15) * 100) / 100;
        const double v = std::round(rng.generateDouble() * 50 * 1e5) / 1e5;
        out.push_back({from + i * kMinuteMs, o, h, l, c, v});
    }
    return out;
}

} // namespace barkeep::bench
