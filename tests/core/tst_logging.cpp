// SPDX-License-Identifier: GPL-3.0-or-later
#include "log/logging.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QTest>

#include <cstdio>
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
