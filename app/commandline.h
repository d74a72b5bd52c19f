// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace barkeep {

// What the user asked for on the command line. Parsed with QCommandLineParser; every
// problem is collected (not just the first) so that main() can list them all and exit 2.
struct CommandLineOptions
{
    bool headless = false;
    bool showHelp = false;
    bool showVersion = false;
    QString configFile;
    QStringList sets;
    QString apiToken;
    QString verb;          // "", "backfill", "ohlcv", "export", "import"
    QStringList verbArgs;  // everything after the verb
    QStringList problems;
    QString helpText;
};

CommandLineOptions parseCommandLine(const QStringList &arguments);
// True when argv asks for no window (checked before any QApplication exists).
bool wantsHeadless(int argc, char **argv);

} // namespace barkeep
