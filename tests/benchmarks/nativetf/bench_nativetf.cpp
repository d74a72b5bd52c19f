// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 17's goal: the first answer of five years of BTC daily bars on an empty store, against
// the fake Binance, Coinbase and Kraken with 80 ms latency per request, through the
// orchestrator (native candles), beside the old path in the same run (1m fetched, then rolled
// up). The old path is measured over a few days of 1m and extrapolated to five years by its
// request count (requests are sequential, so time scales with them); the row says so.
// --smoke: shorter spans and no latency, for ctest.
#include "binancefake.h"
#include "coinbasefake.h"
#include "config/config.h"
#include "krakenfake.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtConcurrent>

#include <cstdio>

using namespace barkeep;

namespace {

template <typename F>
auto onWorker(F f)
{
    QFuture<decltype(f())> future = QtConcurrent::run(std::move(f));
    while (!future.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 2);
    return future.result();
}

struct Rig
{
    Rig(const QString &provider, const QUrl &url)
    {
        ConfigSources s;
        s.dataDir = dir.path();
        Config config = Config::load(s).config;
        config.set(QStringLiteral("providers.%1.baseUrl").arg(provider), url.toString());
        auto created = createBarStore(QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("b.db")));
        if (!created || !(*created)->open())
            qFatal("cannot open the store");
        store = std::move(created).value();
        registry.discover();
        market = std::make_unique<MarketService>(&registry, config);
        orchestrator = std::make_unique<DataOrchestrator>(store.get(), nullptr, market.get());
    }
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    PluginRegistry registry;
    std::unique_ptr<MarketService> market;
    std::unique_ptr<DataOrchestrator> orchestrator;
};

struct Figures
{
    int requests = 0;
    double seconds = 0;
    size_t bars = 0;
    double fake = 0; // of `seconds`, the fake's own candle building
};

// Warms the provider instance (symbols) so only klines requests are counted.
void warm(Rig &rig, const SeriesKey &key)
{
    onWorker([&] {
        auto plugin = rig.market->plugin(key.market, key.provider);
        if (plugin)
            (void)(*plugin)->symbols();
        return 0;
    });
}

// The fake's own work for the same answer (it builds each daily candle from 1440 ground-truth
// minutes on the test's thread), timed alone so the row can show Barkeep's part.
double fakeSeconds(const fakes::FakeServer &fake, const QString &native, TimeRange range)
{
    QElapsedTimer t;
    t.start();
    (void)fake.groundTruth(native, range, QStringLiteral("1d"));
    return t.nsecsElapsed() / 1e9;
}

Figures nativePath(fakes::FakeServer &fake, const QString &provider, const SeriesKey &key, TimeRange range)
{
    Rig rig(provider, fake.url());
    warm(rig, key);
    fake.resetCounters();
    QElapsedTimer t;
    t.start();
    const Result<Bars> bars = onWorker([&] { return rig.orchestrator->bars(key, range); });
    Figures f;
    f.seconds = t.nsecsElapsed() / 1e9;
    f.requests = fake.totalRequests();
    f.bars = bars ? bars->size() : 0;
    if (!bars)
        std::fprintf(stderr, "%s: %s\n", qPrintable(provider), qPrintable(bars.error().message()));
    return f;
}

// The old path: every minute of the span fetched as 1m, then the daily rollup.
Figures minutePath(fakes::FakeServer &fake, const QString &provider, const SeriesKey &key, TimeRange range)
{
    Rig rig(provider, fake.url());
    warm(rig, key);
    fake.resetCounters();
    QElapsedTimer t;
    t.start();
    const SeriesKey m1 = key.withTimeframe(QStringLiteral("1m"));
    const Result<qint64> fetched = onWorker([&] { return rig.orchestrator->ensureFetched(m1, range); });
    const Result<RollupBars> rolled = rig.store->readRollup(key, range);
    Figures f;
    f.seconds = t.nsecsElapsed() / 1e9;
    f.requests = fake.totalRequests();
    if (rolled)
        for (const RollupBar &r : *rolled)
            f.bars += r.complete ? 1 : 0;
    if (!fetched)
        std::fprintf(stderr, "%s 1m: %s\n", qPrintable(provider), qPrintable(fetched.error().message()));
    return f;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const int latency = smoke ? 0 : 80;
    const qint64 today = QDateTime::currentMSecsSinceEpoch() / kDayMs * kDayMs;
    const int years = smoke ? 1 : 5;
    const TimeRange span{today - qint64(years) * 365 * kDayMs - kDayMs, today}; // closed days
    const int sampleDays = smoke ? 1 : 3;
    const TimeRange sample{today - (sampleDays + 10) * kDayMs, today - 10 * kDayMs};
    const double scale = double(span.length()) / double(sample.length());

    std::printf("| provider | path | provider requests | time | daily bars |\n|---|---|---|---|---|\n");
    auto row = [&](const char *provider, const char *path, const Figures &f, bool extrapolated) {
        if (extrapolated)
            std::printf("| %s | %s | %d (measured %d over %d days, x%.0f) | %.1f s (measured %.2f s) | %zu of %d days |\n",
                        provider, path, int(f.requests * scale + 0.5), f.requests, sampleDays, scale,
                        f.seconds * scale, f.seconds, f.bars, sampleDays);
        else if (f.fake > 0)
            std::printf("| %s | %s | %d | %.2f s (%.2f s without the fake's candle building, %.2f s) | %zu |\n",
                        provider, path, f.requests, f.seconds, std::max(0.0, f.seconds - f.fake), f.fake, f.bars);
        else
            std::printf("| %s | %s | %d | %.2f s | %zu |\n", provider, path, f.requests, f.seconds, f.bars);
        std::fflush(stdout);
    };
    int failures = 0;
    {
        fakes::BinanceFake fake;
        fake.faults().latencyMs = latency;
        fake.listen();
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                            QStringLiteral("1d")};
        Figures n = nativePath(fake, QStringLiteral("binance"), key, span);
        n.fake = fakeSeconds(fake, QStringLiteral("BTCUSDT"), span);
        row("Binance", "native 1d (issue 17)", n, false);
        row("Binance", "1m then rollup (before)", minutePath(fake, QStringLiteral("binance"), key, sample), true);
        failures += n.requests > 3 || n.seconds - n.fake > 1.0 || n.bars < size_t(years * 365);
    }
    {
        fakes::CoinbaseFake fake;
        fake.faults().latencyMs = latency;
        fake.listen();
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("coinbase"), QStringLiteral("BTC/USD"),
                            QStringLiteral("1d")};
        Figures n = nativePath(fake, QStringLiteral("coinbase"), key, span);
        n.fake = fakeSeconds(fake, QStringLiteral("BTC-USD"), span);
        row("Coinbase", "native 1d (issue 17)", n, false);
        row("Coinbase", "1m then rollup (before)", minutePath(fake, QStringLiteral("coinbase"), key, sample), true);
        failures += n.requests > 8 || n.bars < size_t(years * 365);
    }
    {
        fakes::KrakenFake fake;
        fake.faults().latencyMs = latency;
        fake.faults().requestsPerSecond = 1000;
        fake.faults().burst = 1000;
        fake.listen();
        const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("kraken"), QStringLiteral("BTC/USD"),
                            QStringLiteral("1d")};
        // Its 720 rows: 719 closed days and today's forming one.
        const TimeRange reach{today - 719 * kDayMs, today + kDayMs};
        const Figures n = nativePath(fake, QStringLiteral("kraken"), key, reach);
        row("Kraken", "native 1d over its 720 days (issue 17)", n, false);
        row("Kraken", "1m then rollup (before), same 720 days", minutePath(fake, QStringLiteral("kraken"), key, reach), false);
        failures += n.bars < 720;
    }
    std::printf("\n%s\n", failures ? "GOAL MISSED" : "goals met");
    return smoke ? 0 : (failures ? 1 : 0);
}
