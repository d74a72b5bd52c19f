// SPDX-License-Identifier: GPL-3.0-or-later
// Benchmark: a year of BTC/USDT 1m (525,600 bars) backfilled from the Binance fake with
// Binance's real limit (6000 weight/min, klines weight 2) and 80 ms added latency per answer:
// the BackfillManager over REST, then with the monthly archive, and ccxt's fetchOHLCV loop
// (npm ccxt with its default rate limiter) on the same fake as the baseline of the same run.
// Usage: bench_backfill [--latency-ms 80] [--days 365] [--smoke]
#include "binancefake.h"
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "services/backfillmanager.h"
#include "services/marketservice.h"
#include "services/requestpacer.h"
#include "storage/store.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QTimer>

#include <cstdio>

using namespace barkeep;
using namespace barkeep::fakes;

namespace {

struct Run
{
    bool ok = false;
    double seconds = -1;
    qint64 bars = 0;
    qint64 requests = 0;
    qint64 weight = 0;
    qint64 rateLimited = 0;
    qint64 banned = 0;
    double meanInFlight = 0; // requests in flight, sampled every 2 ms while the job ran
    int maxInFlight = 0;
    QString note;
};

Run backfill(BinanceFake &fake, TimeRange range, bool archive)
{
    Run r;
    QTemporaryDir dir;
    auto store = createBarStore(QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.db")));
    if (!store || !(*store)->open()) {
        r.note = QStringLiteral("cannot open the store");
        return r;
    }
    PluginRegistry registry;
    registry.discover();
    Config config = Config::defaults(dir.path());
    config.set(QStringLiteral("providers.binance.baseUrl"), fake.url().toString());
    config.set(QStringLiteral("providers.binance.archiveUrl"), fake.url().toString());
    MarketService market(&registry, config);
    market.setGateFactory(RequestPacer::factory()); // as Application::start() wires it
    BackfillManager manager(store->get(), nullptr, &market, config);
    if (!manager.start()) {
        r.note = QStringLiteral("cannot start");
        return r;
    }
    const SeriesKey key{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                        QStringLiteral("1m")};
    BackfillOptions options;
    options.useArchive = archive;
    QEventLoop loop;
    qint64 id = 0;
    QObject::connect(&manager, &BackfillManager::jobChanged, &loop, [&](const BackfillJobInfo &j) {
        if (j.id == id && (j.state == JobState::Done || j.state == JobState::Failed))
            loop.quit();
    });
    // How many requests the pacer has in flight, sampled while the job runs.
    qint64 samples = 0, inFlightSum = 0;
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, &loop, [&] {
        if (auto *pacer = dynamic_cast<RequestPacer *>(market.gate(QStringLiteral("binance")))) {
            const int n = pacer->stats().inFlight;
            ++samples;
            inFlightSum += n;
            r.maxInFlight = std::max(r.maxInFlight, n);
        }
    });
    sampler.start(2);
    QElapsedTimer timer;
    timer.start();
    Result<qint64> submitted = manager.submit(key, range, 0, options);
    if (!submitted) {
        r.note = submitted.error().toString();
        return r;
    }
    id = *submitted;
    if (auto j = manager.job(id); j && j->state != JobState::Done && j->state != JobState::Failed)
        loop.exec();
    r.seconds = timer.nsecsElapsed() / 1e9;
    sampler.stop();
    r.meanInFlight = samples > 0 ? double(inFlightSum) / samples : 0;
    const BackfillJobInfo j = *manager.job(id);
    r.ok = j.state == JobState::Done;
    r.bars = j.barsWritten;
    r.requests = j.requests;
    r.weight = j.weightUsed;
    r.note = j.error;
    if (auto *pacer = dynamic_cast<RequestPacer *>(market.gate(QStringLiteral("binance")))) {
        r.rateLimited = pacer->stats().rateLimited;
        r.banned = pacer->stats().banned;
    }
    manager.stop();
    return r;
}

Run ccxt(BinanceFake &fake, TimeRange range)
{
    Run r;
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    const QString dir = QStringLiteral(BARKEEP_CCXT_DIR);
    if (node.isEmpty() || !QFile::exists(dir + QStringLiteral("/node_modules/ccxt"))) {
        r.note = QStringLiteral("not available (needs node and `npm install` in tests/benchmarks/ccxt)");
        return r;
    }
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NODE_PATH"), dir + QStringLiteral("/node_modules"));
    p.setProcessEnvironment(env);
    QEventLoop loop;
    QObject::connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    const int before = fake.requestCount(QStringLiteral("/api/v3/klines"));
    QElapsedTimer timer;
    timer.start();
    // Sequential fetchOHLCV pages with ccxt's default rate limiter (the script's default mode).
    p.start(node, {dir + QStringLiteral("/fetch_ohlcv.js"), fake.url().toString(), QStringLiteral("BTC/USDT"),
                   QStringLiteral("1m"), QString::number(range.from), QString::number(range.to)});
    if (!p.waitForStarted()) {
        r.note = QStringLiteral("not available (node did not start)");
        return r;
    }
    loop.exec(); // the fake answers on this thread meanwhile
    r.seconds = timer.nsecsElapsed() / 1e9;
    r.ok = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    const QByteArray out = p.readAllStandardOutput();
    r.bars = out.count("],[") + (out.contains("[[") ? 1 : 0);
    r.requests = fake.requestCount(QStringLiteral("/api/v3/klines")) - before;
    r.weight = r.requests * 2;
    if (!r.ok)
        r.note = QString::fromUtf8(p.readAllStandardError().trimmed());
    return r;
}

QString secs(double s)
{
    return s < 0 ? QStringLiteral("-") : QStringLiteral("%1 s").arg(s, 0, 'f', 2);
}

void line(const QString &name, const QString &ours, const QString &base, const QString &ratio,
          const QString &goal, const QString &verdict)
{
    std::printf("%-34s | %-14s | %-14s | %-8s | %-8s | %s\n", qPrintable(name), qPrintable(ours), qPrintable(base),
                qPrintable(ratio), qPrintable(goal), qPrintable(verdict));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption latencyOpt(QStringLiteral("latency-ms"), QStringLiteral("added latency"),
                                        QStringLiteral("ms"), QStringLiteral("80"));
    const QCommandLineOption daysOpt(QStringLiteral("days"), QStringLiteral("days of 1m"), QStringLiteral("n"),
                                     QStringLiteral("365"));
    const QCommandLineOption onlyOpt(QStringLiteral("only"),
                                     QStringLiteral("comma-separated runs: rest,archive,ccxt (profiling)"),
                                     QStringLiteral("runs"), QStringLiteral("rest,archive,ccxt"));
    const QCommandLineOption smokeOpt(QStringLiteral("smoke"), QStringLiteral("3 days, no ccxt (ctest)"));
    parser.addOptions({latencyOpt, daysOpt, onlyOpt, smokeOpt});
    parser.process(app);
    const bool smoke = parser.isSet(smokeOpt);
    const int days = smoke ? 3 : parser.value(daysOpt).toInt();
    const int latency = parser.value(latencyOpt).toInt();
    const QStringList only = parser.value(onlyOpt).split(QLatin1Char(','));

    const qint64 from = QDateTime(QDate(2023, 1, 1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    const TimeRange range{from, from + qint64(days) * kDayMs};
    const qint64 minutes = range.length() / kMinuteMs;

    BinanceFake fake(42);
    fake.faults().weightPerMinute = 6000;
    fake.faults().latencyMs = latency;
    if (fake.listen() == 0) {
        std::fprintf(stderr, "cannot listen\n");
        return 1;
    }
    std::printf("bench_backfill: %d days of BTC/USDT 1m (%lld minutes) from the Binance fake, "
                "6000 weight/min, klines weight 2, %d ms added latency\n",
                days, qlonglong(minutes), latency);

    // A real archive host serves files that exist already: build the fake's zips before any
    // timing (otherwise the fake's one thread deflating a month per request is what we time).
    if (only.contains(QStringLiteral("archive"))) {
        QElapsedTimer prep;
        prep.start();
        const int files = fake.prebuildArchive(QStringLiteral("BTCUSDT"), range);
        std::printf("fake: %d monthly archive files built in %.2f s (before timing)\n", files,
                    prep.nsecsElapsed() / 1e9);
    }

    const Run skipped{false, -1, 0, 0, 0, 0, 0, 0, 0, QStringLiteral("skipped")};
    const Run rest = only.contains(QStringLiteral("rest")) ? backfill(fake, range, false) : skipped;
    const Run archive = only.contains(QStringLiteral("archive")) ? backfill(fake, range, true) : skipped;
    const Run base = smoke ? Run{false, -1, 0, 0, 0, 0, 0, 0, 0, QStringLiteral("skipped (--smoke)")}
                           : only.contains(QStringLiteral("ccxt")) ? ccxt(fake, range)
                                                                   : skipped;

    std::printf("barkeep REST:    %s, %lld bars, %lld requests, weight %lld, %lld x 429, %lld x 418, "
                "%.1f in flight on average (max %d) %s\n",
                qPrintable(secs(rest.seconds)), qlonglong(rest.bars), qlonglong(rest.requests),
                qlonglong(rest.weight), qlonglong(rest.rateLimited), qlonglong(rest.banned), rest.meanInFlight,
                rest.maxInFlight, qPrintable(rest.note));
    std::printf("barkeep archive: %s, %lld bars, %lld requests (weight %lld) %s\n", qPrintable(secs(archive.seconds)),
                qlonglong(archive.bars), qlonglong(archive.requests), qlonglong(archive.weight),
                qPrintable(archive.note));
    if (base.seconds >= 0)
        std::printf("ccxt:            %s, %lld bars, %lld requests %s\n", qPrintable(secs(base.seconds)),
                    qlonglong(base.bars), qlonglong(base.requests), qPrintable(base.note));
    else
        std::printf("ccxt: %s\n", qPrintable(base.note));

    // The budget used: the run's average weight rate as a share of the documented rate,
    // 6000 weight/min = 100 weight/s, i.e. weight / (100 x elapsed s). A year is ~527
    // requests = ~1,072 weight, so >= 90 % means finishing in <= ~11.9 s: what bounds it is
    // how many requests the pacer keeps in flight against the latency, and the pacer must do
    // it without a 429.
    const double budgetShare = rest.seconds > 0 ? rest.weight / (100.0 * rest.seconds) * 100 : 0;
    std::printf("budget: %lld weight in %.2f s = %.0f weight/s against Binance's documented 100 weight/s "
                "(6000/min) = %.1f %%\n",
                qlonglong(rest.weight), std::max(0.0, rest.seconds), rest.seconds > 0 ? rest.weight / rest.seconds : 0,
                budgetShare);

    std::printf("\n");
    line(QStringLiteral("name"), QStringLiteral("barkeep"), QStringLiteral("baseline"), QStringLiteral("ratio"),
         QStringLiteral("goal"), QStringLiteral("pass/miss"));
    const bool haveBase = base.ok && base.seconds > 0;
    auto ratio = [&](const Run &r) { return haveBase && r.seconds > 0 ? base.seconds / r.seconds : -1.0; };
    auto ratioText = [](double x) { return x < 0 ? QStringLiteral("-") : QStringLiteral("%1x").arg(x, 0, 'f', 1); };
    const double rr = ratio(rest);
    line(QStringLiteral("year 1m REST (time)"), secs(rest.seconds), haveBase ? secs(base.seconds) : QStringLiteral("n/a"),
         ratioText(rr), QStringLiteral(">= 3x"),
         !rest.ok ? QStringLiteral("miss (failed)") : rr < 0 ? QStringLiteral("n/a (no ccxt)") : rr >= 3 ? QStringLiteral("pass") : QStringLiteral("miss"));
    const double ra = ratio(archive);
    line(QStringLiteral("year 1m archive (time)"), secs(archive.seconds), haveBase ? secs(base.seconds) : QStringLiteral("n/a"),
         ratioText(ra), QStringLiteral(">= 10x"),
         !archive.ok ? QStringLiteral("miss (failed)") : ra < 0 ? QStringLiteral("n/a (no ccxt)") : ra >= 10 ? QStringLiteral("pass") : QStringLiteral("miss"));
    line(QStringLiteral("429s (REST)"), QString::number(rest.rateLimited), haveBase ? QStringLiteral("-") : QStringLiteral("n/a"),
         QStringLiteral("-"), QStringLiteral("0"), rest.rateLimited == 0 ? QStringLiteral("pass") : QStringLiteral("miss"));
    line(QStringLiteral("weight budget used (REST)"), QStringLiteral("%1 %").arg(budgetShare, 0, 'f', 1),
         QStringLiteral("-"), QStringLiteral("-"), QStringLiteral(">= 90 %"),
         !rest.ok ? QStringLiteral("miss (failed)") : budgetShare >= 90 ? QStringLiteral("pass") : QStringLiteral("miss"));
    line(QStringLiteral("bars written (REST)"), QString::number(rest.bars), haveBase ? QString::number(base.bars) : QStringLiteral("n/a"),
         QStringLiteral("-"), QStringLiteral("all"), rest.ok ? QStringLiteral("pass") : QStringLiteral("miss"));
    const bool restOk = !only.contains(QStringLiteral("rest")) || rest.ok;
    const bool archiveOk = !only.contains(QStringLiteral("archive")) || archive.ok;
    return restOk && archiveOk ? 0 : 1;
}
