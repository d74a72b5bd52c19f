// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillverb.h"

#include "application.h"
#include "cliverbs.h"
#include "signalwatcher.h"

#include "log/logging.h"
#include "model/timeframe.h"
#include "services/backfillmanager.h"
#include "services/requestpacer.h"
#include "services/marketservice.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimeZone>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <sys/ioctl.h>
#include <unistd.h>

namespace barkeep {

namespace {

constexpr int kExitDone = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

QString duration(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("--:--");
    const qint64 s = (ms + 999) / 1000;
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// Columns of the terminal on stderr (80 when it does not say).
int terminalColumns()
{
    winsize ws{};
    if (::ioctl(::fileno(stderr), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

// Draws the progress: on a terminal the logging's status line (log lines go above it, the bar
// is redrawn under them), a plain line per second otherwise.
class ProgressPrinter
{
public:
    explicit ProgressPrinter(bool tty) : m_tty(tty) { m_sinceLine.start(); }

    void show(const BackfillJobInfo &j)
    {
        const int pct = int(j.progress * 100);
        const QString rate = QStringLiteral("%1 bars/s").arg(qint64(j.barsPerSecond));
        const QString wait = j.error.isEmpty() ? QString() : QStringLiteral("  (%1)").arg(j.error);
        if (m_tty) {
            constexpr int kWidth = 30;
            const int filled = int(j.progress * kWidth);
            const QString bar = QString(filled, QLatin1Char('#')) + QString(kWidth - filled, QLatin1Char('.'));
            QString line = QStringLiteral("[%1] %2%  %3/%4 chunks  %5 bars  %6  ETA %7%8")
                               .arg(bar)
                               .arg(pct, 3)
                               .arg(j.chunksDone)
                               .arg(j.chunksTotal)
                               .arg(j.barsWritten)
                               .arg(rate, duration(j.etaMs), wait);
            // One row only: a wrapped line cannot be taken back with a carriage return.
            line.truncate(std::max(1, terminalColumns() - 1));
            logging::setStatusLine(line);
            m_dirtyLine = true;
            return;
        }
        if (m_sinceLine.elapsed() < 1000 && j.state == m_lastState)
            return;
        m_sinceLine.restart();
        m_lastState = j.state;
        std::fprintf(stderr, "backfill %lld: %s %d%% chunks %d/%d bars %lld %s ETA %s%s\n",
                     qlonglong(j.id), jobStateName(j.state).data(), pct, j.chunksDone, j.chunksTotal,
                     qlonglong(j.barsWritten), qPrintable(rate), qPrintable(duration(j.etaMs)),
                     qPrintable(wait));
    }

    void endLine()
    {
        if (m_tty && m_dirtyLine)
            logging::endStatusLine();
        m_dirtyLine = false;
    }

private:
    bool m_tty;
    bool m_dirtyLine = false;
    QElapsedTimer m_sinceLine;
    std::optional<JobState> m_lastState;
};

} // namespace

int runBackfillVerb(const QStringList &args, const Config &config)
{
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({{QStringLiteral("market"), QStringLiteral("Market."), QStringLiteral("m"), QStringLiteral("crypto")},
                  {QStringLiteral("provider"), QStringLiteral("Provider id."), QStringLiteral("p")},
                  {QStringLiteral("symbol"), QStringLiteral("Symbol."), QStringLiteral("s")},
                  {QStringLiteral("timeframe"), QStringLiteral("The provider's candles to fetch (1m, 1h, 1d, ...)."),
                   QStringLiteral("tf"), QStringLiteral("1m")},
                  {QStringLiteral("since"), QStringLiteral("Start (inclusive, UTC)."), QStringLiteral("t")},
                  {QStringLiteral("until"), QStringLiteral("End (exclusive, UTC)."), QStringLiteral("t")},
                  {QStringLiteral("priority"), QStringLiteral("Job priority (higher first)."), QStringLiteral("n"), QStringLiteral("0")},
                  {QStringLiteral("no-archive"), QStringLiteral("Do not use bulk archives.")},
                  {QStringLiteral("recheck-empty"), QStringLiteral("Fetch ranges recorded as empty again.")}});
    if (!p.parse(QStringList{QStringLiteral("backfill")} + args)) {
        std::fprintf(stderr, "barkeep backfill: %s\n", qPrintable(p.errorText()));
        return kExitUsage;
    }
    if (wantsVerbHelp(p)) {
        printVerbHelp(p, QStringLiteral("backfill --provider P --symbol S [--timeframe TF] --since T --until T [options]"),
                      QStringLiteral("Fills the range's gaps from the provider into the store, with a progress "
                                     "bar on a terminal (log lines print above it). Ctrl-C pauses the job; "
                                     "the same command again resumes it (exit 130 when interrupted)."));
        return kExitDone;
    }
    QStringList problems;
    const std::optional<TimeRange> range =
        requiredOptionsAndRange(p, {"provider", "symbol", "since", "until"}, &problems);
    if (!problems.isEmpty()) {
        for (const QString &pr : problems)
            std::fprintf(stderr, "barkeep backfill: %s\n", qPrintable(pr));
        return kExitUsage;
    }

    const Result<Timeframe> timeframe = Timeframe::parse(p.value(QStringLiteral("timeframe")));
    if (!timeframe) {
        std::fprintf(stderr, "barkeep backfill: --timeframe: %s\n", qPrintable(timeframe.error().message()));
        return kExitUsage;
    }

    Config cfg = config;
    cfg.set(QStringLiteral("api.enabled"), false);
    Application app(cfg);
    if (VoidResult ok = app.start(); !ok) {
        std::fprintf(stderr, "barkeep backfill: %s\n", qPrintable(ok.error().message()));
        return kExitUsage;
    }
    // The application's own manager: one per process, so its in-flight registry sees every
    // job, and the jobs it resumed from the store are the ones we look at.
    if (!app.backfill()) {
        std::fprintf(stderr, "barkeep backfill: no backfill manager in this build\n");
        return kExitFailed;
    }
    BackfillManager &manager = *app.backfill();
    const SeriesKey series{p.value(QStringLiteral("market")), p.value(QStringLiteral("provider")),
                           p.value(QStringLiteral("symbol")), timeframe->name()};
    BackfillOptions options;
    options.useArchive = !p.isSet(QStringLiteral("no-archive"))
        && (!cfg.contains(QStringLiteral("backfill.useArchive")) || cfg.boolean(QStringLiteral("backfill.useArchive")));
    options.recheckEmpty = p.isSet(QStringLiteral("recheck-empty")) || cfg.boolean(QStringLiteral("backfill.recheckEmpty"));

    const bool tty = ::isatty(::fileno(stderr)) == 1;
    ProgressPrinter printer(tty);
    QEventLoop loop;
    qint64 id = 0;
    int exitCode = -1;
    bool interrupted = false;

    auto finish = [&](const BackfillJobInfo &j) {
        if (j.state == JobState::Done)
            exitCode = kExitDone;
        else if (j.state == JobState::Failed || j.state == JobState::Cancelled)
            exitCode = kExitFailed;
        else if (j.state == JobState::Paused && interrupted)
            exitCode = kExitInterrupted;
        if (exitCode >= 0)
            loop.exit(exitCode);
    };
    QObject::connect(&manager, &BackfillManager::jobChanged, &loop, [&](const BackfillJobInfo &j) {
        if (j.id != id || id == 0)
            return;
        printer.show(j);
        finish(j);
    });
    SignalWatcher signals_;
    QObject::connect(&signals_, &SignalWatcher::terminationRequested, &loop, [&](int) {
        if (interrupted || id == 0) {
            loop.exit(kExitInterrupted);
            return;
        }
        interrupted = true;
        // Pause: the job stays in the store, resumable by running the same command again.
        if (VoidResult ok = manager.pause(id); !ok)
            loop.exit(kExitInterrupted);
    });

    if (VoidResult ok = manager.start(); !ok) {
        std::fprintf(stderr, "barkeep backfill: %s\n", qPrintable(ok.error().message()));
        return kExitUsage;
    }
    // The same job from an earlier run (interrupted, crashed or failed) resumes instead of
    // starting anew; what it already fetched is in the coverage ledger either way.
    const qint64 from = timeframe->bucketStart(range->from);
    const qint64 to = range->isEmpty() ? from : timeframe->bucketEnd(timeframe->bucketStart(range->to - 1));
    for (const BackfillJobInfo &j : manager.jobs()) {
        if (j.series == series && j.range.from == from && j.range.to == to
            && j.state != JobState::Done && j.state != JobState::Cancelled) {
            id = j.id;
            if (j.state == JobState::Paused || j.state == JobState::Failed)
                (void)manager.resume(id);
            std::fprintf(stderr, "barkeep backfill: resuming job %lld\n", qlonglong(id));
            break;
        }
    }
    if (id == 0) {
        Result<qint64> submitted = manager.submit(series, {from, to}, int(p.value(QStringLiteral("priority")).toInt()), options);
        if (!submitted) {
            std::fprintf(stderr, "barkeep backfill: %s\n", qPrintable(submitted.error().toString()));
            return submitted.error().kind() == Error::Kind::BadInput || submitted.error().kind() == Error::Kind::NotFound
                ? kExitUsage
                : kExitFailed;
        }
        id = *submitted;
    }
    if (std::optional<BackfillJobInfo> j = manager.job(id)) {
        printer.show(*j);
        finish(*j);
    }
    if (exitCode < 0)
        exitCode = loop.exec();
    printer.endLine();

    const std::optional<BackfillJobInfo> j = manager.job(id);
    manager.stop();
    if (j) {
        std::printf("job %lld %s: %lld bars written, chunks %d/%d (%d failed), %lld requests, weight %lld\n",
                    qlonglong(j->id), jobStateName(j->state).data(), qlonglong(j->barsWritten), j->chunksDone,
                    j->chunksTotal, j->chunksFailed, qlonglong(j->requests), qlonglong(j->weightUsed));
        if (!j->error.isEmpty())
            std::printf("  %s\n", qPrintable(j->error));
        if (exitCode == kExitInterrupted)
            std::printf("  interrupted: run the same command again to resume\n");
    }
    if (RequestGate *gate = app.market()->gate(series.provider)) {
        const GateStats s = gate->stats();
        std::printf("  %s: %lld requests, weight %lld, %lld x 429, %lld x 418\n", qPrintable(series.provider),
                    qlonglong(s.requests), qlonglong(s.weightUsed), qlonglong(s.rateLimited), qlonglong(s.banned));
    }
    std::fflush(stdout);
    return exitCode;
}

} // namespace barkeep
