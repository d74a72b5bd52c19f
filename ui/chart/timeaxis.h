// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QList>
#include <QLocale>
#include <QString>
#include <QTimeZone>

namespace barkeep::ui {

// Tick positions and labels for the chart's time axis. The step follows the zoom (years ->
// months -> days -> hours -> minutes) and ticks sit on round wall-clock times of the chosen
// time zone (midnight, the 1st of a month, ...), so labels read naturally in UTC, local or
// exchange time. A value type rebuilt per frame; GUI thread.
class TimeAxis
{
    Q_DECLARE_TR_FUNCTIONS(TimeAxis)

public:
    enum class Unit { Minute, Hour, Day, Month, Year };

    struct Step
    {
        Unit unit = Unit::Minute;
        int count = 1;
        // Nominal length (months 30.44 days, years 365.25 days), used only to choose the step.
        qint64 approxMs() const;
        friend bool operator==(const Step &, const Step &) = default;
    };

    struct Tick
    {
        qint64 t = 0;
        QString label;
        // A boundary of the next larger unit (midnight, 1st of month, 1 January): drawn stronger.
        bool major = false;
    };

    void setTimeZone(const QTimeZone &tz) { m_tz = tz; }
    const QTimeZone &timeZone() const { return m_tz; }
    void setLocale(const QLocale &locale) { m_locale = locale; }

    // The finest step whose ticks are at least minSpacingPx apart at msPerPx.
    static Step stepFor(double msPerPx, double minSpacingPx);
    // Ticks within [from, to] for that step.
    QList<Tick> ticks(qint64 from, qint64 to, double msPerPx, double minSpacingPx) const;
    QList<Tick> ticks(qint64 from, qint64 to, Step step) const;

    // A full time for the crosshair label; date only for bars of a day or longer.
    QString fullLabel(qint64 t, qint64 barDurationMs) const;

private:
    QString label(const QDateTime &dt, Step step, bool *major) const;

    QTimeZone m_tz = QTimeZone::utc();
    QLocale m_locale;
};

} // namespace barkeep::ui
