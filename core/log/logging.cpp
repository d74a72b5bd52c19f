// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QTimeZone>

#include <algorithm>
#include <cstdio>

#include <sys/stat.h>

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

// log.file: lines go here instead of stderr (under g_writeMutex).
struct LogFile
{
    QFile file;
    qint64 maxBytes = 0;
    int keep = 0;
};
LogFile *g_file = nullptr;

void rotateLocked()
{
    const QString path = g_file->file.fileName();
    g_file->file.close();
    QFile::remove(path + QLatin1Char('.') + QString::number(g_file->keep));
    for (int i = g_file->keep - 1; i >= 1; --i)
        QFile::rename(path + QLatin1Char('.') + QString::number(i), path + QLatin1Char('.') + QString::number(i + 1));
    QFile::rename(path, path + QStringLiteral(".1"));
    g_file->file.setFileName(path);
    if (!g_file->file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        delete g_file; // nowhere to write: back to stderr rather than losing every line
        g_file = nullptr;
    }
}

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
    if (g_file) {
        if (g_file->file.size() > 0 && g_file->file.size() + line.size() > g_file->maxBytes)
            rotateLocked();
        if (g_file) {
            g_file->file.write(line);
            g_file->file.flush();
            return;
        }
    }
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

void journalHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    writeLogLine(formatJournalLine(type, context.category, message));
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

QByteArray formatJournalLine(QtMsgType type, const char *category, const QString &message)
{
    // sd-daemon(3) priorities: <7> debug, <6> info, <4> warning, <3> err, <2> crit.
    const char *prefix = "<6>";
    switch (type) {
    case QtDebugMsg: prefix = "<7>"; break;
    case QtInfoMsg: prefix = "<6>"; break;
    case QtWarningMsg: prefix = "<4>"; break;
    case QtCriticalMsg: prefix = "<3>"; break;
    case QtFatalMsg: prefix = "<2>"; break;
    }
    QByteArray line(prefix);
    line += category ? category : "default";
    line += ": ";
    // One journal entry per line: a message's own line breaks would split it.
    line += message.toUtf8().replace('\n', ' ');
    line += '\n';
    return line;
}

bool stderrIsJournal()
{
    const QByteArray stream = qgetenv("JOURNAL_STREAM"); // "device:inode"
    const int colon = stream.indexOf(':');
    if (colon <= 0)
        return false;
    struct stat st{};
    if (fstat(2, &st) != 0)
        return false;
    return stream.left(colon).toULongLong() == quint64(st.st_dev)
        && stream.mid(colon + 1).toULongLong() == quint64(st.st_ino);
}

bool setFile(const QString &path, qint64 maxBytes, int keep, QString *error)
{
    QMutexLocker lock(&g_writeMutex);
    delete g_file;
    g_file = nullptr;
    if (path.isEmpty())
        return true;
    auto *f = new LogFile;
    f->file.setFileName(path);
    f->maxBytes = std::max<qint64>(maxBytes, 1024);
    f->keep = std::max(keep, 1);
    if (!f->file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, f->file.errorString());
        delete f;
        return false;
    }
    g_file = f;
    return true;
}

void install(Format format)
{
    if (format == Format::Json) {
        qInstallMessageHandler(jsonHandler);
        return;
    }
    if (format == Format::Journal) {
        qInstallMessageHandler(journalHandler);
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
