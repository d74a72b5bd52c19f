// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace barkeep::ui {

// The vertical price scale of one pane: maps prices to pixels (linear or log) and picks
// "nice" tick values (1-2-5 x 10^k steps; per-decade steps on a log scale) with labels.
// A value type; the chart rebuilds it each frame from the visible bars. GUI thread.
class PriceAxis
{
public:
    struct Tick
    {
        double value = 0;
        QString label;
    };

    void setRange(double min, double max);
    void setPixelSpan(double top, double bottom);
    void setLogScale(bool on);

    double min() const { return m_min; }
    double max() const { return m_max; }
    bool isLogScale() const { return m_log; }

    double yForPrice(double price) const;
    double priceForY(double y) const;

    // Ticks inside [min, max], at least minSpacingPx apart (at the densest point).
    QList<Tick> ticks(double minSpacingPx) const;

    // The smallest 1-2-5 x 10^k step >= rawStep.
    static double niceStep(double rawStep);
    // Decimals needed to print multiples of step exactly (step = 0.05 -> 2).
    static int decimalsForStep(double step);
    // A price printed with enough significant digits for a readout (30123.45, 1.2345, 0.00012345).
    static QString formatPrice(double value);
    // A volume in compact form (950, 12.3K, 4.56M, 7.8B).
    static QString formatVolume(double value);

private:
    double toScale(double price) const;

    double m_min = 0;
    double m_max = 1;
    double m_top = 0;
    double m_bottom = 1;
    bool m_log = false;
};

} // namespace barkeep::ui
