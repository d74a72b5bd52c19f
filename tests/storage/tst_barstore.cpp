// SPDX-License-Identifier: GPL-3.0-or-later
// The shared behaviour suite of BarStore: every test runs once per backend (a global data
// row): SQLite always, PostgreSQL when tools/test.sh provides a server and the build has the
// store. Each test gets a fresh store (a new SQLite file, or a new PostgreSQL database).
#include "storage/store.h"
#include "storage/coverageledger.h"
#include "storage/rollup.h"
#include "support/pgtestdb.h"
#include "support/testsupport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

using namespace barkeep;

namespace {

constexpr qint64 M = kMinuteMs;

qint64 utc(int y, int mo, int d, int h = 0, int mi = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi), QTimeZone::utc()).toMSecsSinceEpoch();
}

const qint64 kT0 = utc(2024, 1, 1); // a Monday

SeriesKey key(const QString &symbol, const QString &tf = QStringLiteral("1m"))
{
    return {QStringLiteral("crypto"), QStringLiteral("testex"), symbol, tf};
}

// Prices like a provider sends them: short decimals.
Bars makeBars(qint64 from, qint64 count, quint32 seed, int skipOneIn = 0)
{
    QRandomGenerator rng(seed);
    Bars out;
    double price = 100 + rng.bounded(1000);
    for (qint64 i = 0; i < count; ++i) {
        const double o = std::round(price * 100) / 100;
        price = std::max(1.0, price + (rng.generateDouble() - 0.5) * 2);
        const double c = std::round(price * 100) / 100;
        const double h = std::round((std::max(o, c) + rng.generateDouble()) * 100) / 100;
        const double l = std::round((std::min(o, c) - rng.generateDouble()) * 100) / 100;
        const double v = std::round(rng.generateDouble() * 1e5) / 1e3;
        if (skipOneIn > 0 && rng.bounded(skipOneIn) == 0)
            continue;
        out.push_back({from + i * M, o, h, l, c, v});
    }
    return out;
}

} // namespace

Q_DECLARE_METATYPE(barkeep::TimeRange)

class TstBarStore : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase_data();
    void init();
    void cleanup();

    void upsertIsIdempotent();
    void overlappingWrites();
    void refetchNeverLosesStoredBars();
    void unsortedAndDuplicateInput();
    void barsOutsideCoveredAreRejected();
    void coverageMergeAndGaps();
    void readLimit();
    void rollupsMatchReference_data();
    void rollupsMatchReference();
    void rollupMarksIncompleteBuckets();
    void quarantine();
    void jobsRoundTrip();
    void listSeriesAndExtent();
    void sessionCalendarHook();
    void survivesReopen();
    void concurrentWritersOnThreads();
    void claimsBetweenOwners();
    void claimsExpireAndRenew();
    void claimsRaceAcrossInstances();
    void badUrls_data();
    void badUrls();

private:
    std::unique_ptr<Store> reopen();

    QTemporaryDir m_dir;
    QString m_url;
    // A database of its own per test on PostgreSQL (ctest runs -j2), dropped in cleanup().
    std::optional<test::PgTestDatabase> m_pgDb;
    std::unique_ptr<Store> m_store;
    int m_counter = 0;
};

void TstBarStore::initTestCase_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

void TstBarStore::init()
{
    QFETCH_GLOBAL(QString, backend);
    ++m_counter;
    if (backend == QLatin1String("sqlite")) {
        m_url = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("sub/dir/t%1.db"))
                                                  .arg(m_counter);
    } else {
        const QString admin = test::postgresUrl();
        BK_REQUIRE_SERVER(admin, "PostgreSQL");
        m_pgDb.emplace(admin, QStringLiteral("bk_tst_barstore"));
        QVERIFY2(m_pgDb->isValid(), qPrintable(m_pgDb->lastError()));
        m_url = m_pgDb->url();
    }
    auto store = createBarStore(m_url);
    if (!store && store.error().kind() == Error::Kind::Unsupported)
        QSKIP(qPrintable(store.error().message()));
    QVERIFY2(store, qPrintable(store ? QString() : store.error().toString()));
    m_store = std::move(*store);
    const VoidResult opened = m_store->open();
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
}

void TstBarStore::cleanup()
{
    if (m_store)
        m_store->close();
    m_store.reset();
    m_pgDb.reset();
}

std::unique_ptr<Store> TstBarStore::reopen()
{
    m_store->close();
    m_store.reset();
    auto store = createBarStore(m_url);
    if (!store)
        return {};
    if (!(*store)->open())
        return {};
    return std::move(*store);
}

void TstBarStore::upsertIsIdempotent()
{
    const SeriesKey s = key(QStringLiteral("IDEM"));
    const Bars bars = makeBars(kT0, 3 * 1440, 1);
    const TimeRange covered{kT0, kT0 + 3 * kDayMs};
    auto w1 = m_store->writeBars(s, bars, covered);
    QVERIFY(w1);
    QCOMPARE(w1->written, qint64(bars.size()));
    QVERIFY(m_store->writeBars(s, bars, covered));
    QVERIFY(m_store->writeBars(s, bars, covered));
    auto read = m_store->readBars(s, covered);
    QVERIFY(read);
    QCOMPARE(read->size(), bars.size());
    QVERIFY(*read == bars); // bit-exact round trip
    auto cov = m_store->coverage(s, {kT0 - kDayMs, kT0 + 4 * kDayMs});
    QVERIFY(cov);
    QCOMPARE(*cov, (CoverageIntervals{{covered, CoverageState::Bars}}));
}

void TstBarStore::overlappingWrites()
{
    const SeriesKey s = key(QStringLiteral("OVER"));
    const Bars first = makeBars(kT0, 1000, 2);
    Bars second = makeBars(kT0 + 500 * M, 1000, 3);
    QVERIFY(m_store->writeBars(s, first, {kT0, kT0 + 1000 * M}));
    QVERIFY(m_store->writeBars(s, second, {kT0 + 500 * M, kT0 + 1500 * M}));
    auto read = m_store->readBars(s, {kT0, kT0 + 2000 * M});
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(1500));
    for (size_t i = 0; i < 500; ++i)
        QCOMPARE((*read)[i], first[i]);
    for (size_t i = 0; i < 1000; ++i)
        QCOMPARE((*read)[500 + i], second[i]); // the later write wins in the overlap
    auto cov = m_store->coverage(s, {kT0, kT0 + 2000 * M});
    QVERIFY(cov);
    QCOMPARE(*cov, (CoverageIntervals{{{kT0, kT0 + 1500 * M}, CoverageState::Bars}}));
}

void TstBarStore::refetchNeverLosesStoredBars()
{
    // A later fetch of the same range that misses some bars (the provider dropped them) must
    // neither delete the stored bars nor call their minutes empty: the ledger stays truthful.
    const SeriesKey s = key(QStringLiteral("REFETCH"));
    const Bars full = makeBars(kT0, 20, 4);
    QVERIFY(m_store->writeBars(s, full, {kT0, kT0 + 20 * M}));
    const Bars partial(full.begin(), full.begin() + 10);
    QVERIFY(m_store->writeBars(s, partial, {kT0, kT0 + 30 * M}));
    auto read = m_store->readBars(s, {kT0, kT0 + 30 * M});
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(20));
    auto cov = m_store->coverage(s, {kT0, kT0 + 30 * M});
    QVERIFY(cov);
    QCOMPARE(*cov, (CoverageIntervals{{{kT0, kT0 + 20 * M}, CoverageState::Bars},
                                      {{kT0 + 20 * M, kT0 + 30 * M}, CoverageState::Empty}}));
}

void TstBarStore::unsortedAndDuplicateInput()
{
    const SeriesKey s = key(QStringLiteral("UNSORTED"));
    Bars bars = makeBars(kT0, 50, 5);
    Bars shuffled = bars;
    std::reverse(shuffled.begin(), shuffled.end());
    Bar dup = bars[7];
    dup.v += 1;
    shuffled.push_back(bars[7]);
    shuffled.push_back(dup); // the last one given wins
    bars[7] = dup;
    QVERIFY(m_store->writeBars(s, shuffled, {kT0, kT0 + 50 * M}));
    auto read = m_store->readBars(s, {kT0, kT0 + 50 * M});
    QVERIFY(read);
    QVERIFY(*read == bars);
}

void TstBarStore::barsOutsideCoveredAreRejected()
{
    const SeriesKey s = key(QStringLiteral("OUTSIDE"));
    const Bars bars = makeBars(kT0, 10, 6);
    auto w = m_store->writeBars(s, bars, {kT0, kT0 + 5 * M});
    QVERIFY(!w);
    QCOMPARE(w.error().kind(), Error::Kind::BadInput);
    auto read = m_store->readBars(s, {kT0, kT0 + 10 * M});
    QVERIFY(read);
    QVERIFY(read->empty());
    auto cov = m_store->coverage(s, {kT0, kT0 + 10 * M});
    QVERIFY(cov);
    QVERIFY(cov->empty()); // all or nothing
}

void TstBarStore::coverageMergeAndGaps()
{
    const SeriesKey s = key(QStringLiteral("COV"));
    // [0,10) bars, [10,20) fetched empty, [30,40) bars with a no-trade minute at 35,
    // later [20,25) bars (merges with nothing: 10..20 is empty), [40,50) bars (merges).
    QVERIFY(m_store->writeBars(s, makeBars(kT0, 10, 7), {kT0, kT0 + 10 * M}));
    QVERIFY(m_store->writeBars(s, {}, {kT0 + 10 * M, kT0 + 20 * M}));
    Bars b30 = makeBars(kT0 + 30 * M, 10, 8);
    b30.erase(b30.begin() + 5);
    QVERIFY(m_store->writeBars(s, b30, {kT0 + 30 * M, kT0 + 40 * M}));
    QVERIFY(m_store->writeBars(s, makeBars(kT0 + 20 * M, 5, 9), {kT0 + 20 * M, kT0 + 25 * M}));
    QVERIFY(m_store->writeBars(s, makeBars(kT0 + 40 * M, 10, 10), {kT0 + 40 * M, kT0 + 50 * M}));

    using S = CoverageState;
    auto r = [](qint64 a, qint64 b) { return TimeRange{kT0 + a * M, kT0 + b * M}; };
    auto cov = m_store->coverage(s, r(-100, 100));
    QVERIFY(cov);
    const CoverageIntervals expected{{r(0, 10), S::Bars},  {r(10, 20), S::Empty},
                                     {r(20, 25), S::Bars}, {r(30, 35), S::Bars},
                                     {r(35, 36), S::Empty}, {r(36, 50), S::Bars}};
    QCOMPARE(*cov, expected);
    // Clipped to the asked range.
    auto clipped = m_store->coverage(s, r(5, 32));
    QVERIFY(clipped);
    QCOMPARE(*clipped, (CoverageIntervals{{r(5, 10), S::Bars},
                                          {r(10, 20), S::Empty},
                                          {r(20, 25), S::Bars},
                                          {r(30, 32), S::Bars}}));
    auto gaps = m_store->gaps(s, r(-5, 60));
    QVERIFY(gaps);
    QCOMPARE(*gaps, (TimeRanges{r(-5, 0), r(25, 30), r(50, 60)}));
    // A fetch filling the hole joins everything into one interval of bars.
    QVERIFY(m_store->writeBars(s, makeBars(kT0 + 25 * M, 5, 11), r(25, 30)));
    auto after = m_store->coverage(s, r(20, 35));
    QVERIFY(after);
    QCOMPARE(*after, (CoverageIntervals{{r(20, 35), S::Bars}}));
    auto noGaps = m_store->gaps(s, r(0, 50));
    QVERIFY(noGaps);
    QVERIFY(noGaps->empty());
}

void TstBarStore::readLimit()
{
    const SeriesKey s = key(QStringLiteral("LIMIT"));
    const Bars bars = makeBars(kT0, 3000, 12);
    QVERIFY(m_store->writeBars(s, bars, {kT0, kT0 + 3000 * M}));
    auto read = m_store->readBars(s, {kT0 + 100 * M, kT0 + 3000 * M}, 2000);
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(2000));
    QCOMPARE(read->front(), bars[100]);
    QCOMPARE(read->back(), bars[2099]);
}

void TstBarStore::rollupsMatchReference_data()
{
    QTest::addColumn<QString>("tf");
    for (const char *tf : {"1m", "5m", "7m", "1h", "4h", "1d", "1w", "1M"})
        QTest::newRow(tf) << QString::fromLatin1(tf);
}

void TstBarStore::rollupsMatchReference()
{
    QFETCH(QString, tf);
    // The reference is the pure Rollup over what was written (tst_rollup checks Rollup
    // against a straightforward resampler); here the store must serve the same thing.
    const SeriesKey s = key(QStringLiteral("ROLL"));
    QRandomGenerator rng(77);
    const qint64 from = utc(2024, 1, 29, 13, 7);
    CoverageLedger ledger;
    Bars all;
    qint64 m = 0;
    const qint64 total = 40 * 1440;
    while (m < total) {
        const qint64 len = 1 + rng.bounded(4000);
        const qint64 end = std::min(total, m + len);
        const int kind = rng.bounded(6); // 0 gap, 1 empty, else bars with holes
        if (kind != 0) {
            const Bars chunk = kind == 1 ? Bars{} : makeBars(from + m * M, end - m, rng(), 15);
            const TimeRange covered{from + m * M, from + end * M};
            QVERIFY(m_store->writeBars(s, chunk, covered));
            ledger.record(covered, chunk);
            all.insert(all.end(), chunk.begin(), chunk.end());
        }
        m = end;
    }
    const TimeRange range{from + 3 * kDayMs + 17 * M, from + 37 * kDayMs};
    const RollupBars expected = Rollup::compute(all, *Timeframe::parse(tf), range,
                                                ledger.intervals());
    auto got = m_store->readRollup(s.withTimeframe(tf), range);
    QVERIFY2(got, qPrintable(got ? QString() : got.error().toString()));
    QCOMPARE(got->size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE((*got)[i].bar.t, expected[i].bar.t);
        QCOMPARE((*got)[i].bar.o, expected[i].bar.o);
        QCOMPARE((*got)[i].bar.h, expected[i].bar.h);
        QCOMPARE((*got)[i].bar.l, expected[i].bar.l);
        QCOMPARE((*got)[i].bar.c, expected[i].bar.c);
        QVERIFY(std::abs((*got)[i].bar.v - expected[i].bar.v)
                <= 1e-9 * std::max(1.0, expected[i].bar.v));
        QCOMPARE((*got)[i].complete, expected[i].complete);
    }
    auto limited = m_store->readRollup(s.withTimeframe(tf), range, 3);
    QVERIFY(limited);
    QCOMPARE(limited->size(), std::min<size_t>(3, expected.size()));
}

void TstBarStore::rollupMarksIncompleteBuckets()
{
    const SeriesKey s = key(QStringLiteral("INCOMPLETE"));
    // Day 1: fully fetched (one quiet hour fetched empty). Day 2: only until noon.
    Bars day1 = makeBars(kT0, 1440, 13);
    day1.erase(day1.begin() + 600, day1.begin() + 660);
    QVERIFY(m_store->writeBars(s, day1, {kT0, kT0 + kDayMs}));
    QVERIFY(m_store->writeBars(s, makeBars(kT0 + kDayMs, 720, 14),
                               {kT0 + kDayMs, kT0 + kDayMs + 720 * M}));
    auto got = m_store->readRollup(s.withTimeframe(QStringLiteral("1d")),
                                   {kT0, kT0 + 3 * kDayMs});
    QVERIFY(got);
    QCOMPARE(got->size(), size_t(2)); // day 3 has no bars: omitted
    QCOMPARE((*got)[0].bar.t, kT0);
    QVERIFY((*got)[0].complete);
    QCOMPARE((*got)[0].bar.o, day1.front().o);
    QCOMPARE((*got)[0].bar.c, day1.back().c);
    QCOMPARE((*got)[1].bar.t, kT0 + kDayMs);
    QVERIFY(!(*got)[1].complete);
    // 1h buckets of day 2: the morning is complete, the afternoon is not served at all.
    auto hours = m_store->readRollup(s.withTimeframe(QStringLiteral("1h")),
                                     {kT0 + kDayMs, kT0 + 2 * kDayMs});
    QVERIFY(hours);
    QCOMPARE(hours->size(), size_t(12));
    for (const RollupBar &b : *hours)
        QVERIFY(b.complete);
}

void TstBarStore::quarantine()
{
    const SeriesKey s = key(QStringLiteral("QUAR"));
    Bars bars = makeBars(kT0, 10, 15);
    bars[2].h = std::min(bars[2].o, bars[2].c) - 1;        // high below max(open, close)
    bars[4].v = -3;                                          // negative volume
    bars[6].c = std::numeric_limits<double>::quiet_NaN();    // NaN
    auto w = m_store->writeBars(s, bars, {kT0, kT0 + 10 * M});
    QVERIFY(w);
    QCOMPARE(w->written, qint64(7));
    QCOMPARE(w->quarantined, qint64(3));
    auto read = m_store->readBars(s, {kT0, kT0 + 10 * M});
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(7));
    for (const Bar &b : *read)
        QVERIFY(b.t != bars[2].t && b.t != bars[4].t && b.t != bars[6].t);
    auto q = m_store->quarantine(s);
    QVERIFY(q);
    QCOMPARE(q->size(), size_t(3));
    QCOMPARE((*q)[0].bar.t, bars[2].t);
    QCOMPARE((*q)[0].bar.h, bars[2].h);
    QVERIFY((*q)[0].reason.contains(QLatin1String("high below")));
    QVERIFY((*q)[1].reason.contains(QLatin1String("negative volume")));
    QCOMPARE((*q)[1].bar.v, -3.0);
    QVERIFY((*q)[2].reason.contains(QLatin1String("not finite")));
    QVERIFY(std::isnan((*q)[2].bar.c));
    QCOMPARE((*q)[0].series, s);
    QVERIFY((*q)[0].quarantinedAtMs > 0);
    // Another series' quarantine is separate.
    auto other = m_store->quarantine(key(QStringLiteral("NOPE")));
    QVERIFY(other);
    QVERIFY(other->empty());
}

void TstBarStore::jobsRoundTrip()
{
    StoredJob a;
    a.series = key(QStringLiteral("JOB/A"));
    a.range = {kT0, kT0 + kDayMs};
    a.state = JobState::Queued;
    a.priority = 5;
    a.createdMs = 1000;
    a.updatedMs = 1000;
    a.extra = QByteArrayLiteral("{\"chunk\":1000}");
    StoredJob b = a;
    b.series = key(QStringLiteral("JOB/B"));
    b.extra.clear();
    auto idA = m_store->insertJob(a);
    auto idB = m_store->insertJob(b);
    QVERIFY(idA && idB);
    QVERIFY(*idA != *idB);
    a.id = *idA;
    a.state = JobState::Failed;
    a.error = QStringLiteral("rate limited: wait 5 s");
    a.barsWritten = 12345;
    a.updatedMs = 2000;
    QVERIFY(m_store->updateJob(a));
    auto jobs = m_store->jobs();
    QVERIFY(jobs);
    QCOMPARE(jobs->size(), size_t(2));
    const StoredJob &ra = (*jobs)[0];
    QCOMPARE(ra.id, *idA);
    QCOMPARE(ra.series, a.series);
    QCOMPARE(ra.range, a.range);
    QCOMPARE(ra.state, a.state);
    QCOMPARE(ra.priority, 5);
    QCOMPARE(ra.error, a.error);
    QCOMPARE(ra.barsWritten, qint64(12345));
    QCOMPARE(ra.createdMs, qint64(1000));
    QCOMPARE(ra.updatedMs, qint64(2000));
    QCOMPARE(ra.extra, a.extra);
    QCOMPARE((*jobs)[1].id, *idB);
    QCOMPARE((*jobs)[1].state, JobState::Queued);
    StoredJob ghost = a;
    ghost.id = 999999;
    const VoidResult missing = m_store->updateJob(ghost);
    QVERIFY(!missing);
    QCOMPARE(missing.error().kind(), Error::Kind::NotFound);
    // Jobs survive a restart.
    m_store = reopen();
    QVERIFY(m_store);
    auto again = m_store->jobs();
    QVERIFY(again);
    QCOMPARE(again->size(), size_t(2));
    QCOMPARE((*again)[0].barsWritten, qint64(12345));
}

void TstBarStore::listSeriesAndExtent()
{
    const SeriesKey a = key(QStringLiteral("LIST/A"));
    const SeriesKey b{QStringLiteral("stocks"), QStringLiteral("alpaca"), QStringLiteral("AAPL"),
                      QStringLiteral("1m")};
    const Bars bars = makeBars(kT0 + 5 * M, 2000, 16);
    QVERIFY(m_store->writeBars(a, bars, {kT0, kT0 + 3000 * M}));
    QVERIFY(m_store->writeBars(b, makeBars(kT0, 3, 17), {kT0, kT0 + 3 * M}));
    auto list = m_store->listSeries();
    QVERIFY(list);
    QVERIFY(list->contains(a));
    QVERIFY(list->contains(b));
    QVERIFY(!list->contains(key(QStringLiteral("LIST/NEVER"))));
    auto ext = m_store->extent(a);
    QVERIFY(ext);
    QCOMPARE(ext->from, bars.front().t);
    QCOMPARE(ext->to, bars.back().t + M); // half-open: up to the end of the last bar
    auto none = m_store->extent(key(QStringLiteral("LIST/NEVER")));
    QVERIFY(none);
    QVERIFY(none->isEmpty());
}

void TstBarStore::sessionCalendarHook()
{
    const SeriesKey s{QStringLiteral("stocks"), QStringLiteral("alpaca"), QStringLiteral("MSFT"),
                      QStringLiteral("1m")};
    // Session 14:30-21:00 UTC every day.
    m_store->setSessionCalendar([](const SeriesKey &k, TimeRange range) {
        TimeRanges out;
        if (k.market != QLatin1String("stocks"))
            return TimeRanges{range};
        for (qint64 d = range.from - range.from % kDayMs; d < range.to; d += kDayMs)
            out.push_back({d + 14 * kHourMs + 30 * M, d + 21 * kHourMs});
        return out;
    });
    // Fetched the first session only; the night and the second session were not fetched.
    const qint64 open = kT0 + 14 * kHourMs + 30 * M;
    QVERIFY(m_store->writeBars(s, makeBars(open, 390, 18), {open, open + 390 * M}));
    auto gaps = m_store->gaps(s, {kT0, kT0 + 2 * kDayMs});
    QVERIFY(gaps);
    QCOMPARE(*gaps, (TimeRanges{{open + kDayMs, open + kDayMs + 390 * M}}));
    // The daily bucket counts as complete: every session minute was fetched.
    auto daily = m_store->readRollup(s.withTimeframe(QStringLiteral("1d")), {kT0, kT0 + kDayMs});
    QVERIFY(daily);
    QCOMPARE(daily->size(), size_t(1));
    QVERIFY(daily->front().complete);
    // Crypto series are always open: the same night is a gap there.
    const SeriesKey c = key(QStringLiteral("CAL"));
    QVERIFY(m_store->writeBars(c, makeBars(open, 390, 19), {open, open + 390 * M}));
    auto cgaps = m_store->gaps(c, {kT0, kT0 + kDayMs});
    QVERIFY(cgaps);
    QCOMPARE(*cgaps, (TimeRanges{{kT0, open}, {open + 390 * M, kT0 + kDayMs}}));
    m_store->setSessionCalendar({});
    auto plain = m_store->gaps(s, {kT0, kT0 + kDayMs});
    QVERIFY(plain);
    QCOMPARE(plain->size(), size_t(2));
}

void TstBarStore::survivesReopen()
{
    const SeriesKey s = key(QStringLiteral("REOPEN"));
    const Bars bars = makeBars(kT0, 5000, 20, 10);
    QVERIFY(m_store->writeBars(s, bars, {kT0, kT0 + 5000 * M}));
    m_store = reopen();
    QVERIFY(m_store);
    auto read = m_store->readBars(s, {kT0, kT0 + 5000 * M});
    QVERIFY(read);
    QVERIFY(*read == bars);
    auto cov = m_store->coverage(s, {kT0, kT0 + 5000 * M});
    QVERIFY(cov);
    QVERIFY(!cov->empty());
    QCOMPARE(cov->front().range.from, kT0);
    QCOMPARE(cov->back().range.to, kT0 + 5000 * M);
}

void TstBarStore::concurrentWritersOnThreads()
{
    // Each thread uses its own connection; writes to separate series and to one shared series
    // must all land.
    constexpr int kThreads = 4;
    constexpr int kBatches = 10;
    const SeriesKey shared = key(QStringLiteral("THREADS/SHARED"));
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const SeriesKey own = key(QStringLiteral("THREADS/%1").arg(t));
            for (int b = 0; b < kBatches; ++b) {
                const qint64 from = kT0 + qint64(b) * 1000 * M;
                if (!m_store->writeBars(own, makeBars(from, 1000, t * 100 + b),
                                        {from, from + 1000 * M}))
                    ++failures;
                const qint64 sf = kT0 + qint64(b * kThreads + t) * 100 * M;
                if (!m_store->writeBars(shared, makeBars(sf, 100, 999 + b * kThreads + t),
                                        {sf, sf + 100 * M}))
                    ++failures;
                if (!m_store->readBars(own, {kT0, from + 1000 * M}))
                    ++failures;
            }
        });
    }
    for (auto &th : threads)
        th.join();
    QCOMPARE(failures.load(), 0);
    for (int t = 0; t < kThreads; ++t) {
        auto read = m_store->readBars(key(QStringLiteral("THREADS/%1").arg(t)),
                                      {kT0, kT0 + kBatches * 1000 * M});
        QVERIFY(read);
        QCOMPARE(read->size(), size_t(kBatches * 1000));
    }
    auto read = m_store->readBars(shared, {kT0, kT0 + kBatches * kThreads * 100 * M});
    QVERIFY(read);
    QCOMPARE(read->size(), size_t(kBatches * kThreads * 100));
    auto cov = m_store->coverage(shared, {kT0, kT0 + kBatches * kThreads * 100 * M});
    QVERIFY(cov);
    QCOMPARE(cov->size(), size_t(1));
}

namespace {
QString rangesText(const Result<TimeRanges> &r)
{
    if (!r)
        return r.error().toString();
    QStringList parts;
    for (const TimeRange &t : *r)
        parts << QStringLiteral("[%1,%2)").arg((t.from - kT0) / M).arg((t.to - kT0) / M);
    return parts.join(QLatin1Char(' '));
}
TimeRange minutes(qint64 from, qint64 to)
{
    return {kT0 + from * M, kT0 + to * M};
}
} // namespace

// Two owners on two store instances (separate connections, like two processes): each gets
// what the other does not hold; its own claims never block it; release frees only its own.
void TstBarStore::claimsBetweenOwners()
{
    auto second = createBarStore(m_url);
    QVERIFY(second && (*second)->open());
    Store *other = second->get();
    const SeriesKey s = key(QStringLiteral("CLAIM/A"));
    const QString a = QStringLiteral("host:1:a"), b = QStringLiteral("host:2:b");
    const qint64 now = 1'000'000, ttl = 60'000;
    QCOMPARE(rangesText(m_store->claim(s, minutes(0, 10), a, ttl, now)), QStringLiteral("[0,10)"));
    // Overlapping: only the part a does not hold.
    QCOMPARE(rangesText(other->claim(s, minutes(5, 15), b, ttl, now)), QStringLiteral("[10,15)"));
    QCOMPARE(rangesText(other->claim(s, minutes(0, 5), b, ttl, now)), QString());
    // Its own claims never block an owner; the other's do, split around them.
    QCOMPARE(rangesText(m_store->claim(s, minutes(0, 20), a, ttl, now)),
             QStringLiteral("[0,10) [15,20)"));
    // Another series, another symbol: independent.
    QCOMPARE(rangesText(other->claim(key(QStringLiteral("CLAIM/B")), minutes(0, 20), b, ttl, now)),
             QStringLiteral("[0,20)"));
    // Release drops only the releasing owner's claims inside the range.
    QVERIFY(m_store->release(s, minutes(0, 20), a));
    QCOMPARE(rangesText(other->claim(s, minutes(0, 30), b, ttl, now)),
             QStringLiteral("[0,30)"));
    QCOMPARE(rangesText(m_store->claim(s, minutes(8, 12), a, ttl, now)), QString());
    QVERIFY(other->release(s, minutes(0, 30), b));
    QCOMPARE(rangesText(m_store->claim(s, minutes(8, 12), a, ttl, now)), QStringLiteral("[8,12)"));
    // An empty range claims nothing.
    QCOMPARE(rangesText(m_store->claim(s, minutes(3, 3), a, ttl, now)), QString());
    // The owners are listed, and releaseAll drops every claim of one of them (a dead process).
    QCOMPARE(rangesText(other->claim(s, minutes(40, 50), b, ttl, now)), QStringLiteral("[40,50)"));
    Result<QStringList> owners = other->claimOwners();
    QVERIFY(owners);
    QCOMPARE(*owners, (QStringList{a, b}));
    QVERIFY(m_store->releaseAll(b));
    QCOMPARE(*m_store->claimOwners(), QStringList{a});
    QCOMPARE(rangesText(m_store->claim(s, minutes(0, 50), a, ttl, now)), QStringLiteral("[0,50)"));
    (*second)->close();
}

// A claimer that died (kill -9) blocks a range only until its claim expires; a live one
// renews its claims.
void TstBarStore::claimsExpireAndRenew()
{
    const SeriesKey s = key(QStringLiteral("CLAIM/E"));
    const QString dead = QStringLiteral("host:1:dead"), live = QStringLiteral("host:2:live"),
                  other = QStringLiteral("host:3:other");
    const qint64 now = 5'000'000;
    QCOMPARE(rangesText(m_store->claim(s, minutes(0, 10), dead, 1000, now)), QStringLiteral("[0,10)"));
    QCOMPARE(rangesText(m_store->claim(s, minutes(20, 30), live, 1000, now)), QStringLiteral("[20,30)"));
    QCOMPARE(rangesText(m_store->claim(s, minutes(0, 30), other, 1000, now + 999)),
             QStringLiteral("[10,20)"));
    QVERIFY(m_store->release(s, minutes(10, 20), other));
    Result<qint64> renewed = m_store->renewClaims(live, 10'000, now + 500);
    QVERIFY(renewed);
    QCOMPARE(*renewed, qint64(1));
    // At expiry the dead owner's claim is gone; the renewed one still holds.
    QCOMPARE(rangesText(m_store->claim(s, minutes(0, 30), other, 1000, now + 1000)),
             QStringLiteral("[0,20)"));
    QCOMPARE(rangesText(m_store->claim(s, minutes(20, 30), other, 1000, now + 10'499)), QString());
    QCOMPARE(rangesText(m_store->claim(s, minutes(20, 30), other, 1000, now + 10'500)),
             QStringLiteral("[20,30)"));
    // Renewing what expired and was dropped brings nothing back.
    renewed = m_store->renewClaims(dead, 10'000, now + 20'000);
    QVERIFY(renewed);
    QCOMPARE(*renewed, qint64(0));
    // Claims survive a reopen (they are in the store, not the process).
    m_store = reopen();
    QVERIFY(m_store);
    QCOMPARE(rangesText(m_store->claim(s, minutes(20, 30), live, 1000, now + 10'600)), QString());
}

// Claimers on many threads of two store instances ask for overlapping ranges at once: every
// minute is granted to one owner at most.
void TstBarStore::claimsRaceAcrossInstances()
{
    auto second = createBarStore(m_url);
    QVERIFY(second && (*second)->open());
    const SeriesKey s = key(QStringLiteral("CLAIM/R"));
    const qint64 now = 9'000'000;
    constexpr int kThreads = 6;
    std::vector<TimeRanges> grants(kThreads);
    std::vector<QString> errors(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            Store *store = i % 2 ? second->get() : m_store.get();
            const QString owner = QStringLiteral("host:%1:race").arg(i);
            for (int k = 0; k < 20; ++k) {
                const qint64 from = (k * 7 + i * 3) % 100;
                Result<TimeRanges> g = store->claim(s, minutes(from, from + 15), owner, 60'000, now);
                if (!g) {
                    errors[i] = g.error().toString();
                    return;
                }
                grants[i].insert(grants[i].end(), g->begin(), g->end());
            }
        });
    }
    for (auto &t : threads)
        t.join();
    std::vector<int> owners(200, -1);
    std::vector<bool> asked(200, false);
    for (int i = 0; i < kThreads; ++i)
        for (int k = 0; k < 20; ++k)
            for (int m = (k * 7 + i * 3) % 100, n = 0; n < 15; ++n)
                asked[m + n] = true;
    qint64 granted = 0;
    for (int i = 0; i < kThreads; ++i) {
        QVERIFY2(errors[i].isEmpty(), qPrintable(errors[i]));
        for (const TimeRange &r : grants[i]) {
            for (qint64 t = r.from; t < r.to; t += M) {
                const int m = int((t - kT0) / M);
                QVERIFY2(owners[m] == -1 || owners[m] == i,
                         qPrintable(QStringLiteral("minute %1 granted to %2 and %3").arg(m).arg(owners[m]).arg(i)));
                granted += owners[m] == -1 ? 1 : 0;
                owners[m] = i;
            }
        }
    }
    // Everything asked went to someone.
    QCOMPARE(granted, qint64(std::count(asked.begin(), asked.end(), true)));
    (*second)->close();
}

void TstBarStore::badUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("mention");
    QTest::newRow("unknown scheme") << QStringLiteral("mysql://x/y") << QStringLiteral("mysql");
    QTest::newRow("no scheme") << QStringLiteral("/tmp/x.db") << QStringLiteral("sqlite:///");
    QTest::newRow("relative sqlite") << QStringLiteral("sqlite://rel/x.db")
                                     << QStringLiteral("absolute");
    QTest::newRow("sqlite dir") << QStringLiteral("sqlite:///") << QStringLiteral("sqlite:///");
}

void TstBarStore::badUrls()
{
    QFETCH(QString, url);
    QFETCH(QString, mention);
    auto store = createBarStore(url);
    QVERIFY(!store);
    QVERIFY2(store.error().message().contains(mention), qPrintable(store.error().message()));
    QVERIFY(store.error().message().contains(url)); // says what was tried
}

QTEST_GUILESS_MAIN(TstBarStore)
#include "tst_barstore.moc"
