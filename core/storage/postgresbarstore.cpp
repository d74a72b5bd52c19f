// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresbarstore.h"

#include "log/logging.h"
#include "model/timeframe.h"
#include "storage/barblockcodec.h"
#include "storage/barvalidator.h"
#include "storage/coverageledger.h"
#include "storage/pg/pgconnections.h"
#include "storage/pg/pgcopy.h"
#include "storage/pg/pgschema.h"
#include "storage/pg/pgseries.h"
#include "storage/pg/pgsession.h"
#include "storage/rollup.h"
#include "util/redact.h"

#include <QDateTime>
#include <QHash>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>

namespace barkeep {

using namespace pg;

static_assert(PostgresBarStore::kSchemaVersion == pg::kSchemaVersion);

namespace {

// The client's series-id cache key: one id per (market, provider, symbol, timeframe).
QString seriesIdKey(const SeriesKey &s)
{
    return seriesText(s) + QChar(0x1f) + s.timeframe;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

qint64 dayOf(qint64 t)
{
    const qint64 d = t / kDayMs * kDayMs;
    return d > t ? d - kDayMs : d; // floor for times before 1970
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

// The series id, or 0 when the series was never written.
Result<qint32> lookupSeries(PGconn *c, const SeriesKey &s)
{
    const PgResult r = exec(c, "SELECT id FROM series WHERE market = $1 AND provider = $2 AND symbol = $3 "
                               "AND timeframe = $4",
                            barSeriesParams(s));
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

struct PostgresBarStore::Shared
{
    mutable std::mutex mutex;
    QHash<QString, qint32> seriesIds;
    QString rollupPath; // what open() found (see rollupPath())
    std::function<bool(int)> copyHook; // see setCopyHookForTesting()
};

// --- PostgresBarStore -----------------------------------------------------------------

PostgresBarStore::PostgresBarStore(const QString &url)
    : m_url(url), m_connections(Connections::create(url, redactedUrl(url))),
      m_shared(std::make_shared<Shared>())
{}

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
    return redactedUrl(m_url);
}

int PostgresBarStore::connectionCount() const
{
    return m_connections->count();
}

qint64 PostgresBarStore::reconnectCount() const
{
    return m_connections->reconnects();
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

VoidResult PostgresBarStore::open()
{
    Result<QString> rollupPath
        = m_connections->run<QString>("open", [this](Connection *c) { return openSchema(c->pg, describe()); });
    if (!rollupPath)
        return rollupPath.error();
    std::lock_guard lock(m_shared->mutex);
    m_shared->rollupPath = *rollupPath;
    return {};
}

void PostgresBarStore::close()
{
    m_connections->closeAll();
    std::lock_guard lock(m_shared->mutex);
    m_shared->seriesIds.clear();
}

Result<WriteReport> PostgresBarStore::writeBars(const SeriesKey &series, const Bars &bars,
                                                TimeRange covered)
{
    const Result<Timeframe> tf = Timeframe::parse(series.timeframe);
    if (!tf)
        return tf.error();
    Result<BarValidator::Write> prepared = BarValidator::prepareWrite(bars, covered, *tf);
    if (!prepared)
        return prepared.error();
    const Bars &good = prepared->good;
    const std::vector<BarValidator::Rejected> &rejected = prepared->rejected;
    const qint64 quarantinedAt = nowMs();

    return m_connections->run<WriteReport>("writeBars", [&](Connection *c) -> Result<WriteReport> {
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
        names.text(series.market).text(series.provider).text(series.symbol).text(series.timeframe);
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
            ledger.record(covered, storedRows > 0 ? finalInRange : good, *tf);
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
            m_shared->seriesIds.insert(seriesIdKey(series), sid);
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
    return m_connections->run<Bars>("readBars", [&](Connection *c) -> Result<Bars> {
        qint32 sid = 0;
        {
            std::lock_guard lock(m_shared->mutex);
            sid = m_shared->seriesIds.value(seriesIdKey(series), 0);
        }
        if (sid == 0) {
            Result<qint32> found = lookupSeries(c->pg, series);
            if (!found)
                return found.error();
            sid = *found;
            if (sid != 0) {
                std::lock_guard lock(m_shared->mutex);
                m_shared->seriesIds.insert(seriesIdKey(series), sid);
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
    return m_connections->run<RollupBars>("readRollup", [&](Connection *c) -> Result<RollupBars> {
        PGconn *pg = c->pg;
        // Bars and ledger from one snapshot, so a concurrent write cannot make a bucket look
        // complete with bars that are not there yet.
        Transaction tx(pg);
        if (auto b = tx.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !b)
            return b.error();
        Result<qint32> sid = lookupSeries(pg, series.withTimeframe(QStringLiteral("1m")));
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
    return m_connections->run<CoverageIntervals>("coverage", [&](Connection *c) -> Result<CoverageIntervals> {
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
    return m_connections->run<QList<SeriesKey>>("listSeries", [&](Connection *c) -> Result<QList<SeriesKey>> {
        const PgResult r = exec(c->pg,
                                "SELECT market, provider, symbol, timeframe FROM series "
                                "ORDER BY market, provider, symbol, timeframe",
                                Params());
        if (!ok(r))
            return storageError(c->pg, r, "series list");
        QList<SeriesKey> out;
        for (int i = 0; i < PQntuples(r.get()); ++i)
            out.append(SeriesKey{textAt(r.get(), i, 0), textAt(r.get(), i, 1), textAt(r.get(), i, 2),
                                 textAt(r.get(), i, 3)});
        return out;
    });
}

Result<TimeRange> PostgresBarStore::extent(const SeriesKey &series)
{
    return m_connections->run<TimeRange>("extent", [&](Connection *c) -> Result<TimeRange> {
        const PgResult r = exec(c->pg,
                                "SELECT min(d.first_t), max(d.last_t) FROM bar_days d JOIN series s "
                                "ON s.id = d.series_id WHERE s.market = $1 AND s.provider = $2 "
                                "AND s.symbol = $3 AND s.timeframe = $4",
                                barSeriesParams(series));
        if (!ok(r))
            return storageError(c->pg, r, "extent");
        if (PQgetisnull(r.get(), 0, 0))
            return TimeRange();
        // Half-open like every TimeRange: from the first bar's open to the last bar's end.
        const Result<Timeframe> tf = Timeframe::parse(series.timeframe);
        const qint64 last = int8At(r.get(), 0, 1);
        return TimeRange{int8At(r.get(), 0, 0), tf ? tf->bucketEnd(last) : last + kMinuteMs};
    });
}

Result<std::vector<QuarantinedBar>> PostgresBarStore::quarantine(const SeriesKey &series)
{
    using Out = std::vector<QuarantinedBar>;
    return m_connections->run<Out>("quarantine", [&](Connection *c) -> Result<Out> {
        const PgResult r = exec(c->pg,
                                "SELECT q.t, q.o, q.h, q.l, q.c, q.v, q.reason, q.quarantined_at "
                                "FROM quarantine q JOIN series s ON s.id = q.series_id "
                                "WHERE s.market = $1 AND s.provider = $2 AND s.symbol = $3 "
                                "AND s.timeframe = $4 ORDER BY q.t, q.id",
                                barSeriesParams(series));
        if (!ok(r))
            return storageError(c->pg, r, "quarantine read");
        Out out;
        const PGresult *res = r.get();
        for (int i = 0; i < PQntuples(res); ++i) {
            QuarantinedBar q;
            q.series = series;
            q.bar = Bar{int8At(res, i, 0), float8At(res, i, 1), float8At(res, i, 2),
                        float8At(res, i, 3), float8At(res, i, 4), float8At(res, i, 5)};
            q.reason = textAt(res, i, 6);
            q.quarantinedAtMs = int8At(res, i, 7);
            out.push_back(std::move(q));
        }
        return out;
    });
}

VoidResult PostgresBarStore::recordFinding(const SeriesKey &series, const Bar &bar, const QString &reason)
{
    return m_connections->run<void>("recordFinding", [&](Connection *c) -> VoidResult {
        const PgResult r = exec(c->pg,
                                "WITH s AS (INSERT INTO series (market, provider, symbol, timeframe) "
                                "VALUES ($1, $2, $3, $4) ON CONFLICT (market, provider, symbol, timeframe) "
                                "DO UPDATE SET market = EXCLUDED.market RETURNING id) "
                                "INSERT INTO quarantine (series_id, t, o, h, l, c, v, reason, quarantined_at) "
                                "SELECT id, $5, $6, $7, $8, $9, $10, $11, $12 FROM s",
                                barSeriesParams(series).int8(bar.t).float8(bar.o).float8(bar.h)
                                    .float8(bar.l).float8(bar.c).float8(bar.v).text(reason).int8(nowMs()));
        if (!ok(r))
            return storageError(c->pg, r, "recording a data-health finding");
        return {};
    });
}

} // namespace barkeep
