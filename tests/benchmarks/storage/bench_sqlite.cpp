// SPDX-License-Identifier: GPL-3.0-or-later
// SQLite store benchmark (issue 4 goals), every figure next to a baseline measured in the
// same run on the same data:
//   ingest with coverage  vs Qt QSqlQuery::execBatch and raw per-row prepared inserts into a
//                         plain row-per-bar table (one transaction each, WAL, synchronous=NORMAL)
//   read one year of 1m   vs a Qt per-row QSqlQuery read of the plain table
//   bytes per bar on disk vs the plain table
// Output: "name | barkeep | baseline | ratio | goal | pass/miss". `--smoke` runs one week
// only (registered with ctest to keep the driver compiling and running).
#include "storage/sqlitebarstore.h"
#include "support/syntheticbars.h"

#include <sqlite3.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QVariantList>

#include <cmath>
#include <cstdio>

using namespace barkeep;

namespace {

constexpr qint64 kT0 = 1'704'067'200'000; // 2024-01-01 00:00 UTC
const SeriesKey kSeries{QStringLiteral("crypto"), QStringLiteral("binance"),
                        QStringLiteral("BTC/USDT"), QStringLiteral("1m")};

qint64 fileBytes(const QString &path)
{
    qint64 n = 0;
    for (const char *suffix : {"", "-wal", "-shm"})
        n += QFileInfo(path + QLatin1String(suffix)).size();
    return n;
}

int g_misses = 0;

void line(const char *name, double ours, double base, bool higherIsBetter, double goal,
          const char *unit)
{
    const double ratio = base > 0 ? ours / base : 0;
    const bool pass = higherIsBetter ? ours >= goal : ours <= goal;
    g_misses += pass ? 0 : 1;
    std::printf("%-44s | %12.1f | %12.1f | %6.2fx | %s %.0f %s | %s\n", name, ours, base, ratio,
                higherIsBetter ? ">=" : "<=", goal, unit, pass ? "pass" : "miss");
}

const char *kPlainSchema =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE bars(series_id INTEGER NOT NULL, t INTEGER NOT NULL, o REAL, h REAL, l REAL,"
    " c REAL, v REAL);"
    "CREATE UNIQUE INDEX bars_key ON bars(series_id, t);";

double ingestOurs(const QString &path, const Bars &bars, size_t batch)
{
    SqliteBarStore store(path);
    if (!store.open())
        qFatal("cannot open %s", qPrintable(path));
    QElapsedTimer timer;
    timer.start();
    for (size_t i = 0; i < bars.size(); i += batch) {
        const size_t n = std::min(batch, bars.size() - i);
        const Bars chunk(bars.begin() + i, bars.begin() + i + n);
        const TimeRange covered{chunk.front().t, chunk.back().t + kMinuteMs};
        const auto w = store.writeBars(kSeries, chunk, covered);
        if (!w)
            qFatal("write failed: %s", qPrintable(w.error().toString()));
    }
    const double secs = timer.nsecsElapsed() / 1e9;
    store.close();
    return double(bars.size()) / secs;
}

// The Qt baseline's connection `name` on `path`; the caller removes it once `db` is gone.
QSqlDatabase openQtConnection(const QString &path, const QString &name)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    if (!db.open())
        qFatal("qt open failed");
    return db;
}

double ingestQtBatch(const QString &path, const Bars &bars)
{
    double rate = 0;
    {
        QSqlDatabase db = openQtConnection(path, QStringLiteral("bench"));
        sqlite3 *raw = *static_cast<sqlite3 **>(db.driver()->handle().data());
        sqlite3_exec(raw, kPlainSchema, nullptr, nullptr, nullptr);
        QElapsedTimer timer;
        timer.start();
        QVariantList sid, t, o, h, l, c, v;
        for (const Bar &b : bars) {
            sid << 1;
            t << b.t;
            o << b.o;
            h << b.h;
            l << b.l;
            c << b.c;
            v << b.v;
        }
        db.transaction();
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT OR REPLACE INTO bars VALUES(?, ?, ?, ?, ?, ?, ?)"));
        for (QVariantList *col : {&sid, &t, &o, &h, &l, &c, &v})
            q.addBindValue(*col);
        if (!q.execBatch())
            qFatal("execBatch: %s", qPrintable(q.lastError().text()));
        db.commit();
        rate = double(bars.size()) / (timer.nsecsElapsed() / 1e9);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bench"));
    return rate;
}

double ingestRawRows(const QString &path, const Bars &bars)
{
    sqlite3 *db = nullptr;
    sqlite3_open(QFile::encodeName(path).constData(), &db);
    sqlite3_exec(db, kPlainSchema, nullptr, nullptr, nullptr);
    QElapsedTimer timer;
    timer.start();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO bars VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &st,
                       nullptr);
    for (const Bar &b : bars) {
        sqlite3_bind_int64(st, 1, 1);
        sqlite3_bind_int64(st, 2, b.t);
        sqlite3_bind_double(st, 3, b.o);
        sqlite3_bind_double(st, 4, b.h);
        sqlite3_bind_double(st, 5, b.l);
        sqlite3_bind_double(st, 6, b.c);
        sqlite3_bind_double(st, 7, b.v);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    const double rate = double(bars.size()) / (timer.nsecsElapsed() / 1e9);
    sqlite3_close(db); // checkpoints the WAL into the file
    return rate;
}

double readOursMs(const QString &path, const Bars &bars)
{
    SqliteBarStore store(path);
    if (!store.open())
        qFatal("cannot open");
    double best = 1e9;
    for (int run = 0; run < 5; ++run) {
        QElapsedTimer timer;
        timer.start();
        const auto r = store.readBars(kSeries, {bars.front().t, bars.back().t + kMinuteMs});
        const double ms = timer.nsecsElapsed() / 1e6;
        if (!r || r->size() != bars.size() || !(*r == bars))
            qFatal("read mismatch");
        best = std::min(best, ms);
    }
    store.close();
    return best;
}

double readQtMs(const QString &path, const Bars &bars)
{
    double best = 1e9;
    {
        QSqlDatabase db = openQtConnection(path, QStringLiteral("benchread"));
        for (int run = 0; run < 3; ++run) {
            QElapsedTimer timer;
            timer.start();
            QSqlQuery q(db);
            q.setForwardOnly(true);
            q.prepare(QStringLiteral("SELECT t, o, h, l, c, v FROM bars WHERE series_id = ? AND "
                                     "t >= ? AND t < ? ORDER BY t"));
            q.addBindValue(1);
            q.addBindValue(bars.front().t);
            q.addBindValue(bars.back().t + kMinuteMs);
            q.exec();
            Bars out;
            out.reserve(bars.size());
            while (q.next())
                out.push_back({q.value(0).toLongLong(), q.value(1).toDouble(),
                               q.value(2).toDouble(), q.value(3).toDouble(),
                               q.value(4).toDouble(), q.value(5).toDouble()});
            const double ms = timer.nsecsElapsed() / 1e6;
            if (out.size() != bars.size())
                qFatal("qt read mismatch");
            best = std::min(best, ms);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("benchread"));
    return best;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("barkeep.core.store.info=false"));
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const qint64 count = smoke ? 7 * 1440 : 365 * 1440;
    QTemporaryDir dir;
    const Bars bars = bench::btcLikeMinutes(kT0, count);
    std::printf("bench_sqlite: %lld 1m bars, sqlite %s%s\n", static_cast<long long>(count),
                sqlite3_libversion(), smoke ? " (smoke)" : "");
    std::printf("%-44s | %12s | %12s | %7s | %s | %s\n", "name", "barkeep", "baseline", "ratio",
                "goal", "pass/miss");

    const QString ours = dir.filePath(QStringLiteral("ours.db"));
    const QString ours1k = dir.filePath(QStringLiteral("ours1k.db"));
    const QString qtPath = dir.filePath(QStringLiteral("qt.db"));
    const QString rawPath = dir.filePath(QStringLiteral("raw.db"));

    const double oursRate = ingestOurs(ours, bars, 10'000);
    const double ours1kRate = ingestOurs(ours1k, bars, 1'000);
    const double qtRate = ingestQtBatch(qtPath, bars);
    const double rawRate = ingestRawRows(rawPath, bars);
    line("ingest bars/s, 10k batches vs Qt execBatch", oursRate, qtRate, true, 1e6, "bars/s");
    line("ingest bars/s, 10k batches vs raw rows", oursRate, rawRate, true, 1e6, "bars/s");
    line("ingest bars/s, 1k batches vs raw rows", ours1kRate, rawRate, true, 1e6, "bars/s");

    const double oursRead = readOursMs(ours, bars);
    const double qtRead = readQtMs(rawPath, bars);
    line("read 1y of 1m, ms vs Qt per-row", oursRead * (smoke ? 52.0 : 1.0),
         qtRead * (smoke ? 52.0 : 1.0), false, 100, "ms");

    const double oursBytes = double(fileBytes(ours)) / double(count);
    const double rawBytes = double(fileBytes(rawPath)) / double(count);
    line("bytes per 1m bar on disk vs plain table", oursBytes, rawBytes, false, 40, "B");
    if (smoke)
        std::printf("(smoke: read scaled x52 from one week; figures not meaningful)\n");
    return smoke ? 0 : (g_misses > 0 ? 1 : 0);
}
