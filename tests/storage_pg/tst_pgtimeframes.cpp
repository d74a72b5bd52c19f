// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 17 on PostgreSQL: a series per timeframe. A store of schema 2 (series keyed by
// market, provider and symbol; every series 1m) is migrated to schema 3 (the timeframe in
// the series key) keeping every stored bar and its ledger; afterwards native daily candles
// are their own series, with their own ledger and quarantine, next to the 1m one.
#include "support/pgtestdb.h"
#include "storage/postgresbarstore.h"
#include "support/testsupport.h"

#include <QTest>

using namespace barkeep;

namespace {
constexpr qint64 kJan2024 = 1704067200000LL;

Bars minutes(qint64 from, int n)
{
    Bars out;
    for (int i = 0; i < n; ++i)
        out.push_back({from + i * kMinuteMs, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1.0 + i});
    return out;
}
} // namespace

class TstPgTimeframes : public QObject
{
    Q_OBJECT

private slots:
    void migrationKeepsOneMinuteBars()
    {
        BK_REQUIRE_SERVER(test::postgresUrl(), "PostgreSQL");
        test::PgTestDatabase db(test::postgresUrl());
        QVERIFY2(db.isValid(), qPrintable(db.lastError()));
        const SeriesKey m1{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                           QStringLiteral("1m")};
        const Bars stored = minutes(kJan2024, 3 * 1440);
        const TimeRange covered{kJan2024, kJan2024 + 3 * kDayMs + 60 * kMinuteMs};
        {
            PostgresBarStore store(db.url());
            QVERIFY(store.open());
            QVERIFY(store.writeBars(m1, stored, covered));
        }
        // Back to schema 2 as an older Barkeep left it: no timeframe in the series key.
        db.scalar(QStringLiteral("ALTER TABLE series DROP CONSTRAINT series_key; "
                                 "ALTER TABLE series DROP COLUMN timeframe; "
                                 "ALTER TABLE series ADD UNIQUE (market, provider, symbol); "
                                 "DELETE FROM schema_version WHERE version = 3"));
        QCOMPARE(db.scalar(QStringLiteral("SELECT max(version) FROM schema_version")), QStringLiteral("2"));

        PostgresBarStore store(db.url());
        QVERIFY(store.open());
        QCOMPARE(db.scalar(QStringLiteral("SELECT max(version) FROM schema_version")), QStringLiteral("3"));
        const Result<Bars> back = store.readBars(m1, covered);
        QVERIFY(back);
        QCOMPARE(*back, stored);
        const Result<TimeRanges> gaps = store.gaps(m1, covered);
        QVERIFY(gaps);
        QVERIFY(gaps->empty());

        // A native daily series of the same symbol: its own bars, ledger and quarantine.
        const SeriesKey d1 = m1.withTimeframe(QStringLiteral("1d"));
        const Bars days{{kJan2024 - kDayMs, 90, 95, 85, 92, 1000}, {kJan2024, 100, 200, 99, 150, 5000}};
        QVERIFY(store.writeBars(d1, days, {kJan2024 - kDayMs, kJan2024 + kDayMs}));
        QCOMPARE(*store.readBars(d1, {0, kJan2024 + 10 * kDayMs}), days);
        QCOMPARE(*store.readBars(m1, covered), stored); // untouched
        QCOMPARE(store.gaps(d1, {kJan2024 - kDayMs, kJan2024 + 2 * kDayMs})->size(), size_t(1));
        QCOMPARE(store.extent(d1)->to, kJan2024 + kDayMs);
        QVERIFY(store.recordFinding(d1, {kJan2024, 100, 190, 99, 150, 4000}, QStringLiteral("differs")));
        QCOMPARE(store.quarantine(d1)->size(), size_t(1));
        QVERIFY(store.quarantine(m1)->empty());
        const Result<QList<SeriesKey>> series = store.listSeries();
        QVERIFY(series);
        QVERIFY(series->contains(m1));
        QVERIFY(series->contains(d1));
        // A misaligned daily candle goes to the daily quarantine, not into the series.
        const Result<WriteReport> bad = store.writeBars(d1, {{kJan2024 + kDayMs + kHourMs, 1, 1, 1, 1, 1}},
                                                        {kJan2024 + kDayMs, kJan2024 + 2 * kDayMs});
        QVERIFY(bad);
        QCOMPARE(bad->quarantined, qint64(1));
    }
};

QTEST_GUILESS_MAIN(TstPgTimeframes)
#include "tst_pgtimeframes.moc"
