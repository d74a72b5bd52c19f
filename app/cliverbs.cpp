// SPDX-License-Identifier: GPL-3.0-or-later
#include "cliverbs.h"

#include "application.h"
#include "backfillverb.h"
#include "commandline.h"
#include "dataverbs.h"

#include "api/barjsonencoder.h"
#include "model/timeframe.h"
#include "services/dataorchestrator.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QTimeZone>

#include <cstdio>

namespace barkeep {

std::optional<qint64> parseTimeArgument(const QString &text)
{
    bool ok = false;
    const qint64 ms = text.toLongLong(&ok);
    if (ok)
        return ms;
    QDateTime dt = QDateTime::fromString(text, Qt::ISODate);
    if (!dt.isValid())
        dt = QDateTime(QDate::fromString(text, Qt::ISODate), QTime(0, 0));
    if (!dt.isValid())
        return std::nullopt;
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeZone(QTimeZone::utc());
    return dt.toMSecsSinceEpoch();
}

std::optional<TimeRange> requiredOptionsAndRange(const QCommandLineParser &parser,
                                                 std::initializer_list<const char *> required,
                                                 QStringList *problems)
{
    for (const char *name : required)
        if (parser.value(QLatin1String(name)).isEmpty())
            *problems << QStringLiteral("--%1 is required").arg(QLatin1String(name));
    const QString sinceText = parser.value(QStringLiteral("since"));
    const QString untilText = parser.value(QStringLiteral("until"));
    const auto since = parseTimeArgument(sinceText);
    const auto until = parseTimeArgument(untilText);
    if (!sinceText.isEmpty() && !since)
        *problems << QStringLiteral("--since: not a date or epoch ms");
    if (!untilText.isEmpty() && !until)
        *problems << QStringLiteral("--until: not a date or epoch ms");
    if (!since || !until)
        return std::nullopt;
    if (*until <= *since) {
        *problems << QStringLiteral("--until must be after --since");
        return std::nullopt;
    }
    return TimeRange{*since, *until};
}

void printVerbHelp(const QCommandLineParser &parser, const QString &usage, const QString &what)
{
    const QString own = parser.helpText();
    const qsizetype options = own.indexOf(QLatin1String("Options:"));
    const QString text = QStringLiteral("Usage: barkeep %1\n%2\n\n%3\n%4\n%5\n%6")
                             .arg(usage, what, options >= 0 ? own.mid(options) : own,
                                  globalOptionsHelp(), environmentHelp(), exitCodesHelp());
    std::fputs(qPrintable(text), stdout);
    std::fflush(stdout);
}

bool wantsVerbHelp(const QCommandLineParser &parser)
{
    return parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"));
}

namespace {

int runOhlcv(const QStringList &args, const Config &config)
{
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({{QStringLiteral("market"), QStringLiteral("Market."), QStringLiteral("m"), QStringLiteral("crypto")},
                  {QStringLiteral("provider"), QStringLiteral("Provider id."), QStringLiteral("p")},
                  {QStringLiteral("symbol"), QStringLiteral("Symbol."), QStringLiteral("s")},
                  {QStringLiteral("timeframe"), QStringLiteral("Timeframe."), QStringLiteral("tf"), QStringLiteral("1m")},
                  {QStringLiteral("since"), QStringLiteral("Start (inclusive)."), QStringLiteral("t")},
                  {QStringLiteral("until"), QStringLiteral("End (exclusive)."), QStringLiteral("t")},
                  {QStringLiteral("format"), QStringLiteral("csv or json."), QStringLiteral("f"), QStringLiteral("csv")}});
    if (!p.parse(QStringList{QStringLiteral("ohlcv")} + args)) {
        std::fprintf(stderr, "barkeep ohlcv: %s\n", qPrintable(p.errorText()));
        return 2;
    }
    if (wantsVerbHelp(p)) {
        printVerbHelp(p, QStringLiteral("ohlcv --provider P --symbol S --since T --until T [options]"),
                      QStringLiteral("Prints the bars of a series to stdout (CSV or JSON), fetching what the "
                                     "store lacks. Times: 2024-01-01, 2024-01-01T10:00 (UTC unless an "
                                     "offset is given) or epoch ms."));
        return 0;
    }
    QStringList problems;
    const std::optional<TimeRange> range =
        requiredOptionsAndRange(p, {"provider", "symbol", "since", "until"}, &problems);
    const QString format = p.value(QStringLiteral("format"));
    if (format != QLatin1String("csv") && format != QLatin1String("json"))
        problems << QStringLiteral("--format must be csv or json");
    if (!problems.isEmpty()) {
        for (const QString &pr : problems)
            std::fprintf(stderr, "barkeep ohlcv: %s\n", qPrintable(pr));
        return 2;
    }
    Config cfg = config;
    cfg.set(QStringLiteral("api.enabled"), false);
    Application app(cfg);
    if (VoidResult ok = app.start(); !ok) {
        std::fprintf(stderr, "barkeep ohlcv: %s\n", qPrintable(ok.error().message()));
        return 2;
    }
    const SeriesKey key{p.value(QStringLiteral("market")), p.value(QStringLiteral("provider")),
                        p.value(QStringLiteral("symbol")), p.value(QStringLiteral("timeframe"))};
    Result<Bars> bars = app.orchestrator()->bars(key, *range);
    if (!bars) {
        std::fprintf(stderr, "barkeep ohlcv: %s\n", qPrintable(bars.error().toString()));
        return 1;
    }
    QByteArray out;
    if (format == QLatin1String("csv")) {
        out = BarJsonEncoder::csv(*bars);
    } else {
        BarJsonEncoder::appendBars(out, *bars);
        out.append('\n');
    }
    std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
    return 0;
}

} // namespace

int runVerb(const QString &verb, const QStringList &args, const Config &config)
{
    if (verb == QLatin1String("ohlcv"))
        return runOhlcv(args, config);
    if (verb == QLatin1String("backfill"))
        return runBackfillVerb(args, config);
    if (verb == QLatin1String("export"))
        return runExportVerb(args, config);
    if (verb == QLatin1String("import"))
        return runImportVerb(args, config);
    std::fprintf(stderr, "barkeep %s: unknown verb\n", qPrintable(verb));
    return 2;
}

} // namespace barkeep
