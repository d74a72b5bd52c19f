// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/pgtestdb.h"
#include "storage/postgresbarstore.h"
#include "storage/rollup.h"
#include "support/testsupport.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <thread>

using namespace barkeep;

namespace {

const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};
constexpr qint64 kT0 = 1'704'067'200'000; // 2024-01-01 00:00 UTC

Bars makeBars(qint64 from, qint64 n, double seed = 100)
{
    Bars bars;
    bars.reserve(size_t(n));
    for (qint64 i = 0; i < n; ++i) {
        const double p = seed + double(i % 1000) * 0.01;
        bars.push_back(Bar{from + i * kMinuteMs, p, p + 1, p - 1, p + 0.5, double(i % 97)});
    }
    return bars;
}

} // namespace

class TestPostgresBarStore : public QObject
{
    Q_OBJECT

private slots:
    void describeHidesPasswords_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("described");
        QTest::addRow("uri") << QStringLiteral("postgresql://bk:s3cret@db.local:5433/bars")
                             << QStringLiteral("postgresql://bk@db.local:5433/bars");
        QTest::addRow("uri without password") << QStringLiteral("postgresql://bk@db.local/bars")
                                              << QStringLiteral("postgresql://bk@db.local/bars");
        QTest::addRow("query parameter")
            << QStringLiteral("postgresql://bk@db.local/bars?password=s3cret&sslmode=require")
            << QStringLiteral("postgresql://bk@db.local/bars?sslmode=require");
        QTest::addRow("conninfo") << QStringLiteral("host=db.local password=s3cret dbname=bars")
                                  << QStringLiteral("host=db.local password=*** dbname=bars");
    }

    void describeHidesPasswords()
    {
        QFETCH(QString, url);
        QFETCH(QString, described);
        PostgresBarStore store(url);
        QCOMPARE(store.describe(), described);
        QVERIFY(!store.describe().contains(QLatin1String("s3cret")));
    }

    void unreachableServerIsAClearError()
    {
        PostgresBarStore store(QStringLiteral("postgresql://bk:s3cret@127.0.0.1:1/bars"));
        const VoidResult r = store.open();
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::Unavailable);
        QVERIFY2(r.error().message().contains(QLatin1String("postgresql://bk@127.0.0.1:1/bars")),
                 qPrintable(r.error().message()));
        QVERIFY2(r.error().detail().contains(QLatin1String("127.0.0.1")), qPrintable(r.error().detail()));
        QVERIFY(!r.error().toString().contains(QLatin1String("s3cret")));
    }

    void schemaIsVersionedAndMigratedOnce()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY2(db.isValid(), qPrintable(db.lastError()));
        {
            PostgresBarStore store(db.url());
            QVERIFY(store.open());
            QVERIFY(store.open()); // idempotent
        }
        PostgresBarStore again(db.url());
        QVERIFY(again.rollupPath().isEmpty());
        QVERIFY(again.open());
        // The rollup path is reported; without TimescaleDB (Debian 12 does not package it)
        // the log says so, with it the log says it is seen but unused.
        const QString path = again.rollupPath();
        QVERIFY2(path.startsWith(QLatin1String("rollups computed on read from the 1m day blocks")),
                 qPrintable(path));
        const bool timescale = db.scalar(QStringLiteral(
                                   "SELECT count(*) FROM pg_available_extensions "
                                   "WHERE name = 'timescaledb'")) != QLatin1String("0");
        QVERIFY2(path.contains(timescale ? QLatin1String("but not used")
                                         : QLatin1String("TimescaleDB is not available")),
                 qPrintable(path));
        // One row per migration step, each applied once.
        QCOMPARE(db.scalar(QStringLiteral("SELECT count(*) FROM schema_version")),
                 QString::number(PostgresBarStore::kSchemaVersion));
        QCOMPARE(db.scalar(QStringLiteral("SELECT max(version) FROM schema_version")),
                 QString::number(PostgresBarStore::kSchemaVersion));
        // A database written by a newer Barkeep is refused, not misread.
        db.scalar(QStringLiteral("INSERT INTO schema_version VALUES (99)"));
        PostgresBarStore newer(db.url());
        const VoidResult r = newer.open();
        QVERIFY(!r);
        QVERIFY(r.error().message().contains(QLatin1String("newer")));
    }

    void yearRoundTripsThroughDayBlocks()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        const Bars year = makeBars(kT0, 525'600);
        const TimeRange all{kT0, kT0 + 525'600 * kMinuteMs};
        const auto w = store.writeBars(kBtc, year, all);
        QVERIFY2(w, qPrintable(w ? QString() : w.error().toString()));
        QCOMPARE(w->written, 525'600);
        QCOMPARE(db.scalar(QStringLiteral("SELECT count(*) FROM bar_days")), QStringLiteral("365"));
        QCOMPARE(db.scalar(QStringLiteral("SELECT sum(n) FROM bar_days")), QStringLiteral("525600"));

        const auto back = store.readBars(kBtc, all);
        QVERIFY(back);
        QCOMPARE(back->size(), year.size());
        QVERIFY(*back == year);

        // Sub-ranges that cut day blocks, and limits that stop early.
        const TimeRange cut{kT0 + kDayMs - 7 * kMinuteMs, kT0 + 3 * kDayMs + 5 * kMinuteMs};
        const auto part = store.readBars(kBtc, cut);
        QVERIFY(part);
        QCOMPARE(qint64(part->size()), (cut.to - cut.from) / kMinuteMs);
        QCOMPARE(part->front().t, cut.from);
        QCOMPARE(part->back().t, cut.to - kMinuteMs);
        const auto limited = store.readBars(kBtc, cut, 2000); // crosses a block
        QVERIFY(limited);
        QCOMPARE(limited->size(), size_t(2000));
        QVERIFY(std::equal(limited->begin(), limited->end(), part->begin()));
        const auto extent = store.extent(kBtc);
        QVERIFY(extent);
        QCOMPARE(extent->from, kT0);
        QCOMPARE(extent->to, all.to);
        const auto cov = store.coverage(kBtc, all);
        QVERIFY(cov);
        QCOMPARE(cov->size(), size_t(1));
        QCOMPARE(cov->front().range, all);

        // The year's ~6 MB went through the COPY stage table, so this write truncates it
        // first (kStageTruncateBytes): still one upsert per day, nothing left over.
        const Bars day = makeBars(kT0 + 100 * kDayMs, 1440, 900);
        const auto w2 = store.writeBars(kBtc, day, {day.front().t, day.back().t + kMinuteMs});
        QVERIFY2(w2, qPrintable(w2 ? QString() : w2.error().toString()));
        QCOMPARE(db.scalar(QStringLiteral("SELECT sum(n) FROM bar_days")), QStringLiteral("525600"));
        const auto dayBack = store.readBars(kBtc, {day.front().t, day.back().t + kMinuteMs});
        QVERIFY(dayBack && *dayBack == day);
    }

    void overlappingWriteMergesIntoStoredBlocks()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        const TimeRange twoDays{kT0, kT0 + 2 * kDayMs};
        QVERIFY(store.writeBars(kBtc, makeBars(kT0, 2 * 1440, 100), twoDays));
        // An hour across midnight with new values, given out of order and with a duplicate.
        const qint64 from = kT0 + kDayMs - 30 * kMinuteMs;
        Bars fresh = makeBars(from, 60, 500);
        std::reverse(fresh.begin(), fresh.end());
        fresh.push_back(Bar{from, 1, 2, 0.5, 1.5, 1}); // the later copy of t=from wins
        const auto w = store.writeBars(kBtc, fresh, {from, from + kHourMs});
        QVERIFY(w);
        const auto back = store.readBars(kBtc, twoDays);
        QVERIFY(back);
        QCOMPARE(back->size(), size_t(2 * 1440));
        QCOMPARE((*back)[1440 - 31], makeBars(kT0, 2 * 1440, 100)[1440 - 31]);
        QCOMPARE((*back)[1440 - 30], (Bar{from, 1, 2, 0.5, 1.5, 1}));
        QCOMPARE((*back)[1440 - 29].o, 500.01);
        QCOMPARE((*back)[1440 + 29].o, 500.59);
        QCOMPARE((*back)[1440 + 30].o, makeBars(kT0, 2 * 1440, 100)[1440 + 30].o);
        QCOMPARE(db.scalar(QStringLiteral("SELECT sum(n) FROM bar_days")), QStringLiteral("2880"));
    }

    // The COPY path: many day blocks in one COPY, values at the ends of the double range, and
    // rejected bars (NaN among them) copied into the quarantine in the same transaction.
    void copyCarriesManyDaysExtremeValuesAndQuarantine()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        // 40 days, a bar every 7 minutes (so blocks cut at odd places), plus extreme bars.
        const TimeRange span{kT0, kT0 + 40 * kDayMs};
        Bars bars;
        for (qint64 t = span.from; t < span.to; t += 7 * kMinuteMs) {
            const double p = 1000 + double((t / kMinuteMs) % 5000) * 0.37;
            bars.push_back(Bar{t, p, p + 3.25, p - 2.5, p + 1, 0.00001 * double(t % 977)});
        }
        const double kMax = std::numeric_limits<double>::max();
        const double kTiny = std::numeric_limits<double>::denorm_min();
        bars[10] = Bar{bars[10].t, kTiny, kMax, 0.0, 1e-300, kMax};
        bars[11] = Bar{bars[11].t, 123456789.123456789, 1e300, 1e-310, 0.1 + 0.2, 0.0};
        bars[12] = Bar{bars[12].t, -5, -1, -7.5, -2, 3}; // negative prices are not rejected
        Bars rejected;
        rejected.push_back(Bar{bars[20].t + kMinuteMs, std::nan(""), 2, 1, 1.5, 1});
        rejected.push_back(Bar{bars[30].t + kMinuteMs, 1, 2, 1, 1.5, -1}); // negative volume
        rejected.push_back(Bar{bars[40].t + kMinuteMs, 1, 2, 1, 1.5,
                               std::numeric_limits<double>::infinity()});
        Bars input = bars;
        input.insert(input.end(), rejected.begin(), rejected.end());
        const auto w = store.writeBars(kBtc, input, span);
        QVERIFY2(w, qPrintable(w ? QString() : w.error().toString()));
        QCOMPARE(w->written, qint64(bars.size()));
        QCOMPARE(w->quarantined, qint64(rejected.size()));
        QCOMPARE(db.scalar(QStringLiteral("SELECT count(*) FROM bar_days")), QStringLiteral("40"));
        QCOMPARE(db.scalar(QStringLiteral("SELECT sum(n) FROM bar_days")),
                 QString::number(bars.size()));
        const auto back = store.readBars(kBtc, span);
        QVERIFY(back);
        QVERIFY(*back == bars);
        QCOMPARE((*back)[10].h, kMax);
        QCOMPARE((*back)[10].o, kTiny);
        const auto q = store.quarantine(kBtc);
        QVERIFY(q);
        QCOMPARE(q->size(), rejected.size());
        QVERIFY(std::isnan((*q)[0].bar.o));
        QCOMPARE((*q)[0].bar.t, rejected[0].t);
        QCOMPARE((*q)[1].bar.v, -1.0);
        QVERIFY(std::isinf((*q)[2].bar.v));
        for (const QuarantinedBar &r : *q)
            QVERIFY(!r.reason.isEmpty());
        // The minutes between bars are `empty`: ~16k alternating intervals, all covered.
        const auto cov = store.coverage(kBtc, span);
        QVERIFY(cov);
        QVERIFY(cov->size() > 10'000);
        QCOMPARE(cov->front().range.from, span.from);
        QCOMPARE(cov->back().range.to, span.to);
        for (size_t k = 1; k < cov->size(); ++k)
            QCOMPARE((*cov)[k].range.from, (*cov)[k - 1].range.to);
        const auto gaps = store.gaps(kBtc, span);
        QVERIFY(gaps && gaps->empty());
        const size_t intervals = cov->size();

        // The same write again: an upsert, nothing doubles but the quarantine log.
        QVERIFY(store.writeBars(kBtc, input, span));
        QCOMPARE(db.scalar(QStringLiteral("SELECT sum(n) FROM bar_days")),
                 QString::number(bars.size()));
        const auto again = store.readBars(kBtc, span);
        QVERIFY(again && *again == bars);
        QCOMPARE(db.scalar(QStringLiteral("SELECT count(*) FROM quarantine")),
                 QString::number(2 * rejected.size()));
        const auto cov2 = store.coverage(kBtc, span);
        QVERIFY(cov2);
        QCOMPARE(cov2->size(), intervals);
    }

    // A COPY the server rejects half-way rolls the whole write back (blocks, ledger,
    // quarantine) and leaves the connection usable with an empty stage table.
    void rejectedCopyLeavesTheStoreUnchanged()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        const TimeRange day1{kT0, kT0 + kDayMs};
        const Bars before = makeBars(kT0, 1440, 100);
        QVERIFY(store.writeBars(kBtc, before, day1));

        int hookCalls = 0;
        store.setCopyHookForTesting([&](int) {
            ++hookCalls;
            return false; // send a malformed tuple
        });
        const TimeRange threeDays{kT0, kT0 + 3 * kDayMs};
        Bars fresh = makeBars(kT0, 3 * 1440, 500);
        fresh.push_back(Bar{kT0 + 3 * kDayMs - kMinuteMs + 30'000, 1, 2, 1, 1, 1}); // misaligned
        const auto w = store.writeBars(kBtc, fresh, threeDays);
        QVERIFY(!w);
        QCOMPARE(w.error().kind(), Error::Kind::Storage);
        QVERIFY2(w.error().detail().contains(QLatin1String("field count")),
                 qPrintable(w.error().toString()));
        QCOMPARE(hookCalls, 1); // not retried: the connection was never lost
        QCOMPARE(store.reconnectCount(), 0);

        const auto back = store.readBars(kBtc, threeDays);
        QVERIFY(back);
        QVERIFY(*back == before);
        const auto cov = store.coverage(kBtc, threeDays);
        QVERIFY(cov);
        QCOMPARE(cov->size(), size_t(1));
        QCOMPARE(cov->front().range, day1);
        const auto q = store.quarantine(kBtc);
        QVERIFY(q && q->empty());
        QCOMPARE(db.scalar(QStringLiteral("SELECT count(*) FROM quarantine")), QStringLiteral("0"));

        // The same connection writes again; a leftover stage row would make the upsert touch
        // a day twice and fail.
        store.setCopyHookForTesting({});
        const auto retry = store.writeBars(kBtc, fresh, threeDays);
        QVERIFY2(retry, qPrintable(retry ? QString() : retry.error().toString()));
        QCOMPARE(retry->quarantined, 1);
        QCOMPARE(store.connectionCount(), 1);
        QCOMPARE(store.reconnectCount(), 0);
        fresh.pop_back();
        const auto after = store.readBars(kBtc, threeDays);
        QVERIFY(after && *after == fresh);
        const auto gaps = store.gaps(kBtc, threeDays);
        QVERIFY(gaps && gaps->empty());
    }

    // The backend killed in the middle of the COPY: the transaction dies with it, the store
    // reconnects and runs the write again, which lands exactly once.
    void backendKilledMidCopyIsRetriedOnce()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        const TimeRange tenDays{kT0, kT0 + 10 * kDayMs};
        QVERIFY(store.writeBars(kBtc, makeBars(kT0, 10 * 1440, 100), tenDays));
        int hookCalls = 0;
        QString killed;
        store.setCopyHookForTesting([&](int pid) {
            if (++hookCalls == 1) // pg_terminate_backend waits up to 5 s for the exit
                killed = db.scalar(QStringLiteral("SELECT pg_terminate_backend(%1, 5000)").arg(pid));
            return true;
        });
        const Bars fresh = makeBars(kT0 + 5 * kDayMs, 10 * 1440, 700);
        const TimeRange freshRange{kT0 + 5 * kDayMs, kT0 + 15 * kDayMs};
        const auto w = store.writeBars(kBtc, fresh, freshRange);
        QVERIFY2(w, qPrintable(w ? QString() : w.error().toString()));
        QCOMPARE(killed, QStringLiteral("t"));
        QCOMPARE(hookCalls, 2);
        QCOMPARE(store.reconnectCount(), 1);
        store.setCopyHookForTesting({});
        Bars expected = makeBars(kT0, 5 * 1440, 100);
        expected.insert(expected.end(), fresh.begin(), fresh.end());
        const auto back = store.readBars(kBtc, {kT0, freshRange.to});
        QVERIFY(back);
        QCOMPARE(back->size(), expected.size());
        QVERIFY(*back == expected);
        QCOMPARE(db.scalar(QStringLiteral("SELECT sum(n) FROM bar_days")),
                 QString::number(expected.size()));
        const auto gaps = store.gaps(kBtc, {kT0, freshRange.to});
        QVERIFY(gaps && gaps->empty());
    }

    void eachThreadHasItsOwnConnection()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        QCOMPARE(store.connectionCount(), 1);
        QVERIFY(store.writeBars(kBtc, makeBars(kT0, 1440), {kT0, kT0 + kDayMs}));

        // Four threads write four instruments of overlapping days at once, then exit.
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                SeriesKey s = kBtc;
                s.symbol = QStringLiteral("S%1/USDT").arg(t);
                for (int i = 0; i < 10; ++i) {
                    const qint64 from = kT0 + i * 720 * kMinuteMs;
                    if (!store.writeBars(s, makeBars(from, 1440, t), {from, from + kDayMs}))
                        ++failures;
                    // Also the one shared series: writers of one series take turns.
                    if (!store.writeBars(kBtc, makeBars(from, 1440, 7), {from, from + kDayMs}))
                        ++failures;
                }
            });
        }
        for (auto &th : threads)
            th.join();
        QCOMPARE(failures.load(), 0);
        // Their connections closed when they exited; ours is still there.
        QCOMPARE(store.connectionCount(), 1);
        const auto series = store.listSeries();
        QVERIFY(series);
        QCOMPARE(series->size(), 5);
        const auto back = store.readBars(kBtc, {kT0, kT0 + 20 * kDayMs});
        QVERIFY(back);
        const qint64 expected = (9 * 720 + 1440);
        QCOMPARE(qint64(back->size()), expected);
        for (size_t i = 1; i < back->size(); ++i)
            QCOMPARE((*back)[i].t, (*back)[i - 1].t + kMinuteMs);
        const auto cov = store.coverage(kBtc, {kT0, kT0 + 20 * kDayMs});
        QVERIFY(cov);
        QCOMPARE(cov->size(), size_t(1));
        store.close();
        QCOMPARE(store.connectionCount(), 0);
        QVERIFY(store.readBars(kBtc, {kT0, kT0 + kDayMs})); // reconnects on use
    }

    void rollupMatchesTheSharedComputation()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY(db.isValid());
        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        // Three days with a never-fetched hole in the middle of day 2.
        const Bars bars = makeBars(kT0, 3 * 1440);
        const qint64 holeFrom = kT0 + kDayMs + 10 * kHourMs;
        Bars first(bars.begin(), bars.begin() + 1440 + 600);
        Bars second(bars.begin() + 1440 + 660, bars.end());
        QVERIFY(store.writeBars(kBtc, first, {kT0, holeFrom}));
        QVERIFY(store.writeBars(kBtc, second, {holeFrom + kHourMs, kT0 + 3 * kDayMs}));
        const auto hourly = store.readRollup(kBtc.withTimeframe(QStringLiteral("1h")),
                                             {kT0, kT0 + 3 * kDayMs});
        QVERIFY(hourly);
        QCOMPARE(hourly->size(), size_t(71)); // the hole's hour has no bars at all
        const auto daily = store.readRollup(kBtc.withTimeframe(QStringLiteral("1d")),
                                            {kT0, kT0 + 3 * kDayMs});
        QVERIFY(daily);
        QCOMPARE(daily->size(), size_t(3));
        QVERIFY((*daily)[0].complete);
        QVERIFY(!(*daily)[1].complete);
        QVERIFY((*daily)[2].complete);
        Bars stored = first;
        stored.insert(stored.end(), second.begin(), second.end());
        const RollupBars expected = Rollup::compute(stored, *Timeframe::parse(QStringLiteral("1d")),
                                                    {kT0, kT0 + 3 * kDayMs},
                                                    TimeRanges{{holeFrom, holeFrom + kHourMs}});
        QCOMPARE(*daily, expected);
        const auto gaps = store.gaps(kBtc, {kT0 - kDayMs, kT0 + 3 * kDayMs});
        QVERIFY(gaps);
        QCOMPARE(*gaps, (TimeRanges{{kT0 - kDayMs, kT0}, {holeFrom, holeFrom + kHourMs}}));
    }
};

QTEST_GUILESS_MAIN(TestPostgresBarStore)
#include "tst_postgresbarstore.moc"
