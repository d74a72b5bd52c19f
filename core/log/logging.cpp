// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QTimeZone>

#include <cstdio>

Q_LOGGING_CATEGORY(lcApp, "barkeep.app")
Q_LOGGING_CATEGORY(lcConfig, "barkeep.core.config")
Q_LOGGING_CATEGORY(lcStore, "barkeep.core.store")
Q_LOGGING_CATEGORY(lcCache, "barkeep.core.cache")
Q_LOGGING_CATEGORY(lcPlugins, "barkeep.core.plugins")
Q_LOGGING_CATEGORY(lcMarket, "barkeep.core.market")
Q_LOGGING_CATEGORY(lcOrchestrator, "barkeep.core.orchestrator")
Q_LOGGING_CATEGORY(lcBackfill, "barkeep.core.backfill")
Q_LOGGING_CATEGORY(lcApi, "barkeep.core.api")
Q_LOGGING_CATEGORY(lcStream, "barkeep.core.stream")
Q_LOGGING_CATEGORY(lcNet, "barkeep.core.net")

namespace barkeep::logging {

namespace {
// One lock for every byte the handlers and the status line write to stderr.
QMutex g_writeMutex;
QByteArray g_statusLine; // shown at the bottom of the terminal; empty = none

// Carriage return, then erase to the end of the line (ECMA-48 EL).
constexpr char kClearLine[] = "\r\x1b[K";

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return "debug";
    case QtInfoMsg: return "info";
    case QtWarningMsg: return "warning";
    case QtCriticalMsg: return "error";
    case QtFatalMsg: return "fatal";
    }
    return "info";
}

void writeLocked(const QByteArray &line)
{
    if (!g_statusLine.isEmpty())
        std::fputs(kClearLine, stderr);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    if (!g_statusLine.isEmpty())
        std::fwrite(g_statusLine.constData(), 1, size_t(g_statusLine.size()), stderr);
    std::fflush(stderr);
}

void jsonHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    writeLogLine(formatJsonLine(type, context.category, message, QDateTime::currentMSecsSinceEpoch()));
    if (type == QtFatalMsg)
        std::abort();
}

void textHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    writeLogLine(qFormatLogMessage(type, context, message).toLocal8Bit() + '\n');
    if (type == QtFatalMsg)
        std::abort();
}
} // namespace

void writeLogLine(const QByteArray &line)
{
    QMutexLocker lock(&g_writeMutex);
    writeLocked(line);
}

void setStatusLine(const QString &line)
{
    QMutexLocker lock(&g_writeMutex);
    g_statusLine = line.toLocal8Bit();
    std::fputs(kClearLine, stderr);
    std::fwrite(g_statusLine.constData(), 1, size_t(g_statusLine.size()), stderr);
    std::fflush(stderr);
}

void endStatusLine()
{
    QMutexLocker lock(&g_writeMutex);
    if (g_statusLine.isEmpty())
        return;
    g_statusLine.clear();
    std::fputs("\n", stderr);
    std::fflush(stderr);
}

QByteArray formatJsonLine(QtMsgType type, const char *category, const QString &message,
                          qint64 msSinceEpoch)
{
    QJsonObject o;
    o.insert(QStringLiteral("time"),
             QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC)
                 .toString(Qt::ISODateWithMs));
    o.insert(QStringLiteral("level"), QLatin1String(levelName(type)));
    o.insert(QStringLiteral("category"),
             QLatin1String(category ? category : "default"));
    o.insert(QStringLiteral("message"), message);
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

void install(Format format)
{
    if (format == Format::Json) {
        qInstallMessageHandler(jsonHandler);
        return;
    }
    qSetMessagePattern(QStringLiteral(
        "%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-debug}D%{endif}%{if-info}I%{endif}"
        "%{if-warning}W%{endif}%{if-critical}E%{endif}%{if-fatal}F%{endif} %{category}: "
        "%{message}"));
    qInstallMessageHandler(textHandler);
}

void applyRules(const QString &rules)
{
    QString r = rules;
    r.replace(QLatin1Char(';'), QLatin1Char('\n'));
    // Info and above by default for our categories; debug only when asked.
    QLoggingCategory::setFilterRules(QStringLiteral("barkeep.*.debug=false\n") + r);
}

} // namespace barkeep::logging
