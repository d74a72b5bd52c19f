// SPDX-License-Identifier: GPL-3.0-or-later
// PostgreSQL store benchmark (issue 4 goals), every figure next to a baseline measured in the
// same run, on the same server and data:
//   ingest with coverage  PostgresBarStore::writeBars (binary COPY of packed day blocks into
//                         a temp table + INSERT ... ON CONFLICT DO UPDATE + ledger, one
//                         transaction) vs 1000-row multi-VALUES INSERTs into a plain
//                         row-per-bar table (one transaction); one-year, 10k-bar and 1k-bar
//                         writes
//   read one year of 1m   readBars (binary bytea blocks) vs a text-mode SELECT of the plain
//                         table parsed into bars; and binary vs text on the plain table
//   rollup a year         readRollup (decode day blocks + Rollup, completeness from the
//                         ledger) vs plain SQL GROUP BY on the row table (info rows)
// Output: "name | barkeep | baseline | ratio | goal | pass/miss". The server URL comes from
// BK_TEST_POSTGRES_URL; the driver creates and drops its own database. `--smoke`: one week.
#include "storage/postgresbarstore.h"
#include "support/syntheticbars.h"

#include <libpq-fe.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QUrl>
#include <QtEndian>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

using namespace barkeep;

namespace {

constexpr qint64 kT0 = 1'704'067'200'000; // 2024-01-01 00:00 UTC
const SeriesKey kSeries{QStringLiteral("crypto"), QStringLiteral("binance"),
                        QStringLiteral("BTC/USDT"), QStringLiteral("1m")};

int g_misses = 0;

void line(const char *name, double ours, double base, bool higherIsBetter, double goal,
          const char *unit)
{
    const double ratio = base > 0 ? ours / base : 0;
    const bool pass = goal <= 0 || (higherIsBetter ? ours >= goal : ours <= goal);
    g_misses += pass ? 0 : 1;
    if (goal > 0)
        std::printf("%-46s | %12.1f | %12.1f | %6.2fx | %s %.0f %s | %s\n", name, ours, base,
                    ratio, higherIsBetter ? ">=" : "<=", goal, unit, pass ? "pass" : "miss");
    else
        std::printf("%-46s | %12.1f | %12.1f | %6.2fx | (info, %s) | -\n", name, ours, base, ratio,
                    unit);
}

PGconn *connectOrDie(const QString &url)
{
    PGconn *c = PQconnectdb(url.toUtf8().constData());
    if (PQstatus(c) != CONNECTION_OK)
        qFatal("cannot connect to %s: %s", qPrintable(PostgresBarStore::redactedUrl(url)),
               PQerrorMessage(c));
    PQsetNoticeProcessor(c, [](void *, const char *) {}, nullptr); // "does not exist, skipping"
    return c;
}

void execOrDie(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        qFatal("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

double cpuMs()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Client CPU of the last ingestOurs() per write: load-independent, unlike the wall clock.
double g_clientCpuMsPerWrite = 0;

double ingestOurs(const QString &url, const Bars &bars, size_t batch, const SeriesKey &series)
{
    PostgresBarStore store(url);
    if (const auto o = store.open(); !o)
        qFatal("open: %s", qPrintable(o.error().toString()));
    QElapsedTimer timer;
    timer.start();
    const double cpu0 = cpuMs();
    for (size_t i = 0; i < bars.size(); i += batch) {
        const size_t n = std::min(batch, bars.size() - i);
        const Bars chunk(bars.begin() + qsizetype(i), bars.begin() + qsizetype(i + n));
        const auto w = store.writeBars(series, chunk, {chunk.front().t, chunk.back().t + kMinuteMs});
        if (!w)
            qFatal("write failed: %s", qPrintable(w.error().toString()));
    }
    const double rate = double(bars.size()) / (timer.nsecsElapsed() / 1e9);
    g_clientCpuMsPerWrite = (cpuMs() - cpu0) / double((bars.size() + batch - 1) / batch);
    // Outside the timing: what was written reads back whole, and the ledger has no hole.
    const TimeRange all{bars.front().t, bars.back().t + kMinuteMs};
    const auto back = store.readBars(series, all);
    const auto holes = store.gaps(series, all);
    if (!back || *back != bars || !holes || !holes->empty())
        qFatal("ingest of %s did not read back whole", qPrintable(series.toString()));
    return rate;
}

double ingestValues(PGconn *c, const Bars &bars)
{
    execOrDie(c, "CREATE TABLE plain_bars (series_id integer NOT NULL, t bigint NOT NULL, "
                 "o double precision, h double precision, l double precision, "
                 "c double precision, v double precision, PRIMARY KEY (series_id, t))");
    QElapsedTimer timer;
    timer.start();
    execOrDie(c, "BEGIN");
    QByteArray sql;
    char buf[256];
    for (size_t i = 0; i < bars.size(); i += 1000) {
        sql = "INSERT INTO plain_bars (series_id, t, o, h, l, c, v) VALUES ";
        const size_t end = std::min(bars.size(), i + 1000);
        for (size_t k = i; k < end; ++k) {
            const Bar &b = bars[k];
            std::snprintf(buf, sizeof buf, "%s(1,%lld,%.17g,%.17g,%.17g,%.17g,%.17g)",
                          k == i ? "" : ",", static_cast<long long>(b.t), b.o, b.h, b.l, b.c, b.v);
            sql += buf;
        }
        sql += " ON CONFLICT (series_id, t) DO UPDATE SET o = EXCLUDED.o, h = EXCLUDED.h, "
               "l = EXCLUDED.l, c = EXCLUDED.c, v = EXCLUDED.v";
        execOrDie(c, sql.constData());
    }
    execOrDie(c, "COMMIT");
    return double(bars.size()) / (timer.nsecsElapsed() / 1e9);
}

double readOursMs(const QString &url, const Bars &expected)
{
    PostgresBarStore store(url);
    if (!store.open())
        qFatal("open failed");
    const TimeRange all{expected.front().t, expected.back().t + kMinuteMs};
    (void)store.readBars(kSeries, {all.from, all.from + kDayMs}); // connect outside the timing
    double best = 1e18;
    for (int run = 0; run < 3; ++run) {
        QElapsedTimer timer;
        timer.start();
        const auto bars = store.readBars(kSeries, all);
        const double ms = timer.nsecsElapsed() / 1e6;
        if (!bars || bars->size() != expected.size() || bars->back() != expected.back())
            qFatal("read back wrong");
        best = std::min(best, ms);
    }
    return best;
}

// The plain table, row by row, in text or binary result format, into the same Bars.
double readPlainMs(PGconn *c, const Bars &expected, bool binary)
{
    const QByteArray from = QByteArray::number(expected.front().t);
    const QByteArray to = QByteArray::number(expected.back().t + kMinuteMs);
    const char *values[] = {from.constData(), to.constData()};
    double best = 1e18;
    for (int run = 0; run < 3; ++run) {
        QElapsedTimer timer;
        timer.start();
        PGresult *r = PQexecParams(c,
                                   "SELECT t, o, h, l, c, v FROM plain_bars WHERE series_id = 1 "
                                   "AND t >= $1::bigint AND t < $2::bigint ORDER BY t",
                                   2, nullptr, values, nullptr, nullptr, binary ? 1 : 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            qFatal("select: %s", PQresultErrorMessage(r));
        const int rows = PQntuples(r);
        Bars bars(size_t(rows), Bar{});
        for (int i = 0; i < rows; ++i) {
            Bar &b = bars[size_t(i)];
            if (binary) {
                b.t = qFromBigEndian<qint64>(PQgetvalue(r, i, 0));
                double *f[] = {&b.o, &b.h, &b.l, &b.c, &b.v};
                for (int k = 0; k < 5; ++k) {
                    const quint64 bits = qFromBigEndian<quint64>(PQgetvalue(r, i, k + 1));
                    std::memcpy(f[k], &bits, 8);
                }
            } else {
                b.t = std::strtoll(PQgetvalue(r, i, 0), nullptr, 10);
                b.o = std::strtod(PQgetvalue(r, i, 1), nullptr);
                b.h = std::strtod(PQgetvalue(r, i, 2), nullptr);
                b.l = std::strtod(PQgetvalue(r, i, 3), nullptr);
                b.c = std::strtod(PQgetvalue(r, i, 4), nullptr);
                b.v = std::strtod(PQgetvalue(r, i, 5), nullptr);
            }
        }
        PQclear(r);
        const double ms = timer.nsecsElapsed() / 1e6;
        if (bars.size() != expected.size() || bars.back() != expected.back())
            qFatal("plain read back wrong");
        best = std::min(best, ms);
    }
    return best;
}

// Rollup of a year to `tf` from the day blocks (Rollup, as on SQLite), best of three.
double rollupOursMs(const QString &url, const Bars &bars, const QString &tf)
{
    PostgresBarStore store(url);
    if (!store.open())
        qFatal("open failed");
    const TimeRange all{bars.front().t, bars.back().t + kMinuteMs};
    const SeriesKey series = kSeries.withTimeframe(tf);
    (void)store.readBars(kSeries, {all.from, all.from + kDayMs}); // connect outside the timing
    double best = 1e18;
    for (int run = 0; run < 3; ++run) {
        QElapsedTimer timer;
        timer.start();
        const auto r = store.readRollup(series, all);
        const double ms = timer.nsecsElapsed() / 1e6;
        if (!r || r->empty())
            qFatal("rollup failed");
        best = std::min(best, ms);
    }
    return best;
}

// The plain-SQL rollup: GROUP BY over the row-per-bar table (what a server without
// TimescaleDB would run if bars were rows; packed blocks cannot be grouped in SQL).
double rollupPlainMs(PGconn *c, const Bars &bars, qint64 bucketMs)
{
    const QByteArray sql = "SELECT t / " + QByteArray::number(bucketMs) + " AS b, "
                           "(array_agg(o ORDER BY t))[1], max(h), min(l), "
                           "(array_agg(c ORDER BY t DESC))[1], sum(v) FROM plain_bars "
                           "WHERE series_id = 1 AND t >= " + QByteArray::number(bars.front().t)
        + " GROUP BY b ORDER BY b";
    double best = 1e18;
    for (int run = 0; run < 3; ++run) {
        QElapsedTimer timer;
        timer.start();
        PGresult *r = PQexec(c, sql.constData());
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) == 0)
            qFatal("plain rollup: %s", PQresultErrorMessage(r));
        PQclear(r);
        best = std::min(best, timer.nsecsElapsed() / 1e6);
    }
    return best;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("barkeep.core.store.info=false"));
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const QString server = qEnvironmentVariable("BK_TEST_POSTGRES_URL");
    if (server.isEmpty()) {
        std::printf("bench_postgres: skipped, BK_TEST_POSTGRES_URL is not set "
                    "(run through tools/test.sh or start a server)\n");
        return 0;
    }
    const qint64 count = smoke ? 7 * 1440 : 365 * 1440;
    const Bars bars = bench::btcLikeMinutes(kT0, count);

    // Our own database, dropped at the end.
    const QByteArray dbName = "bk_bench_" + QByteArray::number(QCoreApplication::applicationPid());
    PGconn *admin = connectOrDie(server);
    execOrDie(admin, QByteArray("DROP DATABASE IF EXISTS " + dbName).constData());
    execOrDie(admin, QByteArray("CREATE DATABASE " + dbName).constData());
    QUrl u(server);
    u.setPath(QLatin1Char('/') + QString::fromLatin1(dbName));
    const QString url = u.toString();
    PGconn *plain = connectOrDie(url);
    PGresult *v = PQexec(plain, "SHOW server_version");
    std::printf("bench_postgres: %lld 1m bars, PostgreSQL %s%s\n", static_cast<long long>(count),
                PQgetvalue(v, 0, 0), smoke ? " (smoke)" : "");
    PQclear(v);
    std::printf("%-46s | %12s | %12s | %7s | %s | %s\n", "name", "barkeep", "baseline", "ratio",
                "goal", "pass/miss");

    SeriesKey year = kSeries;
    SeriesKey batched = kSeries;
    batched.symbol = QStringLiteral("ETH/USDT");
    const double oursYear = ingestOurs(url, bars, bars.size(), year);
    const double cpuYear = g_clientCpuMsPerWrite;
    const double ours10k = ingestOurs(url, bars, 10'000, batched);
    const double cpu10k = g_clientCpuMsPerWrite;
    // Small writes (a live feed's catch-up): the three round trips weigh most here.
    SeriesKey small = kSeries;
    small.symbol = QStringLiteral("SOL/USDT");
    const Bars month(bars.begin(), bars.begin() + qsizetype(std::min<qint64>(count, 30 * 1440)));
    const double ours1k = ingestOurs(url, month, 1'000, small);
    const double cpu1k = g_clientCpuMsPerWrite;
    std::printf("client CPU per write: whole year %.1f ms, 10k bars %.2f ms, 1k bars %.2f ms\n",
                cpuYear, cpu10k, cpu1k);
    if (app.arguments().contains(QStringLiteral("--ingest-only"))) { // for profiling
        std::printf("ingest only: year %.0f bars/s, 10k writes %.0f, 1k writes %.0f bars/s\n",
                    oursYear, ours10k, ours1k);
        PQfinish(plain);
        execOrDie(admin, QByteArray("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)").constData());
        PQfinish(admin);
        return 0;
    }
    const double values = ingestValues(plain, bars);
    line("ingest bars/s, COPY one write vs 1000-row INSERT", oursYear, values, true, 6e5, "bars/s");
    line("ingest bars/s, COPY 10k batches vs 1000-row INSERT", ours10k, values, true, 6e5, "bars/s");
    line("ingest bars/s, COPY 1k batches vs 1000-row INSERT", ours1k, values, false, 0, "bars/s");

    const double scale = smoke ? 52.0 : 1.0;
    const double oursRead = readOursMs(url, bars) * scale;
    const double textRead = readPlainMs(plain, bars, false) * scale;
    const double binRead = readPlainMs(plain, bars, true) * scale;
    line("read 1y of 1m, ms vs text-mode row SELECT", oursRead, textRead, false, 300, "ms");
    line("read 1y of 1m row table, binary vs text, ms", binRead, textRead, false, 0, "ms");
    const double rollupHour = rollupOursMs(url, bars, QStringLiteral("1h")) * scale;
    const double plainHour = rollupPlainMs(plain, bars, 3'600'000) * scale;
    const double rollupDay = rollupOursMs(url, bars, QStringLiteral("1d")) * scale;
    const double plainDay = rollupPlainMs(plain, bars, kDayMs) * scale;
    line("rollup 1y 1m->1h, ms vs SQL GROUP BY on rows", rollupHour, plainHour, false, 0, "ms");
    line("rollup 1y 1m->1d, ms vs SQL GROUP BY on rows", rollupDay, plainDay, false, 0, "ms");
    if (smoke)
        std::printf("(smoke: one week, reads scaled x52; figures not meaningful)\n");

    PQfinish(plain);
    execOrDie(admin, QByteArray("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)").constData());
    PQfinish(admin);
    return smoke ? 0 : (g_misses > 0 ? 1 : 0);
}
