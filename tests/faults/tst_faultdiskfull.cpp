// SPDX-License-Identifier: GPL-3.0-or-later
// The disk holding a SQLite store fills up during a backfill: the job stops with an error
// that says so, the instance keeps serving what is stored, and the store stays intact: every
// range it claims as fetched holds exactly the exchange's bars, nothing outside. Given room
// again, the same backfill completes. The full disk is a small tmpfs when this process may
// mount (root in CI), else a file-size limit (RLIMIT_FSIZE with SIGXFSZ ignored, so writes
// fail with EFBIG like on a full disk instead of killing the process).
#include "binancefake.h"
#include "faulttest.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <csignal>

using namespace barkeep;
using namespace barkeep::test;

class TestFaultDiskFull : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_mount;
    bool m_mounted = false;

    bool mountTmpfs(const QString &size)
    {
        const QString opts = m_mounted ? QStringLiteral("remount,size=") + size : QStringLiteral("size=") + size;
        if (runShell(QStringLiteral("mount -t tmpfs -o %1 barkeep-fault '%2' 2>&1").arg(opts, m_mount)) != 0)
            return false;
        m_mounted = true;
        return true;
    }

    // Every range the store says was fetched holds exactly the truth; no bar outside them.
    static void checkIntact(BarStore *store, const fakes::BinanceFake &fake, TimeRange range, qint64 *covered)
    {
        Result<CoverageIntervals> cov = store->coverage(kBinanceBtc, range);
        QVERIFY(cov);
        size_t inside = 0;
        *covered = 0;
        for (const CoverageInterval &c : *cov) {
            Result<Bars> bars = store->readBars(kBinanceBtc, c.range);
            QVERIFY(bars);
            const Bars truth = fake.groundTruth(QStringLiteral("BTCUSDT"), c.range);
            QCOMPARE(bars->size(), truth.size());
            QVERIFY(*bars == truth);
            inside += bars->size();
            *covered += c.range.length() / kMinuteMs;
        }
        QCOMPARE(store->readBars(kBinanceBtc, range)->size(), inside);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_mount = m_dir.filePath(QStringLiteral("disk"));
        QVERIFY(QDir().mkpath(m_mount));
        ::signal(SIGXFSZ, SIG_IGN); // inherited by the children started below
    }

    void cleanupTestCase()
    {
        if (m_mounted)
            runShell(QStringLiteral("umount -l '%1'").arg(m_mount));
    }

    void fullDuringBackfill()
    {
        fakes::BinanceFake fake(61);
        QVERIFY(fake.listen());
        // BK_FAULT_NO_TMPFS=1 takes the file-size-limit path even where mount works.
        const bool tmpfs = !qEnvironmentVariableIsSet("BK_FAULT_NO_TMPFS") && mountTmpfs(QStringLiteral("1536k"));
        qInfo("full disk simulated by %s", tmpfs ? "a 1.5 MB tmpfs" : "RLIMIT_FSIZE 1.5 MB");
        const QString storeUrl = QStringLiteral("sqlite://") + m_mount + QStringLiteral("/bk.db");
        const QStringList sets{QStringLiteral("store.url=") + storeUrl,
                               QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                               QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                               QStringLiteral("backfill.useArchive=false")};
        HeadlessInstance bk(sets);
        if (!tmpfs)
            bk.setLauncher({QStringLiteral("prlimit"), QStringLiteral("--fsize=1572864"), QStringLiteral("--")});
        QVERIFY2(bk.start(), bk.log().constData());

        // ~260k bars: far more than 1.5 MB of day blocks, journal and ledger.
        const TimeRange range{utc(2022, 1, 3), utc(2022, 7, 1)};
        const qint64 id = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY2(id > 0, bk.log().constData());
        QTRY_VERIFY_WITH_TIMEOUT(QStringList({QStringLiteral("failed"), QStringLiteral("paused"), QStringLiteral("done")})
                                     .contains(bk.job(id).value(QStringLiteral("state")).toString()),
                                 240'000);
        const QJsonObject job = bk.job(id);
        const QString error = job.value(QStringLiteral("error")).toString();
        qInfo("job %s: %s", qPrintable(job.value(QStringLiteral("state")).toString()), qPrintable(error));
        QCOMPARE(job.value(QStringLiteral("state")).toString(), QStringLiteral("failed"));
        // ENOSPC is SQLite's "database or disk is full"; EFBIG (the file-size limit) its
        // "disk I/O error". Either names the disk.
        QVERIFY2(error.contains(QStringLiteral("disk"), Qt::CaseInsensitive), qPrintable(error));
        QVERIFY2(bk.isRunning(), bk.log().constData());
        QCOMPARE(bk.get(QStringLiteral("/api/v1/health")).status, 200);
        // What is stored is still served, and right.
        const TimeRange firstDay{range.from, range.from + 24 * 3600000LL};
        int status = 0;
        const Bars served = ohlcv(bk, QStringLiteral("binance"), QStringLiteral("BTC/USDT"), firstDay, &status);
        QCOMPARE(status, 200);
        QVERIFY(served == fake.groundTruth(QStringLiteral("BTCUSDT"), firstDay));
        QVERIFY(bk.terminate());

        // Intact on disk, read by a fresh connection (on the still full disk).
        qint64 coveredWhenFull = 0;
        {
            auto store = openStore(storeUrl);
            QVERIFY(store);
            checkIntact(store.get(), fake, range, &coveredWhenFull);
            if (QTest::currentTestFailed())
                return;
        }
        QVERIFY(coveredWhenFull > 0);
        QVERIFY(coveredWhenFull < range.length() / kMinuteMs);

        // Room again: the same backfill finishes, continuing from what was kept.
        if (tmpfs)
            QVERIFY(mountTmpfs(QStringLiteral("64m")));
        HeadlessInstance roomy(sets);
        QVERIFY2(roomy.start(), roomy.log().constData());
        qint64 again = roomy.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        if (again <= 0) {
            // The first job may come back unfinished (its failure could not be saved on the
            // full disk): it resumes by itself, and a second job for its range is refused
            // (409). Follow that one.
            const QJsonArray jobs = roomy.get(QStringLiteral("/api/v1/backfills"))
                                        .json.value(QStringLiteral("backfills")).toArray();
            for (const QJsonValue &v : jobs) {
                const QJsonObject j = v.toObject();
                const QString state = j.value(QStringLiteral("state")).toString();
                if (j.value(QStringLiteral("symbol")).toString() == QLatin1String("BTC/USDT")
                    && state != QLatin1String("done") && state != QLatin1String("failed")
                    && state != QLatin1String("cancelled"))
                    again = j.value(QStringLiteral("id")).toInteger(-1);
            }
        }
        QVERIFY2(again > 0, roomy.log().right(3000).constData());
        QTRY_COMPARE_WITH_TIMEOUT(roomy.job(again).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 240'000);
        QVERIFY(roomy.terminate());
        auto store = openStore(storeUrl);
        QVERIFY(store);
        qint64 covered = 0;
        checkIntact(store.get(), fake, range, &covered);
        QCOMPARE(covered, range.length() / kMinuteMs);
    }
};

QTEST_GUILESS_MAIN(TestFaultDiskFull)
#include "tst_faultdiskfull.moc"
