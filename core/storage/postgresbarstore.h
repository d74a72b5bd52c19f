// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store.h"

#include <QString>

#include <functional>
#include <memory>

namespace barkeep {

namespace pg {
class Connections;
}

// The shared store, on PostgreSQL through libpq (the toolkit is in storage/pg/).
//
// Tables (schema version in `schema_version`, migrated on open(); pg/pgschema.cpp):
//   series     (id, market, provider, symbol, timeframe) one row per series: 1m, or native
//                                                         candles of another timeframe
//   bar_days   (series_id, day, first_t, last_t, n, bars) bars packed per UTC day, `bars`
//              the BarBlockCodec encoding, ascending t
//   coverage   (series_id, t_from, t_to, state)           the ledger, normalized intervals
//   quarantine (series_id, bar, reason, quarantined_at)   rejected bars and data-health
//                                                         findings, kept for inspection
//   jobs, claims                                          backfill jobs and fetch leases
//
// Why packed days and not a row per bar: a row per bar pays tuple header, index entry and
// executor work per bar, which keeps ingest far below the goal (BENCHMARKS.md); a day block
// is one row and one binary value to read back. The same reason rules out TimescaleDB
// continuous aggregates and GROUP BY rollups (both need a row per bar): rollups are computed
// on read from the blocks (BarStore::rollupFrom, shared with SQLite), exact and with
// per-bucket completeness from the ledger.
//
// Why the write path is shaped as it is (writeBars): a write is one transaction, serialized
// per series by locking the series row, in as few round trips as the protocol allows, since
// on a loaded machine every round trip is a scheduler wait on both ends: a pipeline of
// prepared statements, then one query string whose COPY data follows once the server is ready.
//
// Each thread uses its own connection (pg::Connections). A connection lost to a server
// restart is re-established and the interrupted operation retried once; every operation is
// idempotent, so a retry cannot duplicate bars.
class BARKEEPCORE_EXPORT PostgresBarStore final : public Store
{
public:
    // A libpq URI: postgresql://user[:password]@host:port/db[?params].
    explicit PostgresBarStore(const QString &url);
    ~PostgresBarStore() override;

    // The URL without its password (also without a password=... parameter).
    QString describe() const override;
    VoidResult open() override;
    // Closes every thread's connection: call it when no other thread uses the store.
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

    // Connections currently open (all threads); for tests.
    int connectionCount() const;
    // Times a lost connection was re-established; for tests and metrics.
    qint64 reconnectCount() const;
    // How rollups are computed on this server and whether TimescaleDB was found (checked in
    // pg_available_extensions and pg_extension by open(), also logged); empty before open().
    QString rollupPath() const;

    // For tests of the COPY path: `hook` runs in the middle of every write's COPY of day
    // blocks (after the header and about half of the tuples), with the connection's backend
    // pid, so a test can kill that backend mid-COPY; when it returns false, the store then
    // sends a malformed tuple, which the server rejects. An empty function removes it.
    void setCopyHookForTesting(std::function<bool(int backendPid)> hook);

    static constexpr int kSchemaVersion = 3;
    // `url` with any password removed.
    static QString redactedUrl(const QString &url);

private:
    struct Shared;

    const QString m_url;
    std::shared_ptr<pg::Connections> m_connections;
    std::shared_ptr<Shared> m_shared;
};

} // namespace barkeep
