// SPDX-License-Identifier: GPL-3.0-or-later
// Job control over the API (issue 21, item 2): PATCH /api/v1/backfills/{id} pauses, resumes
// and sets the priority; a job's JSON carries its requests, weight used, bars per second,
// priority and why it waits. Bad bodies are 400s that say what to send, an unknown job a 404,
// a finished one a 409.
#include "support/apidispatchermain.h"
#include "apifixture.h"
#include "api/backfillscontroller.h"

#include <QJsonDocument>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

namespace {
BackfillJobInfo job(qint64 id, JobState state = JobState::Running)
{
    BackfillJobInfo j;
    j.id = id;
    j.series = SeriesKey{QStringLiteral("crypto"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"), QStringLiteral("1m")};
    j.range = {kJan2024, kJan2024 + kDayMs};
    j.state = state;
    return j;
}

QByteArray body(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }
} // namespace

class TstApiBackfillControl : public QObject
{
    Q_OBJECT

    QNetworkAccessManager nam;

private slots:
    void pauseResumePriority()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        f.backfill()->setJob(job(7));
        const QString url = f.url(QStringLiteral("/api/v1/backfills/7"));

        Reply r = request(nam, "PATCH", url, Auth::Bearer, body({{QStringLiteral("state"), QStringLiteral("paused")}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("state")).toString(), QStringLiteral("paused"));
        QCOMPARE(f.backfill()->job(7)->state, JobState::Paused);

        r = request(nam, "PATCH", url, Auth::Bearer,
                    body({{QStringLiteral("state"), QStringLiteral("queued")}, {QStringLiteral("priority"), 5}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("state")).toString(), QStringLiteral("queued"));
        QCOMPARE(r.json.value(QStringLiteral("priority")).toInt(), 5);
        QCOMPARE(f.backfill()->job(7)->priority, 5);

        r = request(nam, "PATCH", url, Auth::Bearer, body({{QStringLiteral("priority"), -3}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(f.backfill()->job(7)->priority, -3);
        QCOMPARE(f.backfill()->job(7)->state, JobState::Queued);
    }

    void refusals()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        f.backfill()->setJob(job(7));
        f.backfill()->setJob(job(8, JobState::Done));
        const QString url = f.url(QStringLiteral("/api/v1/backfills/7"));
        for (const QByteArray &bad : {QByteArray("not json"), QByteArray("{}"), QByteArray("[1]"),
                                      QByteArray(R"({"state":"done"})"), QByteArray(R"({"priority":1.5})"),
                                      QByteArray(R"({"priority":"high"})"), QByteArray(R"({"priority":100000})"),
                                      QByteArray(R"({"paused":true})")}) {
            const Reply r = request(nam, "PATCH", url, Auth::Bearer, bad);
            QVERIFY2(r.status == 400, bad.constData());
            QVERIFY(!r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString().isEmpty());
        }
        QCOMPARE(f.backfill()->job(7)->state, JobState::Running);
        const QByteArray pause = body({{QStringLiteral("state"), QStringLiteral("paused")}});
        QCOMPARE(request(nam, "PATCH", f.url(QStringLiteral("/api/v1/backfills/99")), Auth::Bearer, pause).status, 404);
        QCOMPARE(request(nam, "PATCH", f.url(QStringLiteral("/api/v1/backfills/8")), Auth::Bearer, pause).status, 409);
        QCOMPARE(request(nam, "PATCH", f.url(QStringLiteral("/api/v1/backfills/x")), Auth::Bearer, pause).status, 400);
        QCOMPARE(request(nam, "PATCH", url, Auth::None, pause).status, 401);
        QCOMPARE(f.backfill()->job(7)->state, JobState::Running);
    }

    void jobJsonCarriesRates()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        BackfillJobInfo j = job(7, JobState::Queued);
        j.requests = 12;
        j.weightUsed = 24;
        j.barsPerSecond = 1500.5;
        j.priority = 2;
        j.error = QStringLiteral("banned by binance until 2024-01-01T12:00:00Z");
        f.backfill()->setJob(j);
        Reply r = get(nam, f.url(QStringLiteral("/api/v1/backfills/7")));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(QStringLiteral("requests")).toInteger(), 12);
        QCOMPARE(r.json.value(QStringLiteral("weightUsed")).toInteger(), 24);
        QCOMPARE(r.json.value(QStringLiteral("barsPerSecond")).toDouble(), 1500.5);
        QCOMPARE(r.json.value(QStringLiteral("priority")).toInt(), 2);
        QCOMPARE(r.json.value(QStringLiteral("waiting")).toString(), j.error);
        // A failed job's message is its error, not a wait.
        j.state = JobState::Failed;
        f.backfill()->setJob(j);
        r = get(nam, f.url(QStringLiteral("/api/v1/backfills/7")));
        QVERIFY(r.json.value(QStringLiteral("waiting")).isNull());
        QCOMPARE(r.json.value(QStringLiteral("error")).toString(), j.error);
    }
};

BK_TEST_MAIN_ON_API_DISPATCHER(TstApiBackfillControl)
#include "tst_apibackfillcontrol.moc"
