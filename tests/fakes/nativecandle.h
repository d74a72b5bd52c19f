// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "groundtruth.h"

#include <optional>

namespace barkeep::fakes {

// The candle a fake serves for a native timeframe: GroundTruth::nativeBucket() where the
// ground truth has it (a native daily candle may differ from the 1m rollup), else the rollup
// (bucket()), so that a fake always serves what FakeServer::groundTruth() calls the truth.
template<typename Truth>
std::optional<Bar> nativeCandle(const Truth &truth, const QString &symbol, const Timeframe &tf,
                                qint64 bucketStart, qint64 now)
{
    if constexpr (requires { truth.nativeBucket(symbol, tf, bucketStart, now); })
        return truth.nativeBucket(symbol, tf, bucketStart, now);
    else
        return truth.bucket(symbol, tf, bucketStart, now);
}

// The same for a whole range of closed candles (nativeBars(), else bars()).
template<typename Truth>
Bars nativeCandles(const Truth &truth, const QString &symbol, TimeRange range, const Timeframe &tf)
{
    if constexpr (requires { truth.nativeBars(symbol, range, tf); })
        return truth.nativeBars(symbol, range, tf);
    else
        return truth.bars(symbol, range, tf);
}

} // namespace barkeep::fakes
