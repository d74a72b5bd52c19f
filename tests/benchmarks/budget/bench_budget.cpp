// SPDX-License-Identifier: GPL-3.0-or-later
// bench_budget (issue 16): on-demand fetches through one provider gate against a Binance fake
// that announces its own REQUEST_WEIGHT limit (not crypto.json's 6000), one row per announced
// limit (240, 1200, 6000 per window), each needing 2.5 windows of budget: 429s, 418s, bars
// against the fake's truth, and the time beside the ideal the announced budget allows (a
// fixed-window client spending the whole limit at the start of each window).
//   bench_budget [--window-ms N] [--smoke]
// The window is Binance's minute by default; --smoke uses a 2 s window and small limits.
#include "binanceexchange.h"
#include "binancefake.h"
#include "services/requestpacer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QSignalSpy>
#include <QThreadPool>
#include <QtConcurrent>

#include <cstdio>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;

namespace {
constexpr qint64 kJan2024 = 1704067200000;
constexpr qint64 kSpan = 10 * 60'000; // ten 1m bars per request: the budget, not the bytes, is measured

struct Row
{
    int limit = 0;
    int requests = 0;
    qint64 weight = 0;
    double seconds = 0;
    double idealSeconds = 0;
    int rateLimited = 0;
    int banned = 0;
    qint64 bars = 0;
    qint64 truth = 0;
    int failed = 0;
};

Row run(int limit, qint64 windowMs)
{
    Row row;
    row.limit = limit;
    BinanceFake fake;
    fake.faults().weightPerMinute = limit;
    fake.faults().weightWindowMs = windowMs;
    fake.faults().inFlightGraceMs = 300;
    if (!fake.listen())
        return row;
    ProviderInfo info; // what crypto.json says
    info.id = QStringLiteral("binance");
    info.weightPerMinute = 6000;
    info.klinesWeight = 2;
    info.maxConcurrency = 8;
    RequestPacer pacer(RequestPacer::limitsFor(info));
    auto context = std::make_shared<ProviderContext>();
    context->http.setGate(&pacer);
    ProviderSettings settings;
    settings.provider = QStringLiteral("binance");
    settings.market = QStringLiteral("crypto");
    settings.baseUrl = fake.url().toString();
    BinanceExchange plugin(settings, context);

    // exchangeInfo (20) plus klines (2 each) worth 2.5 windows of the announced limit.
    const qint64 total = limit * 5 / 2;
    row.requests = int((total - BinanceExchange::kExchangeInfoWeight) / BinanceExchange::kKlinesWeight);
    row.weight = BinanceExchange::kExchangeInfoWeight + qint64(row.requests) * BinanceExchange::kKlinesWeight;
    // Fixed windows from the first request: the last unit leaves at the start of its window.
    row.idealSeconds = double((row.weight - 1) / limit * windowMs) / 1000.0;
    for (int i = 0; i < row.requests; ++i)
        row.truth += qint64(fake.groundTruth(QStringLiteral("BTCUSDT"),
                                             {kJan2024 + i * kSpan, kJan2024 + (i + 1) * kSpan})
                                .size());

    QElapsedTimer timer;
    timer.start();
    std::atomic<int> next{0};
    std::atomic<qint64> bars{0};
    std::atomic<int> failed{0};
    QFutureWatcher<void> watcher;
    QSignalSpy done(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(QtConcurrent::run([&] {
        QThreadPool pool;
        pool.setMaxThreadCount(8);
        for (int t = 0; t < 8; ++t)
            pool.start([&] {
                for (int i = next++; i < row.requests; i = next++) {
                    const qint64 since = kJan2024 + i * kSpan;
                    for (int attempt = 0;; ++attempt) {
                        const Result<BarBatch> r = plugin.fetchBars(
                            {QStringLiteral("BTCUSDT"), QStringLiteral("1m"), since, since + kSpan});
                        if (r) {
                            bars += qint64(r->bars.size());
                            break;
                        }
                        if (attempt > 20) {
                            ++failed;
                            break;
                        }
                        QThread::msleep(std::clamp<qint64>(r.error().retryAfterMs(), 50, 2000));
                    }
                }
            });
        pool.waitForDone();
    }));
    while (!watcher.isFinished())
        done.wait(1000);
    row.seconds = timer.nsecsElapsed() / 1e9;
    row.bars = bars;
    row.failed = failed;
    row.rateLimited = fake.rateLimitedCount();
    row.banned = fake.bannedCount();
    return row;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    qint64 windowMs = smoke ? 2000 : 60'000;
    if (const qsizetype at = args.indexOf(QStringLiteral("--window-ms")); at >= 0 && at + 1 < args.size())
        windowMs = std::max<qint64>(1000, args.at(at + 1).toLongLong());
    const QList<int> limits = smoke ? QList<int>{60, 120} : QList<int>{240, 1200, 6000};
    std::printf("bench_budget: Binance fake announcing REQUEST_WEIGHT per %lld ms (crypto.json says 6000 "
                "per minute), on-demand fetches on 8 threads through one gate, 2.5 windows of budget each\n",
                qlonglong(windowMs));
    std::printf("%-26s | %-9s | %-9s | %-6s | %-5s | %-5s | %s\n", "announced limit", "Barkeep", "ideal",
                "ratio", "429s", "418s", "bars (truth)");
    int bad = 0;
    for (int limit : limits) {
        const Row r = run(limit, windowMs);
        const double ratio = r.idealSeconds > 0 ? r.seconds / r.idealSeconds : 0;
        std::printf("%6d weight / %-6lld ms | %7.2f s | %7.2f s | %5.2f× | %5d | %5d | %lld (%lld)%s\n", r.limit,
                    qlonglong(windowMs), r.seconds, r.idealSeconds, ratio, r.rateLimited, r.banned,
                    qlonglong(r.bars), qlonglong(r.truth), r.failed ? " FAILED FETCHES" : "");
        std::fflush(stdout);
        if (r.rateLimited || r.banned || r.failed || r.bars != r.truth)
            ++bad;
    }
    return bad == 0 ? 0 : 1;
}
