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

// Journal: under systemd (JOURNAL_STREAM set), "<N>category: message" lines: the journal
// stamps the time itself and reads the sd-daemon(3) priority prefix as the level.
enum class Format { Text, Json, Journal };

// Installs the message handler: JSON lines on stderr ({"time","level","category","message"})
// for headless servers where a log collector reads them, journal lines under systemd, text
// lines (Qt's message pattern) otherwise. Either way the lines respect a status line
// (setStatusLine()).
BARKEEPCORE_EXPORT void install(Format format);
// Whether stderr is the systemd journal: JOURNAL_STREAM names stderr's device and inode
// (systemd.exec(5)); a child that inherited the variable but writes elsewhere does not match.
BARKEEPCORE_EXPORT bool stderrIsJournal();
// Log lines go to `path` instead of stderr (log.file); when a line would take the file past
// `maxBytes`, it is renamed to path.1 (path.1 to path.2, ..., the oldest beyond `keep` removed)
// and a new one started. An empty path goes back to stderr. False (stderr kept) with `error`
// set when the file cannot be opened.
BARKEEPCORE_EXPORT bool setFile(const QString &path, qint64 maxBytes, int keep, QString *error = nullptr);
// One journal line, as install(Format::Journal) writes it (exposed for tests).
BARKEEPCORE_EXPORT QByteArray formatJournalLine(QtMsgType type, const char *category,
                                                const QString &message);
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
// Writes a finished log line (ending in '\n') to stderr (or the log file), above the status
// line if one is shown. Both handlers write through it (exposed for tests and for callers that print).
BARKEEPCORE_EXPORT void writeLogLine(const QByteArray &line);
// One JSON log line, as install(Format::Json) writes it (exposed for tests).
BARKEEPCORE_EXPORT QByteArray formatJsonLine(QtMsgType type, const char *category,
                                             const QString &message, qint64 msSinceEpoch);

} // namespace barkeep::logging
