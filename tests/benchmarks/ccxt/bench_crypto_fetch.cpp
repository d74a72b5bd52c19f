// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark: reading a month of Binance 1m bars from the fake exchange (with added latency,
// as over a real link) — our plugin sequentially, our plugin in parallel chunks as the
// backfill runs it, the public data archive, and ccxt's fetchOHLCV (sequential and its
// concurrent `paginate` mode) as the baseline measured in the same run.
// Usage: bench_crypto_fetch [--latency-ms 20] [--days 30] [--smoke]
#include "binanceexchange.h"
#include "binancefake.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThreadPool>
#include <QtConcurrent>

#include <cstdio>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;

namespace {
struct Row
{
    QString name;
    qint64 bars = -1;
    int requests = -1;
    qint64 ms = -1;
    QString note;
};

template<typename F> auto wait(F &&fn) -> decltype(fn())
{
    QFutureWatcher<decltype(fn())> w;
    QEventLoop loop;
    QObject::connect(&w, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    w.setFuture(QtConcurrent::run(std::forward<F>(fn)));
    if (!w.isFinished())
        loop.exec();
    return w.result();
}

Row ccxt(const QUrl &url, const QString &mode, qint64 since, qint64 until, int startRequests,
         BinanceFake &fake)
{
    Row r{QStringLiteral("ccxt fetchOHLCV (%1)").arg(mode)};
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    const QString modules = QStringLiteral(BARKEEP_CCXT_NODE_PATH);
    if (node.isEmpty() || !QFile::exists(modules + QStringLiteral("/ccxt"))) {
        r.note = QStringLiteral(
            "skipped: node or npm ccxt missing (npm install in tests/benchmarks/ccxt)");
        return r;
    }
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NODE_PATH"), modules);
    p.setProcessEnvironment(env);
    QEventLoop loop;
    QObject::connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    p.start(node, {QStringLiteral(BARKEEP_CCXT_SCRIPT), url.toString(), QStringLiteral("BTC/USDT"),
                   QStringLiteral("1m"), QString::number(since), QString::number(until), mode});
    loop.exec();
    const QString err = QString::fromUtf8(p.readAllStandardError());
    const QRegularExpressionMatch m
        = QRegularExpression(QStringLiteral("(\\d+) bars in (\\d+) ms")).match(err);
    if (p.exitCode() != 0 || !m.hasMatch()) {
        r.note = QStringLiteral("failed: ") + err.trimmed();
        return r;
    }
    r.bars = m.captured(1).toLongLong();
    r.ms = m.captured(2).toLongLong(); // timed inside node: excludes its start-up
    r.requests = fake.totalRequests() - startRequests;
    r.note = QStringLiteral("incl. loadMarkets; ccxt throttle on (binance rateLimit 50 ms)");
    return r;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption latencyOpt(QStringLiteral("latency-ms"),
                                        QStringLiteral("added latency"), QStringLiteral("ms"),
                                        QStringLiteral("20"));
    const QCommandLineOption daysOpt(QStringLiteral("days"), QStringLiteral("days of 1m bars"),
                                     QStringLiteral("n"), QStringLiteral("30"));
    const QCommandLineOption smokeOpt(QStringLiteral("smoke"),
                                      QStringLiteral("one quick run (ctest)"));
    parser.addOptions({latencyOpt, daysOpt, smokeOpt});
    parser.process(app);
    const bool smoke = parser.isSet(smokeOpt);
    const int latency = smoke ? 0 : parser.value(latencyOpt).toInt();
    const int days = smoke ? 2 : parser.value(daysOpt).toInt();

    BinanceFake fake(7);
    fake.faults().latencyMs = latency;
    fake.faults().weightPerMinute = 0; // measure fetching, not the pacer
    if (!fake.listen()) {
        std::fprintf(stderr, "cannot listen\n");
        return 1;
    }
    // March 2024: a whole past month, so the archive has it.
    const qint64 since = 1709251200000;
    const qint64 until = since + qint64(days) * kDayMs;
    const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), {since, until});
    ProviderSettings settings;
    settings.provider = QStringLiteral("binance");
    settings.baseUrl = fake.url().toString();
    settings.archiveUrl = fake.url().toString();

    QList<Row> rows;
    bool allEqual = true;
    auto ours = [&](const QString &name, int chunks) {
        BinanceExchange plugin(settings, std::make_shared<ProviderContext>());
        wait([&] { return plugin.symbols().has_value(); });
        const int before = fake.totalRequests();
        QElapsedTimer t;
        t.start();
        const qint64 step = (until - since) / chunks / kMinuteMs * kMinuteMs;
        QList<QFuture<Result<BarBatch>>> parts;
        for (int i = 0; i < chunks; ++i) {
            const BarRequest req{QStringLiteral("BTC/USDT"), QStringLiteral("1m"), since + i * step,
                                 i + 1 == chunks ? until : since + (i + 1) * step};
            parts << QtConcurrent::run([&plugin, req] { return plugin.fetchBars(req); });
        }
        Bars all;
        for (QFuture<Result<BarBatch>> &f : parts) {
            QFutureWatcher<Result<BarBatch>> w;
            QEventLoop loop;
            QObject::connect(&w, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
            w.setFuture(f);
            if (!w.isFinished())
                loop.exec();
            const Result<BarBatch> r = f.result();
            if (!r) {
                rows << Row{name, -1, -1, -1, r.error().toString()};
                return;
            }
            all.insert(all.end(), r->bars.begin(), r->bars.end());
        }
        allEqual = allEqual && all == truth;
        rows << Row{name, qint64(all.size()), fake.totalRequests() - before, t.elapsed(),
                    all == truth ? QStringLiteral("equals ground truth")
                                 : QStringLiteral("DIFFERS")};
    };

    if (!smoke) {
        rows << ccxt(fake.url(), QStringLiteral("seq"), since, until, fake.totalRequests(), fake);
        rows << ccxt(fake.url(), QStringLiteral("paginate"), since, until, fake.totalRequests(),
                     fake);
    }
    ours(QStringLiteral("barkeep REST, 1 chunk"), 1);
    ours(QStringLiteral("barkeep REST, 4 parallel chunks"), 4);
    if (days >= 28 || smoke) {
        BinanceExchange plugin(settings, std::make_shared<ProviderContext>());
        const int before = fake.totalRequests();
        wait([&] { return plugin.symbols().has_value(); });
        // Warm the fake's zip cache: building the zip is the fake's cost, not the client's.
        wait([&] {
            return plugin.fetchArchiveMonth(QStringLiteral("BTCUSDT"), 2024, 3).has_value();
        });
        QElapsedTimer t;
        t.start();
        const Result<BarBatch> r
            = wait([&] { return plugin.fetchArchiveMonth(QStringLiteral("BTCUSDT"), 2024, 3); });
        const qint64 ms = t.elapsed();
        const Bars month
            = fake.groundTruth(QStringLiteral("BTCUSDT"), r ? r->covered : TimeRange{});
        rows << Row{QStringLiteral("barkeep archive, whole month (zip+CHECKSUM)"),
                    r ? qint64(r->bars.size()) : -1, r ? r->requests : -1, ms,
                    r ? (r->bars == month ? QStringLiteral("equals ground truth, 31 days")
                                          : QStringLiteral("DIFFERS"))
                      : r.error().toString()};
        allEqual = allEqual && r && r->bars == month;
        Q_UNUSED(before);
    }

    std::printf("bench_crypto_fetch: Binance fake, %d days of 1m BTC/USDT, added latency %d ms\n",
                days, latency);
    std::printf("%-46s %8s %8s %9s %11s  %s\n", "method", "bars", "requests", "ms", "bars/s",
                "note");
    for (const Row &r : rows) {
        if (r.ms < 0) {
            std::printf("%-46s %8s %8s %9s %11s  %s\n", qPrintable(r.name), "-", "-", "-", "-",
                        qPrintable(r.note));
            continue;
        }
        std::printf("%-46s %8lld %8d %9lld %11.0f  %s\n", qPrintable(r.name), r.bars, r.requests,
                    r.ms, r.ms > 0 ? r.bars * 1000.0 / r.ms : 0.0, qPrintable(r.note));
    }
    // Join the pool threads while the application still exists: each holds a per-thread
    // QNetworkAccessManager (core/net/httpclient) whose teardown needs a live application.
    QThreadPool::globalInstance()->waitForDone();
    return allEqual ? 0 : 1;
}
