// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstring>

namespace barkeep {

namespace {
const char *const kVerbs[] = {"backfill", "ohlcv", "export", "import"};
bool isVerb(const QString &s)
{
    for (const char *v : kVerbs)
        if (s == QLatin1String(v))
            return true;
    return false;
}
} // namespace

bool wantsHeadless(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (!std::strcmp(a, "--headless") || !std::strcmp(a, "--help") || !std::strcmp(a, "-h")
            || !std::strcmp(a, "--version") || !std::strcmp(a, "-v") || isVerb(QString::fromLocal8Bit(a)))
            return true;
    }
    return false;
}

CommandLineOptions parseCommandLine(const QStringList &arguments)
{
    CommandLineOptions o;
    // Split off a verb and its arguments: `barkeep [options] backfill --provider ...`.
    QStringList own;
    for (int i = 0; i < arguments.size(); ++i) {
        if (i > 0 && isVerb(arguments[i]) && o.verb.isEmpty()) {
            o.verb = arguments[i];
            o.verbArgs = arguments.mid(i + 1);
            break;
        }
        own << arguments[i];
    }

    QCommandLineParser p;
    p.setApplicationDescription(QCoreApplication::translate(
        "CommandLine",
        "Barkeep: OHLCV market data — fetch candles, keep them, find and fill the holes, "
        "chart them, serve them to scripts.\n\n"
        "Verbs (run headless against the same store):\n"
        "  backfill   fill a range: backfill --provider P --symbol S --since D --until D\n"
        "  ohlcv      print bars: ohlcv --provider P --symbol S [--timeframe 1h] --format csv|json\n"
        "  export     write CSV and a JSON manifest of covered and empty ranges\n"
        "  import     import a CSV file"));
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version = p.addVersionOption();
    const QCommandLineOption headless(QStringLiteral("headless"),
        QCoreApplication::translate("CommandLine", "Run without a window, as a local server."));
    const QCommandLineOption config(QStringLiteral("config"),
        QCoreApplication::translate("CommandLine", "Read the configuration from <file> (JSON)."),
        QStringLiteral("file"));
    const QCommandLineOption set(QStringLiteral("set"),
        QCoreApplication::translate("CommandLine", "Set a configuration key (repeatable), e.g. --set store.url=sqlite:///tmp/b.db"),
        QStringLiteral("key=value"));
    const QCommandLineOption token(QStringLiteral("api-token"),
        QCoreApplication::translate("CommandLine", "Use <token> for the local API instead of the generated one."),
        QStringLiteral("token"));
    p.addOptions({headless, config, set, token});
    if (!p.parse(own))
        o.problems << p.errorText();
    o.helpText = p.helpText();
    o.showHelp = p.isSet(help);
    o.showVersion = p.isSet(version);
    o.headless = p.isSet(headless);
    o.configFile = p.value(config);
    o.sets = p.values(set);
    o.apiToken = p.value(token);
    for (const QString &s : o.sets)
        if (!s.contains(QLatin1Char('=')))
            o.problems << QStringLiteral("--set %1: expected key=value").arg(s);
    for (const QString &extra : p.positionalArguments())
        o.problems << QStringLiteral("unknown argument '%1' (verbs: backfill, ohlcv, export, import)").arg(extra);
    if (!o.verb.isEmpty())
        o.headless = true;
    return o;
}

} // namespace barkeep
