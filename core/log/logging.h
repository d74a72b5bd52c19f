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
// for headless servers where a log collector reads them, text lines (Qt's message pattern)
// otherwise. Either way the lines respect a status line (setStatusLine()).
BARKEEPCORE_EXPORT void install(Format format);
// Applies QLoggingCategory filter rules ("a.b.debug=true;c.d=false"); ';' or newlines.
BARKEEPCORE_EXPORT void applyRules(const QString &rules);
// A line kept at the bottom of a terminal (the backfill progress bar). Log lines written
// while it is shown go above it: the handler clears the line, writes the log line and draws
// the status line again under it, all under one lock, so neither breaks the other. Text
// without "\r" or "\n"; the caller keeps it within the terminal's width (a wrapped line
// cannot be cleared with one "\r"). Used only while stderr is a terminal.
BARKEEPCORE_EXPORT void setStatusLine(const QString &line);
// Ends the status line: the last one drawn stays on screen and the cursor moves to the next
// line; later log lines go below it. Nothing happens when none is shown.
BARKEEPCORE_EXPORT void endStatusLine();
// Writes a finished log line (ending in '\n') to stderr, above the status line if one is
// shown. Both handlers write through it (exposed for tests and for callers that print).
BARKEEPCORE_EXPORT void writeLogLine(const QByteArray &line);
// One JSON log line, as install(Format::Json) writes it (exposed for tests).
BARKEEPCORE_EXPORT QByteArray formatJsonLine(QtMsgType type, const char *category,
                                             const QString &message, qint64 msSinceEpoch);

} // namespace barkeep::logging
