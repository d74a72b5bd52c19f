// SPDX-License-Identifier: GPL-3.0-or-later
// BackfillManager against the offline demo provider and the Binance fake with faults: jobs
// complete with the ground truth, coverage is exact, 429/418 are honoured, jobs survive a
// restart without fetching a finished chunk again, overlapping jobs never double-fetch.
#include "backfilltest.h"

#include "services/backfillplanner.h"
#include "services/requestpacer.h"

#include <QSignalSpy>
#include <QTimer>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

namespace {
const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};
const SeriesKey kDemo{QStringLiteral("crypto"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"),
                      QStringLiteral("1m")};

QString stateOf(BackfillManager *m, qint64 id)
{
    const auto j = m->job(id);
    return j ? QString(jobStateName(j->state)) : QStringLiteral("missing");
}

QString describe(const BackfillJobInfo &j)
{
    return QStringLiteral("%1 chunks %2/%3 failed %4: %5")
        .arg(jobStateName(j.state))
        .arg(j.chunksDone)
        .arg(j.chunksTotal)
        .arg(j.chunksFailed)
        .arg(j.error);
}

bool sameBars(const Bars &a, const Bars &b, QString *why)
{
    if (a.size() != b.size()) {
        *why = QStringLiteral("%1 bars stored, %2 in the ground truth").arg(a.size()).arg(b.size());
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i])) {
            *why = QStringLiteral("bar %1 differs (t=%2 vs %3)").arg(i).arg(a[i].t).arg(b[i].t);
            return false;
        }
    return true;
}

// A REST-only job (no archive months) for BTC/USDT: what most cases here ask of the fake.
Result<qint64> submitRestJob(BackfillEnv &env, const TimeRange &range)
{
    BackfillOptions options;
    options.useArchive = false;
    return env.manager->submit(kBtc, range, 0, options);
}

// Whether the store holds exactly the fake's ground truth for BTC/USDT over `range`; `why`
// says how it differs.
bool storedMatchesTruth(BackfillEnv &env, const fakes::BinanceFake &fake, const TimeRange &range,
                        QString *why)
{
    Result<Bars> bars = env.store->readBars(kBtc, range);
    if (!bars) {
        *why = bars.error().toString();
        return false;
    }
    return sameBars(*bars, fake.groundTruth(QStringLiteral("BTCUSDT"), range), why);
}
} // namespace

class TestBackfillManager : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { qRegisterMetaType<BackfillJobInfo>(); }

    void planner_data()
    {
        QTest::addColumn<qint64>("from");
        QTest::addColumn<qint64>("to");
        QTest::addColumn<bool>("archive");
        QTest::addColumn<int>("rest");
        QTest::addColumn<int>("months");
        const qint64 feb = utc(2024, 2, 1);
        QTest::newRow("2500 min, no archive") << feb << feb + 2500 * kMinuteMs << false << 3 << 0;
        QTest::newRow("exact multiple") << feb << feb + 3000 * kMinuteMs << false << 3 << 0;
        QTest::newRow("whole February + 1 day") << feb << utc(2024, 3, 2) << true << 2 << 1;
        QTest::newRow("mid-Jan to mid-Mar") << utc(2024, 1, 15) << utc(2024, 3, 15) << true
                                            << (17 * 1440 + 999) / 1000 + (14 * 1440 + 999) / 1000 << 1;
        QTest::newRow("partial month only") << utc(2024, 2, 2) << utc(2024, 2, 20) << true
                                            << (18 * 1440 + 999) / 1000 << 0;
    }
    void planner()
    {
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        QFETCH(bool, archive);
        QFETCH(int, rest);
        QFETCH(int, months);
        const auto pieces = BackfillPlanner::split({{from, to}}, 1000, archive, utc(2025, 6, 1));
        int r = 0, m = 0;
        qint64 at = from;
        for (const auto &p : pieces) {
            QCOMPARE(p.range.from, at); // contiguous, in order, nothing lost
            at = p.range.to;
            if (p.archive) {
                ++m;
                QCOMPARE(p.range, BackfillPlanner::monthOf(p.range.from));
            } else {
                ++r;
                QVERIFY(p.range.length() <= 1000 * kMinuteMs);
            }
        }
        QCOMPARE(at, to);
        QCOMPARE(r, rest);
        QCOMPARE(m, months);
        // No archive for the month still running.
        const auto now = BackfillPlanner::split({{utc(2024, 2, 1), utc(2024, 3, 1)}}, 1000, true, utc(2024, 2, 20));
        QVERIFY(std::none_of(now.begin(), now.end(), [](const auto &p) { return p.archive; }));
    }

    void demoJobCompletes()
    {
        BackfillEnv env;
        QVERIFY(env.open());
        QSignalSpy changed(env.manager.get(), &BackfillManager::jobChanged);
        QSignalSpy stored(env.manager.get(), &BackfillManager::chunkStored);
        QVERIFY(env.manager->start());
        const TimeRange range{utc(2024, 1, 1), utc(2024, 1, 29)}; // 40320 min: 5 chunks of 10000
        Result<qint64> id = env.manager->submit(kDemo, range);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("done"), 30'000);
        const BackfillJobInfo j = *env.manager->job(*id);
        QCOMPARE(j.chunksTotal, 5);
        QCOMPARE(j.chunksDone, 5);
        QCOMPARE(j.progress, 1.0);
        QCOMPARE(j.requests, 5);
        QCOMPARE(stored.count(), 5);
        QVERIFY(j.error.isEmpty());

        auto plugin = env.market->plugin(QStringLiteral("crypto"), QStringLiteral("demo"));
        QVERIFY(plugin);
        Result<BarBatch> truth = (*plugin)->fetchBars({kDemo.symbol, QStringLiteral("1m"), range.from, range.to});
        QVERIFY(truth);
        Result<Bars> bars = env.store->readBars(kDemo, range);
        QVERIFY(bars);
        QCOMPARE(j.barsWritten, qint64(truth->bars.size()));
        QString why;
        QVERIFY2(sameBars(*bars, truth->bars, &why), qPrintable(why));
        QVERIFY(env.store->gaps(kDemo, range)->empty());
        // Progress went through the states and reached the UI as signals.
        QVERIFY(!changed.isEmpty());
        QCOMPARE(changed.last().at(0).value<BackfillJobInfo>().state, JobState::Done);

        // Done is done: a second job over the same range fetches nothing.
        Result<qint64> again = env.manager->submit(kDemo, range);
        QVERIFY(again);
        QTRY_COMPARE(stateOf(env.manager.get(), *again), QStringLiteral("done"));
        QCOMPARE(env.manager->job(*again)->requests, 0);
    }

    void binanceWithFaults()
    {
        ScriptedBinance fake(7);
        fakes::FaultPlan plan;
        plan.serverErrorRate = 0.05;
        plan.malformedRate = 0.03;
        plan.truncatedRate = 0.03;
        const TimeRange range{utc(2024, 3, 3), utc(2024, 3, 23)}; // 20 days: 29 chunks
        const TimeRange outage{utc(2024, 3, 10, 4), utc(2024, 3, 10, 9)};
        plan.outages = {outage};
        fake.setFaults(plan);
        fake.tooMany = {4, 5, 6};
        fake.banAt = 12;
        fake.banMs = 2000;
        QVERIFY(fake.listen());

        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QSignalSpy changed(env.manager.get(), &BackfillManager::jobChanged);
        QVERIFY(env.manager->start());
        Result<qint64> id = submitRestJob(env, range);
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(env.manager.get(), *id) == QLatin1String("done")
                                     || stateOf(env.manager.get(), *id) == QLatin1String("failed"),
                                 45'000);
        const BackfillJobInfo j = *env.manager->job(*id);
        QVERIFY2(j.state == JobState::Done, qPrintable(describe(j)));
        QCOMPARE(j.chunksDone, j.chunksTotal);
        QCOMPARE(j.chunksTotal, 29);

        // The job showed why it waited while banned.
        bool sawBan = false;
        for (const auto &args : changed)
            sawBan = sawBan || args.at(0).value<BackfillJobInfo>().error.startsWith(QLatin1String("banned by binance until"));
        QVERIFY(sawBan);
        // Nobody knocked during the ban (requests already on the wire when it began aside).
        for (qint64 at : fake.arrivalsDuringBan)
            QVERIFY2(at < 300, qPrintable(QStringLiteral("a request arrived %1 ms into the ban").arg(at)));
        auto *pacer = dynamic_cast<RequestPacer *>(env.market->gate(QStringLiteral("binance")));
        QVERIFY(pacer);
        QVERIFY(pacer->stats().banned >= 1);
        QVERIFY(pacer->stats().rateLimited >= 1);

        // Bars equal the ground truth; malformed answers were never stored.
        QString why;
        QVERIFY2(storedMatchesTruth(env, fake, range, &why), qPrintable(why));
        QVERIFY(env.store->quarantine(kBtc)->empty());
        // Coverage is exact: no gap left, the outage is `empty`.
        QVERIFY(env.store->gaps(kBtc, range)->empty());
        Result<CoverageIntervals> cov = env.store->coverage(kBtc, outage);
        QVERIFY(cov);
        QCOMPARE(cov->size(), size_t(1));
        QCOMPARE(cov->front().state, CoverageState::Empty);
        QCOMPARE(cov->front().range, outage);
    }

    void zeroRateLimitsWithRealLimits()
    {
        // Binance's real limit and the pacer seeded from the plugin's metadata: the pacer
        // stays under it, so the fake never has to say 429.
        fakes::BinanceFake fake(3);
        QVERIFY(fake.listen());
        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        const TimeRange range{utc(2024, 5, 1), utc(2024, 6, 12)}; // 60480 min: 61 chunks
        Result<qint64> id = submitRestJob(env, range);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("done"), 45'000);
        auto *pacer = dynamic_cast<RequestPacer *>(env.market->gate(QStringLiteral("binance")));
        QVERIFY(pacer);
        const GateStats s = pacer->stats();
        QCOMPARE(s.rateLimited, 0);
        QCOMPARE(s.banned, 0);
        QCOMPARE(s.budget, 5700);
        const BackfillJobInfo j = *env.manager->job(*id);
        // One klines request per chunk (no retry, no wasted request) and the symbol list once.
        QCOMPARE(j.requests, 61 + 1);
        QCOMPARE(j.weightUsed, 61 * 2 + 20);
        QCOMPARE(s.requests, 61 + 1);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 61);
    }

    void requestSlotsStayBusyWhileChunksCommit()
    {
        // The manager runs more chunk tasks than the provider has request slots, so a chunk
        // parsing and committing its answer leaves its slot to the next request; the pacer
        // alone bounds what is on the wire: Binance's 8, reached and never exceeded.
        fakes::BinanceFake fake(5);
        fake.faults().weightPerMinute = 6000;
        fake.faults().latencyMs = 60;
        QVERIFY(fake.listen());
        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        const TimeRange range{utc(2024, 2, 1), utc(2024, 3, 1)}; // 41760 min: 42 chunks
        Result<qint64> id = submitRestJob(env, range);
        QVERIFY(id);
        int maxInFlight = 0;
        QTimer sampler;
        connect(&sampler, &QTimer::timeout, this, [&] {
            if (auto *pacer = dynamic_cast<RequestPacer *>(env.market->gate(QStringLiteral("binance"))))
                maxInFlight = std::max(maxInFlight, pacer->stats().inFlight);
        });
        sampler.start(1);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("done"), 45'000);
        sampler.stop();
        QCOMPARE(maxInFlight, 8);
        auto *pacer = dynamic_cast<RequestPacer *>(env.market->gate(QStringLiteral("binance")));
        QVERIFY(pacer);
        QCOMPARE(pacer->stats().rateLimited, 0);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 42);
    }

    void managerLeavesTheGateToItsOwner()
    {
        // Installing the pacer is Application::start()'s business (and the owner's in tests):
        // constructing a manager must not replace a MarketService's gate factory.
        PluginRegistry registry;
        registry.discover();
        QTemporaryDir dir;
        const Config config = Config::defaults(dir.path());
        MarketService market(&registry, config);
        auto store = createBarStore(QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("g.db")));
        QVERIFY(store && (*store)->open());
        BackfillManager manager(store->get(), nullptr, &market, config);
        QVERIFY(market.plugin(QStringLiteral("crypto"), QStringLiteral("binance")));
        QCOMPARE(market.gate(QStringLiteral("binance")), nullptr);
    }

    void chunkFailureDoesNotStopTheJob()
    {
        ScriptedBinance fake(5);
        const TimeRange range{utc(2024, 4, 1), utc(2024, 4, 4)}; // 4320 min: 5 chunks
        fake.poisoned = {{range.from + 2000 * kMinuteMs, range.from + 2001 * kMinuteMs}};
        QVERIFY(fake.listen());
        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        Result<qint64> id = submitRestJob(env, range);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("failed"), 30'000);
        BackfillJobInfo j = *env.manager->job(*id);
        QCOMPARE(j.chunksFailed, 1);
        QCOMPARE(j.chunksDone, 4);
        QVERIFY2(j.error.startsWith(QLatin1String("1 of 5 chunks failed: 2024-04-02T09:20:00Z")), qPrintable(j.error));
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 4 + 6); // bounded retries
        // Only the failed chunk is missing.
        Result<TimeRanges> gaps = env.store->gaps(kBtc, range);
        QCOMPARE(gaps->size(), size_t(1));
        QCOMPARE(gaps->front(), (TimeRange{range.from + 2000 * kMinuteMs, range.from + 3000 * kMinuteMs}));

        // The provider recovers; resuming fetches just that chunk.
        fake.poisoned.clear();
        fake.resetCounters();
        QVERIFY(env.manager->resume(*id));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("done"), 30'000);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), 1);
        QVERIFY(env.store->gaps(kBtc, range)->empty());
    }

    void restartResumesWithoutRefetching()
    {
        fakes::BinanceFake fake(11);
        fake.faults().latencyMs = 150;
        QVERIFY(fake.listen());
        const TimeRange range{utc(2024, 6, 1), utc(2024, 7, 12)}; // 59040 min: 60 chunks

        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QSignalSpy stored(env.manager.get(), &BackfillManager::chunkStored);
        QVERIFY(env.manager->start());
        Result<qint64> id = submitRestJob(env, range);
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(stored.count() >= 12, 30'000);
        env.manager->stop();
        QCOMPARE(env.store->jobs()->front().state, JobState::Queued);
        Result<CoverageIntervals> before = env.store->coverage(kBtc, range);
        QVERIFY(before && !before->empty());
        const int firstRun = fake.requestCount(QStringLiteral("/api/v3/klines"));
        QVERIFY2(firstRun < 60, "the job was not stopped mid-way");

        // A new process on the same store.
        env.restartServices();
        fake.resetCounters();
        fake.faults().latencyMs = 5;
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("done"), 30'000);
        const BackfillJobInfo j = *env.manager->job(*id);
        QCOMPARE(j.chunksDone, j.chunksTotal);

        // No finished chunk was fetched again.
        int secondRun = 0;
        for (const QUrl &u : fake.requestLog()) {
            const auto asked = klinesRange(u);
            if (!asked)
                continue;
            ++secondRun;
            for (const CoverageInterval &c : *before)
                QVERIFY2(!(asked->from < c.range.to && c.range.from < asked->to),
                         qPrintable(QStringLiteral("refetched %1..%2").arg(asked->from).arg(asked->to)));
        }
        // Each chunk fetched once, but for those cut short by the stop (in flight then).
        QVERIFY2(firstRun + secondRun <= 60 + 8, qPrintable(QString::number(firstRun + secondRun)));
        QString why;
        QVERIFY2(storedMatchesTruth(env, fake, range, &why), qPrintable(why));
    }

    void overlappingJobsNeverDoubleFetch()
    {
        fakes::BinanceFake fake(13);
        fake.faults().latencyMs = 20;
        QVERIFY(fake.listen());
        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        const TimeRange a{utc(2024, 8, 1), utc(2024, 8, 11)};
        const TimeRange b{utc(2024, 8, 5, 7), utc(2024, 8, 16)}; // not aligned with a's chunks
        Result<qint64> ida = submitRestJob(env, a);
        Result<qint64> idb = submitRestJob(env, b);
        QVERIFY(ida && idb);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *ida), QStringLiteral("done"), 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *idb), QStringLiteral("done"), 30'000);
        const std::vector<TimeRange> asked = klinesAsked(fake);
        for (size_t i = 1; i < asked.size(); ++i)
            QVERIFY2(asked[i - 1].to <= asked[i].from,
                     qPrintable(QStringLiteral("minutes %1..%2 fetched twice").arg(asked[i].from).arg(asked[i - 1].to)));
        const TimeRange both{a.from, b.to};
        QVERIFY(env.store->gaps(kBtc, both)->empty());
        QString why;
        QVERIFY2(storedMatchesTruth(env, fake, both, &why), qPrintable(why));
    }

    void archiveMonths_data()
    {
        QTest::addColumn<bool>("badChecksum");
        QTest::newRow("archive") << false;
        QTest::newRow("bad checksum: REST instead") << true;
    }
    void archiveMonths()
    {
        QFETCH(bool, badChecksum);
        fakes::BinanceFake fake(17);
        if (badChecksum)
            fake.faults().badChecksums = {QStringLiteral("BTCUSDT-1m-2024-02.zip")};
        QVERIFY(fake.listen());
        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        const TimeRange range{utc(2024, 1, 31), utc(2024, 3, 2)}; // 1 day + February + 1 day
        Result<qint64> id = env.manager->submit(kBtc, range);
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(env.manager.get(), *id) == QLatin1String("done")
                                     || stateOf(env.manager.get(), *id) == QLatin1String("failed"),
                                 30'000);
        const BackfillJobInfo j = *env.manager->job(*id);
        QVERIFY2(j.state == JobState::Done, qPrintable(describe(j)));
        const int klines = fake.requestCount(QStringLiteral("/api/v3/klines"));
        // Each day is 2 chunks of at most 1000 minutes; February is one zip or 42 chunks.
        QCOMPARE(klines, badChecksum ? 4 + (29 * 1440 + 999) / 1000 : 4);
        QCOMPARE(fake.requestCount(QStringLiteral("/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-02.zip")),
                 badChecksum ? 2 : 1);
        QString why;
        QVERIFY2(storedMatchesTruth(env, fake, range, &why), qPrintable(why));
        QVERIFY(env.store->gaps(kBtc, range)->empty());
    }

    void pauseResumeCancel()
    {
        fakes::BinanceFake fake(19);
        fake.faults().latencyMs = 100;
        QVERIFY(fake.listen());
        BackfillEnv env;
        QVERIFY(env.open(fake.url()));
        QSignalSpy stored(env.manager.get(), &BackfillManager::chunkStored);
        QVERIFY(env.manager->start());
        const TimeRange range{utc(2024, 9, 1), utc(2024, 10, 1)}; // 30 days: 44 chunks
        Result<qint64> id = submitRestJob(env, range);
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(stored.count() >= 3, 20'000);
        QVERIFY(env.manager->pause(*id));
        QCOMPARE(stateOf(env.manager.get(), *id), QStringLiteral("paused"));
        QCOMPARE(env.store->jobs()->front().state, JobState::Paused);
        // In-flight requests are cut; nothing goes out while paused.
        QTest::qWait(300);
        const int whilePaused = fake.requestCount(QStringLiteral("/api/v3/klines"));
        QTest::qWait(300);
        QCOMPARE(fake.requestCount(QStringLiteral("/api/v3/klines")), whilePaused);
        QVERIFY(!env.manager->cancel(12345));

        fake.faults().latencyMs = 5;
        QVERIFY(env.manager->resume(*id));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *id), QStringLiteral("done"), 30'000);
        QVERIFY(env.store->gaps(kBtc, range)->empty());
        QVERIFY(!env.manager->pause(*id)); // done is final
        QCOMPARE(env.manager->pause(*id).error().kind(), Error::Kind::Conflict);

        // Cancel: stops and stays cancelled, also after a restart.
        fake.faults().latencyMs = 100;
        const TimeRange more{utc(2024, 10, 1), utc(2024, 10, 20)};
        Result<qint64> id2 = submitRestJob(env, more);
        QVERIFY(id2);
        QTRY_COMPARE(stateOf(env.manager.get(), *id2), QStringLiteral("running"));
        QVERIFY(env.manager->cancel(*id2));
        QCOMPARE(stateOf(env.manager.get(), *id2), QStringLiteral("cancelled"));
        env.restartServices();
        QVERIFY(env.open(fake.url()));
        QVERIFY(env.manager->start());
        QCOMPARE(stateOf(env.manager.get(), *id2), QStringLiteral("cancelled"));
        QCOMPARE(stateOf(env.manager.get(), *id), QStringLiteral("done"));
        QVERIFY(!env.manager->resume(*id2));
    }

    void priorityAndThrottledSignals()
    {
        BackfillEnv env;
        QVERIFY(env.open({}, 1)); // one job at a time: priority decides which
        QSignalSpy changed(env.manager.get(), &BackfillManager::jobChanged);
        Result<qint64> low = env.manager->submit(kDemo, {utc(2024, 1, 1), utc(2024, 2, 1)}, 0);
        Result<qint64> high = env.manager->submit(kDemo.withTimeframe(QStringLiteral("1m")),
                                                  {utc(2023, 1, 1), utc(2023, 2, 1)}, 10);
        QVERIFY(low && high);
        QVERIFY(env.manager->start());
        QCOMPARE(stateOf(env.manager.get(), *high), QStringLiteral("running"));
        QCOMPARE(stateOf(env.manager.get(), *low), QStringLiteral("queued"));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(env.manager.get(), *low), QStringLiteral("done"), 30'000);
        QCOMPARE(stateOf(env.manager.get(), *high), QStringLiteral("done"));
        // The high one finished first.
        qint64 firstDone = 0;
        for (const auto &args : changed) {
            const auto j = args.at(0).value<BackfillJobInfo>();
            if (j.state == JobState::Done && firstDone == 0)
                firstDone = j.id;
        }
        QCOMPARE(firstDone, *high);
        // Progress events are throttled (~10/s per job) but every state change is there.
        QVERIFY(changed.count() < 60);
    }
};

QTEST_GUILESS_MAIN(TestBackfillManager)
#include "tst_backfillmanager.moc"
