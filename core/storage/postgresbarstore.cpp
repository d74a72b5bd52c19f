// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresbarstore.h"

#include "log/logging.h"
#include "model/timeframe.h"
#include "storage/barblockcodec.h"
#include "storage/barvalidator.h"
#include "storage/coverageledger.h"
#include "storage/rollup.h"
#include "util/redact.h"

#include <libpq-fe.h>

#include <QDateTime>
#include <QHash>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>
#include <QtEndian>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace barkeep {

namespace {


// Type OIDs of the parameters we send (pg_type.h is not installed with libpq-dev).
constexpr Oid kInt4Oid = 23;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kFloat8Oid = 701;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

qint64 dayOf(qint64 t)
{
    const qint64 d = t / kDayMs * kDayMs;
    return d > t ? d - kDayMs : d; // floor for times before 1970
}

// --- libpq helpers ----------------------------------------------------------------------

struct ResultDeleter
{
    void operator()(PGresult *r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

template <typename T>
void appendBigEndian(std::string &out, T v)
{
    char b[sizeof(T)];
    qToBigEndian(v, b);
    out.append(b, sizeof(T));
}

quint64 bitsOf(double d)
{
    quint64 bits;
    std::memcpy(&bits, &d, 8);
    return bits;
}

// The data of a `COPY ... FROM STDIN (FORMAT binary)`, built by hand: the signature, flags
// and header extension (both 0), then each tuple as a field count and each field as a
// length and its binary value (network byte order, what the type's recv function reads),
// then -1 as the trailer. Day blocks are encoded straight into the buffer that is sent.
class CopyWriter
{
public:
    CopyWriter()
    {
        static constexpr char kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377',
                                                '\r', '\n', '\0'};
        m_buffer.append(kSignature, sizeof kSignature);
        appendBigEndian(m_buffer, qint32(0)); // flags: no OIDs
        appendBigEndian(m_buffer, qint32(0)); // header extension length
    }
    void tuple(qint16 fields)
    {
        appendBigEndian(m_buffer, fields);
        ++m_tuples;
    }
    void int8(qint64 v) { value(v); }
    void int4(qint32 v) { value(v); }
    void float8(double v) { value(bitsOf(v)); }
    void null() { appendBigEndian(m_buffer, qint32(-1)); }
    void text(const QString &s)
    {
        const QByteArray u = s.toUtf8();
        appendBigEndian(m_buffer, qint32(u.size()));
        m_buffer.append(u.constData(), size_t(u.size()));
    }
    // A field written by the caller into buffer() between begin and end.
    size_t beginField()
    {
        const size_t at = m_buffer.size();
        m_buffer.append(4, '\0');
        return at;
    }
    void endField(size_t at) { qToBigEndian(qint32(m_buffer.size() - at - 4), m_buffer.data() + at); }
    std::string &buffer() { return m_buffer; }
    qint64 tuples() const { return m_tuples; }
    void finish() { appendBigEndian(m_buffer, qint16(-1)); }

private:
    template <typename T>
    void value(T v)
    {
        appendBigEndian(m_buffer, qint32(sizeof(T)));
        appendBigEndian(m_buffer, v);
    }
    std::string m_buffer;
    qint64 m_tuples = 0;
};

// Parameters in binary format, so numbers cross without printf/strtod.
class Params
{
public:
    Params &int8(qint64 v) { return add(big(v), kInt8Oid); }
    Params &int4(qint32 v) { return add(big(v), kInt4Oid); }
    Params &float8(double v) { return add(big(bitsOf(v)), kFloat8Oid); }
    Params &text(const QString &s)
    {
        const QByteArray u = s.toUtf8();
        return add(std::string(u.constData(), size_t(u.size())), kTextOid);
    }
    Params &bytea(const QByteArray &b)
    {
        return add(std::string(b.constData(), size_t(b.size())), kByteaOid);
    }

    int count() const { return int(m_values.size()); }
    const Oid *types() const { return m_types.data(); }
    const int *formats() const { return m_formats.data(); }
    void pointers(std::vector<const char *> &values, std::vector<int> &lengths) const
    {
        for (const std::string &v : m_values) {
            values.push_back(v.data());
            lengths.push_back(int(v.size()));
        }
    }

private:
    template <typename T>
    static std::string big(T v)
    {
        std::string b;
        appendBigEndian(b, v);
        return b;
    }
    Params &add(std::string v, Oid type)
    {
        m_values.push_back(std::move(v));
        m_types.push_back(type);
        m_formats.push_back(1);
        return *this;
    }
    std::vector<std::string> m_values;
    std::vector<Oid> m_types;
    std::vector<int> m_formats;
};

// $1..$3: the series' market, provider and symbol (the series table has no timeframe: it
// holds 1m bars only).
Params seriesParams(const SeriesKey &s)
{
    Params p;
    p.text(s.market).text(s.provider).text(s.symbol);
    return p;
}

PgResult exec(PGconn *c, const char *sql)
{
    return PgResult(PQexec(c, sql));
}

PgResult exec(PGconn *c, const char *sql, const Params &p, bool binaryResult = true)
{
    std::vector<const char *> values;
    std::vector<int> lengths;
    p.pointers(values, lengths);
    return PgResult(PQexecParams(c, sql, p.count(), p.types(), values.data(), lengths.data(),
                                 p.formats(), binaryResult ? 1 : 0));
}

bool ok(const PgResult &r)
{
    if (!r)
        return false;
    const ExecStatusType s = PQresultStatus(r.get());
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

QString errorOf(PGconn *c, const PgResult &r)
{
    const char *m = r ? PQresultErrorMessage(r.get()) : nullptr;
    if (!m || !*m)
        m = PQerrorMessage(c);
    return QString::fromUtf8(m).trimmed();
}

Error storageError(PGconn *c, const PgResult &r, const char *what)
{
    return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: %1 failed").arg(QLatin1String(what)),
                 errorOf(c, r));
}

// Binary result readers.
qint64 int8At(const PGresult *r, int row, int col)
{
    return qFromBigEndian<qint64>(PQgetvalue(r, row, col));
}
qint32 int4At(const PGresult *r, int row, int col)
{
    return qFromBigEndian<qint32>(PQgetvalue(r, row, col));
}
qint16 int2At(const PGresult *r, int row, int col)
{
    return qFromBigEndian<qint16>(PQgetvalue(r, row, col));
}
double float8At(const PGresult *r, int row, int col)
{
    const quint64 bits = qFromBigEndian<quint64>(PQgetvalue(r, row, col));
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
}
QString textAt(const PGresult *r, int row, int col)
{
    return QString::fromUtf8(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}
QByteArray byteaAt(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return {};
    return QByteArray(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

// --- packed day blocks ------------------------------------------------------------------

// A stored block is the BarBlockCodec encoding of one UTC day (the same codec as SQLite's
// blocks: short decimals as scaled varint deltas, ~12 B/bar instead of 48), so a year is
// ~6 MB through TOAST, WAL and the socket instead of 25 MB.
bool unpackInto(const PGresult *r, int row, int dayCol, int barsCol, TimeRange range, Bars &out,
                qint64 limit = 0)
{
    return BarBlockCodec::decode(PQgetvalue(r, row, barsCol), size_t(PQgetlength(r, row, barsCol)),
                                 int8At(r, row, dayCol), range, out, limit);
}

constexpr TimeRange kEverything{std::numeric_limits<qint64>::min(),
                                std::numeric_limits<qint64>::max()};

Error corruptBlock(const PGresult *r, int row, int dayCol)
{
    return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: a stored bar block is malformed"),
                 QStringLiteral("day %1").arg(int8At(r, row, dayCol)));
}

// Merges ascending `fresh` into ascending `stored`; a fresh bar replaces a stored one at the
// same t (the upsert).
Bars mergeBars(const Bars &stored, const Bar *fresh, size_t freshCount)
{
    Bars out;
    out.reserve(stored.size() + freshCount);
    size_t i = 0, j = 0;
    while (i < stored.size() || j < freshCount) {
        if (j == freshCount || (i < stored.size() && stored[i].t < fresh[j].t)) {
            out.push_back(stored[i++]);
        } else {
            if (i < stored.size() && stored[i].t == fresh[j].t)
                ++i;
            out.push_back(fresh[j++]);
        }
    }
    return out;
}

// --- schema ---------------------------------------------------------------------------

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
};
constexpr int kMigrationCount = int(sizeof(kMigrations) / sizeof(kMigrations[0]));
static_assert(kMigrationCount == PostgresBarStore::kSchemaVersion);

// --- per-thread connections -------------------------------------------------------------

// What a thread-exit hook needs of a store, without seeing its private types.
class ConnectionOwner
{
public:
    virtual ~ConnectionOwner() = default;
    virtual void releaseConnection(quint64 connectionId) = 0;
};

// The connections this thread opened, one per store; closed when the thread exits.
struct ThreadConnections
{
    struct Slot
    {
        std::weak_ptr<ConnectionOwner> owner;
        quint64 connectionId = 0;
    };
    std::unordered_map<quint64, Slot> byStore; // store id -> slot
    ~ThreadConnections()
    {
        for (auto &[store, slot] : byStore) {
            if (const auto owner = slot.owner.lock())
                owner->releaseConnection(slot.connectionId);
        }
    }
};
thread_local ThreadConnections t_connections;

std::atomic<quint64> s_nextId{1};

} // namespace

struct PostgresBarStore::Connection
{
    quint64 id = 0;
    PGconn *pg = nullptr;
    bool prepared = false; // kStatements are prepared on this session
    qint64 stagedBytes = 0; // COPY data deleted from bk_stage since it was last truncated
};

struct PostgresBarStore::Shared final : ConnectionOwner
{
    QString url;
    quint64 storeId = s_nextId++;
    mutable std::mutex mutex;
    std::unordered_map<quint64, std::unique_ptr<Connection>> connections;
    QHash<QString, qint32> seriesIds;
    std::atomic<qint64> reconnects{0};
    std::atomic<bool> everConnected{false};
    QString rollupPath; // what open() found (see rollupPath())
    std::function<bool(int)> copyHook; // see setCopyHookForTesting()

    ~Shared() override { closeAll(); }

    void releaseConnection(quint64 connectionId) override
    {
        std::unique_ptr<Connection> c;
        {
            std::lock_guard lock(mutex);
            const auto it = connections.find(connectionId);
            if (it == connections.end())
                return;
            c = std::move(it->second);
            connections.erase(it);
        }
        PQfinish(c->pg);
    }
    void closeAll()
    {
        std::unordered_map<quint64, std::unique_ptr<Connection>> all;
        {
            std::lock_guard lock(mutex);
            all.swap(connections);
            seriesIds.clear();
        }
        for (auto &[id, c] : all)
            PQfinish(c->pg);
    }
};

namespace {

QString seriesCacheKey(const SeriesKey &s)
{
    return s.market + QChar(0x1f) + s.provider + QChar(0x1f) + s.symbol;
}

void ignoreNotice(void *, const char *) {}

// A transaction that rolls back unless committed (skipped when the connection is gone).
class Transaction
{
public:
    explicit Transaction(PGconn *c) : m_conn(c) {}
    ~Transaction()
    {
        if (m_open && PQstatus(m_conn) == CONNECTION_OK)
            PgResult(PQexec(m_conn, "ROLLBACK"));
    }
    VoidResult begin(const char *sql = "BEGIN")
    {
        const PgResult r = exec(m_conn, sql);
        if (!ok(r))
            return storageError(m_conn, r, "BEGIN");
        m_open = true;
        return {};
    }
    VoidResult commit()
    {
        const PgResult r = exec(m_conn, "COMMIT");
        m_open = false;
        if (!ok(r))
            return storageError(m_conn, r, "COMMIT");
        return {};
    }

private:
    PGconn *m_conn;
    bool m_open = false;
};

// libpq pipeline mode: statements are queued, sent together at sync() and their results read
// back in order, so a batch costs one round trip instead of one per statement (on a loaded
// machine each round trip is a wait for the scheduler on both ends). Leaving the scope reads
// whatever is unread, leaves pipeline mode and rolls back a transaction the batch left open.
class Pipeline
{
public:
    explicit Pipeline(PGconn *c) : m_conn(c), m_active(PQenterPipelineMode(c) == 1) {}
    ~Pipeline()
    {
        drain();
        PQexitPipelineMode(m_conn);
        if (PQstatus(m_conn) == CONNECTION_OK && PQtransactionStatus(m_conn) != PQTRANS_IDLE)
            PgResult(PQexec(m_conn, "ROLLBACK"));
    }
    bool active() const { return m_active; }
    // Leaves pipeline mode once every batch was read, keeping the transaction open (COPY
    // cannot run in a pipeline); leaving the scope still rolls back an unfinished one.
    bool leave() { return m_pendingSyncs == 0 && PQexitPipelineMode(m_conn) == 1; }
    // A statement without parameters (BEGIN, COMMIT).
    void sql(const char *sql)
    {
        m_sendFailed |= PQsendQueryParams(m_conn, sql, 0, nullptr, nullptr, nullptr, nullptr, 1) != 1;
    }
    // A statement prepared on this connection (see kStatements); binary results.
    void prepared(const char *name, const Params &p)
    {
        std::vector<const char *> values;
        std::vector<int> lengths;
        p.pointers(values, lengths);
        m_sendFailed |= PQsendQueryPrepared(m_conn, name, p.count(), values.data(), lengths.data(),
                                            p.formats(), 1) != 1;
    }
    // Ends the batch and sends it; false when sending failed (the connection is gone).
    bool sync()
    {
        if (m_sendFailed || PQpipelineSync(m_conn) != 1)
            return false;
        ++m_pendingSyncs;
        return true;
    }
    // The result of the next statement of the batch (null when the connection failed).
    PgResult next()
    {
        PgResult r(PQgetResult(m_conn));
        if (r && PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC)
            PgResult(PQgetResult(m_conn)); // the null that ends this statement's results
        return r;
    }
    // Reads the end of the batch; false when something else came (a protocol surprise).
    bool endOfBatch()
    {
        const PgResult r(PQgetResult(m_conn));
        if (!r || PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC)
            return false;
        --m_pendingSyncs;
        return true;
    }

private:
    void drain()
    {
        int nulls = 0;
        while (m_pendingSyncs > 0 && PQstatus(m_conn) == CONNECTION_OK && nulls < 2) {
            const PgResult r(PQgetResult(m_conn));
            nulls = r ? 0 : nulls + 1; // one null ends each statement; two mean nothing is coming
            if (r && PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC)
                --m_pendingSyncs;
        }
    }
    PGconn *m_conn;
    bool m_active;
    bool m_sendFailed = false;
    int m_pendingSyncs = 0;
};

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
     "INSERT INTO series (market, provider, symbol) VALUES ($1, $2, $3) "
     "ON CONFLICT (market, provider, symbol) DO UPDATE SET market = EXCLUDED.market RETURNING id",
     {kTextOid, kTextOid, kTextOid}},
    {"bk_blocks_read",
     "SELECT day, bars FROM bar_days WHERE series_id = (SELECT id FROM series WHERE market = $1 "
     "AND provider = $2 AND symbol = $3) AND day >= $4 AND day < $5 ORDER BY day",
     {kTextOid, kTextOid, kTextOid, kInt8Oid, kInt8Oid}},
    // The ledger intervals touching the fetched range, taken out to be merged and put back.
    {"bk_coverage_take",
     "DELETE FROM coverage WHERE series_id = (SELECT id FROM series WHERE market = $1 "
     "AND provider = $2 AND symbol = $3) AND t_from <= $5 AND t_to >= $4 "
     "RETURNING t_from, t_to, state",
     {kTextOid, kTextOid, kTextOid, kInt8Oid, kInt8Oid}},
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
// Half of PostgreSQL's default temp_buffers (8 MB): the dead stage rows stay in memory.
constexpr qint64 kStageTruncateBytes = 4 << 20;

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

// The series id, or 0 when the series was never written.
Result<qint32> lookupSeries(PGconn *c, const SeriesKey &s)
{
    const PgResult r = exec(c, "SELECT id FROM series WHERE market = $1 AND provider = $2 AND symbol = $3",
                            seriesParams(s));
    if (!ok(r))
        return storageError(c, r, "series lookup");
    return PQntuples(r.get()) ? int4At(r.get(), 0, 0) : 0;
}

Result<CoverageIntervals> loadCoverage(PGconn *c, qint32 sid, TimeRange span)
{
    // Intervals overlapping or touching `span`, so the ledger can merge across its ends.
    const PgResult r = exec(c,
                            "SELECT t_from, t_to, state FROM coverage WHERE series_id = $1 "
                            "AND t_from <= $3 AND t_to >= $2 ORDER BY t_from",
                            Params().int4(sid).int8(span.from).int8(span.to));
    if (!ok(r))
        return storageError(c, r, "coverage read");
    CoverageIntervals out;
    out.reserve(size_t(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        out.push_back({{int8At(r.get(), i, 0), int8At(r.get(), i, 1)},
                       int2At(r.get(), i, 2) == 1 ? CoverageState::Empty : CoverageState::Bars});
    }
    return out;
}

Result<Bars> readBarsOn(PGconn *c, qint32 sid, TimeRange range, qint64 limit)
{
    Bars out;
    if (sid == 0 || range.isEmpty())
        return out;
    if (limit <= 0) {
        // A year is 365 rows of ~17 kB in binary: one round trip, decoded straight out.
        const PgResult r = exec(c,
                                "SELECT day, n, bars FROM bar_days WHERE series_id = $1 AND day >= $2 "
                                "AND day < $3 ORDER BY day",
                                Params().int4(sid).int8(dayOf(range.from)).int8(range.to));
        if (!ok(r))
            return storageError(c, r, "bar read");
        const int rows = PQntuples(r.get());
        size_t total = 0;
        for (int i = 0; i < rows; ++i)
            total += size_t(int4At(r.get(), i, 1));
        out.reserve(total);
        for (int i = 0; i < rows; ++i) {
            if (!unpackInto(r.get(), i, 0, 2, range, out))
                return corruptBlock(r.get(), i, 0);
        }
        return out;
    }
    // With a limit, fetch day blocks in growing batches instead of the whole range.
    qint64 cursor = dayOf(range.from);
    int batch = int(std::clamp<qint64>(limit / 1440 + 2, 2, 64));
    while (qint64(out.size()) < limit && cursor < range.to) {
        const PgResult r = exec(c,
                                "SELECT day, bars FROM bar_days WHERE series_id = $1 AND day >= $2 "
                                "AND day < $3 ORDER BY day LIMIT $4",
                                Params().int4(sid).int8(cursor).int8(range.to).int4(batch));
        if (!ok(r))
            return storageError(c, r, "bar read");
        const int rows = PQntuples(r.get());
        for (int i = 0; i < rows && qint64(out.size()) < limit; ++i) {
            if (!unpackInto(r.get(), i, 0, 1, range, out, limit))
                return corruptBlock(r.get(), i, 0);
        }
        if (rows < batch)
            break;
        cursor = int8At(r.get(), rows - 1, 0) + 1;
        batch = std::min(batch * 2, 366);
    }
    if (qint64(out.size()) > limit)
        out.resize(size_t(limit));
    return out;
}

// Sends the data of one COPY ... FROM STDIN. A test hook runs once `halfway` bytes are sent
// (see PostgresBarStore::setCopyHookForTesting); when it says so, a tuple the server must
// reject follows. Null on success, else why sending failed (the connection is broken).
const char *sendCopyData(PGconn *pg, const std::string &data, size_t halfway,
                         const std::function<bool(int)> &hook)
{
    size_t at = 0;
    if (hook) {
        if (PQputCopyData(pg, data.data(), int(halfway)) != 1)
            return "sending the COPY data failed";
        at = halfway;
        if (!hook(PQbackendPID(pg))) {
            // One field (an int8) where five are expected: "row field count is 1".
            static constexpr char kBadTuple[] = {0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0};
            if (PQputCopyData(pg, kBadTuple, sizeof kBadTuple) != 1)
                return "sending the COPY data failed";
        }
    }
    // PQputCopyData takes an int length and copies into libpq's buffer: send in slices.
    constexpr size_t kSlice = 1 << 20;
    while (at < data.size()) {
        const size_t n = std::min(kSlice, data.size() - at);
        if (PQputCopyData(pg, data.data() + at, int(n)) != 1)
            return "sending the COPY data failed";
        at += n;
    }
    return nullptr;
}

// Finishes a simple-protocol query string sent with PQsendQuery: feeds its COPY ... FROM
// STDIN statements the `copies` in order (the first one with the test hook) and reads every
// result. The server stops at the first error and skips the rest of the string, COMMIT
// included; the caller's guard then rolls the transaction back. With no `copies`, this aborts
// the string's first COPY (CopyFail), which is how a write that failed in the client ends it.
VoidResult finishCopy(PGconn *pg, const std::vector<const std::string *> &copies, size_t halfway,
                      const std::function<bool(int)> &hook)
{
    size_t next = 0;
    int copyStarts = 0;
    PgResult failed;
    while (PgResult r{PQgetResult(pg)}) {
        const ExecStatusType status = PQresultStatus(r.get());
        if (status == PGRES_COPY_IN) {
            // A broken connection could in theory keep answering COPY_IN: do not loop on it.
            if (++copyStarts > int(copies.size()) + 1)
                break;
            const char *why = next < copies.size()
                ? sendCopyData(pg, *copies[next], next == 0 ? halfway : 0,
                               next == 0 ? hook : std::function<bool(int)>())
                : "write abandoned by the client";
            ++next;
            if (PQputCopyEnd(pg, why) != 1 && PQstatus(pg) != CONNECTION_OK)
                break;
            continue;
        }
        if (!ok(r) && !failed)
            failed = std::move(r);
    }
    if (failed)
        return storageError(pg, failed, "bar write");
    if (next != copies.size() || PQstatus(pg) != CONNECTION_OK)
        return storageError(pg, {}, "bar write");
    return {};
}

} // namespace

// --- PostgresBarStore -----------------------------------------------------------------

PostgresBarStore::PostgresBarStore(const QString &url) : m_shared(std::make_shared<Shared>())
{
    m_shared->url = url;
}

PostgresBarStore::~PostgresBarStore()
{
    close();
}

QString PostgresBarStore::redactedUrl(const QString &url)
{
    return barkeep::redactedUrl(url);
}

QString PostgresBarStore::describe() const
{
    return redactedUrl(m_shared->url);
}

int PostgresBarStore::connectionCount() const
{
    std::lock_guard lock(m_shared->mutex);
    return int(m_shared->connections.size());
}

qint64 PostgresBarStore::reconnectCount() const
{
    return m_shared->reconnects.load();
}

void PostgresBarStore::setCopyHookForTesting(std::function<bool(int)> hook)
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->copyHook = std::move(hook);
}

QString PostgresBarStore::rollupPath() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->rollupPath;
}

Result<PostgresBarStore::Connection *> PostgresBarStore::connection()
{
    ThreadConnections::Slot &slot = t_connections.byStore[m_shared->storeId];
    {
        std::lock_guard lock(m_shared->mutex);
        if (slot.connectionId) {
            const auto it = m_shared->connections.find(slot.connectionId);
            if (it != m_shared->connections.end())
                return it->second.get();
        }
    }
    // Connect outside the lock: other threads keep working meanwhile.
    const QByteArray url = m_shared->url.toUtf8();
    const char *keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char *values[] = {url.constData(), "10", "barkeep", nullptr};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        const QString why = pg ? QString::fromUtf8(PQerrorMessage(pg)).trimmed()
                               : QStringLiteral("out of memory");
        PQfinish(pg);
        return Error(Error::Kind::Unavailable,
                     QStringLiteral("store.url %1: cannot connect to PostgreSQL").arg(describe()),
                     why);
    }
    PQsetNoticeProcessor(pg, ignoreNotice, nullptr);
    m_shared->everConnected = true;
    auto c = std::make_unique<Connection>();
    c->id = s_nextId++;
    c->pg = pg;
    Connection *raw = c.get();
    std::lock_guard lock(m_shared->mutex);
    m_shared->connections.emplace(c->id, std::move(c));
    slot.owner = m_shared;
    slot.connectionId = raw->id;
    return raw;
}

bool PostgresBarStore::reconnect(Connection *c)
{
    c->prepared = false;
    c->stagedBytes = 0; // a new session has a new, empty stage table
    // A restarting server refuses connections for a moment: back off 50 ms .. 3.2 s (~6 s in
    // all), which covers a fast restart without hanging a caller on a server that is gone.
    int delayMs = 50;
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (attempt > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
            delayMs *= 2;
        }
        PQreset(c->pg);
        if (PQstatus(c->pg) == CONNECTION_OK) {
            PQsetNoticeProcessor(c->pg, ignoreNotice, nullptr);
            ++m_shared->reconnects;
            qCInfo(lcStore).noquote() << QStringLiteral("reconnected to %1").arg(describe());
            return true;
        }
    }
    return false;
}

template <typename T, typename Fn>
Result<T> PostgresBarStore::run(const char *what, Fn &&fn)
{
    for (int attempt = 0;; ++attempt) {
        Result<Connection *> conn = connection();
        // A server that answered before and refuses now is most likely restarting: a new
        // thread's first connection gets the same backoff as a reconnect. At start (never
        // connected) an unreachable server is reported at once.
        for (int delayMs = 50; !conn && m_shared->everConnected && delayMs <= 3200; delayMs *= 2) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
            conn = connection();
        }
        if (!conn)
            return conn.error();
        Connection *c = *conn;
        if (PQstatus(c->pg) != CONNECTION_OK && !reconnect(c))
            return Error(Error::Kind::Unavailable,
                         QStringLiteral("store.url %1: PostgreSQL connection lost").arg(describe()),
                         QString::fromUtf8(PQerrorMessage(c->pg)).trimmed());
        Result<T> result = fn(c);
        if (result || attempt > 0 || PQstatus(c->pg) == CONNECTION_OK)
            return result;
        // The server went away under us (restart, failover): the transaction was rolled back
        // by the server, so reconnect and run it once more.
        qCWarning(lcStore).noquote()
            << QStringLiteral("%1: PostgreSQL connection lost (%2); reconnecting")
                   .arg(QLatin1String(what), result.error().detail());
        if (!reconnect(c))
            return Error(Error::Kind::Unavailable,
                         QStringLiteral("store.url %1: PostgreSQL connection lost").arg(describe()),
                         QString::fromUtf8(PQerrorMessage(c->pg)).trimmed());
    }
}

VoidResult PostgresBarStore::open()
{
    const Result<bool> opened = run<bool>("open", [this](Connection *c) -> Result<bool> {
               PGconn *pg = c->pg;
               Transaction tx(pg);
               if (auto b = tx.begin(); !b)
                   return b.error();
               // Several processes may open a fresh database at once: migrate under a lock.
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
                                    .arg(describe())
                                    .arg(version)
                                    .arg(kSchemaVersion));
               for (int v = version + 1; v <= kSchemaVersion; ++v) {
                   r = exec(pg, kMigrations[v - 1]);
                   if (!ok(r))
                       return storageError(pg, r, "schema migration");
                   r = exec(pg, "INSERT INTO schema_version (version) VALUES ($1)",
                            Params().int4(v));
                   if (!ok(r))
                       return storageError(pg, r, "schema_version write");
                   qCInfo(lcStore).noquote()
                       << QStringLiteral("%1: schema migrated to version %2").arg(describe()).arg(v);
               }
               // Which rollup path this server gets, said once per open(): always the day
               // blocks (postgresbarstore.h says why), but an operator who installed
               // TimescaleDB should read that it is seen and deliberately left unused.
               r = exec(pg,
                        "SELECT (SELECT default_version FROM pg_available_extensions "
                        "WHERE name = 'timescaledb'), "
                        "(SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')",
                        Params(), false);
               if (!ok(r))
                   return storageError(pg, r, "extension check");
               QString rollupPath;
               if (!PQgetisnull(r.get(), 0, 1))
                   rollupPath = QStringLiteral("TimescaleDB %1 is installed in this database "
                                               "but not used")
                                    .arg(textAt(r.get(), 0, 1));
               else if (!PQgetisnull(r.get(), 0, 0))
                   rollupPath = QStringLiteral("TimescaleDB %1 is available on the server but "
                                               "not used")
                                    .arg(textAt(r.get(), 0, 0));
               else
                   rollupPath = QStringLiteral("TimescaleDB is not available on the server");
               rollupPath = QStringLiteral("rollups computed on read from the 1m day blocks "
                                           "(%1)")
                                .arg(rollupPath);
               qCInfo(lcStore).noquote() << QStringLiteral("%1: %2").arg(describe(), rollupPath);
               {
                   std::lock_guard lock(m_shared->mutex);
                   m_shared->rollupPath = rollupPath;
               }
               if (auto cm = tx.commit(); !cm)
                   return cm.error();
               return true;
           });
    if (!opened)
        return opened.error();
    return {};
}

void PostgresBarStore::close()
{
    m_shared->closeAll();
}

Result<WriteReport> PostgresBarStore::writeBars(const SeriesKey &series, const Bars &bars,
                                                TimeRange covered)
{
    if (series.timeframe != QLatin1String("1m"))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("only 1m bars are stored, not %1").arg(series.timeframe));
    const Timeframe minute = Timeframe::minutes(1);
    Result<BarValidator::Write> prepared = BarValidator::prepareWrite(bars, covered, minute);
    if (!prepared)
        return prepared.error();
    const Bars &good = prepared->good;
    const std::vector<BarValidator::Rejected> &rejected = prepared->rejected;
    const qint64 quarantinedAt = nowMs();

    return run<WriteReport>("writeBars", [&](Connection *c) -> Result<WriteReport> {
        PGconn *pg = c->pg;
        if (!c->prepared) {
            if (auto p = prepareStatements(pg); !p)
                return p.error();
            c->prepared = true;
        }
        // (1) One pipeline: begin, lock the series, read the stored blocks of the covered
        // days and take out the ledger intervals touching the range. (2) One query string:
        // COPY the merged blocks (and quarantined bars), upsert from the stage, put the ledger
        // back, commit (COPY cannot run in a pipeline; see postgresbarstore.h).
        Pipeline pipe(pg);
        if (!pipe.active())
            return storageError(pg, {}, "entering pipeline mode");
        const bool recordFetch = !covered.isEmpty();
        Params names;
        names.text(series.market).text(series.provider).text(series.symbol);
        pipe.sql("BEGIN");
        pipe.prepared("bk_series_lock", names);
        pipe.prepared("bk_blocks_read", Params(names).int8(dayOf(covered.from)).int8(covered.to));
        if (recordFetch)
            pipe.prepared("bk_coverage_take", Params(names).int8(covered.from).int8(covered.to));
        if (!pipe.sync())
            return storageError(pg, {}, "sending the write");
        if (PgResult r = pipe.next(); !ok(r))
            return storageError(pg, r, "BEGIN");
        const PgResult seriesRow = pipe.next();
        if (!ok(seriesRow) || PQntuples(seriesRow.get()) != 1)
            return storageError(pg, seriesRow, "series upsert");
        const qint32 sid = int4At(seriesRow.get(), 0, 0);
        // Stored blocks of the covered days: merged with the fresh bars (usually none for a
        // backfill), and they decide what the ledger says. A re-fetch that misses a stored bar
        // does not delete it, so its minute stays `bars`.
        const PgResult stored = pipe.next();
        if (!ok(stored))
            return storageError(pg, stored, "bar merge read");
        PgResult taken;
        if (recordFetch) {
            taken = pipe.next();
            if (!ok(taken))
                return storageError(pg, taken, "coverage update");
        }
        if (!pipe.endOfBatch())
            return storageError(pg, {}, "write");

        // The second half is one simple-protocol query string, known now: COPY the day blocks
        // and ledger intervals into the stage table (and rejected bars straight into the
        // quarantine, rows there are only appended), upsert from the stage, COMMIT. COPY
        // cannot run in a pipeline and the client may only send its data once the server
        // said go; sending the string before merging lets that answer arrive while the
        // client merges and encodes, instead of costing a round trip of its own.
        const bool stage = !good.empty() || recordFetch;
        QByteArray sql;
        if (stage && c->stagedBytes > kStageTruncateBytes) {
            sql += "TRUNCATE bk_stage; ";
            c->stagedBytes = 0;
        }
        if (stage)
            sql += "COPY bk_stage (day, first_t, last_t, n, bars) FROM STDIN (FORMAT binary); ";
        if (!rejected.empty())
            sql += "COPY quarantine (series_id, t, o, h, l, c, v, reason, quarantined_at) "
                   "FROM STDIN (FORMAT binary); ";
        if (!good.empty())
            sql += "EXECUTE bk_stage_upsert(" + QByteArray::number(sid) + "); ";
        if (recordFetch)
            sql += "EXECUTE bk_stage_coverage(" + QByteArray::number(sid) + "); ";
        if (stage)
            sql += "DELETE FROM bk_stage; ";
        sql += "COMMIT";
        if (!pipe.leave())
            return storageError(pg, {}, "leaving pipeline mode");
        if (PQsendQuery(pg, sql.constData()) != 1)
            return storageError(pg, {}, "sending the write");
        // Until the data went, every way out must end the COPY before the rollback.
        struct CopyGuard
        {
            PGconn *pg;
            bool armed = true;
            ~CopyGuard()
            {
                if (armed)
                    (void)finishCopy(pg, {}, 0, {});
            }
        } copyGuard{pg};

        const int storedRows = PQntuples(stored.get());
        Bars finalInRange; // bars stored in `covered` after this write, when some were before
        CopyWriter blocks; // bk_stage rows: day, first_t, last_t, n, bars
        blocks.buffer().reserve(good.size() * 14 + 64);
        size_t halfway = blocks.buffer().size(); // where a test hook runs: after the header
        Bars merged;
        int row = 0;
        size_t i = 0;
        while (i < good.size() || row < storedRows) {
            const qint64 freshDay = i < good.size() ? dayOf(good[i].t)
                                                    : std::numeric_limits<qint64>::max();
            const qint64 storedDay = row < storedRows ? int8At(stored.get(), row, 0)
                                                      : std::numeric_limits<qint64>::max();
            if (storedDay < freshDay) {
                // A covered day with stored bars and nothing new: unchanged, but it counts.
                if (!unpackInto(stored.get(), row, 0, 1, covered, finalInRange))
                    return corruptBlock(stored.get(), row, 0);
                ++row;
                continue;
            }
            size_t j = i;
            while (j < good.size() && good[j].t < freshDay + kDayMs)
                ++j;
            const Bar *block = good.data() + i;
            size_t blockCount = j - i;
            if (storedDay == freshDay) {
                Bars old;
                if (!unpackInto(stored.get(), row, 0, 1, kEverything, old))
                    return corruptBlock(stored.get(), row, 0);
                merged = mergeBars(old, block, blockCount);
                block = merged.data();
                blockCount = merged.size();
                ++row;
            }
            if (storedRows > 0) {
                for (size_t k = 0; k < blockCount; ++k) {
                    if (covered.contains(block[k].t))
                        finalInRange.push_back(block[k]);
                }
            }
            if (i <= good.size() / 2)
                halfway = blocks.buffer().size();
            i = j;
            blocks.tuple(5);
            blocks.int8(freshDay);
            blocks.int8(block[0].t);
            blocks.int8(block[blockCount - 1].t);
            blocks.int4(qint32(blockCount));
            const size_t at = blocks.beginField();
            BarBlockCodec::encode(block, blockCount, freshDay, blocks.buffer());
            blocks.endField(at);
        }

        if (recordFetch) {
            CoverageIntervals existing;
            existing.reserve(size_t(PQntuples(taken.get())));
            for (int k = 0; k < PQntuples(taken.get()); ++k) {
                existing.push_back({{int8At(taken.get(), k, 0), int8At(taken.get(), k, 1)},
                                    int2At(taken.get(), k, 2) == 1 ? CoverageState::Empty
                                                                   : CoverageState::Bars});
            }
            CoverageLedger ledger(std::move(existing)); // sorts and normalizes
            ledger.record(covered, storedRows > 0 ? finalInRange : good, minute);
            for (const CoverageInterval &iv : ledger.intervals()) {
                blocks.tuple(5);
                blocks.null(); // no day: a ledger row
                blocks.int8(iv.range.from);
                blocks.int8(iv.range.to);
                blocks.int4(iv.state == CoverageState::Empty ? 1 : 0);
                blocks.null();
            }
        }
        blocks.finish();
        std::vector<const std::string *> copies;
        if (stage)
            copies.push_back(&blocks.buffer());
        CopyWriter quarantined;
        if (!rejected.empty()) {
            for (const BarValidator::Rejected &q : rejected) {
                quarantined.tuple(9);
                quarantined.int4(sid);
                quarantined.int8(q.bar.t);
                quarantined.float8(q.bar.o);
                quarantined.float8(q.bar.h);
                quarantined.float8(q.bar.l);
                quarantined.float8(q.bar.c);
                quarantined.float8(q.bar.v);
                quarantined.text(q.reason);
                quarantined.int8(quarantinedAt);
            }
            quarantined.finish();
            copies.push_back(&quarantined.buffer());
        }
        std::function<bool(int)> hook;
        {
            std::lock_guard lock(m_shared->mutex);
            hook = m_shared->copyHook;
        }
        copyGuard.armed = false;
        c->stagedBytes += qint64(blocks.buffer().size());
        if (auto w = finishCopy(pg, copies, halfway, hook); !w)
            return w.error();
        {
            std::lock_guard lock(m_shared->mutex);
            m_shared->seriesIds.insert(seriesCacheKey(series), sid);
        }
        if (!rejected.empty())
            qCWarning(lcStore).noquote()
                << QStringLiteral("%1 bars of %2 quarantined, first: %3")
                       .arg(rejected.size())
                       .arg(series.toString(), rejected.front().reason);
        return WriteReport{qint64(good.size()), qint64(rejected.size())};
    });
}

Result<Bars> PostgresBarStore::readBars(const SeriesKey &series, TimeRange range, qint64 limit)
{
    return run<Bars>("readBars", [&](Connection *c) -> Result<Bars> {
        qint32 sid = 0;
        {
            std::lock_guard lock(m_shared->mutex);
            sid = m_shared->seriesIds.value(seriesCacheKey(series), 0);
        }
        if (sid == 0) {
            Result<qint32> found = lookupSeries(c->pg, series);
            if (!found)
                return found.error();
            sid = *found;
            if (sid != 0) {
                std::lock_guard lock(m_shared->mutex);
                m_shared->seriesIds.insert(seriesCacheKey(series), sid);
            }
        }
        return readBarsOn(c->pg, sid, range, limit);
    });
}

Result<RollupBars> PostgresBarStore::readRollup(const SeriesKey &series, TimeRange range,
                                                qint64 limit)
{
    const Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    const TimeRange source = Rollup::sourceRange(*tf, range);
    if (source.isEmpty())
        return RollupBars();
    return run<RollupBars>("readRollup", [&](Connection *c) -> Result<RollupBars> {
        PGconn *pg = c->pg;
        // Bars and ledger from one snapshot, so a concurrent write cannot make a bucket look
        // complete with bars that are not there yet.
        Transaction tx(pg);
        if (auto b = tx.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !b)
            return b.error();
        Result<qint32> sid = lookupSeries(pg, series);
        if (!sid)
            return sid.error();
        if (*sid == 0)
            return RollupBars();
        Result<Bars> bars = readBarsOn(pg, *sid, source, 0);
        if (!bars)
            return bars.error();
        Result<CoverageIntervals> cov = loadCoverage(pg, *sid, source);
        if (!cov)
            return cov.error();
        if (auto cm = tx.commit(); !cm)
            return cm.error();
        return rollupFrom(series, *tf, range, *bars, std::move(*cov), limit);
    });
}

Result<CoverageIntervals> PostgresBarStore::coverage(const SeriesKey &series, TimeRange range)
{
    if (range.isEmpty())
        return CoverageIntervals();
    return run<CoverageIntervals>("coverage", [&](Connection *c) -> Result<CoverageIntervals> {
        Result<qint32> sid = lookupSeries(c->pg, series);
        if (!sid)
            return sid.error();
        if (*sid == 0)
            return CoverageIntervals();
        Result<CoverageIntervals> cov = loadCoverage(c->pg, *sid, range);
        if (!cov)
            return cov.error();
        return CoverageLedger(std::move(*cov)).clipped(range);
    });
}

Result<QList<SeriesKey>> PostgresBarStore::listSeries()
{
    return run<QList<SeriesKey>>("listSeries", [&](Connection *c) -> Result<QList<SeriesKey>> {
        const PgResult r = exec(c->pg,
                                "SELECT market, provider, symbol FROM series ORDER BY market, provider, symbol",
                                Params());
        if (!ok(r))
            return storageError(c->pg, r, "series list");
        QList<SeriesKey> out;
        for (int i = 0; i < PQntuples(r.get()); ++i)
            out.append(SeriesKey{textAt(r.get(), i, 0), textAt(r.get(), i, 1), textAt(r.get(), i, 2),
                                 QStringLiteral("1m")});
        return out;
    });
}

Result<TimeRange> PostgresBarStore::extent(const SeriesKey &series)
{
    return run<TimeRange>("extent", [&](Connection *c) -> Result<TimeRange> {
        const PgResult r = exec(c->pg,
                                "SELECT min(d.first_t), max(d.last_t) FROM bar_days d JOIN series s "
                                "ON s.id = d.series_id WHERE s.market = $1 AND s.provider = $2 "
                                "AND s.symbol = $3",
                                seriesParams(series));
        if (!ok(r))
            return storageError(c->pg, r, "extent");
        if (PQgetisnull(r.get(), 0, 0))
            return TimeRange();
        // Half-open like every TimeRange: from the first bar's open to the last bar's end.
        return TimeRange{int8At(r.get(), 0, 0), int8At(r.get(), 0, 1) + kMinuteMs};
    });
}

Result<std::vector<QuarantinedBar>> PostgresBarStore::quarantine(const SeriesKey &series)
{
    using Out = std::vector<QuarantinedBar>;
    return run<Out>("quarantine", [&](Connection *c) -> Result<Out> {
        const PgResult r = exec(c->pg,
                                "SELECT q.t, q.o, q.h, q.l, q.c, q.v, q.reason, q.quarantined_at "
                                "FROM quarantine q JOIN series s ON s.id = q.series_id "
                                "WHERE s.market = $1 AND s.provider = $2 AND s.symbol = $3 ORDER BY q.id",
                                seriesParams(series));
        if (!ok(r))
            return storageError(c->pg, r, "quarantine read");
        Out out;
        const PGresult *res = r.get();
        for (int i = 0; i < PQntuples(res); ++i) {
            QuarantinedBar q;
            q.series = series.withTimeframe(QStringLiteral("1m"));
            q.bar = Bar{int8At(res, i, 0), float8At(res, i, 1), float8At(res, i, 2),
                        float8At(res, i, 3), float8At(res, i, 4), float8At(res, i, 5)};
            q.reason = textAt(res, i, 6);
            q.quarantinedAtMs = int8At(res, i, 7);
            out.push_back(std::move(q));
        }
        return out;
    });
}

namespace {

Params jobParams(const StoredJob &job, qint64 created, qint64 updated)
{
    Params p;
    p.text(job.series.market)
        .text(job.series.provider)
        .text(job.series.symbol)
        .text(job.series.timeframe)
        .int8(job.range.from)
        .int8(job.range.to)
        .text(job.state)
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
    return run<qint64>("insertJob", [&](Connection *c) -> Result<qint64> {
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
    return run<void>("updateJob", [&](Connection *c) -> VoidResult {
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
    return run<Out>("jobs", [&](Connection *c) -> Result<Out> {
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
            j.state = textAt(res, i, 7);
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
    return run<TimeRanges>("claim", [&](Connection *c) -> Result<TimeRanges> {
        PGconn *pg = c->pg;
        Transaction tx(pg);
        if (auto b = tx.begin(); !b)
            return b.error();
        // Claimers of one series take turns across processes; the lock is not the series row,
        // so a claim never waits for a write of that series (the two-key advisory lock space
        // is separate from open()'s one-key schema lock).
        PgResult r = exec(pg, "SELECT pg_advisory_xact_lock(1650553451, hashtext($1))",
                          Params().text(seriesCacheKey(series)));
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
    return run<void>("release", [&](Connection *c) -> VoidResult {
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
    return run<qint64>("renewClaims", [&](Connection *c) -> Result<qint64> {
        const PgResult r = exec(c->pg, "UPDATE claims SET expires_ms = $2 WHERE owner = $1",
                                Params().text(owner).int8(nowMs + ttlMs));
        if (!ok(r))
            return storageError(c->pg, r, "claim renewal");
        return QByteArray(PQcmdTuples(r.get())).toLongLong();
    });
}

Result<QStringList> PostgresBarStore::claimOwners()
{
    return run<QStringList>("claimOwners", [&](Connection *c) -> Result<QStringList> {
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
    return run<void>("releaseAll", [&](Connection *c) -> VoidResult {
        const PgResult r = exec(c->pg, "DELETE FROM claims WHERE owner = $1", Params().text(owner));
        if (!ok(r))
            return storageError(c->pg, r, "claim release");
        return {};
    });
}

} // namespace barkeep
