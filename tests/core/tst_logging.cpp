// SPDX-License-Identifier: GPL-3.0-or-later
#include "log/logging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

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
