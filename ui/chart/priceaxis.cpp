// SPDX-License-Identifier: GPL-3.0-or-later
#include "priceaxis.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace barkeep::ui {

namespace {
// Smallest positive price a log scale accepts; prices at or below it are drawn at the bottom.
constexpr double kLogFloor = 1e-12;
} // namespace

void PriceAxis::setRange(double min, double max)
{
    if (!(max > min)) {
        // A flat series still needs a visible band around its single value.
        const double pad = std::abs(min) > 0 ? std::abs(min) * 0.01 : 1.0;
        min -= pad;
        max += pad;
    }
    m_min = min;
    m_max = max;
}

void PriceAxis::setPixelSpan(double top, double bottom)
{
    m_top = top;
    m_bottom = bottom;
}

void PriceAxis::setLogScale(bool on)
{
    m_log = on;
}

double PriceAxis::toScale(double price) const
{
    return m_log ? std::log(std::max(price, kLogFloor)) : price;
}

double PriceAxis::yForPrice(double price) const
{
    const double lo = toScale(m_min);
    const double hi = toScale(m_max);
    const double f = (toScale(price) - lo) / (hi - lo);
    return m_bottom - f * (m_bottom - m_top);
}

double PriceAxis::priceForY(double y) const
{
    const double lo = toScale(m_min);
    const double hi = toScale(m_max);
    const double s = lo + (m_bottom - y) / (m_bottom - m_top) * (hi - lo);
    return m_log ? std::exp(s) : s;
}

double PriceAxis::niceStep(double rawStep)
{
    if (!(rawStep > 0) || !std::isfinite(rawStep))
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rawStep)));
    // Tolerate rounding in the division so an exact 2e-5 stays 2e-5.
    const double f = rawStep / magnitude * (1 - 1e-9);
    const double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nice * magnitude;
}

int PriceAxis::decimalsForStep(double step)
{
    if (!(step > 0))
        return 0;
    return std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
}

QList<PriceAxis::Tick> PriceAxis::ticks(double minSpacingPx) const
{
    QList<Tick> out;
    const double height = std::abs(m_bottom - m_top);
    if (height <= 0 || !(m_max > m_min))
        return out;
    const QLocale locale;
    auto add = [&](double v, int decimals) { out.append({v, locale.toString(v, 'f', decimals)}); };

    const bool logTicks = m_log && m_min > 0 && m_max / m_min >= 10;
    if (!logTicks) {
        // On a log scale under one decade, the top of the pane is the densest: size the step there.
        const double valuePerPx = m_log && m_min > 0 ? std::log(m_max / m_min) * m_max / height
                                                     : (m_max - m_min) / height;
        const double step = niceStep(valuePerPx * minSpacingPx);
        const int decimals = decimalsForStep(step);
        for (double i = std::ceil(m_min / step); i * step <= m_max && out.size() < 1000; ++i)
            add(i * step, decimals);
        return out;
    }

    const double pxPerDecade = height / std::log10(m_max / m_min);
    // Between 1 and 2 is the narrowest gap of the 1-2-5 sequence on a log scale (log10 2 ~ 0.301).
    const bool oneTwoFive = pxPerDecade * std::log10(2.0) >= minSpacingPx;
    const int decadeStep = std::max(1, int(std::ceil(minSpacingPx / pxPerDecade)));
    const int firstExp = int(std::floor(std::log10(m_min)));
    const int lastExp = int(std::ceil(std::log10(m_max)));
    for (int e = firstExp; e <= lastExp; ++e) {
        if (!oneTwoFive && e % decadeStep != 0)
            continue;
        for (const double m : {1.0, 2.0, 5.0}) {
            if (!oneTwoFive && m != 1.0)
                continue;
            const double v = m * std::pow(10.0, e);
            if (v >= m_min && v <= m_max)
                add(v, std::max(0, -e));
        }
    }
    return out;
}

QString PriceAxis::formatPrice(double value)
{
    const double a = std::abs(value);
    const int magnitude = a > 0 ? int(std::floor(std::log10(a))) : 0;
    // Five significant digits, but never fewer than 2 decimals nor more than 8.
    const int decimals = std::clamp(4 - magnitude, 2, 8);
    return QLocale().toString(value, 'f', decimals);
}

QString PriceAxis::formatVolume(double value)
{
    const QLocale locale;
    const double a = std::abs(value);
    if (a >= 1e9)
        return locale.toString(value / 1e9, 'f', 2) + u'B';
    if (a >= 1e6)
        return locale.toString(value / 1e6, 'f', 2) + u'M';
    if (a >= 1e4)
        return locale.toString(value / 1e3, 'f', 1) + u'K';
    return locale.toString(value, 'f', a >= 100 || a == std::floor(a) ? 0 : 2);
}

} // namespace barkeep::ui
