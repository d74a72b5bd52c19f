// SPDX-License-Identifier: GPL-3.0-or-later
#include "barstore.h"

#include "store.h"

#include "sqlitebarstore.h"
#include "storage/coverageledger.h"
#include "storage/rollup.h"
#include "util/redact.h"
#include "postgresbarstore.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

#include <algorithm>

namespace barkeep {

BarStore::~BarStore() = default;
JobStore::~JobStore() = default;
ClaimStore::~ClaimStore() = default;
Store::~Store() = default;

void BarStore::setSessionCalendar(SessionCalendar calendar)
{
    std::lock_guard lock(m_calendarMutex);
    m_calendar = std::move(calendar);
}

SessionCalendar BarStore::sessionCalendar() const
{
    std::lock_guard lock(m_calendarMutex);
    return m_calendar;
}

Result<TimeRanges> BarStore::gaps(const SeriesKey &series, TimeRange range)
{
    Result<CoverageIntervals> cov = coverage(series, range);
    if (!cov)
        return cov.error();
    const CoverageLedger ledger(std::move(*cov));
    const SessionCalendar calendar = sessionCalendar();
    return calendar ? ledger.gaps(range, calendar(series, range)) : ledger.gaps(range);
}

TimeRanges ClaimStore::unheldParts(TimeRange range, std::vector<TimeRange> held)
{
    std::sort(held.begin(), held.end(), [](TimeRange a, TimeRange b) { return a.from < b.from; });
    TimeRanges out;
    qint64 cursor = range.from;
    for (const TimeRange &h : held) {
        if (h.to <= cursor)
            continue;
        if (h.from >= range.to)
            break;
        if (h.from > cursor)
            out.push_back({cursor, h.from});
        cursor = std::max(cursor, h.to);
    }
    if (cursor < range.to)
        out.push_back({cursor, range.to});
    return out;
}

RollupBars BarStore::rollupFrom(const SeriesKey &series, const Timeframe &timeframe,
                                TimeRange range, const Bars &oneMinute,
                                CoverageIntervals coverage, qint64 limit) const
{
    const TimeRange source = Rollup::sourceRange(timeframe, range);
    const CoverageLedger ledger(std::move(coverage));
    // Minutes outside the session were never expected, so they do not make a bucket
    // incomplete (a stock's daily bar is whole when its session was fetched).
    const SessionCalendar calendar = sessionCalendar();
    const TimeRanges gapRanges
        = calendar ? ledger.gaps(source, calendar(series.withTimeframe(QStringLiteral("1m")), source))
                   : ledger.gaps(source);
    return Rollup::compute(oneMinute, timeframe, range, gapRanges, limit);
}

namespace {
const QString kExpected = QStringLiteral("expected sqlite:///absolute/path.db or "
                                         "postgresql://user@host:port/database");
}

Result<std::unique_ptr<Store>> createBarStore(const QString &url)
{
    const QString trimmed = url.trimmed();
    const int colon = trimmed.indexOf(QLatin1Char(':'));
    const QString scheme = colon > 0 ? trimmed.left(colon).toLower() : QString();
    if (scheme == QLatin1String("sqlite")) {
        // sqlite:///abs/path.db: the path is everything after "sqlite://"; a host part
        // ("sqlite://relative/x.db") would silently drop a directory, so refuse it.
        if (!trimmed.startsWith(QLatin1String("sqlite:///"), Qt::CaseInsensitive))
            return Error(Error::Kind::BadInput,
                         QStringLiteral("store.url '%1': the SQLite path must be absolute, "
                                        "like sqlite:///home/me/barkeep.db")
                             .arg(redactedUrl(url)));
        const QString path = QUrl::fromPercentEncoding(trimmed.mid(9).toUtf8());
        const QFileInfo info(path);
        if (path.size() < 2 || info.isDir())
            return Error(Error::Kind::BadInput,
                         QStringLiteral("store.url '%1': no database file name in '%2'")
                             .arg(redactedUrl(url), path));
        if (!QDir().mkpath(info.absolutePath()))
            return Error(Error::Kind::Storage,
                         QStringLiteral("store.url '%1': cannot create directory %2")
                             .arg(redactedUrl(url), info.absolutePath()));
        return std::unique_ptr<Store>(new SqliteBarStore(info.absoluteFilePath()));
    }
    if (scheme == QLatin1String("postgresql") || scheme == QLatin1String("postgres")) {
        return std::unique_ptr<Store>(new PostgresBarStore(trimmed));
    }
    return Error(Error::Kind::BadInput,
                 QStringLiteral("store.url '%1': unknown scheme '%2'; %3")
                     .arg(redactedUrl(url), scheme.isEmpty() ? QStringLiteral("(none)") : scheme, kExpected));
}

} // namespace barkeep
