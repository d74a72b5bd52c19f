// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgschema.h"

#include "log/logging.h"
#include "pgsession.h"

namespace barkeep::pg {

namespace {

// Migration N brings the schema from version N-1 to N. Append, never edit.
const char *const kMigrations[] = {
    // 1: the initial layout (see postgresbarstore.h).
    R"sql(
CREATE TABLE series (
    id serial PRIMARY KEY,
    market text NOT NULL,
    provider text NOT NULL,
    symbol text NOT NULL,
    UNIQUE (market, provider, symbol)
);
CREATE TABLE bar_days (
    series_id integer NOT NULL REFERENCES series (id),
    day bigint NOT NULL,
    first_t bigint NOT NULL,
    last_t bigint NOT NULL,
    n integer NOT NULL,
    bars bytea NOT NULL,
    PRIMARY KEY (series_id, day)
);
ALTER TABLE bar_days ALTER COLUMN bars SET STORAGE EXTERNAL;
CREATE TABLE coverage (
    series_id integer NOT NULL REFERENCES series (id),
    t_from bigint NOT NULL,
    t_to bigint NOT NULL,
    state smallint NOT NULL,
    PRIMARY KEY (series_id, t_from)
);
CREATE TABLE quarantine (
    id bigserial PRIMARY KEY,
    series_id integer NOT NULL REFERENCES series (id),
    t bigint NOT NULL,
    o double precision, h double precision, l double precision, c double precision,
    v double precision,
    reason text NOT NULL,
    quarantined_at bigint NOT NULL
);
CREATE INDEX quarantine_series ON quarantine (series_id, id);
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    market text NOT NULL,
    provider text NOT NULL,
    symbol text NOT NULL,
    timeframe text NOT NULL,
    t_from bigint NOT NULL,
    t_to bigint NOT NULL,
    state text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    bars_written bigint NOT NULL DEFAULT 0,
    created_ms bigint NOT NULL,
    updated_ms bigint NOT NULL,
    extra bytea
);
)sql",
    // 2: fetch claims of processes sharing this database (BarStore::claim()).
    R"sql(
CREATE TABLE claims (
    market text NOT NULL,
    provider text NOT NULL,
    symbol text NOT NULL,
    t_from bigint NOT NULL,
    t_to bigint NOT NULL,
    owner text NOT NULL,
    expires_ms bigint NOT NULL
);
CREATE INDEX claims_series ON claims (market, provider, symbol, t_from);
CREATE INDEX claims_owner ON claims (owner);
)sql",
    // 3: a series per timeframe (native candles of any timeframe the provider lists are their
    // own series, with their own ledger and quarantine). Every stored series so far is 1m.
    R"sql(
ALTER TABLE series ADD COLUMN timeframe text NOT NULL DEFAULT '1m';
ALTER TABLE series DROP CONSTRAINT series_market_provider_symbol_key;
ALTER TABLE series ADD CONSTRAINT series_key UNIQUE (market, provider, symbol, timeframe);
)sql",
};
constexpr int kMigrationCount = int(sizeof(kMigrations) / sizeof(kMigrations[0]));
static_assert(kMigrationCount == kSchemaVersion);

// The write path's statements, prepared once per connection (parse and plan once, not per
// write). Series are named, not numbered, in the first batch of a write: the series id is
// learnt from that same batch.
struct Statement
{
    const char *name;
    const char *sql;
    std::vector<Oid> types;
};
const Statement kStatements[] = {
    // Upserting the series row also locks it: writers of one series take turns, so the
    // read-merge-write of its day blocks and ledger cannot interleave.
    {"bk_series_lock",
     "INSERT INTO series (market, provider, symbol, timeframe) VALUES ($1, $2, $3, $4) "
     "ON CONFLICT (market, provider, symbol, timeframe) DO UPDATE SET market = EXCLUDED.market "
     "RETURNING id",
     {kTextOid, kTextOid, kTextOid, kTextOid}},
    {"bk_blocks_read",
     "SELECT day, bars FROM bar_days WHERE series_id = (SELECT id FROM series WHERE market = $1 "
     "AND provider = $2 AND symbol = $3 AND timeframe = $4) AND day >= $5 AND day < $6 ORDER BY day",
     {kTextOid, kTextOid, kTextOid, kTextOid, kInt8Oid, kInt8Oid}},
    // The ledger intervals touching the fetched range, taken out to be merged and put back.
    {"bk_coverage_take",
     "DELETE FROM coverage WHERE series_id = (SELECT id FROM series WHERE market = $1 "
     "AND provider = $2 AND symbol = $3 AND timeframe = $4) AND t_from <= $6 AND t_to >= $5 "
     "RETURNING t_from, t_to, state",
     {kTextOid, kTextOid, kTextOid, kTextOid, kInt8Oid, kInt8Oid}},
    // The day blocks and ledger intervals of a write arrive by COPY into bk_stage (below),
    // then go in with these two.
    {"bk_stage_upsert",
     "INSERT INTO bar_days (series_id, day, first_t, last_t, n, bars) "
     "SELECT $1, day, first_t, last_t, n, bars FROM bk_stage WHERE bars IS NOT NULL "
     "ON CONFLICT (series_id, day) DO UPDATE SET first_t = EXCLUDED.first_t, "
     "last_t = EXCLUDED.last_t, n = EXCLUDED.n, bars = EXCLUDED.bars",
     {kInt4Oid}},
    {"bk_stage_coverage",
     "INSERT INTO coverage (series_id, t_from, t_to, state) "
     "SELECT $1, first_t, last_t, n FROM bk_stage WHERE bars IS NULL",
     {kInt4Oid}},
};

// The stage table of the COPY, one per session (temporary tables are per session). Each
// write deletes its rows before COMMIT (a rolled back write leaves none either), so a write
// never sees another write's rows. Not ON COMMIT DELETE ROWS: that truncates the table, its
// TOAST table and index at every commit, measured at 2.5-6 ms per write here (the write
// itself is ~1 ms of server time); DELETE costs ~0.2 ms, and the dead rows it leaves (autovacuum
// skips temporary tables) are cut by a TRUNCATE once kStageTruncateBytes went through. A row with
// `bars` is a day block (day, first_t, last_t, n, bars); a row without is a ledger interval
// (first_t = from, last_t = to, n = state), so one COPY carries both and the query string
// can be sent before the client has merged anything (see writeBars). `bars` is STORAGE
// EXTERNAL as in bar_days: the codec already compressed it.
const char *const kStageTable =
    "CREATE TEMPORARY TABLE IF NOT EXISTS bk_stage (day bigint, first_t bigint NOT NULL, "
    "last_t bigint NOT NULL, n integer NOT NULL, bars bytea); "
    "ALTER TABLE bk_stage ALTER COLUMN bars SET STORAGE EXTERNAL";
} // namespace


// Prepares kStatements on a fresh session (after connect or reconnect).
VoidResult prepareStatements(PGconn *c)
{
    PgResult r = exec(c, "DEALLOCATE ALL"); // a half-done earlier attempt on this session
    if (!ok(r))
        return storageError(c, r, "DEALLOCATE");
    r = exec(c, kStageTable);
    if (!ok(r))
        return storageError(c, r, "creating the COPY stage table");
    for (const Statement &st : kStatements) {
        r.reset(PQprepare(c, st.name, st.sql, int(st.types.size()), st.types.data()));
        if (!ok(r))
            return storageError(c, r, st.name);
    }
    return {};
}

Result<QString> openSchema(PGconn *pg, const QString &where)
{
    Transaction tx(pg);
    if (auto b = tx.begin(); !b)
        return b.error();
    PgResult r = exec(pg, "SELECT pg_advisory_xact_lock(1650553451)"); // "bark"
    if (!ok(r))
        return storageError(pg, r, "schema lock");
    r = exec(pg, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
    if (!ok(r))
        return storageError(pg, r, "schema_version");
    r = exec(pg, "SELECT coalesce(max(version), 0) FROM schema_version");
    if (!ok(r))
        return storageError(pg, r, "schema_version read");
    const int version = QByteArray(PQgetvalue(r.get(), 0, 0)).toInt();
    if (version > kSchemaVersion)
        return Error(Error::Kind::Storage,
                     QStringLiteral("store.url %1: the database schema (version %2) is "
                                    "newer than this Barkeep understands (%3)")
                         .arg(where)
                         .arg(version)
                         .arg(kSchemaVersion));
    for (int v = version + 1; v <= kSchemaVersion; ++v) {
        r = exec(pg, kMigrations[v - 1]);
        if (!ok(r))
            return storageError(pg, r, "schema migration");
        r = exec(pg, "INSERT INTO schema_version (version) VALUES ($1)", Params().int4(v));
        if (!ok(r))
            return storageError(pg, r, "schema_version write");
        qCInfo(lcStore).noquote() << QStringLiteral("%1: schema migrated to version %2").arg(where).arg(v);
    }
    // Always the day blocks (postgresbarstore.h says why), but an operator who installed
    // TimescaleDB should read that it is seen and deliberately left unused.
    r = exec(pg,
             "SELECT (SELECT default_version FROM pg_available_extensions "
             "WHERE name = 'timescaledb'), "
             "(SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')",
             Params(), false);
    if (!ok(r))
        return storageError(pg, r, "extension check");
    QString timescale;
    if (!PQgetisnull(r.get(), 0, 1))
        timescale = QStringLiteral("TimescaleDB %1 is installed in this database but not used")
                        .arg(textAt(r.get(), 0, 1));
    else if (!PQgetisnull(r.get(), 0, 0))
        timescale = QStringLiteral("TimescaleDB %1 is available on the server but not used")
                        .arg(textAt(r.get(), 0, 0));
    else
        timescale = QStringLiteral("TimescaleDB is not available on the server");
    const QString rollupPath
        = QStringLiteral("rollups computed on read from the 1m day blocks (%1)").arg(timescale);
    qCInfo(lcStore).noquote() << QStringLiteral("%1: %2").arg(where, rollupPath);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    return rollupPath;
}

} // namespace barkeep::pg
