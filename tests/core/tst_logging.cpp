// SPDX-License-Identifier: GPL-3.0-or-later
#include "log/logging.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace barkeep;

class TstLogging : public QObject
{
    Q_OBJECT

private slots:
    void jsonLine()
    {
        const QByteArray line = logging::formatJsonLine(QtWarningMsg, "barkeep.core.backfill",
                                                        QStringLiteral("chunk \"x\" failed\n"), 0);
        QVERIFY(line.endsWith('\n'));
        QCOMPARE(line.count('\n'), 1); // one line even when the message has a newline
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QCOMPARE(o.value(QStringLiteral("level")).toString(), QStringLiteral("warning"));
        QCOMPARE(o.value(QStringLiteral("category")).toString(), QStringLiteral("barkeep.core.backfill"));
        QCOMPARE(o.value(QStringLiteral("message")).toString(), QStringLiteral("chunk \"x\" failed\n"));
        QCOMPARE(o.value(QStringLiteral("time")).toString(), QStringLiteral("1970-01-01T00:00:00.000Z"));
    }

    // Under systemd: the sd-daemon priority prefix instead of a time and a level letter, one
    // journal entry per message.
    void journalLine()
    {
        QCOMPARE(logging::formatJournalLine(QtCriticalMsg, "barkeep.core.store", QStringLiteral("a\nb")),
                 QByteArray("<3>barkeep.core.store: a b\n"));
        QCOMPARE(logging::formatJournalLine(QtWarningMsg, "c", QStringLiteral("w")), QByteArray("<4>c: w\n"));
        QCOMPARE(logging::formatJournalLine(QtInfoMsg, "c", QStringLiteral("i")), QByteArray("<6>c: i\n"));
        QCOMPARE(logging::formatJournalLine(QtDebugMsg, "c", QStringLiteral("d")), QByteArray("<7>c: d\n"));
        // JOURNAL_STREAM must name stderr itself: a stale inherited value does not count.
        qputenv("JOURNAL_STREAM", "1:2");
        QVERIFY(!logging::stderrIsJournal());
        struct stat st{};
        QCOMPARE(fstat(2, &st), 0);
        qputenv("JOURNAL_STREAM", QByteArray::number(quint64(st.st_dev)) + ':' + QByteArray::number(quint64(st.st_ino)));
        QVERIFY(logging::stderrIsJournal());
        qunsetenv("JOURNAL_STREAM");
    }

    // log.file: lines go to the file; past the size it is renamed FILE.1 (older ones shift up
    // to log.fileKeep) and a new one starts. No line is split or lost between the files.
    void fileRotation()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("barkeep.log"));
        QString error;
        QVERIFY2(logging::setFile(path, 4096, 2, &error), qPrintable(error));
        const QByteArray line = QByteArray(99, 'x') + '\n'; // 100 bytes
        for (int i = 0; i < 200; ++i) // 20 000 bytes: 5 files' worth
            logging::writeLogLine(QByteArray::number(i).rightJustified(3, '0') + line.mid(3));
        QVERIFY(logging::setFile({}, 0, 0));
        QVERIFY(QFile::exists(path));
        QVERIFY(QFile::exists(path + QStringLiteral(".1")));
        QVERIFY(QFile::exists(path + QStringLiteral(".2")));
        QVERIFY(!QFile::exists(path + QStringLiteral(".3")));
        QByteArray all;
        for (const QString &f : QStringList{path + QStringLiteral(".2"), path + QStringLiteral(".1"), path}) {
            QFile file(f);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY(file.size() <= 4096);
            all += file.readAll();
        }
        const QList<QByteArray> lines = all.split('\n');
        QVERIFY(lines.size() > 100);
        // The newest lines, in order, each whole.
        QCOMPARE(lines.at(lines.size() - 2).left(3), QByteArray("199"));
        for (int i = 0; i + 1 < lines.size(); ++i) {
            QCOMPARE(lines[i].size(), 99);
            if (i > 0)
                QCOMPARE(lines[i].left(3).toInt(), lines[i - 1].left(3).toInt() + 1);
        }
        QVERIFY(!logging::setFile(dir.filePath(QStringLiteral("no/such/dir/x.log")), 4096, 2, &error));
        QVERIFY(error.contains(QStringLiteral("x.log")));
    }

    // The status line (backfill's progress bar): a log line written while it is shown clears
    // it, goes on its own row, and the status line is drawn again under it (issue 23).
    void logLinesGoAboveTheStatusLine()
    {
        QTemporaryFile capture;
        QVERIFY(capture.open());
        std::fflush(stderr);
        const int saved = ::dup(::fileno(stderr));
        ::dup2(capture.handle(), ::fileno(stderr));
        logging::install(logging::Format::Text);
        logging::setStatusLine(QStringLiteral("[##..] 50%"));
        qCWarning(lcBackfill, "chunk failed");
        logging::setStatusLine(QStringLiteral("[###.] 75%"));
        logging::endStatusLine();
        logging::endStatusLine(); // nothing shown: nothing written
        qCWarning(lcBackfill, "after");
        std::fflush(stderr);
        ::dup2(saved, ::fileno(stderr));
        ::close(saved);
        qInstallMessageHandler(nullptr);

        QFile in(capture.fileName());
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray out = in.readAll();
        const QList<QByteArray> parts = out.split('\n');
        QCOMPARE(parts.size(), 4);
        QVERIFY2(parts[0].startsWith("\r\x1b[K[##..] 50%\r\x1b[K"), parts[0].constData());
        QVERIFY2(parts[0].endsWith(" W barkeep.core.backfill: chunk failed"), parts[0].constData());
        QCOMPARE(parts[1], QByteArray("[##..] 50%\r\x1b[K[###.] 75%"));
        QVERIFY2(parts[2].endsWith(" W barkeep.core.backfill: after") && !parts[2].contains('\r'), parts[2].constData());
        QCOMPARE(parts[3], QByteArray());
    }

    void rulesFilterCategories()
    {
        logging::applyRules(QString());
        QVERIFY(!lcBackfill().isDebugEnabled());
        QVERIFY(lcBackfill().isInfoEnabled());
        logging::applyRules(QStringLiteral("barkeep.core.backfill.debug=true;barkeep.core.api.info=false"));
        QVERIFY(lcBackfill().isDebugEnabled());
        QVERIFY(!lcApi().isInfoEnabled());
        QVERIFY(!lcStore().isDebugEnabled());
        QCOMPARE(QByteArray(lcBackfill().categoryName()), QByteArray("barkeep.core.backfill"));
    }
};

QTEST_GUILESS_MAIN(TstLogging)
#include "tst_logging.moc"
