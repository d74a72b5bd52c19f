// SPDX-License-Identifier: GPL-3.0-or-later
// PostgresBarStore's backfill jobs and fetch claims (the bars are in postgresbarstore.cpp).
#include "postgresbarstore.h"

#include "storage/pg/pgconnections.h"
#include "storage/pg/pgseries.h"
#include "storage/pg/pgsession.h"

#include <QDateTime>

namespace barkeep {

using namespace pg;

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

Params jobParams(const StoredJob &job, qint64 created, qint64 updated)
{
    Params p;
    p.text(job.series.market)
        .text(job.series.provider)
        .text(job.series.symbol)
        .text(job.series.timeframe)
        .int8(job.range.from)
        .int8(job.range.to)
        .text(jobStateName(job.state))
        .int4(job.priority)
        .text(job.error)
        .int8(job.barsWritten)
        .int8(created)
        .int8(updated)
        .bytea(job.extra);
    return p;
}

} // namespace

Result<qint64> PostgresBarStore::insertJob(const StoredJob &job)
{
    return m_connections->run<qint64>("insertJob", [&](Connection *c) -> Result<qint64> {
        const qint64 now = nowMs();
        const PgResult r = exec(c->pg,
                                "INSERT INTO jobs (market, provider, symbol, timeframe, t_from, t_to, state, "
                                "priority, error, bars_written, created_ms, updated_ms, extra) VALUES "
                                "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                                jobParams(job, job.createdMs ? job.createdMs : now,
                                          job.updatedMs ? job.updatedMs : now));
        if (!ok(r) || PQntuples(r.get()) != 1)
            return storageError(c->pg, r, "job insert");
        return int8At(r.get(), 0, 0);
    });
}

VoidResult PostgresBarStore::updateJob(const StoredJob &job)
{
    return m_connections->run<void>("updateJob", [&](Connection *c) -> VoidResult {
        Params p = jobParams(job, job.createdMs, job.updatedMs ? job.updatedMs : nowMs());
        p.int8(job.id);
        const PgResult r = exec(c->pg,
                                "UPDATE jobs SET market = $1, provider = $2, symbol = $3, timeframe = $4, "
                                "t_from = $5, t_to = $6, state = $7, priority = $8, error = $9, "
                                "bars_written = $10, created_ms = CASE WHEN $11 = 0 THEN created_ms ELSE $11 END, "
                                "updated_ms = $12, extra = $13 WHERE id = $14",
                                p);
        if (!ok(r))
            return storageError(c->pg, r, "job update");
        if (QByteArray(PQcmdTuples(r.get())).toLongLong() == 0)
            return Error(Error::Kind::NotFound, QStringLiteral("no backfill job %1").arg(job.id));
        return {};
    });
}

Result<std::vector<StoredJob>> PostgresBarStore::jobs()
{
    using Out = std::vector<StoredJob>;
    return m_connections->run<Out>("jobs", [&](Connection *c) -> Result<Out> {
        const PgResult r = exec(c->pg,
                                "SELECT id, market, provider, symbol, timeframe, t_from, t_to, state, priority, "
                                "error, bars_written, created_ms, updated_ms, extra FROM jobs ORDER BY id",
                                Params());
        if (!ok(r))
            return storageError(c->pg, r, "job list");
        Out out;
        const PGresult *res = r.get();
        for (int i = 0; i < PQntuples(res); ++i) {
            StoredJob j;
            j.id = int8At(res, i, 0);
            j.series = SeriesKey{textAt(res, i, 1), textAt(res, i, 2), textAt(res, i, 3),
                                 textAt(res, i, 4)};
            j.range = {int8At(res, i, 5), int8At(res, i, 6)};
            j.state = jobStateFromName(textAt(res, i, 7)).value_or(JobState::Queued);
            j.priority = int4At(res, i, 8);
            j.error = textAt(res, i, 9);
            j.barsWritten = int8At(res, i, 10);
            j.createdMs = int8At(res, i, 11);
            j.updatedMs = int8At(res, i, 12);
            j.extra = byteaAt(res, i, 13);
            out.push_back(std::move(j));
        }
        return out;
    });
}

// --- fetch claims ---------------------------------------------------------------------

namespace {

// $1..$6 of the claim statements that pick an owner's claims of a series by range.
Params ownerRangeParams(const SeriesKey &series, const QString &owner, TimeRange range)
{
    Params p = seriesParams(series);
    p.text(owner).int8(range.from).int8(range.to);
    return p;
}

} // namespace

Result<TimeRanges> PostgresBarStore::claim(const SeriesKey &series, TimeRange range,
                                           const QString &owner, qint64 ttlMs, qint64 nowMs)
{
    if (range.isEmpty())
        return TimeRanges();
    return m_connections->run<TimeRanges>("claim", [&](Connection *c) -> Result<TimeRanges> {
        PGconn *pg = c->pg;
        Transaction tx(pg);
        if (auto b = tx.begin(); !b)
            return b.error();
        // Claimers of one series take turns across processes; the lock is not the series row,
        // so a claim never waits for a write of that series (the two-key advisory lock space
        // is separate from open()'s one-key schema lock).
        PgResult r = exec(pg, "SELECT pg_advisory_xact_lock(1650553451, hashtext($1))",
                          Params().text(seriesText(series)));
        if (!ok(r))
            return storageError(pg, r, "claim lock");
        r = exec(pg, "DELETE FROM claims WHERE expires_ms <= $1", Params().int8(nowMs));
        if (!ok(r))
            return storageError(pg, r, "expired claims");
        r = exec(pg,
                 "SELECT t_from, t_to FROM claims WHERE market = $1 AND provider = $2 "
                 "AND symbol = $3 AND owner <> $4 AND t_from < $6 AND t_to > $5",
                 ownerRangeParams(series, owner, range));
        if (!ok(r))
            return storageError(pg, r, "claims read");
        std::vector<TimeRange> held;
        for (int i = 0; i < PQntuples(r.get()); ++i)
            held.push_back({int8At(r.get(), i, 0), int8At(r.get(), i, 1)});
        const TimeRanges granted = unheldParts(range, std::move(held));
        for (const TimeRange &g : granted) {
            r = exec(pg,
                     "INSERT INTO claims (market, provider, symbol, t_from, t_to, owner, "
                     "expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     seriesParams(series)
                         .int8(g.from)
                         .int8(g.to)
                         .text(owner)
                         .int8(nowMs + ttlMs));
            if (!ok(r))
                return storageError(pg, r, "claim insert");
        }
        if (auto cm = tx.commit(); !cm)
            return cm.error();
        return granted;
    });
}

VoidResult PostgresBarStore::release(const SeriesKey &series, TimeRange range,
                                     const QString &owner)
{
    return m_connections->run<void>("release", [&](Connection *c) -> VoidResult {
        const PgResult r = exec(c->pg,
                                "DELETE FROM claims WHERE market = $1 AND provider = $2 "
                                "AND symbol = $3 AND owner = $4 AND t_from >= $5 AND t_to <= $6",
                                ownerRangeParams(series, owner, range));
        if (!ok(r))
            return storageError(c->pg, r, "claim release");
        return {};
    });
}

Result<qint64> PostgresBarStore::renewClaims(const QString &owner, qint64 ttlMs, qint64 nowMs)
{
    return m_connections->run<qint64>("renewClaims", [&](Connection *c) -> Result<qint64> {
        const PgResult r = exec(c->pg, "UPDATE claims SET expires_ms = $2 WHERE owner = $1",
                                Params().text(owner).int8(nowMs + ttlMs));
        if (!ok(r))
            return storageError(c->pg, r, "claim renewal");
        return QByteArray(PQcmdTuples(r.get())).toLongLong();
    });
}

Result<QStringList> PostgresBarStore::claimOwners()
{
    return m_connections->run<QStringList>("claimOwners", [&](Connection *c) -> Result<QStringList> {
        const PgResult r = exec(c->pg, "SELECT DISTINCT owner FROM claims ORDER BY owner", Params());
        if (!ok(r))
            return storageError(c->pg, r, "claim owners");
        QStringList out;
        for (int i = 0; i < PQntuples(r.get()); ++i)
            out << textAt(r.get(), i, 0);
        return out;
    });
}

VoidResult PostgresBarStore::releaseAll(const QString &owner)
{
    return m_connections->run<void>("releaseAll", [&](Connection *c) -> VoidResult {
        const PgResult r = exec(c->pg, "DELETE FROM claims WHERE owner = $1", Params().text(owner));
        if (!ok(r))
            return storageError(c->pg, r, "claim release");
        return {};
    });
}

} // namespace barkeep
