// SPDX-License-Identifier: GPL-3.0-or-later
// BackfillJobModel under QAbstractItemModelTester: loading, inserting, updating and resetting
// keep the model consistent; a real BackfillManager's jobs (also after a restart) show up.
#include "backfill/backfilljobmodel.h"
#include "backfill/backfillpanel.h"
#include "panelsfixture.h"

#include <QAbstractItemModelTester>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace barkeep;
using namespace barkeep::ui;

namespace {
constexpr qint64 kT0 = 1709596800000; // 2024-03-05

BackfillJobInfo job(qint64 id, JobState state, double progress = 0, const QString &error = {})
{
    BackfillJobInfo j;
    j.id = id;
    j.series = test::PanelsFixture::demo();
    j.range = {kT0, kT0 + kDayMs};
    j.state = state;
    j.progress = progress;
    j.barsWritten = qint64(progress * 1440);
    j.barsPerSecond = state == JobState::Running ? 1234 : 0;
    j.etaMs = state == JobState::Running ? 65'000 : -1;
    j.error = error;
    return j;
}
} // namespace

class TstBackfillJobModel : public QObject
{
    Q_OBJECT

private slots:
    void modelTester()
    {
        BackfillJobModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(BackfillJobModel::ColumnCount));

        model.setJobs({job(1, JobState::Done, 1), job(3, JobState::Running, 0.25),
                       job(2, JobState::Failed, 0.5,
                           QStringLiteral("banned by binance until 14:03:07"))});
        QCOMPARE(model.rowCount(), 3);
        // Newest first.
        QCOMPARE(model.jobAt(0).id, 3);
        QCOMPARE(model.jobAt(2).id, 1);
        QCOMPARE(model.rowOfJob(2), 1);

        QCOMPARE(model.index(0, BackfillJobModel::Series).data().toString(),
                 QStringLiteral("BTC/USDT · demo"));
        QCOMPARE(model.index(0, BackfillJobModel::Range).data().toString(),
                 QStringLiteral("2024-03-05 00:00 – 2024-03-06 00:00"));
        QCOMPARE(model.index(0, BackfillJobModel::State).data().toString(),
                 QStringLiteral("running"));
        QCOMPARE(model.index(0, BackfillJobModel::Progress)
                     .data(BackfillJobModel::ProgressRole)
                     .toDouble(),
                 0.25);
        QCOMPARE(model.index(0, BackfillJobModel::Bars).data().toString(), QLocale().toString(360));
        QVERIFY(model.index(0, BackfillJobModel::Rate)
                    .data()
                    .toString()
                    .contains(QLocale().toString(1234)));
        QCOMPARE(model.index(0, BackfillJobModel::Eta).data().toString(),
                 QStringLiteral("1 min 5 s"));
        QCOMPARE(model.index(1, BackfillJobModel::Error).data().toString(),
                 QStringLiteral("banned by binance until 14:03:07"));
        QCOMPARE(model.index(2, BackfillJobModel::Eta).data().toString(), QString());

        // An update changes one row in place.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.upsertJob(job(3, JobState::Running, 0.75));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 0);
        QCOMPARE(model.index(0, BackfillJobModel::Progress)
                     .data(BackfillJobModel::ProgressRole)
                     .toDouble(),
                 0.75);

        // A new job is inserted on top; an older unknown one in its place.
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.upsertJob(job(7, JobState::Queued));
        model.upsertJob(job(0, JobState::Cancelled));
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.jobAt(0).id, 7);
        QCOMPARE(model.jobAt(4).id, 0);
        QCOMPARE(model.rowOfJob(3), 1);

        model.setJobs({});
        QCOMPARE(model.rowCount(), 0);
    }

    void realManagerJobsAndRestart()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        BackfillJobModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy loaded(&model, &BackfillJobModel::loaded);
        model.setManager(fx.backfill.get());
        QVERIFY(loaded.wait(10000));
        QCOMPARE(model.rowCount(), 0);

        Result<qint64> id
            = fx.backfill->submit(test::PanelsFixture::demo(), {kT0, kT0 + 6 * kHourMs});
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(model.rowOfJob(*id) >= 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(model.jobAt(model.rowOfJob(*id)).state, JobState::Done,
                                  60000);
        QCOMPARE(model.jobAt(model.rowOfJob(*id)).barsWritten, 6 * 60);
        QCOMPARE(model.index(model.rowOfJob(*id), BackfillJobModel::Progress)
                     .data(BackfillJobModel::ProgressRole)
                     .toDouble(),
                 1.0);

        // Restart the services on the same store: the job is still listed.
        model.setManager(nullptr);
        fx.stop();
        QVERIFY(fx.start());
        QSignalSpy reloaded(&model, &BackfillJobModel::loaded);
        model.setManager(fx.backfill.get());
        QVERIFY(reloaded.wait(10000));
        QVERIFY(model.rowOfJob(*id) >= 0);
        QCOMPARE(model.jobAt(model.rowOfJob(*id)).state, JobState::Done);
    }

    void panelButtonsFollowTheSelection()
    {
        BackfillPanel panel;
        panel.model()->setJobs({job(1, JobState::Running, 0.5),
                                job(2, JobState::Paused, 0.1),
                                job(3, JobState::Done, 1)});
        panel.show();
        QVERIFY(!panel.pauseButton()->isEnabled());
        panel.view()->selectRow(panel.model()->rowOfJob(1));
        QVERIFY(panel.pauseButton()->isEnabled());
        QVERIFY(panel.cancelButton()->isEnabled());
        QVERIFY(!panel.resumeButton()->isEnabled());
        panel.view()->selectRow(panel.model()->rowOfJob(2));
        QVERIFY(!panel.pauseButton()->isEnabled());
        QVERIFY(panel.resumeButton()->isEnabled());
        panel.view()->selectRow(panel.model()->rowOfJob(3));
        QVERIFY(!panel.pauseButton()->isEnabled());
        QVERIFY(!panel.resumeButton()->isEnabled());
        QVERIFY(!panel.cancelButton()->isEnabled());
    }

    void pauseAndResumeThroughThePanel()
    {
        test::PanelsFixture fx;
        QVERIFY(fx.start());
        BackfillPanel panel;
        panel.setManager(fx.backfill.get());
        panel.show();
        // A long job so that it is still running when paused.
        Result<qint64> id
            = fx.backfill->submit(test::PanelsFixture::demo(), {kT0 - 400 * kDayMs, kT0});
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(panel.model()->rowOfJob(*id) >= 0, 10000);
        panel.view()->selectRow(panel.model()->rowOfJob(*id));
        QTRY_VERIFY_WITH_TIMEOUT(panel.pauseButton()->isEnabled(), 10000);
        panel.pauseButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(fx.backfill->job(*id)->state, JobState::Paused, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(panel.model()->jobAt(panel.model()->rowOfJob(*id)).state,
                                  JobState::Paused, 10000);
        QTRY_VERIFY(panel.resumeButton()->isEnabled());
        panel.cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(fx.backfill->job(*id)->state, JobState::Cancelled, 20000);
    }
};

QTEST_MAIN(TstBackfillJobModel)
#include "tst_backfilljobmodel.moc"
