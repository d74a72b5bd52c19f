// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace barkeep {

// What the user asked for on the command line. Parsed with QCommandLineParser; every
// problem is collected (not just the first) so that main() can list them all and exit 2.
// Global options (--set, --config, --api-token[-file], -v, --headless, --version) may stand
// before or after the verb: `barkeep backfill ... --set k=v` is `barkeep --set k=v backfill ...`.
struct CommandLineOptions
{
    bool headless = false;
    bool showHelp = false;
    bool showVersion = false;
    bool verbose = false;  // -v: debug lines of barkeep's categories
    QString configFile;
    QStringList sets;
    QString apiToken;
    QString apiTokenFile;
    QString verb;          // "", "backfill", "ohlcv", "export", "import"
    QStringList verbArgs;  // the verb's own arguments, global options taken out
    bool verbHelp = false; // -h/--help among the verb's arguments
    QStringList problems;
    QString helpText;
};

// Exit codes of every mode (documented in --help and barkeep(1)).
namespace exitcode {
constexpr int kOk = 0;
constexpr int kFailed = 1;      // a verb's work failed (store, provider, job failed)
constexpr int kUsage = 2;       // usage or configuration problem; nothing was started
constexpr int kInterrupted = 130; // SIGINT/SIGTERM during backfill (the job is paused)
} // namespace exitcode

CommandLineOptions parseCommandLine(const QStringList &arguments);
// True when argv asks for no window (checked before any QApplication exists).
bool wantsHeadless(int argc, char **argv);

// The verbs, in the order --help lists them.
QStringList verbNames();
// Text blocks shared by `barkeep --help` and `barkeep VERB --help`.
QString globalOptionsHelp();
QString environmentHelp();
QString exitCodesHelp();

} // namespace barkeep
