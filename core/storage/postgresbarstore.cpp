// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresbarstore.h"

#include "log/logging.h"
#include "model/timeframe.h"
#include "storage/barblockcodec.h"
#include "storage/barvalidator.h"
#include "storage/coverageledger.h"
#include "storage/rollup.h"

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
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace barkeep {

namespace {


// Type OIDs of the parameters we send (pg_type.h is not installed with libpq-dev).
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kInt8ArrayOid = 1016;

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

// Parameters in binary format, so numbers cross without printf/strtod.
class Params
{
public:
    Params &int8(qint64 v)
    {
        QByteArray b(8, Qt::Uninitialized);
        qToBigEndian(v, b.data());
        return add(b, kInt8Oid, 1);
    }
    Params &int4(qint32 v)
    {
        QByteArray b(4, Qt::Uninitialized);
        qToBigEndian(v, b.data());
        return add(b, kInt4Oid, 1);
    }
    Params &float8(double v)
    {
        quint64 bits;
        std::memcpy(&bits, &v, 8);
        QByteArray b(8, Qt::Uninitialized);
        qToBigEndian(bits, b.data());
        return add(b, kFloat8Oid, 1);
    }
    Params &text(const QString &s) { return add(s.toUtf8(), kTextOid, 1); }
    Params &bytea(const QByteArray &b) { return add(b, kByteaOid, 1); }
    Params &int8Array(const std::vector<qint64> &values)
    {
        QByteArray t = "{";
        for (size_t i = 0; i < values.size(); ++i) {
            if (i)
                t += ',';
            t += QByteArray::number(values[i]);
        }
        t += '}';
        return add(t, kInt8ArrayOid, 0); // text form: the binary array format is not worth it
    }

    int count() const { return int(m_values.size()); }
    const Oid *types() const { return m_types.data(); }
    const int *formats() const { return m_formats.data(); }
    void pointers(std::vector<const char *> &values, std::vector<int> &lengths) const
    {
        for (const QByteArray &v : m_values) {
            values.push_back(v.constData());
            lengths.push_back(int(v.size()));
        }
    }

private:
    Params &add(QByteArray v, Oid type, int format)
    {
        m_values.push_back(std::move(v));
        m_types.push_back(type);
        m_formats.push_back(format);
        return *this;
    }
    std::vector<QByteArray> m_values;
    std::vector<Oid> m_types;
    std::vector<int> m_formats;
};

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

// Writer of PostgreSQL's binary COPY format (header, rows of length-prefixed big-endian
// fields, trailer), streamed to the server in chunks.
class CopyWriter
{
public:
    explicit CopyWriter(PGconn *c) : m_conn(c)
    {
        static const char header[] = "PGCOPY\n\377\r\n\0";
        m_buffer.append(header, 11);
        appendInt32(0); // flags
        appendInt32(0); // header extension length
    }
    void row(qint16 fields)
    {
        char b[2];
        qToBigEndian(fields, b);
        m_buffer.append(b, 2);
    }
    void int8(qint64 v)
    {
        appendInt32(8);
        char b[8];
        qToBigEndian(v, b);
        m_buffer.append(b, 8);
    }
    void int4(qint32 v)
    {
        appendInt32(4);
        appendInt32(v);
    }
    void int2(qint16 v)
    {
        appendInt32(2);
        char b[2];
        qToBigEndian(v, b);
        m_buffer.append(b, 2);
    }
    void float8(double d)
    {
        quint64 bits;
        std::memcpy(&bits, &d, 8);
        appendInt32(8);
        char b[8];
        qToBigEndian(bits, b);
        m_buffer.append(b, 8);
    }
    void bytes(const char *data, qsizetype size)
    {
        appendInt32(qint32(size));
        m_buffer.append(data, size);
    }
    // Sends what is buffered once it is large; false when the connection failed.
    bool flushIfLarge() { return m_buffer.size() < (4 << 20) || flush(); }
    bool finish(QString *error)
    {
        m_buffer.append("\xff\xff", 2);
        if (!flush() || PQputCopyEnd(m_conn, nullptr) != 1) {
            *error = QString::fromUtf8(PQerrorMessage(m_conn)).trimmed();
            drain();
            return false;
        }
        bool good = true;
        while (PGresult *r = PQgetResult(m_conn)) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                good = false;
                *error = QString::fromUtf8(PQresultErrorMessage(r)).trimmed();
            }
            PQclear(r);
        }
        return good;
    }

private:
    void appendInt32(qint32 v)
    {
        char b[4];
        qToBigEndian(v, b);
        m_buffer.append(b, 4);
    }
    bool flush()
    {
        if (!m_buffer.isEmpty() && PQputCopyData(m_conn, m_buffer.constData(), int(m_buffer.size())) != 1)
            return false;
        m_buffer.clear();
        return true;
    }
    void drain()
    {
        while (PGresult *r = PQgetResult(m_conn))
            PQclear(r);
    }
    PGconn *m_conn;
    QByteArray m_buffer;
};

// Starts COPY ... FROM STDIN; false with the error when the server refused.
bool beginCopy(PGconn *c, const char *sql, QString *error)
{
    PgResult r(PQexec(c, sql));
    if (r && PQresultStatus(r.get()) == PGRES_COPY_IN)
        return true;
    *error = errorOf(c, r);
    return false;
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
    bool stageReady = false; // the temp staging tables exist on this session
};

struct PostgresBarStore::Shared final : ConnectionOwner
{
    QString url;
    quint64 storeId = s_nextId++;
    mutable std::mutex mutex;
    std::unordered_map<quint64, std::unique_ptr<Connection>> connections;
    QHash<QString, qint32> seriesIds;
    SessionCalendar calendar;
    std::atomic<qint64> reconnects{0};
    std::atomic<bool> everConnected{false};

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

// The series id, or 0 when the series was never written.
Result<qint32> lookupSeries(PGconn *c, const SeriesKey &s)
{
    const PgResult r = exec(c, "SELECT id FROM series WHERE market = $1 AND provider = $2 AND symbol = $3",
                            Params().text(s.market).text(s.provider).text(s.symbol));
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
    if (url.startsWith(QLatin1String("postgresql://")) || url.startsWith(QLatin1String("postgres://"))) {
        QUrl u(url);
        if (!u.isValid())
            return QStringLiteral("postgresql://(unparsable URL)");
        u.setPassword(QString());
        QUrlQuery q(u);
        if (q.hasQueryItem(QStringLiteral("password"))) {
            q.removeAllQueryItems(QStringLiteral("password"));
            u.setQuery(q);
        }
        return u.toString();
    }
    // key=value conninfo
    QString s = url;
    s.replace(QRegularExpression(QStringLiteral(R"(password\s*=\s*('(?:[^'\\]|\\.)*'|\S+))")),
              QStringLiteral("password=***"));
    return s;
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
    c->stageReady = false;
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
               // Say why an installed TimescaleDB stays unused (postgresbarstore.h), once.
               r = exec(pg, "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
               if (ok(r) && PQntuples(r.get()) > 0)
                   qCInfo(lcStore).noquote()
                       << QStringLiteral("%1: TimescaleDB is available but not used: bars are kept "
                                         "in day blocks and rolled up on read")
                              .arg(describe());
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
    for (const Bar &b : bars) {
        if (!covered.contains(b.t))
            return Error(Error::Kind::BadInput,
                         QStringLiteral("bar at %1 lies outside the covered range [%2, %3)")
                             .arg(b.t)
                             .arg(covered.from)
                             .arg(covered.to));
    }
    const Timeframe minute = Timeframe::minutes(1);
    Bars good = bars;
    const std::vector<BarValidator::Rejected> rejected = BarValidator::filter(good, minute);
    // Ascending, one bar per t (the last one given wins, as a second write would).
    if (!std::is_sorted(good.begin(), good.end(), [](const Bar &a, const Bar &b) { return a.t < b.t; }))
        std::stable_sort(good.begin(), good.end(), [](const Bar &a, const Bar &b) { return a.t < b.t; });
    if (!good.empty()) {
        size_t w = 0;
        for (size_t i = 0; i < good.size(); ++i) {
            if (w > 0 && good[w - 1].t == good[i].t)
                good[w - 1] = good[i];
            else
                good[w++] = good[i];
        }
        good.resize(w);
    }
    const qint64 quarantinedAt = nowMs();

    return run<WriteReport>("writeBars", [&](Connection *c) -> Result<WriteReport> {
        PGconn *pg = c->pg;
        Transaction tx(pg);
        if (auto b = tx.begin(); !b)
            return b.error();
        if (!c->stageReady) {
            const PgResult r = exec(pg,
                                    "CREATE TEMP TABLE IF NOT EXISTS bk_stage (day bigint, first_t bigint, "
                                    "last_t bigint, n integer, bars bytea) ON COMMIT DELETE ROWS");
            if (!ok(r))
                return storageError(pg, r, "staging table");
            c->stageReady = true;
        }
        // Upserting the series row also locks it: writers of one series take turns, so the
        // read-merge-write of its day blocks and ledger below cannot interleave.
        PgResult r = exec(pg,
                          "INSERT INTO series (market, provider, symbol) VALUES ($1, $2, $3) "
                          "ON CONFLICT (market, provider, symbol) DO UPDATE SET market = EXCLUDED.market "
                          "RETURNING id",
                          Params().text(series.market).text(series.provider).text(series.symbol));
        if (!ok(r) || PQntuples(r.get()) != 1)
            return storageError(pg, r, "series upsert");
        const qint32 sid = int4At(r.get(), 0, 0);

        // Stored blocks of the covered days: merged with the fresh bars (usually none for a
        // backfill), and they decide what the ledger says. A re-fetch that misses a stored bar
        // does not delete it, so its minute stays `bars`.
        r = exec(pg,
                 "SELECT day, bars FROM bar_days WHERE series_id = $1 AND day >= $2 AND day < $3 "
                 "ORDER BY day",
                 Params().int4(sid).int8(dayOf(covered.from)).int8(covered.to));
        if (!ok(r))
            return storageError(pg, r, "bar merge read");
        const PgResult stored = std::move(r);
        const int storedRows = PQntuples(stored.get());
        Bars finalInRange; // bars stored in `covered` after this write, when some were before
        if (!good.empty() || storedRows > 0) {
            QString copyError;
            std::optional<CopyWriter> copy;
            if (!good.empty()) {
                if (!beginCopy(pg, "COPY bk_stage (day, first_t, last_t, n, bars) FROM STDIN (FORMAT binary)",
                               &copyError))
                    return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: COPY failed"), copyError);
                copy.emplace(pg);
            }
            std::string packed;
            Bars merged;
            int row = 0;
            size_t i = 0;
            bool copyBroken = false;
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
                i = j;
                if (copyBroken)
                    continue;
                packed.clear();
                BarBlockCodec::encode(block, blockCount, freshDay, packed);
                copy->row(5);
                copy->int8(freshDay);
                copy->int8(block[0].t);
                copy->int8(block[blockCount - 1].t);
                copy->int4(qint32(blockCount));
                copy->bytes(packed.data(), qsizetype(packed.size()));
                copyBroken = !copy->flushIfLarge(); // finish() reports the error
            }
            if (copy) {
                if (!copy->finish(&copyError))
                    return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: COPY failed"),
                                 copyError);
                r = exec(pg,
                         "INSERT INTO bar_days (series_id, day, first_t, last_t, n, bars) "
                         "SELECT $1, day, first_t, last_t, n, bars FROM bk_stage "
                         "ON CONFLICT (series_id, day) DO UPDATE SET first_t = EXCLUDED.first_t, "
                         "last_t = EXCLUDED.last_t, n = EXCLUDED.n, bars = EXCLUDED.bars",
                         Params().int4(sid));
                if (!ok(r))
                    return storageError(pg, r, "bar upsert");
            }
        }

        // The ledger: load what touches the fetched range, record the fetch, write it back.
        if (!covered.isEmpty()) {
            // Take out the intervals touching the range (one round trip: DELETE ... RETURNING),
            // record the fetch over them and put the merged result back.
            r = exec(pg,
                     "DELETE FROM coverage WHERE series_id = $1 AND t_from <= $3 AND t_to >= $2 "
                     "RETURNING t_from, t_to, state",
                     Params().int4(sid).int8(covered.from).int8(covered.to));
            if (!ok(r))
                return storageError(pg, r, "coverage update");
            CoverageIntervals existing;
            for (int i = 0; i < PQntuples(r.get()); ++i) {
                existing.push_back({{int8At(r.get(), i, 0), int8At(r.get(), i, 1)},
                                    int2At(r.get(), i, 2) == 1 ? CoverageState::Empty
                                                               : CoverageState::Bars});
            }
            CoverageLedger ledger(std::move(existing)); // sorts and normalizes
            ledger.record(covered, storedRows > 0 ? finalInRange : good, minute);
            QString copyError;
            if (!beginCopy(pg, "COPY coverage (series_id, t_from, t_to, state) FROM STDIN (FORMAT binary)",
                           &copyError))
                return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: COPY failed"), copyError);
            CopyWriter copy(pg);
            for (const CoverageInterval &iv : ledger.intervals()) {
                copy.row(4);
                copy.int4(sid);
                copy.int8(iv.range.from);
                copy.int8(iv.range.to);
                copy.int2(iv.state == CoverageState::Empty ? 1 : 0);
            }
            if (!copy.finish(&copyError))
                return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: coverage write failed"),
                             copyError);
        }

        if (!rejected.empty()) {
            QString copyError;
            if (!beginCopy(pg,
                           "COPY quarantine (series_id, t, o, h, l, c, v, reason, quarantined_at) "
                           "FROM STDIN (FORMAT binary)",
                           &copyError))
                return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: COPY failed"), copyError);
            CopyWriter copy(pg);
            for (const BarValidator::Rejected &q : rejected) {
                copy.row(9);
                copy.int4(sid);
                copy.int8(q.bar.t);
                copy.float8(q.bar.o);
                copy.float8(q.bar.h);
                copy.float8(q.bar.l);
                copy.float8(q.bar.c);
                copy.float8(q.bar.v);
                const QByteArray reason = q.reason.toUtf8();
                copy.bytes(reason.constData(), reason.size());
                copy.int8(quarantinedAt);
            }
            if (!copy.finish(&copyError))
                return Error(Error::Kind::Storage, QStringLiteral("PostgreSQL: quarantine write failed"),
                             copyError);
        }

        if (auto cm = tx.commit(); !cm)
            return cm.error();
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
        const CoverageLedger ledger(std::move(*cov));
        SessionCalendar calendar;
        {
            std::lock_guard lock(m_shared->mutex);
            calendar = m_shared->calendar;
        }
        // Minutes outside the session were never expected, so they do not make a bucket
        // incomplete (a stock's daily bar is whole when its session was fetched).
        const SeriesKey base = series.withTimeframe(QStringLiteral("1m"));
        const TimeRanges gapRanges = calendar
            ? ledger.gaps(source, CoverageLedger::normalized(calendar(base, source)))
            : ledger.gaps(source);
        return Rollup::compute(*bars, *tf, range, gapRanges, limit);
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

Result<TimeRanges> PostgresBarStore::gaps(const SeriesKey &series, TimeRange range)
{
    Result<CoverageIntervals> cov = coverage(series, range);
    if (!cov)
        return cov.error();
    const CoverageLedger ledger(std::move(*cov));
    SessionCalendar calendar;
    {
        std::lock_guard lock(m_shared->mutex);
        calendar = m_shared->calendar;
    }
    if (calendar)
        return ledger.gaps(range, CoverageLedger::normalized(calendar(series, range)));
    return ledger.gaps(range);
}

void PostgresBarStore::setSessionCalendar(SessionCalendar calendar)
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->calendar = std::move(calendar);
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
                                Params().text(series.market).text(series.provider).text(series.symbol));
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
                                Params().text(series.market).text(series.provider).text(series.symbol));
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
    const Result<bool> done = run<bool>("updateJob", [&](Connection *c) -> Result<bool> {
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
        return true;
    });
    if (!done)
        return done.error();
    return {};
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

} // namespace barkeep
