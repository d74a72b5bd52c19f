// SPDX-License-Identifier: GPL-3.0-or-later
// About 1,100 lines, kept as one file for now: the schema, its prepared statements, the
// per-thread connections and every query share the private Connection and Stmt types of this
// file. The split is known: give those types a header (sqliteconnection.h), then move jobs and
// claims to sqlitejobstore.cpp as postgresjobstore.cpp did, and the findings/quarantine part
// beside them.
#include "sqlitebarstore.h"

#include "barblockcodec.h"
#include "barvalidator.h"
#include "coverageledger.h"
#include "log/logging.h"
#include "rollup.h"

#include <sqlite3.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <limits>
#include <unordered_map>

namespace barkeep {

namespace {

// A read of at least this many bars releases its connection's page cache (readBarsById).
constexpr size_t kReleaseCacheAfterBars = 100'000;

// Row key of a block: the series id in the high bits, the UTC day (biased to be positive) in
// the low 21, so one series' days are one contiguous rowid range and the table's own B-tree
// is the index (no second index to pay for on disk or on insert).
constexpr int kDayBits = 21;
constexpr qint64 kDayBias = qint64(1) << (kDayBits - 1);
constexpr qint64 kDayMask = (qint64(1) << kDayBits) - 1;

qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}
qint64 dayOf(qint64 t) { return floorDiv(t, kDayMs); }
qint64 clampDay(qint64 day) { return std::clamp(day, -kDayBias, kDayBias - 1); }
qint64 blockKey(qint64 seriesId, qint64 day) { return (seriesId << kDayBits) | (day + kDayBias); }
qint64 dayOfKey(qint64 key) { return (key & kDayMask) - kDayBias; }

// Schema migrations: entry i upgrades user_version i to i + 1. Append only; never edit a
// released step.
const char *const kMigrations[] = {
    // v1
    "CREATE TABLE series("
    "  id INTEGER PRIMARY KEY,"
    "  market TEXT NOT NULL, provider TEXT NOT NULL, symbol TEXT NOT NULL,"
    "  timeframe TEXT NOT NULL,"
    "  UNIQUE(market, provider, symbol, timeframe));"
    // One row per (series, UTC day): the packed bars of that day (BarBlockCodec).
    "CREATE TABLE bar_blocks("
    "  key INTEGER PRIMARY KEY," // series id << 21 | (day + 2^20)
    "  n INTEGER NOT NULL,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE coverage("
    "  series_id INTEGER NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,"
    "  state INTEGER NOT NULL," // 1 bars, 2 empty
    "  PRIMARY KEY(series_id, from_ms)) WITHOUT ROWID;"
    "CREATE TABLE quarantine("
    "  id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL, t INTEGER NOT NULL,"
    "  o REAL, h REAL, l REAL, c REAL, v REAL," // NULL = NaN (SQLite stores NaN as NULL)
    "  reason TEXT NOT NULL, at_ms INTEGER NOT NULL);"
    "CREATE INDEX quarantine_series ON quarantine(series_id, t);"
    "CREATE TABLE jobs("
    "  id INTEGER PRIMARY KEY,"
    "  market TEXT NOT NULL, provider TEXT NOT NULL, symbol TEXT NOT NULL,"
    "  timeframe TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,"
    "  state TEXT NOT NULL, priority INTEGER NOT NULL, error TEXT NOT NULL,"
    "  bars_written INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL, extra BLOB);",
    // v2: fetch claims of processes sharing this file (BarStore::claim()).
    "CREATE TABLE claims("
    "  market TEXT NOT NULL, provider TEXT NOT NULL, symbol TEXT NOT NULL,"
    "  from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,"
    "  owner TEXT NOT NULL, expires_ms INTEGER NOT NULL);"
    "CREATE INDEX claims_series ON claims(market, provider, symbol, from_ms);"
    "CREATE INDEX claims_owner ON claims(owner);",
};
constexpr int kSchemaVersion = int(std::size(kMigrations));

enum Stmt {
    SelBlocks,
    SelFirstBlock,
    SelLastBlock,
    PutBlock,
    SelCoverage,
    DelCoverage,
    InsCoverage,
    InsQuarantine,
    SelSeries,
    InsSeries,
    StmtCount
};

const char *const kStatements[StmtCount] = {
    "SELECT key, data FROM bar_blocks WHERE key BETWEEN ?1 AND ?2 ORDER BY key",
    "SELECT key, data FROM bar_blocks WHERE key BETWEEN ?1 AND ?2 ORDER BY key LIMIT 1",
    "SELECT key, data FROM bar_blocks WHERE key BETWEEN ?1 AND ?2 ORDER BY key DESC LIMIT 1",
    "INSERT OR REPLACE INTO bar_blocks(key, n, data) VALUES(?1, ?2, ?3)",
    // Intervals from the last one starting at or before ?2 up to those starting at ?3: every
    // interval that overlaps or touches [?2, ?3], found through the primary key alone
    // (intervals never overlap, so their ends are ordered like their starts).
    "SELECT from_ms, to_ms, state FROM coverage WHERE series_id = ?1 AND from_ms >= "
    "coalesce((SELECT from_ms FROM coverage WHERE series_id = ?1 AND from_ms <= ?2 "
    "ORDER BY from_ms DESC LIMIT 1), ?2) AND from_ms <= ?3 ORDER BY from_ms",
    "DELETE FROM coverage WHERE series_id = ?1 AND from_ms BETWEEN ?2 AND ?3",
    "INSERT INTO coverage(series_id, from_ms, to_ms, state) VALUES(?1, ?2, ?3, ?4)",
    "INSERT INTO quarantine(series_id, t, o, h, l, c, v, reason, at_ms) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "SELECT id FROM series WHERE market = ?1 AND provider = ?2 AND symbol = ?3 AND timeframe = ?4",
    "INSERT OR IGNORE INTO series(market, provider, symbol, timeframe) VALUES(?1, ?2, ?3, ?4)",
};

std::atomic<quint64> g_nextStoreId{1};

void bindText(sqlite3_stmt *st, int i, const QString &s)
{
    const QByteArray u = s.toUtf8();
    sqlite3_bind_text(st, i, u.constData(), int(u.size()), SQLITE_TRANSIENT);
}
QString columnText(sqlite3_stmt *st, int i)
{
    return QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st, i)),
                             sqlite3_column_bytes(st, i));
}
double columnDouble(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN()
                                                     : sqlite3_column_double(st, i);
}

// Resets a statement when leaving scope, so an early return never leaves it mid-step.
struct StmtGuard
{
    sqlite3_stmt *st;
    ~StmtGuard()
    {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
};

// ?1..?4: the series key, as the series and jobs tables order it.
void bindSeriesKey(sqlite3_stmt *st, const SeriesKey &series)
{
    bindText(st, 1, series.market);
    bindText(st, 2, series.provider);
    bindText(st, 3, series.symbol);
    bindText(st, 4, series.timeframe);
}

// A range wide enough for any block: decodeBlock() of a whole day.
const TimeRange kAnyTime{std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max()};

// Decodes the block of `day` on the current row of a bar_blocks SELECT (key, data) into
// `out` (BarBlockCodec::decode()); false when the block is malformed.
bool decodeBlock(sqlite3_stmt *st, qint64 day, TimeRange range, Bars &out, qint64 limit = 0)
{
    return BarBlockCodec::decode(static_cast<const char *>(sqlite3_column_blob(st, 1)),
                                 size_t(sqlite3_column_bytes(st, 1)), day * kDayMs, range, out,
                                 limit);
}

// Prepares and runs a one-off `sql`, `bind` setting its parameters and `row` taking each row;
// false on an error (sqlite3_errmsg() says which). The statements run often are the
// persistent kStatements instead.
template <typename Bind, typename Row>
bool execSql(sqlite3 *db, const char *sql, Bind &&bind, Row &&row)
{
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
        return false;
    bind(st);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
}
void noParams(sqlite3_stmt *) {}
void noRows(sqlite3_stmt *) {}

} // namespace

// One sqlite3 handle, owned by the thread that opened it (kept in that thread's TLS map) and
// registered with its store so close() can shut it from elsewhere.
struct SqliteBarStore::Connection
{
    std::mutex mutex; // close() from another thread vs the owning thread's exit
    sqlite3 *db = nullptr;
    sqlite3_stmt *stmts[StmtCount] = {};
    quint64 generation = 0;

    ~Connection() { closeDb(); }
    void closeDb()
    {
        std::lock_guard lock(mutex);
        for (auto &s : stmts) {
            sqlite3_finalize(s);
            s = nullptr;
        }
        if (db)
            sqlite3_close_v2(db);
        db = nullptr;
    }
    sqlite3_stmt *stmt(Stmt which)
    {
        if (!stmts[which])
            sqlite3_prepare_v3(db, kStatements[which], -1, SQLITE_PREPARE_PERSISTENT,
                               &stmts[which], nullptr);
        return stmts[which];
    }
};

struct SqliteBarStore::Shared
{
    quint64 id = g_nextStoreId.fetch_add(1);
    std::mutex mutex;
    std::vector<std::weak_ptr<Connection>> connections;
    std::atomic<quint64> generation{1};
    bool schemaReady = false; // guarded by mutex
};

namespace {

// This thread's connections, one per store; destroyed (and so closed) when the thread exits.
thread_local std::unordered_map<quint64, std::shared_ptr<SqliteBarStore::Connection>> t_connections;

class Transaction
{
public:
    explicit Transaction(sqlite3 *db) : m_db(db) {}
    ~Transaction()
    {
        if (m_open)
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    bool begin(bool write)
    {
        m_open = sqlite3_exec(m_db, write ? "BEGIN IMMEDIATE" : "BEGIN", nullptr, nullptr,
                              nullptr) == SQLITE_OK;
        return m_open;
    }
    bool commit()
    {
        if (sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            return false;
        m_open = false;
        return true;
    }

private:
    sqlite3 *m_db;
    bool m_open = false;
};

} // namespace

SqliteBarStore::SqliteBarStore(const QString &path)
    : m_path(path), m_shared(std::make_shared<Shared>())
{}

SqliteBarStore::~SqliteBarStore()
{
    close();
}

int SqliteBarStore::schemaVersion()
{
    return kSchemaVersion;
}

QString SqliteBarStore::describe() const
{
    return QStringLiteral("sqlite://") + m_path;
}

static Error dbError(sqlite3 *db, const QString &what, const QString &where)
{
    return Error(Error::Kind::Storage,
                 what + QStringLiteral(": ") + QString::fromUtf8(db ? sqlite3_errmsg(db) : "no handle"),
                 where);
}

Result<SqliteBarStore::Connection *> SqliteBarStore::connection()
{
    const quint64 generation = m_shared->generation.load();
    auto it = t_connections.find(m_shared->id);
    if (it != t_connections.end() && it->second->generation == generation && it->second->db)
        return it->second.get();

    auto conn = std::make_shared<Connection>();
    conn->generation = generation;
    const QByteArray path = QFile::encodeName(m_path);
    if (sqlite3_open_v2(path.constData(), &conn->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr)
        != SQLITE_OK) {
        Error e = dbError(conn->db, QStringLiteral("cannot open SQLite database %1").arg(m_path),
                          describe());
        conn->closeDb();
        return e;
    }
    // The busy timeout comes first: it lets writers on other threads/processes queue up, and
    // the setup below already needs a lock (journal_mode=WAL failed with "database is locked"
    // when another connection held one at that instant and no timeout was set yet).
    sqlite3_busy_timeout(conn->db, 15000);
    // WAL: readers never block the writer; synchronous=NORMAL: a commit survives a crash of
    // the process (kill -9), only an OS crash or power loss may roll back the last commits,
    // never corrupt.
    const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;";
    if (sqlite3_exec(conn->db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) {
        Error e = dbError(conn->db, QStringLiteral("cannot set up SQLite database %1").arg(m_path),
                          describe());
        conn->closeDb();
        return e;
    }
    {
        std::lock_guard lock(m_shared->mutex);
        if (!m_shared->schemaReady) {
            // Migrations run once per store, under the write lock so two processes opening a
            // new file at once do not both create the tables.
            Transaction tx(conn->db);
            if (!tx.begin(true))
                return dbError(conn->db, QStringLiteral("cannot lock %1 to migrate").arg(m_path),
                               describe());
            int version = 0;
            sqlite3_stmt *st = nullptr;
            sqlite3_prepare_v2(conn->db, "PRAGMA user_version", -1, &st, nullptr);
            if (st && sqlite3_step(st) == SQLITE_ROW)
                version = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
            if (version > kSchemaVersion)
                return Error(Error::Kind::Storage,
                             QStringLiteral("%1 has schema version %2, newer than this build "
                                            "understands (%3)")
                                 .arg(m_path)
                                 .arg(version)
                                 .arg(kSchemaVersion),
                             describe());
            for (int v = version; v < kSchemaVersion; ++v) {
                if (sqlite3_exec(conn->db, kMigrations[v], nullptr, nullptr, nullptr) != SQLITE_OK)
                    return dbError(conn->db,
                                   QStringLiteral("migrating %1 to schema %2 failed")
                                       .arg(m_path)
                                       .arg(v + 1),
                                   describe());
            }
            if (version != kSchemaVersion) {
                const QByteArray set = "PRAGMA user_version=" + QByteArray::number(kSchemaVersion);
                sqlite3_exec(conn->db, set.constData(), nullptr, nullptr, nullptr);
                qCInfo(lcStore) << "migrated" << m_path << "from schema" << version << "to"
                                << kSchemaVersion;
            }
            if (!tx.commit())
                return dbError(conn->db, QStringLiteral("committing the schema of %1").arg(m_path),
                               describe());
            m_shared->schemaReady = true;
        }
        m_shared->connections.erase(
            std::remove_if(m_shared->connections.begin(), m_shared->connections.end(),
                           [](const std::weak_ptr<Connection> &w) { return w.expired(); }),
            m_shared->connections.end());
        m_shared->connections.push_back(conn);
    }
    for (int i = 0; i < StmtCount; ++i) {
        if (!conn->stmt(Stmt(i)))
            return dbError(conn->db, QStringLiteral("preparing statement %1").arg(i), describe());
    }
    t_connections[m_shared->id] = conn;
    return conn.get();
}

VoidResult SqliteBarStore::open()
{
    const QFileInfo info(m_path);
    if (!info.isAbsolute())
        return Error(Error::Kind::BadInput,
                     QStringLiteral("SQLite path '%1' is not absolute").arg(m_path), describe());
    if (!QDir().mkpath(info.absolutePath()))
        return Error(Error::Kind::Storage,
                     QStringLiteral("cannot create directory %1 for the SQLite database")
                         .arg(info.absolutePath()),
                     describe());
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2((*conn)->db, "SELECT count(*) FROM series", -1, &st, nullptr)
            != SQLITE_OK
        || sqlite3_step(st) != SQLITE_ROW) {
        Error e = dbError((*conn)->db, QStringLiteral("%1 is not a usable Barkeep database")
                                           .arg(m_path), describe());
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    return {};
}

void SqliteBarStore::close()
{
    std::vector<std::shared_ptr<Connection>> alive;
    {
        std::lock_guard lock(m_shared->mutex);
        for (auto &w : m_shared->connections) {
            if (auto c = w.lock())
                alive.push_back(std::move(c));
        }
        m_shared->connections.clear();
        m_shared->generation.fetch_add(1);
        m_shared->schemaReady = false;
    }
    for (auto &c : alive)
        c->closeDb();
    t_connections.erase(m_shared->id);
}

Result<qint64> SqliteBarStore::seriesId(Connection &conn, const SeriesKey &series, bool create)
{
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_ids.constFind(series);
        if (it != m_ids.constEnd())
            return *it;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        sqlite3_stmt *st = conn.stmt(SelSeries);
        StmtGuard g{st};
        bindSeriesKey(st, series);
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const qint64 id = sqlite3_column_int64(st, 0);
            QMutexLocker lock(&m_mutex);
            m_ids.insert(series, id);
            return id;
        }
        if (rc != SQLITE_DONE)
            return dbError(conn.db, QStringLiteral("looking up series %1").arg(series.toString()),
                           describe());
        if (!create || attempt > 0)
            return qint64(0);
        // Its own autocommit statement, outside the bar transaction, so a cached id always
        // names a committed row.
        sqlite3_stmt *ins = conn.stmt(InsSeries);
        StmtGuard gi{ins};
        bindSeriesKey(ins, series);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return dbError(conn.db, QStringLiteral("adding series %1").arg(series.toString()),
                           describe());
    }
    return qint64(0);
}

Result<CoverageIntervals> SqliteBarStore::loadCoverage(Connection &conn, qint64 id, qint64 from,
                                                       qint64 to)
{
    CoverageIntervals out;
    sqlite3_stmt *st = conn.stmt(SelCoverage);
    StmtGuard g{st};
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out.push_back({{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)},
                       sqlite3_column_int(st, 2) == 1 ? CoverageState::Bars
                                                      : CoverageState::Empty});
    }
    if (rc != SQLITE_DONE)
        return dbError(conn.db, QStringLiteral("reading coverage"), describe());
    return out;
}

Result<WriteReport> SqliteBarStore::writeBars(const SeriesKey &series, const Bars &bars,
                                              TimeRange covered)
{
    const auto tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    if (covered.isEmpty()) {
        if (bars.empty())
            return WriteReport{};
        return Error(Error::Kind::BadInput,
                     QStringLiteral("%1 bars written with an empty covered range")
                         .arg(bars.size()));
    }
    if (std::abs(dayOf(covered.from)) >= kDayBias || std::abs(dayOf(covered.to - 1)) >= kDayBias)
        return Error(Error::Kind::BadInput, QStringLiteral("covered range out of bounds"));

    Result<BarValidator::Write> prepared = BarValidator::prepareWrite(bars, covered, *tf);
    if (!prepared)
        return prepared.error();
    const Bars &good = prepared->good;
    const std::vector<BarValidator::Rejected> &rejected = prepared->rejected;

    auto connResult = connection();
    if (!connResult)
        return connResult.error();
    Connection &conn = **connResult;
    const auto idResult = seriesId(conn, series, true);
    if (!idResult)
        return idResult.error();
    const qint64 id = *idResult;

    Transaction tx(conn.db);
    if (!tx.begin(true))
        return dbError(conn.db, QStringLiteral("starting a write"), describe());

    // Existing blocks of the covered days, decoded. Empty on a first ingest, the common case.
    std::map<qint64, Bars> existing;
    {
        sqlite3_stmt *st = conn.stmt(SelBlocks);
        StmtGuard g{st};
        sqlite3_bind_int64(st, 1, blockKey(id, dayOf(covered.from)));
        sqlite3_bind_int64(st, 2, blockKey(id, dayOf(covered.to - 1)));
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const qint64 day = dayOfKey(sqlite3_column_int64(st, 0));
            if (!decodeBlock(st, day, kAnyTime, existing[day]))
                return Error(Error::Kind::Storage,
                             QStringLiteral("corrupt bar block of %1, day %2")
                                 .arg(series.toString())
                                 .arg(day),
                             describe());
        }
        if (rc != SQLITE_DONE)
            return dbError(conn.db, QStringLiteral("reading bar blocks"), describe());
    }

    // What the coverage must say comes from the bars stored after this write: new bars plus
    // the ones already there (a re-fetch that misses a stored bar does not delete it, so the
    // ledger keeps calling that minute `bars`).
    Bars finalInRange;
    thread_local std::string buffer;
    sqlite3_stmt *put = conn.stmt(PutBlock);
    auto putBlock = [&](qint64 day, const Bar *b, size_t n) -> bool {
        buffer.clear();
        BarBlockCodec::encode(b, n, day * kDayMs, buffer);
        StmtGuard g{put};
        sqlite3_bind_int64(put, 1, blockKey(id, day));
        sqlite3_bind_int64(put, 2, qint64(n));
        sqlite3_bind_blob(put, 3, buffer.data(), int(buffer.size()), SQLITE_STATIC);
        return sqlite3_step(put) == SQLITE_DONE;
    };
    auto existingIt = existing.begin();
    size_t i = 0;
    while (i < good.size() || existingIt != existing.end()) {
        const qint64 newDay = i < good.size() ? dayOf(good[i].t)
                                              : std::numeric_limits<qint64>::max();
        if (existingIt != existing.end() && existingIt->first < newDay) {
            // A covered day with stored bars and nothing new: unchanged, but it counts.
            for (const Bar &b : existingIt->second) {
                if (covered.contains(b.t))
                    finalInRange.push_back(b);
            }
            ++existingIt;
            continue;
        }
        size_t j = i;
        const qint64 dayEnd = (newDay + 1) * kDayMs;
        while (j < good.size() && good[j].t < dayEnd)
            ++j;
        bool ok;
        if (existingIt != existing.end() && existingIt->first == newDay) {
            Bars merged;
            merged.reserve(existingIt->second.size() + (j - i));
            const Bars &old = existingIt->second;
            size_t a = 0, b = i;
            while (a < old.size() || b < j) {
                if (b >= j || (a < old.size() && old[a].t < good[b].t))
                    merged.push_back(old[a++]);
                else {
                    if (a < old.size() && old[a].t == good[b].t)
                        ++a; // the new bar replaces the stored one
                    merged.push_back(good[b++]);
                }
            }
            ok = putBlock(newDay, merged.data(), merged.size());
            for (const Bar &bar : merged) {
                if (covered.contains(bar.t))
                    finalInRange.push_back(bar);
            }
            ++existingIt;
        } else {
            ok = putBlock(newDay, good.data() + i, j - i);
            if (!existing.empty())
                finalInRange.insert(finalInRange.end(), good.begin() + i, good.begin() + j);
        }
        if (!ok)
            return dbError(conn.db, QStringLiteral("writing bars of %1").arg(series.toString()),
                           describe());
        i = j;
    }

    // The ledger: rewrite the intervals touching `covered` with the merged result.
    auto loaded = loadCoverage(conn, id, covered.from, covered.to);
    if (!loaded)
        return loaded.error();
    CoverageLedger ledger(*loaded);
    ledger.record(covered, existing.empty() ? good : finalInRange, *tf);
    if (!loaded->empty()) {
        sqlite3_stmt *del = conn.stmt(DelCoverage);
        StmtGuard g{del};
        sqlite3_bind_int64(del, 1, id);
        sqlite3_bind_int64(del, 2, loaded->front().range.from);
        sqlite3_bind_int64(del, 3, covered.to);
        if (sqlite3_step(del) != SQLITE_DONE)
            return dbError(conn.db, QStringLiteral("updating coverage"), describe());
    }
    sqlite3_stmt *ins = conn.stmt(InsCoverage);
    for (const CoverageInterval &iv : ledger.intervals()) {
        StmtGuard g{ins};
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_int64(ins, 2, iv.range.from);
        sqlite3_bind_int64(ins, 3, iv.range.to);
        sqlite3_bind_int(ins, 4, iv.state == CoverageState::Bars ? 1 : 2);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return dbError(conn.db, QStringLiteral("writing coverage"), describe());
    }

    if (!rejected.empty()) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        sqlite3_stmt *q = conn.stmt(InsQuarantine);
        for (const auto &r : rejected) {
            StmtGuard g{q};
            sqlite3_bind_int64(q, 1, id);
            sqlite3_bind_int64(q, 2, r.bar.t);
            sqlite3_bind_double(q, 3, r.bar.o);
            sqlite3_bind_double(q, 4, r.bar.h);
            sqlite3_bind_double(q, 5, r.bar.l);
            sqlite3_bind_double(q, 6, r.bar.c);
            sqlite3_bind_double(q, 7, r.bar.v);
            bindText(q, 8, r.reason);
            sqlite3_bind_int64(q, 9, now);
            if (sqlite3_step(q) != SQLITE_DONE)
                return dbError(conn.db, QStringLiteral("writing quarantine"), describe());
        }
        qCWarning(lcStore) << rejected.size() << "bars of" << series.toString()
                           << "quarantined, first:" << rejected.front().reason;
    }

    if (!tx.commit())
        return dbError(conn.db, QStringLiteral("committing bars of %1").arg(series.toString()),
                       describe());
    WriteReport report;
    report.written = qint64(good.size());
    report.quarantined = qint64(rejected.size());
    return report;
}

Result<Bars> SqliteBarStore::readBarsById(Connection &conn, qint64 id, TimeRange range,
                                          qint64 limit)
{
    Bars out;
    if (range.isEmpty())
        return out;
    sqlite3_stmt *st = conn.stmt(SelBlocks);
    StmtGuard g{st};
    sqlite3_bind_int64(st, 1, blockKey(id, clampDay(dayOf(range.from))));
    sqlite3_bind_int64(st, 2, blockKey(id, clampDay(dayOf(range.to - 1))));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const qint64 day = dayOfKey(sqlite3_column_int64(st, 0));
        if (out.capacity() == 0)
            out.reserve(size_t(std::min<qint64>(range.length() / kMinuteMs + 1, 1 << 22)));
        if (!decodeBlock(st, day, range, out, limit))
            return Error(Error::Kind::Storage,
                         QStringLiteral("corrupt bar block (series id %1, day %2)").arg(id).arg(day),
                         describe());
        if (limit > 0 && qint64(out.size()) >= limit)
            break;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return dbError(conn.db, QStringLiteral("reading bars"), describe());
    // A large read streamed its blocks through this connection's page cache (up to 16 MB, see
    // cache_size) and the caller now holds the bars: hand the pages back instead of keeping
    // them for the thread's next read (a 1M-bar chart kept 16 MiB more; bench_chart).
    if (out.size() >= kReleaseCacheAfterBars)
        sqlite3_db_release_memory(conn.db);
    return out;
}

Result<SqliteBarStore::SeriesHandle> SqliteBarStore::existingSeries(const SeriesKey &series)
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    const auto id = seriesId(**conn, series, false);
    if (!id)
        return id.error();
    return SeriesHandle{*conn, *id};
}

template <typename T, typename Read>
Result<T> SqliteBarStore::readExisting(const SeriesKey &series, Read &&read)
{
    const auto found = existingSeries(series);
    if (!found)
        return found.error();
    if (found->id == 0)
        return T{};
    return read(*found->conn, found->id);
}

Result<Bars> SqliteBarStore::readBars(const SeriesKey &series, TimeRange range, qint64 limit)
{
    return readExisting<Bars>(series, [&](Connection &conn, qint64 id) {
        return readBarsById(conn, id, range, limit);
    });
}

Result<RollupBars> SqliteBarStore::readRollup(const SeriesKey &series, TimeRange range,
                                              qint64 limit)
{
    const auto tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    const TimeRange source = Rollup::sourceRange(*tf, range);
    if (source.isEmpty())
        return RollupBars{};
    const SeriesKey base = series.withTimeframe(QStringLiteral("1m"));
    return readExisting<RollupBars>(base, [&](Connection &conn,
                                              qint64 id) -> Result<RollupBars> {
        // Bars and coverage from one snapshot, so a concurrent write cannot make a bucket look
        // complete without its bars.
        Transaction tx(conn.db);
        if (!tx.begin(false))
            return dbError(conn.db, QStringLiteral("starting a read"), describe());
        auto bars = readBarsById(conn, id, source, 0);
        if (!bars)
            return bars.error();
        auto cov = loadCoverage(conn, id, source.from, source.to - 1);
        if (!cov)
            return cov.error();
        tx.commit();
        return rollupFrom(base, *tf, range, *bars, std::move(*cov), limit);
    });
}

Result<CoverageIntervals> SqliteBarStore::coverage(const SeriesKey &series, TimeRange range)
{
    if (range.isEmpty())
        return CoverageIntervals{};
    return readExisting<CoverageIntervals>(series, [&](Connection &conn,
                                                       qint64 id) -> Result<CoverageIntervals> {
        auto loaded = loadCoverage(conn, id, range.from, range.to - 1);
        if (!loaded)
            return loaded.error();
        return CoverageLedger(*loaded).clipped(range);
    });
}

Result<QList<SeriesKey>> SqliteBarStore::listSeries()
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    const char *sql =
        "SELECT market, provider, symbol, timeframe FROM series s WHERE "
        "EXISTS(SELECT 1 FROM bar_blocks WHERE key BETWEEN (s.id << 21) AND (s.id << 21) + 2097151)"
        " OR EXISTS(SELECT 1 FROM coverage WHERE series_id = s.id) "
        "ORDER BY market, provider, symbol, timeframe";
    QList<SeriesKey> out;
    if (!execSql(db, sql, noParams, [&](sqlite3_stmt *st) {
            out.append({columnText(st, 0), columnText(st, 1), columnText(st, 2), columnText(st, 3)});
        }))
        return dbError(db, QStringLiteral("listing series"), describe());
    return out;
}

Result<TimeRange> SqliteBarStore::extent(const SeriesKey &series)
{
    return readExisting<TimeRange>(series, [&](Connection &conn, qint64 id) -> Result<TimeRange> {
        auto edge = [&](Stmt which, bool first) -> Result<std::optional<qint64>> {
            sqlite3_stmt *st = conn.stmt(which);
            StmtGuard g{st};
            sqlite3_bind_int64(st, 1, blockKey(id, -kDayBias));
            sqlite3_bind_int64(st, 2, blockKey(id, kDayBias - 1));
            const int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE)
                return std::optional<qint64>();
            if (rc != SQLITE_ROW)
                return dbError(conn.db, QStringLiteral("reading extent"), describe());
            const qint64 day = dayOfKey(sqlite3_column_int64(st, 0));
            Bars bars;
            if (!decodeBlock(st, day, kAnyTime, bars) || bars.empty())
                return Error(Error::Kind::Storage, QStringLiteral("corrupt bar block"), describe());
            return std::optional<qint64>(first ? bars.front().t : bars.back().t);
        };
        const auto first = edge(SelFirstBlock, true);
        if (!first)
            return first.error();
        if (!first->has_value())
            return TimeRange{};
        const auto last = edge(SelLastBlock, false);
        if (!last)
            return last.error();
        const auto tf = Timeframe::parse(series.timeframe);
        const qint64 lastT = last->value_or(first->value());
        // Half-open like every TimeRange: up to the end of the last bar.
        return TimeRange{first->value(), tf ? tf->bucketEnd(lastT) : lastT + kMinuteMs};
    });
}

Result<std::vector<QuarantinedBar>> SqliteBarStore::quarantine(const SeriesKey &series)
{
    using Quarantined = std::vector<QuarantinedBar>;
    return readExisting<Quarantined>(series, [&](Connection &conn,
                                                 qint64 id) -> Result<Quarantined> {
        Quarantined out;
        if (!execSql(
                conn.db,
                "SELECT t, o, h, l, c, v, reason, at_ms FROM quarantine "
                "WHERE series_id = ?1 ORDER BY t, id",
                [&](sqlite3_stmt *st) { sqlite3_bind_int64(st, 1, id); },
                [&](sqlite3_stmt *st) {
                    QuarantinedBar q;
                    q.series = series;
                    q.bar = {sqlite3_column_int64(st, 0), columnDouble(st, 1), columnDouble(st, 2),
                             columnDouble(st, 3),         columnDouble(st, 4), columnDouble(st, 5)};
                    q.reason = columnText(st, 6);
                    q.quarantinedAtMs = sqlite3_column_int64(st, 7);
                    out.push_back(std::move(q));
                }))
            return dbError(conn.db, QStringLiteral("reading quarantine"), describe());
        return out;
    });
}

VoidResult SqliteBarStore::recordFinding(const SeriesKey &series, const Bar &bar, const QString &reason)
{
    auto connResult = connection();
    if (!connResult)
        return connResult.error();
    Connection &conn = **connResult;
    const auto id = seriesId(conn, series, true);
    if (!id)
        return id.error();
    sqlite3_stmt *q = conn.stmt(InsQuarantine);
    StmtGuard g{q};
    sqlite3_bind_int64(q, 1, *id);
    sqlite3_bind_int64(q, 2, bar.t);
    sqlite3_bind_double(q, 3, bar.o);
    sqlite3_bind_double(q, 4, bar.h);
    sqlite3_bind_double(q, 5, bar.l);
    sqlite3_bind_double(q, 6, bar.c);
    sqlite3_bind_double(q, 7, bar.v);
    bindText(q, 8, reason);
    sqlite3_bind_int64(q, 9, QDateTime::currentMSecsSinceEpoch());
    if (sqlite3_step(q) != SQLITE_DONE)
        return dbError(conn.db, QStringLiteral("recording a data-health finding"), describe());
    return {};
}

namespace {
void bindJob(sqlite3_stmt *st, const StoredJob &job)
{
    bindSeriesKey(st, job.series);
    sqlite3_bind_int64(st, 5, job.range.from);
    sqlite3_bind_int64(st, 6, job.range.to);
    bindText(st, 7, jobStateName(job.state));
    sqlite3_bind_int(st, 8, job.priority);
    bindText(st, 9, job.error);
    sqlite3_bind_int64(st, 10, job.barsWritten);
    sqlite3_bind_int64(st, 11, job.createdMs);
    sqlite3_bind_int64(st, 12, job.updatedMs);
    if (job.extra.isNull())
        sqlite3_bind_null(st, 13);
    else
        sqlite3_bind_blob(st, 13, job.extra.constData(), int(job.extra.size()), SQLITE_TRANSIENT);
}
} // namespace

Result<qint64> SqliteBarStore::insertJob(const StoredJob &job)
{
    return writeJob(job, false);
}

VoidResult SqliteBarStore::updateJob(const StoredJob &job)
{
    const auto written = writeJob(job, true);
    if (!written)
        return written.error();
    return {};
}

Result<qint64> SqliteBarStore::writeJob(const StoredJob &job, bool update)
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    const char *sql = update
        ? "UPDATE jobs SET market = ?1, provider = ?2, symbol = ?3, timeframe = ?4, from_ms = ?5,"
          " to_ms = ?6, state = ?7, priority = ?8, error = ?9, bars_written = ?10,"
          " created_ms = ?11, updated_ms = ?12, extra = ?13 WHERE id = ?14"
        : "INSERT INTO jobs(market, provider, symbol, timeframe, from_ms, to_ms, state, priority,"
          " error, bars_written, created_ms, updated_ms, extra)"
          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    const auto bind = [&](sqlite3_stmt *st) {
        bindJob(st, job);
        if (update)
            sqlite3_bind_int64(st, 14, job.id);
    };
    if (!execSql(db, sql, bind, noRows))
        return dbError(db,
                       update ? QStringLiteral("updating job %1").arg(job.id)
                              : QStringLiteral("inserting a job"),
                       describe());
    if (!update)
        return qint64(sqlite3_last_insert_rowid(db));
    if (sqlite3_changes(db) == 0)
        return Error(Error::Kind::NotFound, QStringLiteral("no job %1").arg(job.id));
    return job.id;
}

Result<std::vector<StoredJob>> SqliteBarStore::jobs()
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    std::vector<StoredJob> out;
    if (!execSql(db,
                 "SELECT id, market, provider, symbol, timeframe, from_ms, to_ms, state,"
                 " priority, error, bars_written, created_ms, updated_ms, extra"
                 " FROM jobs ORDER BY id",
                 noParams, [&](sqlite3_stmt *st) {
                     StoredJob j;
                     j.id = sqlite3_column_int64(st, 0);
                     j.series = {columnText(st, 1), columnText(st, 2), columnText(st, 3),
                                 columnText(st, 4)};
                     j.range = {sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6)};
                     j.state = jobStateFromName(columnText(st, 7)).value_or(JobState::Queued);
                     j.priority = sqlite3_column_int(st, 8);
                     j.error = columnText(st, 9);
                     j.barsWritten = sqlite3_column_int64(st, 10);
                     j.createdMs = sqlite3_column_int64(st, 11);
                     j.updatedMs = sqlite3_column_int64(st, 12);
                     if (sqlite3_column_type(st, 13) != SQLITE_NULL)
                         j.extra = QByteArray(static_cast<const char *>(sqlite3_column_blob(st, 13)),
                                              sqlite3_column_bytes(st, 13));
                     out.push_back(std::move(j));
                 }))
        return dbError(db, QStringLiteral("reading jobs"), describe());
    return out;
}

// --- fetch claims ---------------------------------------------------------------------

namespace {
// execSql() with the series' market, provider and symbol bound to ?1..?3 (claims have no
// timeframe) before `bind` sets the rest.
template <typename Bind, typename Row>
bool execClaimSql(sqlite3 *db, const char *sql, const SeriesKey &series, Bind &&bind, Row &&row)
{
    return execSql(
        db, sql,
        [&](sqlite3_stmt *st) {
            bindText(st, 1, series.market);
            bindText(st, 2, series.provider);
            bindText(st, 3, series.symbol);
            bind(st);
        },
        row);
}
// ?4..?6 of the claim statements that pick an owner's claims by range.
void bindOwnerRange(sqlite3_stmt *st, const QString &owner, TimeRange range)
{
    bindText(st, 4, owner);
    sqlite3_bind_int64(st, 5, range.from);
    sqlite3_bind_int64(st, 6, range.to);
}
} // namespace

Result<TimeRanges> SqliteBarStore::claim(const SeriesKey &series, TimeRange range,
                                         const QString &owner, qint64 ttlMs, qint64 nowMs)
{
    if (range.isEmpty())
        return TimeRanges();
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    const QString what = QStringLiteral("claiming %1").arg(series.toString());
    // The write lock (BEGIN IMMEDIATE) serializes claimers of every process on this file.
    Transaction tx(db);
    if (!tx.begin(true))
        return dbError(db, what, describe());
    if (!execSql(db, "DELETE FROM claims WHERE expires_ms <= ?1",
                 [&](sqlite3_stmt *st) { sqlite3_bind_int64(st, 1, nowMs); }, noRows))
        return dbError(db, what, describe());
    std::vector<TimeRange> held;
    if (!execClaimSql(db,
                      "SELECT from_ms, to_ms FROM claims WHERE market = ?1 AND provider = ?2 "
                      "AND symbol = ?3 AND owner <> ?4 AND from_ms < ?6 AND to_ms > ?5",
                      series, [&](sqlite3_stmt *st) { bindOwnerRange(st, owner, range); },
                      [&](sqlite3_stmt *st) {
                          held.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)});
                      }))
        return dbError(db, what, describe());
    const TimeRanges granted = unheldParts(range, std::move(held));
    for (const TimeRange &g : granted) {
        if (!execClaimSql(db,
                          "INSERT INTO claims(market, provider, symbol, from_ms, to_ms, owner, "
                          "expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          series,
                          [&](sqlite3_stmt *st) {
                              sqlite3_bind_int64(st, 4, g.from);
                              sqlite3_bind_int64(st, 5, g.to);
                              bindText(st, 6, owner);
                              sqlite3_bind_int64(st, 7, nowMs + ttlMs);
                          },
                          noRows))
            return dbError(db, what, describe());
    }
    if (!tx.commit())
        return dbError(db, what, describe());
    return granted;
}

VoidResult SqliteBarStore::release(const SeriesKey &series, TimeRange range, const QString &owner)
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    if (!execClaimSql(db,
                      "DELETE FROM claims WHERE market = ?1 AND provider = ?2 AND symbol = ?3 "
                      "AND owner = ?4 AND from_ms >= ?5 AND to_ms <= ?6",
                      series, [&](sqlite3_stmt *st) { bindOwnerRange(st, owner, range); }, noRows))
        return dbError(db, QStringLiteral("releasing claims on %1").arg(series.toString()),
                       describe());
    return {};
}

Result<qint64> SqliteBarStore::renewClaims(const QString &owner, qint64 ttlMs, qint64 nowMs)
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    if (!execSql(db, "UPDATE claims SET expires_ms = ?2 WHERE owner = ?1",
                 [&](sqlite3_stmt *st) {
                     bindText(st, 1, owner);
                     sqlite3_bind_int64(st, 2, nowMs + ttlMs);
                 },
                 noRows))
        return dbError(db, QStringLiteral("renewing claims"), describe());
    return qint64(sqlite3_changes(db));
}

Result<QStringList> SqliteBarStore::claimOwners()
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    QStringList out;
    if (!execSql(db, "SELECT DISTINCT owner FROM claims ORDER BY owner", noParams,
                 [&](sqlite3_stmt *st) { out << columnText(st, 0); }))
        return dbError(db, QStringLiteral("listing claim owners"), describe());
    return out;
}

VoidResult SqliteBarStore::releaseAll(const QString &owner)
{
    auto conn = connection();
    if (!conn)
        return conn.error();
    sqlite3 *db = (*conn)->db;
    if (!execSql(db, "DELETE FROM claims WHERE owner = ?1",
                 [&](sqlite3_stmt *st) { bindText(st, 1, owner); }, noRows))
        return dbError(db, QStringLiteral("releasing the claims of %1").arg(owner), describe());
    return {};
}

} // namespace barkeep
