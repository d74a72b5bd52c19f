// SPDX-License-Identifier: GPL-3.0-or-later
// `barkeep backfill` as a script runs it: against the Binance fake (in this process), Ctrl-C
// pauses with exit code 130 and a second run resumes; kill -9 mid-job and a rerun completes
// with the ground truth and without fetching a finished chunk again.
#include "backfilltest.h"
#include "support/testsupport.h"

#include <QProcess>
#include <QTest>

#include <csignal>

using namespace barkeep;
using namespace barkeep::test;

namespace {
const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};
} // namespace

class TestBackfillCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("cli.db")); }

    void startBarkeep(QProcess &p, const QUrl &fake, const QStringList &verbArgs)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys())
            if (k.startsWith(QLatin1String("BARKEEP_")))
                env.remove(k);
        env.insert(QStringLiteral("HOME"), m_dir.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        p.setProcessEnvironment(env);
        QStringList args{QStringLiteral("--set"), QStringLiteral("store.url=sqlite://") + dbPath()};
        if (fake.isValid())
            args << QStringLiteral("--set") << QStringLiteral("providers.binance.baseUrl=") + fake.toString()
                 << QStringLiteral("--set") << QStringLiteral("providers.binance.archiveUrl=") + fake.toString();
        args << QStringLiteral("backfill") << verbArgs;
        p.start(barkeepBinary(), args);
        QVERIFY2(p.waitForStarted(), qPrintable(p.errorString()));
    }

    static QStringList rangeArgs(TimeRange r)
    {
        return {QStringLiteral("--provider"), QStringLiteral("binance"), QStringLiteral("--symbol"),
                QStringLiteral("BTC/USDT"), QStringLiteral("--since"), QString::number(r.from),
                QStringLiteral("--until"), QString::number(r.to), QStringLiteral("--no-archive")};
    }

    // Our own connection to the database the child writes.
    std::unique_ptr<Store> openStore()
    {
        auto s = createBarStore(QStringLiteral("sqlite://") + dbPath());
        if (!s || !(*s)->open())
            return {};
        return std::move(s).value();
    }

    static qint64 coveredMinutes(BarStore *store, TimeRange r)
    {
        Result<CoverageIntervals> cov = store->coverage(kBtc, r);
        qint64 n = 0;
        if (cov)
            for (const auto &c : *cov)
                n += c.range.length() / kMinuteMs;
        return n;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no provider") << QStringList{QStringLiteral("--symbol"), QStringLiteral("X"), QStringLiteral("--since"), QStringLiteral("2024-01-01"), QStringLiteral("--until"), QStringLiteral("2024-01-02")}
                                     << QStringLiteral("--provider is required");
        QTest::newRow("bad date") << QStringList{QStringLiteral("--provider"), QStringLiteral("binance"), QStringLiteral("--symbol"), QStringLiteral("X"), QStringLiteral("--since"), QStringLiteral("soon"), QStringLiteral("--until"), QStringLiteral("2024-01-02")}
                                  << QStringLiteral("--since: not a date");
        QTest::newRow("until before since") << QStringList{QStringLiteral("--provider"), QStringLiteral("binance"), QStringLiteral("--symbol"), QStringLiteral("X"), QStringLiteral("--since"), QStringLiteral("2024-01-03"), QStringLiteral("--until"), QStringLiteral("2024-01-02")}
                                            << QStringLiteral("--until must be after --since");
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QProcess p;
        startBarkeep(p, {}, args);
        QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 30'000);
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(p.readAllStandardError().contains(message.toUtf8()), qPrintable(message));
    }

    void ctrlCPausesAndRerunResumes()
    {
        fakes::BinanceFake fake(21);
        fake.faults().latencyMs = 150;
        QVERIFY(fake.listen());
        const TimeRange range{utc(2024, 2, 1), utc(2024, 3, 12)}; // 57600 min: 58 chunks
        auto store = openStore();
        QVERIFY(store);
        QProcess p;
        startBarkeep(p, fake.url(), rangeArgs(range));
        QTRY_VERIFY_WITH_TIMEOUT(coveredMinutes(store.get(), range) >= 5000, 30'000);
        ::kill(pid_t(p.processId()), SIGINT);
        QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 20'000);
        const QByteArray out = p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == 130, QByteArray(out + p.readAllStandardError()).constData());
        QVERIFY(out.contains("run the same command again to resume"));
        Result<std::vector<StoredJob>> jobs = store->jobs();
        QVERIFY(jobs);
        QCOMPARE(jobs->size(), size_t(1));
        QCOMPARE(jobs->front().state, JobState::Paused);
        QVERIFY(!store->gaps(kBtc, range)->empty());

        fake.faults().latencyMs = 2;
        QProcess again;
        startBarkeep(again, fake.url(), rangeArgs(range));
        QTRY_COMPARE_WITH_TIMEOUT(again.state(), QProcess::NotRunning, 60'000);
        const QByteArray err = again.readAllStandardError();
        QVERIFY2(again.exitCode() == 0, QByteArray(again.readAllStandardOutput() + err).constData());
        QVERIFY(err.contains("resuming job"));
        // Not a terminal: plain progress lines.
        QVERIFY(err.contains("backfill 1: running"));
        QVERIFY(!err.contains('\r'));
        jobs = store->jobs();
        QCOMPARE(jobs->size(), size_t(1));
        QCOMPARE(jobs->front().state, JobState::Done);
        QVERIFY(store->gaps(kBtc, range)->empty());
    }

    void killDashNineThenRerunCompletes()
    {
        fakes::BinanceFake fake(23);
        fake.faults().latencyMs = 150;
        QVERIFY(fake.listen());
        const TimeRange range{utc(2023, 5, 1), utc(2023, 6, 10)}; // 57600 min
        auto store = openStore();
        QVERIFY(store);
        QProcess p;
        startBarkeep(p, fake.url(), rangeArgs(range));
        QTRY_VERIFY_WITH_TIMEOUT(coveredMinutes(store.get(), range) >= 8000, 30'000);
        p.kill(); // SIGKILL: no cleanup at all
        QTRY_COMPARE_WITH_TIMEOUT(p.state(), QProcess::NotRunning, 10'000);
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        Result<CoverageIntervals> before = store->coverage(kBtc, range);
        QVERIFY(before && !before->empty());
        const int firstRun = fake.requestCount(QStringLiteral("/api/v3/klines"));
        QVERIFY(firstRun < 58);

        fake.resetCounters();
        fake.faults().latencyMs = 2;
        QProcess again;
        startBarkeep(again, fake.url(), rangeArgs(range));
        QTRY_COMPARE_WITH_TIMEOUT(again.state(), QProcess::NotRunning, 60'000);
        QVERIFY2(again.exitCode() == 0, QByteArray(again.readAllStandardOutput() + again.readAllStandardError()).constData());

        int secondRun = 0;
        for (const QUrl &u : fake.requestLog()) {
            const auto asked = klinesRange(u);
            if (!asked)
                continue;
            ++secondRun;
            if (qEnvironmentVariableIsSet("BK_DEBUG_LOG"))
                qDebug() << (asked->from - range.from) / kMinuteMs << (asked->to - range.from) / kMinuteMs;
            for (const CoverageInterval &c : *before)
                QVERIFY2(!(asked->from < c.range.to && c.range.from < asked->to), "a finished chunk was fetched again");
        }
        // What kill -9 may cost: the chunks under way, at most the provider's chunk tasks
        // (2 x its 8 request slots: 8 answers in flight plus 8 being parsed or committed).
        QVERIFY2(firstRun + secondRun <= 58 + 16, qPrintable(QStringLiteral("%1 + %2 requests").arg(firstRun).arg(secondRun)));
        Result<Bars> bars = store->readBars(kBtc, range);
        QVERIFY(bars);
        const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), range);
        QCOMPARE(bars->size(), truth.size()); // no duplicate, none lost
        QVERIFY(*bars == truth);
        QVERIFY(store->gaps(kBtc, range)->empty());
    }
};

QTEST_GUILESS_MAIN(TestBackfillCli)
#include "tst_backfillcli.moc"
