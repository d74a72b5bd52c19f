// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"

#include "util/redact.h"

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

// The global options, wherever they stand. Values: whether the next argument is the value
// when it is not given as --name=value.
struct GlobalOption
{
    const char *spelling;
    bool takesValue;
};
const GlobalOption kGlobals[] = {
    {"--headless", false}, {"--config", true},        {"--set", true},   {"--api-token", true},
    {"--api-token-file", true}, {"-v", false},        {"--verbose", false}, {"--version", false},
};

// The global option `arg` spells, or nullptr.
const GlobalOption *globalOption(const QString &arg)
{
    const QString name = arg.section(QLatin1Char('='), 0, 0);
    for (const GlobalOption &g : kGlobals)
        if (name == QLatin1String(g.spelling))
            return (g.takesValue || !arg.contains(QLatin1Char('='))) ? &g : nullptr;
    return nullptr;
}

bool isHelp(const QString &arg)
{
    return arg == QLatin1String("--help") || arg == QLatin1String("-h") || arg == QLatin1String("-?")
        || arg == QLatin1String("--help-all");
}

QString tr(const char *text)
{
    return QCoreApplication::translate("CommandLine", text);
}

} // namespace

QStringList verbNames()
{
    QStringList out;
    for (const char *v : kVerbs)
        out << QLatin1String(v);
    return out;
}

QString globalOptionsHelp()
{
    return tr("Global options (before or after the verb):\n"
              "  --config <file>          Read the configuration from <file> (JSON).\n"
              "  --set <key=value>        Set a configuration key (repeatable).\n"
              "  --api-token-file <file>  Read the local API token from <file>.\n"
              "  --api-token <token>      Use <token> for the local API (visible to other users\n"
              "                           in ps; prefer --api-token-file or BARKEEP_API_TOKEN).\n"
              "  -v, --verbose            Also log debug lines.\n"
              "  --headless               Run without a window (implied by a verb).\n"
              "  -h, --help               This help; after a verb, the verb's help.\n"
              "  --version                Print the version.\n");
}

QString environmentHelp()
{
    return tr("Environment:\n"
              "  BARKEEP_<KEY>            Any configuration key, dots as underscores, e.g.\n"
              "                           BARKEEP_STORE_URL, BARKEEP_CACHE_URL, BARKEEP_API_LISTEN.\n"
              "  BARKEEP_API_TOKEN        The local API token (same as --api-token).\n"
              "  BARKEEP_API_TOKEN_FILE   File holding the local API token.\n"
              "  BARKEEP_PLUGIN_PATH      Extra directory of provider plugins.\n"
              "  BARKEEP_URL              The API's base URL, for clients (examples/, completion).\n"
              "Precedence: defaults < config file < environment < --set < --api-token(-file).\n");
}

QString exitCodesHelp()
{
    return tr("Exit status:\n"
              "  0    success (the server stopped cleanly, the verb did its work)\n"
              "  1    the verb failed (store or provider error, backfill job failed)\n"
              "  2    usage or configuration problem (all listed on stderr); nothing started\n"
              "  130  backfill interrupted (SIGINT/SIGTERM); the job is paused, run the same\n"
              "       command again to resume\n");
}

bool wantsHeadless(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (!std::strcmp(a, "--headless") || !std::strcmp(a, "--help") || !std::strcmp(a, "-h")
            || !std::strcmp(a, "-?") || !std::strcmp(a, "--help-all") || !std::strcmp(a, "--version") || isVerb(QString::fromLocal8Bit(a)))
            return true;
    }
    return false;
}

CommandLineOptions parseCommandLine(const QStringList &arguments)
{
    CommandLineOptions o;
    // Global options are taken out wherever they stand; the first verb splits what remains
    // into the program's own arguments and the verb's. After "--" nothing is taken out.
    QStringList own;
    if (!arguments.isEmpty())
        own << arguments.constFirst();
    bool verbatim = false;
    for (int i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments[i];
        QStringList &rest = o.verb.isEmpty() ? own : o.verbArgs;
        if (verbatim) {
            rest << a;
            continue;
        }
        if (a == QLatin1String("--")) {
            verbatim = true;
            rest << a;
            continue;
        }
        if (const GlobalOption *g = globalOption(a)) {
            own << a;
            if (g->takesValue && !a.contains(QLatin1Char('=')) && i + 1 < arguments.size())
                own << arguments[++i];
            continue;
        }
        if (o.verb.isEmpty() && isVerb(a)) {
            o.verb = a;
            continue;
        }
        if (!o.verb.isEmpty() && isHelp(a))
            o.verbHelp = true;
        rest << a;
    }

    QCommandLineParser p;
    p.setApplicationDescription(tr(
        "Barkeep: OHLCV market data — fetch candles, keep them, find and fill the holes, "
        "chart them, serve them to scripts.\n\n"
        "Without a verb: the window, or with --headless a local server (REST + WebSocket).\n"
        "Options may stand before or after the verb.\n"
        "Verbs (run headless against the same store; `barkeep VERB --help` for each):\n"
        "  backfill   fill a range: backfill --provider P --symbol S --since D --until D\n"
        "  ohlcv      print bars: ohlcv --provider P --symbol S [--timeframe 1h] --format csv|json\n"
        "  export     write CSV and a JSON manifest of covered and empty ranges\n"
        "  import     import a CSV file"));
    const QCommandLineOption help = p.addHelpOption();
    const QCommandLineOption version(QStringLiteral("version"), tr("Print the version."));
    const QCommandLineOption verbose({QStringLiteral("v"), QStringLiteral("verbose")},
                                     tr("Also log debug lines (barkeep.*.debug)."));
    const QCommandLineOption headless(QStringLiteral("headless"),
        tr("Run without a window, as a local server."));
    const QCommandLineOption config(QStringLiteral("config"),
        tr("Read the configuration from <file> (JSON)."), QStringLiteral("file"));
    const QCommandLineOption set(QStringLiteral("set"),
        tr("Set a configuration key (repeatable), e.g. --set store.url=sqlite:///tmp/b.db"),
        QStringLiteral("key=value"));
    const QCommandLineOption tokenFile(QStringLiteral("api-token-file"),
        tr("Read the local API token from <file> (first line)."), QStringLiteral("file"));
    const QCommandLineOption token(QStringLiteral("api-token"),
        tr("Use <token> for the local API instead of the generated one. Other users can read "
           "it in ps: prefer --api-token-file or BARKEEP_API_TOKEN."),
        QStringLiteral("token"));
    p.addOptions({version, verbose, headless, config, set, tokenFile, token});
    if (!p.parse(own))
        o.problems << p.errorText();
    QString text = p.helpText();
    text.replace(0, text.indexOf(QLatin1Char('\n')),
                 QStringLiteral("Usage: barkeep [options] [VERB [verb options]]"));
    o.helpText = text + QLatin1Char('\n') + environmentHelp() + QLatin1Char('\n') + exitCodesHelp();
    o.showHelp = p.isSet(help) || p.isSet(QStringLiteral("help-all"));
    o.showVersion = p.isSet(version);
    o.verbose = p.isSet(verbose);
    o.headless = p.isSet(headless);
    o.configFile = p.value(config);
    o.sets = p.values(set);
    o.apiToken = p.value(token);
    o.apiTokenFile = p.value(tokenFile);
    if (p.isSet(token) && p.isSet(tokenFile))
        o.problems << QStringLiteral("give --api-token or --api-token-file, not both");
    for (const QString &s : o.sets)
        if (!s.contains(QLatin1Char('=')))
            o.problems << QStringLiteral("--set %1: expected key=value").arg(s);
    // Redacted: a store URL given without its --set lands here, password and all.
    for (const QString &extra : p.positionalArguments())
        o.problems << QStringLiteral("unknown argument '%1' (verbs: %2)")
                          .arg(redactedUrl(extra), verbNames().join(QStringLiteral(", ")));
    if (!o.verb.isEmpty())
        o.headless = true;
    return o;
}

} // namespace barkeep
