// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QStringList>

namespace barkeep {

// Command-line verbs for scripts and servers (backfill, ohlcv, export, import). Each runs
// against the same store as the app and returns the process exit code.
int runVerb(const QString &verb, const QStringList &args, const Config &config);

} // namespace barkeep
