// SPDX-License-Identifier: GPL-3.0-or-later
// Backfill jobs a client can start are capped (issue 15, item 4): a job whose series and range
// an unfinished job covers is a 409 naming it; more than BackfillsController::kMaxActivePerSeries
// unfinished jobs of a series, or kMaxActive in all, a 429. Before, any number of identical jobs
// were queued, each costing provider requests and store writes.
#include "support/apidispatchermain.h"
#include "apifixture.h"
#include "api/backfillscontroller.h"

#include <QJsonDocument>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

namespace {

QString errorMessage(const Reply &r)
{
    return r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}

BackfillJobInfo job(qint64 id, const QString &symbol, TimeRange range, JobState state = JobState::Queued)
{
    BackfillJobInfo j;
    j.id = id;
    j.series = SeriesKey{QStringLiteral("crypto"), QStringLiteral("demo"), symbol, QStringLiteral("1m")};
    j.range = range;
    j.state = state;
    return j;
}

QByteArray backfillBody(const QString &symbol, qint64 since, qint64 until)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("market"), QStringLiteral("crypto")},
                                     {QStringLiteral("provider"), QStringLiteral("demo")},
                                     {QStringLiteral("symbol"), symbol},
                                     {QStringLiteral("since"), since},
                                     {QStringLiteral("until"), until}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TstApiBackfillCaps : public QObject
{
    Q_OBJECT

    QNetworkAccessManager nam;

private slots:
    // A job whose series and range an unfinished job covers: 409 naming it. More than
    // kMaxActivePerSeries unfinished jobs of a series, or kMaxActive in all: 429. Finished jobs
    // do not count.
    void backfillJobsCapped()
    {
        ApiFixture f;
        QVERIFY(f.ok());
        const QString url = f.url(QStringLiteral("/api/v1/backfills"));
        Reply r = request(nam, "POST", url, Auth::Bearer, backfillBody(QStringLiteral("BTC/USDT"), kJan2024, kJan2024 + kDayMs));
        QCOMPARE(r.status, 202);
        const qint64 first = r.json.value(QStringLiteral("id")).toInteger();
        // The same range, and a range inside it: 409.
        for (const auto &[since, until] : {std::pair{kJan2024, kJan2024 + kDayMs}, std::pair{kJan2024 + kHourMs, kJan2024 + 2 * kHourMs}}) {
            r = request(nam, "POST", url, Auth::Bearer, backfillBody(QStringLiteral("BTC/USDT"), since, until));
            QCOMPARE(r.status, 409);
            QVERIFY2(errorMessage(r).contains(QStringLiteral("backfill %1").arg(first)), qPrintable(errorMessage(r)));
        }
        QCOMPARE(f.backfill()->jobs().size(), 1);
        // Other ranges of the series, up to the per-series cap.
        for (int i = 1; i < BackfillsController::kMaxActivePerSeries; ++i) {
            r = request(nam, "POST", url, Auth::Bearer,
                        backfillBody(QStringLiteral("BTC/USDT"), kJan2024 + i * kDayMs, kJan2024 + (i + 1) * kDayMs));
            QCOMPARE(r.status, 202);
        }
        r = request(nam, "POST", url, Auth::Bearer, backfillBody(QStringLiteral("BTC/USDT"), kJan2024 + 40 * kDayMs, kJan2024 + 41 * kDayMs));
        QCOMPARE(r.status, 429);
        QVERIFY2(errorMessage(r).contains(QLatin1String("per series")), qPrintable(errorMessage(r)));
        // A finished job frees its place; so does a cancelled one.
        BackfillJobInfo done = *f.backfill()->job(first);
        done.state = JobState::Done;
        f.backfill()->setJob(done);
        r = request(nam, "POST", url, Auth::Bearer, backfillBody(QStringLiteral("BTC/USDT"), kJan2024 + 40 * kDayMs, kJan2024 + 41 * kDayMs));
        QCOMPARE(r.status, 202);
        // The total cap: fill it with other series' jobs.
        qint64 id = 1000;
        while (f.backfill()->jobs().size() < BackfillsController::kMaxActive + 1)
            f.backfill()->setJob(job(++id, QStringLiteral("S%1").arg(id), {kJan2024, kJan2024 + kDayMs}));
        r = request(nam, "POST", url, Auth::Bearer, backfillBody(QStringLiteral("ETH/USDT"), kJan2024, kJan2024 + kDayMs));
        QCOMPARE(r.status, 429);
        QVERIFY2(errorMessage(r).contains(QStringLiteral("at most %1").arg(BackfillsController::kMaxActive)), qPrintable(errorMessage(r)));
    }

    // The rule on the job list itself (what the manager reports), including paused jobs.
    void backfillAdmitRule()
    {
        const SeriesKey s{QStringLiteral("crypto"), QStringLiteral("demo"), QStringLiteral("BTC/USDT"), QStringLiteral("1m")};
        QList<BackfillJobInfo> jobs{job(1, QStringLiteral("BTC/USDT"), {0, 100}, JobState::Paused)};
        QCOMPARE(BackfillsController::admit(jobs, s, {10, 20}).error().kind(), Error::Kind::Conflict);
        QVERIFY(BackfillsController::admit(jobs, s, {50, 150})); // overlaps, not covered: allowed
        jobs.first().state = JobState::Failed;
        QVERIFY(BackfillsController::admit(jobs, s, {10, 20}));
        QCOMPARE(Error(Error::Kind::RateLimited, {}).httpStatus(), 429);
    }
};

BK_TEST_MAIN_ON_API_DISPATCHER(TstApiBackfillCaps)
#include "tst_apibackfillcaps.moc"
