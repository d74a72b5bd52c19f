// SPDX-License-Identifier: GPL-3.0-or-later
// Data health: counter deltas become the right rates; the panel samples real counters.
#include "cache/barcache.h"
#include "health/healthhistory.h"
#include "health/healthpanel.h"
#include "panelsfixture.h"
#include "health/providerbudgetrows.h"
#include "services/dataorchestrator.h"
#include "services/requestpacer.h"
#include "storage/store.h"

#include <QListWidget>
#include <QTableWidget>

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

    // Issue 16: the limit in force says where it came from, and a pause or a ban says until
    // when, in the words a person reads in the panel.
    void budgetRowsNameSourceAndBlockedUntil()
    {
        RequestPacer::Limits seed;
        seed.provider = QStringLiteral("binance");
        seed.weightPerWindow = 6000;
        RequestPacer pacer(seed);
        qint64 now = 1'700'000'000'000;
        pacer.setClock([&now] { return now; });
        QList<ProviderBudgetRow> rows
            = providerBudgetRows(QStringLiteral("binance"), pacer.stats(), pacer.state(), now);
        QVERIFY(!rows.isEmpty());
        QCOMPARE(rows.front().source, QStringLiteral("metadata"));
        QVERIFY2(rows.front().limit.contains(QLocale().toString(6000)), qPrintable(rows.front().limit));
        QCOMPARE(rows.front().state, QStringLiteral("open"));
        QVERIFY(!rows.front().blocked);

        RateLimit announced;
        announced.kind = RateLimit::Kind::Weight;
        announced.intervalMs = 60'000;
        announced.limit = 1200;
        announced.source = RateLimit::Source::Announced;
        pacer.announce({announced});
        QVERIFY(pacer.acquire(2, nullptr));
        rows = providerBudgetRows(QStringLiteral("binance"), pacer.stats(), pacer.state(), now);
        bool sawAnnounced = false;
        for (const ProviderBudgetRow &r : rows) {
            if (r.source == QLatin1String("announced")) {
                sawAnnounced = true;
                QVERIFY2(r.limit.contains(QLocale().toString(1200)), qPrintable(r.limit));
                QVERIFY2(r.limit.contains(intervalText(60'000)), qPrintable(r.limit));
                QCOMPARE(r.inFlight, QLocale().toString(1));
            }
        }
        QVERIFY(sawAnnounced);

        pacer.throttled(30'000, QStringLiteral("429 Too Many Requests"));
        rows = providerBudgetRows(QStringLiteral("binance"), pacer.stats(), pacer.state(), now);
        QVERIFY(rows.front().blocked);
        QVERIFY2(rows.front().state.contains(QLatin1String("binance")), qPrintable(rows.front().state));
        QCOMPARE(rows.front().tooMany, QLocale().toString(1));
    }

    // Issue 17: a native candle that differs from the rollup of stored 1m bars is a
    // data-health finding the panel lists: those stored before it opened, and new ones live.
    void listsDataHealthFindings()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        const SeriesKey daily = test::PanelsFixture::demo().withTimeframe(QStringLiteral("1d"));
        const QString stored = QStringLiteral("the native 1d candle (o 1 h 2 l 0.5 c 1.5 v 9) differs "
                                              "from the rollup of stored 1m bars (this bar); the "
                                              "native one is served");
        // The native series holds its candle; the finding sits beside it.
        QVERIFY(fx.app->store()->writeBars(daily, {Bar{1709596800000, 1, 2, 0.5, 1.5, 9}},
                                           {1709596800000, 1709596800000 + kDayMs}));
        QVERIFY(fx.app->store()->recordFinding(daily, Bar{1709596800000, 1, 2, 0.5, 1.4, 8}, stored));
        HealthPanel panel({fx.app->registry(), fx.app->market(), fx.app->cache(),
                           fx.app->orchestrator(), fx.backfill.get(), fx.app->store()});
        QListWidget *findings = panel.findingsList();
        QTRY_COMPARE_WITH_TIMEOUT(findings->count(), 1, 10000);
        QVERIFY2(findings->item(0)->text().contains(QStringLiteral("BTC/USDT · demo · 1d 2024-03-05")),
                 qPrintable(findings->item(0)->text()));
        QVERIFY(findings->item(0)->text().contains(stored));

        emit fx.app->orchestrator()->findingRecorded(daily, Bar{1709683200000, 1, 2, 0.5, 1.4, 8},
                                                     QStringLiteral("live finding"));
        QTRY_COMPARE(findings->count(), 2);
        QVERIFY(findings->item(0)->text().contains(QStringLiteral("live finding")));
    }

    void intervalsReadAsPeopleSayThem()
    {
        QCOMPARE(intervalText(60'000), QStringLiteral("1 min"));
        QCOMPARE(intervalText(10'000), QStringLiteral("10 s"));
        QCOMPARE(intervalText(86'400'000), QStringLiteral("1 day"));
        QCOMPARE(intervalText(3'600'000), QStringLiteral("1 h"));
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
        // One row per provider (and limit) in the budget table.
        QTableWidget *budgets = panel.budgetTable();
        QVERIFY(budgets);
        QTRY_VERIFY(budgets->rowCount() >= 1);
        QStringList providers;
        for (int row = 0; row < budgets->rowCount(); ++row)
            providers << budgets->item(row, 0)->text();
        QVERIFY2(providers.contains(QStringLiteral("demo")), qPrintable(providers.join(u',')));
    }
};

QTEST_MAIN(TstHealthPanel)
#include "tst_healthpanel.moc"
