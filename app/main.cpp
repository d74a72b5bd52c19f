// SPDX-License-Identifier: GPL-3.0-or-later
// Barkeep's one binary: the window by default, a small server with --headless, or a
// command-line verb. Which QCoreApplication to build is decided from argv before anything
// else, so the headless mode never initialises a display.
#include "application.h"
#include "cliverbs.h"
#include "commandline.h"
#include "guimodule.h"
#include "signalwatcher.h"

#include "api/apitoken.h"
#include "config/config.h"
#include "log/logging.h"
#include "util/redact.h"

#include <QCoreApplication>
#include <QDir>
#include <QLocale>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QThreadPool>
#include <QTimer>
#include <QTranslator>

#include <cstdio>
#include <memory>

using namespace barkeep;

namespace {

constexpr int kExitUsage = exitcode::kUsage;

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

// --api-token-file, or BARKEEP_API_TOKEN_FILE (as if its content were BARKEEP_API_TOKEN, so
// the usual precedence holds): the token never has to appear in argv, which `ps` shows to
// every user. Problems are appended.
void applyTokenFiles(const CommandLineOptions &cli, ConfigSources &sources, QStringList *problems)
{
    auto read = [problems](const QString &path) -> QByteArray {
        Result<QByteArray> token = ApiToken::readFile(path);
        if (!token) {
            *problems << token.error().message();
            return {};
        }
        if (ApiToken::readableByOthers(path))
            std::fprintf(stderr, "barkeep: warning: the API token file %s is readable by other "
                                 "users (chmod 600 it)\n", qPrintable(path));
        return *token;
    };
    const QString envFile = sources.environment.value(QStringLiteral("BARKEEP_API_TOKEN_FILE"));
    if (!envFile.isEmpty()) {
        if (sources.environment.contains(QStringLiteral("BARKEEP_API_TOKEN")))
            *problems << QStringLiteral("set BARKEEP_API_TOKEN or BARKEEP_API_TOKEN_FILE, not both");
        else if (const QByteArray token = read(envFile); !token.isEmpty())
            sources.environment.insert(QStringLiteral("BARKEEP_API_TOKEN"), QString::fromUtf8(token));
    }
    if (!cli.apiTokenFile.isEmpty()) {
        if (const QByteArray token = read(cli.apiTokenFile); !token.isEmpty())
            sources.sets << QStringLiteral("api.token=") + QString::fromUtf8(token);
    }
    if (!cli.apiToken.isEmpty())
        sources.sets << QStringLiteral("api.token=") + cli.apiToken;
}

void printLines(const QStringList &lines)
{
    for (const QString &l : lines)
        std::fprintf(stderr, "barkeep: %s\n", qPrintable(l));
}

// Joins the global pool's threads while the application object still exists: each may hold a
// per-thread QNetworkAccessManager (core/net/httpclient), and tearing one down during the
// application's own destruction crashed in Qt's HTTP thread (about 1 run in 100 of a driver
// that did not join first; none in 300 that did).
void joinGlobalPool()
{
    QThreadPool::globalInstance()->waitForDone();
}

} // namespace

int main(int argc, char **argv)
{
    bool headless = wantsHeadless(argc, argv);
    const bool noDisplay = !headless && !hasDisplay();
    if (noDisplay)
        headless = true;
    GuiModule gui;
    QString guiError;
    const bool guiMissing = !headless && !gui.load(&guiError);
    if (guiMissing)
        headless = true;

    // Headless, nothing needs glib's main loop, and its event dispatcher removes a socket
    // notifier by walking every registered socket: each buffered WebSocket write toggles one,
    // so a broadcast to n stream clients costs O(n^2). Qt's own UNIX dispatcher halves the CPU
    // per bar for 1000 subscribers (bench_stream). An explicit QT_NO_GLIB setting is kept.
    if (headless && !qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    std::unique_ptr<QCoreApplication> qapp = headless
        ? std::make_unique<QCoreApplication>(argc, argv)
        : gui.createApplication(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("barkeep"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BARKEEP_VERSION));

    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("barkeep"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(&translator);

    CommandLineOptions cli = parseCommandLine(QCoreApplication::arguments());
    if (cli.showHelp) {
        std::fputs(qPrintable(cli.helpText), stdout);
        return exitcode::kOk;
    }
    if (cli.showVersion) {
        std::printf("barkeep %s\n", BARKEEP_VERSION);
        return exitcode::kOk;
    }
    if (!cli.problems.isEmpty()) {
        printLines(cli.problems);
        std::fprintf(stderr, "barkeep: see --help\n");
        return kExitUsage;
    }

    ConfigSources sources;
    sources.dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    // A verb's --help answers whatever the configuration says (it starts nothing).
    if (cli.verbHelp)
        return runVerb(cli.verb, cli.verbArgs, Config::defaults(sources.dataDir));
    const QString defaultConfig =
        QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/config.json");
    sources.filePath = cli.configFile.isEmpty() ? defaultConfig : cli.configFile;
    sources.fileRequired = !cli.configFile.isEmpty();
    sources.environment = QProcessEnvironment::systemEnvironment();
    sources.sets = cli.sets;
    QStringList tokenProblems;
    applyTokenFiles(cli, sources, &tokenProblems);
    Config::LoadResult loaded = Config::load(sources);
    loaded.problems = tokenProblems + loaded.problems;
    if (!loaded.ok()) {
        printLines(loaded.problems);
        std::fprintf(stderr, "barkeep: %lld configuration problem(s); nothing was started\n",
                     qlonglong(loaded.problems.size()));
        return kExitUsage;
    }
    const Config &config = loaded.config;

    const QString format = config.logFormat();
    const bool server = headless && cli.verb.isEmpty();
    const bool journal = format == QLatin1String("journal")
        || (format == QLatin1String("auto") && server && config.logFile().isEmpty() && logging::stderrIsJournal());
    const bool json = format == QLatin1String("json") || (format == QLatin1String("auto") && server && !journal);
    logging::install(journal ? logging::Format::Journal : json ? logging::Format::Json : logging::Format::Text);
    if (!config.logFile().isEmpty()) {
        QString error;
        if (!logging::setFile(config.logFile(), config.logFileMaxBytes(), int(config.logFileKeep()), &error))
            std::fprintf(stderr, "barkeep: log.file: %s; logging to stderr\n", qPrintable(error));
    }
    // -v comes last, so it wins over log.rules' debug=false lines.
    logging::applyRules(config.string(QStringLiteral("log.rules"))
                        + (cli.verbose ? QStringLiteral(";barkeep.*.debug=true") : QString()));
    if (noDisplay && cli.verb.isEmpty())
        qCInfo(lcApp) << "no display found: running headless";
    if (guiMissing)
        qCWarning(lcApp).noquote() << guiError << "- running headless";

    if (!cli.verb.isEmpty()) {
        const int rc = runVerb(cli.verb, cli.verbArgs, config);
        joinGlobalPool();
        return rc;
    }

    // Signals are caught from before the start: a service manager (or a test) may send
    // SIGTERM as soon as the API answers, and the default action would end the process without
    // stopping the store and the API in order. A signal during start() is acted on after it.
    SignalWatcher signalWatcher;
    bool started = false;
    bool stopRequested = false;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, qapp.get(),
                     [&started, &stopRequested](int sig) {
                         qCInfo(lcApp) << "signal" << sig << "received: stopping";
                         stopRequested = true;
                         if (started)
                             QCoreApplication::quit();
                     });

    Application app(config);
    if (VoidResult ok = app.start(); !ok) {
        std::fprintf(stderr, "barkeep: cannot start: %s\n", qPrintable(ok.error().message()));
        return kExitUsage;
    }
    const QString where = QStringLiteral("data: %1; API: http://%2:%3/api/v1/; token: %4")
        .arg(redactedUrl(config.storeUrl()), config.apiHost())
        .arg(app.apiPort())
        .arg(app.tokenFile().isEmpty() ? QStringLiteral("from api.token") : app.tokenFile());
    std::fprintf(stderr, "barkeep %s: %s\n", BARKEEP_VERSION, qPrintable(where));
    qCInfo(lcApp).noquote() << "started;" << where;

    // The window first: its worker pool may still be reading the store that app.stop() closes
    // (a SIGTERM right after start crashed in a chart load).
    QObject::connect(qapp.get(), &QCoreApplication::aboutToQuit, &app, [&app, &gui] {
        gui.closeWindow();
        app.stop();
    });
    // A signal that came while starting is delivered by the first event processing.
    QCoreApplication::processEvents();
    started = true;
    if (stopRequested) {
        app.stop();
        joinGlobalPool();
        return 0;
    }

    if (!headless)
        gui.openWindow(&app);
    const int rc = qapp->exec();
    gui.closeWindow();
    app.stop();
    joinGlobalPool();
    return rc;
}
