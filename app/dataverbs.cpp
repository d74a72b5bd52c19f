// SPDX-License-Identifier: GPL-3.0-or-later
#include "dataverbs.h"

#include "application.h"
#include "cliverbs.h"
#include "csvbarparser.h"

#include "api/barjsonencoder.h"
#include "model/timeframe.h"
#include "services/dataorchestrator.h"
#include "services/timeframesources.h"
#include "storage/coverageledger.h"
#include "storage/rollup.h"
#include "storage/store.h"

#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <cstdio>

namespace barkeep {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void say(const char *verb, const QString &line)
{
    std::fprintf(stderr, "barkeep %s: %s\n", verb, qPrintable(line));
}

// Options both verbs share: which series.
void addSeriesOptions(QCommandLineParser &p)
{
    p.addOptions({{QStringLiteral("market"), QStringLiteral("Market (crypto, perpetual, stocks)."), QStringLiteral("m"), QStringLiteral("crypto")},
                  {QStringLiteral("provider"), QStringLiteral("Provider id."), QStringLiteral("p")},
                  {QStringLiteral("symbol"), QStringLiteral("Symbol."), QStringLiteral("s")}});
}

std::optional<Application *> startStore(Application &app, const char *verb)
{
    if (VoidResult ok = app.start(); !ok) {
        say(verb, ok.error().message());
        return std::nullopt;
    }
    return &app;
}

Config withoutApi(const Config &config)
{
    Config c = config;
    c.set(QStringLiteral("api.enabled"), false);
    return c;
}

QJsonArray ranges(const TimeRanges &rs)
{
    QJsonArray out;
    for (const TimeRange &r : rs)
        out.append(QJsonArray{r.from, r.to});
    return out;
}

} // namespace

int runExportVerb(const QStringList &args, const Config &config)
{
    QCommandLineParser p;
    p.addHelpOption();
    addSeriesOptions(p);
    p.addOptions({{QStringLiteral("since"), QStringLiteral("Start (inclusive)."), QStringLiteral("t")},
                  {QStringLiteral("until"), QStringLiteral("End (exclusive)."), QStringLiteral("t")},
                  {QStringLiteral("timeframe"), QStringLiteral("Timeframe to export (1m, 1h, 1d, ...)."), QStringLiteral("tf"),
                   QStringLiteral("1m")},
                  {QStringLiteral("out"), QStringLiteral("CSV file to write; the manifest goes to <out>.manifest.json."), QStringLiteral("file")}});
    if (!p.parse(QStringList{QStringLiteral("export")} + args)) {
        say("export", p.errorText());
        return kExitUsage;
    }
    if (wantsVerbHelp(p)) {
        printVerbHelp(p, QStringLiteral("export --provider P --symbol S [--timeframe TF] --since T --until T --out FILE"),
                      QStringLiteral("Writes the stored bars as CSV and FILE.manifest.json with the covered, "
                                     "empty and never-fetched ranges and where each run of bars came from "
                                     "(native candles of the timeframe, or a rollup of complete stored 1m). "
                                     "Reads the store only."));
        return kExitOk;
    }
    QStringList problems;
    const std::optional<TimeRange> checked =
        requiredOptionsAndRange(p, {"provider", "symbol", "since", "until", "out"}, &problems);
    if (!problems.isEmpty()) {
        for (const QString &pr : problems)
            say("export", pr);
        return kExitUsage;
    }
    const Result<Timeframe> tf = Timeframe::parse(p.value(QStringLiteral("timeframe")));
    if (!tf) {
        say("export", tf.error().message());
        return kExitUsage;
    }
    Application app(withoutApi(config));
    if (!startStore(app, "export"))
        return kExitUsage;
    const SeriesKey key{p.value(QStringLiteral("market")), p.value(QStringLiteral("provider")),
                        p.value(QStringLiteral("symbol")), tf->name()};
    const TimeRange range = *checked;
    // The stored native candles of the timeframe where its ledger covers whole buckets, and
    // elsewhere the complete buckets of the stored 1m rolled up (as /ohlcv answers from the
    // store); `sources` says which run is which.
    SourceRuns sources;
    Result<Bars> bars = [&]() -> Result<Bars> {
        if (tf->minuteCount() == 1) {
            Result<Bars> b = app.store()->readBars(key, range);
            if (b && !b->empty())
                sources.push_back({range, QStringLiteral("native:1m")});
            return b;
        }
        Result<TimeRanges> nativeGaps = app.store()->gaps(key, range);
        if (!nativeGaps)
            return nativeGaps.error();
        const TimeRange aligned = Rollup::sourceRange(*tf, range);
        Bars out;
        for (const TimeRange &r : TimeframeSources::completeBuckets(aligned, *nativeGaps, *tf)) {
            Result<Bars> b = app.store()->readBars(key, r);
            if (!b)
                return b.error();
            out.insert(out.end(), b->begin(), b->end());
            sources.push_back({r, QStringLiteral("native:") + tf->name()});
        }
        const TimeRanges rest = CoverageLedger::subtract(TimeRanges{aligned},
                                                         TimeframeSources::completeBuckets(aligned, *nativeGaps, *tf));
        for (const TimeRange &r : rest) {
            Result<RollupBars> rolled = app.store()->readRollup(key, r);
            if (!rolled)
                return rolled.error();
            qint64 runFrom = -1, runTo = -1;
            for (const RollupBar &rb : *rolled) {
                if (!rb.complete)
                    continue;
                out.push_back(rb.bar);
                const qint64 end = tf->bucketEnd(rb.bar.t);
                if (runTo == rb.bar.t) {
                    runTo = end;
                } else {
                    if (runFrom >= 0)
                        sources.push_back({{runFrom, runTo}, QStringLiteral("rollup:1m")});
                    runFrom = rb.bar.t;
                    runTo = end;
                }
            }
            if (runFrom >= 0)
                sources.push_back({{runFrom, runTo}, QStringLiteral("rollup:1m")});
        }
        std::sort(out.begin(), out.end(), [](const Bar &a, const Bar &b) { return a.t < b.t; });
        std::sort(sources.begin(), sources.end(),
                  [](const SourceRun &a, const SourceRun &b) { return a.range.from < b.range.from; });
        return out;
    }();
    Result<CoverageIntervals> coverage = bars ? app.store()->coverage(key, range)
                                              : Result<CoverageIntervals>(bars.error());
    Result<TimeRanges> gaps = coverage ? app.store()->gaps(key, range) : Result<TimeRanges>(coverage.error());
    if (!gaps) {
        say("export", gaps.error().toString());
        return kExitFailed;
    }
    const QByteArray csv = BarJsonEncoder::csv(*bars);
    const QString out = p.value(QStringLiteral("out"));
    QSaveFile file(out);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv) != csv.size() || !file.commit()) {
        say("export", QStringLiteral("cannot write %1: %2").arg(out, file.errorString()));
        return kExitFailed;
    }
    TimeRanges covered, empty;
    for (const CoverageInterval &c : *coverage)
        (c.state == CoverageState::Bars ? covered : empty).push_back(c.range);
    const QJsonObject manifest{
        {QStringLiteral("series"), QJsonObject{{QStringLiteral("market"), key.market},
                                               {QStringLiteral("provider"), key.provider},
                                               {QStringLiteral("symbol"), key.symbol},
                                               {QStringLiteral("timeframe"), key.timeframe}}},
        {QStringLiteral("range"), QJsonArray{range.from, range.to}},
        {QStringLiteral("timeUnit"), QStringLiteral("ms since the Unix epoch, UTC; ranges are [from, to)")},
        {QStringLiteral("barCount"), qint64(bars->size())},
        {QStringLiteral("bars"), ranges(covered)},
        {QStringLiteral("empty"), ranges(empty)},
        {QStringLiteral("gaps"), ranges(*gaps)},
        {QStringLiteral("sources"), [&] {
             QJsonArray a;
             for (const SourceRun &r : sources)
                 a.append(QJsonObject{{QStringLiteral("from"), r.range.from},
                                      {QStringLiteral("to"), r.range.to},
                                      {QStringLiteral("source"), r.source}});
             return a;
         }()},
        {QStringLiteral("csv"), QJsonObject{{QStringLiteral("file"), QFileInfo(out).fileName()},
                                            {QStringLiteral("sha256"), QString::fromLatin1(QCryptographicHash::hash(csv, QCryptographicHash::Sha256).toHex())}}}};
    QSaveFile mf(out + QStringLiteral(".manifest.json"));
    const QByteArray mj = QJsonDocument(manifest).toJson();
    if (!mf.open(QIODevice::WriteOnly) || mf.write(mj) != mj.size() || !mf.commit()) {
        say("export", QStringLiteral("cannot write the manifest: %1").arg(mf.errorString()));
        return kExitFailed;
    }
    say("export", QStringLiteral("%1 bars written to %2 (%3 covered, %4 empty, %5 never-fetched ranges)")
                      .arg(bars->size()).arg(out).arg(covered.size()).arg(empty.size()).arg(gaps->size()));
    return kExitOk;
}

int runImportVerb(const QStringList &args, const Config &config)
{
    QCommandLineParser p;
    p.addHelpOption();
    addSeriesOptions(p);
    p.addOptions({{QStringLiteral("time-unit"), QStringLiteral("auto, s, ms or us."), QStringLiteral("unit"), QStringLiteral("auto")},
                  {QStringLiteral("timezone"), QStringLiteral("Zone of timestamps without one (IANA or +HH:MM); default UTC."), QStringLiteral("zone")},
                  {QStringLiteral("skip-bad"), QStringLiteral("Import the good rows of a file that has bad ones.")}});
    p.addPositionalArgument(QStringLiteral("file"), QStringLiteral("CSV file."));
    if (!p.parse(QStringList{QStringLiteral("import")} + args)) {
        say("import", p.errorText());
        return kExitUsage;
    }
    if (wantsVerbHelp(p)) {
        printVerbHelp(p, QStringLiteral("import [--provider P] --symbol S [options] FILE"),
                      QStringLiteral("Imports a CSV file (Binance archive rows or t,o,h,l,c,v) into a series "
                                     "with coverage: the series of --provider (e.g. binance, filling its "
                                     "gaps with the exchange's archive files), or csv when none is given. "
                                     "Idempotent; a file with bad rows is refused unless --skip-bad."));
        return kExitOk;
    }
    QStringList problems;
    if (p.positionalArguments().size() != 1)
        problems << QStringLiteral("give exactly one CSV file");
    if (p.value(QStringLiteral("symbol")).isEmpty())
        problems << QStringLiteral("--symbol is required");
    CsvBarParser::Options options;
    const QString unit = p.value(QStringLiteral("time-unit"));
    if (unit == QLatin1String("s"))
        options.timeUnit = CsvBarParser::TimeUnit::Seconds;
    else if (unit == QLatin1String("ms"))
        options.timeUnit = CsvBarParser::TimeUnit::Milliseconds;
    else if (unit == QLatin1String("us"))
        options.timeUnit = CsvBarParser::TimeUnit::Microseconds;
    else if (unit != QLatin1String("auto"))
        problems << QStringLiteral("--time-unit must be auto, s, ms or us");
    options.timeZone = p.value(QStringLiteral("timezone"));
    if (!problems.isEmpty()) {
        for (const QString &pr : problems)
            say("import", pr);
        return kExitUsage;
    }
    const QString path = p.positionalArguments().constFirst();
    // Regular files only (a FIFO or device would block or never end), lines and bad rows capped.
    Result<CsvBarParser::Parsed> parsed = CsvBarParser::parseFile(path, options);
    if (!parsed) {
        const Error::Kind kind = parsed.error().kind();
        say("import", parsed.error().message().startsWith(path)
                          ? parsed.error().message()
                          : QStringLiteral("%1: %2").arg(path, parsed.error().message()));
        return kind == Error::Kind::NotFound ? kExitUsage : kExitFailed;
    }
    for (const CsvBarParser::BadRow &bad : parsed->badRows)
        say("import", QStringLiteral("%1:%2: %3").arg(path).arg(bad.line).arg(bad.reason));
    if (!parsed->badRows.isEmpty() && !p.isSet(QStringLiteral("skip-bad"))) {
        say("import", QStringLiteral("%1 bad row(s); nothing imported (use --skip-bad to import the %2 good ones)")
                          .arg(parsed->badRows.size()).arg(parsed->bars.size()));
        return kExitFailed;
    }
    Application app(withoutApi(config));
    if (!startStore(app, "import"))
        return kExitUsage;
    const QString provider = p.value(QStringLiteral("provider")).isEmpty() ? QStringLiteral("csv")
                                                                           : p.value(QStringLiteral("provider"));
    const SeriesKey key{p.value(QStringLiteral("market")), provider, p.value(QStringLiteral("symbol")),
                        QStringLiteral("1m")};
    // Coverage claims only what the file shows. A clean file covers [first, last + 1m): its
    // missing minutes had no trades. With skipped bad rows, a missing minute may be a bad row,
    // so only runs of consecutive minutes are covered.
    std::vector<std::pair<size_t, size_t>> runs;
    const Bars &bars = parsed->bars;
    if (parsed->badRows.isEmpty()) {
        if (!bars.empty())
            runs.push_back({0, bars.size()});
    } else {
        for (size_t i = 0; i < bars.size();) {
            size_t j = i + 1;
            while (j < bars.size() && bars[j].t == bars[j - 1].t + kMinuteMs)
                ++j;
            runs.push_back({i, j});
            i = j;
        }
    }
    qint64 written = 0, quarantined = 0;
    for (const auto &[from, to] : runs) {
        const Bars slice(bars.begin() + qsizetype(from), bars.begin() + qsizetype(to));
        Result<WriteReport> report = app.store()->writeBars(key, slice, CsvBarParser::coveredRange(slice));
        if (!report) {
            say("import", report.error().toString());
            return kExitFailed;
        }
        written += report->written;
        quarantined += report->quarantined;
    }
    say("import", QStringLiteral("%1 bars imported into %2 (%3 quarantined, %4 bad rows skipped)")
                      .arg(written).arg(key.toString()).arg(quarantined).arg(parsed->badRows.size()));
    return kExitOk;
}

} // namespace barkeep
