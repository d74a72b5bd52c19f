// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/result.h"

#include <QTest>

using namespace barkeep;
using Kind = Error::Kind;

class TstError : public QObject
{
    Q_OBJECT

private slots:
    void httpStatus_data()
    {
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("transient");
        QTest::newRow("bad input") << Kind::BadInput << 400 << "bad_input" << false;
        QTest::newRow("unauthorized") << Kind::Unauthorized << 401 << "unauthorized" << false;
        QTest::newRow("provider auth") << Kind::Auth << 502 << "provider_auth" << false;
        QTest::newRow("not found") << Kind::NotFound << 404 << "not_found" << false;
        QTest::newRow("conflict") << Kind::Conflict << 409 << "conflict" << false;
        QTest::newRow("rate limited") << Kind::RateLimited << 429 << "rate_limited" << true;
        QTest::newRow("banned") << Kind::Banned << 429 << "banned" << true;
        QTest::newRow("network") << Kind::Network << 504 << "network" << true;
        QTest::newRow("upstream") << Kind::Upstream << 502 << "upstream" << true;
        QTest::newRow("bad response") << Kind::BadResponse << 502 << "bad_response" << false;
        QTest::newRow("unsupported") << Kind::Unsupported << 501 << "unsupported" << false;
        QTest::newRow("storage") << Kind::Storage << 500 << "storage" << false;
        QTest::newRow("unavailable") << Kind::Unavailable << 503 << "unavailable" << true;
        QTest::newRow("internal") << Kind::Internal << 500 << "internal" << false;
    }
    void httpStatus()
    {
        QFETCH(Kind, kind);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(bool, transient);
        const Error e(kind, QStringLiteral("boom"));
        QCOMPARE(e.httpStatus(), status);
        QCOMPARE(e.code(), code);
        QCOMPARE(e.isTransient(), transient);
        // Every kind has a user message that carries the specific text.
        QVERIFY(e.userMessage().contains(QStringLiteral("boom")));
    }

    void resultHoldsValueOrError()
    {
        Result<int> ok = 5;
        QVERIFY(ok);
        QCOMPARE(*ok, 5);
        QCOMPARE(ok.value_or(7), 5);
        Result<int> bad = Error(Kind::NotFound, QStringLiteral("x"));
        QVERIFY(!bad);
        QCOMPARE(bad.error().kind(), Kind::NotFound);
        QCOMPARE(bad.value_or(7), 7);
        VoidResult v;
        QVERIFY(v);
        VoidResult vbad = Error(Kind::Internal, QStringLiteral("y"));
        QVERIFY(!vbad);
        QCOMPARE(vbad.error().message(), QStringLiteral("y"));
    }

    void retryAfterAndDetail()
    {
        const Error e(Kind::RateLimited, QStringLiteral("slow down"), QStringLiteral("{\"code\":-1003}"), 1500);
        QCOMPARE(e.retryAfterMs(), 1500);
        QVERIFY(e.toString().contains(QStringLiteral("-1003")));
    }
};

QTEST_GUILESS_MAIN(TstError)
#include "tst_error.moc"
