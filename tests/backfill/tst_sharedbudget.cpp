// SPDX-License-Identifier: GPL-3.0-or-later
// SharedBudget (issue 16): two pacers (two instances) sharing one Redis stay under one
// provider budget together; without Redis each paces alone. Needs BK_TEST_REDIS_URL
// (tools/with-servers.sh); skipped otherwise.
#include "services/requestpacer.h"
#include "services/sharedbudget.h"

#include <QTest>
#include <QUuid>

#include <atomic>

using namespace barkeep;

class TestSharedBudget : public QObject
{
    Q_OBJECT

private:
    static RequestPacer::Limits limits(const QString &provider)
    {
        RequestPacer::Limits l;
        l.provider = provider;
        l.weightPerWindow = 20;
        l.windowMs = 60'000;
        l.maxConcurrency = 0;
        l.target = 1.0;
        l.maxBlockMs = 0; // a wait fails at once: the test counts what passes
        return l;
    }

private slots:
    void twoInstancesShareOneBudget()
    {
        const QString url = qEnvironmentVariable("BK_TEST_REDIS_URL");
        if (url.isEmpty())
            QSKIP("BK_TEST_REDIS_URL not set (run under tools/with-servers.sh)");
        // A provider id of its own: keys of earlier runs never count.
        const QString provider = QStringLiteral("p") + QUuid::createUuid().toString(QUuid::Id128).left(12);
        std::atomic<qint64> clock{1'700'000'000'000};
        RequestPacer a(limits(provider));
        RequestPacer b(limits(provider));
        a.setClock([&] { return clock.load(); });
        b.setClock([&] { return clock.load(); });
        a.setSharedBudget(std::make_shared<SharedBudget>(url));
        b.setSharedBudget(std::make_shared<SharedBudget>(url));
        std::atomic<bool> cancel{false};
        int passed = 0;
        for (int i = 0; i < 20; ++i) {
            RequestPacer &p = i % 2 ? b : a;
            if (p.acquire(2, &cancel))
                ++passed;
        }
        // 20 weight per window for both together: ten requests of weight 2, not twenty.
        QCOMPARE(passed, 10);
        // The next window is fresh for both.
        clock += 60'000;
        QVERIFY(a.acquire(2, &cancel));
        QVERIFY(b.acquire(2, &cancel));
    }

    void withoutRedisEachPacesAlone()
    {
        RequestPacer a(limits(QStringLiteral("alone")));
        a.setSharedBudget(std::make_shared<SharedBudget>(QStringLiteral("redis://127.0.0.1:1/0")));
        std::atomic<bool> cancel{false};
        int passed = 0;
        for (int i = 0; i < 12; ++i)
            passed += a.acquire(2, &cancel) ? 1 : 0;
        QCOMPARE(passed, 10); // its own budget still holds
    }
};

QTEST_GUILESS_MAIN(TestSharedBudget)
#include "tst_sharedbudget.moc"
