// SPDX-License-Identifier: GPL-3.0-or-later
// redactedUrl(): the one helper every printed store or cache URL goes through (issue 15).
#include "util/redact.h"

#include <QTest>

using namespace barkeep;

class TstRedact : public QObject
{
    Q_OBJECT

private slots:
    void redacts_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("shown");
        QTest::addRow("postgres") << QStringLiteral("postgresql://bk:s3cret@db.local:5433/bars")
                                  << QStringLiteral("postgresql://bk@db.local:5433/bars");
        QTest::addRow("no password") << QStringLiteral("postgresql://bk@db.local/bars")
                                     << QStringLiteral("postgresql://bk@db.local/bars");
        QTest::addRow("query") << QStringLiteral("postgresql://bk@db.local/bars?password=s3cret&sslmode=require")
                               << QStringLiteral("postgresql://bk@db.local/bars?sslmode=require");
        QTest::addRow("only query") << QStringLiteral("postgres://db/x?password=s3cret")
                                    << QStringLiteral("postgres://db/x");
        QTest::addRow("conninfo") << QStringLiteral("host=db.local password=s3cret dbname=bars")
                                  << QStringLiteral("host=db.local password=*** dbname=bars");
        QTest::addRow("conninfo quoted") << QStringLiteral("host=h password='s3 cret' dbname=b")
                                         << QStringLiteral("host=h password=*** dbname=b");
        QTest::addRow("redis") << QStringLiteral("redis://:s3cret@127.0.0.1:6379/0")
                               << QStringLiteral("redis://@127.0.0.1:6379/0");
        QTest::addRow("@ in password") << QStringLiteral("postgresql://bk:s3@cret@h/db")
                                       << QStringLiteral("postgresql://bk@h/db");
        QTest::addRow("unparsable") << QStringLiteral("postgresql://bk:s3cret@h:99999999/db")
                                    << QStringLiteral("postgresql://bk@h:99999999/db");
        QTest::addRow("sqlite") << QStringLiteral("sqlite:///home/me/b.db") << QStringLiteral("sqlite:///home/me/b.db");
        QTest::addRow("http") << QStringLiteral("https://user:s3cret@api.example/v1")
                              << QStringLiteral("https://user@api.example/v1");
    }
    void redacts()
    {
        QFETCH(QString, url);
        QFETCH(QString, shown);
        QCOMPARE(redactedUrl(url), shown);
        QVERIFY(!redactedUrl(url).contains(QStringLiteral("s3")));
    }
};

QTEST_GUILESS_MAIN(TstRedact)
#include "tst_redact.moc"
