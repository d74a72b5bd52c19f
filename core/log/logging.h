// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QLoggingCategory>

// One category per component, dotted lower case (style.md §7). Filter them with the
// `log.rules` config key, e.g. "barkeep.core.backfill.debug=true".
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcApp)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcConfig)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcStore)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcCache)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcPlugins)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcMarket)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcOrchestrator)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcBackfill)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcApi)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcStream)
BARKEEPCORE_EXPORT Q_DECLARE_LOGGING_CATEGORY(lcNet)

namespace barkeep::logging {

enum class Format { Text, Json };

// Installs the message handler: JSON lines on stderr ({"time","level","category","message"})
// for headless servers where a log collector reads them, Qt's default text otherwise.
BARKEEPCORE_EXPORT void install(Format format);
// Applies QLoggingCategory filter rules ("a.b.debug=true;c.d=false"); ';' or newlines.
BARKEEPCORE_EXPORT void applyRules(const QString &rules);
// One JSON log line, as install(Format::Json) writes it (exposed for tests).
BARKEEPCORE_EXPORT QByteArray formatJsonLine(QtMsgType type, const char *category,
                                             const QString &message, qint64 msSinceEpoch);

} // namespace barkeep::logging
