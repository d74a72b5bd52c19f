// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "storage/store.h"

#include <QHash>
#include <QMutex>

#include <memory>

namespace barkeep {

// The embedded default BarStore on SQLite (raw sqlite3 API; Qt's per-row QSqlQuery is several
// times too slow for the ingest and read goals). Bars are kept as packed blocks, one row per
// (series, UTC day) encoded by BarBlockCodec; the coverage ledger, quarantine, jobs and fetch
// claims are plain tables. WAL journal, versioned schema (PRAGMA user_version) migrated on open. Every
// write of bars and coverage is one transaction, so a crash leaves both or neither.
// Thread-safe: each thread gets its own connection on first use, closed when the thread
// exits or on close(). See ARCHITECTURE.md "Storage" for the measurements behind the layout.
class BARKEEPCORE_EXPORT SqliteBarStore : public Store
{
public:
    // `path` of the database file; its parent directory is created on open().
    explicit SqliteBarStore(const QString &path);
    ~SqliteBarStore() override;

    QString describe() const override;
    VoidResult open() override;
    void close() override;

    Result<WriteReport> writeBars(const SeriesKey &series, const Bars &bars,
                                  TimeRange covered) override;
    Result<Bars> readBars(const SeriesKey &series, TimeRange range, qint64 limit = 0) override;
    Result<RollupBars> readRollup(const SeriesKey &series, TimeRange range,
                                  qint64 limit = 0) override;

    Result<CoverageIntervals> coverage(const SeriesKey &series, TimeRange range) override;

    Result<QList<SeriesKey>> listSeries() override;
    Result<TimeRange> extent(const SeriesKey &series) override;

    Result<std::vector<QuarantinedBar>> quarantine(const SeriesKey &series) override;
    VoidResult recordFinding(const SeriesKey &series, const Bar &bar, const QString &reason) override;

    Result<qint64> insertJob(const StoredJob &job) override;
    VoidResult updateJob(const StoredJob &job) override;
    Result<std::vector<StoredJob>> jobs() override;

    Result<TimeRanges> claim(const SeriesKey &series, TimeRange range, const QString &owner,
                             qint64 ttlMs, qint64 nowMs) override;
    VoidResult release(const SeriesKey &series, TimeRange range, const QString &owner) override;
    Result<qint64> renewClaims(const QString &owner, qint64 ttlMs, qint64 nowMs) override;
    Result<QStringList> claimOwners() override;
    VoidResult releaseAll(const QString &owner) override;

    // The schema version this build writes (PRAGMA user_version).
    static int schemaVersion();

    struct Connection;
    struct Shared;

private:
    Result<Connection *> connection();
    struct SeriesHandle
    {
        Connection *conn;
        qint64 id; // 0: the series was never written
    };
    // This thread's connection and the id of `series`, without creating it.
    Result<SeriesHandle> existingSeries(const SeriesKey &series);
    // `read(conn, id)` of a stored series; T{} for a series never written (none is created).
    template <typename T, typename Read>
    Result<T> readExisting(const SeriesKey &series, Read &&read);
    // The id of `series`, creating the row when `create`; 0 when absent and not created.
    Result<qint64> seriesId(Connection &conn, const SeriesKey &series, bool create);
    Result<CoverageIntervals> loadCoverage(Connection &conn, qint64 id, qint64 from, qint64 to);
    Result<Bars> readBarsById(Connection &conn, qint64 id, TimeRange range, qint64 limit);
    // insertJob() and updateJob(): the new id, or job.id when updated.
    Result<qint64> writeJob(const StoredJob &job, bool update);

    QString m_path;
    std::shared_ptr<Shared> m_shared;
    QMutex m_mutex; // guards m_ids
    QHash<SeriesKey, qint64> m_ids;
};

} // namespace barkeep
