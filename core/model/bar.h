// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QtGlobal>

#include <cmath>
#include <vector>

namespace barkeep {

// One OHLCV bar: t = open time in ms since the Unix epoch (UTC). 48 bytes, trivially copyable,
// so vectors of bars move between threads and into the store without per-bar allocation.
struct Bar
{
    qint64 t = 0;
    double o = 0, h = 0, l = 0, c = 0, v = 0;

    friend bool operator==(const Bar &, const Bar &) = default;

    bool isFinite() const
    {
        return std::isfinite(o) && std::isfinite(h) && std::isfinite(l) && std::isfinite(c)
            && std::isfinite(v);
    }
};

using Bars = std::vector<Bar>;

// A half-open time range [from, to) in ms.
struct TimeRange
{
    qint64 from = 0;
    qint64 to = 0;

    bool isEmpty() const { return to <= from; }
    qint64 length() const { return to - from; }
    bool contains(qint64 t) const { return t >= from && t < to; }
    friend bool operator==(const TimeRange &, const TimeRange &) = default;
};

using TimeRanges = std::vector<TimeRange>;

constexpr qint64 kMinuteMs = 60'000;
// The latest open time Barkeep accepts (10000-01-01T00:00Z). Parsers check a time against it
// *before* converting a double to qint64 or scaling it, which would otherwise overflow (UB).
constexpr qint64 kMaxTimeMs = 253'402'300'800'000LL;
inline bool isTimeInRange(double ms) { return ms >= 0 && ms < double(kMaxTimeMs); }
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr qint64 kDayMs = 24 * kHourMs;

} // namespace barkeep

Q_DECLARE_METATYPE(barkeep::Bar)
Q_DECLARE_METATYPE(barkeep::Bars)
