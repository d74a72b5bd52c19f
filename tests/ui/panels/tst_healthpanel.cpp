// SPDX-License-Identifier: GPL-3.0-or-later
// Data health: counter deltas become the right rates; the panel samples real counters.
#include "cache/barcache.h"
#include "health/healthhistory.h"
#include "health/healthpanel.h"
#include "panelsfixture.h"
#include "services/dataorchestrator.h"

#include <QSignalSpy>
#include <QTest>

using namespace barkeep;
using namespace barkeep::ui;

class TstHealthPanel : public QObject
{
    Q_OBJECT

private slots:
    void rates()
    {
        HealthHistory h(120'000);
        HealthSnapshot s;
        s.tMs = 1'000'000;
        s.weightLimit = 6000;
        HealthPoint p = h.add(s);
        QCOMPARE(p.requestsPerSecond, 0.0);
        QCOMPARE(p.cacheHitRate, -1.0);
        QCOMPARE(p.weightLimit, 6000.0);
        // One request and 2 weight per second, bars 100/s; a 429 at t=30 s; cache 3 hits : 1 miss.
        for (int i = 1; i <= 90; ++i) {
            s.tMs += 1000;
            s.requests += 1;
            s.weightUsed += 2;
            s.barsWritten += 100;
            s.cacheHits += 3;
            s.cacheMisses += 1;
            if (i == 30)
                s.rateLimited += 1;
            p = h.add(s);
            if (i == 40)
                QCOMPARE(p.rateLimitedPerMinute, 1.0);
        }
        QCOMPARE(p.requestsPerSecond, 1.0);
        QCOMPARE(p.barsPerSecond, 100.0);
        QCOMPARE(p.weightLastMinute, 120.0);   // 60 s × 2
        QCOMPARE(p.rateLimitedPerMinute, 0.0); // the 429 was 60 s ago
        QCOMPARE(p.cacheHitRate, 75.0);
        // Only the last 120 s of points are kept.
        QCOMPARE(h.points().size(), size_t(91));
        for (int i = 0; i < 60; ++i) {
            s.tMs += 1000;
            h.add(s);
        }
        QCOMPARE(h.points().size(), size_t(121));
        QCOMPARE(h.points().back().requestsPerSecond, 0.0);
    }

    void countersGoingBackwardsDoNotGoNegative()
    {
        HealthHistory h;
        HealthSnapshot s;
        s.tMs = 1000;
        s.requests = 500;
        h.add(s);
        s.tMs = 2000;
        s.requests = 3; // the pacer was recreated
        QCOMPARE(h.add(s).requestsPerSecond, 3.0);
    }

    void samplesTheRunningServices()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        HealthPanel panel({fx.app->registry(), fx.app->market(), fx.app->cache(),
                           fx.app->orchestrator(), fx.backfill.get()});
        panel.resize(600, 400);
        panel.show();
        QSignalSpy sampled(&panel, &HealthPanel::sampled);
        QVERIFY(sampled.wait(5000));
        // Cached reads count as hits; new bars as bars written.
        const SeriesKey key = test::PanelsFixture::demo();
        const TimeRange r{1709596800000, 1709596800000 + 2 * kHourMs};
        QVERIFY(fx.app->orchestrator()->bars(key, r));
        QVERIFY(fx.app->orchestrator()->bars(key, r));
        QTRY_VERIFY_WITH_TIMEOUT(!panel.history().points().empty()
                                     && panel.history().points().back().cacheHitRate > 0,
                                 10000);
        bool sawBars = false;
        for (const HealthPoint &p : panel.history().points())
            sawBars = sawBars || p.barsPerSecond > 0;
        QVERIFY(sawBars);
    }
};

QTEST_MAIN(TstHealthPanel)
#include "tst_healthpanel.moc"
