// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 17: native timeframes. The orchestrator picks the cheapest exact source per sub-range
// (stored native candles, an exact rollup of a complete finer stored series, else the
// provider's own candles of the timeframe or of the coarsest one dividing it), says which in
// `sources`, keeps the native candle where it disagrees with the rollup of stored minutes
// and records a data-health finding; backfill jobs name their timeframe and a provider's reach
// is checked when the job is submitted. Against the fake Binance and Kraken (tests/fakes).
#include "api/barscontroller.h"
#include "binancefake.h"
#include "config/config.h"
#include "krakenfake.h"
#include "plugin/pluginregistry.h"
#include "model/jobstate.h"
#include "services/backfillmanager.h"
#include "services/backfillplanner.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "services/timeframesources.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent>

using namespace barkeep;

namespace {

// The fakes answer on this (the test's) thread, so every blocking call runs on a worker while
// the test thread keeps serving them.
template <typename F>
auto onWorker(F f)
{
    QFuture<decltype(f())> future = QtConcurrent::run(std::move(f));
    while (!future.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return future.result();
}

// Store, registry, market service and orchestrator pointed at one fake provider.
struct Setup
{
    Setup(const QString &provider, const QUrl &url)
    {
        ConfigSources s;
        s.dataDir = dir.path();
        config = Config::load(s).config;
        config.set(QStringLiteral("providers.%1.baseUrl").arg(provider), url.toString());
        auto created = createBarStore(QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("t.db")));
        if (!created || !(*created)->open())
            return;
        store = std::move(created).value();
        registry.discover();
        market = std::make_unique<MarketService>(&registry, config);
        orchestrator = std::make_unique<DataOrchestrator>(store.get(), nullptr, market.get());
    }
    QTemporaryDir dir;
    Config config;
    std::unique_ptr<Store> store;
    PluginRegistry registry;
    std::unique_ptr<MarketService> market;
    std::unique_ptr<DataOrchestrator> orchestrator;
};

QStringList intervalsAsked(const fakes::FakeServer &fake, const QString &param)
{
    QStringList out;
    for (const QUrl &u : fake.requestLog()) {
        const QString v = QUrlQuery(u).queryItemValue(param);
        if (!v.isEmpty())
            out << v;
    }
    return out;
}

QString runs(const SourceRuns &sources, qint64 origin)
{
    QStringList out;
    for (const SourceRun &s : sources)
        out << QStringLiteral("%1 %2..%3").arg(s.source).arg((s.range.from - origin) / kDayMs)
                   .arg((s.range.to - origin) / kDayMs);
    return out.join(QStringLiteral(", "));
}

} // namespace

class TstNativeTimeframes : public QObject
{
    Q_OBJECT

private slots:
    void divisors()
    {
        const auto tf = [](const char *n) { return *Timeframe::parse(QString::fromLatin1(n)); };
        QVERIFY(TimeframeSources::divides(tf("1h"), tf("2h")));
        QVERIFY(TimeframeSources::divides(tf("1d"), tf("1w")));
        QVERIFY(TimeframeSources::divides(tf("1d"), tf("1M")));
        QVERIFY(TimeframeSources::divides(tf("4h"), tf("1w")));
        QVERIFY(!TimeframeSources::divides(tf("3d"), tf("1w")));
        QVERIFY(!TimeframeSources::divides(tf("1w"), tf("1M")));
        QVERIFY(!TimeframeSources::divides(tf("1d"), tf("1d")));
        const auto kraken = TimeframeSources::parseNative(
            QStringLiteral("1m 5m 15m 30m 1h 4h 1d").split(QLatin1Char(' ')));
        QCOMPARE(TimeframeSources::fetchTimeframe(kraken, tf("2h")), tf("1h"));
        QCOMPARE(TimeframeSources::fetchTimeframe(kraken, tf("1w")), tf("1d"));
        QCOMPARE(TimeframeSources::fetchTimeframe(kraken, tf("1d")), tf("1d"));
        QCOMPARE(TimeframeSources::fetchTimeframe(kraken, tf("7m")), tf("1m"));
    }

    // Part native stored, part complete 1m stored, part nothing: each run from its cheapest
    // source, one provider request of daily candles for the part nothing answers.
    void mixedRangeSourceChoice()
    {
        fakes::BinanceFake fake;
        QVERIFY(fake.listen());
        Setup s(QStringLiteral("binance"), fake.url());
        QVERIFY(s.orchestrator);
        const SeriesKey daily{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                              QStringLiteral("1d")};
        const qint64 a = (QDateTime::currentMSecsSinceEpoch() / kDayMs - 60) * kDayMs;
        // Days 0..10 native, 10..12 complete minutes, 12..30 nothing.
        QVERIFY(onWorker([&] { return s.orchestrator->ensureFetched(daily, {a, a + 10 * kDayMs}); }));
        QVERIFY(onWorker([&] {
            return s.orchestrator->ensureFetched(daily.withTimeframe(QStringLiteral("1m")),
                                                 {a + 10 * kDayMs, a + 12 * kDayMs});
        }));
        fake.resetCounters();
        const Result<SourcedBars> r = onWorker([&] {
            return s.orchestrator->sourcedBars(daily, {a, a + 30 * kDayMs});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message()));
        QCOMPARE(runs(r->sources, a), QStringLiteral("native:1d 0..10, rollup:1m 10..12, native:1d 12..30"));
        QCOMPARE(fake.totalRequests(), 1);
        QCOMPARE(intervalsAsked(fake, QStringLiteral("interval")), QStringList{QStringLiteral("1d")});
        const Bars native = fake.groundTruth(QStringLiteral("BTCUSDT"), {a, a + 30 * kDayMs}, QStringLiteral("1d"));
        QCOMPARE(r->bars.size(), size_t(30));
        for (size_t i = 0; i < r->bars.size(); ++i) {
            const Bar &b = r->bars[i];
            const bool rolled = b.t >= a + 10 * kDayMs && b.t < a + 12 * kDayMs;
            const Bar want = rolled ? fake.truth().bucket(QStringLiteral("BTCUSDT"), Timeframe::minutes(1440), b.t,
                                                          std::numeric_limits<qint64>::max()).value()
                                    : native[i];
            QCOMPARE(b.t, want.t);
            QCOMPARE(b.c, want.c);
            QVERIFY(qAbs(b.v - want.v) < 1e-6);
        }
        // Asked again: everything is stored now, no request.
        fake.resetCounters();
        QVERIFY(onWorker([&] { return s.orchestrator->sourcedBars(daily, {a, a + 30 * kDayMs}); }));
        QCOMPARE(fake.totalRequests(), 0);
    }

    // The native candle wins where it and the rollup of stored minutes differ, and the
    // difference is a data-health finding (the quarantine of the daily series, /coverage).
    void nativeWinsAndDifferenceIsAFinding()
    {
        fakes::BinanceFake fake;
        QVERIFY(fake.listen());
        Setup s(QStringLiteral("binance"), fake.url());
        QVERIFY(s.orchestrator);
        const SeriesKey daily{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                              QStringLiteral("1d")};
        const qint64 day = fake.truth().divergentDay();
        QVERIFY(day > 0);
        QVERIFY(onWorker([&] {
            return s.orchestrator->ensureFetched(daily.withTimeframe(QStringLiteral("1m")), {day - kDayMs, day + 2 * kDayMs});
        }));
        QVERIFY(onWorker([&] { return s.orchestrator->ensureFetched(daily, {day - 5 * kDayMs, day + 2 * kDayMs}); }));
        const Result<std::vector<QuarantinedBar>> findings = s.store->quarantine(daily);
        QVERIFY(findings);
        QCOMPARE(findings->size(), size_t(1)); // the other two complete days agree
        QCOMPARE(findings->front().bar.t, day);
        QVERIFY2(findings->front().reason.contains(QLatin1String("differs")), qPrintable(findings->front().reason));
        const Bar rollup = fake.truth().bucket(QStringLiteral("BTCUSDT"), Timeframe::minutes(1440), day,
                                               std::numeric_limits<qint64>::max()).value();
        QCOMPARE(findings->front().bar.h, rollup.h);

        const Result<SourcedBars> r = onWorker([&] { return s.orchestrator->sourcedBars(daily, {day, day + kDayMs}); });
        QVERIFY(r);
        QCOMPARE(r->bars.size(), size_t(1));
        const Bar native = fake.groundTruth(QStringLiteral("BTCUSDT"), {day, day + kDayMs}, QStringLiteral("1d")).at(0);
        QCOMPARE(r->bars.front().h, native.h);
        QVERIFY(r->bars.front().h != rollup.h);
        QCOMPARE(r->sources.size(), size_t(1));
        QCOMPARE(r->sources.front().source, QStringLiteral("native:1d"));
    }

    // Kraken keeps 720 rows per timeframe: a week of 1h and a year of 1d are within reach of
    // its own candles (720 minutes of 1m are not); 2h comes from its 1h.
    void krakenHourAndDay()
    {
        fakes::KrakenFake fake;
        fake.faults().requestsPerSecond = 1000;
        fake.faults().burst = 1000;
        QVERIFY(fake.listen());
        Setup s(QStringLiteral("kraken"), fake.url());
        QVERIFY(s.orchestrator);
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("kraken"), QStringLiteral("BTC/USD"),
                            QStringLiteral("1h")};
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 hour = now / kHourMs * kHourMs;
        Result<Bars> week = onWorker([&] { return s.orchestrator->bars(key, {hour - 7 * kDayMs, hour}); });
        QVERIFY2(week, qPrintable(week ? QString() : week.error().message()));
        QVERIFY2(week->size() >= 160, qPrintable(QString::number(week->size())));

        const qint64 today = now / kDayMs * kDayMs;
        Result<Bars> year = onWorker([&] {
            return s.orchestrator->bars(key.withTimeframe(QStringLiteral("1d")), {today - 365 * kDayMs, today});
        });
        QVERIFY(year);
        QCOMPARE(year->size(), size_t(365));

        fake.resetCounters();
        const qint64 twoHours = now / (2 * kHourMs) * (2 * kHourMs);
        Result<SourcedBars> two = onWorker([&] {
            return s.orchestrator->sourcedBars(key.withTimeframe(QStringLiteral("2h")), {twoHours - 2 * kDayMs, twoHours});
        });
        QVERIFY(two);
        QCOMPARE(two->bars.size(), size_t(24));
        QCOMPARE(two->sources.size(), size_t(1));
        QCOMPARE(two->sources.front().source, QStringLiteral("rollup:1h"));
        QCOMPARE(fake.totalRequests(), 0); // the week of 1h is stored already
        QVERIFY(!intervalsAsked(fake, QStringLiteral("interval")).contains(QStringLiteral("1")));
    }

    // /ohlcv's JSON carries the runs; the hand-written encoder and the QJsonDocument baseline
    // agree.
    void ohlcvSources()
    {
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                            QStringLiteral("1d")};
        const Bars bars{{0, 1, 2, 0.5, 1.5, 10}, {kDayMs, 1.5, 2, 1, 1.25, 3}};
        const SourceRuns sources{{{0, kDayMs}, QStringLiteral("native:1d")},
                                 {{kDayMs, 2 * kDayMs}, QStringLiteral("rollup:1m")}};
        const QByteArray fast = BarsController::ohlcvJson(key, bars, -1, false, sources);
        const QByteArray slow = BarsController::ohlcvJson(key, bars, -1, true, sources);
        QCOMPARE(QJsonDocument::fromJson(fast), QJsonDocument::fromJson(slow));
        const QJsonArray runs = QJsonDocument::fromJson(fast).object().value(QStringLiteral("sources")).toArray();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs.at(1).toObject().value(QStringLiteral("source")).toString(), QStringLiteral("rollup:1m"));
        QCOMPARE(runs.at(1).toObject().value(QStringLiteral("from")).toInteger(), kDayMs);
        QCOMPARE(BarsController::sourcesHeader(sources),
                 QByteArray("native:1d 0 86400000,rollup:1m 86400000 172800000"));
    }

    // A job names its timeframe; Kraken's reach is checked when it is submitted.
    void backfillReach()
    {
        PluginRegistry registry;
        registry.discover();
        const auto kraken = registry.provider(QStringLiteral("crypto"), QStringLiteral("kraken"));
        QVERIFY(kraken);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const SeriesKey minute{QStringLiteral("crypto"), QStringLiteral("kraken"), QStringLiteral("BTC/USD"),
                               QStringLiteral("1m")};
        const VoidResult far = BackfillPlanner::checkReach(*kraken, minute, {now - kDayMs, now}, now);
        QVERIFY(!far);
        QCOMPARE(far.error().kind(), Error::Kind::BadInput);
        QVERIFY2(far.error().message().contains(QLatin1String("720")), qPrintable(far.error().message()));
        QVERIFY(BackfillPlanner::checkReach(*kraken, minute, {now - 6 * kHourMs, now}, now));
        QVERIFY(BackfillPlanner::checkReach(*kraken, minute.withTimeframe(QStringLiteral("1d")),
                                            {now - 700 * kDayMs, now}, now));
        QVERIFY(!BackfillPlanner::checkReach(*kraken, minute.withTimeframe(QStringLiteral("1d")),
                                             {now - 800 * kDayMs, now}, now));
        QVERIFY(!BackfillPlanner::checkReach(*kraken, minute.withTimeframe(QStringLiteral("2h")),
                                             {now - kDayMs, now}, now)); // not one of its candles
        const auto binance = registry.provider(QStringLiteral("crypto"), QStringLiteral("binance"));
        QVERIFY(BackfillPlanner::checkReach(*binance, minute.withTimeframe(QStringLiteral("1d")),
                                            {now - 1800 * kDayMs, now}, now));
        QCOMPARE(BackfillPlanner::chunkMinutes(*kraken, QStringLiteral("1d")), 720 * 1440);
        const Result<TimeRange> aligned = BackfillPlanner::alignRange(QStringLiteral("1d"), {kDayMs + 5, 3 * kDayMs - 5});
        QVERIFY(aligned);
        QCOMPARE(*aligned, (TimeRange{kDayMs, 3 * kDayMs}));
    }

    // A backfill job of Kraken's daily candles over 700 days runs to done and fills the 1d
    // series (its own ledger); a 1m job over a day is refused at submit with the reason.
    void backfillJobPerTimeframe()
    {
        fakes::KrakenFake fake;
        fake.faults().requestsPerSecond = 1000;
        fake.faults().burst = 1000;
        QVERIFY(fake.listen());
        Setup s(QStringLiteral("kraken"), fake.url());
        QVERIFY(s.orchestrator);
        BackfillManager manager(s.store.get(), nullptr, s.market.get(), s.config);
        QVERIFY(manager.start());
        const qint64 today = QDateTime::currentMSecsSinceEpoch() / kDayMs * kDayMs;
        const SeriesKey minute{QStringLiteral("crypto"), QStringLiteral("kraken"), QStringLiteral("BTC/USD"),
                               QStringLiteral("1m")};
        const Result<qint64> refused = manager.submit(minute, {today - kDayMs, today});
        QVERIFY(!refused);
        QVERIFY2(refused.error().message().contains(QLatin1String("720")), qPrintable(refused.error().message()));

        const SeriesKey daily = minute.withTimeframe(QStringLiteral("1d"));
        const Result<qint64> id = manager.submit(daily, {today - 700 * kDayMs, today});
        QVERIFY2(id, qPrintable(id ? QString() : id.error().message()));
        QTRY_VERIFY_WITH_TIMEOUT(manager.job(*id) && isFinished(manager.job(*id)->state), 10'000);
        QCOMPARE(manager.job(*id)->state, JobState::Done);
        QCOMPARE(manager.job(*id)->series.timeframe, QStringLiteral("1d"));
        const Result<Bars> stored = s.store->readBars(daily, {today - 700 * kDayMs, today});
        QVERIFY(stored);
        QCOMPARE(stored->size(), size_t(700));
        QVERIFY(s.store->gaps(daily, {today - 700 * kDayMs, today})->empty());
        QVERIFY(!intervalsAsked(fake, QStringLiteral("interval")).contains(QStringLiteral("1")));
        manager.stop();
    }
};

QTEST_GUILESS_MAIN(TstNativeTimeframes)
#include "tst_nativetimeframes.moc"
