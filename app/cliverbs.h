// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "model/bar.h"

#include <QCommandLineParser>
#include <QStringList>

#include <initializer_list>

#include <optional>

namespace barkeep {

// Command-line verbs for scripts and servers (backfill, ohlcv, export, import). Each runs
// against the same store as the app and returns the process exit code.
// "2024-01-01", "2024-01-01T10:00" (UTC unless an offset is given), or epoch ms.
std::optional<qint64> parseTimeArgument(const QString &text);

// What every range verb checks: each of `required` given, --since and --until readable
// times, --until after --since. Problems are appended (all of them, not only the first);
// the range is returned when both ends parsed and are in order.
std::optional<TimeRange> requiredOptionsAndRange(const QCommandLineParser &parser,
                                                 std::initializer_list<const char *> required,
                                                 QStringList *problems);

// `barkeep VERB --help` on stdout: usage line, what the verb does, its options (from `parser`,
// which must have addHelpOption()), then the global options, environment and exit codes.
void printVerbHelp(const QCommandLineParser &parser, const QString &usage, const QString &what);
// -h, --help or --help-all (addHelpOption() adds all three).
bool wantsVerbHelp(const QCommandLineParser &parser);

int runVerb(const QString &verb, const QStringList &args, const Config &config);

} // namespace barkeep
