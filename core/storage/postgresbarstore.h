// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barstore.h"

#include <QString>

#include <functional>
#include <memory>

namespace barkeep {

// The shared store (the seed's DbSource on TimescaleDB), on PostgreSQL through libpq.
//
// Layout (schema version in `schema_version`, migrated on open()):
//   series     (id, market, provider, symbol)            one row per instrument
//   bar_days   (series_id, day, first_t, last_t, n, bars) 1m bars packed per UTC day: `bars` is
//              the BarBlockCodec encoding (the SQLite store's codec, ~12 B/bar), ascending t
//   coverage   (series_id, t_from, t_to, state)           the ledger, normalized intervals
//   quarantine (series_id, bar, reason, quarantined_at)   rejected bars, kept for inspection
//   jobs       (...)                                       backfill jobs
//   claims     (market, provider, symbol, t_from, t_to, owner, expires_ms)  fetch leases of
//              the processes sharing the database (BarStore::claim(), schema version 2)
//
// Why packed days and not a row per bar: a row per bar costs ~60 B of tuple header, index
// entry and per-row executor work; INSERT ... ON CONFLICT of 525,600 rows ran at ~120k rows/s
// here and a 1000-row VALUES insert at ~230k/s, far from the 600k bars/s goal. A year is 365
// rows of ~17 kB instead (~6 MB, a quarter of 48 B/bar), read back as 365 binary bytea values.
// `bars` is STORAGE EXTERNAL: the codec already compressed it, so pglz would only burn CPU.
//
// A write is one transaction in three round trips: (1) a libpq pipeline of statements
// prepared once per connection: BEGIN, lock the series row, read the stored blocks of the
// covered days, take out the ledger intervals touching the range; (2)+(3) one query string:
// `COPY bk_stage FROM STDIN (FORMAT binary)` of the merged day blocks (binary COPY built by
// hand; bk_stage is a temporary table created once per connection, which also carries the
// merged ledger intervals), `COPY quarantine` of any rejected bars, `INSERT INTO bar_days
// SELECT ... FROM bk_stage ON CONFLICT DO UPDATE`, the ledger insert, `DELETE FROM bk_stage`,
// COMMIT. The string is sent before the client merges, so the server's go-ahead for the COPY
// arrives while it works; the data is the third round trip (ARCHITECTURE.md measures it).
//
// Rollups are computed on read from the 1m blocks (BarStore::rollupFrom, the SQLite code),
// exact and with per-bucket completeness from the ledger. TimescaleDB continuous aggregates
// and plain-SQL GROUP BY both need a row per bar, so neither is used; open() detects
// TimescaleDB and logs that (rollupPath()).
//
// A write of bars, its coverage and its quarantined bars is one transaction, serialized per
// series by locking the series row. Each thread uses its own connection (opened on first
// use in that thread, closed when the thread exits or on close()). A connection lost to a
// server restart is re-established (a few attempts with backoff, statements prepared again)
// and the interrupted operation retried once; every operation is idempotent, so a retry
// cannot duplicate bars.
class BARKEEPCORE_EXPORT PostgresBarStore final : public BarStore
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

    static constexpr int kSchemaVersion = 2;
    // `url` with any password removed.
    static QString redactedUrl(const QString &url);

private:
    struct Shared;
    struct Connection;
    template <typename T, typename Fn>
    Result<T> run(const char *what, Fn &&fn);
    Result<Connection *> connection();
    bool reconnect(Connection *c);

    std::shared_ptr<Shared> m_shared;
};

} // namespace barkeep
