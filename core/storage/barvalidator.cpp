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

Result<BarValidator::Write> BarValidator::prepareWrite(const Bars &bars, TimeRange covered,
                                                      const Timeframe &timeframe)
{
    // One pass for the usual ascending input: copy, check the range, fold duplicates.
    Write w;
    w.good.reserve(bars.size());
    bool sorted = true;
    for (const Bar &b : bars) {
        if (!covered.contains(b.t))
            return Error(Error::Kind::BadInput,
                         QStringLiteral("bar at %1 is outside the covered range [%2, %3)")
                             .arg(b.t)
                             .arg(covered.from)
                             .arg(covered.to));
        if (!w.good.empty() && b.t <= w.good.back().t) {
            if (b.t == w.good.back().t) {
                w.good.back() = b;
                continue;
            }
            sorted = false;
        }
        w.good.push_back(b);
    }
    if (!sorted) {
        std::stable_sort(w.good.begin(), w.good.end(),
                         [](const Bar &a, const Bar &b) { return a.t < b.t; });
        Bars unique;
        unique.reserve(w.good.size());
        for (const Bar &b : w.good) {
            if (!unique.empty() && unique.back().t == b.t)
                unique.back() = b;
            else
                unique.push_back(b);
        }
        w.good.swap(unique);
    }
    w.rejected = filter(w.good, timeframe);
    return w;
}

} // namespace barkeep
