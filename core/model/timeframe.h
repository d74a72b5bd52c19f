// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "bar.h"
#include "util/result.h"

#include <QString>
#include <QStringList>

namespace barkeep {

// A bar duration: N minutes (1m, 15m, 4h = 240m, 1d = 1440m, 1w = 10080m, any "Nm") or
// N calendar months (1M). Buckets are aligned in UTC: minute multiples to the epoch,
// weeks to Monday 00:00 UTC, months to the first of the month.
class BARKEEPCORE_EXPORT Timeframe
{
public:
    Timeframe() = default;

    static Result<Timeframe> parse(const QString &text);
    static Timeframe minutes(int n) { return Timeframe(n, 0); }
    static Timeframe months(int n) { return Timeframe(0, n); }
    // The named timeframes of design.md, smallest first.
    static QStringList standardNames();

    bool isValid() const { return m_minutes > 0 || m_months > 0; }
    bool isMonthly() const { return m_months > 0; }
    bool isWeekly() const { return m_minutes > 0 && m_minutes % (7 * 24 * 60) == 0; }
    int minuteCount() const { return m_minutes; }
    int monthCount() const { return m_months; }
    // Nominal duration (a month counts 30 days; use bucketEnd() for exact ends).
    qint64 durationMs() const;
    // Canonical name: "1m", "4h", "1d", "1w", "1M", "7m".
    QString name() const;

    // Start of the bucket that holds t, and the start of the next one.
    qint64 bucketStart(qint64 t) const;
    qint64 bucketEnd(qint64 bucketStartMs) const;
    bool isAligned(qint64 t) const { return bucketStart(t) == t; }

    friend bool operator==(const Timeframe &, const Timeframe &) = default;

private:
    Timeframe(int minutes, int months) : m_minutes(minutes), m_months(months) {}
    int m_minutes = 0;
    int m_months = 0;
};

} // namespace barkeep
