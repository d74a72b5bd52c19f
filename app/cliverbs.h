// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QStringList>

#include <optional>

namespace barkeep {

// Command-line verbs for scripts and servers (backfill, ohlcv, export, import). Each runs
// against the same store as the app and returns the process exit code.
// "2024-01-01", "2024-01-01T10:00" (UTC unless an offset is given), or epoch ms.
std::optional<qint64> parseTimeArgument(const QString &text);

int runVerb(const QString &verb, const QStringList &args, const Config &config);

} // namespace barkeep
