// SPDX-License-Identifier: GPL-3.0-or-later
#include "barvalidator.h"

#include <algorithm>

namespace barkeep {

QString BarValidator::check(const Bar &bar, const Timeframe &timeframe)
{
    // NaN compares false with everything, so it must be caught before the order checks.
    if (!bar.isFinite())
        return QStringLiteral("not finite (NaN or infinity)");
    if (bar.h < std::max(bar.o, bar.c))
        return QStringLiteral("high below max(open, close)");
    if (bar.l > std::min(bar.o, bar.c))
        return QStringLiteral("low above min(open, close)");
    if (bar.v < 0)
        return QStringLiteral("negative volume");
    if (timeframe.isValid() && !timeframe.isAligned(bar.t))
        return QStringLiteral("open time not aligned to %1").arg(timeframe.name());
    return {};
}

std::vector<BarValidator::Rejected> BarValidator::filter(Bars &bars, const Timeframe &timeframe)
{
    // The same tests as check() without building a reason, and alignment without a call for
    // plain N-minute timeframes: a write validates every bar, so this is on the ingest path.
    const qint64 len = timeframe.isMonthly() || timeframe.isWeekly()
        ? 0
        : qint64(timeframe.minuteCount()) * kMinuteMs;
    const auto aligned = [&](qint64 t) {
        return !timeframe.isValid() || (len > 0 ? t % len == 0 : timeframe.isAligned(t));
    };
    std::vector<Rejected> rejected;
    auto keep = bars.begin();
    for (auto it = bars.begin(); it != bars.end(); ++it) {
        const Bar &b = *it;
        const bool good = b.isFinite() && b.h >= std::max(b.o, b.c) && b.l <= std::min(b.o, b.c)
            && b.v >= 0 && aligned(b.t);
        QString reason = good ? QString() : check(b, timeframe);
        if (reason.isEmpty()) {
            if (keep != it)
                *keep = *it;
            ++keep;
        } else {
            rejected.push_back({*it, std::move(reason)});
        }
    }
    bars.erase(keep, bars.end());
    return rejected;
}

} // namespace barkeep
