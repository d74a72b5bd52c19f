// SPDX-License-Identifier: GPL-3.0-or-later
#include "timeaxis.h"

#include "model/bar.h"

#include <QDateTime>

#include <array>
#include <cmath>

namespace barkeep::ui {

namespace {
using Unit = TimeAxis::Unit;
// Steps that divide their parent unit evenly (1440 minutes, 24 hours, 12 months), so every
// day/month/year restarts on the same round labels.
constexpr std::array kSteps{
    TimeAxis::Step{Unit::Minute, 1},  TimeAxis::Step{Unit::Minute, 2},
    TimeAxis::Step{Unit::Minute, 5},  TimeAxis::Step{Unit::Minute, 10},
    TimeAxis::Step{Unit::Minute, 15}, TimeAxis::Step{Unit::Minute, 30},
    TimeAxis::Step{Unit::Hour, 1},    TimeAxis::Step{Unit::Hour, 2},
    TimeAxis::Step{Unit::Hour, 3},    TimeAxis::Step{Unit::Hour, 6},
    TimeAxis::Step{Unit::Hour, 12},   TimeAxis::Step{Unit::Day, 1},
    TimeAxis::Step{Unit::Day, 2},     TimeAxis::Step{Unit::Day, 5},
    TimeAxis::Step{Unit::Day, 10},    TimeAxis::Step{Unit::Day, 15},
    TimeAxis::Step{Unit::Month, 1},   TimeAxis::Step{Unit::Month, 2},
    TimeAxis::Step{Unit::Month, 3},   TimeAxis::Step{Unit::Month, 6},
    TimeAxis::Step{Unit::Year, 1},    TimeAxis::Step{Unit::Year, 2},
    TimeAxis::Step{Unit::Year, 5},    TimeAxis::Step{Unit::Year, 10},
    TimeAxis::Step{Unit::Year, 25},   TimeAxis::Step{Unit::Year, 50},
    TimeAxis::Step{Unit::Year, 100},  TimeAxis::Step{Unit::Year, 250},
    TimeAxis::Step{Unit::Year, 500},  TimeAxis::Step{Unit::Year, 1000},
};
// Guard against pathological input (a huge range with a tiny step): the chart never needs more.
constexpr int kMaxTicks = 2000;
} // namespace

qint64 TimeAxis::Step::approxMs() const
{
    switch (unit) {
    case Unit::Minute:
        return count * kMinuteMs;
    case Unit::Hour:
        return count * kHourMs;
    case Unit::Day:
        return count * kDayMs;
    case Unit::Month:
        return qint64(count * 30.44 * double(kDayMs));
    case Unit::Year:
        return qint64(count * 365.25 * double(kDayMs));
    }
    return kMinuteMs;
}

TimeAxis::Step TimeAxis::stepFor(double msPerPx, double minSpacingPx)
{
    for (const Step &s : kSteps) {
        if (double(s.approxMs()) / msPerPx >= minSpacingPx)
            return s;
    }
    return kSteps.back();
}

QList<TimeAxis::Tick> TimeAxis::ticks(qint64 from, qint64 to, double msPerPx,
                                      double minSpacingPx) const
{
    return ticks(from, to, stepFor(msPerPx, minSpacingPx));
}

QList<TimeAxis::Tick> TimeAxis::ticks(qint64 from, qint64 to, Step step) const
{
    QList<Tick> out;
    if (to < from)
        return out;
    auto add = [&](const QDateTime &dt) {
        const qint64 t = dt.toMSecsSinceEpoch();
        if (t < from || t > to || (!out.isEmpty() && out.back().t >= t))
            return;
        Tick tick;
        tick.t = t;
        tick.label = label(dt.toTimeZone(m_tz), step, &tick.major);
        out.append(tick);
    };
    const QDate firstDate = QDateTime::fromMSecsSinceEpoch(from, m_tz).date();
    const QDate lastDate = QDateTime::fromMSecsSinceEpoch(to, m_tz).date();

    switch (step.unit) {
    case Unit::Minute:
    case Unit::Hour: {
        const qint64 stepMs = step.approxMs();
        // Offsets within a day from local midnight; a DST jump shifts the rest of that day's ticks,
        // whose labels still come from the real local time.
        for (QDate d = firstDate; d <= lastDate && out.size() < kMaxTicks; d = d.addDays(1)) {
            const qint64 dayStart = QDateTime(d, QTime(0, 0), m_tz).toMSecsSinceEpoch();
            const qint64 dayEnd = QDateTime(d.addDays(1), QTime(0, 0), m_tz).toMSecsSinceEpoch();
            qint64 k = std::max<qint64>(0, (from - dayStart) / stepMs);
            for (; dayStart + k * stepMs < dayEnd && dayStart + k * stepMs <= to; ++k) {
                if (out.size() >= kMaxTicks)
                    break;
                add(QDateTime::fromMSecsSinceEpoch(dayStart + k * stepMs, m_tz));
            }
        }
        break;
    }
    case Unit::Day:
        for (QDate d = firstDate; d <= lastDate && out.size() < kMaxTicks; d = d.addDays(1)) {
            // Restart at each 1st of a month; drop a tick that would crowd the next 1st.
            if ((d.day() - 1) % step.count != 0)
                continue;
            if (d.day() != 1 && d.daysInMonth() + 1 - d.day() < 0.75 * step.count)
                continue;
            add(QDateTime(d, QTime(0, 0), m_tz));
        }
        break;
    case Unit::Month: {
        QDate d(firstDate.year(), firstDate.month(), 1);
        for (; d <= lastDate && out.size() < kMaxTicks; d = d.addMonths(1)) {
            if ((d.month() - 1) % step.count == 0)
                add(QDateTime(d, QTime(0, 0), m_tz));
        }
        break;
    }
    case Unit::Year: {
        int y = firstDate.year() - (firstDate.year() % step.count + step.count) % step.count;
        for (; y <= lastDate.year() && out.size() < kMaxTicks; y += step.count) {
            if (y != 0) // QDate has no year 0
                add(QDateTime(QDate(y, 1, 1), QTime(0, 0), m_tz));
        }
        break;
    }
    }
    return out;
}

QString TimeAxis::label(const QDateTime &dt, Step step, bool *major) const
{
    const QDate d = dt.date();
    const QTime tm = dt.time();
    *major = false;
    switch (step.unit) {
    case Unit::Minute:
    case Unit::Hour:
        if (tm.hour() == 0 && tm.minute() == 0) {
            *major = true;
            return m_locale.toString(d, tr("d MMM"));
        }
        return m_locale.toString(tm, tr("HH:mm"));
    case Unit::Day:
        if (d.day() == 1) {
            *major = true;
            return d.month() == 1 ? m_locale.toString(d, tr("yyyy"))
                                  : m_locale.toString(d, tr("MMM"));
        }
        return m_locale.toString(d, tr("d MMM"));
    case Unit::Month:
        if (d.month() == 1) {
            *major = true;
            return m_locale.toString(d, tr("yyyy"));
        }
        return m_locale.toString(d, tr("MMM"));
    case Unit::Year:
        *major = true;
        return m_locale.toString(d, tr("yyyy"));
    }
    return {};
}

QString TimeAxis::fullLabel(qint64 t, qint64 barDurationMs) const
{
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(t, m_tz);
    if (barDurationMs >= kDayMs)
        return m_locale.toString(dt, tr("ddd yyyy-MM-dd"));
    return m_locale.toString(dt, tr("ddd yyyy-MM-dd HH:mm"));
}

} // namespace barkeep::ui
