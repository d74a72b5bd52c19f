// SPDX-License-Identifier: GPL-3.0-or-later
// RequestPacer: budget math, header correction, 429 wait, 418 ban for everyone, concurrency,
// cancel. The pacer's clock is injected, so nothing here depends on how fast the machine is.
#include "services/requestpacer.h"

#include <QDeadlineTimer>
#include <QFuture>
#include <QTest>
#include <QtConcurrent>

#include <atomic>

using namespace barkeep;

namespace {
HttpResponse answer(int status, int usedWeight = -1, int retryAfterSec = -1)
{
    HttpResponse r;
    r.status = status;
    if (usedWeight >= 0)
        r.headers.append({"x-mbx-used-weight-1m", QByteArray::number(usedWeight)});
    if (retryAfterSec >= 0)
        r.headers.append({"retry-after", QByteArray::number(retryAfterSec)});
    return r;
}

struct FakeClock
{
    std::atomic<qint64> t{1'700'000'080'000}; // 40 s into a minute
    std::function<qint64()> fn()
    {
        return [this] { return t.load(); };
    }
};

RequestPacer::Limits weightLimits(int perWindow, double target = 1.0)
{
    RequestPacer::Limits l;
    l.provider = QStringLiteral("binance");
    l.weightPerWindow = perWindow;
    l.windowMs = 60'000;
    l.maxConcurrency = 0;
    l.target = target;
    return l;
}

// How many acquire(weight) pass at once before one has to wait.
int immediateAcquires(RequestPacer &pacer, int weight, int cap)
{
    for (int i = 0; i < cap; ++i) {
        RequestPacer::Limits l = pacer.limits();
        const GateStats before = pacer.stats();
        std::atomic<bool> cancel{false};
        QFuture<VoidResult> f = QtConcurrent::run([&] { return pacer.acquire(weight, &cancel); });
        // A waiting acquire shows up in stats().waits; a passing one returns.
        QDeadlineTimer deadline(5000);
        while (!f.isFinished() && pacer.stats().waits == before.waits && !deadline.hasExpired())
            QThread::yieldCurrentThread();
        if (deadline.hasExpired())
            return -1;
        if (!f.isFinished()) {
            cancel = true;
            f.waitForFinished();
            return i;
        }
        Q_UNUSED(l);
    }
    return cap;
}
} // namespace

class TestRequestPacer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Some cases hold several threads in acquire() at once.
        QThreadPool::globalInstance()->setMaxThreadCount(16);
    }

    void budget_data()
    {
        QTest::addColumn<int>("perWindow");
        QTest::addColumn<double>("target");
        QTest::addColumn<int>("weight");
        QTest::addColumn<int>("expected");
        QTest::newRow("exact budget") << 20 << 1.0 << 2 << 10;
        QTest::newRow("95 % of 20, weight 2") << 20 << 0.95 << 2 << 9;
        QTest::newRow("binance 6000 at 95 %") << 6000 << 0.95 << 2 << 2850;
        QTest::newRow("weight 1") << 10 << 1.0 << 1 << 10;
        QTest::newRow("heavier than budget goes alone") << 5 << 1.0 << 8 << 1;
    }
    void budget()
    {
        QFETCH(int, perWindow);
        QFETCH(double, target);
        QFETCH(int, weight);
        QFETCH(int, expected);
        FakeClock clock;
        RequestPacer pacer(weightLimits(perWindow, target));
        pacer.setClock(clock.fn());
        // Fast path for big budgets: all but the last few without threads.
        int passed = 0;
        std::atomic<bool> cancel{false};
        for (; passed < expected - 2; ++passed)
            QVERIFY(pacer.acquire(weight, &cancel));
        passed += immediateAcquires(pacer, weight, expected + 3 - passed);
        QCOMPARE(passed, expected);
        QCOMPARE(pacer.stats().weightUsed, qint64(expected) * weight);

        // Once the first request leaves the sliding window, the next may go.
        clock.t += 60'000;
        QVERIFY(pacer.acquire(weight, &cancel));
    }

    void slidingWindowSpansMinuteBoundaries()
    {
        // Spent at the end of one minute, the budget is not fresh at the start of the next:
        // whatever the server's window alignment, no fixed minute sees more than the budget.
        FakeClock clock;
        clock.t = 1'700'000'099'000; // 59 s into a minute
        RequestPacer pacer(weightLimits(10));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        for (int i = 0; i < 5; ++i)
            QVERIFY(pacer.acquire(2, &cancel));
        clock.t += 2'000; // next minute
        QCOMPARE(immediateAcquires(pacer, 2, 3), 0);
        clock.t += 58'000; // the first requests leave the sliding window
        QCOMPARE(immediateAcquires(pacer, 2, 10), 5);
    }

    void headerCorrection_data()
    {
        QTest::addColumn<int>("serverUsed");
        QTest::addColumn<int>("expected");
        QTest::newRow("server agrees") << 2 << 49;
        QTest::newRow("another client used 88") << 90 << 5;
        QTest::newRow("server says lower") << 0 << 49;
        QTest::newRow("server at the limit") << 100 << 0;
    }
    void headerCorrection()
    {
        QFETCH(int, serverUsed);
        QFETCH(int, expected);
        FakeClock clock;
        RequestPacer pacer(weightLimits(100));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        pacer.observe(answer(200, serverUsed));
        QCOMPARE(immediateAcquires(pacer, 2, 60), expected);
    }

    void externalWeightExpiresWithTheServerWindow()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(100));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        pacer.observe(answer(200, 100));
        QCOMPARE(immediateAcquires(pacer, 2, 5), 0);
        clock.t += 20'000; // the server's minute ended: its count reset
        QCOMPARE(immediateAcquires(pacer, 2, 60), 49);
    }

    void rateLimitedWaitsRetryAfter()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        pacer.observe(answer(429, 10, 3));
        QCOMPARE(pacer.stats().rateLimited, 1);
        QVERIFY(pacer.blockedReason().startsWith(QLatin1String("rate limited by binance until")));
        // Refused far below the budget: not the weight limit, the budget stays.
        QCOMPARE(pacer.stats().budget, 6000);
        QFuture<VoidResult> f = QtConcurrent::run([&] { return pacer.acquire(2, &cancel); });
        QTRY_COMPARE(pacer.stats().waits, 1);
        QVERIFY(!f.isFinished());
        clock.t += 2'999;
        QTest::qWait(0);
        QVERIFY(!f.isFinished());
        clock.t += 1;
        QTRY_VERIFY(f.isFinished());
        QVERIFY(f.result());
        QVERIFY(pacer.blockedReason().isEmpty());
    }

    void rateLimitNearTheBudgetLowersIt()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        pacer.observe(answer(429, 5000));
        // The server's real limit is about 5000: stay under what it accepted from now on.
        QVERIFY(pacer.stats().budget < 5000);
        QVERIFY(pacer.stats().budget > 4000);
        // Without Retry-After, the wait lasts until the minute ends (20 s here).
        QCOMPARE(pacer.stats().pausedUntilMs, clock.t.load() + 20'000);
    }

    void banStopsEveryone()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        pacer.observe(answer(418, 7000, 120));
        QCOMPARE(pacer.stats().banned, 1);
        QVERIFY2(pacer.blockedReason().startsWith(QLatin1String("banned by binance until ")),
                 qPrintable(pacer.blockedReason()));
        // Every thread is refused with the reason, immediately, and nothing is sent.
        const qint64 sentBefore = pacer.stats().requests;
        QList<QFuture<VoidResult>> all;
        for (int i = 0; i < 4; ++i)
            all << QtConcurrent::run([&] { return pacer.acquire(2, &cancel); });
        for (auto &f : all) {
            f.waitForFinished();
            QVERIFY(!f.result());
            QCOMPARE(f.result().error().kind(), Error::Kind::Banned);
            QVERIFY(f.result().error().message().contains(QLatin1String("banned by binance until")));
            QCOMPARE(f.result().error().retryAfterMs(), 120'000);
        }
        QCOMPARE(pacer.stats().requests, sentBefore);
        // waitUntilClear blocks until the ban ends.
        QFuture<bool> waiter = QtConcurrent::run([&] { return pacer.waitUntilClear(&cancel); });
        QTest::qWait(100);
        QVERIFY(!waiter.isFinished());
        clock.t += 120'000;
        QTRY_VERIFY(waiter.isFinished());
        QVERIFY(waiter.result());
        QVERIFY(pacer.acquire(2, &cancel));
    }

    void cancelUnblocks()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(4));
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(4, &cancel));
        QFuture<VoidResult> f = QtConcurrent::run([&] { return pacer.acquire(2, &cancel); });
        QTRY_COMPARE(pacer.stats().waits, 1);
        cancel = true;
        QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 1000);
        QCOMPARE(f.result().error().kind(), Error::Kind::Cancelled);
    }

    void longWaitsFailInsteadOfBlocking()
    {
        FakeClock clock;
        RequestPacer::Limits l = weightLimits(4);
        l.maxBlockMs = 1000;
        RequestPacer pacer(l);
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(4, &cancel));
        const VoidResult r = pacer.acquire(2, &cancel);
        QVERIFY(!r);
        QCOMPARE(r.error().kind(), Error::Kind::RateLimited);
        QCOMPARE(r.error().retryAfterMs(), 60'000);
    }

    void concurrencyLimit()
    {
        RequestPacer::Limits l;
        l.provider = QStringLiteral("kraken");
        l.maxConcurrency = 2;
        RequestPacer pacer(l);
        std::atomic<bool> cancel{false};
        std::atomic<bool> release1{false};
        std::atomic<int> passed{0};
        // Each request holds its slot until observe() on its own thread.
        auto request = [&](std::atomic<bool> *release) {
            if (!pacer.acquire(1, &cancel))
                return false;
            ++passed;
            while (release && !release->load())
                QThread::yieldCurrentThread();
            pacer.observe(answer(200));
            return true;
        };
        std::atomic<bool> release2{false};
        std::atomic<bool> release3{true};
        QFuture<bool> a = QtConcurrent::run([&] { return request(&release1); });
        QFuture<bool> b = QtConcurrent::run([&] { return request(&release2); });
        QTRY_COMPARE(passed.load(), 2);
        QFuture<bool> c = QtConcurrent::run([&] { return request(&release3); });
        QTRY_COMPARE(pacer.stats().waits, 1);
        QCOMPARE(passed.load(), 2);
        release1 = true;
        QTRY_VERIFY(c.isFinished());
        QVERIFY(c.result());
        release2 = true;
        QTRY_VERIFY(a.isFinished() && b.isFinished());
        QCOMPARE(pacer.stats().inFlight, 0);
    }

    void requestsPerSecondSpacing()
    {
        FakeClock clock;
        RequestPacer::Limits l;
        l.provider = QStringLiteral("coinbase");
        l.requestsPerSecond = 10;
        l.target = 1.0;
        l.maxConcurrency = 0;
        RequestPacer pacer(l);
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(1, &cancel));
        QCOMPARE(immediateAcquires(pacer, 1, 2), 0);
        clock.t += 100;
        QCOMPARE(immediateAcquires(pacer, 1, 2), 1);
    }

    void threadUsageIsPerThread()
    {
        RequestPacer pacer(weightLimits(6000));
        std::atomic<bool> cancel{false};
        RequestPacer::takeThreadUsage();
        QVERIFY(pacer.acquire(2, &cancel));
        QVERIFY(pacer.acquire(2, &cancel));
        // A thread of its own (a QFuture's wait may run the task on the waiting thread).
        std::unique_ptr<QThread> other(QThread::create([&] { (void)pacer.acquire(5, &cancel); }));
        other->start();
        QVERIFY(other->wait(5000));
        const RequestPacer::ThreadUsage u = RequestPacer::takeThreadUsage();
        QCOMPARE(u.requests, 2);
        QCOMPARE(u.weight, 4);
        QCOMPARE(RequestPacer::takeThreadUsage().requests, 0);
    }

    void seededFromProviderInfo()
    {
        ProviderInfo info;
        info.id = QStringLiteral("binance");
        info.weightPerMinute = 6000;
        info.klinesWeight = 2;
        info.maxConcurrency = 8;
        const RequestPacer::Limits l = RequestPacer::limitsFor(info);
        QCOMPARE(l.weightPerWindow, 6000);
        QCOMPARE(l.windowMs, 60'000);
        QCOMPARE(l.maxConcurrency, 8);
        RequestPacer pacer(l);
        QCOMPARE(pacer.stats().budget, 5700);
    }

    // Issue 16: the provider's own figures replace the metadata's, each says where it came
    // from, and the gate says why it holds requests back.
    void announcedLimitsReplaceTheMetadata()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        QVERIFY(pacer.limitsStale()); // never announced
        QCOMPARE(pacer.stats().limits.size(), 1);
        QCOMPARE(pacer.stats().limits[0].limit.source, RateLimit::Source::Metadata);
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        pacer.announce({{RateLimit::Kind::Weight, 60'000, 10, RateLimit::Source::Announced},
                        {RateLimit::Kind::Requests, 300'000, 100, RateLimit::Source::Announced}});
        QVERIFY(!pacer.limitsStale());
        const GateStats s = pacer.stats();
        QCOMPARE(s.limits.size(), 2);
        QCOMPARE(s.limits[0].limit.limit, 10);
        QCOMPARE(s.limits[0].limit.source, RateLimit::Source::Announced);
        QCOMPARE(s.limits[0].used, 2);
        QCOMPARE(s.limits[0].remaining, 8);
        QCOMPARE(s.limits[1].used, 1); // the request already sent counts in the new window
        // 2 of 10 spent: four more of weight 2.
        QCOMPARE(immediateAcquires(pacer, 2, 10), 4);
        QCOMPARE(pacer.state().reason, GateState::Reason::Budget);
        QVERIFY(pacer.state().untilMs > clock.t.load());
        // Stale again after the refresh period.
        clock.t += pacer.limits().refreshMs;
        QVERIFY(pacer.limitsStale());
    }

    void headerForAnUnknownIntervalMakesTheLimitsStale()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        pacer.announce({{RateLimit::Kind::Weight, 60'000, 6000, RateLimit::Source::Announced}});
        QVERIFY(!pacer.limitsStale());
        HttpResponse r = answer(200, 10);
        r.headers.append(qMakePair(QByteArray("x-mbx-used-weight-10s"), QByteArray("4")));
        pacer.observe(r);
        QVERIFY(pacer.limitsStale());
    }

    void usedWeightPerInterval()
    {
        // X-MBX-USED-WEIGHT-<n><unit> corrects the limit of its own interval.
        FakeClock clock;
        clock.t = 1'700'000'000'000; // on a 10 s boundary
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        pacer.announce({{RateLimit::Kind::Weight, 60'000, 6000, RateLimit::Source::Announced},
                        {RateLimit::Kind::Weight, 10'000, 20, RateLimit::Source::Announced}});
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(2, &cancel));
        HttpResponse r = answer(200, 2);
        r.headers.append(qMakePair(QByteArray("x-mbx-used-weight-10s"), QByteArray("16"))); // another client spent 14
        pacer.observe(r);
        QCOMPARE(immediateAcquires(pacer, 2, 10), 2); // 20 - 16 left
    }

    void alpacaRateHeaders()
    {
        FakeClock clock;
        RequestPacer::Limits l;
        l.provider = QStringLiteral("alpaca");
        l.requestsPerSecond = 3.3;
        l.maxConcurrency = 0;
        l.target = 1.0;
        RequestPacer pacer(l);
        pacer.setClock(clock.fn());
        std::atomic<bool> cancel{false};
        QVERIFY(pacer.acquire(1, &cancel));
        HttpResponse r;
        r.status = 200;
        r.headers = {{"x-ratelimit-limit", "50"}, {"x-ratelimit-remaining", "0"},
                     {"x-ratelimit-reset", QByteArray::number(clock.t.load() / 1000 + 7)}};
        pacer.observe(r);
        const LimitUsage *header = nullptr;
        const GateStats stats = pacer.stats(); // header points into it: keep it alive
        for (const LimitUsage &u : stats.limits)
            if (u.limit.source == RateLimit::Source::Header)
                header = &u;
        QVERIFY(header);
        QCOMPARE(header->limit.limit, 50);
        QCOMPARE(header->limit.intervalMs, 60'000);
        // Nothing remaining: the gate waits for the reset instead of meeting a 429.
        const GateState st = pacer.state();
        QCOMPARE(st.reason, GateState::Reason::RateLimited);
        QCOMPARE(st.untilMs, (clock.t.load() / 1000 + 7) * 1000);
        QCOMPARE(immediateAcquires(pacer, 1, 2), 0);
    }

    void stateSaysWhyAndUntilWhen()
    {
        FakeClock clock;
        RequestPacer pacer(weightLimits(6000));
        pacer.setClock(clock.fn());
        QCOMPARE(pacer.state().reason, GateState::Reason::Open);
        pacer.observe(answer(429, 10, 3));
        GateState st = pacer.state();
        QCOMPARE(st.reason, GateState::Reason::RateLimited);
        QCOMPARE(st.untilMs, clock.t.load() + 3000);
        QVERIFY(st.text.startsWith(QLatin1String("rate limited by binance until")));
        pacer.observe(answer(418, 10, 60));
        st = pacer.state();
        QCOMPARE(st.reason, GateState::Reason::Banned);
        QCOMPARE(st.untilMs, clock.t.load() + 60'000);
        QVERIFY(st.text.startsWith(QLatin1String("banned by binance until")));
        RequestGate &gate = pacer; // callers see only the interface
        QCOMPARE(gate.stats().banned, 1);
        QCOMPARE(gate.state().reason, GateState::Reason::Banned);
    }

    void throttleInTheProvidersWordsPausesAndTightens()
    {
        FakeClock clock;
        RequestPacer::Limits l;
        l.provider = QStringLiteral("kraken");
        l.requestsPerSecond = 1;
        l.maxConcurrency = 0;
        RequestPacer pacer(l);
        pacer.setClock(clock.fn());
        pacer.throttled(-1, QStringLiteral("EGeneral:Too many requests"));
        QCOMPARE(pacer.stats().rateLimited, 1);
        QCOMPARE(pacer.state().reason, GateState::Reason::RateLimited);
        QCOMPARE(pacer.state().untilMs, clock.t.load() + 1000); // first backoff
        pacer.throttled(-1, QStringLiteral("EGeneral:Too many requests"));
        QCOMPARE(pacer.state().untilMs, clock.t.load() + 2000); // doubled
        const RateLimit r = pacer.stats().limits.value(0).limit;
        QCOMPARE(r.source, RateLimit::Source::Learned);
        QVERIFY(r.intervalMs > 1000); // 1 per second became 1 per more than a second
    }
};

QTEST_GUILESS_MAIN(TestRequestPacer)
#include "tst_requestpacer.moc"
