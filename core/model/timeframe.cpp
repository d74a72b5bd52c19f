// SPDX-License-Identifier: GPL-3.0-or-later
#include "timeframe.h"

#include <QDate>
#include <QDateTime>
#include <QTimeZone>

namespace barkeep {

namespace {
constexpr int kDayMinutes = 24 * 60;
constexpr int kWeekMinutes = 7 * kDayMinutes;
// 1970-01-01 was a Thursday; the first Monday is 1970-01-05, four days later.
constexpr qint64 kMondayOffsetMs = 4 * kDayMs;

qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}
} // namespace

Result<Timeframe> Timeframe::parse(const QString &text)
{
    const QString t = text.trimmed();
    if (t.size() < 2)
        return Error(Error::Kind::BadInput,
                     QStringLiteral("bad timeframe '%1': use 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h "
                                    "1d 3d 1w 1M or Nm").arg(text));
    const QChar unit = t.back();
    bool ok = false;
    const int n = t.left(t.size() - 1).toInt(&ok);
    if (!ok || n <= 0 || n > 100000)
        return Error(Error::Kind::BadInput,
                     QStringLiteral("bad timeframe '%1': the count must be a positive integer")
                         .arg(text));
    switch (unit.unicode()) {
    case 'm': return Timeframe(n, 0);
    case 'h': return Timeframe(n * 60, 0);
    case 'd': return Timeframe(n * kDayMinutes, 0);
    case 'w': return Timeframe(n * kWeekMinutes, 0);
    case 'M':
        if (n > 12)
            break;
        return Timeframe(0, n);
    default: break;
    }
    return Error(Error::Kind::BadInput,
                 QStringLiteral("bad timeframe '%1': the unit must be m, h, d, w or M").arg(text));
}

QStringList Timeframe::standardNames()
{
    return {QStringLiteral("1m"),  QStringLiteral("3m"),  QStringLiteral("5m"),
            QStringLiteral("15m"), QStringLiteral("30m"), QStringLiteral("1h"),
            QStringLiteral("2h"),  QStringLiteral("4h"),  QStringLiteral("6h"),
            QStringLiteral("8h"),  QStringLiteral("12h"), QStringLiteral("1d"),
            QStringLiteral("3d"),  QStringLiteral("1w"),  QStringLiteral("1M")};
}

qint64 Timeframe::durationMs() const
{
    if (m_months > 0)
        return qint64(m_months) * 30 * kDayMs;
    return qint64(m_minutes) * kMinuteMs;
}

QString Timeframe::name() const
{
    if (m_months > 0)
        return QString::number(m_months) + QLatin1Char('M');
    if (m_minutes % kWeekMinutes == 0)
        return QString::number(m_minutes / kWeekMinutes) + QLatin1Char('w');
    if (m_minutes % kDayMinutes == 0)
        return QString::number(m_minutes / kDayMinutes) + QLatin1Char('d');
    if (m_minutes % 60 == 0)
        return QString::number(m_minutes / 60) + QLatin1Char('h');
    return QString::number(m_minutes) + QLatin1Char('m');
}

qint64 Timeframe::bucketStart(qint64 t) const
{
    if (m_months > 0) {
        const QDate d = QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc()).date();
        const int monthIndex = d.year() * 12 + (d.month() - 1);
        const int bucket = int(floorDiv(monthIndex, m_months) * m_months);
        return QDateTime(QDate(bucket / 12, bucket % 12 + 1, 1), QTime(0, 0), QTimeZone::utc())
            .toMSecsSinceEpoch();
    }
    const qint64 len = qint64(m_minutes) * kMinuteMs;
    if (isWeekly())
        return floorDiv(t - kMondayOffsetMs, len) * len + kMondayOffsetMs;
    return floorDiv(t, len) * len;
}

qint64 Timeframe::bucketEnd(qint64 bucketStartMs) const
{
    if (m_months > 0)
        return QDateTime::fromMSecsSinceEpoch(bucketStartMs, QTimeZone::utc())
            .addMonths(m_months)
            .toMSecsSinceEpoch();
    return bucketStartMs + qint64(m_minutes) * kMinuteMs;
}

} // namespace barkeep
